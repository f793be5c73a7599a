"""A large .xlsx sheet read in two halves at once (ballots.halves) gives exactly what one read
gives, or is read whole: every workbook the tests hold, cut at every row; sheets written so that
a cut could be misread (comments, CDATA, rows out of order) are never read in halves wrongly."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from ballot_fixtures import DATA, EVENT

from ballots import halves, limits
from ballots.errors import TallyError
from ballots.sheets import open_ballot_file
from tally import pipeline

ROOT = Path(__file__).resolve().parent.parent
WORKBOOKS = sorted({*ROOT.glob("tests/data/**/*.xlsx"), *ROOT.glob("samples/**/*.xlsx")})


def _whole(data: bytes, sheet: str) -> tuple[object, ...]:
    from python_calamine import CalamineWorkbook

    read = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet)
    return read.start, read.end, read.to_python(), list(read.iter_rows()), read.merged_cell_ranges


def _halves(cut: halves.Halves) -> tuple[object, ...] | None:
    both = halves.read(cut)
    if both is None:
        return None
    rows = both.to_python()
    again = halves.Stitched(both.start, both.end, [list(r) for r in rows], both.merged_cell_ranges)
    return both.start, both.end, rows, list(again.iter_rows()), both.merged_cell_ranges


def _plain_sheets(data: bytes) -> list[tuple[str, str, bytes]]:
    """(part, sheet name, XML) of each sheet the pre-scan finds written plainly."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        out = []
        for part, sheet in limits.sheet_names(zf).items():
            try:
                xml = zf.read(part)
            except KeyError:
                continue
            scan = limits._XlsxSheetScan(limits.DEFAULT_LIMITS)
            scan.feed(xml)
            scan.close()
            if not (scan.odd or scan.exact) and not scan.prefix:
                out.append((part, sheet, xml))
        return out


def _readable(data: bytes, sheet: str) -> bool:
    try:
        _whole(data, sheet)
    except BaseException:   # noqa: BLE001 - a damaged fixture: its own tests say what it gives
        return False
    return True


@pytest.mark.parametrize("path", WORKBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_workbook_cut_at_every_row_reads_as_one_read(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(halves, "SPLIT_AT", 0)
    data = path.read_bytes()
    if not data.startswith(b"PK"):
        pytest.skip("not a zip")
    try:
        sheets = _plain_sheets(data)
    except (zipfile.BadZipFile, NotImplementedError):
        pytest.skip("a damaged zip: its own tests say what it gives")
    cuts = 0
    for part, sheet, xml in sheets:
        if not _readable(data, sheet):
            continue
        whole = _whole(data, sheet)
        rows = [m.start() for m in re.finditer(rb"<row[\s>/]", xml)]
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for at in rows:
                # the text in small chunks, so that each search crosses from one to the next
                chunks = [xml[i:i + 97] for i in range(0, len(xml), 97)]
                cut = halves.plan(zf, part, sheet, b"", chunks, middle=at)
                if cut is None:
                    continue
                got = _halves(cut)
                assert got is None or got == whole, (sheet, at)
                cuts += got is not None
    if any(_readable(data, s) and len(re.findall(rb"<row[\s>/]", x)) > 1 for _, s, x in sheets) \
            and b"<!" not in b"".join(x for _, _, x in sheets):
        assert cuts, "a plain sheet of several rows was never read in halves"


def _sheet_zip(body: bytes, extra_tail: bytes = b"") -> bytes:
    """good.xlsx with its first sheet's XML replaced by `body` (the rows) around a plain head."""
    raw = (DATA / "good.xlsx").read_bytes()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        first = next(iter(limits.sheet_names(zin)))
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == first:
                data = (b'<?xml version="1.0" encoding="UTF-8"?>'
                        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                        b"<sheetData>" + body + b"</sheetData>" + extra_tail + b"</worksheet>")
            zout.writestr(info, data)
    return out.getvalue()


def _cut_always(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every sheet read from now on is cut (the threshold 0); the list gets what each read in
    halves gave (None: read whole)."""
    read = halves.read
    seen: list[object] = []
    monkeypatch.setattr(halves, "SPLIT_AT", 0)
    monkeypatch.setattr("ballots.sheets.read_halves", lambda cut: seen.append(read(cut)) or seen[-1])
    return seen


def _rows(first: int, last: int) -> bytes:
    return b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>x</t></is></c></row>'
                    % (r, r, r, r) for r in range(first, last + 1))


HOSTILE = {
    # a comment holding rows, across the middle: one read skips them
    "comment": _rows(1, 30) + b"<!-- " + _rows(31, 60) + b" -->" + _rows(61, 90),
    "cdata": _rows(1, 30) + b'<row r="31"><c r="A31" t="inlineStr"><is><t><![CDATA[' + _rows(32, 60)
             + b"]]></t></is></c></row>" + _rows(61, 90),
    "instruction": _rows(1, 30) + b"<?tally " + _rows(31, 60) + b" ?>" + _rows(61, 90),
    # rows written out of order: the second half holds rows above the first half's last
    "out_of_order": _rows(50, 90) + _rows(1, 49),
    "one_row_twice": _rows(1, 60) + _rows(30, 30) + _rows(61, 90),
    # the text after the rows holds another sheetData
    "two_sheet_data": _rows(1, 90) + b"</sheetData><sheetData>" + _rows(91, 92),
}


# what becomes of each: not cut (markup seen), cut but read whole (the halves disagree), cut
FATE = {"comment": "not cut", "cdata": "not cut", "instruction": "not cut", "out_of_order": "read whole",
        "one_row_twice": "read whole", "two_sheet_data": "cut"}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_sheet_that_could_be_misread_in_halves_reads_as_one_read(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(_sheet_zip(HOSTILE[name]))
    sheet = open_ballot_file(path).sheet_names[0]

    def table() -> object:
        try:
            return open_ballot_file(path).sheet(sheet).table()
        except TallyError as exc:
            return [d.code for d in exc.diagnostics]

    whole = table()
    seen = _cut_always(monkeypatch)
    assert table() == whole
    fate = "not cut" if not seen else "read whole" if seen == [None] else "cut"
    assert fate == FATE[name]


@pytest.mark.parametrize("twice", ["same", "other case"])
def test_a_workbook_with_a_part_named_twice_is_not_cut(monkeypatch: pytest.MonkeyPatch, twice: str) -> None:
    raw = _sheet_zip(_rows(1, 90))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, zipfile.ZipFile(out, "w") as zout:
        first = next(iter(limits.sheet_names(zin)))
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        with pytest.warns(UserWarning) if twice == "same" else _nothing():
            zout.writestr(first if twice == "same" else first.upper(), b"<worksheet><sheetData>" + _rows(1, 3)
                          + b"</sheetData></worksheet>")
    monkeypatch.setattr(halves, "SPLIT_AT", 0)
    found: dict[str, halves.Halves] = {}
    limits.check_zip(out.getvalue(), "xlsx", "t.xlsx", halves=found)
    assert found == {}


def _nothing() -> object:
    from contextlib import nullcontext

    return nullcontext()


def test_a_sheet_is_cut_only_within_an_eighth_of_the_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _sheet_zip(_rows(1, 90))
    monkeypatch.setattr(halves, "SPLIT_AT", 0)
    found: dict[str, halves.Halves] = {}
    limits.check_zip(data, "xlsx", "t.xlsx", halves=found)
    assert found
    size = len(b"".join(found[next(iter(found))].texts[0]))
    monkeypatch.setattr(limits, "physical_memory", lambda: 8 * size)   # each half less than the whole text
    found.clear()
    limits.check_zip(data, "xlsx", "t.xlsx", halves=found)
    assert found == {}


def test_the_markup_search_finds_each_kind_wherever_a_chunk_ends() -> None:
    xml = b'<?xml version="1.0"?><worksheet><sheetData>' + _rows(1, 5) + b"<!-- x -->" + _rows(6, 9)
    for size in (1, 2, 3, 7, 50):
        chunks = [xml[i:i + size] for i in range(0, len(xml), size)]
        assert halves._Text(chunks).has_markup(), size
        plain = xml.replace(b"<!-- x -->", b"")
        assert not halves._Text([plain[i:i + size] for i in range(0, len(plain), size)]).has_markup(), size
    assert halves._Text([b'<?xml version="1.0"?><a>Is it? Yes!</a>']).has_markup() is False
    assert halves._Text([b"<a>?" * 1001]).has_markup() is True     # too many to look at: not cut


def test_the_reader_gives_the_pieces_once_and_refuses_to_go_back() -> None:
    reader = halves._Reader([b"abc", memoryview(b"defgh")[1:4], b"", b"ij"])
    assert reader.size == 8
    assert reader.read(2) == b"ab" and reader.read() == b"c" and reader.read(10) == b"efg"
    assert reader.tell() == 6 and reader.seek(0, 1) == 6
    with pytest.raises(OSError):
        reader.seek(0)
    assert reader.read() == b"ij" and reader.read() == b""


CHECKED = ["good.xlsx", "bad_mark.xlsx", "bad_status.xlsx", "dup_number.xlsx", "error_cells.xlsx",
           "merged_status.xlsx", "header_row3.xlsx", "marks_spellings.xlsx", "offset_bad_mark.xlsx"]


@pytest.mark.parametrize("name", CHECKED)
def test_a_check_and_a_count_read_in_halves_are_those_read_whole(monkeypatch: pytest.MonkeyPatch,
                                                                  name: str) -> None:
    ballots = [DATA / name]

    def outcome() -> tuple[object, ...]:
        checked = pipeline.check(EVENT, ballots)
        diagnostics = [d.to_dict() for d in checked.diagnostics]
        return (diagnostics, None) if checked.has_errors else (diagnostics, pipeline.count_results(checked)[1])

    whole = outcome()
    stitched = _cut_always(monkeypatch)
    assert outcome() == whole
    assert stitched and all(s is not None for s in stitched), "each sheet was read in halves"
