#!/usr/bin/env python3
"""Writing the minutes (results.xlsx) in-process, this checkout against another, paired.

    python bench/bench_minutes.py --baseline /old/checkout            # realistic event + 3 M-cell sheet
    python bench/bench_minutes.py --baseline /old/checkout --skip-big --rounds 9

Each checkout runs in its own child process (one Python cannot import two `tally`s), which
counts the case once and then times `tally.workbook.write_workbook` on it: one call, the
first, then `--calls` more (the import of `tally.workbook` is timed first, after what a count loads
anyway). Rounds alternate which checkout goes first; the medians of wall and CPU
time per call are printed with the ratio new/old taken within each round. Both write the
same bytes (the child prints their SHA-256, and a difference is reported). The cases are
those of bench_count.py (made once, kept in --cache).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_count import big_case, realistic_case

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import gc, hashlib, json, sys, time
from pathlib import Path
case, calls = Path(sys.argv[1]), int(sys.argv[2])
import tally.layout, tally.model, ballots.rules    # what the count has loaded anyway
mods = set(sys.modules)
w0, c0 = time.perf_counter(), time.process_time()
from tally.workbook import write_workbook
imp = (time.perf_counter() - w0, time.process_time() - c0)
heavy = sorted(m for m in ("openpyxl", "numpy", "lxml") if m in sys.modules and m not in mods)
from tally.pipeline import check, count_results
checked = check(case / "event.toml", [case / "ballots.xlsx"])
results, data = count_results(checked)
runs = []
for _ in range(calls + 1):
    gc.collect()
    gc.disable()      # as tally.pipeline writes the minutes
    w0, c0 = time.perf_counter(), time.process_time()
    xlsx = write_workbook(results, data)
    runs.append((time.perf_counter() - w0, time.process_time() - c0))
    gc.enable()
print(json.dumps({"import": imp, "first": runs[0], "runs": runs[1:], "heavy": heavy,
                  "sha256": hashlib.sha256(xlsx).hexdigest(), "bytes": len(xlsx)}))
"""


def child(checkout: Path, case: Path, calls: int) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    out = subprocess.run([sys.executable, "-c", CHILD, str(case), str(calls)], env=env, check=True,
                         capture_output=True, text=True, cwd=tempfile.gettempdir()).stdout
    return json.loads(out.strip().splitlines()[-1])


def per_call(r: dict[str, object]) -> tuple[float, float]:
    runs = r["runs"]
    assert isinstance(runs, list)
    return statistics.median(w for w, _c in runs), statistics.median(c for _w, c in runs)


def measure(name: str, case: Path, new: Path, old: Path, rounds: int, calls: int) -> None:
    got: dict[str, list[dict[str, object]]] = {"new": [], "old": []}
    for i in range(rounds):
        order = [("new", new), ("old", old)] if i % 2 == 0 else [("old", old), ("new", new)]
        for label, checkout in order:
            got[label].append(child(checkout, case, calls))
    print(f"\n{name}: {rounds} rounds, {calls} timed calls each after the first")
    for label in ("old", "new"):
        rs = got[label]
        wall, cpu = zip(*(per_call(r) for r in rs))
        imp = [r["import"][0] for r in rs]  # type: ignore[index]
        first = [r["first"][0] for r in rs]  # type: ignore[index]
        print(f"  {label}: write {statistics.median(wall) * 1000:8.1f} ms wall {statistics.median(cpu) * 1000:8.1f} ms"
              f" CPU   first call {statistics.median(first) * 1000:8.1f} ms   import tally.workbook "
              f"{statistics.median(imp) * 1000:6.1f} ms   loads {rs[0]['heavy'] or 'none of openpyxl, numpy, lxml'}")
    ratios = [per_call(n)[1] / per_call(o)[1] for n, o in zip(got["new"], got["old"])]
    walls = [per_call(n)[0] / per_call(o)[0] for n, o in zip(got["new"], got["old"])]
    print(f"  new/old per call, median of the rounds: CPU {statistics.median(ratios):.3f}  wall "
          f"{statistics.median(walls):.3f}")
    same = {r["sha256"] for r in got["new"] + got["old"]}
    print("  bytes: " + ("identical" if len(same) == 1 else f"DIFFERENT ({len(same)} distinct)")
          + f", {got['new'][0]['bytes']} bytes")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", type=Path, required=True, help="the other checkout (its repository root)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--calls", type=int, default=10, help="timed calls per child on the realistic event")
    ap.add_argument("--skip-big", action="store_true", help="only the realistic event")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tally-bench")
    args = ap.parse_args(argv)
    measure("realistic event (3 groups, 40 people, 500 ballots)", realistic_case(args.cache), REPO,
            args.baseline.resolve(), args.rounds, args.calls)
    if not args.skip_big:
        measure("3 M-cell sheet (100,000 ballots x 30 people, ~15,000 invalid rows)",
                big_case(args.cache, 100_000, 30), REPO, args.baseline.resolve(), max(1, args.rounds // 2), 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
