"""The JSON documents of `tally check --json`, `count --json` and `show --json`.

Other systems read these, so their shape is a contract, documented in docs/json.md and
checked by tests/test_cli_json.py. Each carries a ``schema`` id ("tally-check/1"); keys
may be added, never renamed or given another meaning (then the number goes up).

Codes, ids, numbers and keys are stable; the human texts (``message``, ``hint``,
``title``) follow the language of the command line, like everything a person reads.
`tally verify --json` keeps its own document, tally-verify/1 (tally.verify.Report).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ballots.errors import CODES, Diagnostic, ExitCode, exit_code_for
from ballots.i18n import _, language
from tally import TOOL_NAME, __version__

if TYPE_CHECKING:
    from ballots.event_view import EventView
    from tally.checking import Checked
    from tally.pipeline import Counted

CHECK_SCHEMA = "tally-check/1"
COUNT_SCHEMA = "tally-count/1"
SHOW_SCHEMA = "tally-show/1"


def dumps(doc: dict[str, Any]) -> str:
    """The document as printed: UTF-8 text, keys sorted, 2-space indent, one trailing newline."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n"


def diagnostic(d: Diagnostic) -> dict[str, Any]:
    """A problem: its stable code and severity, the code's title, what was found, what to do, where."""
    doc = d.to_dict()
    doc["title"] = _(CODES[d.code].title)
    return doc


def _common(schema: str, diagnostics: Sequence[Diagnostic], exit_code: ExitCode | int | None = None) -> dict[str, Any]:
    code = int(exit_code_for(tuple(diagnostics)) if exit_code is None else exit_code)
    return {
        "schema": schema,
        "ok": code == 0,
        "exit_code": code,
        "language": language(),
        "errors": sum(d.stands_for for d in diagnostics if d.is_error),     # those not listed too
        "warnings": sum(d.stands_for for d in diagnostics if not d.is_error),
        "diagnostics": [diagnostic(d) for d in diagnostics],
        "tool": {"name": TOOL_NAME, "version": __version__},
    }


def check_document(event_path: str | Path, checked: Checked | None,
                   diagnostics: Sequence[Diagnostic] | None = None) -> dict[str, Any]:
    """`tally check --json`. `checked` is None when the event file itself could not be used;
    then `diagnostics` says why."""
    diags = tuple(checked.diagnostics) if checked is not None else tuple(diagnostics or ())
    doc = _common(CHECK_SCHEMA, diags)
    doc["event"] = None
    doc["inputs"] = []
    doc["groups"] = []
    if checked is not None:
        ev = checked.event
        doc["event"] = {"file": str(event_path), "title": ev.title, "organisation": ev.organisation,
                        "date": ev.date.isoformat(), "rules": ev.rules, "sha256": ev.sha256}
        doc["inputs"] = [{"file": i.file, "sha256": i.sha256} for i in checked.read.inputs]
        for gb in checked.read.groups:
            entered = checked.read.entered_in(gb.group.id)
            invalid = gb.wholly_invalid
            clean = not checked.has_errors   # with errors, some rows are not yet ballots: no split
            doc["groups"].append({
                "id": gb.group.id, "title": gb.group.title,
                "summoned": gb.group.summoned, "present": gb.group.present, "issued": gb.group.issued,
                "collected": gb.group.collected, "entered": entered,
                "valid": entered - invalid if clean else None, "invalid": invalid if clean else None,
                "persons": [p.id for p in gb.persons],
            })
    doc["ready"] = checked is not None and not checked.has_errors
    return doc


def count_document(counted: Counted | None, diagnostics: Sequence[Diagnostic] = (),
                   signed: dict[str, Any] | None = None, exit_code: ExitCode | int | None = None) -> dict[str, Any]:
    """`tally count --json`: the results.json document itself under "results" (null when
    nothing could be counted), what was written where, and the problems."""
    diags = tuple(counted.checked.diagnostics) if counted is not None else tuple(diagnostics)
    doc = _common(COUNT_SCHEMA, diags, exit_code)
    doc["results"] = None
    doc["results_sha256"] = None
    doc["written"] = []
    doc["signature"] = signed
    if counted is not None:
        import hashlib

        doc["results"] = json.loads(counted.results_json)
        doc["results_sha256"] = hashlib.sha256(counted.results_json).hexdigest()
        doc["written"] = [str(p) for p in (counted.xlsx_path, counted.json_path) if p is not None]
    return doc


def show_document(view: EventView) -> dict[str, Any]:
    """`tally show --json`: the event file as read (leniently: an unfinished file shows what
    it has; missing values are null) and every problem in it."""
    doc = _common(SHOW_SCHEMA, view.diagnostics, view.exit_code)
    doc["event"] = {
        "file": str(view.path), "title": view.title, "organisation": view.organisation, "parent": view.parent,
        "place": view.place, "date": view.date.isoformat() if view.date else None, "rules": view.rules,
        "language": view.language,
        "committee": [{"name": m.name, "role": m.role} for m in view.committee],
    }
    doc["positions"] = [{"id": p.id, "title": p.title, "held_by": [x.id for x in view.holders(p.id)],
                         "groups": [g.id for g in view.groups_using(p.id)]} for p in view.positions]
    doc["persons"] = [{"id": p.id, "name": p.name, "positions": list(p.positions),
                       "appointed": p.appointed.isoformat() if p.appointed else None, "retiring": p.retiring,
                       "groups": [g.id for g in view.forms_of(p)]} for p in view.persons]
    doc["groups"] = [{"id": g.id, "title": g.title, "positions": list(g.positions), "summoned": g.summoned,
                      "present": g.present, "issued": g.issued, "collected": g.collected, "members": g.members,
                      "quorum": g.quorum, "persons": [p.id for p in view.persons_on(g)]} for g in view.groups]
    return doc
