"""The `tally` command line: parse arguments, call ballots/tally, render with rich.

Heavy libraries (openpyxl, calamine, cryptography, rich tables) are imported inside the
commands that need them so that `tally --help` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from ballots.errors import Diagnostic

app = typer.Typer(
    name="tally",
    help="Count confidence votes (lấy phiếu tín nhiệm) and produce signed, print-ready minutes.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: typer's rich help formatter costs ~0.1 s of imports at every start
)


# ---------------------------------------------------------------- output helpers
def out() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def render_diagnostics(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...], console: Console | None = None) -> None:
    """One block per problem: code and what was found, where, what to do."""
    from rich.text import Text

    console = console or err()
    for d in diagnostics:
        style = "bold red" if d.is_error else "bold yellow"
        mark = "✗" if d.is_error else "!"
        line = Text()
        line.append(f"{mark} {d.code} ", style=style)
        line.append(d.message)
        console.print(line)
        if d.location is not None:
            console.print(Text("    " + str(d.location), style="cyan"))
        for rel in d.related:
            console.print(Text("    also: " + str(rel), style="cyan"))
        if d.hint:
            console.print(Text("    → " + d.hint, style="dim"))
    errors = sum(1 for d in diagnostics if d.is_error)
    warnings = len(diagnostics) - errors
    if errors or warnings:
        summary = Text()
        if errors:
            summary.append(f"{errors} error{'s' if errors != 1 else ''}", style="bold red")
        if warnings:
            if errors:
                summary.append(", ")
            summary.append(f"{warnings} warning{'s' if warnings != 1 else ''}", style="bold yellow")
        console.print(summary)


@contextmanager
def handled() -> Iterator[None]:
    """Map the core's errors to messages and documented exit codes; never a traceback."""
    from ballots.errors import ExitCode, TallyError

    try:
        yield
    except TallyError as exc:
        render_diagnostics(exc.diagnostics)
        raise typer.Exit(int(exc.exit_code)) from None
    except KeyboardInterrupt:
        err().print("[yellow]Interrupted; nothing was written.[/yellow]")
        raise typer.Exit(130) from None
    except typer.Exit:
        raise
    except Exception as exc:  # a bug: say so plainly, keep the traceback for TALLY_DEBUG
        if os.environ.get("TALLY_DEBUG"):
            raise
        from rich.markup import escape

        err().print(f"[bold red]✗ internal error:[/bold red] {escape(type(exc).__name__)}: {escape(str(exc))}")
        err().print("    → this is a bug in tally; run again with TALLY_DEBUG=1 and report the output")
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


# ---------------------------------------------------------------- event definition commands
# (init, position, person, group, show): thin glue over ballots/edit.py
EventFileArg = Annotated[Path, typer.Argument(help="The event file (TOML, SPEC §4), e.g. event.toml.",
                                              metavar="EVENT", show_default=False)]
PositionsOpt = Annotated[
    list[str], typer.Option("--position", "-p", help="A position id; repeat for several.", metavar="ID",
                            show_default=False)
]
CountOpt = Annotated[int, typer.Option(min=0, show_default=False)]
OptCountOpt = Annotated[Optional[int], typer.Option(min=0, show_default=False)]

position_app = typer.Typer(help="Positions under review (chức danh): add, list, remove.", no_args_is_help=True)
person_app = typer.Typer(help="Persons under review (người được lấy phiếu): add, list, remove.",
                         no_args_is_help=True)
group_app = typer.Typer(help="Ballot forms and their electorates (phiếu): add, set, list, remove.",
                        no_args_is_help=True)
app.add_typer(position_app, name="position")
app.add_typer(person_app, name="person")
app.add_typer(group_app, name="group")


def _interactive() -> bool:
    """Prompt only when a person is at the keyboard; scripts get an error instead."""
    return sys.stdin.isatty()


def _ask(label: str, default: str | None = None, check: Callable[[str], bool] = lambda v: bool(v.strip()),
         problem: str = "") -> str:
    while True:
        value = str(typer.prompt(label, default=default) if default is not None else typer.prompt(label))
        if check(value):
            return value.strip()
        err().print(f"  {problem or 'please give a value'}", markup=False)


def _is_date(value: str) -> bool:
    import datetime as dt

    try:
        dt.date.fromisoformat(value.strip())
    except ValueError:
        return False
    return True


def _report_edit(result: Any, todo: str | None = None) -> None:
    """What the edit brought (new warnings), what is still missing, and last one line: what was
    written, where."""
    from rich.text import Text

    new = [d for d in result.new if not d.is_error]
    if new:
        render_diagnostics(new)
    errors = [d for d in result.diagnostics if d.is_error]
    console = out()
    if todo or errors:
        more = f" (and {len(errors) - 1} more: see `tally show {result.path}`)" if len(errors) > 1 else ""
        console.print(Text(f"  still to do: {todo or errors[0].message + more}", style="dim"))
    console.print(Text("✓ " + result.summary, style="green"))


@app.command(rich_help_panel="Define the event")
def init(
    event: EventFileArg,
    title: Annotated[Optional[str], typer.Option(help="Title of the vote, printed on the minutes.")] = None,
    organisation: Annotated[Optional[str], typer.Option(
        "--organisation", "--organization", help="The body holding the vote (cơ quan, tổ chức).")] = None,
    date: Annotated[Optional[str], typer.Option(help="Date of the count.", metavar="YYYY-MM-DD")] = None,
    rules: Annotated[Optional[str], typer.Option(
        help="Rule set: qd96-2023 (default), nq96-2023, qd262-2014, nq85-2014.")] = None,
    language: Annotated[Optional[str], typer.Option(help="Language of the documents: vi (default) or en.")] = None,
    parent: Annotated[Optional[str], typer.Option(help="The superior body, for the header (optional).")] = None,
    place: Annotated[Optional[str], typer.Option(help="Place written before the date (optional).")] = None,
    committee: Annotated[Optional[list[str]], typer.Option(
        help="A counting-committee member and their role; repeat for several.", metavar="NAME:ROLE")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Create a commented event file; asks for what is missing when run in a terminal."""
    with handled():
        import datetime as dt

        from ballots import edit
        from ballots.errors import Location, fail
        from ballots.model import CommitteeMember
        from tally.rules import DEFAULT_RULES, RULE_SETS

        edit.check_new_event_path(event, force)
        missing = [opt for opt, value in (("--title", title), ("--organisation", organisation), ("--date", date))
                   if not (value and value.strip())]
        if missing and not _interactive():
            raise fail("E103", f"missing {', '.join(missing)}: `tally init` asks for them only in a terminal",
                       "give " + " ".join(f"{m} ..." for m in missing), Location(str(event)))
        if missing:
            title = title or _ask("Title / Tên cuộc lấy phiếu")
            organisation = organisation or _ask("Organisation / Cơ quan, tổ chức")
            date = date or _ask("Date / Ngày (YYYY-MM-DD)", dt.date.today().isoformat(), _is_date,
                                "write the date as YYYY-MM-DD")
            rules = rules or _ask(f"Rule set ({', '.join(RULE_SETS)})", DEFAULT_RULES, lambda v: v.strip() in RULE_SETS,
                                  f"use one of: {', '.join(RULE_SETS)}")
            language = language or _ask("Language of the documents (vi, en)", "vi",
                                        lambda v: v.strip() in ("vi", "en"), "use vi or en")
        members = [CommitteeMember(*(part.strip() for part in c.split(":", 1))) for c in committee or ()]
        assert title is not None and organisation is not None and date is not None
        result = edit.init_event(event, title, organisation, date, rules or DEFAULT_RULES, language or "vi",
                                 parent, place, members, force=force)
        _report_edit(result, f"add positions, persons, then ballot forms: tally position add {event} --title ...")


@position_app.command("add")
def position_add(
    event: EventFileArg,
    title: Annotated[str, typer.Option(help='Title printed on ballots, e.g. "Giám đốc Sở".', show_default=False)],
    id: Annotated[Optional[str], typer.Option("--id", help="Short ASCII id (default: the title's initials).")] = None,
) -> None:
    """Add a position under review."""
    with handled():
        from ballots import edit

        _report_edit(edit.add_position(event, title, id))


@position_app.command("remove")
def position_remove(
    event: EventFileArg,
    id: Annotated[str, typer.Argument(help="The position's id.", show_default=False)],
    force: Annotated[bool, typer.Option("--force", help="Also take it off the persons and groups using it.")] = False,
) -> None:
    """Remove a position (refused while persons or groups use it, unless --force)."""
    with handled():
        from ballots import edit

        _report_edit(edit.remove_position(event, id, force=force))


@person_app.command("add")
def person_add(
    event: EventFileArg,
    name: Annotated[str, typer.Option(help="Full name with diacritics.", show_default=False)],
    position: PositionsOpt,
    id: Annotated[Optional[str], typer.Option("--id", help="Short ASCII id (default: the next pNN).")] = None,
    appointed: Annotated[Optional[str], typer.Option(help="Date elected or appointed.", metavar="YYYY-MM-DD")] = None,
    retiring: Annotated[bool, typer.Option("--retiring", help="Notified of retirement.")] = False,
) -> None:
    """Add a person under review, after the last one (the order printed on the forms)."""
    with handled():
        from ballots import edit

        _report_edit(edit.add_person(event, name, position, id, appointed, retiring))


@person_app.command("remove")
def person_remove(event: EventFileArg,
                  id: Annotated[str, typer.Argument(help="The person's id.", show_default=False)]) -> None:
    """Remove a person under review."""
    with handled():
        from ballots import edit

        _report_edit(edit.remove_person(event, id))


@group_app.command("add")
def group_add(
    event: EventFileArg,
    title: Annotated[str, typer.Option(help="Title of the ballot form.", show_default=False)],
    position: PositionsOpt,
    summoned: Annotated[int, typer.Option(min=0, help="Number summoned (số người được triệu tập).",
                                          show_default=False)],
    present: Annotated[int, typer.Option(min=0, help="Number present (số người có mặt).", show_default=False)],
    issued: Annotated[int, typer.Option(min=0, help="Ballots issued (số phiếu phát ra).", show_default=False)],
    collected: Annotated[Optional[int], typer.Option(min=0, help="Ballots collected, as counted on paper.")] = None,
    members: Annotated[Optional[int], typer.Option(min=0, help="Total members (nq85-2014 only).")] = None,
    id: Annotated[Optional[str], typer.Option("--id", help="Short ASCII id, also the sheet name.")] = None,
) -> None:
    """Add a ballot form: everyone holding one of its positions is on it."""
    with handled():
        from ballots import edit

        _report_edit(edit.add_group(event, title, position, summoned, present, issued, collected, members, id))


@group_app.command("set")
def group_set(
    event: EventFileArg,
    id: Annotated[str, typer.Argument(help="The group's id.", show_default=False)],
    title: Annotated[Optional[str], typer.Option(help="New title.")] = None,
    position: Annotated[Optional[list[str]], typer.Option(
        "--position", "-p", help="Replace the positions; repeat for several.", metavar="ID")] = None,
    summoned: OptCountOpt = None,
    present: OptCountOpt = None,
    issued: OptCountOpt = None,
    collected: OptCountOpt = None,
    members: OptCountOpt = None,
) -> None:
    """Change a group's title, positions or meeting counts."""
    with handled():
        from ballots import edit

        _report_edit(edit.set_group(event, id, title, position, summoned, present, issued, collected, members))


@group_app.command("remove")
def group_remove(event: EventFileArg,
                 id: Annotated[str, typer.Argument(help="The group's id.", show_default=False)]) -> None:
    """Remove a ballot form."""
    with handled():
        from ballots import edit

        _report_edit(edit.remove_group(event, id))


def _positions_table(view: Any) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text("Positions (chức danh)", style="bold"), title_justify="left")
    for name in ("Id", "Title", "Held by", "Groups"):
        table.add_column(name)
    for p in view.positions:
        table.add_row(Text(p.id), Text(p.title), Text(", ".join(f"{x.id} {x.name}" for x in view.holders(p.id))),
                      Text(", ".join(g.id for g in view.groups_using(p.id))))
    return table


def _persons_table(view: Any) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text("Persons under review (người được lấy phiếu)", style="bold"), title_justify="left")
    for name, justify in (("No.", "right"), ("Id", "left"), ("Name", "left"), ("Positions", "left"),
                          ("Appointed", "left"), ("Retiring", "left"), ("Forms", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for i, p in enumerate(view.persons, start=1):
        forms = view.forms_of(p)
        table.add_row(str(i), Text(p.id), Text(p.name), Text(", ".join(view.position_title(x) for x in p.positions)),
                      Text(p.appointed.isoformat() if p.appointed else ""), Text("yes" if p.retiring else ""),
                      Text(", ".join(g.id for g in forms) or "(none)", style="" if forms else "yellow"))
    return table


def _groups_table(view: Any) -> Any:
    from rich.table import Table
    from rich.text import Text

    def n(value: int | None) -> Text:
        return Text("?" if value is None else str(value), style="red" if value is None else "")

    table = Table(title=Text("Ballot forms (phiếu)", style="bold"), title_justify="left", show_lines=True)
    for name, justify in (("Id", "left"), ("Title", "left"), ("Summoned", "right"), ("Present", "right"),
                          ("Issued", "right"), ("Collected", "right"), ("Quorum 3×present ≥ 2×summoned", "left"),
                          ("On the form", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for g in view.groups:
        if g.quorum is None:
            quorum = Text("?", style="red")
        else:
            quorum = Text(f"{'✓' if g.quorum else '✗'} 3×{g.present} {'≥' if g.quorum else '<'} 2×{g.summoned}",
                          style="green" if g.quorum else "bold red")
        people = view.persons_on(g)
        on_form = Text("\n".join(
            f"{p.id} {p.name} ({', '.join(view.position_title(x) for x in p.positions if x in g.positions)})"
            for p in people) or "(nobody)", style="" if people else "bold red")
        collected = n(g.collected) if g.collected is not None else Text("–", style="dim")
        if view.rules == "nq85-2014":
            collected.append(f"\nmembers {'?' if g.members is None else g.members}")
        table.add_row(Text(g.id), Text(g.title), n(g.summoned), n(g.present), n(g.issued), collected, quorum,
                      on_form)
    return table


def _count_line(view: Any) -> str:
    errors, warnings = len(view.errors), len(view.warnings)
    return (f"{view.path}: {len(view.positions)} positions, {len(view.persons)} persons, {len(view.groups)} groups; "
            f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")


@app.command(rich_help_panel="Define the event")
def show(event: EventFileArg) -> None:
    """Show the event as tables, then every error and warning in it."""
    with handled():
        from rich.table import Table
        from rich.text import Text

        from ballots import edit
        from tally.rules import RULE_SETS

        view = edit.inspect_event(event)
        console = out()
        header = Table.grid(padding=(0, 2))
        header.add_column(style="bold")
        header.add_column()
        rule_set = RULE_SETS.get(view.rules)
        rows = [
            ("Title", view.title or "?"), ("Organisation", view.organisation or "?"),
            ("Superior body", view.parent or ""), ("Place", view.place or ""),
            ("Date", view.date.isoformat() if view.date else "?"),
            ("Rules", f"{view.rules}: {rule_set.citation(view.language)}" if rule_set else f"{view.rules} (unknown)"),
            ("Language", view.language),
            ("Committee", "; ".join(f"{m.name}, {m.role}" if m.role else m.name for m in view.committee)),
        ]
        for label, value in rows:
            if value:
                header.add_row(Text(label), Text(value))
        console.print(header)
        for table in (_positions_table(view), _persons_table(view), _groups_table(view)):
            console.print(table)
        render_diagnostics(view.diagnostics, console)
        console.print(Text(_count_line(view), style="bold red" if view.errors else "green"))
        if view.errors:
            raise typer.Exit(int(view.exit_code))


def _list(event: Path, make: Callable[[Any], Any], what: str) -> None:
    from rich.text import Text

    from ballots import edit

    view = edit.inspect_event(event)
    console = out()
    console.print(make(view))
    count = len(getattr(view, what))
    console.print(Text(f"{count} {what if count != 1 else what[:-1]} in {event}"
                       + (f"; the file has {len(view.errors)} error(s): see `tally show {event}`" if view.errors
                          else ""), style="dim"))


@position_app.command("list")
def position_list(event: EventFileArg) -> None:
    """List the positions, who holds them and which forms use them."""
    with handled():
        _list(event, _positions_table, "positions")


@person_app.command("list")
def person_list(event: EventFileArg) -> None:
    """List the persons in ballot order, with their positions and forms."""
    with handled():
        _list(event, _persons_table, "persons")


@group_app.command("list")
def group_list(event: EventFileArg) -> None:
    """List the ballot forms with their meeting counts, quorum and people."""
    with handled():
        _list(event, _groups_table, "groups")


# ---------------------------------------------------------------- check / count
EventArg = Annotated[Path, typer.Argument(help="The event file (TOML), e.g. samples/event.toml.", show_default=False)]
BallotsArg = Annotated[
    list[Path],
    typer.Argument(help="Ballot sheets: .xlsx, .xlsm, .xls, .ods or .csv; several files allowed.", show_default=False),
]
GroupOpt = Annotated[
    Optional[str], typer.Option("--group", "-g", help="The group of a CSV file (default: the file name's stem).")
]


def _progress() -> Any:
    """A spinner on a terminal while files are read; nothing when piped."""
    console = err()
    if not console.is_terminal:
        from contextlib import nullcontext

        return nullcontext(None)
    return console.status("Reading ballot files…")


def _exit_for(diagnostics: Any) -> None:
    from ballots.errors import ExitCode, exit_code_for

    code = exit_code_for(diagnostics)
    if code is not ExitCode.OK:
        raise typer.Exit(int(code))


@app.command()
def check(event: EventArg, ballots: BallotsArg, group: GroupOpt = None) -> None:
    """Check the event and ballot sheets; report every problem at once. Writes nothing."""
    from rich.text import Text

    from tally import pipeline

    with handled():
        with _progress():
            checked = pipeline.check(event, ballots, csv_group=group)
        render_diagnostics(checked.diagnostics)
        console = out()
        for gb in checked.read.groups:
            entered = checked.read.entered_in(gb.group.id)
            line = Text(f"  {gb.group.id}: ", style="bold")
            line.append(f"{entered} ballots entered")
            if not checked.has_errors:  # with errors, some rows are not yet ballots: no split to show
                invalid = sum(1 for b in gb.ballots if not b.valid)
                line.append(f" ({entered - invalid} valid, {invalid} invalid)")
            line.append(f", {gb.group.issued} issued, {len(gb.persons)} people on the form")
            console.print(line)
        if checked.has_errors:
            console.print(Text("✗ Not ready to count: fix the errors above and run `tally check` again.",
                               style="bold red"))
        else:
            console.print(Text("✓ Ready to count.", style="bold green"))
        _exit_for(checked.diagnostics)


@app.command()
def count(
    event: EventArg,
    ballots: BallotsArg,
    output: Annotated[
        Optional[Path],
        typer.Option("--output", "-o", help="Write the minutes here (.xlsx) and results.json beside it."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing result files.")] = False,
    restricted: Annotated[
        Optional[bool],
        typer.Option("--restricted/--no-restricted",
                     help="Mark every page of the minutes 'MẬT' (restricted); default: on for Party rule sets."),
    ] = None,
    group: GroupOpt = None,
    sign_key: Annotated[
        Optional[Path], typer.Option("--sign", help="Then sign the results with this Ed25519 NAME.key.")
    ] = None,
    passphrase_file: PassphraseFileOpt = None,
) -> None:
    """Check, count and write the minutes (results.xlsx) and results.json."""
    from tally import pipeline

    with handled():
        signer = _signer_for_count(sign_key, output, passphrase_file)
        with _progress():
            counted = pipeline.count_and_write(event, ballots, output, force=force, csv_group=group, restricted=restricted)
        render_diagnostics(counted.checked.diagnostics)
        render_results(counted.results)
        if counted.xlsx_path is not None:
            from tally.results_json import fingerprint

            console = out()
            console.print(f"[bold green]✓[/bold green] Wrote {_esc(str(counted.xlsx_path))} and "
                          f"{_esc(str(counted.json_path))}")
            console.print(f"  results fingerprint (SHA-256): {fingerprint(counted.results_json)}")
            _sign_after_count(counted.xlsx_path, signer)
        else:
            out().print("[dim]Nothing written: pass -o results.xlsx to write the minutes.[/dim]")


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def render_results(results: Any) -> None:
    """One table per group; flagged people in red with the rule set's consequence."""
    from rich.table import Table
    from rich.text import Text

    from tally.rules import RULE_SETS, Flag

    rules = RULE_SETS[results.event.rules]
    console = out()
    for g in results.groups:
        table = Table(
            title=Text(f"{g.title} ({g.id})", style="bold"),
            caption=Text(
                f"summoned {g.summoned} · present {g.present} · issued {g.issued} · collected {g.collected} "
                f"({g.valid_ballots} valid, {g.invalid_ballots} invalid) · percentage base {g.base}"
            ),
            show_lines=False,
        )
        for name, justify in (("No.", "right"), ("Name", "left"), ("Valid", "right"), ("Invalid", "right"),
                              ("High (cao)", "right"), ("Medium", "right"), ("Low (thấp)", "right"),
                              ("Flags", "left")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for i, p in enumerate(g.persons, start=1):
            flagged = any(f in (Flag.OVER_HALF_LOW, Flag.TWO_THIRDS_LOW) for f in p.flags)
            style = "bold red" if flagged else None
            flags = Text(", ".join(f.value for f in p.flags), style="red" if p.flags else "")
            table.add_row(
                str(i), Text(p.name), str(p.valid), str(p.invalid),
                f"{p.high} ({p.high_pct}%)", f"{p.medium} ({p.medium_pct}%)", f"{p.low} ({p.low_pct}%)",
                flags, style=style,
            )
        console.print(table)
        for p in g.persons:
            for f in p.flags:
                console.print(Text(f"  ⚑ {p.name}: ", style="bold red") + Text(rules.consequence(f, "en")))


# ---------------------------------------------------------------- keys / sign / verify (SPEC §7)
keys_app = typer.Typer(help="Committee signing keys (Ed25519): new, show.", no_args_is_help=True)
app.add_typer(keys_app, name="keys", rich_help_panel="Sign and verify")

PassphraseFileOpt = Annotated[
    Optional[Path],
    typer.Option("--passphrase-file", help="Read the passphrase from this file's first line "
                 "(else TALLY_PASSPHRASE, else a prompt).", show_default=False),
]


def _passphrase(passphrase_file: Path | None, prompt: str, confirm: bool = False) -> Callable[[], bytes]:
    """The passphrase, asked only when needed: --passphrase-file, TALLY_PASSPHRASE, or a prompt
    (a hidden one on a terminal; one line, or two to confirm, from piped input)."""

    def get() -> bytes:
        from ballots.errors import fail
        from tally.keys import normalise_passphrase, read_passphrase_file

        if passphrase_file is not None:
            return read_passphrase_file(passphrase_file)
        if os.environ.get("TALLY_PASSPHRASE"):
            return normalise_passphrase(os.environ["TALLY_PASSPHRASE"])
        hint = "type it at the prompt, or use --passphrase-file FILE or the TALLY_PASSPHRASE variable"
        if sys.stdin is None or not sys.stdin.isatty():
            lines = [sys.stdin.readline().rstrip("\r\n") if sys.stdin else "" for _ in range(2 if confirm else 1)]
            if not lines[0]:
                raise fail("E805", "no passphrase given", hint)
            if confirm and lines[0] != lines[1]:
                raise fail("E805", "the two passphrases differ", hint)
            return normalise_passphrase(lines[0])
        import click

        try:
            text = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
        except click.exceptions.Abort:
            raise fail("E805", "no passphrase given", hint) from None
        return normalise_passphrase(text)

    return get


def _fp_line(label: str, grouped: str) -> None:
    """A fingerprint on one line, never wrapped, so it can be copied and read aloud."""
    out().print(f"  {label}: [bold]{grouped}[/bold]", soft_wrap=True)


@keys_app.command("new")
def keys_new(
    name: Annotated[str, typer.Argument(help="Writes NAME.key (private, mode 0600) and NAME.pub.", show_default=False)],
    passphrase_file: PassphraseFileOpt = None,
) -> None:
    """Make an Ed25519 signing key, encrypted with a passphrase; print its fingerprint."""
    from tally.keys import key_paths, new_key

    with handled():
        private_path, _public = key_paths(name)
        pair = new_key(name, _passphrase(passphrase_file, f"Passphrase for {private_path}", confirm=True)())
        console = out()
        console.print(f"[bold green]✓[/bold green] Wrote {_esc(str(pair.private_path))} (private: keep it offline, "
                      f"never share it) and {_esc(str(pair.public_path))} (public: give it to the auditors)")
        _fp_line("key fingerprint (SHA-256)", pair.grouped)
        console.print("  Write the fingerprint on the signed minutes, so auditors can check the key they are given.")


@keys_app.command("show")
def keys_show(
    file: Annotated[Path, typer.Argument(help="NAME.pub, NAME.key, a certificate or a .p12 file.", show_default=False)],
    passphrase_file: PassphraseFileOpt = None,
) -> None:
    """Print the fingerprint of a key or certificate (never the key itself)."""
    from tally.keys import describe

    with handled():
        info = describe(file, _passphrase(passphrase_file, f"Passphrase for {file}"))
        kinds = {"ed25519-public": "Ed25519 public key", "ed25519-private": "Ed25519 private key (encrypted)",
                 "certificate": f"X.509 certificate ({info.algorithm})", "p12": f"PKCS#12 file ({info.algorithm})"}
        console = out()
        console.print(f"{_esc(str(file))}: {kinds[info.kind]}")
        if info.subject:
            console.print(f"  subject: {_esc(info.subject)}", soft_wrap=True)
            console.print(f"  issuer:  {_esc(info.issuer)}", soft_wrap=True)
        _fp_line("fingerprint (SHA-256)", info.grouped)


def _load_signer(key: Path | None, p12: Path | None, passphrase_file: Path | None) -> Any:
    from tally.sign import load_signer

    path = key if key is not None else p12
    assert path is not None
    what = "Password for" if p12 is not None else "Passphrase for"
    return load_signer(path, _passphrase(passphrase_file, f"{what} {path}"))


def _report_signed(signed: Any) -> None:
    from tally.results_json import group4

    console = out()
    kind = "Ed25519 key" if signed.kind == "ed25519" else "certificate"
    if signed.already:
        console.print(f"[bold green]✓[/bold green] {_esc(str(signed.xlsx_path))} was already signed by this {kind}; "
                      "nothing changed")
    else:
        console.print(f"[bold green]✓[/bold green] Signed {_esc(str(signed.xlsx_path))} "
                      f"({signed.signatures} signature{'s' if signed.signatures != 1 else ''} now)")
        for path in signed.written:
            if path != signed.xlsx_path:
                console.print(f"  wrote {_esc(str(path))}")
    _fp_line(f"signer ({kind})", group4(signed.fingerprint))
    _fp_line("results.json (SHA-256)", group4(signed.results_sha256))


@app.command(rich_help_panel="Sign and verify")
def sign(
    results: Annotated[Path, typer.Argument(help="The results.xlsx written by `tally count`.", show_default=False)],
    key: Annotated[Optional[Path], typer.Option("--key", help="Sign with this Ed25519 NAME.key.")] = None,
    p12: Annotated[
        Optional[Path],
        typer.Option("--p12", help="Sign with an X.509 certificate (RSA or ECDSA) in a .p12/.pfx file: a detached "
                     "CMS signature results.json.p7s."),
    ] = None,
    name: Annotated[
        str, typer.Option("--name", help="Your name and role, shown beside the signature (not itself signed).")
    ] = "",
    passphrase_file: PassphraseFileOpt = None,
) -> None:
    """Sign the exact bytes of results.json; keep every earlier signature.

    Writes results.json.sig (first signer), results.json.<fingerprint>.sig for each signer
    (or .p7s for a certificate) beside the workbook, and embeds the signature in it.
    """
    from tally.sign import sign_results

    if (key is None) == (p12 is None):
        err().print("[bold red]✗[/bold red] give exactly one of --key NAME.key or --p12 FILE.p12")
        raise typer.Exit(2)
    with handled():
        signer = _load_signer(key, p12, passphrase_file)
        _report_signed(sign_results(results, signer, name=name))


def _signer_for_count(key: Path | None, output: Path | None, passphrase_file: Path | None) -> Any:
    """`count --sign`: the key is opened before counting, so a wrong passphrase writes nothing."""
    if key is None:
        return None
    if output is None:
        err().print("[bold red]✗[/bold red] --sign needs -o results.xlsx: there is nothing to sign otherwise")
        raise typer.Exit(2)
    return _load_signer(key, None, passphrase_file)


def _sign_after_count(xlsx_path: Path | None, signer: Any) -> None:
    if signer is None or xlsx_path is None:
        return
    from tally.sign import sign_results

    _report_signed(sign_results(xlsx_path, signer))


def _check_mark(ok: bool) -> Any:
    from rich.text import Text

    return Text("✓", style="bold green") if ok else Text("✗", style="bold red")


def _render_file_report(report: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(report.path, style="bold"), show_lines=False, expand=False)
    table.add_column("", width=1)
    table.add_column("Check", no_wrap=True)
    table.add_column("Result")
    for c in report.checks:
        detail = Text(c.reason)
        if not c.passed:
            if c.code:
                detail = Text(f"{c.code} ", style="bold red") + detail
            if c.where:
                detail.append(f"\n{c.where}", style="cyan")
        table.add_row(_check_mark(c.passed), c.name, detail)
    out().print(table)
    if report.results_fingerprint:
        _fp_line("results.json SHA-256", report.results_fingerprint)


def _render_summary(report: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(f"{len(report.files)} files", style="bold"))
    for head in ("", "File", "Trusted signers", "results.json SHA-256", "Failed checks"):
        table.add_column(head)
    for f in report.files:
        failed = ", ".join(f"{c.name} ({c.code})" for c in f.failed)
        sha = " ".join(f.results_fingerprint.split()[:4]) + "…" if f.results_fingerprint else "-"
        table.add_row(_check_mark(f.passed), f.path, f"{f.trusted_signers}/{report.require}", sha,
                      Text(failed, style="red"))
    out().print(table)


@app.command(rich_help_panel="Sign and verify")
def verify(
    results: Annotated[list[Path], typer.Argument(help="One or more results.xlsx files.", show_default=False)],
    trust: Annotated[
        list[str],
        typer.Option("--trust", help="A public key (NAME.pub), a certificate (PEM or DER), or a key's fingerprint "
                     "typed from the paper; repeat for several. Nothing else is trusted.", show_default=False),
    ],
    require: Annotated[int, typer.Option("--require", help="Trusted signers needed per file.", min=1)] = 1,
    event: Annotated[
        Optional[Path], typer.Option("--event", help="The event file: check its SHA-256 and re-count.")
    ] = None,
    ballots: Annotated[
        Optional[list[Path]],
        typer.Option("--ballots", help="A ballot file for the re-count; repeat for several.", show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable report on stdout.")] = False,
) -> None:
    """Verify signed results: signatures, trusted signers, the tables against the signed
    results.json, and (with --event and --ballots) the inputs and a full re-count.

    Exit 0 only when every check of every file passes, 9 when one fails.
    """
    from ballots.errors import ExitCode
    from tally.verify import verify_files

    if (event is None) != (not ballots):
        err().print("[bold red]✗[/bold red] --event and --ballots go together: the re-count needs both")
        raise typer.Exit(2)
    with handled():
        console = err()
        status = console.status("Verifying…") if console.is_terminal and len(results) > 1 else None
        if status is not None:
            status.start()
        try:
            report = verify_files(results, trust, require=require, event=event, ballots=ballots or [])
        finally:
            if status is not None:
                status.stop()
        if as_json:
            sys.stdout.write(report.to_json())
        else:
            if len(report.files) == 1:
                _render_file_report(report.files[0])
            else:
                for f in report.files:
                    if not f.passed:
                        _render_file_report(f)
                _render_summary(report)
            bad = sum(1 for f in report.files if not f.passed)
            if report.passed:
                out().print(f"[bold green]✓ Verified:[/bold green] every check of {len(report.files)} "
                            f"file{'s' if len(report.files) != 1 else ''} passed.")
            else:
                out().print(f"[bold red]✗ Not verified:[/bold red] {bad} of {len(report.files)} "
                            f"file{'s' if len(report.files) != 1 else ''} failed a check.")
        if not report.passed:
            raise typer.Exit(int(ExitCode.VERIFY))


# ---------------------------------------------------------------- paper: ballots, template, reconcile
PaperOutputOpt = Annotated[Path, typer.Option("--output", "-o", help="The workbook to write (.xlsx).",
                                              show_default=False)]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the output if it exists.")]


def _paper_warnings(paper: Any) -> None:
    if paper.warnings:
        render_diagnostics(paper.warnings)


@app.command("ballots", rich_help_panel="Paper")
def ballots_cmd(event: EventArg, output: PaperOutputOpt, force: ForceOpt = False) -> None:
    """Print-ready paper ballots: one form per group (QĐ 96, Annex 4), A4 portrait.

    Up to 20 people fit one page; longer forms flow onto numbered pages. Writes nothing
    when the event file has errors.
    """
    from ballots.printable import write_ballots

    with handled():
        paper, path, forms = write_ballots(event, output, force=force)
        _paper_warnings(paper)
        console = out()
        console.print(f"[bold green]✓[/bold green] Wrote {_esc(str(path))}: {len(forms)} ballot "
                      f"form{'s' if len(forms) != 1 else ''}")
        for form in forms:
            group = paper.event.group(form.group)
            console.print(f"  {_esc(form.group)}: {_esc(group.title)} — {form.persons} people, "
                          f"{form.pages} page{'s' if form.pages != 1 else ''}; print {group.issued} copies")


@app.command("template", rich_help_panel="Paper")
def template_cmd(event: EventArg, output: PaperOutputOpt, force: ForceOpt = False) -> None:
    """The data-entry workbook: one sheet per group, ballot numbers filled in, and cells
    that accept only mark codes (1 2 3 0, C T TH -) and statuses.

    It carries the event file's fingerprint: `check` and `count` refuse it with another
    event file (E411). Writes nothing when the event file has errors.
    """
    from ballots.entry import write_template

    with handled():
        paper, path, sheets = write_template(event, output, force=force)
        _paper_warnings(paper)
        console = out()
        console.print(f"[bold green]✓[/bold green] Wrote {_esc(str(path))}: one sheet per group")
        for sheet in sheets:
            console.print(f"  {_esc(sheet.group)}: ballots 1–{sheet.rows}, {sheet.persons} people")
        console.print("  Two clerks each fill a copy; then: tally reconcile FIRST SECOND")


@app.command("reconcile", rich_help_panel="Paper")
def reconcile_cmd(
    first: Annotated[Path, typer.Argument(help="The first clerk's entry of the ballots.", show_default=False)],
    second: Annotated[Path, typer.Argument(help="The second clerk's entry of the same ballots.",
                                           show_default=False)],
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Also write the differences here (.xlsx).")
    ] = None,
    event: Annotated[
        Optional[Path],
        typer.Option("--event", help="The event file. Default: the one embedded in an entry workbook made by "
                     "`tally template`; needed for hand-made sheets.", show_default=False),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the output even when it is not the differences "
                                        "workbook of an earlier run.")] = False,
) -> None:
    """Compare two independent entries of the same ballots, group by group and ballot by
    ballot; list every cell that differs with both values and cell references.

    Exit 0 only when they agree (and neither has errors); 10 when they differ.
    """
    from ballots.reconcile import reconcile_and_write

    with handled():
        rec = reconcile_and_write(first, second, event, output, force=force)
        _render_reconciliation(rec, output)
        if int(rec.exit_code):
            raise typer.Exit(int(rec.exit_code))


def _render_reconciliation(rec: Any, output: Path | None) -> None:
    from rich.table import Table
    from rich.text import Text

    from ballots.reconcile import describe_kind, describe_value, labels

    lab = labels("en")
    console = out()
    console.print(f"Event: {_esc(rec.event.title)} ({_esc(rec.event.source)})")
    for n, entry in ((1, rec.first), (2, rec.second)):
        made = "made by `tally template`" if entry.fingerprint else "hand-made"
        console.print(f"  entry {n}: {_esc(entry.file)} — {entry.ballots} ballots in {len(entry.groups)} "
                      f"form{'s' if len(entry.groups) != 1 else ''} ({made})")
        if entry.diagnostics:
            console.print(Text(f"  Problems in {entry.file}, as `tally check` reports them:", style="bold"))
            render_diagnostics(entry.diagnostics, console)
    if rec.differences:
        table = Table(title=Text(f"{len(rec.differences)} differences", style="bold red"), show_lines=False)
        for head in ("Form", "Ballot", "Difference", rec.first.file, rec.second.file):
            table.add_column(head, overflow="fold")
        def side(s: Any, kind: Any) -> Text:
            value = describe_value(s, kind, lab)
            return Text(f"{s.cell}: {value}" if s is not None and s.cell else value)

        for d in rec.differences:
            table.add_row(d.group, str(d.ballot or ""), describe_kind(d, lab), side(d.first, d.kind),
                          side(d.second, d.kind))
        console.print(table)
        console.print(Text("✗ The entries differ: check each difference against the paper ballot, correct the "
                           "wrong entry, and run `tally reconcile` again before counting.", style="bold red"))
    else:
        console.print(Text(f"✓ The two entries agree: {rec.first.ballots} ballots in {len(rec.compared)} "
                           f"form{'s' if len(rec.compared) != 1 else ''}.", style="bold green"))
    if output is not None:
        console.print(f"  wrote {_esc(str(output))}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
