"""The entry point of the one-file executable (tally.exe), built by packaging/tally.spec.

In a frozen build sys.executable is tally.exe itself, not Python: the child process that
reads an .xls file (ballots/xls_child.py) and multiprocessing's workers start it again, and
are recognised here before the command line is parsed.
"""

import multiprocessing
import sys

from ballots.xls_child import CHILD_FLAG, run_child


def main() -> None:
    multiprocessing.freeze_support()      # a spawned worker of `tally verify` runs its task and exits here
    if sys.argv[1:2] == [CHILD_FLAG]:
        sys.exit(run_child(sys.argv[2:]))
    from tally._cli.cli import main as tally_main

    tally_main()


if __name__ == "__main__":
    main()
