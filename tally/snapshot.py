"""Reading a results workbook the way Excel and LibreOffice read it, strictly and in one
pass, for signing and verifying (issue #10).

``tally verify`` must never accept a workbook that prints differently from what was
signed. So this reader

* follows the package as the spreadsheet programs do: the workbook part named by the
  root relationships, only ``<workbook><sheets><sheet>`` (never a ``<sheet>`` hidden in
  an ``extLst``), each cell by its full reference ``r``;
* refuses XML the programs could read differently from one another (a cell whose
  ``r`` names another row than its ``<row>``, lower-case references, a cell twice, two
  ``sheetData``, an inline string that also carries a ``<v>``): each becomes a
  :class:`Problem` with code E921;
* names every part and element of the package that ``tally count`` does not write and
  that is not known to be harmless (drawings, comments, VML, macros, external links,
  tables, custom XML, extension lists that change rendering, ...): code E920;
* records, for every sheet, what decides how it prints: each cell's value, number
  format, font (and the fonts of rich-text runs), fill and alignment, row heights,
  column widths, hidden rows, columns and sheets (every spelling of true), merges,
  conditional formats, data validations, page setup, margins, header and footer, page
  breaks, and the workbook's print titles and first sheet.

:func:`read_workbook` gives all of that as a :class:`Snapshot`; :mod:`tally.compare`
compares two of them. XML is parsed with the C parser when no entity can be declared, with
defusedxml otherwise; zip members are size-capped. A part whose bytes were read before in this
process (a copy of the same minutes, the minutes rebuilt to compare with, a workbook read back
after signing) is not walked again: see :class:`_Memo`.

Why one module of ~800 lines: the package, its XML and its styles are read in one pass
with one set of refusals, so that nothing verify compares can be read two ways.
"""

from __future__ import annotations

import functools
import hashlib
import io
import posixpath
import re
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from xml.etree.ElementTree import Element, ParseError
from xml.etree.ElementTree import fromstring as _expat_tree

from defusedxml import DefusedXmlException, ElementTree  # type: ignore[import-untyped]

from ballots.cells import column_index as col_index
from ballots.cells import column_letters as col_letters
from tally.layout import DATA_SHEET
from tally.sheetxml import _header_footer_text, _number, quote_sheetname

if TYPE_CHECKING:
    from tally.sheetxml import Body, Book, CellValue, Xf

MAX_PART = 64 * 1024 * 1024           # bytes of one unpacked xml part
MAX_TOTAL = 256 * 1024 * 1024         # bytes of all the parts read (ballots.limits: the same default)
MAX_ROW, MAX_COL = 1_048_576, 16_384  # a worksheet's own bounds: a reference beyond them is forged
MAX_DATA_ROWS = 100_000               # rows of the hidden sheet: results.json would be 3 GB
PLAIN_FORMATS = {"general", "0", "@", "standard"}
_PLAIN_BUILTIN = {0, 1, 49}           # General, 0, @
_INT = re.compile(r"[+-]?\d+")
_REF = re.compile(r"([A-Z]{1,3})([1-9]\d{0,6})")

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# Relationship types (their last path segment) a harmless package may hold, and why each
# cannot change what prints. Every other relationship type names a part tally does not
# write and verification cannot judge (drawing, vmlDrawing, comments, externalLink,
# vbaProject, table, pivotTable, customXml, image, oleObject, chartsheet, ...).
ALLOWED_RELS = {
    "officeDocument": "the workbook itself",
    "core-properties": "document properties (title, author): never printed",
    "extended-properties": "application properties: never printed",
    "custom-properties": "LibreOffice writes its own document properties: never printed",
    "worksheet": "a sheet, read and compared in full",
    "styles": "the style table, read and resolved for every cell",
    "theme": "colours are compared as resolved values; theme colours on a cell are refused",
    "sharedStrings": "the shared strings, read for every cell",
    "calcChain": "Excel's order of recalculation; the minutes hold no formula",
    "printerSettings": "Excel's printer driver settings; paper, orientation and scale are "
                       "compared from pageSetup, which Excel honours over them",
}

# Children of <worksheet> that tally writes or that a harmless re-save adds; each is read
# and compared below, or cannot change the printout. Anything else (drawing,
# legacyDrawing, legacyDrawingHF, picture, tableParts, oleObjects, controls, autoFilter,
# hyperlinks, phoneticPr, sheetProtection, ...) is refused.
_SHEET_CHILDREN = {
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "mergeCells",
    "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
    "conditionalFormatting", "dataValidations", "extLst",
    "ignoredErrors",      # only hides Excel's green triangles on screen
}
_BOOK_CHILDREN = {
    "fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
    "definedNames", "calcPr", "extLst",
}
# Extension lists a re-save writes that change nothing printed.
_HARMLESS_EXT = {
    "{7626C862-2A13-11E5-B345-FEFF819CDC9F}": "LibreOffice's calculation settings",
    "{140A7094-0E35-4892-8432-C4D2E57EDB9F}": "Excel's x15 workbook properties (chart tracking)",
    "{B58B0392-4F1F-4190-BB64-5DF3571DCE5F}": "Excel's calculation features (xcalcf)",
}
# Elements outside the main namespace that Excel writes into workbook.xml on every save and
# that change nothing printed: the folder it was saved in (x15ac:absPath, wrapped in
# mc:AlternateContent) and its revision pointer (xr:revisionPtr).
_HARMLESS_FOREIGN = {"revisionPtr"}
_HARMLESS_ALTERNATE = {"AlternateContent", "Choice", "Fallback", "absPath"}

_FALSE = {"0", "false", "off", "f", "no", "n", ""}


class NotAWorkbook(Exception):
    """The file cannot be read as an xlsx workbook; the message says why."""


def truth(value: str | None, default: bool = False) -> bool:
    """An OOXML boolean as the most permissive program reads it: absent is the default,
    "0"/"false" (and "off", "f") are false, and every other spelling ("1", "true", "on",
    "t", "2", ...) is true, so that no program can see a hidden row that we think shown."""
    if value is None:
        return default
    return value.strip().lower() not in _FALSE


@dataclass(frozen=True)
class Problem:
    """Something in the package that tally did not write (E920) or that spreadsheet
    programs may read differently (E921)."""

    code: str
    part: str                 # "xl/worksheets/sheet1.xml"
    what: str                 # English, for the report


@dataclass(frozen=True)
class Font:
    name: str = ""
    size: float = 11.0
    bold: bool = False
    italic: bool = False
    underline: str = ""       # "", single, double, ...
    strike: bool = False
    color: str = "auto"       # RRGGBB, "auto", or "theme:N" / "indexed:N" as written
    script: str = ""          # vertAlign: superscript / subscript
    outline: bool = False
    shadow: bool = False
    # <scheme val="minor|major"/>: Excel draws the theme's body or heading font instead of `name`
    # (so a changed theme changes the print); tally writes none
    scheme: str = ""


@dataclass(frozen=True)
class Look:
    """How a cell is drawn (its resolved cellXfs entry)."""

    font: Font = Font()
    fill: str = ""            # "" none, "solid:RRGGBB", or "<pattern>:<fg>/<bg>"
    number_format: str = "General"
    horizontal: str = ""
    vertical: str = ""
    wrap: bool = False
    shrink: bool = False
    indent: int = 0
    rotation: int = 0
    hidden_text: bool = False  # the format's ";;;" is caught by number_format; this is protection.hidden


_new_tuple = tuple.__new__


class CellRead(NamedTuple):
    """One cell as read. A named tuple, not a dataclass: a workbook holds thousands, made in
    the reader's inner loop, and a tuple is made four times faster."""

    value: object              # int, float, str, bool (a boolean cell) or None
    look: Look
    runs: tuple[tuple[str, Font], ...] = ()   # rich text: each run's text and font
    formula: bool = False
    error: bool = False


@dataclass
class SheetRead:
    name: str
    part: str
    state: str                                          # visible | hidden | veryHidden
    cells: dict[str, CellRead] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)       # rows with an explicit height
    hidden_rows: set[int] = field(default_factory=set)
    widths: dict[int, float] = field(default_factory=dict)        # column index -> width
    hidden_cols: set[int] = field(default_factory=set)
    default_height: float = 15.0
    default_width: float | None = None
    zero_height: bool = False                           # rows without a height are hidden
    merges: frozenset[str] = frozenset()
    conditional: tuple[str, ...] = ()                   # sqref of each rule block (incl. x14)
    validations: tuple[str, ...] = ()
    page: dict[str, str] = field(default_factory=dict)  # page setup, print options, sheetPr, view
    margins: dict[str, float] = field(default_factory=dict)
    header_footer: dict[str, str] = field(default_factory=dict)
    row_breaks: tuple[int, ...] = ()
    col_breaks: tuple[int, ...] = ()
    print_titles: str = ""
    print_area: str = ""


@dataclass(frozen=True)
class Snapshot:
    sheets: tuple[str, ...]                              # in workbook order
    cells: dict[str, dict[str, object]]                  # sheet -> "D12" -> cached value (non-empty)
    data_rows: tuple[tuple[object, ...], ...]            # the hidden _tally sheet, columns A..E, from row 1
    has_data_sheet: bool
    states: dict[str, str] = field(default_factory=dict)            # sheet -> visible | hidden | veryHidden
    formats: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet -> ref -> a non-General format
    formulas: dict[str, set[str]] = field(default_factory=dict)      # sheet -> refs holding a formula
    hidden_rows: dict[str, set[int]] = field(default_factory=dict)
    hidden_cols: dict[str, set[int]] = field(default_factory=dict)
    conditional: frozenset[str] = frozenset()             # sheets with conditional formatting
    detail: dict[str, SheetRead] = field(default_factory=dict)       # every sheet, for the appearance
    active: str = ""                                     # the sheet that opens first
    default_font: Font = Font()
    problems: tuple[Problem, ...] = ()

    def value(self, sheet: str, ref: str) -> object:
        return self.cells.get(sheet, {}).get(ref)


_EXACT = 10**15                       # an integer of fewer digits is written, and read, as itself


def _local(tag: str) -> str:
    return tag[tag.rfind("}") + 1:]


_ROW, _C, _V, _IS, _F = (f"{{{MAIN}}}{t}" for t in ("row", "c", "v", "is", "f"))


def _ns(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


_DOCTYPE = b"<!DOCTYPE"
_ENCODING = re.compile(rb"""\bencoding\s*=\s*(["'])([^"']*)\1""")
_UTF8_BOM = b"\xef\xbb\xbf"


def _plain_utf8(body: bytes) -> bool:
    """Whether `body` is XML as tally and the spreadsheet programs write it: UTF-8 (said or
    assumed) and no document type declaration, so no entity can be declared, expanded or
    fetched. Only then may it go to the C tree builder; anything else goes through defusedxml."""
    if _DOCTYPE in body:
        return False
    head = body[3:] if body.startswith(_UTF8_BOM) else body
    if b"\x00" in head[:4] or head[:2] in (b"\xfe\xff", b"\xff\xfe"):
        return False                    # UTF-16 or UTF-32: a declaration could hide from the test above
    if head.startswith(b"<?xml") and head[5:6] in (b" ", b"\t", b"\r", b"\n", b"?"):
        end = head.find(b"?>")
        decl = head[:end] if end >= 0 else head
        if b"encoding" in decl:
            m = _ENCODING.search(decl)
            return m is not None and m.group(2).lower() == b"utf-8"
    return True


def parse_xml(body: bytes) -> Element:
    """One XML part as an element tree. The common case (see _plain_utf8) is built by
    ElementTree's C parser, several times faster than defusedxml's pure-Python one; without
    a document type declaration both build the same tree (tests/test_snapshot_parse.py
    compares them on every fixture). Anything else is read by defusedxml, which refuses
    entity declarations and external references. Raises ParseError or DefusedXmlException."""
    if _plain_utf8(body):
        return _expat_tree(body)
    root: Element = ElementTree.fromstring(body)
    return root


class _Package:
    def __init__(self, source: bytes | str | Path) -> None:
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise NotAWorkbook(f"not a zip package ({exc})") from None
        listed = self.zip.namelist()
        self.names = set(listed)
        # Part names are case-insensitive (OPC); zipfile reads the last entry of a name, other
        # programs may read the first or another spelling of it: two entries are two readings.
        spellings: dict[str, list[str]] = {}
        for name in listed:
            spellings.setdefault(name.casefold(), []).append(name)
        self.repeated = [names[0] for names in spellings.values() if len(names) > 1]
        self.read_bytes = 0
        self.reached: set[str] = {"[Content_Types].xml"}
        self._rels: dict[str, dict[str, tuple[str, str, bool]]] = {}
        self.bodies: dict[str, bytes] = {}       # each part read, unpacked once

    def body(self, name: str) -> bytes:
        """The unpacked bytes of a part, within the size caps; each part is unpacked once."""
        if name in self.bodies:
            return self.bodies[name]
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise NotAWorkbook(f"part {name} is missing") from None
        if info.file_size > MAX_PART:
            raise NotAWorkbook(f"part {name} is too large ({info.file_size} bytes)")
        # zipfile never inflates past the declared size, so the sum of declared sizes bounds the work
        self.read_bytes += info.file_size
        if self.read_bytes > MAX_TOTAL:
            raise NotAWorkbook(f"the parts read hold more than {MAX_TOTAL // (1024 * 1024)} MB")
        self.reached.add(name)
        try:
            body = self.zip.read(info)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise NotAWorkbook(f"part {name} cannot be read ({type(exc).__name__})") from None
        self.bodies[name] = body
        return body

    def xml(self, name: str) -> Element:
        body = self.body(name)
        try:
            return parse_xml(body)
        except (ParseError, DefusedXmlException, ValueError, LookupError) as exc:  # broken xml, unknown encoding
            raise NotAWorkbook(f"part {name} cannot be read ({type(exc).__name__})") from None

    def rels(self, part: str) -> dict[str, tuple[str, str, bool]]:
        """Relationship id -> (type suffix, target part, external) for `part`."""
        if part in self._rels:
            return self._rels[part]
        folder, name = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", name + ".rels")
        out: dict[str, tuple[str, str, bool]] = {}
        if rels_name in self.names:
            for rel in self.xml(rels_name):
                if _local(rel.tag) != "Relationship":
                    continue
                external = (rel.get("TargetMode") or "").lower() == "external"
                target = rel.get("Target", "")
                path = (target.lstrip("/") if target.startswith("/")
                        else posixpath.normpath(posixpath.join(folder, target)))
                out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], path, external)
        self._rels[part] = out
        return out


# --- styles ------------------------------------------------------------------------------

# The legacy indexed palette's first entries (ECMA-376 §18.8.27): enough to resolve the
# colours a re-save might write for black and white; other indexes stay "indexed:N".
_INDEXED = {0: "000000", 1: "FFFFFF", 8: "000000", 9: "FFFFFF", 64: "auto"}
_BUILTIN_FORMATS = {0: "General", 1: "0", 2: "0.00", 9: "0%", 10: "0.00%", 49: "@"}


def _color(node: Element | None, default: str = "auto") -> str:
    if node is None:
        return default
    if truth(node.get("auto")):
        return "auto"
    rgb = node.get("rgb")
    if rgb is not None:
        rgb = rgb.strip().upper()
        return rgb[-6:] if len(rgb) in (6, 8) else f"rgb:{rgb}"   # Excel ignores the alpha byte
    if node.get("indexed") is not None:
        try:
            return _INDEXED.get(int(node.get("indexed", "")), f"indexed:{node.get('indexed')}")
        except ValueError:
            return f"indexed:{node.get('indexed')}"
    if node.get("theme") is not None:
        return f"theme:{node.get('theme')}:{node.get('tint', '0')}"
    return default


def _font(node: Element | None, base: Font | None = None) -> Font:
    """A <font> or a run's <rPr>; properties it leaves out come from `base`."""
    f = base or Font()
    if node is None:
        return f
    kw: dict[str, Any] = {}
    for child in node:
        tag = _local(child.tag)
        val = child.get("val")
        if tag in ("name", "rFont"):
            kw["name"] = (val or "").strip()
        elif tag == "sz":
            kw["size"] = _float(val or "", f.size)
        elif tag in ("b", "i", "strike", "outline", "shadow"):
            kw[{"b": "bold", "i": "italic"}.get(tag, tag)] = truth(val, default=True)
        elif tag == "u":
            kw["underline"] = "" if val in ("none",) else (val or "single")
        elif tag == "color":
            kw["color"] = _color(child)
        elif tag == "vertAlign":
            kw["script"] = "" if val == "baseline" else (val or "")
        elif tag == "scheme":
            kw["scheme"] = "" if val in (None, "none") else val
    return Font(**{**f.__dict__, **kw})


def _fill(node: Element | None) -> str:
    if node is None:
        return ""
    pattern = next((c for c in node if _local(c.tag) == "patternFill"), None)
    if pattern is None:
        return "gradient" if any(_local(c.tag) == "gradientFill" for c in node) else ""
    kind = pattern.get("patternType", "none" if not len(pattern) else "solid")
    if kind == "none":
        return ""
    fg = _color(next((c for c in pattern if _local(c.tag) == "fgColor"), None), "000000")
    if kind == "solid":
        return f"solid:{fg}"        # a solid fill draws its foreground colour only
    bg = _color(next((c for c in pattern if _local(c.tag) == "bgColor"), None), "FFFFFF")
    return f"{kind}:{fg}/{bg}"


@dataclass
class _Styles:
    looks: list[Look]
    default_font: Font
    plain: list[str | None]            # per xf: None for a plain number format, else its code
    key: bytes = b""                   # SHA-256 of the style part ("" without one): what the looks come from


def _styles(pkg: _Package, part: str | None) -> _Styles:
    if part is None or part not in pkg.names:
        return _Styles([Look()], Font(), [])
    return _styles_of(pkg.body(part), lambda: pkg.xml(part))


def _styles_of(body: bytes, parse: Any) -> _Styles:
    """The style table these bytes read as (parse() gives their element tree), read once per process."""
    key = _digest(body)
    known: _Styles | None = _MEMO.get("styles", key)
    if known is not None:
        return known
    styles = _read_styles(parse())
    styles.key = key
    _MEMO.keep("styles", key, len(body), styles)
    return styles


def _read_styles(root: Element) -> _Styles:
    codes: dict[int, str] = dict(_BUILTIN_FORMATS)
    fonts: list[Font] = []
    fills: list[str] = []
    xfs: list[Element] = []
    style_xfs: list[Element] = []
    for child in root:
        tag = _local(child.tag)
        if tag == "numFmts":
            for nf in child:
                try:
                    codes[int(nf.get("numFmtId", "-1"))] = nf.get("formatCode", "")
                except ValueError:
                    continue
        elif tag == "fonts":
            fonts = [_font(f) for f in child]
        elif tag == "fills":
            fills = [_fill(f) for f in child]
        elif tag == "cellXfs":
            xfs = list(child)
        elif tag == "cellStyleXfs":
            style_xfs = list(child)

    def pick(items: list[Any], index: str | None, default: Any) -> Any:
        try:
            return items[int(index or "0")]
        except (ValueError, IndexError):
            return default

    default_font = fonts[0] if fonts else Font()
    if style_xfs:
        default_font = pick(fonts, style_xfs[0].get("fontId"), default_font)
    looks: list[Look] = []
    plain: list[str | None] = []
    for xf in xfs:
        try:
            fid = int(xf.get("numFmtId", "0"))
        except ValueError:
            fid = -1
        code = codes.get(fid, f"built-in format {fid}")
        plain.append(None if code.strip().lower() in PLAIN_FORMATS else code)
        align = next((c for c in xf if _local(c.tag) == "alignment"), None)
        prot = next((c for c in xf if _local(c.tag) == "protection"), None)
        a = align if align is not None else Element("alignment")
        h = a.get("horizontal", "")
        looks.append(_interned(Look(
            font=pick(fonts, xf.get("fontId"), default_font),
            fill=pick(fills, xf.get("fillId"), ""),
            number_format="General" if code.strip().lower() in ("general", "standard") else code,
            horizontal="" if h == "general" else h,
            vertical=a.get("vertical", "bottom"),
            wrap=truth(a.get("wrapText")),
            shrink=truth(a.get("shrinkToFit")),
            indent=int(_float(a.get("indent", "0"), 0)),
            rotation=int(_float(a.get("textRotation", "0"), 0)),
            hidden_text=prot is not None and truth(prot.get("hidden")),
        )))
    return _Styles(looks or [_interned(Look(font=default_font))], default_font, plain)


_LOOKS: dict[Look, Look] = {}


def _interned(look: Look) -> Look:
    """One object for equal looks, across workbooks: tally.compare then finds a cell drawn
    as in the rebuilt minutes by identity, without comparing twenty fields."""
    if len(_LOOKS) >= 4096:           # a hostile style table: bounded memory
        _LOOKS.clear()
    return _LOOKS.setdefault(look, look)


# --- parts read before --------------------------------------------------------------------


def _digest(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()


class _Memo:
    """Parts already read in this process, by their SHA-256: the read of a part is a function
    of its bytes alone (and, for a sheet, of its name in the package, the style table and the
    shared strings, by their SHA-256 too), so equal bytes are read once. Every workbook is
    still unpacked, hashed and checked part by part (relationships, unreached parts, the
    hidden sheet's bounds); only the walk over the XML of a part seen before is skipped.
    Bounded by the unpacked bytes of the parts kept, least recently used first out. What it
    hands out is shared by every snapshot that read the same bytes: read only."""

    MAX_BYTES = 16 * 1024 * 1024      # unpacked bytes of the parts kept (their reads take a few times more)
    MAX_PART = 4 * 1024 * 1024        # a larger part is read every time
    MAX_ENTRIES = 256

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple[str, object], tuple[int, Any]] = OrderedDict()  # oldest first
        self._bytes = 0

    def get(self, kind: str, key: object) -> Any:
        """What a part of this kind ("sheet", "styles", "shared") with this key read as, or None."""
        found = self._kept.get((kind, key))
        if found is None:
            return None
        self._kept.move_to_end((kind, key))
        return found[1]

    def keep(self, kind: str, key: object, size: int, read: object) -> None:
        if size > self.MAX_PART or (kind, key) in self._kept:
            return
        self._kept[(kind, key)] = (size, read)
        self._bytes += size
        while self._bytes > self.MAX_BYTES or len(self._kept) > self.MAX_ENTRIES:
            _old, (old_size, _read) = self._kept.popitem(last=False)
            self._bytes -= old_size

    def clear(self) -> None:
        self._kept.clear()
        self._bytes = 0


_MEMO = _Memo()


# --- strings -----------------------------------------------------------------------------


def _string(node: Element, base: Font | None = None) -> tuple[str, tuple[tuple[str, Font], ...]]:
    """A shared or inline string: its text as printed (the <t>, or its runs' <t>; never the
    phonetic runs) and, for rich text, each run's text with its font (None font parts
    inherit the cell's font, filled in by the caller)."""
    parts: list[str] = []
    runs: list[tuple[str, Font | None]] = []
    for child in node:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            rpr = next((x for x in child if _local(x.tag) == "rPr"), None)
            text = "".join(t.text or "" for t in child if _local(t.tag) == "t")
            parts.append(text)
            runs.append((text, rpr))  # type: ignore[arg-type]
    return "".join(parts), tuple(runs)  # type: ignore[arg-type]


def _run_fonts(runs: tuple[tuple[str, Any], ...], base: Font) -> tuple[tuple[str, Font], ...]:
    return tuple((text, _font(rpr, base) if rpr is not None else base) for text, rpr in runs)


# --- the workbook ------------------------------------------------------------------------


def read_snapshot(source: bytes | str | Path) -> Snapshot:
    """Raises NotAWorkbook for anything that is not a readable xlsx workbook; anything
    readable but foreign or ambiguous is listed in ``Snapshot.problems``."""
    try:
        return _read(_Package(source))
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
        raise NotAWorkbook(f"the workbook's structure is broken ({type(exc).__name__}: {exc})") from None


read_workbook = read_snapshot


def _read(pkg: _Package) -> Snapshot:
    problems: list[Problem] = []

    def foreign(part: str, what: str) -> None:
        problems.append(Problem("E920", part, what))

    def ambiguous(part: str, what: str) -> None:
        problems.append(Problem("E921", part, what))

    for name in pkg.repeated:
        ambiguous(name, "the zip holds more than one entry of this part (or another spelling of its name)")
    root_rels = pkg.rels("")
    _check_rels(pkg, "_rels/.rels", root_rels, foreign)
    book_part = next((p for t, p, _x in root_rels.values() if t == "officeDocument"), None)
    if book_part is None:
        raise NotAWorkbook("no workbook part: not an xlsx file")
    book = pkg.xml(book_part)
    if _local(book.tag) != "workbook":
        raise NotAWorkbook("the workbook part is not a workbook")
    book_rels = pkg.rels(book_part)
    _check_rels(pkg, posixpath.join(posixpath.dirname(book_part), "_rels",
                                    posixpath.basename(book_part) + ".rels"), book_rels, foreign)
    for t, p, _x in book_rels.values():
        if t in ("theme", "calcChain", "printerSettings") and p in pkg.names:
            pkg.reached.add(p)
    for t, p, _x in root_rels.values():
        if t in ("core-properties", "extended-properties", "custom-properties") and p in pkg.names:
            pkg.reached.add(p)
    shared_part = next((p for t, p, _x in book_rels.values() if t == "sharedStrings"), None)
    styles_part = next((p for t, p, _x in book_rels.values() if t == "styles"), None)
    styles = _styles(pkg, styles_part)
    shared: list[tuple[str, tuple[tuple[str, Any], ...]]] = []
    shared_key = b""
    if shared_part and shared_part in pkg.names:
        shared_key = _digest(pkg.body(shared_part))
        known: list[tuple[str, tuple[tuple[str, Any], ...]]] | None = _MEMO.get("shared", shared_key)
        if known is None:
            known = [_string(si) for si in pkg.xml(shared_part) if _local(si.tag) == "si"]
            _MEMO.keep("shared", shared_key, len(pkg.body(shared_part)), known)
        shared = known

    _check_children(book, _BOOK_CHILDREN, book_part, foreign)
    sheets: list[tuple[str, str, str]] = []
    active_index = 0
    names_local: dict[tuple[str, int], str] = {}
    for section in book:
        tag = _local(section.tag)
        if tag == "sheets":
            for node in section:
                if _local(node.tag) != "sheet":
                    foreign(book_part, f"<{_local(node.tag)}> inside <sheets>")
                    continue
                rid = next((v for k, v in node.attrib.items() if _local(k) == "id" and _ns(k) == _RELS_NS), "")
                kind, part, _x = book_rels.get(rid, ("", "", False))
                name = node.get("name", "")
                if kind != "worksheet":
                    foreign(book_part, f"sheet {name!r} is a {kind or 'missing part'}, not a worksheet")
                    continue
                state = node.get("state", "visible")
                if state not in ("visible", "hidden", "veryHidden"):
                    state = f"unknown:{state}"
                sheets.append((name, part, state))
        elif tag == "bookViews":
            view = next(iter(section), None)
            if view is not None:
                active_index = int(_float(view.get("activeTab", "0"), 0))
                if truth(view.get("visibility"), False) and view.get("visibility") not in ("visible",):
                    foreign(book_part, f"the workbook window is {view.get('visibility')}")
        elif tag == "definedNames":
            for dn in section:
                nm = dn.get("name", "")
                if dn.get("localSheetId") is not None:
                    names_local[(nm, int(_float(dn.get("localSheetId", "-1"), -1)))] = (dn.text or "").strip()
                elif nm.startswith("_xlnm."):
                    foreign(book_part, f"a workbook-wide {nm}")
        elif tag == "extLst":
            _check_ext(section, book_part, foreign)
    if not sheets:
        raise NotAWorkbook("the workbook has no worksheets")
    seen_names = {n.casefold() for n, _p, _s in sheets}
    if len(seen_names) != len(sheets):
        ambiguous(book_part, "two sheets have the same name")

    snap_cells: dict[str, dict[str, object]] = {}
    formats: dict[str, dict[str, str]] = {}
    formulas: dict[str, set[str]] = {}
    hidden_rows: dict[str, set[int]] = {}
    hidden_cols: dict[str, set[int]] = {}
    conditional: set[str] = set()
    detail: dict[str, SheetRead] = {}
    data_rows: list[tuple[object, ...]] = []
    for index, (name, part, state) in enumerate(sheets):
        read = _sheet(pkg, part, styles, (shared_key, shared), problems)
        sheet = replace(read.sheet, name=name, state=state,
                        print_titles=names_local.get(("_xlnm.Print_Titles", index), ""),
                        print_area=names_local.get(("_xlnm.Print_Area", index), ""))
        detail[name] = sheet
        values, fmt, with_formula = read.values, read.formats, read.formulas
        if name == DATA_SHEET:
            last_row = max((int(_REF.fullmatch(r).group(2)) for r in values), default=0)  # type: ignore[union-attr]
            if last_row > MAX_DATA_ROWS:
                raise NotAWorkbook(f"the hidden {DATA_SHEET} sheet reaches row {last_row}")
            data_rows = [tuple(values.get(f"{L}{i}") for L in "ABCDE") for i in range(1, last_row + 1)]
            continue
        snap_cells[name] = values
        formats[name] = fmt
        formulas[name] = with_formula
        hidden_rows[name] = set(sheet.hidden_rows)
        hidden_cols[name] = set(sheet.hidden_cols)
        if sheet.conditional:
            conditional.add(name)
    for unreached in sorted(pkg.names - pkg.reached):
        if unreached.endswith(("/", ".rels")):
            continue
        foreign(unreached, "a part no relationship of the workbook names")
    names = tuple(n for n, _p, _s in sheets)
    active = names[active_index] if 0 <= active_index < len(names) else ""
    return Snapshot(names, snap_cells, tuple(data_rows), DATA_SHEET in names,
                    states={n: s for n, _p, s in sheets}, formats=formats, formulas=formulas,
                    hidden_rows=hidden_rows, hidden_cols=hidden_cols, conditional=frozenset(conditional),
                    detail=detail, active=active, default_font=styles.default_font, problems=tuple(problems))


def _check_rels(pkg: _Package, rels_part: str, rels: dict[str, tuple[str, str, bool]], foreign: Any) -> None:
    for kind, target, external in rels.values():
        if external:
            foreign(rels_part, f"a link to an outside resource ({kind})")
        elif kind not in ALLOWED_RELS:
            foreign(target, f"a {kind} part")


def _check_children(root: Element, allowed: set[str], part: str, foreign: Any) -> None:
    for child in root:
        tag = _local(child.tag)
        if tag in _HARMLESS_FOREIGN or (tag == "AlternateContent"
                                        and {_local(x.tag) for x in child.iter()} <= _HARMLESS_ALTERNATE):
            continue
        if _ns(child.tag) not in (MAIN, "") or tag not in allowed:
            if tag == "AlternateContent":
                foreign(part, "markup-compatibility content (mc:AlternateContent)")
            else:
                foreign(part, f"<{tag}>")


def _check_ext(ext_list: Element, part: str, foreign: Any) -> None:
    for ext in ext_list:
        uri = ext.get("uri", "")
        if uri not in _HARMLESS_EXT:
            inner = ", ".join(sorted({_local(c.tag) for c in ext})) or "empty"
            foreign(part, f"an extension {uri} ({inner}) in extLst")


@dataclass(frozen=True)
class _SheetPart:
    """What one worksheet part reads as, under one style table and one set of shared
    strings: the sheet (named and placed by the workbook afterwards), its non-empty values,
    non-plain number formats and formulas, and what it holds that tally does not write."""

    sheet: SheetRead
    values: dict[str, object]
    formats: dict[str, str]
    formulas: set[str]
    problems: tuple[Problem, ...]


def _sheet(pkg: _Package, part: str, styles: _Styles,
           shared: tuple[bytes, list[tuple[str, tuple[tuple[str, Any], ...]]]], problems: list[Problem]) -> _SheetPart:
    """One worksheet part. Its relationships are checked for every workbook; its content is
    read once per process for each distinct (part name, bytes, style table, shared strings):
    a batch of copies of the same minutes, the minutes rebuilt to compare with them and a
    workbook read back after signing share the reads of their identical parts (_Memo)."""
    key = (part, _digest(pkg.body(part)), styles.key, shared[0])
    read: _SheetPart | None = _MEMO.get("sheet", key)
    root = None
    if read is None:
        root = pkg.xml(part)
        if _local(root.tag) != "worksheet":
            raise NotAWorkbook(f"{part} is not a worksheet")
    for t, p, _x in pkg.rels(part).values():
        if t == "printerSettings":
            pkg.reached.add(p)
    _check_rels(pkg, posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels"),
                pkg.rels(part), lambda part, what: problems.append(Problem("E920", part, what)))
    if read is None:
        assert root is not None
        read = _sheet_content(root, part, styles, shared[1])
        _MEMO.keep("sheet", key, len(pkg.body(part)), read)
    problems.extend(read.problems)
    return read


def _sheet_content(root: Element, part: str, styles: _Styles,
                   shared: list[tuple[str, tuple[tuple[str, Any], ...]]]) -> _SheetPart:
    found: list[Problem] = []

    def foreign(part: str, what: str) -> None:
        found.append(Problem("E920", part, what))

    def ambiguous(part: str, what: str) -> None:
        found.append(Problem("E921", part, what))

    sheet = SheetRead("", part, "")
    _check_children(root, _SHEET_CHILDREN, part, foreign)
    looks = styles.looks
    seen_data = False
    merges: set[str] = set()
    conditional: list[str] = []
    validations: list[str] = []
    for section in root:
        tag = _local(section.tag)
        if tag == "sheetPr":
            for child in section:
                if _local(child.tag) == "pageSetUpPr":
                    sheet.page["fitToPage"] = str(truth(child.get("fitToPage")))
        elif tag == "sheetViews":
            views = list(section)
            if views:
                v = views[0]
                # What a view changes on paper: right-to-left mirrors the page, showZeros="0"
                # prints a count of 0 as an empty cell, showFormulas prints formulas.
                sheet.page["rightToLeft"] = str(truth(v.get("rightToLeft")))
                sheet.page["showZeros"] = str(truth(v.get("showZeros"), True))
                sheet.page["showFormulas"] = str(truth(v.get("showFormulas")))
        elif tag == "sheetFormatPr":
            sheet.default_height = _float(section.get("defaultRowHeight", "15"), 15.0)
            if section.get("defaultColWidth") is not None:
                sheet.default_width = _float(section.get("defaultColWidth", ""), 8.43)
            sheet.zero_height = truth(section.get("zeroHeight"))
        elif tag == "cols":
            for spec in section:
                low, high = int(spec.get("min", "1")), int(spec.get("max", "1"))
                if not 1 <= low <= high <= MAX_COL:
                    raise NotAWorkbook(f"a column range {low}:{high} outside the worksheet")
                width = spec.get("width")
                for c in range(low, min(high, 1024) + 1):
                    if width is not None:
                        sheet.widths[c] = _float(width, 8.43)
                    if truth(spec.get("hidden")) or (width is not None and _float(width, 1.0) <= 0):
                        sheet.hidden_cols.add(c)
                if high > 1024 and truth(spec.get("hidden")):
                    sheet.hidden_cols.add(1025)
        elif tag == "sheetData":
            if seen_data:
                ambiguous(part, "two <sheetData>")
                continue
            seen_data = True
            _rows(section, sheet, looks, shared, part, ambiguous, foreign)
        elif tag == "mergeCells":
            for m in section:
                ref = (m.get("ref") or "").strip()
                if not re.fullmatch(r"[A-Z]{1,3}[1-9]\d*:[A-Z]{1,3}[1-9]\d*", ref):
                    ambiguous(part, f"a merged range {ref!r}")
                merges.add(ref)
        elif tag == "conditionalFormatting":
            conditional.append(section.get("sqref", ""))
        elif tag == "dataValidations":
            validations += [v.get("sqref", "") for v in section]
        elif tag == "printOptions":
            for key in ("horizontalCentered", "verticalCentered", "gridLines", "headings"):
                sheet.page[key] = str(truth(section.get(key)))
        elif tag == "pageMargins":
            sheet.margins = {k: _float(v, 0.0) for k, v in section.attrib.items()}
        elif tag == "pageSetup":
            for key, default in (("orientation", "default"), ("paperSize", "1"), ("scale", "100"),
                                 ("fitToWidth", "1"), ("fitToHeight", "1"), ("firstPageNumber", "1"),
                                 ("useFirstPageNumber", "0"), ("blackAndWhite", "0"), ("draft", "0"),
                                 ("cellComments", "none"), ("errors", "displayed"), ("pageOrder", "downThenOver"),
                                 ("paperHeight", ""), ("paperWidth", "")):
                value = section.get(key, default)
                if key in ("useFirstPageNumber", "blackAndWhite", "draft"):
                    value = str(truth(value))
                sheet.page[key] = value
        elif tag == "headerFooter":
            sheet.page["differentFirst"] = str(truth(section.get("differentFirst")))
            sheet.page["differentOddEven"] = str(truth(section.get("differentOddEven")))
            sheet.page["scaleWithDoc"] = str(truth(section.get("scaleWithDoc"), True))
            sheet.page["alignWithMargins"] = str(truth(section.get("alignWithMargins"), True))
            for child in section:
                sheet.header_footer[_local(child.tag)] = child.text or ""
        elif tag == "rowBreaks":
            sheet.row_breaks = tuple(sorted(int(_float(b.get("id", "0"), 0)) for b in section))
        elif tag == "colBreaks":
            sheet.col_breaks = tuple(sorted(int(_float(b.get("id", "0"), 0)) for b in section))
        elif tag == "extLst":
            for ext in section:
                inner = {_local(c.tag) for c in ext}
                if "conditionalFormattings" in inner:
                    conditional.append("x14")
                if "dataValidations" in inner:
                    validations.append("x14")
            _check_ext(section, part, foreign)
    sheet.merges = frozenset(merges)
    sheet.conditional = tuple(conditional)
    sheet.validations = tuple(validations)
    return _part_of(sheet, tuple(found))


def _part_of(sheet: SheetRead, problems: tuple[Problem, ...]) -> _SheetPart:
    """A sheet's cells as the workbook's snapshot lists them: non-empty values, non-plain
    number formats, formulas."""
    values: dict[str, object] = {}
    formats: dict[str, str] = {}
    formulas: set[str] = set()
    plain_codes: dict[str, bool] = {}
    for ref, cell in sheet.cells.items():
        held = cell.value
        if held is not None and held != "":
            values[ref] = held
        code = cell.look.number_format
        try:
            plain = plain_codes[code]
        except KeyError:
            plain = plain_codes[code] = code.strip().lower() in PLAIN_FORMATS
        if not plain:
            formats[ref] = code
        if cell.formula:
            formulas.add(ref)
    return _SheetPart(sheet, values, formats, formulas, problems)


_REFS: dict[str, tuple[int, int] | None] = {}    # "D12" -> (column 4, row 12), or None if no reference


def split_ref(ref: str) -> tuple[int, int] | None:
    """(column index, row) of a cell reference as the reader accepts it ("D12"), None for
    anything else ("d12", "A0", "D12:E13"). Remembered: a workbook names the same few
    thousand cells again and again, and so do the minutes rebuilt to compare with it."""
    try:
        return _REFS[ref]
    except KeyError:
        pass
    m = _REF.fullmatch(ref)
    out = (col_index(m.group(1)), int(m.group(2))) if m else None
    if len(_REFS) >= 1 << 16:         # a hostile sheet naming a million cells: bounded memory
        _REFS.clear()
    _REFS[ref] = out
    return out


def _rows(section: Element, sheet: SheetRead, looks: list[Look],
          shared: list[tuple[str, tuple[tuple[str, Any], ...]]], part: str, ambiguous: Any, foreign: Any) -> None:
    last_row = 0
    cells = sheet.cells
    by_style: dict[str | None, Look] = {}

    def look_of(s: str | None) -> Look:
        try:
            return looks[int(s or "0")]
        except (ValueError, IndexError):
            return looks[0]

    for row in section:
        if row.tag != _ROW:     # a row in another namespace is ignored by one program, read by another
            ambiguous(part, f"<{row.tag}> inside <sheetData>")
            continue
        r_text = row.get("r")
        if r_text is None or not r_text.isdigit():
            ambiguous(part, f"a row without a plain row number (r={r_text!r}) after row {last_row}")
            continue
        r = int(r_text)
        if not 1 <= r <= MAX_ROW:
            raise NotAWorkbook(f"row {r} is outside a worksheet")
        if r <= last_row:
            ambiguous(part, f"row {r} comes after row {last_row}")
        last_row = r
        ht = row.get("ht")
        if ht is not None:
            sheet.heights[r] = _float(ht, 0.0)
        if truth(row.get("hidden")) or (ht is not None and _float(ht, 1.0) <= 0):
            sheet.hidden_rows.add(r)
        row_style = row.get("s") if truth(row.get("customFormat")) else None
        last_col = 0
        for c in row:
            if c.tag != _C:
                ambiguous(part, f"<{c.tag}> inside row {r}")
                continue
            attrib = c.attrib
            ref = attrib.get("r", "")
            at = split_ref(ref)
            if at is None:
                shown = attrib.get("r")
                ambiguous(part, f"a cell in row {r} with the reference {shown!r}"
                          + (" (lower case)" if shown and _REF.fullmatch(shown.upper()) else ""))
                continue
            col, in_row = at
            if in_row != r:
                ambiguous(part, f"cell {ref} inside row {r}")
                continue
            if col > MAX_COL:
                raise NotAWorkbook(f"column {col} is outside a worksheet")
            if col <= last_col:
                ambiguous(part, f"cell {ref} comes after column {col_letters(last_col)} of row {r}"
                          + (" (twice)" if col == last_col else ""))
                if ref in cells:
                    continue
            last_col = col
            s = attrib.get("s", row_style)
            try:
                look = by_style[s]
            except KeyError:
                look = by_style[s] = look_of(s)
            if "cm" in attrib or "vm" in attrib or "ph" in attrib:
                for key in ("cm", "vm"):
                    if attrib.get(key) is not None:
                        foreign(part, f"cell {ref} carries cell metadata ({key}), e.g. a picture in the cell")
                if truth(attrib.get("ph")):
                    foreign(part, f"cell {ref} shows phonetic text")
            # the cells tally writes, read here without the general case's walk: an empty cell,
            # one plain inline string, one plain whole number (each read as _cell reads it)
            if not len(c):
                cells[ref] = CellRead(None, look)
                continue
            if len(c) == 1:
                x = c[0]
                kind = attrib.get("t", "n")
                if kind == "inlineStr":
                    if x.tag == _IS and len(x) == 1 and x[0].tag == _T:
                        cells[ref] = CellRead(x[0].text or "", look)
                        continue
                elif kind == "n" and x.tag == _V:
                    v = x.text
                    if v is not None and v.isascii() and v.isdigit():
                        cells[ref] = CellRead(int(v), look)
                        continue
            cells[ref] = _cell(c, ref, look, shared, part, ambiguous)


_T = f"{{{MAIN}}}t"


def _cell(c: Element, ref: str, look: Look, shared: list[tuple[str, tuple[tuple[str, Any], ...]]],
          part: str, ambiguous: Any) -> CellRead:
    kind = c.get("t", "n")
    v_node: Element | None = None
    is_node: Element | None = None
    twice = False
    formula = False
    for x in c:
        tag = x.tag
        if tag == _V:
            twice = twice or v_node is not None
            v_node = v_node if v_node is not None else x
        elif tag == _IS:
            twice = twice or is_node is not None
            is_node = is_node if is_node is not None else x
        elif tag == _F:
            formula = True
    if twice:
        ambiguous(part, f"cell {ref} holds two values")
    if kind == "inlineStr":
        if v_node is not None:
            ambiguous(part, f"cell {ref} is an inline string that also carries a <v>")
        if is_node is None:
            return CellRead(None, look, (), formula)
        if len(is_node) == 1 and is_node[0].tag == _T:         # plain text: no runs
            return CellRead(is_node[0].text or "", look, (), formula)
        text, runs = _string(is_node)
        return CellRead(text, look, _run_fonts(runs, look.font), formula)
    if is_node is not None:
        ambiguous(part, f"cell {ref} of type {kind!r} carries an inline string")
    v = v_node.text if v_node is not None else None
    if v is None:
        return CellRead(None, look, (), formula)
    if kind == "s":
        try:
            text, runs = shared[int(v)]
        except (ValueError, IndexError):
            ambiguous(part, f"cell {ref} names shared string {v!r}, which does not exist")
            return CellRead(None, look, (), formula)
        return CellRead(text, look, _run_fonts(runs, look.font) if runs else (), formula)
    if kind in ("str", "d"):
        return CellRead(v, look, (), formula)
    if kind == "e":
        return CellRead(v, look, (), formula, True)
    if kind == "b":
        return CellRead(truth(v), look, (), formula)
    if kind != "n":
        ambiguous(part, f"cell {ref} has the unknown type {kind!r}")
    v = v.strip()
    if _INT.fullmatch(v):
        return CellRead(int(v), look, (), formula)
    try:
        return CellRead(float(v), look, (), formula)
    except ValueError:
        ambiguous(part, f"cell {ref} holds {v[:20]!r}, which is no number")
        return CellRead(v, look, (), formula)


def _float(text: str, default: float = 1.0) -> float:
    try:
        return float(text)
    except ValueError:
        return default


def as_openpyxl(source: bytes | str | Path) -> dict[str, dict[str, Any]]:
    """The same cells as openpyxl reads them (data_only): for tests comparing the readers."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source, data_only=True)
    try:
        return {ws.title: {c.coordinate: c.value for row in ws.iter_rows() for c in row
                           if c.value is not None and c.value != ""}
                for ws in wb.worksheets}
    finally:
        wb.close()


# --- the minutes tally writes, without writing them ----------------------------------------


def book_snapshot(book: Book) -> Snapshot:
    """What :func:`read_snapshot` reads from the package ``book.to_bytes(...)`` writes
    (:func:`book_read`)."""
    return book_read(book)[0]


ExpectedPart = tuple[tuple[str, bytes, bytes, bytes], int, "_SheetPart"]


def book_read(book: Book) -> tuple[Snapshot, tuple[ExpectedPart, ...]]:
    """What :func:`read_snapshot` reads from the package ``book.to_bytes(...)`` writes, taken
    from the book and its worksheet parts as written, unpacked and parsed by nobody (issue
    14); and what each of those parts reads as, by what the reader knows a part read before
    by (its name, the SHA-256 of its bytes, of the style table and of the shared strings), for
    :func:`expect`.

    Each field is what the reader above makes of the XML tally.sheetxml writes for it (the
    same number round trip, the same defaults, the same style numbering: the parts are
    written first, which numbers a cell format when the first cell having it is written, and
    say which cell they wrote with which number). Only the style table goes through XML, read
    by the same code as a file's (and once per process for the same bytes).
    tests/test_direct_snapshot.py checks ``book_snapshot(b) == read_snapshot(bytes of b)`` on
    many generated minutes. The book's format table is numbered as a side effect, exactly as
    writing it numbers it."""
    known: dict[float, float] = {}     # a book repeats its row heights and column widths

    def num(value: float) -> float:
        if not value > 0:               # 0.0 and -0.0 are one key, NaN none: never kept
            return float(_number(value))
        got = known.get(value)
        if got is None:
            got = known[value] = float(_number(value))
        return got

    xfs = book.styles.xfs
    parts: list[bytes] = []
    placed: list[list[tuple[str, CellValue, int]]] = []     # each sheet's placed cells, as written
    for ws in book.sheets:
        written: list[tuple[str, CellValue, int]] = []
        parts.append(ws.to_xml(xfs, written))
        placed.append(written)
    styles_xml = book.styles.to_xml()
    styles = _styles_of(styles_xml, lambda: parse_xml(styles_xml))
    styles_key = _digest(styles_xml)
    looks = styles.looks
    names = tuple(ws.title for ws in book.sheets)
    snap_cells: dict[str, dict[str, object]] = {}
    formats: dict[str, dict[str, str]] = {}
    formulas: dict[str, set[str]] = {}
    hidden_rows: dict[str, set[int]] = {}
    hidden_cols: dict[str, set[int]] = {}
    detail: dict[str, SheetRead] = {}
    data_rows: list[tuple[object, ...]] = []
    n_looks = len(looks)
    odd = {look for look in looks if look.number_format.strip().lower() not in PLAIN_FORMATS}
    value: object
    for index, (ws, ids) in enumerate(zip(book.sheets, placed)):
        page = ws.page
        sheet = SheetRead(ws.title, f"xl/worksheets/sheet{index + 1}.xml",
                          "veryHidden" if ws.hidden else "visible")
        cells = sheet.cells
        values: dict[str, object] = {}   # the cells holding a value, taken in the same pass
        for ref, value, n in ids:       # CellRead(value, look), without its constructor's call in Python
            if type(value) is int and not -_EXACT < value < _EXACT:
                value = _int_as_read(value)
            cells[ref] = _new_tuple(CellRead, (value, looks[n] if n < n_looks else looks[0], (), False, False))
            if value is not None and value != "":
                values[ref] = value
        if ws.body is not None:         # below the placed cells, row by row as written
            _body_read(ws.body, xfs.index, looks, cells, values)
        for r, h in ws.heights.items():
            sheet.heights[r] = height = num(h)
            if height <= 0:
                sheet.hidden_rows.add(r)
        for c, w in enumerate(ws.widths, start=1):
            if c > 1024:
                break
            sheet.widths[c] = width = num(w)
            if width <= 0:
                sheet.hidden_cols.add(c)
        sheet.page.update(fitToPage=str(page is not None), rightToLeft="False", showZeros="True",
                          showFormulas="False")
        sheet.merges = frozenset(f"{col_letters(c1)}{r1}:{col_letters(c2)}{r2}" for r1, c1, r2, c2 in ws.merges)
        if page is None:
            sheet.margins = {"left": 0.75, "right": 0.75, "top": 1.0, "bottom": 1.0, "header": 0.5, "footer": 0.5}
        else:
            sheet.page.update(horizontalCentered="True", verticalCentered="False", gridLines="False",
                              headings="False")
            sheet.margins = dict(zip(("left", "right", "top", "bottom", "header", "footer"), map(num, page.margins)))
            sheet.page.update(orientation="landscape" if page.landscape else "portrait", paperSize="9", scale="100",
                              fitToWidth="1", fitToHeight="0", firstPageNumber="1",
                              useFirstPageNumber=str(page.footer_center is not None), blackAndWhite="False",
                              draft="False", cellComments="none", errors="displayed", pageOrder="downThenOver",
                              paperHeight="", paperWidth="")
            if page.header_right or page.footer_center:
                sheet.page.update(differentFirst="False", differentOddEven="False", scaleWithDoc="True",
                                  alignWithMargins="True")
                sheet.header_footer = {
                    "oddHeader": _header_footer_read(f"&R{page.header_right.code()}") if page.header_right else "",
                    "oddFooter": _header_footer_read(f"&C{page.footer_center.code()}") if page.footer_center else "",
                    "evenHeader": "", "evenFooter": "", "firstHeader": "", "firstFooter": ""}
            sheet.row_breaks = tuple(sorted(page.breaks))
            if page.print_titles:
                a, b = page.print_titles
                sheet.print_titles = f"{quote_sheetname(ws.title)}!${a}:${b}".strip()
        detail[ws.title] = sheet
        if ws.title == DATA_SHEET:
            last_row = max((int(_REF.fullmatch(r).group(2)) for r in values), default=0)  # type: ignore[union-attr]
            data_rows = [tuple(values.get(f"{L}{i}") for L in "ABCDE") for i in range(1, last_row + 1)]
            continue
        snap_cells[ws.title] = values
        formats[ws.title] = {ref: cell.look.number_format for ref, cell in cells.items()
                             if cell.look in odd} if odd else {}
        formulas[ws.title] = set()
        hidden_rows[ws.title] = set(sheet.hidden_rows)
        hidden_cols[ws.title] = set(sheet.hidden_cols)
    snap = Snapshot(names, snap_cells, tuple(data_rows), DATA_SHEET in names,
                    states={n: d.state for n, d in detail.items()}, formats=formats, formulas=formulas,
                    hidden_rows=hidden_rows, hidden_cols=hidden_cols, conditional=frozenset(),
                    detail=detail, active=names[0] if names else "", default_font=styles.default_font)
    expected: list[ExpectedPart] = []
    for index, (ws, body) in enumerate(zip(book.sheets, parts), start=1):
        # as _sheet_content leaves a sheet: the workbook names, places and titles it afterwards
        sheet = replace(detail[ws.title], name="", state="", print_titles="", print_area="")
        if ws.title in snap_cells:      # the snapshot's own lists of the sheet, what _part_of makes of it
            read = _SheetPart(sheet, snap_cells[ws.title], formats[ws.title], formulas[ws.title], ())
        else:                           # the data sheet, which the snapshot lists as rows
            read = _part_of(sheet, ())
        # tally writes no shared strings
        expected.append(((f"xl/worksheets/sheet{index}.xml", _digest(body), styles_key, b""), len(body), read))
    return snap, tuple(expected)


def _body_read(body: Body, numbers: dict[Xf, int], looks: Sequence[Look], cells: dict[str, CellRead],
               values: dict[str, object]) -> None:
    """A body's cells as the reader reads the rows tally.sheetxml wrote for them (its formats
    numbered by writing them): a cell without a value or a format is not written."""
    letters = [col_letters(c) for c in range(1, max(map(len, body.values)) + 1)]
    n_looks = len(looks)
    seen: dict[tuple[Xf, ...], tuple[Look | None, ...]] = {}     # rows alike share their formats
    value: object
    for r, (row, row_xfs) in enumerate(zip(body.values, body.xfs), start=body.first):
        row_looks = seen.get(row_xfs)
        if row_looks is None:
            got: list[Look | None] = []
            for xf in row_xfs:
                n = numbers[xf] if any(xf) else -1
                got.append(None if n < 0 else looks[n] if n < n_looks else looks[0])
            row_looks = seen[row_xfs] = tuple(got)
        for letter, value, look in zip(letters, row, row_looks):
            if look is None:
                if value is None:
                    continue
                look = looks[0]         # no s attribute: the reader takes the first format
            if type(value) is int and not -_EXACT < value < _EXACT:
                value = _int_as_read(value)
            ref = f"{letter}{r}"
            cells[ref] = _new_tuple(CellRead, (value, look, (), False, False))
            if value is not None and value != "":
                values[ref] = value


def _int_as_read(value: int) -> int | float:
    """An int of 16 digits or more as the reader reads it back: sheetxml writes it with 16
    significant digits (_number)."""
    v = _number(value)
    return int(v) if _INT.fullmatch(v) else float(v)


@functools.lru_cache(maxsize=64)
def _header_footer_read(code: str) -> str:
    """A page header or footer as the reader parses the text sheetxml writes for it (the
    minutes repeat a few: the mark, "page 1 of N")."""
    return _xml_text(_header_footer_text(code))


def expect(parts: Sequence[ExpectedPart]) -> None:
    """Tell the reader what these parts read as (:func:`book_read`): a workbook holding one
    of them under its name, byte for byte, then reads it as that part instead of walking its
    XML, as the reader does for any part it has read before (_Memo). Everything else of that
    workbook is read and checked as always: the package, its relationships, the workbook part,
    every other part; a part differing by one byte is parsed. Verification expects the minutes
    of the results.json beside a workbook before reading it (tally.compare.expect_written)."""
    for key, size, read in parts:
        _MEMO.keep("sheet", key, size, read)


def _xml_text(escaped: str) -> str:
    """Element text as the reader parses it from sheetxml's escaped form."""
    return parse_xml(f"<t>{escaped}</t>".encode("ascii")).text or ""
