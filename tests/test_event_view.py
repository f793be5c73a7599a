"""ballots/event_view.py: an event file shown as far as it goes, with its problems."""

from __future__ import annotations

from pathlib import Path

from ballots.errors import ExitCode
from ballots.event_view import inspect_event

DATA = Path(__file__).parent / "data" / "events"


def test_meeting_checks_with_lines() -> None:
    view = inspect_event(DATA / "meeting.toml")
    assert [(d.code, d.location.line if d.location else None) for d in view.diagnostics] == [
        ("E201", 22), ("E202", 32)]
    assert view.exit_code is ExitCode.MEETING
    assert [g.quorum for g in view.groups] == [False, True]


def test_view_of_an_incomplete_file(tmp_path: Path) -> None:
    view = inspect_event(DATA / "unknown_position.toml")
    assert view.event is None
    assert [p.id for p in view.persons] == ["p01", "p02"]
    assert [p.id for p in view.persons_on(view.groups[0])] == ["p01"]
    assert view.forms_of(view.persons[1]) == ()
    assert view.exit_code is ExitCode.EVENT
