from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

# The `tally` command the tests start (run_installed, a terminal, the guides' shell commands) is
# this environment's own, the console script beside the Python running the tests: another
# `tally` first on PATH (a pyenv shim running the global Python's install) may be another
# checkout's code, so its tests would pass or fail for that code, not this one.
_BIN = Path(sys.executable).parent
if any((_BIN / name).is_file() for name in ("tally", "tally.exe")):
    os.environ["PATH"] = os.pathsep.join([str(_BIN), os.environ.get("PATH", "")])

# The tests read English messages: whatever this machine's locale, unless a test asks for
# another language (tests/test_i18n.py sets TALLY_LANG or --lang itself).
os.environ["TALLY_LANG"] = "en"

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLES = ROOT / "samples"


def tally_cmd() -> list[str]:
    exe = shutil.which("tally")
    return [exe] if exe else [sys.executable, "-m", "tally"]


def _environment(env: dict[str, str] | None) -> dict[str, str]:
    full_env = dict(os.environ)
    full_env.setdefault("COLUMNS", "160")
    full_env.pop("TALLY_DEBUG", None)
    if env:
        full_env.update(env)
    return full_env


def run_installed(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
                  input: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `tally` command in a child process: for the tests that prove the console
    script itself works (its entry point, a real exit status, a real environment)."""
    proc = subprocess.run(
        [*tally_cmd(), *map(str, args)], cwd=cwd, env=_environment(env), capture_output=True, text=True,
        input=input, timeout=300, check=False,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


def run_tally(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
              input: str | None = None) -> subprocess.CompletedProcess[str]:
    """`tally ARGS` run in this process with typer's CliRunner (no interpreter start-up, no
    re-import of openpyxl per call), answered like the child process of run_installed: the
    exit status and what went to stdout and stderr."""
    return invoke(list(args), cwd=cwd, env=_environment(env), input=input)


def invoke(args: list[str | Path], *, cwd: Path | None = None, env: Mapping[str, str | None],
           input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the command line in-process: `env` replaces the environment (None: unset) for the call."""
    from tally._cli.cli import app
    from typer.testing import CliRunner

    argv = [str(a) for a in args]
    unset: dict[str, str | None] = {k: None for k in os.environ if k not in env}
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        result = CliRunner().invoke(app, argv, input=input, env={**unset, **env}, prog_name="tally")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"tally {' '.join(argv)} raised {result.exception!r}") from result.exception
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return subprocess.CompletedProcess(["tally", *argv], result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A private copy of the bundled sample."""
    dest = tmp_path / "samples"
    shutil.copytree(SAMPLES, dest)
    return dest
