"""How verification compares a workbook with the signed results.json: the one home of
"what counts as the same cell".

:func:`expected_cells` lays out the minutes again from results.json (the same
:func:`tally.layout.layout` that wrote them) and keeps the checked cells;
:func:`compare_cells` says whether a value read back from a workbook shows an expected
one; :func:`table_mismatches` and :func:`mismatches` apply it to a snapshot or to what
openpyxl reads; :func:`display_problems` finds what can make a printed value differ
from the stored one (number formats, formulas, hidden rows, columns and sheets).
"""

from __future__ import annotations

import functools
import io
import math
import os
import re
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, fields
from typing import IO, TYPE_CHECKING

from ballots.cells import column_index, column_letters
from ballots.i18n import _
from tally.layout import CellKey, CellValue, SheetLayout, clean, layout
from tally.model import Results
from tally.results_json import from_bytes
from tally.snapshot import (
    CellRead,
    ExpectedPart,
    Font,
    Look,
    SheetRead,
    Snapshot,
    book_read,
    expect,
    read_snapshot,
    split_ref,
)
from tally.workbook import build_book, marked, write_workbook

if TYPE_CHECKING:
    from openpyxl import Workbook

Source = bytes | str | os.PathLike[str]
Expected = dict[CellKey, CellValue]


@functools.lru_cache(maxsize=16)
def laid_out(results_json: bytes) -> tuple[Results, tuple[SheetLayout, ...]]:
    """results.json's results and the sheets the minutes lay them out as: laid out once for
    the checked cells and the rebuilt minutes (shared: callers only read them)."""
    results = from_bytes(results_json)
    return results, tuple(layout(results, results_json))


@functools.lru_cache(maxsize=16)
def expected_cells(results_json: bytes) -> dict[CellKey, CellValue]:
    """Every checked cell the minutes for this results.json show: (sheet, "D12") -> value,
    in sheet, row and column order.

    Raises ValueError for bytes that are not a tally-results/1 document (KeyError or
    TypeError when one is missing a field the minutes show).

    Cached like :func:`rebuild`: every member's copy of the same minutes is checked against
    one layout. The dict is shared, so callers only read it.
    """
    out: dict[CellKey, CellValue] = {}
    for sheet in laid_out(results_json)[1]:
        for ref, value in sheet.checked().items():
            out[(sheet.title, ref)] = value
    return out


def _norm_text(value: str) -> str:
    return clean(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def compare_cells(expected: CellValue, actual: object) -> bool:
    """True when `actual` (as read back from a workbook) shows `expected`.

    Tolerates what a re-save does without changing a value: 25 stored as 25.0 (or as the
    text "25"), a string in another Unicode normal form, with CRLF line ends or
    surrounding spaces, an empty cell read as "" instead of None.
    """
    if isinstance(expected, bool) or isinstance(actual, bool):
        return False          # never a layout value: do not let True == 1 pass
    if isinstance(actual, str):
        actual = _norm_text(actual) or None
    if isinstance(expected, str):
        expected = _norm_text(expected) or None
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, int):
        if isinstance(actual, (int, float)):
            return actual == expected     # exact, also for an integer too large for a float
        return isinstance(actual, str) and actual == str(expected)
    if isinstance(actual, str):
        return actual == expected
    if isinstance(actual, (int, float)) and float(actual).is_integer():
        return str(int(actual)) == expected
    return False


@dataclass(frozen=True)
class CellMismatch:
    """A checked cell whose value in the workbook is not the signed one."""

    sheet: str
    cell: str
    expected: CellValue
    actual: object
    missing_sheet: bool = False


def _open(source: Source) -> Workbook:
    from openpyxl import load_workbook  # deferred: verification reads workbooks with tally.snapshot

    handle: str | os.PathLike[str] | IO[bytes] = io.BytesIO(source) if isinstance(source, bytes) else source
    return load_workbook(handle, data_only=True)


def mismatches(results_json: bytes, source: Source) -> list[CellMismatch]:
    """Every checked cell of the workbook that does not show what `results_json` says, in
    sheet and cell order; a missing sheet is one entry with an empty `cell`. An empty list
    means every number and name matches."""
    expected = expected_cells(results_json)
    wb = _open(source)
    out: list[CellMismatch] = []
    missing: set[str] = set()
    try:
        for (title, ref), want in expected.items():
            if title not in wb.sheetnames:
                if title not in missing:      # one entry for the sheet, not one per cell
                    missing.add(title)
                    out.append(CellMismatch(title, "", None, None, missing_sheet=True))
                continue
            got = wb[title][ref].value
            if not compare_cells(want, got):
                out.append(CellMismatch(title, ref, want, got))
    finally:
        wb.close()
    return out


def table_mismatches(results_json: bytes, snap: Snapshot, expected: Expected | None = None) -> list[CellMismatch]:
    """tally.workbook.mismatches on a snapshot already read: every checked cell of the
    minutes that does not show what `results_json` says, in sheet and cell order."""
    if expected is None:
        expected = expected_cells(results_json)
    out: list[CellMismatch] = []
    sheets = snap.cells
    for (title, ref), want in expected.items():
        cells = sheets.get(title)
        if cells is None:
            out.append(CellMismatch(title, ref, want, None, missing_sheet=True))
            continue
        got = cells.get(ref)
        kind = type(want)
        if (kind is str or kind is int) and type(got) is kind and got == want:
            continue            # the same text or integer: equal however compare_cells normalises
        if not compare_cells(want, got):
            out.append(CellMismatch(title, ref, want, got))
    return out


@dataclass(frozen=True)
class DisplayProblem:
    """A result cell whose printed look can differ from the value it holds."""

    sheet: str
    cell: str                 # "" for the whole sheet
    what: str


def display_problems(expected: Expected, snap: Snapshot) -> list[DisplayProblem]:
    """Number formats, formulas, hidden rows, columns or sheets and conditional formatting
    on the result cells: each can make the paper show another value than the file holds."""

    out: list[DisplayProblem] = []
    for title in dict.fromkeys(t for t, _cell in expected):
        if title not in snap.cells:
            continue
        state = snap.states.get(title, "visible")
        if state != "visible":
            out.append(DisplayProblem(title, "", _("the sheet is {state}").format(state=state)))
        if title in snap.conditional:
            out.append(DisplayProblem(title, "", _("the sheet has conditional formatting")))
    seen_rows: set[tuple[str, int]] = set()
    seen_cols: set[tuple[str, str]] = set()
    # a sheet without formulas, number formats, hidden rows or columns has nothing to find per cell
    busy = {title for title in snap.cells if snap.formulas.get(title) or snap.formats.get(title)
            or snap.hidden_rows.get(title) or snap.hidden_cols.get(title)}
    for (title, ref), want in expected.items():
        if title not in busy:
            continue
        if ref in snap.formulas.get(title, ()):
            out.append(DisplayProblem(title, ref, _("holds a formula, recalculated when the file is opened")))
        code = snap.formats.get(title, {}).get(ref)
        if code is not None and (want is not None or snap.value(title, ref) is not None):
            out.append(DisplayProblem(title, ref, _("has the number format {code!r}, which can show another value")
                                                  .format(code=code)))
        m = _SPLIT.fullmatch(ref)
        if m is None:
            continue
        row, letters = int(m.group(2)), m.group(1)
        if want is not None and row in snap.hidden_rows.get(title, ()) and (title, row) not in seen_rows:
            seen_rows.add((title, row))
            out.append(DisplayProblem(title, ref, _("row {row} is hidden").format(row=row)))
        if want is not None and column_index(letters) in snap.hidden_cols.get(title, ()) \
                and (title, letters) not in seen_cols:
            seen_cols.add((title, letters))
            out.append(DisplayProblem(title, ref, _("column {letters} is hidden").format(letters=letters)))
    return out


# --- the whole appearance: regenerate and compare (issue #10) ----------------------------

MIN_FONT = 6.0            # points: smaller text cannot be read on paper
ROW_SLACK = 0.75          # points: LibreOffice stores row heights in whole pixels (0.75 pt at
                          # 96 dpi), rounding 19.25 down to 18.75 on every save
WIDTH_SLACK = 0.1         # characters: LibreOffice keeps widths in 1/100 mm, a round trip moves
                          # them by less than 0.01 character
MARGIN_SLACK = 0.01       # inches: margins round-trip through 1/100 mm in LibreOffice
_HF_CODE = re.compile(r'&(?:"([^"]*)"|(\d+)|K([0-9A-Fa-f]{6}|[0-9A-Fa-f]{2}[+-]\d{3})|([LCRPNDTFAZGBIUESXYOH&]))')
_XSTRING = re.compile(r"_x([0-9A-Fa-f]{4})_")


@dataclass(frozen=True)
class Difference:
    """One way the workbook prints differently from the minutes the signed results.json
    lays out: `shown` is what the paper shows, `signed` what the rebuilt minutes show."""

    sheet: str
    cell: str                 # "D12", "row 23", "column F", "" for the whole sheet or workbook
    what: str                 # English, short: "text", "font", "row height", ...
    shown: str
    signed: str


def rebuild(results_json: bytes, restricted: bool) -> Snapshot:
    """The minutes `tally count` writes for this results.json, read back by the same reader.
    Raises ValueError (KeyError, TypeError) for a results.json that cannot be laid out.

    Taken from the minutes as laid out, styled and written, without unpacking or parsing
    them (tally.snapshot.book_read, the same as reading the written bytes:
    tests/test_direct_snapshot.py); the members' copies of the same minutes share one rebuild
    (the result is read only)."""
    return rebuilt_book(results_json, restricted)[0]


@functools.lru_cache(maxsize=16)
def rebuilt_book(results_json: bytes, restricted: bool) -> tuple[Snapshot, tuple[ExpectedPart, ...]]:
    """:func:`rebuild`'s snapshot, and what each of the rebuilt minutes' worksheet parts reads
    as (tally.snapshot.book_read), kept together: shared, read only."""
    results, sheets = laid_out(results_json)
    return book_read(build_book(results, sheets, restricted))


def expect_written(results_json: bytes) -> None:
    """Before reading a workbook that should embed `results_json`: rebuild the minutes `tally
    count` writes for it (with the mark its rule set puts on them unless told otherwise) and
    tell the reader what their worksheet parts read as (tally.snapshot.expect), so that a
    workbook holding them byte for byte is read without parsing their XML. Nothing is decided
    here: the workbook is read, checked and compared afterwards as any other, and a workbook
    that is not those bytes is parsed as before. Raises what :func:`rebuild` raises."""
    results, _sheets = laid_out(results_json)
    expect(rebuilt_book(results_json, marked(results))[1])


def rebuild_written(results_json: bytes, restricted: bool) -> Snapshot:
    """:func:`rebuild` the long way: the minutes written as `tally count` writes them and read
    back by the reader; what tests/test_direct_snapshot.py holds :func:`rebuild` to."""
    return read_snapshot(write_workbook(from_bytes(results_json), results_json, restricted))


def _restricted(snap: Snapshot) -> bool:
    """Whether the minutes were written with the restricted mark: `count --restricted` is
    not recorded in results.json, so the page header says; a header that is neither the
    mark nor empty is reported by the comparison."""
    return any(s.header_footer.get("oddHeader", "").strip() for s in snap.detail.values())


def appearance_differences(results_json: bytes, snap: Snapshot) -> list[Difference]:
    """Every difference in what `snap` prints from the minutes rebuilt from `results_json`,
    in sheet order; [] when they print the same (within what harmless re-saves change)."""
    return compare_appearance(rebuild(results_json, _restricted(snap)), snap)


def displayed(value: object, code: str) -> str:
    """A cell's value as printed through its number format (the formats tally writes;
    another format is shown with its code, so it differs from what was signed)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    plain = code.strip().lower() in ("general", "@", "standard")
    if isinstance(value, str):
        text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
        return text if plain or ";" not in code else f"{text} [{code}]"
    if isinstance(value, int):       # exact, also beyond a float's range
        return str(value) if plain or code.strip() == "0" else f"{value!r} [{code}]"
    if isinstance(value, float) and math.isfinite(value):
        if code.strip() == "0" or (plain and value.is_integer()):
            return str(round(value))
        if plain:
            return f"{value:.10g}"
    return f"{value!r} [{code}]"


def _font_text(f: Font) -> str:
    parts = [f"{f.name} {f.size:g}pt"]
    parts += [w for w, on in (("bold", f.bold), ("italic", f.italic), ("strike", f.strike),
                              ("outline", f.outline), ("shadow", f.shadow)) if on]
    if f.underline:
        parts.append(f"underline {f.underline}")
    if f.script:
        parts.append(f.script)
    if f.scheme:
        parts.append(f"the theme's {f.scheme} font")
    parts.append(f"colour {f.color}")
    return ", ".join(parts)


def _ink(color: str) -> str:
    return "000000" if color == "auto" else color


def _paper(fill: str) -> str:
    return fill.split(":", 1)[1][:6] if fill.startswith("solid:") else "FFFFFF"


def _contrast(ink: str, paper: str) -> float:
    """Luminance difference of two RRGGBB colours, 0..1 (fails closed on theme colours)."""
    try:
        a = [int(ink[i:i + 2], 16) for i in (0, 2, 4)]
        b = [int(paper[i:i + 2], 16) for i in (0, 2, 4)]
    except ValueError:
        return 0.0

    def lum(c: list[int]) -> float:
        return (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]) / 255

    return abs(lum(a) - lum(b))


def _look_text(look: Look) -> str:
    return (f"{_font_text(look.font)}; fill {look.fill or 'none'}; align {look.horizontal or 'general'}/"
            f"{look.vertical}" + ("; wrap" if look.wrap else "") + ("; shrink to fit" if look.shrink else "")
            + (f"; indent {look.indent}" if look.indent else "") + (f"; rotated {look.rotation}" if look.rotation else ""))


def _row_height(s: SheetRead, r: int) -> tuple[float, bool]:
    if r in s.heights:
        return s.heights[r], r in s.hidden_rows or s.heights[r] <= 0
    return s.default_height, r in s.hidden_rows or s.zero_height


def _col_width(s: SheetRead, c: int) -> tuple[float, bool]:
    w = s.widths.get(c, s.default_width if s.default_width is not None else 8.43)
    return w, c in s.hidden_cols or w <= 0


def _area(text: str) -> str:
    """A print range without its sheet name and quotes: "'btv'!$21:$22" -> "$21:$22"."""
    return ",".join(part.rsplit("!", 1)[-1].strip() for part in text.split(",")) if text else ""


def header_footer_parts(text: str) -> tuple[dict[str, str], list[float], list[str], list[str]]:
    """A header or footer as printed: the text of each section (L, C, R, with the page
    fields &P and &N kept), and the font sizes, font names and other codes it uses."""
    text = _XSTRING.sub(lambda m: chr(int(m.group(1), 16)), text)   # ECMA-376 ST_Xstring escapes
    sections: dict[str, list[str]] = {"L": [], "C": [], "R": []}
    current = "C"
    sizes: list[float] = []
    fonts: list[str] = []
    others: list[str] = []
    pos = 0
    for m in _HF_CODE.finditer(text):
        sections[current].append(text[pos:m.start()])
        pos = m.end()
        font, size, colour, code = m.groups()
        if font is not None:
            fonts.append(font.split(",")[0].strip())
        elif size is not None:
            sizes.append(float(size))
        elif colour is not None:
            others.append(f"colour {colour}")
        elif code in ("L", "C", "R"):
            current = code
        elif code in ("P", "N", "D", "T", "F", "A", "Z"):
            sections[current].append("&" + code)
        elif code == "&":
            sections[current].append("&")
        elif code == "G":
            others.append("a picture")
        elif code in ("S", "X", "Y", "O", "H"):     # strike, super/subscript, outline, shadow
            others.append(f"&{code}")
        # &B, &I, &U, &E (bold, italic, underlines) change no word printed
    sections[current].append(text[pos:])
    # spaces around a line break print nothing (openpyxl drops the one after "&8 ")
    return ({k: re.sub(r" *\n *", "\n", "".join(v)).strip() for k, v in sections.items()},
            sizes, fonts, others)


def _compare_header_footer(name: str, key: str, want: str, got: str, out: list[Difference]) -> None:
    out.extend(_header_footer_differences(name, key, want, got))


@functools.lru_cache(maxsize=256)
def _header_footer_differences(name: str, key: str, want: str, got: str) -> tuple[Difference, ...]:
    """How a header or footer prints differently (every sheet of every copy of the minutes
    has the same few: worked out once each)."""
    out: list[Difference] = []
    w_text, w_sizes, w_fonts, w_other = header_footer_parts(want)
    g_text, g_sizes, g_fonts, g_other = header_footer_parts(got)
    where = key.replace("odd", "").lower() or key
    for section in ("L", "C", "R"):
        if w_text[section] != g_text[section]:
            out.append(Difference(name, where, f"{where} text ({section})", g_text[section], w_text[section]))
    # Font names and sizes may be dropped or merged by a re-save (openpyxl keeps one size per
    # section; LibreOffice drops the name of the default font); they may not be changed to
    # another font or to print too small.
    strange = [f for f in g_fonts if f not in w_fonts]
    if strange:
        out.append(Difference(name, where, f"{where} font", ", ".join(strange), ", ".join(w_fonts) or "default"))
    small = [s for s in g_sizes if s < MIN_FONT]
    if small:
        out.append(Difference(name, where, f"{where} size", ", ".join(f"{s:g}pt" for s in small),
                              ", ".join(f"{s:g}pt" for s in w_sizes) or "default"))
    extra = [o for o in g_other if o not in w_other]
    if extra:
        out.append(Difference(name, where, f"{where} formatting", ", ".join(extra), "none"))
    return tuple(out)


def compare_appearance(want: Snapshot, got: Snapshot) -> list[Difference]:
    """What `got` prints differently from `want` (the rebuilt minutes)."""
    out: list[Difference] = []
    want_visible = [n for n in want.sheets if want.states.get(n) == "visible"]
    got_visible = [n for n in got.sheets if got.states.get(n) == "visible"]
    if got_visible != want_visible:
        out.append(Difference("", "", "visible sheets", ", ".join(got_visible), ", ".join(want_visible)))
    for n in got.sheets:
        if n not in want.states:
            out.append(Difference(n, "", "sheet", f"an extra {got.states.get(n)} sheet", _("(none)")))
    for n in want.sheets:
        # the data sheet may be hidden or veryHidden (LibreOffice saves veryHidden as hidden);
        # either prints nothing
        if want.states[n] != "visible" and got.states.get(n, want.states[n]) == "visible":
            out.append(Difference(n, "", "sheet", "visible", want.states[n]))
    if got.active != want.active:
        out.append(Difference("", "", "first sheet shown", got.active, want.active))
    if (got.default_font.name, got.default_font.size) != (want.default_font.name, want.default_font.size):
        # column widths are counted in the default font's digits
        out.append(Difference("", "", "default font", _font_text(got.default_font), _font_text(want.default_font)))
    for name in want_visible:
        if name in got.detail:
            _compare_sheet(want.detail[name], got.detail[name], out)
    return out


# Cell comparisons made before: (id of the rebuilt sheet's cells, id of the read sheet's cells,
# sheet name) -> both dicts (held, so that neither id is reused while kept) and the outcome.
# The snapshot reader hands the same read-only dict to every workbook whose sheet part has the
# same bytes (tally.snapshot._Memo), so copies of the same minutes are compared cell by cell once.
_CellsCompared = tuple[tuple["Difference", ...], frozenset[int], frozenset[int], int]
_COMPARED: OrderedDict[tuple[int, int, str], tuple[object, object, _CellsCompared]] = OrderedDict()
_COMPARED_MAX = 32
_COMPARED_MAX_CELLS = 20_000       # a larger sheet is compared every time rather than held


def _cells_compared(name: str, wcells: dict[str, CellRead], gcells: dict[str, CellRead]) -> _CellsCompared:
    key = (id(wcells), id(gcells), name)
    known = _COMPARED.get(key)
    if known is not None and known[0] is wcells and known[1] is gcells:
        _COMPARED.move_to_end(key)
        return known[2]
    found = _compare_cells(name, wcells, gcells)
    if len(wcells) + len(gcells) <= _COMPARED_MAX_CELLS:
        _COMPARED[key] = (wcells, gcells, found)
        while len(_COMPARED) > _COMPARED_MAX:
            _COMPARED.popitem(last=False)
    return found


def _compare_cells(name: str, wcells: dict[str, CellRead], gcells: dict[str, CellRead]) -> _CellsCompared:
    """Every cell that prints differently, in row and column order; the rows and columns
    where the workbook prints text (their heights and widths are compared); the last row of
    the rebuilt sheet's cells."""
    out: list[Difference] = []
    empty = CellRead(None, Look())
    text_rows: set[int] = set()
    text_cols: set[int] = set()
    # First the common case, checked cheaply: the same value drawn the same way (looks are
    # interned by the reader, so equal looks are mostly the same object). Only the cells left
    # over are compared in full, in row and column order.
    left: list[str] = [ref for ref in wcells if ref not in gcells]
    for ref, gc in gcells.items():
        wc = wcells.get(ref, empty)
        if wc is gc or (wc.value == gc.value and type(wc.value) is type(gc.value)
                        and (wc.look is gc.look or wc.look == gc.look)
                        and not gc.runs and not gc.formula and wc.value is not None):
            if isinstance(gc.value, str) and not gc.value.strip():
                continue
            at = split_ref(ref)
            if at:
                text_rows.add(at[1])
                text_cols.add(at[0])
            continue
        left.append(ref)
    for ref in sorted(left, key=_ref_key):
        wc, gc = wcells.get(ref, empty), gcells.get(ref, empty)
        w_text = displayed(wc.value, wc.look.number_format)
        g_text = displayed(gc.value, gc.look.number_format)
        if g_text.strip():
            m = _SPLIT.fullmatch(ref)
            if m:
                text_rows.add(int(m.group(2)))
                text_cols.add(column_index(m.group(1)))
        if gc.formula:
            out.append(Difference(name, ref, "formula", g_text, w_text))
        if w_text != g_text:
            out.append(Difference(name, ref, "text", g_text, w_text))
            continue
        if not g_text.strip():
            continue        # nothing printed: its font and fill draw nothing
        if _look_key(gc.look) != _look_key(wc.look):
            out.append(Difference(name, ref, "look", _look_text(gc.look), _look_text(wc.look)))
        for text, font in gc.runs:
            if text.strip() and _font_key(font) != _font_key(wc.look.font):
                out.append(Difference(name, ref, "rich text", f"{text[:20]!r} in {_font_text(font)}",
                                      _font_text(wc.look.font)))
        for font in [gc.look.font, *(f for t, f in gc.runs if t.strip())]:
            if font.size < MIN_FONT or _contrast(_ink(font.color), _paper(gc.look.fill)) < 0.25:
                out.append(Difference(name, ref, "legibility",
                                      f"{font.size:g}pt {_ink(font.color)} on {_paper(gc.look.fill)}",
                                      f"{wc.look.font.size:g}pt {_ink(wc.look.font.color)} on {_paper(wc.look.fill)}"))
                break
    last_row = max((at[1] for at in map(split_ref, wcells) if at), default=1)
    return tuple(out), frozenset(text_rows), frozenset(text_cols), last_row


# What the workbook part says of a sheet, not the sheet's own part: its name, whether it is
# shown, its print titles and print area.
_PLACED_BY_WORKBOOK = frozenset({"name", "state", "print_titles", "print_area"})
_PART_FIELDS = tuple(f.name for f in fields(SheetRead) if f.name not in _PLACED_BY_WORKBOOK)


def _same_part(w: SheetRead, g: SheetRead) -> bool:
    """Whether `g` is `w` read from the same part: every field but what the workbook part says
    is the same object. So it is for a worksheet part that is byte for byte what tally writes
    for these results: the reader was told what it reads as (tally.snapshot.expect), and hands
    out the rebuilt minutes' own read of it."""
    return all(getattr(w, f) is getattr(g, f) for f in _PART_FIELDS)


def _compare_sheet(w: SheetRead, g: SheetRead, out: list[Difference]) -> None:
    name = w.name
    if _same_part(w, g):
        # Every comparison of the part's own fields below sets what `g` has against what `w`
        # has, so equal fields differ in nothing (tests/test_direct_snapshot.py holds the long way to
        # that on every sample's minutes): only what the workbook part gives is compared.
        _compare_print_ranges(name, w, g, out)
        _compare_headers_footers(name, w, g, out)
        return
    cell_diffs, text_rows, text_cols, last_cell_row = _cells_compared(name, w.cells, g.cells)
    out.extend(cell_diffs)
    if g.merges != w.merges:
        extra, missing = sorted(g.merges - w.merges), sorted(w.merges - g.merges)
        out.append(Difference(name, "", "merged cells", ", ".join(extra) or _("(none)"),
                              ", ".join(missing) or _("(none)")))
    last_row = max([last_cell_row, *w.heights, 1])
    for r in sorted(set(range(1, last_row + 1)) | text_rows):
        (wh, whid), (gh, ghid) = _row_height(w, r), _row_height(g, r)
        if ghid != whid:
            out.append(Difference(name, f"row {r}", "hidden row", str(ghid), str(whid)))
        elif abs(gh - wh) > ROW_SLACK + 1e-9:
            out.append(Difference(name, f"row {r}", "row height", f"{gh:g}pt", f"{wh:g}pt"))
    last_col = max([*w.widths, 1])
    for c in sorted(set(range(1, last_col + 1)) | text_cols):
        (ww, whid), (gw, ghid) = _col_width(w, c), _col_width(g, c)
        letters = column_letters(c)
        if ghid != whid:
            out.append(Difference(name, f"column {letters}", "hidden column", str(ghid), str(whid)))
        elif abs(gw - ww) > WIDTH_SLACK:
            out.append(Difference(name, f"column {letters}", "column width", f"{gw:g}", f"{ww:g}"))
    if 1025 in g.hidden_cols and 1025 not in w.hidden_cols:
        out.append(Difference(name, "", "hidden columns", "beyond column AMJ", _("(none)")))
    if g.conditional != w.conditional:
        out.append(Difference(name, "", "conditional formatting", ", ".join(g.conditional) or _("(none)"),
                              ", ".join(w.conditional) or _("(none)")))
    if g.validations != w.validations:
        out.append(Difference(name, "", "data validation", ", ".join(g.validations) or _("(none)"),
                              ", ".join(w.validations) or _("(none)")))
    _compare_print_ranges(name, w, g, out)
    for key in sorted(set(w.page) | set(g.page)):
        wv, gv = w.page.get(key, ""), g.page.get(key, "")
        if key == "scale" and w.page.get("fitToPage") == "True" and g.page.get("fitToPage") == "True":
            continue    # ignored while fitting to the page; LibreOffice writes scale="100"
        if key in ("firstPageNumber",) and w.page.get("useFirstPageNumber") == g.page.get("useFirstPageNumber") \
                == "False":
            continue    # not used unless useFirstPageNumber is on
        if key in ("scaleWithDoc", "alignWithMargins", "pageOrder", "paperHeight", "paperWidth") and not gv:
            continue    # absent: the default, which tally writes
        if gv != wv:
            out.append(Difference(name, "", f"page setup {key}", gv or _("(none)"), wv or _("(none)")))
    has_header = any(w.header_footer.get(k, "").strip() or g.header_footer.get(k, "").strip()
                     for k in ("oddHeader", "evenHeader", "firstHeader"))
    has_footer = any(w.header_footer.get(k, "").strip() or g.header_footer.get(k, "").strip()
                     for k in ("oddFooter", "evenFooter", "firstFooter"))
    for key in sorted(set(w.margins) | set(g.margins)):
        if (key == "header" and not has_header) or (key == "footer" and not has_footer):
            continue    # LibreOffice replaces the margin of an empty header; it prints nothing
        if abs(g.margins.get(key, -1.0) - w.margins.get(key, -1.0)) > MARGIN_SLACK:
            out.append(Difference(name, "", f"margin {key}", f"{g.margins.get(key, 0):g}",
                                  f"{w.margins.get(key, 0):g}"))
    _compare_headers_footers(name, w, g, out)
    if g.row_breaks != w.row_breaks:
        out.append(Difference(name, "", "page breaks", ", ".join(map(str, g.row_breaks)) or _("(none)"),
                              ", ".join(map(str, w.row_breaks)) or _("(none)")))
    if g.col_breaks != w.col_breaks:
        out.append(Difference(name, "", "column page breaks", ", ".join(map(str, g.col_breaks)) or _("(none)"),
                              ", ".join(map(str, w.col_breaks)) or _("(none)")))


def _compare_print_ranges(name: str, w: SheetRead, g: SheetRead, out: list[Difference]) -> None:
    for what, gv, wv in (("print titles", g.print_titles, w.print_titles), ("print area", g.print_area, w.print_area)):
        if _area(gv) != _area(wv):
            out.append(Difference(name, "", what, _area(gv) or _("(none)"), _area(wv) or _("(none)")))


def _compare_headers_footers(name: str, w: SheetRead, g: SheetRead, out: list[Difference]) -> None:
    keys = ["oddHeader", "oddFooter"]
    if g.page.get("differentOddEven") == "True":
        keys += ["evenHeader", "evenFooter"]
    if g.page.get("differentFirst") == "True":
        keys += ["firstHeader", "firstFooter"]
    for key in keys:
        _compare_header_footer(name, key, w.header_footer.get(key, ""), g.header_footer.get(key, ""), out)


_SPLIT = re.compile(r"([A-Z]+)(\d+)")


def _ref_key(ref: str) -> tuple[int, int]:
    m = _SPLIT.fullmatch(ref)
    return (int(m.group(2)), column_index(m.group(1))) if m else (0, 0)


def _font_key(f: Font) -> tuple[object, ...]:
    return (f.name, f.size, f.bold, f.italic, f.underline, f.strike, _ink(f.color), f.script, f.outline, f.shadow,
            f.scheme)


def _look_key(look: Look) -> tuple[object, ...]:
    return (_font_key(look.font), look.fill, look.horizontal, look.vertical, look.wrap, look.shrink,
            look.indent, look.rotation)
