"""tally/snapshot.py: the strict reader's XML parsing.

The reader builds the trees of what tally and the spreadsheet programs write (UTF-8, no
document type declaration) with ElementTree's C parser, and sends everything else through
defusedxml. These tests hold the two to the same trees on every fixture, and the routing
to its promise: no entity is ever declared, expanded or fetched on the fast path.
"""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path
from xml.etree.ElementTree import Element

import pytest
from conftest import DATA, SAMPLES
from defusedxml import ElementTree as Defused  # type: ignore[import-untyped]
from fuzzing import SIGNED, mutate_member_xml

from tally.snapshot import _MEMO, NotAWorkbook, Snapshot, _Memo, _plain_utf8, parse_xml, read_snapshot


def _tree(node: Element) -> tuple[object, ...]:
    return (node.tag, sorted(node.attrib.items()), node.text, node.tail, [_tree(c) for c in node])


def _xml_parts(book: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist() if i.filename.endswith((".xml", ".rels"))]


FIXTURES = sorted([*DATA.rglob("*.xlsx"), *SAMPLES.glob("*.xlsx")])


def _readable(path: Path) -> list[tuple[str, bytes]]:
    try:
        return _xml_parts(path.read_bytes())
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError):
        return []


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_part_of_every_fixture_parses_to_the_tree_defusedxml_builds(path: Path) -> None:
    parts = _readable(path)
    for name, body in parts:
        try:
            want = _tree(Defused.fromstring(body))
        except Exception as exc:  # noqa: BLE001 - then the fast path must fail too
            with pytest.raises(type(exc)):
                parse_xml(body)
            continue
        assert _tree(parse_xml(body)) == want, f"{path.name} › {name}"


def test_damaged_parts_fail_the_same_way_on_both_paths() -> None:
    rng = random.Random(14)
    seen_broken = 0
    for _ in range(60):
        book = mutate_member_xml(SIGNED.read_bytes(), rng)
        for name, body in _xml_parts(book):
            try:
                want: object = _tree(Defused.fromstring(body))
            except Exception as exc:  # noqa: BLE001
                want = type(exc)
                seen_broken += 1
            try:
                got: object = _tree(parse_xml(body))
            except Exception as exc:  # noqa: BLE001
                got = type(exc)
            assert got == want, name
    assert seen_broken > 10          # the mutations really broke parts


_SHEET = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
          b'<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row></sheetData></worksheet>')
_DTD = b'<!DOCTYPE worksheet [<!ENTITY e "expanded">]>'


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0" encoding="UTF-8"?>' + _DTD + _SHEET,
    _DTD + _SHEET,
    b"\xef\xbb\xbf" + _DTD + _SHEET,
    (b'<?xml version="1.0" encoding="UTF-16"?>' + _DTD + _SHEET).decode().encode("utf-16"),
    (b'<?xml version="1.0" encoding="UTF-16"?>' + _DTD + _SHEET).decode().encode("utf-16-le"),
    (b'<?xml version="1.0" encoding="UTF-16"?>' + _DTD + _SHEET).decode().encode("utf-16-be"),
], ids=["utf-8", "no-declaration", "bom", "utf-16", "utf-16-le", "utf-16-be"])
def test_an_entity_declaration_is_refused_in_any_encoding(body: bytes) -> None:
    assert not _plain_utf8(body)
    with pytest.raises(Exception, match="(?i)entit"):
        parse_xml(body)


@pytest.mark.parametrize("declaration", [b'encoding="cp037"', b"encoding='latin-1'", b'encoding = "ascii"',
                                         b'encoding="utf-16"', b'standalone="yes" encoding="x"'])
def test_any_encoding_but_utf8_goes_through_defusedxml(declaration: bytes) -> None:
    body = b'<?xml version="1.0" ' + declaration + b"?>" + _SHEET.replace(b"&e;", b"x")
    assert not _plain_utf8(body)


@pytest.mark.parametrize("body", [_SHEET, b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + _SHEET,
                                  b"<?xml version='1.0' encoding='utf-8'?>" + _SHEET, b"\xef\xbb\xbf" + _SHEET,
                                  b'<?xml version="1.0"?>' + _SHEET])
def test_what_tally_and_the_spreadsheet_programs_write_takes_the_fast_path(body: bytes) -> None:
    assert _plain_utf8(body)


def _with_part(book: bytes, part: str, body: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, body if info.filename == part else src.read(info))
    return out.getvalue()


def test_an_unknown_encoding_is_not_a_workbook_not_a_crash() -> None:
    sheet = _xml_parts(SIGNED.read_bytes())
    name, body = next((n, b) for n, b in sheet if n.startswith("xl/worksheets/"))
    body = body[body.index(b"?>") + 2:] if body.startswith(b"<?xml") else body
    book = _with_part(SIGNED.read_bytes(), name, b'<?xml version="1.0" encoding="no-such-codec"?>' + body)
    with pytest.raises(NotAWorkbook, match="LookupError"):
        read_snapshot(book)


# --- parts read before (tally.snapshot._MEMO) ----------------------------------------------


def _read_or_refusal(book: bytes) -> object:
    try:
        return read_snapshot(book)
    except NotAWorkbook as exc:
        return f"NotAWorkbook: {exc}"


def _cold(book: bytes) -> object:
    _MEMO.clear()
    return _read_or_refusal(book)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_a_workbook_read_again_reads_as_it_did_the_first_time(path: Path) -> None:
    raw = path.read_bytes()
    cold = _cold(raw)
    assert _read_or_refusal(raw) == cold          # its parts now come from the memo, problems included
    if isinstance(cold, Snapshot):
        assert _read_or_refusal(raw) is not cold and _MEMO._kept


def test_a_damaged_part_is_read_afresh_beside_parts_read_before() -> None:
    rng = random.Random(1414)
    signed = SIGNED.read_bytes()
    differ = 0
    for _ in range(60):
        book = mutate_member_xml(signed, rng)
        _MEMO.clear()
        read_snapshot(signed)                     # every part of the original is known
        warm = _read_or_refusal(book)
        cold = _cold(book)
        assert warm == cold
        differ += warm != read_snapshot(signed)
    assert differ > 30


def test_a_sheet_is_read_under_its_own_style_table() -> None:
    signed = SIGNED.read_bytes()
    styles = dict(_xml_parts(signed))["xl/styles.xml"]
    bigger = styles.replace(b'<sz val="', b'<sz val="1', 1)
    assert bigger != styles
    book = _with_part(signed, "xl/styles.xml", bigger)
    read_snapshot(signed)
    warm = read_snapshot(book)
    assert warm == _cold(book) and warm != read_snapshot(signed)
    assert {s.cells[r].look for s in warm.detail.values() for r in s.cells} \
        != {s.cells[r].look for s in read_snapshot(signed).detail.values() for r in s.cells}


def test_a_workbook_with_foreign_parts_reports_them_each_time() -> None:
    drawing = (DATA / "tampered" / "drawing.xlsx").read_bytes()
    first = read_snapshot(drawing).problems
    assert [p for p in first if p.code == "E920"]
    assert read_snapshot(drawing).problems == first
    assert read_snapshot(SIGNED.read_bytes()).problems == ()


def test_the_memo_keeps_no_more_than_its_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    parts = dict(_xml_parts(SIGNED.read_bytes()))
    sheets = [len(b) for n, b in parts.items() if n.startswith("xl/worksheets/") and not n.endswith(".rels")]
    monkeypatch.setattr(_Memo, "MAX_BYTES", max(sheets) + 1)
    monkeypatch.setattr(_Memo, "MAX_PART", max(sheets) - 1)
    _MEMO.clear()
    snap = read_snapshot(SIGNED.read_bytes())
    assert 0 < _MEMO._bytes <= max(sheets) + 1
    assert all(size < max(sheets) for size, _read in _MEMO._kept.values())     # the largest was not kept
    assert read_snapshot(SIGNED.read_bytes()) == snap == _cold(SIGNED.read_bytes())
