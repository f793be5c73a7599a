"""The counting minutes as LibreOffice prints them (issue: print-ready minutes)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import run_tally
from pdftools import convert, pdf_pages, squash

from tally.results_json import fingerprint

A4_LANDSCAPE = (841.9, 595.3)
A4_PORTRAIT = (595.3, 841.9)


def _is(size: tuple[float, float], wanted: tuple[float, float]) -> bool:
    return abs(size[0] - wanted[0]) < 1.5 and abs(size[1] - wanted[1]) < 1.5


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, bytes, list[tuple[str, tuple[float, float]]]]:
    tmp = tmp_path_factory.mktemp("minutes")
    out = tmp / "results.xlsx"
    root = Path(__file__).resolve().parent.parent / "samples"
    proc = run_tally("count", root / "event.toml", root / "ballots.xlsx", "-o", out)
    assert proc.returncode == 0, proc.stderr
    data = out.with_suffix(".json").read_bytes()
    return json.loads(data), data, pdf_pages(convert(out, "pdf", tmp / "pdf"))


@pytest.mark.libreoffice
def test_every_page_has_its_number_the_fingerprint_and_the_mark(printed: tuple) -> None:
    _, data, pages = printed
    fp = squash(fingerprint(data))
    numbers = []
    for text, _size in pages:
        flat = squash(text)
        assert fp in flat, "the results fingerprint must be on every page"
        assert "MẬT" in flat, "Party minutes are marked restricted by default"
        # the page line is a line of its own (squashed, the digits of a table cell that pdftotext
        # happens to put after it would run on)
        m = re.search(r"^\s*Trang\s*(\d+)\s*/\s*(\d+)\s*$", text, re.M)
        assert m, flat[-200:]
        numbers.append((int(m.group(1)), int(m.group(2))))
    # numbering restarts on every sheet and each sheet's total is right
    runs: list[list[tuple[int, int]]] = []
    for n in numbers:
        if n[0] == 1:
            runs.append([])
        runs[-1].append(n)
    for run in runs:
        assert [p for p, _ in run] == list(range(1, len(run) + 1))
        assert {t for _, t in run} == {len(run)}


@pytest.mark.libreoffice
def test_group_minutes_are_a4_landscape_and_show_every_number(printed: tuple) -> None:
    doc, _, pages = printed
    for g in doc["groups"]:
        mine = [(squash(t), s) for t, s in pages if squash(g["title"]) in squash(t)]
        assert mine, g["id"]
        # the group's minutes run from its title page to the page with the signatures
        start = next(i for i, (t, _) in enumerate(pages) if squash(g["title"]) in squash(t))
        run = [pages[start]]
        for t, s in pages[start + 1:]:
            if re.search(r"Trang1/", squash(t)):
                break
            run.append((t, s))
        assert all(_is(s, A4_LANDSCAPE) for _, s in run)
        text = squash(" ".join(t for t, _ in run))
        for key in ("summoned", "present", "issued", "collected", "valid_ballots", "invalid_ballots"):
            assert str(g[key]) in text
        for p in g["persons"]:
            assert squash(p["name"]) in text
            for pos in p["positions"]:
                assert squash(pos) in text
            for level in ("high", "medium", "low"):
                assert f"{p[level + '_pct'].replace('.', ',')}%" in text, (p["name"], level)
        assert "BIÊNBẢNKIỂMPHIẾU" in text
        assert "TM.BANKIỂMPHIẾU" in text
        for member in doc["event"]["committee"]:
            assert squash(member["name"]) in text


@pytest.mark.libreoffice
def test_flagged_person_shows_the_consequence(printed: tuple) -> None:
    doc, _, pages = printed
    text = squash(" ".join(t for t, _ in pages))
    flagged = [p for g in doc["groups"] for p in g["persons"] if p["flags"]]
    assert flagged
    assert squash("Trên 50% đến dưới 2/3") in text


@pytest.mark.libreoffice
def test_no_restricted_mark_when_asked(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent / "samples"
    out = tmp_path / "results.xlsx"
    proc = run_tally("count", root / "event.toml", root / "ballots.xlsx", "-o", out, "--no-restricted")
    assert proc.returncode == 0, proc.stderr
    pages = pdf_pages(convert(out, "pdf", tmp_path / "pdf"))
    assert pages and not any("MẬT" in squash(t) for t, _ in pages)
