"""The ballot fixtures under tests/data/ballots (made by make_fixtures.py) and what they hold."""

from __future__ import annotations

from pathlib import Path

from ballots.model import Mark

DATA = Path(__file__).resolve().parent / "data" / "ballots"
EVENT = DATA / "event.toml"
H, M, L, I = Mark.HIGH, Mark.MEDIUM, Mark.LOW, Mark.INVALID

# What every good fixture holds (make_fixtures.BALLOTS): number, valid, marks in form order, note.
EXPECTED = {
    "btv": [
        (1, True, (H, M, L), ""),
        (2, True, (H, H, M), ""),
        (3, False, (None, None, None), "Phiếu không có dấu của Ban kiểm phiếu"),
        (4, True, (M, I, H), "Đánh dấu 2 ô"),
        (5, True, (L, H, H), ""),
    ],
    "ld": [
        (1, True, (H, H, M), ""),
        (2, True, (M, L, H), ""),
        (3, True, (H, I, H), "Không đánh dấu ô nào"),
        (4, True, (L, M, M), ""),
        (5, False, (None, None, None), "Phiếu không theo mẫu"),
    ],
}
