"""How the command line shows things: consoles, diagnostics, tables and reports, in rich's look.

cli.py parses arguments and calls the core; what it shows a person is drawn here. Everything
is English in the code and translated through ballots.i18n. Lines and tables are cli_term's
Text and Table, printed on a cli_term Console: rich's look without importing rich, which
draws only what cli_term cannot (rich markup, a legacy Windows console). The imports are inside the
functions, and so is ballots.rules (its dataclasses cost 10 ms), so that `tally --help` stays fast.
"""

from __future__ import annotations

import re
from pathlib import Path
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ballots.i18n import N_, _, _n

if TYPE_CHECKING:
    from .cli_term import Console, Table, Text

    from ballots.edit import EditResult
    from ballots.errors import Diagnostic
    from ballots.paper import PaperEvent
    from ballots.rules import Cite, RuleSet
    from tally.model import GroupResult, Results
    from tally.reconcile import DiffKind, Reconciliation, Side
    from tally.review import Review
    from tally.scan.entry import Pending, ScanSummary
    from tally.sign import Signed
    from tally.verify import FileReport, Report


# Set by the global options (main_options) before any command runs.
STATE = {"quiet": False, "json": False}


def out() -> Console:
    """Where people read results: stdout, or stderr when stdout carries --json."""
    from .cli_term import Console

    return Console(highlight=False, stderr=STATE["json"])


def chatty() -> bool:
    """Tables and details: not with --quiet, not beside --json."""
    return not (STATE["quiet"] or STATE["json"])


def err() -> Console:
    from .cli_term import Console

    return Console(stderr=True, highlight=False)


# A command in a message: in backticks, or "tally <command> …" to the end of the sentence.
_COMMAND = re.compile(r"`([^`]+)`|\btally (?:init|rules|show|committee|position|person|group|ballots|scan|review|"
                      r"template|reconcile|check|count|sign|verify|keys)\b[^;`]*$")
SHOWN_PER_CODE = 3          # on a terminal, the first few of a code reported more than
MANY_PER_CODE = 10          # this many times; --json lists them all


def _pieces(text: str) -> list[tuple[str, bool]]:
    """A message as (text, is_command) pieces; a command is never broken across lines."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for match in _COMMAND.finditer(text):
        if match.start() > at:
            pieces.append((text[at:match.start()], False))
        pieces.append((match.group(0), True))
        at = match.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


_GLUE = "\x00"     # a space inside a text say() keeps whole (a path with spaces), while words are split


def say(console: Console, lead: Text | str, text: str, indent: int = 4, style: str = "",
        keep: Iterable[object] = ()) -> None:
    """`lead` then `text`, wrapped at the console's width with the lines after the first
    indented by `indent` (a line of `text` of its own keeps its own indentation). A word (a
    path, a fingerprint) is never broken, and a command never wrapped: when it does not fit the
    line, it goes on a line of its own, indented under the text, whole even where it is wider
    than the terminal, so that it can be copied and run. Each text in `keep` (paths, which may
    hold spaces) is one word: moved whole to the next line, never broken at its spaces."""
    from rich.cells import cell_len

    from .cli_term import Text

    for whole in {str(k) for k in keep if " " in str(k)}:
        text = text.replace(whole, whole.replace(" ", _GLUE))
    room = max(console.width, indent + 20)
    lines: list[Text] = []
    for number, paragraph in enumerate(text.split("\n")):
        if number == 0:
            line = lead.copy() if isinstance(lead, Text) else Text(lead)
            hang = indent
        else:
            body = paragraph.lstrip(" ")
            line, paragraph = Text(paragraph[:len(paragraph) - len(body)]), body
            bullet = re.match(r"[•\-*] ", body)
            hang = max(indent, len(line.plain) + (len(bullet.group(0)) if bullet else 0))
        words = 0      # on the line being filled
        set_apart = False

        def add(word: str, space: bool) -> None:
            nonlocal line, words
            word = word.replace(_GLUE, " ")
            gap = " " if space and words else ""
            if words and cell_len(line.plain + gap + word) > room:
                lines.append(line)
                line, gap, words = Text(" " * hang), "", 0
            line.append(gap + word, style=style or None)
            words += 1

        for piece, command in _pieces(paragraph):
            if command:
                piece = piece.replace(_GLUE, " ")
                if cell_len(line.plain + " " + piece) <= room:
                    add(piece, not line.plain.endswith(("(", " ")))
                    continue
                if words:
                    lines.append(line)
                lines.append(Text(" " * (hang + 2) + piece.strip("`"), style=style))
                line, words, set_apart = Text(" " * hang), 0, True
                continue
            if set_apart:      # the sentence goes on under the command, without the comma that followed it
                piece, set_apart = piece.lstrip(",;:. "), False
            for i, word in enumerate(piece.split(" ")):
                if word:
                    add(word, i > 0)
        if words:
            lines.append(line)
    for text_line in lines:
        console.print(text_line, soft_wrap=True)


def done(text: str, style: str = "bold green", mark: str = "✓", keep: Iterable[object] = ()) -> None:
    """A command's closing line ('✓ Wrote …'), wrapped as say() wraps a hint: the lines after the
    first under its text, and the paths in `keep` (those in `text`) never broken."""
    from .cli_term import Text

    say(out(), Text(mark + " ", style=style), text, indent=2, style=style, keep=keep)


def _column_of(d: Diagnostic) -> tuple[str, str, str, str] | None:
    """(file, sheet, column letters, person) of a mark not entered, else None."""
    person = d.fact("person")
    if d.code != "E502" or d.location is None or not d.location.cell or person is None:
        return None
    return d.location.file, d.location.sheet or "", d.location.cell.rstrip("0123456789"), person


def _runs(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> list[tuple[Diagnostic, int]]:
    """What a terminal shows of the diagnostics: the marks missing from one person's column
    as one problem (a person added to a form after the entry workbook was made is 57 E502,
    one per ballot), each with how many problems it stands for: the core's summary of a code
    reported past its cap (ballots.validate.MAX_REPORTED_PER_CODE) for those it did not list."""
    from ballots.errors import Diagnostic, Location, number_ranges

    columns: dict[tuple[str, str, str, str], list[Diagnostic]] = {}
    for d in diagnostics:
        key = _column_of(d)
        if key is not None:
            columns.setdefault(key, []).append(d)
    shown: list[tuple[Diagnostic, int]] = []
    for d in diagnostics:
        key = _column_of(d)
        same = columns.get(key, []) if key is not None else []
        if key is None or len(same) < 2:
            shown.append((d, d.stands_for))
            continue
        if same[0] is not d:
            continue
        file, sheet, letters, person = key
        rows = sorted(int((x.location.cell if x.location and x.location.cell else letters + "0")[len(letters):])
                      for x in same)
        ballots = sorted(int(x.fact("ballot") or 0) for x in same)
        who = f"{person} {d.fact('name') or ''}".strip()
        message = _("no mark entered for {person} on {n} ballots: {ballots} (rows {rows})").format(
            person=who, n=len(same), ballots=number_ranges(ballots), rows=number_ranges(rows))
        if all(x.fact("column") == "empty" for x in same):
            hint = _("the column {column} is empty on every ballot: {person} was probably added to the form after "
                     "the entry workbook was made; type their marks from the paper ballots (0 where the voter "
                     "marked no box)").format(column=letters, person=who)
        else:
            hint = _("type each mark from the paper ballot; if the voter left the row blank, enter 0 (invalid row)")
        cell = f"{letters}{rows[0]}:{letters}{rows[-1]}"
        shown.append((Diagnostic("E502", message, hint, Location(file, sheet or None, cell)), len(same)))
    return shown


def _places(places: list[str], most: int = 8) -> str:
    """Where the problems not shown are: 'ballots.xlsx › btv › D5, D6, D7 …' (the file and sheet
    said once while they stay the same)."""
    out: list[str] = []
    before: list[str] = []
    for place in places[:most]:
        parts = place.split(" › ")
        if len(parts) == 3 and parts[:2] == before:
            out.append(parts[2])
        else:
            out.append(place)
            before = parts[:2]
    return ", ".join(out) + (" …" if len(places) > most else "")


def render_diagnostics(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...], console: Console | None = None) -> None:
    """One block per problem: code and what was found, where, what to do. A flood of one code (more
    than MANY_PER_CODE) is summed up after the first few, saying how many more and where (--json
    lists them all), so that one mistake is not a screenful of messages."""
    from .cli_term import Text

    console = console or err()
    per_code: dict[str, int] = {}
    runs = _runs(diagnostics)
    left = {code: sum(n for d, n in runs if d.code == code) for code in {d.code for d, _count in runs}}
    shown = {code: SHOWN_PER_CODE if n > MANY_PER_CODE else n for code, n in left.items()}
    unshown: dict[str, list[str]] = {}     # where the ones not shown are
    # codes the core stopped listing: how many it listed (--json has those, then its summary)
    capped = {d.code: sum(x.code == d.code and x.fact("more") is None for x in diagnostics)
              for d in diagnostics if d.fact("more") is not None}
    for d, _count in runs:
        per_code[d.code] = per_code.get(d.code, 0) + 1
        if per_code[d.code] > shown[d.code] and d.location is not None:
            unshown.setdefault(d.code, []).append(str(d.location))
    per_code.clear()
    for d, n in runs:
        per_code[d.code] = per_code.get(d.code, 0) + 1
        left[d.code] -= n
        if per_code[d.code] > shown[d.code]:
            continue
        style = "bold red" if d.is_error else "bold yellow"
        mark = "✗" if d.is_error else "!"
        lead = Text()
        lead.append(f"{mark} {d.code} ", style=style)
        say(console, lead, d.message)
        if d.location is not None:
            say(console, "    ", str(d.location), indent=4, style="cyan")
        for rel in d.related:
            say(console, "    ", _("also: {place}").format(place=rel), indent=4, style="cyan")
        if d.hint:
            say(console, Text("    → ", style="dim"), d.hint, indent=6, style="dim")
        if per_code[d.code] == shown[d.code] and left[d.code]:
            listed = capped.get(d.code)
            more = (_n("… and {n} more {code} like this (--json lists every one)",
                       "… and {n} more {code} like these (--json lists every one)", left[d.code]) if listed is None
                    else _n("… and {n} more {code} like this (--json lists the first {listed})",
                            "… and {n} more {code} like these (--json lists the first {listed})", left[d.code]))
            say(console, "  ", more.format(n=left[d.code], code=d.code, listed=listed), indent=4, style=style)
            places = _places(unshown.get(d.code, []))
            if places:
                say(console, "    ", places, indent=4, style="cyan")
    errors = sum(n for d, n in runs if d.is_error)
    warnings = sum(n for d, n in runs if not d.is_error)
    if errors or warnings:
        summary = Text()
        if errors:
            summary.append(_n("{n} error", "{n} errors", errors).format(n=errors), style="bold red")
        if warnings:
            if errors:
                summary.append(", ")
            summary.append(_n("{n} warning", "{n} warnings", warnings).format(n=warnings), style="bold yellow")
        console.print(summary)


def _report_edit(result: EditResult, todo: str | None = None) -> None:
    """What the edit brought (new warnings), what is still missing, and last one line: what was
    written, where."""
    new = [d for d in result.new if not d.is_error]
    if new:
        render_diagnostics(new)
    errors = [d for d in result.diagnostics if d.is_error]
    console = out()
    if (todo or errors) and chatty():
        from ballots.errors import shell_word

        more = _(" (and {n} more: see `tally show {path}`)").format(n=len(errors) - 1, path=shell_word(result.path)) \
            if len(errors) > 1 else ""
        say(console, "  ", _("still to do: {todo}").format(todo=todo or errors[0].message + more), style="dim")
    done(result.summary, "green", keep=(result.path,))


def _fixed(header: str, cells: list[str]) -> int:
    """A column's width for short values (ids, numbers): its widest line, or its header's
    widest word (the header wraps at its spaces, never inside a word)."""
    return max([len(line) for cell in cells for line in cell.split("\n")] + [len(w) for w in header.split()])


FLAG_LABELS = {  # keyed by ballots.rules.Flag; results.json keeps the stable ids
    "over_half_low": N_("over half low"),
    "two_thirds_low": N_("two thirds or more low"),
    "exactly_two_thirds_low": N_("exactly two thirds"),
}


def render_results(results: Results) -> None:
    """One table per group; flagged people in red with the rule set's consequence."""
    from .cli_term import Table, Text

    from ballots.i18n import language
    from ballots.rules import RULE_SETS, Flag

    rules = RULE_SETS[results.event.rules]
    console = out()

    def pct(value: str) -> str:  # 38.88 → 38,88 in Vietnamese, as on the minutes
        return value.replace(".", ",") if language() == "vi" else value

    wide = console.width >= 120   # narrower: each count above its percentage, the flags under the table
    columns = [(N_("No."), "right"), (N_("Name"), "left"), (N_("Valid"), "right"), (N_("Invalid"), "right"),
               (N_("High (cao)"), "right"), (N_("Medium"), "right"), (N_("Low (thấp)"), "right")]
    for g in results.groups:
        sep = " (" if wide else "\n"
        close = "%)" if wide else "%"
        rows = [[str(i), f"{p.id} {p.name}", str(p.valid), str(p.invalid),
                 f"{p.high}{sep}{pct(p.high_pct)}{close}", f"{p.medium}{sep}{pct(p.medium_pct)}{close}",
                 f"{p.low}{sep}{pct(p.low_pct)}{close}"] for i, p in enumerate(g.persons, start=1)]
        # each count labelled as the event's table heads them (tally show: Summoned, Present...)
        caption = Text(_("Summoned {summoned} · Present {present} · Issued {issued} · Collected {collected} "
                         "({valid} valid, {invalid} invalid) · Percentage base {base}").format(
            summoned=g.summoned, present=g.present, issued=g.issued, collected=g.collected,
            valid=g.valid_ballots, invalid=g.invalid_ballots, base=g.base))
        # the numbers keep their width (a header wraps at its spaces); the names take the rest
        widths = [max([len(line) for row in rows for line in row[c].split("\n")]
                      + [len(w) for w in _(columns[c][0]).split()]) for c in range(len(columns))]
        name_width = console.width - sum(widths) + widths[1] - 3 * len(columns) - 1
        if not wide and name_width < 14:     # too narrow for a table: one block per person
            _results_as_list(g, rows, caption, [_(name) for name, _justify in columns])
        else:
            table = Table(title=Text(f"{g.title} ({g.id})", style="bold"), title_justify="left", caption=caption,
                          caption_justify="left", show_lines=not wide)
            for c, (name, justify) in enumerate(columns):
                table.add_column(_(name), justify=justify,
                                 width=None if wide or c == 1 else widths[c])
            if wide:
                table.add_column(_("Flags"))
            for row, p in zip(rows, g.persons):
                flagged = any(f in (Flag.OVER_HALF_LOW, Flag.TWO_THIRDS_LOW) for f in p.flags)
                cells: list[str | Text] = [*row[:1], Text(row[1]), *row[2:]]
                if wide:
                    cells.append(Text(", ".join(_(FLAG_LABELS[f.value]) for f in p.flags),
                                      style="red" if p.flags else ""))
                table.add_row(*cells, style="bold red" if flagged else None)
            console.print(table)
        notes = Table.grid(padding=(0, 1))
        notes.add_column(no_wrap=True)
        notes.add_column()
        for p in g.persons:
            for f in p.flags:
                notes.add_row(Text("  ⚑", style="bold red"), Text(f"{p.id} {p.name} ({_(FLAG_LABELS[f.value])}): ",
                                                                  style="bold red") + Text(rules.consequence(f, language())))
        if notes.row_count:
            console.print(notes)


def _results_as_list(group: GroupResult, rows: list[list[str]], caption: Text, heads: list[str]) -> None:
    """A group's results on a terminal too narrow for the table: a block per person."""
    from .cli_term import Text

    from ballots.rules import Flag

    console = out()
    console.print(Text(f"{group.title} ({group.id})", style="bold"))
    for row, p in zip(rows, group.persons):
        flagged = any(f in (Flag.OVER_HALF_LOW, Flag.TWO_THIRDS_LOW) for f in p.flags)
        console.print(Text(f"{row[0]}. {row[1]}", style="bold red" if flagged else "bold"))
        console.print(f"    {heads[2]}: {row[2]} · {heads[3]}: {row[3]}", markup=False)
        for head, cell in zip(heads[4:], row[4:]):
            count, share = cell.split("\n")
            console.print(f"    {head}: {count} ({share})", markup=False)
    console.print(caption)


def _fp_line(label: str, grouped: str) -> None:
    """A fingerprint that members copy by hand onto the paper: never broken by the terminal in
    the middle of a group. Beside its label when the line fits; else on its own line; on a
    terminal too narrow even for that, in two halves of 8 groups, each on its own line."""
    from .cli_term import Text

    console = out()
    width = console.width
    line = f"  {label}: {grouped}"
    if len(line) <= width:
        console.print(Text(f"  {label}: ") + Text(grouped, style="bold"), soft_wrap=True)
        return
    console.print(Text(f"  {label}:"), soft_wrap=True)
    groups = grouped.split()
    rows = [groups] if 4 + len(grouped) <= width else [groups[:len(groups) // 2], groups[len(groups) // 2:]]
    for row in rows:
        console.print(Text("    " + " ".join(row), style="bold"), soft_wrap=True)


def _report_signed(signed: Signed) -> None:
    from tally.results_json import group4

    if chatty():
        _fp_line(_("signer ({kind})").format(kind=_("Ed25519 key") if signed.kind == "ed25519" else _("certificate")),
                 group4(signed.fingerprint))
        _fp_line(_("results.json (SHA-256)"), group4(signed.results_sha256))
    if signed.already:
        done((_("{file} was already signed by this Ed25519 key; nothing changed") if signed.kind == "ed25519"
              else _("{file} was already signed by this certificate; nothing changed")).format(file=signed.xlsx_path),
             keep=(signed.xlsx_path,))
    else:
        done(_n("Signed {file} ({n} signature now); wrote {written}",
                "Signed {file} ({n} signatures now); wrote {written}", signed.signatures)
             .format(file=signed.xlsx_path, n=signed.signatures,
                     written=", ".join(str(p) for p in signed.written) or signed.xlsx_path),
             keep=(signed.xlsx_path, *signed.written))


def _check_mark(ok: bool) -> Text:
    from .cli_term import Text

    return Text("✓", style="bold green") if ok else Text("✗", style="bold red")


_FINGERPRINT_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{4}(?: [0-9a-f]{4})+…?")


def wrap_keeping_fingerprints(text: str, width: int) -> str:
    """`text` wrapped at `width`, never inside a fingerprint: its groups of four hex digits
    ('30f1 1d54 dabb 5a03…') stay on one line, as a member copies them by hand. Rich would
    break between any two groups."""
    import textwrap

    glue = "\x00"
    held = _FINGERPRINT_RUN.sub(lambda m: m.group(0).replace(" ", glue), text)
    lines = [line for para in held.split("\n")
             for line in textwrap.wrap(para, max(width, 1), break_on_hyphens=False) or [""]]
    return "\n".join(lines).replace(glue, " ")


def _render_file_report(report: FileReport) -> None:
    from .cli_term import Table, Text

    console = out()
    # fixed widths, so that the results are wrapped here, around the fingerprints in them
    inner = console.width - 11          # 3 columns: 4 borders, 2 spaces of padding each
    names = [c.name for c in report.checks]
    check_width = min(max(len(n) for n in [*names, _("Check")]), max(12, inner - 32))   # results keep 32
    result_width = max(10, inner - 1 - check_width)
    table = Table(title=Text(report.path, style="bold"), title_justify="left", show_lines=False, expand=False)
    table.add_column("", width=1)
    table.add_column(_("Check"), width=check_width, overflow="fold")
    table.add_column(_("Result"), width=result_width, overflow="fold")
    for c in report.checks:
        code = f"{c.code} " if c.code and not c.passed else ""
        detail = Text(wrap_keeping_fingerprints(code + c.reason, result_width))
        detail.stylize("bold red", 0, len(code))
        if c.where and not c.passed:
            detail.append("\n" + wrap_keeping_fingerprints(c.where, result_width), style="cyan")
        table.add_row(_check_mark(c.passed), c.name, detail)
    console.print(table)
    if report.results_fingerprint:
        _fp_line(_("results.json SHA-256"), report.results_fingerprint)


def _render_summary(report: Report) -> None:
    from .cli_term import Table, Text

    table = Table(title=Text(_n("{n} file", "{n} files", len(report.files)).format(n=len(report.files)),
                             style="bold"), title_justify="left")
    table.add_column("", width=1)
    table.add_column(_("File"), overflow="fold")
    table.add_column(_("Trusted signers"), width=_fixed(_("Trusted signers"), [f"{report.require}/{report.require}"]))
    table.add_column(_("results.json SHA-256"), no_wrap=True)    # the start of a fingerprint, never broken
    table.add_column(_("Failed checks"))
    for f in report.files:
        failed = ", ".join(f"{c.name} ({c.code})" for c in f.failed)
        sha = " ".join(f.results_fingerprint.split()[:4]) + "…" if f.results_fingerprint else "-"
        table.add_row(_check_mark(f.passed), f.path, f"{f.trusted_signers}/{report.require}", sha,
                      Text(failed, style="red"))
    out().print(table)


def _paper_warnings(paper: PaperEvent) -> None:
    if paper.warnings:
        render_diagnostics(paper.warnings)


def _render_reconciliation(rec: Reconciliation, output: Path | None) -> None:
    from .cli_term import Table, Text

    from ballots.i18n import language
    from tally.reconcile import describe_kind, describe_value, labels

    lab = labels(language())   # the differences workbook's own labels, in the reader's language
    console = out()
    if chatty():
        console.print(_("Event: {title} — {file}").format(title=rec.event.title, file=rec.event.source),
                      markup=False)
    for n, entry in ((1, rec.first), (2, rec.second)):
        if chatty():
            made = _("made by `tally template`") if entry.fingerprint else _("hand-made")
            console.print("  " + _("entry {n}: {file} — {ballots} in {forms} ({made})").format(
                n=n, file=entry.file, ballots=_n("{n} ballot", "{n} ballots", entry.ballots).format(n=entry.ballots),
                forms=_n("{n} form", "{n} forms", len(entry.groups)).format(n=len(entry.groups)), made=made),
                markup=False)
            if entry.diagnostics:
                console.print(Text("  " + _("Problems in {file}, as `tally check` reports them:")
                                   .format(file=entry.file), style="bold"))
        render_diagnostics(entry.diagnostics, console)

    def side(s: Side | None, kind: DiffKind) -> str:
        value = describe_value(s, kind, lab)
        return f"{s.cell}: {value}" if s is not None and s.cell else value

    if rec.differences and chatty():
        n = len(rec.differences)
        table = Table(title=Text(_n("{n} difference", "{n} differences", n).format(n=n), style="bold red"),
                      show_lines=False)
        for head in (_("Form"), _("Ballot"), _("Difference"), rec.first.file, rec.second.file):
            table.add_column(head, overflow="fold")
        for d in rec.differences:
            table.add_row(d.group, str(d.ballot or ""), describe_kind(d, lab), Text(side(d.first, d.kind)),
                          Text(side(d.second, d.kind)))
        console.print(table)
    elif rec.differences:     # --quiet: a difference is a problem, one line each, no table
        for d in rec.differences:
            where = f"{d.group} · " + _("ballot {ballot}").format(ballot=d.ballot) if d.ballot else d.group
            console.print(Text(f"✗ {where}: {describe_kind(d, lab)} — {rec.first.file} {side(d.first, d.kind)}; "
                               f"{rec.second.file} {side(d.second, d.kind)}", style="red"))
    written = _("wrote {file}").format(file=output) if output is not None else _("nothing written")
    if rec.differences:
        done(_("The entries differ: check each difference against the paper ballot, correct the wrong entry, and "
               "run `tally reconcile` again before counting; {written}.").format(written=written), "bold red", "✗",
             keep=(output,) if output is not None else ())
    else:
        done(_("The two entries agree: {ballots} in {forms}; {written}.").format(
            ballots=_n("{n} ballot", "{n} ballots", rec.first.ballots).format(n=rec.first.ballots),
            forms=_n("{n} form", "{n} forms", len(rec.compared)).format(n=len(rec.compared)), written=written),
            keep=(output,) if output is not None else ())


# ---------------------------------------------------------------- scanned ballots


def render_scan_summary(summary: ScanSummary) -> None:
    console = out()
    if chatty():
        for group, n in sorted(summary.ballots.items()):
            console.print(f"  {group}: " + _n("{n} ballot", "{n} ballots", n).format(n=n), markup=False)
        console.print("  " + _("Evidence (registered pages, scores, crops): {folder}").format(folder=summary.evidence),
                      markup=False)
        from ballots.errors import shell_word

        if summary.review:
            say(console, "  → ", _("decide the doubtful rows: tally review {file}")
                .format(file=shell_word(summary.entry)), style="yellow")
        say(console, "  → ", _("the scan is one clerk: reconcile it with a typed entry, "
                               "tally reconcile {file} entry-typed.xlsx").format(file=shell_word(summary.entry)))
    done(_("Wrote {file}: {pages} pages read in {seconds} s; {auto} of {rows} rows decided, {review} await review")
         .format(file=summary.entry, pages=summary.pages, seconds=f"{summary.seconds:.1f}", auto=summary.automatic,
                 rows=summary.rows, review=summary.review), keep=(summary.entry,))


def render_pending(item: Pending, image: Path) -> None:
    console = out()
    console.print(f"\n{item.group} · " + _("ballot {ballot}").format(ballot=item.ballot) + f" · {item.who}"
                  f" ({item.cell}) — {item.file} › " + _("page {n}").format(n=item.page), style="bold", markup=False)
    console.print("  " + _("why: {reasons}").format(reasons=item.reason_words), markup=False)
    console.print("  " + _("look at: {path}").format(path=image), markup=False)


def render_review(review: Review) -> None:
    console = out()
    if chatty():
        for item in review.items:
            state = (_("decided {mark} by {who}").format(mark=item.decision, who=item.decided_by)
                     if item.decision is not None else _("awaits review"))
            console.print(f"  {item.group} · " + _("ballot {ballot}").format(ballot=item.ballot)
                          + f" · {item.who} ({item.cell}): {state} — {item.reason_words}", markup=False)
            if item.decision is None:
                console.print("    " + str(review.image(item)), markup=False)
    left = len(review.undecided)
    if left:
        done(_n("{n} row awaits review: check and count refuse the entry until it is decided",
                "{n} rows await review: check and count refuse the entry until they are decided", left).format(n=left),
             "bold yellow", "✗")
    else:
        done(_("Every doubtful mark is decided ({n} rows); the entry is ready for tally check")
             .format(n=len(review.items)))


# ---------------------------------------------------------------- tally rules


def _evidence(cite: Cite, lang: str) -> Text:
    """'khoản 2 Điều 11 QĐ 96-QĐ/TW · REGULATION.md S31 [C]', the status coloured."""
    from .cli_term import Text

    colour = {"C": "green", "I": "yellow", "U": "red"}[cite.status.value]
    return Text(cite(lang) + " · ", style="cyan") + Text(cite.evidence, style=colour)


def render_rule_sets() -> None:
    """Every rule set on one table: id, text, base, in force or replaced."""
    from .cli_term import Table, Text

    from ballots.i18n import language
    from ballots.rules import DEFAULT_RULES, RULE_SETS, Base

    lang = language()
    console = out()
    closing = _("{n} rule sets: {ids} (default {default}); show one in full, with the source of every rule: "
                "tally rules ID").format(n=len(RULE_SETS), ids=", ".join(RULE_SETS), default=DEFAULT_RULES)
    if not chatty():    # --quiet: the closing line alone
        say(console, "", closing, indent=2)
        return
    table = Table(title=Text(_("Rule sets (bộ quy định)"), style="bold"), title_justify="left", show_lines=True)
    table.add_column(_("Id"), width=_fixed(_("Id"), list(RULE_SETS)))
    for name in (N_("Text"), N_("Percentage base"), N_("Status")):
        table.add_column(_(name), overflow="fold")     # a long word folds, never cut short
    for r in RULE_SETS.values():
        base = _("ballots collected") if r.base is Base.COLLECTED else _("total members (members)")
        status = (_("replaced by {id}").format(id=r.superseded_by) if r.superseded_by
                  else _("in force"))
        if r.id == DEFAULT_RULES:
            status += "\n" + _("default")
        table.add_row(Text(r.id, style="bold"), Text(r.name(lang)), Text(base), Text(status))
    console.print(table)
    say(console, "", closing, indent=2)


def render_rule_set(rule_set: RuleSet) -> None:
    """One rule set in full: every rule with its article and its source in the research."""
    from .cli_term import Table, Text

    from ballots.i18n import language
    from ballots.rules import POLICIES, Base, QuorumRule

    lang = language()
    r = rule_set
    console = out()
    console.print(Text(f"{r.id}: {r.name(lang)}", style="bold"))
    if not chatty():    # --quiet: which rule set, in one line
        return
    console.print(Text(r.citation(lang)))
    console.print(_evidence(r.instrument, lang))
    if r.superseded_by:
        console.print(Text(_("Replaced by {id}.").format(id=r.superseded_by), style="yellow"))

    grids: list[tuple[str, Table]] = []

    def section(title: str) -> None:
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        grids.append((title, grid))

    def row(label: str, *lines: str | Text) -> None:
        body = Text()
        for i, line in enumerate(lines):
            body.append_text(Text("\n") if i else Text())
            body.append_text(line if isinstance(line, Text) else Text(str(line)))
        grids[-1][1].add_row(label, body)

    section(_("Percentage base (B)"))
    row("", _("ballots collected (số phiếu thu về)") if r.base is Base.COLLECTED
        else _("the group's total members (members)"), _evidence(r.base_cite, lang))

    section(_("Bands (L = low votes, B = base, exact integers)"))
    for band in r.bands:
        lines: list[str | Text] = [Text(band.formula, style="bold"), band.label(lang), _evidence(band.cite, lang)]
        for c in band.consequences:
            lines += [Text("→ " + c.text(lang)), _evidence(c.cite, lang)]
        row(band.flag.value, *lines)
    note = r.exactly_two_thirds
    row("exactly_two_thirds_low",
        Text("3·L = 2·B", style="bold") if note else Text(_("not flagged"), style="dim"),
        r.exactly_two_thirds_reason(lang), *([_evidence(note.cite, lang)] if note else []))

    section(_("Quorum"))
    quorum = r.policies["quorum"]
    row("", POLICIES["quorum"][quorum.default](lang), r.quorum_note(lang),
        _evidence(r.quorum, lang) if r.quorum is not None else Text(_("no rule found in the research"), style="yellow"),
        Text(_("fixed: the event file cannot change it")) if quorum.fixed
        else Text(_("the event may set [policy] quorum = \"{value}\"").format(
            value=QuorumRule.TWO_THIRDS.value if quorum.default == QuorumRule.NONE.value else QuorumRule.NONE.value)))

    section(_("Eligibility (warnings)"))
    e = r.eligibility
    if e.year_of_vote is not None:
        row("W701", _("appointed or elected in the year of the vote: not voted on"), _evidence(e.year_of_vote, lang))
    if e.retiring is not None:
        row("W702", _("notified of leave pending retirement: not voted on"), _evidence(e.retiring, lang))
    if e.max_places is not None:
        row("W703", _("voted on in at most {n} places").format(n=e.max_places[0]), _evidence(e.max_places[1], lang))
    if e.months_in_post is not None:
        row("W712", _("in the post less than {n} months before the vote: not voted on")
            .format(n=e.months_in_post[0]), _evidence(e.months_in_post[1], lang))
    if e.once is not None:
        row("W713", _("voted on once, for all the posts held: warned when on two forms"), _evidence(e.once, lang))
    if e.note is not None:
        row("", Text(e.note(lang), style="yellow"))

    section(_("Decisions the texts leave open ([policy])"))
    for key, choice in r.policies.items():
        if key == "quorum":
            continue
        others = ", ".join(f'"{v}"' for v in POLICIES[key])
        row(key, Text(f'= "{choice.default}"  ({others})', style="bold"), POLICIES[key][choice.default](lang),
            choice.reason(lang), _evidence(choice.cite, lang))
    for title, grid in grids:
        console.print()
        console.print(Text(title, style="bold underline"))
        console.print(grid)
    console.print()
    console.print(Text(_("Sources: REGULATION.md §11 (S1–S53); [C] confirmed, [I] inferred, [U] uncertain."),
                       style="dim"))
