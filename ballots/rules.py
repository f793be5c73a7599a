"""The rule sets, as versioned data (SPEC §2; the research behind it: REGULATION.md).

Every rule a count depends on is data here, and every rule carries where it comes from:
a :class:`Cite` names the instrument, the article (and clause) when the research found
one, the sources in REGULATION.md §11 (S1…S53) and how sure the research is
([C] confirmed, [I] inferred, [U] uncertain). Nothing prints an article number that is
not in a ``Cite``; tests/test_rules.py checks every one against a table kept beside the
research.

A rule set holds:

* the percentage base (ballots collected, or the group's total members);
* its bands as integer inequalities on L (low votes) and B (the base), each with the
  consequence texts (vi and en) shown next to a flagged person;
* whether the QĐ 41-QĐ/TW "exactly two thirds" note applies, and why;
* its quorum rule, or that the research found none (then the event may opt in);
* its eligibility rules (who is not voted on; how many places a person is voted on in);
* the defaults of the validity decisions the research leaves to the committee
  (:data:`POLICIES`), which an event file may change in its ``[policy]`` table.

``REVISION`` numbers this data: raise it whenever a rule, text or citation changes, so
results.json and the minutes' provenance sheet say which reading of the rules a count used.

Why one module of this length: it is data, the rule sets with their citations and their
texts in two languages; the logic is a few small functions, and one file keeps a rule set
readable top to bottom beside REGULATION.md.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

REVISION = 2   # 1: the first four rule sets; 2: cited articles, NQ 35/2012, per-rule-set quorum and policies


class Base(enum.Enum):
    COLLECTED = "collected"   # số phiếu thu về
    MEMBERS = "members"       # tổng số thành viên / đại biểu


class Flag(enum.Enum):
    OVER_HALF_LOW = "over_half_low"              # the middle band: "trên 50% ..."
    TWO_THIRDS_LOW = "two_thirds_low"            # the top band: "từ 2/3 trở lên" (NQ 35: "trên 2/3")
    EXACTLY_TWO_THIRDS_LOW = "exactly_two_thirds_low"


class Status(enum.Enum):
    """How sure REGULATION.md is of a rule."""

    CONFIRMED = "C"
    INFERRED = "I"
    UNCERTAIN = "U"


@dataclass(frozen=True)
class Text:
    vi: str
    en: str

    def __call__(self, language: str) -> str:
        return self.vi if language == "vi" else self.en


@dataclass(frozen=True)
class Cite:
    """Where a rule comes from: an instrument, perhaps an article and clause, and the sources."""

    instrument: str                  # as printed: "QĐ 96-QĐ/TW"
    sources: tuple[str, ...]         # REGULATION.md §11 ids: ("S31",)
    status: Status
    article: int | None = None       # Điều
    clause: int | None = None        # khoản
    part: Text | None = None         # a place that is not an article: "nguyên tắc 3"

    def __call__(self, language: str) -> str:
        """'khoản 2 Điều 11 QĐ 96-QĐ/TW' / 'Art. 11.2, QĐ 96-QĐ/TW'; the instrument alone
        when the research found no article."""
        if self.article is not None:
            if language == "vi":
                where = f"Điều {self.article}" if self.clause is None else f"khoản {self.clause} Điều {self.article}"
                return f"{where} {self.instrument}"
            where = f"Art. {self.article}" if self.clause is None else f"Art. {self.article}.{self.clause}"
            return f"{where}, {self.instrument}"
        if self.part is not None:
            return f"{self.part(language)}, {self.instrument}"
        return self.instrument

    @property
    def evidence(self) -> str:
        """'REGULATION.md S31 [C]'."""
        return f"REGULATION.md {', '.join(self.sources)} [{self.status.value}]"


@dataclass(frozen=True)
class Bound:
    """One integer inequality between L and B: ``den·L op num·B`` (e.g. 3·L ≥ 2·B)."""

    op: str          # ">", ">=", "<", "<="
    num: int
    den: int

    def holds(self, low: int, base: int) -> bool:
        a, b = self.den * low, self.num * base
        return {">": a > b, ">=": a >= b, "<": a < b, "<=": a <= b}[self.op]

    @property
    def formula(self) -> str:
        left = "L" if self.den == 1 else f"{self.den}·L"
        right = "B" if self.num == 1 else f"{self.num}·B"
        return f"{left} {({'>=': '≥', '<=': '≤'}).get(self.op, self.op)} {right}"


@dataclass(frozen=True)
class Consequence:
    text: Text
    cite: Cite

    def __call__(self, language: str) -> str:
        return f"{self.text(language)} ({self.cite(language)})."


@dataclass(frozen=True)
class Band:
    """A share of low votes with consequences: every bound holds (and B > 0)."""

    flag: Flag
    label: Text                              # "trên 50% đến dưới 2/3"
    bounds: tuple[Bound, ...]
    consequences: tuple[Consequence, ...]    # all shown, in order
    cite: Cite                               # where the band's edges come from

    def holds(self, low: int, base: int) -> bool:
        return base > 0 and all(b.holds(low, base) for b in self.bounds)

    @property
    def formula(self) -> str:
        return " ∧ ".join(b.formula for b in self.bounds)

    def __call__(self, language: str) -> str:
        """The text next to a flagged person: the label, then each consequence."""
        lines = [c(language) for c in self.consequences]
        return "\n".join([f"{self.label(language)}: {lines[0]}", *(s[:1].upper() + s[1:] for s in lines[1:])])


class QuorumRule(enum.Enum):
    TWO_THIRDS = "two-thirds"    # 3 × present ≥ 2 × summoned
    NONE = "none"                # not checked

    def holds(self, present: int, summoned: int) -> bool:
        return self is QuorumRule.NONE or 3 * present >= 2 * summoned


@dataclass(frozen=True)
class Eligibility:
    """Who is not voted on, and in how many places a person is voted on (warnings only)."""

    year_of_vote: Cite | None = None         # appointed or elected in the year of the vote
    months_in_post: tuple[int, Cite] | None = None   # in the post for less than N months
    retiring: Cite | None = None             # notified of leave pending retirement
    max_places: tuple[int, Cite] | None = None       # voted on in at most N places
    once: Cite | None = None                 # voted on once for all posts held: warn at 2 forms
    note: Text | None = None                 # what the research did not find


@dataclass(frozen=True)
class Policy:
    """The event's validity decisions the research leaves open ([U]); see POLICIES."""

    crossed_out_name: str = "row"      # "row" | "ballot": a printed name crossed out voids ...
    extra_names: str = "ignore"        # "ignore" | "ballot": names added from outside the list
    quorum: str = "two-thirds"         # "two-thirds" | "none"

    def as_dict(self) -> dict[str, str]:
        return {"crossed_out_name": self.crossed_out_name, "extra_names": self.extra_names, "quorum": self.quorum}


@dataclass(frozen=True)
class PolicyChoice:
    """A rule set's default for one policy key, why, and whether an event may change it."""

    default: str
    cite: Cite
    reason: Text
    fixed: bool = False     # a confirmed rule: the event file cannot change it


# The [policy] keys, their values and what each value means (vi, en).
POLICIES: dict[str, dict[str, Text]] = {
    "crossed_out_name": {
        "row": Text("tên in sẵn bị gạch: chỉ dòng của người đó không hợp lệ",
                    "printed name crossed out: only that person's row is invalid"),
        "ballot": Text("tên in sẵn bị gạch: cả phiếu không hợp lệ",
                       "printed name crossed out: the whole ballot is invalid"),
    },
    "extra_names": {
        "ignore": Text("ghi thêm tên ngoài danh sách: bỏ qua tên ghi thêm, phiếu vẫn hợp lệ",
                       "name added from outside the list: the added name is ignored, the ballot stays valid"),
        "ballot": Text("ghi thêm tên ngoài danh sách (hoặc thông tin khác): cả phiếu không hợp lệ",
                       "name (or other information) added from outside the list: the whole ballot is invalid"),
    },
    "quorum": {
        "two-thirds": Text("hội nghị hợp lệ khi có ít nhất 2/3 số người được triệu tập có mặt (3 × có mặt ≥ 2 × triệu tập)",
                           "the meeting needs at least 2/3 of those summoned present (3 × present ≥ 2 × summoned)"),
        "none": Text("không kiểm tra tỷ lệ có mặt (bộ quy định không quy định)",
                     "attendance is not checked (the rule set sets no quorum)"),
    },
}
POLICY_NAMES: dict[str, Text] = {
    "crossed_out_name": Text("Tên in sẵn bị gạch", "Printed name crossed out"),
    "extra_names": Text("Ghi thêm tên ngoài danh sách", "Names added from outside the list"),
    "quorum": Text("Số người có mặt tối thiểu", "Quorum"),
}


@dataclass(frozen=True)
class RuleSet:
    id: str
    name: Text                       # short: "QĐ 96-QĐ/TW (2023)"
    citation: Text                   # the full title, for "Căn cứ ..." in the minutes
    instrument: Cite                 # the text itself, with its sources
    party: bool                      # Party rule sets head the minutes with "ĐẢNG CỘNG SẢN VIỆT NAM"
    base: Base
    base_cite: Cite
    bands: tuple[Band, ...]          # lowest first; a person is in at most one
    exactly_two_thirds: Consequence | None   # the QĐ 41 note, where it applies
    exactly_two_thirds_reason: Text  # why it does or does not apply
    quorum: Cite | None              # the confirmed quorum rule; None: the research found none
    quorum_note: Text
    eligibility: Eligibility
    policies: dict[str, PolicyChoice] = field(hash=False)
    superseded_by: str | None = None
    revision: int = REVISION

    def band(self, flag: Flag) -> Band | None:
        return next((b for b in self.bands if b.flag is flag), None)

    def flags(self, low: int, base: int) -> tuple[Flag, ...]:
        """The flags for `low` votes out of `base`: exact integer comparisons, never rounded."""
        out = [b.flag for b in self.bands if b.holds(low, base)]
        if self.exactly_two_thirds is not None and base > 0 and 3 * low == 2 * base:
            out.append(Flag.EXACTLY_TWO_THIRDS_LOW)
        return tuple(out)

    def consequence(self, flag: Flag, language: str) -> str:
        """The text shown next to a person with `flag`."""
        if flag is Flag.EXACTLY_TWO_THIRDS_LOW:
            note = self.exactly_two_thirds or QD41_NOTE   # a results.json of an older revision may carry it
            return note(language)
        band = self.band(flag)
        if band is None:
            raise KeyError(f"rule set {self.id} has no band {flag.value}")
        return band(language)

    def default_policy(self) -> Policy:
        return Policy(**{k: c.default for k, c in self.policies.items()})

    def cites(self) -> list[Cite]:
        """Every citation in this rule set, for the test that checks them against the research."""
        out = [self.instrument, self.base_cite]
        for band in self.bands:
            out.append(band.cite)
            out.extend(c.cite for c in band.consequences)
        if self.exactly_two_thirds is not None:
            out.append(self.exactly_two_thirds.cite)
        if self.quorum is not None:
            out.append(self.quorum)
        e = self.eligibility
        out.extend(c for c in (e.year_of_vote, e.retiring, e.once) if c is not None)
        out.extend(pair[1] for pair in (e.months_in_post, e.max_places) if pair is not None)
        out.extend(c.cite for c in self.policies.values())
        return out


def months_after(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months, clamped to the month's last day (31 May + 9 months = 28/29 Feb)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# --- the texts ----------------------------------------------------------------------------

QD96 = "QĐ 96-QĐ/TW"
QD262 = "QĐ 262-QĐ/TW"
QD41 = "QĐ 41-QĐ/TW"
NQ96 = "NQ 96/2023/QH15"
NQ85 = "NQ 85/2014/QH13"
NQ35 = "NQ 35/2012/QH13"
HD321 = "Hướng dẫn 321/HD-UBTVQH14"
C, I, U = Status.CONFIRMED, Status.INFERRED, Status.UNCERTAIN

OVER_HALF = Bound(">", 1, 2)            # 2·L > B
UNDER_TWO_THIRDS = Bound("<", 2, 3)     # 3·L < 2·B
AT_MOST_TWO_THIRDS = Bound("<=", 2, 3)  # 3·L ≤ 2·B
TWO_THIRDS_OR_MORE = Bound(">=", 2, 3)  # 3·L ≥ 2·B
OVER_TWO_THIRDS = Bound(">", 2, 3)      # 3·L > 2·B

MIDDLE = Text("Trên 50% đến dưới 2/3 tín nhiệm thấp", "Over half but under two thirds low")
TOP = Text("Từ 2/3 trở lên tín nhiệm thấp", "Two thirds or more low")

QD41_NOTE = Consequence(
    Text("Đúng 2/3 phiếu tín nhiệm thấp: QĐ 41-QĐ/TW lấy \"trên 2/3\" làm căn cứ miễn nhiệm, QĐ 96-QĐ/TW "
         "quy định \"từ 2/3 trở lên\"; cấp có thẩm quyền cần lưu ý",
         "Exactly two thirds low: QĐ 41-QĐ/TW makes \"more than 2/3\" a ground for dismissal, while "
         "QĐ 96-QĐ/TW says \"2/3 or more\"; the competent authority should take note"),
    Cite(QD41, ("S12",), C),
)
NO_QD41 = Text(
    "Không áp dụng: QĐ 41-QĐ/TW là quy định của Đảng; mức \"từ 2/3 trở lên\" của văn bản này tự nó "
    "quyết định hệ quả.",
    "Does not apply: QĐ 41-QĐ/TW is a Party regulation; this text's own \"2/3 or more\" decides the consequence.",
)

# Under QĐ 96 the texts decide nothing on these two, so they are the event's choice.
_CROSSED_OUT_96 = PolicyChoice(
    "row", Cite(QD96, ("S26", "S38"), U, 6, 3),
    Text("Văn bản coi phiếu gạch tên in sẵn là không hợp lệ nhưng không nói cả phiếu hay chỉ dòng đó; "
         "kết quả được tổng hợp theo từng người (R-V3).",
         "The text makes a crossed-out printed name invalid without saying whether for the row or the whole "
         "ballot; results are summarised per person (R-V3)."))
_EXTRA_96 = PolicyChoice(
    "ignore", Cite(QD96, ("S26", "S38"), U, 6, 3),
    Text("Câu về phiếu ghi thêm tên ngoài danh sách nằm ngoài danh mục phiếu không hợp lệ và bị cắt trong mọi "
         "bản đọc được; cách hiểu khả dĩ nhất: bỏ qua tên ghi thêm (R-V4).",
         "The sentence on names added from outside the list stands outside the list of invalid cases and is cut "
         "off in every copy found; the most likely reading: the added name is ignored (R-V4)."))
_QUORUM_96 = PolicyChoice(
    "two-thirds", Cite(QD96, ("S5", "S18"), C),
    Text("QĐ 96: hội nghị chỉ tiến hành khi có ít nhất 2/3 số người được triệu tập có mặt.",
         "QĐ 96: the meeting goes ahead only with at least 2/3 of those summoned present."),
    fixed=True)


def _no_quorum(instrument: str, sources: tuple[str, ...]) -> PolicyChoice:
    return PolicyChoice(
        "none", Cite(instrument, sources, U),
        Text("Nghiên cứu không tìm thấy quy định về số người có mặt tối thiểu trong văn bản này; không từ chối "
             "kiểm phiếu theo một quy định không có trong văn bản. Sự kiện có thể đặt quorum = \"two-thirds\".",
             "The research found no quorum rule in this text; no count is refused on a rule that is not in the "
             "text. An event may set quorum = \"two-thirds\"."))


def _state_policy(instrument: str, sources: tuple[str, ...]) -> dict[str, PolicyChoice]:
    why = Text("Điều khoản về phiếu hợp lệ của văn bản này chưa đọc được; dùng mặc định của QĐ 96.",
               "This text's article on valid ballots could not be read; QĐ 96's default is used.")
    return {
        "crossed_out_name": PolicyChoice("row", Cite(instrument, sources, U), why),
        "extra_names": PolicyChoice("ignore", Cite(instrument, sources, U), why),
        "quorum": _no_quorum(instrument, sources),
    }


RULE_SETS: dict[str, RuleSet] = {
    r.id: r
    for r in (
        RuleSet(
            id="qd96-2023",
            name=Text("QĐ 96-QĐ/TW (2023), hệ thống chính trị", "QĐ 96-QĐ/TW (2023), political system"),
            citation=Text(
                "Quy định số 96-QĐ/TW ngày 02/02/2023 của Bộ Chính trị về việc lấy phiếu tín nhiệm "
                "đối với chức danh lãnh đạo, quản lý trong hệ thống chính trị",
                "Regulation 96-QĐ/TW of 2 February 2023 of the Politburo on confidence votes for "
                "leadership and management positions in the political system",
            ),
            instrument=Cite(QD96, ("S1", "S53"), C),
            party=True,
            base=Base.COLLECTED,
            base_cite=Cite(QD96, ("S26", "S38"), C, 6, 3),
            bands=(
                Band(Flag.OVER_HALF_LOW, MIDDLE, (OVER_HALF, UNDER_TWO_THIRDS), (
                    Consequence(Text(
                        "cấp có thẩm quyền đưa ra khỏi quy hoạch chức danh cao hơn; xem xét cho thôi giữ chức vụ, "
                        "bố trí công tác khác, cho từ chức hoặc bỏ phiếu tín nhiệm theo quy định",
                        "the managing authority removes the official from planning for higher posts and considers "
                        "relieving them of their posts, reassigning them, accepting their resignation, or a "
                        "no-confidence vote under the rules"),
                        Cite(QD96, ("S31",), C, 11, 2)),
                ), Cite(QD96, ("S31",), C, 11, 2)),
                Band(Flag.TWO_THIRDS_LOW, TOP, (TWO_THIRDS_OR_MORE,), (
                    Consequence(Text(
                        "cấp có thẩm quyền cho thôi giữ chức vụ hiện tại (miễn nhiệm) và bố trí công tác khác thấp "
                        "hơn, không chờ hết nhiệm kỳ, hết thời hạn giữ chức vụ",
                        "the managing authority relieves the official of current posts and assigns lower work, "
                        "without waiting for the term or appointment period to end"),
                        Cite(QD96, ("S31",), C, 11, 3)),
                ), Cite(QD96, ("S31",), C, 11, 3)),
            ),
            exactly_two_thirds=QD41_NOTE,
            exactly_two_thirds_reason=Text(
                "Áp dụng: QĐ 41-QĐ/TW (2021, miễn nhiệm, từ chức) cùng hiệu lực với QĐ 96 và lấy \"trên 2/3\", "
                "còn QĐ 96 lấy \"từ 2/3 trở lên\".",
                "Applies: QĐ 41-QĐ/TW (2021, dismissal and resignation) is in force beside QĐ 96 and says "
                "\"more than 2/3\", while QĐ 96 says \"2/3 or more\"."),
            quorum=Cite(QD96, ("S5", "S18"), C),
            quorum_note=Text("Ít nhất 2/3 số người được triệu tập có mặt; thiếu thì không lập biên bản.",
                             "At least 2/3 of those summoned present; without it no minutes are made."),
            eligibility=Eligibility(
                year_of_vote=Cite(QD96, ("S5",), C, 3),
                retiring=Cite(QD96, ("S5",), C, 3),
                max_places=(2, Cite(QD96, ("S1",), C, part=Text("nguyên tắc 3", "principle 3")))),
            policies={"crossed_out_name": _CROSSED_OUT_96, "extra_names": _EXTRA_96, "quorum": _QUORUM_96},
        ),
        RuleSet(
            id="nq96-2023",
            name=Text("NQ 96/2023/QH15, Quốc hội và Hội đồng nhân dân",
                      "NQ 96/2023/QH15, National Assembly and People's Councils"),
            citation=Text(
                "Nghị quyết số 96/2023/QH15 ngày 23/6/2023 của Quốc hội về lấy phiếu tín nhiệm, bỏ phiếu "
                "tín nhiệm đối với người giữ chức vụ do Quốc hội, Hội đồng nhân dân bầu hoặc phê chuẩn",
                "Resolution 96/2023/QH15 of 23 June 2023 of the National Assembly on votes of confidence "
                "for persons holding posts elected or approved by the National Assembly or People's Councils",
            ),
            instrument=Cite(NQ96, ("S13",), C),
            party=False,
            base=Base.COLLECTED,
            base_cite=Cite(NQ96, ("S44",), C, 19, 3),
            bands=(
                Band(Flag.OVER_HALF_LOW, MIDDLE, (OVER_HALF, UNDER_TWO_THIRDS), (
                    Consequence(Text(
                        "người được lấy phiếu có thể xin từ chức",
                        "the person may resign"),
                        Cite(NQ96, ("S32",), C, 12, 2)),
                    Consequence(Text(
                        "nếu không từ chức, Ủy ban Thường vụ Quốc hội (Thường trực Hội đồng nhân dân) trình Quốc hội "
                        "(Hội đồng nhân dân) bỏ phiếu tín nhiệm tại kỳ họp đó hoặc kỳ họp gần nhất",
                        "if they do not, the NA Standing Committee (the People's Council's standing body) puts a "
                        "no-confidence vote to the National Assembly (People's Council) at that session or the next"),
                        Cite(NQ96, ("S48", "S32"), C, 13)),
                ), Cite(NQ96, ("S32",), C, 12, 2)),
                Band(Flag.TWO_THIRDS_LOW, TOP, (TWO_THIRDS_OR_MORE,), (
                    Consequence(Text(
                        "cơ quan hoặc người đã giới thiệu người đó để bầu hoặc phê chuẩn trình Quốc hội (Hội đồng "
                        "nhân dân) miễn nhiệm, hoặc phê chuẩn việc miễn nhiệm, tại kỳ họp đó hoặc kỳ họp gần nhất",
                        "the body or person who nominated the official submits their dismissal, or approval of "
                        "their dismissal, to the National Assembly (People's Council) at that session or the next"),
                        Cite(NQ96, ("S32",), C, 12, 3)),
                ), Cite(NQ96, ("S32",), C, 12, 3)),
            ),
            exactly_two_thirds=None,
            exactly_two_thirds_reason=NO_QD41,
            quorum=None,
            quorum_note=Text(
                "Nghiên cứu không tìm thấy quy định về số người có mặt tối thiểu; mặc định không kiểm tra.",
                "The research found no quorum rule; by default attendance is not checked."),
            eligibility=Eligibility(
                year_of_vote=Cite(NQ96, ("S13",), C, 2, 5),
                retiring=Cite(NQ96, ("S13",), C, 2, 5),
                once=Cite(NQ96, ("S13",), C, 2, 4)),
            policies=_state_policy(NQ96, ("S13",)),
        ),
        RuleSet(
            id="qd262-2014",
            name=Text("QĐ 262-QĐ/TW (2014), đã được thay thế", "QĐ 262-QĐ/TW (2014), replaced"),
            citation=Text(
                "Quy định số 262-QĐ/TW ngày 08/10/2014 của Bộ Chính trị về việc lấy phiếu tín nhiệm đối "
                "với thành viên lãnh đạo, quản lý trong hệ thống chính trị (đã được thay thế bởi QĐ 96-QĐ/TW)",
                "Regulation 262-QĐ/TW of 8 October 2014 of the Politburo on confidence votes for leaders "
                "and managers in the political system (replaced by QĐ 96-QĐ/TW)",
            ),
            instrument=Cite(QD262, ("S53", "S3"), C),
            party=True,
            base=Base.COLLECTED,
            base_cite=Cite("Thông tư 45/2015/TT-BCA", ("S11",), I),
            bands=(
                Band(Flag.OVER_HALF_LOW, MIDDLE, (OVER_HALF, UNDER_TWO_THIRDS), (
                    Consequence(Text(
                        "xem xét, đưa ra khỏi quy hoạch chức danh cao hơn",
                        "considered for removal from planning for higher posts"),
                        Cite(QD262, ("S31", "S11", "S3"), C, 11)),
                ), Cite(QD262, ("S31", "S11", "S3"), C, 11)),
                Band(Flag.TWO_THIRDS_LOW, TOP, (TWO_THIRDS_OR_MORE,), (
                    Consequence(Text(
                        "xem xét cho từ chức hoặc miễn nhiệm nếu không đáp ứng yêu cầu nhiệm vụ",
                        "considered for resignation or relief if not meeting the requirements of the post"),
                        Cite(QD262, ("S31", "S11", "S3"), C, 11)),
                ), Cite(QD262, ("S31", "S11", "S3"), C, 11)),
            ),
            exactly_two_thirds=None,
            exactly_two_thirds_reason=Text(
                "Không áp dụng: QĐ 41-QĐ/TW ban hành 03/11/2021, sau các đợt lấy phiếu giữa nhiệm kỳ theo QĐ 262; "
                "QĐ 262 chỉ \"xem xét\" ở mức từ 2/3.",
                "Does not apply: QĐ 41-QĐ/TW dates from 3 November 2021, after the mid-term rounds held under "
                "QĐ 262; at 2/3 QĐ 262 only \"considers\"."),
            quorum=None,
            quorum_note=Text(
                "Nghiên cứu không tìm thấy quy định về số người có mặt tối thiểu trong QĐ 262 (tỷ lệ 2/3 được "
                "nêu là của quy định mới); mặc định không kiểm tra.",
                "The research found no quorum rule in QĐ 262 (the 2/3 quorum is reported as the new rule's); "
                "by default attendance is not checked."),
            eligibility=Eligibility(note=Text(
                "Nghiên cứu không tìm thấy quy định về người không lấy phiếu hoặc số nơi lấy phiếu trong QĐ 262.",
                "The research found no QĐ 262 rule on who is exempt or in how many places a person is voted on.")),
            policies={
                "crossed_out_name": PolicyChoice(
                    "row", Cite(QD262, ("S40", "S11"), U, 7, 2),
                    Text("Văn bản coi phiếu gạch tên in sẵn là không hợp lệ nhưng không nói cả phiếu hay "
                         "chỉ dòng đó; dùng mặc định của QĐ 96.",
                         "The text makes a crossed-out printed name invalid without saying whether for the row "
                         "or the whole ballot; QĐ 96's default is used.")),
                "extra_names": PolicyChoice(
                    "ballot", Cite(QD262, ("S40", "S11"), C, 7, 2),
                    Text("Phiếu ghi thêm tên hoặc thông tin khác là phiếu không hợp lệ.",
                         "A ballot with names or any other information added is invalid.")),
                "quorum": _no_quorum(QD262, ("S5", "S18")),
            },
            superseded_by="qd96-2023",
        ),
        RuleSet(
            id="nq85-2014",
            name=Text("NQ 85/2014/QH13, đã được thay thế", "NQ 85/2014/QH13, replaced"),
            citation=Text(
                "Nghị quyết số 85/2014/QH13 ngày 28/11/2014 của Quốc hội về việc lấy phiếu tín nhiệm, bỏ "
                "phiếu tín nhiệm (đã được thay thế bởi NQ 96/2023/QH15); tỷ lệ tính trên tổng số đại biểu",
                "Resolution 85/2014/QH13 of 28 November 2014 of the National Assembly on votes of "
                "confidence (replaced by NQ 96/2023/QH15); percentages of the total number of members",
            ),
            instrument=Cite(NQ85, ("S13", "S14"), C),
            party=False,
            base=Base.MEMBERS,
            base_cite=Cite(NQ85, ("S15",), C, 17, 1),
            bands=(
                Band(Flag.OVER_HALF_LOW, Text("Quá nửa đến dưới 2/3 tổng số đại biểu đánh giá tín nhiệm thấp",
                                              "Over half but under two thirds of all members low"),
                     (OVER_HALF, UNDER_TWO_THIRDS), (
                    Consequence(Text("có thể xin từ chức", "may resign"), Cite(NQ85, ("S14", "S45", "S47"), C)),
                ), Cite(NQ85, ("S14", "S45", "S47"), C)),
                Band(Flag.TWO_THIRDS_LOW, Text("Từ 2/3 tổng số đại biểu trở lên đánh giá tín nhiệm thấp",
                                               "Two thirds or more of all members low"),
                     (TWO_THIRDS_OR_MORE,), (
                    # "Over half: may resign" has no upper edge in NQ 85, so it still applies here.
                    Consequence(Text("cũng là quá nửa tổng số đại biểu, nên có thể xin từ chức",
                                     "this is also over half of all members, so the person may resign"),
                                Cite(NQ85, ("S14", "S45", "S47"), C)),
                    Consequence(Text("cơ quan hoặc người có thẩm quyền trình Quốc hội (Hội đồng nhân dân) bỏ phiếu "
                                     "tín nhiệm",
                                     "the competent body or person submits a no-confidence vote to the National "
                                     "Assembly (People's Council)"),
                                Cite(NQ85, ("S14", "S45", "S47"), C)),
                ), Cite(NQ85, ("S14", "S45", "S47"), C)),
            ),
            exactly_two_thirds=None,
            exactly_two_thirds_reason=NO_QD41,
            quorum=None,
            quorum_note=Text("Nghiên cứu không tìm thấy quy định về số người có mặt tối thiểu; mặc định không kiểm tra.",
                             "The research found no quorum rule; by default attendance is not checked."),
            eligibility=Eligibility(
                months_in_post=(9, Cite(HD321, ("S16",), C)),
                once=Cite(HD321, ("S16",), C)),
            policies=_state_policy(NQ85, ("S14", "S15")),
            superseded_by="nq96-2023",
        ),
        RuleSet(
            id="nq35-2012",
            name=Text("NQ 35/2012/QH13, đã được thay thế", "NQ 35/2012/QH13, replaced"),
            citation=Text(
                "Nghị quyết số 35/2012/QH13 của Quốc hội về việc lấy phiếu tín nhiệm, bỏ phiếu tín nhiệm đối "
                "với người giữ chức vụ do Quốc hội, Hội đồng nhân dân bầu hoặc phê chuẩn (đã được thay thế bởi "
                "NQ 85/2014/QH13); tỷ lệ tính trên tổng số đại biểu",
                "Resolution 35/2012/QH13 of the National Assembly on votes of confidence for persons holding "
                "posts elected or approved by the National Assembly or People's Councils (replaced by "
                "NQ 85/2014/QH13); percentages of the total number of members",
            ),
            instrument=Cite(NQ35, ("S13", "S50"), C),
            party=False,
            base=Base.MEMBERS,
            base_cite=Cite(NQ35, ("S50", "S45"), C),
            bands=(
                Band(Flag.OVER_HALF_LOW, Text("Quá nửa đến 2/3 tổng số đại biểu đánh giá tín nhiệm thấp",
                                              "Over half, up to two thirds, of all members low"),
                     (OVER_HALF, AT_MOST_TWO_THIRDS), (
                    # §8.3 of the research gives "over 1/2: may resign" without a source per cell: [I].
                    Consequence(Text("có thể xin từ chức", "may resign"), Cite(NQ35, ("S50",), I)),
                    Consequence(Text("nếu hai năm liên tiếp quá nửa tổng số đại biểu đánh giá tín nhiệm thấp: "
                                     "trình bỏ phiếu tín nhiệm",
                                     "if over half of all members rated the person low two years running: a "
                                     "no-confidence vote is submitted"),
                                Cite(NQ35, ("S50",), C, 11)),
                ), Cite(NQ35, ("S50",), I)),
                Band(Flag.TWO_THIRDS_LOW, Text("Trên 2/3 tổng số đại biểu đánh giá tín nhiệm thấp",
                                               "More than two thirds of all members low"),
                     (OVER_TWO_THIRDS,), (
                    Consequence(Text("cũng là quá nửa tổng số đại biểu, nên có thể xin từ chức",
                                     "this is also over half of all members, so the person may resign"), Cite(NQ35, ("S50",), I)),
                    Consequence(Text("cơ quan hoặc người có thẩm quyền trình Quốc hội (Hội đồng nhân dân) bỏ phiếu "
                                     "tín nhiệm",
                                     "the competent body or person submits a no-confidence vote to the National "
                                     "Assembly (People's Council)"),
                                Cite(NQ35, ("S50",), C, 11)),
                ), Cite(NQ35, ("S50",), C, 11)),
            ),
            exactly_two_thirds=None,
            exactly_two_thirds_reason=Text(
                "Không áp dụng: NQ 35 tự quy định \"trên 2/3\", đúng 2/3 nằm ở mức quá nửa.",
                "Does not apply: NQ 35 itself says \"more than 2/3\"; exactly 2/3 falls in the over-half band."),
            quorum=None,
            quorum_note=Text("Nghiên cứu không tìm thấy quy định về số người có mặt tối thiểu; mặc định không kiểm tra.",
                             "The research found no quorum rule; by default attendance is not checked."),
            eligibility=Eligibility(note=Text(
                "Nghiên cứu không tìm thấy quy định của NQ 35 về người không lấy phiếu hoặc người giữ nhiều chức vụ.",
                "The research found no NQ 35 rule on who is exempt or on persons holding several posts.")),
            policies=_state_policy(NQ35, ("S50",)),
            superseded_by="nq85-2014",
        ),
    )
}

DEFAULT_RULES = "qd96-2023"


def takes_members(rules: str) -> bool:
    """Whether rule set `rules` takes its percentages of the group's total members, so that
    every group must give `members` (the percentage base) rather than the ballots collected."""
    rule_set = RULE_SETS.get(rules)
    return rule_set is not None and rule_set.base is Base.MEMBERS


def policy_for(rules: str, given: Mapping[str, object] | None = None) -> Policy:
    """The event's policy: what its [policy] table gives (values already checked), the rule
    set's defaults for the rest. An unknown rule set gets QĐ 96's defaults."""
    rule_set = RULE_SETS.get(rules, RULE_SETS[DEFAULT_RULES])
    values = {k: c.default for k, c in rule_set.policies.items()}
    for key, value in (given or {}).items():
        if key in values and isinstance(value, str) and value in POLICIES[key] \
                and not rule_set.policies[key].fixed:
            values[key] = value
    return Policy(**values)


def has_quorum(present: int, summoned: int, quorum: str = QuorumRule.TWO_THIRDS.value) -> bool:
    """Whether the meeting meets its quorum rule (Policy.quorum): "two-thirds" is at least two
    thirds of those summoned present, 3 × present ≥ 2 × summoned, in exact integers; "none"
    always holds."""
    return QuorumRule(quorum).holds(present, summoned)


def flags_for(low: int, base: int, rules: str = DEFAULT_RULES) -> tuple[Flag, ...]:
    """The flags for `low` votes out of `base` under a rule set (QĐ 96 by default)."""
    return RULE_SETS[rules].flags(low, base)


def percent(count: int, base: int) -> str:
    """`count` of `base` as a percentage with 2 decimals, rounded half up: '38.88'."""
    if base <= 0:
        return "0.00"
    hundredths = (count * 10000 * 2 + base) // (2 * base)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def rule_set_id(text: str) -> str | None:
    """A rule set as people type it: its id in any case, or the id without the year (nq96 ->
    nq96-2023) when that names one rule set; None otherwise."""
    t = text.strip().lower().replace(" ", "")
    if t in RULE_SETS:
        return t
    found = [k for k in RULE_SETS if t in (k.split("-")[0], k.replace("-", ""))]
    return found[0] if len(found) == 1 else None
