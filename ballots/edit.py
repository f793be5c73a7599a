"""Define the event from the command line: edit the event file (SPEC §4) in place.

The event file is the committee's document: people write comments in it, order it and
format it by hand. Every edit here therefore goes through tomlkit (ballots/toml_edit.py),
which keeps what it does not touch byte for byte, and is checked twice before anything
is written:

1. the data the edited file holds must equal the old data with exactly the intended
   change applied (a guard against any layout surprise in the TOML library);
2. the edited file must not have errors the old file did not have (`parse_event` plus
   the meeting checks); otherwise the edit is refused with those diagnostics.

Only then is the file replaced, atomically (temp file in the same directory, fsync,
``os.replace``). Functions return an :class:`EditResult` with the file's remaining
problems so the command line can show them; nothing here prints.

A new file's skeleton is ballots/skeleton.py; the read-only view for `tally show` is
ballots/event_view.py.
"""

from __future__ import annotations

import codecs
import copy
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
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array

from ballots.errors import Diagnostic, Location, TallyError, fail
from ballots.event import NO_GROUPS, SLUG, KeyLocator, meeting_count_checks
from ballots.event_source import Diagnosis, count_value, diagnose, entries, ids, read_raw
from ballots.i18n import N_, _, _n
from ballots.model import CommitteeMember, Event
from ballots.output import write_atomic
from ballots.rules import DEFAULT_RULES, Policy, policy_for, takes_members
from ballots.skeleton import DateLike, check_new_event_path, date_value, optional_text, render_event, text_value
from ballots.toml_edit import Append, Change, Drop, Remove, SetValues, apply_data, apply_doc

__all__ = [
    "EditResult",
    "add_group",
    "add_person",
    "add_position",
    "init_event",
    "position_id_from_title",
    "remove_group",
    "remove_person",
    "remove_position",
    "set_group",
    "set_person",
]

_WHAT = {"positions": N_("position"), "persons": N_("person"), "groups": N_("group"),
         "committee": N_("committee member")}
_KINDS = {"committee": N_("committee member")}   # the other kinds are their own words
_MAX_GENERATED = 24  # leaves room for a numeric suffix within SLUG's 31 characters


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
        what = " ".join(x for x in (_(_KINDS.get(self.kind, self.kind)), self.id, self.label) if x)
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


# ---------------------------------------------------------------- reading for an edit


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


def _load(path: str | Path) -> _Source:
    path = Path(path)
    raw = read_raw(path)
    before = diagnose(raw, path.name)
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
        split = _split_table(text)
        if split is not None:
            table, first, stray = split
            raise fail(
                "E104",
                _("the entries of [[{table}]] are split by another section: this event file "
                  "cannot be edited without moving them").format(table=table),
                _("move the [[{table}]] at line {stray} up to the other [[{table}]] entries "
                  "(line {first}), then try again").format(table=table, stray=stray, first=first),
                Location(path.name, line=stray),
            )
        raise fail(
            "E104",
            _("the layout of this event file cannot be kept when editing it: "
            "entries of one table are probably split by another section"),
            _("keep all [[committee]], all [[positions]], all [[persons]] and all [[groups]] "
              "together, then try again"),
            Location(path.name),
        )
    assert before.data is not None
    return _Source(path, raw, text, before.data, doc, before.diagnostics)


_HEADER = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_-]+)")


def _split_table(text: str) -> tuple[str, int, int] | None:
    """The first array of tables whose entries another section splits: (name, line of its
    first entry, line of the entry after the split), lines counted from 1."""
    first: dict[str, int] = {}
    last = ""
    for number, line in enumerate(text.splitlines(), 1):
        m = _HEADER.match(line)
        if m is None:
            continue
        name = m.group(2)
        if m.group(1) == "[[":
            if name in first and last != name:
                return name, first[name], number
            first.setdefault(name, number)
        last = name
    return None


def _find(src: _Source, table: str, id: str) -> int:
    for i, e in enumerate(entries(src.data, table)):
        if isinstance(e.get("id"), str) and e["id"].casefold() == id.strip().casefold():
            return i
    known = ", ".join(ids(src.data, table)) or _("(none yet)")
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


# ---------------------------------------------------------------- checking an edit


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


def _commit(src: _Source, changes: Sequence[Change]) -> Diagnosis:
    """Apply, check, write. Raises TallyError (file untouched) when the result is worse."""
    expected = copy.deepcopy(src.data)
    for change in changes:
        apply_data(expected, change)
        apply_doc(src.doc, change)
    text = tomlkit.dumps(src.doc)
    if "\r\n" in src.text and "\n" not in src.text.replace("\r\n", ""):
        text = re.sub(r"(?<!\r)\n", "\r\n", text)     # keep a Windows file's line endings
    if tomllib.loads(text) != expected:
        raise RuntimeError(f"editing {src.name} would change more than intended; nothing was written")
    raw = (codecs.BOM_UTF8 if src.raw.startswith(codecs.BOM_UTF8) else b"") + text.encode("utf-8")
    after = diagnose(raw, src.name)
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


# ---------------------------------------------------------------- validation helpers


def _new_id(value: str | None, taken: Sequence[str], what: str, name: str) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not SLUG.match(value):
        raise fail("E110", _("{what} id '{value}' is not a short ASCII slug").format(what=_(what), value=value),
                   _("use letters a-z, digits, '-' or '_', at most 31 characters, e.g. 'p01' or 'btv'"),
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
    defined = ids(src.data, "positions")
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


def _policy(src: _Source) -> Policy:
    table = src.data.get("policy")
    return policy_for(_rules(src), table if isinstance(table, dict) else None)


def _check_counts(name: str, summoned: int, present: int, issued: int, collected: int | None,
                  members: int | None, rules: str, policy: Policy) -> None:
    for label, value in (("summoned", summoned), ("present", present), ("issued", issued),
                         ("collected", collected), ("members", members)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise fail("E104", _("{label} should be a whole number, 0 or more, found {value!r}")
                               .format(label=label, value=value),
                       _("give --{label} N").format(label=label), Location(name))
    counts = {"summoned": summoned, "present": present, "issued": issued, "collected": collected,
              "members": members}
    diags = [d for d in meeting_count_checks("new", counts, lambda key: Location(name), subject=_("the group"),
                                             rules=rules, policy=policy) if d.is_error]
    if diags:
        raise TallyError([replace(d, hint=_("nothing was written; {hint}").format(hint=d.hint)) for d in diags])
    if takes_members(rules) and not members:
        raise fail("E103", _("rule set {rules} takes its percentages of the total number of members: "
                   "the group needs members, more than 0").format(rules=rules),
                   _("give --members N (tổng số thành viên / đại biểu)"), Location(name))


def _result(src: _Source, after: Diagnosis, action: str, kind: str, id: str, label: str,
            also: Sequence[str] = ()) -> EditResult:
    return EditResult(src.path, action, kind, id, label, after.event, after.diagnostics, tuple(also),
                      tuple(_new_diagnostics(src.before, after.diagnostics)))


# ---------------------------------------------------------------- a new event file


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
    text = render_event(title, organisation, date, rules, language, parent, place, committee, path.name)
    raw = text.encode("utf-8")
    after = diagnose(raw, path.name)
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
    title = text_value(title, N_("the position's title"), src.name, "--title")
    taken = ids(src.data, "positions")
    pid = _new_id(id, taken, "position", src.name) or position_id_from_title(title, taken)
    after = _commit(src, [Append("positions", {"id": pid, "title": title})])
    return _result(src, after, "added", "position", pid, title)


def remove_position(path: str | Path, id: str, force: bool = False) -> EditResult:
    """Remove a position. If people or groups still use it, refuse (E112) unless `force`:
    then it is taken off them too, and people or groups left with no position are removed.
    """
    src = _load(path)
    index = _find(src, "positions", id)
    pos = entries(src.data, "positions")[index]
    pid = pos["id"]
    folded = pid.casefold()
    changes: list[Change] = []
    removals: list[Remove] = []
    users: list[str] = []
    also: list[str] = []
    for table in ("persons", "groups"):
        for i, e in enumerate(entries(src.data, table)):
            held = e.get("positions")
            if not isinstance(held, list) or not any(isinstance(x, str) and x.casefold() == folded for x in held):
                continue
            label = f"{_(_WHAT[table])} {e.get('id', '?')} {e.get('name') or e.get('title') or ''}".rstrip()
            users.append(label)
            rest = [x for x in held if not (isinstance(x, str) and x.casefold() == folded)]
            if rest:
                changes.append(Drop(table, i, "positions", frozenset({folded})))
                also.append(_("took {position} off {label}").format(position=pid, label=label))
            else:
                removals.append(Remove(table, i))
                also.append(_("removed {label}").format(label=label))
    if users and not force:
        raise fail("E112", _("position '{pid}' is still used by {users}").format(pid=pid, users=', '.join(users)),
                   _("change or remove them first, or use --force to take the position off them "
                   "(people and groups left with no position are removed too)"),
                   Location(src.name, line=KeyLocator(src.text).line("positions", index, "id")))
    ordered: list[Remove] = sorted(removals, key=lambda r: (r.table, -r.index))   # later entries first
    changes += ordered
    changes.append(Remove("positions", index))
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
    name = text_value(name, N_("the person's name"), src.name, "--name")
    held = _position_refs(src, positions, "person")
    taken = ids(src.data, "persons")
    pid = _new_id(id, taken, "person", src.name) or _next_person_id(taken)
    entry: dict[str, Any] = {"id": pid, "name": name, "positions": held}
    when = date_value(appointed, N_("the appointment date"), src.name, "--appointed")
    if when is not None:
        entry["appointed"] = when
    if retiring:
        entry["retiring"] = True
    after = _commit(src, [Append("persons", entry)])
    return _result(src, after, "added", "person", pid, name)


def remove_person(path: str | Path, id: str) -> EditResult:
    src = _load(path)
    index = _find(src, "persons", id)
    person = entries(src.data, "persons")[index]
    held = {x.casefold() for x in person.get("positions", []) if isinstance(x, str)}
    others = set()
    for i, e in enumerate(entries(src.data, "persons")):
        if i != index and isinstance(e.get("positions"), list):
            others |= {x.casefold() for x in e["positions"] if isinstance(x, str)}
    emptied = []
    for g in entries(src.data, "groups"):
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
    after = _commit(src, [Remove("persons", index)])
    return _result(src, after, "removed", "person", person["id"], str(person.get("name", "")))


def set_person(
    path: str | Path,
    id: str,
    name: str | None = None,
    positions: Sequence[str] | None = None,
    appointed: DateLike | None = None,
    retiring: bool | None = None,
) -> EditResult:
    """Correct a person's name, positions, appointment date or retirement; what is not given
    stays as written, and the person keeps their place on the forms. A corrected name or a
    change of positions changes the forms: entry workbooks made before are refused (E411)
    until `tally template --from` moves their typed rows."""
    src = _load(path)
    index = _find(src, "persons", id)
    person = entries(src.data, "persons")[index]
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = text_value(name, N_("the person's name"), src.name, "--name")
    if positions is not None:
        values["positions"] = _position_refs(src, positions, "person")
    when = date_value(appointed, N_("the appointment date"), src.name, "--appointed")
    if when is not None:
        values["appointed"] = when
    if retiring is not None:
        values["retiring"] = retiring
    if not values:
        raise fail("E103", _("nothing to change for person '{id}'").format(id=person["id"]),
                   _("give at least one of --name, --position, --appointed, --retiring"), Location(src.name))
    after = _commit(src, [SetValues("persons", index, values)])
    return _result(src, after, "updated", "person", person["id"], str({**person, **values}.get("name", "")))


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
    title = text_value(title, N_("the group's title"), src.name, "--title")
    gpos = _position_refs(src, positions, "group")
    _check_counts(src.name, summoned, present, issued, collected, members, _rules(src), _policy(src))
    held = {x.casefold() for p in entries(src.data, "persons") if isinstance(p.get("positions"), list)
            for x in p["positions"] if isinstance(x, str)}
    if not {p.casefold() for p in gpos} & held:
        raise fail("E107", _("nobody holds {positions}: the form would have nobody on it")
                           .format(positions=', '.join(gpos)),
                   _("add the people under review first with `tally person add`"), Location(src.name))
    taken = ids(src.data, "groups")
    gid = _new_id(id, taken, "group", src.name) or _group_id_from_title(title, taken)
    entry: dict[str, Any] = {"id": gid, "title": title, "positions": gpos,
                             "summoned": summoned, "present": present, "issued": issued}
    if collected is not None:
        entry["collected"] = collected
    if members is not None:
        entry["members"] = members
    after = _commit(src, [Append("groups", entry)])
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
    group = entries(src.data, "groups")[index]
    values: dict[str, Any] = {}
    if title is not None:
        values["title"] = text_value(title, N_("the group's title"), src.name, "--title")
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
    if changes_counts and all(count_value(v) is not None for v in counts.values()):
        _check_counts(src.name, merged["summoned"], merged["present"], merged["issued"],
                      count_value(merged.get("collected")), count_value(merged.get("members")), _rules(src),
                      _policy(src))
    after = _commit(src, [SetValues("groups", index, values)])
    return _result(src, after, "updated", "group", group["id"], str(merged.get("title", "")))


def remove_group(path: str | Path, id: str) -> EditResult:
    src = _load(path)
    index = _find(src, "groups", id)
    group = entries(src.data, "groups")[index]
    after = _commit(src, [Remove("groups", index)])
    return _result(src, after, "removed", "group", group["id"], str(group.get("title", "")))


# ---------------------------------------------------------------- the counting committee


def add_committee_member(path: str | Path, name: str, role: str = "") -> EditResult:
    """Add a member of the counting committee (Ban kiểm phiếu), after the last one: the order of
    the signature block in the minutes."""
    src = _load(path)
    _check_table_shape(src, "committee")
    name = text_value(name, N_("the member's full name"), src.name, "--name")
    role = optional_text(role) or ""
    entry: dict[str, Any] = {"name": name}
    if role:
        entry["role"] = role
    after = _commit(src, [Append("committee", entry)])
    return _result(src, after, "added", "committee", "", f"{name}, {role}" if role else name)


def remove_committee_member(path: str | Path, who: str) -> EditResult:
    """Remove a committee member, named by full name (any case) or by number in the list (1, 2, ...)."""
    src = _load(path)
    members = entries(src.data, "committee")
    wanted = who.strip()
    index = None
    if wanted.isdigit() and 1 <= int(wanted) <= len(members):
        index = int(wanted) - 1
    else:
        matches = [i for i, m in enumerate(members) if str(m.get("name", "")).casefold() == wanted.casefold()]
        index = matches[0] if len(matches) == 1 else None
    if index is None:
        known = "; ".join(f"{i}. {m.get('name', '')}" for i, m in enumerate(members, start=1)) or _("(none yet)")
        raise fail("E106", _("there is no committee member '{who}' in {file}").format(who=who, file=src.name),
                   _("give a full name or a number from `tally committee list`: {known}").format(known=known),
                   Location(src.name))
    member = members[index]
    after = _commit(src, [Remove("committee", index)])
    name, role = str(member.get("name", "")), str(member.get("role", ""))
    return _result(src, after, "removed", "committee", "", f"{name}, {role}" if role else name)
