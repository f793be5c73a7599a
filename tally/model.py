"""Result values: what a count produces, and what results.json and the minutes show."""

from __future__ import annotations

from dataclasses import dataclass

from ballots.rules import Flag, Policy, policy_for


@dataclass(frozen=True)
class InputFile:
    file: str      # as shown in results.json: the base name (a relative path if names collide)
    sha256: str
    scans: tuple[tuple[str, str], ...] = ()   # an entry read by `tally scan`: the scanned files and SHA-256


@dataclass(frozen=True)
class InvalidEntry:
    """A whole invalid ballot (person is None) or one invalid row on a valid ballot."""

    ballot: int
    person_id: str | None
    person_name: str | None
    reason: str               # the committee's note, or the mark that was entered
    source: str               # file › sheet › cell


@dataclass(frozen=True)
class PersonResult:
    id: str
    name: str
    positions: tuple[str, ...]
    valid: int
    invalid: int
    high: int
    medium: int
    low: int
    high_pct: str
    medium_pct: str
    low_pct: str
    flags: tuple[Flag, ...]


@dataclass(frozen=True)
class GroupResult:
    id: str
    title: str
    summoned: int
    present: int
    issued: int
    collected: int
    base: int
    valid_ballots: int
    invalid_ballots: int
    persons: tuple[PersonResult, ...]
    invalid_entries: tuple[InvalidEntry, ...]
    members: int | None = None


@dataclass(frozen=True)
class EventSummary:
    title: str
    organisation: str
    date: str          # ISO
    rules: str
    sha256: str
    language: str
    parent: str | None
    place: str | None
    committee: tuple[tuple[str, str], ...]   # (name, role)
    policy: Policy | None = None    # the event's validity and quorum decisions; None: the rule set's defaults
    rules_revision: int | None = None   # ballots.rules.REVISION the count used (absent in older results)

    @property
    def effective_policy(self) -> Policy:
        return self.policy or policy_for(self.rules)


@dataclass(frozen=True)
class Results:
    event: EventSummary
    inputs: tuple[InputFile, ...]
    groups: tuple[GroupResult, ...]
    tool_name: str
    tool_version: str
