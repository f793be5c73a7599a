"""Secret ballot (issue 5, item 6): a column that identifies voters is refused, never read."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import DATA

from ballots.event import load_event
from ballots.validate import read_ballots

EVENT = DATA / "ballots" / "event.toml"


@pytest.mark.parametrize("header", ["Họ tên người bỏ phiếu", "Chữ ký", "Ký tên", "Số CCCD", "Email", "Mã cán bộ",
                                    "Voter", "Signature", "HỌ VÀ TÊN"])
def test_voter_identity_column_is_refused(header: str, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "btv"
    ws.append(["Số phiếu", "p01", "p02", "p03", header])
    for n in range(1, 6):
        ws.append([n, 1, 2, 3, f"Cử tri số {n}"])
    path = tmp_path / "b.xlsx"
    wb.save(path)
    event, _w = load_event(EVENT)
    read = read_ballots(event, [path])
    e415 = [d for d in read.diagnostics if d.code == "E415"]
    assert len(e415) == 1 and str(e415[0].location) == "b.xlsx › btv › E1"
    assert read.has_errors
    assert not any("Cử tri" in b.note for g in read.groups for b in g.ballots)


def test_a_person_whose_name_is_not_on_the_form_is_not_taken_for_a_voter(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "btv"
    ws.append(["Số phiếu", "p01", "p02", "p03", "Nguyễn Văn Ký"])
    wb.save(tmp_path / "b.xlsx")
    event, _w = load_event(EVENT)
    codes = {d.code for d in read_ballots(event, [tmp_path / "b.xlsx"]).diagnostics}
    assert "E415" not in codes and "E405" in codes
