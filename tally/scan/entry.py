"""From scanned pages to an entry workbook and its evidence (`tally scan`).

The entry is exactly what `tally template` writes (the same function makes it, fingerprint
included), with the ballots filled in, one row per ballot in scan order: the mark codes of
SPEC §5 where the machine decided, and :data:`UNDECIDED` where a person must (`check` and
`count` refuse it, E428, until `tally review` has decided every one). Its sheet
:data:`SCAN_SHEET` lists the scanned files with their SHA-256, every ballot's pages (file,
page, SHA-256 of the page), and every row awaiting review with its reasons, scores, the
decision, who made it and when.

The evidence folder beside the entry (``entry-scan.evidence/``) holds each registered page
with its boxes outlined and scored (``pages/``), the crop of every row awaiting review
(``rows/``), and ``scan.json``: every score and every decision. The entry and the folder are
written as a set: into a temporary folder first, and nothing at all when a page is refused.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from ballots.cells import column_letters
from ballots.entry import SCAN_SHEET as ENTRY_SCAN_SHEET
from ballots.entry import UNDECIDED_MARK
from ballots.errors import Diagnostic, Location, TallyError, fail
from ballots.errors import Location as Loc
from ballots.i18n import _
from ballots.model import Event, GroupId
from ballots.output import refuse_existing, require_xlsx, write_atomic
from ballots.paper import PaperEvent, load_paper_event
from tally.ballot_pdf import form_layout
from tally.scan import require
from tally.scan.pages import iter_pages
from tally.scan.provenance import SCAN_MARKER as PROVENANCE_MARKER
from tally.scan.reader import LEVEL_CODES, PX_PER_MM, PageRead, PageRefused, RowRead, read_page, reason_text
from tally.template import FIRST_PERSON_COL, finish_workbook, template_workbook

if TYPE_CHECKING:
    from openpyxl import Workbook

SCAN_SHEET: Final = ENTRY_SCAN_SHEET
SCAN_MARKER: Final = PROVENANCE_MARKER
UNDECIDED: Final = UNDECIDED_MARK
SCAN_COLUMNS: Final = ("kind", "group", "ballot", "person", "cell", "file", "page", "sha256", "decision",
                       "reasons", "scores", "decided_by", "decided_at", "image")
_UNDECIDED_FILL: Final = "FFE699"


def evidence_dir(entry: Path) -> Path:
    return entry.with_name(entry.stem + ".evidence")


@dataclass
class ScannedBallot:
    group: str
    number: int
    pages: list[PageRead] = field(default_factory=list)

    def rows(self) -> list[tuple[PageRead, RowRead]]:
        return [(page, row) for page in self.pages for row in page.rows]


@dataclass(frozen=True)
class ScanSummary:
    entry: Path
    evidence: Path
    pages: int
    ballots: dict[str, int]           # per group
    rows: int                         # person rows read
    automatic: int                    # decided by the machine
    review: int                       # awaiting a person
    seconds: float


Progress = Callable[[str, int], None]


def scan_to_entry(event_path: str | Path, scans: Sequence[str | Path], output: str | Path, *, force: bool = False,
                  review_blank: bool = False, progress: Progress | None = None) -> tuple[PaperEvent, ScanSummary]:
    """Read every page of `scans` (in order) and write the entry workbook `output` and its
    evidence folder. TallyError, and nothing written, when any page is refused."""
    import time

    require()
    output = Path(output)
    require_xlsx(output, _("write -o {suggestion}: the entry workbook `tally check` and `tally reconcile` read"))
    evidence = evidence_dir(output)
    refuse_existing([output, evidence], force, results=False)
    paper = load_paper_event(event_path)
    event = paper.event
    started = time.perf_counter()
    problems: list[Diagnostic] = []
    ballots: list[ScannedBallot] = []
    numbers: dict[str, int] = {}
    pending: ScannedBallot | None = None
    files: list[tuple[str, str]] = []
    pages_read = 0
    tmp = Path(tempfile.mkdtemp(prefix=f".{evidence.name}.", dir=output.parent if str(output.parent) else "."))
    try:
        (tmp / "pages").mkdir()
        (tmp / "rows").mkdir()
        for scan in scans:
            path = Path(scan)
            display = path.name
            try:
                for page in iter_pages(path, display):
                    if page.number == 1:
                        files.append((display, page.file.sha256))
                    pages_read += 1
                    if progress:
                        progress(page.where, pages_read)
                    try:
                        read = read_page(page, event, review_blank)
                    except PageRefused as refused:
                        problems.append(refused.diagnostic)
                        page.image = page.image[:0]
                        continue
                    page.image = page.image[:0]   # the registered copy is kept, the original let go
                    pending = _assemble(read, pending, ballots, numbers, problems)
                    owner = ballots[-1] if ballots and ballots[-1].pages[-1] is read else None
                    _page_evidence(tmp, read, owner)
                    read.registered = None
            except TallyError as exc:
                problems.extend(exc.diagnostics)
        if pending is not None:
            problems.append(_incomplete(pending))
        if problems:
            raise TallyError(problems)
        data, summary_rows = _entry_bytes(paper, ballots, files, tmp)
        _scan_json(tmp, event, files, ballots)
        _write_set(output, data, tmp, evidence, force)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    automatic, review = summary_rows
    counts: dict[str, int] = {}
    for b in ballots:
        counts[b.group] = counts.get(b.group, 0) + 1
    return paper, ScanSummary(output, evidence, pages_read, counts, automatic + review, automatic, review,
                              time.perf_counter() - started)


def _assemble(read: PageRead, pending: ScannedBallot | None, ballots: list[ScannedBallot],
              numbers: dict[str, int], problems: list[Diagnostic]) -> ScannedBallot | None:
    """Put a page into its ballot: a form of k pages is k consecutive pages 1..k."""
    qr = read.qr
    if pending is not None and (qr.group != pending.group or qr.page != len(pending.pages) + 1):
        problems.append(_incomplete(pending))
        pending = None
    if pending is None:
        if qr.page != 1:
            problems.append(Diagnostic(
                "E426", _("page {k} of {n} of form '{group}' does not follow page {prev} of the same ballot")
                .format(k=qr.page, n=qr.pages, group=qr.group, prev=qr.page - 1),
                _("keep each ballot's pages together and in order in the stack, then scan again"),
                Location(read.page.file.display, _("page {n}").format(n=read.page.number))))
            return None
        numbers[qr.group] = numbers.get(qr.group, 0) + 1
        pending = ScannedBallot(qr.group, numbers[qr.group])
        ballots.append(pending)
    pending.pages.append(read)
    return None if len(pending.pages) == qr.pages else pending


def _incomplete(ballot: ScannedBallot) -> Diagnostic:
    last = ballot.pages[-1]
    return Diagnostic("E426", _("ballot {number} of form '{group}' has only {k} of its {n} pages")
                      .format(number=ballot.number, group=ballot.group, k=len(ballot.pages), n=last.qr.pages),
                      _("keep each ballot's pages together and in order in the stack, then scan again"),
                      Location(last.page.file.display, _("page {n}").format(n=last.page.number)))


# --- evidence ----------------------------------------------------------------------------

_COLOURS: Final = {"marked": (40, 160, 40), "empty": (170, 170, 170), "doubtful": (0, 140, 255)}


def _page_name(read: PageRead, ballot: ScannedBallot | None) -> str:
    number = ballot.number if ballot else 0
    return f"{read.page.file.display}-p{read.page.number:03d}-{read.qr.group}-{number:04d}-{read.qr.page}.jpg"


def _page_evidence(tmp: Path, read: PageRead, ballot: ScannedBallot | None) -> None:
    """The registered page with every box outlined in its verdict's colour and its dark share."""
    import cv2

    assert read.registered is not None
    image = cv2.cvtColor(read.registered, cv2.COLOR_GRAY2BGR)
    persons = {row.person for row in read.rows}
    layout = form_layout(max(persons) + 1 if persons else 0, read.qr.group)
    rects = {r.person: r for r in layout.pages[read.qr.page - 1].rows}
    for row in read.rows:
        place = rects[row.person]
        for box, score in zip(place.boxes, row.boxes):
            p0 = (int(box.x * PX_PER_MM), int(box.y * PX_PER_MM))
            p1 = (int((box.x + box.w) * PX_PER_MM), int((box.y + box.h) * PX_PER_MM))
            colour = _COLOURS[score.verdict]
            cv2.rectangle(image, p0, p1, colour, 2)
            cv2.putText(image, f"{score.dark * 100:.0f}", (p1[0] + 3, p1[1] - 2), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                        colour, 1, cv2.LINE_AA)
        if row.decision is None and ballot is not None:
            r = place.row
            margin = 2.0
            y0, y1 = int((r.y - margin) * PX_PER_MM), int((r.y + r.h + margin) * PX_PER_MM)
            x0, x1 = int((r.x - margin) * PX_PER_MM), int((r.x + r.w + margin) * PX_PER_MM)
            crop = cv2.resize(image[max(0, y0):y1, max(0, x0):x1], None, fx=2, fy=2,
                              interpolation=cv2.INTER_CUBIC)
            cv2.imwrite(str(tmp / "rows" / _row_image(ballot.group, ballot.number, row.person)), crop,
                        [cv2.IMWRITE_PNG_COMPRESSION, 1])
    # JPEG: a tenth of the time of a PNG, and the page is already a photograph of paper
    cv2.imwrite(str(tmp / "pages" / _page_name(read, ballot)), image, [cv2.IMWRITE_JPEG_QUALITY, 85])


def _row_image(group: str, number: int, person: int) -> str:
    return f"{group}-{number:04d}-{person + 1:02d}.png"


def _scan_json(tmp: Path, event: Event, files: list[tuple[str, str]], ballots: list[ScannedBallot]) -> None:
    doc: dict[str, Any] = {
        "schema": SCAN_MARKER,
        "event": {"source": event.source, "sha256": event.sha256},
        "files": [{"file": f, "sha256": s} for f, s in files],
        "ballots": [{
            "group": b.group, "ballot": b.number,
            "pages": [{"file": p.page.file.display, "page": p.page.number, "sha256": p.page.sha256,
                       "form_page": p.qr.page, "registration_error_mm": round(p.error_mm, 3),
                       "corner_marks": p.markers, "image": "pages/" + _page_name(p, b),
                       "rows": [{"person": event.persons_on(event.group(GroupId(b.group)))[r.person].id,
                                 "decision": r.decision, "reasons": list(r.reasons),
                                 "boxes": [s.as_json() for s in r.boxes]} for r in p.rows]}
                      for p in b.pages],
        } for b in ballots],
        "decisions": [],
    }
    write_json(tmp / "scan.json", doc)


def write_json(path: Path, doc: dict[str, Any]) -> None:
    write_atomic(path, (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8"))


def _write_set(output: Path, data: bytes, tmp: Path, evidence: Path, force: bool) -> None:
    if evidence.exists() and force:
        shutil.rmtree(evidence)
    os.replace(tmp, evidence)
    write_atomic(output, data)


# --- the workbook ------------------------------------------------------------------------


def _entry_bytes(paper: PaperEvent, ballots: list[ScannedBallot], files: list[tuple[str, str]],
                 tmp: Path) -> tuple[bytes, tuple[int, int]]:
    from openpyxl import load_workbook
    from openpyxl.styles import PatternFill

    event = paper.event
    template, _sheets = template_workbook(paper)
    wb = load_workbook(io.BytesIO(template))
    fill = PatternFill(fill_type="solid", start_color=_UNDECIDED_FILL, end_color=_UNDECIDED_FILL)
    ws_scan = wb.create_sheet(SCAN_SHEET)
    ws_scan.append([SCAN_MARKER, event.sha256])
    ws_scan.append(list(SCAN_COLUMNS))
    for name, sha in files:
        ws_scan.append(["file", None, None, None, None, name, None, sha])
    automatic = review = 0
    for ballot in ballots:
        ws = wb[ballot.group]
        persons = event.persons_on(event.group(GroupId(ballot.group)))
        row_no = ballot.number + 1
        ws.cell(row=row_no, column=1, value=ballot.number)
        for page in ballot.pages:
            ws_scan.append(["page", ballot.group, ballot.number, None, None, page.page.file.display,
                            page.page.number, page.page.sha256, None, None,
                            f"registration {page.error_mm:.2f} mm, {page.markers} corner marks"])
        for page, row in ballot.rows():
            col = FIRST_PERSON_COL + row.person
            cell = ws.cell(row=row_no, column=col)
            if row.decision is not None:
                cell.value = int(row.decision)
                automatic += 1
                continue
            review += 1
            cell.value = UNDECIDED
            cell.fill = fill
            scores = "; ".join(f"{lvl}: dark {b.dark:.3f} faint {b.faint:.3f} extent {b.extent:.2f} "
                               f"ring {b.ring:.3f} {b.verdict}" for lvl, b in zip(LEVEL_CODES, row.boxes))
            ws_scan.append(["review", ballot.group, ballot.number, persons[row.person].id,
                            f"{column_letters(col)}{row_no}", page.page.file.display, page.page.number,
                            page.page.sha256, None, ",".join(row.reasons), scores, None, None,
                            "rows/" + _row_image(ballot.group, ballot.number, row.person)])
    ws_scan.sheet_state = "visible"
    return finish_workbook(wb, event, event.title), (automatic, review)


# --- reading back, for review --------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A row of a scanned ballot that a person decides."""

    index: int                # row in the scan sheet
    group: str
    ballot: int
    person: str
    cell: str
    file: str
    page: int
    reasons: tuple[str, ...]
    scores: str
    image: str
    decision: str | None
    decided_by: str | None
    name: str = ""            # the person's name, from their column's header

    @property
    def who(self) -> str:
        """'p03 Đinh Thị Lan Anh': a person is named by id and name, as the clerk finds them on paper."""
        return f"{self.person} {self.name}".strip()

    @property
    def reason_words(self) -> str:
        return ", ".join(reason_text(r) for r in self.reasons)


def open_scanned(entry: Path) -> tuple[Workbook, list[Pending]]:
    """The entry workbook and its rows for review (decided or not); E427 when it is not a scan."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(entry)
    except FileNotFoundError:
        raise fail("E300", _("'{file}' not found").format(file=entry), _("check the file name"), Loc(str(entry))) \
            from None
    except Exception:  # noqa: BLE001  (openpyxl raises many kinds for a file that is not a workbook)
        raise fail("E427", _("'{file}' is not an entry workbook written by `tally scan`").format(file=entry.name),
                   _("give the entry-scan.xlsx that `tally scan` wrote"), Loc(entry.name)) from None
    if SCAN_SHEET not in wb.sheetnames or wb[SCAN_SHEET].cell(1, 1).value != SCAN_MARKER:
        raise fail("E427", _("'{file}' is not an entry workbook written by `tally scan`").format(file=entry.name),
                   _("give the entry-scan.xlsx that `tally scan` wrote"), Loc(entry.name))
    ws = wb[SCAN_SHEET]
    items = []
    for index, values in enumerate(ws.iter_rows(min_row=3, values_only=True), start=3):
        v = dict(zip(SCAN_COLUMNS, values))
        if v.get("kind") != "review":
            continue
        items.append(_with_name(wb, Pending(index, str(v["group"]), int(str(v["ballot"])), str(v["person"]), str(v["cell"]),
                             str(v["file"]), int(str(v["page"])), tuple(str(v["reasons"] or "").split(",")),
                             str(v["scores"] or ""), str(v["image"] or ""),
                             None if v["decision"] in (None, "") else str(v["decision"]),
                             None if v["decided_by"] in (None, "") else str(v["decided_by"]))))
    return wb, items


def _with_name(wb: Workbook, item: Pending) -> Pending:
    """The row with its person's name, read from the header of its column ('p03 - Đinh Thị Lan Anh')."""
    from openpyxl.utils.cell import coordinate_from_string

    if item.group not in wb.sheetnames:
        return item
    column, _row = coordinate_from_string(item.cell)
    header = str(wb[item.group][f"{column}1"].value or "")
    ident, sep, name = header.partition(" - ")
    return replace(item, name=name.strip()) if sep and ident.strip() == item.person else item


def record_decision(wb: Workbook, item: Pending, mark: str, who: str, when: dt.datetime) -> None:
    """Write a person's decision into the group sheet's cell and the scan sheet's row."""
    from openpyxl.styles import PatternFill

    ws = wb[item.group]
    cell = ws[item.cell]
    cell.value = int(mark)
    cell.fill = PatternFill(fill_type=None)
    ws_scan = wb[SCAN_SHEET]
    for name, value in (("decision", int(mark)), ("decided_by", who), ("decided_at", when.isoformat(timespec="seconds"))):
        ws_scan.cell(item.index, SCAN_COLUMNS.index(name) + 1, value)


def save_scanned(wb: Workbook, entry: Path, event_date: dt.date, title: str) -> None:
    from tally.xlsx import deterministic_bytes

    write_atomic(entry, deterministic_bytes(wb, event_date, title))
