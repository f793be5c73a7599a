"""ballots/event.py: every event-file error code (E100–E112) and eligibility warning, each
on a real file under tests/data/events/, with the line it points at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SAMPLES, run_tally

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


# --- per rule set: quorum, members, policy, eligibility (ballots/rules.py) ----------------


def event_text(rules: str, *, policy: str = "", summoned: int = 72, present: int = 47, members: str = "",
               persons: str = "", groups: str = "") -> bytes:
    persons = persons or '[[persons]]\nid = "p01"\nname = "Nguyễn Văn An"\npositions = ["ct"]\n'
    groups = groups or (f'[[groups]]\nid = "ct"\ntitle = "Phiếu"\npositions = ["ct"]\nsummoned = {summoned}\n'
                        f'present = {present}\nissued = {present}\n{members}\n')
    return (f'schema = 1\n[event]\ntitle = "T"\norganisation = "O"\ndate = 2023-12-08\nrules = "{rules}"\n'
            f'{policy}\n[[positions]]\nid = "ct"\ntitle = "Chủ tịch"\n[[positions]]\nid = "pct"\n'
            f'title = "Phó Chủ tịch"\n{persons}{groups}').encode()


def diagnosis_codes(text: bytes) -> list[str]:
    from ballots.event_source import diagnose
    return [d.code for d in diagnose(text, "event.toml").diagnostics]


@pytest.mark.parametrize(("rules", "members", "refused"), [
    ("qd96-2023", "", True), ("nq96-2023", "", False), ("qd262-2014", "", False),
    ("nq85-2014", "members = 80", False), ("nq35-2012", "members = 80", False)])
def test_quorum_only_where_the_rule_set_has_one(rules: str, members: str, refused: bool) -> None:
    """47 present of 72 summoned (less than 2/3): refused under QĐ 96 only."""
    assert ("E201" in diagnosis_codes(event_text(rules, members=members))) is refused
    assert "E201" not in diagnosis_codes(event_text(rules, members=members, present=48))   # 3 × 48 = 2 × 72


def test_quorum_policy_opts_in_and_qd96_cannot_opt_out() -> None:
    assert "E201" in diagnosis_codes(event_text("nq96-2023", policy='[policy]\nquorum = "two-thirds"'))
    loaded = parse_event(event_text("qd96-2023", policy='[policy]\nquorum = "none"', present=60))
    assert [d.code for d in loaded.diagnostics] == ["E104"] and "policy.quorum" in loaded.diagnostics[0].message
    assert loaded.diagnostics[0].location is not None and loaded.diagnostics[0].location.line == 8


def test_policy_values_are_checked_and_kept() -> None:
    bad = parse_event(event_text("qd96-2023", present=60, policy='[policy]\nextra_names = "keep"\ncrossed = "row"'))
    assert sorted(d.code for d in bad.diagnostics) == ["E102", "E104"]
    good = parse_event(event_text("qd96-2023", present=60, policy='[policy]\ncrossed_out_name = "ballot"'))
    assert good.event is not None
    assert good.event.effective_policy.as_dict() == {"crossed_out_name": "ballot", "extra_names": "ignore",
                                                     "quorum": "two-thirds"}
    qd262 = parse_event(event_text("qd262-2014", present=60))
    assert qd262.event is not None and qd262.event.effective_policy.extra_names == "ballot"


def test_members_below_present_is_an_error_and_members_elsewhere_a_warning() -> None:
    assert "E206" in diagnosis_codes(event_text("nq85-2014", members="members = 40"))   # 47 present of 40
    assert "E206" not in diagnosis_codes(event_text("nq85-2014", members="members = 47"))
    assert "W711" in diagnosis_codes(event_text("nq96-2023", members="members = 80"))
    assert "W711" not in diagnosis_codes(event_text("nq35-2012", members="members = 80"))


TWO_FORMS = ('[[persons]]\nid = "p01"\nname = "Nguyễn Văn An"\npositions = ["ct", "pct"]\nappointed = {appointed}\n'
             '[[persons]]\nid = "p02"\nname = "Trần Thị Bình"\npositions = ["pct"]\n')
GROUPS = ''.join(f'[[groups]]\nid = "{g}"\ntitle = "Phiếu {g}"\npositions = ["{g}"]\nsummoned = 50\npresent = 50\n'
                 f'issued = 50\nmembers = 50\n' for g in ("ct", "pct"))


@pytest.mark.parametrize(("rules", "appointed", "expected"), [
    ("qd96-2023", "2023-02-01", {"W701", "W711"}),        # appointed this year; 2 places are allowed
    ("nq96-2023", "2023-02-01", {"W701", "W713", "W711"}),  # NQ 96 Art. 2.4: voted on once for all posts
    ("nq85-2014", "2023-06-01", {"W712", "W713"}),        # HD 321: less than 9 months in post
    ("nq85-2014", "2023-03-09", {"W712", "W713"}),        # the vote is on 2023-12-08
    ("nq85-2014", "2023-03-08", {"W713"}),                # 9 months to the day: voted on
    ("nq85-2014", "2023-02-01", {"W713"}),                # this year, but 10 months: no W701 under NQ 85
    ("nq35-2012", "2023-02-01", set()),                   # the research found no such rules
    ("qd262-2014", "2023-02-01", {"W711"}),
])
def test_eligibility_per_rule_set(rules: str, appointed: str, expected: set[str]) -> None:
    text = event_text(rules, persons=TWO_FORMS.format(appointed=appointed), groups=GROUPS)
    assert set(diagnosis_codes(text)) == expected


def test_eligibility_hints_cite_the_rule_set() -> None:
    from ballots.event_source import diagnose
    text = event_text("nq96-2023", persons=TWO_FORMS.format(appointed="2023-02-01"), groups=GROUPS)
    hints = {d.code: d.hint for d in diagnose(text, "event.toml").diagnostics}
    assert "NQ 96/2023/QH15" in hints["W701"] and "2.5" in hints["W701"]
    assert "2.4" in hints["W713"]


@pytest.mark.parametrize("nesting", ["x = " + "[" * 50_000 + "]" * 50_000, "x = " + "{a = " * 50_000 + "1" + "}" * 50_000])
def test_deeply_nested_toml_is_not_valid_toml_not_a_crash(nesting: str, tmp_path: Path) -> None:
    """tomllib recurses once per level: 50,000 nested arrays or inline tables raised RecursionError,
    which came out as an internal error (exit 1) from check, count, show and every edit."""
    raw = ("schema = 1\n" + nesting + "\n").encode()
    loaded = parse_event(raw, "deep.toml")
    assert loaded.event is None and [(d.code, str(d.location)) for d in loaded.diagnostics] == [("E101", "deep.toml")]
    path = tmp_path / "deep.toml"
    path.write_bytes(raw)
    with pytest.raises(TallyError) as info:
        load_event(path)
    assert info.value.exit_code is ExitCode.EVENT
    for args in (["check", path, SAMPLES / "ballots.xlsx"], ["show", path], ["person", "add", path, "--id", "p9", "--name", "X", "--position", "btv"]):
        proc = run_tally("--lang", "en", *args)
        assert proc.returncode == ExitCode.EVENT and "E101" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
