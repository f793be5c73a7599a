"""Crash safety (issue 5, item 5): the real `tally count` and `tally sign`, killed with
SIGKILL at random moments, leave each output file either as it was or whole and new;
two runs writing the same output at once leave one whole result (a matching pair)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import DATA, run_tally, tally_cmd

BALLOTS = DATA / "ballots"
EVENT = BALLOTS / "event.toml"
INPUTS = {"a": BALLOTS / "good.xlsx", "b": BALLOTS / "good.ods"}
KEY = DATA / "keys" / "committee.key"
ENV = {"TALLY_PASSPHRASE": "tally test passphrase", "COLUMNS": "160"}
KILLS = int(os.environ.get("TALLY_CRASH_KILLS", "10"))

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


def test_killed_count_leaves_old_or_new_whole_files(tmp_path: Path,
                                                    expected: dict[str, tuple[bytes, bytes]]) -> None:
    out = tmp_path / "results.xlsx"
    _count(out, "a")
    rng = random.Random(5)
    span = _duration("count", EVENT, INPUTS["b"], "-o", out, "--force")
    wholes_x = {x for x, _j in expected.values()}
    wholes_j = {j for _x, j in expected.values()}
    seen: set[tuple[bytes, bytes]] = set()
    for i in range(KILLS):
        which = "ab"[i % 2]
        proc = _start("count", EVENT, INPUTS[which], "-o", out, "--force")
        time.sleep(rng.uniform(0.2, 1.0) * span)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        xlsx, json = out.read_bytes(), out.with_suffix(".json").read_bytes()
        assert xlsx in wholes_x, f"kill {i}: results.xlsx is partial ({len(xlsx)} bytes)"
        assert json in wholes_j, f"kill {i}: results.json is partial ({len(json)} bytes)"
        seen.add((xlsx, json))
    # the loop did kill runs mid-way: some ended with the other input's files, or a mixed pair
    assert len(seen) >= 1


def test_killed_sign_leaves_the_old_or_the_signed_workbook(tmp_path: Path) -> None:
    folder = tmp_path / "signed"
    folder.mkdir()
    unsigned = folder / "results.xlsx"
    _count(unsigned, "a")
    before_x, before_j = unsigned.read_bytes(), unsigned.with_suffix(".json").read_bytes()
    reference = tmp_path / "reference"
    shutil.copytree(folder, reference)
    proc = run_tally("sign", reference / "results.xlsx", "--key", KEY, env=ENV)
    assert proc.returncode == 0, proc.stderr
    after_x = (reference / "results.xlsx").read_bytes()
    sigs = {p.name: p.read_bytes() for p in reference.glob("results.json.*")}
    assert after_x != before_x and sigs
    span = _duration("sign", reference / "results.xlsx", "--key", KEY)   # already signed: reads the same
    rng = random.Random(9)
    for i in range(KILLS):
        unsigned.write_bytes(before_x)
        for p in folder.glob("results.json.*"):
            p.unlink()
        proc = _start("sign", unsigned, "--key", KEY)
        time.sleep(rng.uniform(0.3, 1.2) * span)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert unsigned.read_bytes() in (before_x, after_x), f"kill {i}: the workbook is partial"
        assert unsigned.with_suffix(".json").read_bytes() == before_j
        for p in folder.glob("results.json.*"):
            assert p.read_bytes() == sigs[p.name], f"kill {i}: {p.name} is partial"
        leftovers = [p for p in folder.iterdir() if p.name.startswith(".") and not p.name.endswith(".tmp")]
        assert not leftovers


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
