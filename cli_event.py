"""The event file as a person reads it on a terminal: its positions, persons and groups as
tables (tally show, the lists), at the terminal's width, and its one-line count of them.

Drawn as cli_render draws everything else (cli_term's Text and Table, the imports inside the
functions so that `tally --help` stays fast); cli.py calls these for tally show and the lists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ballots.i18n import N_, _, _n

from .cli_render import _fixed, out

if TYPE_CHECKING:
    import datetime as dt

    from .cli_term import Table, Text

    from ballots.event_view import EventView, GroupView, PersonView


def _day(day: dt.date | None) -> str:
    """A date as the reader writes it: 28/09/2023 in Vietnamese, 2023-09-28 in English."""
    from ballots.i18n import language

    if day is None:
        return ""
    return day.strftime("%d/%m/%Y") if language() == "vi" else day.isoformat()


def _positions_table(view: EventView) -> Table:
    from .cli_term import Table, Text

    table = Table(title=Text(_("Positions (chức danh)"), style="bold"), title_justify="left", show_lines=True)
    ids = [p.id for p in view.positions]
    groups = ["\n".join(g.id for g in view.groups_using(p.id)) for p in view.positions]
    table.add_column(_("Id"), width=_fixed(_("Id"), ids))
    table.add_column(_("Title"))
    table.add_column(_("Held by"))     # one person a line: a name is never broken between two
    table.add_column(_("Groups"), width=_fixed(_("Groups"), groups))
    for p, forms in zip(view.positions, groups):
        table.add_row(Text(p.id), Text(p.title), Text("\n".join(f"{x.id} {x.name}" for x in view.holders(p.id))),
                      Text(forms))
    return table


def _persons_table(view: EventView) -> Table:
    from .cli_term import Table, Text

    if out().width >= 120:
        return _persons_table_wide(view)
    # 80 columns: the person (id, name, then their dates), their positions, their forms
    table = Table(title=Text(_("Persons under review (người được lấy phiếu)"), style="bold"), title_justify="left",
                  show_lines=True)
    numbers = [str(i) for i in range(1, len(view.persons) + 1)]
    forms = ["\n".join(g.id for g in view.forms_of(p)) or _("(none)") for p in view.persons]
    table.add_column(_("No."), justify="right", width=_fixed(_("No."), numbers))
    table.add_column(_("Name"))
    table.add_column(_("Positions"))
    table.add_column(_("Forms"), width=_fixed(_("Forms"), forms))
    for number, p, on in zip(numbers, view.persons, forms):
        person = Text(f"{p.id} {p.name}")
        # the wide table's Appointed and Retiring columns, each as 'Label: value' under the name
        dates = [_("Appointed") + ": " + _day(p.appointed)] if p.appointed else []
        if p.retiring:
            dates.append(_("Retiring") + ": " + _("yes"))
        if dates:
            person.append("\n" + "\n".join(dates), style="dim")
        table.add_row(number, person, Text("; ".join(view.position_title(x) for x in p.positions)),
                      Text(on, style="" if view.forms_of(p) else "yellow"))
    return table


def _persons_table_wide(view: EventView) -> Table:
    from .cli_term import Table, Text

    table = Table(title=Text(_("Persons under review (người được lấy phiếu)"), style="bold"), title_justify="left")
    for name, justify in ((N_("No."), "right"), (N_("Id"), "left"), (N_("Name"), "left"), (N_("Positions"), "left"),
                          (N_("Appointed"), "left"), (N_("Retiring"), "left"), (N_("Forms"), "left")):
        table.add_column(_(name), justify=justify)
    for i, p in enumerate(view.persons, start=1):
        forms = view.forms_of(p)
        table.add_row(str(i), Text(p.id), Text(p.name), Text(", ".join(view.position_title(x) for x in p.positions)),
                      Text(_day(p.appointed)), Text(_("yes") if p.retiring else ""),
                      Text(", ".join(g.id for g in forms) or _("(none)"), style="" if forms else "yellow"))
    return table


def _groups_table(view: EventView) -> Table:
    from .cli_term import Table, Text

    from ballots.rules import takes_members

    def n(value: int | None) -> Text:
        return Text("?" if value is None else str(value), style="red" if value is None else "")

    if out().width < 120:    # 80 columns: three columns, the meeting counts stacked, nothing cut short
        return _groups_table_narrow(view, n)
    table = Table(title=Text(_("Ballot forms (phiếu)"), style="bold"), title_justify="left", show_lines=True)
    for name, justify in ((N_("Id"), "left"), (N_("Title"), "left"), (N_("Summoned"), "right"),
                          (N_("Present"), "right"), (N_("Issued"), "right"), (N_("Collected"), "right"),
                          (N_("Quorum 3×present ≥ 2×summoned"), "left"), (N_("On the form"), "left")):
        table.add_column(_(name), justify=justify)
    for g in view.groups:
        if g.quorum is None:
            quorum = Text("?", style="red")
        elif g.quorum_rule == "none":
            quorum = Text(_("– (no quorum rule)"), style="dim")
        else:
            quorum = Text(f"{'✓' if g.quorum else '✗'} 3×{g.present} {'≥' if g.quorum else '<'} 2×{g.summoned}",
                          style="green" if g.quorum else "bold red")
        people = view.persons_on(g)
        on_form = Text("\n".join(
            _on_form(view, g, p) for p in people) or _("(nobody)"), style="" if people else "bold red")
        collected = n(g.collected) if g.collected is not None else Text("–", style="dim")
        if takes_members(view.rules):   # the percentage base under nq85/nq35, labelled as in the narrow table
            collected.append("\n" + _("Members") + ": ")
            collected.append(n(g.members))
        table.add_row(Text(g.id), Text(g.title), n(g.summoned), n(g.present), n(g.issued), collected, quorum,
                      on_form)
    return table


def _groups_table_narrow(view: EventView, n: Callable[[int | None], Text]) -> Table:
    from .cli_term import Table, Text

    from ballots.rules import takes_members

    members = takes_members(view.rules)
    table = Table(title=Text(_("Ballot forms (phiếu)"), style="bold"), title_justify="left", show_lines=True)
    table.add_column(_("Id"))
    table.add_column(_("Meeting"))
    table.add_column(_("On the form"))
    for g in view.groups:
        counts = Text()
        for label, value in ((N_("Summoned"), g.summoned), (N_("Present"), g.present), (N_("Issued"), g.issued),
                             (N_("Collected"), g.collected), *(((N_("Members"), g.members),) if members else ())):
            counts.append(f"{_(label)}: ")
            counts.append(n(value) if value is not None or label != N_("Collected") else Text("–", style="dim"))
            counts.append("\n")
        if g.quorum is None:
            counts.append("?", style="red")
        elif g.quorum_rule == "none":
            counts.append(_("– (no quorum rule)"), style="dim")
        else:
            counts.append(f"{'✓' if g.quorum else '✗'} 3×{g.present} {'≥' if g.quorum else '<'} 2×{g.summoned}",
                          style="green" if g.quorum else "bold red")
        people = view.persons_on(g)
        on_form = Text(g.title + "\n", style="bold")
        on_form.append("\n".join(
            _on_form(view, g, p) for p in people) or _("(nobody)"), style="" if people else "bold red")
        table.add_row(Text(g.id), counts, on_form)
    return table


def _on_form(view: EventView, group: GroupView, person: PersonView) -> str:
    """'p01 Phạm Đức Thắng', with the positions that put them on the form when it has several."""
    line = f"{person.id} {person.name}"
    if len(group.positions) > 1:
        line += " (" + ", ".join(view.position_title(x) for x in person.positions if x in group.positions) + ")"
    return line


def _count_line(view: EventView) -> str:
    errors, warnings = len(view.errors), len(view.warnings)
    return _("{file}: {positions}, {persons}, {groups}; {errors}, {warnings}").format(
        file=view.path, positions=_n("{n} position", "{n} positions", len(view.positions)).format(n=len(view.positions)),
        persons=_n("{n} person", "{n} persons", len(view.persons)).format(n=len(view.persons)),
        groups=_n("{n} group", "{n} groups", len(view.groups)).format(n=len(view.groups)),
        errors=_n("{n} error", "{n} errors", errors).format(n=errors),
        warnings=_n("{n} warning", "{n} warnings", warnings).format(n=warnings))
