"""Resource limits, checked before a ballot file is handed to a parser (issue 5).

Why one module of this length: every container format needs its own streaming measurement,
and keeping them together is what guarantees that every limit is checked before any parser
runs; the formats are separate sections below.

A ballot file may come from anywhere, and a small file can ask for a great deal: a zip
member that inflates to gigabytes, a sheet with one cell at XFD1048576, an .ods row
repeated a million times. python-calamine, which reads the ballots, holds each sheet as
a dense grid (32 bytes per cell of the rectangle from the first to the last cell that
has a value) and aborts the whole process when an allocation fails, so nothing can be
caught after the fact: the limits are checked here, on the raw bytes, first.

What is measured, for each kind of file:

* every file: its size on disk;
* zip containers (.xlsx, .xlsm, .ods): the number of members, read from the end of the
  central directory before the directory itself is parsed; then every member is
  inflated in a stream, counting the bytes that really come out (a zip header can lie
  about them): the total must stay under ``max_size``, and a member that passes
  ``RATIO_FLOOR`` bytes at more than ``ZIP_RATIO`` times its compressed size is a zip
  bomb and is refused as soon as it is seen;
* .xlsx sheets: the rectangle calamine would allocate (last row × last column holding a
  value). One regular-expression search over the XML stream shows that every value lies in
  the widest rectangle the limits allow at the header row's width, which is all a normal
  sheet needs; a sheet with a value outside it is measured exactly, and one written in
  unusual ways (cells without a reference) is walked element by element;
* shared strings: their number (each is a cell's worth of memory);
* .ods: each table's rows and columns with ``number-rows-repeated`` and
  ``number-columns-repeated`` expanded, walked with expat (no DTD, no entities);
* .csv: bytes, lines and cells (delimiters) counted in C.

.xls (BIFF) files cannot be checked this way (calamine's reader trusts sizes written inside
the file): ballots.sheets reads them in a child process with bounded memory instead.

The defaults, and why (README, "Limits"): the largest real vote is a few thousand
ballots of a few dozen people, and the benchmark's 100,000 ballots × 30 people (3.1 M
cells, a 103 MB sheet) must pass with room to spare.

* ``max_size`` 256 MB of unpacked data per file (the benchmark sheet is 103 MB);
* ``max_rows`` 1,000,000 rows per sheet (Excel's own limit is 1,048,576);
* ``max_cells`` 5,000,000 cells per sheet, the rectangle calamine allocates (~160 MB);
* a zip member inflating more than 100:1 past 16 MB (spreadsheet XML inflates about
  10:1; only a bomb reaches 100:1 and beyond; deflate's ceiling is about 1,030:1);
* at most 10,000 zip members (a workbook has tens).

Each refusal is a coded error (E307 size, E308 rows, E309 cells, E310 zip bomb) naming
the limit, the value found and the option that raises it.
"""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from xml.parsers import expat

from ballots.cells import column_index, column_letters
from ballots.errors import Location, TallyError, fail
from ballots.halves import Halves, plan, worth_cutting
from ballots.i18n import _
from ballots.memory import physical_memory

MB = 1024 * 1024
ZIP_RATIO = 100
RATIO_FLOOR = 16 * MB
MAX_MEMBERS = 10_000
CHUNK = 4 * MB


@dataclass(frozen=True)
class Limits:
    """How much one ballot file may hold; raise with --max-size/--max-rows/--max-cells."""

    max_size: int = 256 * MB      # bytes of unpacked data (or of a .csv/.xls file)
    max_rows: int = 1_000_000     # rows of one sheet
    max_cells: int = 5_000_000    # cells of one sheet: rows × columns up to the last value

    def with_options(self, max_size_mb: int | None = None, max_rows: int | None = None,
                     max_cells: int | None = None) -> Limits:
        return Limits(self.max_size if max_size_mb is None else max_size_mb * MB,
                      self.max_rows if max_rows is None else max_rows,
                      self.max_cells if max_cells is None else max_cells)


DEFAULT_LIMITS = Limits()
_ACTIVE: ContextVar[Limits] = ContextVar("tally_limits", default=DEFAULT_LIMITS)


def active_limits() -> Limits:
    """The limits in force: DEFAULT_LIMITS unless a caller chose others with `using_limits`."""
    return _ACTIVE.get()


@contextmanager
def using_limits(limits: Limits) -> Iterator[Limits]:
    """Read every ballot file opened inside the block with these limits (the CLI's
    --max-size/--max-rows/--max-cells), however deep the call that opens it."""
    token = _ACTIVE.set(limits)
    try:
        yield limits
    finally:
        _ACTIVE.reset(token)


def _mb(n: int) -> str:
    return f"{n / MB:,.1f} MB"


def too_big(display: str, found: int, limits: Limits, what: str = "unpacked data") -> TallyError:
    message = (_("the file holds more than {limit} of unpacked data (the size limit): {found} or more")
               if what == "unpacked data" else
               _("the file holds more than {limit} of bytes on disk (the size limit): {found}"))
    return fail("E307", message.format(limit=_mb(limits.max_size), found=_mb(found)),
                _("if this really is a ballot sheet, raise the limit with --max-size {mb} (MB); "
                  "otherwise check that this is the right file").format(mb=found // MB + 1), Location(display))


def _too_many_rows(display: str, sheet: str | None, rows: int, limits: Limits) -> TallyError:
    return fail("E308", _("the sheet reaches row {rows:,}, beyond the limit of {limit:,} rows")
                .format(rows=rows, limit=limits.max_rows),
                _("delete what lies below the ballots (a stray value far down the sheet), or raise the limit "
                  "with --max-rows {rows}").format(rows=rows), Location(display, sheet))


def _too_many_cells(display: str, sheet: str | None, rows: int, cols: int, limits: Limits) -> TallyError:
    cells = rows * cols
    return fail("E309", _("the sheet spans {rows:,} rows × {cols:,} columns = {cells:,} cells, beyond the limit of "
                          "{limit:,} cells").format(rows=rows, cols=cols, cells=cells, limit=limits.max_cells),
                _("delete stray values far below or to the right of the ballots, "
                  "or raise the limit with --max-cells {cells}").format(cells=cells), Location(display, sheet))


def _bomb(display: str, member: str, compressed: int, inflated: int) -> TallyError:
    return fail("E310", _("part '{part}' inflates from {compressed:,} bytes to more than {inflated:,} "
                          "({ratio:,}:1): a zip bomb, not a spreadsheet")
                .format(part=member[:80], compressed=compressed, inflated=inflated,
                        ratio=inflated // max(compressed, 1)),
                _("do not open this file; ask for the ballot sheet again"), Location(display))


CELL_BYTES = 48    # calamine's 32 bytes a cell, and room for the rows handed to Python


def check_dimensions(display: str, sheet: str | None, rows: int, cols: int, limits: Limits) -> None:
    if rows > limits.max_rows:
        raise _too_many_rows(display, sheet, rows, limits)
    if rows * cols > limits.max_cells:
        raise _too_many_cells(display, sheet, rows, cols, limits)
    memory = physical_memory()
    if memory and rows * cols * CELL_BYTES > memory // 2:
        # Raised limits still cannot make the reader allocate more than the machine has:
        # it would abort the whole process instead of saying why.
        raise fail("E309", _("the sheet spans {rows:,} rows × {cols:,} columns = {cells:,} cells, which would "
                             "need {need:,.1f} GB of memory; this computer has {have:,.1f} GB")
                   .format(rows=rows, cols=cols, cells=rows * cols, need=rows * cols * CELL_BYTES / MB / 1024,
                           have=memory / MB / 1024),
                   _("delete stray values far below or to the right of the ballots"),
                   Location(display, sheet))


# --- the zip container -------------------------------------------------------------------


def zip_member_count(data: bytes) -> int | None:
    """The number of members the end of the central directory declares (None if not found)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    total = struct.unpack_from("<H", data, end + 10)[0]
    if total != 0xFFFF:
        return int(total)
    loc = data.rfind(b"PK\x06\x07", max(0, end - 20), end)   # zip64 locator
    if loc < 0 or loc + 20 > len(data):
        return None
    offset = struct.unpack_from("<Q", data, loc + 8)[0]
    if offset + 56 > len(data) or data[offset:offset + 4] != b"PK\x06\x06":
        return None
    return int(struct.unpack_from("<Q", data, offset + 32)[0])


def check_zip_members(data: bytes, display: str) -> None:
    n = zip_member_count(data)
    if n is not None and n > MAX_MEMBERS:
        raise fail("E310", _("the zip container declares {n:,} parts; a spreadsheet has a few dozen").format(n=n),
                   _("do not open this file; ask for the ballot sheet again"), Location(display))


def _raw_stream(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The member's bytes as they really inflate, in chunks, whatever its header declares."""
    offset = info.header_offset
    if offset + 30 > len(data) or data[offset:offset + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename!r}")
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_len + extra_len
    raw = memoryview(data)[start:start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        for i in range(0, len(raw), CHUNK):
            yield bytes(raw[i:i + CHUNK])
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise NotImplementedError(f"compression method {info.compress_type}")
    inflater = zlib.decompressobj(-15)
    for i in range(0, len(raw), 1 << 16):
        block = bytes(raw[i:i + (1 << 16)])
        while block:
            out = inflater.decompress(block, CHUNK)
            if out:
                yield out
            block = inflater.unconsumed_tail
    rest = inflater.flush()
    if rest:
        yield rest


def _members(data: bytes, zf: zipfile.ZipFile, display: str, limits: Limits, scan: dict[str, object],
             needle: tuple[re.Pattern[bytes], int] | None = None, suspects: set[str] | None = None,
             texts: dict[str, list[bytes]] | None = None) -> None:
    """Inflate every member once, counting real bytes; feed the sheet parts to their scanners,
    and add to `suspects` each of them whose bytes match `needle` (a pattern and the longest
    text it matches: XLSX_NEEDLE, ODS_NEEDLE; ballots.cellerrors). `texts`: each .xlsx sheet
    part's inflated chunks, by name (for ballots.halves)."""
    search = needle[0].search if needle else None
    keep = needle[1] - 1 if needle else 0     # the end of a chunk kept, for a needle cut in two
    total = 0
    for info in zf.infolist():
        if info.is_dir():
            continue
        scanner = scan.get(info.filename)
        kept = texts.setdefault(info.filename, []) if texts is not None and isinstance(scanner, _XlsxSheetScan) \
            else None
        inflated = 0
        seen = b""             # the end of the last chunk, for a needle cut in two
        try:
            for chunk in _raw_stream(data, info):
                inflated += len(chunk)
                total += len(chunk)
                if inflated > RATIO_FLOOR and inflated > ZIP_RATIO * max(info.compress_size, 1):
                    raise _bomb(display, info.filename, info.compress_size, inflated)
                if total > limits.max_size:
                    raise too_big(display, total, limits)
                if scanner is not None:
                    scanner.feed(chunk)  # type: ignore[attr-defined]
                    if kept is not None:
                        kept.append(chunk)
                    if search is not None and suspects is not None and info.filename not in suspects:
                        if search(chunk) or search(seen + chunk[:keep]):
                            suspects.add(info.filename)     # a literal-led pattern: ~0.6 ns a byte
                    # a chunk may be shorter than a needle (the inflater's last bytes of a block)
                    seen = (seen + chunk[-keep:])[-keep:] if keep else b""
        except (zlib.error, zipfile.BadZipFile, NotImplementedError, struct.error) as exc:
            # the reader reports damage with its own words; only sizes are checked here
            if scanner is not None:
                scan.pop(info.filename, None)
            if texts is not None:
                texts.pop(info.filename, None)
            del exc
            continue
        if scanner is not None:
            scanner.close()  # type: ignore[attr-defined]


def check_zip(data: bytes, kind: str, display: str, limits: Limits = DEFAULT_LIMITS,
              spans: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] | None = None,
              halves: dict[str, Halves] | None = None) -> frozenset[str]:
    """Sizes, a zip bomb, and each sheet's extent, before calamine sees the file. Returns the
    sheet parts that may hold cells showing an error (#N/A: ballots.cellerrors), most often none;
    fills `spans` with an .ods table's merged cells, which calamine does not give, and `halves`
    with each large .xlsx sheet whose cells are all written plainly, cut in two for reading
    (ballots.halves: sheet name -> its halves)."""
    check_zip_members(data, display)
    import io

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return frozenset()           # sniff() and the reader report the damage
    with zf:
        names = {i.filename: i for i in zf.infolist()}
        scan: dict[str, object] = {}
        if kind == "xlsx":
            elsewhere = _sheets_elsewhere(zf)
            if elsewhere:
                raise fail("E303", _("the workbook keeps a sheet in {part}, outside xl/worksheets/, where tally cannot "
                                     "check it before reading it").format(part=elsewhere[0]),
                           _("open it in Excel or LibreOffice and save it again"), Location(display))
            for name in names:
                low = name.lower()
                if low.startswith("xl/worksheets/") and low.endswith(".xml"):
                    scan[name] = _XlsxSheetScan(limits)
                elif low.endswith("sharedstrings.xml"):
                    scan[name] = _CountScan(re.compile(rb"<(?:\w{1,32}:)?si[\s>/]"))
        elif kind == "ods":
            for name in names:
                if name == "content.xml":
                    scan[name] = _OdsScan()
        suspects: set[str] = set()
        texts: dict[str, list[bytes]] | None = {} if halves is not None and kind == "xlsx" else None
        _members(data, zf, display, limits, scan, XLSX_NEEDLE if kind == "xlsx" else ODS_NEEDLE, suspects, texts)
        if texts:
            _plan_halves(zf, scan, texts, halves)   # type: ignore[arg-type]
            texts.clear()
        for name, scanner in list(scan.items()):
            if isinstance(scanner, _XlsxSheetScan) and (scanner.odd or scanner.exact):
                walk: _XlsxExactWalk | _XlsxValuedCells = (
                    _XlsxExactWalk() if scanner.odd else _XlsxValuedCells(scanner.prefix))
                try:
                    for chunk in _raw_stream(data, names[name]):
                        walk.feed(chunk)
                except (zlib.error, zipfile.BadZipFile, NotImplementedError, struct.error):
                    pass
                walk.close()
                if walk.problem and "document type" in walk.problem:
                    raise fail("E303", _("sheet part {name} is unsafe: {problem}").format(name=name, problem=walk.problem),
                               _("open it in Excel or LibreOffice and save it again"), Location(display))
                scan[name] = walk
        # the sheets' names, for the messages of a sheet measured exactly (defusedxml: imported only then)
        measured = any(isinstance(scanner, (_XlsxExactWalk, _XlsxValuedCells)) for scanner in scan.values())
        labels = sheet_names(zf) if kind == "xlsx" and measured else {}
    for name, scanner in scan.items():
        if isinstance(scanner, _XlsxSheetScan):
            continue          # every value inside a rectangle that check_dimensions allows
        if isinstance(scanner, (_XlsxExactWalk, _XlsxValuedCells)):
            check_dimensions(display, labels.get(name, name), scanner.max_row, scanner.max_col, limits)
        elif isinstance(scanner, _CountScan) and scanner.count > limits.max_cells:
            raise fail("E309", _("the workbook holds {n:,} different texts, beyond the limit of {limit:,} cells")
                       .format(n=scanner.count, limit=limits.max_cells),
                       _("raise the limit with --max-cells {n}").format(n=scanner.count),
                       Location(display))
        elif isinstance(scanner, _OdsScan):
            if scanner.problem:
                raise fail("E303", _("the ods file is damaged or unsafe: {problem}").format(problem=scanner.problem),
                           _("open it in LibreOffice and save it again"), Location(display))
            for table, (rows, cols) in scanner.tables.items():
                check_dimensions(display, table, rows, cols, limits)
            if spans is not None:
                spans.update(scanner.spans)
    sheets = ("content.xml",) if kind == "ods" else ()
    return frozenset(n for n in suspects if n in sheets or n.lower().startswith("xl/worksheets/"))


def _plan_halves(zf: zipfile.ZipFile, scan: dict[str, object], texts: dict[str, list[bytes]],
                 halves: dict[str, Halves]) -> None:
    big = {part: chunks for part, chunks in texts.items() if worth_cutting(sum(map(len, chunks)))
           and isinstance(scan.get(part), _XlsxSheetScan) and not (scan[part].odd or scan[part].exact)}  # type: ignore[attr-defined]
    names = [name.lower() for name in zf.namelist()]
    if not big or len(set(names)) != len(names):
        return      # a part named twice: which one a reader takes is its own choice; read it whole
    labels = sheet_names(zf)
    # each half's text is held by the reader while it parses (about 35 bytes a cell more at the
    # peak): cut while the texts cut stay within an eighth of this machine's memory
    memory = physical_memory()
    budget = memory // 8 if memory else 256 * MB
    for part, chunks in big.items():
        budget -= sum(map(len, chunks))
        if budget < 0:
            break
        sheet = labels.get(part)
        cut = plan(zf, part, sheet, scan[part].prefix, chunks) if sheet else None  # type: ignore[attr-defined]
        if cut is not None:
            halves[sheet] = cut  # type: ignore[index]


_RELATIONSHIP = re.compile(rb"<(?:[\w.-]{1,32}:)?Relationship\b[^>]*>")
_REL_ATTR = re.compile(rb"""\b(Type|Target|TargetMode)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _sheets_elsewhere(zf: zipfile.ZipFile) -> list[str]:
    """The worksheet parts the workbook's relationships name outside xl/worksheets/, or by a
    target not written plainly (a character reference, a '..'): the sheet reader follows them,
    and the checks before it (each sheet's extent, cells showing an error) look there only. Excel
    and LibreOffice write every sheet there."""
    try:
        info = zf.getinfo("xl/_rels/workbook.xml.rels")
        if info.file_size > 4 * MB:
            return ["xl/_rels/workbook.xml.rels"]
        rels = zf.read(info)
    except KeyError:
        return []                    # no relationships: the reader finds no sheet
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError, zlib.error):
        return []                    # damaged: the reader reports it
    out = []
    for rel in _RELATIONSHIP.finditer(rels):
        attrs = {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in _REL_ATTR.finditer(rel.group())}
        kind, target = attrs.get(b"Type", b""), attrs.get(b"Target", b"")
        if b"&" in kind:             # a type spelled with a character reference: it may be a worksheet's
            out.append(target.decode("utf-8", "replace"))
            continue
        if not kind.endswith(b"/worksheet") or attrs.get(b"TargetMode", b"").lower() == b"external":
            continue
        part = target.lstrip(b"/") if target.startswith(b"/") else b"xl/" + target
        if b"&" in part or b"\\" in part or b"/." in part or not part.lower().startswith(b"xl/worksheets/") \
                or b"/" in part[len(b"xl/worksheets/"):]:
            out.append(part.decode("utf-8", "replace"))
    return out


# A cell showing an error is typed "e" (<c r="B3" t="e"><v>#N/A</v></c>): the quoted value e, in
# either quotes (LibreOffice's .ods: calcext:value-type="error"). Not the "#" its text starts with:
# every character reference (&#7889;, how some writers, tally's own, put Vietnamese into a sheet)
# holds one, and each such sheet was read twice. Each pattern starts with a literal, which the
# regex engine skips to in C: one pass for both quotes, 0.06 s where two `in` searches took 0.17 s
# on a 100 MB sheet; the e's opening quote is checked behind it (most e" in a sheet end "false").
XLSX_NEEDLE = (re.compile(rb"""e(?<=["']e)["']"""), 3)
ODS_NEEDLE = (re.compile(rb"""value-type=["']error["']"""), len(b'value-type="error"'))


def sheet_names(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet part -> sheet name, from workbook.xml and its relationships (best effort: the
    messages name the sheet as the user knows it)."""
    from defusedxml import ElementTree  # type: ignore[import-untyped]

    try:
        parts = []
        for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            info = zf.getinfo(name)
            if info.file_size > 4 * MB:
                return {}
            with zf.open(info) as fh:
                parts.append(ElementTree.fromstring(fh.read(4 * MB)))
        book, rels = parts
        targets = {}
        for rel in rels:
            target = rel.get("Target", "")
            targets[rel.get("Id", "")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
        out = {}
        for node in book.iter():
            if node.tag.rsplit("}", 1)[-1] == "sheet":
                rid = next((v for k, v in node.attrib.items() if k.rsplit("}", 1)[-1] == "id"), "")
                if rid in targets:
                    out[targets[rid]] = node.get("name", "")
        return out
    except Exception:  # noqa: BLE001 - only labels; the reader reports a broken workbook
        return {}


class _CountScan:
    def __init__(self, pattern: re.Pattern[bytes]) -> None:
        self.pattern, self.count, self.carry = pattern, 0, b""

    def feed(self, chunk: bytes) -> None:
        buf = self.carry + chunk
        cut = max(0, len(buf) - 64)
        self.count += len(self.pattern.findall(buf, 0, cut))
        self.carry = buf[cut:]

    def close(self) -> None:
        self.count += len(self.pattern.findall(self.carry))
        self.carry = b""


# --- xlsx sheets -------------------------------------------------------------------------

_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]{0,31}):)?worksheet[\s>]")


def _span(low: str, high: str) -> str:
    return low if low == high else f"[{low}-{high}]"


def _times(what: str, k: int) -> str:
    return "" if k == 0 else what if k == 1 else f"{what}{{{k}}}"


def _numbers_at_most(n: int) -> list[bytes]:
    """Regular expressions, each a plain sequence (no alternation), for the decimal numbers
    1..n written without leading zeros: together they match each such number once. The first
    takes every number shorter than n (possessive: it does not give digits back). Digits are
    [0-9], not \\d: the same bytes, and a range the engine tests faster than a category."""
    s = str(n)
    alts = [b"[1-9]" + (b"[0-9]{0,%d}+" % (len(s) - 2) if len(s) > 2 else b"")] if len(s) > 1 else []
    for i, ch in enumerate(s):
        low, last = ("1" if i == 0 else "0"), i == len(s) - 1
        high = ch if last else str(int(ch) - 1)      # the last digit: up to n's own
        if high >= low:
            alts.append((s[:i] + _span(low, high) + _times("[0-9]", len(s) - i - 1)).encode())
    return alts


def _letters_up_to(col: int) -> list[bytes]:
    """Regular expressions, each a plain sequence, for the column letters A..the letters of
    column `col` (1 = A): together they match each once; the first takes every shorter name."""
    s = column_letters(col)
    alts = [("[A-Z]" + ("" if len(s) == 2 else "{1,%d}" % (len(s) - 1))).encode()] if len(s) > 1 else []
    for i, ch in enumerate(s):
        last = i == len(s) - 1
        high = ch if last else chr(ord(ch) - 1)
        if high >= "A":
            alts.append((s[:i] + _span("A", high) + _times("[A-Z]", len(s) - i - 1)).encode())
    return alts


def _outside(prefix: bytes, cols: int, rows: int) -> re.Pattern[bytes]:
    """A search for every cell tag that is not a plain ``<c r="REF"`` with REF inside the
    rectangle `cols` × `rows` (the search _XlsxSheetScan makes over the whole sheet).

    Written as one negative look-ahead per pair of a letters sequence and a digits sequence
    (`_letters_up_to`, `_numbers_at_most`), the commonest first, not one look-ahead holding
    alternations: a cell inside stops at the first pair it matches, and the first pair (the
    names shorter than the widest, the rows shorter than the last: almost every cell) is a
    straight run the engine checks with no branch to come back to. 0.23 -> 0.16 s (CPU) over
    the 103 MB of the 3 M-cell sheet."""
    pairs = [letters + digits for digits in _numbers_at_most(rows) for letters in _letters_up_to(cols)] \
        if cols and rows else []
    return re.compile(re.escape(b"<" + prefix) + b"c" + b"".join(rb'(?! r="' + pair + rb'")' for pair in pairs)
                      + rb"[\s>/]")


def _feed_tags(carry: bytes, chunk: bytes, scan: Callable[[bytes, int], None]) -> bytes:
    """Scan `carry + chunk` up to its last tag start (a tag may straddle two chunks); return
    what is left over for the next chunk."""
    buf = carry + chunk
    cut = buf.rfind(b"<", max(0, len(buf) - 8192))
    if cut < 0:
        cut = len(buf)
    scan(buf, cut)
    return buf[cut:]


_WINDOW = 1 << 16     # the first bytes of a sheet, where its header row is: the rectangle's width
_FOUND = 1000         # cells outside the rectangle looked at in Python before measuring exactly instead


def rows_allowed(cols: int, limits: Limits) -> int:
    """The most rows a sheet `cols` columns wide may reach and still pass check_dimensions."""
    rows = min(limits.max_rows, limits.max_cells // max(cols, 1))
    memory = physical_memory()
    if memory:
        rows = min(rows, memory // 2 // (max(cols, 1) * CELL_BYTES))
    return rows


class _XlsxSheetScan:
    """Whether every cell holding a value lies in a rectangle the limits allow, from the XML
    stream, with one search per chunk (in C) and nothing per cell in Python.

    The rectangle is as wide as the widest cell holding a value in the first bytes of the
    sheet (its header row), and as tall as the limits then allow (`rows_allowed`): a sheet
    inside it passes check_dimensions whatever its true extent, which need not be known. The
    search finds every cell that is *not* a plain ``<c r="A1"`` inside the rectangle; in a
    normal file it finds nothing. What it finds is looked at in Python: a cell that closes
    itself (``<c r="Z9" s="1"/>``) holds no value and does not count (calamine skips it), and
    a cell with a leading zero may still be inside. A cell holding a value outside (further
    down, or to the right of the header), or many cells found, set `exact`: the sheet is then
    measured exactly (:class:`_XlsxValuedCells`) before it is passed or refused, with the
    figures it really has. Anything unusual (a cell without a reference, another attribute
    first) sets `odd`: the sheet is then walked element by element (:class:`_XlsxExactWalk`)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.cols = 0           # the rectangle: `cols` wide ...
        self.rows = 0           # ... and `rows` tall
        self.carry = b""
        self.odd = False
        self.exact = False
        self.prefix = b""
        self._rx: re.Pattern[bytes] | None = None
        self._tag: re.Pattern[bytes] | None = None
        self._head: re.Pattern[bytes] | None = None
        self._any: re.Pattern[bytes] | None = None
        self._found = 0

    def _start(self, buf: bytes, end: int) -> None:
        root = _ROOT.search(buf, 0, min(end, 1 << 16))
        self.prefix = (root.group(1) + b":") if root and root.group(1) else b""
        p = re.escape(b"<" + self.prefix)
        self._tag = re.compile(p + rb'c r="([A-Z]{1,3})0*(\d{1,7})"[^<>]*?(/?)>')
        self._head = re.compile(p + rb'c r="([A-Z]{1,3})\d{1,7}"[^<>]*?(?<!/)>')
        self._any = re.compile(p + rb"c[\s>/]")

    def _measure(self, buf: bytes, start: int, end: int) -> None:
        """The rectangle, from the cells in the first bytes of the sheet's data (its header row)."""
        assert self._head is not None
        head = self._head.findall(buf, start, min(end, start + _WINDOW))
        self.cols = max(map(column_index, set(head)), default=0)
        self.rows = rows_allowed(self.cols, self.limits) if self.cols else 0
        self._rx = _outside(self.prefix, self.cols, self.rows)

    def feed(self, chunk: bytes) -> None:
        if not (self.odd or self.exact):
            self.carry = _feed_tags(self.carry, chunk, self._scan)

    def _scan(self, buf: bytes, end: int) -> None:
        if self._tag is None:
            self._start(buf, end)
        if self._rx is None:
            data = buf.find(b"sheetData", 0, end)
            if data >= 0:
                self._measure(buf, data, end)
        assert self._tag is not None and self._any is not None
        rx = self._rx or self._any      # before the sheet's data: every cell is looked at
        pos = 0
        while True:
            m = rx.search(buf, pos, end)
            if m is None:
                return
            tag = self._tag.match(buf, m.start(), end)
            if tag is None:
                self.odd = True
                return
            pos = tag.end()
            self._found += 1
            if self._found > _FOUND:
                self.exact = True
                return
            if tag.group(3) == b"/":
                continue        # no value: calamine skips it
            if column_index(tag.group(1)) > self.cols or int(tag.group(2)) > self.rows:
                self.exact = True
                return

    def close(self) -> None:
        if not (self.odd or self.exact) and self.carry:
            self._scan(self.carry, len(self.carry))
        self.carry = b""


class _XlsxValuedCells:
    """For a sheet whose tags are all plain but whose row tags reach too far: the extent of
    the cells that hold a value, each one looked at (a regular expression, still in C)."""

    def __init__(self, prefix: bytes) -> None:
        self.max_row = 0
        self.max_col = 0
        self.problem = ""
        self.carry = b""
        self._cells = re.compile(re.escape(b"<" + prefix) + rb'c r="([A-Z]{1,3})0*(\d{1,7})"[^<>]*?(?<!/)>')

    def feed(self, chunk: bytes) -> None:
        self.carry = _feed_tags(self.carry, chunk, self._scan)

    def _scan(self, buf: bytes, end: int) -> None:
        found = self._cells.findall(buf, 0, end)
        if found:
            self.max_row = max(self.max_row, max(int(r) for _c, r in found))
            self.max_col = max(self.max_col, max(column_index(c) for c in {c for c, _r in found}))

    def close(self) -> None:
        self._scan(self.carry, len(self.carry))
        self.carry = b""


class _XlsxExactWalk:
    """The same extent, element by element, for sheets written without cell references
    (or with them in another order): slow, and only for such files. Follows calamine: a
    row's r sets the row, a cell's r sets row and column, otherwise they count on."""

    def __init__(self) -> None:
        self.max_row = 0
        self.max_col = 0
        self.problem = ""
        self._parser = expat.ParserCreate()
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.CharacterDataHandler = self._text
        self._parser.StartDoctypeDeclHandler = _refuse_doctype
        self._parser.EntityDeclHandler = _refuse_doctype
        self._row = 0
        self._col = 0
        self._cell: tuple[int, int] | None = None
        self._in_v = False
        self._valued = False

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        local = tag.rsplit(":", 1)[-1]
        if local == "row":
            r = _ref_number(attrs.get("r", ""))
            self._row = r if r else self._row + 1
            self._col = 0
        elif local == "c":
            ref = _REF.fullmatch(attrs.get("r", "").upper())
            if ref:
                self._row = int(ref.group(2)) if ref.group(2) else self._row
                self._col = column_index(ref.group(1).encode())
            else:
                self._col += 1
            self._cell = (max(self._row, 1), max(self._col, 1))
            self._valued = False
        elif self._cell is not None:
            if local == "is":
                self._valued = True
            elif local == "v":
                self._in_v = True

    def _text(self, text: str) -> None:
        if self._in_v and text.strip():
            self._valued = True

    def _end(self, tag: str) -> None:
        local = tag.rsplit(":", 1)[-1]
        if local == "v":
            self._in_v = False
        elif local == "c" and self._cell is not None:
            if self._valued:
                self.max_row = max(self.max_row, self._cell[0])
                self.max_col = max(self.max_col, self._cell[1])
            self._cell = None

    def feed(self, chunk: bytes) -> None:
        if not self.problem:
            try:
                self._parser.Parse(chunk, False)
            except (expat.ExpatError, ValueError) as exc:
                self.problem = str(exc)

    def close(self) -> None:
        self.feed(b"")
        if not self.problem:
            try:
                self._parser.Parse(b"", True)
            except (expat.ExpatError, ValueError) as exc:
                self.problem = str(exc)


_REF = re.compile(r"([A-Z]{1,12})0*(\d{0,12})")


def _ref_number(text: str) -> int:
    return int(text) if text.isdigit() and len(text) <= 12 else 0


def _refuse_doctype(*args: object) -> None:
    raise ValueError("the XML declares a document type or entities, which a spreadsheet never needs")


# --- ods ---------------------------------------------------------------------------------

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def ods_repeat(attrs: dict[str, str], name: str) -> int:
    """A table:number-rows-repeated or -columns-repeated as calamine takes it: 1 when absent or not a number."""
    try:
        return max(1, int(attrs.get(f"{_TABLE} {name}", "1")))
    except ValueError:
        return 1


class _OdsScan:
    """Each table's extent with repeats expanded, as calamine fills its grid: the last row
    and column holding a value. Streamed through expat; a DTD is refused."""

    def __init__(self) -> None:
        self.tables: dict[str, tuple[int, int]] = {}
        self.spans: dict[str, list[tuple[tuple[int, int], tuple[int, int]]]] = {}   # as calamine's merged ranges
        self.problem = ""
        self._parser = expat.ParserCreate(namespace_separator=" ")
        self._parser.StartElementHandler = self._start
        self._parser.EndElementHandler = self._end
        self._parser.StartDoctypeDeclHandler = _refuse_doctype
        self._parser.EntityDeclHandler = _refuse_doctype
        self._table: str | None = None
        self._row = 0                   # rows before the current one
        self._row_rep = 1
        self._col = 0
        self._rows = 0
        self._cols = 0
        self._cell_depth = 0
        self._cell_valued = False
        self._cell_rep = 1
        self._row_last_col = 0
        self._depth = 0

    @staticmethod
    def _rep(attrs: dict[str, str], name: str) -> int:
        return ods_repeat(attrs, name)

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        if self._cell_depth:
            self._cell_depth += 1
            if tag.endswith((" p", " s", " span")):
                self._cell_valued = True
            return
        if tag == f"{_TABLE} table":
            self._table = attrs.get(f"{_TABLE} name", f"table {len(self.tables) + 1}")
            self._row = self._rows = self._cols = 0
        elif tag == f"{_TABLE} table-row":
            self._row_rep = self._rep(attrs, "number-rows-repeated")
            self._col = 0
            self._row_last_col = 0
        elif tag in (f"{_TABLE} table-cell", f"{_TABLE} covered-table-cell"):
            self._cell_depth = 1
            self._cell_rep = self._rep(attrs, "number-columns-repeated")
            self._cell_valued = f"{_OFFICE} value-type" in attrs
            down = self._rep(attrs, "number-rows-spanned")
            if down > 1 and self._table is not None:     # merged cells over several rows (ballots.sheets)
                across = self._rep(attrs, "number-columns-spanned")
                self.spans.setdefault(self._table, []).append(
                    ((self._row, self._col), (self._row + down - 1, self._col + across - 1)))

    def _end(self, tag: str) -> None:
        if self._cell_depth:
            self._cell_depth -= 1
            if self._cell_depth:
                return
            self._col += self._cell_rep
            if self._cell_valued:
                self._row_last_col = self._col
            return
        if tag == f"{_TABLE} table-row":
            self._row += self._row_rep
            if self._row_last_col:
                self._rows = self._row
                self._cols = max(self._cols, self._row_last_col)
        elif tag == f"{_TABLE} table" and self._table is not None:
            self.tables[self._table] = (self._rows, self._cols)
            self._table = None

    def feed(self, chunk: bytes) -> None:
        if self.problem:
            return
        try:
            self._parser.Parse(chunk, False)
        except (expat.ExpatError, ValueError) as exc:
            self.problem = str(exc)

    def close(self) -> None:
        if self.problem:
            return
        try:
            self._parser.Parse(b"", True)
        except (expat.ExpatError, ValueError) as exc:
            self.problem = str(exc)


# --- csv ---------------------------------------------------------------------------------


def check_csv(data: bytes, display: str, limits: Limits = DEFAULT_LIMITS) -> None:
    rows = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if rows > limits.max_rows:
        raise _too_many_rows(display, None, rows, limits)
    head = data[:65536]
    delimiter = max((b",", b";", b"\t"), key=lambda d: head.split(b"\n", 1)[0].count(d))
    cells = data.count(delimiter) + rows
    if cells > limits.max_cells:
        raise fail("E309", _("the CSV file holds about {cells:,} cells, beyond the limit of {limit:,}")
                           .format(cells=cells, limit=limits.max_cells),
                   _("raise the limit with --max-cells {cells}").format(cells=cells), Location(display))


def check_file_size(size: int, display: str, limits: Limits = DEFAULT_LIMITS) -> None:
    if size > limits.max_size:
        raise too_big(display, size, limits, "bytes on disk")
