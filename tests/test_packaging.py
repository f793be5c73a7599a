"""How tally is installed: a version, `python -m tally`, and a wheel that puts nothing
generic at the top of site-packages."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, run_tally

from tally import __version__


def test_version_option_prints_the_version() -> None:
    proc = run_tally("--version")
    assert proc.returncode == 0 and proc.stdout == f"tally {__version__}\n"


def test_python_dash_m_tally_is_the_same_command(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "tally", "--help"], capture_output=True, text=True, cwd=tmp_path, check=False,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Usage: tally [OPTIONS] COMMAND")


@pytest.mark.slow
def test_wheel_installs_the_command_line_inside_the_package(tmp_path: Path) -> None:
    src = tmp_path / "src"      # a clean copy: pip builds in the source folder (build/, *.egg-info)
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split("\n")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = tmp_path.glob("tally_votes-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    top = {n.split("/")[0] for n in names if not n.startswith("tally_votes-")}
    assert top == {"ballots", "tally"}, top     # no bare cli.py, cli_render.py, cli_support.py
    cli = {f"tally/_cli/{p.name}" for p in ROOT.glob("cli*.py")}     # cli.py, cli_render.py, cli_event.py...
    assert cli | {"tally/__main__.py", "ballots/locale/vi/LC_MESSAGES/tally.mo"} <= names and len(cli) >= 5
    assert not [n for n in names if n.startswith("tally/_cli/") and not n.endswith(".py")], "data files leaked in"
    meta = zipfile.ZipFile(wheel).read(f"tally_votes-{__version__}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in meta
    entry = zipfile.ZipFile(wheel).read(f"tally_votes-{__version__}.dist-info/entry_points.txt").decode()
    assert "tally = tally._cli.cli:main" in entry
