"""Printable ballots (tally/printable.py): the official layout, pages, and the PDF LibreOffice makes."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import DATA, SAMPLES, run_tally
from pdftools import convert, pdf_pages, squash
from test_entry import write_event

from ballots.event import load_event
from tally.printable import ONE_PAGE_MAX, ballot_workbook, page_breaks, page_room

A4 = (595.3, 841.9)


def texts(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[str]:
    return [str(c.value) for row in ws.iter_rows() for c in row if c.value is not None]


def build(path: Path) -> tuple[openpyxl.Workbook, tuple]:
    event, _ = load_event(path)
    data, forms = ballot_workbook(event)
    return openpyxl.load_workbook(io.BytesIO(data)), forms


def test_sample_forms_follow_the_official_layout() -> None:
    event, _ = load_event(SAMPLES / "event.toml")
    wb, forms = build(SAMPLES / "event.toml")
    assert wb.sheetnames == [g.id for g in event.groups]
    for group, form in zip(event.groups, forms):
        ws = wb[group.id]
        words = texts(ws)
        assert words[:4] == ["ĐẢNG BỘ KHỐI CÁC CƠ QUAN TỈNH", "ĐẢNG CỘNG SẢN VIỆT NAM",
                             "ĐẢNG BỘ SỞ GIAO THÔNG VẬN TẢI TỈNH HÒA BÌNH AN", "*"]
        assert group.title.upper() in words and event.title in words
        instruction = next(w for w in words if w.startswith("Mỗi người chỉ đánh dấu"))
        assert "một ô" in instruction and "có thể ký tên hoặc không ký tên" in instruction
        head = words.index("TT")
        assert words[head:head + 7] == ["TT", "Họ và tên", "Chức vụ", "Mức độ tín nhiệm",
                                        "Tín nhiệm cao", "Tín nhiệm", "Tín nhiệm thấp"]
        persons = event.persons_on(group)
        rows = [[ws.cell(r, c).value for c in range(1, 8)] for r in range(ws.max_row - len(persons) + 1,
                                                                             ws.max_row + 1)]
        assert rows == [[n, p.name, "; ".join(event.titles_on(p, group)), None, None, None, None]
                        for n, p in enumerate(persons, start=1)]
        # The boxes: bordered on all sides, tall enough to mark by hand (at least 8.5 mm).
        last = ws.max_row
        for col in "EFG":
            border = ws[f"{col}{last}"].border
            assert all(getattr(border, side).style == "thin" for side in ("left", "right", "top", "bottom"))
        assert ws.row_dimensions[last].height >= 24
        assert ws.column_dimensions["E"].width * 6 >= 50     # points: about 2 cm wide
        assert form.pages == 1 and form.persons == len(persons)


def test_page_setup_a4_portrait_times_new_roman() -> None:
    wb, _ = build(SAMPLES / "event.toml")
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert int(ps.paperSize) == 9 and ps.orientation == "portrait"
        assert ws.sheet_properties.pageSetUpPr.fitToPage and int(ps.fitToWidth) == 1 and int(ps.fitToHeight) == 1
        assert ps.useFirstPageNumber and int(ps.firstPageNumber) == 1
        assert ws.oddFooter.center.text == "Trang &P/1"
        fonts = {c.font.name for row in ws.iter_rows() for c in row if c.value is not None}
        assert fonts == {"Times New Roman"}
        assert re.fullmatch(r"\$\d+:\$\d+", ws.print_title_rows or "")


def test_state_rule_set_and_english(tmp_path: Path) -> None:
    wb, _ = build(write_event(tmp_path / "nq.toml", {"hdnd": 3}, rules="nq96-2023"))
    words = texts(wb["hdnd"])
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in words and "Độc lập - Tự do - Hạnh phúc" in words
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" not in words
    wb, _ = build(write_event(tmp_path / "en.toml", {"bch": 3}, language="en"))
    words = texts(wb["bch"])
    assert "COMMUNIST PARTY OF VIETNAM" in words and "High confidence" in words and "Low confidence" in words
    assert any("Signing the ballot is optional" in w for w in words)
    assert wb["bch"].oddFooter.center.text == "Page &P of 1"


@pytest.mark.parametrize("people, pages", [(1, 1), (20, 1), (21, 2), (45, 2), (100, 4)])
def test_pages(tmp_path: Path, people: int, pages: int) -> None:
    wb, forms = build(write_event(tmp_path / "e.toml", {"bch": people}))
    ws = wb["bch"]
    (form,) = forms
    assert form.pages == pages and len(form.breaks) == pages - 1
    assert [b.id for b in ws.row_breaks.brk] == list(form.breaks)
    assert ws.oddFooter.center.text == f"Trang &P/{pages}"
    one_page = people <= ONE_PAGE_MAX
    assert int(ws.page_setup.fitToHeight) == (1 if one_page else 0)
    if not one_page:   # every page fits at full size, the table header repeated
        heights = {r: ws.row_dimensions[r].height for r in range(1, ws.max_row + 1)}
        first, last = (int(x) for x in ws.print_title_rows.replace("$", "").split(":"))
        title_h = sum(heights[r] for r in range(first, last + 1))
        starts = [1, *(b + 1 for b in form.breaks)]
        ends = [*form.breaks, ws.max_row]
        for i, (a, b) in enumerate(zip(starts, ends)):
            used = sum(heights[r] for r in range(a, b + 1)) + (title_h if i else 0)
            assert used <= page_room()
            if b < ws.max_row:      # and the page could not take the next row
                assert used + heights[b + 1] > page_room()


def test_page_breaks_never_split_the_header_from_the_first_row() -> None:
    heights = {r: 30.0 for r in range(1, 200)}
    breaks = page_breaks(heights, (10, 11))
    assert breaks and breaks[0] > 12


def test_byte_identical_and_fixed_times() -> None:
    event, _ = load_event(SAMPLES / "event.toml")
    first, second = ballot_workbook(event)[0], ballot_workbook(event)[0]
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_names_are_text_never_formulas(tmp_path: Path) -> None:
    wb, _ = build(write_event(tmp_path / "e.toml", {"bch": 2}, name="=1+{i}"))
    cells = [c for row in wb["bch"].iter_rows() for c in row if c.value is not None]
    assert "=1+1" in [c.value for c in cells]
    assert not [c for c in cells if c.data_type == "f"]


def test_cli_writes_and_refuses_to_replace(tmp_path: Path) -> None:
    out = tmp_path / "out" / "ballots.xlsx"
    proc = run_tally("ballots", SAMPLES / "event.toml", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert "btv" in proc.stdout and "print 25 copies" in proc.stdout
    before = out.read_bytes()
    proc = run_tally("ballots", SAMPLES / "event.toml", "-o", out)
    assert proc.returncode == 7 and "E601" in proc.stderr
    assert run_tally("ballots", SAMPLES / "event.toml", "-o", out, "--force").returncode == 0
    assert out.read_bytes() == before


def test_event_with_errors_lists_them_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "ballots.xlsx"
    proc = run_tally("ballots", DATA / "ballots" / "broken_event.toml", "-o", out)
    assert proc.returncode == 3 and "E101" in proc.stderr and not out.exists()
    bad = tmp_path / "bad.toml"
    bad.write_text((SAMPLES / "event.toml").read_text(encoding="utf-8")
                   .replace('positions = ["gd", "pgd"]', 'positions = ["gd", "nobody"]')
                   .replace("issued = 25", "issued = 26"), encoding="utf-8")
    proc = run_tally("ballots", bad, "-o", out)
    assert proc.returncode == 3 and "E106" in proc.stderr and not out.exists()
    bad.write_text((SAMPLES / "event.toml").read_text(encoding="utf-8").replace("issued = 25", "issued = 26"),
                   encoding="utf-8")
    proc = run_tally("ballots", bad, "-o", out)
    assert proc.returncode == 6 and "E202" in proc.stderr and not out.exists()


# --- the PDF, as LibreOffice prints it -------------------------------------------------------


def _render(tmp_path: Path, event_path: Path) -> list[tuple[str, tuple[float, float]]]:
    out = tmp_path / "ballots.xlsx"
    proc = run_tally("ballots", event_path, "-o", out)
    assert proc.returncode == 0, proc.stderr
    return pdf_pages(convert(out, "pdf", tmp_path / "pdf"))


@pytest.mark.libreoffice
def test_sample_pdf(tmp_path: Path) -> None:
    event, _ = load_event(SAMPLES / "event.toml")
    pages = _render(tmp_path, SAMPLES / "event.toml")
    assert len(pages) == len(event.groups)          # one page per form
    for (text, (w, h)), group in zip(pages, event.groups):
        assert w == pytest.approx(A4[0], abs=1) and h == pytest.approx(A4[1], abs=1)     # A4 portrait
        flat = squash(text)
        assert squash("ĐẢNG CỘNG SẢN VIỆT NAM") in flat and squash(group.title.upper()) in flat
        assert "Trang1/1" in flat
        for person in event.persons_on(group):
            assert squash(person.name) in flat


@pytest.mark.libreoffice
def test_long_forms_flow_onto_numbered_pages(tmp_path: Path) -> None:
    """Three forms in one workbook: 20 people (one page), 21 and 45 (several pages), each form
    numbered from its own page 1 with its own page count; long names and positions wrap."""
    event_path = write_event(tmp_path / "e.toml", {"a": 20, "b": 21, "c": 45},
                             name="Nguyễn Thị Phương Thảo {g} Số {i}")
    event, _ = load_event(event_path)
    _, forms = build(event_path)
    pages = _render(tmp_path, event_path)
    assert forms[0].pages == 1 and forms[1].pages >= 2 and forms[2].pages > forms[1].pages
    assert len(pages) == sum(f.pages for f in forms)
    at = 0
    for form, group in zip(forms, event.groups):
        mine = pages[at: at + form.pages]
        at += form.pages
        for n, (text, (w, h)) in enumerate(mine, start=1):
            assert w == pytest.approx(A4[0], abs=1) and h == pytest.approx(A4[1], abs=1)
            assert f"Trang{n}/{form.pages}" in squash(text)
            assert squash("Họ và tên") in squash(text)      # the table header on every page
        flat = squash("\n".join(t for t, _ in mine))
        for person in event.persons_on(group):
            assert squash(person.name) in flat
        # the names come in order, each once
        found = [int(m) for m in re.findall(rf"Thảo{group.id.upper()}Số(\d+)", flat)]
        assert found == list(range(1, len(event.persons_on(group)) + 1))
