#!/usr/bin/env python3
"""Fingerprints of everything `tally count` writes, to show that a speed-up changed no byte.

    PYTHONPATH=/path/to/old/checkout python bench/outputs.py --save before.json
    python bench/outputs.py --compare before.json        # exit 1 on any difference

For every case (the sample, each ballot fixture of tests/data/ballots that counts without
errors, and a few generated workbooks with many invalid rows and awkward text), it counts
in-process, as `tally count` does, and records the SHA-256 of results.json and of
results.xlsx, or the error codes when a case does not count. The generated workbooks are
made with a fixed seed, so the same script gives the same inputs in any checkout; run the
old code first by pointing PYTHONPATH at its checkout.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import re
import tempfile
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
    raw = io.BytesIO()
    wb.save(raw)
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


def fingerprint(event: Path, files: list[Path], out_dir: Path) -> dict[str, object]:
    from ballots.errors import TallyError
    from tally.pipeline import check, count_and_write

    # every message `tally check` shows, in order, with its place
    said = [(d.code, d.message, d.hint, repr(d.location), repr(d.related)) for d in check(event, files).diagnostics]
    messages = hashlib.sha256(repr(said).encode("utf-8")).hexdigest()
    out = out_dir / "results.xlsx"
    try:
        count_and_write(event, files, out, force=True)
    except TallyError as exc:
        return {"error": sorted({d.code for d in exc.diagnostics}), "messages": messages}
    return {
        "messages": messages,
        "results.json": hashlib.sha256(out.with_suffix(".json").read_bytes()).hexdigest(),
        "results.xlsx": hashlib.sha256(out.read_bytes()).hexdigest(),
    }


def run() -> dict[str, dict[str, object]]:
    got: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for i, (name, event, files) in enumerate(fixture_cases() + generated(tmp)):
            out_dir = tmp / f"out{i}"
            out_dir.mkdir()
            got[name] = fingerprint(event, files, out_dir)
    return got


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--save", type=Path, help="write the fingerprints to this file")
    ap.add_argument("--compare", type=Path, help="compare with fingerprints saved earlier; exit 1 on a difference")
    args = ap.parse_args(argv)
    got = run()
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
