#!/usr/bin/env python3
"""Generate samples/ballots.xlsx, the ballot sheets for samples/event.toml.

Tạo tệp phiếu mẫu samples/ballots.xlsx cho samples/event.toml.

    python samples/make_ballots.py            # writes samples/ballots.xlsx
    python samples/make_ballots.py -o x.xlsx  # somewhere else

The output is deterministic: a fixed random seed, fixed document properties and
fixed zip entry times, so running it again gives a byte-identical file.

Layout (SPEC §5): one sheet per group, named by the group id; row 1 is the header
"Số phiếu", "Tình trạng", "Ghi chú", then one column per person on the form
("p01 - Phạm Đức Thắng"), in persons order; one row per collected ballot.
Marks: 1 = Tín nhiệm cao, 2 = Tín nhiệm, 3 = Tín nhiệm thấp, 0 = row invalid.
A few ballots were typed with letters (C / T / TH), as a clerk might.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import tomllib
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

HERE = Path(__file__).resolve().parent
EVENT = HERE / "event.toml"
OUT = HERE / "ballots.xlsx"

SEED = 20230928
FIXED_TIME = dt.datetime(2023, 9, 28, 16, 30, 0)
ZIP_TIME = (2023, 9, 28, 16, 30, 0)

HIGH, MEDIUM, LOW, INVALID = 1, 2, 3, 0
LETTERS = {HIGH: "C", MEDIUM: "T", LOW: "TH"}

# The story of the count, per group. Counts are chosen, not drawn: the random
# generator only decides on which ballot each mark falls.
#   invalid_ballots  whole ballots the committee ruled invalid: number -> reason
#   invalid_rows     ballot number -> (person id, note): one row invalid (mark 0)
#   letter_ballots   ballots the clerk typed with letters C / T / TH
#   targets          person id -> (high, medium, low) over the valid rows
PLAN: dict[str, dict] = {
    "btv": {
        "invalid_ballots": {
            17: "Phiếu không có dấu của Ban kiểm phiếu",
        },
        "invalid_rows": {
            6: ("p04", "Đánh dấu 2 ô"),
        },
        "letter_ballots": {11, 12},
        "valid_status": "",          # the clerk left the status blank on valid ballots
        "targets": {
            "p01": (19, 4, 1),
            "p02": (17, 6, 1),
            "p03": (20, 3, 1),
            "p04": (14, 7, 2),       # + 1 invalid row = 24 valid ballots
            "p05": (15, 7, 2),
        },
    },
    "lanhdao": {
        "invalid_ballots": {
            9: "Phiếu không có dấu của Ban kiểm phiếu",
            31: "Phiếu không theo mẫu do Ban kiểm phiếu phát ra",
        },
        "invalid_rows": {
            14: ("p07", "Đánh dấu 2 ô"),
            38: ("p06", "Không đánh dấu ô nào"),
        },
        "letter_ballots": {20, 21, 22},
        "valid_status": "hợp lệ",    # this clerk typed "hợp lệ" on every valid ballot
        "targets": {
            "p01": (31, 7, 2),
            "p06": (26, 10, 3),      # + 1 invalid row
            "p07": (28, 9, 2),       # + 1 invalid row
            # Over half low under QĐ 96: 23 of 42 collected (2*23 > 42, 3*23 < 84).
            "p08": (8, 9, 23),
        },
    },
}


def persons_on(event: dict, group: dict) -> list[dict]:
    wanted = set(group["positions"])
    return [p for p in event["persons"] if wanted.intersection(p["positions"])]


def build_sheet_rows(event: dict, group: dict, rng: random.Random) -> tuple[list[str], list[list]]:
    plan = PLAN[group["id"]]
    people = persons_on(event, group)
    ids = [p["id"] for p in people]
    if sorted(ids) != sorted(plan["targets"]):
        sys.exit(f"make_ballots: plan for {group['id']} names {sorted(plan['targets'])}, form has {ids}")
    collected = group["collected"]
    numbers = list(range(1, collected + 1))
    valid_numbers = [n for n in numbers if n not in plan["invalid_ballots"]]

    # marks[person][ballot number]
    marks: dict[str, dict[int, int]] = {pid: {} for pid in ids}
    for n, (pid, _note) in plan["invalid_rows"].items():
        marks[pid][n] = INVALID
    for pid in ids:
        high, medium, low = plan["targets"][pid]
        free = [n for n in valid_numbers if n not in marks[pid]]
        pool = [HIGH] * high + [MEDIUM] * medium + [LOW] * low
        if len(pool) != len(free):
            sys.exit(f"make_ballots: {group['id']}/{pid}: {len(pool)} marks for {len(free)} ballots")
        rng.shuffle(pool)
        marks[pid].update(zip(free, pool))

    header = ["Số phiếu", "Tình trạng", "Ghi chú"] + [f"{p['id']} - {p['name']}" for p in people]
    rows: list[list] = []
    for n in numbers:
        if n in plan["invalid_ballots"]:
            rows.append([n, "không hợp lệ", plan["invalid_ballots"][n]] + [None] * len(ids))
            continue
        note = plan["invalid_rows"][n][1] if n in plan["invalid_rows"] else None
        cells = []
        for pid in ids:
            m = marks[pid][n]
            cells.append(LETTERS[m] if n in plan["letter_ballots"] and m in LETTERS else m)
        rows.append([n, plan["valid_status"] or None, note] + cells)
    return header, rows


def build_workbook(event: dict) -> Workbook:
    rng = random.Random(SEED)
    wb = Workbook()
    wb.remove(wb.active)
    for group in event["groups"]:
        header, rows = build_sheet_rows(event, group, rng)
        ws = wb.create_sheet(group["id"])
        ws.append(header)
        for row in rows:
            ws.append(row)
        bold = Font(bold=True)
        for col, _ in enumerate(header, start=1):
            cell = ws.cell(row=1, column=col)
            cell.font = bold
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for r in range(2, len(rows) + 2):
            for col in range(4, len(header) + 1):
                ws.cell(row=r, column=col).alignment = Alignment(horizontal="center")
            ws.cell(row=r, column=1).alignment = Alignment(horizontal="center")
        ws.freeze_panes = "A2"
        widths = [10, 14, 46] + [max(16, len(h) + 4) for h in header[3:]]
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.row_dimensions[1].height = 32
    wb.properties.creator = "tally samples/make_ballots.py"
    wb.properties.title = event["event"]["title"]
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    return wb


def deterministic_xlsx(wb: Workbook) -> bytes:
    """Serialise without openpyxl's save_workbook (it stamps 'modified' with now),
    then rewrite the zip with fixed entry times."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--event", type=Path, default=EVENT, help="event file (default: samples/event.toml)")
    ap.add_argument("-o", "--output", type=Path, default=OUT, help="output (default: samples/ballots.xlsx)")
    args = ap.parse_args(argv)
    event = tomllib.loads(args.event.read_text(encoding="utf-8"))
    data = deterministic_xlsx(build_workbook(event))
    args.output.write_bytes(data)
    print(f"wrote {args.output} ({len(data)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
