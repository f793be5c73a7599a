"""Entry workbooks that `tally template` made: their fingerprint, read back (SPEC §5).

A template carries its event: a hidden sheet (:data:`FINGERPRINT_SHEET`) holds a marker,
the SHA-256 of the event file and the event file itself (base64). python-calamine, which
reads the ballots, reads hidden sheets but not custom document properties, hence a sheet.
:func:`read_fingerprint` gives it back, and `tally reconcile` takes the event from it. A
hand-made sheet has no fingerprint and is accepted as it is. The template itself is
written by :mod:`tally.template`.

An entry workbook is bound to **the forms** it was made for (:class:`Form`: the rule set,
the groups, the people on each form in their order and their names as printed), not to
the whole event file: the meeting counts are final only at the meeting, after the
template was printed, and a committee member, a comment or a title may be added at any
time. `read_ballots` refuses a workbook whose forms are not the event's (E411), saying
what changed (:func:`form_changes`); `tally template --from` moves its rows into a new one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Final

from ballots.errors import Diagnostic, Location, TallyError, shell_word
from ballots.event import parse_event
from ballots.i18n import _, _n
from ballots.model import Event
from ballots.sheets import OpenedFile

FINGERPRINT_SHEET: Final = "_event"
FINGERPRINT_MARKER: Final = "tally-entry/1"
CHUNK: Final = 30000           # base64 characters per cell (Excel allows 32767)
LEGEND_SHEETS: Final = ("Hướng dẫn", "Instructions")
SCAN_SHEET: Final = "_scan"       # what `tally scan` read: files, pages, rows for review (tally.scan.entry)
UNDECIDED_MARK: Final = "?"        # a mark read from a scan that a person has not decided yet (E428)
TEMPLATE_SHEETS: Final = (FINGERPRINT_SHEET, SCAN_SHEET, *LEGEND_SHEETS)
"""Sheets a template adds besides the group sheets: `read_ballots` passes over them silently."""

# What the workbook's own validation lets a clerk type. The reader accepts more (words,
# any case, no diacritics: SPEC §5); the template asks for the short codes only.
MARK_CODES: Final = ("1", "2", "3", "0", "C", "T", "TH", "-")
STATUS_WORDS: Final = ("hợp lệ", "không hợp lệ")
@dataclass(frozen=True)
class Fingerprint:
    """What a template says about the event it was made for."""

    sha256: str                  # of the event file's bytes
    source: str                  # the event file's name when the template was made
    event_file: bytes | None     # the event file itself, when it could be read back whole

    def event(self) -> Event | None:
        """The embedded event file, parsed (None when it cannot be read back whole or has errors)."""
        if self.event_file is None:
            return None
        return parse_event(self.event_file, self.source).event


# --- the forms ------------------------------------------------------------------------


@dataclass(frozen=True)
class FormPerson:
    id: str
    name: str


@dataclass(frozen=True)
class Form:
    """What an entry workbook's columns and sheets depend on: the rule set, and for each ballot
    form (group) the people on it, in order, with their names as printed in the headers."""

    rules: str
    groups: tuple[tuple[str, tuple[FormPerson, ...]], ...]

    @classmethod
    def of(cls, event: Event) -> Form:
        return cls(event.rules, tuple((g.id, tuple(FormPerson(p.id, p.name) for p in event.persons_on(g)))
                                      for g in event.groups))


def form_changes(made_for: Form, now: Form) -> list[str]:
    """What changed in the forms between a template and the event file now, one line each, in
    the reader's language; empty when the forms are the same."""
    changes: list[str] = []
    if made_for.rules != now.rules:
        changes.append(_("the rule set changed from {old} to {new}").format(old=made_for.rules, new=now.rules))
    old, new = dict(made_for.groups), dict(now.groups)
    for gid in old:
        if gid not in new:
            changes.append(_("form {group} was removed").format(group=gid))
    for gid, people in new.items():
        if gid not in old:
            changes.append(_("form {group} was added").format(group=gid))
            continue
        before = {p.id: p for p in old[gid]}
        after = {p.id: p for p in people}
        for p in people:
            if p.id not in before:
                changes.append(_("{person} was added to form {group}").format(person=f"{p.id} {p.name}", group=gid))
            elif before[p.id].name != p.name:
                changes.append(_("on form {group}, the name of {id} changed from '{old}' to '{new}'")
                               .format(group=gid, id=p.id, old=before[p.id].name, new=p.name))
        for p in old[gid]:
            if p.id not in after:
                changes.append(_("{person} was taken off form {group}").format(person=f"{p.id} {p.name}",
                                                                               group=gid))
        kept_old = [p.id for p in old[gid] if p.id in after]
        kept_new = [p.id for p in people if p.id in before]
        if kept_old != kept_new:
            changes.append(_("the order of the people on form {group} changed: {old} → {new}")
                           .format(group=gid, old=", ".join(kept_old), new=", ".join(kept_new)))
    return changes

# --- the fingerprint ------------------------------------------------------------------


def read_fingerprint(opened: OpenedFile) -> Fingerprint | None:
    """The fingerprint of a template-made workbook, or None (a hand-made sheet, a CSV, or a
    hidden sheet that is not ours)."""
    if opened.kind == "csv" or FINGERPRINT_SHEET not in opened.sheet_names:
        return None
    try:
        rows = [values[0] if values else None for _, values in opened.sheet(FINGERPRINT_SHEET).rows()]
    except TallyError:
        return None
    if len(rows) < 2 or rows[0] != FINGERPRINT_MARKER or not isinstance(rows[1], str):
        return None
    sha = rows[1].strip().lower()
    if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
        return None
    source = str(rows[2]) if len(rows) > 2 and rows[2] is not None else "event.toml"
    return Fingerprint(sha, source, _embedded_event(rows, sha))


def _embedded_event(rows: Sequence[object], sha: str) -> bytes | None:
    try:
        count = int(str(rows[3]).split(".")[0]) if len(rows) > 3 else 0
    except ValueError:
        return None
    chunks = rows[4 : 4 + count]
    if count <= 0 or len(chunks) != count or not all(isinstance(c, str) for c in chunks):
        return None
    try:
        raw = base64.b64decode("".join(str(c).strip() for c in chunks), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if hashlib.sha256(raw).hexdigest() == sha else None


def template_problem(opened: OpenedFile, event: Event) -> Diagnostic | None:
    """E411 when `opened` is an entry workbook made for other ballot forms; None for one made
    for this event's forms and for a hand-made sheet (no fingerprint)."""
    fp = read_fingerprint(opened)
    return None if fp is None else fingerprint_problem(fp, event, opened.display, str(opened.path))


def bullets(lines: Sequence[str], most: int = 10) -> str:
    """Changes as an indented list for a message, the first `most` of them."""
    shown = list(lines[:most])
    if len(lines) > most:
        shown.append(_n("and {n} more change", "and {n} more changes", len(lines) - most).format(n=len(lines) - most))
    return "".join("\n    • " + line for line in shown)


def fingerprint_changes(fp: Fingerprint, event: Event) -> list[str] | None:
    """How the forms changed since the template was made: [] when they did not (whatever else
    in the event file changed), None when the template's event cannot be read back (then only
    the same event file, byte for byte, is the same)."""
    if fp.sha256 == event.sha256:
        return []
    made_for = fp.event()
    if made_for is None:
        return None
    return form_changes(Form.of(made_for), Form.of(event))


def new_entry_path(entry: str) -> str:
    """Where a hint's command writes the entry workbook that replaces `entry`: beside it, in its
    folder as the user gave it (out/entry-1.xlsx -> out/entry-1-new.xlsx), so that the two
    clerks' entries, refused together, are moved to two files, and not into the current folder."""
    cut = max(entry.rfind("/"), entry.rfind("\\")) + 1      # the folder kept as typed, either separator
    return f"{entry[:cut]}{PurePath(entry[cut:]).stem}-new.xlsx"


def fingerprint_problem(fp: Fingerprint, event: Event, display: str, path: str) -> Diagnostic | None:
    """E411 when a template was made for other ballot forms than the event's. The command it
    offers names the entry by `path`, as the user gave it, so that it runs where they typed."""
    changes = fingerprint_changes(fp, event)
    if changes == []:
        return None
    what = (changes if changes
            else [_("it was made for another event file (SHA-256 {made_sha}…)").format(made_sha=fp.sha256[:12])])
    return Diagnostic(
        "E411",
        _("the entry workbook {entry} was made by `tally template` for other ballot forms than those in the event "
          "file {event}; it is not read:").format(entry=display, event=event.source)
        + bullets(what),
        _("check that you gave the right event file; if it was corrected, move the typed rows into a new entry "
          "workbook: tally template {event} -o {new} --from {entry}").format(
            event=shell_word(event.given_as or event.source), new=shell_word(new_entry_path(path)),
            entry=shell_word(path)),
        Location(display),
    )
