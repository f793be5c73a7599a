"""tally/verify.py and `tally verify` (SPEC §7): robust to harmless handling, strict on changes.

Tampered workbooks are built here from the sample, and a few are kept as data under
tests/data/tampered (made by tests/data/tampered/make_tampered.py)."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import DATA, ROOT, SAMPLES, run_tally
from sigtools import (
    cert_pem,
    convert,
    count_sample,
    edit_cells,
    hide_row,
    make_cert,
    make_p12,
    new_signer,
    person_row,
    public_pem,
    replace_embedded,
    resave,
    sample_key,
    set_number_format,
    soffice,
)

from tally import sign as signing
from tally import verify
from tally.compare import table_mismatches
from tally.keys import load_trust
from tally.results_json import group4
from tally.sign import embedded_results, embedded_signatures, read_snapshot, sign_results
from tally.snapshot import as_openpyxl
from tally.verify import FileReport, default_workers, verify_file, verify_files

KEYS = DATA / "keys"
TAMPERED = DATA / "tampered"
TRUST = str(KEYS / "committee.pub")


@pytest.fixture(scope="module")
def signed_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = count_sample(tmp_path_factory.mktemp("signed"))
    sign_results(out, sample_key(), name="Ngô Văn Bình, Trưởng ban")
    return out


@pytest.fixture
def signed(signed_once: Path, tmp_path: Path) -> Path:
    """A private copy of the signed sample and the files beside it."""
    dest = tmp_path / "out"
    shutil.copytree(signed_once.parent, dest)
    return dest / "results.xlsx"


def check(path: Path, trust: list[str] | None = None, require: int = 1, **kw: object) -> FileReport:
    report = verify_files([path], trust or [TRUST], require=require, **kw)  # type: ignore[arg-type]
    return report.files[0]


def failed(report: FileReport) -> dict[str, str]:
    return {c.id: f"{c.code} {c.reason} @ {c.where}" for c in report.failed}


def only_fails(report: FileReport, *ids: str) -> dict[str, str]:
    """The failed checks are exactly `ids`; a changed result cell also prints differently
    from the rebuilt minutes, so "tables" and "display" come with "appearance"."""
    bad = failed(report)
    want = set(ids) | ({"appearance"} if {"tables", "display"} & set(ids) else set())
    assert set(bad) == want, bad
    return bad


# --- the untouched minutes ---------------------------------------------------------------


def test_signed_sample_passes_every_check(signed: Path) -> None:
    report = check(signed)
    assert report.passed, failed(report)
    assert [c.id for c in report.checks] == ["workbook", "results", "sidecar", "signature", "sidecar-signature",
                                             "sidecar-signature", "signers", "tables", "display", "package",
                                             "structure", "appearance"]
    data = signed.with_suffix(".json").read_bytes()
    import hashlib

    assert report.results_sha256 == hashlib.sha256(data).hexdigest()
    (signer,) = report.signers
    assert signer.trusted and signer.valid and signer.name == "Ngô Văn Bình, Trưởng ban"


def test_fingerprint_typed_from_paper_is_a_trust_anchor(signed: Path) -> None:
    typed = group4(sample_key().fingerprint)
    assert check(signed, [typed]).passed
    assert check(signed, [typed.replace(" ", "").upper()]).passed


def test_openpyxl_resave_still_verifies(signed: Path, tmp_path: Path) -> None:
    resave(signed, tmp_path / "resaved.xlsx")
    report = check(tmp_path / "resaved.xlsx")
    assert report.passed, failed(report)


def test_the_quick_reader_reads_what_openpyxl_reads(signed: Path, tmp_path: Path) -> None:
    resave(signed, tmp_path / "resaved.xlsx")
    for path in (signed, tmp_path / "resaved.xlsx"):
        snap = read_snapshot(path)
        mine = dict(snap.cells)
        theirs = as_openpyxl(path)
        theirs.pop("_tally")
        assert mine == theirs


def test_quick_table_check_agrees_with_the_workbook_module(signed: Path, tmp_path: Path) -> None:
    from tally.compare import mismatches

    sheet, row, person = person_row(signed)
    edit_cells(signed, tmp_path / "t.xlsx", {(sheet, f"F{row}"): person["high"] + 1, (sheet, f"B{row}"): "X"})
    data = signed.with_suffix(".json").read_bytes()
    assert table_mismatches(data, read_snapshot(tmp_path / "t.xlsx")) == mismatches(data, tmp_path / "t.xlsx")


# --- every kind of change is caught, and the message says which ---------------------------


@pytest.mark.parametrize(
    ("what", "col", "value"),
    [
        ("count", "F", lambda p: p["high"] + 1),
        ("count as text", "D", lambda p: str(p["valid"] - 1)),
        ("percentage", "G", lambda p: "99,99%"),
        ("name", "B", lambda p: p["name"].replace(p["name"].split()[-1], "Thắng")),
        ("position", "C", lambda p: "Bí thư Đảng ủy"),
        ("row number", "A", lambda p: 9),
    ],
)
def test_changed_cell_fails_naming_sheet_and_cell(signed: Path, tmp_path: Path, what: str, col: str,
                                                   value: object) -> None:
    sheet, row, person = person_row(signed, group=0, person=1)
    edit_cells(signed, tmp_path / "t.xlsx", {(sheet, f"{col}{row}"): value(person)})  # type: ignore[operator]
    bad = only_fails(check(tmp_path / "t.xlsx"), "tables")
    assert f"{sheet} › {col}{row}" in bad["tables"] and bad["tables"].startswith("E905")


def test_flag_removed_or_added_fails(signed: Path, tmp_path: Path) -> None:
    sheet, row, _ = person_row(signed, flagged=True)
    edit_cells(signed, tmp_path / "removed.xlsx", {(sheet, f"L{row}"): None})
    assert f"{sheet} › L{row}" in only_fails(check(tmp_path / "removed.xlsx"), "tables")["tables"]
    sheet, row, _ = person_row(signed, flagged=False)
    edit_cells(signed, tmp_path / "added.xlsx", {(sheet, f"L{row}"): "Từ 2/3 tín nhiệm thấp trở lên"})
    assert f"{sheet} › L{row}" in only_fails(check(tmp_path / "added.xlsx"), "tables")["tables"]


def test_meeting_count_and_title_changes_fail(signed: Path, tmp_path: Path) -> None:
    snap = read_snapshot(signed)
    first = snap.sheets[0]
    collected = next(ref for ref, v in snap.cells[first].items()
                     if isinstance(v, str) and v.startswith("4.")).replace("A", "D")
    edit_cells(signed, tmp_path / "t.xlsx", {(first, collected): 26})
    assert f"{first} › {collected}" in only_fails(check(tmp_path / "t.xlsx"), "tables")["tables"]


def test_sheet_removed_fails(signed: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(signed)
    del wb[wb.sheetnames[1]]
    wb.save(tmp_path / "t.xlsx")
    assert "sheet missing" in only_fails(check(tmp_path / "t.xlsx"), "tables")["tables"]


@pytest.mark.parametrize("trick", ["number format", "formula", "hidden row"])
def test_tricks_that_print_another_value_fail(signed: Path, tmp_path: Path, trick: str) -> None:
    sheet, row, person = person_row(signed)
    t = tmp_path / "t.xlsx"
    if trick == "number format":
        set_number_format(signed, t, sheet, f"F{row}", f'"{person["high"] + 3}"')
    elif trick == "formula":
        edit_cells(signed, t, {(sheet, f"F{row}"): f"=IF(TODAY()>DATE(2024,1,1),{person['high'] + 3},"
                                                   f"{person['high']})"})
    else:
        hide_row(signed, t, sheet, row)
    bad = failed(check(t))
    assert "display" in bad and sheet in bad["display"], bad


def test_removed_signature_fails(signed: Path, tmp_path: Path) -> None:
    replace_embedded(signed, tmp_path / "unsigned.xlsx", signatures=[])
    bad = only_fails(check(tmp_path / "unsigned.xlsx"), "signers")
    assert "no signature" in bad["signers"] and bad["signers"].startswith("E908")
    # two signers, --require 2, one signature removed
    sign_results(signed, sample_key("other"))
    both = [TRUST, str(KEYS / "other.pub")]
    assert check(signed, both, require=2).passed
    first_only = embedded_signatures(read_snapshot(signed))[:1]
    replace_embedded(signed, tmp_path / "one.xlsx", signatures=first_only)
    bad = only_fails(check(tmp_path / "one.xlsx", both, require=2), "signers")
    assert "only 1 distinct trusted signer, 2 required" in bad["signers"]


def test_require_two_with_one_signer_and_the_same_key_twice(signed: Path, tmp_path: Path) -> None:
    bad = only_fails(check(signed, require=2), "signers")
    assert "2 required" in bad["signers"]
    sig = embedded_signatures(read_snapshot(signed))
    replace_embedded(signed, tmp_path / "dup.xlsx", signatures=sig + sig)      # one key counts once
    assert "signers" in failed(check(tmp_path / "dup.xlsx", require=2))


def test_untrusted_key_fails_and_says_which(signed: Path, tmp_path: Path) -> None:
    stranger = new_signer()
    out = count_sample(tmp_path / "s")
    sign_results(out, stranger)
    bad = only_fails(check(out), "signers")
    assert group4(stranger.fingerprint[:16]) in bad["signers"]
    (tmp_path / "stranger.pub").write_bytes(public_pem(stranger))
    assert check(out, [str(tmp_path / "stranger.pub")]).passed


def test_changed_signature_or_results_json_fails(signed: Path, tmp_path: Path) -> None:
    (sig,) = embedded_signatures(read_snapshot(signed))
    broken = signing.EmbeddedSignature(sig.kind, sig.signer, bytes([sig.signature[0] ^ 1]) + sig.signature[1:],
                                       sig.name)
    replace_embedded(signed, tmp_path / "sig.xlsx", signatures=[broken])
    assert set(failed(check(tmp_path / "sig.xlsx"))) == {"signature", "signers"}
    data = signed.with_suffix(".json").read_bytes()
    person = json.loads(data)["groups"][0]["persons"][0]
    changed = data.replace(f'"high": {person["high"]},'.encode(), f'"high": {person["high"] + 1},'.encode(), 1)
    assert changed != data
    replace_embedded(signed, tmp_path / "json.xlsx", results_json=changed)
    bad = failed(check(tmp_path / "json.xlsx"))
    assert {"signature", "signers", "tables"} <= set(bad) and "does not verify" in bad["signature"]


def test_sidecar_results_json_changed_fails(signed: Path) -> None:
    beside = signed.with_suffix(".json")
    beside.write_bytes(beside.read_bytes().replace(b"\n", b"\r\n"))
    assert "differs" in only_fails(check(signed), "sidecar")["sidecar"]


def test_another_events_results_swapped_in(signed: Path, tmp_path: Path) -> None:
    other = count_sample(tmp_path / "other", title="Lấy phiếu tín nhiệm giữa nhiệm kỳ 2020-2025 (đợt 2)")
    sign_results(other, sample_key())
    other_json = other.with_suffix(".json").read_bytes()
    # 1. the other event's results.json under this workbook's signature
    replace_embedded(signed, tmp_path / "json-only.xlsx", results_json=other_json)
    shutil.copy(tmp_path / "json-only.xlsx", tmp_path / "json-only-copy.xlsx")   # no sidecar beside it
    bad = failed(check(tmp_path / "json-only-copy.xlsx"))
    assert {"signature", "signers", "tables"} <= set(bad)
    # 2. the other event's results.json with its own valid signature by the same trusted key
    replace_embedded(signed, tmp_path / "both.xlsx", results_json=other_json,
                     signatures=embedded_signatures(read_snapshot(other)))
    bad = only_fails(check(tmp_path / "both.xlsx"), "tables")
    assert "đợt 2" in bad["tables"]
    # 3. the whole other workbook: only the inputs show it
    report = check(other, event=SAMPLES / "event.toml", ballots=[SAMPLES / "ballots.xlsx"])
    bad = only_fails(report, "event", "recount")
    assert bad["event"].startswith("E909") and "event.title" in bad["recount"]


# --- inputs and re-count -----------------------------------------------------------------


def test_recount_passes_with_the_signed_inputs(signed: Path) -> None:
    report = check(signed, event=SAMPLES / "event.toml", ballots=[SAMPLES / "ballots.xlsx"])
    assert report.passed, failed(report)
    assert [c.id for c in report.checks][-3:] == ["event", "inputs", "recount"]


def test_changed_ballot_file_fails_inputs_and_recount(signed: Path, tmp_path: Path) -> None:
    ballots = tmp_path / "ballots.xlsx"
    wb = openpyxl.load_workbook(SAMPLES / "ballots.xlsx")
    ws = wb[wb.sheetnames[0]]
    header = [c.value for c in ws[1]]
    col = next(i for i, h in enumerate(header, start=1) if isinstance(h, str) and h.lower().startswith("p"))
    row = next(r for r in range(2, ws.max_row + 1) if str(ws.cell(r, col).value) in ("1", "1.0", "2", "2.0"))
    ws.cell(row, col).value = 3 if str(ws.cell(row, col).value).startswith("1") else 1
    wb.save(ballots)
    report = check(signed, event=SAMPLES / "event.toml", ballots=[ballots])
    bad = only_fails(report, "inputs", "recount")
    assert "ballots.xlsx" in bad["inputs"] and "gives different results" in bad["recount"]
    # said in words: the form, the person by id and name, the figure and both values
    assert re.search(r"form btv, p\d\d [^:]+: (high|low) confidence \d+ signed, \d+ re-counted", bad["recount"])
    assert "groups[" not in bad["recount"]


def test_recount_matches_inputs_by_content_not_name(signed: Path, tmp_path: Path) -> None:
    """An auditor's copy of the same ballot file, under another name, is the same input."""
    renamed = tmp_path / "phieu-ban-sao.xlsx"
    shutil.copyfile(SAMPLES / "ballots.xlsx", renamed)
    report = check(signed, event=SAMPLES / "event.toml", ballots=[renamed])
    assert report.passed, failed(report)
    recount = next(c for c in report.checks if c.id == "recount")
    assert "byte-identical" in recount.reason


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_resaved_ballot_file_under_another_name_is_explained_in_words(signed: Path, tmp_path: Path,
                                                                         lang: str) -> None:
    """Issue 11, A5: the same ballots re-saved (other bytes) under another name: the re-count
    differs only in the file its invalid entries were read from, and says so, not '2 signed, 2
    re-counted'."""
    from ballots.i18n import set_language

    resaved = tmp_path / "resaved.xlsx"
    openpyxl.load_workbook(SAMPLES / "ballots.xlsx").save(resaved)
    set_language(lang)
    try:
        report = check(signed, event=SAMPLES / "event.toml", ballots=[resaved])
    finally:
        set_language("en")
    bad = only_fails(report, "inputs", "recount")
    recount = bad["recount"]
    assert "2 signed, 2" not in recount and "invalid_entries" not in recount and "groups[" not in recount
    assert "ballots.xlsx" in recount and "resaved.xlsx" in recount
    assert re.search(r"btv: 2 .*ballots.xlsx", recount), recount
    if lang == "vi":
        assert "đọc từ tệp" in recount, recount


# --- unusable inputs ---------------------------------------------------------------------


def test_no_embedded_results_text_file_and_missing_file(tmp_path: Path) -> None:
    text = tmp_path / "results.xlsx"
    text.write_text("STT;Họ tên\n", encoding="utf-8")
    report = verify_files([SAMPLES / "ballots.xlsx", text, tmp_path / "missing.xlsx"], [TRUST])
    codes = [[c.code for c in f.failed] for f in report.files]
    assert codes == [["E902"], ["E901"], ["E901"]]
    assert not report.passed


def test_trust_file_that_is_not_a_key_raises(signed: Path) -> None:
    from ballots.errors import TallyError

    with pytest.raises(TallyError) as exc:
        verify_files([signed], [str(KEYS / "not-a-key.pub")])
    assert exc.value.diagnostics[0].code == "E809" and exc.value.exit_code == 8


# --- certificates --------------------------------------------------------------------------


def test_cms_signers_trusted_by_their_certificate_or_its_issuer(signed: Path, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca = make_cert(ca_key, "Cơ quan chứng thực", ca=True)
    make_p12(tmp_path / "issued.p12", "rsa", cn="Đỗ Thị Mai", issuer=(ca_key, ca))
    own = make_p12(tmp_path / "own.p12", "ec", cn="Tạ Minh Đức")
    for p12 in ("issued.p12", "own.p12"):
        sign_results(signed, signing.load_signer(tmp_path / p12, lambda: b"p12 password"))
    (tmp_path / "ca.pem").write_bytes(cert_pem(ca))
    (tmp_path / "own.pem").write_bytes(cert_pem(own))
    trust = [str(tmp_path / "ca.pem"), str(tmp_path / "own.pem")]
    report = check(signed, trust, require=2)
    assert report.passed, failed(report)
    assert sorted(s.trusted_by for s in report.signers if s.trusted) == sorted(
        [f"{tmp_path / 'ca.pem'} (issuer)", str(tmp_path / "own.pem")])
    # a certificate nobody trusts is not counted
    assert "signers" in failed(check(signed, [str(tmp_path / "own.pem")], require=2))
    # a changed CMS signature fails
    sigs = embedded_signatures(read_snapshot(signed))
    cms = sigs[1]
    broken = signing.EmbeddedSignature("cms", cms.signer, cms.signature[:-1] + bytes([cms.signature[-1] ^ 1]))
    replace_embedded(signed, tmp_path / "t.xlsx", signatures=[sigs[0], broken, sigs[2]])
    shutil.copy(signed.with_suffix(".json"), tmp_path / "t.json")
    bad = failed(check(tmp_path / "t.xlsx", [TRUST, *trust], require=2))
    assert "signature" in bad and "E906" in bad["signature"]


# --- kept data: tests/data/tampered ------------------------------------------------------

MANIFEST = json.loads((TAMPERED / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_kept_tampered_workbooks(name: str) -> None:
    """If signed.xlsx fails on "tables", the minutes' layout changed: minutes signed with an
    earlier version no longer verify. Decide whether that is intended; then rebuild the data
    with `python tests/data/tampered/make_tampered.py`."""
    report = check(TAMPERED / name)
    fails = MANIFEST[name]["fails"]
    if fails is None:
        assert report.passed, failed(report)
    else:
        assert set(failed(report)) == set(fails), (MANIFEST[name]["what"], failed(report))
        for check_id in fails:     # each failure says why
            assert failed(report)[check_id].split(" ", 1)[1].strip(), failed(report)


# --- LibreOffice round trips (run for real in CI) ----------------------------------------


@pytest.mark.libreoffice
def test_libreoffice_resave_xlsx_and_via_ods_still_verifies(signed: Path, tmp_path: Path) -> None:
    exe = soffice()
    profile = tmp_path / "lo-profile"
    direct = convert(exe, signed, "xlsx", tmp_path / "direct", profile)
    ods = convert(exe, signed, "ods", tmp_path / "ods", profile)
    back = convert(exe, ods, "xlsx", tmp_path / "back", profile)
    for path in (direct, back):
        assert path.read_bytes() != signed.read_bytes()
        report = check(path)
        assert report.passed, (path, failed(report))
        theirs = as_openpyxl(path)
        theirs.pop("_tally")
        assert read_snapshot(path).cells == theirs
    # signing the re-saved workbook keeps both signatures and still verifies after another trip
    shutil.copy(signed.with_suffix(".json"), back.with_suffix(".json"))
    sign_results(back, sample_key("other"))
    again = convert(exe, convert(exe, back, "ods", tmp_path / "ods2", profile), "xlsx", tmp_path / "back2", profile)
    report = check(again, [TRUST, str(KEYS / "other.pub")], require=2)
    assert report.passed, failed(report)


@pytest.mark.libreoffice
def test_libreoffice_resave_does_not_hide_a_change(tmp_path: Path) -> None:
    exe = soffice()
    out = convert(exe, TAMPERED / "count.xlsx", "xlsx", tmp_path / "o", tmp_path / "lo-profile")
    assert set(failed(check(out))) == {"tables", "appearance"}


# --- the command ---------------------------------------------------------------------------


def test_cli_verify_one_file(signed: Path) -> None:
    proc = run_tally("verify", signed, "--trust", TRUST)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Verified" in proc.stdout and "✓" in proc.stdout
    assert group4(read_json_sha(signed)) in proc.stdout


def read_json_sha(xlsx: Path) -> str:
    import hashlib

    return hashlib.sha256(xlsx.with_suffix(".json").read_bytes()).hexdigest()


def test_cli_verify_many_files_summary_and_json(signed: Path) -> None:
    files = [signed, *(TAMPERED / n for n in ("count.xlsx", "untrusted.xlsx"))]
    proc = run_tally("verify", *files, "--trust", TRUST)
    assert proc.returncode == 9
    assert "3 files" in proc.stdout and "2 of 3 files failed" in proc.stdout
    assert "count.xlsx" in proc.stdout and "E905" in proc.stdout and "E908" in proc.stdout
    proc = run_tally("verify", *files, "--trust", TRUST, "--json")
    assert proc.returncode == 9
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "tally-verify/1" and doc["passed"] is False and doc["require"] == 1
    assert [f["passed"] for f in doc["files"]] == [True, False, False]
    tables = next(c for c in doc["files"][1]["checks"] if c["id"] == "tables")
    assert tables["code"] == "E905" and MANIFEST["count.xlsx"]["cells"][0] in tables["where"]
    assert {"id", "name", "passed", "reason", "where", "code"} == set(tables)
    assert doc["files"][0]["results_sha256"] == read_json_sha(signed)


def test_cli_verify_with_event_and_ballots(signed: Path) -> None:
    proc = run_tally("verify", signed, "--trust", TRUST, "--event", SAMPLES / "event.toml", "--ballots",
                     SAMPLES / "ballots.xlsx", "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [c["id"] for c in json.loads(proc.stdout)["files"][0]["checks"]][-1] == "recount"
    proc = run_tally("verify", signed, "--trust", TRUST, "--event", SAMPLES / "event.toml")
    assert proc.returncode == 2


def test_cli_verify_bad_inputs_exit_codes(signed: Path, tmp_path: Path) -> None:
    proc = run_tally("verify", signed, "--trust", KEYS / "not-a-key.pub")
    assert proc.returncode == 8 and "E809" in proc.stderr
    proc = run_tally("verify", signed, "--trust", "3d0d 0679")
    assert proc.returncode == 8 and "E810" in proc.stderr
    text = tmp_path / "r.xlsx"
    text.write_text("x", encoding="utf-8")
    proc = run_tally("verify", text, "--trust", TRUST)
    assert proc.returncode == 9 and "E901" in proc.stdout
    proc = run_tally("verify", SAMPLES / "ballots.xlsx", "--trust", TRUST)
    assert proc.returncode == 9 and "E902" in proc.stdout


def test_many_files_in_parallel_give_the_same_report(signed: Path) -> None:
    files = [signed, *(sorted(TAMPERED.glob("*.xlsx")))] * 2
    one = verify_files(files, [TRUST], workers=1)
    two = verify_files(files, [TRUST], workers=2)
    assert one.to_dict() == two.to_dict()


def test_a_batch_uses_the_cores_only_when_each_worker_has_enough_files() -> None:
    assert default_workers(1, fork=True, cpus=2) == 1
    assert default_workers(40, fork=True, cpus=2) == 1          # a forked worker needs 32 files
    assert default_workers(1000, fork=True, cpus=2) == 2
    assert default_workers(1000, fork=True, cpus=64) == 8
    assert default_workers(300, fork=False, cpus=2) == 1         # spawning a worker costs a second
    assert default_workers(1000, fork=False, cpus=2) == 2
    assert default_workers(1000, fork=False, cpus=8) == 2
    assert default_workers(10_000, fork=False, cpus=1) == 1


def test_a_few_files_are_verified_in_this_process(signed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import concurrent.futures

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a process pool for a few files")

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    assert verify_files([signed] * 20, [TRUST]).passed


def _forget_every_read() -> None:
    """Drop what this process keeps of workbooks and results read before."""
    from tally import compare, results_json, sign, snapshot

    snapshot._MEMO.clear()
    compare._COMPARED.clear()
    for cached in (compare.rebuilt_book, compare.expected_cells, compare._header_footer_differences,
                   snapshot._header_footer_read, results_json._parsed, sign._parse_kept):
        cached.cache_clear()


def test_what_was_verified_before_changes_no_report(signed: Path) -> None:
    """Copies share the reads of their identical parts and comparisons (tally.snapshot._Memo,
    tally.compare._cells_compared): each report in a warm batch is the report of that file
    verified alone in a process that has read nothing."""
    files = [signed, *(sorted(TAMPERED.glob("*.xlsx")))]
    warm = verify_files([*files, *reversed(files)], [TRUST], workers=1).files
    anchors = load_trust(TRUST)
    for i, path in enumerate(files):
        _forget_every_read()
        alone = verify_file(path, anchors, 1)
        assert warm[i] == alone == warm[-1 - i], path.name


def test_verify_changes_no_file(signed: Path) -> None:
    before = {p: p.read_bytes() for p in signed.parent.iterdir()}
    verify_file(signed, load_trust(TRUST), 1)
    run_tally("verify", signed, "--trust", TRUST)
    assert {p: p.read_bytes() for p in signed.parent.iterdir()} == before


# --- the README's auditor's guide, as written -----------------------------------------------

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(start: str, end: str) -> list[str]:
    """The ```bash blocks of a README section, without their leading comment lines (a block
    the walkthrough does not run says so in one, and why: it is run here)."""
    section = README[README.index(start) : README.index(end, README.index(start))]
    blocks = [b.strip().splitlines() for b in re.findall(r"```bash\n(.*?)\n```", section, flags=re.DOTALL)]
    return ["\n".join(lines[next(i for i, line in enumerate(lines) if not line.startswith("#")):]) for lines in blocks]


def test_readme_signing_and_auditor_commands_run_as_written(tmp_path: Path) -> None:
    sign_blocks = _blocks("**7. Sign.**", "## For auditors")
    audit_blocks = _blocks("## For auditors", "## The event file")
    openssl_blocks = [b for b in audit_blocks if b.startswith(("openssl", "for pub"))]
    assert len(sign_blocks) == 1 and len(openssl_blocks) == 3
    assert any("pkeyutl -verify" in b and "-sigfile out/results.json.sig" in b for b in openssl_blocks)
    assert any("openssl cms -verify -binary -inform DER" in b for b in openssl_blocks)

    work = tmp_path / "w"
    shutil.copytree(SAMPLES, work / "samples")
    env = dict(os.environ, TALLY_PASSPHRASE="auditor guide passphrase", COLUMNS="160")
    env.pop("TALLY_DEBUG", None)
    if shutil.which("tally") is None:
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        (bin_dir / "tally").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tally "$@"\n')
        (bin_dir / "tally").chmod(0o755)
        env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    cert = make_p12(work / "member.p12", "rsa", password=b"auditor guide passphrase", cn="Đỗ Thị Mai")
    (work / "member.pem").write_bytes(cert_pem(cert))

    def bash(script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300, check=False)

    # the sample counted into out/, as the walkthrough would have it (test_walkthrough runs the whole
    # walkthrough on the user's own files); the auditor's re-count gets the same bytes under the
    # walkthrough's names: inputs are matched by content
    count = "tally count samples/event.toml samples/ballots.xlsx -o out/results.xlsx"
    shutil.copy(SAMPLES / "event.toml", work / "event.toml")
    (work / "out").mkdir()
    shutil.copy(SAMPLES / "ballots.xlsx", work / "out" / "entry-1.xlsx")
    for script in (count, *sign_blocks, "tally sign out/results.xlsx --p12 member.p12", *audit_blocks):
        proc = bash(script)
        assert proc.returncode == 0, (script, proc.stdout, proc.stderr)
        if script.startswith(("openssl pkeyutl", "for pub")):
            assert "Signature Verified Successfully" in proc.stdout, proc.stdout + proc.stderr
        if script.startswith("openssl cms"):
            assert "CMS Verification successful" in proc.stderr, proc.stderr
    # the per-signer loop printed the same fingerprint tally printed
    loop = bash(openssl_blocks[1])
    fp = loop.stdout.split("committee.pub: ")[1].split()[0]
    show = bash("tally keys show committee.pub").stdout
    assert group4(fp) in show

    # and the same commands fail once results.json is changed by one byte
    data = (work / "out" / "results.json").read_bytes()
    (work / "out" / "results.json").write_bytes(data.replace(b'"high": ', b'"high":  ', 1))
    for script in openssl_blocks:
        proc = bash(script)
        assert proc.returncode != 0 or "Verified Successfully" not in proc.stdout, script
    proc = bash(audit_blocks[0])
    assert proc.returncode == 9 and "E904" in proc.stdout


def test_libreoffice_missing_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        soffice()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        soffice()


def test_damaged_workbooks_give_a_report_never_an_exception(signed: Path, tmp_path: Path) -> None:
    import random

    data = signed.read_bytes()
    rng = random.Random(7)
    anchors = load_trust(TRUST)
    for i in range(60):
        damaged = bytearray(data)
        if i % 3 == 0:
            damaged = damaged[: rng.randrange(len(data))]
        else:
            for _ in range(rng.randrange(1, 4)):
                damaged[rng.randrange(len(damaged))] ^= 1 << rng.randrange(8)
        path = tmp_path / f"d{i}.xlsx"
        path.write_bytes(bytes(damaged))
        report = verify_file(path, anchors)
        assert report.checks
        if report.passed:   # only a flip in a part verification never reads (a theme, a property)
            assert read_snapshot(path).cells == read_snapshot(signed).cells


# --- minutes that are what tally writes: read without parsing their sheets (issue 14) --------


def _rezipped(xlsx: bytes, members: list[tuple[zipfile.ZipInfo, bytes]] | None = None, *,
              stored: bool = False, comment: bytes = b"", stream: bool = False) -> bytes:
    """The package written again by zipfile: the given members (default: the same), stored
    instead of deflated, with a zip comment, or through a stream that cannot seek (a data
    descriptor after each member)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src:
        if members is None:
            members = [(info, src.read(info)) for info in src.infolist()]

    class Stream(io.RawIOBase):
        def __init__(self) -> None:
            self.out = io.BytesIO()

        def writable(self) -> bool:
            return True

        def write(self, b: Any) -> int:
            return self.out.write(b)

    target: Any = Stream() if stream else io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")             # a duplicate name is one of the variants
        with zipfile.ZipFile(target, "w") as dst:
            for info, body in members:
                new = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                new.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                new.extra, new.external_attr, new.create_system = info.extra, info.external_attr, info.create_system
                dst.writestr(new, body)
            dst.comment = comment
    return (target.out if stream else target).getvalue()


def _zip_variants(xlsx: bytes) -> dict[str, bytes]:
    """The signed workbook with every part's bytes kept, changed only in the zip layer or in
    which name holds which bytes: what reading parts without parsing them must not hide."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src:
        members = [(info, src.read(info)) for info in src.infolist()]
    sheets = [i for i, (info, _b) in enumerate(members) if info.filename.startswith("xl/worksheets/")]
    first, second = sheets[0], sheets[1]
    swapped = list(members)
    swapped[first] = (members[first][0], members[second][1])
    swapped[second] = (members[second][0], members[first][1])
    renamed = []
    for info, body in members:
        if info.filename == members[first][0].filename:
            info = zipfile.ZipInfo("xl/worksheets/sheet99.xml", date_time=info.date_time)
        elif info.filename == "xl/_rels/workbook.xml.rels" or info.filename == "[Content_Types].xml":
            body = body.replace(b"/xl/worksheets/sheet1.xml", b"/xl/worksheets/sheet99.xml")
        renamed.append((info, body))
    extra = [(zipfile.ZipInfo(info.filename, date_time=info.date_time), body) for info, body in members]
    extra[first][0].extra = struct.pack("<HH4s", 0xCAFE, 4, b"tall")     # an unknown extra field, 4 bytes
    name = members[first][0].filename.encode()
    at = xlsx.index(b"PK\x03\x04" + xlsx[xlsx.index(name) - 26:xlsx.index(name)])   # its local header
    local_name = bytearray(xlsx)
    local_name[at + 30:at + 30 + len(name)] = name[:-5] + b"X.xml"       # the central directory keeps the name
    return {
        "rezipped": _rezipped(xlsx),
        "stored": _rezipped(xlsx, stored=True),
        "reordered": _rezipped(xlsx, list(reversed(members))),
        "zip comment": _rezipped(xlsx, comment=b"signed by nobody"),
        "data descriptors": _rezipped(xlsx, stream=True),
        "extra field": _rezipped(xlsx, extra),
        "duplicate name": _rezipped(xlsx, [*members, (members[first][0], members[second][1])]),
        "duplicate name first": _rezipped(xlsx, [(members[first][0], members[second][1]), *members]),
        "duplicate in another case": _rezipped(xlsx, [(zipfile.ZipInfo(members[first][0].filename.upper()),
                                                       members[second][1]), *members]),
        "extra member": _rezipped(xlsx, [*members, (zipfile.ZipInfo("xl/extra.xml"), members[first][1])]),
        "sheet parts swapped": _rezipped(xlsx, swapped),
        "sheet part renamed": _rezipped(xlsx, renamed),
        "trailing bytes": xlsx + b"\x00trailing",
        "leading bytes": b"MZ" + b"\x00" * 62 + xlsx,
        "local header name": bytes(local_name),
    }


def _parsed_report(path: Path, monkeypatch: pytest.MonkeyPatch) -> FileReport:
    """The report of verify as before issue 14: every part of the workbook parsed."""
    _forget_every_read()
    with monkeypatch.context() as m:
        m.setattr(verify, "expect_minutes", lambda beside, xlsx: None)
        return verify_file(path, load_trust(TRUST), 1)


def test_expected_parts_change_no_report(signed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """verify reads the parts tally writes for the results.json beside a workbook without parsing
    them (tally.compare.expect_written): every report is the report of parsing every part, for
    the signed minutes, each tampered workbook, and each change of the zip layer or of which
    part holds which bytes (a part's read is taken only for its own name and bytes)."""
    variants = _zip_variants(signed.read_bytes()) | {"as signed": signed.read_bytes()}
    cases = {f"tampered/{p.name}": p.read_bytes() for p in sorted(TAMPERED.glob("*.xlsx"))} | variants
    anchors = load_trust(TRUST)
    for i, (name, body) in enumerate(cases.items()):
        folder = tmp_path / f"case{i}"
        shutil.copytree(signed.parent, folder)
        (folder / "results.xlsx").write_bytes(body)
        _forget_every_read()
        expected = verify_file(folder / "results.xlsx", anchors, 1)
        assert expected == _parsed_report(folder / "results.xlsx", monkeypatch), name
        alone = tmp_path / f"alone{i}"        # the workbook without the files beside it
        alone.mkdir()
        (alone / "results.xlsx").write_bytes(body)
        _forget_every_read()
        assert verify_file(alone / "results.xlsx", anchors, 1) == _parsed_report(alone / "results.xlsx", monkeypatch)
        if name in variants:
            assert expected.passed == (name in ("as signed", "rezipped", "stored", "reordered", "zip comment",
                                                "data descriptors", "extra field", "sheet part renamed", "trailing bytes",
                                                "leading bytes")), (name, failed(expected))


@pytest.mark.parametrize("beside", [True, False])
def test_expected_parts_are_read_unparsed(signed: Path, beside: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The signed minutes, with their results.json beside or alone: only the data sheet (which
    holds the signatures, so is not the part the rebuilt minutes have) is parsed."""
    from tally import snapshot

    if not beside:
        signed.with_suffix(".json").unlink()
        assert signing.embedded_guess(signed.read_bytes()) == embedded_results(read_snapshot(signed.read_bytes()))
    walked: list[str] = []
    real = snapshot._sheet_content

    def counted(root: object, part: str, *rest: object) -> object:
        walked.append(part)
        return real(root, part, *rest)  # type: ignore[arg-type]

    _forget_every_read()
    monkeypatch.setattr(snapshot, "_sheet_content", counted)
    report = verify_file(signed, load_trust(TRUST), 1)
    assert report.passed
    data_part = [d.part for d in read_snapshot(signed.read_bytes()).detail.values() if d.state != "visible"]
    assert walked == data_part


def test_a_results_json_beside_that_is_not_the_embedded_one(signed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The results.json beside only says which parts to expect: another one (changed, not JSON,
    nested past the limit, not tally results) gives the report of parsing every part."""
    beside = signed.with_suffix(".json")
    data = beside.read_bytes()
    for other in (data.replace(b'"summoned": ', b'"summoned": 1', 1), b"\xff not json", b"[" * 100_000,
                  b'{"schema": "tally-results/1"}', b""):
        beside.write_bytes(other)
        _forget_every_read()
        report = verify_file(signed, load_trust(TRUST), 1)
        assert report == _parsed_report(signed, monkeypatch)
        assert failed(report).keys() == {"sidecar"}


def test_two_entries_of_a_part_are_ambiguous(signed: Path) -> None:
    """A zip holding a part twice (or under two spellings of its name: part names are
    case-insensitive) is read differently by programs that take another of its entries than
    zipfile's last: E921, whichever entry holds the minutes' bytes."""
    variants = _zip_variants(signed.read_bytes())
    for name in ("duplicate name", "duplicate name first", "duplicate in another case"):
        signed.write_bytes(variants[name])
        report = verify_file(signed, load_trust(TRUST), 1)
        assert "structure" in failed(report), name
        assert "more than one entry of this part" in failed(report)["structure"], name


# --- the collector while a file is verified ------------------------------------------------


@pytest.mark.parametrize("which", ["signed", "tampered"])
def test_the_collector_is_paused_while_a_file_is_verified_and_restored_after(
        signed: Path, which: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """verify_file pauses the cyclic collector for its rebuild and read (thousands of cells in
    no cycle) and gives it back as it found it, whether the file passes or fails; a caller that
    paused it itself finds it still paused."""
    import gc

    import tally.verify as verify_module

    path = signed if which == "signed" else DATA / "tampered" / "count.xlsx"
    seen: list[bool] = []
    real = verify_module.appearance_differences

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return real(*args, **kwargs)

    monkeypatch.setattr(verify_module, "appearance_differences", watched)
    anchors = verify_module.load_anchors([TRUST])
    assert gc.isenabled()
    report = verify_module.verify_file(path, anchors)
    assert report.passed == (which == "signed"), failed(report)
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        verify_module.verify_file(path, anchors)
        assert seen == [False, False] and not gc.isenabled()
    finally:
        gc.enable()
