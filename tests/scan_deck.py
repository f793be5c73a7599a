"""A synthetic stack of scanned ballots, made from the real PDF form (tests and bench).

Each page is the PDF rendered at 150 dpi, marked by a simulated hand (ticks, crosses and
scribbles of varied stroke, blank and double rows, faint marks, stray dots), then degraded
as a scanner or a careless feed would (±3° rotation, 0.97–1.03 scale, perspective, blur,
noise, JPEG quality 30–85, uneven light); one page upside down. Every row's truth is kept.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium

from tally.ballot_pdf import ballot_pdf, form_layout

DPI = 150
PX = DPI / 25.4

CLEAR = ("tick", "cross", "scribble")
KINDS = ("tick",) * 22 + ("cross",) * 18 + ("scribble",) * 12 + ("blank",) * 7 + ("double",) * 7 + \
    ("faint",) * 8 + ("dot",) * 7


def event_toml(title: str = "Lấy phiếu tín nhiệm thử", long_form: int = 18, short_form: int = 6,
               organisation: str = "Đảng bộ Sở Thử nghiệm", present: int = 60) -> str:
    """An event with a one-page form 'a' and a two-page form 'b' (more than 15 people)."""
    names = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Phượng",
             "Đặng Văn Giang", "Bùi Thị Hạnh", "Đỗ Văn Ích", "Hồ Thị Kim", "Ngô Văn Long", "Dương Thị Mai",
             "Lý Văn Nam", "Đinh Thị Oanh", "Trịnh Văn Phúc", "Mai Thị Quỳnh", "Tạ Văn Sơn", "Lưu Thị Thảo",
             "Chu Văn Uy", "Cao Thị Vân"]
    out = [
        "schema = 1", "[event]", f'title = "{title}"', f'organisation = "{organisation}"',
        "date = 2023-09-28", 'rules = "qd96-2023"', 'language = "vi"',
        "[[positions]]", 'id = "ua"', 'title = "Ủy viên Ban Thường vụ"',
        "[[positions]]", 'id = "ub"', 'title = "Trưởng phòng"',
    ]
    total = max(long_form, short_form)
    for i in range(total):
        positions = []
        if i < short_form:
            positions.append('"ua"')
        if i < long_form:
            positions.append('"ub"')
        out += ["[[persons]]", f'id = "p{i + 1:02d}"', f'name = "{names[i % len(names)]}"',
                f"positions = [{', '.join(positions)}]"]
    out += ["[[groups]]", 'id = "a"', 'title = "Phiếu tín nhiệm Ủy viên Ban Thường vụ"', 'positions = ["ua"]',
            "summoned = 60", f"present = {present}", f"issued = {present}",
            "[[groups]]", 'id = "b"', 'title = "Phiếu tín nhiệm Trưởng phòng"', 'positions = ["ub"]',
            "summoned = 30", "present = 30", "issued = 30"]
    return "\n".join(out) + "\n"


@dataclass
class Truth:
    group: str
    ballot: int
    person: int
    kind: str
    level: int | None        # the clear mark's level (0-based), for single marks

    @property
    def expected(self) -> str | None:
        """The automatic decision that would be right, or None: must go to review."""
        if self.kind in CLEAR:
            return str(self.level + 1) if self.level is not None else None
        if self.kind in ("blank", "double"):
            return "0"
        return None


@dataclass
class Deck:
    files: list[Path] = field(default_factory=list)
    truth: list[Truth] = field(default_factory=list)
    pages: int = 0
    foreign: tuple[Path, int] | None = None        # the file and page of the other event's page


def render_form(event: object, group: str) -> list[np.ndarray]:
    data, _ = ballot_pdf(event, groups=(group,))  # type: ignore[arg-type]
    pdf = pdfium.PdfDocument(data)
    pages = []
    for i in range(len(pdf)):
        bitmap = pdf[i].render(scale=DPI / 72, grayscale=True)
        pages.append(np.ascontiguousarray(bitmap.to_numpy().reshape(bitmap.height, bitmap.width, -1)[:, :, 0]))
    pdf.close()
    return pages


def _stroke(img: np.ndarray, points: list[tuple[float, float]], ink: int, width: int, rng: random.Random) -> None:
    """A hand-like stroke: the polyline resampled with a little wobble."""
    dense: list[tuple[int, int]] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        steps = max(2, int(math.hypot(x1 - x0, y1 - y0) / 2))
        for s in range(steps):
            t = s / steps
            dense.append((round(x0 + (x1 - x0) * t + rng.uniform(-0.6, 0.6)),
                          round(y0 + (y1 - y0) * t + rng.uniform(-0.6, 0.6))))
    dense.append((round(points[-1][0]), round(points[-1][1])))
    cv2.polylines(img, [np.array(dense, np.int32)], False, ink, width, cv2.LINE_AA)


def draw_mark(img: np.ndarray, cx: float, cy: float, kind: str, rng: random.Random, faint: bool = False) -> None:
    r = 3.1 * PX * rng.uniform(0.8, 1.0)        # stays inside the box (8 mm), clear of its edge
    ink = rng.randint(185, 212) if faint else rng.randint(0, 70)
    width = rng.randint(2, 4)

    def p(dx: float, dy: float) -> tuple[float, float]:
        return cx + dx * r + rng.uniform(-0.06, 0.06) * r, cy + dy * r + rng.uniform(-0.06, 0.06) * r

    if kind == "tick":
        _stroke(img, [p(-0.75, 0.0), p(-0.25, 0.65), p(0.85, -0.8)], ink, width, rng)
    elif kind == "cross":
        _stroke(img, [p(-0.8, -0.8), p(0.8, 0.8)], ink, width, rng)
        _stroke(img, [p(0.8, -0.8), p(-0.8, 0.8)], ink, width, rng)
    else:  # scribble
        pts = [p(-0.8, -0.7)]
        for i in range(7):
            pts.append(p(0.8 if i % 2 == 0 else -0.8, -0.7 + 0.22 * (i + 1)))
        _stroke(img, pts, ink, width, rng)


def draw_dot(img: np.ndarray, cx: float, cy: float, rng: random.Random) -> None:
    x = cx + rng.uniform(-2.0, 2.0) * PX
    y = cy + rng.uniform(-2.0, 2.0) * PX
    cv2.circle(img, (round(x), round(y)), rng.randint(3, 4), rng.randint(10, 80), -1, cv2.LINE_AA)


def degrade(img: np.ndarray, rng: random.Random, upside_down: bool = False) -> np.ndarray:
    img = cv2.copyMakeBorder(img, 70, 70, 70, 70, cv2.BORDER_CONSTANT, value=255)   # the scanner's bed
    h, w = img.shape
    angle = rng.uniform(-3, 3)
    scale = rng.uniform(0.97, 1.03)
    m = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale), [0, 0, 1]])
    m[:2, 2] += (rng.uniform(-15, 15), rng.uniform(-15, 15))
    jitter = 0.008 * w
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = src + np.float32([[rng.uniform(-jitter, jitter), rng.uniform(-jitter, jitter)] for _ in range(4)])
    m = cv2.getPerspectiveTransform(src, dst) @ m       # rotation, scale, shift, then perspective: one warp
    out = cv2.warpPerspective(img, m, (w, h), borderValue=255, flags=cv2.INTER_LINEAR)
    sigma = rng.uniform(0.0, 1.1)
    if sigma > 0.3:
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    yy, xx = np.mgrid[0:8, 0:8].astype(np.float32) / 7
    light = rng.uniform(0.75, 1.0) + (1 - rng.uniform(0.75, 1.0)) * (xx * rng.choice((1, -1)) + yy) / 2
    light = cv2.resize(np.clip(light, 0.6, 1.0), (w, h), interpolation=cv2.INTER_LINEAR)
    noise = np.random.default_rng(rng.randrange(1 << 30)).standard_normal((h, w), dtype=np.float32)
    out = cv2.multiply(out.astype(np.float32), light) + noise * rng.uniform(2, 8)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if upside_down:
        out = cv2.rotate(out, cv2.ROTATE_180)
    ok, jpeg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(30, 85)])
    assert ok
    return cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)


def mark_ballot(pages: list[np.ndarray], group: str, number: int, persons: int, rng: random.Random,
                truth: list[Truth]) -> list[np.ndarray]:
    layout = form_layout(persons, group)
    out = [p.copy() for p in pages]
    for page in layout.pages:
        img = out[page.number - 1]
        for row in page.rows:
            kind = rng.choice(KINDS)
            level = rng.randrange(3)
            centres = [((b.x + b.w / 2) * PX, (b.y + b.h / 2) * PX) for b in row.boxes]
            if kind in CLEAR:
                draw_mark(img, *centres[level], kind, rng)
            elif kind == "double":
                other = rng.choice([i for i in range(3) if i != level])
                draw_mark(img, *centres[level], rng.choice(CLEAR), rng)
                draw_mark(img, *centres[other], rng.choice(CLEAR), rng)
            elif kind == "faint":
                draw_mark(img, *centres[level], rng.choice(CLEAR), rng, faint=True)
                if rng.random() < 0.5:   # beside a clear mark: still not the machine's to decide
                    draw_mark(img, *centres[(level + 1) % 3], rng.choice(CLEAR), rng)
            elif kind == "dot":
                draw_dot(img, *centres[level], rng)
                if rng.random() < 0.5:
                    draw_mark(img, *centres[(level + 1) % 3], rng.choice(CLEAR), rng)
            truth.append(Truth(group, number, row.person, kind, level if kind in CLEAR else None))
    return out


def write_pdf(path: Path, pages: list[np.ndarray]) -> None:
    """A scanner's PDF: one JPEG image per page at the scan's resolution (with Pillow, which the
    scan extra brings: reportlab's pure-Python ASCII85 took seconds per page)."""
    from PIL import Image

    images = [Image.fromarray(page) for page in pages]
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=float(DPI), quality=90)


def make_deck(folder: Path, event: object, foreign_event: object, seed: int = 15, short_ballots: int = 24,
              long_ballots: int = 4) -> Deck:
    """Write the deck into `folder`: a multi-page PDF, a multi-page TIFF, JPEG and PNG files."""
    rng = random.Random(seed)
    deck = Deck()
    blank_a = render_form(event, "a")
    blank_b = render_form(event, "b")
    persons_a = len(event.persons_on(next(g for g in event.groups if g.id == "a")))  # type: ignore[attr-defined]
    persons_b = len(event.persons_on(next(g for g in event.groups if g.id == "b")))  # type: ignore[attr-defined]
    pages: list[np.ndarray] = []
    upside = rng.randrange(short_ballots)
    for n in range(1, short_ballots + 1):
        marked = mark_ballot(blank_a, "a", n, persons_a, rng, deck.truth)
        pages += [degrade(p, rng, upside_down=n == upside) for p in marked]
    for n in range(1, long_ballots + 1):
        marked = mark_ballot(blank_b, "b", n, persons_b, rng, deck.truth)
        pages += [degrade(p, rng) for p in marked]
    deck.pages = len(pages)
    folder.mkdir(parents=True, exist_ok=True)
    # pages 1-8: a scanner's PDF of JPEG pages; 9-16: a multi-page TIFF; then single JPEG and PNG files
    pdf_path = folder / "stack-01.pdf"
    write_pdf(pdf_path, pages[:8])
    deck.files.append(pdf_path)
    tiff = folder / "stack-02.tif"
    assert cv2.imwritemulti(str(tiff), pages[8:16])
    deck.files.append(tiff)
    for i, page in enumerate(pages[16:], start=17):
        path = folder / (f"page-{i:03d}.jpg" if i % 2 else f"page-{i:03d}.png")
        cv2.imwrite(str(path), page)
        deck.files.append(path)
    foreign = degrade(render_form(foreign_event, "a")[0], rng)
    foreign_path = folder / "foreign.png"
    cv2.imwrite(str(foreign_path), foreign)
    deck.foreign = (foreign_path, 1)
    return deck
