"""tally.snapshot.book_snapshot: the minutes verification compares with, taken from the laid-out
and styled book without writing it (issue 14), are what the strict reader reads from the
bytes `tally count` writes for the same results.json, field for field.

The minutes are generated: Vietnamese and English, every rule set, 1 to 5 groups of 1 to 40
people, invalid ballots with awkward notes, long titles, the restricted mark on and off.
"""

from __future__ import annotations

import dataclasses
import random

import pytest
from test_sheetxml import AWKWARD, awkward_results
from test_workbook import make_results, person

from ballots.rules import RULE_SETS
from tally import snapshot
from tally.compare import laid_out, rebuild, rebuild_written
from tally.model import GroupResult, InvalidEntry, Results
from tally.results_json import to_bytes

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Minh Đức", "Hoàng Thị Em", "John Smith",
         "Ngô Bảo Châu" * 6, "O'Brien & <Sons>", "Vũ  Thị\tHà"]
POSITIONS = ["Bí thư Đảng ủy", "Giám đốc Sở", "Phó Giám đốc Sở", "Ủy viên Ban Thường vụ Đảng ủy " * 5, "Member"]


def generated(seed: int) -> tuple[Results, bool]:
    rng = random.Random(seed)
    rules = list(RULE_SETS)[seed % len(RULE_SETS)]
    language = "vi" if seed % 2 else "en"
    title = rng.choice(["Lấy phiếu tín nhiệm", "Confidence vote", "Lấy phiếu tín nhiệm giữa nhiệm kỳ " * 12])
    results = make_results(rules, language, title=f"{seed} {title}")
    groups = []
    for g in range(rng.randint(1, 5)):
        base = rng.randint(1, 120)
        persons = []
        for p in range(rng.randint(1, 40)):
            low = rng.randint(0, base)
            medium = rng.randint(0, base - low)
            high = rng.randint(0, base - low - medium)
            persons.append(dataclasses.replace(
                person(f"p{p:02d}", rng.choice(NAMES), tuple(rng.sample(POSITIONS, rng.randint(0, 3))),
                       high, medium, low, rng.randint(0, 3), base),
                flags=RULE_SETS[rules].flags(low, base)))
        entries = tuple(InvalidEntry(i + 1, rng.choice([None, "p00"]), None, rng.choice(AWKWARD),
                                     f"ballots.xlsx › g{g} › A{i + 2}") for i in range(rng.choice([0, 0, 1, 7])))
        groups.append(GroupResult(
            id=f"g{g}", title=rng.choice(["Phiếu tín nhiệm Ban Thường vụ", "Board", "Phiếu tín nhiệm " * 15]),
            summoned=base + 3, present=base, issued=base, collected=base, base=base,
            valid_ballots=base - len(entries), invalid_ballots=len(entries), persons=tuple(persons),
            invalid_entries=entries, members=base + 3 if results.groups[0].members is not None else None))
    return dataclasses.replace(results, groups=tuple(groups)), bool(seed % 3)


def _same(results: Results, restricted: bool) -> None:
    data = to_bytes(results)
    direct = rebuild(data, restricted)
    snapshot._MEMO.clear()          # the written workbook read cold, not from parts read before
    written = rebuild_written(data, restricted)
    for name in written.detail:     # the first difference by field, for a readable failure
        for f in dataclasses.fields(snapshot.SheetRead):
            assert getattr(direct.detail[name], f.name) == getattr(written.detail[name], f.name), (name, f.name)
    assert direct == written
    assert written.problems == ()
    rebuild.cache_clear()
    laid_out.cache_clear()
    assert rebuild(data, restricted) == direct      # building the book twice changes nothing it reads


@pytest.mark.parametrize("seed", range(40))
def test_direct_equals_read_of_written(seed: int) -> None:
    _same(*generated(seed))


@pytest.mark.parametrize("rules", list(RULE_SETS))
@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("restricted", [True, False])
def test_every_rule_set_and_language(rules: str, language: str, restricted: bool) -> None:
    _same(make_results(rules, language), restricted)


def test_awkward_text_and_numbers() -> None:
    _same(awkward_results(60), True)        # control characters, CR, emoji, a number past a float's digits
