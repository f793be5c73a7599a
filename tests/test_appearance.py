"""Verification fails closed on what the minutes print (issue #10): the strict reader, the
comparison with the minutes rebuilt from the signed results.json, and the re-saves it must
tolerate. The tampered workbooks themselves are checked in tests/test_verify.py."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl.styles import Font, PatternFill
from sigtools import TAMPERED

from tally.compare import appearance_differences, compare_appearance, displayed, header_footer_parts, rebuild
from tally.keys import load_trust
from tally.sign import embedded_results
from tally.snapshot import read_snapshot, truth
from tally.verify import verify_file

SIGNED = TAMPERED / "signed.xlsx"
ANCHORS = load_trust(str(TAMPERED.parent / "keys" / "committee.pub"))


def test_the_rebuilt_minutes_equal_the_signed_ones() -> None:
    snap = read_snapshot(SIGNED)
    data = embedded_results(snap)
    assert data is not None
    assert appearance_differences(data, snap) == []
    assert snap.problems == ()


def test_a_rezip_still_verifies(tmp_path: Path) -> None:
    """Another zip program: other compression, other order of the members."""
    out = io.BytesIO()
    with zipfile.ZipFile(SIGNED) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
        for name in reversed(zin.namelist()):
            zout.writestr(name, zin.read(name))
    (tmp_path / "rezipped.xlsx").write_bytes(out.getvalue())
    report = verify_file(tmp_path / "rezipped.xlsx", ANCHORS)
    assert report.passed, [c.reason for c in report.failed]


@pytest.mark.parametrize("spelling,hidden", [("1", True), ("true", True), ("on", True), ("t", True), ("2", True),
                                             ("TRUE", True), ("0", False), ("false", False), (None, False)])
def test_every_spelling_of_true_counts(spelling: str | None, hidden: bool) -> None:
    assert truth(spelling) is hidden


def test_displayed_text_is_what_prints() -> None:
    assert displayed(23, "General") == "23"
    assert displayed(23.0, "General") == "23"
    assert displayed("\n\nAn", "General") == "\n\nAn"       # leading newlines are not stripped
    assert displayed(23, '"2"') != "23"
    assert displayed(True, "General") == "TRUE"
    assert displayed(10**400, "General") == "1" + "0" * 400          # no float overflow
    assert displayed(float("inf"), "0") != displayed(0, "0")


def test_header_footer_codes() -> None:
    text, sizes, fonts, other = header_footer_parts('&C&"Times New Roman"&10 Trang &P/&N_x000a_&8 SHA &KFF0000x')
    assert text["C"] == "Trang &P/&N\nSHA x"
    assert sizes == [10.0, 8.0] and fonts == ["Times New Roman"] and other == ["colour FF0000"]


# --- the property: any single visible change makes verify fail ----------------------------

_SNAP = read_snapshot(SIGNED)
_VISIBLE = [n for n in _SNAP.sheets if _SNAP.states[n] == "visible"]
_TEXT_CELLS = [(n, ref) for n in _VISIBLE for ref, c in sorted(_SNAP.detail[n].cells.items())
               if displayed(c.value, c.look.number_format).strip()]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(_TEXT_CELLS),
       change=st.sampled_from(["value", "size", "colour", "bold", "fill", "width", "hide row", "hide column"]),
       number=st.integers(0, 10_000), size=st.floats(1, 40), rgb=st.integers(0, 0xFFFFFF))
def test_any_single_visible_change_fails_verify(tmp_path_factory: pytest.TempPathFactory, target: tuple[str, str],
                                                change: str, number: int, size: float, rgb: int) -> None:
    sheet, ref = target
    wb = openpyxl.load_workbook(SIGNED)
    ws = wb[sheet]
    cell = ws[ref]
    colour = f"{rgb:06X}"
    if change == "value":
        assume(str(number) != str(cell.value))
        cell.value = number if isinstance(cell.value, int) else f"{cell.value}{number}"
    elif change == "size":
        assume(abs(size - (cell.font.sz or 11)) > 0.5)
        cell.font = Font(name=cell.font.name, sz=round(size, 1), b=cell.font.b, i=cell.font.i,
                         color=cell.font.color)
    elif change == "colour":
        assume(colour not in ("000000", str(getattr(cell.font.color, "rgb", ""))[-6:]))
        cell.font = Font(name=cell.font.name, sz=cell.font.sz, b=cell.font.b, i=cell.font.i, color=colour)
    elif change == "bold":
        cell.font = Font(name=cell.font.name, sz=cell.font.sz, b=not cell.font.b, i=cell.font.i,
                         color=cell.font.color)
    elif change == "fill":
        assume(colour != str(cell.fill.fgColor.rgb)[-6:])
        cell.fill = PatternFill("solid", start_color=colour, end_color=colour)
    elif change == "width":
        letter = cell.column_letter
        current = ws.column_dimensions[letter].width or 8.43
        new = (number % 600) / 10
        # openpyxl writes no width of 0 (the column falls back to the default 8.43, within
        # WIDTH_SLACK of a signed 8.5): a column hidden so is the "hide column" case
        assume(new > 0 and abs(new - current) > 0.2)
        ws.column_dimensions[letter].width = new
    elif change == "hide row":
        ws.row_dimensions[cell.row].hidden = True
    else:
        ws.column_dimensions[cell.column_letter].hidden = True
    path = tmp_path_factory.mktemp("prop") / "t.xlsx"
    wb.save(path)
    report = verify_file(path, ANCHORS)
    assert not report.passed, (target, change)
    assert "appearance" in {c.id for c in report.failed}


def test_the_comparison_names_sheet_cell_and_both_sides() -> None:
    snap = read_snapshot(TAMPERED / "low-count.xlsx")
    data = embedded_results(snap)
    assert data is not None
    diffs = compare_appearance(rebuild(data, True), snap)      # the sample's minutes carry the MẬT mark
    assert len(diffs) == 1, diffs
    d = diffs[0]
    assert d.cell.startswith("J") and d.what == "text" and d.shown == str(int(d.signed) // 10)
    assert appearance_differences(data, snap) == diffs


def test_a_theme_font_in_place_of_the_named_one_fails_verify(tmp_path: Path) -> None:
    """A font marked <scheme val="minor"/> is drawn by Excel in the theme's body font, whatever
    its name says (and the theme is a part of the package anyone can change): tally writes none,
    so minutes whose fonts are so marked do not print as signed (E922), naming the theme's font."""
    with zipfile.ZipFile(SIGNED) as z:
        parts = [(info, z.read(info)) for info in z.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info, body in parts:
            if info.filename == "xl/styles.xml":
                assert b"<font>" in body and b"scheme" not in body
                body = body.replace(b"</font>", b'<scheme val="minor"/></font>')
            z.writestr(info, body)
    path = tmp_path / "theme.xlsx"
    path.write_bytes(out.getvalue())
    report = verify_file(path, ANCHORS)
    assert not report.passed
    appearance = [c for c in report.failed if c.id == "appearance"]
    assert appearance and appearance[0].code == "E922" and "the theme's minor font" in appearance[0].reason
