"""`python -m tally`: the same command line as the `tally` command.

The command line lives in cli.py at the top of the repository and is installed as the
private subpackage tally._cli; the core modules of tally/ never import it.
"""

from tally._cli.cli import main

if __name__ == "__main__":
    main()
