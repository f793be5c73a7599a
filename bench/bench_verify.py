#!/usr/bin/env python3
"""Verify throughput on the signed sample, and what the appearance comparison costs.

    python bench/bench_verify.py               # 200 copies of tests/data/tampered/signed.xlsx
    python bench/bench_verify.py --files 50

1. `tally.verify.verify_files` in one process over FILES copies of the signed sample
   (target: at least 50 files per second). The copies carry the same results.json, so the
   minutes are rebuilt once and shared (tally.compare.rebuild's cache);
2. the same with the rebuild cache cleared before every file: the rate for a batch of
   distinct results;
3. per file, best of N: the strict read (tally.snapshot.read_workbook), rebuilding the
   minutes from results.json, and comparing the two.

Performance is measured, not asserted: the script always exits 0.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

TARGET = 50.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args(argv)

    from tally.compare import compare_appearance, expected_cells, rebuild
    from tally.sign import embedded_results
    from tally.snapshot import read_workbook
    from tally.verify import verify_file, verify_files

    sample = REPO / "tests" / "data" / "tampered" / "signed.xlsx"
    trust = str(REPO / "tests" / "data" / "keys" / "committee.pub")
    work = Path(tempfile.mkdtemp(prefix="tally-bench-verify-"))
    try:
        files = []
        for i in range(args.files):
            dest = work / f"r{i:04d}.xlsx"
            shutil.copyfile(sample, dest)
            files.append(dest)
        verify_files(files[:1], [trust])            # imports and first rebuild outside the timing
        t = time.perf_counter()
        report = verify_files(files, [trust], workers=1)
        s = time.perf_counter() - t
        rate = len(files) / s
        print(f"verify, one process, same results:     {rate:7.1f} files/s  "
              f"({'PASS' if rate >= TARGET else 'FAIL'} >= {TARGET:.0f}; {sum(f.passed for f in report.files)}"
              f"/{len(files)} verified)")
        from tally.verify import load_anchors

        anchors = load_anchors([trust])
        some = files[: max(1, min(len(files), 40))]
        t = time.perf_counter()
        for f in some:
            rebuild.cache_clear()
            expected_cells.cache_clear()
            verify_file(f, anchors)
        s = time.perf_counter() - t
        print(f"verify, one process, distinct results: {len(some) / s:7.1f} files/s  (rebuild cache cleared)")

        raw = sample.read_bytes()

        def best(fn: object) -> float:
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                fn()  # type: ignore[operator]
                times.append(time.perf_counter() - t0)
            return min(times) * 1000

        snap = read_workbook(raw)
        data = embedded_results(snap)
        assert data is not None
        want = rebuild(data, True)

        def rebuild_fresh() -> None:
            rebuild.cache_clear()
            expected_cells.cache_clear()
            rebuild(data, True)

        print(f"strict read of one workbook:           {best(lambda: read_workbook(raw)):7.1f} ms")
        print(f"rebuild the minutes from results.json: {best(rebuild_fresh):7.1f} ms")
        print(f"compare the appearance:                {best(lambda: compare_appearance(want, snap)):7.1f} ms")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
