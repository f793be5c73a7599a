"""A person decides every doubtful mark of a scanned entry (`tally review`).

`tally scan` leaves ``?`` in the cell of every row it would not decide alone (a faint mark, a
dot, a mark crossing a box's edge, a poorly registered page) and a crop of that row in the
evidence folder. Here each such row gets its mark (1, 2, 3, or 0 for an invalid row) from a
person, whose name is recorded with the time, in the workbook's scan sheet and in the
evidence's ``scan.json``. Needs no OpenCV: the crops were written by the scan.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ballots.errors import Location, fail, shell_word
from ballots.i18n import _
from ballots.marks import parse_mark
from ballots.model import Mark
from tally.scan.entry import Pending, evidence_dir, open_scanned, record_decision, save_scanned, write_json

DECISIONS: Final = ("1", "2", "3", "0")


@dataclass(frozen=True)
class Review:
    entry: Path
    evidence: Path
    items: tuple[Pending, ...]          # every row that went to review, decided or not

    @property
    def undecided(self) -> tuple[Pending, ...]:
        return tuple(i for i in self.items if i.decision is None)

    def image(self, item: Pending) -> Path:
        return self.evidence / item.image


def open_review(entry: str | Path) -> Review:
    path = Path(entry)
    _wb, items = open_scanned(path)
    return Review(path, evidence_dir(path), tuple(items))


def decision_code(text: str) -> str | None:
    """A decision as a person types it, in any spelling the entry sheets accept (1, C, cao,
    high; 2, T; 3, TH, thấp; 0, -, không hợp lệ; any case) → '1', '2', '3' or '0'; None otherwise."""
    mark = parse_mark(text.strip())
    return {Mark.HIGH: "1", Mark.MEDIUM: "2", Mark.LOW: "3", Mark.INVALID: "0"}.get(mark) \
        if isinstance(mark, Mark) else None


def parse_decision(text: str) -> tuple[str, int, str, str]:
    """``GROUP:BALLOT:PERSON=MARK`` (as --decide gives it) → its parts; E427 when malformed."""
    key, eq, mark = text.partition("=")
    parts = key.split(":")
    code = decision_code(mark)
    if not eq or len(parts) != 3 or not parts[1].strip().isdigit() or code is None:
        raise fail("E427", _("'{text}' is not a decision").format(text=text),
                   _("write GROUP:BALLOT:PERSON=MARK, e.g. btv:7:p02=1, with MARK 1, 2, 3 or 0 (invalid row)"))
    return parts[0].strip(), int(parts[1]), parts[2].strip(), code


def decide(review: Review, decisions: Sequence[tuple[Pending, str]], who: str,
           when: dt.datetime | None = None) -> int:
    """Record `decisions` (row, mark) by `who` in the workbook and the evidence; returns how many.
    The workbook is replaced in one step."""
    if not who.strip():
        raise fail("E427", _("a decision needs the name of the person who made it"),
                   _("give --by \"NAME\""))
    if not decisions:
        return 0
    when = when or dt.datetime.now().replace(microsecond=0)
    wb, items = open_scanned(review.entry)
    current = {(i.group, i.ballot, i.person): i for i in items}
    for item, mark in decisions:
        if mark not in DECISIONS:
            raise fail("E427", _("'{mark}' is not a decision").format(mark=mark),
                       _("use 1, 2, 3 or 0 (invalid row)"))
        now = current.get((item.group, item.ballot, item.person))
        if now is None:
            raise fail("E427", _("ballot {ballot} of form '{group}' has no mark of {person} awaiting review")
                       .format(ballot=item.ballot, group=item.group, person=item.person),
                       _("run `tally review {file}` to see the rows awaiting review").format(
                           file=shell_word(review.entry)),
                       Location(review.entry.name))
        record_decision(wb, now, mark, who.strip(), when)
    created = wb.properties.created or dt.datetime(2000, 1, 1)
    save_scanned(wb, review.entry, created.date(), wb.properties.title or "")
    _record_evidence(review, decisions, who.strip(), when)
    return len(decisions)


def find(review: Review, group: str, ballot: int, person: str) -> Pending:
    for item in review.items:
        if (item.group, item.ballot, item.person) == (group, ballot, person):
            return item
    raise fail("E427", _("ballot {ballot} of form '{group}' has no mark of {person} awaiting review")
               .format(ballot=ballot, group=group, person=person),
               _("run `tally review {file}` to see the rows awaiting review").format(file=shell_word(review.entry)),
               Location(review.entry.name))


def _record_evidence(review: Review, decisions: Sequence[tuple[Pending, str]], who: str, when: dt.datetime) -> None:
    path = review.evidence / "scan.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return   # the evidence folder was not kept with the entry: the workbook still records the decision
    doc.setdefault("decisions", []).extend(
        {"group": i.group, "ballot": i.ballot, "person": i.person, "cell": i.cell, "decision": m, "by": who,
         "at": when.isoformat(timespec="seconds"), "reasons": list(i.reasons)} for i, m in decisions)
    write_json(path, doc)
