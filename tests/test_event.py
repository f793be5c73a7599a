"""ballots/event.py: every event-file error code (E100–E112) and eligibility warning, each
on a real file under tests/data/events/, with the line it points at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ballots import edit
from ballots.errors import CODES, ExitCode, TallyError
from ballots.event import KeyLocator, load_event, parse_event, read_event
from ballots.event_view import inspect_event

DATA = Path(__file__).parent / "data" / "events"


def codes_and_lines(path: Path) -> list[tuple[str, int | None]]:
    return [(d.code, d.location.line if d.location else None) for d in read_event(path).diagnostics]


# file, expected (code, line) pairs: the whole list, so a cascade of extra errors fails too
BROKEN = [
    ("not_toml.toml", [("E101", 5)]),          # organisation = Đảng bộ… without quotes
    ("not_utf8.toml", [("E101", None)]),       # Latin-1 bytes: no line to point at
    ("unknown_key.toml", [("E102", 7)]),       # titel = "typo"
    ("unknown_section.toml", [("E102", 8)]),   # [evnt]
    ("missing_title.toml", [("E103", 4)]),     # points at the [event] header
    ("no_groups.toml", [("E103", None)]),
    ("nq85_without_members.toml", [("E103", 18)]),  # the [[groups]] header
    ("wrong_type.toml", [("E104", 21)]),       # summoned = "30"
    ("duplicate_id.toml", [("E105", 18)]),     # P01 after p01 (ids are case-insensitive)
    ("unknown_position.toml", [("E106", 20)]),
    ("empty_group.toml", [("E107", 32)]),      # positions = ["pgd"], held by nobody
    ("unknown_rules.toml", [("E108", 7)]),
    ("schema2.toml", [("E109", 2)]),
    ("bad_slug.toml", [("E110", 13)]),         # id = "Phó GĐ"
]


@pytest.mark.parametrize(("name", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_file_reports_code_and_line(name: str, expected: list[tuple[str, int | None]]) -> None:
    loaded = read_event(DATA / name)
    assert loaded.event is None
    assert codes_and_lines(DATA / name) == expected
    for d in loaded.diagnostics:
        assert d.location is not None and d.location.file == name
        assert d.message and d.hint, "every problem says what was found and what to do"


@pytest.mark.parametrize(("name", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_load_event_raises_with_event_exit_code(name: str, expected: list[tuple[str, int | None]]) -> None:
    with pytest.raises(TallyError) as info:
        load_event(DATA / name)
    assert [d.code for d in info.value.diagnostics] == [c for c, _ in expected]
    assert info.value.exit_code is ExitCode.EVENT


def test_messages_name_the_key() -> None:
    by_file = {name: read_event(DATA / name).diagnostics[0].message for name, _ in BROKEN}
    assert "event.titel" in by_file["unknown_key.toml"]
    assert "'evnt'" in by_file["unknown_section.toml"]
    assert "event.title" in by_file["missing_title.toml"]
    assert "groups[1].members" in by_file["nq85_without_members.toml"]
    assert "groups[1].summoned" in by_file["wrong_type.toml"]
    assert "'P01'" in by_file["duplicate_id.toml"]
    assert "'pgd'" in by_file["unknown_position.toml"]
    assert "'pho'" in by_file["empty_group.toml"]
    assert "'qd96'" in by_file["unknown_rules.toml"]
    assert "schema = 2" in by_file["schema2.toml"]
    assert "'Phó GĐ'" in by_file["bad_slug.toml"]


def test_duplicate_points_at_both_places() -> None:
    (d,) = read_event(DATA / "duplicate_id.toml").diagnostics
    assert [r.line for r in d.related] == [13]


def test_e100_missing_file(tmp_path: Path) -> None:
    loaded = read_event(tmp_path / "nowhere.toml")
    assert loaded.event is None
    assert [(d.code, d.location.line if d.location else None) for d in loaded.diagnostics] == [("E100", None)]
    assert "tally init" in loaded.diagnostics[0].hint


def test_e111_init_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "event.toml"
    shutil.copy(DATA / "valid.toml", path)
    before = path.read_bytes()
    with pytest.raises(TallyError) as info:
        edit.init_event(path, "Khác", "Khác", "2024-01-01")
    assert [d.code for d in info.value.diagnostics] == ["E111"]
    assert info.value.exit_code is ExitCode.EVENT
    assert path.read_bytes() == before


def test_e112_position_still_in_use(tmp_path: Path) -> None:
    path = tmp_path / "valid.toml"
    shutil.copy(DATA / "valid.toml", path)
    before = path.read_bytes()
    with pytest.raises(TallyError) as info:
        edit.remove_position(path, "gd")
    (d,) = info.value.diagnostics
    assert (d.code, d.location.line if d.location else None) == ("E112", 10)
    assert "p01 Nguyễn Văn An" in d.message and "group lanhdao" in d.message
    assert path.read_bytes() == before


def test_every_event_code_is_covered() -> None:
    covered = {c for _, expected in BROKEN for c, _ in expected} | {"E100", "E111", "E112"}
    assert covered == {c for c in CODES if c.startswith("E1")}


def test_missing_event_section() -> None:
    codes = [d.code for d in read_event(DATA / "missing_event.toml").diagnostics]
    assert codes and set(codes) == {"E103"}
    assert "[event] section is missing" in read_event(DATA / "missing_event.toml").diagnostics[0].message


# ---------------------------------------------------------------- valid files


def test_valid_file() -> None:
    event, warnings = load_event(DATA / "valid.toml")
    assert warnings == ()
    assert event.title == "Lấy phiếu tín nhiệm giữa nhiệm kỳ"
    assert event.rules == "qd96-2023" and event.language == "vi"   # the defaults
    assert [p.id for p in event.persons_on(event.groups[0])] == ["p01"]
    assert len(event.sha256) == 64


def test_ids_match_case_insensitively() -> None:
    # a person holding "GD" is on the form for "gd": no E107 "nobody on it"
    event, _ = load_event(DATA / "case_insensitive_ids.toml")
    assert event.persons[0].positions == ("gd",)
    assert [p.id for p in event.persons_on(event.groups[0])] == ["p01"]


def test_sample_event_is_valid() -> None:
    event, _ = load_event(Path(__file__).parents[1] / "samples" / "event.toml")
    assert len(event.groups) == 2


# ---------------------------------------------------------------- warnings (SPEC §3 eligibility)

WARNINGS = [
    ("W703", "p01", 33),   # positions = ["btv", "gd", "pgd"]: three forms under QĐ 96
    ("W701", "p02", 40),   # appointed = 2023-02-01, the year of the vote
    ("W702", "p03", 46),   # retiring = true
    ("W708", "p04", 52),   # appointed after the vote
    ("W704", "p05", 57),   # holds only cvp, which no form uses
    ("W705", "'tp'", 23),  # position tp held by nobody
]


def test_warnings_do_not_stop_loading() -> None:
    event, diagnostics = load_event(DATA / "warnings.toml")
    assert sorted(d.code for d in diagnostics) == sorted(c for c, _, _ in WARNINGS)
    assert all(not d.is_error for d in diagnostics)
    assert len(event.persons) == 5


@pytest.mark.parametrize(("code", "who", "line"), WARNINGS, ids=[w[0] for w in WARNINGS])
def test_warning_code_and_line(code: str, who: str, line: int) -> None:
    view = inspect_event(DATA / "warnings.toml")
    (d,) = [d for d in view.diagnostics if d.code == code]
    assert who in d.message
    assert d.location is not None and (d.location.file, d.location.line) == ("warnings.toml", line)
    assert view.exit_code is ExitCode.OK


def test_three_places_only_warned_under_qd96() -> None:
    text = (DATA / "warnings.toml").read_text(encoding="utf-8").replace('"qd96-2023"', '"nq96-2023"')
    loaded = parse_event(text.encode(), "warnings.toml")
    assert loaded.event is not None
    from ballots.event import eligibility_warnings

    assert "W703" not in {d.code for d in eligibility_warnings(loaded.event)}


# ---------------------------------------------------------------- KeyLocator


def test_key_locator_tables_and_comments() -> None:
    text = (DATA / "warnings.toml").read_text(encoding="utf-8")
    loc = KeyLocator(text)
    assert loc.line("event") == 4
    assert loc.line("persons", 0, "id") == 31
    assert loc.line("persons", 4) == 54          # header of the fifth person
    assert loc.line("groups", 2, "issued") == 81
    assert loc.line("persons", 9, "id") is None


def test_bom_and_crlf_are_read(tmp_path: Path) -> None:
    text = (DATA / "unknown_key.toml").read_text(encoding="utf-8").replace("\n", "\r\n")
    path = tmp_path / "unknown_key.toml"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert codes_and_lines(path) == [("E102", 7)]
