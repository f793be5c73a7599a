"""What a results workbook shows, read in one quick pass, for signing and verifying.

``tally verify`` must read every cell of a workbook that Excel, LibreOffice or openpyxl
may have saved again, and do so for many files a second. openpyxl's full reader spends
most of its time on styles and objects verification never needs, so this module reads
the xlsx parts directly: the workbook's sheet list, shared strings, number formats and
each sheet's cells with their cached values (what a printout shows).

It also records what can make a printed value differ from the stored one without
changing the stored one, so that verification can refuse it: a number format other
than General on a result cell (``"19"`` shows 19 whatever the cell holds; ``;;;`` shows
nothing), a formula (recalculated when the file is opened), a hidden row, column or
sheet, and conditional formatting.

XML is parsed with defusedxml; zip members are size-capped. The values match what
``openpyxl.load_workbook(data_only=True)`` gives (tests/test_verify.py compares them).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException, ElementTree  # type: ignore[import-untyped]

from ballots.cells import column_index as col_index
from ballots.cells import column_letters as col_letters
from tally.layout import DATA_SHEET

MAX_PART = 64 * 1024 * 1024           # bytes of one unpacked xml part
MAX_TOTAL = 256 * 1024 * 1024         # bytes of all the parts read (ballots.limits: the same default)
MAX_ROW, MAX_COL = 1_048_576, 16_384  # a worksheet's own bounds: a reference beyond them is forged
MAX_DATA_ROWS = 100_000               # rows of the hidden sheet: results.json would be 3 GB
PLAIN_FORMATS = {"general", "0", "@", "standard"}
_PLAIN_BUILTIN = {0, 1, 49}           # General, 0, @
_INT = re.compile(r"[+-]?\d+")
_REF = re.compile(r"([A-Z]{1,3})(\d+)")


class NotAWorkbook(Exception):
    """The file cannot be read as an xlsx workbook; the message says why."""


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

    def value(self, sheet: str, ref: str) -> object:
        return self.cells.get(sheet, {}).get(ref)


_LETTERS = [col_letters(i) for i in range(1, 200)]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _true(value: str | None) -> bool:
    return value in ("1", "true")


class _Package:
    def __init__(self, source: bytes | str | Path) -> None:
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise NotAWorkbook(f"not a zip package ({exc})") from None
        self.names = set(self.zip.namelist())
        self.read_bytes = 0

    def xml(self, name: str) -> Element:
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
        try:
            root: Element = ElementTree.fromstring(self.zip.read(info))
        except (ElementTree.ParseError, DefusedXmlException, zipfile.BadZipFile, zlib.error, EOFError,
                OSError, ValueError, NotImplementedError) as exc:  # broken xml or deflate stream
            raise NotAWorkbook(f"part {name} cannot be read ({type(exc).__name__})") from None
        return root

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id -> (type suffix, target part) for `part`."""
        folder, name = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", name + ".rels")
        if rels_name not in self.names:
            return {}
        out = {}
        for rel in self.xml(rels_name):
            if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], path)
        return out


def _text(node: Element) -> str:
    """The text of a shared or inline string: its <t>, or its runs' <t>, never phonetic runs."""
    parts: list[str] = []
    for child in node:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            for t in child:
                if _local(t.tag) == "t":
                    parts.append(t.text or "")
    return "".join(parts)


def _number_formats(pkg: _Package, styles_part: str | None) -> list[str | None]:
    """For each cell style index: None for a plain format, else the format code."""
    if styles_part is None or styles_part not in pkg.names:
        return []
    root = pkg.xml(styles_part)
    codes: dict[int, str] = {}
    xfs: list[str | None] = []
    for child in root:
        tag = _local(child.tag)
        if tag == "numFmts":
            for nf in child:
                try:
                    codes[int(nf.get("numFmtId", "-1"))] = nf.get("formatCode", "")
                except ValueError:
                    continue
        elif tag == "cellXfs":
            for xf in child:
                try:
                    fid = int(xf.get("numFmtId", "0"))
                except ValueError:
                    fid = -1
                if fid in codes:
                    code = codes[fid]
                    xfs.append(None if code.strip().lower() in PLAIN_FORMATS else code)
                else:
                    xfs.append(None if fid in _PLAIN_BUILTIN else f"built-in format {fid}")
    return xfs


def _cell_value(c: Element, kind: str, shared: list[str]) -> object:
    v = None
    inline = None
    for child in c:
        tag = _local(child.tag)
        if tag == "v":
            v = child.text
        elif tag == "is":
            inline = child
    if kind == "inlineStr":
        return _text(inline) if inline is not None else None
    if v is None:
        return None
    if kind == "s":
        try:
            return shared[int(v)]
        except (ValueError, IndexError):
            return None
    if kind in ("str", "e", "d"):
        return v
    if kind == "b":
        return v.strip() in ("1", "true")
    v = v.strip()
    if _INT.fullmatch(v):
        return int(v)
    try:
        return float(v)
    except ValueError:
        return v


def read_snapshot(source: bytes | str | Path) -> Snapshot:
    """Raises NotAWorkbook for anything that is not a readable xlsx workbook."""
    try:
        return _read(_Package(source))
    except (ValueError, KeyError, IndexError, AttributeError) as exc:  # e.g. a cell reference "r" that is no number
        raise NotAWorkbook(f"the workbook's structure is broken ({type(exc).__name__}: {exc})") from None


def _read(pkg: _Package) -> Snapshot:
    root_rels = pkg.rels("")
    book_part = next((p for t, p in root_rels.values() if t == "officeDocument"), None)
    if book_part is None:
        if "xl/workbook.xml" not in pkg.names:
            raise NotAWorkbook("no workbook part: not an xlsx file")
        book_part = "xl/workbook.xml"
    book = pkg.xml(book_part)
    book_rels = pkg.rels(book_part)
    shared_part = next((p for t, p in book_rels.values() if t == "sharedStrings"), None)
    styles_part = next((p for t, p in book_rels.values() if t == "styles"), None)
    shared = [_text(si) for si in pkg.xml(shared_part)] if shared_part and shared_part in pkg.names else []
    fmts = _number_formats(pkg, styles_part)

    sheets: list[tuple[str, str, str]] = []
    for node in book.iter():
        if _local(node.tag) == "sheet":
            rid = next((v for k, v in node.attrib.items() if _local(k) == "id"), "")
            kind, part = book_rels.get(rid, ("", ""))
            if kind == "worksheet":
                sheets.append((node.get("name", ""), part, node.get("state", "visible")))
    if not sheets:
        raise NotAWorkbook("the workbook has no worksheets")

    snap_cells: dict[str, dict[str, object]] = {}
    formats: dict[str, dict[str, str]] = {}
    formulas: dict[str, set[str]] = {}
    hidden_rows: dict[str, set[int]] = {}
    hidden_cols: dict[str, set[int]] = {}
    conditional: set[str] = set()
    data_rows: list[tuple[object, ...]] = []
    for name, part, _state in sheets:
        root = pkg.xml(part)
        values: dict[str, object] = {}
        fmt: dict[str, str] = {}
        forms: set[str] = set()
        hrows: set[int] = set()
        hcols: set[int] = set()
        last_row = 0
        for section in root:
            tag = _local(section.tag)
            if tag == "cols":
                for spec in section:
                    width = spec.get("width")
                    if _true(spec.get("hidden")) or (width is not None and _float(width) <= 0):
                        low, high = int(spec.get("min", "1")), int(spec.get("max", "1"))
                        if not 1 <= low <= high <= MAX_COL:
                            raise NotAWorkbook(f"a column range {low}:{high} outside the worksheet")
                        hcols.update(range(low, high + 1))
            elif tag == "conditionalFormatting":
                conditional.add(name)
            elif tag == "sheetData":
                r = 0
                for row in section:
                    r = int(row.get("r") or r + 1)
                    if not 1 <= r <= MAX_ROW:
                        raise NotAWorkbook(f"row {r} is outside a worksheet")
                    ht = row.get("ht")
                    if _true(row.get("hidden")) or (ht is not None and _true(row.get("customHeight"))
                                                     and _float(ht) <= 0):
                        hrows.add(r)
                    col = 0
                    for c in row:
                        ref = c.get("r")
                        if ref:
                            m = _REF.fullmatch(ref)
                            col = col_index(m.group(1)) if m else col + 1
                        else:
                            col += 1
                        if col > MAX_COL:
                            raise NotAWorkbook(f"column {col} is outside a worksheet")
                        key = f"{_LETTERS[col - 1] if col <= len(_LETTERS) else col_letters(col)}{r}"
                        value = _cell_value(c, c.get("t", "n"), shared)
                        if value is not None and value != "":
                            values[key] = value
                            last_row = r
                        s = c.get("s")
                        if s is not None and fmts:
                            try:
                                code = fmts[int(s)]
                            except (ValueError, IndexError):
                                code = None
                            if code is not None:
                                fmt[key] = code
                        if any(_local(x.tag) == "f" for x in c):
                            forms.add(key)
        if name == DATA_SHEET:
            if last_row > MAX_DATA_ROWS:
                raise NotAWorkbook(f"the hidden {DATA_SHEET} sheet reaches row {last_row}")
            data_rows = [tuple(values.get(f"{L}{i}") for L in "ABCDE") for i in range(1, last_row + 1)]
            continue
        snap_cells[name] = values
        formats[name] = fmt
        formulas[name] = forms
        hidden_rows[name] = hrows
        hidden_cols[name] = hcols
    names = tuple(n for n, _p, _s in sheets)
    return Snapshot(names, snap_cells, tuple(data_rows), DATA_SHEET in names,
                    states={n: s for n, _p, s in sheets}, formats=formats, formulas=formulas,
                    hidden_rows=hidden_rows, hidden_cols=hidden_cols, conditional=frozenset(conditional))


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1.0


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
