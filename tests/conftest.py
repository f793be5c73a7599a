from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# The tests read English messages: whatever this machine's locale, unless a test asks for
# another language (tests/test_i18n.py sets TALLY_LANG or --lang itself).
os.environ["TALLY_LANG"] = "en"

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SAMPLES = ROOT / "samples"


def tally_cmd() -> list[str]:
    exe = shutil.which("tally")
    return [exe] if exe else [sys.executable, "-m", "tally"]


def run_tally(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None,
              input: str | None = None) -> subprocess.CompletedProcess[str]:
    import os

    full_env = dict(os.environ)
    full_env.setdefault("COLUMNS", "160")
    full_env.pop("TALLY_DEBUG", None)
    if env:
        full_env.update(env)
    proc = subprocess.run(
        [*tally_cmd(), *map(str, args)], cwd=cwd, env=full_env, capture_output=True, text=True,
        input=input, timeout=300,
    )
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A private copy of the bundled sample."""
    dest = tmp_path / "samples"
    shutil.copytree(SAMPLES, dest)
    return dest
