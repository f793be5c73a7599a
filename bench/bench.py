#!/usr/bin/env python3
"""Every speed target of tally in one run, measured side by side (issue 14).

    python bench/bench.py                      # the 3 M-cell workbook, 3 paired rounds
    python bench/bench.py --rounds 5 --verify-files 500
    python bench/bench.py --ballots 2000 --persons 10 --rounds 1    # a quick smoke run

On the big sheet (100,000 ballots x 30 people, generated once by bench_count.py), each
round runs, one after another in a rotating order, a bare python-calamine read, pandas
`read_excel(engine="calamine")` + `value_counts` (when some Python with pandas is found:
--pandas-python, this Python, or $TALLY_BENCH_PANDAS), `tally count` and `tally check`,
each as its own process with its peak memory from os.wait4. The ratios are taken within
a round (so a machine busy with something else slows both sides) and their median is
reported, with the median times. Then: a realistic event counted end to end (median of
5), `tally --help` (median of 5), and `tally verify` on a batch of signed realistic
results (bench/bench_verify.py): in one process, in as many processes as it picks (CPU per
wall time: the cores it kept busy), as the command runs it, on distinct results (the target's
figure: what an auditor verifies; copies share their reads) in one process and in as many as it
picks, and sign.

Performance is measured, not asserted: the script always exits 0 once it has run.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from bench_count import (BARE_CALAMINE, PYCACHE, Run, baseline_command, big_case, check_results, compile_bytecode,
                         realistic_case, run_measured, tally_command)

TARGETS = {
    "count": 1.5,           # x bare calamine
    "check": 1.2,           # x bare calamine
    "peak_mb": 600.0,
    "realistic_s": 0.25,
    "help_s": 0.1,
    "verify_per_s": 100.0,
}

PANDAS = r"""
import sys
import pandas as pd
frame = pd.read_excel(sys.argv[1], sheet_name=sys.argv[2], engine="calamine")
counts = {column: frame[column].value_counts() for column in frame.columns[3:]}
print(len(frame), len(counts))
"""


# A pure-Python loop of the kind tally's own code is made of (dicts, tuples, str formatting),
# timed in this interpreter: the absolute figures below (the realistic event, --help, verify
# files/s) scale with it, the ratios to the bare read much less. How CPython was built matters:
# on this machine, December 2026, pyenv's default build (no --enable-optimizations) took 54-55
# us and Debian's python3 (built with PGO, as python.org's Windows installer is) 44 us, and
# verify went from 86 to 122 files/s with nothing else changed (bench/README.md).
REFERENCE = ("import timeit\n"
             "d = {i: (i, str(i)) for i in range(1000)}\n"
             "print(min(timeit.repeat(lambda: [f'{v[1]}x' for k, v in d.items() if k % 3 or v[0]], "
             "number=200, repeat=7)) / 200 * 1e6)")


def interpreter_speed() -> str:
    out = subprocess.run([sys.executable, "-c", REFERENCE], capture_output=True, text=True, check=False)
    try:
        micros = float(out.stdout.strip())
    except ValueError:
        return "interpreter: reference loop failed"
    return (f"interpreter {sys.executable}: reference loop {micros:.1f} us (pure Python: the absolute "
            "figures below scale with it)")


def find_pandas(option: str | None) -> str | None:
    for python in (option, os.environ.get("TALLY_BENCH_PANDAS"), sys.executable):
        if python and subprocess.run([python, "-c", "import pandas, python_calamine"], capture_output=True,
                                     check=False).returncode == 0:
            return python
    return None


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def fmt_runs(xs: list[float], digits: int = 2) -> str:
    return ", ".join(f"{x:.{digits}f}" for x in xs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="tally against the tools a user would pick instead, all targets.")
    ap.add_argument("--ballots", type=int, default=100_000)
    ap.add_argument("--persons", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3, help="paired rounds on the big sheet (default 3)")
    ap.add_argument("--verify-files", type=int, default=300, help="signed copies verified (default 300)")
    ap.add_argument("--verify-distinct", type=int, default=30,
                    help="distinct signed results verified, the target's figure (default 30)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tally-bench")
    ap.add_argument("--tally", help="command that starts the CLI (default: this checkout's, through bench/checkout_cli.py)")
    ap.add_argument("--pandas-python", help="a Python with pandas and python-calamine (default: this one, if so)")
    ap.add_argument("--baseline", help='another build to compare in the same rounds, e.g. "python /old/checkout/cli.py" (run through '
                    'bench/checkout_cli.py)')
    args = ap.parse_args(argv)

    cells = args.ballots * args.persons
    print(f"tally benchmark: {args.ballots:,} ballots x {args.persons} people = {cells:,} mark cells, "
          f"{args.rounds} paired round(s)")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s), load {os.getloadavg()[0]:.1f}, "
          f"cache {args.cache}")
    print(f"  {interpreter_speed()}")
    big = big_case(args.cache, args.ballots, args.persons)
    realistic = realistic_case(args.cache)
    tally, cwd, how = tally_command(args.tally)
    pandas = find_pandas(args.pandas_python)
    print(f"  tally: {' '.join(tally)} ({how}); pandas: {pandas or 'not found (skipped)'}")
    checkouts = [REPO] + [Path(word).resolve().parent for word in shlex.split(args.baseline or "")
                          if word.endswith(".py") and (Path(word).resolve().parent / "ballots").is_dir()]
    compile_bytecode(*checkouts)
    print(f"  bytecode compiled first, as pip install does (cache {PYCACHE})")
    book = big / "ballots.xlsx"
    out_dir = Path(tempfile.mkdtemp(prefix="tally-bench-out-"))
    commands: dict[str, tuple[list[str], Path | None]] = {
        "bare calamine": ([sys.executable, "-c", BARE_CALAMINE, str(book), "g1"], None),
        "tally count": (tally + ["count", str(big / "event.toml"), str(book), "-o", str(out_dir / "results.xlsx"),
                                 "--force"], cwd),
        "tally check": (tally + ["check", str(big / "event.toml"), str(book)], cwd),
    }
    if pandas:
        commands["pandas"] = ([pandas, "-c", PANDAS, str(book), "g1"], None)
    if args.baseline:
        old = baseline_command(args.baseline)
        commands["baseline count"] = (old + ["count", str(big / "event.toml"), str(book), "-o",
                                             str(out_dir / "old" / "results.xlsx"), "--force"], None)
        commands["baseline check"] = (old + ["check", str(big / "event.toml"), str(book)], None)
        (out_dir / "old").mkdir()
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    names = list(commands)
    try:
        for r in range(args.rounds):
            order = names[r % len(names):] + names[:r % len(names)]     # rotate: no side always goes first
            for name in order:
                cmd, where = commands[name]
                run = run_measured(cmd, where)
                if run.returncode != 0:
                    print(f"  {name} FAILED (exit {run.returncode}): {run.stderr[-1500:]}")
                runs[name].append(run)
            print(f"  round {r + 1}: " + ", ".join(f"{n} {runs[n][-1].seconds:.2f} s" for n in names), flush=True)
        counted = check_results(out_dir / "results.json", big / "expected.json")
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)

    print()
    print(f"{'3 M-cell sheet':22s} {'median s':>9s} {'x bare':>7s} {'cpu s':>7s} {'x bare':>7s} {'peak MB':>8s}"
          f"   runs (s)")
    bare = [r.seconds for r in runs["bare calamine"]]
    bare_cpu = [r.cpu for r in runs["bare calamine"]]
    verdicts: list[tuple[str, bool | None]] = []
    for name in names:
        times = [r.seconds for r in runs[name]]
        cpus = [r.cpu for r in runs[name]]
        ratio = median([t / b for t, b in zip(times, bare)])
        cpu_ratio = median([t / b for t, b in zip(cpus, bare_cpu)])
        peak = max(r.peak_mb for r in runs[name])
        print(f"  {name:20s} {median(times):9.2f} {ratio:7.2f} {median(cpus):7.2f} {cpu_ratio:7.2f} {peak:8.0f}"
              f"   {fmt_runs(times)}")
        if name in ("tally count", "tally check"):
            key = name.split()[1]
            verdicts.append((f"{name} {ratio:.2f} x bare read <= {TARGETS[key]}", ratio <= TARGETS[key]))
        if name == "tally count":
            verdicts.append((f"tally count peak {peak:.0f} MB < {TARGETS['peak_mb']:.0f} MB",
                             peak < TARGETS["peak_mb"]))
    print(f"  tally count results: {counted}")

    print()
    out = Path(tempfile.mkdtemp(prefix="tally-bench-real-"))
    try:
        cmd = tally + ["count", str(realistic / "event.toml"), str(realistic / "ballots.xlsx"), "-o",
                       str(out / "results.xlsx"), "--force"]
        old_cmd = (baseline_command(args.baseline) + cmd[len(tally):]) if args.baseline else None
        real, old_real = [], []
        for _ in range(5):            # interleaved with the baseline, when there is one
            real.append(run_measured(cmd, cwd))
            if old_cmd:
                old_real.append(run_measured(old_cmd).seconds)
        real_s = [r.seconds for r in real if r.returncode == 0]
        if old_real:
            print(f"baseline realistic event: median {median(old_real):.3f} s   runs {fmt_runs(old_real, 3)}")
        print(f"realistic event (3 groups, 40 people, 500 ballots): median {median(real_s):.3f} s "
              f"(cpu {median([r.cpu for r in real]):.3f} s)   runs {fmt_runs(real_s, 3)}   "
              f"{check_results(out / 'results.json', realistic / 'expected.json')}")
        verdicts.append((f"realistic event {median(real_s):.3f} s <= {TARGETS['realistic_s']} s",
                         median(real_s) <= TARGETS["realistic_s"] if real_s else None))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    help_runs = [run_measured(tally + ["--help"], cwd) for _ in range(5)]
    helps = [r.seconds for r in help_runs]
    if args.baseline:
        old_help = [run_measured(baseline_command(args.baseline) + ["--help"]).seconds for _ in range(5)]
        print(f"baseline --help: median {median(old_help):.3f} s")
    bare_python = [run_measured([sys.executable, "-c", "pass"]).seconds for _ in range(5)]
    # -S: without the site module, the .pth files an interpreter's site-packages run at every
    # start (a sandbox's certificate hook imports certifi: 40 ms on this machine, December 2026)
    no_site = [run_measured([sys.executable, "-S", "-c", "pass"]).seconds for _ in range(5)]
    print(f"tally --help: median {median(helps):.3f} s (cpu {median([r.cpu for r in help_runs]):.3f} s)   "
          f"runs {fmt_runs(helps, 3)}   (python -c pass: {median(bare_python):.3f} s, of which site and "
          f"its .pth files {max(0.0, median(bare_python) - median(no_site)):.3f} s)")
    verdicts.append((f"tally --help {median(helps):.3f} s <= {TARGETS['help_s']} s", median(helps) <= TARGETS["help_s"]))

    if args.verify_files:
        import bench_verify

        print()
        print(f"tally verify and sign, {args.verify_distinct} distinct signed realistic results and "
              f"{args.verify_files} copies of one (bench/bench_verify.py; --baseline CHECKOUT there for a "
              "paired before/after)")
        checkouts = {"this": REPO}
        vruns, vsteps = bench_verify.measure(checkouts, args.verify_files, args.verify_distinct, 1)
        bench_verify.report(checkouts, vruns, vsteps)
        # the target is on distinct results: copies share every read and rebuild through the memo
        distinct = bench_verify.rate(vruns, "distinct", "this")
        ok = min(r["ok"] for r in vruns[("distinct", "this")])
        verdicts.append((f"verify distinct results, one process {distinct:.0f} files/s >= "
                         f"{TARGETS['verify_per_s']:.0f}",
                         distinct >= TARGETS["verify_per_s"] and ok == args.verify_distinct))

    print()
    print("targets")
    for text, good in verdicts:
        print(f"  {'SKIP' if good is None else ('PASS' if good else 'FAIL')}  {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
