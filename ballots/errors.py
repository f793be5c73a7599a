"""Errors are values with codes.

Every problem the tool can report is a :class:`Diagnostic` with a stable code from
:data:`CODES`, a location (file › sheet › cell, or file:line for the event file),
what was found, and what to do. Validation collects diagnostics instead of stopping
at the first; a step that cannot go on raises :class:`TallyError` carrying them.

The exit code of a command is decided by the most serious class of error it saw
(see :class:`ExitCode`); the README documents both tables.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field


class ExitCode(enum.IntEnum):
    OK = 0
    INTERNAL = 1          # a bug: please report it
    USAGE = 2             # wrong command-line usage (typer's own)
    EVENT = 3             # the event file is missing, not TOML, or inconsistent
    UNREADABLE = 4        # a ballot file is missing, corrupt, encrypted or not a spreadsheet
    BALLOTS = 5           # the ballot sheets have errors (nothing was counted)
    MEETING = 6           # meeting checks failed: quorum, issued/present/summoned, collected
    OUTPUT = 7            # an output exists (use --force) or cannot be written
    KEY = 8               # a key, passphrase or certificate problem
    VERIFY = 9            # verification ran and at least one check failed
    DIFFER = 10           # `tally reconcile`: the two entries of the ballots differ
    CANCELLED = 130       # Ctrl-C, or Ctrl-D at a prompt: nothing was written


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class CodeInfo:
    code: str
    exit: ExitCode
    title: str


def _codes(*items: tuple[str, ExitCode, str]) -> dict[str, CodeInfo]:
    return {c: CodeInfo(c, e, t) for c, e, t in items}


# The stable codes. Never renumber; add new ones at the end of their block.
CODES: dict[str, CodeInfo] = _codes(
    # E0xx: the command line
    ("E001", ExitCode.USAGE, "arguments in the wrong order"),
    ("E002", ExitCode.USAGE, "output name does not end in the type of file written (.xlsx, .pdf, .toml)"),
    # E1xx: the event file
    ("E100", ExitCode.EVENT, "event file not found or unreadable"),
    ("E101", ExitCode.EVENT, "event file is not valid TOML"),
    ("E102", ExitCode.EVENT, "unknown key in the event file"),
    ("E103", ExitCode.EVENT, "required field missing"),
    ("E104", ExitCode.EVENT, "wrong type or value"),
    ("E105", ExitCode.EVENT, "duplicate id"),
    ("E106", ExitCode.EVENT, "reference to an unknown id"),
    ("E107", ExitCode.EVENT, "a group with nobody on it"),
    ("E108", ExitCode.EVENT, "unknown rule set"),
    ("E109", ExitCode.EVENT, "unsupported schema version"),
    ("E110", ExitCode.EVENT, "id is not a short ASCII slug"),
    ("E111", ExitCode.EVENT, "event file already exists"),
    ("E112", ExitCode.EVENT, "id still in use"),
    # E2xx: the meeting (SPEC §3)
    ("E201", ExitCode.MEETING, "no quorum"),
    ("E202", ExitCode.MEETING, "meeting counts out of order"),
    ("E203", ExitCode.MEETING, "ballots entered differ from ballots collected"),
    ("E204", ExitCode.MEETING, "more ballots entered than issued"),
    ("E205", ExitCode.MEETING, "no ballots entered for a group"),
    ("E206", ExitCode.MEETING, "members below those present or the ballots collected"),
    # E3xx: reading ballot files
    ("E300", ExitCode.UNREADABLE, "ballot file not found"),
    ("E301", ExitCode.UNREADABLE, "not a spreadsheet"),
    ("E302", ExitCode.UNREADABLE, "spreadsheet is password-protected"),
    ("E303", ExitCode.UNREADABLE, "spreadsheet is corrupt"),
    ("E304", ExitCode.UNREADABLE, "file is empty"),
    ("E305", ExitCode.UNREADABLE, "CSV text is not UTF-8"),
    ("E306", ExitCode.UNREADABLE, "file cannot be read"),
    ("E307", ExitCode.UNREADABLE, "file is larger than the size limit"),
    ("E308", ExitCode.UNREADABLE, "sheet has more rows than the row limit"),
    ("E309", ExitCode.UNREADABLE, "sheet has more cells than the cell limit"),
    ("E310", ExitCode.UNREADABLE, "zip bomb: a part inflates far more than a spreadsheet can"),
    ("E311", ExitCode.UNREADABLE, "quotes in a CSV file do not pair up"),
    # E4xx: ballot sheet structure
    ("E401", ExitCode.BALLOTS, "sheet for a group that does not exist"),
    ("E402", ExitCode.BALLOTS, "no sheet for a group"),
    ("E403", ExitCode.BALLOTS, "header row missing"),
    ("E404", ExitCode.BALLOTS, "ballot-number column missing"),
    ("E405", ExitCode.BALLOTS, "unknown column"),
    ("E406", ExitCode.BALLOTS, "person not on this form"),
    ("E407", ExitCode.BALLOTS, "person column missing"),
    ("E408", ExitCode.BALLOTS, "duplicate column"),
    ("E409", ExitCode.BALLOTS, "id and name in a header disagree"),
    ("E410", ExitCode.BALLOTS, "same group given twice in one file"),
    # E41x: paper — entry workbooks made by `tally template`, and `tally reconcile`
    ("E411", ExitCode.BALLOTS, "entry workbook made for other ballot forms"),
    ("E412", ExitCode.BALLOTS, "entries made for different ballot forms"),
    ("E413", ExitCode.EVENT, "no event file for the entries"),
    ("E414", ExitCode.BALLOTS, "entries have no ballot form in common"),
    ("E415", ExitCode.BALLOTS, "column holds voter identity"),
    ("E416", ExitCode.BALLOTS, "typed rows do not fit the new ballot forms"),
    # E42x: scanned paper ballots (`tally ballots --pdf`, `tally scan`, `tally review`)
    ("E421", ExitCode.UNREADABLE, "scan support is not installed"),
    ("E422", ExitCode.UNREADABLE, "scan file cannot be read"),
    ("E423", ExitCode.BALLOTS, "scanned page cannot be registered"),
    ("E424", ExitCode.BALLOTS, "QR code of a scanned page unreadable"),
    ("E425", ExitCode.BALLOTS, "scanned page of another event or ballot form"),
    ("E426", ExitCode.BALLOTS, "pages of a multi-page ballot missing or out of order"),
    ("E427", ExitCode.BALLOTS, "not a scanned entry, or no such mark awaiting review"),
    ("E428", ExitCode.BALLOTS, "mark read from a scan awaits review"),
    ("E429", ExitCode.OUTPUT, "no font for the PDF ballots"),
    ("E417", ExitCode.BALLOTS, "two entries of the same ballots given together"),
    ("E418", ExitCode.USAGE, "the same file given as both entries to reconcile"),
    # E5xx: ballot rows and cells
    ("E501", ExitCode.BALLOTS, "unknown mark"),
    ("E502", ExitCode.BALLOTS, "mark not entered"),
    ("E503", ExitCode.BALLOTS, "duplicate ballot number"),
    ("E504", ExitCode.BALLOTS, "ballot number missing or not a positive whole number"),
    ("E505", ExitCode.BALLOTS, "unknown ballot status"),
    ("E506", ExitCode.BALLOTS, "total row in the ballot sheet"),
    ("E507", ExitCode.BALLOTS, "ballot number too large to be kept exactly"),
    ("E508", ExitCode.BALLOTS, "cells merged over several ballot rows"),
    # E6xx: writing outputs
    ("E601", ExitCode.OUTPUT, "output exists"),
    ("E602", ExitCode.OUTPUT, "output cannot be written"),
    ("E603", ExitCode.OUTPUT, "output is a symbolic link"),
    ("E604", ExitCode.OUTPUT, "output would replace an input file"),
    # W7xx: warnings (never change the exit code)
    ("W701", ExitCode.OK, "appointed or elected in the year of the vote"),
    ("W702", ExitCode.OK, "notified of retirement"),
    ("W703", ExitCode.OK, "voted on in more than 2 places"),
    ("W704", ExitCode.OK, "person on no ballot form"),
    ("W705", ExitCode.OK, "position held by nobody"),
    ("W706", ExitCode.OK, "sheet ignored"),
    ("W707", ExitCode.OK, "mark on an invalid ballot ignored"),
    ("W708", ExitCode.OK, "appointed after the vote"),
    ("W709", ExitCode.OK, "text typed in a legacy Vietnamese font was decoded"),
    ("W710", ExitCode.OK, "private key file readable by others"),
    ("W711", ExitCode.OK, "members given under a rule set that does not use it"),
    ("W712", ExitCode.OK, "in the post for less time than the rule set requires"),
    ("W713", ExitCode.OK, "on several forms, but voted on once for all posts"),
    ("W714", ExitCode.OK, "ballot number above the ballots issued"),
    ("W715", ExitCode.OK, "gap in the ballot numbering"),
    ("W716", ExitCode.OK, "the two entries to reconcile are copies of one file"),
    # E8xx: keys and signatures
    ("E801", ExitCode.KEY, "wrong passphrase"),
    ("E802", ExitCode.KEY, "key or certificate file not found or unreadable"),
    ("E803", ExitCode.KEY, "key file is corrupt or truncated"),
    ("E804", ExitCode.KEY, "not an Ed25519 private key"),
    ("E805", ExitCode.KEY, "passphrase missing, too short or not confirmed"),
    ("E806", ExitCode.KEY, "wrong password for the .p12 file"),
    ("E807", ExitCode.KEY, ".p12 file is corrupt or holds no key and certificate"),
    ("E808", ExitCode.KEY, "key type cannot make a CMS signature"),
    ("E809", ExitCode.KEY, "trust file is not a public key or certificate"),
    ("E810", ExitCode.KEY, "fingerprint is not 64 hex digits"),
    ("E811", ExitCode.KEY, "key file holds more than one key or certificate"),
    ("E812", ExitCode.KEY, "certificate expired or not yet valid"),
    # E9xx: verification
    ("E901", ExitCode.VERIFY, "results file not found or not a workbook"),
    ("E902", ExitCode.VERIFY, "no embedded results in the workbook"),
    ("E903", ExitCode.VERIFY, "embedded results are damaged or not tally results"),
    ("E904", ExitCode.VERIFY, "results.json beside the workbook differs from the embedded one"),
    ("E905", ExitCode.VERIFY, "workbook shows values that differ from the signed results"),
    ("E906", ExitCode.VERIFY, "signature does not verify"),
    ("E907", ExitCode.VERIFY, "signature table in the workbook is damaged"),
    ("E908", ExitCode.VERIFY, "too few trusted signers"),
    ("E909", ExitCode.VERIFY, "event or ballot file differs from the signed results"),
    ("E910", ExitCode.VERIFY, "re-count gives different results"),
    ("E911", ExitCode.VERIFY, "certificate not valid when it signed"),
    ("E912", ExitCode.VERIFY, "signature file beside the workbook does not verify or does not match it"),
    ("E920", ExitCode.VERIFY, "workbook holds parts or markup tally does not write"),
    ("E921", ExitCode.VERIFY, "workbook XML that spreadsheet programs may read differently"),
    ("E922", ExitCode.VERIFY, "workbook prints differently from the signed minutes"),
)


# A word no shell reads anything into: no quotes needed. Not `,` (PowerShell's array separator),
# `@` (its splatting), `%` (cmd's %NAME%, whose value, spaces and & included, would be read as
# typed: in double quotes it stays one word and runs nothing), nor a backslash (bash's escape,
# C:\kiem\event.toml is C:kiemevent.toml there; in double quotes it is kept before a letter).
_PLAIN_WORD = re.compile(r"[\w+=:./~-]+")
# What double quotes do not protect in one of the shells: `$` and a backtick (bash's and
# PowerShell's expansions: $(...) runs a command in both), `"` and the typographic double
# quotes PowerShell also ends a string at, `!` (bash's history, which can bring a command
# back into the line), and control characters (a newline ends the command). Not `%`: in
# double quotes cmd reads %NAME% as the variable NAME (when there is one), and runs nothing.
_NOT_IN_DOUBLE = re.compile("[$`\"!\u201c\u201d\u201e\u201f\x00-\x1f\x7f]")
_SINGLE = re.compile("['\u2018\u2019\u201a\u201b]")    # PowerShell's single quotes, typographic ones too
_CMD_SPECIAL = re.compile(r"([&|<>^])")                 # what cmd reads outside double quotes
_CONTROL = re.compile("[\x00-\x1f\x7f]")


def shell_word(path: object) -> str:
    """A path as one word of a command a hint offers, pasted as it is into bash, cmd.exe or
    PowerShell (a committee's Windows laptop has the last two, Git Bash too).

    As it is when it holds only letters, digits and . / : _ - + = ~; else in double quotes
    ("Kiểm phiếu 2023/event.toml"), the one word every shell reads exactly, when nothing inside
    them is special to one of the shells. Past that (a `$`, a backtick, `!`, a double quote:
    see _NOT_IN_DOUBLE) no quoting reads the same in all three, and the word is in single
    quotes, each single quote inside doubled: PowerShell reads it exactly, bash too unless it
    holds a single quote (then it loses that quote), and neither expands or runs anything in it;
    cmd takes the quotes for part of the name (the command then finds no such file), and ^
    before & | < > ^ keeps it from running anything else (those names are then read exactly by
    no shell, and tally says the file does not exist)."""
    text = str(path)
    if _PLAIN_WORD.fullmatch(text):
        return text
    if not _NOT_IN_DOUBLE.search(text):
        return f'"{text}"'
    text = _SINGLE.sub(lambda m: m.group(0) * 2, _CONTROL.sub("?", text))   # no newline ends the command
    return "'" + _CMD_SPECIAL.sub(r"^\1", text) + "'"


def number_ranges(numbers: Iterable[int]) -> str:
    """How a message lists ballot or row numbers: 7, 1, 2, 3, 9, 10 -> '1–3, 7, 9–10' (in order,
    each number once, a run of consecutive numbers as its first and last)."""
    runs: list[tuple[int, int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs_text(runs)


def missing_runs(numbers: Iterable[int], top: int) -> list[tuple[int, int]]:
    """The runs (first, last) of the numbers 1..top not among `numbers`, found from the gaps
    between those present: as long as the numbers given, however large `top` is."""
    runs: list[tuple[int, int]] = []
    before = 0
    for n in [*sorted({n for n in numbers if 0 < n <= top}), top + 1]:
        if n > before + 1:
            runs.append((before + 1, n - 1))
        before = n
    return runs


def runs_text(runs: Iterable[tuple[int, int]]) -> str:
    """(1, 3), (7, 7), (9, 10) -> '1–3, 7, 9–10'."""
    return ", ".join(str(first) if first == last else f"{first}–{last}" for first, last in runs)


@dataclass(frozen=True)
class Location:
    """Where a problem is: ``ballots.xlsx › btv › D7`` or ``event.toml:12``."""

    file: str
    sheet: str | None = None
    cell: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"{self.file}:{self.line}"
        parts = [self.file]
        if self.sheet is not None:
            parts.append(self.sheet)
        if self.cell is not None:
            parts.append(self.cell)
        return " › ".join(parts)


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str              # what was found
    hint: str = ""            # what to do
    location: Location | None = None
    related: tuple[Location, ...] = ()   # e.g. the other place of a duplicate
    # What the problem is about, for a reader that sums up many alike (the command line's
    # "no mark for p03 Lê Văn Cường on 57 ballots"): ("person", "p03"), ("name", ...), ("ballot", "5"),
    # ("column", "empty"); ("more", "n") on the last of a code reported too often, which stands for
    # the n not listed. Not part of the JSON document, which lists every diagnostic as it is.
    about: tuple[tuple[str, str], ...] = ()

    def fact(self, key: str) -> str | None:
        return next((v for k, v in self.about if k == key), None)

    @property
    def stands_for(self) -> int:
        """How many problems this is: 1, or the n a code's "… and n more" summary was not listed for."""
        more = self.fact("more")
        return int(more) if more is not None else 1

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unregistered diagnostic code {self.code}")

    @property
    def severity(self) -> Severity:
        return Severity.WARNING if self.code.startswith("W") else Severity.ERROR

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    @property
    def exit_code(self) -> ExitCode:
        return CODES[self.code].exit

    def to_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
            "location": str(self.location) if self.location else None,
            "related": [str(r) for r in self.related],
        }


# Which exit code wins when several classes of error occur: the earliest step in the
# data flow, because later problems are often consequences of earlier ones.
_EXIT_PRIORITY = [
    ExitCode.INTERNAL,
    ExitCode.USAGE,
    ExitCode.EVENT,
    ExitCode.UNREADABLE,
    ExitCode.BALLOTS,
    ExitCode.MEETING,
    ExitCode.KEY,
    ExitCode.OUTPUT,
    ExitCode.VERIFY,
]


def exit_code_for(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> ExitCode:
    found = {d.exit_code for d in diagnostics if d.is_error}
    for code in _EXIT_PRIORITY:
        if code in found:
            return code
    return ExitCode.OK


@dataclass
class Diagnostics:
    """A collector: validation appends here and keeps going."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, code: str, message: str, hint: str = "", location: Location | None = None,
            related: tuple[Location, ...] = (), about: tuple[tuple[str, str], ...] = ()) -> None:
        self.items.append(Diagnostic(code, message, hint, location, related, about))

    def extend(self, other: list[Diagnostic] | tuple[Diagnostic, ...]) -> None:
        self.items.extend(other)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.is_error]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if not d.is_error]

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)


class TallyError(Exception):
    """The one root error. Carries one or more diagnostics."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic) -> None:
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("; ".join(f"{d.code} {d.message}" for d in self.diagnostics))

    @property
    def exit_code(self) -> ExitCode:
        code = exit_code_for(self.diagnostics)
        return code if code is not ExitCode.OK else ExitCode.INTERNAL


def fail(code: str, message: str, hint: str = "", location: Location | None = None) -> TallyError:
    """Build a TallyError for a single problem: ``raise fail("E300", ...)``."""
    return TallyError(Diagnostic(code, message, hint, location))
