#!/usr/bin/env python3
"""Fingerprints of everything `tally count` writes, to show that a speed-up changed no byte.

    PYTHONPATH=/path/to/old/checkout python bench/outputs.py --save before.json
    python bench/outputs.py --compare before.json        # exit 1 on any difference

For every case (the sample, each ballot fixture of tests/data/ballots, and generated
inputs: many invalid rows and awkward text, many errors of every kind, NFD and oddly spelt
headers, numbers as floats and as text, CSV with `;`, .ods and .xls, unused pre-numbered
rows, a "total" row, ballot numbers entered in two files; and for the minutes: both languages,
every rule set, marked and unmarked, 40 people in three groups, people flagged at over half,
two thirds and exactly two thirds, and event texts that are formulas, start with line breaks,
hold control, XML or astral characters or run long), it checks and counts in-process,
as `tally check` and `tally count` do, and records the SHA-256 of every message (code,
text, hint, place, in order), of results.json and of results.xlsx, or the error codes when
a case does not count. The generated inputs are made with fixed seeds, so the same script
gives the same inputs in any checkout; run the old code first by pointing PYTHONPATH at
its checkout. The .ods and .xls cases are converted from generated workbooks by LibreOffice,
whose output varies from run to run: they are kept in --cache (by the hash of their source),
so the before and after runs read the same bytes; without soffice they are skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data" / "ballots"
SEED = 20_231_006

AWKWARD = [
    "", "Đánh dấu 2 ô", "=HYPERLINK(\"http://x\")", "+1", "-", "@SUM(A1)", "  spaces  ", "tab\there",
    "line\nbreak", "zero\u200bwidth", "<b>&amp;\"quoted\"'", "a" * 300, "không đánh dấu", "\u0041\u0301 NFD",
    "emoji 🗳", "\uff1dfull-width",
]


def _event(path: Path, groups: list[tuple[str, int, int]], rules: str = "qd96-2023") -> None:
    out = ["schema = 1", "", "[event]", 'title = "Outputs <&> check"', 'organisation = "Đảng bộ Sở Thử nghiệm"',
           "date = 2023-06-30", f'rules = "{rules}"', 'language = "vi"', "", "[[committee]]",
           'name = "Ban kiểm phiếu"', 'role = "Trưởng ban"']
    for gid, _k, _n in groups:
        out += ["", "[[positions]]", f'id = "{gid}"', f'title = "Chức danh {gid}"']
    i = 0
    for gid, k, _n in groups:
        for _ in range(k):
            i += 1
            out += ["", "[[persons]]", f'id = "p{i:03d}"', f'name = "Nguyễn Văn {i}"', f'positions = ["{gid}"]']
    for gid, _k, n in groups:
        out += ["", "[[groups]]", f'id = "{gid}"', f'title = "Phiếu {gid}"', f'positions = ["{gid}"]',
                f"summoned = {n}", f"present = {n}", f"issued = {n}", f"collected = {n}"]
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _workbook(path: Path, groups: list[tuple[str, int, int]], rng: random.Random, invalid_share: float) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    i = 0
    for gid, k, n in groups:
        ws = wb.create_sheet(gid)
        ws.append(["Số phiếu", "Tình trạng", "Ghi chú"] + [f"p{i + j:03d} - Nguyễn Văn {i + j}" for j in range(1, k + 1)])
        i += k
        for number in range(1, n + 1):
            marks: list[object] = rng.choices([1, 2, 3, 0, "C", "T", "TH"], [50, 25, 10, 100 * invalid_share, 5, 3, 2], k=k)
            status = "không hợp lệ" if rng.random() < invalid_share / 3 else rng.choice([None, None, "hợp lệ"])
            note = rng.choice(AWKWARD) if rng.random() < 0.3 else None
            ws.append([number if rng.random() < 0.8 else str(number), status, note, *marks])
    _save_fixed(wb, path)


def _save_fixed(wb: object, path: Path) -> None:
    raw = io.BytesIO()
    wb.save(raw)  # type: ignore[attr-defined]
    # the same bytes on every run: no clock in the document properties or the zip entries
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2023-06-30T00:00:00Z", content)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), content,
                         compress_type=zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())


def generated(tmp: Path) -> list[tuple[str, Path, list[Path]]]:
    rng = random.Random(SEED)
    cases = []
    for name, groups, share in (
        ("gen-small", [("a", 3, 40), ("b", 7, 120)], 0.05),
        ("gen-invalid-heavy", [("g1", 12, 3000)], 0.2),
        ("gen-three", [("btv", 5, 45), ("lanhdao", 15, 180), ("truongphong", 20, 275)], 0.01),
    ):
        d = tmp / name
        d.mkdir()
        _event(d / "event.toml", groups)
        _workbook(d / "ballots.xlsx", groups, rng, share)
        cases.append((name, d / "event.toml", [d / "ballots.xlsx"]))
    return cases


def fixture_cases() -> list[tuple[str, Path, list[Path]]]:
    cases = [("samples", REPO / "samples" / "event.toml", [REPO / "samples" / "ballots.xlsx"])]
    for p in sorted(DATA.iterdir()):
        if p.suffix.lower() in (".xlsx", ".xlsm", ".ods", ".xls", ".csv") or p.is_dir():
            files = sorted(x for x in p.iterdir()) if p.is_dir() else [p]
            cases.append((f"fixture-{p.name}", DATA / "event.toml", files))
    cases.append(("fixture-part1+part2", DATA / "event.toml", [DATA / "part1.xlsx", DATA / "part2.xlsx"]))
    return cases


def fingerprint(event: Path, files: list[Path], out_dir: Path, restricted: bool | None = None,
                tmp: Path | None = None) -> dict[str, object]:
    from ballots.errors import TallyError
    from tally.pipeline import check, count_and_write

    # every message `tally check` shows, in order, with its place; a message naming a generated
    # file names it as given (E417's hint: `tally reconcile /tmp/.../first.xlsx ...`), so the
    # run's temporary folder, another one each run, is written as <tmp>
    said = [(d.code, d.message, d.hint, repr(d.location), repr(d.related)) for d in check(event, files).diagnostics]
    text = repr(said) if tmp is None else repr(said).replace(str(tmp), "<tmp>")
    messages = hashlib.sha256(text.encode("utf-8")).hexdigest()
    out = out_dir / "results.xlsx"
    try:
        count_and_write(event, files, out, force=True, restricted=restricted)
    except TallyError as exc:
        return {"error": sorted({d.code for d in exc.diagnostics}), "messages": messages}
    return {
        "messages": messages,
        "results.json": hashlib.sha256(out.with_suffix(".json").read_bytes()).hexdigest(),
        "results.xlsx": hashlib.sha256(out.read_bytes()).hexdigest(),
    }


# --- more generated cases: each class of input the validator treats on its own path ----------


def _sheets_xlsx(path: Path, sheets: list[tuple[str, list[list[object]]]]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    _save_fixed(wb, path)


def _people(first: int, k: int) -> list[tuple[str, str]]:
    return [(f"p{i:03d}", f"Nguyễn Văn {i}") for i in range(first, first + k)]


def _marks_rows(rng: random.Random, k: int, n: int, choices: list[object], weights: list[float],
                start: int = 1) -> list[list[object]]:
    return [[number, None, None, *rng.choices(choices, weights, k=k)] for number in range(start, start + n)]


def _header(people: list[tuple[str, str]]) -> list[object]:
    return ["Số phiếu", "Tình trạng", "Ghi chú"] + [f"{pid} - {name}" for pid, name in people]


def _case_errors(d: Path, rng: random.Random) -> list[Path]:
    """Many problems of every kind the rows can have, spread over a large sheet, and a sheet
    with more unknown marks than are listed one by one."""
    people = _people(1, 12)
    rows = _marks_rows(rng, 12, 4000, [1, 2, 3, 0, "x", None, 1.5, 4, True, "cao", " 2 "],
                       [50, 25, 10, 3, 1, 1, 0.3, 0.3, 0.2, 2, 1])
    for row in rows:
        r = rng.random()
        if r < 0.004:
            row[1] = "có lẽ"                                  # unknown status
        elif r < 0.01:
            row[1] = "không hợp lệ"                           # invalid ballot, marks typed on it
        elif r < 0.012:
            row[0] = rng.choice(["abc", -3, 2.5, "", None, "Tổng"])   # bad or missing number
        elif r < 0.016:
            row[0] = rng.randint(1, 4000)                     # a number entered twice
        elif r < 0.018:
            row[1] = True                                     # a boolean status
        elif r < 0.02:
            row[2] = "=SUM(A1:A3)"
    rows.insert(1000, [None] * 15)                            # a wholly empty row
    rows[1500] = rows[1500] + [None, "lạc"]                    # a value beyond the header
    capped = [[n, None, None, "x"] for n in range(1, 10_050)]
    _sheets_xlsx(d / "ballots.xlsx", [("g1", [_header(people), *rows]), ("g2", [_header(_people(13, 1)), *capped])])
    _event(d / "event.toml", [("g1", 12, 4000), ("g2", 1, 10_049)])
    return [d / "ballots.xlsx"]


def _case_nfd(d: Path, rng: random.Random) -> list[Path]:
    """Headers in NFD, other case, extra spaces, on two lines, by id or by name alone; marks and
    statuses as words, with and without diacritics, in NFD."""
    people = _people(1, 8)
    nfd = [unicodedata.normalize("NFD", f"  {pid}   -   {name.upper()} ") for pid, name in people[:3]]
    header = ["  SỐ PHIẾU ", unicodedata.normalize("NFD", "tình trạng"), "GHI CHU", *nfd,
              f"{people[3][0]}\n{people[3][1]}", people[4][0].upper(), people[5][1], f"{people[6][0]}: {people[6][1]}",
              unicodedata.normalize("NFD", f"{people[7][0]} – {people[7][1]}")]
    words = ["cao", "Tín nhiệm cao", unicodedata.normalize("NFD", "tín nhiệm"), "THAP", "thấp", "tin nhiem thap",
             "C", "T", "TH", "high", "Medium", "LOW", "-", "không hợp lệ", "0", "1", "2", "3"]
    rows: list[list[object]] = []
    for number in range(1, 1501):
        status = rng.choice([None, None, "Hợp lệ", "HOP LE", "valid", " hợp  lệ ",
                             unicodedata.normalize("NFD", "không hợp lệ") if rng.random() < 0.05 else None])
        rows.append([number, status, None, *rng.choices(words, k=8)])
    _sheets_xlsx(d / "ballots.xlsx", [("G1", [header, *rows])])
    _event(d / "event.toml", [("g1", 8, 1500)])
    return [d / "ballots.xlsx"]


def _case_numbers(d: Path, rng: random.Random) -> list[Path]:
    """Ballot numbers and marks as floats, ints and text ('12', '3.0'), in one sheet."""
    people = _people(1, 6)
    rows: list[list[object]] = []
    for number in range(1, 2001):
        shown: object = rng.choice([number, float(number), str(number), f"{number}.0", f" {number} "])
        marks = [rng.choice([1, 2.0, 3, "1", "2.0", " 3", 0.0, "0"]) for _ in range(6)]
        rows.append([shown, None, rng.choice([None, 12, 3.5, "ghi chú"]), *marks])
    _sheets_xlsx(d / "ballots.xlsx", [("g1", [_header(people), *rows])])
    _event(d / "event.toml", [("g1", 6, 2000)])
    return [d / "ballots.xlsx"]


def _csv(path: Path, rows: list[list[object]], delimiter: str, bom: bool = True) -> None:
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))


def _case_csv(d: Path, rng: random.Random) -> list[Path]:
    """CSV files of two groups, `;` with a BOM (Vietnamese Excel) and `,`, with notes holding the
    delimiter and line breaks, invalid ballots and rows, unused pre-numbered rows at the end."""
    a, b = _people(1, 5), _people(6, 9)
    rows_a = _marks_rows(rng, 5, 1200, [1, 2, 3, 0], [5, 3, 1, 0.2])
    for row in rows_a:
        if rng.random() < 0.02:
            row[1:3] = ["không hợp lệ", "Phiếu không có dấu; gạch tên\nhai dòng"]
        elif rng.random() < 0.05:
            row[2] = rng.choice(AWKWARD)
    rows_a += [[n] for n in range(1201, 1231)]                # pre-numbered, unused
    _csv(d / "a.csv", [_header(a), *rows_a], ";")
    rows_b = _marks_rows(rng, 9, 800, ["C", "T", "TH", "-", "cao"], [5, 3, 1, 0.2, 1])
    _csv(d / "b.csv", [_header(b), *rows_b], ",", bom=False)
    _event(d / "event.toml", [("a", 5, 1200), ("b", 9, 800)])
    return [d / "a.csv", d / "b.csv"]


def _case_csv_errors(d: Path, rng: random.Random) -> list[Path]:
    """A `;` CSV whose rows are longer or shorter than the header, with unknown marks."""
    people = _people(1, 4)
    rows = _marks_rows(rng, 4, 600, [1, 2, 3, "?", ""], [5, 3, 1, 0.1, 0.1])
    for i in range(0, 600, 97):
        rows[i] = rows[i] + ["thừa"]
    for i in range(5, 600, 151):
        rows[i] = rows[i][:4]
    _csv(d / "g1.csv", [_header(people), *rows], ";")
    _event(d / "event.toml", [("g1", 4, 600)])
    return [d / "g1.csv"]


def _case_prenumbered(d: Path, rng: random.Random) -> list[Path]:
    """Unused pre-numbered rows among the ballots and after them, empty rows, ballot numbers
    skipped and above those issued (warnings), invalid ballots with and without marks."""
    people = _people(1, 7)
    rows: list[list[object]] = []
    number = 0
    while number < 900:
        number += rng.choice([1, 1, 1, 1, 1, 1, 1, 2])
        r = rng.random()
        if r < 0.05:
            rows.append([number])
        elif r < 0.07:
            rows.append([])
        elif r < 0.09:
            rows.append([number, "không hợp lệ", "Không phải phiếu do Ban kiểm phiếu phát ra"])
        elif r < 0.1:
            rows.append([number, "không hợp lệ", None, *rng.choices([1, 2, 3], k=7)])
        else:
            rows.append([number, None, None, *rng.choices([1, 2, 3, 0], [6, 3, 1, 0.2], k=7)])
    rows += [[n] for n in range(number + 1, number + 40)] + [[], []]
    rows.append([2000, None, None, *([1] * 7)])
    _sheets_xlsx(d / "ballots.xlsx", [("g1", [_header(people), *rows])])
    _event(d / "event.toml", [("g1", 7, 1000)])
    # `collected` would differ from the rows entered: this case is about the rows, not E203
    text = (d / "event.toml").read_text(encoding="utf-8").replace("collected = 1000\n", "")
    (d / "event.toml").write_text(text, encoding="utf-8")
    return [d / "ballots.xlsx"]


def _case_total_row(d: Path, rng: random.Random) -> list[Path]:
    """A total row left under the ballots, as a clerk adds it with SUM()."""
    people = _people(1, 5)
    rows = _marks_rows(rng, 5, 700, [1, 2, 3], [5, 3, 1])
    rows += [[], ["Tổng cộng", None, None, *[sum(1 for r in rows if r[3 + j] == 1) for j in range(5)]]]
    _sheets_xlsx(d / "ballots.xlsx", [("g1", [_header(people), *rows])])
    _event(d / "event.toml", [("g1", 5, 700)])
    return [d / "ballots.xlsx"]


def _case_two_files(d: Path, rng: random.Random, clashes: int) -> list[Path]:
    """One group entered in two files whose ballot numbers overlap: a few clashes (fewer than
    half the ballots of a file) are each an error naming both places; more are taken for two
    entries of the same ballots."""
    people = _people(1, 6)
    first = _marks_rows(rng, 6, 500, [1, 2, 3], [5, 3, 1])
    second = _marks_rows(rng, 6, 500, [1, 2, 3], [5, 3, 1], start=501 - clashes)
    _sheets_xlsx(d / "first.xlsx", [("g1", [_header(people), *first])])
    _sheets_xlsx(d / "second.xlsx", [("g1", [_header(people), *second])])
    _event(d / "event.toml", [("g1", 6, 1000 - clashes)])
    return [d / "first.xlsx", d / "second.xlsx"]


def _case_offset(d: Path, rng: random.Random) -> list[Path]:
    """A sheet whose table starts in column C, with an invalid row and a blank mark."""
    people = _people(1, 4)
    rows = _marks_rows(rng, 4, 300, [1, 2, 3, 0], [5, 3, 1, 0.3])
    rows[100][4] = None
    rows[200][5] = "xx"
    _sheets_xlsx(d / "ballots.xlsx", [("g1", [[None, None, *r] for r in [_header(people), *rows]])])
    _event(d / "event.toml", [("g1", 4, 300)])
    return [d / "ballots.xlsx"]


def _case_clean_offset(d: Path, rng: random.Random) -> list[Path]:
    """A clean sheet whose table starts in column B, with invalid rows: counted."""
    people = _people(1, 4)
    rows = _marks_rows(rng, 4, 300, [1, 2, 3, 0], [5, 3, 1, 0.3])
    _sheets_xlsx(d / "ballots.xlsx", [("g1", [[None, *r] for r in [_header(people), *rows]])])
    _event(d / "event.toml", [("g1", 4, 300)])
    return [d / "ballots.xlsx"]


def _soffice(source: Path, fmt: str, cache: Path) -> Path | None:
    """`source` converted by LibreOffice, kept in `cache` under the hash of the source's bytes."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    kept = cache / f"{source.stem}-{digest}.{fmt}"
    if kept.is_file():
        return kept
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp, "profile").as_uri()
        subprocess.run([exe, "--headless", f"-env:UserInstallation={profile}", "--convert-to", fmt, "--outdir", tmp,
                        str(source)], check=True, capture_output=True, timeout=300)
        cache.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp, f"{source.stem}.{fmt}"), kept)
    return kept


def _case_converted(d: Path, rng: random.Random, fmt: str, cache: Path) -> list[Path] | None:
    """A workbook of two groups with invalid ballots and rows, saved as .ods or .xls by LibreOffice."""
    a, b = _people(1, 6), _people(7, 10)
    rows_a = _marks_rows(rng, 6, 900, [1, 2, 3, 0, "C"], [5, 3, 1, 0.3, 0.5])
    rows_b = _marks_rows(rng, 10, 400, [1, 2, 3, "-"], [5, 3, 1, 0.3])
    for row in rows_a[::37]:
        row[1:3] = ["không hợp lệ", "Phiếu không theo mẫu"]
    for row in rows_b[::53]:
        row[2] = rng.choice(AWKWARD)
    rows_b += [[n] for n in range(401, 411)]
    source = d / "source.xlsx"
    _sheets_xlsx(source, [("a", [_header(a), *rows_a]), ("b", [_header(b), *rows_b]), ("Ghi chú", [["sổ tay"]])])
    converted = _soffice(source, fmt, cache)
    if converted is None:
        return None
    _event(d / "event.toml", [("a", 6, 900), ("b", 10, 400)])
    return [converted]


def more_generated(tmp: Path, cache: Path) -> list[tuple[str, Path, list[Path]]]:
    rng = random.Random(SEED + 1)
    makers = [
        ("gen-errors", _case_errors), ("gen-nfd-headers", _case_nfd), ("gen-numbers", _case_numbers),
        ("gen-csv", _case_csv), ("gen-csv-errors", _case_csv_errors), ("gen-prenumbered", _case_prenumbered),
        ("gen-total-row", _case_total_row),
        ("gen-two-files-few", lambda d, r: _case_two_files(d, r, 2)),
        ("gen-two-files-many", lambda d, r: _case_two_files(d, r, 40)),
        ("gen-two-files-most", lambda d, r: _case_two_files(d, r, 400)),
        ("gen-offset-errors", _case_offset), ("gen-offset-clean", _case_clean_offset),
        ("gen-ods", lambda d, r: _case_converted(d, r, "ods", cache)),
        ("gen-xls", lambda d, r: _case_converted(d, r, "xls", cache)),
    ]
    cases = []
    for name, make in makers:
        d = tmp / name
        d.mkdir()
        files = make(d, rng)
        if files is None:
            print(f"skipped {name}: LibreOffice (soffice) is not installed")
            continue
        cases.append((name, d / "event.toml", files))
    return cases


# --- the minutes: every language, rule set and mark, flagged people, awkward event texts -----


def _toml(text: str) -> str:
    """A TOML basic string: control characters as escapes, so the event file holds them."""
    out = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c >= " " or c == "\t" else f"\\u{ord(c):04x}" for c in out) + '"'


# Texts a user can put in an event file that a workbook must show as text, never as a formula,
# and never break: formulas, leading line breaks, control characters (dropped), XML's own
# characters, quotes (a sheet name in a print title), astral characters, a very long name.
EVENT_AWKWARD = [
    "=HYPERLINK(\"http://x\",\"y\")", "\n\nDòng đầu trống", "chuông\u0007 và\x1b thoát", "<b>&amp;</b> \"O'Brien\"",
    "＝全角", "+84 912", "-Trừ", "@mention", " khoảng trắng ", "Lá phiếu 🗳 và 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "\ttab",
    "Tôn Nữ " + "Thị " * 400 + "Hoa", "A\u0301 NFD", "\r\nCRLF", "\ufeffBOM",
]


def _minutes_event(path: Path, *, rules: str, language: str, groups: list[tuple[str, int, int]],
                   awkward: bool, rng: random.Random) -> list[tuple[str, str]]:
    """An event with several groups (each person on one group's form, the first on two), its
    optional header fields set; with `awkward`, every free text is one of EVENT_AWKWARD."""
    texts = iter(EVENT_AWKWARD * 10) if awkward else None

    def text(plain: str, share: float = 0.7) -> str:
        return _toml(next(texts) + " " + plain if texts is not None and rng.random() < share else plain)

    out = ["schema = 1", "", "[event]", f"title = {text('Lấy phiếu tín nhiệm giữa nhiệm kỳ', 1)}",
           f"organisation = {text('Đảng bộ Sở Thử nghiệm', 1)}", f"parent = {text('Đảng bộ Khối các cơ quan tỉnh', 1)}",
           f"place = {text('Thành phố X', 1)}", "date = 2023-06-30", f'rules = "{rules}"', f'language = "{language}"']
    for role in ("Trưởng ban", "Thành viên", "Thư ký"):
        out += ["", "[[committee]]", f"name = {text('Lê Văn Cường')}", f"role = {text(role)}"]
    for gid, _k, _n in groups:
        out += ["", "[[positions]]", f'id = "{gid}"', f"title = {text('Chức danh ' + gid)}"]
    people: list[tuple[str, str]] = []
    for g, (gid, k, _n) in enumerate(groups):
        for _ in range(k):
            pid = f"p{len(people) + 1:03d}"
            name = f"Nguyễn Văn {len(people) + 1}"
            if texts is not None and rng.random() < 0.5:
                name = next(texts) + " " + name
            people.append((pid, name))
            both = f', "{groups[g + 1][0]}"' if len(people) == 1 and len(groups) > 1 else ""
            out += ["", "[[persons]]", f'id = "{pid}"', f"name = {_toml(name)}", f'positions = ["{gid}"{both}]']
    for gid, _k, n in groups:
        out += ["", "[[groups]]", f'id = "{gid}"', f"title = {text('Phiếu tín nhiệm ' + gid)}",
                f'positions = ["{gid}"]', f"summoned = {n + 2}", f"present = {n}", f"issued = {n}",
                f"collected = {n}"] + ([f"members = {n + 2}"] if rules == "nq85-2014" else [])
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return people


# Low votes as a share of the ballots: none, exactly half (no flag), just over half, exactly
# two thirds, over two thirds, all.
_LOW_SHARES = (0.0, 0.5, 0.55, 2 / 3, 0.8, 1.0, 0.1, 0.3)


def _minutes_ballots(path: Path, people: list[tuple[str, str]], groups: list[tuple[str, int, int]],
                     rng: random.Random, notes: bool) -> None:
    sheets = []
    first = 0
    for g, (gid, k, n) in enumerate(groups):
        on_form = people[first:first + k]
        if g == 1:
            on_form = [people[0], *on_form]      # the first person holds a position on the second form too
        first += k
        # a header by id alone: a name with a control character cannot be in a workbook's cell
        rows: list[list[object]] = [["Số phiếu", "Tình trạng", "Ghi chú", *(pid for pid, _name in on_form)]]
        lows = [round(_LOW_SHARES[j % len(_LOW_SHARES)] * n) for j in range(len(on_form))]
        for number in range(1, n + 1):
            marks: list[object] = [3 if number <= lows[j] else rng.choice([1, 1, 2, 0]) for j in range(len(on_form))]
            bad = number > n - 1 - n // 20       # the last ballots: the shares above are of all ballots
            note = rng.choice(AWKWARD[1:]) if notes and (bad or rng.random() < 0.1) else None
            rows.append([number, "không hợp lệ" if bad else None, note, *([None] * len(marks) if bad else marks)])
        sheets.append((gid, rows))
    _sheets_xlsx(path, sheets)


def minutes_cases(tmp: Path) -> list[tuple[str, Path, list[Path], bool | None]]:
    """(name, event, ballot files, --restricted): what the minutes show in each language, rule set
    and marking, with flagged people and awkward texts."""
    rng = random.Random(SEED + 2)
    forty = [("btv", 9, 30), ("lanhdao", 13, 42), ("truongphong", 18, 60)]
    small = [("btv", 5, 27), ("ld", 4, 33)]
    cases = []
    for name, rules, language, groups, awkward, restricted in (
        ("min-vi-qd96-40", "qd96-2023", "vi", forty, False, None),
        ("min-en-qd96-40", "qd96-2023", "en", forty, False, None),
        ("min-en-nq85-members", "nq85-2014", "en", small, False, None),
        ("min-vi-nq85-restricted", "nq85-2014", "vi", small, False, True),
        ("min-vi-nq96", "nq96-2023", "vi", small, False, None),
        ("min-vi-qd262-unrestricted", "qd262-2014", "vi", small, False, False),
        ("min-vi-awkward", "qd96-2023", "vi", forty, True, None),
        ("min-en-awkward-unrestricted", "nq96-2023", "en", small, True, False),
    ):
        d = tmp / name
        d.mkdir()
        people = _minutes_event(d / "event.toml", rules=rules, language=language, groups=groups, awkward=awkward,
                                rng=rng)
        _minutes_ballots(d / "ballots.xlsx", people, groups, rng, notes=awkward)
        cases.append((name, d / "event.toml", [d / "ballots.xlsx"], restricted))
    return cases


def run(cache: Path) -> dict[str, dict[str, object]]:
    got: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        cases = [(*c, None) for c in fixture_cases() + generated(tmp) + more_generated(tmp, cache)]
        for i, (name, event, files, restricted) in enumerate(cases + minutes_cases(tmp)):
            out_dir = tmp / f"out{i}"
            out_dir.mkdir()
            got[name] = fingerprint(event, files, out_dir, restricted, tmp)
    return got


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--save", type=Path, help="write the fingerprints to this file")
    ap.add_argument("--compare", type=Path, help="compare with fingerprints saved earlier; exit 1 on a difference")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tally-outputs",
                    help="where the LibreOffice conversions are kept (default: $TMPDIR/tally-outputs)")
    args = ap.parse_args(argv)
    got = run(args.cache)
    counted = sum(1 for v in got.values() if "results.json" in v)
    print(f"{len(got)} cases, {counted} counted")
    if args.save:
        args.save.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    if args.compare:
        want = json.loads(args.compare.read_text(encoding="utf-8"))
        bad = [name for name in sorted(set(want) | set(got)) if want.get(name) != got.get(name)]
        for name in bad:
            print(f"DIFFERENT  {name}: before {want.get(name)}, now {got.get(name)}")
        print("identical" if not bad else f"{len(bad)} case(s) differ")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
