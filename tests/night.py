"""The people of a committee's night, played by a program for the walkthrough tests.

:class:`Paper` is the stack of ballots as the voters marked them and the committee sorted
them: per ballot form, every ballot with its marks as a person reads them (``1`` ``2`` ``3``,
or ``0`` for a row that is invalid: no box, two boxes), the ink the pen left (a tick, a cross,
a scribble, a faint mark, a stray dot beside a mark), and, for a ballot the committee ruled
invalid as a whole, its reason. Ballot 2 of each form has no stamp; ballot 4's first row has
no box marked.

What the paper is read by:

* a clerk (:meth:`Paper.type_into`) types it into a copy of the entry workbook, the way the
  README says: an invalid ballot's status and reason, its person cells left empty;
* the office scanner (:meth:`Paper.scan`) renders the real PDF form that ``tally ballots
  --pdf`` wrote, draws each ballot's ink on it, and degrades the page as a scanner does
  (tests/scan_deck.py); it cannot see the stamp;
* the member who reviews doubtful marks (:meth:`Paper.reading`) looks at the paper.
"""

from __future__ import annotations

import codecs
import os
import random
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl

if TYPE_CHECKING:
    import numpy as np
    from openpyxl.worksheet.worksheet import Worksheet

    from tally.ballot_pdf import Rect

HEAD = ["Số phiếu", "Tình trạng", "Ghi chú"]
INVALID = "không hợp lệ"
NO_STAMP = "không có dấu của Ban kiểm phiếu"
LEVELS = {"1": "high", "2": "medium", "3": "low"}


@dataclass(frozen=True)
class Ballot:
    number: int
    marks: tuple[str, ...]          # as a person reads them, one per person on the form
    ink: tuple[str, ...]            # what the pen left: tick, cross, scribble, faint, dot, blank, double
    invalid: str | None = None      # the committee's reason, when the whole ballot is invalid


@dataclass(frozen=True)
class Form:
    group: str
    people: tuple[str, ...]         # person ids in the form's order
    ballots: tuple[Ballot, ...]


class Paper:
    def __init__(self, forms: list[Form]) -> None:
        self.forms = {f.group: f for f in forms}

    @classmethod
    def marked(cls, template: Path, seed: int) -> Paper:
        """Every ballot numbered in the entry workbook `template`, marked by its voter."""
        rng = random.Random(seed)
        forms = []
        wb = openpyxl.load_workbook(template, read_only=True)
        for ws in wb.worksheets:
            rows = list(ws.iter_rows(values_only=True))
            if not rows or list(rows[0][:3]) != HEAD:
                continue
            people = tuple(str(h).split(" - ")[0] for h in rows[0][3:] if h)
            numbers = [r[0] for r in rows[1:] if r and isinstance(r[0], int)]
            doubtful = {numbers[-1]: "faint", numbers[-2]: "dot"} if len(numbers) >= 6 else {}
            ballots = []
            for n in numbers:
                marks, ink = [], []
                for i in range(len(people)):
                    mark = "0" if (n == 4 and i == 0) else rng.choice("1112223")
                    kind = rng.choice(("blank", "double")) if mark == "0" else rng.choice(("tick", "cross", "scribble"))
                    if i == len(people) - 1 and i > 0 and n in doubtful:
                        mark, kind = rng.choice("123"), doubtful[n]
                    marks.append(mark)
                    ink.append(kind)
                ballots.append(Ballot(n, tuple(marks), tuple(ink), NO_STAMP if n == 2 else None))
            forms.append(Form(ws.title, people, tuple(ballots)))
        wb.close()
        return cls(forms)

    # ------------------------------------------------------------------ what was on paper

    def reading(self, group: str, ballot: int, person: str) -> str:
        """The mark a member reads on the paper ballot."""
        form = self.forms[group]
        return next(b for b in form.ballots if b.number == ballot).marks[form.people.index(person)]

    def counted(self) -> dict[str, dict[str, dict[str, int]]]:
        """What a correct count of this paper gives, per form and person."""
        out: dict[str, dict[str, dict[str, int]]] = {}
        for form in self.forms.values():
            per = out.setdefault(form.group, {p: {"high": 0, "medium": 0, "low": 0, "invalid": 0}
                                              for p in form.people})
            for ballot in form.ballots:
                for person, mark in zip(form.people, ballot.marks):
                    per[person]["invalid" if ballot.invalid else LEVELS.get(mark, "invalid")] += 1
        return out

    def ballots(self) -> int:
        return sum(len(f.ballots) for f in self.forms.values())

    # ------------------------------------------------------------------ a clerk

    def type_into(self, template: Path, dest: Path, typo: tuple[str, str] | None = None) -> None:
        """A clerk types every ballot into a copy of `template` (saved as `dest`); `typo` is a
        (form, cell) where this clerk's finger slipped."""
        wb = openpyxl.load_workbook(template)
        for form in self.forms.values():
            ws = wb[form.group]
            for ballot in form.ballots:
                row = _row_of(ws, ballot.number)
                if ballot.invalid:
                    ws.cell(row, 2).value = INVALID
                    ws.cell(row, 3).value = ballot.invalid
                    continue
                for i, mark in enumerate(ballot.marks):
                    ws.cell(row, 4 + i).value = int(mark)
        if typo is not None:
            sheet, cell = typo
            right = wb[sheet][cell].value
            wb[sheet][cell].value = 3 if right != 3 else 1
        wb.save(dest)

    def wrong_cells(self, entry: Path) -> dict[tuple[str, str], object]:
        """Every cell of `entry` that says something else than the paper, with what the paper says:
        the status and reason of each ballot, the marks of a valid one (an invalid ballot's person
        cells may stay empty)."""
        wrong: dict[tuple[str, str], object] = {}
        wb = openpyxl.load_workbook(entry)
        for form in self.forms.values():
            ws = wb[form.group]
            heads = [str(c.value).split(" - ")[0] for c in ws[1]]
            for ballot in form.ballots:
                row = _row_of(ws, ballot.number)
                status = (ws.cell(row, 2).value or "").strip()
                if status != (INVALID if ballot.invalid else ""):
                    wrong[(form.group, f"B{row}")] = INVALID if ballot.invalid else None
                if (ws.cell(row, 3).value or None) != ballot.invalid:
                    wrong[(form.group, f"C{row}")] = ballot.invalid
                for person, mark in zip(form.people, ballot.marks):
                    cell = ws.cell(row, heads.index(person) + 1)
                    if ballot.invalid and cell.value in (None, ""):
                        continue
                    if str(cell.value) != mark:
                        wrong[(form.group, cell.coordinate)] = int(mark)
        return wrong

    # ------------------------------------------------------------------ the office scanner

    def scan(self, pdf: Path, files: list[Path], seed: int) -> int:
        """Scan the stack, in order, into `files` (PDF or TIFF, the pages shared out among them):
        each ballot is the printed form `pdf` with its voter's ink, as a scanner sees it."""
        import cv2
        import numpy as np
        import pypdfium2 as pdfium
        import scan_deck

        from tally.ballot_pdf import form_layout

        rng = random.Random(seed)
        doc = pdfium.PdfDocument(pdf)
        blank = []
        for i in range(len(doc)):
            bitmap = doc[i].render(scale=scan_deck.DPI / 72, grayscale=True)
            blank.append(np.ascontiguousarray(bitmap.to_numpy().reshape(bitmap.height, bitmap.width, -1)[:, :, 0]))
        doc.close()
        pages: list[np.ndarray] = []
        first = 0
        for form in self.forms.values():                  # the PDF holds the forms in the event's order
            layout = form_layout(len(form.people), form.group)
            printed = blank[first:first + len(layout.pages)]
            first += len(layout.pages)
            for ballot in form.ballots:
                marked = [p.copy() for p in printed]
                for page in layout.pages:
                    for row in page.rows:
                        _ink(marked[page.number - 1], row.boxes, ballot.ink[row.person], ballot.marks[row.person],
                             rng)
                pages += [scan_deck.degrade(p, rng) for p in marked]
        assert first == len(blank), "the PDF holds other forms than the entry workbook"
        share = -(-len(pages) // len(files))
        for k, path in enumerate(files):
            chunk = pages[k * share:(k + 1) * share]
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix.lower() == ".pdf":
                scan_deck.write_pdf(path, chunk)
            else:
                assert cv2.imwritemulti(str(path), chunk), path
        return len(pages)


def _row_of(ws: Worksheet, number: int) -> int:
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 1).value == number:
            return row
    raise AssertionError(f"no ballot {number} in {ws.title}")


def _ink(img: np.ndarray, boxes: tuple[Rect, Rect, Rect], kind: str, mark: str, rng: random.Random) -> None:
    """What the voter's pen left in one row (tests/scan_deck.py draws it)."""
    from scan_deck import PX, draw_dot, draw_mark

    centres = [((b.x + b.w / 2) * PX, (b.y + b.h / 2) * PX) for b in boxes]
    level = int(mark) - 1 if mark in ("1", "2", "3") else rng.randrange(3)
    if kind in ("tick", "cross", "scribble"):
        draw_mark(img, *centres[level], kind, rng)
    elif kind == "double":
        draw_mark(img, *centres[level], "cross", rng)
        draw_mark(img, *centres[(level + 1) % 3], "tick", rng)
    elif kind == "faint":                                   # a pale pen, alone in its row: the mark
        draw_mark(img, *centres[level], "tick", rng, faint=True)
    elif kind == "dot":                                     # a stray dot beside the real mark
        draw_mark(img, *centres[level], "cross", rng)
        draw_dot(img, *centres[(level + 1) % 3], rng)


# ---------------------------------------------------------------------- at a terminal

# a row awaiting review, as `tally review` shows it: "btv · ballot 13 · p03 Lê Văn Cường (F14) — …"
PENDING = re.compile(r"^(\S+) · \D*?(\d+) · (\S+)\s", re.MULTILINE)   # form, ballot, person id


def in_terminal(block: str, cwd: Path, env: dict[str, str], paper: Paper,
                timeout: float = 300, idle: float = 60) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run `block` with bash at a pseudo-terminal, a member of the committee at the keyboard:
    `tally review` shows a doubtful row (form · ballot · person) and asks for its mark; the
    member looks at the paper ballot and types what it says. Returns the run (everything the
    terminal showed as its stdout) and how many marks the member typed."""
    import pty
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen(["bash", "-e", "-c", block], cwd=cwd, env={**env, "TERM": "dumb"},
                            stdin=slave, stdout=slave, stderr=slave, close_fds=True, start_new_session=True)
    os.close(slave)
    shown, answered = "", 0
    decoder = codecs.getincrementaldecoder("utf-8")("replace")     # a letter may be split between reads
    deadline = time.monotonic() + timeout
    heard = time.monotonic()
    try:
        while True:
            assert time.monotonic() < deadline, shown
            # waiting at a question the member did not recognise: fail now, not at the deadline
            assert time.monotonic() - heard < idle, f"no answer known to this question:\n{shown}"
            ready, _w, _x = select.select([master], [], [], 0.2)
            if ready:
                try:
                    chunk = decoder.decode(os.read(master, 65536))
                except OSError:          # the terminal closed: every process on it ended
                    chunk = ""
                if not chunk and proc.poll() is not None:
                    break
                shown += chunk
                heard = time.monotonic()
            elif proc.poll() is not None:
                break
            asked = PENDING.findall(shown)
            if len(asked) > answered and shown.rstrip(" ").endswith(":"):
                group, ballot, person = asked[answered]
                os.write(master, (paper.reading(group, int(ballot), person) + "\r").encode())
                answered += 1
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    shown = shown.replace("\r\n", "\n")
    assert "Traceback" not in shown, shown
    return subprocess.CompletedProcess(block, proc.returncode, shown, ""), answered
