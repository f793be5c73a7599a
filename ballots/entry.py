"""Entry workbooks that `tally template` made: their fingerprint, read back (SPEC §5).

A template carries its event: a hidden sheet (:data:`FINGERPRINT_SHEET`) holds a marker,
the SHA-256 of the event file and the event file itself (base64). python-calamine, which
reads the ballots, reads hidden sheets but not custom document properties, hence a sheet.
:func:`read_fingerprint` gives it back; `read_ballots` refuses an entry workbook whose
fingerprint is not the event's (E411), and `tally reconcile` takes the event from it. A
hand-made sheet has no fingerprint and is accepted as it is. The template itself is
written by :mod:`tally.template`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ballots.errors import Diagnostic, Location, TallyError
from ballots.i18n import _
from ballots.model import Event
from ballots.sheets import OpenedFile

FINGERPRINT_SHEET: Final = "_event"
FINGERPRINT_MARKER: Final = "tally-entry/1"
CHUNK: Final = 30000           # base64 characters per cell (Excel allows 32767)
LEGEND_SHEETS: Final = ("Hướng dẫn", "Instructions")
TEMPLATE_SHEETS: Final = (FINGERPRINT_SHEET, *LEGEND_SHEETS)
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
    """E411 when `opened` is an entry workbook made for another event file; None for one made
    for this event and for a hand-made sheet (no fingerprint)."""
    fp = read_fingerprint(opened)
    return None if fp is None else fingerprint_problem(fp, event, opened.display)


def fingerprint_problem(fp: Fingerprint, event: Event, display: str) -> Diagnostic | None:
    """E411 when a template was made for another event file (or another version of it)."""
    if fp.sha256 == event.sha256:
        return None
    return Diagnostic(
        "E411",
        _("this entry workbook was made by `tally template` for the event file '{made_for}' as it was then "
        "(SHA-256 {made_sha}…), not for this '{event}' ({event_sha}…): another event, "
        "or the same file edited since; it is not read")
        .format(made_for=fp.source, made_sha=fp.sha256[:12], event=event.source, event_sha=event.sha256[:12]),
        _("check that you gave the right event file; if '{event}' was corrected since, make a new entry "
        "workbook with `tally template {event} -o entry.xlsx` and copy the ballot rows into it")
        .format(event=event.source),
        Location(display),
    )
