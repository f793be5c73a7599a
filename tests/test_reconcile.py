"""Double entry (tally/reconcile.py): every kind of difference, with both values and cells."""

from __future__ import annotations

import re
import shlex

import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLES, run_tally
from test_entry import entry, fill_entry, write_event  # noqa: F401  (entry is a fixture)

from ballots.errors import ExitCode, TallyError
from tally.reconcile import (
    Difference,
    DiffKind,
    differences_workbook,
    is_differences_workbook,
    reconcile,
    reconcile_and_write,
)

EVENT = SAMPLES / "event.toml"


@pytest.fixture
def first(entry: Path, tmp_path: Path) -> Path:  # noqa: F811
    return fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "entry-1.xlsx")


def second(entry: Path, tmp_path: Path, edits: dict[tuple[str, str], object] | None = None,  # noqa: F811
           name: str = "entry-2.xlsx") -> Path:
    return fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / name, edits)


def only(rec_diffs: tuple[Difference, ...]) -> Difference:
    assert len(rec_diffs) == 1, [d.describe() for d in rec_diffs]
    return rec_diffs[0]


def test_two_equal_entries_agree(first: Path, entry: Path, tmp_path: Path) -> None:  # noqa: F811
    rec = reconcile(first, second(entry, tmp_path))
    assert rec.agree and rec.exit_code is ExitCode.OK
    assert rec.compared == ("btv", "lanhdao") and rec.first.ballots == rec.second.ballots == 67
    assert rec.first.fingerprint is not None and rec.event.sha256 == rec.first.fingerprint.sha256
    proc = run_tally("reconcile", first, tmp_path / "entry-2.xlsx")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "agree" in proc.stdout and "67 ballots" in proc.stdout


def test_a_differing_mark_names_both_cells_and_values(first: Path, entry: Path, tmp_path: Path) -> None:  # noqa: F811
    # ballot 6 of btv is row 7; p02 is column E: the first clerk typed 1 (the sample), the second 3.
    other = second(entry, tmp_path, {("btv", "E7"): 3})
    d = only(reconcile(first, other).differences)
    assert (d.kind, d.group, d.ballot, d.person) == (DiffKind.MARK, "btv", 6, "p02")
    assert d.first is not None and d.second is not None
    assert (d.first.file, d.first.sheet, d.first.cell, d.first.text, d.first.meaning) == \
        ("entry-1.xlsx", "btv", "E7", "1", "high")
    assert (d.second.file, d.second.cell, d.second.text, d.second.meaning) == ("entry-2.xlsx", "E7", "3", "low")
    proc = run_tally("reconcile", first, other)
    assert proc.returncode == 10
    assert "E7: 1 (high)" in proc.stdout and "E7: 3 (low)" in proc.stdout and "p02" in proc.stdout


def test_marks_are_compared_by_meaning(first: Path, entry: Path, tmp_path: Path) -> None:  # noqa: F811
    wb = openpyxl.load_workbook(first)
    values = {ref: wb["btv"][ref].value for ref in ("D2", "E2", "F2", "G2")}
    spelled = {1: "C", 2: "t", 3: " thấp ", 0: "-"}
    edits = {("btv", ref): spelled[int(v)] for ref, v in values.items()}
    assert reconcile(first, second(entry, tmp_path, edits)).agree
    # an empty cell and 0 do not agree: a skipped cell is not a spoiled row
    d = only(reconcile(first, second(entry, tmp_path, {("btv", "G7"): None}, "skipped.xlsx")).differences)
    assert d.kind is DiffKind.MARK and d.second is not None and d.second.text == "" and d.second.meaning == ""


def test_unreadable_marks_are_still_compared_as_typed(first: Path, entry: Path, tmp_path: Path) -> None:  # noqa: F811
    other = second(entry, tmp_path, {("btv", "D3"): "4"})
    rec = reconcile(first, other)
    d = only(rec.differences)
    assert d.kind is DiffKind.MARK and d.second is not None and (d.second.text, d.second.meaning) == ("4", "unknown")
    assert [x.code for x in rec.second.diagnostics] == ["E501"] and not rec.first.diagnostics
    assert rec.exit_code is ExitCode.DIFFER


def test_ballot_in_one_entry_only(first: Path, entry: Path, tmp_path: Path) -> None:  # noqa: F811
    # the second clerk skipped ballot 39 of lanhdao (row 40)
    other = second(entry, tmp_path, {**{("lanhdao", f"{c}40"): None for c in "BCDEFG"}})
    rec = reconcile(first, other)
    d = only(rec.differences)
    assert (d.kind, d.group, d.ballot) == (DiffKind.BALLOT, "lanhdao", 39)
    assert d.first is not None and d.first.cell == "A40" and d.second is None
    assert d.first.meaning == "4"        # four marks typed on it in the first entry
    rec = reconcile(other, first)
    d = only(rec.differences)
    assert d.first is None and d.second is not None and d.second.cell == "A40"
    # the missing ballot also shows in that entry's own check
    assert any(x.code == "E203" for x in rec.first.diagnostics)


def test_status_differs(first: Path, entry: Path, tmp_path: Path) -> None:  # noqa: F811
    other = second(entry, tmp_path, {("btv", "B9"): "không hợp lệ"})
    d = only(reconcile(first, other).differences)
    assert (d.kind, d.ballot) == (DiffKind.STATUS, 8)
    assert d.first is not None and d.second is not None
    assert (d.first.cell, d.first.text, d.first.meaning) == ("B9", "", "valid")
    assert (d.second.cell, d.second.text, d.second.meaning) == ("B9", "không hợp lệ", "invalid")


def test_marks_on_a_ballot_both_call_invalid_are_still_compared(first: Path, entry: Path,  # noqa: F811
                                                                  tmp_path: Path) -> None:
    """Not counted, but two entries that differ there were not typed from the same paper."""
    wb = openpyxl.load_workbook(first)
    row = next(r for r in range(2, 27) if wb["btv"][f"B{r}"].value)       # the sample's invalid ballot
    one = second(entry, tmp_path, {("btv", f"D{row}"): "1"}, name="entry-1b.xlsx")
    other = second(entry, tmp_path, {("btv", f"D{row}"): "3"})
    d = only(reconcile(one, other).differences)
    assert d.kind is DiffKind.MARK and d.first is not None and d.second is not None
    assert (d.first.cell, d.second.cell) == (f"D{row}", f"D{row}")


def test_an_empty_cell_on_an_invalid_ballot_is_no_difference(first: Path, entry: Path,  # noqa: F811
                                                               tmp_path: Path) -> None:
    """The cells of an invalid ballot may stay empty, while a scan holds every mark it read:
    once both call the ballot invalid they agree; while one calls it valid, only the status
    differs (its empty cells are then an error of that entry's own)."""
    wb = openpyxl.load_workbook(first)
    row = next(r for r in range(2, 27) if wb["btv"][f"B{r}"].value)       # the sample's invalid ballot
    marks = {("btv", f"{col}{row}"): 2 for col in "DEFGH"}
    assert reconcile(first, second(entry, tmp_path, marks)).agree
    scanned = second(entry, tmp_path, {**marks, ("btv", f"B{row}"): None}, name="entry-scan.xlsx")
    d = only([x for x in reconcile(first, scanned).differences if x.kind is not DiffKind.NOTE])
    assert (d.kind, d.first.cell if d.first else None) == (DiffKind.STATUS, f"B{row}")
    # an empty cell on a valid ballot is still a difference from a typed mark
    valid = next(r for r in range(2, 27) if not wb["btv"][f"B{r}"].value)
    d = only(reconcile(first, second(entry, tmp_path, {("btv", f"D{valid}"): None}, name="e3.xlsx")).differences)
    assert (d.kind, d.second.text if d.second else None) == (DiffKind.MARK, "")


def test_note_differs_but_not_in_spacing(first: Path, entry: Path, tmp_path: Path) -> None:  # noqa: F811
    wb = openpyxl.load_workbook(first)
    row = next(r for r in range(2, 27) if wb["btv"][f"C{r}"].value)
    note = wb["btv"][f"C{row}"].value
    assert reconcile(first, second(entry, tmp_path, {("btv", f"C{row}"): "  " + note.replace(" ", "   ")})).agree
    d = only(reconcile(first, second(entry, tmp_path, {("btv", f"C{row}"): "Phiếu rách"}, "n.xlsx")).differences)
    assert d.kind is DiffKind.NOTE and d.first is not None and d.second is not None
    assert (d.first.cell, d.first.text, d.second.text) == (f"C{row}", note, "Phiếu rách")


def test_group_in_one_entry_only(first: Path, entry: Path, tmp_path: Path) -> None:  # noqa: F811
    other = second(entry, tmp_path)
    wb = openpyxl.load_workbook(other)
    del wb["lanhdao"]
    wb.save(other)
    rec = reconcile(first, other)
    d = only(rec.differences)
    assert (d.kind, d.group, d.second) == (DiffKind.GROUP, "lanhdao", None)
    assert d.first is not None and d.first.sheet == "lanhdao" and d.first.text == "42"
    assert rec.compared == ("btv",)


def test_entries_with_no_form_in_common_say_so(first: Path, entry: Path, tmp_path: Path) -> None:  # noqa: F811
    a, b = second(entry, tmp_path, name="a.xlsx"), second(entry, tmp_path, name="b.xlsx")
    for path, drop in ((a, "lanhdao"), (b, "btv")):
        wb = openpyxl.load_workbook(path)
        del wb[drop]
        wb.save(path)
    with pytest.raises(TallyError) as exc:
        reconcile(a, b)
    assert [d.code for d in exc.value.diagnostics] == ["E414"]
    proc = run_tally("reconcile", a, b)
    assert proc.returncode == 5 and "E414" in proc.stderr and "btv" in proc.stderr and "lanhdao" in proc.stderr


def test_entries_made_for_different_events_are_refused(first: Path, tmp_path: Path) -> None:
    other_event = write_event(tmp_path / "other.toml", {"btv": 5, "lanhdao": 4})
    template = tmp_path / "other-entry.xlsx"
    assert run_tally("template", other_event, "-o", template).returncode == 0
    with pytest.raises(TallyError) as exc:
        reconcile(first, template)
    assert [d.code for d in exc.value.diagnostics] == ["E412"]
    proc = run_tally("reconcile", first, template, "-o", tmp_path / "d.xlsx")
    said = " ".join(proc.stderr.split())
    assert proc.returncode == 5 and "E412" in said and "different ballot forms" in said
    assert "• btv01 Nguyễn Văn 1 was added to form btv" in said     # the other event's forms, one by one
    assert "more changes" in said
    assert not (tmp_path / "d.xlsx").exists()
    # the hint's command, an instruction with the files named, runs as copied (no EVENT, OLD-ENTRY)
    offered = re.search(r"when \S+ is the older: (tally template .*?)(?: \d+ errors?|$)", said)
    assert offered and "EVENT" not in said and "OLD-ENTRY" not in said, said
    words = shlex.split(offered.group(1))
    # the newer entry's event file by the name it had when its template was made: run beside it
    assert words == ["tally", "template", other_event.name, "-o", str(tmp_path / f"{first.stem}-new.xlsx"),
                     "--from", str(first)], words
    moved = run_tally(*words[1:], cwd=tmp_path)
    # both files found and read: here the events share no one, so the rows fit nowhere (E416)
    assert "E416" in moved.stderr and "E300" not in moved.stderr and "E1" not in moved.stderr, moved.stderr


def test_entries_for_another_event_than_given_are_refused(first: Path, entry: Path,  # noqa: F811
                                                          tmp_path: Path) -> None:
    edited = tmp_path / "event.toml"
    text = EVENT.read_text(encoding="utf-8")
    edited.write_text(text.replace("collected = 42", "collected = 41"), encoding="utf-8")
    proc = run_tally("reconcile", first, second(entry, tmp_path), "--event", edited)
    assert "E411" not in proc.stdout + proc.stderr     # a meeting count is no change of the forms
    edited.write_text(text.replace('rules = "qd96-2023"', 'rules = "qd262-2014"'), encoding="utf-8")
    proc = run_tally("reconcile", first, second(entry, tmp_path), "--event", edited)
    assert proc.returncode == 5 and proc.stderr.count("E411") == 2
    assert "the rule set changed from qd96-2023 to qd262-2014" in " ".join(proc.stderr.split())


def test_hand_made_sheets_need_the_event(first: Path, tmp_path: Path) -> None:
    hand = tmp_path / "hand.xlsx"
    shutil.copy(SAMPLES / "ballots.xlsx", hand)
    with pytest.raises(TallyError) as exc:
        reconcile(hand, SAMPLES / "ballots.xlsx")
    assert [d.code for d in exc.value.diagnostics] == ["E413"]
    proc = run_tally("reconcile", hand, SAMPLES / "ballots.xlsx")
    assert proc.returncode == 3 and "--event" in proc.stderr
    # with the event, a hand-made sheet and a template entry of the same ballots agree
    rec = reconcile(hand, first, EVENT)
    assert rec.agree and rec.first.fingerprint is None and rec.second.fingerprint is not None
    # and one entry made from the template is enough to know the event
    assert reconcile(hand, first).agree


def test_same_file_name_in_two_folders(entry: Path, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "an").mkdir()
    (tmp_path / "binh").mkdir()
    a = fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "an" / "entry.xlsx")
    b = fill_entry(entry, SAMPLES / "ballots.xlsx", tmp_path / "binh" / "entry.xlsx", {("btv", "D2"): 2})
    d = only(reconcile(a, b).differences)
    assert d.first is not None and d.second is not None and d.first.file != d.second.file
    assert d.first.file.endswith("an/entry.xlsx") and d.second.file.endswith("binh/entry.xlsx")


def test_differences_workbook(first: Path, entry: Path, tmp_path: Path) -> None:  # noqa: F811
    other = second(entry, tmp_path, {("btv", "E7"): 3, ("btv", "B9"): "không hợp lệ",
                                     **{("lanhdao", f"{c}40"): None for c in "BCDEFG"}})
    out = tmp_path / "out" / "differences.xlsx"
    rec = reconcile_and_write(first, other, output=out)
    assert [d.kind for d in rec.differences] == [DiffKind.MARK, DiffKind.STATUS, DiffKind.BALLOT]
    assert out.read_bytes() == differences_workbook(reconcile(first, other))    # byte-identical
    ws = openpyxl.load_workbook(out)["Chênh lệch"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=8, values_only=False)]
    assert rows[0] == ["btv", 6, "đánh dấu: p02 - Hoàng Minh Tuấn", "E7", "1 (tín nhiệm cao)", "E7",
                       "3 (tín nhiệm thấp)"]
    assert rows[1] == ["btv", 8, "tình trạng phiếu", "B9", "(trống = hợp lệ)", "B9", "không hợp lệ"]
    assert rows[2] == ["lanhdao", 39, "phiếu chỉ có ở một bản", "A40", "phiếu 39: 4 ô đánh dấu", None,
                       "(không có)"]
    assert "entry-1.xlsx" in ws["A3"].value and "entry-2.xlsx" in ws["A4"].value
    assert "3 chỗ khác nhau" in ws["A5"].value
    assert is_differences_workbook(out)
    # compare, correct, compare again: the previous differences workbook is replaced ...
    fixed = second(entry, tmp_path, name="fixed.xlsx")
    proc = run_tally("reconcile", first, fixed, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert "khớp nhau" in openpyxl.load_workbook(out)["Chênh lệch"]["A5"].value
    # ... but no other file
    proc = run_tally("reconcile", first, fixed, "-o", fixed.with_name("other.xlsx"))
    assert proc.returncode == 0
    fixed.with_name("other.xlsx").write_bytes(b"someone's file")
    proc = run_tally("reconcile", first, fixed, "-o", fixed.with_name("other.xlsx"))
    assert proc.returncode == 7 and "E601" in proc.stderr
    # ... and never an entry, --force or not (E604)
    for force in ([], ["--force"]):
        proc = run_tally("reconcile", first, fixed, "-o", first, *force)
        assert proc.returncode == 7 and "E604" in proc.stderr and not is_differences_workbook(first)


def test_cli_lists_every_kind(first: Path, entry: Path, tmp_path: Path) -> None:  # noqa: F811
    other = second(entry, tmp_path, {("btv", "E7"): 3, ("btv", "B9"): "không hợp lệ", ("btv", "C3"): "rách",
                                     **{("lanhdao", f"{c}40"): None for c in "BCDEFG"}})
    proc = run_tally("reconcile", first, other, env={"COLUMNS": "200"})
    assert proc.returncode == 10
    for text in ("4 differences", "mark: p02 - Hoàng Minh Tuấn", "ballot status", "B9: (empty = valid)",
                 "B9: không hợp lệ (invalid)", "note", "C3: rách", "ballot in one entry only", "A40: ballot 39",
                 "(absent)", "run `tally reconcile` again"):
        assert text in proc.stdout, text


def test_one_file_given_as_both_entries_is_refused(first: Path, tmp_path: Path) -> None:
    """Double entry is two clerks typing the same paper: a file compared with itself (under any
    spelling of its path, or a hard link to it) proves nothing, and is refused before it is read."""
    link = tmp_path / "link.xlsx"
    link.hardlink_to(first)
    for other in (first, tmp_path / "." / first.name, link):
        with pytest.raises(TallyError) as info:
            reconcile(first, other)
        assert [d.code for d in info.value.diagnostics] == ["E418"]
        assert info.value.diagnostics[0].location is not None
        assert "(1)" not in str(info.value.diagnostics[0].location)
    for lang in ("en", "vi"):
        proc = run_tally("--lang", lang, "reconcile", first, first)
        assert proc.returncode == ExitCode.USAGE, proc.stdout + proc.stderr
        assert "E418" in proc.stderr + proc.stdout
        assert ("agree" in proc.stdout) is False and ("khớp" in proc.stdout) is False


def test_a_copy_of_one_entry_is_warned_about(first: Path, entry: Path, tmp_path: Path) -> None:  # noqa: F811
    """Two clerks' workbooks differ at least in when each was saved: the same bytes under another
    name are a copy (`cp entry-1.xlsx entry-2.xlsx`), and the ballots were typed once."""
    copy = shutil.copyfile(first, tmp_path / "entry-2.xlsx")
    rec = reconcile(first, copy)
    assert rec.agree and rec.exit_code is ExitCode.OK          # they do agree: a warning, not an error
    assert [d.code for d in rec.second.diagnostics] == ["W716"] and not rec.first.diagnostics
    proc = run_tally("--lang", "en", "reconcile", first, copy)
    assert proc.returncode == 0 and "W716" in proc.stdout + proc.stderr and "copy" in proc.stdout + proc.stderr
    typed = second(entry, tmp_path, {("btv", "D2"): 2}, name="entry-3.xlsx")
    assert not any(d.code == "W716" for d in reconcile(first, typed).second.diagnostics)
