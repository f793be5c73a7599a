"""Counting (SPEC §2–3): validated ballots in, per-person results out.

Nothing here knows where ballots came from; it receives GroupBallots whose marks are
already parsed and checked.
"""

from __future__ import annotations

from collections.abc import Sequence

from ballots.model import Event, GroupBallots, Mark
from tally import TOOL_NAME, __version__
from tally.model import EventSummary, GroupResult, InputFile, InvalidEntry, PersonResult, Results
from tally.rules import RULE_SETS, Base, flags_for, percent


def percentage_base(event: Event, gb: GroupBallots) -> int:
    """Ballots collected (the ballots entered), or the group's members under NQ 85/2014."""
    if RULE_SETS[event.rules].base is Base.MEMBERS:
        return gb.group.members or 0
    return len(gb.ballots)


def count_group(event: Event, gb: GroupBallots) -> GroupResult:
    n = len(gb.persons)
    high = [0] * n
    medium = [0] * n
    low = [0] * n
    bad = [0] * n
    invalid_ballots = 0
    entries: list[InvalidEntry] = []
    for ballot in gb.ballots:
        src = ballot.source
        if not ballot.valid:
            invalid_ballots += 1
            where = str(src) if src else ""
            entries.append(InvalidEntry(ballot.number, None, None, ballot.note, where))
            continue
        for i, mark in enumerate(ballot.marks):
            if mark is Mark.HIGH:
                high[i] += 1
            elif mark is Mark.MEDIUM:
                medium[i] += 1
            elif mark is Mark.LOW:
                low[i] += 1
            else:
                bad[i] += 1
                person = gb.persons[i]
                where = src.where(src.mark_cell(i)) if src else ""
                entries.append(InvalidEntry(ballot.number, person.id, person.name, ballot.note, where))
    collected = len(gb.ballots)
    base = percentage_base(event, gb)
    persons = []
    for i, person in enumerate(gb.persons):
        valid = high[i] + medium[i] + low[i]
        persons.append(
            PersonResult(
                id=person.id,
                name=person.name,
                positions=event.titles_on(person, gb.group),
                valid=valid,
                invalid=collected - valid,
                high=high[i],
                medium=medium[i],
                low=low[i],
                high_pct=percent(high[i], base),
                medium_pct=percent(medium[i], base),
                low_pct=percent(low[i], base),
                flags=flags_for(low[i], base),
            )
        )
    entries.sort(key=lambda e: (e.ballot, e.person_id or ""))
    return GroupResult(
        id=gb.group.id,
        title=gb.group.title,
        summoned=gb.group.summoned,
        present=gb.group.present,
        issued=gb.group.issued,
        collected=collected,
        base=base,
        valid_ballots=collected - invalid_ballots,
        invalid_ballots=invalid_ballots,
        persons=tuple(persons),
        invalid_entries=tuple(entries),
        members=gb.group.members,
    )


def count(event: Event, groups: Sequence[GroupBallots], inputs: Sequence[InputFile]) -> Results:
    """Count every group of the event, in the event's group order."""
    by_id = {gb.group.id: gb for gb in groups}
    results = tuple(count_group(event, by_id[g.id]) for g in event.groups if g.id in by_id)
    summary = EventSummary(
        title=event.title,
        organisation=event.organisation,
        date=event.date.isoformat(),
        rules=event.rules,
        sha256=event.sha256,
        language=event.language,
        parent=event.parent,
        place=event.place,
        committee=tuple((m.name, m.role) for m in event.committee),
    )
    ordered_inputs = tuple(sorted(inputs, key=lambda f: (f.file, f.sha256)))
    return Results(summary, ordered_inputs, results, TOOL_NAME, __version__)
