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
# (init, position, person, group, show) — see the section below

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
            valid = sum(1 for b in gb.ballots if b.valid)
            line = Text(f"  {gb.group.id}: ", style="bold")
            line.append(f"{len(gb.ballots)} ballots entered ({valid} valid, {len(gb.ballots) - valid} invalid), "
                        f"{gb.group.issued} issued, {len(gb.persons)} people on the form")
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
    group: GroupOpt = None,
) -> None:
    """Check, count and write the minutes (results.xlsx) and results.json."""
    from tally import pipeline

    with handled():
        with _progress():
            counted = pipeline.count_and_write(event, ballots, output, force=force, csv_group=group)
        render_diagnostics(counted.checked.diagnostics)
        render_results(counted.results)
        if counted.xlsx_path is not None:
            from tally.results_json import fingerprint

            console = out()
            console.print(f"[bold green]✓[/bold green] Wrote {_esc(str(counted.xlsx_path))} and "
                          f"{_esc(str(counted.json_path))}")
            console.print(f"  results fingerprint (SHA-256): {fingerprint(counted.results_json)}")
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
