"""The event file (SPEC §4): read, check every field, and point at the key and line.

`read_event` never raises for a bad file: it returns every problem it found, so a
committee fixing a hand-edited file sees them all at once. `load_event` is the strict
form used by commands that cannot go on without a valid event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ballots.errors import Diagnostic, Diagnostics, Location, TallyError
from ballots.i18n import N_, _, language
from ballots.model import (
    CommitteeMember,
    Event,
    Group,
    GroupId,
    Person,
    PersonId,
    Position,
    PositionId,
)
from ballots.rules import (
    DEFAULT_RULES,
    POLICIES,
    RULE_SETS,
    Eligibility,
    Policy,
    has_quorum,
    months_after,
    policy_for,
    takes_members,
)

SCHEMA_VERSION = 1
LANGUAGES = ("vi", "en")
# at most 31 characters: a group id is the name of its sheet in the entry template and the paper
# ballots, and Excel allows 31 (a longer name makes it offer to "repair" the file)
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,30}$")

_TOP_KEYS = {"schema", "event", "policy", "committee", "positions", "persons", "groups"}
_EVENT_KEYS = {"title", "organisation", "parent", "place", "date", "rules", "language"}
_COMMITTEE_KEYS = {"name", "role"}
_POSITION_KEYS = {"id", "title"}
_PERSON_KEYS = {"id", "name", "positions", "appointed", "retiring"}
_GROUP_KEYS = {"id", "title", "positions", "summoned", "present", "issued", "collected", "members"}


class KeyLocator:
    """Finds the line of `table[index].key` in the TOML text, for error messages.

    tomllib gives values without positions; a light scan of the source is enough to
    point a committee member at the right line of a hand-edited file.
    """

    _header = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")
    _key = re.compile(r"^\s*([A-Za-z0-9_-]+|\"[^\"]*\")\s*=")

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[str, int | None, str | None], int] = {}
        counts: dict[str, int] = {}
        current: tuple[str, int | None] = ("", None)
        for number, line in enumerate(text.splitlines(), start=1):
            m = self._header.match(line)
            if m:
                name = m.group(2).strip()
                if m.group(1) == "[[":
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    current = (name, index)
                else:
                    current = (name, None)
                self.lines.setdefault((current[0], current[1], None), number)
                continue
            k = self._key.match(line)
            if k:
                key = k.group(1).strip('"')
                self.lines.setdefault((current[0], current[1], key), number)

    def line(self, table: str, index: int | None = None, key: str | None = None) -> int | None:
        found = self.lines.get((table, index, key)) or self.lines.get((table, index, None))
        if found is None and table == "" and key is not None:
            # a top-level key written as a section: [evnt] or [[evnt]]
            found = self.lines.get((key, None, None)) or self.lines.get((key, 0, None))
        return found


@dataclass
class _Reader:
    """Checks one parsed document, collecting diagnostics with key paths and lines."""

    source: str
    locator: KeyLocator
    diags: Diagnostics = field(default_factory=Diagnostics)

    def where(self, table: str, index: int | None = None, key: str | None = None) -> Location:
        return Location(self.source, line=self.locator.line(table, index, key))

    @staticmethod
    def path(table: str, index: int | None = None, key: str | None = None) -> str:
        p = table
        if index is not None:
            p += f"[{index + 1}]"
        if key is not None:
            p = f"{p}.{key}" if p else key
        return p

    def unknown_keys(self, data: dict[str, Any], allowed: set[str], table: str, index: int | None = None) -> None:
        for key in data:
            if key not in allowed:
                self.diags.add(
                    "E102",
                    _("unknown key '{key}'").format(key=self.path(table, index, key)),
                    _("remove it or correct its spelling; allowed here: {allowed}")
                    .format(allowed=', '.join(sorted(allowed))),
                    self.where(table, index, key),
                )

    def get(
        self,
        data: dict[str, Any],
        key: str,
        table: str,
        index: int | None,
        kind: str,
        required: bool = True,
    ) -> Any:
        if key not in data:
            if required:
                self.diags.add(
                    "E103",
                    _("required field '{key}' is missing").format(key=self.path(table, index, key)),
                    _("add `{key} = ...` to {section}")
                    .format(key=key, section=f"[[{table}]]" if index is not None else f"[{table}]" if table
                            else _("the top of the file")),
                    self.where(table, index),
                )
            return None
        value = data[key]
        checker, expected = _KINDS[kind]
        converted = checker(value)
        if converted is _BAD:
            self.diags.add(
                "E104",
                _("'{key}' should be {expected}, found {value!r}")
                .format(key=self.path(table, index, key), expected=_(expected), value=value),
                _("write it as {expected}").format(expected=_(expected)),
                self.where(table, index, key),
            )
            return None
        return converted

    def table_list(self, doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
        value = doc.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.diags.add(
                "E104",
                _("'{name}' should be an array of tables ([[{name}]])").format(name=name),
                _("write each entry as a [[{name}]] section").format(name=name),
                self.where(name),
            )
            return []
        return value

    def slug(self, value: str | None, table: str, index: int, seen: dict[str, int], what: str) -> str | None:
        if value is None:
            return None
        if not SLUG.match(value):
            self.diags.add(
                "E110",
                _("{what} id '{value}' in {key} is not a short ASCII slug")
                .format(what=_(KIND_NAMES[what]), value=value, key=self.path(table, index, 'id')),
                _("use letters a-z, digits, '-' or '_', at most 31 characters, e.g. 'p01' or 'btv'"),
                self.where(table, index, "id"),
            )
            return None
        folded = value.casefold()
        if folded in seen:
            self.diags.add(
                "E105",
                _("{what} id '{value}' is used twice ({first} and {second})")
                .format(what=_(KIND_NAMES[what]), value=value, first=self.path(table, seen[folded]),
                        second=self.path(table, index)),
                _("give each entry its own id"),
                self.where(table, index, "id"),
                (self.where(table, seen[folded], "id"),),
            )
            return None
        seen[folded] = index
        return value


_BAD = object()


def _str(v: Any) -> Any:
    return v.strip() if isinstance(v, str) and v.strip() else _BAD


def _opt_str(v: Any) -> Any:
    return v.strip() if isinstance(v, str) else _BAD


def _int(v: Any) -> Any:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else _BAD


def _bool(v: Any) -> Any:
    return v if isinstance(v, bool) else _BAD


def as_date(v: Any) -> dt.date | None:
    """A TOML date, or an ISO date written as a string ("2023-05-31"); None for anything else
    (a date-time included): the one reading of a date in the event file."""
    if isinstance(v, dt.datetime):
        return None
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            return None
    return None


def _date(v: Any) -> Any:
    date = as_date(v)
    return _BAD if date is None else date


def _ids(v: Any) -> Any:
    if isinstance(v, list) and v and all(isinstance(x, str) and x.strip() for x in v):
        return [x.strip() for x in v]
    return _BAD


_KINDS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "str": (_str, N_("a non-empty text in quotes")),
    "opt_str": (_opt_str, N_("a text in quotes")),
    "int": (_int, N_("a whole number, 0 or more")),
    "bool": (_bool, N_("true or false")),
    "date": (_date, N_("a date like 2023-05-31")),
    "ids": (_ids, N_('a non-empty list of ids like ["btv", "gd"]')),
}


@dataclass(frozen=True)
class EventLoad:
    event: Event | None
    diagnostics: tuple[Diagnostic, ...]


def read_event(path: str | Path) -> EventLoad:
    """Read and check an event file; return the event (if usable) and every problem."""
    path = Path(path)
    name = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        d = Diagnostic("E100", _("event file '{path}' does not exist").format(path=path),
                       _("check the path, or create one with `tally init`"),
                       Location(str(path)))
        return EventLoad(None, (d,))
    except OSError as exc:
        d = Diagnostic("E100", _("event file '{path}' cannot be read: {reason}")
                               .format(path=path, reason=exc.strerror or exc),
                       _("check the file's permissions"), Location(str(path)))
        return EventLoad(None, (d,))
    loaded = parse_event(raw, name)
    if loaded.event is None:
        return loaded
    return EventLoad(replace(loaded.event, given_as=str(path)), loaded.diagnostics)


def parse_event(raw: bytes, name: str = "event.toml") -> EventLoad:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        d = Diagnostic("E101", _("event file is not UTF-8 text (byte {position})").format(position=exc.start),
                       _("save the file as UTF-8 (in Notepad: Save as › Encoding › UTF-8)"), Location(name))
        return EventLoad(None, (d,))
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        line = int(m.group(1)) if m else None
        d = Diagnostic("E101", _("event file is not valid TOML: {exc}").format(exc=exc),
                       _("fix the syntax at that line: text needs quotes, each [[section]] on its own line"),
                       Location(name, line=line))
        return EventLoad(None, (d,))
    except RecursionError:       # tomllib recurses once per level of nesting: x = [[[[...]]]]
        d = Diagnostic("E101", _("event file is not valid TOML: arrays or tables are nested too deeply"),
                       _("an event file nests a few levels at most: look for a run of [ or {"), Location(name))
        return EventLoad(None, (d,))
    r = _Reader(name, KeyLocator(text))
    event = _build(doc, r, hashlib.sha256(raw).hexdigest())
    return EventLoad(event if not r.diags.has_errors else None, tuple(r.diags.items))


def load_event(path: str | Path) -> tuple[Event, tuple[Diagnostic, ...]]:
    """The strict form: the event and its warnings, or TallyError with every error."""
    loaded = read_event(path)
    if loaded.event is None:
        raise TallyError([d for d in loaded.diagnostics if d.is_error])
    return loaded.event, loaded.diagnostics + eligibility_warnings(loaded.event)


def _build(doc: dict[str, Any], r: _Reader, sha256: str) -> Event | None:
    r.unknown_keys(doc, _TOP_KEYS, "")
    schema = r.get(doc, "schema", "", None, "int")
    if schema is not None and schema != SCHEMA_VERSION:
        r.diags.add("E109", _("schema = {schema} is not supported; this version of tally reads schema = {version}")
                            .format(schema=schema, version=SCHEMA_VERSION),
                    _("use a newer tally, or write schema = 1"), r.where("", None, "schema"))

    ev = doc.get("event")
    if not isinstance(ev, dict):
        r.diags.add("E103", _("the [event] section is missing"), _("add an [event] section with title, organisation and date"),
                    Location(r.source))
        ev = {}
    r.unknown_keys(ev, _EVENT_KEYS, "event")
    title = r.get(ev, "title", "event", None, "str")
    organisation = r.get(ev, "organisation", "event", None, "str")
    parent = r.get(ev, "parent", "event", None, "opt_str", required=False) or None
    place = r.get(ev, "place", "event", None, "opt_str", required=False) or None
    date = r.get(ev, "date", "event", None, "date")
    rules = r.get(ev, "rules", "event", None, "str", required=False) or DEFAULT_RULES
    if rules.strip().lower() in RULE_SETS:   # "NQ96-2023" is nq96-2023 (a short "nq96" only at the command line)
        rules = rules.strip().lower()
    if rules not in RULE_SETS:
        r.diags.add("E108", _("unknown rule set '{rules}'").format(rules=rules),
                    _("use one of: {rule_sets}")
                    .format(rule_sets=', '.join(RULE_SETS)), r.where("event", None, "rules"))
    language = (r.get(ev, "language", "event", None, "str", required=False) or "vi").strip().lower()
    if language not in LANGUAGES:
        r.diags.add("E104", _("'event.language' should be \"vi\" or \"en\", found {language!r}")
                            .format(language=language),
                    _('write language = "vi" or language = "en"'), r.where("event", None, "language"))

    policy = _policy(doc, r, rules)

    committee = []
    for i, item in enumerate(r.table_list(doc, "committee")):
        r.unknown_keys(item, _COMMITTEE_KEYS, "committee", i)
        cname = r.get(item, "name", "committee", i, "str")
        role = r.get(item, "role", "committee", i, "opt_str", required=False) or ""
        if cname:
            committee.append(CommitteeMember(cname, role))

    positions: list[Position] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(r.table_list(doc, "positions")):
        r.unknown_keys(item, _POSITION_KEYS, "positions", i)
        pid = r.slug(r.get(item, "id", "positions", i, "str"), "positions", i, seen, "position")
        ptitle = r.get(item, "title", "positions", i, "str")
        if pid and ptitle:
            positions.append(Position(PositionId(pid), ptitle))
    position_ids = {p.id for p in positions}
    all_position_ids = set(seen)  # includes entries that had other errors, to avoid cascades

    persons: list[Person] = []
    raw_held: set[str] = set()  # positions named by any person entry, valid or not, to avoid cascades
    seen = {}
    for i, item in enumerate(r.table_list(doc, "persons")):
        r.unknown_keys(item, _PERSON_KEYS, "persons", i)
        pid = r.slug(r.get(item, "id", "persons", i, "str"), "persons", i, seen, "person")
        pname = r.get(item, "name", "persons", i, "str")
        held = r.get(item, "positions", "persons", i, "ids")
        appointed = r.get(item, "appointed", "persons", i, "date", required=False)
        retiring = r.get(item, "retiring", "persons", i, "bool", required=False) or False
        raw_held.update(x.casefold() for x in held or ())  # ids match case-insensitively (_known_ids)
        held = _known_ids(r, held, all_position_ids, "persons", i, "position")
        if pid and pname and held:
            persons.append(Person(PersonId(pid), pname, tuple(PositionId(x) for x in held), appointed, retiring))

    groups: list[Group] = []
    lines: list[tuple[str, int]] = []   # where each group's counts are, for the meeting checks
    seen = {}
    for i, item in enumerate(r.table_list(doc, "groups")):
        r.unknown_keys(item, _GROUP_KEYS, "groups", i)
        gid = r.slug(r.get(item, "id", "groups", i, "str"), "groups", i, seen, "group")
        gtitle = r.get(item, "title", "groups", i, "str")
        gpos = _known_ids(r, r.get(item, "positions", "groups", i, "ids"), all_position_ids, "groups", i, "position")
        summoned = r.get(item, "summoned", "groups", i, "int")
        present = r.get(item, "present", "groups", i, "int")
        issued = r.get(item, "issued", "groups", i, "int")
        collected = r.get(item, "collected", "groups", i, "int", required=False)
        members = r.get(item, "members", "groups", i, "int", required=takes_members(rules))
        if takes_members(rules) and members == 0:
            r.diags.add("E104", _("'{key}' must be more than 0: it is the percentage base")
                                .format(key=r.path('groups', i, 'members')),
                        _("write the total number of members"), r.where("groups", i, "members"))
        if gpos and not {x.casefold() for x in gpos} & raw_held and set(gpos) <= position_ids:
            r.diags.add("E107", _("group '{gid}' has nobody on it: no person holds {positions}")
                                .format(gid=gid, positions=', '.join(gpos)),
                        _("add the people under review with `tally person add`, or fix the group's positions"),
                        r.where("groups", i, "positions"))
        for key in ("id", *MEETING_KEYS):
            line = r.locator.line("groups", i, key)
            if gid and line is not None:
                lines.append((f"groups.{gid}.{key}", line))
        if gid and gtitle and gpos and None not in (summoned, present, issued):
            groups.append(Group(GroupId(gid), gtitle, tuple(PositionId(x) for x in gpos), summoned, present, issued,
                                collected, members))

    if not groups and not r.diags.has_errors:
        r.diags.add("E103", _(NO_GROUPS),
                    _("add one with `tally group add`"), Location(r.source))
    if r.diags.has_errors or title is None or organisation is None or date is None:
        return None
    return Event(
        title=title, organisation=organisation, date=date, rules=rules, language=language,
        positions=tuple(positions), persons=tuple(persons), groups=tuple(groups), committee=tuple(committee),
        parent=parent, place=place, source=r.source, sha256=sha256, lines=tuple(lines), policy=policy,
    )


def _policy(doc: dict[str, Any], r: _Reader, rules: str) -> Policy:
    """The [policy] table: the validity decisions the texts leave to the committee (README,
    "The event file"), each checked against its allowed values; a rule the research confirms
    (QĐ 96's quorum) cannot be changed."""
    table = doc.get("policy", {})
    if not isinstance(table, dict):
        r.diags.add("E104", _("'policy' should be a table ([policy])"), _("write it as a [policy] section"),
                    r.where("policy"))
        return policy_for(rules)
    r.unknown_keys(table, set(POLICIES), "policy")
    rule_set = RULE_SETS.get(rules)
    for key, value in table.items():
        if key not in POLICIES:
            continue
        if not isinstance(value, str) or value not in POLICIES[key]:
            r.diags.add("E104", _("'policy.{key}' should be one of {allowed}, found {value!r}")
                                .format(key=key, allowed=", ".join(f'"{v}"' for v in POLICIES[key]), value=value),
                        _("see `tally rules {rules}` for what each value means").format(rules=rules),
                        r.where("policy", None, key))
        elif rule_set is not None and rule_set.policies[key].fixed and value != rule_set.policies[key].default:
            choice = rule_set.policies[key]
            r.diags.add("E104", _("'policy.{key}' cannot be \"{value}\" under {rules}: {cite} sets it to \"{default}\"")
                                .format(key=key, value=value, rules=rules, cite=choice.cite(language()),
                                        default=choice.default),
                        _("remove the line, or use another rule set if this vote is held under another text"),
                        r.where("policy", None, key))
    return policy_for(rules, table)


def _known_ids(r: _Reader, ids: list[str] | None, known: set[str], table: str, index: int, what: str) -> list[str] | None:
    if ids is None:
        return None
    ok = True
    folded = {k.casefold(): k for k in known}
    out = []
    for x in ids:
        if x in known:
            out.append(x)
        elif x.casefold() in folded:
            out.append(folded[x.casefold()])
        else:
            ok = False
            r.diags.add("E106", _("{key} names position '{x}', which is not defined")
                                .format(key=r.path(table, index, 'positions'), x=x),
                        _("define it in [[positions]] or use one of: {known}")
                        .format(known=', '.join(sorted(known)) or _("(none yet)")),
                        r.where(table, index, "positions"))
    if len(set(out)) != len(out):
        r.diags.add("E105", _("{key} lists the same position twice")
                            .format(key=r.path(table, index, 'positions')),
                    _("list each position once"), r.where(table, index, "positions"))
    return out if ok else None


COUNT_LABELS = {   # English with the official Vietnamese term; translated where shown
    "summoned": N_("summoned (số người được triệu tập)"),
    "present": N_("present (số người có mặt)"),
    "issued": N_("issued (số phiếu phát ra)"),
    "collected": N_("collected (số phiếu thu về)"),
}
MEETING_KEYS = (*COUNT_LABELS, "members")   # the group keys the meeting checks read
NO_GROUPS = N_("the event has no [[groups]] (ballot forms)")
KIND_NAMES = {"position": N_("position"), "person": N_("person"), "group": N_("group")}


def meeting_count_checks(gid: str, counts: Mapping[str, int | None],
                         where: Callable[[str], Location], subject: str | None = None,
                         rules: str = DEFAULT_RULES, policy: Policy | None = None) -> list[Diagnostic]:
    """SPEC §3 meeting checks on a group's counts as written in the event file.

    The quorum of the event's policy (QĐ 96: 3 × present ≥ 2 × summoned; other rule sets
    only when the event's [policy] asks for it), the order collected ≤ issued ≤ present ≤
    summoned, and `members` (the base under NQ 85 and NQ 35) not below those present or
    collected; `members` under a rule set that does not use it is a warning. Counts that are
    missing (None) are left to the reader's own errors. `subject` names the group in the
    messages (default: "group 'ID'").
    """
    out: list[Diagnostic] = []
    subject = subject or _("group '{id}'").format(id=gid)
    for small, big in (("collected", "issued"), ("issued", "present"), ("present", "summoned")):
        a, b = counts.get(small), counts.get(big)
        if a is not None and b is not None and a > b:
            out.append(Diagnostic(
                "E202", _("{group}: {small} = {a} is more than {big} = {b}")
                        .format(group=subject, small=_(COUNT_LABELS[small]), a=a, big=_(COUNT_LABELS[big]), b=b),
                _("the counts must satisfy collected ≤ issued ≤ present ≤ summoned; check the meeting record"),
                where(small)))
    s, p = counts.get("summoned"), counts.get("present")
    policy = policy or policy_for(rules)
    if s is not None and p is not None and p <= s and not has_quorum(p, s, policy.quorum):
        rule_set = RULE_SETS.get(rules)
        fixed = rule_set is not None and rule_set.quorum is not None
        source = rule_set.quorum(language()) if fixed and rule_set and rule_set.quorum else _("the event's [policy]")
        out.append(Diagnostic(
            "E201", _("{group} has no quorum: {p} present of {s} summoned is less than 2/3")
                    .format(group=subject, p=p, s=s),
            _("{source}: at least 2/3 of those summoned must be present (3 × present ≥ 2 × summoned); "
              "without quorum no minutes can be produced for this group").format(source=source),
            where("present")))
    m = counts.get("members")
    if m is not None and takes_members(rules):
        for key in ("present", "collected"):
            n = counts.get(key)
            if n is not None and m > 0 and n > m:
                out.append(members_below(subject, m, _(COUNT_LABELS[key]), n, where("members")))
    elif m is not None:
        out.append(Diagnostic(
            "W711", _("{group}: members = {m} is not used under {rules}, whose percentages are of the ballots "
                      "collected").format(group=subject, m=m, rules=rules),
            _("remove `members`, or use a rule set that takes the total members as its base "
              "(nq85-2014, nq35-2012)"), where("members")))
    return out


def members_below(subject: str, members: int, what: str, n: int, where: Location) -> Diagnostic:
    """E206: the percentage base (members) below a count it must hold: shares above 100%."""
    return Diagnostic(
        "E206", _("{group}: members = {m} is less than {what} = {n}; the percentages would exceed 100%")
                .format(group=subject, m=members, what=what, n=n),
        _("members is the total number of members or deputies: check it against the meeting record"), where)


def eligibility_warnings(event: Event,
                         entry: Callable[[str, int, str], Location] | None = None) -> tuple[Diagnostic, ...]:
    """SPEC §3 eligibility: warn, never refuse.

    `entry(table, index, key)` locates a key of an entry ("persons", 2, "appointed"), for a
    caller that knows the file's lines; by default every warning points at the file.
    """
    out: list[Diagnostic] = []

    def at(table: str, index: int, key: str) -> Location:
        return entry(table, index, key) if entry is not None else Location(event.source)

    rule_set = RULE_SETS.get(event.rules)
    rules = rule_set.eligibility if rule_set is not None else Eligibility()
    lang = language()
    not_voted = N_("by {cite} such a person is not voted on: check before printing ballots")
    for i, person in enumerate(event.persons):
        where = f"{person.name} ({person.id})"
        if person.appointed is not None:
            if person.appointed > event.date:
                out.append(Diagnostic(
                    "W708", _("{where} has an appointment date {date} after the vote")
                            .format(where=where, date=person.appointed.isoformat()),
                    _("check the date"), at("persons", i, "appointed")))
            elif rules.year_of_vote is not None and person.appointed.year == event.date.year:
                out.append(Diagnostic(
                    "W701", _("{where} was appointed or elected on {date}, in the year of the vote")
                            .format(where=where, date=person.appointed.isoformat()),
                    _(not_voted).format(cite=rules.year_of_vote(lang)), at("persons", i, "appointed")))
            elif rules.months_in_post is not None \
                    and months_after(person.appointed, rules.months_in_post[0]) > event.date:
                months, cite = rules.months_in_post
                out.append(Diagnostic(
                    "W712", _("{where} was appointed or elected on {date}, less than {months} months before the vote")
                            .format(where=where, date=person.appointed.isoformat(), months=months),
                    _(not_voted).format(cite=cite(lang)), at("persons", i, "appointed")))
        if person.retiring:
            hint = (_(not_voted).format(cite=rules.retiring(lang)) if rules.retiring is not None else
                    _("the research behind {rules} found no such exemption: check the text before printing ballots")
                    .format(rules=event.rules))
            out.append(Diagnostic("W702", _("{where} has been notified of retirement").format(where=where), hint,
                                  at("persons", i, "retiring")))
        places = [g.id for g in event.groups if set(g.positions) & set(person.positions)]
        if not places:
            out.append(Diagnostic("W704", _("{where} is on no ballot form").format(where=where),
                                  _("add a group for one of their positions"), at("persons", i, "positions")))
        elif rules.max_places is not None and len(places) > rules.max_places[0]:
            limit, cite = rules.max_places
            out.append(Diagnostic(
                "W703", _("{where} is voted on in {n} places ({places})")
                        .format(where=where, n=len(places), places=', '.join(places)),
                _("{cite} allows at most {limit} places: keep the most senior").format(cite=cite(lang), limit=limit),
                at("persons", i, "positions")))
        elif rules.once is not None and len(places) > 1:
            out.append(Diagnostic(
                "W713", _("{where} is on {n} ballot forms ({places})")
                        .format(where=where, n=len(places), places=', '.join(places)),
                _("by {cite} a person is voted on once, for all the posts they hold: keep one form")
                .format(cite=rules.once(lang)), at("persons", i, "positions")))
    held = {pid for p in event.persons for pid in p.positions}
    for j, position in enumerate(event.positions):
        if position.id not in held:
            out.append(Diagnostic("W705", _("position '{id}' ({title}) is held by nobody")
                                          .format(id=position.id, title=position.title),
                                  _("add the person, or remove the position"), at("positions", j, "id")))
    return tuple(out)
