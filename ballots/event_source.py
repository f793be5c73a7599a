"""An event file read leniently and checked whole: the data as written, and every problem.

Editing and showing an event file both need its raw TOML data even while parts of it
are wrong, together with everything wrong with it: the reader's diagnostics, the
eligibility warnings and the meeting checks (SPEC §3). Nothing here writes or prints.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ballots.errors import Diagnostic, Location, TallyError
from ballots.event import (
    MEETING_KEYS,
    KeyLocator,
    eligibility_warnings,
    meeting_count_checks,
    parse_event,
    read_event,
)
from ballots.formats import is_spreadsheet
from ballots.model import Event
from ballots.rules import DEFAULT_RULES, policy_for

__all__ = [
    "Diagnosis", "count_value", "diagnose", "entries", "ids", "looks_like_event",
    "meeting_diagnostics", "read_raw",
]


def read_raw(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        raise TallyError(list(read_event(path).diagnostics)) from None


def entries(data: dict[str, Any], table: str) -> list[dict[str, Any]]:
    value = data.get(table, [])
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def ids(data: dict[str, Any], table: str) -> list[str]:
    return [e["id"] for e in entries(data, table) if isinstance(e.get("id"), str)]


@dataclass(frozen=True)
class Diagnosis:
    event: Event | None
    diagnostics: tuple[Diagnostic, ...]
    data: dict[str, Any] | None
    locator: KeyLocator | None


def diagnose(raw: bytes, name: str) -> Diagnosis:
    """Every problem of an event file's bytes: the reader's, eligibility, meeting counts."""
    loaded = parse_event(raw, name)
    if any(d.code == "E101" for d in loaded.diagnostics):
        return Diagnosis(None, loaded.diagnostics, None, None)
    text = raw.decode("utf-8-sig")
    data = tomllib.loads(text)
    locator = KeyLocator(text)
    diags = list(loaded.diagnostics)
    if loaded.event is not None:
        def entry(table: str, index: int, key: str) -> Location:
            return Location(name, line=locator.line(table, index, key))

        diags.extend(eligibility_warnings(loaded.event, entry))
    diags.extend(meeting_diagnostics(data, name, locator))
    return Diagnosis(loaded.event, tuple(diags), data, locator)


def count_value(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def meeting_diagnostics(data: dict[str, Any], name: str = "event.toml",
                        locator: KeyLocator | None = None) -> list[Diagnostic]:
    """SPEC §3 meeting checks on the raw TOML data, so they also run while other parts of
    the file still have errors (ballots.event.meeting_count_checks does the checking)."""
    out: list[Diagnostic] = []
    ev = data.get("event")
    given = ev.get("rules") if isinstance(ev, dict) else None
    rules = given if isinstance(given, str) else DEFAULT_RULES
    table = data.get("policy")
    policy = policy_for(rules, table if isinstance(table, dict) else None)
    for i, g in enumerate(entries(data, "groups")):
        gid = g.get("id") if isinstance(g.get("id"), str) else f"groups[{i + 1}]"

        def where(key: str, index: int = i) -> Location:
            return Location(name, line=locator.line("groups", index, key) if locator else None)

        out.extend(meeting_count_checks(str(gid), {k: count_value(g.get(k)) for k in MEETING_KEYS}, where,
                                        rules=rules, policy=policy))
    return out


def looks_like_event(path: str | Path) -> bool:
    """An event file by its name (.toml) or, under another name, by its content: TOML with an
    [event] table. Never raises."""
    path = Path(path)
    if path.suffix.lower() == ".toml":
        return True
    if is_spreadsheet(path):
        return False
    try:
        with path.open("rb") as fh:
            raw = fh.read(1 << 20)
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return False
    return isinstance(data.get("event"), dict)
