"""Legacy Vietnamese fonts (issue 5, item 4): headers, marks and statuses typed with
TCVN3 (.VnTime) or VNI-Times are decoded to Unicode NFC and matched, with a warning
naming the cells; a name that still does not match gets the closest person."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import openpyxl
import pytest
from conftest import DATA

from ballots.event import load_event
from ballots.legacy import decode_tcvn3, decode_vni, decodings
from ballots.marks import parse_mark, parse_status
from ballots.model import Mark
from ballots.validate import read_ballots

EVENT = DATA / "ballots" / "event.toml"

# Independent examples: place names as published with their .VnTime spelling, and VNI
# strings as VNI-Times keyboards produce them.
TCVN3_CASES = [("B¶o Th¾ng", "Bảo Thắng"), ("M\xadêng Kh\xad¬ng", "Mường Khương"), ("B¸t X¸t", "Bát Xát"),
               ("NguyÔn V¨n An", "Nguyễn Văn An"), ("TrÇn ThÞ B×nh", "Trần Thị Bình"), ("Sè phiÕu", "Số phiếu"),
               ("T×nh tr¹ng", "Tình trạng"), ("thÊp", "thấp"), ("kh«ng hîp lÖ", "không hợp lệ")]
VNI_CASES = [("Xin chaøo caùc baïn", "Xin chào các bạn"), ("Nguyeãn Vaên An", "Nguyễn Văn An"),
             ("Leâ Vaên Cöôøng", "Lê Văn Cường"), ("Soá phieáu", "Số phiếu"), ("Ghi chuù", "Ghi chú"),
             ("NGUYEÃN VAÊN AN", "NGUYỄN VĂN AN"), ("khoâng hôïp leä", "không hợp lệ")]


@pytest.mark.parametrize("legacy, unicode", TCVN3_CASES)
def test_tcvn3(legacy: str, unicode: str) -> None:
    assert decode_tcvn3(legacy) == unicode == unicodedata.normalize("NFC", unicode)


@pytest.mark.parametrize("legacy, unicode", VNI_CASES)
def test_vni(legacy: str, unicode: str) -> None:
    assert decode_vni(legacy) == unicode


def test_unicode_and_ascii_text_is_never_decoded() -> None:
    assert decodings("Nguyễn Văn An") == [] and decodings("p01") == [] and decodings("") == []


def test_marks_and_statuses_in_legacy_fonts() -> None:
    assert parse_mark("thÊp") is Mark.LOW and parse_mark("tÝn nhiÖm cao") is Mark.HIGH
    assert parse_mark("thaáp") is Mark.LOW and parse_status("kh«ng hîp lÖ") is False


def _sheet(path: Path, headers: list[str], marks: list[object]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "btv"
    ws.append(headers)
    for n in range(1, 6):
        ws.append([n, None, None, *marks])
    ld = wb.create_sheet("ld")
    ld.append(["Số phiếu", "p01", "p04", "p05"])
    for n in range(1, 6):
        ld.append([n, 1, 2, 3])
    wb.save(path)
    return path


def test_a_sheet_typed_in_vntime_and_vni_is_read_with_a_warning(tmp_path: Path) -> None:
    event, _w = load_event(EVENT)
    path = _sheet(tmp_path / "b.xlsx", ["Sè phiÕu", "T×nh tr¹ng", "Ghi chó", "NguyÔn V¨n An", "Trần Thị Bình",
                                       "Leâ Vaên Cöôøng"], ["cao", "thÊp", "thaáp"])
    read = read_ballots(event, [path])
    assert not read.has_errors, [d.message for d in read.diagnostics]
    warned = {str(d.location) for d in read.diagnostics if d.code == "W709"}
    assert warned == {"b.xlsx › btv › A1", "b.xlsx › btv › B1", "b.xlsx › btv › C1", "b.xlsx › btv › D1",
                      "b.xlsx › btv › F1"}
    btv = next(g for g in read.groups if g.group.id == "btv")
    assert all(b.marks == (Mark.HIGH, Mark.LOW, Mark.LOW) for b in btv.ballots)


def test_a_misspelt_legacy_name_gets_the_closest_person(tmp_path: Path) -> None:
    event, _w = load_event(EVENT)
    path = _sheet(tmp_path / "b.xlsx", ["Số phiếu", "Tình trạng", "Ghi chú", "NguyÔn V¨n Ann", "p02", "p03"],
                  [1, 2, 3])
    read = read_ballots(event, [path])
    e405 = [d for d in read.diagnostics if d.code == "E405"]
    assert e405 and "p01 - Nguyễn Văn An" in e405[0].hint
