"""The words the counting minutes print, per language, and how they write dates and
percentages: one home for the document's text (the layout in :mod:`tally.layout` places
them; the styler in :mod:`tally.workbook` dresses them).

These are document words, not interface messages: the minutes are written in the event's
language whatever the reader's terminal language is, so they are plain dicts here rather
than gettext messages.
"""

from __future__ import annotations

import datetime as dt

# One dict per language; both hold the same keys (tests/test_workbook.py checks).
LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "party_header": "ĐẢNG CỘNG SẢN VIỆT NAM",
        "state_header": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "state_motto": "Độc lập - Tự do - Hạnh phúc",
        "party_mark": "*",
        "state_mark": "―――――",
        "title": "BIÊN BẢN KIỂM PHIẾU",
        "pursuant": "Căn cứ {citation};",
        "number_line": "Số:        -BB/BKP",
        "opening": "Hôm nay, vào lúc ...... giờ ...... {date}, tại {place}, Ban kiểm phiếu gồm các đồng chí: "
        "{members} đã kiểm phiếu và lập biên bản như sau:",
        "opening_no_committee": "Hôm nay, vào lúc ...... giờ ...... {date}, tại {place}, Ban kiểm phiếu "
        "(các đồng chí ký tên dưới đây) đã kiểm phiếu và lập biên bản như sau:",
        "blank_place": "..............................",
        "committee_member": "{name} ({role})",
        "intro": "Ban kiểm phiếu đã kiểm phiếu và lập biên bản như sau:",
        "section_meeting": "I. SỐ NGƯỜI VÀ SỐ PHIẾU",
        "summoned": "Số người được triệu tập:",
        "members": "Tổng số thành viên, đại biểu:",
        "present": "Số người có mặt:",
        "issued": "Số phiếu phát ra:",
        "collected": "Số phiếu thu về:",
        "valid_ballots": "Số phiếu hợp lệ:",
        "invalid_ballots": "Số phiếu không hợp lệ:",
        "unit_person": "người",
        "unit_ballot": "phiếu",
        "quorum_ok": "Số người có mặt {present}/{summoned} người được triệu tập: đủ 2/3, "
        "hội nghị đủ điều kiện lấy phiếu tín nhiệm.",
        "quorum_no": "Số người có mặt {present}/{summoned} người được triệu tập: không đủ 2/3.",
        "quorum_none": "Số người có mặt {present}/{summoned} người được triệu tập (không áp dụng tỷ lệ 2/3).",
        "base_collected": "Tỷ lệ phần trăm tính trên tổng số phiếu thu về ({base} phiếu).",
        "base_members": "Tỷ lệ phần trăm tính trên tổng số thành viên, đại biểu ({base} người).",
        "section_result": "II. KẾT QUẢ LẤY PHIẾU TÍN NHIỆM",
        "th_no": "TT",
        "th_name": "Họ và tên",
        "th_positions": "Chức vụ",
        "th_valid": "Phiếu\nhợp lệ",
        "th_invalid": "Phiếu\nkhông\nhợp lệ",
        "level_high": "Tín nhiệm cao",
        "level_medium": "Tín nhiệm",
        "level_low": "Tín nhiệm thấp",
        "th_count": "Số\nphiếu",
        "th_pct": "Tỷ lệ\n%",
        "th_note": "Ghi chú",
        "closing": "Biên bản đã được Ban kiểm phiếu thông qua và cùng ký tên dưới đây.",
        "sign_on_behalf": "TM. BAN KIỂM PHIẾU",
        "sign_members": "CÁC THÀNH VIÊN BAN KIỂM PHIẾU",
        "sign_hint": "(Ký, ghi rõ họ tên)",
        "invalid_sheet": "Phiếu không hợp lệ",
        "invalid_title": "DANH SÁCH PHIẾU VÀ DÒNG KHÔNG HỢP LỆ",
        "invalid_intro": "Phiếu không hợp lệ vẫn tính là phiếu thu về; dòng không hợp lệ chỉ không tính "
        "cho người ở dòng đó.",
        "col_group": "Loại phiếu",
        "col_ballot": "Số phiếu",
        "col_person": "Người được lấy phiếu",
        "col_reason": "Lý do",
        "col_source": "Nguồn (tệp › trang › ô)",
        "whole_ballot": "cả phiếu",
        "no_reason": "(không ghi)",
        "no_invalid": "Không có phiếu hoặc dòng không hợp lệ.",
        "prov_sheet": "Nguồn gốc",
        "prov_title": "NGUỒN GỐC KẾT QUẢ",
        "prov_event": "Đợt lấy phiếu",
        "prov_organisation": "Đơn vị",
        "prov_date": "Ngày",
        "prov_event_file": "Tệp sự kiện (SHA-256)",
        "prov_inputs": "Tệp phiếu",
        "prov_scan": "  Bản quét",
        "prov_sha256": "SHA-256",
        "prov_rules": "Bộ quy tắc",
        "prov_citation": "Căn cứ",
        "prov_revision": "Phiên bản dữ liệu quy định",
        "prov_policy": "Quyết định của Ban kiểm phiếu",
        "prov_tool": "Công cụ",
        "prov_results": "results.json (SHA-256)",
        "prov_note": "Tệp results.json được nhúng trong sổ tính này (trang ẩn _tally); dấu vân tay "
        "SHA-256 của nó được in ở chân mỗi trang biên bản.",
        "footer_page": "Trang &P/&N",
    },
    "en": {
        "party_header": "COMMUNIST PARTY OF VIETNAM",
        "state_header": "SOCIALIST REPUBLIC OF VIETNAM",
        "state_motto": "Independence - Freedom - Happiness",
        "party_mark": "*",
        "state_mark": "―――――",
        "title": "COUNTING MINUTES",
        "pursuant": "Pursuant to {citation};",
        "number_line": "No.:        -BB/BKP",
        "opening": "Today, at ...... h ...... on {date}, at {place}, the counting committee ({members}) "
        "counted the ballots and records the following:",
        "opening_no_committee": "Today, at ...... h ...... on {date}, at {place}, the counting committee "
        "(its members sign below) counted the ballots and records the following:",
        "blank_place": "..............................",
        "committee_member": "{name} ({role})",
        "intro": "The counting committee has counted the ballots and records the following:",
        "section_meeting": "I. ATTENDANCE AND BALLOTS",
        "summoned": "Persons summoned:",
        "members": "Total members:",
        "present": "Persons present:",
        "issued": "Ballots issued:",
        "collected": "Ballots collected:",
        "valid_ballots": "Valid ballots:",
        "invalid_ballots": "Invalid ballots:",
        "unit_person": "persons",
        "unit_ballot": "ballots",
        "quorum_ok": "{present} of {summoned} persons summoned are present: the two-thirds quorum "
        "is reached.",
        "quorum_no": "{present} of {summoned} persons summoned are present: the two-thirds quorum "
        "is not reached.",
        "quorum_none": "{present} of {summoned} persons summoned are present (no two-thirds quorum applies).",
        "base_collected": "Percentages are of the ballots collected ({base}).",
        "base_members": "Percentages are of the total number of members ({base}).",
        "section_result": "II. RESULTS OF THE CONFIDENCE VOTE",
        "th_no": "No.",
        "th_name": "Name",
        "th_positions": "Position",
        "th_valid": "Valid",
        "th_invalid": "Invalid",
        "level_high": "High confidence",
        "level_medium": "Confidence",
        "level_low": "Low confidence",
        "th_count": "Votes",
        "th_pct": "%",
        "th_note": "Notes",
        "closing": "These minutes were approved by the counting committee, whose members sign below.",
        "sign_on_behalf": "FOR THE COUNTING COMMITTEE",
        "sign_members": "MEMBERS OF THE COUNTING COMMITTEE",
        "sign_hint": "(signature and full name)",
        "invalid_sheet": "Invalid ballots",
        "invalid_title": "INVALID BALLOTS AND ROWS",
        "invalid_intro": "An invalid ballot still counts as collected; an invalid row only does not "
        "count for the person on that row.",
        "col_group": "Form",
        "col_ballot": "Ballot",
        "col_person": "Person",
        "col_reason": "Reason",
        "col_source": "Source (file › sheet › cell)",
        "whole_ballot": "whole ballot",
        "no_reason": "(none recorded)",
        "no_invalid": "No invalid ballots or rows.",
        "prov_sheet": "Provenance",
        "prov_title": "PROVENANCE OF THE RESULTS",
        "prov_event": "Event",
        "prov_organisation": "Organisation",
        "prov_date": "Date",
        "prov_event_file": "Event file (SHA-256)",
        "prov_inputs": "Ballot file",
        "prov_scan": "  Scanned from",
        "prov_sha256": "SHA-256",
        "prov_rules": "Rule set",
        "prov_citation": "Citation",
        "prov_revision": "Rule data revision",
        "prov_policy": "Counting committee's decision",
        "prov_tool": "Tool",
        "prov_results": "results.json (SHA-256)",
        "prov_note": "results.json is embedded in this workbook (hidden sheet _tally); its SHA-256 "
        "fingerprint is printed in the footer of every page of the minutes.",
        "footer_page": "Page &P of &N",
    },
}

MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


def labels(language: str) -> dict[str, str]:
    return LABELS["vi"] if language == "vi" else LABELS["en"]


def format_pct(pct: str, language: str) -> str:
    """'38.88' as printed: '38,88%' in Vietnamese (decimal comma), '38.88%' in English."""
    return (pct.replace(".", ",") if language == "vi" else pct) + "%"


def format_date(iso: str, place: str | None, language: str) -> str:
    """'Hà Nội, ngày 05 tháng 02 năm 2023' (days below 10 and months 1-2 get a leading 0,
    as Nghị định 30/2020/NĐ-CP asks), or 'Hanoi, 5 February 2023'."""
    try:
        d = dt.date.fromisoformat(iso)
    except ValueError:
        return f"{place}, {iso}" if place else iso
    if language == "vi":
        month = f"{d.month:02d}" if d.month <= 2 else str(d.month)
        text = f"ngày {d.day:02d} tháng {month} năm {d.year}"
        return f"{place}, {text}" if place else text[0].upper() + text[1:]
    text = f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"
    return f"{place}, {text}" if place else text


# The confidentiality mark printed in the page header of Party minutes.
RESTRICTED_MARK = {"vi": "MẬT", "en": "RESTRICTED"}
