"""mypy --strict over the command line (cli*.py: cli.py, cli_render.py, cli_event.py, cli_support.py, cli_term.py).

They sit at the top of the repository and install as the subpackage tally._cli, which mypy
cannot follow from the checkout (their imports of each other are relative). So the test puts
copies of them in a throwaway package and checks that, with ballots/ and tally/ on the path:
the seam between the command line and the core is typed, with no Any in between.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

CLI_FILES = sorted(path.name for path in ROOT.glob("cli*.py"))


def test_the_command_line_is_typed_strictly(tmp_path: Path) -> None:
    package = tmp_path / "tally_cli_check"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for name in CLI_FILES:
        shutil.copy(ROOT / name, package / name)
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--no-incremental",
         "--cache-dir", os.devnull, "-p", "tally_cli_check"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
