"""Changes to an event file's TOML, applied two ways: to plain data and to the tomlkit document.

The commands (ballots/edit.py) plan an edit as a list of changes. Each change is applied
to the file's plain data (what the edit should mean) and to its tomlkit document (what
will be written); the command compares the two before anything is written.

Comments belong where a reader would expect them: a comment block after the last
entry of a table introduces the *next* section, so a new ``[[persons]]`` entry is
placed after the last person but before that block, and removing the last person
keeps the block.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.items import AoT, Array, Comment, InlineTable, Item, Key, Null, SingleKey, Table, Whitespace

__all__ = ["Append", "Change", "Drop", "Remove", "SetValues", "apply_data", "apply_doc"]

# Canonical order of sections and of keys inside an entry: new things go where a
# person writing the file by hand would put them.
_SECTIONS = ("committee", "positions", "persons", "groups")
_KEY_ORDER = {
    "committee": ("name", "role"),
    "positions": ("id", "title"),
    "persons": ("id", "name", "positions", "appointed", "retiring"),
    "groups": ("id", "title", "positions", "summoned", "present", "issued", "collected", "members"),
}


# ---------------------------------------------------------------- planned changes


@dataclass(frozen=True)
class Append:
    table: str
    entry: dict[str, Any]


@dataclass(frozen=True)
class Remove:
    table: str
    index: int


@dataclass(frozen=True)
class SetValues:
    table: str
    index: int
    values: dict[str, Any]


@dataclass(frozen=True)
class Drop:
    """Take some ids out of a list value, keeping the list's own formatting."""

    table: str
    index: int
    key: str
    ids: frozenset[str]   # casefolded


Change = Append | Remove | SetValues | Drop


def apply_data(data: dict[str, Any], change: Change) -> None:
    if isinstance(change, Append):
        data.setdefault(change.table, []).append(copy.deepcopy(change.entry))
    elif isinstance(change, Remove):
        del data[change.table][change.index]
        if not data[change.table]:
            del data[change.table]
    elif isinstance(change, SetValues):
        entry = data[change.table][change.index]
        for k, v in change.values.items():
            if v is None:
                entry.pop(k, None)
            else:
                entry[k] = copy.deepcopy(v)
    else:
        entry = data[change.table][change.index]
        entry[change.key] = [x for x in entry[change.key] if x.casefold() not in change.ids]


def apply_doc(doc: tomlkit.TOMLDocument, change: Change) -> None:
    if isinstance(change, Append):
        _append_entry(doc, change.table, change.entry)
    elif isinstance(change, Remove):
        _remove_entry(doc, change.table, change.index)
    elif isinstance(change, SetValues):
        _set_values(doc[change.table][change.index], change.table, change.values)
    else:
        arr = doc[change.table][change.index][change.key]
        for j in reversed(range(len(arr))):
            if isinstance(arr[j], str) and arr[j].casefold() in change.ids:
                del arr[j]


# ---------------------------------------------------------------- tomlkit surgery
#
# A table's body ends with its "tail": comments and blank lines after its last key.
# tomlkit keeps everything up to the next header in the previous table, so a comment
# block introducing the next section lives in that tail and must be moved with care.


def _tail_start(c: Container) -> int:
    body = c.body
    i = len(body)
    while i > 0 and body[i - 1][0] is None and isinstance(body[i - 1][1], (Whitespace, Comment, Null)):
        i -= 1
    return i


def _take(c: Container, start: int) -> list[Item]:
    """Cut the body from `start` (only keyless tail items) and return its items."""
    items = [it for _, it in c.body[start:] if not isinstance(it, Null)]
    del c.body[start:]
    return items


def _put(c: Container, items: Iterable[Item]) -> None:
    c.body.extend((None, it) for it in items)


def _has_comment(items: Iterable[Item]) -> bool:
    return any(isinstance(it, Comment) for it in items)


def _end_line(c: Container) -> None:
    if c.body and not c.as_string().endswith("\n"):
        _put(c, [tomlkit.nl()])


def _blank_line(c: Container) -> None:
    """Make the rendered container end with an empty line."""
    _end_line(c)
    if not c.as_string().endswith("\n\n"):
        _put(c, [tomlkit.nl()])


def _container_before(doc: tomlkit.TOMLDocument, index: int) -> Container | None:
    """The container whose text is rendered just before doc.body[index]."""
    for j in range(index - 1, -1, -1):
        it = doc.body[j][1]
        if isinstance(it, Null):
            continue
        if isinstance(it, Table):
            return it.value
        if isinstance(it, AoT) and len(it):
            return it[-1].value
        return None
    return None


def _body_index(doc: tomlkit.TOMLDocument, name: str) -> int | None:
    for j, (key, it) in enumerate(doc.body):
        if key is not None and key.key == name and not isinstance(it, Null):
            return j
    return None


def _new_table(table: str, entry: dict[str, Any]) -> Table:
    t = tomlkit.table()
    for k, v in entry.items():
        t.add(k, v)
    return t


def _append_entry(doc: tomlkit.TOMLDocument, table: str, entry: dict[str, Any]) -> None:
    existing = doc.get(table)
    if isinstance(existing, Array):        # written inline: persons = [{...}, ...]
        it = tomlkit.inline_table()
        it.update(entry)
        existing.append(it)
        return
    if isinstance(existing, AoT) and len(existing):
        last = existing[-1].value
        tail = _tail_start(last)
        # Comments right under the last key belong to that entry; from the first blank
        # line on, the tail introduces what follows, so it follows the new entry.
        split = next((j for j in range(tail, len(last.body)) if isinstance(last.body[j][1], Whitespace)),
                     len(last.body))
        moved = _take(last, split)
        _blank_line(last)
        new = _new_table(table, entry)
        _put(new.value, moved)
        existing.append(new)
        return
    _insert_section(doc, table, entry)


def _insert_section(doc: tomlkit.TOMLDocument, table: str, entry: dict[str, Any]) -> None:
    """The first entry of a table: after its comment block, before the later sections."""
    later = _SECTIONS[_SECTIONS.index(table) + 1:]
    index = next((j for j, (k, it) in enumerate(doc.body)
                  if k is not None and k.key in later and not isinstance(it, Null)), None)
    prev = _container_before(doc, len(doc.body) if index is None else index)
    new = _new_table(table, entry)
    if prev is not None:
        start = _tail_start(prev)
        items = [it for _, it in prev.body[start:] if not isinstance(it, Null)]
        marker = re.compile(r"#\s*\[\[" + re.escape(table) + r"\]\]")
        m = next((j for j, it in enumerate(items) if isinstance(it, Comment) and marker.match(it.as_string().strip())),
                 None)
        if m is not None:
            # A block like the one `tally init` writes ("# [[persons]] ..."): the entry
            # goes right after that block, the blocks for later sections after the entry.
            end = next((j for j in range(m, len(items)) if isinstance(items[j], Whitespace)), len(items))
            keep, moved = items[:end + 1], items[end + 1:]
        else:
            # Comments written right above the next section's header belong to it.
            last_blank = max((j for j, it in enumerate(items) if isinstance(it, Whitespace)), default=-1)
            keep, moved = items[:last_blank + 1], items[last_blank + 1:]
        _take(prev, start)
        _put(prev, keep)
        _blank_line(prev)
        if index is not None or _has_comment(moved):
            _blank_line(new.value)
        _put(new.value, moved)
    elif index is not None:
        _blank_line(new.value)
    aot = tomlkit.aot()
    aot.append(new)
    if index is None:
        doc.append(table, aot)
    else:
        tomlkit_insert_at(doc, index, table, aot)


def _merge_tail(c: Container, items: list[Item]) -> None:
    """Keep the tail of a removed entry: it introduces whatever came after it."""
    if not _has_comment(items):
        if items:
            _end_line(c)
            if not c.as_string().endswith("\n\n"):
                _put(c, [tomlkit.nl()])
        return
    start = _tail_start(c)
    own = [it for _, it in c.body[start:] if not isinstance(it, Null)]
    while own and isinstance(own[-1], Whitespace):
        own.pop()
    _take(c, start)
    _put(c, own)
    _end_line(c)
    _put(c, items)


def _insert_trivia(doc: tomlkit.TOMLDocument, index: int, items: list[Item]) -> None:
    """Insert keyless items into the document's own body, keeping tomlkit's index map right."""
    tomlkit_shift_keys(doc, index, len(items))
    doc.body[index:index] = [(None, it) for it in items]


def _remove_entry(doc: tomlkit.TOMLDocument, table: str, index: int) -> None:
    existing = doc[table]
    if isinstance(existing, Array):
        del existing[index]
        if not len(existing):
            doc.remove(table)
        return
    assert isinstance(existing, AoT)
    el = existing[index].value
    tail = _take(el, _tail_start(el))
    position = _body_index(doc, table)
    assert position is not None
    prev = existing[index - 1].value if index > 0 else _container_before(doc, position)
    if len(existing) == 1:
        doc.remove(table)
    else:
        del existing[index]
    if prev is not None:
        _merge_tail(prev, tail)
    elif _has_comment(tail):
        # Only the top of the document comes before this entry: keep the comments there.
        before = next((it for _, it in reversed(doc.body[:position]) if not isinstance(it, Null)), None)
        while isinstance(before, Whitespace) and tail and isinstance(tail[0], Whitespace):
            tail.pop(0)
        _insert_trivia(doc, position, tail)


def _set_values(entry: Any, table: str, values: dict[str, Any]) -> None:
    order = _KEY_ORDER[table]
    for key, value in values.items():
        if value is None:
            if key in entry:
                del entry[key]
            continue
        if key in entry:
            entry[key] = value          # tomlkit keeps the line's comment
            continue
        if isinstance(entry, InlineTable):
            entry[key] = value
            continue
        c: Container = entry.value
        keys = [k.key for k, it in c.body if isinstance(k, Key) and not isinstance(it, Null)]
        earlier = [k for k in order[:order.index(key)] if k in keys] if key in order else []
        after = earlier[-1] if earlier else (keys[-1] if keys else None)
        if after is not None:
            tomlkit_insert_after(c, after, key, value)
        else:
            tail = _take(c, _tail_start(c))
            c.append(key, value)
            _put(c, tail)


# ---------------------------------------------------------------- tomlkit's private API
#
# tomlkit has no public way to insert at a position of a container's body, nor to insert
# keyless items (comments, blank lines) there. These three functions are the only places
# that reach into it; tests/test_dependencies.py fails when tomlkit changes them, and
# pyproject.toml bounds tomlkit's version.


def tomlkit_insert_at(container: Container, index: int, key: str, item: Item) -> None:
    """Insert `key = item` (a table, an array of tables) before body position `index`."""
    container._insert_at(index, key, item)


def tomlkit_insert_after(container: Container, after: str, key: str, value: Any) -> None:
    """Insert `key = value` right after the existing key `after`, keeping both lines' comments.

    Built on ``_insert_at`` and the key map: tomlkit 0.15.3 removed ``_insert_after``."""
    where = container._map[SingleKey(after)]
    index = (max(where) if isinstance(where, tuple) else where) + 1
    if index < len(container.body):
        container._insert_at(index, key, value)
    else:
        container.append(key, value)


def tomlkit_shift_keys(container: Container, index: int, n: int) -> None:
    """Make room for `n` keyless items at body position `index`: tomlkit's map from each key to
    its body position(s) must follow, or later lookups find the wrong item."""
    for k, v in list(container._map.items()):
        if isinstance(v, tuple):
            container._map[k] = tuple(x + n if x >= index else x for x in v)
        elif v >= index:
            container._map[k] = v + n
