"""Counting (SPEC §2–3): validated ballots in, per-person results out.

Nothing here knows where ballots came from; it receives GroupBallots whose marks are
already parsed and checked.
"""

from __future__ import annotations

from collections.abc import Sequence

from ballots.model import Event, GroupBallots, Mark, positions
from ballots.rules import REVISION, RULE_SETS, Base, percent
from tally import TOOL_NAME, __version__
from tally.model import EventSummary, GroupResult, InputFile, InvalidEntry, PersonResult, Results


def percentage_base(event: Event, gb: GroupBallots) -> int:
    """Ballots collected (the ballots entered), or the group's members under NQ 85/2014."""
    if RULE_SETS[event.rules].base is Base.MEMBERS:
        return gb.group.members or 0
    return gb.collected


def count_group(event: Event, gb: GroupBallots) -> GroupResult:
    n = len(gb.persons)
    entries: list[InvalidEntry] = []
    valid_ballots = []
    for ballot in gb.loose:
        if ballot.valid:
            valid_ballots.append(ballot)
        else:
            entries.append(InvalidEntry(ballot.number, None, None, ballot.note, str(ballot.source or "")))
    invalid_ballots = len(gb.loose) - len(valid_ballots)
    # One column of marks per person, counted in C (list.count compares by identity first;
    # a Counter would call Enum.__hash__, a Python function, 3 million times). Ballots held
    # as columns (gb.clean) are counted where they are; the few read row by row are turned.
    high, medium, low = [0] * n, [0] * n, [0] * n
    loose_columns = list(zip(*(b.marks for b in valid_ballots))) if valid_ballots else []
    for i, column in enumerate(loose_columns):
        high[i] += column.count(Mark.HIGH)
        medium[i] += column.count(Mark.MEDIUM)
        low[i] += column.count(Mark.LOW)
        person = gb.persons[i]
        for j in positions(column, Mark.INVALID):
            ballot = valid_ballots[j]
            src = ballot.source
            where = src.where(src.mark_cell(i)) if src else ""
            entries.append(InvalidEntry(ballot.number, person.id, person.name, ballot.note, where))
    for block in gb.clean:
        for i, tally in enumerate(block.tallies):
            for value, k in tally.items():
                mark = block.reading[value]
                if mark is Mark.HIGH:
                    high[i] += k
                elif mark is Mark.MEDIUM:
                    medium[i] += k
                elif mark is Mark.LOW:
                    low[i] += k
            person, invalid = gb.persons[i], block.invalid_marks(i)
            numbers, notes = block.numbers, block.notes
            entries.extend(InvalidEntry(numbers[j], person.id, person.name, notes[j], where)
                           for j, where in zip(invalid, block.marks_where(i, invalid)))
    collected = gb.collected
    base = percentage_base(event, gb)
    rule_set = RULE_SETS[event.rules]
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
                flags=rule_set.flags(low[i], base),
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
        policy=event.effective_policy,
        rules_revision=REVISION,
    )
    ordered_inputs = tuple(sorted(inputs, key=lambda f: (f.file, f.sha256)))
    return Results(summary, ordered_inputs, results, TOOL_NAME, __version__)
