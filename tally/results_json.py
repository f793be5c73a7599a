"""results.json, the export contract (SPEC §6) and the signed object (SPEC §7): writing
it (:func:`to_bytes`) and reading it back (:func:`from_bytes`, :func:`results_from_dict`).

UTF-8, NFC strings, keys sorted, 2-space indent, LF, trailing newline: the same inputs
always give the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from collections.abc import Mapping
from typing import Any

from ballots.rules import Flag, has_quorum, policy_for
from tally.model import EventSummary, GroupResult, InputFile, InvalidEntry, PersonResult, Results

SCHEMA = "tally-results/1"


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(k): _nfc(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nfc(v) for v in value]
    return value


def _person(p: PersonResult) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "positions": list(p.positions),
        "valid": p.valid,
        "invalid": p.invalid,
        "high": p.high,
        "medium": p.medium,
        "low": p.low,
        "high_pct": p.high_pct,
        "medium_pct": p.medium_pct,
        "low_pct": p.low_pct,
        "flags": [f.value for f in p.flags],
    }


def _group(g: GroupResult, quorum: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": g.id,
        "title": g.title,
        "summoned": g.summoned,
        "present": g.present,
        "issued": g.issued,
        "collected": g.collected,
        "base": g.base,
        "valid_ballots": g.valid_ballots,
        "invalid_ballots": g.invalid_ballots,
        "quorum": has_quorum(g.present, g.summoned, quorum),
        "persons": [_person(p) for p in g.persons],
        "invalid_entries": [
            {
                "ballot": e.ballot,
                "person": e.person_id,
                "reason": e.reason,
                "source": e.source,
            }
            for e in g.invalid_entries
        ],
    }
    if g.members is not None:
        out["members"] = g.members
    return out


def to_dict(results: Results) -> dict[str, Any]:
    ev = results.event
    event: dict[str, Any] = {
        "title": ev.title,
        "organisation": ev.organisation,
        "date": ev.date,
        "rules": ev.rules,
        "sha256": ev.sha256,
        "language": ev.language,
        "committee": [{"name": n, "role": r} for n, r in ev.committee],
        "policy": ev.effective_policy.as_dict(),
    }
    if ev.rules_revision is not None:
        event["rules_revision"] = ev.rules_revision
    if ev.parent is not None:
        event["parent"] = ev.parent
    if ev.place is not None:
        event["place"] = ev.place
    return {
        "schema": SCHEMA,
        "event": event,
        "inputs": [_input(f) for f in results.inputs],
        "groups": [_group(g, ev.effective_policy.quorum) for g in results.groups],
        "tool": {"name": results.tool_name, "version": results.tool_version},
    }


def _input(f: InputFile) -> dict[str, object]:
    """A ballot file; an entry read by `tally scan` also names the scans it was read from."""
    item: dict[str, object] = {"file": f.file, "sha256": f.sha256}
    if f.scans:
        item["scans"] = [{"file": name, "sha256": sha} for name, sha in f.scans]
    return item


def dumps(data: dict[str, Any]) -> bytes:
    """The bytes `json.dumps(_nfc(data), ensure_ascii=False, sort_keys=True, indent=2)` gives,
    with a newline, made without json's pure-Python encoder (indent= forces it; for a count
    with 15,000 invalid rows it was most of the time spent on results.json)."""
    out: list[str] = []
    try:
        _emit(data, "\n", out)
    except _Unusual:
        return (json.dumps(_nfc(data), ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")
    out.append("\n")
    return "".join(out).encode("utf-8")


class _Unusual(Exception):
    """A value `_emit` leaves to the json module (a float, a non-text key, another type)."""


_string = json.encoder.encode_basestring     # json's own (C) string encoder for ensure_ascii=False


def _text(value: str) -> str:
    return _string(value if value.isascii() else unicodedata.normalize("NFC", value))


def _emit(value: object, newline: str, out: list[str]) -> None:
    """json.dumps's indent=2, sort_keys=True layout; `newline` is a newline and the current indent."""
    kind = type(value)
    if kind is str:
        out.append(_text(value))  # type: ignore[arg-type]
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        items = value.items()  # type: ignore[attr-defined]
        if not all(type(k) is str and k.isascii() for k in value):  # type: ignore[attr-defined]
            if not all(type(k) is str for k in value):  # type: ignore[attr-defined]
                raise _Unusual
            items = {unicodedata.normalize("NFC", k): v for k, v in items}.items()
        inner = newline + "  "
        sep = "{" + inner
        for k, v in sorted(items):
            out.append(sep)
            out.append(_text(k))
            out.append(": ")
            _emit(v, inner, out)
            sep = "," + inner
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        first = value[0]  # type: ignore[index]
        if type(first) is dict and len(value) > 1:  # type: ignore[arg-type]
            _emit_records(value, first, newline, out)  # type: ignore[arg-type]
            return
        sep = "[" + inner
        for v in value:  # type: ignore[attr-defined]
            out.append(sep)
            _emit(v, inner, out)
            sep = "," + inner
        out.append(newline + "]")
    else:
        raise _Unusual


def _emit_records(items: list[Any] | tuple[Any, ...], first: dict[Any, Any], newline: str, out: list[str]) -> None:
    """A list of dicts as `_emit` writes it, the keys they share sorted and written once: an
    invalid ballot of a large count is one such dict of 15,000."""
    keys = first.keys()
    inner = newline + "  "
    if not keys or not all(type(k) is str and k.isascii() for k in keys):
        order: list[str] = []
    else:
        order = sorted(keys)
    inner2 = inner + "  "
    heads = [("{" if i == 0 else ",") + inner2 + _text(k) + ": " for i, k in enumerate(order)]
    close = inner + "}"
    sep = "[" + inner
    append = out.append
    for item in items:
        append(sep)
        sep = "," + inner
        if not order or type(item) is not dict or item.keys() != keys:
            _emit(item, inner, out)
            continue
        for k, head in zip(order, heads):
            append(head)
            v = item[k]
            kind = type(v)
            if kind is str:
                append(_text(v))
            elif v is None:
                append("null")
            elif kind is int:
                append(int.__repr__(v))
            else:
                _emit(v, inner2, out)
        append(close)
    append(newline + "]")


def to_bytes(results: Results) -> bytes:
    return dumps(to_dict(results))


def fingerprint(data: bytes) -> str:
    """SHA-256 in groups of 4 hex digits, as printed in the minutes' footer."""
    return group4(hashlib.sha256(data).hexdigest())


def group4(hexdigits: str) -> str:
    return " ".join(hexdigits[i : i + 4] for i in range(0, len(hexdigits), 4))


# --- reading it back ----------------------------------------------------------------------


def results_from_dict(data: Mapping[str, Any]) -> Results:
    """The Results a results.json describes (inverse of results_json.to_dict, as far as the
    minutes need: an invalid row's person name is looked up by id)."""
    ev = data["event"]
    event = EventSummary(
        title=ev["title"],
        organisation=ev["organisation"],
        date=ev["date"],
        rules=ev["rules"],
        sha256=ev["sha256"],
        language=ev.get("language", "vi"),
        parent=ev.get("parent"),
        place=ev.get("place"),
        committee=tuple((m["name"], m.get("role", "")) for m in ev.get("committee", [])),
        policy=policy_for(ev["rules"], ev["policy"]) if isinstance(ev.get("policy"), dict) else None,
        rules_revision=ev.get("rules_revision"),
    )
    inputs = tuple(InputFile(f["file"], f["sha256"], tuple((s["file"], s["sha256"]) for s in f.get("scans", [])))
                   for f in data.get("inputs", []))
    groups = tuple(_group_from_dict(g) for g in data["groups"])
    tool = data.get("tool", {})
    return Results(event, inputs, groups, tool.get("name", ""), tool.get("version", ""))


def _group_from_dict(g: Mapping[str, Any]) -> GroupResult:
    persons = tuple(
        PersonResult(
            id=p["id"],
            name=p["name"],
            positions=tuple(p["positions"]),
            valid=p["valid"],
            invalid=p["invalid"],
            high=p["high"],
            medium=p["medium"],
            low=p["low"],
            high_pct=p["high_pct"],
            medium_pct=p["medium_pct"],
            low_pct=p["low_pct"],
            flags=tuple(Flag(f) for f in p["flags"]),
        )
        for p in g["persons"]
    )
    names = {p.id: p.name for p in persons}
    entries = tuple(
        InvalidEntry(
            ballot=e["ballot"],
            person_id=e.get("person"),
            person_name=names.get(e["person"]) if e.get("person") else None,
            reason=e.get("reason", ""),
            source=e.get("source", ""),
        )
        for e in g.get("invalid_entries", [])
    )
    return GroupResult(
        id=g["id"],
        title=g["title"],
        summoned=g["summoned"],
        present=g["present"],
        issued=g["issued"],
        collected=g["collected"],
        base=g["base"],
        valid_ballots=g["valid_ballots"],
        invalid_ballots=g["invalid_ballots"],
        persons=persons,
        invalid_entries=entries,
        members=g.get("members"),
    )


# results.json of a real vote is a few tens of kilobytes; larger bytes are parsed each time
# rather than held (a hostile one may have 32 MB)
KEEP_PARSED = 1024 * 1024


def parsed(results_json: bytes) -> Any:
    """results.json as JSON values (dicts, lists, ...). Verifying a workbook reads its
    results.json three ways (the signed document, the cells the minutes lay out, the minutes
    rebuilt): the same bytes are parsed once. Shared by every caller: read only. Raises
    ValueError (UnicodeDecodeError, json's errors) and RecursionError as json.loads does."""
    if len(results_json) > KEEP_PARSED:
        return json.loads(results_json.decode("utf-8"))
    return _parsed(results_json)


@functools.lru_cache(maxsize=16)
def _parsed(results_json: bytes) -> Any:
    return json.loads(results_json.decode("utf-8"))


def from_bytes(results_json: bytes) -> Results:
    """The Results a results.json holds. Raises ValueError for bytes that are not a
    tally-results/1 document (KeyError or TypeError when one is missing a field)."""
    data = parsed(results_json)
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise ValueError(f"not a {SCHEMA} document")
    return results_from_dict(data)
