"""tally/sign.py and `tally sign` / `tally count --sign` (SPEC §7): the signed object is
results.json's exact bytes; signatures are kept beside the workbook and inside it."""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import DATA, SAMPLES, run_tally
from cryptography.hazmat.primitives import serialization
from sigtools import (
    PASSPHRASE,
    cert_pem,
    count_sample,
    edit_cells,
    make_p12,
    new_signer,
    person_row,
    public_pem,
    sample_key,
    zip_members,
)

from ballots.errors import TallyError
from tally import sign as signing
from tally.keys import key_fingerprint
from tally.sign import embedded_results, embedded_signatures, read_snapshot, sign_results

KEYS = DATA / "keys"
ENV = {"TALLY_PASSPHRASE": PASSPHRASE.decode()}


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample, counted once; tests copy it."""
    return count_sample(tmp_path_factory.mktemp("counted"))


@pytest.fixture
def results(counted: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "out"
    dest.mkdir()
    shutil.copy(counted, dest / "results.xlsx")
    shutil.copy(counted.with_suffix(".json"), dest / "results.json")
    return dest / "results.xlsx"


def state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != ".tally.lock"}


def test_sign_writes_sidecars_and_embeds_the_signature(results: Path) -> None:
    signer = sample_key()
    data = results.with_suffix(".json").read_bytes()
    before = zip_members(results)
    signed = sign_results(results, signer, name="Ngô Văn Bình, Trưởng ban")
    fp = signer.fingerprint
    assert signed.signatures == 1 and not signed.already and signed.fingerprint == fp
    assert signed.results_sha256 == hashlib.sha256(data).hexdigest()
    sig = (results.parent / "results.json.sig").read_bytes()
    assert len(sig) == 64 and sig == (results.parent / f"results.json.{fp[:16]}.sig").read_bytes()
    signer.key.public_key().verify(sig, data)
    # embedded: results.json unchanged, one signature, key and signature in base64
    snap = read_snapshot(results)
    assert embedded_results(snap) == data
    (emb,) = embedded_signatures(snap)
    assert (emb.kind, emb.signature, emb.name) == ("ed25519", sig, "Ngô Văn Bình, Trưởng ban")
    assert base64.b64encode(emb.signer).decode() in public_pem(signer).decode().replace("\n", "")
    # only the hidden sheet changed: the printed minutes are byte-identical
    after = zip_members(results)
    changed = {n for n in before if before[n] != after.get(n)}
    assert len(changed) == 1 and after.keys() == before.keys()
    assert not [p for p in results.parent.iterdir() if p.name.startswith(".") and p.name != ".tally.lock"]


def test_several_signers_each_kept_and_signing_twice_changes_nothing(results: Path) -> None:
    a, b = sample_key("committee"), sample_key("other")
    sign_results(results, a)
    first_sig = (results.parent / "results.json.sig").read_bytes()
    signed = sign_results(results, b, name="Đỗ Thị Mai")
    assert signed.signatures == 2
    assert (results.parent / "results.json.sig").read_bytes() == first_sig        # still the first signer's
    own = results.parent / f"results.json.{b.fingerprint[:16]}.sig"
    b.key.public_key().verify(own.read_bytes(), results.with_suffix(".json").read_bytes())
    sigs = embedded_signatures(read_snapshot(results))
    assert [signing.signature_fingerprint(s) for s in sigs] == [a.fingerprint, b.fingerprint]
    before = state(results.parent)
    again = sign_results(results, a)
    assert again.already and again.signatures == 2 and state(results.parent) == before


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_cms_signature_with_a_p12_certificate(results: Path, tmp_path: Path, kind: str) -> None:
    cert = make_p12(tmp_path / "m.p12", kind, cn=f"Tạ Minh Đức ({kind})")
    signer = signing.load_signer(tmp_path / "m.p12", lambda: b"p12 password")
    assert isinstance(signer, signing.CmsSigner)
    signed = sign_results(results, signer)
    p7s = results.parent / "results.json.p7s"
    assert p7s.read_bytes()[:1] == b"\x30"                     # DER
    assert (results.parent / f"results.json.{signed.fingerprint[:16]}.p7s").read_bytes() == p7s.read_bytes()
    (emb,) = embedded_signatures(read_snapshot(results))
    assert emb.kind == "cms" and emb.signer == cert.public_bytes(serialization.Encoding.DER)
    assert emb.name == f"Tạ Minh Đức ({kind})"                 # the certificate's CN by default
    (tmp_path / "cert.pem").write_bytes(cert_pem(cert))
    proc = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-content",
                           str(results.with_suffix(".json")), "-in", str(p7s), "-CAfile", str(tmp_path / "cert.pem"),
                           "-out", "/dev/null"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "Verification successful" in proc.stderr, proc.stderr


def test_ed25519_and_cms_signers_together(results: Path, tmp_path: Path) -> None:
    sign_results(results, sample_key())
    make_p12(tmp_path / "m.p12", "rsa")
    sign_results(results, signing.load_signer(tmp_path / "m.p12", lambda: b"p12 password"))
    sigs = embedded_signatures(read_snapshot(results))
    assert [s.kind for s in sigs] == ["ed25519", "cms"]
    names = {p.name for p in results.parent.iterdir()}
    assert {"results.json.sig", "results.json.p7s"} <= names


def test_signing_writes_results_json_when_the_workbook_travelled_alone(results: Path) -> None:
    data = results.with_suffix(".json").read_bytes()
    results.with_suffix(".json").unlink()
    sign_results(results, sample_key())
    assert results.with_suffix(".json").read_bytes() == data


# --- refusals: a coded error and no changed file -----------------------------------------


def refused(results: Path, code: str, signer: signing.Signer | None = None) -> None:
    before = state(results.parent)
    with pytest.raises(TallyError) as exc:
        sign_results(results, signer or sample_key())
    assert exc.value.diagnostics[0].code == code, exc.value
    assert state(results.parent) == before


def test_refuses_when_results_json_beside_differs(results: Path) -> None:
    beside = results.with_suffix(".json")
    beside.write_bytes(beside.read_bytes().replace(b'"high": 1', b'"high": 2', 1))
    refused(results, "E904")


def test_refuses_edited_minutes(results: Path) -> None:
    sheet, row, person = person_row(results)
    edit_cells(results, results, {(sheet, f"F{row}"): person["high"] + 1})
    refused(results, "E905")


def test_refuses_a_workbook_without_results_and_a_text_file(tmp_path: Path) -> None:
    wb = tmp_path / "ballots.xlsx"
    shutil.copy(SAMPLES / "ballots.xlsx", wb)
    refused(wb, "E902")
    text = tmp_path / "results.xlsx"
    text.write_text("not a workbook\n", encoding="utf-8")
    refused(text, "E901")
    refused(tmp_path / "missing.xlsx", "E901")


def test_a_failed_write_leaves_every_file_as_it_was(results: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sign_results(results, sample_key())
    before = state(results.parent)
    real = os.fsync
    calls = {"n": 0}

    def failing(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 3:                  # the sidecars went to disk; the workbook does not fit
            raise OSError(28, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", failing)
    with pytest.raises(TallyError) as exc:
        sign_results(results, sample_key("other"))
    assert exc.value.diagnostics[0].code == "E602"
    assert state(results.parent) == before           # the second signer's .sig files were dropped


@pytest.mark.parametrize("expected", [True, False])
def test_the_written_workbook_is_read_back_and_nothing_is_read_twice(results: Path, expected: bool,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Signing reads the workbook, the minutes rebuilt from its results.json and the workbook it
    wrote; parts with the same bytes are walked once (tally.snapshot._Memo), so the read-back
    walks only the hidden sheet signing rewrote, and a read-back that differs is refused. The
    parts of the minutes rebuilt for the results.json beside it are expected before the
    workbook is read (sign.expect_minutes): then none of the counted workbook's is walked."""
    from tally import snapshot

    walked: list[str] = []
    real = snapshot._sheet_content

    def counting(root: object, part: str, *args: object) -> object:
        walked.append(part)
        return real(root, part, *args)  # type: ignore[arg-type]

    snapshot._MEMO.clear()
    monkeypatch.setattr(snapshot, "_sheet_content", counting)
    if not expected:
        monkeypatch.setattr(signing, "expect_minutes", lambda beside, xlsx: None)
    sign_results(results, sample_key())
    book = read_snapshot(results)
    parts = sorted(s.part for s in book.detail.values())
    hidden = book.detail["_tally"].part
    # each part once (none when expected), the rewritten one again
    assert sorted(walked) == sorted([*([] if expected else parts), hidden])
    assert walked[-1] == hidden

    real_embed = signing.embed

    def dropping_a_signature(xlsx: bytes, data: bytes, sigs: list[signing.EmbeddedSignature]) -> bytes:
        return real_embed(xlsx, data, sigs[:-1])

    monkeypatch.setattr(signing, "embed", dropping_a_signature)
    before = state(results.parent)
    with pytest.raises(RuntimeError, match="did not read back as written"):
        sign_results(results, sample_key("other"))
    assert state(results.parent) == before


# --- the commands ------------------------------------------------------------------------


def test_cli_sign_and_wrong_passphrase(results: Path) -> None:
    before = state(results.parent)
    proc = run_tally("sign", results, "--key", KEYS / "committee.key", env={"TALLY_PASSPHRASE": "wrong one"})
    assert proc.returncode == 8 and "E801" in proc.stderr
    assert state(results.parent) == before
    proc = run_tally("sign", results, "--key", KEYS / "committee.key", "--name", "Ngô Văn Bình", env=ENV)
    assert proc.returncode == 0, proc.stderr
    fp = key_fingerprint(sample_key().key.public_key())
    assert " ".join(fp[i : i + 4] for i in range(0, 64, 4)) in proc.stdout
    assert "PRIVATE KEY" not in proc.stdout + proc.stderr
    assert (results.parent / "results.json.sig").exists()


def test_cli_sign_bad_inputs(results: Path, tmp_path: Path) -> None:
    for key, code in [(KEYS / "corrupt.key", "E803"), (KEYS / "truncated.key", "E803"),
                      (KEYS / "committee.pub", "E804")]:
        proc = run_tally("sign", results, "--key", key, env=ENV)
        assert proc.returncode == 8 and code in proc.stderr, (key, proc.stderr)
    make_p12(tmp_path / "ed.p12", "ed25519")
    proc = run_tally("sign", results, "--p12", tmp_path / "ed.p12", env={"TALLY_PASSPHRASE": "p12 password"})
    assert proc.returncode == 8 and "E808" in proc.stderr
    make_p12(tmp_path / "rsa.p12", "rsa")
    proc = run_tally("sign", results, "--p12", tmp_path / "rsa.p12", env={"TALLY_PASSPHRASE": "not it"})
    assert proc.returncode == 8 and "E806" in proc.stderr
    text = tmp_path / "notes.txt"
    text.write_text("results\n", encoding="utf-8")
    proc = run_tally("sign", text, "--key", KEYS / "committee.key", env=ENV)
    assert proc.returncode == 9 and "E901" in proc.stderr
    proc = run_tally("sign", results)
    assert proc.returncode == 2
    assert not (results.parent / "results.json.sig").exists()


def test_cli_count_and_sign_in_one_step(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "o" / "results.xlsx"
    proc = run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "-o", out, "--sign",
                     KEYS / "committee.key", env={"TALLY_PASSPHRASE": "wrong one"})
    assert proc.returncode == 8 and "E801" in proc.stderr and not out.exists()      # nothing counted or written
    proc = run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "-o", out, "--sign",
                     KEYS / "committee.key", env=ENV)
    assert proc.returncode == 0, proc.stderr
    (emb,) = embedded_signatures(read_snapshot(out))
    sample_key().key.public_key().verify(emb.signature, out.with_suffix(".json").read_bytes())
    assert (out.parent / "results.json.sig").read_bytes() == emb.signature


def test_signature_needs_the_exact_bytes(results: Path) -> None:
    signer = new_signer()
    sign_results(results, signer)
    data = results.with_suffix(".json").read_bytes()
    sig = (results.parent / "results.json.sig").read_bytes()
    from cryptography.exceptions import InvalidSignature

    with pytest.raises(InvalidSignature):
        signer.key.public_key().verify(sig, data.replace(b"\n", b"\r\n"))


def _refused_before(data: bytes) -> str | None:
    """How parse_results refused `data` before issue 14 (the text's depth measured first, then
    parsed), or None when it accepted it: what the depth taken from the parsed values must say."""
    import json

    depth = signing.json_depth(data)
    if depth > signing.MAX_JSON_DEPTH:
        return f"it is nested {depth} levels deep, tally writes at most {signing.MAX_JSON_DEPTH}"
    try:
        json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return f"it is not JSON ({type(exc).__name__})"
    return None


def _refused_now(data: bytes) -> str | None:
    try:
        signing._parse_results(data)
    except signing.Damaged as exc:
        text = str(exc)
        return None if text.startswith(("its schema", "a required field")) else text
    return None


def test_nesting_is_refused_as_the_text_measures_it(sample_json: bytes) -> None:
    """results.json nested past the limit is refused with the depth its text has, however the
    nesting is hidden: in the values, in a repeated key the parser keeps only the last of, with
    brackets in strings, past the parser's recursion limit, or in text that is not JSON."""
    def nest(n: int, open_: str = "[", close: str = "]", inner: str = "1") -> str:
        return open_ * n + inner + close * n

    cases = [
        sample_json,
        sample_json.replace(b'"schema"', b'"deep": ' + nest(40).encode() + b', "schema"', 1),
        sample_json.replace(b'"schema"', b'"schema": 1, "schema"', 1),
        *(nest(n).encode() for n in (1, 31, 32, 33, 34, 900, 5000)),
        *(nest(n, '{"a": ', "}").encode() for n in (32, 33, 2000)),
        nest(20, '{"a": ', "}", nest(13)).encode(),
        ('{"a": ' + nest(40) + ', "a": 1}').encode(),               # a repeated key hides the depth
        ('{"a": "' + "[" * 40 + '", "b": ' + nest(31) + "}").encode(),   # brackets in a string
        ('{"a": "' + "[" * 40 + '", "b": ' + nest(33) + "}").encode(),
        ('{"a": "]]]]", "b": ' + nest(33) + "}").encode(),
        nest(40).encode()[:-3],                                       # deep and not JSON
        b"[" * 100_000, b"{" * 10, b"\xff[[[", b"", b"[]", b"{}",
    ]
    for data in cases:
        assert _refused_now(data) == _refused_before(data), data[:80]


@pytest.fixture
def sample_json(tmp_path: Path) -> bytes:
    out = count_sample(tmp_path)
    return out.with_suffix(".json").read_bytes()


def test_expected_parts_change_no_signing(counted: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """sign reads the parts tally writes for the results.json beside a workbook without parsing
    them (sign.expect_minutes, as verify does): the counted sample, and every tampered workbook
    in its place, is signed to the same bytes or refused with the same diagnostics as when
    every part is parsed."""
    from test_verify import TAMPERED, _forget_every_read

    signer = sample_key()
    cases = {"as counted": counted.read_bytes()} | {p.name: p.read_bytes() for p in sorted(TAMPERED.glob("*.xlsx"))}
    folder = tmp_path / "out"
    kept: list[str] = []
    for name, body in cases.items():
        outcomes = []
        for expect in (True, False):
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(counted.parent, folder)
            (folder / "results.xlsx").write_bytes(body)
            _forget_every_read()
            with monkeypatch.context() as m:
                if not expect:
                    m.setattr(signing, "expect_minutes", lambda beside, xlsx: None)
                try:
                    signed = sign_results(folder / "results.xlsx", signer)
                    outcomes.append(("signed", signed.signatures, (folder / "results.xlsx").read_bytes()))
                except TallyError as exc:
                    outcomes.append(("refused", [(d.code, d.message) for d in exc.diagnostics], b""))
        assert outcomes[0] == outcomes[1], name
        if outcomes[0][0] == "signed":
            kept.append(name)
    # the fixtures that are tally's minutes, signed or not: every other one is refused
    assert kept == ["as counted", "signed.xlsx", "unsigned.xlsx", "untrusted.xlsx"]
