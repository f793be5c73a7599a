"""cli_term draws what rich would draw: the same characters, and on a terminal the same
colours on every character, for random texts and tables at random widths."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console as RichConsole
from tally._cli.cli_term import Console, Table, Text

from tally._cli import cli_term

STYLES = ["", "bold", "red", "bold red", "dim", "cyan", "bold green", "yellow", "bold yellow", "bold underline",
          "italic", "green", "not bold", "on blue", "bright_red"]
# letters as they come: ASCII, Vietnamese composed and decomposed, a wide character, spaces
ALPHABET = st.sampled_from(list("abcxyz019 .,:;-–→✓✗⚑()%/") + ["Đ", "ươ", "ế", "ạ", "e\u0301", "a\u0323\u0302",
                                                               "  ", "\n", "漢", "\u00a0"])
WORDS = st.lists(ALPHABET, max_size=40).map("".join)
LONG = st.sampled_from(["Nguyễn Thị Minh Khai", "results.json.0123456789abcdef.sig", "p03 Đinh Thị Lan Anh",
                        "3e6f bf3d cd43 1473 bb13 000f f993 7b62", "x" * 45, ""])
PLAIN = st.one_of(WORDS, LONG).filter(lambda s: "[" not in s)


@st.composite
def texts(draw: st.DrawFn) -> Text:
    text = Text(draw(PLAIN), style=draw(st.sampled_from(STYLES)))
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            text.append(draw(PLAIN), style=draw(st.sampled_from(STYLES)))
        else:
            text.append(Text(draw(PLAIN), style=draw(st.sampled_from(STYLES))))
    if draw(st.booleans()):
        text = text + Text(draw(PLAIN), style=draw(st.sampled_from(STYLES)))
    for _ in range(draw(st.integers(0, 2))):
        text.stylize(draw(st.sampled_from(STYLES)), draw(st.integers(-5, 30)), draw(st.one_of(st.none(),
                                                                                            st.integers(-5, 40))))
    return text


CELLS = st.one_of(PLAIN, texts(), st.none())


@st.composite
def tables(draw: st.DrawFn) -> Table:
    title = draw(st.one_of(st.none(), PLAIN, texts()))
    caption = draw(st.one_of(st.none(), PLAIN, texts()))
    kind = draw(st.sampled_from(["box", "box", "grid", "no box"]))
    if kind == "grid":
        table = Table.grid(padding=draw(st.sampled_from([0, 1, (0, 1), (0, 2)])), pad_edge=draw(st.booleans()),
                           collapse_padding=draw(st.booleans()))
        table.title, table.caption = title or None, caption or None
    else:
        table = Table(title=title or None, caption=caption or None, show_lines=draw(st.booleans()),
                      title_justify=draw(st.sampled_from(["left", "center", "right"])),
                      **({"box": None, "padding": draw(st.sampled_from([(0, 1), (0, 2), 0]))} if kind == "no box"
                         else {}))
    for _ in range(draw(st.integers(1, 8))):
        table.add_column(draw(st.one_of(PLAIN, texts())), justify=draw(st.sampled_from(["left", "right", "center"])),
                         style=draw(st.sampled_from(STYLES)), no_wrap=draw(st.sampled_from([False] * 4 + [True])),
                         overflow=draw(st.sampled_from(["ellipsis", "fold", "crop"])),
                         width=draw(st.one_of(st.none(), st.none(), st.none(), st.integers(1, 12))))
    for _ in range(draw(st.integers(0, 6))):
        table.add_row(*draw(st.lists(CELLS, min_size=len(table.columns), max_size=len(table.columns))),
                      style=draw(st.sampled_from(STYLES)))
    return table


@contextmanager
def output(monkeypatch: pytest.MonkeyPatch, width: int, terminal: bool, no_color: bool = False) -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    with monkeypatch.context() as m:
        m.setattr(sys, "stdout", buffer)
        m.setenv("COLUMNS", str(width))
        m.setenv("LINES", "25")
        m.setenv("TERM", "xterm-256color")
        m.delenv("COLORTERM", raising=False)
        m.delenv("TTY_COMPATIBLE", raising=False)
        if terminal:
            m.setenv("FORCE_COLOR", "1")
        else:
            m.delenv("FORCE_COLOR", raising=False)
        if no_color:
            m.setenv("NO_COLOR", "1")
        else:
            m.delenv("NO_COLOR", raising=False)
        yield buffer


def both(monkeypatch: pytest.MonkeyPatch, obj: object, width: int, terminal: bool, no_color: bool = False,
         **print_options: object) -> tuple[str, str]:
    """(what rich prints, what cli_term prints), the second drawn by cli_term itself."""
    with output(monkeypatch, width, terminal, no_color) as buffer:
        RichConsole(highlight=False, emoji=False).print(obj, **print_options)  # type: ignore[arg-type]
        rich = buffer.getvalue()
    with output(monkeypatch, width, terminal, no_color) as buffer:
        console = Console()
        assert console._render((obj,), print_options.get("style"), False,  # type: ignore[arg-type]
                               bool(print_options.get("soft_wrap")), "\n") is not None   # drawn, not handed on
        console.print(obj, **print_options)   # type: ignore[arg-type]
        mine = buffer.getvalue()
    return rich, mine


_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def styled(text: str) -> list[tuple[str, frozenset[str]]]:
    """Each character printed, with the ANSI codes in force on it (rich resets after each piece)."""
    out: list[tuple[str, frozenset[str]]] = []
    codes: frozenset[str] = frozenset()
    pos = 0
    for m in _SGR.finditer(text):
        out += [(c, codes if c != "\n" else frozenset()) for c in text[pos:m.start()]]
        params = m.group(1)
        codes = frozenset() if params in ("", "0") else codes | frozenset(params.split(";"))
        pos = m.end()
    out += [(c, codes if c != "\n" else frozenset()) for c in text[pos:]]
    return out


def drawable(obj: object, width: int, soft_wrap: bool = False) -> bool:
    """cli_term draws it itself (else it hands it to rich, which is right by definition)."""
    try:
        Console()._render((obj,), None, False, soft_wrap, "\n")
    except cli_term.Unsupported:
        return False
    return True


WIDTHS = st.integers(8, 130)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(text=texts(), width=WIDTHS)
def test_a_text_is_wrapped_as_rich_wraps_it(monkeypatch: pytest.MonkeyPatch, text: Text, width: int) -> None:
    rich, mine = both(monkeypatch, text, width, terminal=False)
    assert mine == rich


@SETTINGS
@given(text=texts(), width=WIDTHS, style=st.sampled_from(STYLES), no_color=st.booleans())
def test_a_text_has_rich_colours_on_a_terminal(monkeypatch: pytest.MonkeyPatch, text: Text, width: int, style: str,
                                               no_color: bool) -> None:
    rich, mine = both(monkeypatch, text, width, terminal=True, no_color=no_color, style=style)
    assert styled(mine) == styled(rich)


@SETTINGS
@given(text=texts(), width=WIDTHS)
def test_soft_wrap_prints_the_line_whole(monkeypatch: pytest.MonkeyPatch, text: Text, width: int) -> None:
    with output(monkeypatch, width, terminal=False):
        if not drawable(text, width, soft_wrap=True):
            return
    rich, mine = both(monkeypatch, text, width, terminal=False, soft_wrap=True)
    assert mine == rich


@SETTINGS
@given(table=tables(), width=WIDTHS)
def test_a_table_is_laid_out_as_rich_lays_it_out(monkeypatch: pytest.MonkeyPatch, table: Table, width: int) -> None:
    with output(monkeypatch, width, terminal=False):
        if not drawable(table, width):
            return
    rich, mine = both(monkeypatch, table, width, terminal=False)
    assert mine == rich


@SETTINGS
@given(table=tables(), width=WIDTHS)
def test_a_table_has_rich_colours_on_a_terminal(monkeypatch: pytest.MonkeyPatch, table: Table, width: int) -> None:
    with output(monkeypatch, width, terminal=True):
        if not drawable(table, width):
            return
    rich, mine = both(monkeypatch, table, width, terminal=True)
    assert styled(mine) == styled(rich)


@settings(max_examples=200, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=tables())
def test_most_random_tables_are_drawn_here_not_handed_to_rich(monkeypatch: pytest.MonkeyPatch, table: Table) -> None:
    # the two table tests above compare only what cli_term draws: it must be most of them
    # (it hands rich a table squeezed into columns narrower than their padding)
    with output(monkeypatch, 100, terminal=False):
        DRAWN.append(drawable(table, 100))


DRAWN: list[bool] = []


def test_the_tables_drawn_were_most_of_them() -> None:
    if not DRAWN:
        pytest.skip("runs after test_most_random_tables_are_drawn_here_not_handed_to_rich")
    assert sum(DRAWN) > 0.75 * len(DRAWN), f"{sum(DRAWN)} of {len(DRAWN)}"


def test_what_it_cannot_draw_goes_to_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    with output(monkeypatch, 80, terminal=False) as buffer:
        console = Console()
        console.print("[bold]marked up[/bold] and [red]red[/red]")     # rich markup
        console.print("plain [text]", markup=False)                      # not markup: drawn here
        console.print(Text("tab\there"))
        assert buffer.getvalue() == "marked up and red\nplain [text]\ntab     here\n"
