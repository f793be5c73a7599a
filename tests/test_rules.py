"""ballots/rules.py: every rule set's band edges and quorum edge as integer cases, and every
citation in the rule data checked against the research (REGULATION.md) it comes from."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ballots.rules import (
    POLICIES,
    RULE_SETS,
    Base,
    Cite,
    Flag,
    QuorumRule,
    Status,
    Text,
    months_after,
)

OVER, TOP, EXACT = Flag.OVER_HALF_LOW, Flag.TWO_THIRDS_LOW, Flag.EXACTLY_TWO_THIRDS_LOW

# (low, base) -> flags, for each rule set. B = 30 divides by 2 and 3, so 15 is exactly half and
# 20 exactly two thirds; B = 7 and B = 481 do not (481: the 2023 National Assembly round, S41).
EDGES = [(0, 30), (15, 30), (16, 30), (19, 30), (20, 30), (21, 30), (30, 30), (3, 7), (4, 7), (5, 7),
         (240, 481), (241, 481), (320, 481), (321, 481), (0, 0), (1, 0)]
EXPECTED = {
    # QĐ 96: 2L > B and 3L < 2B; 3L ≥ 2B; exactly 2/3 also flagged for QĐ 41's "more than 2/3"
    "qd96-2023": [(), (), (OVER,), (OVER,), (TOP, EXACT), (TOP,), (TOP,), (), (OVER,), (TOP,),
                  (), (OVER,), (OVER,), (TOP,), (), ()],
    # NQ 96/2023, QĐ 262, NQ 85: the same bands, no QĐ 41 note
    "nq96-2023": [(), (), (OVER,), (OVER,), (TOP,), (TOP,), (TOP,), (), (OVER,), (TOP,),
                  (), (OVER,), (OVER,), (TOP,), (), ()],
    "qd262-2014": [(), (), (OVER,), (OVER,), (TOP,), (TOP,), (TOP,), (), (OVER,), (TOP,),
                   (), (OVER,), (OVER,), (TOP,), (), ()],
    "nq85-2014": [(), (), (OVER,), (OVER,), (TOP,), (TOP,), (TOP,), (), (OVER,), (TOP,),
                  (), (OVER,), (OVER,), (TOP,), (), ()],
    # NQ 35/2012: "trên 2/3", strict: exactly 2/3 stays in the over-half band
    "nq35-2012": [(), (), (OVER,), (OVER,), (OVER,), (TOP,), (TOP,), (), (OVER,), (TOP,),
                  (), (OVER,), (OVER,), (TOP,), (), ()],
}


def test_every_rule_set_has_its_edge_cases() -> None:
    assert set(EXPECTED) == set(RULE_SETS)


@pytest.mark.parametrize("rules", sorted(EXPECTED))
@pytest.mark.parametrize(("low", "base"), EDGES)
def test_band_edges(rules: str, low: int, base: int) -> None:
    expected = EXPECTED[rules][EDGES.index((low, base))]
    assert RULE_SETS[rules].flags(low, base) == expected


def test_bands_as_printed_inequalities() -> None:
    formulas = {r.id: [b.formula for b in r.bands] for r in RULE_SETS.values()}
    assert formulas["qd96-2023"] == ["2·L > B ∧ 3·L < 2·B", "3·L ≥ 2·B"]
    assert formulas["nq35-2012"] == ["2·L > B ∧ 3·L ≤ 2·B", "3·L > 2·B"]


@pytest.mark.parametrize("rules", sorted(RULE_SETS))
def test_bands_do_not_overlap(rules: str) -> None:
    r = RULE_SETS[rules]
    for base in range(1, 40):
        for low in range(base + 1):
            assert sum(b.holds(low, base) for b in r.bands) <= 1


def test_quorum_edge() -> None:
    rule = QuorumRule.TWO_THIRDS
    assert rule.holds(20, 30) and not rule.holds(19, 30)      # exactly 2/3 present holds
    assert rule.holds(7, 10) and not rule.holds(6, 10)        # 2/3 of 10 is 6.67: 7 needed
    assert rule.holds(48, 72) and not rule.holds(47, 72)
    assert QuorumRule.NONE.holds(0, 72)


def test_quorum_per_rule_set() -> None:
    """Only QĐ 96's quorum is in the research; the others are the event's choice, default none."""
    defaults = {r.id: r.default_policy().quorum for r in RULE_SETS.values()}
    assert defaults == {"qd96-2023": "two-thirds", "nq96-2023": "none", "qd262-2014": "none",
                        "nq85-2014": "none", "nq35-2012": "none"}
    assert RULE_SETS["qd96-2023"].policies["quorum"].fixed
    assert not any(r.policies["quorum"].fixed for r in RULE_SETS.values() if r.id != "qd96-2023")
    assert [r.id for r in RULE_SETS.values() if r.quorum is not None] == ["qd96-2023"]


def test_nq96_group_with_47_of_72_is_not_refused() -> None:
    q = QuorumRule(RULE_SETS["nq96-2023"].default_policy().quorum)
    assert q.holds(47, 72)
    assert not QuorumRule(RULE_SETS["qd96-2023"].default_policy().quorum).holds(47, 72)


def test_qd41_note_only_where_it_applies() -> None:
    assert [r.id for r in RULE_SETS.values() if r.exactly_two_thirds is not None] == ["qd96-2023"]
    for r in RULE_SETS.values():
        assert r.exactly_two_thirds_reason.vi and r.exactly_two_thirds_reason.en


def test_bases() -> None:
    assert {r.id for r in RULE_SETS.values() if r.base is Base.MEMBERS} == {"nq85-2014", "nq35-2012"}


def test_policies_defaults_are_allowed_values() -> None:
    for r in RULE_SETS.values():
        assert set(r.policies) == set(POLICIES)
        for key, choice in r.policies.items():
            assert choice.default in POLICIES[key]
    assert RULE_SETS["qd262-2014"].default_policy().extra_names == "ballot"     # confirmed for QĐ 262
    assert RULE_SETS["qd96-2023"].default_policy().extra_names == "ignore"      # the likely reading [U]


def test_consequences_at_two_thirds_under_nq85_show_both_texts() -> None:
    text = RULE_SETS["nq85-2014"].consequence(TOP, "en")
    assert "may resign" in text and "no-confidence vote" in text


def test_consequence_texts_are_complete() -> None:
    qd96 = RULE_SETS["qd96-2023"]
    assert "no-confidence vote" in qd96.consequence(OVER, "en")
    assert "bỏ phiếu tín nhiệm" in qd96.consequence(OVER, "vi")
    assert "lower work" in qd96.consequence(TOP, "en") and "thấp hơn" in qd96.consequence(TOP, "vi")
    qd262 = RULE_SETS["qd262-2014"].consequence(TOP, "en")
    assert "requirements of the post" in qd262 and "without waiting" not in qd262
    assert "two years running" in RULE_SETS["nq35-2012"].consequence(OVER, "en")


def test_months_after() -> None:
    assert months_after(dt.date(2023, 5, 31), 9) == dt.date(2024, 2, 29)
    assert months_after(dt.date(2018, 3, 15), 9) == dt.date(2018, 12, 15)
    assert months_after(dt.date(2018, 1, 31), 1) == dt.date(2018, 2, 28)


# --- citations ----------------------------------------------------------------------------
#
# Every article the rule data cites, with the REGULATION.md §11 source that names it and
# where in REGULATION.md it is said. A citation not in this table fails the test: add it
# here only after finding it in the research.
ARTICLES: dict[tuple[str, int, int | None], tuple[str, str]] = {
    ("QĐ 96-QĐ/TW", 3, None): ("S5", "§11 S5: QĐ 96 Art. 3: scope; exemption (retirement notice, appointed in the vote year)"),
    ("QĐ 96-QĐ/TW", 6, 3): ("S26", "§5.1 QĐ 96, Art. 6.3 [C S26,S38]; §7 fields (QĐ 96 Art. 6.3)"),
    ("QĐ 96-QĐ/TW", 11, 2): ("S31", "§8.1 Party rule: QĐ 96, Art. 11 [C S31], item 2"),
    ("QĐ 96-QĐ/TW", 11, 3): ("S31", "§8.1 Party rule: QĐ 96, Art. 11 [C S31], item 3"),
    ("NQ 96/2023/QH15", 2, 4): ("S13", "§3 Several positions held: once, covering all positions (Art. 2.4) [C S13]"),
    ("NQ 96/2023/QH15", 2, 5): ("S13", "§3 Exempt persons: ... in the year of the vote (Art. 2.5) [C S13]"),
    ("NQ 96/2023/QH15", 12, 2): ("S32", "§8.2 over half but under 2/3: may resign ... (Art. 12.2; Art. 13) [C S32]"),
    ("NQ 96/2023/QH15", 12, 3): ("S32", "§8.2 2/3 or more: submits dismissal (Art. 12.3) [C S32]"),
    ("NQ 96/2023/QH15", 13, None): ("S48", "§8.2 Other no-confidence triggers (Art. 13) [C S48]"),
    ("NQ 96/2023/QH15", 19, 3): ("S44", "§6.1 Art. 19.3: the base is the total ballots collected [C S44]"),
    ("QĐ 262-QĐ/TW", 7, 2): ("S40", "§5.2 QĐ 262 (2014, art. 7.2) [C S11,S40]"),
    ("QĐ 262-QĐ/TW", 11, None): ("S31", "§11 S31: QĐ 96 Art. 11 ... and comparison with QĐ 262 Art. 11"),
    ("NQ 85/2014/QH13", 17, 1): ("S15", "§11 S15: NQ 85/2014 Art. 17.1, results as % of total deputies"),
    ("NQ 35/2012/QH13", 11, None): ("S50", "§11 S50: NQ 35/2012 Art. 11, triggers for a no-confidence vote"),
}
# Citations of a whole instrument or of a part that is not an article.
INSTRUMENTS = {"QĐ 96-QĐ/TW", "QĐ 262-QĐ/TW", "QĐ 41-QĐ/TW", "NQ 96/2023/QH15", "NQ 85/2014/QH13",
               "NQ 35/2012/QH13", "Hướng dẫn 321/HD-UBTVQH14", "Thông tư 45/2015/TT-BCA"}
PARTS = {("QĐ 96-QĐ/TW", "principle 3"): ("S1", "§3 Several positions held: at most 2 places (principle 3) [C S1]")}
SOURCES = {f"S{n}" for n in range(1, 54)}     # REGULATION.md §11 lists S1 … S53


def all_cites() -> list[tuple[str, Cite]]:
    return [(r.id, c) for r in RULE_SETS.values() for c in r.cites()]


@pytest.mark.parametrize(("rules", "cite"), all_cites(), ids=lambda v: v if isinstance(v, str) else v("en"))
def test_every_citation_is_in_the_research(rules: str, cite: Cite) -> None:
    assert cite.instrument in INSTRUMENTS
    assert cite.sources and set(cite.sources) <= SOURCES
    if cite.article is not None:
        key = (cite.instrument, cite.article, cite.clause)
        assert key in ARTICLES, f"{rules}: {cite('en')} is not in the research table"
        assert ARTICLES[key][0] in cite.sources, f"{rules}: {cite('en')} should cite {ARTICLES[key][0]}"
    elif cite.part is not None:
        key2 = (cite.instrument, cite.part.en)
        assert key2 in PARTS and PARTS[key2][0] in cite.sources
    if cite.status is Status.UNCERTAIN:
        assert rules and cite in [c.cite for r in RULE_SETS.values() for c in r.policies.values()], \
            "an uncertain rule is a policy the event can change"


def rule_texts() -> list[tuple[str, Text]]:
    out: list[tuple[str, Text]] = []
    for r in RULE_SETS.values():
        out += [(r.id, r.name), (r.id, r.citation), (r.id, r.exactly_two_thirds_reason), (r.id, r.quorum_note)]
        for band in r.bands:
            out += [(r.id, band.label)] + [(r.id, c.text) for c in band.consequences]
        out += [(r.id, c.reason) for c in r.policies.values()]
        if r.exactly_two_thirds is not None:
            out.append((r.id, r.exactly_two_thirds.text))
    return out


ARTICLE_IN_TEXT = re.compile(r"(Điều|Art\.|article|khoản)\s*\d", re.IGNORECASE)


def test_no_article_number_outside_a_cite() -> None:
    """Articles are printed only from Cite data, so the table above checks every one."""
    for rules, text in rule_texts():
        for s in (text.vi, text.en):
            assert not ARTICLE_IN_TEXT.search(s), f"{rules}: article in free text: {s!r}"


def test_printed_consequences_cite_the_table() -> None:
    printed = [(r.id, r.consequence(f, lang)) for r in RULE_SETS.values() for f in (OVER, TOP) for lang in ("vi", "en")]
    cited: set[tuple[str, int, int | None]] = set()
    for _, text in printed:
        for m in re.finditer(r"Art\. (\d+)(?:\.(\d+))?, ([^)]+)\)", text):
            cited.add((m.group(3), int(m.group(1)), int(m.group(2)) if m.group(2) else None))
        for m in re.finditer(r"(?:khoản (\d+) )?Điều (\d+) ([^)]+)\)", text):
            cited.add((m.group(3), int(m.group(2)), int(m.group(1)) if m.group(1) else None))
    assert cited and cited <= set(ARTICLES)
    assert ("QĐ 96-QĐ/TW", 11, 2) in cited and ("NQ 96/2023/QH15", 13, None) in cited
