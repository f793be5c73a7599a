"""The private parts of dependencies that tally uses, each behind one function or import.

tomlkit, openpyxl and typer have no public API for a few things tally needs. Each use sits
in one place (ballots/toml_edit.py, tally/xlsx.py, cli_support.py) and pyproject.toml
bounds the library's version; these tests fail when a new version changes what they rely on.
"""

from __future__ import annotations

import inspect

import pytest
import tomlkit
from openpyxl import Workbook
from openpyxl.styles import Font

from ballots.toml_edit import tomlkit_insert_after, tomlkit_insert_at, tomlkit_shift_keys
from tally.xlsx import new_workbook

# ---------------------------------------------------------------- tomlkit


def test_tomlkit_insert_at_a_body_position() -> None:
    doc = tomlkit.parse('top = 1\n\n[later]\nx = 1\n')
    aot = tomlkit.aot()
    entry = tomlkit.table()
    entry.add("id", "p01")
    aot.append(entry)
    tomlkit_insert_at(doc, 2, "persons", aot)     # body: top, blank line, [later]
    assert tomlkit.dumps(doc) == 'top = 1\n\n[[persons]]\nid = "p01"\n[later]\nx = 1\n'
    assert doc["persons"][0]["id"] == "p01" and doc["later"]["x"] == 1


def test_tomlkit_insert_after_a_key() -> None:
    doc = tomlkit.parse('[g]\nid = "a"  # the id\ntitle = "T"\n')
    tomlkit_insert_after(doc["g"].value, "id", "positions", ["gd"])
    assert tomlkit.dumps(doc) == '[g]\nid = "a"  # the id\npositions = ["gd"]\ntitle = "T"\n'


def test_tomlkit_insert_after_the_last_key() -> None:
    doc = tomlkit.parse('[g]\nid = "a"\ntitle = "T"  # last')
    tomlkit_insert_after(doc["g"].value, "title", "positions", ["gd"])
    assert tomlkit.dumps(doc) == '[g]\nid = "a"\ntitle = "T"  # last\npositions = ["gd"]\n'
    assert doc["g"]["positions"] == ["gd"]


def test_tomlkit_key_positions_follow_inserted_trivia() -> None:
    doc = tomlkit.parse("a = 1\nb = 2\n")
    tomlkit_shift_keys(doc, 1, 1)
    doc.body[1:1] = [(None, tomlkit.comment("between"))]
    doc["b"] = 3                                     # found at its new position, not the comment
    assert tomlkit.dumps(doc) == "a = 1\n# between\nb = 3\n"


# ---------------------------------------------------------------- openpyxl


def test_openpyxl_default_font_is_swapped_before_any_style() -> None:
    font = Font(name="Times New Roman", sz=12, family=1)
    wb = new_workbook(font)
    ws = wb.create_sheet("s")
    ws["A1"] = "x"
    assert ws["A1"].font.name == "Times New Roman" and ws["A1"].font.sz == 12
    assert wb._named_styles["Normal"].font.name == "Times New Roman"  # type: ignore[attr-defined]
    assert Workbook()._fonts[0].name == "Calibri"  # type: ignore[attr-defined]  # what is being replaced


# ---------------------------------------------------------------- typer's vendored click


def test_typer_still_vendors_the_click_classes_cli_support_names() -> None:
    import typer
    from tally._cli.cli_support import ClickContext, ClickException, HelpFormatter, NoArgsIsHelpError, UsageError
    from typer.core import TyperGroup

    assert issubclass(NoArgsIsHelpError, UsageError) and issubclass(UsageError, ClickException)
    assert issubclass(typer.Context, ClickContext)
    assert ClickContext.formatter_class is HelpFormatter or issubclass(ClickContext.formatter_class, HelpFormatter)
    for method in ("write_usage", "write_heading", "write_dl"):
        assert callable(getattr(HelpFormatter, method))
    for method in ("make_context", "resolve_command", "main", "format_help", "get_short_help_str"):
        assert callable(getattr(TyperGroup, method))
    assert "windows_expand_args" in inspect.signature(TyperGroup.main).parameters


def test_typer_still_builds_one_command_or_group_from_its_info() -> None:
    # cli_support.localise builds each command only when it is used, through these two
    from typer.main import get_command_from_info, get_group_from_info

    assert {"pretty_exceptions_short", "rich_markup_mode"} <= set(inspect.signature(get_command_from_info).parameters)
    assert {"pretty_exceptions_short", "rich_markup_mode", "suggest_commands"} <= set(
        inspect.signature(get_group_from_info).parameters)


# ---------------------------------------------------------------- rich, as cli_term draws it


def test_rich_still_has_what_cli_term_uses() -> None:
    # cli_term draws by rich's rules with rich's own cell widths and box lines (tests/test_cli_term.py
    # compares the output), and asks rich whether a Windows console takes ANSI codes
    from rich._windows import get_windows_console_features
    from rich.box import HEAVY_HEAD
    from rich.cells import cell_len, chop_cells, set_cell_size

    assert callable(get_windows_console_features)
    assert HEAVY_HEAD.get_top([1, 2]) == "┏━┳━━┓" and HEAVY_HEAD.head_vertical == "┃"
    assert cell_len("漢a") == 3 and chop_cells("abcd", 2) == ["ab", "cd"] and set_cell_size("ab", 3) == "ab "


def test_a_usage_error_is_translated_by_the_localised_classes() -> None:
    from tally._cli.cli import app
    from tally._cli.cli_support import LocalisedUsageError
    from typer.main import get_command

    with pytest.raises(LocalisedUsageError):
        get_command(app).main(["chek"], standalone_mode=False)
