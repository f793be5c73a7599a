"""Crash safety (issue 5, item 5; issue 10, item 5): the real `tally count --force` and
`tally sign`, killed with SIGKILL at random moments (15 + 15 runs; TALLY_CRASH_KILLS for
more), each leave a whole result set: the old set verifies, or the new set can be signed
and then verifies. Two runs writing the same output at once leave one whole result."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import DATA, run_tally, tally_cmd
from sigtools import sample_key

from tally.resultset import ResultSet
from tally.sign import sign_results
from tally.verify import verify_files

BALLOTS = DATA / "ballots"
EVENT = BALLOTS / "event.toml"
INPUTS = {"a": BALLOTS / "good.xlsx", "b": BALLOTS / "good.ods"}
KEY = DATA / "keys" / "committee.key"
ENV = {"TALLY_PASSPHRASE": "tally test passphrase", "COLUMNS": "160"}
KILLS = int(os.environ.get("TALLY_CRASH_KILLS", "15"))    # x 2 tests: 30 kills in all
TRUST = str(DATA / "keys" / "committee.pub")

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def _count(out: Path, which: str) -> subprocess.CompletedProcess[str]:
    proc = run_tally("count", EVENT, INPUTS[which], "-o", out, "--force", env=ENV)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bytes, bytes]]:
    """The whole results (workbook, json) of each input: runs are byte-identical."""
    out: dict[str, tuple[bytes, bytes]] = {}
    for which in INPUTS:
        target = tmp_path_factory.mktemp(which) / "results.xlsx"
        _count(target, which)
        out[which] = (target.read_bytes(), target.with_suffix(".json").read_bytes())
    assert out["a"] != out["b"]
    return out


def _start(*args: str | Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, **ENV)
    env.pop("TALLY_DEBUG", None)
    return subprocess.Popen([*tally_cmd(), *map(str, args)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _duration(*args: str | Path) -> float:
    t0 = time.perf_counter()
    proc = _start(*args)
    assert proc.wait(timeout=120) == 0
    return time.perf_counter() - t0


def _kill_moments(rng: random.Random, seen: dict[str, int], early: str) -> Iterator[float]:
    """When to kill each run, as a fraction of the time one run took: KILLS random moments
    around the commit, then, while the kills have all landed on one side of it (a loaded
    machine runs slower or faster than the timing run did), up to KILLS more aimed at the
    side not reached yet: earlier while no kill has come before the commit (the outcome
    `early` names), later while none has come after. Every kill is checked the same way;
    only the moments adapt."""
    for _ in range(KILLS):
        yield rng.uniform(0.3, 1.1)
    for _ in range(KILLS):
        if seen["old"] and seen["new"]:
            return
        yield rng.uniform(0.05, 0.4) if not seen[early] else rng.uniform(1.0, 2.5)


def _whole_set_after_next_run(out: Path, signed_before: bytes | None, fresh: set[bytes], i: int) -> str:
    """The next run (verify, then sign if needed) finds a whole set: the old signed one,
    which verifies as it is, or a new unsigned one, which can be signed and then verifies.
    Either way no temporary file remains."""
    report = verify_files([out], [TRUST])           # finishes or drops what the killed run left
    rs = ResultSet.of(out)
    assert not rs.temporaries() and not rs.journal.exists(), f"kill {i}: leftovers"
    xlsx = out.read_bytes()
    if report.passed:
        assert xlsx == signed_before or signed_before is None, f"kill {i}: an unknown signed set"
        return "old"
    assert xlsx in fresh, f"kill {i}: results.xlsx is neither the old set nor a new one"
    assert out.with_suffix(".json").read_bytes() in {j for j in FRESH_JSON.values()}
    assert not rs.sidecars(), f"kill {i}: signatures of the old results beside the new ones"
    sign_results(out, sample_key())
    after = verify_files([out], [TRUST])
    assert after.passed, f"kill {i}: {[c.reason for c in after.files[0].failed]}"
    return "new"


FRESH_JSON: dict[str, bytes] = {}


def test_killed_count_leaves_a_whole_set(tmp_path: Path, expected: dict[str, tuple[bytes, bytes]]) -> None:
    """`count --force` over signed results, killed at random moments: every time, the next
    run finds the whole old (signed) set or the whole new one."""
    FRESH_JSON.update({w: j for w, (_x, j) in expected.items()})
    out = tmp_path / "results.xlsx"
    _count(out, "a")
    sign_results(out, sample_key())
    rng = random.Random(5)
    span = _duration("count", EVENT, INPUTS["b"], "-o", tmp_path / "timing" / "results.xlsx", "--force")
    fresh = {x for x, _j in expected.values()}
    seen = {"old": 0, "new": 0}
    for i, fraction in enumerate(_kill_moments(rng, seen, early="old")):   # old: killed before the commit
        signed_before = out.read_bytes()
        proc = _start("count", EVENT, INPUTS["ab"[i % 2]], "-o", out, "--force")
        time.sleep(fraction * span)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        seen[_whole_set_after_next_run(out, signed_before, fresh, i)] += 1
    assert seen["old"] and seen["new"], seen      # kills landed both before and after the commit


def test_killed_sign_leaves_a_whole_set(tmp_path: Path, expected: dict[str, tuple[bytes, bytes]]) -> None:
    """`tally sign` killed at random moments: the unsigned set (which can then be signed)
    or the whole signed one, never a workbook without the .sig beside it or the reverse."""
    FRESH_JSON.update({w: j for w, (_x, j) in expected.items()})
    out = tmp_path / "results.xlsx"
    timing = tmp_path / "timing" / "results.xlsx"
    _count(timing, "a")
    span = _duration("sign", timing, "--key", KEY)
    fresh = {x for x, _j in expected.values()}
    rng = random.Random(9)
    seen = {"old": 0, "new": 0}
    for i, fraction in enumerate(_kill_moments(rng, seen, early="new")):   # new: killed before it signed
        _count(out, "ab"[i % 2])
        proc = _start("sign", out, "--key", KEY)
        time.sleep(fraction * span)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        # "old" here: the killed signing had finished (the signed set verifies as it is)
        seen[_whole_set_after_next_run(out, None, fresh, i)] += 1
    assert seen["old"] and seen["new"], seen


def test_two_counts_at_once_leave_one_whole_result(tmp_path: Path,
                                                   expected: dict[str, tuple[bytes, bytes]]) -> None:
    out = tmp_path / "results.xlsx"
    for _round in range(3):
        runs = [_start("count", EVENT, INPUTS[w], "-o", out, "--force") for w in "ab"]
        assert [p.wait(timeout=120) for p in runs] == [0, 0]
        pair = (out.read_bytes(), out.with_suffix(".json").read_bytes())
        assert pair in expected.values(), "results.xlsx and results.json come from different runs"


def test_two_signers_at_once_both_keep_their_signature(tmp_path: Path) -> None:
    out = tmp_path / "results.xlsx"
    _count(out, "a")
    other = DATA / "keys" / "other.key"
    runs = [_start("sign", out, "--key", k) for k in (KEY, other)]
    assert [p.wait(timeout=120) for p in runs] == [0, 0]
    proc = run_tally("verify", out, "--trust", DATA / "keys" / "committee.pub", "--trust",
                     DATA / "keys" / "other.pub", "--require", "2")
    assert proc.returncode == 0, proc.stdout + proc.stderr
