"""The `tally` command line: parse arguments, call ballots/tally, render in rich's look.

Heavy libraries (openpyxl, calamine, cryptography, rich) are imported inside the commands
that need them so that `tally --help` stays fast; lines and tables are cli_term's, drawn
without rich.

Why ~1,100 lines: one short glue function per command (about thirty of them, each parsing
options, calling one core function and rendering); the rendering is in cli_render.py.

Everything a person reads is English in the code and translated through ballots.i18n
(`_()`), help texts included (cli_support translates them when help is shown); the
language comes from --lang, TALLY_LANG or the system locale.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, Optional, TypeVar

import typer

from ballots.i18n import N_, _, _n

from .cli_event import _count_line, _day, _groups_table, _persons_table, _positions_table
from .cli_render import (
    STATE,
    _fp_line,
    _paper_warnings,
    _render_file_report,
    _render_reconciliation,
    _render_summary,
    _report_edit,
    _report_signed,
    chatty,
    err,
    out,
    render_diagnostics,
    render_pending,
    render_results,
    render_review,
    render_rule_set,
    render_rule_sets,
    render_scan_summary,
    done,
    say,
    wrap_keeping_fingerprints,
)
from .cli_support import ProgressFn, expand_wildcards, lang_callback, localise, progress_bar, utf8_output

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from ballots.errors import Diagnostic
    from ballots.event_view import EventView
    from tally.sign import Signed, Signer

    from .cli_term import Table

app = typer.Typer(
    name="tally",
    help="Count confidence votes (lấy phiếu tín nhiệm) and produce signed, print-ready minutes.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: typer's rich help formatter costs ~0.1 s of imports at every start
    context_settings={"help_option_names": ["--help", "-h"]},
)
# The sections of `tally --help` (each command's rich_help_panel), in the order of a count.
PANELS = (N_("Define the event"), N_("Paper"), N_("Check and count"), N_("Sign and verify"))


def _version_callback(value: bool) -> None:
    if value:
        from tally import TOOL_NAME, __version__

        sys.stdout.write(f"{TOOL_NAME} {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_options(
    lang: Annotated[Optional[str], typer.Option(
        "--lang", help="Language of messages and help: vi or en (default: TALLY_LANG, else the system locale).",
        metavar="vi|en", is_eager=True, callback=lang_callback, show_default=False)] = None,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="No progress bar and no tables: only problems and the closing summary line.")]
    = False,
    version: Annotated[bool, typer.Option(
        "--version", help="Show the version and exit.", is_eager=True, callback=_version_callback)] = False,
) -> None:
    # The options of the whole program; cli_support also accepts them after the command.
    STATE["quiet"] = quiet
    STATE["json"] = False   # set by the command's own --json


# ---------------------------------------------------------------- output helpers


@contextmanager
def handled() -> Iterator[None]:
    """Map the core's errors to messages and documented exit codes; never a traceback."""
    from .cli_term import Text

    from ballots.errors import ExitCode, TallyError

    try:
        yield
    except TallyError as exc:
        render_diagnostics(exc.diagnostics)
        raise typer.Exit(int(exc.exit_code)) from None
    except (KeyboardInterrupt, EOFError, typer.Abort):   # Ctrl-C anywhere, Ctrl-D at a prompt
        _cancelled()
    except typer.Exit:
        raise
    except Exception as exc:  # a bug: say so plainly, keep the traceback for TALLY_DEBUG
        if os.environ.get("TALLY_DEBUG"):
            raise
        err().print(Text("✗ " + _("internal error:"), style="bold red") + Text(f" {type(exc).__name__}: {exc}"))
        err().print(Text("    → " + _("this is a bug in tally; run again with TALLY_DEBUG=1 and report the output")))
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


def _cancelled(lost: str = "") -> NoReturn:
    """Ctrl-C or Ctrl-D: "Cancelled; nothing was written.", then what was lost (`lost`), exit 130."""
    from .cli_term import Text

    from ballots.errors import ExitCode

    err().print()     # off the line of the question that was cut short
    err().print(Text(_("Cancelled; nothing was written."), style="yellow"))
    if lost:
        say(err(), "  ", lost, indent=2, style="yellow")
    raise typer.Exit(int(ExitCode.CANCELLED)) from None


@contextmanager
def _whole(what: Callable[[], str]) -> Iterator[None]:
    """Ctrl-C while the block writes waits until it is done, so that files written together
    (a scanned entry and its evidence) never disagree; then `what()` is said, and the command
    ends as it would have. Elsewhere Ctrl-C stops at once (handled())."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    before = signal.signal(signal.SIGINT, lambda signum, _frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
    if pressed:
        say(err(), "  ", what(), indent=2, style="yellow")


JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON document on stdout (documented in docs/json.md); "
                                       "messages go to stderr.")]


# ---------------------------------------------------------------- event definition commands
# (init, position, person, group, show): thin glue over ballots/edit.py, skeleton.py and event_view.py
EventFileArg = Annotated[Path, typer.Argument(help="The event file (TOML), e.g. event.toml.",
                                              metavar="EVENT", show_default=False)]
PositionsOpt = Annotated[
    list[str], typer.Option("--position", "-p", help="A position id; repeat for several.", metavar="ID",
                            show_default=False)
]

position_app = typer.Typer(help="Positions under review (chức danh): add, list, remove.", no_args_is_help=True)
person_app = typer.Typer(help="Persons under review (người được lấy phiếu): add, set, list, remove.",
                         no_args_is_help=True)
group_app = typer.Typer(help="Ballot forms and their electorates (phiếu): add, set, list, remove.",
                        no_args_is_help=True)
committee_app = typer.Typer(help="The counting committee (Ban kiểm phiếu), who sign the minutes: add, list, remove.",
                            no_args_is_help=True)
app.add_typer(committee_app, name="committee", rich_help_panel="Define the event")
app.add_typer(position_app, name="position", rich_help_panel="Define the event")
app.add_typer(person_app, name="person", rich_help_panel="Define the event")
app.add_typer(group_app, name="group", rich_help_panel="Define the event")


def _interactive() -> bool:
    """Prompt only when a person is at the keyboard; scripts get an error instead."""
    return sys.stdin.isatty()


def _prompt(text: str, default: str | None = None, hide: bool = False) -> str:
    """Every question tally asks goes through here (tests/test_cli_tree.py checks it): Ctrl-C or
    Ctrl-D at it raises click's Abort, and handled() says "Cancelled; nothing was written." and
    exits 130. A hidden answer (a passphrase) is asked on stderr, so --json output stays clean."""
    if hide:
        return str(typer.prompt(text, hide_input=True, err=True))
    return str(typer.prompt(text, default=default or "", show_default=bool(default)))


def _ask(label: str, default: str | None = None, check: Callable[[str], bool] = lambda v: bool(v.strip()),
         problem: str = "") -> str:
    """Ask until the answer passes `check`; a blank answer to a required question is answered in
    the reader's language (never the prompt library's own English)."""
    while True:
        value = _prompt(_(label), default)
        if not value.strip() and default:
            value = default
        if check(value):
            return value.strip()
        # the message outside the f-string: message extraction would miss a _() inside one
        err().print("  " + (problem or _("please give a value: it is needed")), markup=False)


def _ask_optional(label: str, **values: str) -> str | None:
    value = _prompt(_(label).format(**values)).strip()
    return value or None


def _is_date(value: str) -> bool:
    from ballots.skeleton import parse_date

    return parse_date(value) is not None


def _ask_rules() -> str:
    from ballots.i18n import language
    from ballots.rules import DEFAULT_RULES, RULE_SETS
    from ballots.rules import rule_set_id

    console = err()
    console.print(_("Rule sets:"), markup=False)
    for rid, rule_set in RULE_SETS.items():
        console.print(f"  {rid:<11} {rule_set.name(language())}", markup=False)
    answer = _ask(N_("Rule set (an id above; nq96 is enough)"), DEFAULT_RULES, lambda v: rule_set_id(v) is not None,
                  _("use one of: {rule_sets}").format(rule_sets=", ".join(RULE_SETS)))
    return rule_set_id(answer) or DEFAULT_RULES


def _ask_committee() -> list[str]:
    """Counting-committee members as NAME:ROLE, asked one by one until a blank name."""
    members: list[str] = []
    while True:
        name = _ask_optional(N_("Counting committee member's full name (Enter when done)"))
        if name is None:
            return members
        role = _ask_optional(N_("Role of {name} on the committee (e.g. Trưởng ban)"), name=name) or ""
        members.append(f"{name}:{role}")


@app.command(rich_help_panel="Define the event")
def init(
    event: EventFileArg,
    title: Annotated[Optional[str], typer.Option(help="Title of the vote, printed on the minutes.", metavar="TITLE")]
    = None,
    organisation: Annotated[Optional[str], typer.Option(
        "--organisation", "--organization", help="The body holding the vote (cơ quan, tổ chức).", metavar="NAME")]
    = None,
    date: Annotated[Optional[str], typer.Option(help="Date of the count: 28/09/2025 or 2025-09-28.",
                                                metavar="DD/MM/YYYY")] = None,
    rules: Annotated[Optional[str], typer.Option(
        help="Rule set: qd96-2023 (default), nq96-2023, qd262-2014, nq85-2014, nq35-2012 (see `tally rules`).",
        metavar="ID")] = None,
    language: Annotated[Optional[str], typer.Option(help="Language of the documents: vi (default) or en.",
                                                    metavar="vi|en")] = None,
    parent: Annotated[Optional[str], typer.Option(help="The superior body, for the header (optional).",
                                                  metavar="NAME")] = None,
    place: Annotated[Optional[str], typer.Option(help="Place written before the date (optional).",
                                                 metavar="PLACE")] = None,
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
        from ballots.rules import DEFAULT_RULES
        from ballots.skeleton import check_new_event_path

        check_new_event_path(event, force)
        missing = [opt for opt, value in (("--title", title), ("--organisation", organisation), ("--date", date))
                   if not (value and value.strip())]
        if missing and not _interactive():
            raise fail("E103", _("missing {options}: `tally init` asks for them only in a terminal")
                       .format(options=", ".join(missing)),
                       _("give {options}").format(options=" ".join(f"{m} ..." for m in missing)),
                       Location(str(event)))
        if missing:
            title = title or _ask(N_("Title of the vote"))
            organisation = organisation or _ask(N_("Organisation holding the vote"))
            parent = parent or _ask_optional(N_("Superior body, printed top left (optional, Enter to skip)"))
            place = place or _ask_optional(N_("Place written before the date (optional, Enter to skip)"))
            date = date or _ask(N_("Date of the count (DD/MM/YYYY)"), dt.date.today().strftime("%d/%m/%Y"), _is_date,
                                _("write the date as DD/MM/YYYY, e.g. 28/09/2025"))
            rules = rules or _ask_rules()
            language = language or _ask(N_("Language of the documents (vi, en)"), "vi",
                                        lambda v: v.strip().lower() in ("vi", "en"), _("use vi or en")).lower()
            committee = committee or _ask_committee()
        members = [CommitteeMember(*(part.strip() for part in c.split(":", 1))) for c in committee or ()]
        assert title is not None and organisation is not None and date is not None
        result = edit.init_event(event, title, organisation, date, rules or DEFAULT_RULES, language or "vi",
                                 parent, place, members, force=force)
        _report_edit(result, _("add positions, persons, then ballot forms: tally position add {event} --title ...")
                     .format(event=event))


@committee_app.command("add")
def committee_add(
    event: EventFileArg,
    name: Annotated[str, typer.Option(help="Full name with diacritics.", metavar="NAME", show_default=False)],
    role: Annotated[str, typer.Option(help='Role on the committee, e.g. "Trưởng ban".', metavar="ROLE",
                                      show_default=False)] = "",
) -> None:
    """Add a member of the counting committee, after the last one (the order they sign in)."""
    with handled():
        from ballots import edit

        _report_edit(edit.add_committee_member(event, name, role))


@committee_app.command("list")
def committee_list(event: EventFileArg) -> None:
    """List the counting committee, numbered, in the order they sign."""
    with handled():
        from .cli_term import Text

        from ballots.event_view import inspect_event

        view = inspect_event(event)
        console = out()
        for i, m in enumerate(view.committee if chatty() else (), start=1):
            console.print(f"  {i}. {m.name}" + (f" — {m.role}" if m.role else ""), markup=False)
        n = len(view.committee)
        console.print(Text(_("{counted} in {file}").format(
            counted=_n("{n} committee member", "{n} committee members", n).format(n=n), file=event), style="dim"))


@committee_app.command("remove")
def committee_remove(
    event: EventFileArg,
    who: Annotated[str, typer.Argument(help="The member's full name, or their number in `tally committee list`.",
                                       metavar="NAME|NUMBER", show_default=False)],
) -> None:
    """Remove a member of the counting committee."""
    with handled():
        from ballots import edit

        _report_edit(edit.remove_committee_member(event, who))


@position_app.command("add")
def position_add(
    event: EventFileArg,
    title: Annotated[str, typer.Option(help='Title printed on ballots, e.g. "Giám đốc Sở".', metavar="TITLE",
                                       show_default=False)],
    id: Annotated[Optional[str], typer.Option("--id", help="Short ASCII id (default: the title's initials).",
                                              metavar="ID")] = None,
) -> None:
    """Add a position under review."""
    with handled():
        from ballots import edit

        _report_edit(edit.add_position(event, title, id))


@position_app.command("remove")
def position_remove(
    event: EventFileArg,
    id: Annotated[str, typer.Argument(help="The position's id.", metavar="ID", show_default=False)],
    force: Annotated[bool, typer.Option("--force", help="Also take it off the persons and groups using it.")] = False,
) -> None:
    """Remove a position (refused while persons or groups use it, unless --force)."""
    with handled():
        from ballots import edit

        _report_edit(edit.remove_position(event, id, force=force))


@person_app.command("add")
def person_add(
    event: EventFileArg,
    name: Annotated[str, typer.Option(help="Full name with diacritics.", metavar="NAME", show_default=False)],
    position: PositionsOpt,
    id: Annotated[Optional[str], typer.Option("--id", help="Short ASCII id (default: the next pNN).", metavar="ID")]
    = None,
    appointed: Annotated[Optional[str], typer.Option(help="Date elected or appointed: 01/03/2021 or 2021-03-01.",
                                                     metavar="DD/MM/YYYY")] = None,
    retiring: Annotated[bool, typer.Option("--retiring", help="Notified of retirement.")] = False,
) -> None:
    """Add a person under review, after the last one (the order printed on the forms)."""
    with handled():
        from ballots import edit

        _report_edit(edit.add_person(event, name, position, id, appointed, retiring))


@person_app.command("set")
def person_set(
    event: EventFileArg,
    id: Annotated[str, typer.Argument(help="The person's id.", metavar="ID", show_default=False)],
    name: Annotated[Optional[str], typer.Option(help="The corrected full name, with diacritics.", metavar="NAME")]
    = None,
    position: Annotated[Optional[list[str]], typer.Option(
        "--position", "-p", help="Replace the positions; repeat for several.", metavar="ID")] = None,
    appointed: Annotated[Optional[str], typer.Option(help="Date elected or appointed: 01/03/2021 or 2021-03-01.",
                                                     metavar="DD/MM/YYYY")] = None,
    retiring: Annotated[Optional[bool], typer.Option(
        "--retiring/--not-retiring", help="Notified of retirement, or not.", show_default=False)] = None,
) -> None:
    """Correct a person's name, positions or dates; they keep their place on the forms.

    A corrected name changes the printed form: entry workbooks made before are then refused
    (E411) until `tally template EVENT -o NEW --from OLD` moves their typed rows.
    """
    with handled():
        from ballots import edit

        _report_edit(edit.set_person(event, id, name, position, appointed, retiring))


@person_app.command("remove")
def person_remove(event: EventFileArg,
                  id: Annotated[str, typer.Argument(help="The person's id.", metavar="ID", show_default=False)]
                  ) -> None:
    """Remove a person under review."""
    with handled():
        from ballots import edit

        _report_edit(edit.remove_person(event, id))


@group_app.command("add")
def group_add(
    event: EventFileArg,
    title: Annotated[str, typer.Option(help="Title of the ballot form.", metavar="TITLE", show_default=False)],
    position: PositionsOpt,
    summoned: Annotated[int, typer.Option(min=0, help="Number summoned (số người được triệu tập).",
                                          show_default=False)],
    present: Annotated[int, typer.Option(min=0, help="Number present (số người có mặt).", show_default=False)],
    issued: Annotated[int, typer.Option(min=0, help="Ballots issued (số phiếu phát ra).", show_default=False)],
    collected: Annotated[Optional[int], typer.Option(min=0, help="Ballots collected, as counted on paper.")] = None,
    members: Annotated[Optional[int], typer.Option(min=0, help="Total members: the percentage base under nq85-2014 and nq35-2012.")] = None,
    id: Annotated[Optional[str], typer.Option("--id", help="Short ASCII id, also the sheet name.", metavar="ID")]
    = None,
) -> None:
    """Add a ballot form: everyone holding one of its positions is on it."""
    with handled():
        from ballots import edit

        _report_edit(edit.add_group(event, title, position, summoned, present, issued, collected, members, id))


@group_app.command("set")
def group_set(
    event: EventFileArg,
    id: Annotated[str, typer.Argument(help="The group's id.", metavar="ID", show_default=False)],
    title: Annotated[Optional[str], typer.Option(help="New title.", metavar="TITLE")] = None,
    position: Annotated[Optional[list[str]], typer.Option(
        "--position", "-p", help="Replace the positions; repeat for several.", metavar="ID")] = None,
    summoned: Annotated[Optional[int], typer.Option(min=0, help="Number summoned (số người được triệu tập).",
                                                    metavar="N")] = None,
    present: Annotated[Optional[int], typer.Option(min=0, help="Number present (số người có mặt).", metavar="N")]
    = None,
    issued: Annotated[Optional[int], typer.Option(min=0, help="Ballots issued (số phiếu phát ra).", metavar="N")]
    = None,
    collected: Annotated[Optional[int], typer.Option(min=0, help="Ballots collected, as counted on paper.",
                                                     metavar="N")] = None,
    members: Annotated[Optional[int], typer.Option(
        min=0, help="Total members: the percentage base under nq85-2014 and nq35-2012.", metavar="N")] = None,
) -> None:
    """Change a group's title, positions or meeting counts."""
    with handled():
        from ballots import edit

        _report_edit(edit.set_group(event, id, title, position, summoned, present, issued, collected, members))


@group_app.command("remove")
def group_remove(event: EventFileArg,
                 id: Annotated[str, typer.Argument(help="The group's id.", metavar="ID", show_default=False)]
                 ) -> None:
    """Remove a ballot form."""
    with handled():
        from ballots import edit

        _report_edit(edit.remove_group(event, id))


@app.command("rules", rich_help_panel="Define the event")
def rules_command(
    rule_set: Annotated[Optional[str], typer.Argument(
        metavar="ID", help="A rule set id, e.g. qd96-2023: show it in full.", show_default=False)] = None,
) -> None:
    """List the rule sets, or show one in full: base, bands, quorum, eligibility and consequences, each with its source."""
    with handled():
        from ballots.errors import fail
        from ballots.rules import RULE_SETS

        from ballots.rules import rule_set_id

        if rule_set is None:
            render_rule_sets()
            return
        found = rule_set_id(rule_set)      # NQ96, nq96 and nq96-2023 name the same rule set
        if found is None:
            raise fail("E108", _("unknown rule set '{rules}'").format(rules=rule_set),
                       _("use one of: {rule_sets}").format(rule_sets=", ".join(RULE_SETS)))
        render_rule_set(RULE_SETS[found])


@app.command(rich_help_panel="Define the event")
def show(event: EventFileArg, as_json: JsonOpt = False) -> None:
    """Show the event as tables, then every error and warning in it."""
    STATE["json"] = as_json
    with handled():
        from .cli_term import Table, Text

        from ballots.event_view import inspect_event
        from ballots.rules import RULE_SETS

        view = inspect_event(event)
        if as_json:
            from tally.reports import dumps, show_document

            sys.stdout.write(dumps(show_document(view)))
            render_diagnostics(view.diagnostics)
            err().print(Text(_count_line(view), style="bold red" if view.errors else "green"))
            if view.errors:
                raise typer.Exit(int(view.exit_code))
            return
        console = out()
        header = Table.grid(padding=(0, 2))
        header.add_column(style="bold")
        header.add_column()
        rule_set = RULE_SETS.get(view.rules)
        rows = [
            (N_("Title"), view.title or "?"), (N_("Organisation"), view.organisation or "?"),
            (N_("Superior body"), view.parent or ""), (N_("Place"), view.place or ""),
            (N_("Date"), _day(view.date) or "?"),
            (N_("Rules"), f"{view.rules}: {rule_set.citation(view.language)}" if rule_set
             else _("{rules} (unknown)").format(rules=view.rules)),
            (N_("Language"), view.language),
            (N_("Committee"), "; ".join(f"{m.name}, {m.role}" if m.role else m.name for m in view.committee)),
        ]
        for label, value in rows:
            if value:
                header.add_row(Text(_(label)), Text(value))
        if chatty():    # --quiet: only the problems and the closing line
            console.print(header)
            for table in (_positions_table(view), _persons_table(view), _groups_table(view)):
                console.print(table)
        render_diagnostics(view.diagnostics, console)
        console.print(Text(_count_line(view), style="bold red" if view.errors else "green"))
        if view.errors:
            raise typer.Exit(int(view.exit_code))


def _list(event: Path, make: Callable[[EventView], Table], what: str) -> None:
    from .cli_term import Text

    from ballots.event_view import inspect_event

    view = inspect_event(event)
    console = out()
    if chatty():
        console.print(make(view))
    count = len(getattr(view, what))
    counted = {"positions": _n("{n} position", "{n} positions", count), "persons": _n("{n} person", "{n} persons", count),
               "groups": _n("{n} group", "{n} groups", count)}[what].format(n=count)
    line = _("{counted} in {file}").format(counted=counted, file=event)
    if view.errors:
        from ballots.errors import shell_word

        line = _("{line}; the file has {errors}: see `tally show {file}`").format(
            line=line, errors=_n("{n} error", "{n} errors", len(view.errors)).format(n=len(view.errors)),
            file=shell_word(event))
    console.print(Text(line, style="dim"))


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
EventArg = EventFileArg
BallotsArg = Annotated[
    list[Path],
    typer.Argument(help="Ballot sheets: .xlsx, .xlsm, .xls, .ods or .csv; several files allowed.", show_default=False,
                   metavar="BALLOTS...", callback=expand_wildcards),
]
GroupOpt = Annotated[
    Optional[str], typer.Option("--group", "-g", help="The group of a CSV file (default: the file name's stem).",
                                 metavar="GROUP", show_default=False)
]


MaxSizeOpt = Annotated[Optional[int], typer.Option(
    "--max-size", min=1, metavar="MB", show_default=False,
    help="Refuse a ballot file holding more unpacked data than this many MB (default 256).")]
MaxRowsOpt = Annotated[Optional[int], typer.Option(
    "--max-rows", min=1, metavar="N", show_default=False,
    help="Refuse a ballot sheet reaching beyond this row (default 1000000).")]
MaxCellsOpt = Annotated[Optional[int], typer.Option(
    "--max-cells", min=1, metavar="N", show_default=False,
    help="Refuse a ballot sheet spanning more cells, rows x columns (default 5000000).")]


@contextmanager
def _limits(max_size: int | None, max_rows: int | None, max_cells: int | None) -> Iterator[None]:
    """Ballot files read inside the block are checked against these limits (ballots.limits)."""
    from ballots.limits import DEFAULT_LIMITS, using_limits

    with using_limits(DEFAULT_LIMITS.with_options(max_size, max_rows, max_cells)):
        yield


def _progress() -> AbstractContextManager[ProgressFn | None]:
    """A progress bar on a terminal while files are read, counted and written; nothing when
    piped or --quiet. Yields the core's progress callback (or None)."""
    return progress_bar(not STATE["quiet"])


def _exit_for(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
    from ballots.errors import ExitCode, exit_code_for

    code = exit_code_for(diagnostics)
    if code is not ExitCode.OK:
        raise typer.Exit(int(code))


@app.command(rich_help_panel="Check and count")
def check(event: EventArg, ballots: BallotsArg, group: GroupOpt = None, max_size: MaxSizeOpt = None,
          max_rows: MaxRowsOpt = None, max_cells: MaxCellsOpt = None, as_json: JsonOpt = False) -> None:
    """Check the event and ballot sheets; report every problem at once. Writes nothing."""
    from .cli_term import Text

    from ballots.errors import TallyError
    from tally import checking       # not tally.pipeline: a check loads nothing of counting or writing
    from tally.reports import check_document, dumps

    STATE["json"] = as_json
    with handled(), _limits(max_size, max_rows, max_cells):
        try:
            with _progress() as progress:
                checked = checking.check(event, ballots, csv_group=group, progress=progress)
        except TallyError as exc:  # the event file itself is unusable
            if as_json:
                sys.stdout.write(dumps(check_document(event, None, exc.diagnostics)))
            raise
        if as_json:
            sys.stdout.write(dumps(check_document(event, checked)))
        render_diagnostics(checked.diagnostics)
        console = out()
        for gb in checked.read.groups if chatty() else ():
            entered = checked.read.entered_in(gb.group.id)
            lead = Text(f"  {gb.group.id}: ", style="bold")
            if gb.group.id in checked.read.unread:    # refused (E411) or unreadable: not an empty sheet
                say(console, lead, _("not read: its sheet was refused (see the errors above)"), style="red")
                continue
            line = _n("{n} ballot entered", "{n} ballots entered", entered).format(n=entered)
            if not checked.has_errors:  # with errors, some rows are not yet ballots: no split to show
                invalid = gb.wholly_invalid
                line += " " + _("({valid} valid, {invalid} invalid)").format(valid=entered - invalid, invalid=invalid)
            say(console, lead, line + ", " + _("{issued} issued, {people} people on the form").format(
                issued=gb.group.issued, people=len(gb.persons)))
        if checked.has_errors:
            done(_("Not ready to count: fix the errors above and run `tally check` again. Nothing was written."),
                 "bold red", "✗")
        else:
            total = sum(checked.read.entered_in(gb.group.id) for gb in checked.read.groups)
            forms = len(checked.read.groups)
            done(_("Ready to count: {ballots} in {forms}. Nothing was written.").format(
                ballots=_n("{n} ballot", "{n} ballots", total).format(n=total),
                forms=_n("{n} form", "{n} forms", forms).format(n=forms)))
        leave_for_exit(checked)     # a check writes nothing and holds no lock: done once it has spoken
        _exit_for(checked.diagnostics)


@app.command(rich_help_panel="Check and count")
def count(
    event: EventArg,
    ballots: BallotsArg,
    output: Annotated[
        Optional[Path],
        typer.Option("--output", "-o", help="Write the minutes here (.xlsx) and results.json beside it.",
                     metavar="FILE"),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace existing result files.")] = False,
    restricted: Annotated[
        Optional[bool],
        typer.Option("--restricted/--no-restricted",
                     help="Mark every page of the minutes 'MẬT' (restricted); default: on for Party rule sets."),
    ] = None,
    group: GroupOpt = None,
    sign_key: Annotated[
        Optional[Path], typer.Option("--sign", help="Then sign the results with this Ed25519 NAME.key.",
                                     metavar="NAME.key")
    ] = None,
    passphrase_file: PassphraseFileOpt = None,
    max_size: MaxSizeOpt = None,
    max_rows: MaxRowsOpt = None,
    max_cells: MaxCellsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check, count and write the minutes (results.xlsx) and results.json."""
    from .cli_term import Text

    from ballots.errors import TallyError
    from tally import pipeline
    from tally.reports import count_document, dumps

    STATE["json"] = as_json
    with handled(), _limits(max_size, max_rows, max_cells):
        try:
            signer = _signer_for_count(sign_key, output, passphrase_file)
            with _progress() as progress:
                counted = pipeline.count_and_write(event, ballots, output, force=force, csv_group=group,
                                                   restricted=restricted, progress=progress)
            render_diagnostics(counted.checked.diagnostics)
            if chatty():
                render_results(counted.results)
            console = out()
            if counted.xlsx_path is not None and chatty():
                from tally.results_json import fingerprint

                _fp_line(_("results fingerprint (SHA-256)"), fingerprint(counted.results_json))
            signed = _sign_after_count(counted.xlsx_path, signer)
        except TallyError as exc:
            if as_json:
                sys.stdout.write(dumps(count_document(None, exc.diagnostics, exit_code=exc.exit_code)))
            raise
        if as_json:
            sys.stdout.write(dumps(count_document(counted, signed=_signed_json(signed))))
        if counted.xlsx_path is not None:
            done(_("Wrote {xlsx} and {json}").format(xlsx=counted.xlsx_path, json=counted.json_path),
                 keep=(counted.xlsx_path, counted.json_path))
        else:
            console.print(Text(_("Nothing written: pass -o results.xlsx to write the minutes."), style="dim"))
        leave_for_exit(counted)     # every output is written, synced and closed, the folder's lock released


# ---------------------------------------------------------------- keys / sign / verify (SPEC §7)
keys_app = typer.Typer(help="Committee signing keys (Ed25519): new, show.", no_args_is_help=True)
app.add_typer(keys_app, name="keys", rich_help_panel="Sign and verify")

PassphraseFileOpt = Annotated[
    Optional[Path],
    typer.Option("--passphrase-file", help="Read the passphrase from this file's first line "
                 "(else TALLY_PASSPHRASE, else a prompt).", metavar="FILE", show_default=False),
]


PASSPHRASE_TRIES = 3
T = TypeVar("T")


def _typed_passphrase(passphrase_file: Path | None) -> bool:
    """Whether the passphrase will be typed at a terminal prompt (so a slip can be typed again)."""
    return (passphrase_file is None and not os.environ.get("TALLY_PASSPHRASE")
            and sys.stdin is not None and sys.stdin.isatty())


def _new_passphrase(prompt: str) -> str:
    """A new passphrase typed twice at the terminal: the rule is said first, a passphrase that
    breaks it or a repetition that differs is asked again, up to PASSPHRASE_TRIES times."""
    from ballots.errors import fail
    from tally.keys import normalise_passphrase, passphrase_policy, passphrase_problem

    console = err()
    console.print(passphrase_policy(), markup=False)
    for attempt in range(1, PASSPHRASE_TRIES + 1):
        text = _prompt(prompt, hide=True)
        problem = passphrase_problem(normalise_passphrase(text))
        if problem is None:
            if _prompt(_("Type it again to confirm"), hide=True) == text:
                return text
            problem = _("the two passphrases differ")
        if attempt < PASSPHRASE_TRIES:
            console.print("✗ " + _("{problem}; try again ({left} left)").format(
                problem=problem, left=PASSPHRASE_TRIES - attempt), style="bold red", markup=False)
        else:
            raise fail("E805", problem, _("run the command again and type the passphrase carefully; "
                                          "nothing was written"))
    raise AssertionError("unreachable")


def _with_retries(open_: Callable[[Callable[[], bytes]], T], passphrase_file: Path | None, prompt: str) -> T:
    """Open a key with a passphrase; at a terminal a wrong one (E801, E806) is asked again,
    up to PASSPHRASE_TRIES times."""
    from ballots.errors import TallyError

    tries = PASSPHRASE_TRIES if _typed_passphrase(passphrase_file) else 1
    for attempt in range(1, tries + 1):
        try:
            return open_(_passphrase(passphrase_file, prompt))
        except TallyError as exc:
            wrong = {d.code for d in exc.diagnostics} <= {"E801", "E806"}
            if not wrong or attempt == tries:
                raise
            err().print("✗ " + _("wrong passphrase; try again ({left} left)").format(left=tries - attempt),
                        style="bold red", markup=False)
    raise AssertionError("unreachable")


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
        hint = _("type it at the prompt, or use --passphrase-file FILE or the TALLY_PASSPHRASE variable")
        if not _typed_passphrase(passphrase_file):
            lines = [sys.stdin.readline().rstrip("\r\n") if sys.stdin else "" for _line in range(2 if confirm else 1)]
            if not lines[0]:
                raise fail("E805", _("no passphrase given"), hint)
            if confirm and lines[0] != lines[1]:
                raise fail("E805", _("the two passphrases differ"), hint)
            return normalise_passphrase(lines[0])
        text = _new_passphrase(prompt) if confirm else _prompt(prompt, hide=True)
        return normalise_passphrase(text)

    return get


@keys_app.command("new")
def keys_new(
    name: Annotated[str, typer.Argument(help="Writes NAME.key (private, mode 0600) and NAME.pub.", metavar="NAME",
                                        show_default=False)],
    passphrase_file: PassphraseFileOpt = None,
) -> None:
    """Make an Ed25519 signing key, encrypted with a passphrase; print its fingerprint."""
    from tally.keys import key_paths, new_key

    with handled():
        private_path, _public = key_paths(name)
        pair = new_key(name, _passphrase(passphrase_file, _("Passphrase for {file}").format(file=private_path),
                                         confirm=True)())
        console = out()
        _fp_line(_("key fingerprint (SHA-256)"), pair.grouped)   # what the command is for: kept with --quiet
        if chatty():
            console.print("  " + _("Write the fingerprint on the signed minutes, so auditors can check the key "
                                   "they are given."), markup=False)
        done(_("Wrote {private} (private: keep it offline, never share it) and {public} (public: give it to the "
               "auditors)").format(private=pair.private_path, public=pair.public_path),
             keep=(pair.private_path, pair.public_path))


@keys_app.command("show")
def keys_show(
    file: Annotated[Path, typer.Argument(help="NAME.pub, NAME.key, a certificate or a .p12 file.", metavar="FILE",
                                         show_default=False)],
    passphrase_file: PassphraseFileOpt = None,
) -> None:
    """Print the fingerprint of a key or certificate (never the key itself)."""
    from tally.keys import describe

    with handled():
        info = _with_retries(lambda get: describe(file, get), passphrase_file,
                             _("Passphrase for {file}").format(file=file))
        kinds = {"ed25519-public": _("Ed25519 public key"), "ed25519-private": _("Ed25519 private key (encrypted)"),
                 "certificate": _("X.509 certificate ({algorithm})").format(algorithm=info.algorithm),
                 "p12": _("PKCS#12 file ({algorithm})").format(algorithm=info.algorithm)}
        console = out()
        if info.subject:
            console.print("  " + _("subject: {subject}").format(subject=info.subject), soft_wrap=True, markup=False)
            console.print("  " + _("issuer: {issuer}").format(issuer=info.issuer), soft_wrap=True, markup=False)
        _fp_line(_("fingerprint (SHA-256)"), info.grouped)
        console.print(_("{file}: {kind}; nothing written").format(file=file, kind=kinds[info.kind]), markup=False)


def _load_signer(key: Path | None, p12: Path | None, passphrase_file: Path | None) -> Signer:
    from tally.sign import load_signer

    path = key if key is not None else p12
    assert path is not None
    if key is not None:
        from tally.keys import private_key_warnings

        render_diagnostics(private_key_warnings(key))     # W710: readable by others
    prompt = _("Password for {file}") if p12 is not None else _("Passphrase for {file}")
    return _with_retries(lambda get: load_signer(path, get), passphrase_file, prompt.format(file=path))


@app.command(rich_help_panel="Sign and verify")
def sign(
    results: Annotated[Path, typer.Argument(help="The results.xlsx written by `tally count`.", metavar="RESULTS",
                                            show_default=False)],
    key: Annotated[Optional[Path], typer.Option("--key", help="Sign with this Ed25519 NAME.key.", metavar="NAME.key")]
    = None,
    p12: Annotated[
        Optional[Path],
        typer.Option("--p12", help="Sign with an X.509 certificate (RSA or ECDSA) in a .p12/.pfx file: a detached "
                     "CMS signature results.json.p7s.", metavar="FILE.p12"),
    ] = None,
    name: Annotated[
        str, typer.Option("--name", help="Your name and role, shown beside the signature (not itself signed).",
                          metavar="NAME", show_default=False)
    ] = "",
    passphrase_file: PassphraseFileOpt = None,
) -> None:
    """Sign the exact bytes of results.json; keep every earlier signature.

    Writes results.json.sig (first signer) and, for each signer, results.json.ID.sig, where ID
    is the start of the signer's fingerprint (or .p7s for a certificate), beside the workbook,
    and embeds the signature in it.
    """
    from tally.sign import sign_results

    if (key is None) == (p12 is None):
        err().print("✗ " + _("give exactly one of --key NAME.key or --p12 FILE.p12"), style="bold red", markup=False)
        raise typer.Exit(2)
    with handled():
        signer = _load_signer(key, p12, passphrase_file)
        _report_signed(sign_results(results, signer, name=name))


def _signer_for_count(key: Path | None, output: Path | None, passphrase_file: Path | None) -> Signer | None:
    """`count --sign`: the key is opened before counting, so a wrong passphrase writes nothing."""
    if key is None:
        return None
    if output is None:
        err().print("✗ " + _("--sign needs -o results.xlsx: there is nothing to sign otherwise"), style="bold red",
                    markup=False)
        raise typer.Exit(2)
    return _load_signer(key, None, passphrase_file)


def _sign_after_count(xlsx_path: Path | None, signer: Signer | None) -> Signed | None:
    if signer is None or xlsx_path is None:
        return None
    from tally.sign import sign_results

    signed = sign_results(xlsx_path, signer)
    _report_signed(signed)
    return signed


def _signed_json(signed: Signed | None) -> dict[str, object] | None:
    """`count --sign --json`: who signed, and what was written."""
    if signed is None:
        return None
    return {"kind": signed.kind, "fingerprint": signed.fingerprint, "signatures": signed.signatures,
            "written": [str(p) for p in signed.written]}


@app.command(rich_help_panel="Sign and verify")
def verify(
    results: Annotated[list[Path], typer.Argument(help="One or more results.xlsx files.", show_default=False,
                                                  metavar="RESULTS...", callback=expand_wildcards)],
    trust: Annotated[
        list[str],
        typer.Option("--trust", help="A public key (NAME.pub), a certificate (PEM or DER), or a key's fingerprint "
                     "typed from the paper; repeat for several. Nothing else is trusted.", metavar="KEY",
                     show_default=False),
    ],
    require: Annotated[int, typer.Option("--require", help="Trusted signers needed per file.", min=1, metavar="N")]
    = 1,
    event: Annotated[
        Optional[Path], typer.Option("--event", help="The event file: check its SHA-256 and re-count.",
                                     metavar="EVENT")
    ] = None,
    ballots: Annotated[
        Optional[list[Path]],
        typer.Option("--ballots", help="A ballot file for the re-count; repeat for several.", show_default=False,
                     metavar="FILE", callback=expand_wildcards),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a machine-readable report on stdout.")] = False,
    jobs: Annotated[
        Optional[int],
        typer.Option("--jobs", help="Processes to verify with (default: one for a few files, up to one per core "
                     "for a batch large enough to pay for starting them).", min=1, metavar="N", show_default=False),
    ] = None,
    max_size: MaxSizeOpt = None,
    max_rows: MaxRowsOpt = None,
    max_cells: MaxCellsOpt = None,
) -> None:
    """Verify signed results: signatures, trusted signers, the tables against the signed
    results.json, and (with --event and --ballots) the inputs and a full re-count.

    Exit 0 only when every check of every file passes, 9 when one fails.
    """
    from ballots.errors import ExitCode
    from tally.verify import verify_files

    if (event is None) != (not ballots):
        err().print("✗ " + _("--event and --ballots go together: the re-count needs both"), style="bold red",
                    markup=False)
        raise typer.Exit(2)
    STATE["json"] = as_json
    with handled(), _limits(max_size, max_rows, max_cells):
        with progress_bar(not STATE["quiet"] and len(results) > 1) as bar:
            def progress(done: int, total: int) -> None:
                if bar is not None:
                    bar(_("Verifying"), done, total)

            report = verify_files(results, trust, require=require, event=event, ballots=ballots or [],
                                  progress=progress, workers=jobs)
        if as_json:
            sys.stdout.write(report.to_json())
        else:
            if not chatty():     # --quiet: the failed checks, one line each, then the closing line
                console = err()
                for f in report.files:
                    for c in f.failed:
                        console.print(wrap_keeping_fingerprints(f"✗ {c.code} {f.path} › {c.name}: {c.reason}",
                                                                console.width), style="red", markup=False,
                                      soft_wrap=True)
            elif len(report.files) == 1:
                _render_file_report(report.files[0])
            else:
                for f in report.files:
                    if not f.passed:
                        _render_file_report(f)
                _render_summary(report)
        bad = sum(1 for f in report.files if not f.passed)
        n = len(report.files)
        if report.passed:
            done(_n("Verified: every check of {n} file passed; nothing written.",
                    "Verified: every check of {n} files passed; nothing written.", n).format(n=n))
        else:
            done(_n("Not verified: {bad} of {n} file failed a check; nothing written.",
                    "Not verified: {bad} of {n} files failed a check; nothing written.", n).format(bad=bad, n=n),
                 "bold red", "✗")
        if not report.passed:
            raise typer.Exit(int(ExitCode.VERIFY))


# ---------------------------------------------------------------- paper: ballots, template, reconcile
PaperOutputOpt = Annotated[Path, typer.Option("--output", "-o", help="The workbook to write (.xlsx).",
                                              metavar="FILE", show_default=False)]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace the output if it exists.")]


@app.command("ballots", rich_help_panel="Paper")
def ballots_cmd(event: EventArg, output: PaperOutputOpt, force: ForceOpt = False,
                pdf: Annotated[bool, typer.Option(
                    "--pdf", help="Write the machine-readable PDF form that `tally scan` reads (corner marks, "
                    "a QR code, boxes for a hand tick) instead of the workbook.")] = False) -> None:
    """Print-ready paper ballots: one form per group (QĐ 96, Annex 4), A4 portrait.

    Up to 20 people fit one page; longer forms flow onto numbered pages. Writes nothing
    when the event file has errors. With --pdf, the form for scanning: print it at 100 %.
    """
    from ballots.model import GroupId

    with handled():
        if pdf:
            from tally.ballot_pdf import write_ballot_pdf

            paper, path, forms = write_ballot_pdf(event, output, force=force)
        else:
            from tally.printable import write_ballots

            paper, path, forms = write_ballots(event, output, force=force)  # type: ignore[assignment]
        _paper_warnings(paper)
        console = out()
        for form in forms if chatty() else ():
            group = paper.event.group(GroupId(form.group))
            what = _("{people}, {pages}; print {copies} copies").format(
                people=_n("{n} person on the form", "{n} people on the form", form.persons).format(n=form.persons),
                pages=_n("{n} page", "{n} pages", form.pages).format(n=form.pages), copies=group.issued)
            say(console, f"  {form.group}: ", f"{group.title} — {what}")
        done(_n("Wrote {file}: {n} ballot form", "Wrote {file}: {n} ballot forms", len(forms))
             .format(file=path, n=len(forms)), keep=(path,))


@app.command("scan", rich_help_panel="Paper")
def scan_cmd(
    event: EventArg,
    scans: Annotated[list[Path], typer.Argument(help="Scanned ballots in stack order: PDF, PNG, JPEG or TIFF "
                                                "files, one or many pages each.", show_default=False,
                                                metavar="SCANS...", callback=expand_wildcards)],
    output: Annotated[Path, typer.Option("--output", "-o", help="The entry workbook to write (.xlsx); the "
                                         "evidence folder goes beside it.", metavar="FILE", show_default=False)],
    review_blank: Annotated[bool, typer.Option(
        "--review-blank", help="Send rows with no box marked to review too (for phone photos or pale scans).")]
    = False,
    force: ForceOpt = False,
) -> None:
    """Read scanned PDF ballots into an entry workbook (the `tally template` format).

    One row per ballot in scan order. A doubtful mark is never decided by the machine: its
    cell holds ? until `tally review` decides it. Pages of another event or form, or that
    cannot be registered, are refused with file and page, and nothing is written.
    """
    from tally.scan.entry import scan_to_entry

    with handled(), progress_bar(not STATE["quiet"]) as bar:
        tick = (lambda where, done: bar(where, done, 0)) if bar else None
        paper, summary = scan_to_entry(event, scans, output, force=force, review_blank=review_blank, progress=tick)
        _paper_warnings(paper)
        render_scan_summary(summary)


@app.command("review", rich_help_panel="Paper")
def review_cmd(
    entry: Annotated[Path, typer.Argument(help="The entry workbook `tally scan` wrote.", metavar="ENTRY",
                                          show_default=False)],
    by: Annotated[Optional[str], typer.Option("--by", help="Who decides: recorded with every decision.",
                                              metavar="NAME")] = None,
    decide: Annotated[Optional[list[str]], typer.Option(
        "--decide", help="A decision without asking, for scripts: the form's id, the ballot number, the person's "
        "id and the mark (1, 2, 3 or 0), e.g. btv:7:p03=2; repeat for several.",
        metavar="GROUP:BALLOT:PERSON=MARK")] = None,
    list_only: Annotated[bool, typer.Option("--list", help="Only list the rows awaiting review.")] = False,
) -> None:
    """Decide every doubtful mark of a scanned entry, row by row, looking at its crop.

    Each row's crop is an image file in the evidence folder; its path is printed. The
    decision and who made it are kept in the workbook. Exit code 5 while rows still await
    review, 0 when none is left.
    """
    from ballots.errors import ExitCode, fail, shell_word
    from tally import review as rv

    with handled():
        review = rv.open_review(entry)
        chosen = [(rv.find(review, *rv.parse_decision(d)[:3]), rv.parse_decision(d)[3]) for d in decide or ()]
        if not list_only and not chosen and review.undecided:
            if not _interactive():
                raise fail("E427", _("{n} rows await review and no decision was given").format(
                    n=len(review.undecided)), _("run it in a terminal, or give --decide GROUP:BALLOT:PERSON=MARK"))
            by = by or _ask(N_("Your name (recorded with each decision)"))
            try:
                for item in review.undecided:
                    render_pending(item, review.image(item))
                    mark = _ask(N_("Mark (1, 2, 3, or 0 for an invalid row; s to skip)"),
                                check=lambda v: v.strip().lower() == "s" or rv.decision_code(v) is not None,
                                problem=_("type 1, 2, 3, 0 or s"))
                    if mark.lower() != "s":
                        chosen.append((item, rv.decision_code(mark) or mark))
            except (KeyboardInterrupt, EOFError, typer.Abort):   # the decisions are saved together, at the end
                _cancelled(_n("the {n} mark you decided was not saved; to decide it again: tally review {entry}",
                              "the {n} marks you decided were not saved; to decide them again: tally review {entry}",
                              len(chosen)).format(n=len(chosen), entry=shell_word(entry)) if chosen else "")
        if chosen:
            if not by:
                raise fail("E427", _("a decision needs the name of the person who made it"), _("give --by \"NAME\""))
            with _whole(lambda: _n("Ctrl-C while saving: the {n} decision was saved first",
                                   "Ctrl-C while saving: the {n} decisions were saved first", len(chosen))
                        .format(n=len(chosen))):
                rv.decide(review, chosen, by)
            review = rv.open_review(entry)
        render_review(review)
        if review.undecided:
            raise typer.Exit(int(ExitCode.BALLOTS))


@app.command("template", rich_help_panel="Paper")
def template_cmd(
    event: EventArg,
    output: PaperOutputOpt,
    force: ForceOpt = False,
    from_entry: Annotated[Path | None, typer.Option(
        "--from", help="Move the ballot rows typed into this older entry workbook into the new one (after a person "
        "was added to a form or a name corrected).", metavar="OLD-ENTRY", show_default=False)] = None,
) -> None:
    """The data-entry workbook: one sheet per group, ballot numbers filled in, and cells
    that accept only mark codes (1 2 3 0, C T TH -) and statuses.

    It is bound to the ballot forms (the people on each form, in order, and the rule set):
    `check` and `count` refuse it once a form changed (E411); meeting counts, the committee
    and titles may change freely. Writes nothing when the event file has errors.
    """
    from .cli_term import Text

    from tally.move import move_rows
    from tally.template import write_template

    with handled():
        moved = None
        if from_entry is not None:
            moved = move_rows(event, from_entry, output, force=force)
            paper, path, sheets = moved.paper, moved.path, moved.sheets
        else:
            paper, path, sheets = write_template(event, output, force=force)
        _paper_warnings(paper)
        moved_from = moved.source if moved is not None else ""
        console = out()
        for sheet in sheets if chatty() else ():
            console.print(f"  {sheet.group}: " + _("ballots 1–{rows}, {people}").format(
                rows=sheet.rows, people=_n("{n} person on the form", "{n} people on the form", sheet.persons)
                .format(n=sheet.persons)),
                markup=False)
        for form in moved.forms if moved is not None else ():
            if chatty():    # --quiet: the problems (people new on a form) and the closing line
                console.print("  " + _n("{group}: {n} typed ballot moved from {entry}",
                                        "{group}: {n} typed ballots moved from {entry}", form.ballots)
                              .format(group=form.group, n=form.ballots, entry=moved_from), markup=False)
            for person in form.new_persons:
                say(console, Text("  ! ", style="yellow"), _("{group}: {person} is new on this form; type their marks "
                                                             "from the paper ballots").format(group=form.group,
                                                                                              person=person),
                    style="yellow")
        if chatty() and moved is None:
            say(console, "  ", _("Two clerks each fill a copy; then: tally reconcile FIRST SECOND"))
        done(_("Wrote {file}: one sheet per group").format(file=path), keep=(path,))


@app.command("reconcile", rich_help_panel="Paper")
def reconcile_cmd(
    first: Annotated[Path, typer.Argument(help="The first clerk's entry of the ballots.", metavar="FIRST",
                                          show_default=False)],
    second: Annotated[Path, typer.Argument(help="The second clerk's entry of the same ballots.", metavar="SECOND",
                                           show_default=False)],
    output: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Also write the differences here (.xlsx).",
                                     metavar="FILE")
    ] = None,
    event: Annotated[
        Optional[Path],
        typer.Option("--event", help="The event file. Default: the one embedded in an entry workbook made by "
                     "`tally template`; needed for hand-made sheets.", metavar="EVENT", show_default=False),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the output even when it is not the differences "
                                        "workbook of an earlier run.")] = False,
    max_size: MaxSizeOpt = None,
    max_rows: MaxRowsOpt = None,
    max_cells: MaxCellsOpt = None,
) -> None:
    """Compare two independent entries of the same ballots, group by group and ballot by
    ballot; list every cell that differs with both values and cell references.

    Exit 0 only when they agree (and neither has errors); 10 when they differ.
    """
    from tally.reconcile import reconcile_and_write

    with handled(), _limits(max_size, max_rows, max_cells):
        rec = reconcile_and_write(first, second, event, output, force=force)
        _render_reconciliation(rec, output)
        if int(rec.exit_code):
            raise typer.Exit(int(rec.exit_code))


localise(app, PANELS)   # help and usage errors in the reader's language (cli_support)


_LEFT: list[object] = []                # what a command that has finished leaves to the end of the process
_PROCESS = {"main": False}             # main() runs as the process: never for in-process callers (tests)


def leave_for_exit(*done: object) -> None:
    """Keep what a finished command made (a count's 3 M cells) until the process ends instead of
    freeing it as the command returns: main() then ends the process without walking it, as
    the system frees a process's memory in one go (0.06 s of a 3 M-cell count). Call it only
    once nothing of the command is left to do: every output written, flushed and closed, every
    lock released. An in-process caller (a test) keeps nothing."""
    if _PROCESS["main"]:
        _LEFT.extend(done)


def _end_now(code: object) -> None:
    """End the process at once with exit code `code`, as Python would end it but without
    freeing objects one by one: the exit functions run (atexit, weakref.finalize), stdout and
    stderr are flushed; then os._exit. Returns, leaving the exit to Python, when that is not
    plainly the same: another thread still running, an exit code that is not a number (Python
    prints it), a stream that cannot be flushed (Python reports it), no atexit._run_exitfuncs,
    a profiler or tracer watching (`python -m cProfile`, a debugger: they report as the program
    returns, which os._exit would skip)."""
    import atexit
    import threading

    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_functions is None or not (code is None or type(code) is int) or threading.active_count() != 1 \
            or sys.getprofile() is not None or sys.gettrace() is not None:
        return
    run_exit_functions()      # as Python runs them at exit; they are cleared, so they never run twice
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):
        return
    os._exit(code or 0)


def main() -> None:
    utf8_output()
    _PROCESS["main"] = True
    try:
        app(prog_name="tally")   # the same name in usage lines from `tally`, `python -m tally` and tally.exe
    except SystemExit as exc:
        if _LEFT:
            _end_now(exc.code)
        raise


if __name__ == "__main__":
    main()
