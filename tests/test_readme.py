"""The README's two opening commands work on a fresh environment, exactly as written."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from ballots.errors import CODES

README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
INSTALL_AND_RUN, INSTALL_AND_TEST = BLOCKS[0].strip(), BLOCKS[1].strip()
NESTED = "TALLY_README_NESTED"


def test_readme_opens_with_the_two_commands() -> None:
    assert INSTALL_AND_RUN.startswith("pip install") and "tally count samples/event.toml" in INSTALL_AND_RUN
    assert INSTALL_AND_TEST.startswith("pip install") and "pytest" in INSTALL_AND_TEST
    assert README.index(INSTALL_AND_RUN) < README.index("## ")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert INSTALL_AND_TEST in ci.splitlines()


def test_error_code_table_matches_the_code() -> None:
    rows = dict(re.findall(r"^\| `([EW]\d{3})` \| (.+?) \|", README, flags=re.M))
    assert rows == {c.code: c.title for c in CODES.values()}
    for c in CODES.values():
        assert f"| `{c.code}` | {c.title} | {int(c.exit)} |" in README


def _fresh_copy(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """The project as a clean clone would have it, and a fresh virtual environment."""
    src = tmp_path / "project"
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split("\n")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    venv = tmp_path / "venv"
    # system site packages: the dependencies are already here; the project itself is installed anew
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    env = dict(os.environ)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(venv)
    env.pop("PYTHONPATH", None)
    return src, env


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get(NESTED) == "1", reason="already inside the README's test command")
def test_readme_commands_run_as_written(tmp_path: Path) -> None:
    src, env = _fresh_copy(tmp_path)
    run = subprocess.run(["bash", "-c", INSTALL_AND_RUN], cwd=src, env=env, capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (src / "sample" / "results.xlsx").stat().st_size > 0
    assert (src / "sample" / "results.json").read_text(encoding="utf-8").startswith("{")
    assert (tmp_path / "venv" / "bin" / "tally").exists()  # installed into the fresh environment

    # The test command, as written; the nested suite runs a quick subset so this does not recurse.
    env[NESTED] = "1"
    env["PYTEST_ADDOPTS"] = "-q -k 'test_count or test_results_json'"
    run = subprocess.run(["bash", "-c", INSTALL_AND_TEST], cwd=src, env=env, capture_output=True, text=True,
                         timeout=1800)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert re.search(r"\d+ passed", run.stdout)
