"""`--json` on check, count, show and verify: stdout is one JSON document with exactly the
keys docs/json.md documents; messages for people go to stderr; codes stay the same in
every language while the texts follow --lang."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SAMPLES, run_tally

DOC = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")


def documented() -> dict[str, dict[str, set[str]]]:
    """{schema: {path: keys}} from the tables of docs/json.md ("" is the top level)."""
    out: dict[str, dict[str, set[str]]] = {}
    schema = "diagnostic"
    path = ""
    for line in DOC.splitlines():
        if line.startswith("## "):
            m = re.search(r"`(tally-[a-z]+/\d+)`", line)
            schema, path = (m.group(1) if m else "diagnostic"), ""
        elif line.startswith("### "):
            path = line[4:].strip().strip("`")
        elif m := re.match(r"^\| `([a-z_0-9]+)` \|", line):
            out.setdefault(schema, {}).setdefault(path, set()).add(m.group(1))
    return out


SPEC = documented()


def items(doc: Any, path: str) -> list[dict[str, Any]]:
    found = [doc]
    for part in filter(None, path.split(".")):
        many = part.endswith("[]")
        key = part[:-2] if many else part
        nxt: list[Any] = []
        for d in found:
            value = d.get(key)
            if value is None:
                continue
            nxt.extend(value if many else [value])
        found = nxt
    return found


def assert_documented(doc: dict[str, Any]) -> None:
    spec = SPEC[doc["schema"]]
    checked = 0
    for path, keys in spec.items():
        for item in items(doc, path):
            assert set(item) == keys, f"{doc['schema']} {path or '(top)'}: {sorted(set(item) ^ keys)}"
            checked += 1
    for d in doc.get("diagnostics", []):
        assert set(d) == SPEC["diagnostic"]["diagnostics[]"]
    assert checked


def parse(stdout: str) -> dict[str, Any]:
    assert stdout.endswith("}\n") and stdout.startswith("{"), stdout[:200]
    doc = json.loads(stdout)     # the whole of stdout: nothing else is printed there
    assert stdout == json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n"
    return doc


def test_docs_describe_every_schema() -> None:
    assert set(SPEC) == {"diagnostic", "tally-check/1", "tally-count/1", "tally-show/1", "tally-verify/1"}


def test_check_json_on_the_sample(sample: Path) -> None:
    proc = run_tally("check", sample / "event.toml", sample / "ballots.xlsx", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = parse(proc.stdout)
    assert doc["schema"] == "tally-check/1" and doc["ok"] and doc["ready"] and doc["exit_code"] == 0
    assert [g["id"] for g in doc["groups"]] == ["btv", "lanhdao"]
    assert doc["groups"][0]["entered"] == doc["groups"][0]["valid"] + doc["groups"][0]["invalid"] == 25
    assert doc["inputs"][0]["sha256"] == hashlib.sha256((sample / "ballots.xlsx").read_bytes()).hexdigest()
    assert_documented(doc)
    assert "Ready to count" in proc.stderr   # the summary line goes to stderr


def test_check_json_on_a_bad_sheet_keeps_codes_and_translates_texts(sample: Path, tmp_path: Path) -> None:
    bad = tmp_path / "btv.csv"
    bad.write_text("Số phiếu,p01,p02,p03,p04,p05\n1,1,2,3,1,x\n1,1,2,3,1,2\n", encoding="utf-8")
    docs = {}
    for lang in ("en", "vi"):
        proc = run_tally("--lang", lang, "check", sample / "event.toml", bad, "--json")
        assert proc.returncode == 5
        docs[lang] = parse(proc.stdout)
        assert_documented(docs[lang])
        assert "E501" in proc.stderr     # people still read the problems, on stderr
    en, vi = docs["en"], docs["vi"]
    assert not en["ok"] and not en["ready"] and en["exit_code"] == 5 and en["language"] == "en"
    assert vi["language"] == "vi"
    assert [(d["code"], d["location"]) for d in en["diagnostics"]] == \
           [(d["code"], d["location"]) for d in vi["diagnostics"]]
    e501 = next(d for d in en["diagnostics"] if d["code"] == "E501")
    v501 = next(d for d in vi["diagnostics"] if d["code"] == "E501")
    assert e501["severity"] == "error" and e501["location"] == "btv.csv › F2"
    assert e501["title"] == "unknown mark" and v501["title"] == "dấu không xác định"
    assert e501["message"] != v501["message"] and e501["hint"] != v501["hint"]
    assert en["groups"][0]["valid"] is None      # no split while errors remain


def test_check_json_when_the_event_file_is_missing(tmp_path: Path) -> None:
    proc = run_tally("check", tmp_path / "nowhere.toml", SAMPLES / "ballots.xlsx", "--json")
    assert proc.returncode == 3
    doc = parse(proc.stdout)
    assert doc["event"] is None and doc["groups"] == [] and [d["code"] for d in doc["diagnostics"]] == ["E100"]
    assert_documented(doc)


def test_count_json_carries_the_results_document(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "results.xlsx"
    proc = run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "-o", out, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = parse(proc.stdout)
    assert doc["schema"] == "tally-count/1" and doc["ok"]
    written = out.with_suffix(".json").read_bytes()
    assert doc["results"] == json.loads(written)
    assert doc["results_sha256"] == hashlib.sha256(written).hexdigest()
    assert doc["written"] == [str(out), str(out.with_suffix(".json"))]
    assert_documented(doc)
    assert f"Wrote {out}" in proc.stderr

    dry = parse(run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "--json").stdout)
    assert dry["written"] == [] and dry["results"] == doc["results"] and dry["signature"] is None


def test_count_json_with_errors_counts_nothing(sample: Path, tmp_path: Path) -> None:
    bad = tmp_path / "btv.csv"
    bad.write_text("Số phiếu,p01\n1,x\n", encoding="utf-8")
    proc = run_tally("count", sample / "event.toml", bad, "--json")
    assert proc.returncode == 5
    doc = parse(proc.stdout)
    assert doc["results"] is None and doc["results_sha256"] is None and doc["errors"] > 0
    assert_documented(doc)


def test_show_json(sample: Path) -> None:
    proc = run_tally("show", sample / "event.toml", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = parse(proc.stdout)
    assert doc["schema"] == "tally-show/1" and doc["ok"]
    assert doc["event"]["rules"] == "qd96-2023" and doc["event"]["date"] == "2023-09-28"
    assert [g["id"] for g in doc["groups"]] == ["btv", "lanhdao"] and doc["groups"][0]["quorum"] is True
    assert "btv" in next(p for p in doc["persons"] if p["id"] == "p01")["groups"]
    assert_documented(doc)


def test_show_json_of_an_unfinished_event(tmp_path: Path) -> None:
    event = tmp_path / "event.toml"
    assert run_tally("init", event, "--title", "T", "--organisation", "O", "--date", "2023-05-31").returncode == 0
    proc = run_tally("show", event, "--json")
    assert proc.returncode == 3
    doc = parse(proc.stdout)
    assert doc["groups"] == [] and "E103" in [d["code"] for d in doc["diagnostics"]]
    assert_documented(doc)


def test_verify_json_keeps_its_documented_format(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.xlsx"
    assert run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "-o", out).returncode == 0
    proc = run_tally("verify", out, "--trust", "0" * 64, "--json")
    assert proc.returncode == 9
    doc = parse(proc.stdout)
    assert doc["schema"] == "tally-verify/1" and not doc["passed"]
    assert [c["id"] for c in doc["files"][0]["checks"]][:2] == ["workbook", "results"]
    assert_documented(doc)
    vi = parse(run_tally("--lang", "vi", "verify", out, "--trust", "0" * 64, "--json").stdout)
    assert [c["id"] for c in vi["files"][0]["checks"]] == [c["id"] for c in doc["files"][0]["checks"]]
    assert vi["files"][0]["checks"][0]["name"] == "tệp biên bản"


@pytest.mark.parametrize("command", ["check", "count", "show", "verify"])
def test_json_is_documented_in_the_help(command: str) -> None:
    assert "--json" in run_tally(command, "--help").stdout
