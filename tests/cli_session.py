"""A counting committee's folder after every step of a count, and one command line for every
command of the tool, for the tests that run each command (tests/test_cli_tree.py).

Two folders: the bundled sample (8 people on 2 forms), and a big event (40 people on one
form, long Vietnamese names and titles). Both have the same ids (positions btv, gd, pgd; forms
btv and lanhdao; persons p01...), so one command line works in either:

    event.toml  ballots.xlsx           the event and one clerk's typed ballots
    entry.xlsx                         the empty entry workbook (tally template)
    typed1.xlsx typed2.xlsx            two clerks' entries that agree
    typed3.xlsx                        a third entry with one cell typed differently
    out/results.xlsx (+ .json, .sig)   counted and signed with committee.key
    out2/                              a copy of out/ (two files to verify)
    committee.key .pub, other.key .pub, passphrase.txt
    scans/*.png, entry-scan.xlsx       scanned ballots of form btv and their entry (with the scan extra)
"""

from __future__ import annotations

import importlib.util
import json
import random
import shutil
from pathlib import Path

from conftest import DATA, SAMPLES, run_tally
from night import Paper
from sigtools import PASSPHRASE

# One command line per command (several where a command has distinct outputs), with the exit
# code it gives; test_cli_tree checks that every command of the tree is here.
INVOCATIONS: dict[str, list[tuple[list[str], int]]] = {
    "init": [(["init", "new.toml", "--title", "Lấy phiếu tín nhiệm giữa nhiệm kỳ", "--organisation",
               "Đảng bộ Sở Nông nghiệp và Phát triển nông thôn", "--date", "28/09/2025"], 0)],
    "rules": [(["rules"], 0), (["rules", "qd96-2023"], 0)],
    "show": [(["show", "event.toml"], 0)],
    "check": [(["check", "event.toml", "ballots.xlsx"], 0)],
    "count": [(["count", "event.toml", "ballots.xlsx", "-o", "new/results.xlsx"], 0)],
    "sign": [(["sign", "out/results.xlsx", "--key", "other.key", "--passphrase-file", "passphrase.txt",
               "--name", "Tôn Nữ Thị Hoàng Oanh, Ủy viên Ban kiểm phiếu"], 0)],
    "verify": [(["verify", "out/results.xlsx", "--trust", "committee.pub", "--event", "event.toml",
                 "--ballots", "ballots.xlsx"], 0),
               (["verify", "out/results.xlsx", "out2/results.xlsx", "--trust", "committee.pub", "--require", "2"], 9)],
    "ballots": [(["ballots", "event.toml", "-o", "paper.xlsx"], 0)],
    "scan": [(["scan", "event.toml", "scans/*.png", "-o", "entry-scan2.xlsx"], 0)],
    "review": [(["review", "entry-scan.xlsx", "--list"], -1)],     # 0 or 5: whatever the scan left to review
    "template": [(["template", "event.toml", "-o", "entry2.xlsx"], 0)],
    "reconcile": [(["reconcile", "typed1.xlsx", "typed2.xlsx"], 0),
                  (["reconcile", "typed1.xlsx", "typed3.xlsx", "-o", "differences.xlsx"], 10)],
    "committee add": [(["committee", "add", "event.toml", "--name", "Tôn Nữ Thị Hoàng Oanh", "--role", "Ủy viên"], 0)],
    "committee list": [(["committee", "list", "event.toml"], 0)],
    "committee remove": [(["committee", "remove", "event.toml", "1"], 0)],
    "position add": [(["position", "add", "event.toml", "--title", "Chánh Văn phòng Sở"], 0)],
    "position remove": [(["position", "remove", "event.toml", "pgd", "--force"], 0)],
    "position list": [(["position", "list", "event.toml"], 0)],
    "person add": [(["person", "add", "event.toml", "--name", "Nguyễn Thị Thanh Hương Giang", "-p", "pgd",
                     "--appointed", "01/03/2021"], 0)],
    "person set": [(["person", "set", "event.toml", "p02", "--name", "Hoàng Minh Tuấn Anh"], 0)],
    "person remove": [(["person", "remove", "event.toml", "p08"], 0)],
    "person list": [(["person", "list", "event.toml"], 0)],
    "group add": [(["group", "add", "event.toml", "--title", "Phiếu tín nhiệm Phó Giám đốc Sở", "-p", "pgd",
                    "--summoned", "20", "--present", "18", "--issued", "18"], 0)],
    "group set": [(["group", "set", "event.toml", "btv", "--title", "Phiếu tín nhiệm Ủy viên Ban Thường vụ"], 0)],
    "group remove": [(["group", "remove", "event.toml", "lanhdao"], 0)],
    "group list": [(["group", "list", "event.toml"], 0)],
    "keys new": [(["keys", "new", "member2", "--passphrase-file", "passphrase.txt"], 0)],
    "keys show": [(["keys", "show", "committee.pub"], 0),
                  (["keys", "show", "committee.key", "--passphrase-file", "passphrase.txt"], 0)],
}

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý", "Tôn Nữ", "Công Tằng Tôn Nữ"]
MIDDLE = ["Thị Thanh", "Văn", "Hữu", "Đức", "Thị Ngọc", "Minh", "Quang", "Thị Hồng", "Xuân", "Công"]
GIVEN = ["Hương Giang", "Phương", "Tuấn Anh", "Khánh Linh", "Nghĩa", "Trường", "Thắng", "Nhung", "Quỳnh", "Bảo Ngọc"]


def big_event_toml(people: int = 40) -> str:
    """An event with `people` on form btv (long names, a long title) and 9 on form lanhdao."""
    rng = random.Random(40)
    out = ["schema = 1", "", "[event]",
           'title = "Lấy phiếu tín nhiệm giữa nhiệm kỳ 2020-2025 đối với cán bộ lãnh đạo, quản lý thuộc diện '
           'Ban Thường vụ Tỉnh ủy quản lý"',
           'organisation = "Đảng bộ Sở Nông nghiệp và Phát triển nông thôn tỉnh Thừa Thiên Huế"',
           'parent = "Đảng bộ Khối các cơ quan tỉnh Thừa Thiên Huế"', 'place = "Thành phố Huế"',
           "date = 2023-09-28", 'rules = "qd96-2023"', 'language = "vi"', "",
           "[[committee]]", 'name = "Công Tằng Tôn Nữ Thị Hoàng Oanh"', 'role = "Trưởng ban"',
           "[[committee]]", 'name = "Nguyễn Thị Thanh Hương Giang"', 'role = "Ủy viên, Thư ký"']
    for pid, title in (("btv", "Ủy viên Ban Chấp hành Đảng bộ Sở Nông nghiệp và Phát triển nông thôn"),
                       ("gd", "Giám đốc Sở Nông nghiệp và Phát triển nông thôn"),
                       ("pgd", "Phó Giám đốc Sở Nông nghiệp và Phát triển nông thôn phụ trách thủy lợi")):
        out += ["", "[[positions]]", f'id = "{pid}"', f'title = "{title}"']
    for i in range(1, people + 1):
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        positions = ["btv"] + (["gd"] if i == 1 else ["pgd"] if 2 <= i <= 9 else [])
        out += ["", "[[persons]]", f'id = "p{i:02d}"', f'name = "{name}"',
                "positions = [" + ", ".join(f'"{p}"' for p in positions) + "]", f"appointed = 2019-0{1 + i % 9}-15"]
    out += ["", "[[groups]]", 'id = "btv"',
            'title = "Phiếu tín nhiệm Ủy viên Ban Chấp hành Đảng bộ Sở Nông nghiệp và Phát triển nông thôn"',
            'positions = ["btv"]', "summoned = 61", "present = 58", "issued = 58", "collected = 58",
            "", "[[groups]]", 'id = "lanhdao"', 'title = "Phiếu tín nhiệm Giám đốc, Phó Giám đốc Sở"',
            'positions = ["gd", "pgd"]', "summoned = 45", "present = 40", "issued = 40", "collected = 40"]
    return "\n".join(out) + "\n"


def has_scan_extra() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("cv2", "numpy", "pypdfium2", "zxingcpp"))


def _scans(root: Path) -> None:
    """Three marked ballots of form btv, as PNG files, and their entry (tally scan)."""
    import cv2
    from scan_deck import mark_ballot, render_form

    from ballots.event import parse_event

    event = parse_event((root / "event.toml").read_bytes(), "event.toml").event
    assert event is not None
    blank = render_form(event, "btv")
    persons = len(event.persons_on(next(g for g in event.groups if g.id == "btv")))
    rng = random.Random(11)
    (root / "scans").mkdir()
    for n in range(1, 4):
        for page, image in enumerate(mark_ballot(blank, "btv", n, persons, rng, []), start=1):
            cv2.imwrite(str(root / "scans" / f"ballot-{n}-{page}.png"), image)
    assert run_tally("scan", "event.toml", *sorted((root / "scans").glob("*.png")), "-o", "entry-scan.xlsx",
                     cwd=root).returncode == 0


def build(root: Path, big: bool) -> Path:
    """The folder, as described at the top."""
    root.mkdir(parents=True, exist_ok=True)
    if big:
        (root / "event.toml").write_text(big_event_toml(), encoding="utf-8")
    else:
        shutil.copy(SAMPLES / "event.toml", root / "event.toml")
    assert run_tally("template", "event.toml", "-o", "entry.xlsx", cwd=root).returncode == 0
    paper = Paper.marked(root / "entry.xlsx", seed=1)
    paper.type_into(root / "entry.xlsx", root / "typed1.xlsx")
    paper.type_into(root / "entry.xlsx", root / "typed2.xlsx")
    paper.type_into(root / "entry.xlsx", root / "typed3.xlsx", typo=("btv", "E7"))
    shutil.copy(SAMPLES / "ballots.xlsx" if not big else root / "typed1.xlsx", root / "ballots.xlsx")
    for name in ("committee", "other"):
        for ext in (".key", ".pub"):
            shutil.copy(DATA / "keys" / f"{name}{ext}", root / f"{name}{ext}")
        (root / f"{name}.key").chmod(0o600)
    (root / "passphrase.txt").write_bytes(PASSPHRASE + b"\n")
    counted = run_tally("count", "event.toml", "ballots.xlsx", "-o", "out/results.xlsx", "--sign", "committee.key",
                        "--passphrase-file", "passphrase.txt", cwd=root)
    assert counted.returncode == 0, counted.stderr
    shutil.copytree(root / "out", root / "out2")
    if has_scan_extra():
        _scans(root)
    return root


def fingerprints(root: Path) -> dict[str, list[str]]:
    """Every fingerprint the commands print in this folder, as groups of 4 hex digits."""
    from tally.keys import describe
    from tally.results_json import fingerprint

    found = {name: describe(root / f"{name}.pub", lambda: PASSPHRASE).grouped.split() for name in ("committee", "other")}
    found["results.json"] = fingerprint((root / "out" / "results.json").read_bytes()).split()
    json.loads((root / "out" / "results.json").read_text(encoding="utf-8"))   # a real results.json
    return found
