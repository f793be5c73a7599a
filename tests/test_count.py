"""tally/count.py and ballots/rules.py: exact thresholds and the SPEC §3 invariants."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from random_sheets import random_sheet, read_both_ways, seeded_sheet

from ballots.model import Ballot, Event, Group, GroupBallots, GroupId, Mark, Person, PersonId, Position, PositionId
from ballots.rules import RULE_SETS, Base, Flag, flags_for, percent
from tally.count import count, count_group


def make_event(n_persons: int, rules: str = "qd96-2023", members: int | None = None) -> Event:
    pos = Position(PositionId("btv"), "Ủy viên Ban Thường vụ")
    persons = tuple(Person(PersonId(f"p{i:02d}"), f"Người {i}", (pos.id,)) for i in range(1, n_persons + 1))
    group = Group(GroupId("btv"), "Phiếu BTV", (pos.id,), summoned=1000, present=1000, issued=1000,
                  members=members)
    return Event("T", "O", dt.date(2023, 5, 31), rules, "vi", (pos,), persons, (group,))


def group_ballots(event: Event, ballots: list[Ballot]) -> GroupBallots:
    g = event.groups[0]
    return GroupBallots(g, event.persons_on(g), tuple(ballots))


# --- thresholds, exactly at the edges -------------------------------------------------------

def test_exactly_half_triggers_nothing() -> None:
    assert flags_for(10, 20) == ()


def test_just_over_half() -> None:
    assert flags_for(11, 21) == (Flag.OVER_HALF_LOW,)  # 52.38%


def test_exactly_two_thirds_is_two_thirds_and_flagged_exact() -> None:
    assert flags_for(18, 27) == (Flag.TWO_THIRDS_LOW, Flag.EXACTLY_TWO_THIRDS_LOW)


def test_just_under_two_thirds_is_over_half_only() -> None:
    # 66.66% rounds to 66.67% but is still under 2/3: thresholds never use rounded percentages
    assert percent(6666, 10000) == "66.66"
    assert flags_for(6666, 10000) == (Flag.OVER_HALF_LOW,)
    assert flags_for(2, 3) == (Flag.TWO_THIRDS_LOW, Flag.EXACTLY_TWO_THIRDS_LOW)


def test_above_two_thirds() -> None:
    assert flags_for(19, 27) == (Flag.TWO_THIRDS_LOW,)


def test_percent_rounds_half_up() -> None:
    assert percent(7, 18) == "38.89"         # 38.888…
    assert percent(1, 8) == "12.50"
    assert percent(1, 16) == "6.25"          # exact
    assert percent(1, 32) == "3.13"          # 3.125 -> half up
    assert percent(1, 3) == "33.33"
    assert percent(0, 25) == "0.00"
    assert percent(25, 25) == "100.00"


@given(st.integers(0, 5000), st.integers(1, 5000))
def test_percent_matches_decimal_half_up(count_: int, base: int) -> None:
    expected = (Decimal(count_) * 100 / Decimal(base)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert percent(count_, base) == f"{expected:.2f}"


@given(st.integers(0, 3000), st.integers(1, 3000))
def test_flags_match_fractions(low: int, base: int) -> None:
    share = Fraction(low, base)
    flags = flags_for(low, base)
    assert (Flag.OVER_HALF_LOW in flags) == (Fraction(1, 2) < share < Fraction(2, 3))
    assert (Flag.TWO_THIRDS_LOW in flags) == (share >= Fraction(2, 3))
    assert (Flag.EXACTLY_TWO_THIRDS_LOW in flags) == (share == Fraction(2, 3))


# --- counting ------------------------------------------------------------------------------

H, M, L, X = Mark.HIGH, Mark.MEDIUM, Mark.LOW, Mark.INVALID


def test_counts_invalid_ballot_for_everyone_and_invalid_row_for_one() -> None:
    event = make_event(2)
    ballots = [
        Ballot(1, True, (H, L)),
        Ballot(2, True, (X, L)),
        Ballot(3, False, (None, None), note="không có dấu"),
        Ballot(4, True, (M, H)),
    ]
    g = count_group(event, group_ballots(event, ballots))
    a, b = g.persons
    assert (g.collected, g.valid_ballots, g.invalid_ballots, g.base) == (4, 3, 1, 4)
    assert (a.valid, a.invalid, a.high, a.medium, a.low) == (2, 2, 1, 1, 0)
    assert (b.valid, b.invalid, b.high, b.medium, b.low) == (3, 1, 1, 0, 2)
    assert b.low_pct == "50.00" and b.flags == ()   # exactly half: nothing
    assert [(e.ballot, e.person_id) for e in g.invalid_entries] == [(2, "p01"), (3, None)]


def test_nq85_uses_members_as_base() -> None:
    event = make_event(1, rules="nq85-2014", members=30)
    ballots = [Ballot(i, True, (L,)) for i in range(1, 17)] + [Ballot(17, True, (H,))]
    g = count_group(event, group_ballots(event, ballots))
    p = g.persons[0]
    assert g.base == 30 and g.collected == 17
    assert p.low == 16 and p.low_pct == "53.33"
    assert p.flags == (Flag.OVER_HALF_LOW,)          # 16/30 > 1/2, although 16/17 of collected


def test_every_rule_set_has_texts_in_both_languages() -> None:
    assert set(RULE_SETS) == {"qd96-2023", "nq96-2023", "qd262-2014", "nq85-2014", "nq35-2012"}
    for rules in RULE_SETS.values():
        for lang in ("vi", "en"):
            assert rules.citation(lang)
            for flag in (Flag.OVER_HALF_LOW, Flag.TWO_THIRDS_LOW):
                assert rules.consequence(flag, lang)
        assert rules.consequence(Flag.OVER_HALF_LOW, "vi") != rules.consequence(Flag.OVER_HALF_LOW, "en")


marks_st = st.sampled_from([H, M, L, X])


@st.composite
def ballot_sets(draw: st.DrawFn) -> tuple[int, list[Ballot]]:
    n_persons = draw(st.integers(1, 6))
    n = draw(st.integers(1, 60))
    ballots = []
    for number in range(1, n + 1):
        if draw(st.integers(0, 9)) == 0:
            ballots.append(Ballot(number, False, (None,) * n_persons))
        else:
            ballots.append(Ballot(number, True, tuple(draw(marks_st) for _ in range(n_persons))))
    return n_persons, ballots


@settings(max_examples=200, deadline=None)
@given(ballot_sets(), st.sampled_from(sorted(RULE_SETS)))
def test_spec_section3_invariants(data: tuple[int, list[Ballot]], rules: str) -> None:
    n_persons, ballots = data
    event = make_event(n_persons, rules=rules, members=len(ballots) + 3)
    g = count_group(event, group_ballots(event, ballots))
    assert g.valid_ballots + g.invalid_ballots == g.collected == len(ballots)
    expected_base = len(ballots) + 3 if RULE_SETS[rules].base is Base.MEMBERS else len(ballots)
    assert g.base == expected_base
    for i, p in enumerate(g.persons):
        assert p.valid + p.invalid == g.collected
        assert p.high + p.medium + p.low == p.valid
        # independent re-count
        assert p.low == sum(1 for b in ballots if b.valid and b.marks[i] is L)
        assert p.invalid == sum(1 for b in ballots if not b.valid or b.marks[i] is X)
        assert p.flags == flags_for(p.low, g.base, rules)
        for c, pct in ((p.high, p.high_pct), (p.medium, p.medium_pct), (p.low, p.low_pct)):
            assert Decimal(pct) == (Decimal(c) * 100 / g.base).quantize(Decimal("0.01"), ROUND_HALF_UP)
    entries = g.invalid_entries
    assert sum(1 for e in entries if e.person_id is None) == g.invalid_ballots


def test_count_keeps_event_group_order_and_sorts_inputs() -> None:
    from tally.model import InputFile

    event = make_event(1)
    res = count(event, [group_ballots(event, [Ballot(1, True, (H,))])],
                [InputFile("b.xlsx", "2"), InputFile("a.xlsx", "1")])
    assert [i.file for i in res.inputs] == ["a.xlsx", "b.xlsx"]
    assert [g.id for g in res.groups] == ["btv"]


# --- ballots held as columns count as the same ballots read row by row -----------------------
# A large clean sheet reaches count_group as CleanBallots (columns of cells, no Ballot per row);
# on random sheets of every kind of cell (tests/random_sheets.py) its counts, flags and invalid
# entries (ballot, person, note, cell) must be those of the same sheet read row by row.

@pytest.mark.parametrize("seed", range(40))
def test_columns_count_as_the_rows_they_hold(seed: int) -> None:
    rows, persons = seeded_sheet(seed)
    by_rows, by_columns = read_both_ways(rows, persons)
    event = make_event(persons)
    as_rows = GroupBallots(event.groups[0], event.persons_on(event.groups[0]), by_rows.group.loose)
    as_columns = GroupBallots(event.groups[0], event.persons_on(event.groups[0]), by_columns.group.loose,
                              by_columns.group.clean)
    assert count_group(event, as_columns) == count_group(event, as_rows)


def test_a_column_block_with_invalid_rows_counts_each_cell() -> None:
    """Mostly clean: one block of columns, with invalid rows (0, '-') counted where they lie."""
    rng = random.Random(3)
    rows: list[list[object]] = [["Số phiếu", "Tình trạng", "Ghi chú", "p01", "p02"]]
    for number in range(1, 1001):
        rows.append([float(number), "không hợp lệ" if number % 101 == 0 else None, "n" if number % 7 == 0 else None,
                     *rng.choices([1.0, 2.0, 3.0, 0.0, "-", "TH"], [40, 30, 20, 5, 3, 2], k=2)])
    _by_rows, by_columns = read_both_ways(rows, 2)
    assert by_columns.blocks == 1                 # read as columns; said only: marks typed on an invalid ballot
    assert [d[0] for d in by_columns.diagnostics] == ["W707"] * 9
    event = make_event(2)
    got = count_group(event, GroupBallots(event.groups[0], event.persons_on(event.groups[0]),
                                          by_columns.group.loose, by_columns.group.clean))
    valid = [r for r in rows[1:] if r[1] is None]
    for i, p in enumerate(got.persons):
        column = [r[3 + i] for r in valid]
        assert (p.high, p.medium, p.low) == (column.count(1.0), column.count(2.0),
                                             column.count(3.0) + column.count("TH"))
        assert p.invalid == 1000 - p.valid == len(rows) - 1 - len(valid) + column.count(0.0) + column.count("-")
        cells = sorted(f"s.xlsx › g › {'DE'[i]}{k + 2}" for k, r in enumerate(rows[1:])
                       if r[1] is None and r[3 + i] in (0.0, "-"))
        assert sorted(e.source for e in got.invalid_entries if e.person_id == f"p0{i + 1}") == cells
    assert [e.ballot for e in got.invalid_entries if e.person_id is None] == [101 * k for k in range(1, 10)]


# --- tallied while checking (the count path) or after it (check, then count) ----------------
# `tally count` reads with counting=True: each clean column's Counter is made as the column is
# checked, less the rows that go to the careful reader. On random files (several files and
# forms, invalid marks, blanks, duplicates, wholly invalid ballots, every kind of cell) the
# diagnostics and the results must be those of reading without it and counting afterwards.

def _two_form_event() -> Event:
    a, b = Position(PositionId("a"), "Vị trí A"), Position(PositionId("b"), "Vị trí B")
    persons = tuple(Person(PersonId(f"p{i:02d}"), f"Người {i}", ps) for i, ps in
                    enumerate([(a.id, b.id), (a.id,), (a.id,), (b.id,), (b.id,)], start=1))
    groups = (Group(GroupId("g1"), "Phiếu A", (a.id,), 2000, 2000, 2000),
              Group(GroupId("g2"), "Phiếu B", (b.id,), 2000, 2000, 2000))
    return Event("T", "O", dt.date(2023, 5, 31), "qd96-2023", "vi", (a, b), persons, groups)


def _random_files(rng: random.Random, event: Event, folder: Path) -> list[Path]:
    """Two workbooks, each with a sheet per form (the ballots of a form split between them, at
    times overlapping), and at times the second form's ballots as a CSV file as well."""
    import openpyxl
    from random_sheets import CELLS

    from ballots.marks import MarkReader

    reader = MarkReader()
    marks_only = [v for v in CELLS if type(v) is not bool and isinstance(reader(v), Mark)]
    books = [openpyxl.Workbook(), openpyxl.Workbook()]
    for book in books:
        book.remove(book.active)
    paths = [folder / "a.xlsx", folder / "b.xlsx"]
    for group in event.groups:
        form = event.persons_on(group)
        rows = random_sheet(rng, len(form), rng.choice([40, 300, 1200]))
        rows[0][3:3 + len(form)] = [p.id for p in form]
        if rng.random() < 0.6:      # mostly clean: every mark a mark, no odd number
            for r in rows[1:]:
                if len(r) > 3 and r[3] is not None:
                    r[3:3 + len(form)] = rng.choices(marks_only, [30, 20, 10, 8] + [1] * (len(marks_only) - 4),
                                                     k=len(form))
                if not isinstance(r[0], float):
                    r[0] = float(rows.index(r))
        cut = rng.randrange(1, len(rows))
        overlap = rng.choice([0, 0, 3, 50])
        parts = [rows[:cut], [rows[0]] + rows[max(1, cut - overlap):]]
        if group.id == "g2" and rng.random() < 0.3:     # one form's second part as a CSV file
            csv = folder / "g2.csv"
            csv.write_text("\n".join(",".join("" if v is None else str(v) for v in r) for r in parts[1]),
                           encoding="utf-8")
            paths.append(csv)
            parts = parts[:1]
        for book, part in zip(books, parts):
            sheet = book.create_sheet(group.id)
            for r in part:
                sheet.append(r)
    for book, path in zip(books, paths):
        book.save(path)
    return paths


@pytest.mark.parametrize("seed", range(12))
def test_tallied_while_checking_counts_as_tallied_after(seed: int, tmp_path: Path) -> None:
    from ballots.validate import read_ballots

    rng = random.Random(seed)
    event = _two_form_event()
    paths = _random_files(rng, event, tmp_path)
    after = read_ballots(event, paths)
    while_checking = read_ballots(event, paths, counting=True)
    assert while_checking.diagnostics == after.diagnostics
    blocks = [b for gb in while_checking.groups for b in gb.clean]
    assert all(b.counted is not None for b in blocks)
    assert all(b.counted == tuple(map(Counter, b.values)) for b in blocks)    # equal counts of equal values
    for b in blocks:     # the invalid marks found while checking are those looked for afterwards
        looked_for = dataclasses.replace(b, counted=None, invalid_at=None)
        assert b.invalid_at == tuple(looked_for.invalid_marks(i) for i in range(len(b.values)))
    assert all(b.counted is None for gb in after.groups for b in gb.clean)
    assert count(event, while_checking.groups, []) == count(event, after.groups, [])


def test_tallied_while_checking_is_taken_and_leaves_out_the_rows_read_carefully(tmp_path: Path) -> None:
    """A block whose rows partly went to the careful reader (a wholly invalid ballot, an unknown
    mark) is tallied without them."""
    import openpyxl

    from ballots.validate import read_ballots

    event = _two_form_event()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "g1"
    sheet.append(["Số phiếu", "Tình trạng", "Ghi chú", "p01", "p02", "p03"])
    for n in range(1, 201):
        sheet.append([n, "không hợp lệ" if n % 50 == 0 else None, None,
                      "?" if n == 7 else [1, 2, 3, 0][n % 4], 1, "x" if n == 9 else 0])
    book.save(tmp_path / "a.xlsx")
    read = read_ballots(event, [tmp_path / "a.xlsx"], counting=True)
    (block,) = read.groups[0].clean
    assert len(block) == 200 - 4 - 2
    assert block.counted is not None
    assert dict(block.counted[1]) == {1.0: 194}
    assert sum(block.counted[0].values()) == 194 and block.counted[0] == Counter(block.values[0])
    assert sorted((e.code, str(e.location)) for e in read.diagnostics if e.code != "E402") == [
        ("E501", "a.xlsx › g1 › D8"), ("E501", "a.xlsx › g1 › F10"),     # '?' typed by hand, 'x': no marks
        *[("W707", f"a.xlsx › g1 › B{row}") for row in ("101", "151", "201", "51")]]   # ballots 50, 100, 150, 200
