#!/usr/bin/env python3
"""Benchmark `tally scan`: pages per second and peak memory on a synthetic scanned stack.

    python bench/bench_scan.py                 # 120 pages (100 one-page ballots + 10 two-page ones)
    python bench/bench_scan.py --ballots 500   # the night's size: 500 one-page ballots

1. makes (once per size, cached) a stack like the tests' (tests/scan_deck.py): the real PDF
   form rendered at 150 dpi, hand-like marks, rotation, scale, perspective, blur, noise,
   JPEG 30-85 and uneven light; written as JPEG/PNG files, a multi-page TIFF and a PDF;
2. runs `tally scan EVENT SCANS... -o entry-scan.xlsx --force` in a child process, timed
   end to end (start-up, the template, the evidence folder included), and reads the
   child's peak RSS from os.wait4;
3. runs the core reader page by page in this process for the per-page time alone;
4. prints pages/s with the target (>= 3 pages/s: 500 ballots in under 3 minutes) as PASS/FAIL.

Performance is measured, not asserted: the script always exits 0 once it has run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from scan_deck import event_toml, make_deck

TARGET_PAGES_PER_SECOND = 3.0
GEN_VERSION = 2                      # bump when the stack or the form changes shape


def _deck(cache: Path, ballots: int, long_ballots: int) -> tuple[Path, list[Path], int]:
    from ballots.event import parse_event

    folder = cache / f"scan-v{GEN_VERSION}-{ballots}-{long_ballots}"
    event_path = folder / "event.toml"
    listing = folder / "files.txt"
    if listing.exists():
        files = [Path(line) for line in listing.read_text().splitlines()]
        pages = int((folder / "pages.txt").read_text())
        return event_path, files, pages
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    text = event_toml().replace("issued = 60", f"issued = {max(60, ballots)}").replace(
        "summoned = 60", f"summoned = {max(60, ballots)}").replace("present = 60", f"present = {max(60, ballots)}")
    event_path.write_text(text, encoding="utf-8")
    (folder / "other.toml").write_text(event_toml("Khác"), encoding="utf-8")
    event = parse_event(text.encode(), "event.toml").event
    other = parse_event((folder / "other.toml").read_bytes(), "other.toml").event
    started = time.perf_counter()
    deck = make_deck(folder / "scans", event, other, seed=3, short_ballots=ballots, long_ballots=long_ballots)
    print(f"made the stack: {deck.pages} pages in {time.perf_counter() - started:.1f} s ({folder})")
    listing.write_text("\n".join(str(f) for f in deck.files))
    (folder / "pages.txt").write_text(str(deck.pages))
    return event_path, deck.files, deck.pages


def _tally() -> list[str]:
    exe = shutil.which("tally")
    return [exe] if exe else [sys.executable, str(REPO / "cli.py")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ballots", type=int, default=100, help="one-page ballots in the stack")
    ap.add_argument("--long-ballots", type=int, default=10, help="two-page ballots in the stack")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "tally-bench")
    args = ap.parse_args()

    event_path, files, pages = _deck(args.cache, args.ballots, args.long_ballots)
    out = args.cache / "entry-scan.xlsx"
    cmd = [*_tally(), "--quiet", "scan", str(event_path), *map(str, files), "-o", str(out), "--force"]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    stdout = proc.stdout.read().decode() if proc.stdout else ""
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        print(stdout + stderr)
    peak_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    print(f"tally scan, end to end: {pages} pages in {wall:.1f} s = {pages / wall:.2f} pages/s; "
          f"peak RSS {peak_mb:.0f} MB")
    print(stdout.strip().splitlines()[-4] if stdout.strip() else "")

    from ballots.event import parse_event
    from tally.scan.pages import iter_pages
    from tally.scan.reader import read_page

    event = parse_event(event_path.read_bytes(), "event.toml").event
    assert event is not None
    times: list[float] = []
    for file in files:
        for page in iter_pages(file, file.name):
            t = time.perf_counter()
            read_page(page, event)
            times.append(time.perf_counter() - t)
    times.sort()
    steady = times[1:] or times   # the first page renders the blank form
    print(f"reader alone: median {1000 * steady[len(steady) // 2]:.0f} ms/page, "
          f"95th percentile {1000 * steady[int(len(steady) * 0.95)]:.0f} ms/page "
          f"({len(times)} pages, decoding excluded)")
    verdict = "PASS" if pages / wall >= TARGET_PAGES_PER_SECOND else "FAIL"
    print(f"{verdict}: {pages / wall:.2f} pages/s end to end (target >= {TARGET_PAGES_PER_SECOND:g}); "
          f"500 ballots would take {500 / (pages / wall):.0f} s")


if __name__ == "__main__":
    main()
