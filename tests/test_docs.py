"""Documentation that cannot drift (docs/).

* docs/cli.md and docs/vi/cli.md are the real `--help` output of every command
  (tools/gen_cli_docs.py writes them; here they are generated again and compared);
* every `tally ...` command line in README.md and the guides parses against the real
  command tree: the command exists, every option exists, required values are given.

That the README's walkthrough and both guides run as written, in order, in an empty folder,
is tests/test_walkthrough.py.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

import pytest
from conftest import ROOT
from tally._cli.cli_support import UsageError
from test_walkthrough import DOCUMENTS

SHELL_BREAKS = {"|", "||", "&&", ";", ">", ">>", "2>", "2>&1", "<"}


def _gen() -> object:
    spec = importlib.util.spec_from_file_location("tally_gen_cli_docs", ROOT / "tools" / "gen_cli_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_cli_reference_matches_the_tool(lang: str) -> None:
    gen = _gen()
    path = gen.TARGETS[lang][0]  # type: ignore[attr-defined]
    expected = gen.render(lang)  # type: ignore[attr-defined]
    assert path.read_text(encoding="utf-8") == expected, \
        f"{path.relative_to(ROOT)} is out of date: run python tools/gen_cli_docs.py"


def test_cli_reference_covers_every_command() -> None:
    gen = _gen()
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for path in gen.command_paths():  # type: ignore[attr-defined]
        assert f"## `{' '.join(['tally', *path])}`" in text


def _code_blocks(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in re.finditer(r"```(\w*)\n(.*?)\n```", text, flags=re.DOTALL)]


def command_lines(path: Path) -> list[str]:
    """Every `tally` command line in the document's code blocks (not the help output in text blocks)."""
    lines = []
    for kind, block in _code_blocks(path.read_text(encoding="utf-8")):
        if kind not in ("bash", "shell", "sh", "console"):
            continue
        for line in block.splitlines():
            line = line.strip().removeprefix("$ ")
            for part in re.split(r"\s*(?:&&|;)\s*", line):
                if part.startswith("tally ") or part == "tally":
                    lines.append(part)
    return lines


def parse_command_line(line: str) -> None:
    """Resolve a command line against the real command tree, as the tool would parse it,
    without running it; raises with the parser's own message when it does not parse."""
    import typer
    from tally._cli.cli_support import LocalisedContext, hoist_global_options

    from ballots.i18n import LANGUAGES
    from tally._cli import cli

    words = shlex.split(line, comments=True)[1:]
    for i, word in enumerate(words):
        if word in SHELL_BREAKS or word.startswith((">", "2>")):
            words = words[:i]
            break
    args = hoist_global_options(words)
    root = typer.main.get_command(cli.app)
    global_opts = {opt for p in root.params for opt in p.opts}
    while args and args[0].startswith("-"):
        option, _eq, value = args.pop(0).partition("=")
        assert option in global_opts, f"{line!r}: no global option {option!r}"
        if option == "--lang":
            value = value or args.pop(0)
            assert value in LANGUAGES, f"{line!r}: --lang {value!r}"
    ctx = LocalisedContext(root, info_name="tally")
    command = root
    while hasattr(command, "commands"):
        assert args, f"{line!r}: a command is missing after {ctx.command_path!r}"
        name = args.pop(0)
        sub = command.commands.get(name)
        assert sub is not None, f"{line!r}: no command {name!r} in {ctx.command_path!r}"
        if hasattr(sub, "commands"):
            ctx = LocalisedContext(sub, info_name=name, parent=ctx)
        command = sub
    command.make_context(ctx.info_name if command is root else name, list(args), parent=ctx)


def test_documents_have_command_lines() -> None:
    for path in DOCUMENTS:
        assert len(command_lines(path)) >= 5, path


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_command_line_in_the_docs_parses(path: Path) -> None:
    problems = []
    for line in command_lines(path):
        try:
            parse_command_line(line)
        except UsageError as exc:
            problems.append(f"{line}\n    → {exc.format_message()}")
        except AssertionError as exc:
            problems.append(f"{line}\n    → {exc}")
    assert problems == [], "\n".join(problems)


def test_the_parse_check_catches_a_stale_command() -> None:
    parse_command_line("tally count samples/event.toml samples/ballots.xlsx -o out/results.xlsx --json")
    parse_command_line("tally --lang vi group add e.toml --title T --position gd --summoned 1 --present 1 --issued 1")
    parse_command_line("tally reconcile a.xlsx b.xlsx   # exit code 10: a comment is the shell's, not an argument")
    for stale in ("tally count samples/event.toml --outfile x.xlsx",       # no such option
                  "tally tally samples/event.toml",                         # no such command
                  "tally group add e.toml --title T",                       # required options missing
                  "tally keys"):                                            # a group without its command
        with pytest.raises((UsageError, AssertionError)):
            parse_command_line(stale)
