"""ballots/validate.py: from ballot sheets to validated ballots, every problem with its code and cell.

Each broken fixture in tests/data/ballots/ is good.xlsx with one problem (see make_fixtures.py),
so each case expects exactly the diagnostics that problem causes, at exact locations.
"""

from __future__ import annotations

import dataclasses
import random
import unicodedata
from pathlib import Path

import pytest
from ballot_fixtures import DATA, EVENT, EXPECTED, H, I, L, M  # noqa: E402,F401
from conftest import run_tally
from python_calamine import CalamineWorkbook

from ballots.errors import CODES, ExitCode, Location, TallyError
from ballots.event import load_event
from ballots.marks import MARK_WORDS, cell_text, fold
from ballots.model import Mark
from ballots.validate import BallotRead, meeting_checks, read_ballots
from tally import pipeline


def check(*names: str, event: str = "event.toml", group: str | None = None) -> pipeline.Checked:
    return pipeline.check(DATA / event, [DATA / n for n in names], csv_group=group)


def found(checked: pipeline.Checked | BallotRead) -> list[tuple[str, str]]:
    return sorted((d.code, str(d.location)) for d in checked.diagnostics)


def content(read: BallotRead) -> dict[str, list[tuple[int, bool, tuple[Mark | None, ...], str]]]:
    return {gb.group.id: [(b.number, b.valid, b.marks, b.note) for b in gb.ballots] for gb in read.groups}


# ------------------------------------------------------------------ one case per problem
# (ballot files, event file, --group) -> exactly these (code, location)
CASES: dict[str, tuple[tuple[str, ...], str, str | None, list[tuple[str, str]]]] = {
    # meeting checks (SPEC §3): the event file is the place to fix them, at the line of the count
    "E201 no quorum": (("good.xlsx",), "event_no_quorum.toml", None, [("E201", "event_no_quorum.toml:62")]),  # present
    "E202 issued > present": (("good.xlsx",), "event_issued_gt_present.toml", None,
                              [("E202", "event_issued_gt_present.toml:63")]),                            # issued
    "E203 entered != collected": (("missing_ballot.xlsx",), "event.toml", None,
                                  [("E203", "event.toml:71"), ("W715", "missing_ballot.xlsx › ld")]),
    "E204 more than issued": (("too_many.xlsx",), "event.toml", None,
                              [("E204", "event.toml:62"), ("W714", "too_many.xlsx › btv › A7")]),
    "E205 header only": (("header_only.xlsx",), "event.toml", None, [("E205", "event.toml:57")]),   # btv's id
    # reading files
    "E300 not found": (("no_such_file.xlsx",), "event.toml", None, [("E300", "no_such_file.xlsx")]),
    "E301 pdf": (("scan.pdf",), "event.toml", None, [("E301", "scan.pdf")]),
    "E301 docx": (("report.docx",), "event.toml", None, [("E301", "report.docx")]),
    "E301 random bytes": (("random.xlsx",), "event.toml", None, [("E301", "random.xlsx")]),
    "E302 encrypted": (("encrypted.xlsx",), "event.toml", None, [("E302", "encrypted.xlsx")]),
    "E303 truncated": (("truncated.xlsx",), "event.toml", None, [("E303", "truncated.xlsx")]),
    "E303 garbage zip": (("garbage_zip.xlsx",), "event.toml", None, [("E303", "garbage_zip.xlsx")]),
    "E303 broken workbook": (("broken_workbook.xlsx",), "event.toml", None, [("E303", "broken_workbook.xlsx")]),
    "E304 empty file": (("empty.xlsx",), "event.toml", None, [("E304", "empty.xlsx")]),
    "E305 cp1258": (("btv_cp1258.csv",), "event.toml", None, [("E305", "btv_cp1258.csv")]),
    "E306 directory": (("csv_comma",), "event.toml", None, [("E306", "csv_comma")]),
    # sheet structure
    "E401 sheet xyz": (("stray_sheet.xlsx",), "event.toml", None, [("E401", "stray_sheet.xlsx › xyz")]),
    "E401 csv stem": (("phieu_btv.csv", "ld_only.xlsx"), "event.toml", None,
                      [("E401", "phieu_btv.csv"), ("E402", "phieu_btv.csv, ld_only.xlsx")]),
    "E402 missing group": (("missing_group.xlsx",), "event.toml", None, [("E402", "missing_group.xlsx")]),
    "E403 header in row 3": (("header_row3.xlsx",), "event.toml", None, [("E403", "header_row3.xlsx › btv › A3")]),
    "E403 data in row 1": (("no_header.xlsx",), "event.toml", None, [("E403", "no_header.xlsx › btv › A1")]),
    "E403 empty sheet": (("empty_sheet.xlsx",), "event.toml", None, [("E403", "empty_sheet.xlsx › btv › A1")]),
    "E404 no ballot column": (("no_ballot_col.xlsx",), "event.toml", None,
                              [("E404", "no_ballot_col.xlsx › btv › A1")]),
    "E405 unknown column": (("unknown_col.xlsx",), "event.toml", None,
                            [("E405", "unknown_col.xlsx › btv › E1"), ("E407", "unknown_col.xlsx › btv")]),
    "E405 data without header": (("data_no_header.xlsx",), "event.toml", None,
                                 [("E405", "data_no_header.xlsx › btv › G4")]),
    "E405 csv row longer than header": (("csv_extra_cell/btv.csv", "ld_only.xlsx"), "event.toml", None,
                                        [("E405", "btv.csv › G3")]),
    "E406 person of another form": (("wrong_form.xlsx",), "event.toml", None, [("E406", "wrong_form.xlsx › btv › G1")]),
    "E407 person column missing": (("missing_person.xlsx",), "event.toml", None,
                                   [("E407", "missing_person.xlsx › btv")]),
    "E408 duplicate column": (("dup_col.xlsx",), "event.toml", None, [("E408", "dup_col.xlsx › btv › G1")]),
    "E409 id and name disagree": (("id_name_mismatch.xlsx",), "event.toml", None,
                                  [("E407", "id_name_mismatch.xlsx › btv"),
                                   ("E409", "id_name_mismatch.xlsx › btv › D1")]),
    "E410 btv and BTV": (("two_sheets.xlsx",), "event.toml", None, [("E410", "two_sheets.xlsx › BTV")]),
    # rows and cells
    "E501 unknown marks": (("bad_mark.xlsx",), "event.toml", None, [
        ("E501", "bad_mark.xlsx › btv › D3"),   # 'x'
        ("E501", "bad_mark.xlsx › btv › D6"),   # '4' as text
        ("E501", "bad_mark.xlsx › btv › E3"),   # 1.5
        ("E501", "bad_mark.xlsx › btv › F5"),   # TRUE, a boolean cell
    ]),
    "E501 table from column B": (("offset_bad_mark.xlsx",), "event.toml", None,
                                 [("E501", "offset_bad_mark.xlsx › btv › E3")]),
    "E502 not entered": (("not_entered.xlsx",), "event.toml", None, [("E502", "not_entered.xlsx › btv › E3")]),
    # a row typed with a number already entered is a ballot row entered: 6 rows for 5 issued (E204)
    "E503 same sheet": (("dup_number.xlsx",), "event.toml", None,
                        [("E204", "event.toml:62"), ("E503", "dup_number.xlsx › btv › A7")]),
    "E503 two files": (("part1.xlsx", "part2_dup.xlsx"), "event.toml", None,
                       [("E204", "event.toml:62"), ("E503", "part2_dup.xlsx › btv › A2")]),
    "E504 missing, 0, abc": (("bad_number.xlsx",), "event.toml", None, [   # 3 ballots typed after the 5 issued
        ("E204", "event.toml:62"), ("E504", "bad_number.xlsx › btv › A7"), ("E504", "bad_number.xlsx › btv › A8"),
        ("E504", "bad_number.xlsx › btv › A9"),
    ]),
    "E505 unknown status": (("bad_status.xlsx",), "event.toml", None, [("E505", "bad_status.xlsx › btv › B3")]),
    "E506 Tổng cộng row": (("total_row.xlsx",), "event.toml", None, [("E506", "total_row.xlsx › btv › A8")]),
    "E506 SUM row": (("sum_row.xlsx",), "event.toml", None, [("E506", "sum_row.xlsx › btv › A8")]),
    # a status merged down over the next ballot: the sheet shows it for both, the second reads empty
    "E508 merged xlsx": (("merged_status.xlsx",), "event.toml", None, [("E508", "merged_status.xlsx › btv › B3:B4")]),
    "E508 merged ods": (("merged_status.ods",), "event.toml", None, [("E508", "merged_status.ods › btv › B3:B4")]),
    "E508 merged xls": (("merged_status.xls",), "event.toml", None, [("E508", "merged_status.xls › btv › B3:B4")]),
    # cell errors in a group that declares `collected` are not also reported as missing ballots (E203)
    "E501+E502 without E203": (("ld_cell_errors.xlsx",), "event.toml", None,
                               [("E501", "ld_cell_errors.xlsx › ld › D3"), ("E502", "ld_cell_errors.xlsx › ld › F5")]),
    # warnings only
    "W706 prose sheet": (("instructions.xlsx",), "event.toml", None, [("W706", "instructions.xlsx › Ghi chép")]),
}


@pytest.mark.parametrize(("names", "event", "group", "expected"), CASES.values(), ids=CASES.keys())
def test_problem_is_reported_with_code_and_place(names: tuple[str, ...], event: str, group: str | None,
                                                 expected: list[tuple[str, str]]) -> None:
    checked = check(*names, event=event, group=group)
    assert found(checked) == sorted(expected)
    for d in checked.diagnostics:
        assert d.message.strip(), d
        assert d.hint.strip(), d


@pytest.mark.parametrize(("first", "last", "exit_code"), [
    (201, 205, ExitCode.MEETING), (300, 306, ExitCode.UNREADABLE), (401, 410, ExitCode.BALLOTS),
    (501, 508, ExitCode.BALLOTS),
])
def test_exit_class_of_each_block(first: int, last: int, exit_code: ExitCode) -> None:
    assert all(CODES[f"E{n}"].exit is exit_code for n in range(first, last + 1))
    assert CODES["W706"].exit is ExitCode.OK


def test_every_ballot_code_has_a_fixture() -> None:
    wanted = {f"E{n}" for n in [*range(201, 206), *range(300, 307), *range(401, 411), *range(501, 507), 508]} | {"W706"}
    assert wanted <= set(CODES)
    covered = {code for *_, expected in CASES.values() for code, _ in expected}
    assert wanted <= covered, sorted(wanted - covered)


# ------------------------------------------------------------------ what the messages say
def only(checked: pipeline.Checked, code: str) -> list:
    return [d for d in checked.diagnostics if d.code == code]


def test_unknown_marks_quote_what_was_found() -> None:
    messages = {str(d.location): d.message for d in only(check("bad_mark.xlsx"), "E501")}
    assert "'x'" in messages["bad_mark.xlsx › btv › D3"]
    assert "'1.5'" in messages["bad_mark.xlsx › btv › E3"]
    assert "'TRUE'" in messages["bad_mark.xlsx › btv › F5"]
    assert "'4'" in messages["bad_mark.xlsx › btv › D6"]
    assert all("ballot" in m for m in messages.values())


def test_ballots_with_bad_cells_are_not_counted_but_the_others_are() -> None:
    read = check("bad_mark.xlsx").read
    assert [b.number for b in read.groups[0].ballots] == [1, 3]   # 2, 4 and 5 hold unknown marks
    assert read.has_errors
    with pytest.raises(TallyError) as info:
        read.require_clean()
    assert info.value.exit_code is ExitCode.BALLOTS


def test_not_entered_on_a_valid_ballot_but_empty_cells_on_an_invalid_ballot_are_fine() -> None:
    checked = check("not_entered.xlsx")
    (e502,) = checked.diagnostics
    assert "p02" in e502.message and "ballot 2" in e502.message
    assert "0" in e502.hint  # a voter's blank row is entered as 0, never left empty
    btv = content(checked.read)["btv"]
    assert (3, False, (None, None, None), "Phiếu không có dấu của Ban kiểm phiếu") in btv
    assert 2 not in [n for n, *_ in btv]


def test_duplicate_ballot_number_names_both_places() -> None:
    (same_sheet,) = [d for d in check("dup_number.xlsx").diagnostics if d.code == "E503"]
    assert same_sheet.related == (Location("dup_number.xlsx", "btv", "A3"),)
    assert "dup_number.xlsx › btv › A3" in same_sheet.message
    (two_files,) = [d for d in check("part1.xlsx", "part2_dup.xlsx").diagnostics if d.code == "E503"]
    assert two_files.location == Location("part2_dup.xlsx", "btv", "A2")
    assert two_files.related == (Location("part1.xlsx", "btv", "A4"),)
    assert "3" in two_files.message and "part1.xlsx › btv › A4" in two_files.message


def test_a_row_typed_with_a_number_already_entered_is_a_row_entered() -> None:
    # the same paper ballot typed twice, or another one with a wrong number: either way a row of
    # the sheet holds a ballot, and the rows entered say so (E203/E204 compare them with the paper)
    for files in (("dup_number.xlsx",), ("part1.xlsx", "part2_dup.xlsx")):
        checked = check(*files)
        duplicates = sum(d.code == "E503" for d in checked.diagnostics)
        read = checked.read
        ballots = sum(g.collected for g in read.groups if g.group.id == "btv")     # the ballots read
        assert duplicates and read.entered_in("btv") == ballots + duplicates, files
        e204 = next(d for d in checked.diagnostics if d.code == "E204")
        assert f"{ballots + duplicates} ballots entered" in e204.message, e204.message


def test_bad_ballot_numbers_say_what_was_found() -> None:
    messages = {str(d.location): d.message for d in check("bad_number.xlsx").diagnostics}
    assert "missing" in messages["bad_number.xlsx › btv › A7"]
    assert "'0'" in messages["bad_number.xlsx › btv › A8"]
    assert "'abc'" in messages["bad_number.xlsx › btv › A9"]


def test_total_rows() -> None:
    (named,) = check("total_row.xlsx").diagnostics
    assert "total" in named.message and "Tổng cộng" in named.message
    (sums,) = check("sum_row.xlsx").diagnostics
    assert "total" in sums.message
    assert "delete" in named.hint and "delete" in sums.hint


def test_unknown_status_quotes_it() -> None:
    (e505,) = check("bad_status.xlsx").diagnostics
    assert "'hỏng'" in e505.message and "không hợp lệ" in e505.hint


def test_unknown_column_suggests_the_person() -> None:
    e405, e407 = sorted(check("unknown_col.xlsx").diagnostics, key=lambda d: d.code)
    assert "'Tran Thi Binhh'" in e405.message
    assert "did you mean 'p02 - Trần Thị Bình'?" in e405.hint
    assert "p02" in e407.message and "'p02 - Trần Thị Bình'" in e407.hint


def test_person_of_another_form() -> None:
    (e406,) = check("wrong_form.xlsx").diagnostics
    assert "p04" in e406.message and "Phạm Thị Dung" in e406.message


def test_missing_person_column_names_the_person_and_the_header_to_add() -> None:
    (e407,) = check("missing_person.xlsx").diagnostics
    assert "p03" in e407.message and "Lê Văn Cường" in e407.message
    assert "'p03 - Lê Văn Cường'" in e407.hint


def test_duplicate_column_by_id_and_by_name() -> None:
    (e408,) = check("dup_col.xlsx").diagnostics
    assert e408.related == (Location("dup_col.xlsx", "btv", "D1"),)
    assert "D1" in e408.message and "G1" in e408.message and "p01" in e408.message
    # the first column counts: the sheet is otherwise good
    assert content(check("dup_col.xlsx").read) == EXPECTED


def test_id_and_name_disagree_quotes_the_header_as_typed() -> None:
    e409 = only(check("id_name_mismatch.xlsx"), "E409")[0]
    assert "'p01 - Wrong Name'" in e409.message
    assert "Nguyễn Văn An" in e409.message


def test_same_group_twice_in_one_file() -> None:
    checked = check("two_sheets.xlsx")
    (e410,) = checked.diagnostics
    assert "'btv'" in e410.message and "'BTV'" in e410.message
    assert content(checked.read) == EXPECTED   # the first sheet is read, the second is refused


def test_stray_sheet_with_ballots_vs_instructions_sheet() -> None:
    (e401,) = check("stray_sheet.xlsx").diagnostics
    assert "'xyz'" in e401.message and "btv" in e401.hint and e401.is_error
    checked = check("instructions.xlsx")   # sheets 'Hướng dẫn' and 'Ghi chép' hold prose
    assert not checked.has_errors
    (w706,) = checked.diagnostics
    assert not w706.is_error and "Ghi chép" in w706.message and "btv, ld" in w706.hint
    assert content(checked.read) == EXPECTED


def test_missing_group_sheet() -> None:
    (e402,) = check("missing_group.xlsx").diagnostics
    assert "'ld'" in e402.message and "ld.csv" in e402.hint


def test_header_problems_say_where_the_header_is() -> None:
    (row3,) = check("header_row3.xlsx").diagnostics
    assert "row 3" in row3.message and "2 empty row" in row3.hint
    (data,) = check("no_header.xlsx").diagnostics
    assert "ballot data" in data.message
    (empty,) = check("empty_sheet.xlsx").diagnostics
    assert "empty" in empty.message


def test_a_mark_problem_says_what_the_command_line_sums_it_up_by() -> None:
    # who and which ballot (cli_render groups a column's missing marks by file, sheet, column and
    # person): nothing more is carried, and an E502 among others is no empty column
    for name in ("bad_mark.xlsx", "not_entered.xlsx", "ld_cell_errors.xlsx"):
        marks = [d for d in check(name).diagnostics if d.code in ("E501", "E502")]
        assert marks, name
        for d in marks:
            assert [k for k, _v in d.about] == ["person", "name", "ballot"], (name, d)
            assert d.fact("ballot") is not None and d.fact("ballot") in d.message, (name, d)


def test_structure_errors_do_not_also_say_no_ballots_were_entered() -> None:
    # The sheet's ballots could not be read; E205 ("no ballots were entered") would be false.
    for name in ("header_row3.xlsx", "no_header.xlsx", "empty_sheet.xlsx", "no_ballot_col.xlsx"):
        assert "E205" not in {d.code for d in check(name).diagnostics}, name


# ------------------------------------------------------------------ meeting checks
def test_meeting_messages() -> None:
    (e201,) = check("good.xlsx", event="event_no_quorum.toml").diagnostics
    assert "'btv'" in e201.message and "6" in e201.message and "10" in e201.message
    (e202,) = check("good.xlsx", event="event_issued_gt_present.toml").diagnostics
    assert "'btv'" in e202.message and "issued" in e202.message and "7" in e202.message and "6" in e202.message
    e203, w715 = sorted(check("missing_ballot.xlsx").diagnostics, key=lambda d: d.code)
    assert "'ld'" in e203.message and "4" in e203.message and "5" in e203.message
    assert w715.code == "W715" and "ld" in w715.message      # and which number is missing
    e204, w714 = sorted(check("too_many.xlsx").diagnostics, key=lambda d: d.code)
    assert "6" in e204.message and "5 issued" in e204.message
    assert w714.message == "form btv: ballot number 6 is above the 5 ballots issued"
    (e205,) = check("header_only.xlsx").diagnostics
    assert "'btv'" in e205.message


@pytest.mark.parametrize(("summoned", "present", "issued", "collected", "entered", "codes"), [
    (9, 6, 6, None, 6, []),                 # exactly 2/3 present: quorum holds
    (10, 6, 6, None, 6, ["E201"]),
    (6, 7, 6, None, 6, ["E202"]),           # present > summoned
    (6, 6, 5, 6, 5, ["E202", "E203"]),      # collected > issued, and the entered count differs
    (6, 6, 6, 6, 6, []),
    (6, 6, 6, 6, 5, ["E203"]),
    (6, 6, 6, None, 7, ["E204"]),
    (6, 6, 6, 6, 7, ["E204"]),              # more than issued: not also E203
    (6, 6, 6, None, 0, ["E205"]),
    (6, 6, 6, 6, 0, ["E205"]),
])
def test_meeting_checks_arithmetic(summoned: int, present: int, issued: int, collected: int | None, entered: int,
                                   codes: list[str]) -> None:
    event, _ = load_event(EVENT)
    btv = dataclasses.replace(event.groups[0], summoned=summoned, present=present, issued=issued, collected=collected)
    event = dataclasses.replace(event, groups=(btv,))
    assert sorted(d.code for d in meeting_checks(event, {"btv": entered})) == codes
    assert all(d.location is not None and d.location.file == "event.toml"
               for d in meeting_checks(event, {"btv": entered}))


# ------------------------------------------------------------------ good sheets
def test_good_workbook_is_clean() -> None:
    checked = check("good.xlsx")
    assert checked.diagnostics == ()
    assert content(checked.read) == EXPECTED
    assert [gb.group.id for gb in checked.read.groups] == ["btv", "ld"]
    assert [[p.id for p in gb.persons] for gb in checked.read.groups] == [["p01", "p02", "p03"], ["p01", "p04", "p05"]]


def test_header_spellings_columns_in_any_order_and_english_headers() -> None:
    # btv: '  SỐ   PHIẾU ', 'tình TRẠNG', 'GHI  chú', p01's name in NFD, p02's name with a trailing space,
    #      'p03' and the name on two lines; marks typed as C/T/TH/cao/high/-/1.0
    # ld:  p05, Note, p04's name in lower case, BALLOT, 'P01 NGUYỄN VĂN AN', status
    wb = CalamineWorkbook.from_path(str(DATA / "header_spellings.xlsx"))
    btv_header = wb.get_sheet_by_name("btv").to_python()[0]
    assert unicodedata.is_normalized("NFD", btv_header[3]) and not unicodedata.is_normalized("NFC", btv_header[3])
    assert "\n" in btv_header[5]
    checked = check("header_spellings.xlsx")
    assert checked.diagnostics == ()
    assert content(checked.read) == EXPECTED
    ld = checked.read.groups[1]
    assert ld.ballots[0].source is not None
    assert ld.ballots[0].source.person_columns == ("E", "C", "A")   # p01, p04, p05
    assert ld.ballots[0].source.cell == "F2"                          # the status column


@pytest.mark.parametrize("header", [
    "p01 - Nguyễn Văn An", "p01 Nguyễn Văn An", "p01\nNguyễn Văn An", "p01\r\nNguyễn Văn An", "p01", "P01",
    "Nguyễn Văn An", "NGUYỄN VĂN AN", "nguyễn văn an", unicodedata.normalize("NFD", "p01 - Nguyễn Văn An"),
    "  p01  -  Nguyễn  Văn An ", "p01 – Nguyễn Văn An", "p01: Nguyễn Văn An",
])
def test_header_forms_of_one_person(header: str, tmp_path: Path) -> None:
    import csv

    with open(tmp_path / "btv.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["Số phiếu", "p03", header, "p02"], [1, 3, 1, 2]])
    read = read_ballots(load_event(EVENT)[0], [tmp_path / "btv.csv", DATA / "ld_only.xlsx"])
    assert read.diagnostics == ()
    assert [b.marks for b in read.groups[0].ballots] == [(H, M, L)]


MARK_CELLS = {  # make_fixtures.MARK_SPELLINGS, read as marks
    "btv": [(H, H, H), (H, H, H), (M, M, M), (M, M, M), (L, L, L)],
    "ld": [(L, L, L), (I, I, I), (I, I, H), (M, L, H), (L, M, H)],
}


def test_every_accepted_mark_spelling_in_a_real_workbook() -> None:
    wb = CalamineWorkbook.from_path(str(DATA / "marks_spellings.xlsx"))
    typed = {fold(cell_text(v)) for name in ("btv", "ld") for row in wb.get_sheet_by_name(name).to_python()[1:]
             for v in row[3:]}
    spec = {fold(w) for words in MARK_WORDS.values() for w in words}
    assert spec <= typed, spec - typed
    assert {"thap", "khong hop le", "tin nhiem", "tin nhiem cao"} <= typed   # without diacritics too
    floats = [v for row in wb.get_sheet_by_name("ld").to_python()[1:] for v in row[3:] if isinstance(v, float)]
    assert 1.0 in floats and 2.0 in floats and 3.0 in floats
    checked = check("marks_spellings.xlsx")
    assert checked.diagnostics == ()
    got = {gb.group.id: [b.marks for b in gb.ballots] for gb in checked.read.groups}
    assert got == MARK_CELLS


def test_skipped_rows() -> None:
    # btv: an empty row between ballots 2 and 3, then '6' alone and '7' with empty strings: unused numbered rows
    checked = check("skip_rows.xlsx")
    assert checked.diagnostics == ()
    assert content(checked.read) == EXPECTED
    rows = [b.source.row for b in checked.read.groups[0].ballots if b.source]
    assert rows == [2, 3, 5, 6, 7]


def test_ballots_split_over_two_files() -> None:
    checked = check("part1.xlsx", "part2.xlsx")
    assert checked.diagnostics == ()
    assert content(checked.read) == EXPECTED
    assert [b.source.file for b in checked.read.groups[0].ballots if b.source] == ["part1.xlsx"] * 3 + ["part2.xlsx"] * 2


def test_csv_group_option() -> None:
    checked = check("phieu_btv.csv", "ld_only.xlsx", group="btv")
    assert checked.diagnostics == ()
    assert content(checked.read) == EXPECTED


def test_input_order_does_not_change_the_ballots() -> None:
    a = check("part1.xlsx", "part2.xlsx").read
    b = check("part2.xlsx", "part1.xlsx").read
    assert content(a) == content(b)


# ------------------------------------------------------------------ the command line: one test per exit code
def tally_check(*args: str, tmp_path: Path) -> tuple[int, str]:
    proc = run_tally("check", *args, cwd=tmp_path)
    text = proc.stdout + proc.stderr
    assert "Traceback" not in text and "internal error" not in text, text
    return proc.returncode, text


def test_cli_clean(tmp_path: Path) -> None:
    code, text = tally_check(str(EVENT), str(DATA / "good.xlsx"), tmp_path=tmp_path)
    assert code == 0, text
    assert "btv: 5 ballots entered (4 valid, 1 invalid)" in text
    assert list(tmp_path.iterdir()) == []   # check writes nothing


def test_cli_csv_group(tmp_path: Path) -> None:
    code, text = tally_check(str(EVENT), str(DATA / "phieu_btv.csv"), str(DATA / "ld_only.xlsx"), "--group", "btv",
                             tmp_path=tmp_path)
    assert code == 0, text


def test_cli_ballot_errors_exit_5(tmp_path: Path) -> None:
    code, text = tally_check(str(EVENT), str(DATA / "bad_mark.xlsx"), tmp_path=tmp_path)
    assert code == ExitCode.BALLOTS == 5, text
    assert "E501" in text and "bad_mark.xlsx › btv › D3" in text and "4 errors" in text
    code, text = tally_check(str(EVENT), str(DATA / "dup_number.xlsx"), tmp_path=tmp_path)
    assert code == 5, text
    assert "E503" in text and "also: dup_number.xlsx › btv › A3" in text


def test_cli_unreadable_file_exit_4(tmp_path: Path) -> None:
    code, text = tally_check(str(EVENT), str(DATA / "bad_mark.xlsx"), str(DATA / "encrypted.xlsx"),
                             tmp_path=tmp_path)
    assert code == ExitCode.UNREADABLE == 4, text   # the earlier step wins over the ballot errors
    assert "E302" in text and "E501" in text        # and every problem is still listed


def test_cli_meeting_error_exit_6(tmp_path: Path) -> None:
    code, text = tally_check(str(DATA / "event_no_quorum.toml"), str(DATA / "good.xlsx"), tmp_path=tmp_path)
    assert code == ExitCode.MEETING == 6, text
    assert "E201" in text


def test_cli_broken_event_exit_3(tmp_path: Path) -> None:
    code, text = tally_check(str(DATA / "broken_event.toml"), str(DATA / "good.xlsx"), tmp_path=tmp_path)
    assert code == ExitCode.EVENT == 3, text
    assert "E101" in text


def test_cli_missing_ballot_file_exit_4(tmp_path: Path) -> None:
    code, text = tally_check(str(EVENT), str(tmp_path / "nope.xlsx"), tmp_path=tmp_path)
    assert code == 4, text
    assert "E300" in text


def test_marks_on_a_wholly_invalid_ballot_are_reported_not_counted(tmp_path: Path) -> None:
    sheet = tmp_path / "btv.csv"
    sheet.write_text("Số phiếu,Tình trạng,p01,p02,p03\n1,không hợp lệ,3,3,3\n2,,1,1,1\n", encoding="utf-8")
    read = read_ballots(load_event(EVENT)[0], [sheet])
    (w707,) = [d for d in read.diagnostics if d.code == "W707"]
    assert str(w707.location) == "btv.csv › B2"
    assert [d.code for d in read.diagnostics if d.is_error] == ["E402"]   # only the absent 'ld' sheet
    btv = next(g for g in read.groups if g.group.id == "btv")
    assert [(b.number, b.valid, b.marks) for b in btv.ballots][0] == (1, False, (None, None, None))


def test_members_below_the_ballots_entered_is_refused_not_130_percent() -> None:
    """nq85-2014 with members = 30 and 39 ballots entered would show 130.00%: E206 instead."""
    from ballots.event import parse_event
    from ballots.validate import meeting_checks
    text = ('schema = 1\n[event]\ntitle = "T"\norganisation = "O"\ndate = 2014-12-08\nrules = "nq85-2014"\n'
            '[[positions]]\nid = "ct"\ntitle = "Chủ tịch"\n[[persons]]\nid = "p01"\nname = "A"\npositions = ["ct"]\n'
            '[[groups]]\nid = "ct"\ntitle = "Phiếu"\npositions = ["ct"]\nsummoned = 30\npresent = 30\nissued = 30\n'
            'members = 30\n')
    loaded = parse_event(text.encode())
    assert loaded.event is not None
    assert [d.code for d in meeting_checks(loaded.event, {"ct": 30})] == []
    (e206,) = [d for d in meeting_checks(loaded.event, {"ct": 39}) if d.code == "E206"]
    assert "30" in e206.message and "39" in e206.message and e206.location and e206.location.line == 21


# ------------------------------------------------------------------ gaps in the numbering (W715)
def _numbered(tmp_path: Path, numbers: list[int], issued: int, collected: int | None) -> BallotRead:
    """Form btv of the fixture event with `issued` ballots (and `collected`, if given), typed with
    these ballot numbers, each ballot valid and fully marked."""
    import csv

    event = load_event(EVENT)[0]
    groups = tuple(dataclasses.replace(g, summoned=issued, present=issued, issued=issued, collected=collected)
                   if g.id == "btv" else g for g in event.groups)
    with open(tmp_path / "btv.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["Số phiếu", "p01", "p02", "p03"], *([n, 1, 2, 3] for n in numbers)])
    return read_ballots(dataclasses.replace(event, groups=groups), [tmp_path / "btv.csv", DATA / "ld_only.xlsx"])


@pytest.mark.parametrize(("numbers", "issued", "collected", "said"), [
    ([*range(2, 46)], 45, None, "ballot number 1 is missing from 1–45"),               # the first
    ([*range(1, 44), 46], 45, None, "ballot numbers 44–45 are missing from 1–45"),     # the last, and one above
    ([*range(1, 45)], 45, 45, "ballot number 45 is missing from 1–45"),                # 45 counted on paper
    ([*range(1, 41)], 45, 42, "ballot numbers 41–42 are missing from 1–42"),
    ([*range(1, 10), *range(11, 46)], 45, None, "ballot number 10 is missing from 1–45"),    # a single one
    ([1, 2, 3, 7, 8, *range(12, 46)], 45, 45, "ballot numbers 4–6, 9–11 are missing from 1–45"),  # runs
    ([1, 3, 5], 5, None, "ballot numbers 2, 4 are missing from 1–5"),
    ([5], 5, None, "ballot numbers 1–4 are missing from 1–5"),
    ([*range(1, 45)], 45, None, None),    # ballot 45 may never have come back: nothing says it did
    ([*range(1, 46)], 45, 45, None),
    ([*range(1, 46), 47], 45, None, None),   # above the issued ones: W714 only
])
def test_every_missing_ballot_number_is_named(numbers: list[int], issued: int, collected: int | None,
                                              said: str | None, tmp_path: Path) -> None:
    read = _numbered(tmp_path, numbers, issued, collected)
    w715 = [d.message for d in read.diagnostics if d.code == "W715"]
    assert w715 == ([f"form btv: {said}"] if said else [])


def test_number_ranges_lists_each_number_once_in_runs() -> None:
    from ballots.errors import number_ranges

    rng = random.Random(715)
    for _ in range(500):
        numbers = rng.sample(range(1, 40), rng.randint(0, 20)) * rng.randint(1, 2)
        runs = [[int(n) for n in part.split("–")] for part in number_ranges(numbers).split(", ") if part]
        listed = [n for run in runs for n in range(run[0], run[-1] + 1)]
        assert listed == sorted(set(numbers))                   # every number, in order, once
        assert all(len(run) == 1 or run[0] < run[1] for run in runs)
        assert all(b[0] > a[-1] + 1 for a, b in zip(runs, runs[1:]))   # each run as long as it goes
    assert number_ranges([10, 9, 1, 2, 3, 7]) == "1–3, 7, 9–10"


# ------------------------------------------------------------------ ballot numbers kept exactly (E507)
@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize("typed", [10**15, 10**16, 2**53 + 1, 12345678901234567890, "1e20", " 99999999999999999 "])
def test_ballot_numbers_past_the_largest_kept_exactly_are_refused(kind: str, typed: object, tmp_path: Path) -> None:
    """10**16 was counted and written in the minutes as 1e+16; 2**53 + 1 was counted as 2**53
    (a spreadsheet's number is a double). Each is E507 at its cell, naming the largest allowed,
    and the message quotes the cell as the spreadsheet holds it."""
    import csv

    import openpyxl

    from ballots.validate import LARGEST_BALLOT_NUMBER

    rows = [["Số phiếu", "p01", "p02", "p03"], [1, 1, 2, 3], [typed, 1, 2, 3], [2, 1, 2, 3]]
    if kind == "csv":
        path = tmp_path / "btv.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)
        place = "btv.csv › A3"
    else:
        path = tmp_path / "entry.xlsx"
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "btv"
        for row in rows:
            ws.append(row)
        wb.save(path)
        place = "entry.xlsx › btv › A3"
    held = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[2][0] if kind == "xlsx" else typed
    shown = cell_text(held)
    read = read_ballots(load_event(EVENT)[0], [path, DATA / "ld_only.xlsx"])
    (e507,) = read.diagnostics
    assert (e507.code, str(e507.location)) == ("E507", place)
    assert e507.message == (f"ballot number {shown} is larger than {LARGEST_BALLOT_NUMBER}, "
                            "the largest a spreadsheet keeps exactly")
    assert CODES["E507"].exit == ExitCode.BALLOTS
    assert read.entered_in("btv") == 3      # a ballot with a mistyped number: not also one missing (E203)


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_largest_ballot_number_is_read_and_written_exactly(kind: str, tmp_path: Path) -> None:
    """LARGEST_BALLOT_NUMBER on a valid and on an invalid ballot: read as typed, counted, and the
    minutes and results.json hold it to the digit (the bound is what survives that round trip)."""
    import csv
    import json

    import openpyxl

    from ballots.validate import LARGEST_BALLOT_NUMBER
    from tally.snapshot import read_snapshot

    big = LARGEST_BALLOT_NUMBER
    rows = [["Số phiếu", "Tình trạng", "p01", "p02", "p03"], *([n, None, 1, 2, 3] for n in range(1, 6)),
            [big - 1, None, 3, 2, 1], [big, "không hợp lệ", None, None, None]]
    if kind == "csv":
        path = tmp_path / "btv.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(rows)
    else:
        path = tmp_path / "entry.xlsx"
        wb = openpyxl.Workbook()
        wb.active.title = "btv"
        for row in rows:
            wb.active.append(row)
        wb.save(path)
    text = EVENT.read_text(encoding="utf-8")
    counts = "summoned = 7\npresent = 6\nissued = 5\n"
    assert counts in text
    event_path = tmp_path / "event.toml"
    event_path.write_text(text.replace(counts, f"summoned = {big}\npresent = {big}\nissued = {big}\n"),
                          encoding="utf-8")
    read = read_ballots(load_event(event_path)[0], [path, DATA / "ld_only.xlsx"])
    assert [d.message for d in read.diagnostics] == [f"form btv: ballot numbers 6–{big - 2} are missing from 1–{big}"]
    numbers = sorted(b.number for g in read.groups if g.group.id == "btv" for b in g.ballots)
    assert numbers == [1, 2, 3, 4, 5, big - 1, big]
    out = tmp_path / "out" / "results.xlsx"
    proc = run_tally("count", event_path, path, DATA / "ld_only.xlsx", "-o", out)
    assert proc.returncode == 0, proc.stderr
    signed = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert big in [e["ballot"] for g in signed["groups"] for e in g["invalid_entries"]]
    cells = [v for sheet in read_snapshot(out.read_bytes()).cells.values() for v in sheet.values()]
    assert big in cells and all(type(v) is not float for v in cells if v == big)   # read back as written


def test_missing_runs_are_the_gaps_up_to_the_top() -> None:
    from ballots.errors import missing_runs

    rng = random.Random(2715)
    for _ in range(500):
        top = rng.randint(0, 40)
        numbers = rng.sample(range(1, 50), rng.randint(0, 30))
        runs = missing_runs(numbers, top)
        assert [n for a, b in runs for n in range(a, b + 1)] == [n for n in range(1, top + 1) if n not in numbers]
        assert all(b[0] > a[1] + 1 for a, b in zip(runs, runs[1:]))
    assert missing_runs([3, 10**15 - 2], 10**15) == [(1, 2), (4, 10**15 - 3), (10**15 - 1, 10**15)]   # no list of 10**15


@pytest.mark.parametrize("typed", [None, "abc", 0, 10**16])
def test_a_ballot_typed_without_a_good_number_is_still_a_ballot_entered(typed: object, tmp_path: Path) -> None:
    """One mistake, one error at its cell (E504, or E507), and W715 naming the number it likely
    had; not also E203 'ballots entered differ from those collected', which counted it out."""
    import csv

    event = load_event(EVENT)[0]
    groups = tuple(dataclasses.replace(g, collected=3) if g.id == "btv" else g for g in event.groups)
    with open(tmp_path / "btv.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["Số phiếu", "p01", "p02", "p03"], [1, 1, 2, 3], [typed, 3, 2, 1], [3, 1, 1, 1]])
    read = read_ballots(dataclasses.replace(event, groups=groups), [tmp_path / "btv.csv", DATA / "ld_only.xlsx"])
    codes = sorted(d.code for d in read.diagnostics)
    assert codes == ["E507" if typed == 10**16 else "E504", "W715"], read.diagnostics
    assert read.entered_in("btv") == 3
    assert [d.message for d in read.diagnostics if d.code == "W715"] == ["form btv: ballot number 2 is missing from 1–3"]


def test_a_question_mark_typed_by_hand_is_not_a_scan_awaiting_review(tmp_path: Path) -> None:
    """'?' is what `tally scan` writes for a mark a person must decide (E428, 'run tally review').
    In a sheet typed by hand it is a clerk's doubt, and `tally review` refuses such a file (E427):
    it is an unknown mark (E501) like any other, with the codes to type."""
    import csv

    with open(tmp_path / "btv.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["Số phiếu", "p01", "p02", "p03"], [1, 1, "?", 3], [2, 3, 2, 1]])
    read = read_ballots(load_event(EVENT)[0], [tmp_path / "btv.csv", DATA / "ld_only.xlsx"])
    (diag,) = read.diagnostics
    assert (diag.code, str(diag.location)) == ("E501", "btv.csv › C2")
    assert "'?'" in diag.message and "review" not in diag.hint
    proc = run_tally("--lang", "vi", "check", EVENT, tmp_path / "btv.csv", DATA / "ld_only.xlsx")
    assert proc.returncode == 5 and "E501" in proc.stderr and "E428" not in proc.stderr, proc.stderr


def test_a_name_two_people_on_the_form_share_says_so(tmp_path: Path) -> None:
    """Two Nguyễn Văn An on one form: a column headed by the name alone was 'not a person on this
    form', with 'did you mean p01' under both columns (the second would then be p01's twice)."""
    import csv

    text = EVENT.read_text(encoding="utf-8").replace('name = "Trần Thị Bình"', 'name = "Nguyễn Văn An"')
    assert text.count('name = "Nguyễn Văn An"') == 2
    (tmp_path / "event.toml").write_text(text, encoding="utf-8")
    event = load_event(tmp_path / "event.toml")[0]
    with open(tmp_path / "btv.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["Số phiếu", "Nguyễn Văn An", "nguyễn  văn an", "p03"], [1, 1, 2, 3]])
    read = read_ballots(event, [tmp_path / "btv.csv", DATA / "ld_only.xlsx"])
    shared = [d for d in read.diagnostics if d.code == "E405"]
    assert [str(d.location) for d in shared] == ["btv.csv › B1", "btv.csv › C1"]
    assert all("2 people" in d.message and "p01, p02" in d.message and "did you mean" not in d.hint for d in shared)
    with open(tmp_path / "btv.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["Số phiếu", "p01 - Nguyễn Văn An", "p02 - Nguyễn Văn An", "p03"], [1, 1, 2, 3]])
    assert not read_ballots(event, [tmp_path / "btv.csv", DATA / "ld_only.xlsx"]).diagnostics


def test_a_merge_within_one_row_or_in_the_header_is_not_refused(tmp_path: Path) -> None:
    """Only merges down over ballot rows read differently from what they show; one across a row
    (its other cells empty: E502 for a mark, nothing for a note) and one within the header row are not
    E508; one from the header down into a ballot row is."""
    from ballots.sheets import merged_down

    assert merged_down([((0, 3), (0, 4)), ((4, 2), (4, 5)), ((1, 1), (2, 1)), ((0, 0), (1, 0))]) == ("A1:A2", "B2:B3")
