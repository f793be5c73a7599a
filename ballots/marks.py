"""Marks, statuses and header text as people type them (SPEC §5).

Matching ignores case, surrounding and repeated spaces and Unicode normal form; marks
and statuses also ignore Vietnamese diacritics (`thap` = `thấp`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final, TypeVar

from ballots.i18n import N_
from ballots.legacy import decodings
from ballots.model import Mark

_SPACES = re.compile(r"\s+")
_T = TypeVar("_T")


def squeeze(text: str) -> str:
    """NFC, case-folded, trimmed, inner whitespace (including newlines) collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()


def strip_accents(text: str) -> str:
    """Vietnamese without diacritics: 'Tín nhiệm thấp' -> 'Tin nhiem thap'."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.replace("đ", "d").replace("Đ", "D")


def fold(text: str) -> str:
    """The loosest comparison key: squeezed and without diacritics."""
    return strip_accents(squeeze(text))


MARK_WORDS: Final[dict[Mark, tuple[str, ...]]] = {
    Mark.HIGH: ("1", "C", "cao", "tín nhiệm cao", "high"),
    Mark.MEDIUM: ("2", "T", "tín nhiệm", "medium"),
    Mark.LOW: ("3", "TH", "thấp", "tín nhiệm thấp", "low"),
    Mark.INVALID: ("0", "-", "không hợp lệ", "invalid"),
}
_MARKS: Final[dict[str, Mark]] = {fold(w): m for m, words in MARK_WORDS.items() for w in words}

VALID_WORDS: Final = ("hợp lệ", "valid")
INVALID_WORDS: Final = ("không hợp lệ", "invalid")
_STATUS: Final[dict[str, bool]] = {**{fold(w): True for w in VALID_WORDS}, **{fold(w): False for w in INVALID_WORDS}}


class Unknown:
    """A cell that is not a mark; keeps what was found for the message."""

    __slots__ = ("found",)

    def __init__(self, found: object) -> None:
        self.found = found


EMPTY: Final = None


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: object) -> str:
    """A cell as a person would read it: 1.0 -> '1', True -> 'TRUE' (as spreadsheets show it)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class MarkReader:
    """Parses mark cells, caching each distinct raw value: 3 million cells are mostly 1, 2, 3."""

    def __init__(self) -> None:
        self._cache: dict[object, Mark | Unknown | None] = {}
        # Raw values known to be marks, for the validator's fast path. 1, 1.0 and True share a
        # hash, so a caller using this must rule out booleans itself.
        self.good: dict[object, Mark] = {}

    def __call__(self, value: object) -> Mark | Unknown | None:
        """Mark, None for an empty cell, or Unknown."""
        if type(value) is bool:  # True == 1 in a dict: never let a boolean pass for a mark
            return Unknown(value)
        try:
            return self._cache[value]
        except KeyError:
            pass
        except TypeError:  # unhashable: cannot happen with spreadsheet values, but never crash
            return Unknown(value)
        result = parse_mark(value)
        if not isinstance(result, Unknown) or len(self._cache) < 10_000:
            self._cache[value] = result
        if isinstance(result, Mark):
            self.good[value] = result
        return result


def parse_mark(value: object) -> Mark | Unknown | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return Unknown(value)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not value.is_integer():
            return Unknown(value)
        return _MARKS.get(str(int(value)), Unknown(value))
    if isinstance(value, str):
        key = fold(value)
        if key in _MARKS:
            return _MARKS[key]
        try:  # "1.0" typed as text
            number = float(key)
        except ValueError:
            return _legacy(value, _MARKS, Unknown(value))
        if number.is_integer():
            return _MARKS.get(str(int(number)), Unknown(value))
    return Unknown(value)


def parse_status(value: object) -> bool | Unknown:
    """True for a valid ballot (blank counts as valid), False for a wholly invalid one."""
    if is_blank(value):
        return True
    if isinstance(value, str):
        key = fold(value)
        if key in _STATUS:
            return _STATUS[key]
        return _legacy(value, _STATUS, Unknown(value))
    return Unknown(value)


def _legacy(value: str, table: dict[str, _T], otherwise: Unknown) -> _T | Unknown:
    """A mark or status typed in a legacy Vietnamese font ('thÊp' in .VnTime is 'thấp')."""
    for _encoding, decoded in decodings(value):
        if fold(decoded) in table:
            return table[fold(decoded)]
    return otherwise


MARK_HELP: Final = N_(   # English; translate where shown: _(MARK_HELP)
    "use 1/C/cao (high), 2/T/tín nhiệm (medium), 3/TH/thấp (low), "
    "or 0/-/không hợp lệ for a row the voter spoiled (no box, several boxes, name crossed out)"
)
