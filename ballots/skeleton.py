"""A new event file: the commented skeleton `tally init` writes, and the typed values it is made from.

The skeleton explains every section in Vietnamese and English so that a committee can
finish the file by hand. The value checks (`text_value`, `date_value`) are the ones the
editing commands use for what a person typed.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import tomlkit

from ballots.errors import Location, fail
from ballots.event import LANGUAGES
from ballots.i18n import N_, _
from ballots.model import CommitteeMember
from ballots.output import require_suffix
from ballots.rules import DEFAULT_RULES, RULE_SETS, rule_set_id


__all__ = ["DateLike", "check_new_event_path", "date_value", "new_event_document", "optional_text", "render_event",
           "text_value"]

DateLike = dt.date | str


# ---------------------------------------------------------------- typed values


def text_value(value: str | None, field: str, name: str, option: str) -> str:
    if value is None or not value.strip():
        raise fail("E103", _("{field} is missing or empty").format(field=_(field)),
                   _("give it with {option}").format(option=option), Location(name))
    # one spelling of each letter: text typed on some systems arrives decomposed (NFD)
    return unicodedata.normalize("NFC", value.strip())


def optional_text(value: str | None) -> str | None:
    return unicodedata.normalize("NFC", value.strip()) if value is not None and value.strip() else None


def parse_date(text: str) -> dt.date | None:
    """A date as people type it: 28/09/2025 or 28-09-2025 (day first, the Vietnamese habit) or
    2025-09-28 (ISO); None when it is neither."""
    text = text.strip()
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def date_value(value: DateLike | None, field: str, name: str, option: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and value.strip():
        found = parse_date(value)
        if found is not None:
            return found
    raise fail("E104", _("{field} should be a date like 31/05/2023 or 2023-05-31, found {value!r}")
               .format(field=_(field), value=value),
               _("write {option} as DD/MM/YYYY or YYYY-MM-DD").format(option=option), Location(name))


# ---------------------------------------------------------------- the event skeleton

_RULES_COMMENT = """\
# Bộ quy định áp dụng / Rule set (SPEC §2):
#   "qd96-2023"  Quy định 96-QĐ/TW (2023): Đảng, hệ thống chính trị (mặc định / default)
#   "nq96-2023"  Nghị quyết 96/2023/QH15: Quốc hội, HĐND / National Assembly, People's Councils
#   "qd262-2014" Quy định 262-QĐ/TW (2014), đã được thay thế / superseded
#   "nq85-2014"  Nghị quyết 85/2014/QH13, đã được thay thế / superseded
#   "nq35-2012"  Nghị quyết 35/2012/QH13, đã được thay thế / superseded
#                (hai bộ sau: tỷ lệ tính trên tổng số thành viên / these two: percentages of all members)
# Xem / see:  tally rules ID"""

_RULE = "# " + "-" * 75

_COMMITTEE_BLOCK = f"""\
{_RULE}
# [[committee]] Ban kiểm phiếu, in ở khối chữ ký / Counting committee, for the signature block.
# Mỗi thành viên một bảng / One table per member:
#   name  họ và tên / full name
#   role  chức danh trong Ban kiểm phiếu / role on the committee, e.g. "Trưởng ban"
{_RULE}"""

_COMMITTEE_EXAMPLE = """\
# [[committee]]
# name = "Lê Văn Cường"
# role = "Trưởng ban\""""

_POSITIONS_BLOCK = f"""\
{_RULE}
# [[positions]] Chức danh được lấy phiếu / Positions under review.
#   id     mã ngắn ASCII, không trùng / short unique ASCII slug, e.g. "gd"
#   title  tên chức danh in trên phiếu và biên bản / title printed on ballots and minutes
# Thêm / add:  tally position add EVENT --title "Giám đốc Sở"
{_RULE}"""

_PERSONS_BLOCK = f"""\
{_RULE}
# [[persons]] Người được lấy phiếu / Persons under review.
# Thứ tự ở đây là thứ tự in trên phiếu / The order here is the order on the ballot forms.
#   id         mã ngắn ASCII / short ASCII slug, e.g. "p01"
#   name       họ và tên đầy đủ, có dấu / full name with diacritics
#   positions  các chức danh đang giữ (id) / ids of the positions held, e.g. ["btv", "gd"]
#   appointed  tùy chọn: ngày được bầu, bổ nhiệm / optional: date elected or appointed
#   retiring   tùy chọn: đã có thông báo nghỉ hưu / optional: notified of retirement (true/false)
# Thêm / add:  tally person add EVENT --name "Nguyễn Văn An" --position gd
{_RULE}"""

_GROUPS_BLOCK = f"""\
{_RULE}
# [[groups]] Phiếu (nhóm): mỗi mẫu phiếu có thành phần bỏ phiếu riêng (QĐ 96, Phụ lục 1).
# Ballot groups: each ballot form has its own voters (QĐ 96, Annex 1).
#   id         mã ngắn ASCII; là tên trang tính trong tệp phiếu / also the sheet name in the ballot workbook
#   title      tiêu đề mẫu phiếu / title of the ballot form
#   positions  ai giữ một trong các chức danh này thì có tên trên phiếu (một lần)
#              everyone holding one of these positions is on the form (once)
#   summoned   số người được triệu tập / number summoned
#   present    số người có mặt (ít nhất 2/3 số triệu tập) / present (quorum: at least 2/3 of summoned)
#   issued     số phiếu phát ra / ballots issued
#   collected  tùy chọn: số phiếu thu về / optional: ballots collected, as counted on paper
#   members    chỉ với "nq85-2014", "nq35-2012": tổng số thành viên / only for those: total members
# Thêm / add:  tally group add EVENT --title "..." --position gd --summoned 45 --present 42 --issued 42
{_RULE}"""


def _toml(value: Any) -> str:
    return str(tomlkit.item(value).as_string())


def _event_fields(title: str | None, organisation: str | None, date: DateLike | None, rules: str | None,
                  language: str | None, name: str) -> tuple[str, str, dt.date, str, str]:
    t = text_value(title, N_("the event's title"), name, "--title")
    o = text_value(organisation, N_("the organisation holding the vote"), name, "--organisation")
    d = date_value(date, N_("the date"), name, "--date")
    if d is None:
        raise fail("E103", _("the date of the vote is missing"), _("give it with --date DD/MM/YYYY"), Location(name))
    r = rule_set_id(rules or DEFAULT_RULES) or (rules or "").strip()
    if r not in RULE_SETS:
        raise fail("E108", _("unknown rule set '{r}'")
                           .format(r=r), _("use one of: {rule_sets}")
                                                      .format(rule_sets=', '.join(RULE_SETS)), Location(name))
    lang = (language or "vi").strip().lower()
    if lang not in LANGUAGES:
        raise fail("E104", _("language should be \"vi\" or \"en\", found {lang!r}")
                           .format(lang=lang), _("give --language vi or en"),
                   Location(name))
    return t, o, d, r, lang


def new_event_document(
    title: str,
    organisation: str,
    date: DateLike,
    rules: str = DEFAULT_RULES,
    language: str = "vi",
    parent: str | None = None,
    place: str | None = None,
    committee: Sequence[CommitteeMember] = (),
) -> str:
    """A commented event file (SPEC §4) with the [event] filled in and every section explained."""
    return render_event(title, organisation, date, rules, language, parent, place, committee, "event.toml")


def render_event(title: str, organisation: str, date: DateLike, rules: str, language: str, parent: str | None,
                  place: str | None, committee: Sequence[CommitteeMember], name: str) -> str:
    t, o, d, r, lang = _event_fields(title, organisation, date, rules, language, name)
    parent, place = optional_text(parent), optional_text(place)
    lines = [
        "# Tệp sự kiện lấy phiếu tín nhiệm / Confidence-vote event file (tally, SPEC §4).",
        "# Sửa bằng lệnh hoặc bằng tay; chú thích được giữ nguyên.",
        "# Edit it with the commands below or by hand; comments are kept.",
        "#   tally position add | person add | group add EVENT ...",
        "#   tally show EVENT",
        "",
        "# Phiên bản định dạng tệp (luôn là 1) / Event-file format version (always 1).",
        "schema = 1",
        "",
        "[event]",
        "# Tên cuộc lấy phiếu, in trên biên bản / Title of the vote, printed on the minutes.",
        f"title = {_toml(t)}",
        "# Cơ quan, tổ chức tiến hành / The body holding the vote.",
        f"organisation = {_toml(o)}",
        "# Tùy chọn: cấp ủy cấp trên, in ở góc trái tiêu đề / Optional: the superior body, top left of the header.",
        f"parent = {_toml(parent)}" if parent else '# parent = "Đảng bộ Khối các cơ quan tỉnh"',
        "# Tùy chọn: địa danh ghi trước ngày tháng / Optional: place written before the date.",
        f"place = {_toml(place)}" if place else '# place = "Thành phố X"',
        "# Ngày kiểm phiếu (kiểu ngày TOML, không có dấu nháy) / Date of the count (a TOML date, unquoted).",
        f"date = {d.isoformat()}",
        _RULES_COMMENT,
        f"rules = {_toml(r)}",
        "# Ngôn ngữ của biên bản: \"vi\" hoặc \"en\" / Language of the documents: \"vi\" or \"en\".",
        f"language = {_toml(lang)}",
        "",
        _COMMITTEE_BLOCK,
        "",
    ]
    members = [m for m in committee if m.name.strip()]
    if members:
        for m in members:
            lines += ["[[committee]]", f"name = {_toml(optional_text(m.name))}"]
            if m.role.strip():
                lines.append(f"role = {_toml(optional_text(m.role))}")
            lines.append("")
    else:
        lines += [_COMMITTEE_EXAMPLE, ""]
    lines += [_POSITIONS_BLOCK, "", _PERSONS_BLOCK, "", _GROUPS_BLOCK, ""]
    return "\n".join(lines)


def check_new_event_path(path: str | Path, force: bool = False) -> None:
    """Raise E111 if `path` exists (and not `force`), E002 unless it ends in .toml (every other
    command looks for event.toml): checked before asking the user anything."""
    path = Path(path)
    if not path.is_dir():
        require_suffix(path, ".toml", _("the event file '{path}' must end in .toml"), _("write {suggestion}"))
    if path.is_dir():
        raise fail("E602", _("{path} is a folder")
                           .format(path=path), _("give a file name, e.g. event.toml"), Location(str(path)))
    if path.exists() and not force:
        raise fail("E111", _("event file '{path}' already exists").format(path=path),
                   _("choose another name, edit it with `tally position|person|group add`, or overwrite it with --force"),
                   Location(str(path)))
