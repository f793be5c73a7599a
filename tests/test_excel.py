"""What Excel would say about every workbook tally writes (issue #12): sheet names within
Excel's 31 characters, and each workbook valid OOXML by openxml-audit, a pure-Python port of
the Open XML SDK's validator (the schema and the Excel app-compat rules).

Excel cannot run here; what it would do with each file is in the report of openxml-audit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
from conftest import SAMPLES, run_tally
from sigtools import sample_key

from tally.sign import sign_results

LONG = "ban-thuong-vu-dang-uy-so-gtvt-01"[:31]     # the longest id allowed: 31 characters
# Inline strings are valid SpreadsheetML (ECMA-376 §18.3.1.53 is=CT_Rst), and openpyxl 3.1
# writes nothing else; Excel reads them as they are and moves them to a shared-strings part
# only if the user saves the file. openxml-audit reports that rewrite as an app-compat warning.
ACCEPTED_WARNING = "inline-string cell(s)"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every kind of workbook tally writes, from the sample with a group id of 31 characters."""
    work = tmp_path_factory.mktemp("excel")
    shutil.copytree(SAMPLES, work / "samples")
    event = work / "samples" / "event.toml"
    text = event.read_text(encoding="utf-8")
    head, tail = text.split("[[groups]]", 1)
    event.write_text(head + "[[groups]]" + tail.replace('id = "btv"', f'id = "{LONG}"', 1), encoding="utf-8")
    wb = openpyxl.load_workbook(work / "samples" / "ballots.xlsx")
    wb["btv"].title = LONG
    wb.save(work / "samples" / "ballots.xlsx")
    second = work / "second.xlsx"
    wb[LONG]["F7"] = 3 if wb[LONG]["F7"].value != 3 else 1
    wb.save(second)
    out = work / "out"
    for args in (("count", event, work / "samples" / "ballots.xlsx", "-o", out / "results.xlsx"),
                 ("template", event, "-o", out / "entry.xlsx"),
                 ("ballots", event, "-o", out / "ballots.xlsx")):
        proc = run_tally(*args, cwd=work)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = run_tally("reconcile", work / "samples" / "ballots.xlsx", second, "--event", event, "-o",
                     out / "differences.xlsx", cwd=work)
    assert proc.returncode == 10, proc.stdout + proc.stderr
    signed = work / "signed" / "results.xlsx"
    signed.parent.mkdir()
    shutil.copy(out / "results.xlsx", signed)
    shutil.copy(out / "results.json", signed.with_suffix(".json"))
    sign_results(signed, sample_key(), name="Ngô Văn Bình")
    return {"minutes": out / "results.xlsx", "entry template": out / "entry.xlsx",
            "paper ballots": out / "ballots.xlsx", "differences": out / "differences.xlsx",
            "signed minutes": signed}


def test_a_31_character_group_id_names_its_sheets_everywhere(written: dict[str, Path]) -> None:
    for kind in ("minutes", "entry template", "paper ballots"):
        names = openpyxl.load_workbook(written[kind]).sheetnames
        assert all(len(n) <= 31 for n in names), (kind, names)
        assert LONG in names or kind == "minutes", (kind, names)


def test_a_32_character_id_is_refused_with_the_limit(tmp_path: Path) -> None:
    event = tmp_path / "event.toml"
    text = (SAMPLES / "event.toml").read_text(encoding="utf-8")
    head, tail = text.split("[[groups]]", 1)
    event.write_text(head + "[[groups]]" + tail.replace('id = "btv"', f'id = "{LONG}x"', 1), encoding="utf-8")
    proc = run_tally("check", event, SAMPLES / "ballots.xlsx", cwd=tmp_path)
    assert proc.returncode != 0 and "E110" in proc.stderr and "at most 31 characters" in proc.stderr


@pytest.mark.parametrize("kind", ["minutes", "entry template", "paper ballots", "differences", "signed minutes"])
def test_every_workbook_is_valid_ooxml_for_excel(written: dict[str, Path], kind: str) -> None:
    from openxml_audit.errors import FileFormat
    from openxml_audit.validator import OpenXmlValidator

    result = OpenXmlValidator(file_format=FileFormat.MICROSOFT_365, max_errors=0).validate(written[kind])
    problems = [f"{e.description} ({getattr(e, 'part', '')} {getattr(e, 'path', '')})" for e in result.errors
                if ACCEPTED_WARNING not in e.description]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", ["entry template", "paper ballots", "differences"])
def test_no_save_prompt_and_data_sheets_that_cannot_be_unhidden(written: dict[str, Path], kind: str) -> None:
    """No formulas, so no full recalculation on load (which makes Excel ask "Save changes?" on
    closing an untouched file); the tool's own data sheets are veryHidden (Excel's Unhide does
    not offer them)."""
    import zipfile

    book = zipfile.ZipFile(written[kind]).read("xl/workbook.xml").decode()
    assert 'fullCalcOnLoad="1"' not in book
    wb = openpyxl.load_workbook(written[kind])
    states = {ws.title: ws.sheet_state for ws in wb.worksheets}
    assert {s for t, s in states.items() if t.startswith("_")} <= {"veryHidden"}, states
    assert {s for t, s in states.items() if not t.startswith("_")} == {"visible"}, states
