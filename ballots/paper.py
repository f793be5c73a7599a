"""An event fit for printing ballots and templates: no errors, meeting counts in order."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ballots.errors import Diagnostic, TallyError
from ballots.event import eligibility_warnings, parse_event, read_event
from ballots.model import Event
from ballots.validate import meeting_checks


@dataclass(frozen=True)
class PaperEvent:
    """An event fit for printing ballots and templates: no errors, meeting counts in order."""

    event: Event
    raw: bytes                               # the event file's bytes (its SHA-256 is event.sha256)
    warnings: tuple[Diagnostic, ...]


def load_paper_event(path: str | Path) -> PaperEvent:
    """The event and its warnings, or TallyError with every error in it: the file's own and
    the meeting checks that need no ballots (quorum; issued ≤ present ≤ summoned). Ballots
    and templates are never made for an event with errors."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError:
        loaded = read_event(path)         # says why, with E100
        raise TallyError([d for d in loaded.diagnostics if d.is_error]) from None
    loaded = parse_event(raw, path.name)
    if loaded.event is None:
        raise TallyError([d for d in loaded.diagnostics if d.is_error])
    event = replace(loaded.event, given_as=str(path))   # hints name it as the user did (ev/event.toml)
    problems = [d for d in meeting_checks(event, {}) if d.is_error]
    if problems:
        raise TallyError(problems)
    return PaperEvent(event, raw, loaded.diagnostics + eligibility_warnings(event))
