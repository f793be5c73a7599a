"""The data-entry workbook made by `tally template` (ballots/entry.py): format, validation
rules read back from the workbook, the event fingerprint, and reading it as `tally check` does.

`fill_entry` and `write_event` are shared with test_reconcile.py.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import openpyxl
import pytest
from conftest import DATA, SAMPLES, run_tally
from openpyxl.worksheet.worksheet import Worksheet
from pdftools import convert, pdf_pages, squash

from ballots.entry import FINGERPRINT_MARKER, FINGERPRINT_SHEET, MARK_CODES, STATUS_WORDS, read_fingerprint
from ballots.errors import TallyError
from ballots.event import load_event
from ballots.marks import parse_mark, parse_status
from ballots.model import Mark
from ballots.paper import load_paper_event
from ballots.sheets import open_ballot_file
from ballots.validate import read_ballots
from tally import pipeline
from tally.template import template_workbook

Cell = tuple[str, str]   # (sheet, "D7")


# --- shared helpers ------------------------------------------------------------------------


def fill_entry(template: Path, source: Path, dest: Path, edits: Mapping[Cell, object] | None = None) -> Path:
    """Copy `template` to `dest` and type into it every ballot of `source` (a ballot workbook such
    as samples/ballots.xlsx), column by column by header, row by ballot number; then `edits`."""
    src = openpyxl.load_workbook(source)
    wb = openpyxl.load_workbook(template)
    for ws in src.worksheets:
        if ws.title not in wb.sheetnames:
            continue
        target = wb[ws.title]
        head = [c.value for c in ws[1]]
        columns = {c.value: c.column for c in target[1] if c.value}
        number_col = head.index("Số phiếu")
        for row in ws.iter_rows(min_row=2, values_only=True):
            if row[number_col] is None:
                continue
            for header, value in zip(head, row):
                if header != "Số phiếu" and value is not None:
                    target.cell(int(row[number_col]) + 1, columns[header], value)
    for (sheet, ref), value in (edits or {}).items():
        wb[sheet][ref] = value
    wb.save(dest)
    return dest


def write_event(path: Path, groups: Mapping[str, int], *, rules: str = "qd96-2023", language: str = "vi",
                name: str = "Nguyễn Văn {i}", extra: str = "", issued: int = 30) -> Path:
    """An event file with one group per entry of `groups` (id -> number of people on it)."""
    lines = ["schema = 1", "", "[event]", 'title = "Lấy phiếu tín nhiệm giữa nhiệm kỳ 2020-2025"',
             'organisation = "Đảng bộ Sở Giao thông vận tải tỉnh Hòa Bình An"',
             'parent = "Đảng bộ Khối các cơ quan tỉnh"', "date = 2023-09-28", f'rules = "{rules}"',
             f'language = "{language}"', extra, ""]
    for gid in groups:
        lines += ["[[positions]]", f'id = "{gid}"', f'title = "Chức danh {gid.upper()}"', ""]
    for gid, n in groups.items():
        for i in range(1, n + 1):
            lines += ["[[persons]]", f'id = "{gid}{i:02d}"', f'name = "{name.format(i=i, g=gid.upper())}"',
                      f'positions = ["{gid}"]', ""]
    for gid in groups:
        lines += ["[[groups]]", f'id = "{gid}"', f'title = "Phiếu tín nhiệm {gid.upper()}"', f'positions = ["{gid}"]',
                  f"summoned = {issued + 2}", f"present = {issued}", f"issued = {issued}", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


@pytest.fixture
def entry(tmp_path: Path) -> Path:
    """The sample's entry workbook, as `tally template` writes it."""
    out = tmp_path / "entry.xlsx"
    proc = run_tally("template", SAMPLES / "event.toml", "-o", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def validation_for(ws: Worksheet, ref: str) -> object | None:
    found = [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]
    assert len(found) <= 1, f"{ref} has {len(found)} validations"
    return found[0] if found else None


def accepts(ws: Worksheet, ref: str, typed: object) -> bool:
    """What the spreadsheet program does when `typed` is entered in `ref`, judged from the
    workbook's own data-validation rules (list, whole number, text length)."""
    dv = validation_for(ws, ref)
    if dv is None or typed is None or typed == "":
        return dv is None or bool(dv.allow_blank)
    assert dv.errorStyle in (None, "stop") and dv.showErrorMessage  # "stop" refuses; None is the default stop
    if dv.type == "list":
        items = dv.formula1.strip('"').split(",")
        return str(typed) in items
    if dv.type == "whole":
        return isinstance(typed, int) and int(dv.formula1) <= typed <= int(dv.formula2)
    if dv.type == "textLength" and dv.operator == "equal":
        return len(str(typed)) == int(dv.formula1)
    raise AssertionError(f"unexpected validation {dv.type}")


# --- the format ----------------------------------------------------------------------------


def test_one_sheet_per_group_in_the_import_format(entry: Path) -> None:
    event, _ = load_event(SAMPLES / "event.toml")
    wb = openpyxl.load_workbook(entry)
    assert wb.sheetnames == ["btv", "lanhdao", "Hướng dẫn", FINGERPRINT_SHEET]
    assert wb.active.title == "btv"
    for group in event.groups:
        ws = wb[group.id]
        persons = event.persons_on(group)
        header = [c.value for c in ws[1]]
        assert header == ["Số phiếu", "Tình trạng", "Ghi chú", *(f"{p.id} - {p.name}" for p in persons)]
        assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == list(range(1, group.issued + 1))
        assert ws.max_row == group.issued + 1
        assert ws.freeze_panes == "D2"            # header row, number, status and note stay in view
        assert ws.print_title_rows == "$1:$1"
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert wb[FINGERPRINT_SHEET].sheet_state == "veryHidden"
    assert wb["Hướng dẫn"].sheet_state == "visible"


def test_empty_template_reads_clean_and_without_warnings(entry: Path) -> None:
    event, _ = load_event(SAMPLES / "event.toml")
    read = read_ballots(event, [entry])
    # Nothing entered yet: only "no ballots entered"; no W706 for the legend and fingerprint sheets.
    assert sorted(d.code for d in read.diagnostics) == ["E205", "E205"]


def test_filled_template_counts_like_the_sample(entry: Path, tmp_path: Path) -> None:
    filled = fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "filled.xlsx")
    checked = pipeline.check(SAMPLES / "event.toml", [filled])
    assert not checked.diagnostics, [d.to_dict() for d in checked.diagnostics]
    reference = pipeline.check(SAMPLES / "event.toml", [SAMPLES / "ballots.xlsx"])
    mine, theirs = pipeline.count_results(checked)[0], pipeline.count_results(reference)[0]
    assert [(g.valid_ballots, g.invalid_ballots, g.persons) for g in mine.groups] == \
        [(g.valid_ballots, g.invalid_ballots, g.persons) for g in theirs.groups]


def test_pre_numbered_row_left_empty_is_skipped_and_half_filled_is_an_error(entry: Path, tmp_path: Path) -> None:
    event, _ = load_event(SAMPLES / "event.toml")
    filled = fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "half.xlsx",
                        {("btv", "E26"): None, ("btv", "F26"): None,           # ballot 25: 2 of 5 cells empty
                         **{("lanhdao", f"{c}43"): None for c in "BCDEFG"}})  # ballot 42: only its number
    read = read_ballots(event, [filled])
    e502 = sorted(d.location.cell for d in read.diagnostics if d.code == "E502" and d.location)
    assert e502 == ["E26", "F26"]
    assert not any(d.location and d.location.cell and d.location.cell.endswith("43") for d in read.diagnostics)
    # the skipped ballot 42 is simply not entered: 41 of 42 collected
    assert any(d.code == "E203" and "lanhdao" in d.message and "41 ballots" in d.message for d in read.diagnostics)


def test_ballot_typed_into_the_wrong_forms_sheet_is_caught(entry: Path, tmp_path: Path) -> None:
    """btv has 5 people, lanhdao 4: a btv ballot typed into lanhdao runs into the column after the
    people (refused by the workbook, and an error on import); a lanhdao ballot in btv leaves the
    last person empty."""
    event, _ = load_event(SAMPLES / "event.toml")
    wb = openpyxl.load_workbook(entry)
    assert not accepts(wb["lanhdao"], "H2", 2)
    assert accepts(wb["btv"], "H2", 2)
    filled = fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "wrong.xlsx",
                        {("lanhdao", "H5"): 2, ("btv", "H4"): None})
    read = read_ballots(event, [filled])
    codes = {(d.code, d.location.sheet, d.location.cell) for d in read.diagnostics if d.location}
    assert ("E405", "lanhdao", "H5") in codes
    assert ("E502", "btv", "H4") in codes


def test_pasted_sheet_of_another_form_is_caught_by_the_person_columns(tmp_path: Path) -> None:
    event, _ = load_event(SAMPLES / "event.toml")
    src = openpyxl.load_workbook(SAMPLES / "ballots.xlsx")
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, from_sheet in (("btv", "btv"), ("lanhdao", "btv")):   # btv's rows pasted under lanhdao
        ws = wb.create_sheet(title)
        for row in src[from_sheet].iter_rows(values_only=True):
            ws.append(list(row))
    wb.save(tmp_path / "pasted.xlsx")
    read = read_ballots(event, [tmp_path / "pasted.xlsx"])
    e406 = [d for d in read.diagnostics if d.code == "E406"]
    assert e406 and all(d.location and d.location.sheet == "lanhdao" for d in e406)


# --- validation inside the workbook --------------------------------------------------------


def test_mark_cells_accept_only_mark_codes(entry: Path) -> None:
    wb = openpyxl.load_workbook(entry)
    for ws, last_col, last_row in ((wb["btv"], "H", 26), (wb["lanhdao"], "G", 43)):
        for col in "DEFGH"[: "DEFGH".index(last_col) + 1]:
            for row in (2, last_row):
                ref = f"{col}{row}"
                for code in MARK_CODES:
                    assert accepts(ws, ref, code), (ref, code)
                    assert isinstance(parse_mark(code), Mark)       # and the reader understands each
                for wrong in ("4", "5", "11", "x", "X", "cao thấp", "=1+1", "CT", "00"):
                    assert not accepts(ws, ref, wrong), (ref, wrong)
                assert accepts(ws, ref, None)   # left empty: the importer says E502 on a valid ballot
        dv = validation_for(ws, f"D{last_row}")
        assert dv is not None and dv.type == "list" and dv.errorStyle == "stop" and dv.showErrorMessage
        assert dv.error and "Chỉ nhập 1" in dv.error and dv.errorTitle == "Mã không hợp lệ"
        assert validation_for(ws, f"D{last_row + 1}") is None   # beyond the ballots issued


def test_status_cells_accept_blank_and_the_two_statuses(entry: Path) -> None:
    ws = openpyxl.load_workbook(entry)["btv"]
    for ref in ("B2", "B26"):
        assert accepts(ws, ref, None)
        for word in STATUS_WORDS:
            assert accepts(ws, ref, word)
            assert isinstance(parse_status(word), bool)
        for wrong in ("ok", "hợp lệ ", "invalid?", "0", "X"):
            assert not accepts(ws, ref, wrong)
    assert not accepts(ws, "A2", 26) and accepts(ws, "A2", 25) and not accepts(ws, "A2", 0)
    assert validation_for(ws, "C2") is None                      # the note is free text


def test_mark_codes_are_in_view_while_typing(entry: Path) -> None:
    """The input message of every mark cell lists the codes with their meaning; Excel limits the
    message to 255 characters and its title to 32."""
    wb = openpyxl.load_workbook(entry)
    for ws in (wb["btv"], wb["lanhdao"]):
        dv = validation_for(ws, "D2")
        assert dv is not None and dv.showInputMessage
        for code, meaning in (("1", "Tín nhiệm cao"), ("2", "Tín nhiệm"), ("3", "Tín nhiệm thấp"),
                              ("0", "dòng không hợp lệ")):
            assert f"{code} = {meaning}" in dv.prompt
        for each in ws.data_validations.dataValidation:
            assert len(each.error or "") <= 255 and len(each.prompt or "") <= 255
            assert len(each.errorTitle or "") <= 32 and len(each.promptTitle or "") <= 32
    legend = [c.value for row in wb["Hướng dẫn"].iter_rows() for c in row if c.value]
    assert "1  ·  C" in legend and "Tín nhiệm cao" in legend


def test_english_template(tmp_path: Path) -> None:
    event = write_event(tmp_path / "en.toml", {"bch": 3}, language="en")
    out = tmp_path / "entry.xlsx"
    assert run_tally("template", event, "-o", out).returncode == 0
    wb = openpyxl.load_workbook(out)
    assert [c.value for c in wb["bch"][1]][:3] == ["Ballot", "Status", "Note"]
    assert accepts(wb["bch"], "B2", "invalid") and accepts(wb["bch"], "B2", "không hợp lệ")
    assert "Instructions" in wb.sheetnames
    ev, _ = load_event(event)
    assert [d.code for d in read_ballots(ev, [out]).diagnostics] == ["E205"]


# --- the fingerprint -----------------------------------------------------------------------


def test_fingerprint_holds_the_event_file(entry: Path) -> None:
    fp = read_fingerprint(open_ballot_file(entry))
    raw = (SAMPLES / "event.toml").read_bytes()
    assert fp is not None and fp.sha256 == hashlib.sha256(raw).hexdigest() and fp.source == "event.toml"
    assert fp.event_file == raw
    ws = openpyxl.load_workbook(entry)[FINGERPRINT_SHEET]
    assert ws["A1"].value == FINGERPRINT_MARKER


def test_entry_survives_edits_that_leave_the_forms_alone(entry: Path, tmp_path: Path) -> None:
    """Meeting counts, the committee, comments and titles change after the template is printed."""
    filled = fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "filled.xlsx")
    edited = tmp_path / "event.toml"
    text = (SAMPLES / "event.toml").read_text(encoding="utf-8")
    text = text.replace("collected = 25", "collected = 24").replace(
        'title = "Phiếu tín nhiệm Ủy viên Ban Thường vụ Đảng ủy"', 'title = "Phiếu tín nhiệm Ủy viên BTV"')
    edited.write_text(text + '\n# corrected\n[[committee]]\nname = "Mai Văn Tư"\nrole = "Ủy viên"\n',
                      encoding="utf-8")
    proc = run_tally("check", edited, filled)
    assert "E411" not in proc.stderr, proc.stderr
    assert proc.returncode == 6 and "E203" in proc.stderr     # 25 entered, 24 declared: the meeting check, read


def test_entry_for_changed_forms_is_refused_saying_what_changed(entry: Path, tmp_path: Path) -> None:
    filled = fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "filled.xlsx")
    edited = tmp_path / "event.toml"
    text = (SAMPLES / "event.toml").read_text(encoding="utf-8")
    text = text.replace('positions = ["pgd"]\nappointed = 2018-03-15', 'positions = ["pgd", "btv"]\n'
                        'appointed = 2018-03-15').replace('name = "Vũ Văn Khải"', 'name = "Vũ Văn Khai"')
    edited.write_text(text, encoding="utf-8")
    proc = run_tally("check", edited, filled)
    assert proc.returncode == 5
    said = " ".join(proc.stderr.split())
    assert "E411" in said and "filled.xlsx" in said and "tally template" in said
    assert "• p06 Bùi Thanh Sơn was added to form btv" in said
    assert "• on form btv, the name of p04 changed from 'Vũ Văn Khải' to 'Vũ Văn Khai'" in said
    assert f"--from {filled}" in said          # the path as given: the command runs as offered
    assert "E402" not in proc.stderr and "E203" not in proc.stderr     # one clear message, not a cascade
    proc = run_tally("count", edited, filled, "-o", tmp_path / "results.xlsx")
    assert proc.returncode == 5 and not (tmp_path / "results.xlsx").exists()


def test_entry_for_another_event_is_refused(entry: Path, tmp_path: Path) -> None:
    other = write_event(tmp_path / "other.toml", {"btv": 5, "lanhdao": 4})
    event, _ = load_event(other)
    filled = fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "filled.xlsx")
    read = read_ballots(event, [filled])
    assert [d.code for d in read.diagnostics if d.is_error] == ["E411"]
    assert read.diagnostics[0].location is not None and read.diagnostics[0].location.file == "filled.xlsx"


def test_hand_made_sheet_without_fingerprint_is_accepted() -> None:
    event, _ = load_event(SAMPLES / "event.toml")
    assert read_fingerprint(open_ballot_file(SAMPLES / "ballots.xlsx")) is None
    assert not read_ballots(event, [SAMPLES / "ballots.xlsx"]).diagnostics


def test_a_foreign_event_sheet_is_no_fingerprint(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(SAMPLES / "ballots.xlsx")
    ws = wb.create_sheet(FINGERPRINT_SHEET)
    ws["A1"], ws["A2"] = "our own notes", "0" * 64
    wb.save(tmp_path / "notes.xlsx")
    assert read_fingerprint(open_ballot_file(tmp_path / "notes.xlsx")) is None
    event, _ = load_event(SAMPLES / "event.toml")
    assert not [d for d in read_ballots(event, [tmp_path / "notes.xlsx"]).diagnostics if d.is_error]


# --- writing -------------------------------------------------------------------------------


def test_byte_identical_with_fixed_times() -> None:
    paper = load_paper_event(SAMPLES / "event.toml")
    first, second = template_workbook(paper)[0], template_workbook(paper)[0]
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode()
    assert "2023-09-28T00:00:00Z" in core


def test_event_text_is_never_a_formula(tmp_path: Path) -> None:
    event = write_event(tmp_path / "evil.toml", {"bch": 2}, name='=HYPERLINK(\\"http://x\\",\\"{i}\\")')
    out = tmp_path / "entry.xlsx"
    assert run_tally("template", event, "-o", out).returncode == 0
    wb = openpyxl.load_workbook(out)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert any("HYPERLINK" in str(c.value) for c in cells)
    assert not [c for c in cells if c.data_type == "f"]


def test_event_with_errors_lists_them_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "entry.xlsx"
    proc = run_tally("template", DATA / "ballots" / "broken_event.toml", "-o", out)
    assert proc.returncode == 3 and "E101" in proc.stderr and not out.exists()
    no_quorum = write_event(tmp_path / "q.toml", {"bch": 2}, issued=10)
    no_quorum.write_text(no_quorum.read_text(encoding="utf-8").replace("summoned = 12", "summoned = 30"),
                         encoding="utf-8")
    proc = run_tally("template", no_quorum, "-o", out)
    assert proc.returncode == 6 and "E201" in proc.stderr and not out.exists()
    with pytest.raises(TallyError):
        load_paper_event(tmp_path / "missing.toml")


def test_refuses_to_replace_without_force(entry: Path) -> None:
    before = entry.read_bytes()
    entry.write_bytes(b"a clerk's work")
    proc = run_tally("template", SAMPLES / "event.toml", "-o", entry)
    assert proc.returncode == 7 and "E601" in proc.stderr and entry.read_bytes() == b"a clerk's work"
    assert run_tally("template", SAMPLES / "event.toml", "-o", entry, "--force").returncode == 0
    assert entry.read_bytes() == before


# --- LibreOffice ---------------------------------------------------------------------------


@pytest.mark.libreoffice
def test_template_renders_landscape_with_every_person(entry: Path, tmp_path: Path) -> None:
    event, _ = load_event(SAMPLES / "event.toml")
    pages = pdf_pages(convert(entry, "pdf", tmp_path / "pdf"))
    assert pages
    sheets = [p for p in pages if "Số phiếu" in p[0]]
    assert sheets and all(w > h for _, (w, h) in sheets)            # the entry sheets: landscape
    text = squash("\n".join(t for t, _ in pages))
    for person in event.persons:     # a header wraps inside its cell: look for each word
        assert all(squash(word) in text for word in (person.id, *person.name.split()))


@pytest.mark.libreoffice
def test_entry_saved_again_by_libreoffice_keeps_its_fingerprint_and_rules(entry: Path, tmp_path: Path) -> None:
    filled = fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "filled.xlsx")
    resaved = convert(filled, "xlsx:Calc MS Excel 2007 XML", tmp_path / "resaved")
    event, _ = load_event(SAMPLES / "event.toml")
    assert not read_ballots(event, [resaved]).diagnostics
    fp = read_fingerprint(open_ballot_file(resaved))
    assert fp is not None and fp.sha256 == event.sha256
    ws = openpyxl.load_workbook(resaved)["btv"]
    assert not accepts(ws, "E10", "4") and accepts(ws, "E10", "TH")


def test_template_from_moves_typed_rows_into_the_changed_forms(entry: Path, tmp_path: Path) -> None:
    filled = fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "filled.xlsx")
    edited = tmp_path / "event.toml"
    text = (SAMPLES / "event.toml").read_text(encoding="utf-8")
    edited.write_text(text.replace('name = "Vũ Văn Khải"', 'name = "Vũ Văn Khai"'), encoding="utf-8")
    moved = tmp_path / "moved.xlsx"
    proc = run_tally("template", edited, "-o", moved, "--from", filled)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "25 typed ballots moved from filled.xlsx" in proc.stdout
    ev, _ = load_event(edited)
    read = read_ballots(ev, [moved])
    assert not [d for d in read.diagnostics if d.is_error]
    reference = read_ballots(load_event(SAMPLES / "event.toml")[0], [SAMPLES / "ballots.xlsx"])
    assert [[b[:3] for b in g.ballots] for g in read.groups] == [[b[:3] for b in g.ballots] for g in reference.groups]
    assert openpyxl.load_workbook(moved)["btv"]["G1"].value == "p04 - Vũ Văn Khai"


def test_the_refusal_offers_a_command_that_runs_where_the_user_typed(entry: Path, tmp_path: Path) -> None:
    """E411's hint names the old entry by the path the user gave (out/entry-1.xlsx), not its bare
    name: copied as it is, the command finds the file."""
    (tmp_path / "out").mkdir()
    fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "out" / "entry-1.xlsx")
    text = (SAMPLES / "event.toml").read_text(encoding="utf-8")
    (tmp_path / "ev").mkdir()   # the event file in a folder of its own: named as given too
    (tmp_path / "ev" / "event.toml").write_text(text.replace('name = "Vũ Văn Khải"', 'name = "Vũ Văn Khai"'),
                                                encoding="utf-8")
    proc = run_tally("check", Path("ev") / "event.toml", Path("out") / "entry-1.xlsx", cwd=tmp_path)
    assert proc.returncode == 5 and "E411" in proc.stderr
    offered = re.search(r"tally template .*?--from \S+", " ".join(proc.stderr.split()))
    assert offered is not None, proc.stderr
    assert offered.group(0).endswith(f"--from {Path('out') / 'entry-1.xlsx'}")
    assert offered.group(0).startswith(f"tally template {Path('ev') / 'event.toml'} ")
    assert f" -o {Path('out') / 'entry-1-new.xlsx'} " in offered.group(0)    # beside the old entry
    moved = run_tally(*offered.group(0).split()[1:], cwd=tmp_path)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert (tmp_path / "out" / "entry-1-new.xlsx").is_file() and not (tmp_path / "entry-1-new.xlsx").exists()
    assert not (tmp_path / "new-entry.xlsx").exists()


def test_the_refusal_offers_a_command_that_runs_from_folders_with_spaces(entry: Path, tmp_path: Path) -> None:
    """E411's command names the entry, the new entry and the event file each as one word, quoted
    where a folder's name has spaces, so that it runs as copied into any shell."""
    import shlex

    folder = Path("Kiểm phiếu 2023") / "đợt 1"
    (tmp_path / folder).mkdir(parents=True)
    fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / folder / "entry 1.xlsx")
    text = (SAMPLES / "event.toml").read_text(encoding="utf-8")
    (tmp_path / "sự kiện.toml").write_text(text.replace('name = "Vũ Văn Khải"', 'name = "Vũ Văn Khai"'),
                                           encoding="utf-8")
    proc = run_tally("check", "sự kiện.toml", folder / "entry 1.xlsx", cwd=tmp_path)
    offered = re.search(r'tally template .*?--from "[^"]+"', " ".join(proc.stderr.split()))
    assert proc.returncode == 5 and "E411" in proc.stderr and offered, proc.stderr
    args = shlex.split(offered.group(0))
    assert args == ["tally", "template", "sự kiện.toml", "-o", str(folder / "entry 1-new.xlsx"), "--from",
                    str(folder / "entry 1.xlsx")], args
    assert run_tally(*args[1:], cwd=tmp_path).returncode == 0
    assert (tmp_path / folder / "entry 1-new.xlsx").is_file()


def test_two_refused_entries_are_offered_two_new_files(entry: Path, tmp_path: Path) -> None:
    """Both clerks' entries refused at once: each command writes its own file beside its entry,
    so the second does not stop at the first one's output (E601)."""
    (tmp_path / "out").mkdir()
    for name in ("entry-1.xlsx", "entry-2.xlsx"):
        fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "out" / name)
    text = (SAMPLES / "event.toml").read_text(encoding="utf-8")
    (tmp_path / "event.toml").write_text(text.replace('name = "Vũ Văn Khải"', 'name = "Vũ Văn Khai"'),
                                         encoding="utf-8")
    for lang in ("en", "vi"):
        proc = run_tally("--lang", lang, "reconcile", Path("out") / "entry-1.xlsx", Path("out") / "entry-2.xlsx",
                         "--event", "event.toml", cwd=tmp_path)
        said = " ".join(proc.stderr.split())
        offered = re.findall(r"tally template \S+ -o \S+ --from \S+", said)
        assert proc.returncode == 5 and len(offered) == 2, said
        for command in offered:
            # in Vietnamese, the second time, the same files are offered: they exist now (E601, exit 7)
            assert run_tally(*command.split()[1:], cwd=tmp_path).returncode == (0 if lang == "en" else 7)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "entry-1-new.xlsx", "entry-1.xlsx", "entry-2-new.xlsx", "entry-2.xlsx"]


def test_template_from_adds_an_empty_column_for_a_new_person(entry: Path, tmp_path: Path) -> None:
    filled = fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "filled.xlsx")
    edited = tmp_path / "event.toml"
    text = (SAMPLES / "event.toml").read_text(encoding="utf-8")
    edited.write_text(text.replace('positions = ["pgd"]\nappointed = 2018-03-15',
                                   'positions = ["pgd", "btv"]\nappointed = 2018-03-15'), encoding="utf-8")
    moved = tmp_path / "moved.xlsx"
    proc = run_tally("template", edited, "-o", moved, "--from", filled)
    assert proc.returncode == 0 and "p06 Bùi Thanh Sơn is new on this form" in " ".join(proc.stdout.split())
    codes = [d.code for d in read_ballots(load_event(edited)[0], [moved]).diagnostics if d.is_error]
    reference = read_ballots(load_event(SAMPLES / "event.toml")[0], [SAMPLES / "ballots.xlsx"])
    valid = sum(1 for b in reference.groups[0].ballots if b.valid)
    assert 0 < valid < 25 and codes == ["E502"] * valid   # p06 on every valid btv ballot: typed from paper next


def test_template_from_refuses_rows_that_would_be_lost(entry: Path, tmp_path: Path) -> None:
    filled = fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "filled.xlsx")
    edited = tmp_path / "event.toml"
    text = (SAMPLES / "event.toml").read_text(encoding="utf-8")
    edited.write_text(text.replace('id = "p05"\nname = "Lương Văn Phúc"\npositions = ["btv"]',
                                   'id = "p05"\nname = "Lương Văn Phúc"\npositions = ["pgd"]'), encoding="utf-8")
    moved = tmp_path / "moved.xlsx"
    proc = run_tally("template", edited, "-o", moved, "--from", filled)
    said = " ".join(proc.stderr.split())
    assert proc.returncode == 5 and "E416" in said and not moved.exists()
    assert "p05 Lương Văn Phúc is no longer on form btv; 24 ballots have a mark for them" in said
    assert said.endswith(f": tally template {edited} -o {moved} 1 error")   # the file asked for, copied whole
    proc = run_tally("template", edited, "-o", moved, "--from", SAMPLES / "ballots.xlsx")
    assert proc.returncode == 5 and "E416" in proc.stderr and not moved.exists()


@pytest.mark.parametrize(("entry", "new"), [
    ("out/entry-1.xlsx", "out/entry-1-new.xlsx"),
    ("out\\entry-1.xlsx", "out\\entry-1-new.xlsx"),          # typed on Windows: its separator kept
    ("C:\\Kiểm phiếu\\a.b.xlsx", "C:\\Kiểm phiếu\\a.b-new.xlsx"),
    ("entry.ods", "entry-new.xlsx"),
])
def test_the_new_entry_is_named_beside_the_old_one_as_it_was_typed(entry: str, new: str) -> None:
    """E411's command writes the new entry beside the refused one, the folder exactly as the user
    typed it: a path rebuilt by the platform's PurePath mixed separators on Windows
    (out/entry-1.xlsx -> out\\entry-1-new.xlsx), which a bash on Windows then misreads."""
    from ballots.entry import new_entry_path

    assert new_entry_path(entry) == new
