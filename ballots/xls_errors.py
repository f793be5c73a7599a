"""Cells of an .xls (BIFF8) file that show a spreadsheet error (#N/A, #REF!...), which calamine
reads as empty cells (see ballots.cellerrors for why that matters on a ballot sheet).

calamine gives no way to tell them, so the file's records are read here: the compound file's
"Workbook" stream, its sheets (BOUNDSHEET), and in each sheet the BOOLERR and FORMULA records
whose value is an error. Runs in the .xls reader's child process (ballots.xls_child), with its
memory cap, and imports nothing: a damaged or hostile file gives what could be read, never more
work than the file's size.
"""

from __future__ import annotations

import re
import struct

ERROR_TEXTS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?", 0x24: "#NUM!",
               0x2A: "#N/A", 0x2B: "#GETTING_DATA"}
_END = 0xFFFFFFFE
_FREE = 0xFFFFFFFF


def _chain(fat: list[int], first: int, limit: int) -> list[int]:
    out: list[int] = []
    sector = first
    while sector < limit and len(out) <= limit:     # a loop in the table ends at `limit` steps
        out.append(sector)
        sector = fat[sector] if sector < len(fat) else _END
    return out


def workbook_stream(data: bytes) -> bytes:
    """The "Workbook" (or "Book") stream of a compound file; b"" when it cannot be found."""
    if len(data) < 512 or data[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return b""
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if not 7 <= shift <= 16 or not 2 <= mini_shift < shift:
        return b""
    size, mini_size = 1 << shift, 1 << mini_shift
    n_sectors = (len(data) - 512) // size + 1
    (n_fat, first_dir, cutoff, first_minifat, n_minifat, first_difat, n_difat) = struct.unpack_from(
        "<II4xIIIII", data, 0x2C)

    def sector(n: int) -> bytes:
        start = 512 + n * size
        return data[start:start + size]

    difat = list(struct.unpack_from("<109I", data, 0x4C))
    d = first_difat
    for _ in range(min(n_difat, n_sectors)):
        if d >= n_sectors:
            break
        block = sector(d)
        if len(block) < size:
            break
        entries = struct.unpack_from(f"<{size // 4}I", block)
        difat.extend(entries[:-1])
        d = entries[-1]
    fat: list[int] = []
    for s in difat[:n_fat]:
        if s >= n_sectors:
            break
        block = sector(s)
        fat.extend(struct.unpack_from(f"<{len(block) // 4}I", block))

    def read(first: int) -> bytes:
        return b"".join(sector(s) for s in _chain(fat, first, n_sectors))

    directory = read(first_dir)
    root_start = 0
    root_size = 0
    found: tuple[int, int] | None = None
    for off in range(0, len(directory) - 127, 128):
        name_len = struct.unpack_from("<H", directory, off + 64)[0]
        name = directory[off:off + min(name_len, 64)].decode("utf-16-le", "replace").rstrip("\x00")
        kind = directory[off + 66]
        start, stream_size = struct.unpack_from("<II", directory, off + 116)
        if kind == 5:
            root_start, root_size = start, stream_size
        elif kind == 2 and name in ("Workbook", "Book") and found is None:
            found = (start, stream_size)
    if found is None:
        return b""
    start, stream_size = found
    if stream_size >= cutoff:
        return read(start)[:stream_size]
    mini_stream = read(root_start)[:root_size]
    minifat = b"".join(sector(s) for s in _chain(fat, first_minifat, n_sectors)[:n_minifat])
    mini = list(struct.unpack_from(f"<{len(minifat) // 4}I", minifat))
    pieces = _chain(mini, start, len(mini_stream) // mini_size + 1)
    return b"".join(mini_stream[m * mini_size:(m + 1) * mini_size] for m in pieces)[:stream_size]


# A BOOLERR record holding an error, or a FORMULA record whose cached value is one, anywhere: one
# search in C, so that a sheet without any is not walked record by record in Python. A FORMULA
# record is 20 bytes long or more: its length's low byte is at least 0x14, or its high byte not 0.
_MAYBE = re.compile(rb"\x05\x02\x08\x00.{7}\x01|\x06\x00(?:[\x14-\xff].|.[\x01-\xff]).{6}\x02.{5}\xff\xff",
                    re.DOTALL)


def error_cells(data: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet name -> {(row from 1, column from 0): the error's text} of an .xls file's bytes."""
    stream = workbook_stream(data)
    if not _MAYBE.search(stream):
        return {}
    sheets: dict[int, str] = {}          # the offset of a sheet's BOF -> its name
    pos = 0
    while pos + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, pos)
        body = stream[pos + 4:pos + 4 + length]
        if kind == 0x0085 and len(body) >= 8:                 # BOUNDSHEET: where a sheet starts, its name
            offset = struct.unpack_from("<I", body, 0)[0]
            cch, high = body[6], body[7]
            raw = body[8:8 + cch * (2 if high & 1 else 1)]
            sheets[offset] = raw.decode("utf-16-le" if high & 1 else "latin-1", "replace")
        elif kind == 0x000A:                                  # EOF of the workbook globals
            break
        pos += 4 + length
    out: dict[str, dict[tuple[int, int], str]] = {}
    budget = 2 * len(stream)             # bytes walked over all sheets: sheets that overlap cannot make it n²
    for offset, name in sheets.items():
        cells: dict[tuple[int, int], str] = {}
        pos = offset
        while pos + 4 <= len(stream) and budget > 0:
            budget -= 4
            kind, length = struct.unpack_from("<HH", stream, pos)
            body = stream[pos + 4:pos + 4 + length]
            if kind == 0x000A:                                # the sheet's EOF
                break
            if kind == 0x0205 and len(body) >= 8 and body[7] == 1:           # BOOLERR holding an error
                row, col = struct.unpack_from("<HH", body, 0)
                cells[(row + 1, col)] = ERROR_TEXTS.get(body[6], "#VALUE!")
            elif kind == 0x0006 and len(body) >= 14 and body[6] == 2 and body[12:14] == b"\xff\xff":
                row, col = struct.unpack_from("<HH", body, 0)          # FORMULA whose cached value is an error
                cells[(row + 1, col)] = ERROR_TEXTS.get(body[8], "#VALUE!")
            pos += 4 + length
            budget -= length
        if cells:
            out[name] = cells
    return out


def put_in(values: list[list[object]], errors: dict[tuple[int, int], str], first_col: int) -> None:
    """Each error's text into the reader's rows (from row 1, values from column `first_col`), in place."""
    for (row, col), text in errors.items():
        index = col - first_col
        if 1 <= row <= len(values) and index >= 0:
            cells = values[row - 1]
            if index >= len(cells):
                cells.extend([""] * (index + 1 - len(cells)))
            cells[index] = text
