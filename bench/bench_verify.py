#!/usr/bin/env python3
"""Verify and sign throughput on signed realistic results, paired against another checkout
(issue 14: `tally verify` at 100 files/s in one process on distinct results, what an auditor
verifies; sign and verify parse the workbook once).

    python bench/bench_verify.py                                  # this checkout alone
    python bench/bench_verify.py --baseline /old/checkout         # before/after, paired rounds
    python bench/bench_verify.py --files 1000 --rounds 1          # a 1,000-file batch of copies
    python bench/bench_verify.py --distinct 1000 --rounds 1       # a 1,000-file batch of distinct results

The realistic event of bench_count.py (3 groups, 40 people, 500 ballots) is counted, signed
and copied FILES times into one folder (r0000.xlsx + r0000.json + its .sig files, ...), and
DISTINCT other events of the same shape are counted and signed (distinct results: other
titles, other people's names, other ballots; nothing is shared between them). Each round runs, for each checkout in turn (the order rotates), every measurement in
a fresh process of its own, so no checkout inherits the other's imports or kept reads:

* one process: tally.verify.verify_files(..., workers=1) over the copies;
* all cores: verify_files as it chooses its processes; CPU per wall time says how many cores
  it kept busy (children included);
* the command: `python -m tally verify ALL --trust KEY` of that checkout, start-up included;
* distinct results: verify_file over the distinct results, one process: the headline figure,
  held to the target (copies share every read and rebuild through the process's memo, which
  is not what an auditor's batch of different results does);
* distinct results, all cores: verify_files over them as it chooses its processes;
* sign: tally.sign.sign_results over FILES/3 unsigned copies (four files fsynced each);
* the steps of one verify (this checkout and the baseline where it has them): a strict read
  cold and of a copy read before, rebuilding the minutes, the comparison.

Medians over the rounds; ratios are this checkout over the baseline, taken within a round.
The figures are wall time unless marked CPU. Performance is measured, not asserted: the
script always exits 0 once it has run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET = 100.0        # files per second, one process

CHILD = r'''
import json, os, shutil, sys, time
from pathlib import Path
checkout, work, what = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
sys.path[:0] = [str(checkout)]
from tally.verify import load_anchors, verify_file, verify_files
trust = [str(work / "committee.pub")]
copies = sorted((work / "copies").glob("r*.xlsx"))
distinct = sorted((work / "distinct").glob("*/results.xlsx"))

def cpu():
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system

out = {}
if what == "one" or what == "cores":
    t, c = time.perf_counter(), cpu()
    report = verify_files(copies, trust, workers=1 if what == "one" else None)
    out = {"wall": time.perf_counter() - t, "cpu": cpu() - c, "n": len(copies),
           "ok": sum(f.passed for f in report.files)}
elif what == "distinct":
    anchors = load_anchors(trust)
    t, c = time.perf_counter(), cpu()
    ok = sum(verify_file(f, anchors).passed for f in distinct)
    out = {"wall": time.perf_counter() - t, "cpu": cpu() - c, "n": len(distinct), "ok": ok}
elif what == "distinct-cores":
    t, c = time.perf_counter(), cpu()
    report = verify_files(distinct, trust)
    out = {"wall": time.perf_counter() - t, "cpu": cpu() - c, "n": len(distinct),
           "ok": sum(f.passed for f in report.files)}
elif what == "sign":
    from cryptography.hazmat.primitives import serialization
    from tally.sign import Ed25519Signer, sign_results
    signer = Ed25519Signer(serialization.load_pem_private_key((work / "committee.key").read_bytes(), None))
    folder = work / f"sign-{os.getpid()}"
    folder.mkdir()
    files = []
    for i in range(int(sys.argv[4])):
        x = folder / f"s{i:04d}.xlsx"
        shutil.copyfile(work / "unsigned" / "results.xlsx", x)
        shutil.copyfile(work / "unsigned" / "results.json", x.with_suffix(".json"))
        files.append(x)
    t, c = time.perf_counter(), cpu()
    for f in files:
        sign_results(f, signer)
    out = {"wall": time.perf_counter() - t, "cpu": cpu() - c, "n": len(files), "ok": len(files)}
    shutil.rmtree(folder)
elif what == "steps":
    import tally.compare as compare
    import tally.snapshot as snapshot
    from tally.sign import embedded_results
    raw = copies[0].read_bytes()
    memo = getattr(snapshot, "_MEMO", None)

    def best(fn, n=15):
        times = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times) * 1000

    def cold_read():
        if memo is not None:
            memo.clear()
        snapshot.read_snapshot(raw)

    snap = snapshot.read_snapshot(raw)
    data = embedded_results(snap)
    restricted = compare._restricted(snap)

    def rebuild():
        getattr(compare, "rebuilt_book", compare.rebuild).cache_clear()   # the book and its snapshot, since issue 14
        compare.expected_cells.cache_clear()
        if hasattr(compare, "laid_out"):     # the layout shared with the checked cells, since issue 14
            compare.laid_out.cache_clear()
        if memo is not None:
            memo.clear()
        compare.rebuild(data, restricted)

    want = compare.rebuild(data, restricted)
    kept = getattr(compare, "_COMPARED", None)

    def cold_compare():
        if kept is not None:
            kept.clear()
        compare.compare_appearance(want, snap)

    out = {"cold read": best(cold_read), "read of a copy": best(lambda: snapshot.read_snapshot(raw)),
           "rebuild": best(rebuild, 5), "compare cold": best(cold_compare),
           "compare a copy": best(lambda: compare.compare_appearance(want, snap))}
    if hasattr(compare, "expect_written"):     # the reader told the parts of the rebuilt minutes (issue 14)
        def expect():
            memo.clear()
            # the parts written and read again, cold (kept with the rebuilt snapshot since book_read)
            getattr(compare, "_expected_parts", compare.rebuilt_book).cache_clear()
            compare.expect_written(data)

        def read_expected():
            times = []
            for _ in range(15):
                expect()
                t = time.perf_counter()
                snapshot.read_snapshot(raw)
                times.append(time.perf_counter() - t)
            return min(times) * 1000

        out |= {"expect the rebuilt parts": best(lambda: expect()), "read as expected": read_expected()}
print(json.dumps(out))
'''


def prepare(work: Path, files: int, distinct: int) -> None:
    sys.path[:0] = [str(REPO), str(REPO / "bench")]
    from bench_count import realistic_case
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from tally import pipeline
    from tally.sign import Ed25519Signer, sign_results

    case = realistic_case(Path(tempfile.gettempdir()) / "tally-bench")
    key = ed25519.Ed25519PrivateKey.generate()
    (work / "committee.pub").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    (work / "committee.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    signer = Ed25519Signer(key)
    unsigned = work / "unsigned" / "results.xlsx"
    pipeline.count_and_write(case / "event.toml", [case / "ballots.xlsx"], unsigned)
    signed = work / "signed" / "results.xlsx"
    signed.parent.mkdir()
    for f in unsigned.parent.iterdir():
        if f.name.startswith("results."):
            shutil.copyfile(f, signed.parent / f.name)
    sign_results(signed, signer)
    (work / "copies").mkdir()
    for i in range(files):
        for f in signed.parent.iterdir():
            if f.name.startswith("results."):
                shutil.copyfile(f, work / "copies" / f.name.replace("results", f"r{i:04d}", 1))
    for i in range(distinct):
        folder = work / "distinct" / f"d{i:03d}"
        folder.mkdir(parents=True)
        source = distinct_case(Path(tempfile.gettempdir()) / "tally-bench" / "verify-distinct", i)
        toml = folder / "event.toml"
        toml.write_text((source / "event.toml").read_text(encoding="utf-8")
                        .replace('title = "', f'title = "{i:03d} ', 1), encoding="utf-8")
        pipeline.count_and_write(toml, [source / "ballots.xlsx"], folder / "results.xlsx")
        sign_results(folder / "results.xlsx", signer)


def distinct_case(cache: Path, i: int) -> Path:
    """The realistic event's shape (3 forms, 5 + 15 + 20 people, 45 + 180 + 275 ballots) with
    people of their own (every name and so every text of a person's rows differs from every
    other distinct result's) and ballots of their own (other counts, other invalid ballots):
    as different as two real events, so no read or layout kept from one serves another."""
    from bench_count import GEN_VERSION, SEED, generate, person_name

    split = [("btv", 5, 45), ("lanhdao", 15, 180), ("truongphong", 20, 275)]
    sheets, k = [], 0
    for gid, n_people, n_ballots in split:
        sheets.append((gid, [(f"p{k + j:02d}", person_name(40 * (i + 1) + k + j)) for j in range(1, n_people + 1)],
                       n_ballots))
        k += n_people
    return generate(cache, f"d{i:04d}-v{GEN_VERSION}", sheets, SEED + 1000 + i)


def run_child(checkout: Path, work: Path, what: str, *extra: str) -> dict[str, float]:
    proc = subprocess.run([sys.executable, "-c", CHILD, str(checkout), str(work), what, *extra],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{checkout} {what} failed:\n{proc.stderr[-3000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run_command(checkout: Path, work: Path) -> dict[str, float]:
    copies = sorted((work / "copies").glob("r*.xlsx"))
    cmd = [sys.executable, "-m", "tally", "verify", *map(str, copies), "--trust", str(work / "committee.pub"),
           "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(checkout)}      # its tally, and its cli.py as tally._cli
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "n": len(copies),
            "ok": len(copies) if code == 0 else 0}


Runs = dict[tuple[str, str], list[dict[str, float]]]
MEASURES = ["distinct", "distinct-cores", "one", "cores", "command", "sign"]
LABELS = {"one": "verify, one process", "cores": "verify, as many processes as it picks",
          "command": "`tally verify` command", "distinct": "verify distinct results, one process",
          "distinct-cores": "verify distinct, processes it picks",
          "sign": "sign, one after another"}


def measure(checkouts: dict[str, Path], files: int, distinct: int, rounds: int) -> tuple[Runs, dict[str, list[dict[str, float]]]]:
    """Every measurement of every checkout, each in a fresh process, in rotating order."""
    work = Path(tempfile.mkdtemp(prefix="tally-bench-verify-"))
    runs: Runs = {}
    steps: dict[str, list[dict[str, float]]] = {n: [] for n in checkouts}
    names = list(checkouts)
    try:
        prepare(work, files, distinct)
        for r in range(rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for what in MEASURES:
                for name in order:
                    path = checkouts[name]
                    if what == "command":
                        result = run_command(path, work)
                    else:
                        result = run_child(path, work, what, *([str(max(1, files // 3))] if what == "sign" else []))
                    runs.setdefault((what, name), []).append(result)
            for name in order:
                steps[name].append(run_child(checkouts[name], work, "steps"))
            print(f"  round {r + 1} of {rounds} done", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return runs, steps


def rate(runs: Runs, what: str, name: str) -> float:
    return statistics.median(r["n"] / r["wall"] for r in runs[(what, name)])


def report(checkouts: dict[str, Path], runs: Runs, steps: dict[str, list[dict[str, float]]]) -> None:
    names = list(checkouts)
    for name in names:
        print(f"{name}: {checkouts[name]}")
        print(f"{'':40s} {'files/s':>8s} {'CPU ms/file':>11s} {'CPU/wall':>8s} {'verified':>9s}")
        for what in MEASURES:
            rs = runs[(what, name)]
            cpu_ms = statistics.median(r["cpu"] / r["n"] * 1000 for r in rs)
            busy = statistics.median(r["cpu"] / r["wall"] for r in rs)
            ok = f"{int(min(r['ok'] for r in rs))}/{int(rs[0]['n'])}"
            print(f"  {LABELS[what]:38s} {rate(runs, what, name):8.1f} {cpu_ms:11.2f} {busy:8.2f} {ok:>9s}")
        step = steps[name]
        print("  steps of one verify, ms (best of 15): " + ", ".join(
            f"{k} {statistics.median(s[k] for s in step):.2f}" for k in step[0]))
        print()
    if "baseline" in checkouts:
        print("this / baseline, median of the per-round ratios")
        for what in MEASURES:
            pairs = list(zip(runs[(what, "this")], runs[(what, "baseline")]))
            faster = statistics.median((a["n"] / a["wall"]) / (b["n"] / b["wall"]) for a, b in pairs)
            less_cpu = statistics.median((b["cpu"] / b["n"]) / (a["cpu"] / a["n"]) for a, b in pairs)
            print(f"  {LABELS[what]:38s} {faster:5.2f} x the files/s, {less_cpu:5.2f} x less CPU per file")
        print()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=300, help="signed copies verified (default 300)")
    ap.add_argument("--distinct", type=int, default=30, help="distinct results verified (default 30)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--baseline", type=Path, help="another checkout, measured in the same rounds")
    args = ap.parse_args(argv)

    checkouts = {"this": REPO} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpu(s), load {os.getloadavg()[0]:.1f}; "
          f"{args.files} signed copies, {args.distinct} distinct results, {args.rounds} round(s)")
    for name, path in checkouts.items():
        head = subprocess.run(["git", "-C", str(path), "log", "-1", "--format=%h %s"], capture_output=True,
                              text=True, check=False).stdout.strip()
        print(f"  {name}: {path} ({head[:90]})")
    runs, steps = measure(checkouts, args.files, args.distinct, args.rounds)
    print()
    report(checkouts, runs, steps)
    distinct = rate(runs, "distinct", "this")
    ok = min(r["ok"] for r in runs[("distinct", "this")]) == args.distinct
    print(f"target: verify distinct results, one process {distinct:.0f} files/s >= {TARGET:.0f}: "
          f"{'PASS' if distinct >= TARGET and ok else 'FAIL'} (copies sharing their reads: {rate(runs, 'one', 'this'):.0f}"
          " files/s, not the target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
