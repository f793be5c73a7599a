"""rich's look for the lines and tables tally prints most, without importing rich (issue 14).

Through rich, `tally count` on a 40-person event spends about 40 ms importing rich.console,
rich.text and rich.table and about 50 ms laying out its results table: more than reading
and counting the ballots. This module draws the same characters by rich's own rules (word
wrapping, column widths, box lines, alignment; it uses rich's small public helpers
rich.cells and rich.box, which load in 2 ms) and colours them with the same ANSI codes on
a terminal. Its `Text`, `Table` and `Console` are the part of rich's API that cli.py and
cli_render.py use.

Whatever it does not draw itself goes to rich unchanged: a rich object, rich markup
(a ``[`` in a string printed with markup), a style or table option it does not know, a
legacy Windows console, an output that cannot take UTF-8 box lines. Its Text and Table
become rich's through ``__rich__``, so they can also stand inside a rich table.

tests/test_cli_term.py prints random texts and tables both ways and compares them
character by character, colours included.
"""

from __future__ import annotations

import builtins
import io
import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import IO, Any

from rich.box import HEAVY_HEAD
from rich.cells import cell_len, chop_cells, set_cell_size

WINDOWS = sys.platform == "win32"


class Unsupported(Exception):
    """Something only rich draws: the caller hands the whole print to rich."""


# ---------------------------------------------------------------- styles

# rich's theme names used by tables, and the SGR codes of rich's attribute words and
# standard colours (rich.style, rich.color): a style is a tuple of such strings, combined
# left to right as rich adds styles (attributes add up, the last colour wins).
_THEME = {"table.header": "bold", "table.footer": "bold", "table.cell": "", "table.title": "italic",
          "table.caption": "italic dim", "none": ""}
_ATTRIBUTES = {"bold": 1, "b": 1, "dim": 2, "d": 2, "italic": 3, "i": 3, "underline": 4, "u": 4, "blink": 5,
               "blink2": 6, "reverse": 7, "r": 7, "conceal": 8, "c": 8, "strike": 9, "s": 9, "underline2": 21,
               "uu": 21, "frame": 51, "encircle": 52, "overline": 53, "o": 53}
_COLOURS = {name: i for i, name in enumerate(("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"))}
_ATTRIBUTE_ORDER = (1, 2, 3, 4, 5, 6, 7, 8, 9, 21, 51, 52, 53)

Style = tuple[str, ...]


def _parse(style: str) -> tuple[dict[int, bool], str | None, str | None]:
    """One rich style string: its attributes (set on or off) and its colour codes."""
    attributes: dict[int, bool] = {}
    colour: str | None = None
    background: str | None = None
    words = _THEME.get(style, style).split()
    i = 0
    while i < len(words):
        word = words[i].lower()
        if word == "on" and i + 1 < len(words):
            background = _colour(words[i + 1].lower(), 40)
            i += 2
            continue
        if word == "not" and i + 1 < len(words) and words[i + 1].lower() in _ATTRIBUTES:
            attributes[_ATTRIBUTES[words[i + 1].lower()]] = False
            i += 2
            continue
        if word in _ATTRIBUTES:
            attributes[_ATTRIBUTES[word]] = True
        else:
            colour = _colour(word, 30)
        i += 1
    return attributes, colour, background


def _colour(word: str, base: int) -> str:
    if word in _COLOURS:
        return str(base + _COLOURS[word])
    if word.startswith("bright_") and word[7:] in _COLOURS:
        return str(base + 60 + _COLOURS[word[7:]])
    if word == "default":
        return str(base + 9)
    raise Unsupported(word)    # a colour number, hex or rgb: rich's colour arithmetic


def sgr(style: Style, colour: bool = True) -> str:
    """The ANSI parameters rich writes for `style` ('1;31' for bold red); '' for none."""
    attributes: dict[int, bool] = {}
    fg = bg = None
    for part in style:
        if not part:
            continue
        more, c, b = _parse(part)
        attributes.update(more)
        fg = c or fg
        bg = b or bg
    codes = [str(a) for a in _ATTRIBUTE_ORDER if attributes.get(a)]
    if colour:
        codes += [c for c in (fg, bg) if c]
    return ";".join(codes)


def check_style(style: str) -> None:
    """Raise Unsupported now for a style this module cannot draw."""
    if style:
        _parse(style)


# ---------------------------------------------------------------- text


class Text:
    """A line of text in parts, each with its own style, over a style of the whole (rich.text.Text)."""

    def __init__(self, text: str = "", style: str = "") -> None:
        check_style(style)
        self.style = style
        # (text, styles of the spans over it, oldest first)
        self.parts: list[tuple[str, Style]] = [(text, ())] if text else []

    @property
    def plain(self) -> str:
        return "".join(text for text, _styles in self.parts)

    def __str__(self) -> str:
        return self.plain

    def __len__(self) -> int:
        return len(self.plain)

    def __repr__(self) -> str:
        return f"Text({self.plain!r}, {self.style!r})"

    def append(self, text: str | Text, style: str | None = None) -> Text:
        if isinstance(text, Text):
            if style is not None:
                raise ValueError("style must not be set when appending Text instance")   # as rich
            outer: Style = (text.style,) if text.style else ()
            self.parts.extend((part, outer + styles) for part, styles in text.parts if part)
        elif text:
            check_style(style or "")
            self.parts.append((text, (style,) if style else ()))
        return self

    def stylize(self, style: str, start: int = 0, end: int | None = None) -> None:
        """Style part of the text, over what is already there (rich.text.Text.stylize)."""
        if not style:
            return
        check_style(style)
        length = len(self)
        start = length + start if start < 0 else start
        end = length if end is None else (length + end if end < 0 else end)
        if start >= length or end <= start:
            return
        end = min(length, end)
        parts: list[tuple[str, Style]] = []
        offset = 0
        for text, styles in self.parts:
            a, b = max(start - offset, 0), min(end - offset, len(text))
            if a >= b:
                parts.append((text, styles))
            else:
                parts += [(piece, piece_styles) for piece, piece_styles in
                          ((text[:a], styles), (text[a:b], (*styles, style)), (text[b:], styles)) if piece]
            offset += len(text)
        self.parts = parts

    def append_text(self, text: Text) -> Text:
        return self.append(text)

    def copy(self) -> Text:
        new = Text(style=self.style)
        new.parts = list(self.parts)
        return new

    def __add__(self, other: object) -> Text:
        if isinstance(other, (str, Text)):
            return self.copy().append(other)
        return NotImplemented

    def styles(self) -> list[Style]:
        """The style of each character: the whole text's, then its spans'."""
        base: Style = (self.style,) if self.style else ()
        return [base + styles for text, styles in self.parts for _char in text]

    def __rich__(self) -> Any:
        from rich.text import Text as RichText

        rich = RichText(style=self.style)
        for text, styles in self.parts:
            start = len(rich)
            rich.append(text)
            for style in styles:
                rich.stylize(style, start, start + len(text))
        return rich


TextType = str | Text


def _as_text(value: TextType | None, style: str = "") -> Text:
    if isinstance(value, Text):
        return value
    return Text(value or "", style=style)


# ---------------------------------------------------------------- wrapping (rich.text.Text.wrap)

_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")


def divide_line(text: str, width: int, fold: bool = True) -> list[int]:
    """Where rich breaks `text` to fit `width` cells (rich._wrap.divide_line)."""
    breaks: list[int] = []
    offset = 0
    for match in _WORD.finditer(text):
        start, word = match.start(), match.group(0)
        length = cell_len(word.rstrip())
        if width - offset >= length:
            offset += cell_len(word)
        elif length > width:
            if fold:
                pieces = chop_cells(word, width)
                for i, piece in enumerate(pieces):
                    if start:
                        breaks.append(start)
                    if i == len(pieces) - 1:
                        offset = cell_len(piece)
                    else:
                        start += len(piece)
            else:
                if start:
                    breaks.append(start)
                offset = cell_len(word)
        elif offset and start:
            breaks.append(start)
            offset = cell_len(word)
    return breaks


class _Line:
    """One output line of a paragraph: `text` is plain[start:start+len(text)] of the
    paragraph, then the `tail` a crop put in place of the rest (a space for half a wide
    character, an ellipsis), between `left` and `right` spaces of justification."""

    __slots__ = ("left", "right", "start", "tail", "text")

    def __init__(self, start: int, text: str) -> None:
        self.start, self.text, self.tail, self.left, self.right = start, text, "", 0, 0

    @property
    def plain(self) -> str:
        return " " * self.left + self.text + self.tail + " " * self.right


def wrap(text: str, width: int, justify: str, overflow: str, no_wrap: bool) -> list[_Line]:
    """The lines rich makes of a text `width` cells wide (rich.text.Text.wrap)."""
    if "\t" in text:
        raise Unsupported("tab")
    lines: list[_Line] = []
    position = 0
    for paragraph in text.split("\n"):
        if no_wrap:
            pieces = [_Line(position, paragraph)]
        else:
            offsets = divide_line(paragraph, width, fold=overflow == "fold")
            bounds = zip([0, *offsets], [*offsets, len(paragraph)])
            pieces = [_Line(position + a, paragraph[a:b]) for a, b in bounds]
            for line in pieces:                      # Text.rstrip_end
                if len(line.text) > width:
                    match = _TRAILING_SPACE.search(line.text)
                    if match:
                        line.text = line.text[:len(line.text) - min(len(match.group(0)), len(line.text) - width)]
        for line in pieces:
            if justify == "left":
                _truncate(line, width, overflow, pad=True)
            elif justify in ("center", "right"):
                line.text = line.text.rstrip()
                _truncate(line, width, overflow)
                room = width - cell_len(line.plain)
                line.left = room // 2 if justify == "center" else room
                if justify == "center":
                    line.right = width - cell_len(line.plain)
            elif justify == "full":
                raise Unsupported("full")
        for line in pieces:
            _truncate(line, width, overflow)
        lines.extend(pieces)
        position += len(paragraph) + 1
    return lines


def _truncate(line: _Line, width: int, overflow: str, pad: bool = False) -> None:
    """rich.text.Text.truncate on the line as it stands (cropping comes before any padding)."""
    if overflow == "ignore":
        return
    length = cell_len(line.plain)
    if length > width:
        if line.left or line.right or line.tail:
            raise Unsupported("crop after padding")
        ellipsis = overflow == "ellipsis"
        cut = set_cell_size(line.text, width - 1 if ellipsis else width)
        kept = 0
        while kept < min(len(cut), len(line.text)) and cut[kept] == line.text[kept]:
            kept += 1
        if cut[kept:].strip(" "):
            raise Unsupported("crop")      # set_cell_size only pads (half a wide character) with spaces
        line.text, line.tail = cut[:kept], cut[kept:] + ("…" if ellipsis else "")
    if pad and length < width:
        line.right += width - length


# ---------------------------------------------------------------- a drawn line: (text, style) pieces

Piece = tuple[str, Style]


def _paragraph(text: Text, width: int, justify: str, overflow: str, no_wrap: bool,
               under: Style = ()) -> list[list[Piece]]:
    """A Text as lines of styled pieces, `under` its own styles (a cell's, a print's)."""
    styles = text.styles()
    base: Style = under + ((text.style,) if text.style else ())
    out: list[list[Piece]] = []
    for line in wrap(text.plain, width, justify, overflow, no_wrap):
        pieces: list[Piece] = []
        if line.left:
            pieces.append((" " * line.left, base))
        for i, char in enumerate(line.text):
            pieces.append((char, under + styles[line.start + i]))
        for i, char in enumerate(line.tail, start=line.start + len(line.text)):
            # rich crops the spans with the text: what stands in a place keeps that place's style
            pieces.append((char, under + styles[i] if i < len(styles) else base))
        if line.right:
            pieces.append((" " * line.right, base))
        out.append(pieces)
    return out


def _width(pieces: list[Piece]) -> int:
    return sum(cell_len(text) for text, _style in pieces)


def _pad(pieces: list[Piece], width: int, style: Style) -> list[Piece]:
    """rich.segment.Segment.adjust_line_length: pad (or crop) a line to `width` cells."""
    length = _width(pieces)
    if length < width:
        return [*pieces, (" " * (width - length), style)]
    if length > width:
        raise Unsupported("crop")
    return pieces


# ---------------------------------------------------------------- tables (rich.table.Table)

_TABLE_DEFAULTS: dict[str, Any] = {"expand": False, "width": None, "min_width": None, "leading": 0,
                                   "show_footer": False, "highlight": False, "style": None, "row_styles": None,
                                   "header_style": "table.header", "border_style": None, "title_style": None,
                                   "caption_style": None, "safe_box": None}
_COLUMN_DEFAULTS: dict[str, Any] = {"header_style": "", "footer": "", "footer_style": "", "vertical": "top",
                                    "min_width": None, "max_width": None, "ratio": None, "highlight": False}
_DEFAULT_BOX = HEAVY_HEAD


class Column:
    def __init__(self, header: TextType, justify: str, style: str, no_wrap: bool, overflow: str,
                 width: int | None, options: dict[str, Any]) -> None:
        check_style(style)
        self.header, self.justify, self.style, self.no_wrap = header, justify, style, no_wrap
        self.overflow, self.width, self.options = overflow, width, options
        self.cells: list[TextType] = []


def _unpack(padding: int | tuple[int, ...]) -> tuple[int, int, int, int]:
    """rich.padding.Padding.unpack: (top, right, bottom, left)."""
    if isinstance(padding, int):
        return padding, padding, padding, padding
    if len(padding) == 1:
        return padding[0], padding[0], padding[0], padding[0]
    if len(padding) == 2:
        return padding[0], padding[1], padding[0], padding[1]
    top, right, bottom, left = padding
    return top, right, bottom, left


class Table:
    """A table drawn as rich draws it: the heavy header box, or none (a grid)."""

    def __init__(self, *headers: TextType, title: TextType | None = None, caption: TextType | None = None,
                 show_lines: bool = False, title_justify: str = "center", caption_justify: str = "center",
                 box: Any = _DEFAULT_BOX, padding: Any = (0, 1), show_header: bool = True,
                 show_edge: bool = True, pad_edge: bool = True, collapse_padding: bool = False,
                 **options: Any) -> None:
        self.columns: list[Column] = []
        self.rows: list[str] = []           # each row's style
        self.row_options: list[dict[str, Any]] = []   # anything else given to add_row (end_section, ...)
        self.title, self.caption, self.show_lines = title, caption, show_lines
        self.title_justify, self.caption_justify = title_justify, caption_justify
        self.box, self.padding, self.show_header, self.show_edge = box, padding, show_header, show_edge
        self.pad_edge, self.collapse_padding = pad_edge, collapse_padding
        self.options = options
        for header in headers:
            self.add_column(header)

    @classmethod
    def grid(cls, *headers: TextType, padding: Any = 0, collapse_padding: bool = True,
             pad_edge: bool = False, expand: bool = False) -> Table:
        """rich.table.Table.grid: columns without lines or headers."""
        return cls(*headers, box=None, padding=padding, collapse_padding=collapse_padding, show_header=False,
                   show_footer=False, show_edge=False, pad_edge=pad_edge, expand=expand)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def add_column(self, header: TextType = "", justify: str = "left", style: str = "", no_wrap: bool = False,
                   overflow: str = "ellipsis", width: int | None = None, **options: Any) -> None:
        column = Column(header, justify, style, no_wrap, overflow, width, options)
        for _row in self.rows:
            column.cells.append("")
        self.columns.append(column)

    def add_row(self, *cells: TextType | None, style: str | None = "", **options: Any) -> None:
        style = style or ""
        check_style(style)
        cells_ = list(cells)
        if len(cells_) > len(self.columns):
            raise Unsupported("more cells than columns")   # rich adds columns
        cells_ += [None] * (len(self.columns) - len(cells_))
        for column, cell in zip(self.columns, cells_):
            column.cells.append("" if cell is None else cell)
        self.rows.append(style)
        self.row_options.append(options)

    def supported(self) -> bool:
        plain_options = all(_TABLE_DEFAULTS.get(k, object()) == v for k, v in self.options.items())
        columns = all(all(_COLUMN_DEFAULTS.get(k, object()) == v for k, v in c.options.items())
                      for c in self.columns)
        top, _right, bottom, _left = _unpack(self.padding)
        box = (self.box is _DEFAULT_BOX and self.show_header and self.show_edge) or self.box is None
        return (plain_options and columns and box and not top and not bottom and bool(self.columns)
                and not any(self.row_options))

    def __rich__(self) -> Any:
        from rich.table import Table as RichTable

        table = RichTable(title=_rich(self.title), caption=_rich(self.caption), show_lines=self.show_lines,
                          title_justify=self.title_justify, caption_justify=self.caption_justify,  # type: ignore[arg-type]
                          box=self.box, padding=self.padding, show_header=self.show_header, show_edge=self.show_edge,
                          pad_edge=self.pad_edge, collapse_padding=self.collapse_padding, **self.options)
        for c in self.columns:
            table.add_column(_rich(c.header), justify=c.justify, style=c.style or None,  # type: ignore[arg-type]
                             no_wrap=c.no_wrap, overflow=c.overflow, width=c.width, **c.options)  # type: ignore[arg-type]
        for i, (style, options) in enumerate(zip(self.rows, self.row_options)):
            table.add_row(*(_rich(c.cells[i]) for c in self.columns), style=style or None, **options)
        return table

    # -- drawing: rich.table.Table.__rich_console__, _calculate_column_widths, _render

    def _cell_padding(self, index: int) -> tuple[int, int]:
        """rich's Table._get_cells (get_padding): the spaces left and right of a cell's text."""
        _top, right, _bottom, left = _unpack(self.padding)
        if self.collapse_padding and index:
            left = max(0, left - right)
        if not self.pad_edge:
            left = 0 if index == 0 else left
            right = 0 if index == len(self.columns) - 1 else right
        return left, right

    def _padding_width(self, index: int) -> int:
        """rich's Table._get_padding_width (what a column of fixed width adds)."""
        _top, right, _bottom, left = _unpack(self.padding)
        if self.collapse_padding:
            left = 0
            right = abs(left - right)
        if not self.pad_edge:
            left = 0 if index == 0 else left
            right = 0 if index == len(self.columns) - 1 else right
        return left + right

    def lines(self, max_width: int) -> list[list[Piece]]:
        if not self.supported():
            raise Unsupported("table options")
        for cell in (*self._all_cells(), self.title, self.caption):
            if isinstance(cell, str) and "[" in cell:
                raise Unsupported("markup")      # a string in a table is read as rich markup
        extra = (2 + len(self.columns) - 1) if self.box else 0    # the edges and the lines between columns
        widths = self._widths(max_width - extra)
        table_width = sum(widths) + extra
        out: list[list[Piece]] = []
        if self.title:
            out += _paragraph(_as_text(self.title, "table.title"), table_width, self.title_justify, "fold", False)
        out += self._body(widths)
        if self.caption:
            out += _paragraph(_as_text(self.caption, "table.caption"), table_width, self.caption_justify, "fold",
                              False)
        return out

    def _all_cells(self) -> Iterable[TextType]:
        for column in self.columns:
            if self.show_header:
                yield column.header
            yield from column.cells

    def _measure(self, index: int, max_width: int) -> tuple[int, int]:
        """rich's Table._measure_column: the narrowest and widest the column can be, padding included."""
        column = self.columns[index]
        if column.width is not None:
            fixed = column.width + self._padding_width(index)
            return min(fixed, max_width), min(fixed, max_width)
        pad = sum(self._cell_padding(index))
        lows, highs = [], []
        for cell in ((column.header,) if self.show_header else ()) + tuple(column.cells):
            plain = str(cell)
            if max_width < 1:
                low = high = 0                     # Measurement.get: nothing under 1 cell
            elif max_width - pad < 1:
                low = high = max_width             # Padding: all of it
            else:
                lines = plain.splitlines()
                high = max((cell_len(line) for line in lines), default=0)
                words = plain.split()
                low = max((cell_len(word) for word in words), default=high)
                low, high = _normalise(low, high, max_width)     # Measurement.get of the text
                if high < 1:
                    low = high = 0
                low, high = min(low + pad, max_width), min(high + pad, max_width)   # Padding
            low, high = _normalise(low, high, max_width)
            if high < 1:
                low = high = 0
            lows.append(low)
            highs.append(high)
        return min(max(lows, default=1), max_width), min(max(highs, default=max_width), max_width)

    def _widths(self, max_width: int) -> list[int]:
        indexes = range(len(self.columns))
        widths = [self._measure(i, max_width)[1] or 1 for i in indexes]
        if sum(widths) > max_width:
            widths = _collapse(widths, [c.width is None and not c.no_wrap for c in self.columns], max_width)
            if sum(widths) > max_width:
                widths = _ratio_reduce(sum(widths) - max_width, [1] * len(widths), widths, widths)
            widths = [self._measure(i, w)[1] or 0 for i, w in zip(indexes, widths)]
        return widths

    def _cell(self, value: TextType, index: int, width: int, under: Style) -> list[list[Piece]]:
        """A cell's lines, `width` cells wide: its padding either side of the text (rich's Padding)."""
        column = self.columns[index]
        left, right = self._cell_padding(index)
        inner = width - left - right
        if inner < 1 and (inner < 0 or str(value)):
            raise Unsupported("narrow")
        if inner == 0:
            return []      # rich renders nothing at width 0: the row's blank line comes unstyled
        lines = _paragraph(_as_text(value), inner, column.justify, column.overflow, column.no_wrap, under)
        before = [(" " * left, under)] if left else []
        after = [(" " * right, under)] if right else []
        return [[*before, *_pad(line, inner, under), *after] for line in lines]

    def _body(self, widths: list[int]) -> list[list[Piece]]:
        box = self.box
        out: list[list[Piece]] = [[(box.get_top(widths), ())]] if box else []
        rows: list[tuple[list[TextType], Style, Style, bool]] = []
        if self.show_header:
            rows.append(([c.header for c in self.columns], ("table.header",), (), True))
        for i, style in enumerate(self.rows):
            rows.append(([c.cells[i] for c in self.columns], (), (style,) if style else (), False))
        for index, (cells, base, row_style, is_header) in enumerate(rows):
            first, last = index == 0, index == len(rows) - 1
            drawn = []
            for i, (value, column, width) in enumerate(zip(cells, self.columns, widths)):
                under = (base if is_header else ((column.style,) if column.style else ())) + row_style
                drawn.append((self._cell(value, i, width, under), under))
            row_height = max(len(lines) for lines, _under in drawn)
            height = max(1, row_height)
            shaped = []
            for (lines, under), width in zip(drawn, widths):
                missing = [[(" " * width, under)] for _ in range(row_height - len(lines))]
                lines = missing + lines if is_header else lines + missing   # header: bottom, cells: top
                shaped.append(lines + [[(" " * width, ())] for _ in range(height - len(lines))])
            if not box:
                out += [[piece for cell in shaped for piece in cell[line_no]] for line_no in range(height)]
                continue
            left, right, divider = ((box.head_left, box.head_right, box.head_vertical) if first else
                                    (box.foot_left, box.foot_right, box.foot_vertical) if last else
                                    (box.mid_left, box.mid_right, box.mid_vertical))
            for line_no in range(height):
                line: list[Piece] = [(left, ())]
                for i, cell in enumerate(shaped):
                    line += cell[line_no]
                    line.append((divider if i < len(shaped) - 1 else right, ()))
                out.append(line)
            if first and self.show_header:
                out.append([(box.get_row(widths, "head"), ())])
            elif self.show_lines and not last:
                out.append([(box.get_row(widths, "row"), ())])
        if box:
            out.append([(box.get_bottom(widths), ())])
        return out


def _normalise(low: int, high: int, maximum: int) -> tuple[int, int]:
    """Measurement.normalize().with_maximum(maximum)."""
    low = min(max(0, low), high)
    low, high = max(0, low), max(0, max(low, high))
    return min(low, maximum), min(high, maximum)


def _collapse(widths: list[int], wrapable: list[bool], max_width: int) -> list[int]:
    """rich's Table._collapse_widths: narrow the widest wrapable columns first."""
    total = sum(widths)
    excess = total - max_width
    if any(wrapable):
        while total and excess > 0:
            widest = max(w for w, ok in zip(widths, wrapable) if ok)
            second = max(w if ok and w != widest else 0 for w, ok in zip(widths, wrapable))
            difference = widest - second
            ratios = [1 if (w == widest and ok) else 0 for w, ok in zip(widths, wrapable)]
            if not any(ratios) or not difference:
                break
            widths = _ratio_reduce(excess, ratios, [min(excess, difference)] * len(widths), widths)
            total = sum(widths)
            excess = total - max_width
    return widths


def _ratio_reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]) -> list[int]:
    """rich._ratio.ratio_reduce."""
    ratios = [r if m else 0 for r, m in zip(ratios, maximums)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    result = []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * remaining / total_ratio))
            result.append(value - distributed)
            remaining -= distributed
            total_ratio -= ratio
        else:
            result.append(value)
    return result


def _rich(value: TextType | None) -> Any:
    return value.__rich__() if isinstance(value, Text) else value


# ---------------------------------------------------------------- the console


class _NullFile(io.StringIO):
    """Where output goes when there is no stdout (pythonw): nowhere, as rich's NULL_FILE."""

    def write(self, text: str) -> int:
        return len(text)


def _legacy_windows() -> bool:
    """rich.console.detect_legacy_windows: a Windows console without ANSI support."""
    if not WINDOWS:
        return False
    from rich._windows import get_windows_console_features  # only on Windows

    return not get_windows_console_features().vt


class Console:
    """Where tally's lines and tables go: rich's Console(highlight=False) as cli_render made
    it, drawn here when it can be (see the module's docstring), else by rich."""

    def __init__(self, stderr: bool = False, highlight: bool = False) -> None:
        self.stderr = stderr
        self.highlight = highlight
        self.legacy_windows = _legacy_windows()
        columns, lines = os.environ.get("COLUMNS"), os.environ.get("LINES")
        self._width = int(columns) if columns is not None and columns.isdigit() else None
        self._height = int(lines) if lines is not None and lines.isdigit() else None
        self.no_color = os.environ.get("NO_COLOR", "") != ""
        self.colour = self.is_terminal and not self.is_dumb_terminal   # rich's colour system is not None
        self._delegate: Any = None

    @property
    def file(self) -> IO[str]:
        file = sys.stderr if self.stderr else sys.stdout
        file = getattr(file, "rich_proxied_file", file)   # rich's, while a progress bar is shown
        return file if file is not None else _NullFile()

    @property
    def is_terminal(self) -> bool:
        """rich.console.Console.is_terminal."""
        if hasattr(sys.stdin, "__module__") and sys.stdin.__module__.startswith("idlelib"):
            return False
        compatible = os.environ.get("TTY_COMPATIBLE", "")
        if compatible in ("0", "1"):
            return compatible == "1"
        force = os.environ.get("FORCE_COLOR")
        if force is not None:
            return force != ""
        isatty = getattr(self.file, "isatty", None)
        try:
            return False if isatty is None else bool(isatty())
        except ValueError:
            return False

    @property
    def is_dumb_terminal(self) -> bool:
        return self.is_terminal and os.environ.get("TERM", "").lower() in ("dumb", "unknown")

    @property
    def width(self) -> int:
        """rich.console.Console.width: COLUMNS, else the terminal's, else 80."""
        if self.legacy_windows:
            return int(self.rich().width)
        if self._width is not None and self._height is not None:
            return self._width
        if self.is_dumb_terminal:
            return 80
        width = None
        for fd in ((1, 2) if WINDOWS else (0, 1, 2)):
            try:
                width, _height = os.get_terminal_size(fd)
            except (AttributeError, ValueError, OSError):
                continue
            break
        columns = os.environ.get("COLUMNS")
        if columns is not None and columns.isdigit():
            width = int(columns)
        return (width or 80) if self._width is None else self._width

    def rich(self) -> Any:
        """The rich console that draws what this one does not."""
        if self._delegate is None:
            from rich.console import Console as RichConsole

            self._delegate = RichConsole(stderr=self.stderr, highlight=self.highlight, emoji=False)
        return self._delegate

    def _drawable(self) -> bool:
        if self.legacy_windows or hasattr(builtins, "get_ipython"):
            return False
        encoding = (getattr(self.file, "encoding", None) or "utf-8").lower()
        return encoding.startswith("utf")

    def print(self, *objects: Any, style: str | None = None, markup: bool | None = None,
              highlight: bool | None = None, soft_wrap: bool | None = None, end: str = "\n",
              **more: Any) -> None:
        try:
            if not self._drawable() or more or highlight or (highlight is None and self.highlight):
                raise Unsupported("console")
            text = self._render(objects, style, markup is not False, bool(soft_wrap), end)
        except Unsupported:
            self.rich().print(*objects, style=style, markup=markup, highlight=highlight, soft_wrap=soft_wrap,
                              end=end, **more)
            return
        self.file.write(text)
        self.file.flush()

    def _render(self, objects: Sequence[Any], style: str | None, markup: bool, soft_wrap: bool, end: str) -> str:
        under: Style = (style,) if style else ()
        if style:
            check_style(style)
        width = self.width
        lines: list[list[Piece]] = []
        texts: list[Text] = []

        def flush() -> None:   # consecutive texts print as one, joined by a space (rich's sep)
            if texts:
                joined = Text()
                for i, t in enumerate(texts):
                    joined.append(" " if i else "")
                    joined.append(t)
                texts.clear()
                if soft_wrap:
                    if any(len(p) > width and p != p.rstrip() for p in joined.plain.split("\n")):
                        raise Unsupported("soft wrap")   # rich 13 drops the spaces past the width, rich 15 keeps them
                    lines.append([(char, under + s) for char, s in zip(joined.plain, joined.styles())])
                else:
                    lines.extend(_paragraph(joined, width, "default", "fold", False, under))

        for obj in objects or ("",):
            if isinstance(obj, str):
                if markup and "[" in obj:
                    raise Unsupported("markup")
                texts.append(Text(obj))
            elif isinstance(obj, Text):
                texts.append(obj)
            elif isinstance(obj, Table):
                flush()
                lines.extend([[(t, under + s) for t, s in line] for line in obj.lines(width)])
            else:
                raise Unsupported(type(obj).__name__)
        flush()
        if end != "\n":
            raise Unsupported("end")
        if not soft_wrap and any(_width(line) > width for line in lines):
            raise Unsupported("crop")        # rich crops a line wider than the console
        return "".join(self._line(line) + "\n" for line in lines)

    def _line(self, pieces: list[Piece]) -> str:
        if not self.colour:
            return "".join(text for text, _style in pieces)
        out: list[str] = []
        for text, style in _merged(pieces):
            codes = sgr(style, colour=not self.no_color)
            out.append(f"\x1b[{codes}m{text}\x1b[0m" if codes else text)
        return "".join(out)


def _merged(pieces: list[Piece]) -> Iterable[Piece]:
    """Neighbouring pieces of the same style as one (fewer escape codes, the same look)."""
    text, style = "", Style()
    for t, s in pieces:
        if s == style:
            text += t
        else:
            if text:
                yield text, style
            text, style = t, s
    if text:
        yield text, style
