"""tally.kept: the process-wide memos of what the minutes make of a text stay bounded."""

from __future__ import annotations

from tally import kept


def test_a_memo_never_holds_more_than_its_bound_nor_a_long_text() -> None:
    memo: dict[str, int] = kept.memo({})
    for i in range(3 * kept.ENTRIES + 5):
        assert kept.kept(memo, f"t{i}", i, f"t{i}") == i
        assert len(memo) <= kept.ENTRIES
    assert memo[f"t{3 * kept.ENTRIES + 4}"] == 3 * kept.ENTRIES + 4      # the newest is kept
    long = "x" * (kept.TEXT_MAX + 1)
    assert kept.kept(memo, long, -1, long) == -1 and long not in memo
    edge = "y" * kept.TEXT_MAX
    assert kept.kept(memo, edge, 7, edge) == 7 and memo[edge] == 7
    kept.forget()
    assert memo == {}


def test_forget_empties_the_minutes_memos() -> None:
    from tally import layout, sheetxml, workbook
    from tally.results_json import to_bytes
    from test_workbook import make_results

    results = make_results()
    workbook.write_workbook(results, to_bytes(results))
    assert layout._FITTED and sheetxml._INLINE and workbook._OF_WIDTHS
    kept.forget()
    assert not layout._FITTED and not sheetxml._INLINE and not workbook._OF_WIDTHS and not workbook._LEGAL
