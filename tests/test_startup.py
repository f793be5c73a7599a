"""Start-up (issue 14): a command imports only what it uses, and typer builds only the
command that runs.

Each command runs in a child process of its own, which then lists the modules it loaded;
the heavy libraries a command has no use for must not be among them. Time is not asserted
here (bench/bench.py measures it): what is asserted is what makes it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DATA, SAMPLES

# loaded by `python -c` in the child, then the command runs; the modules are written at exit
CHILD = r"""
import atexit, json, os, sys
atexit.register(lambda: open(os.environ["TALLY_MODULES"], "w").write(json.dumps(sorted(sys.modules))))
sys.argv = ["tally", *sys.argv[1:]]
from tally._cli.cli import main
main()
"""

NEVER = {"pydantic", "numpy", "pandas", "click"}   # typer vendors click as typer._click
READING = {"python_calamine", "defusedxml"}        # reading ballot sheets
SIGNING = {"cryptography", "asn1crypto"}
WRITING = {"openpyxl", "filelock"}                 # the minutes, the folder lock
EDITING = {"tomlkit"}
DOCUMENTS = {"openpyxl", "reportlab", "pypdfium2", "cv2", "zxingcpp", "PIL"}
# rich's renderer: lines and tables are drawn by cli_term (only rich's small helpers rich.cells and
# rich.box load); rich draws progress bars on a terminal, and what cli_term hands it
# what only counting and writing need: `tally check` reads and validates, nothing more
COUNTING = {"tally.pipeline", "tally.count", "tally.workbook", "tally.resultset", "tally.results_json", "tally.locking"}
RICH = {"rich.console", "rich.text", "rich.table", "rich.segment", "rich.style", "rich.markup", "rich._emoji_codes"}


def loaded(tmp_path: Path, *args: str | Path) -> set[str]:
    """The top-level names of every module `tally ARGS` loaded (``rich``, ``tally``, ...)."""
    out = tmp_path / "modules.json"
    env = {**os.environ, "TALLY_MODULES": str(out), "COLUMNS": "100", "TALLY_PASSPHRASE": "tally test passphrase"}
    env.pop("TALLY_DEBUG", None)
    proc = subprocess.run([sys.executable, "-c", CHILD, *map(str, args)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    names = json.loads(out.read_text(encoding="utf-8"))
    return {name.split(".")[0] for name in names} | {n for n in names if n.startswith(("ballots.", "tally.", "rich."))}


SAMPLE_EVENT = SAMPLES / "event.toml"
SAMPLE_BALLOTS = SAMPLES / "ballots.xlsx"

# command line -> what it must not load
CASES: dict[str, tuple[tuple[str | Path, ...], set[str]]] = {
    "help": (("--help",), NEVER | READING | SIGNING | WRITING | EDITING | DOCUMENTS
             | {"rich", "tomllib", "ballots.rules", "ballots.event", "tally.pipeline"}),
    "group help": (("group", "add", "--help"), NEVER | READING | SIGNING | WRITING | EDITING | DOCUMENTS
                   | {"rich", "tomllib", "ballots.edit"}),
    "usage error": (("chek",), NEVER | READING | SIGNING | WRITING | EDITING | DOCUMENTS | {"rich", "tomllib"}),
    "version": (("--version",), NEVER | READING | SIGNING | WRITING | EDITING | DOCUMENTS | {"rich", "tomllib"}),
    "check": (("check", SAMPLE_EVENT, SAMPLE_BALLOTS), NEVER | SIGNING | WRITING | EDITING | DOCUMENTS | RICH
              | COUNTING),
    "count, nothing written": (("count", SAMPLE_EVENT, SAMPLE_BALLOTS), NEVER | SIGNING | WRITING | EDITING | DOCUMENTS
                               | RICH),
    # the minutes are written as XML, without openpyxl (which would load numpy and PIL when installed)
    "count": (("count", SAMPLE_EVENT, SAMPLE_BALLOTS, "-o", "out/results.xlsx"), NEVER | SIGNING | EDITING
              | DOCUMENTS | RICH),
    "show": (("show", SAMPLE_EVENT), NEVER | READING | SIGNING | WRITING | EDITING | DOCUMENTS | RICH),
    "rules": (("rules",), NEVER | READING | SIGNING | WRITING | EDITING | DOCUMENTS | RICH | {"tomllib"}),
    "rules ID": (("rules", "qd96-2023"), NEVER | READING | SIGNING | WRITING | EDITING | DOCUMENTS | RICH
                 | {"tomllib"}),
    "list": (("person", "list", SAMPLE_EVENT), NEVER | READING | SIGNING | WRITING | EDITING | DOCUMENTS | RICH),
    "keys show": (("keys", "show", DATA / "keys" / "committee.pub"), NEVER | READING | WRITING | EDITING
                  | DOCUMENTS | RICH | {"tomllib"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_command_loads_nothing_it_does_not_use(case: str, tmp_path: Path) -> None:
    args, forbidden = CASES[case]
    assert sorted(loaded(tmp_path, *args) & forbidden) == []


def test_an_edit_loads_tomlkit_and_nothing_of_counting_or_signing(tmp_path: Path) -> None:
    event = tmp_path / "event.toml"
    event.write_bytes(SAMPLE_EVENT.read_bytes())
    mods = loaded(tmp_path, "position", "add", event, "--title", "Phó Giám đốc Sở")
    assert "tomlkit" in mods     # the edit did run
    assert sorted(mods & (NEVER | READING | SIGNING | WRITING | DOCUMENTS | RICH)) == []


def test_verifying_an_ed25519_signature_loads_no_certificate_layer_and_no_readers(tmp_path: Path) -> None:
    """verify re-counts only when asked, and an Ed25519 signature needs no certificate code."""
    loaded(tmp_path, "count", SAMPLE_EVENT, SAMPLE_BALLOTS, "-o", "out/results.xlsx")
    loaded(tmp_path, "sign", "out/results.xlsx", "--key", DATA / "keys" / "committee.key")
    out = tmp_path / "modules.json"
    env = {**os.environ, "TALLY_MODULES": str(out), "COLUMNS": "100"}
    proc = subprocess.run([sys.executable, "-c", CHILD, "verify", "out/results.xlsx", "--trust",
                           str(DATA / "keys" / "committee.pub")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr        # it verified
    names = set(json.loads(out.read_text(encoding="utf-8")))
    assert "tally.verify" in names
    assert sorted(names & {"cryptography.x509", "email", "urllib.request", "tally.checking", "tally.pipeline",
                           "ballots.event", "ballots.validate"}) == []


def test_the_guard_sees_what_a_command_loads(tmp_path: Path) -> None:
    # the same walk finds the heavy libraries where a command does use them
    assert {"python_calamine", "ballots.validate"} <= loaded(tmp_path, "check", SAMPLE_EVENT, SAMPLE_BALLOTS)
    assert {"cryptography"} <= loaded(tmp_path, "keys", "show", DATA / "keys" / "committee.pub")
    assert COUNTING <= loaded(tmp_path, "count", SAMPLE_EVENT, SAMPLE_BALLOTS, "-o", "out/results.xlsx")


# ---------------------------------------------------------------- only the command that runs is built


def _root():  # type: ignore[no-untyped-def]
    import typer

    from tally._cli import cli

    return typer.main.get_command(cli.app)


def _run(root, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    from contextlib import redirect_stdout
    from io import StringIO

    with redirect_stdout(StringIO()), pytest.raises(SystemExit):
        root.main(args, prog_name="tally")


def built_commands(group, prefix: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    """The commands (not groups: a group costs nothing to build) built so far, by path."""
    found = []
    for name in group.lazy_commands.built:
        command = group.lazy_commands[name]
        found += built_commands(command, f"{prefix}{name} ") if hasattr(command, "lazy_commands") else [prefix + name]
    return found


def test_help_builds_no_command_and_a_command_builds_only_itself() -> None:
    root = _root()
    _run(root, ["--help"])
    assert built_commands(root) == []
    _run(root, ["check", "--help"])
    assert built_commands(root) == ["check"]
    _run(root, ["group", "add", "--help"])
    assert sorted(built_commands(root)) == ["check", "group add"]


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("path", [[], ["group"], ["keys"], ["committee"]])
def test_the_listing_is_the_same_with_every_command_built(lang: str, path: list[str]) -> None:
    from tally._cli.cli_support import LocalisedContext

    from ballots.i18n import using

    ctx = LocalisedContext(_root(), info_name="tally", terminal_width=80, max_content_width=80)
    for name in path:
        ctx = LocalisedContext(ctx.command.commands[name], info_name=name, parent=ctx)
    group = ctx.command
    with using(lang):
        lazy = group.get_help(ctx)
        assert built_commands(group) == []
        every = {name: group.commands[name] for name in group.commands}   # each one built by typer
        assert all(command.params or not command.callback for command in every.values()) and len(every) > 1
        assert group.get_help(ctx) == lazy
