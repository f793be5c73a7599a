"""Define the event from the command line: edit the event file (SPEC §4) in place.

The event file is the committee's document: people write comments in it, order it and
format it by hand. Every edit here therefore goes through tomlkit, which keeps what it
does not touch byte for byte, and is checked twice before anything is written:

1. the data the edited file holds must equal the old data with exactly the intended
   change applied (a guard against any layout surprise in the TOML library);
2. the edited file must not have errors the old file did not have (`parse_event` plus
   the meeting checks); otherwise the edit is refused with those diagnostics.

Only then is the file replaced, atomically (temp file in the same directory, fsync,
``os.replace``). Functions return an :class:`EditResult` with the file's remaining
problems so the command line can show them; nothing here prints.

Comments belong where a reader would expect them: a comment block after the last
entry of a table introduces the *next* section, so a new ``[[persons]]`` entry is
placed after the last person but before that block, and removing the last person
keeps the block.
"""

from __future__ import annotations

import codecs
import copy
import datetime as dt
import os
import re
import stat
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.container import Container
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array, Comment, InlineTable, Item, Key, Null, Table, Whitespace

from ballots.errors import Diagnostic, ExitCode, Location, TallyError, exit_code_for, fail
from ballots.event import (
    COUNT_LABELS,
    LANGUAGES,
    NO_GROUPS,
    SLUG,
    KeyLocator,
    eligibility_warnings,
    meeting_count_checks,
    parse_event,
)
from ballots.i18n import N_, _, _n
from ballots.model import CommitteeMember, Event
from ballots.output import write_atomic
from ballots.rules import DEFAULT_RULES, RULE_SETS

__all__ = [
    "EditResult",
    "EventView",
    "GroupView",
    "PersonView",
    "PositionView",
    "add_group",
    "add_person",
    "add_position",
    "check_new_event_path",
    "init_event",
    "inspect_event",
    "meeting_diagnostics",
    "new_event_document",
    "position_id_from_title",
    "remove_group",
    "remove_person",
    "remove_position",
    "set_group",
]

# Canonical order of sections and of keys inside an entry: new things go where a
# person writing the file by hand would put them.
_SECTIONS = ("committee", "positions", "persons", "groups")
_KEY_ORDER = {
    "committee": ("name", "role"),
    "positions": ("id", "title"),
    "persons": ("id", "name", "positions", "appointed", "retiring"),
    "groups": ("id", "title", "positions", "summoned", "present", "issued", "collected", "members"),
}
_WHAT = {"positions": N_("position"), "persons": N_("person"), "groups": N_("group"),
         "committee": N_("committee member")}
_MAX_GENERATED = 24  # leaves room for a numeric suffix within SLUG's 32 characters

DateLike = dt.date | str


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class EditResult:
    """What an edit did, and the problems the file still has (usually warnings)."""

    path: Path
    action: str                    # "created" | "added" | "removed" | "updated"
    kind: str                      # "event" | "position" | "person" | "group"
    id: str
    label: str                     # the title or name
    event: Event | None            # None while the file is still incomplete (e.g. no groups yet)
    diagnostics: tuple[Diagnostic, ...]
    also: tuple[str, ...] = ()     # knock-on changes of a forced removal
    new: tuple[Diagnostic, ...] = ()   # the diagnostics this edit brought (e.g. a new W701)

    @property
    def summary(self) -> str:
        """One line: what was written, and where."""
        if self.action == "created":
            return _("Created {path}: {label}").format(path=self.path, label=self.label)
        what = f"{_(self.kind)} {self.id} {self.label}".rstrip()
        template = {"added": N_("Added {what} to {path}"), "removed": N_("Removed {what} from {path}"),
                    "updated": N_("Updated {what} in {path}")}[self.action]
        line = _(template).format(what=what, path=self.path)
        if self.also:
            line = _("{line} (also {changes})").format(line=line, changes="; ".join(self.also))
        return line


# ---------------------------------------------------------------- ids


def _ascii_words(text: str) -> list[str]:
    """Words of `text` in ASCII: diacritics dropped, Đ/đ as D/d."""
    text = text.replace("Đ", "D").replace("đ", "d")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.findall(r"[A-Za-z]+|[0-9]+", text)


def position_id_from_title(title: str, taken: Iterable[str] = (), fallback: str = "cd") -> str:
    """Initials of the title without diacritics, made unique.

    "Ủy viên Ban Thường vụ Đảng ủy" → "uvbtvdu", "Phó Giám đốc Sở" → "pgds"; numbers and
    acronyms are kept whole ("Phó Giám đốc Sở 2" → "pgds2", "Ủy viên BTV" → "uvbtv").
    """
    words = _ascii_words(title)
    shouting = all(w.isupper() for w in words if w.isalpha())

    def initial(w: str) -> str:
        # numbers and acronyms ("BTV", "GTVT") are kept whole
        return w if w.isdigit() or (len(w) > 1 and w.isupper() and not shouting) else w[0]

    base = "".join(initial(w) for w in words).lower()[:_MAX_GENERATED] or fallback
    return _unique(base, taken)


def _group_id_from_title(title: str, taken: Iterable[str]) -> str:
    # "Phiếu tín nhiệm Giám đốc Sở" is about "Giám đốc Sở": the prefix is on every form.
    words = _ascii_words(title)
    lowered = [w.lower() for w in words]
    if lowered[:3] == ["phieu", "tin", "nhiem"] and len(words) > 3:
        words = words[3:]
    elif lowered[:1] == ["phieu"] and len(words) > 1:
        words = words[1:]
    return position_id_from_title(" ".join(words), taken, fallback="phieu")


def _unique(base: str, taken: Iterable[str]) -> str:
    used = {t.casefold() for t in taken}
    if base.casefold() not in used:
        return base
    n = 2
    while f"{base}{n}".casefold() in used:
        n += 1
    return f"{base}{n}"


def _next_person_id(taken: Iterable[str]) -> str:
    taken = list(taken)
    numbers = [int(m.group(1)) for t in taken if (m := re.fullmatch(r"[pP](\d+)", t))]
    n = max(numbers, default=0) + 1
    return _unique(f"p{n:02d}", taken)


# ---------------------------------------------------------------- reading


@dataclass
class _Source:
    path: Path
    raw: bytes
    text: str
    data: dict[str, Any]
    doc: tomlkit.TOMLDocument
    before: tuple[Diagnostic, ...]

    @property
    def name(self) -> str:
        return self.path.name


def _read_raw(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        from ballots.event import read_event

        raise TallyError(list(read_event(path).diagnostics)) from None


def _load(path: str | Path) -> _Source:
    path = Path(path)
    raw = _read_raw(path)
    before = _diagnose(raw, path.name)
    fatal = [d for d in before.diagnostics if d.code == "E101"]
    if fatal:
        raise TallyError(fatal)
    text = raw.decode("utf-8-sig")
    try:
        doc = tomlkit.parse(text)
    except (TOMLKitError, ValueError) as exc:  # tomllib accepted it; tomlkit did not
        raise fail("E101", _("event file cannot be edited: {exc}")
                           .format(exc=exc), _("edit it by hand, or simplify its layout"),
                   Location(path.name)) from None
    if tomlkit.dumps(doc) != text:
        raise fail(
            "E104",
            _("the layout of this event file cannot be kept when editing it: "
            "entries of one table are probably split by another section"),
            _("keep all [[positions]], all [[persons]] and all [[groups]] together, then try again"),
            Location(path.name),
        )
    assert before.data is not None
    return _Source(path, raw, text, before.data, doc, before.diagnostics)


def _entries(data: dict[str, Any], table: str) -> list[dict[str, Any]]:
    value = data.get(table, [])
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def _ids(data: dict[str, Any], table: str) -> list[str]:
    return [e["id"] for e in _entries(data, table) if isinstance(e.get("id"), str)]


def _find(src: _Source, table: str, id: str) -> int:
    for i, e in enumerate(_entries(src.data, table)):
        if isinstance(e.get("id"), str) and e["id"].casefold() == id.strip().casefold():
            return i
    known = ", ".join(_ids(src.data, table)) or _("(none yet)")
    raise fail("E106", _("there is no {what} '{id}' in {file}").format(what=_(_WHAT[table]), id=id, file=src.name),
               _("use one of: {known}").format(known=known), Location(src.name))


def _check_table_shape(src: _Source, table: str) -> None:
    value = src.data.get(table)
    if value is None:
        return
    ok = isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if not ok or not isinstance(src.doc.get(table), (AoT, Array)):
        raise fail("E104", _("'{table}' should be an array of tables ([[{table}]])").format(table=table),
                   _("write each entry as a [[{table}]] section, then try again").format(table=table),
                   Location(src.name, line=KeyLocator(src.text).line(table)))


# ---------------------------------------------------------------- checking


@dataclass(frozen=True)
class _Diagnosis:
    event: Event | None
    diagnostics: tuple[Diagnostic, ...]
    data: dict[str, Any] | None
    locator: KeyLocator | None


def _diagnose(raw: bytes, name: str) -> _Diagnosis:
    """Every problem of an event file's bytes: the reader's, eligibility, meeting counts."""
    loaded = parse_event(raw, name)
    if any(d.code == "E101" for d in loaded.diagnostics):
        return _Diagnosis(None, loaded.diagnostics, None, None)
    text = raw.decode("utf-8-sig")
    data = tomllib.loads(text)
    locator = KeyLocator(text)
    diags = list(loaded.diagnostics)
    if loaded.event is not None:
        def entry(table: str, index: int, key: str) -> Location:
            return Location(name, line=locator.line(table, index, key))

        diags.extend(eligibility_warnings(loaded.event, entry))
    diags.extend(meeting_diagnostics(data, name, locator))
    return _Diagnosis(loaded.event, tuple(diags), data, locator)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def meeting_diagnostics(data: dict[str, Any], name: str = "event.toml",
                        locator: KeyLocator | None = None) -> list[Diagnostic]:
    """SPEC §3 meeting checks on the raw TOML data, so they also run while other parts of
    the file still have errors (ballots.event.meeting_count_checks does the checking)."""
    out: list[Diagnostic] = []
    for i, g in enumerate(_entries(data, "groups")):
        gid = g.get("id") if isinstance(g.get("id"), str) else f"groups[{i + 1}]"

        def where(key: str, index: int = i) -> Location:
            return Location(name, line=locator.line("groups", index, key) if locator else None)

        out.extend(meeting_count_checks(str(gid), {k: _count(g.get(k)) for k in COUNT_LABELS}, where))
    return out


def _error_key(d: Diagnostic) -> tuple[str, str]:
    # Entry numbers shift when an entry is added or removed; the same problem must not
    # look new just because it moved from persons[4] to persons[3].
    return d.code, re.sub(r"\[\d+\]", "[]", d.message)


def _new_errors(before: Sequence[Diagnostic], after: Sequence[Diagnostic]) -> list[Diagnostic]:
    return [d for d in _new_diagnostics(before, after) if d.is_error]


def _new_diagnostics(before: Sequence[Diagnostic], after: Sequence[Diagnostic]) -> list[Diagnostic]:
    old = Counter(_error_key(d) for d in before)
    out = []
    for d in after:
        key = _error_key(d)
        if old[key] > 0:
            old[key] -= 1
        else:
            out.append(d)
    return out


def _refusal(errors: Sequence[Diagnostic], name: str) -> TallyError:
    """The would-be file's errors, pointed at the real file (their lines do not exist yet)."""
    return TallyError([
        replace(d, location=Location(name), related=(),
                hint=_("nothing was written; {hint}").format(hint=d.hint) if d.hint else _("nothing was written"))
        for d in errors
    ])


# ---------------------------------------------------------------- planned changes


@dataclass(frozen=True)
class _Append:
    table: str
    entry: dict[str, Any]


@dataclass(frozen=True)
class _Remove:
    table: str
    index: int


@dataclass(frozen=True)
class _Set:
    table: str
    index: int
    values: dict[str, Any]


@dataclass(frozen=True)
class _Drop:
    """Take some ids out of a list value, keeping the list's own formatting."""

    table: str
    index: int
    key: str
    ids: frozenset[str]   # casefolded


_Change = _Append | _Remove | _Set | _Drop


def _apply_data(data: dict[str, Any], change: _Change) -> None:
    if isinstance(change, _Append):
        data.setdefault(change.table, []).append(copy.deepcopy(change.entry))
    elif isinstance(change, _Remove):
        del data[change.table][change.index]
        if not data[change.table]:
            del data[change.table]
    elif isinstance(change, _Set):
        entry = data[change.table][change.index]
        for k, v in change.values.items():
            if v is None:
                entry.pop(k, None)
            else:
                entry[k] = copy.deepcopy(v)
    else:
        entry = data[change.table][change.index]
        entry[change.key] = [x for x in entry[change.key] if x.casefold() not in change.ids]


def _apply_doc(doc: tomlkit.TOMLDocument, change: _Change) -> None:
    if isinstance(change, _Append):
        _append_entry(doc, change.table, change.entry)
    elif isinstance(change, _Remove):
        _remove_entry(doc, change.table, change.index)
    elif isinstance(change, _Set):
        _set_values(doc[change.table][change.index], change.table, change.values)
    else:
        arr = doc[change.table][change.index][change.key]
        for j in reversed(range(len(arr))):
            if isinstance(arr[j], str) and arr[j].casefold() in change.ids:
                del arr[j]


def _commit(src: _Source, changes: Sequence[_Change]) -> _Diagnosis:
    """Apply, check, write. Raises TallyError (file untouched) when the result is worse."""
    expected = copy.deepcopy(src.data)
    for change in changes:
        _apply_data(expected, change)
        _apply_doc(src.doc, change)
    text = tomlkit.dumps(src.doc)
    if "\r\n" in src.text and "\n" not in src.text.replace("\r\n", ""):
        text = re.sub(r"(?<!\r)\n", "\r\n", text)     # keep a Windows file's line endings
    if tomllib.loads(text) != expected:
        raise RuntimeError(f"editing {src.name} would change more than intended; nothing was written")
    raw = (codecs.BOM_UTF8 if src.raw.startswith(codecs.BOM_UTF8) else b"") + text.encode("utf-8")
    after = _diagnose(raw, src.name)
    new = _new_errors(src.before, after.diagnostics)
    if new:
        raise _refusal(new, src.name)
    _write_atomic(src.path, raw)
    return after


def _write_atomic(path: Path, raw: bytes, mode: int | None = None) -> None:
    """Replace the event file atomically, keeping its permissions."""
    target = Path(os.path.realpath(path))
    if mode is None:
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else _default_mode()
    write_atomic(target, raw, mode)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


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
        doc._insert_at(index, table, aot)


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
    n = len(items)
    for k, v in list(doc._map.items()):
        if isinstance(v, tuple):
            doc._map[k] = tuple(x + n if x >= index else x for x in v)
        elif v >= index:
            doc._map[k] = v + n
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
            c._insert_after(after, key, value)
        else:
            tail = _take(c, _tail_start(c))
            c.append(key, value)
            _put(c, tail)


# ---------------------------------------------------------------- validation helpers


def _text(value: str | None, field: str, name: str, option: str) -> str:
    if value is None or not value.strip():
        raise fail("E103", _("{field} is missing or empty").format(field=_(field)),
                   _("give it with {option}").format(option=option), Location(name))
    # one spelling of each letter: text typed on some systems arrives decomposed (NFD)
    return unicodedata.normalize("NFC", value.strip())


def _opt_text(value: str | None) -> str | None:
    return unicodedata.normalize("NFC", value.strip()) if value is not None and value.strip() else None


def _date(value: DateLike | None, field: str, name: str, option: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise fail("E104", _("{field} should be a date like 2023-05-31, found {value!r}").format(field=_(field), value=value),
               _("write {option} as YYYY-MM-DD").format(option=option), Location(name))


def _new_id(value: str | None, taken: Sequence[str], what: str, name: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not SLUG.match(value):
        raise fail("E110", _("{what} id '{value}' is not a short ASCII slug").format(what=_(what), value=value),
                   _("use letters a-z, digits, '-' or '_', at most 32 characters, e.g. 'p01' or 'btv'"),
                   Location(name))
    clash = next((t for t in taken if t.casefold() == value.casefold()), None)
    if clash is not None:
        raise fail("E105", _("{what} id '{value}' is already used (by '{clash}')")
                           .format(what=_(what), value=value, clash=clash),
                   _("choose another id, or leave it out to have one made: taken are {taken}")
                   .format(taken=', '.join(taken)),
                   Location(name))
    return value


def _position_refs(src: _Source, given: Sequence[str], what: str) -> list[str]:
    defined = _ids(src.data, "positions")
    folded = {p.casefold(): p for p in defined}
    refs = [g.strip() for g in given if g.strip()]
    if not refs:
        raise fail("E103", _("the {what} needs at least one position").format(what=_(what)),
                   _("give --position ID (repeat it for several)"), Location(src.name))
    unknown = [r for r in refs if r.casefold() not in folded]
    if unknown:
        raise fail("E106", _n("position {positions} is not defined in {file}",
                              "positions {positions} are not defined in {file}", len(unknown))
                   .format(positions=', '.join(repr(u) for u in unknown), file=src.name),
                   _("add it with `tally position add`, or use one of: {defined}")
                   .format(defined=', '.join(defined) or _("(none yet)")),
                   Location(src.name))
    out = [folded[r.casefold()] for r in refs]
    dupes = sorted({x for x in out if out.count(x) > 1})
    if dupes:
        raise fail("E105", _("position {positions} is given twice")
                           .format(positions=', '.join(dupes)), _("give each position once"),
                   Location(src.name))
    return out


def _rules(src: _Source) -> str:
    ev = src.data.get("event")
    rules = ev.get("rules") if isinstance(ev, dict) else None
    return rules if isinstance(rules, str) else DEFAULT_RULES


def _check_counts(name: str, summoned: int, present: int, issued: int, collected: int | None,
                  members: int | None, rules: str) -> None:
    for label, value in (("summoned", summoned), ("present", present), ("issued", issued),
                         ("collected", collected), ("members", members)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise fail("E104", _("{label} should be a whole number, 0 or more, found {value!r}")
                               .format(label=label, value=value),
                       _("give --{label} N").format(label=label), Location(name))
    counts = {"summoned": summoned, "present": present, "issued": issued, "collected": collected}
    diags = meeting_count_checks("new", counts, lambda key: Location(name), subject=_("the group"))
    if diags:
        raise TallyError([replace(d, hint=_("nothing was written; {hint}").format(hint=d.hint)) for d in diags])
    if rules == "nq85-2014" and not members:
        raise fail("E103", _("rule set nq85-2014 takes its percentages of the total number of members: "
                   "the group needs members, more than 0"),
                   _("give --members N (tổng số thành viên / đại biểu)"), Location(name))


def _result(src: _Source, after: _Diagnosis, action: str, kind: str, id: str, label: str,
            also: Sequence[str] = ()) -> EditResult:
    return EditResult(src.path, action, kind, id, label, after.event, after.diagnostics, tuple(also),
                      tuple(_new_diagnostics(src.before, after.diagnostics)))


# ---------------------------------------------------------------- the event skeleton

_RULES_COMMENT = """\
# Bộ quy định áp dụng / Rule set (SPEC §2):
#   "qd96-2023"  Quy định 96-QĐ/TW (2023): Đảng, hệ thống chính trị (mặc định / default)
#   "nq96-2023"  Nghị quyết 96/2023/QH15: Quốc hội, HĐND / National Assembly, People's Councils
#   "qd262-2014" Quy định 262-QĐ/TW (2014), đã được thay thế / superseded
#   "nq85-2014"  Nghị quyết 85/2014/QH13, đã được thay thế / superseded
#                (tỷ lệ tính trên tổng số thành viên / percentages of all members)"""

_RULE = "# " + "-" * 75

_COMMITTEE_BLOCK = f"""\
{_RULE}
# [[committee]] Ban kiểm phiếu, in ở khối chữ ký / Counting committee, for the signature block.
# Mỗi thành viên một bảng / One table per member:
#   name  họ và tên / full name
#   role  chức danh trong Ban kiểm phiếu / role on the committee, e.g. "Trưởng ban"
{_RULE}"""

_COMMITTEE_EXAMPLE = """\
# [[committee]]
# name = "Lê Văn Cường"
# role = "Trưởng ban\""""

_POSITIONS_BLOCK = f"""\
{_RULE}
# [[positions]] Chức danh được lấy phiếu / Positions under review.
#   id     mã ngắn ASCII, không trùng / short unique ASCII slug, e.g. "gd"
#   title  tên chức danh in trên phiếu và biên bản / title printed on ballots and minutes
# Thêm / add:  tally position add EVENT --title "Giám đốc Sở"
{_RULE}"""

_PERSONS_BLOCK = f"""\
{_RULE}
# [[persons]] Người được lấy phiếu / Persons under review.
# Thứ tự ở đây là thứ tự in trên phiếu / The order here is the order on the ballot forms.
#   id         mã ngắn ASCII / short ASCII slug, e.g. "p01"
#   name       họ và tên đầy đủ, có dấu / full name with diacritics
#   positions  các chức danh đang giữ (id) / ids of the positions held, e.g. ["btv", "gd"]
#   appointed  tùy chọn: ngày được bầu, bổ nhiệm / optional: date elected or appointed
#   retiring   tùy chọn: đã có thông báo nghỉ hưu / optional: notified of retirement (true/false)
# Thêm / add:  tally person add EVENT --name "Nguyễn Văn An" --position gd
{_RULE}"""

_GROUPS_BLOCK = f"""\
{_RULE}
# [[groups]] Phiếu (nhóm): mỗi mẫu phiếu có thành phần bỏ phiếu riêng (QĐ 96, Phụ lục 1).
# Ballot groups: each ballot form has its own voters (QĐ 96, Annex 1).
#   id         mã ngắn ASCII; là tên trang tính trong tệp phiếu / also the sheet name in the ballot workbook
#   title      tiêu đề mẫu phiếu / title of the ballot form
#   positions  ai giữ một trong các chức danh này thì có tên trên phiếu (một lần)
#              everyone holding one of these positions is on the form (once)
#   summoned   số người được triệu tập / number summoned
#   present    số người có mặt (ít nhất 2/3 số triệu tập) / present (quorum: at least 2/3 of summoned)
#   issued     số phiếu phát ra / ballots issued
#   collected  tùy chọn: số phiếu thu về / optional: ballots collected, as counted on paper
#   members    chỉ với "nq85-2014": tổng số thành viên / only for "nq85-2014": total members
# Thêm / add:  tally group add EVENT --title "..." --position gd --summoned 45 --present 42 --issued 42
{_RULE}"""


def _toml(value: Any) -> str:
    return str(tomlkit.item(value).as_string())


def _event_fields(title: str | None, organisation: str | None, date: DateLike | None, rules: str | None,
                  language: str | None, name: str) -> tuple[str, str, dt.date, str, str]:
    t = _text(title, N_("the event's title"), name, "--title")
    o = _text(organisation, N_("the organisation holding the vote"), name, "--organisation")
    d = _date(date, N_("the date"), name, "--date")
    if d is None:
        raise fail("E103", _("the date of the vote is missing"), _("give it with --date YYYY-MM-DD"), Location(name))
    r = (rules or DEFAULT_RULES).strip()
    if r not in RULE_SETS:
        raise fail("E108", _("unknown rule set '{r}'")
                           .format(r=r), _("use one of: {rule_sets}")
                                                      .format(rule_sets=', '.join(RULE_SETS)), Location(name))
    lang = (language or "vi").strip()
    if lang not in LANGUAGES:
        raise fail("E104", _("language should be \"vi\" or \"en\", found {lang!r}")
                           .format(lang=lang), _("give --language vi or en"),
                   Location(name))
    return t, o, d, r, lang


def new_event_document(
    title: str,
    organisation: str,
    date: DateLike,
    rules: str = DEFAULT_RULES,
    language: str = "vi",
    parent: str | None = None,
    place: str | None = None,
    committee: Sequence[CommitteeMember] = (),
) -> str:
    """A commented event file (SPEC §4) with the [event] filled in and every section explained."""
    return _render_event(title, organisation, date, rules, language, parent, place, committee, "event.toml")


def _render_event(title: str, organisation: str, date: DateLike, rules: str, language: str, parent: str | None,
                  place: str | None, committee: Sequence[CommitteeMember], name: str) -> str:
    t, o, d, r, lang = _event_fields(title, organisation, date, rules, language, name)
    parent, place = _opt_text(parent), _opt_text(place)
    lines = [
        "# Tệp sự kiện lấy phiếu tín nhiệm / Confidence-vote event file (tally, SPEC §4).",
        "# Sửa bằng lệnh hoặc bằng tay; chú thích được giữ nguyên.",
        "# Edit it with the commands below or by hand; comments are kept.",
        "#   tally position add | person add | group add EVENT ...",
        "#   tally show EVENT",
        "",
        "# Phiên bản định dạng tệp (luôn là 1) / Event-file format version (always 1).",
        "schema = 1",
        "",
        "[event]",
        "# Tên cuộc lấy phiếu, in trên biên bản / Title of the vote, printed on the minutes.",
        f"title = {_toml(t)}",
        "# Cơ quan, tổ chức tiến hành / The body holding the vote.",
        f"organisation = {_toml(o)}",
        "# Tùy chọn: cấp ủy cấp trên, in ở góc trái tiêu đề / Optional: the superior body, top left of the header.",
        f"parent = {_toml(parent)}" if parent else '# parent = "Đảng bộ Khối các cơ quan tỉnh"',
        "# Tùy chọn: địa danh ghi trước ngày tháng / Optional: place written before the date.",
        f"place = {_toml(place)}" if place else '# place = "Thành phố X"',
        "# Ngày kiểm phiếu (kiểu ngày TOML, không có dấu nháy) / Date of the count (a TOML date, unquoted).",
        f"date = {d.isoformat()}",
        _RULES_COMMENT,
        f"rules = {_toml(r)}",
        "# Ngôn ngữ của biên bản: \"vi\" hoặc \"en\" / Language of the documents: \"vi\" or \"en\".",
        f"language = {_toml(lang)}",
        "",
        _COMMITTEE_BLOCK,
        "",
    ]
    members = [m for m in committee if m.name.strip()]
    if members:
        for m in members:
            lines += ["[[committee]]", f"name = {_toml(_opt_text(m.name))}"]
            if m.role.strip():
                lines.append(f"role = {_toml(_opt_text(m.role))}")
            lines.append("")
    else:
        lines += [_COMMITTEE_EXAMPLE, ""]
    lines += [_POSITIONS_BLOCK, "", _PERSONS_BLOCK, "", _GROUPS_BLOCK, ""]
    return "\n".join(lines)


def check_new_event_path(path: str | Path, force: bool = False) -> None:
    """Raise E111 if `path` exists (and not `force`): checked before asking the user anything."""
    path = Path(path)
    if path.is_dir():
        raise fail("E602", _("{path} is a folder")
                           .format(path=path), _("give a file name, e.g. event.toml"), Location(str(path)))
    if path.exists() and not force:
        raise fail("E111", _("event file '{path}' already exists").format(path=path),
                   _("choose another name, edit it with `tally position|person|group add`, or overwrite it with --force"),
                   Location(str(path)))


def init_event(
    path: str | Path,
    title: str,
    organisation: str,
    date: DateLike,
    rules: str = DEFAULT_RULES,
    language: str = "vi",
    parent: str | None = None,
    place: str | None = None,
    committee: Sequence[CommitteeMember] = (),
    force: bool = False,
) -> EditResult:
    """Write a new event file; refuse (E111) to overwrite one unless `force`."""
    path = Path(path)
    check_new_event_path(path, force)
    text = _render_event(title, organisation, date, rules, language, parent, place, committee, path.name)
    raw = text.encode("utf-8")
    after = _diagnose(raw, path.name)
    # A new file has no ballot forms yet; anything else wrong with it is a bug here.
    unexpected = [d for d in after.diagnostics if d.is_error and not (d.code == "E103" and d.message == _(NO_GROUPS))]
    if unexpected:
        raise TallyError(unexpected)
    _write_atomic(path, raw)
    return EditResult(path, "created", "event", "", title.strip(), after.event, after.diagnostics,
                      new=after.diagnostics)


# ---------------------------------------------------------------- positions


def add_position(path: str | Path, title: str, id: str | None = None) -> EditResult:
    src = _load(path)
    _check_table_shape(src, "positions")
    title = _text(title, N_("the position's title"), src.name, "--title")
    taken = _ids(src.data, "positions")
    pid = _new_id(id, taken, "position", src.name) or position_id_from_title(title, taken)
    after = _commit(src, [_Append("positions", {"id": pid, "title": title})])
    return _result(src, after, "added", "position", pid, title)


def remove_position(path: str | Path, id: str, force: bool = False) -> EditResult:
    """Remove a position. If people or groups still use it, refuse (E112) unless `force`:
    then it is taken off them too, and people or groups left with no position are removed.
    """
    src = _load(path)
    index = _find(src, "positions", id)
    pos = _entries(src.data, "positions")[index]
    pid = pos["id"]
    folded = pid.casefold()
    changes: list[_Change] = []
    removals: list[_Remove] = []
    users: list[str] = []
    also: list[str] = []
    for table in ("persons", "groups"):
        for i, e in enumerate(_entries(src.data, table)):
            held = e.get("positions")
            if not isinstance(held, list) or not any(isinstance(x, str) and x.casefold() == folded for x in held):
                continue
            label = f"{_(_WHAT[table])} {e.get('id', '?')} {e.get('name') or e.get('title') or ''}".rstrip()
            users.append(label)
            rest = [x for x in held if not (isinstance(x, str) and x.casefold() == folded)]
            if rest:
                changes.append(_Drop(table, i, "positions", frozenset({folded})))
                also.append(_("took {position} off {label}").format(position=pid, label=label))
            else:
                removals.append(_Remove(table, i))
                also.append(_("removed {label}").format(label=label))
    if users and not force:
        raise fail("E112", _("position '{pid}' is still used by {users}").format(pid=pid, users=', '.join(users)),
                   _("change or remove them first, or use --force to take the position off them "
                   "(people and groups left with no position are removed too)"),
                   Location(src.name, line=KeyLocator(src.text).line("positions", index, "id")))
    ordered: list[_Remove] = sorted(removals, key=lambda r: (r.table, -r.index))   # later entries first
    changes += ordered
    changes.append(_Remove("positions", index))
    after = _commit(src, changes)
    return _result(src, after, "removed", "position", pid, str(pos.get("title", "")), also)


# ---------------------------------------------------------------- persons


def add_person(
    path: str | Path,
    name: str,
    positions: Sequence[str],
    id: str | None = None,
    appointed: DateLike | None = None,
    retiring: bool = False,
) -> EditResult:
    src = _load(path)
    _check_table_shape(src, "persons")
    name = _text(name, N_("the person's name"), src.name, "--name")
    held = _position_refs(src, positions, "person")
    taken = _ids(src.data, "persons")
    pid = _new_id(id, taken, "person", src.name) or _next_person_id(taken)
    entry: dict[str, Any] = {"id": pid, "name": name, "positions": held}
    when = _date(appointed, N_("the appointment date"), src.name, "--appointed")
    if when is not None:
        entry["appointed"] = when
    if retiring:
        entry["retiring"] = True
    after = _commit(src, [_Append("persons", entry)])
    return _result(src, after, "added", "person", pid, name)


def remove_person(path: str | Path, id: str) -> EditResult:
    src = _load(path)
    index = _find(src, "persons", id)
    person = _entries(src.data, "persons")[index]
    held = {x.casefold() for x in person.get("positions", []) if isinstance(x, str)}
    others = set()
    for i, e in enumerate(_entries(src.data, "persons")):
        if i != index and isinstance(e.get("positions"), list):
            others |= {x.casefold() for x in e["positions"] if isinstance(x, str)}
    emptied = []
    for g in _entries(src.data, "groups"):
        gpos = {x.casefold() for x in g.get("positions", []) if isinstance(x, str)} if isinstance(
            g.get("positions"), list) else set()
        if gpos & held and not gpos & others:
            emptied.append(str(g.get("id", "?")))
    if emptied:
        raise fail("E107", _("{name} ({id}) is the only person on group "
                   "{groups}; without them the form would have nobody on it")
                           .format(name=person.get('name', ''), id=person['id'], groups=', '.join(emptied)),
                   _("remove the group first (`tally group remove`), or add the replacement before removing"),
                   Location(src.name, line=KeyLocator(src.text).line("persons", index, "id")))
    after = _commit(src, [_Remove("persons", index)])
    return _result(src, after, "removed", "person", person["id"], str(person.get("name", "")))


# ---------------------------------------------------------------- groups


def add_group(
    path: str | Path,
    title: str,
    positions: Sequence[str],
    summoned: int,
    present: int,
    issued: int,
    collected: int | None = None,
    members: int | None = None,
    id: str | None = None,
) -> EditResult:
    src = _load(path)
    _check_table_shape(src, "groups")
    title = _text(title, N_("the group's title"), src.name, "--title")
    gpos = _position_refs(src, positions, "group")
    _check_counts(src.name, summoned, present, issued, collected, members, _rules(src))
    held = {x.casefold() for p in _entries(src.data, "persons") if isinstance(p.get("positions"), list)
            for x in p["positions"] if isinstance(x, str)}
    if not {p.casefold() for p in gpos} & held:
        raise fail("E107", _("nobody holds {positions}: the form would have nobody on it")
                           .format(positions=', '.join(gpos)),
                   _("add the people under review first with `tally person add`"), Location(src.name))
    taken = _ids(src.data, "groups")
    gid = _new_id(id, taken, "group", src.name) or _group_id_from_title(title, taken)
    entry: dict[str, Any] = {"id": gid, "title": title, "positions": gpos,
                             "summoned": summoned, "present": present, "issued": issued}
    if collected is not None:
        entry["collected"] = collected
    if members is not None:
        entry["members"] = members
    after = _commit(src, [_Append("groups", entry)])
    return _result(src, after, "added", "group", gid, title)


def set_group(
    path: str | Path,
    id: str,
    title: str | None = None,
    positions: Sequence[str] | None = None,
    summoned: int | None = None,
    present: int | None = None,
    issued: int | None = None,
    collected: int | None = None,
    members: int | None = None,
) -> EditResult:
    """Change a group's title, positions or counts; what is not given stays as written."""
    src = _load(path)
    index = _find(src, "groups", id)
    group = _entries(src.data, "groups")[index]
    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = _text(title, N_("the group's title"), src.name, "--title")
    if positions is not None:
        values["positions"] = _position_refs(src, positions, "group")
    for key, value in (("summoned", summoned), ("present", present), ("issued", issued),
                       ("collected", collected), ("members", members)):
        if value is not None:
            values[key] = value
    if not values:
        raise fail("E103", _("nothing to change for group '{id}'").format(id=group['id']),
                   _("give at least one of --title, --position, --summoned, --present, --issued, --collected, --members"),
                   Location(src.name))
    merged = {**group, **values}
    counts = {k: merged.get(k) for k in ("summoned", "present", "issued")}
    # only a change of the counts is checked here: a problem already in the file does not
    # block renaming the group (the check after the edit still refuses anything new)
    changes_counts = any(k in values for k in ("summoned", "present", "issued", "collected", "members"))
    if changes_counts and all(_count(v) is not None for v in counts.values()):
        _check_counts(src.name, merged["summoned"], merged["present"], merged["issued"],
                      _count(merged.get("collected")), _count(merged.get("members")), _rules(src))
    after = _commit(src, [_Set("groups", index, values)])
    return _result(src, after, "updated", "group", group["id"], str(merged.get("title", "")))


def remove_group(path: str | Path, id: str) -> EditResult:
    src = _load(path)
    index = _find(src, "groups", id)
    group = _entries(src.data, "groups")[index]
    after = _commit(src, [_Remove("groups", index)])
    return _result(src, after, "removed", "group", group["id"], str(group.get("title", "")))


# ---------------------------------------------------------------- a readable view, errors or not


@dataclass(frozen=True)
class PositionView:
    id: str
    title: str


@dataclass(frozen=True)
class PersonView:
    id: str
    name: str
    positions: tuple[str, ...]        # ids as defined in [[positions]] where they match
    appointed: dt.date | None
    retiring: bool


@dataclass(frozen=True)
class GroupView:
    id: str
    title: str
    positions: tuple[str, ...]
    summoned: int | None
    present: int | None
    issued: int | None
    collected: int | None
    members: int | None

    @property
    def quorum(self) -> bool | None:
        """3 × present ≥ 2 × summoned; None while a count is missing."""
        if self.summoned is None or self.present is None:
            return None
        return 3 * self.present >= 2 * self.summoned


@dataclass(frozen=True)
class EventView:
    """What an event file says, read leniently so that an unfinished file can be shown."""

    path: Path
    title: str | None
    organisation: str | None
    parent: str | None
    place: str | None
    date: dt.date | None
    rules: str
    language: str
    committee: tuple[CommitteeMember, ...]
    positions: tuple[PositionView, ...]
    persons: tuple[PersonView, ...]
    groups: tuple[GroupView, ...]
    event: Event | None               # the checked event; None while the file has errors
    diagnostics: tuple[Diagnostic, ...]

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.is_error)

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if not d.is_error)

    @property
    def exit_code(self) -> ExitCode:
        return exit_code_for(self.diagnostics)

    def position_title(self, pid: str) -> str:
        return next((p.title for p in self.positions if p.id == pid), pid)

    def holders(self, pid: str) -> tuple[PersonView, ...]:
        return tuple(p for p in self.persons if pid in p.positions)

    def groups_using(self, pid: str) -> tuple[GroupView, ...]:
        return tuple(g for g in self.groups if pid in g.positions)

    def persons_on(self, group: GroupView) -> tuple[PersonView, ...]:
        wanted = set(group.positions)
        return tuple(p for p in self.persons if wanted.intersection(p.positions))

    def forms_of(self, person: PersonView) -> tuple[GroupView, ...]:
        return tuple(g for g in self.groups if set(g.positions) & set(person.positions))


def _s(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _d(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def inspect_event(path: str | Path) -> EventView:
    """Read an event file for display: every entry that can be shown, and every problem.

    Raises TallyError only when there is nothing to show (file missing, not TOML).
    """
    path = Path(path)
    raw = _read_raw(path)
    checked = _diagnose(raw, path.name)
    if checked.data is None:
        raise TallyError([d for d in checked.diagnostics if d.is_error])
    data = checked.data
    raw_event = data.get("event")
    ev: dict[str, Any] = raw_event if isinstance(raw_event, dict) else {}
    positions = tuple(PositionView(_s(e.get("id")) or "?", _s(e.get("title")) or "")
                      for e in _entries(data, "positions"))
    folded = {p.id.casefold(): p.id for p in positions}

    def refs(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list):
            return ()
        return tuple(folded.get(x.strip().casefold(), x.strip()) for x in value if isinstance(x, str))

    persons = tuple(
        PersonView(_s(e.get("id")) or "?", _s(e.get("name")) or "", refs(e.get("positions")), _d(e.get("appointed")),
                   e.get("retiring") is True)
        for e in _entries(data, "persons"))
    groups = tuple(
        GroupView(_s(e.get("id")) or "?", _s(e.get("title")) or "", refs(e.get("positions")),
                  _count(e.get("summoned")), _count(e.get("present")), _count(e.get("issued")),
                  _count(e.get("collected")), _count(e.get("members")))
        for e in _entries(data, "groups"))
    committee = tuple(CommitteeMember(_s(e.get("name")) or "", _s(e.get("role")) or "")
                      for e in _entries(data, "committee"))
    rules = _s(ev.get("rules")) or DEFAULT_RULES
    return EventView(
        path=path, title=_s(ev.get("title")), organisation=_s(ev.get("organisation")), parent=_s(ev.get("parent")),
        place=_s(ev.get("place")), date=_d(ev.get("date")), rules=rules, language=_s(ev.get("language")) or "vi",
        committee=committee, positions=positions, persons=persons, groups=groups, event=checked.event,
        diagnostics=checked.diagnostics,
    )
