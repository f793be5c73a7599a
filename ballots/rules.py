"""The four rule sets, as data (SPEC §2).

Each carries its citation, which number is the percentage base, and the consequence
texts shown next to a flagged person in the minutes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Base(enum.Enum):
    COLLECTED = "collected"   # số phiếu thu về
    MEMBERS = "members"       # tổng số thành viên / đại biểu


class Flag(enum.Enum):
    OVER_HALF_LOW = "over_half_low"              # trên 50% đến dưới 2/3
    TWO_THIRDS_LOW = "two_thirds_low"            # từ 2/3 trở lên
    EXACTLY_TWO_THIRDS_LOW = "exactly_two_thirds_low"


@dataclass(frozen=True)
class Text:
    vi: str
    en: str

    def __call__(self, language: str) -> str:
        return self.vi if language == "vi" else self.en


@dataclass(frozen=True)
class RuleSet:
    id: str
    citation: Text
    base: Base
    party: bool           # Party rule sets head the minutes with "ĐẢNG CỘNG SẢN VIỆT NAM"
    over_half_low: Text
    two_thirds_low: Text
    superseded_by: str | None = None

    def consequence(self, flag: Flag, language: str) -> str:
        if flag is Flag.OVER_HALF_LOW:
            return self.over_half_low(language)
        if flag is Flag.TWO_THIRDS_LOW:
            return self.two_thirds_low(language)
        return EXACTLY_TWO_THIRDS_NOTE(language)


EXACTLY_TWO_THIRDS_NOTE = Text(
    "Đúng 2/3 phiếu tín nhiệm thấp: QĐ 41-QĐ/TW quy định \"trên 2/3\", QĐ 96 quy định \"từ 2/3 trở lên\"; "
    "cấp có thẩm quyền cần lưu ý.",
    "Exactly two thirds low: QĐ 41-QĐ/TW says \"more than 2/3\" while QĐ 96 says \"2/3 or more\"; "
    "the competent authority should take note.",
)

RULE_SETS: dict[str, RuleSet] = {
    r.id: r
    for r in (
        RuleSet(
            id="qd96-2023",
            citation=Text(
                "Quy định số 96-QĐ/TW ngày 02/02/2023 của Bộ Chính trị về việc lấy phiếu tín nhiệm "
                "đối với chức danh lãnh đạo, quản lý trong hệ thống chính trị",
                "Regulation 96-QĐ/TW of 2 February 2023 of the Politburo on confidence votes for "
                "leadership and management positions in the political system",
            ),
            base=Base.COLLECTED,
            party=True,
            over_half_low=Text(
                "Trên 50% đến dưới 2/3 tín nhiệm thấp: không quy hoạch, bổ nhiệm, giới thiệu ứng cử vào "
                "chức vụ cao hơn; có thể xem xét miễn nhiệm, cho thôi giữ chức vụ, bố trí công tác khác "
                "hoặc cho từ chức (Điều 13 QĐ 96-QĐ/TW).",
                "Over half low: removed from planning for higher posts; may be relieved, reassigned or "
                "allowed to resign (Art. 13, QĐ 96-QĐ/TW).",
            ),
            two_thirds_low=Text(
                "Từ 2/3 trở lên tín nhiệm thấp: cấp có thẩm quyền cho thôi giữ chức vụ hiện tại mà không "
                "chờ hết nhiệm kỳ, hết thời hạn bổ nhiệm (Điều 13 QĐ 96-QĐ/TW).",
                "Two thirds or more low: relieved of current posts without waiting for the term or "
                "appointment to end (Art. 13, QĐ 96-QĐ/TW).",
            ),
        ),
        RuleSet(
            id="nq96-2023",
            citation=Text(
                "Nghị quyết số 96/2023/QH15 ngày 23/6/2023 của Quốc hội về lấy phiếu tín nhiệm, bỏ phiếu "
                "tín nhiệm đối với người giữ chức vụ do Quốc hội, Hội đồng nhân dân bầu hoặc phê chuẩn",
                "Resolution 96/2023/QH15 of 23 June 2023 of the National Assembly on votes of confidence "
                "for persons holding posts elected or approved by the National Assembly or People's Councils",
            ),
            base=Base.COLLECTED,
            party=False,
            over_half_low=Text(
                "Trên 50% đến dưới 2/3 tín nhiệm thấp: có thể xin từ chức; nếu không từ chức thì cơ quan "
                "có thẩm quyền trình Quốc hội, Hội đồng nhân dân bỏ phiếu tín nhiệm (Điều 13, 19 NQ 96/2023/QH15).",
                "Over half low: may resign; otherwise a no-confidence vote is submitted "
                "(Arts. 13, 19, NQ 96/2023/QH15).",
            ),
            two_thirds_low=Text(
                "Từ 2/3 trở lên tín nhiệm thấp: cơ quan có thẩm quyền trình Quốc hội, Hội đồng nhân dân "
                "miễn nhiệm hoặc phê chuẩn việc miễn nhiệm (Điều 13 NQ 96/2023/QH15).",
                "Two thirds or more low: dismissal is submitted to the National Assembly or People's "
                "Council (Art. 13, NQ 96/2023/QH15).",
            ),
        ),
        RuleSet(
            id="qd262-2014",
            citation=Text(
                "Quy định số 262-QĐ/TW ngày 08/10/2014 của Bộ Chính trị về việc lấy phiếu tín nhiệm đối "
                "với thành viên lãnh đạo, quản lý trong hệ thống chính trị (đã được thay thế bởi QĐ 96-QĐ/TW)",
                "Regulation 262-QĐ/TW of 8 October 2014 of the Politburo on confidence votes for leaders "
                "and managers in the political system (replaced by QĐ 96-QĐ/TW)",
            ),
            base=Base.COLLECTED,
            party=True,
            superseded_by="qd96-2023",
            over_half_low=Text(
                "Trên 50% đến dưới 2/3 tín nhiệm thấp: xem xét, đưa ra khỏi quy hoạch chức danh cao hơn "
                "(Điều 14 QĐ 262-QĐ/TW).",
                "Over half low: considered for removal from planning for higher posts (Art. 14, QĐ 262-QĐ/TW).",
            ),
            two_thirds_low=Text(
                "Từ 2/3 trở lên tín nhiệm thấp: xem xét cho từ chức hoặc miễn nhiệm, không chờ hết nhiệm "
                "kỳ (Điều 14 QĐ 262-QĐ/TW).",
                "Two thirds or more low: considered for resignation or relief without waiting for the "
                "term to end (Art. 14, QĐ 262-QĐ/TW).",
            ),
        ),
        RuleSet(
            id="nq85-2014",
            citation=Text(
                "Nghị quyết số 85/2014/QH13 ngày 28/11/2014 của Quốc hội về việc lấy phiếu tín nhiệm, bỏ "
                "phiếu tín nhiệm (đã được thay thế bởi NQ 96/2023/QH15); tỷ lệ tính trên tổng số đại biểu",
                "Resolution 85/2014/QH13 of 28 November 2014 of the National Assembly on votes of "
                "confidence (replaced by NQ 96/2023/QH15); percentages of the total number of members",
            ),
            base=Base.MEMBERS,
            party=False,
            superseded_by="nq96-2023",
            over_half_low=Text(
                "Trên 50% đến dưới 2/3 tổng số đại biểu đánh giá tín nhiệm thấp: có thể xin từ chức "
                "(Điều 12 NQ 85/2014/QH13).",
                "Over half of all members low: may resign (Art. 12, NQ 85/2014/QH13).",
            ),
            two_thirds_low=Text(
                "Từ 2/3 tổng số đại biểu trở lên đánh giá tín nhiệm thấp: cơ quan có thẩm quyền trình "
                "bỏ phiếu tín nhiệm (Điều 12 NQ 85/2014/QH13).",
                "Two thirds or more of all members low: a no-confidence vote is submitted "
                "(Art. 12, NQ 85/2014/QH13).",
            ),
        ),
    )
}

DEFAULT_RULES = "qd96-2023"


def takes_members(rules: str) -> bool:
    """Whether rule set `rules` takes its percentages of the group's total members, so that
    every group must give `members` (the percentage base) rather than the ballots collected."""
    rule_set = RULE_SETS.get(rules)
    return rule_set is not None and rule_set.base is Base.MEMBERS


def has_quorum(present: int, summoned: int) -> bool:
    """The meeting's quorum: at least two thirds of those summoned are present,
    3 × present ≥ 2 × summoned, in exact integers."""
    return 3 * present >= 2 * summoned


def flags_for(low: int, base: int) -> tuple[Flag, ...]:
    """The flags for `low` votes out of `base`: exact integer comparisons, never rounded."""
    flags: list[Flag] = []
    if 3 * low >= 2 * base and base > 0:
        flags.append(Flag.TWO_THIRDS_LOW)
        if 3 * low == 2 * base:
            flags.append(Flag.EXACTLY_TWO_THIRDS_LOW)
    elif 2 * low > base:
        flags.append(Flag.OVER_HALF_LOW)
    return tuple(flags)


def percent(count: int, base: int) -> str:
    """`count` of `base` as a percentage with 2 decimals, rounded half up: '38.88'."""
    if base <= 0:
        return "0.00"
    hundredths = (count * 10000 * 2 + base) // (2 * base)
    return f"{hundredths // 100}.{hundredths % 100:02d}"
