#!/usr/bin/env python3
"""The hostile-input pre-scan (ballots.limits.check_zip) in-process, this checkout against another, paired.

    python bench/bench_prescan.py --baseline /old/checkout     # the 3 M-cell sheet, 5 rounds
    python bench/bench_prescan.py --rounds 9 --calls 5

`tally check` and `tally count` run the pre-scan on every .xlsx before calamine sees it: every
zip member inflated in a stream (sizes, zip bombs) and one search over the sheet XML (103 MB
for the 3 M-cell sheet of bench_count.py) proving every cell lies in the rectangle the limits
allow. Each checkout runs in its own child process (one Python cannot import two `ballots`),
which reads the workbook once and times `check_zip` on it `--calls` times, and the members'
inflate alone (what the search adds to it is the rest); the best call of each child counts.
Rounds alternate which checkout goes first; medians of wall and CPU time are printed with the
ratio new/old taken within each round. Performance is measured, not asserted: exits 0.
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

from bench_count import big_case

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import io, json, sys, time, zipfile
from ballots import limits
data = open(sys.argv[1], "rb").read()
calls = int(sys.argv[2])
def best(f):
    wall = cpu = float("inf")
    for _ in range(calls):
        w0, c0 = time.perf_counter(), time.process_time()
        f()
        wall, cpu = min(wall, time.perf_counter() - w0), min(cpu, time.process_time() - c0)
    return wall, cpu
def inflate():
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            for _chunk in limits._raw_stream(data, info):
                pass
print(json.dumps({"check_zip": best(lambda: limits.check_zip(data, "xlsx", "ballots.xlsx")),
                  "inflate": best(inflate)}))
"""


def child(checkout: Path, book: Path, calls: int) -> dict[str, list[float]]:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    out = subprocess.run([sys.executable, "-c", CHILD, str(book), str(calls)], env=env, check=True,
                         capture_output=True, text=True, cwd=tempfile.gettempdir()).stdout
    result: dict[str, list[float]] = json.loads(out)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, help="the other checkout (its repository root)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--calls", type=int, default=3, help="calls per child; the best counts (default 3)")
    ap.add_argument("--ballots", type=int, default=100_000)
    ap.add_argument("--persons", type=int, default=30)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tally-bench")
    args = ap.parse_args(argv)
    book = big_case(args.cache, args.ballots, args.persons) / "ballots.xlsx"
    sides = {"this": REPO} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    print(f"pre-scan of {book} ({book.stat().st_size / 1e6:.1f} MB), {args.rounds} round(s), "
          f"best of {args.calls} calls, load {os.getloadavg()[0]:.1f}")
    runs: dict[str, list[dict[str, list[float]]]] = {name: [] for name in sides}
    for r in range(args.rounds):
        order = list(sides) if r % 2 == 0 else list(sides)[::-1]
        for name in order:
            runs[name].append(child(sides[name], book, args.calls))
        print(f"  round {r + 1}: " + ", ".join(f"{n} {runs[n][-1]['check_zip'][0]:.3f} s" for n in sides), flush=True)
    print(f"{'':10s} {'check_zip s':>12s} {'cpu s':>7s} {'inflate s':>10s} {'search etc. s':>14s}")
    for name in sides:
        wall = statistics.median(x["check_zip"][0] for x in runs[name])
        cpu = statistics.median(x["check_zip"][1] for x in runs[name])
        inflate = statistics.median(x["inflate"][1] for x in runs[name])
        print(f"{name:10s} {wall:12.3f} {cpu:7.3f} {inflate:10.3f} {cpu - inflate:14.3f}")
    if args.baseline:
        for i, what in ((0, "wall"), (1, "cpu")):
            ratio = statistics.median(a["check_zip"][i] / b["check_zip"][i]
                                      for a, b in zip(runs["this"], runs["baseline"]))
            print(f"this / baseline, check_zip {what}: {ratio:.2f} (median of the rounds' ratios)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
