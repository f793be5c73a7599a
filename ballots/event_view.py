"""A read-only view of an event file for `tally show`: every entry that can be shown, errors or not.

The checked :class:`~ballots.model.Event` exists only once the file has no errors; the
view shows an unfinished file as far as it goes, with its problems.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ballots.errors import Diagnostic, ExitCode, TallyError, exit_code_for
from ballots.event import as_date
from ballots.event_source import count_value, diagnose, entries, read_raw
from ballots.model import CommitteeMember, Event
from ballots.rules import DEFAULT_RULES, RULE_SETS, has_quorum, policy_for

__all__ = ["EventView", "GroupView", "PersonView", "PositionView", "inspect_event"]


@dataclass(frozen=True)
class PositionView:
    id: str
    title: str


@dataclass(frozen=True)
class PersonView:
    id: str
    name: str
    positions: tuple[str, ...]        # ids as defined in [[positions]] where they match
    appointed: dt.date | None
    retiring: bool


@dataclass(frozen=True)
class GroupView:
    id: str
    title: str
    positions: tuple[str, ...]
    summoned: int | None
    present: int | None
    issued: int | None
    collected: int | None
    members: int | None
    quorum_rule: str = "two-thirds"   # the event's policy: "two-thirds" or "none"

    @property
    def quorum(self) -> bool | None:
        """The quorum rule holds (3 × present ≥ 2 × summoned, or no rule); None while a count is missing."""
        if self.summoned is None or self.present is None:
            return None
        return has_quorum(self.present, self.summoned, self.quorum_rule)


@dataclass(frozen=True)
class EventView:
    """What an event file says, read leniently so that an unfinished file can be shown."""

    path: Path
    title: str | None
    organisation: str | None
    parent: str | None
    place: str | None
    date: dt.date | None
    rules: str
    language: str
    committee: tuple[CommitteeMember, ...]
    positions: tuple[PositionView, ...]
    persons: tuple[PersonView, ...]
    groups: tuple[GroupView, ...]
    event: Event | None               # the checked event; None while the file has errors
    diagnostics: tuple[Diagnostic, ...]

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if not d.is_error)

    @property
    def exit_code(self) -> ExitCode:
        return exit_code_for(self.diagnostics)

    def position_title(self, pid: str) -> str:
        return next((p.title for p in self.positions if p.id == pid), pid)

    def holders(self, pid: str) -> tuple[PersonView, ...]:
        return tuple(p for p in self.persons if pid in p.positions)

    def groups_using(self, pid: str) -> tuple[GroupView, ...]:
        return tuple(g for g in self.groups if pid in g.positions)

    def persons_on(self, group: GroupView) -> tuple[PersonView, ...]:
        wanted = set(group.positions)
        return tuple(p for p in self.persons if wanted.intersection(p.positions))

    def forms_of(self, person: PersonView) -> tuple[GroupView, ...]:
        return tuple(g for g in self.groups if set(g.positions) & set(person.positions))


def _s(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def inspect_event(path: str | Path) -> EventView:
    """Read an event file for display: every entry that can be shown, and every problem.

    Raises TallyError only when there is nothing to show (file missing, not TOML).
    """
    path = Path(path)
    raw = read_raw(path)
    checked = diagnose(raw, path.name)
    if checked.data is None:
        raise TallyError([d for d in checked.diagnostics if d.is_error])
    data = checked.data
    raw_event = data.get("event")
    ev: dict[str, Any] = raw_event if isinstance(raw_event, dict) else {}
    positions = tuple(PositionView(_s(e.get("id")) or "?", _s(e.get("title")) or "")
                      for e in entries(data, "positions"))
    folded = {p.id.casefold(): p.id for p in positions}

    def refs(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list):
            return ()
        return tuple(folded.get(x.strip().casefold(), x.strip()) for x in value if isinstance(x, str))

    persons = tuple(
        PersonView(_s(e.get("id")) or "?", _s(e.get("name")) or "", refs(e.get("positions")), as_date(e.get("appointed")),
                   e.get("retiring") is True)
        for e in entries(data, "persons"))
    rules = _s(ev.get("rules")) or DEFAULT_RULES
    rules = rules.strip().lower() if rules.strip().lower() in RULE_SETS else rules
    table = data.get("policy")
    quorum = policy_for(rules, table if isinstance(table, dict) else None).quorum
    groups = tuple(
        GroupView(_s(e.get("id")) or "?", _s(e.get("title")) or "", refs(e.get("positions")),
                  count_value(e.get("summoned")), count_value(e.get("present")), count_value(e.get("issued")),
                  count_value(e.get("collected")), count_value(e.get("members")), quorum)
        for e in entries(data, "groups"))
    committee = tuple(CommitteeMember(_s(e.get("name")) or "", _s(e.get("role")) or "")
                      for e in entries(data, "committee"))
    return EventView(
        path=path, title=_s(ev.get("title")), organisation=_s(ev.get("organisation")), parent=_s(ev.get("parent")),
        place=_s(ev.get("place")), date=as_date(ev.get("date")), rules=rules, language=(_s(ev.get("language")) or "vi").strip().lower(),
        committee=committee, positions=positions, persons=persons, groups=groups, event=checked.event,
        diagnostics=checked.diagnostics,
    )
