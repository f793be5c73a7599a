"""`tally template EVENT -o NEW --from OLD`: move the typed rows of an entry workbook into a
new template, after the ballot forms changed (a person added, a name corrected, the order
changed, a form added).

Rows move by group id and person id, never by column position. They move only when they
still fit: every form of the old entry is still in the event, and every person with a mark
typed on it is still on their form; otherwise nothing is written (E416) and the message
names what would be lost. A person new on a form gets an empty column: the clerks type
those marks from the paper ballots (`tally check` reports each empty cell, E502).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ballots.entry import bullets
from ballots.errors import Location, fail, shell_word
from ballots.i18n import _, _n
from ballots.marks import is_blank
from ballots.model import Group
from ballots.output import refuse_existing, require_xlsx
from ballots.paper import PaperEvent, load_paper_event
from tally.reconcile import read_typed
from tally.template import TemplateSheet, TypedRow, template_workbook, write_file


@dataclass(frozen=True)
class MovedForm:
    group: str
    ballots: int                     # typed ballot rows moved
    new_persons: tuple[str, ...]     # "p06 Bùi Thanh Sơn": on the form now, not then: their column is empty


@dataclass(frozen=True)
class Moved:
    paper: PaperEvent
    path: Path
    sheets: tuple[TemplateSheet, ...]
    forms: tuple[MovedForm, ...]
    source: str                      # the old entry's name


def move_rows(event_path: str | Path, old_entry: str | Path, output: str | Path, force: bool = False) -> Moved:
    """Make the entry workbook for `event_path` with the rows typed into `old_entry`.
    Writes nothing when the event has errors, `output` exists without `force`, or a typed row
    does not fit the new forms (E416)."""
    require_xlsx(output)
    refuse_existing([output], force, results=False)
    paper = load_paper_event(event_path)
    typed = read_typed(old_entry)
    event = paper.event
    groups: dict[str, Group] = {g.id: g for g in event.groups}
    lost: list[str] = []
    rows: dict[str, list[TypedRow]] = {}
    forms: list[MovedForm] = []
    for gid, sheet in typed.sheets.items():
        if not sheet.rows:
            continue
        if gid not in groups:
            lost.append(_n("form {group} is no longer in the event file; {n} ballot is typed on it",
                           "form {group} is no longer in the event file; {n} ballots are typed on it",
                           len(sheet.rows)).format(group=gid, n=len(sheet.rows)))
            continue
        now = {p.id for p in event.persons_on(groups[gid])}
        for i, person in enumerate(sheet.persons):
            marked = sum(1 for r in sheet.rows.values() if i < len(r.marks) and not is_blank(r.marks[i]))
            if person.id not in now and marked:
                lost.append(_n("{person} is no longer on form {group}; {n} ballot has a mark for them",
                               "{person} is no longer on form {group}; {n} ballots have a mark for them", marked)
                            .format(person=f"{person.id} {person.name}", group=gid, n=marked))
        rows[gid] = [TypedRow(r.number, r.status, r.note,
                              {p.id: r.marks[i] for i, p in enumerate(sheet.persons) if i < len(r.marks)})
                     for r in sorted(sheet.rows.values(), key=lambda r: r.number)]
        before = {p.id for p in sheet.persons}
        forms.append(MovedForm(gid, len(rows[gid]), tuple(f"{p.id} {p.name}" for p in event.persons_on(groups[gid])
                                                          if p.id not in before)))
    if lost:
        raise fail("E416", _("the rows typed into {entry} do not fit the forms of {event}; nothing was written:")
                   .format(entry=typed.display, event=event.source) + bullets(lost),
                   _("if the change to the event file is right, copy the rows that still apply by hand into a new "
                     "template: tally template {event} -o {output}").format(
                       event=shell_word(event.given_as or event.source), output=shell_word(output)),
                   Location(typed.display))
    data, sheets = template_workbook(paper, rows)
    return Moved(paper, write_file(output, data, force), sheets, tuple(forms), typed.display)
