"""The command line, as the private subpackage tally._cli.

Its modules are cli.py, cli_render.py and cli_support.py at the top of the repository:
an installed copy has them here (pyproject.toml maps that folder to tally._cli); run from a
checkout, this file points the subpackage at them. The core (ballots/, tally/) never imports it.
"""

from pathlib import Path

__path__ = [str(Path(__file__).resolve().parent.parent.parent)]
