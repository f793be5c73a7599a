"""The long fuzzing campaign, run by hand (the fixed-seed run is tests/test_fuzz.py).

    python bench/fuzz_campaign.py --cases 5000 --seed 1 --out /tmp/fuzz-failures

Mutates the real ballot files and a signed results workbook (tests/fuzzing.py), runs
`check`, `count` and `verify` on each mutant in this process, and prints every distinct
failure: an exception other than a coded TallyError (which the CLI would show as
"internal error", exit 1), or a verify that raises. Each failing input is saved under
--out with its mutation and traceback, ready to become a fixture in tests/data/fuzz/.
Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import warnings

from fuzzing import EVENT, SEEDS, SIGNED, TRUST, mutate

EXT = {"xlsx": "xlsx", "ods": "ods", "csv": "csv", "xls": "xls", "results": "xlsx"}


def run_case(kind: str, data: bytes, folder: Path) -> str | None:
    """None when every step ended well (a result or a coded error); else the traceback."""
    from ballots.errors import TallyError
    from tally import pipeline
    from tally.verify import load_anchors, verify_file

    path = folder / f"btv.{EXT[kind]}"
    path.write_bytes(data)
    try:
        if kind == "results":
            report = verify_file(path, load_anchors([str(TRUST)]))
            assert report.checks, "verify returned no checks"
            return None
        try:
            pipeline.check(EVENT, [path])
        except TallyError:
            pass
        out = folder / "out" / "results.xlsx"
        try:
            pipeline.count_and_write(EVENT, [path], out, force=True)
        except TallyError:
            pass
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - this is what the campaign looks for (a Rust panic is a BaseException)
        return traceback.format_exc()
    return None


def signature(tb: str) -> str:
    """A failure's identity: the exception type and the innermost frame in the project."""
    lines = [ln for ln in tb.strip().splitlines() if ln.strip()]
    last = lines[-1].split(":")[0]
    frames = [ln.strip() for ln in lines if ln.strip().startswith("File ") and str(ROOT) in ln
              and "fuzz_campaign" not in ln]
    return f"{last} @ {frames[-1] if frames else '?'}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kinds", default="xlsx,ods,csv,xls,results")
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "tally-fuzz-failures")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    rng = random.Random(args.seed)
    kinds = args.kinds.split(",")
    seeds = {k: (SIGNED if k == "results" else SEEDS[k]).read_bytes() for k in kinds}
    failures: dict[str, tuple[str, str, bytes]] = {}
    t0 = time.perf_counter()
    for i in range(args.cases):
        kind = kinds[i % len(kinds)]
        case_rng = random.Random(rng.getrandbits(64))
        what, data = mutate(seeds[kind], kind, case_rng)
        args.out.mkdir(parents=True, exist_ok=True)
        # kept until the case ends: a case that kills the process (an abort) leaves it behind
        (args.out / f"current.{EXT[kind]}").write_bytes(data)
        (args.out / "current.txt").write_text(f"case {i} {kind} {what}\n", encoding="utf-8")
        with tempfile.TemporaryDirectory() as tmp:
            tb = run_case(kind, data, Path(tmp))
        if tb is not None:
            sig = signature(tb)
            if sig not in failures:
                failures[sig] = (kind, what, data)
                args.out.mkdir(parents=True, exist_ok=True)
                stem = f"{len(failures):03d}-{kind}-{what.replace('+', '_').replace('!', '')}"
                (args.out / f"{stem}.{EXT[kind]}").write_bytes(data)
                (args.out / f"{stem}.txt").write_text(f"{kind} {what}\n{tb}", encoding="utf-8")
                print(f"FAIL {stem}: {sig}", flush=True)
        if (i + 1) % 200 == 0:
            print(f"  {i + 1} cases, {len(failures)} distinct failures, {time.perf_counter() - t0:.0f} s", flush=True)
    for leftover in args.out.glob("current.*"):
        leftover.unlink()
    print(f"{args.cases} cases in {time.perf_counter() - t0:.0f} s: {len(failures)} distinct failures"
          + (f" (inputs in {args.out})" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
