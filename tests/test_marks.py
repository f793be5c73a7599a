"""ballots/marks.py: marks, statuses and header text as clerks type them (SPEC §5)."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ballots.marks import (
    MARK_HELP,
    MARK_WORDS,
    MarkReader,
    Unknown,
    cell_text,
    fold,
    is_blank,
    parse_mark,
    parse_status,
    squeeze,
    strip_accents,
)
from ballots.model import Mark

H, M, L, I = Mark.HIGH, Mark.MEDIUM, Mark.LOW, Mark.INVALID

# SPEC §5, copied here as the oracle: marks.py must accept exactly these (and their variants).
SPEC_MARKS: dict[str, Mark] = {
    "1": H, "C": H, "cao": H, "tín nhiệm cao": H, "high": H,
    "2": M, "T": M, "tín nhiệm": M, "medium": M,
    "3": L, "TH": L, "thấp": L, "tín nhiệm thấp": L, "low": L,
    "0": I, "-": I, "không hợp lệ": I, "invalid": I,
}


def test_mark_words_are_the_spec_table() -> None:
    assert {w: m for m, words in MARK_WORDS.items() for w in words} == SPEC_MARKS


@pytest.mark.parametrize(("typed", "mark"), sorted(SPEC_MARKS.items()))
def test_every_spec_spelling(typed: str, mark: Mark) -> None:
    assert parse_mark(typed) is mark
    assert parse_mark(typed.upper()) is mark
    assert parse_mark(typed.lower()) is mark
    assert parse_mark(f"  {typed}\t") is mark
    assert parse_mark(unicodedata.normalize("NFD", typed)) is mark
    assert parse_mark(strip_accents(typed)) is mark  # 'thap' = 'thấp'


@pytest.mark.parametrize(("typed", "mark"), [
    ("thap", L), ("tin nhiem thap", L), ("Tin Nhiem Thap", L), ("TÍN NHIỆM THẤP", L), ("th", L), ("Th", L),
    ("khong hop le", I), ("KHÔNG HỢP LỆ", I), ("Không Hợp Lệ", I),
    ("tin nhiem cao", H), ("c", H), ("CAO", H), ("tín  nhiệm   cao", H), ("tín\nnhiệm cao", H),
    ("tin nhiem", M), ("t", M), ("Medium", M),
])
def test_case_spacing_and_diacritics_do_not_matter(typed: str, mark: Mark) -> None:
    assert parse_mark(typed) is mark


@pytest.mark.parametrize(("value", "mark"), [
    (1, H), (2, M), (3, L), (0, I),
    (1.0, H), (2.0, M), (3.0, L), (0.0, I), (-0.0, I),   # spreadsheets hand numbers over as floats
    ("1.0", H), ("3.0", L), (" 2 ", M),                  # numbers typed as text
])
def test_numbers(value: object, mark: Mark) -> None:
    assert parse_mark(value) is mark
    assert MarkReader()(value) is mark


@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_never_marks(value: bool) -> None:
    # True == 1 and hash(True) == hash(1): a cache keyed on values would let TRUE pass as 'high'.
    assert isinstance(parse_mark(value), Unknown)
    reader = MarkReader()
    assert reader(1) is H and reader(0) is I and reader(1.0) is H  # warm the cache with equal keys
    found = reader(value)
    assert isinstance(found, Unknown) and found.found is value
    assert reader(1) is H  # and the boolean did not poison the cache either


@pytest.mark.parametrize("value", [
    math.nan, math.inf, -math.inf, 1.5, 2.5, -1, -1.0, 4, 4.0, 10, 12, "4", "12", "1 2", "1,5",
    "x", "X", "?", "--", "cao cao", "TN", "tín nhiệm cao thấp", "nan", "inf", "1e0x", "hop le",
    dt.date(2023, 5, 31), dt.datetime(2023, 5, 31, 8, 0), b"1", [1],
])
def test_not_marks(value: object) -> None:
    found = parse_mark(value)
    assert isinstance(found, Unknown)
    assert found.found is value
    reader = MarkReader()
    assert isinstance(reader(value), Unknown)
    assert isinstance(reader(value), Unknown)  # from the cache, still Unknown


@pytest.mark.parametrize("value", [None, "", "   ", "\t", "\n"])
def test_blank_cell_is_no_mark(value: object) -> None:
    assert parse_mark(value) is None
    assert MarkReader()(value) is None
    assert is_blank(value)


def test_zero_is_a_mark_not_a_blank() -> None:
    assert not is_blank(0) and not is_blank(0.0) and not is_blank("0")
    assert parse_mark(0) is I


@pytest.mark.parametrize(("value", "valid"), [
    (None, True), ("", True), ("  ", True),
    ("hợp lệ", True), ("Hợp lệ", True), ("HỢP LỆ", True), ("hop le", True), (" valid ", True), ("Valid", True),
    ("không hợp lệ", False), ("Không Hợp Lệ", False), ("khong hop le", False), ("invalid", False),
    ("INVALID", False), (unicodedata.normalize("NFD", "không hợp lệ"), False),
])
def test_status(value: object, valid: bool) -> None:
    assert parse_status(value) is valid


@pytest.mark.parametrize("value", ["hỏng", "ok", "x", "0", "1", 0, 1, True, False, 1.0, "hợp lệ?", "cao"])
def test_unknown_status(value: object) -> None:
    found = parse_status(value)
    assert isinstance(found, Unknown) and found.found is value


def test_text_helpers() -> None:
    nfd = unicodedata.normalize("NFD", "  Nguyễn   Văn\nAn ")
    assert squeeze(nfd) == "nguyễn văn an"
    assert squeeze(nfd) == squeeze("NGUYỄN VĂN AN")
    assert strip_accents("Đặng Tín nhiệm thấp đ") == "Dang Tin nhiem thap d"
    assert fold("  KHÔNG   hợp LỆ ") == "khong hop le"


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (1.0, "1"), (3, "3"), (1.5, "1.5"), ("x", "x"), (True, "TRUE"), (-0.0, "0"),
])
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_mark_help_names_every_short_spelling() -> None:
    for word in ("1", "C", "cao", "2", "T", "tín nhiệm", "3", "TH", "thấp", "0", "-", "không hợp lệ"):
        assert word in MARK_HELP


@given(
    entry=st.sampled_from(sorted(SPEC_MARKS.items())),
    cases=st.lists(st.booleans(), min_size=20, max_size=20),
    left=st.sampled_from(["", " ", "  ", "\t"]),
    right=st.sampled_from(["", " ", "  ", "\u00a0"]),
    form=st.sampled_from(["NFC", "NFD"]),
    bare=st.booleans(),
)
def test_any_case_padding_and_form(entry: tuple[str, Mark], cases: list[bool], left: str, right: str,
                                   form: str, bare: bool) -> None:
    word, mark = entry
    word = strip_accents(word) if bare else word
    typed = "".join(c.upper() if up else c.lower() for c, up in zip(word, cases + [False] * len(word)))
    typed = left + unicodedata.normalize(form, typed) + right
    assert parse_mark(typed) is mark


def test_cells_read_as_a_spreadsheet_shows_them() -> None:
    from ballots.marks import cell_text

    assert [cell_text(v) for v in (True, False, 1.0, 2.5, None, "x")] == ["TRUE", "FALSE", "1", "2.5", "", "x"]
