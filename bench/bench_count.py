#!/usr/bin/env python3
"""Benchmark `tally count` against a bare python-calamine read of the same workbook.

    python bench/bench_count.py                          # 100,000 ballots x 30 people
    python bench/bench_count.py --ballots 2000 --persons 10

What it does (see bench/README.md):

1. generates, once per parameter set (cached in a temp dir), an event with one group
   of PERSONS people and a workbook with one sheet of BALLOTS rows x PERSONS marks;
2. times, each in its own subprocess, (a) a bare python-calamine iteration touching
   every cell and (b) `tally count EVENT BALLOTS -o OUT --force` end to end, and
   reads each child's peak RSS from os.wait4;
3. prints the times, the ratio tally/bare, cells per second and peak memory, with the
   targets (ratio <= 1.5, peak < 600 MB) as PASS/FAIL lines;
4. times a realistic event (3 groups, 40 people, 500 ballots; target < 1 s) and
   `tally --help` (best of 5; target < 0.3 s).

Performance is measured, not asserted: the script always exits 0 once it has run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GEN_VERSION = 1                      # bump when the generated files change shape
SEED = 1_000_003

TARGET_RATIO = 1.5
TARGET_PEAK_MB = 600.0
TARGET_REALISTIC_S = 1.0
TARGET_HELP_S = 0.3

# Marks on the big sheet: mostly high, a few invalid rows (0).
MARKS = (1, 2, 3, 0)
WEIGHTS = (0.62, 0.28, 0.095, 0.005)
LEVEL = {1: "high", 2: "medium", 3: "low", 0: "invalid"}

BARE_CALAMINE = r"""
import sys
from python_calamine import CalamineWorkbook
path, sheet = sys.argv[1], sys.argv[2]
rows = cells = filled = 0
for row in CalamineWorkbook.from_path(path).get_sheet_by_name(sheet).iter_rows():
    rows += 1
    for value in row:
        cells += 1
        if value != "":
            filled += 1
print(rows, cells, filled)
"""


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int
    stdout: str
    stderr: str
    cpu: float = 0.0      # user + system seconds of the child: what a busy machine does not inflate much


PYCACHE = Path(tempfile.gettempdir()) / "tally-bench" / "pycache"


def child_env() -> dict[str, str]:
    """The environment a measured process runs in: with compiled bytecode, as a user has it.

    `pip install` compiles every module it installs; a checkout run as `python -m tally`, or a
    machine with PYTHONDONTWRITEBYTECODE set, compiles tally's own modules from source on every
    start (~80 ms on this machine), which no user pays. The bytecode goes to a cache of the
    benchmark's own (PYTHONPYCACHEPREFIX), never into the checkout."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def compile_bytecode(*checkouts: Path) -> None:
    """Compile each checkout's modules into the benchmark's bytecode cache before measuring."""
    for checkout in checkouts:
        targets = [str(p) for p in (checkout / "ballots", checkout / "tally") if p.is_dir()]
        targets += [str(p) for p in sorted(checkout.glob("cli*.py"))]
        if targets:
            subprocess.run([sys.executable, "-m", "compileall", "-q", *targets], env=child_env(),
                           stdout=subprocess.DEVNULL, check=False)


def run_measured(cmd: list[str], cwd: Path | None = None) -> Run:
    """Run cmd to completion; wall time and the child's own peak RSS (os.wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                env=child_env())
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)   # so Popen does not wait again
        out.seek(0)
        err.seek(0)
        return Run(
            seconds=seconds,
            peak_mb=usage.ru_maxrss / 1024.0,                  # Linux: kilobytes
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            cpu=usage.ru_utime + usage.ru_stime,
        )


def best_of(n: int, cmd: list[str], cwd: Path | None = None) -> tuple[Run, list[float]]:
    runs = [run_measured(cmd, cwd) for _ in range(n)]
    ok = [r for r in runs if r.returncode == 0] or runs
    return min(ok, key=lambda r: r.seconds), [r.seconds for r in runs]


LAUNCHER = Path(__file__).resolve().parent / "checkout_cli.py"


def checkout_command(python: str, checkout: Path) -> list[str]:
    """The command that runs `checkout`'s own CLI with `python` (bench/checkout_cli.py)."""
    return [python, str(LAUNCHER), str(checkout.resolve())]


def tally_command(override: str | None) -> tuple[list[str], Path | None, str]:
    """How to start the CLI: --tally, else this checkout's own code (not a `tally` on PATH,
    which may be another install, e.g. a pyenv shim running the global Python's tally)."""
    if override:
        return shlex.split(override), None, "--tally"
    if (REPO / "cli.py").is_file():
        return checkout_command(sys.executable, REPO), None, f"this checkout, {REPO}"
    return [], None, "not found"


def baseline_command(text: str) -> list[str]:
    """--baseline as given; "PYTHON /old/checkout/cli.py" (cli.py cannot run as a script: it is
    the package tally._cli) becomes that checkout's CLI through bench/checkout_cli.py."""
    words = shlex.split(text)
    if len(words) == 2 and words[1].endswith("cli.py") and (Path(words[1]).resolve().parent / "ballots").is_dir():
        return checkout_command(words[0], Path(words[1]).resolve().parent)
    return words


def tail(text: str, lines: int = 15) -> str:
    return "\n".join("    " + line for line in text.rstrip().splitlines()[-lines:])


# --------------------------------------------------------------------------- generating


def event_toml(groups: list[tuple[str, list[tuple[str, str]], int]]) -> str:
    """groups: (group id, [(person id, name)], ballots)."""
    out = [
        "schema = 1",
        "",
        "[event]",
        'title = "Benchmark"',
        'organisation = "Đảng bộ Sở Thử nghiệm"',
        "date = 2023-06-30",
        'rules = "qd96-2023"',
        'language = "vi"',
        "",
        "[[committee]]",
        'name = "Ban kiểm phiếu"',
        'role = "Trưởng ban"',
    ]
    for gid, _people, _n in groups:
        out += ["", "[[positions]]", f'id = "{gid}"', f'title = "Chức danh {gid}"']
    for gid, people, _n in groups:
        for pid, name in people:
            out += ["", "[[persons]]", f'id = "{pid}"', f'name = "{name}"', f'positions = ["{gid}"]']
    for gid, _people, n in groups:
        out += [
            "",
            "[[groups]]",
            f'id = "{gid}"',
            f'title = "Phiếu {gid}"',
            f'positions = ["{gid}"]',
            f"summoned = {n}",
            f"present = {n}",
            f"issued = {n}",
            f"collected = {n}",
        ]
    return "\n".join(out) + "\n"


FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Minh", "Quang", "Thanh", "Đức", "Hồng", "Ngọc"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Lan", "Long", "Mai", "Nam", "Sơn", "Tâm"]


def person_name(i: int) -> str:
    return f"{FAMILY[i % 10]} {MIDDLE[(i // 10) % 8]} {GIVEN[(i * 7) % 12]} {i}"


def write_workbook(path: Path, sheets: list[tuple[str, list[tuple[str, str]], int]], rng: random.Random) -> dict:
    """Write a write_only workbook; return the expected per-person counts."""
    from openpyxl import Workbook

    expected: dict = {}
    wb = Workbook(write_only=True)
    for gid, people, n in sheets:
        ws = wb.create_sheet(gid)
        ws.append(["Số phiếu", "Tình trạng", "Ghi chú"] + [f"{pid} - {name}" for pid, name in people])
        counts = [dict.fromkeys(LEVEL.values(), 0) for _ in people]
        k = len(people)
        for number in range(1, n + 1):
            marks = rng.choices(MARKS, WEIGHTS, k=k)
            for c, m in zip(counts, marks):
                c[LEVEL[m]] += 1
            note = "Đánh dấu 2 ô" if 0 in marks else None
            ws.append([number, None, note, *marks])
        expected[gid] = {pid: c for (pid, _), c in zip(people, counts)}
    wb.save(path)
    return expected


def generate(cache: Path, name: str, sheets: list[tuple[str, list[tuple[str, str]], int]], seed: int) -> Path:
    """Event + ballots + expected counts in cache/name, built once (the json is written last)."""
    d = cache / name
    if (d / "expected.json").is_file():
        return d
    d.mkdir(parents=True, exist_ok=True)
    print(f"  generating {d} ...", flush=True)
    t0 = time.perf_counter()
    (d / "event.toml").write_text(event_toml(sheets), encoding="utf-8")
    tmp = d / "ballots.tmp.xlsx"
    expected = write_workbook(tmp, sheets, random.Random(seed))
    tmp.replace(d / "ballots.xlsx")
    (d / "expected.json").write_text(json.dumps(expected, sort_keys=True), encoding="utf-8")
    print(f"  generated in {time.perf_counter() - t0:.1f} s", flush=True)
    return d


def big_case(cache: Path, ballots: int, persons: int) -> Path:
    people = [(f"p{i:03d}", person_name(i)) for i in range(1, persons + 1)]
    return generate(cache, f"big-v{GEN_VERSION}-b{ballots}-p{persons}", [("g1", people, ballots)], SEED)


def realistic_case(cache: Path) -> Path:
    # 3 forms, 40 people (5 + 15 + 20), 500 ballots (45 + 180 + 275).
    split = [("btv", 5, 45), ("lanhdao", 15, 180), ("truongphong", 20, 275)]
    sheets, i = [], 0
    for gid, k, n in split:
        sheets.append((gid, [(f"p{i + j:02d}", person_name(i + j)) for j in range(1, k + 1)], n))
        i += k
    return generate(cache, f"realistic-v{GEN_VERSION}", sheets, SEED + 1)


# --------------------------------------------------------------------------- checking


def check_results(results_json: Path, expected_file: Path) -> str:
    """Compare tally's per-person counts with what the generator wrote."""
    if not results_json.is_file():
        return f"no {results_json.name} written"
    try:
        got = json.loads(results_json.read_text(encoding="utf-8"))
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        bad = []
        groups = {g["id"]: g for g in got["groups"]}
        for gid, persons in expected.items():
            found = {p["id"]: p for p in groups[gid]["persons"]}
            for pid, want in persons.items():
                have = {key: found[pid][key] for key in want}
                if have != want:
                    bad.append(f"{gid}/{pid}: expected {want}, got {have}")
        return "OK (every person's counts match the generator)" if not bad else "MISMATCH: " + "; ".join(bad[:3])
    except (KeyError, TypeError, ValueError) as exc:
        return f"could not compare ({type(exc).__name__}: {exc})"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark tally count against bare python-calamine.")
    ap.add_argument("--ballots", type=int, default=100_000, help="rows on the big sheet (default 100000)")
    ap.add_argument("--persons", type=int, default=30, help="mark columns on the big sheet (default 30)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each big measurement; best is kept (default 1)")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tally-bench",
                    help="where generated files are kept between runs (default: $TMPDIR/tally-bench)")
    ap.add_argument("--tally", help="command that starts the CLI (default: this checkout's, through bench/checkout_cli.py)")
    ap.add_argument("--skip-realistic", action="store_true", help="only the big sheet")
    args = ap.parse_args(argv)

    cells = args.ballots * args.persons
    print(f"tally benchmark: {args.ballots:,} ballots x {args.persons} people = {cells:,} mark cells")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s), cache {args.cache}")
    big = big_case(args.cache, args.ballots, args.persons)
    realistic = None if args.skip_realistic else realistic_case(args.cache)
    size_mb = (big / "ballots.xlsx").stat().st_size / 1e6
    print(f"  workbook {big / 'ballots.xlsx'} ({size_mb:.1f} MB)")

    tally, tally_cwd, how = tally_command(args.tally)
    compile_bytecode(REPO)
    print(f"  tally command: {' '.join(tally) if tally else '-'} ({how})")
    print()

    # (a) bare python-calamine
    bare_cmd = [sys.executable, "-c", BARE_CALAMINE, str(big / "ballots.xlsx"), "g1"]
    bare, bare_all = best_of(args.repeat, bare_cmd)
    print("bare python-calamine (iter_rows, every cell touched)")
    if bare.returncode != 0:
        print(f"  FAILED (exit {bare.returncode})\n{tail(bare.stderr)}")
    else:
        print(f"  rows/cells/filled: {bare.stdout.strip()}")
        print(f"  time  {bare.seconds:8.2f} s   runs {', '.join(f'{s:.2f}' for s in bare_all)}")
        print(f"  speed {cells / bare.seconds:12,.0f} mark cells/s")
        print(f"  peak  {bare.peak_mb:8.1f} MB")
    print()

    # (b) tally count end to end
    results: list[tuple[str, bool | None]] = []
    out_dir = Path(tempfile.mkdtemp(prefix="tally-bench-out-"))
    try:
        print("tally count (end to end)")
        full: Run | None = None
        if not tally:
            print("  SKIPPED: no cli.py in this checkout (give --tally)")
        else:
            out = out_dir / "big" / "results.xlsx"
            out.parent.mkdir()
            cmd = tally + ["count", str(big / "event.toml"), str(big / "ballots.xlsx"), "-o", str(out), "--force"]
            run, all_runs = best_of(args.repeat, cmd, tally_cwd)
            if run.returncode != 0:
                print(f"  FAILED (exit {run.returncode}): {shlex.join(cmd)}\n{tail(run.stderr or run.stdout)}")
            else:
                full = run
                print(f"  time  {run.seconds:8.2f} s   runs {', '.join(f'{s:.2f}' for s in all_runs)}")
                print(f"  speed {cells / run.seconds:12,.0f} mark cells/s")
                print(f"  peak  {run.peak_mb:8.1f} MB")
                print(f"  results: {check_results(out.with_suffix('.json'), big / 'expected.json')}")
        print()

        if full and bare.returncode == 0:
            ratio = full.seconds / bare.seconds
            print(f"ratio tally/bare: {ratio:.2f}")
            results.append((f"time ratio tally/bare {ratio:.2f} <= {TARGET_RATIO}", ratio <= TARGET_RATIO))
            results.append((f"tally peak memory {full.peak_mb:.0f} MB < {TARGET_PEAK_MB:.0f} MB",
                            full.peak_mb < TARGET_PEAK_MB))
        else:
            results.append((f"time ratio tally/bare <= {TARGET_RATIO}", None))
            results.append((f"tally peak memory < {TARGET_PEAK_MB:.0f} MB", None))

        # realistic event and --help
        if realistic is not None:
            print("realistic event: 3 groups, 40 people, 500 ballots (best of 3)")
            if not tally:
                print("  SKIPPED")
                results.append((f"realistic event < {TARGET_REALISTIC_S} s", None))
            else:
                out = out_dir / "realistic" / "results.xlsx"
                out.parent.mkdir()
                cmd = tally + ["count", str(realistic / "event.toml"), str(realistic / "ballots.xlsx"),
                               "-o", str(out), "--force"]
                run, all_runs = best_of(3, cmd, tally_cwd)
                if run.returncode != 0:
                    print(f"  FAILED (exit {run.returncode}): {shlex.join(cmd)}\n{tail(run.stderr or run.stdout)}")
                    results.append((f"realistic event < {TARGET_REALISTIC_S} s", None))
                else:
                    print(f"  time  {run.seconds:8.3f} s   runs {', '.join(f'{s:.3f}' for s in all_runs)}")
                    print(f"  peak  {run.peak_mb:8.1f} MB")
                    print(f"  results: {check_results(out.with_suffix('.json'), realistic / 'expected.json')}")
                    results.append((f"realistic event {run.seconds:.3f} s < {TARGET_REALISTIC_S} s",
                                    run.seconds < TARGET_REALISTIC_S))
            print()

        print("tally --help (best of 5)")
        if not tally:
            print("  SKIPPED")
            results.append((f"tally --help < {TARGET_HELP_S} s", None))
        else:
            run, all_runs = best_of(5, tally + ["--help"], tally_cwd)
            if run.returncode != 0:
                print(f"  FAILED (exit {run.returncode})\n{tail(run.stderr or run.stdout)}")
                results.append((f"tally --help < {TARGET_HELP_S} s", None))
            else:
                print(f"  time  {run.seconds:8.3f} s   runs {', '.join(f'{s:.3f}' for s in all_runs)}")
                results.append((f"tally --help {run.seconds:.3f} s < {TARGET_HELP_S} s", run.seconds < TARGET_HELP_S))
        print()
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)

    print("targets")
    for text, ok in results:
        print(f"  {'SKIP' if ok is None else verdict(ok)}  {text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
