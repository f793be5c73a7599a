#!/usr/bin/env python3
"""Benchmark signing and verifying a batch of results workbooks.

    python bench/bench_sign.py                 # 1,000 workbooks of a realistic event
    python bench/bench_sign.py --files 100     # a quick run

What it does (see bench/README.md):

1. counts the realistic event of bench_count.py once (3 groups, 40 people, 500 ballots;
   generated into the cache directory on first use) and copies results.xlsx and
   results.json FILES times into a temporary directory (r0001.xlsx + r0001.json, ...);
2. makes a throw-away Ed25519 key and signs every copy with `tally.sign.sign_results`
   (sidecar .sig files and the embedded signature, atomic writes with fsync), one after
   another, and prints files per second;
3. verifies every copy against that key with `tally.verify.verify_files`, in one process
   and then spread over the machine's cores as `tally verify` does, and prints files per
   second for each (target: at least 20 per second);
4. runs the command `tally verify ALL FILES --trust KEY --json` end to end, startup included.

Performance is measured, not asserted: the script always exits 0 once it has run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

TARGET_VERIFY_PER_S = 20.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark tally sign and tally verify on many workbooks.")
    ap.add_argument("--files", type=int, default=1000, help="workbooks in the batch (default 1000)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tally-bench",
                    help="where the generated event is kept between runs (default: $TMPDIR/tally-bench)")
    args = ap.parse_args(argv)

    from bench_count import realistic_case, verdict
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from tally import pipeline
    from tally.sign import Ed25519Signer, sign_results
    from tally.verify import verify_files

    print(f"tally sign/verify benchmark: {args.files:,} results workbooks")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s), cache {args.cache}")
    case = realistic_case(args.cache)
    work = Path(tempfile.mkdtemp(prefix="tally-bench-sign-"))
    results: list[tuple[str, bool | None]] = []
    try:
        base = work / "base" / "results.xlsx"
        counted = pipeline.count_and_write(case / "event.toml", [case / "ballots.xlsx"], base)
        groups = counted.results.groups
        people = sum(len(g.persons) for g in groups)
        print(f"  event: {len(groups)} groups, {people} people; results.xlsx {base.stat().st_size:,} bytes, "
              f"results.json {len(counted.results_json):,} bytes")
        batch = work / "batch"
        batch.mkdir()
        xlsx_bytes, json_bytes = base.read_bytes(), counted.results_json
        files = []
        for i in range(1, args.files + 1):
            x = batch / f"r{i:04d}.xlsx"
            x.write_bytes(xlsx_bytes)
            x.with_suffix(".json").write_bytes(json_bytes)
            files.append(x)
        key = ed25519.Ed25519PrivateKey.generate()
        pub = work / "committee.pub"
        pub.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo))
        signer = Ed25519Signer(key)
        print()

        print("sign (tally.sign.sign_results, one after another)")
        t0 = time.perf_counter()
        for f in files:
            sign_results(f, signer)
        sign_s = time.perf_counter() - t0
        print(f"  time  {sign_s:8.2f} s   {len(files) / sign_s:8.1f} files/s")
        print()

        for label, workers in (("one process", 1), (f"{os.cpu_count()} processes", None)):
            print(f"verify (tally.verify.verify_files, {label})")
            t0 = time.perf_counter()
            report = verify_files(files, [str(pub)], workers=workers)
            s = time.perf_counter() - t0
            ok = sum(1 for f in report.files if f.passed)
            rate = len(files) / s
            print(f"  time  {s:8.2f} s   {rate:8.1f} files/s   {ok}/{len(files)} verified")
            results.append((f"verify, {label}: {rate:.1f} files/s >= {TARGET_VERIFY_PER_S:.0f}",
                            rate >= TARGET_VERIFY_PER_S and ok == len(files)))
            print()

        exe = shutil.which("tally")
        cmd = [exe] if exe else [sys.executable, "-m", "tally"]
        print("tally verify ALL --trust committee.pub --json (end to end)")
        t0 = time.perf_counter()
        proc = subprocess.run([*cmd, "verify", *map(str, files), "--trust", str(pub), "--json"],
                              capture_output=True, text=True, check=False)
        s = time.perf_counter() - t0
        if proc.returncode not in (0, 9):
            print(f"  FAILED (exit {proc.returncode}): {proc.stderr[-2000:]}")
            results.append(("tally verify end to end", None))
        else:
            doc = json.loads(proc.stdout)
            ok = sum(1 for f in doc["files"] if f["passed"])
            rate = len(files) / s
            print(f"  time  {s:8.2f} s   {rate:8.1f} files/s   {ok}/{len(files)} verified, exit {proc.returncode}")
            results.append((f"tally verify end to end: {rate:.1f} files/s >= {TARGET_VERIFY_PER_S:.0f}",
                            rate >= TARGET_VERIFY_PER_S and ok == len(files)))
        print()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("targets")
    for text, ok in results:
        print(f"  {'SKIP' if ok is None else verdict(ok)}  {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
