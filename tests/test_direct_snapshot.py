"""tally.snapshot.book_snapshot: the minutes verification compares with, taken from the laid-out
and styled book and its worksheet parts as written, never unpacked or parsed (issue 14), are
what the strict reader reads from the bytes `tally count` writes for the same results.json,
field for field.

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
from tally import compare, kept, snapshot, workbook
from tally.compare import laid_out, rebuild, rebuild_written, rebuilt_book
from tally.model import GroupResult, InvalidEntry, Results
from tally.results_json import from_bytes, to_bytes
from tally.workbook import write_workbook

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
    rebuilt_book.cache_clear()
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


def _expected_then_read(data: bytes, written: bytes, restricted: bool,
                        monkeypatch: pytest.MonkeyPatch) -> tuple[snapshot.Snapshot, list[str]]:
    """The workbook read after the reader was told what the rebuilt minutes' parts read as,
    and the worksheet parts it parsed."""
    snapshot._MEMO.clear()
    rebuilt_book.cache_clear()
    laid_out.cache_clear()
    snapshot.expect(rebuilt_book(data, restricted)[1])
    walked: list[str] = []
    real = snapshot._sheet_content

    def counted(root: object, part: str, *rest: object) -> object:
        walked.append(part)
        return real(root, part, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(snapshot, "_sheet_content", counted)
    read = snapshot.read_snapshot(written)
    monkeypatch.setattr(snapshot, "_sheet_content", real)
    return read, walked


@pytest.mark.parametrize("seed", range(0, 40, 3))
def test_expected_parts_read_as_parsed(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """tally.snapshot.expect: the workbook tally writes, read after the reader was told what
    its parts read as, is the snapshot of parsing every part, and no worksheet was parsed."""
    results, restricted = generated(seed)
    data = to_bytes(results)
    written = write_workbook(from_bytes(data), data, restricted)
    snapshot._MEMO.clear()
    parsed = snapshot.read_snapshot(written)
    read, walked = _expected_then_read(data, written, restricted, monkeypatch)
    assert walked == []
    for name in parsed.detail:
        for f in dataclasses.fields(snapshot.SheetRead):
            assert getattr(read.detail[name], f.name) == getattr(parsed.detail[name], f.name), (name, f.name)
    assert read == parsed


def test_expected_parts_of_other_minutes_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Minutes expected for another results.json (another mark, another count) are not taken
    for these: each part whose bytes differ is parsed, and the snapshot is the parsed one."""
    results, restricted = generated(7)
    data = to_bytes(results)
    written = write_workbook(from_bytes(data), data, restricted)
    snapshot._MEMO.clear()
    parsed = snapshot.read_snapshot(written)
    read, walked = _expected_then_read(data, written, not restricted, monkeypatch)
    assert read == parsed
    assert len(walked) == len(parsed.sheets) - 1       # every sheet but the data sheet has the mark or not
    group = results.groups[0]
    other = dataclasses.replace(results, groups=(dataclasses.replace(group, summoned=group.summoned + 1),
                                                 *results.groups[1:]))
    other_data = to_bytes(other)
    read, walked = _expected_then_read(other_data, written, restricted, monkeypatch)
    assert read == parsed
    assert walked       # at least the sheet that shows the count, and the data sheet, differ


@pytest.mark.parametrize("seed", range(0, 40, 4))
def test_sheets_read_as_expected_compare_as_the_long_way(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """tally.compare._same_part: a sheet read as the rebuilt minutes' own part is compared only
    for what the workbook part says of it (name, state, print titles and area, and the header
    and footer again). Comparing every field instead finds the same: nothing for the minutes
    as written, the same differences for a workbook that places a sheet otherwise."""
    results, restricted = generated(seed)
    data = to_bytes(results)
    written = write_workbook(from_bytes(data), data, restricted)
    read, walked = _expected_then_read(data, written, restricted, monkeypatch)
    want = rebuild(data, restricted)
    visible = [n for n in want.sheets if want.states[n] == "visible"]
    assert walked == [] and all(compare._same_part(want.detail[n], read.detail[n]) for n in visible)
    first = visible[0]
    placed = dataclasses.replace(read.detail[first], print_titles=f"'{first}'!$1:$2", print_area="A1:B2")
    moved = dataclasses.replace(read, detail={**read.detail, first: placed})
    assert compare._same_part(want.detail[first], placed)
    same_part = compare._same_part
    found = []
    for got in (read, moved):
        short = compare.compare_appearance(want, got)
        monkeypatch.setattr(compare, "_same_part", lambda w, g: False)
        long = compare.compare_appearance(want, got)
        monkeypatch.setattr(compare, "_same_part", same_part)
        assert short == long
        found.append(short)
    assert found[0] == []
    assert [d.what for d in found[1]] == ["print titles", "print area"]
    # a part of its own (not the rebuilt one's), even with the same content, is compared field by field
    own = dataclasses.replace(read.detail[first], cells=dict(read.detail[first].cells))
    assert not compare._same_part(want.detail[first], own)


def test_one_line_chars_counts_as_far_as_text_lines_does_not_measure() -> None:
    """workbook.one_line_chars finds its answer by division, then exactly: the longest length
    n with _widest(n) within the room, as counting up one by one finds it, at every edge."""
    rng = random.Random(5)

    def counted(width: float, size: float, bold: bool) -> int:
        room, n = workbook._room(width), 0
        while workbook._widest(n + 1, size, bold) <= room:
            n += 1
        return n

    for _ in range(20000):
        width = rng.choice([rng.uniform(-50, 1500), rng.randint(0, 2000) * 0.75, rng.randint(0, 300) * 5.25])
        size, bold = rng.choice([9, 10, 11, 12, 13, 14, rng.uniform(1, 30)]), rng.random() < 0.5
        assert workbook.one_line_chars(width, size, bold) == counted(width, size, bold), (width, size, bold)


@pytest.mark.parametrize("seed", range(0, 40, 5))
def test_row_heights_as_every_text_measured(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """workbook.row_heights finds most cells one line high by their length or their glyphs'
    width alone (kept for the process by column widths, span and style): the heights are those
    of measuring every cell's text with text_lines, cold and warm."""
    results, _restricted = generated(seed)
    sheets = laid_out(to_bytes(results))[1]
    warm = [workbook.row_heights(s, workbook.WIDTHS[s.kind]) for s in sheets]
    workbook._OF_WIDTHS.clear()
    real = workbook._one_line

    def measure_all(style: object, width: float, strong: bool) -> tuple[int, float, float, object]:
        _short, one, _room, width_of = real(style, width, strong)         # type: ignore[arg-type]
        return -1, one, float("-inf"), width_of         # no text short or narrow enough: each measured

    monkeypatch.setattr(workbook, "_one_line", measure_all)
    measured = [workbook.row_heights(s, workbook.WIDTHS[s.kind]) for s in sheets]
    workbook._OF_WIDTHS.clear()
    assert warm == measured
    assert any(h != workbook.BLANK_ROW for hs in measured for h in hs.values())


def test_minutes_written_after_others_are_the_bytes_of_a_fresh_process() -> None:
    """What the minutes make of a text is kept for the process (tally.kept: a cell's cleaned
    text, its height, its XML): the minutes of each of many results, awkward texts among them
    (control characters, formulas, long and astral texts), written after the others in either
    order, are byte for byte those written by a process that wrote nothing before."""
    cases = [(generated(seed)[0], seed % 2 == 0) for seed in range(8)] + [(awkward_results(30), False)]
    cases = [(results, to_bytes(results), restricted) for results, restricted in cases]
    fresh = []
    for results, data, restricted in cases:
        kept.forget()
        fresh.append(write_workbook(results, data, restricted))
    for order in (cases, cases[::-1]):
        kept.forget()
        written = [write_workbook(results, data, restricted) for results, data, restricted in order + order]
        assert written == [fresh[cases.index(c)] for c in order + order]
    kept.forget()


def test_row_heights_kept_from_other_results_are_those_measured_afresh() -> None:
    """What a text needs is kept for the process by column widths, span, style and text
    (verify rebuilds one result after another, and most of their texts come again): minutes
    laid out after many others get the heights they get in a process that saw none."""
    books = [laid_out(to_bytes(generated(seed)[0]))[1] for seed in range(12)]
    fresh = []
    for sheets in books:
        workbook._OF_WIDTHS.clear()
        fresh.append([workbook.row_heights(s, workbook.WIDTHS[s.kind]) for s in sheets])
    workbook._OF_WIDTHS.clear()
    for _ in range(2):          # the second time round, every text has been seen in another book
        kept = [[workbook.row_heights(s, workbook.WIDTHS[s.kind]) for s in sheets] for sheets in books]
        assert kept == fresh
    assert sum(len(needs) for _w, _o, needs in workbook._OF_WIDTHS.values()) > 0
    workbook._OF_WIDTHS.clear()


def test_a_text_kept_for_one_span_is_measured_again_in_another() -> None:
    """The same text in a narrow column and across a wide span, in another style, in bold, in
    one sheet or in two, in either order: each gets the height measuring it there gives (what
    a text needs is kept per column widths, span, style and text, never for the text alone)."""
    from tally.layout import Cell, Role, SheetKind, SheetLayout

    widths = workbook.WIDTHS[SheetKind.GROUP]

    def sheet(text: str, cells: list[tuple[int, int, Role, bool]],
              merges: tuple[tuple[int, int, int, int], ...] = ()) -> SheetLayout:
        return SheetLayout("s", SheetKind.GROUP, tuple(Cell(f"{'ABCDEFGHIJKL'[c - 1]}{r}", r, c, text, role,
                                                            strong=strong) for r, c, role, strong in cells),
                           merges, 12)

    def fresh(s: SheetLayout) -> dict[int, float]:
        workbook._OF_WIDTHS.clear()
        return workbook.row_heights(s, widths)

    # a text that wraps to more lines in bold than in plain type, in column B
    words = "Đồng chí được đề nghị xem xét theo quy định của Đảng và Nhà nước".split()
    text = next(t for t in (" ".join(words * 3)[:n] for n in range(100, kept.TEXT_MAX))
                if fresh(sheet(t, [(1, 2, Role.PARA, True)])) != fresh(sheet(t, [(1, 2, Role.PARA, False)])))
    sheets = {"narrow": sheet(text, [(1, 2, Role.PARA, False)]),
              "strong": sheet(text, [(1, 2, Role.PARA, True)]),
              "first": sheet(text, [(1, 1, Role.PARA, False)]),       # column A alone: as `wide` starts
              "wide": sheet(text, [(1, 1, Role.PARA, False)], ((1, 1, 1, 12),)),
              "title": sheet(text, [(1, 2, Role.TITLE, False)]),
              "both": sheet(text, [(1, 2, Role.PARA, False), (2, 1, Role.PARA, False)], ((2, 1, 2, 12),))}
    alone = {name: fresh(s) for name, s in sheets.items()}
    assert alone["narrow"][1] > alone["wide"][1] and alone["first"][1] > alone["wide"][1]
    assert alone["strong"][1] != alone["narrow"][1] != alone["title"][1]
    assert alone["both"] == {1: alone["narrow"][1], 2: alone["wide"][1]}
    for order in (list(sheets), list(reversed(sheets))):
        workbook._OF_WIDTHS.clear()
        for name in order + order:
            assert workbook.row_heights(sheets[name], widths) == alone[name], (order, name)
        assert len(workbook._of_widths(widths)[2]) == 5      # the text kept for each span and style
    workbook._OF_WIDTHS.clear()
