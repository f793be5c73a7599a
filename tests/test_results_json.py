"""results.json (SPEC §6): the exact contract, on the bundled sample, re-counted independently."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import Counter
from pathlib import Path

from conftest import SAMPLES
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from tally import pipeline
from tally.results_json import _nfc, dumps, fingerprint

PERSON_KEYS = {"id", "name", "positions", "valid", "invalid", "high", "medium", "low", "high_pct", "medium_pct",
               "low_pct", "flags"}
GROUP_KEYS = {"id", "title", "summoned", "present", "issued", "collected", "base", "valid_ballots",
              "invalid_ballots", "persons"}


def sample_json() -> bytes:
    checked = pipeline.check(SAMPLES / "event.toml", [SAMPLES / "ballots.xlsx"])
    return pipeline.count_results(checked)[1]


def test_canonical_bytes() -> None:
    data = sample_json()
    text = data.decode("utf-8")
    assert text.endswith("}\n") and "\r" not in text
    doc = json.loads(text)
    assert dumps(doc) == data                       # sorted keys, 2-space indent, NFC: a fixed point
    assert text == unicodedata.normalize("NFC", text)
    assert '\n  "event": {' in text                 # 2-space indent
    assert sample_json() == data                    # same inputs, same bytes


def test_required_content_and_types() -> None:
    doc = json.loads(sample_json())
    assert doc["schema"] == "tally-results/1"
    assert set(doc["event"]) >= {"title", "organisation", "date", "rules", "sha256"}
    assert doc["event"]["sha256"] == hashlib.sha256((SAMPLES / "event.toml").read_bytes()).hexdigest()
    assert doc["inputs"] == [{"file": "ballots.xlsx",
                              "sha256": hashlib.sha256((SAMPLES / "ballots.xlsx").read_bytes()).hexdigest()}]
    assert set(doc["tool"]) == {"name", "version"}
    for g in doc["groups"]:
        assert set(g) >= GROUP_KEYS
        for key in GROUP_KEYS - {"id", "title", "persons"}:
            assert type(g[key]) is int
        assert g["valid_ballots"] + g["invalid_ballots"] == g["collected"]
        for p in g["persons"]:
            assert set(p) >= PERSON_KEYS
            for key in ("valid", "invalid", "high", "medium", "low"):
                assert type(p[key]) is int
            for key in ("high_pct", "medium_pct", "low_pct"):
                whole, _, frac = p[key].partition(".")
                assert whole.isdigit() and len(frac) == 2 and frac.isdigit()
            assert set(p["flags"]) <= {"over_half_low", "two_thirds_low", "exactly_two_thirds_low"}


def _independent_recount(path: Path, sheet: str) -> dict[str, Counter[str]]:
    """Re-count a sample sheet with nothing from tally: the header names the person's id first."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    header = [str(h) for h in rows[0]]
    status_col = header.index("Tình trạng")
    table = {"1": "high", "c": "high", "2": "medium", "t": "medium", "3": "low", "th": "low", "0": "invalid"}
    counts: dict[str, Counter[str]] = {}
    for col, h in enumerate(header):
        if not h.startswith("p"):
            continue
        pid = h.split()[0]
        c: Counter[str] = Counter()
        for row in rows[1:]:
            if all(v in ("", None) for v in row):
                continue
            if str(row[status_col]).strip().lower() == "không hợp lệ":
                c["invalid"] += 1
                continue
            v = row[col]
            key = str(int(v)) if isinstance(v, float) else str(v).strip().lower()
            c[table[key]] += 1
        counts[pid] = c
    return counts


def test_sample_numbers_trace_to_the_sheets() -> None:
    doc = json.loads(sample_json())
    flagged = []
    for g in doc["groups"]:
        expected = _independent_recount(SAMPLES / "ballots.xlsx", g["id"])
        for p in g["persons"]:
            c = expected[p["id"]]
            assert (p["high"], p["medium"], p["low"], p["invalid"]) == (c["high"], c["medium"], c["low"],
                                                                        c["invalid"])
            flagged += p["flags"]
    assert "over_half_low" in flagged  # the sample shows every feature


def test_fingerprint_groups_of_four() -> None:
    fp = fingerprint(b"abc")
    assert fp.replace(" ", "") == hashlib.sha256(b"abc").hexdigest()
    assert all(len(part) == 4 for part in fp.split(" ")) and len(fp.split(" ")) == 16


# --- the encoder: the bytes json.dumps(indent=2, sort_keys=True) gives, made faster ---------

_scalars = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False)
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                     max_leaves=30)


@given(st.dictionaries(st.text(), _json, max_size=6))
def test_dumps_gives_the_bytes_of_json_dumps(data: dict[str, object]) -> None:
    reference = json.dumps(_nfc(data), ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    assert dumps(data) == reference.encode("utf-8")


def test_dumps_normalises_keys_and_texts_and_sorts_after() -> None:
    data = {"e\u0301": ["A\u030a", ("x", None, True, False, -3, 10**30)], "b": {}, "a": [], "c": {"z": 1, "y": [{}]}}
    reference = json.dumps(_nfc(data), ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    assert dumps(data) == reference.encode("utf-8")
    assert "\u00e9" in dumps(data).decode("utf-8")


_record = st.fixed_dictionaries({"ballot": st.integers(), "person": st.none() | st.text(), "reason": st.text(),
                                 "source": _json})
_records = st.lists(_record | st.dictionaries(st.sampled_from(["ballot", "person", "reason", "source", "é", "x"]),
                                              _json, max_size=4) | _json, min_size=2, max_size=8)


@given(st.dictionaries(st.text(), _records | st.lists(_record, min_size=2, max_size=6), max_size=4))
def test_dumps_of_lists_of_records_gives_the_bytes_of_json_dumps(data: dict[str, object]) -> None:
    """Lists of dicts (mostly of the same keys, as an invalid ballot's; some not, some no dict)."""
    reference = json.dumps(_nfc(data), ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    assert dumps(data) == reference.encode("utf-8")
