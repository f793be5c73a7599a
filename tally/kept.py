"""What the minutes make of a text, kept for the process (issue 14).

`tally verify` rebuilds the minutes of one results.json after another; most of their texts
(labels, positions, counts, percentages) come again from one result to the next, and what a
text becomes (cleaned for a cell, the height it needs, its XML) depends on the text alone or
on the text and a few settings that are part of the key. A memo keeps at most ENTRIES of
them, none longer than TEXT_MAX characters, and is emptied when full: memory stays bounded
whatever a results.json holds.
"""

from __future__ import annotations

from typing import Any, TypeVar

K = TypeVar("K")
V = TypeVar("V")

TEXT_MAX = 160
ENTRIES = 8192
_ALL: list[dict[Any, Any]] = []


def memo(kept_memo: dict[K, V]) -> dict[K, V]:
    """`kept_memo` (a new, empty dict), known to :func:`forget` as one of these memos."""
    _ALL.append(kept_memo)
    return kept_memo


def forget() -> None:
    """Empty every memo made by :func:`memo`: the process as if it had rebuilt nothing yet."""
    for kept_memo in _ALL:
        kept_memo.clear()


def kept(into: dict[K, V], key: K, value: V, text: str) -> V:
    """`value`, kept in the memo `into` under `key` when `text` (what it was made from) is short."""
    if len(text) <= TEXT_MAX:
        if len(into) >= ENTRIES:
            into.clear()
        into[key] = value
    return value
