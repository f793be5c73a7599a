"""A large .xlsx sheet read in two halves at once (issue 14).

python-calamine parses a sheet without holding the interpreter's lock, so two threads, each
parsing half of the sheet's rows, take about half the time of one on a machine with two cores
(a 3 M-cell sheet: 1.4 s -> 0.75 s). The pre-scan (ballots.limits.check_zip) has already
inflated the sheet's XML to measure it; it hands over the text of each large sheet whose
every cell is written plainly (``<c r="B7"``: a cell's place is its reference, never its order
in the file). That text is cut at a row tag near its middle; each half becomes a small zip
holding the workbook's other parts (stored, not compressed) and its own part: the text before
the rows, its half of the rows, the text after them. calamine reads each, and the two grids
are put together as one grid of the whole sheet (`Stitched`, which answers as calamine's
sheet does: start, end, to_python, iter_rows, merged_cell_ranges).

It gives exactly what one read gives, or nothing: a sheet is cut only where nothing can be
misread (no comment, CDATA or processing instruction in it, so every '<' opens a tag; the cut
right after a tag's end); either half failing to read, or the halves' rows not following
one another (a row written out of order), and the sheet is read whole, as before. The
halves read only the part cut in two: a sheet name calamine takes to another part finds it
missing and is read whole too. tests/test_halves.py holds every workbook the tests have to
this, cut at every row.
"""

from __future__ import annotations

import re
import struct
import threading
import zipfile
import zlib
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

SPLIT_AT = 4 * 1024 * 1024      # a sheet's XML below this (about 120,000 cells) is read in one piece

Piece = bytes | memoryview


@dataclass
class Halves:
    """A sheet cut in two: the workbook's other parts, and the sheet part's text for each half
    (as the pieces it was inflated in: zipped, and joined only by the reader, in its thread)."""

    sheet: str
    part: str
    others: list[tuple[str, bytes]]
    texts: list[list[Piece]]       # each half's, let go once the reader holds it


class Stitched:
    """Two halves of one sheet, answering as calamine's own sheet does."""

    def __init__(self, start: tuple[int, int] | None, end: tuple[int, int] | None, rows: list[list[object]],
                 merged: list[tuple[tuple[int, int], tuple[int, int]]] | None) -> None:
        self.start, self.end, self._rows, self.merged_cell_ranges = start, end, rows, merged

    def to_python(self) -> list[list[object]]:
        rows, self._rows = self._rows, []     # given once, as the reader's grid is read once
        return rows

    def iter_rows(self) -> Iterator[list[object]]:
        if self.start is None:
            return
        width = len(self._rows[0]) if self._rows else 0
        for _ in range(self.start[0]):
            yield [""] * width
        yield from self.to_python()


def worth_cutting(size: int) -> bool:
    return size >= SPLIT_AT


def plan(zf: zipfile.ZipFile, part: str, sheet: str, prefix: bytes, chunks: list[bytes],
         middle: int | None = None) -> Halves | None:
    """The two halves of sheet part `part` (its XML as `chunks`, the cut at the first row tag from
    `middle` on, else from the middle), or None where it is not cut."""
    text = _Text(chunks)
    if not worth_cutting(text.size) or text.has_markup():
        return None
    opened = text.search(re.escape(b"<" + prefix) + rb"sheetData[\s>]", 0)
    body = text.find(b">", opened) + 1 if opened >= 0 else 0
    closed = text.rfind(b"</" + prefix + b"sheetData")
    if not 0 < body < closed or text.byte(closed + len(prefix) + 11) != b">":
        return None
    # the cut: a row's tag right after another tag's end, from the middle on
    cut = text.search(rb"(?<=>)\s{0,64}" + re.escape(b"<" + prefix) + rb"row[\s>/]", max(body, text.size // 2 if middle is None else middle))
    if cut < 0 or cut >= closed:
        return None
    others = _others(zf, part)
    if others is None:
        return None
    head, tail = text.slice(0, body), text.slice(closed, text.size)
    return Halves(sheet, part, others, [[*head, *text.slice(body, cut), *tail],
                                        [*head, *text.slice(cut, closed), *tail]])


def read(halves: Halves) -> Stitched | None:
    """Both halves read at once (the second in a thread), put together; None: read it whole."""
    got: list[_Half | None] = [None, None]

    def one(i: int) -> None:
        got[i] = _read_half(halves, i)

    other = threading.Thread(target=one, args=(1,), name="tally-half", daemon=True)
    other.start()
    one(0)
    other.join()
    first, second = got
    if first is None or second is None:
        return None
    return _stitch(first, second)


_Half = tuple[tuple[int, int] | None, tuple[int, int] | None, list[list[object]],
              list[tuple[tuple[int, int], tuple[int, int]]] | None]


def _read_half(halves: Halves, i: int) -> _Half | None:
    from python_calamine import CalamineWorkbook

    try:
        text, halves.texts[i] = halves.texts[i], []
        book = CalamineWorkbook.from_filelike(_Reader(_zip(halves.others, halves.part, text)))
        del text            # the reader has its own copy: the inflated chunks go
        half = book.get_sheet_by_name(halves.sheet)
        book.close()        # the half's XML, held by the reader: let go before its grid is copied
        rows: list[list[object]] = half.to_python()  # type: ignore[assignment]   # list is invariant
        return half.start, half.end, rows, half.merged_cell_ranges
    except BaseException as exc:     # calamine's errors and a Rust panic: the sheet is read whole
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return None


def _stitch(first: _Half, second: _Half) -> Stitched | None:
    # the merged cells are written after the rows, in the text both halves hold: the first's serve
    (s1, e1, rows1, merged), (s2, e2, rows2, _merged) = first, second
    if s1 is None or e1 is None:
        return Stitched(s2, e2, rows2, merged)
    if s2 is None or e2 is None:
        return Stitched(s1, e1, rows1, merged)
    if e1[0] >= s2[0]:
        return None         # a row of the second half above the first's last: read it whole
    c0, c1 = min(s1[1], s2[1]), max(e1[1], e2[1])
    width = c1 - c0 + 1
    rows = _widen(rows1, s1[1] - c0, c1 - e1[1])
    rows.extend([""] * width for _ in range(s2[0] - e1[0] - 1))
    rows.extend(_widen(rows2, s2[1] - c0, c1 - e2[1]))
    return Stitched((s1[0], c0), (e2[0], c1), rows, merged)


def _widen(rows: list[list[object]], left: int, right: int) -> list[list[object]]:
    if not (left or right):
        return rows
    before, after = [""] * left, [""] * right
    return [before + row + after for row in rows]


class _Text:
    """The sheet's XML as the chunks it was inflated in, searched without joining them."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = [c for c in chunks if c]
        self.starts: list[int] = []
        size = 0
        for c in self.chunks:
            self.starts.append(size)
            size += len(c)
        self.size = size

    def _at(self, pos: int) -> int:
        return max(0, bisect_right(self.starts, pos) - 1)

    def search(self, pattern: bytes, start: int) -> int:
        """The first match of `pattern` (at most 64 bytes long) at or after `start`, or -1."""
        rx = re.compile(pattern)
        for i in range(self._at(start), len(self.chunks)):
            base = self.starts[i]
            # the chunk, with the start of the next for a match cut in two
            window = self.chunks[i] + (self.chunks[i + 1][:64] if i + 1 < len(self.chunks) else b"")
            m = rx.search(window, max(0, start - base))
            if m:
                return base + m.start()
        return -1

    def find(self, needle: bytes, start: int = 0) -> int:
        return self.search(re.escape(needle), start)

    def rfind(self, needle: bytes) -> int:
        """The last `needle` (a few bytes long), or -1."""
        for i in range(len(self.chunks) - 1, -1, -1):
            window = self.chunks[i] + (self.chunks[i + 1][:len(needle)] if i + 1 < len(self.chunks) else b"")
            at = window.rfind(needle)
            if at >= 0:
                return self.starts[i] + at
        return -1

    def has_markup(self, most: int = 1000) -> bool:
        """Whether the text may hold a comment, CDATA, a document type or a processing instruction
        after the XML declaration, where a '<' need not open a tag (or `most` '!' or '?' found:
        not looked at further). memchr over the text: 10 ms for 100 MB."""
        found = 0
        for i, chunk in enumerate(self.chunks):
            for mark in (b"!", b"?"):
                at = chunk.find(mark)
                while at >= 0:
                    found += 1
                    before = chunk[at - 1:at] if at else (self.chunks[i - 1][-1:] if i else b"")
                    if found > most or (before == b"<" and not (mark == b"?" and self.starts[i] + at < 64)):
                        return True
                    at = chunk.find(mark, at + 1)
        return False

    def byte(self, pos: int) -> bytes:
        i = self._at(pos)
        return self.chunks[i][pos - self.starts[i]:pos - self.starts[i] + 1]

    def slice(self, lo: int, hi: int) -> list[Piece]:
        out: list[Piece] = []
        for i in range(self._at(lo), len(self.chunks)):
            base, chunk = self.starts[i], self.chunks[i]
            if base >= hi:
                break
            a, b = max(lo - base, 0), min(hi - base, len(chunk))
            if a < b:
                out.append(chunk if (a, b) == (0, len(chunk)) else memoryview(chunk)[a:b])
        return out


def _others(zf: zipfile.ZipFile, part: str) -> list[tuple[str, bytes]] | None:
    """The workbook's parts a reader needs besides the sheet: all but the other sheets and the media."""
    out = []
    try:
        for info in zf.infolist():
            low = info.filename.lower()
            if info.is_dir() or info.filename == part or low.startswith("xl/media/") or \
                    (low.startswith("xl/worksheets/") and low.endswith(".xml")):
                continue
            out.append((info.filename, zf.read(info)))
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError, zlib.error):
        return None
    return out


# A zip of stored members, written by hand: the sheet's half stays as the pieces it was inflated
# in (zipfile would join it into one copy more), zipped in the thread that reads it.
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")
_UTF8 = 0x800


def _zip(others: list[tuple[str, bytes]], part: str, text: list[Piece]) -> list[Piece]:
    """A zip of the parts `others` and the sheet part, all stored, as pieces."""
    pieces: list[Piece] = []
    central: list[bytes] = []
    offset = 0
    members: list[tuple[str, Sequence[Piece]]] = [(n, [d]) for n, d in others] + [(part, text)]
    for name, data in members:
        raw = name.encode("utf-8")
        size = crc = 0
        for d in data:          # zlib lets go of the interpreter's lock over a long piece
            crc = zlib.crc32(d, crc)
            size += len(d)
        pieces.append(_LOCAL.pack(0x04034B50, 20, _UTF8, 0, 0, 0x21, crc, size, size, len(raw), 0) + raw)
        pieces.extend(data)
        central.append(_CENTRAL.pack(0x02014B50, 20, 20, _UTF8, 0, 0, 0x21, crc, size, size, len(raw), 0, 0, 0, 0,
                                     0, offset) + raw)
        offset += _LOCAL.size + len(raw) + size
    directory = b"".join(central)
    pieces.append(directory + _END.pack(0x06054B50, 0, 0, len(central), len(central), len(directory), offset, 0))
    return pieces


class _Reader:
    """A file over the pieces, read once from the start to the end, as
    CalamineWorkbook.from_filelike reads a file into its own memory: each piece is let go once
    read, and a read gives at most a piece (short reads: the caller asks again), so the text is
    never held twice over in full. Going back (a seek behind) fails: the sheet is read whole."""

    def __init__(self, pieces: list[Piece]) -> None:
        self.pieces: list[Piece | None] = list(pieces)
        self.index = self.offset = self.pos = 0
        self.size = sum(len(p) for p in pieces)

    def read(self, n: int | None = -1) -> bytes:
        while self.index < len(self.pieces):
            piece = self.pieces[self.index]
            assert piece is not None
            if self.offset < len(piece) and n != 0:
                take = len(piece) - self.offset if n is None or n < 0 else min(n, len(piece) - self.offset)
                out = bytes(piece[self.offset:self.offset + take])
                self.offset += take
                self.pos += take
                return out
            self.pieces[self.index] = None      # read: let it go
            self.index, self.offset = self.index + 1, 0
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        target = offset if whence == 0 else self.pos + offset if whence == 1 else self.size + offset
        if target != self.pos:
            raise OSError("the halves of a sheet are read once, from the start")
        return self.pos

    def tell(self) -> int:
        return self.pos
