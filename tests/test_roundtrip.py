"""Random ballot sets, typed in any accepted spelling, go through the real reader and counter.

The SPEC §3 invariants must hold after parsing, and the counts must equal a direct tally of
what was generated, whatever the spelling, file format or column order.
"""

from __future__ import annotations

import csv
import io
import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots.marks import MARK_WORDS
from ballots.model import Mark
from tally import pipeline

EVENT = """schema = 1
[event]
title = "Lấy phiếu thử"
organisation = "Cơ quan thử"
date = 2023-05-31
rules = "{rules}"
[[positions]]
id = "btv"
title = "Ủy viên Ban Thường vụ"
{persons}
[[groups]]
id = "btv"
title = "Phiếu BTV"
positions = ["btv"]
summoned = {n}
present = {n}
issued = {n}
collected = {n}
members = {members}
"""
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em"]


def spellings(mark: Mark) -> list[str]:
    words = list(MARK_WORDS[mark])
    return words + [w.upper() for w in words] + [f"  {w} " for w in words]


@st.composite
def elections(draw: st.DrawFn) -> dict[str, object]:
    n_persons = draw(st.integers(1, 5))
    n_ballots = draw(st.integers(1, 40))
    rows = []
    for number in range(1, n_ballots + 1):
        invalid_ballot = draw(st.integers(0, 12)) == 0
        marks = [draw(st.sampled_from(list(Mark))) for _ in range(n_persons)]
        typed = [draw(st.sampled_from(spellings(m))) for m in marks]
        rows.append((number, invalid_ballot, marks, typed))
    return {
        "n_persons": n_persons,
        "rows": rows,
        "rules": draw(st.sampled_from(["qd96-2023", "nq96-2023", "qd262-2014", "nq85-2014"])),
        "order": draw(st.permutations(range(n_persons + 3))),
        "delimiter": draw(st.sampled_from([",", ";"])),
        "header_style": draw(st.sampled_from(["id", "name", "both", "twolines"])),
    }


def header(i: int, style: str) -> str:
    pid, name = f"p{i + 1:02d}", NAMES[i]
    return {"id": pid, "name": name.upper(), "both": f"{pid} - {name}", "twolines": f"{pid}\n{name}"}[style]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections())
def test_parse_and_count_agree_with_direct_tally(e: dict[str, object]) -> None:
    n_persons: int = e["n_persons"]  # type: ignore[assignment]
    rows: list = e["rows"]  # type: ignore[assignment]
    members = len(rows) + 2
    persons = "\n".join(
        f'[[persons]]\nid = "p{i + 1:02d}"\nname = "{NAMES[i]}"\npositions = ["btv"]' for i in range(n_persons))
    columns = ["Số phiếu", "Tình trạng", "Ghi chú"] + [header(i, e["header_style"]) for i in range(n_persons)]  # type: ignore[arg-type]
    order = [c for c in e["order"] if c < len(columns)]  # type: ignore[attr-defined]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=e["delimiter"])  # type: ignore[arg-type]
    writer.writerow([columns[c] for c in order])
    for number, invalid_ballot, _marks, typed in rows:
        values = [str(number), "không hợp lệ" if invalid_ballot else random.choice(["", "hợp lệ", "Valid"]),
                  "ghi chú" if invalid_ballot else ""]
        values += ["" if invalid_ballot else t for t in typed]
        writer.writerow([values[c] for c in order])
    with tempfile.TemporaryDirectory() as tmp:
        event_path = Path(tmp) / "event.toml"
        event_path.write_text(EVENT.format(rules=e["rules"], persons=persons, n=len(rows), members=members),
                              encoding="utf-8")
        sheet = Path(tmp) / "btv.csv"
        sheet.write_text(buf.getvalue(), encoding="utf-8")
        checked = pipeline.check(event_path, [sheet])
        assert not checked.has_errors, [d.message for d in checked.diagnostics]
        results, _ = pipeline.count_results(checked)
    g = results.groups[0]
    assert g.collected == len(rows)
    assert g.invalid_ballots == sum(1 for r in rows if r[1])
    assert g.valid_ballots + g.invalid_ballots == g.collected
    assert g.base == (members if e["rules"] == "nq85-2014" else len(rows))
    for i, p in enumerate(g.persons):
        valid_rows = [r[2][i] for r in rows if not r[1]]
        assert p.high == valid_rows.count(Mark.HIGH)
        assert p.medium == valid_rows.count(Mark.MEDIUM)
        assert p.low == valid_rows.count(Mark.LOW)
        assert p.valid + p.invalid == g.collected
        assert p.high + p.medium + p.low == p.valid


def test_semicolon_csv_whose_first_header_cell_spans_two_lines() -> None:
    """Found by the property test above: the delimiter is sniffed from the header record."""
    from ballots.sheets import sniff_delimiter

    text = '"p01\nNguyễn Văn An";Tình trạng;Ghi chú;Số phiếu\n1;;;1\n'
    assert sniff_delimiter(text) == ";"
    assert sniff_delimiter("Số phiếu,p01\n1,1\n") == ","
    assert sniff_delimiter("Số phiếu\tp01\n1\t1\n") == "\t"
