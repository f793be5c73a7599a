"""Run the tally command line of one checkout, whatever is installed: `python bench/checkout_cli.py ROOT ARGS...`.

The benchmarks start the build they measure this way. `tally` found on PATH may be another
install (a pyenv shim, a bash script that adds ~60 ms, runs whatever the global Python has
installed, often /work/main rather than the checkout being measured), and cli.py cannot be
run as a script (it is the package tally._cli, with relative imports). This puts ROOT first
on sys.path and maps tally._cli to ROOT, as the installed package does (pyproject.toml).
"""

import sys
import types

root = sys.argv.pop(1)
sys.path.insert(0, root)
import tally  # noqa: E402  - from ROOT, now first on the path

cli_package = types.ModuleType("tally._cli")
cli_package.__path__ = [root]
sys.modules["tally._cli"] = cli_package
tally._cli = cli_package  # type: ignore[attr-defined]

from tally._cli.cli import main  # noqa: E402

main()
