"""Trust (issue 10, item 4): what an auditor's --trust vouches for, and nothing more.

The certificates and keys are kept under tests/data/trust, made by make_trust.py there."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import DATA, run_tally
from sigtools import count_sample, sample_key

from ballots.errors import TallyError
from tally import keys
from tally import sign as signing
from tally.sign import sign_results
from tally.verify import FileReport, _Sig, _validity, verify_files

TRUST = DATA / "trust"
COMMITTEE = str(DATA / "keys" / "committee.pub")
P12_PASSWORD = b"p12 password"


def never_asked() -> bytes:
    raise AssertionError("the password was asked for")


@pytest.fixture(scope="module")
def counted_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return count_sample(tmp_path_factory.mktemp("counted"))


@pytest.fixture
def counted(counted_once: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "out"
    shutil.copytree(counted_once.parent, dest)
    return dest / "results.xlsx"


def sign_with(xlsx: Path, *p12s: str) -> None:
    for name in p12s:
        if name in ("expired.p12", "notyet.p12"):     # tally sign refuses them (E812): sign as another tool
            key, cert, chain = keys.load_p12_chain(TRUST / name, lambda: P12_PASSWORD)
            sign_results(xlsx, signing.CmsSigner(key, cert, chain))
            continue
        password = never_asked if name == "nopass.p12" else (lambda: P12_PASSWORD)
        sign_results(xlsx, signing.load_signer(TRUST / name, password))


@pytest.mark.parametrize("name", ["expired.p12", "notyet.p12"])
def test_tally_sign_refuses_a_certificate_not_valid_today(counted: Path, name: str) -> None:
    with pytest.raises(TallyError) as exc:
        signing.load_signer(TRUST / name, lambda: P12_PASSWORD)
    assert exc.value.diagnostics[0].code == "E812" and name in exc.value.diagnostics[0].message


def check(xlsx: Path, trust: list[str], require: int = 1) -> FileReport:
    return verify_files([xlsx], trust, require=require).files[0]


def failed(report: FileReport) -> dict[str, str]:
    return {c.id: f"{c.code} {c.reason}" for c in report.failed}


# --- one key per file --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["two-keys.pub", "two-keys.key"])
def test_a_key_file_with_two_keys_is_refused_by_keys_show_and_verify_alike(counted: Path, name: str) -> None:
    path = TRUST / name
    with pytest.raises(TallyError) as exc:
        keys.describe(path, never_asked)
    assert exc.value.diagnostics[0].code == "E811" and name in exc.value.diagnostics[0].message
    show = run_tally("keys", "show", path)
    assert show.returncode == 8 and "E811" in show.stdout + show.stderr, show.stdout + show.stderr
    if name.endswith(".pub"):
        ver = run_tally("verify", counted, "--trust", path)
        assert ver.returncode == 8 and "E811" in ver.stdout + ver.stderr
    else:
        with pytest.raises(TallyError) as exc:
            keys.load_private_key(path, never_asked)
        assert exc.value.diagnostics[0].code == "E811"


# --- certificate paths -------------------------------------------------------------------


def test_a_certificate_issued_by_a_trusted_authority_counts(counted: Path) -> None:
    sign_with(counted, "member.p12", "nopass.p12")
    report = check(counted, [str(TRUST / "ca.pem")], require=2)
    assert report.passed, failed(report)
    assert report.trusted_signers == 2
    assert {s.trusted_by for s in report.signers} == {f"{TRUST / 'ca.pem'} (issuer)"}
    # the issuer's reason states the validity it checked
    assert all("valid" in c.reason for c in report.checks if c.id == "signature")


def test_a_p12_without_a_password_never_asks_for_one() -> None:
    signer = signing.load_signer(TRUST / "nopass.p12", never_asked)
    assert isinstance(signer, signing.CmsSigner) and signer.chain


def test_certificates_issued_by_a_non_ca_do_not_count(counted: Path) -> None:
    sign_with(counted, "rogue-a.p12", "rogue-b.p12")
    report = check(counted, [str(TRUST / "rogue-issuer.pem")], require=1)
    bad = failed(report)
    assert set(bad) == {"signers"}, bad             # the signatures are sound; nobody trusted made them
    assert report.trusted_signers == 0
    reasons = " ".join(c.reason for c in report.checks if c.id == "signature")
    assert "basicConstraints" in reasons and "not counted" in reasons


def test_one_key_in_two_certificates_is_one_signer(counted: Path) -> None:
    sign_with(counted, "twin-a.p12", "twin-b.p12")
    ca = [str(TRUST / "ca.pem")]
    report = check(counted, ca, require=2)
    assert set(failed(report)) == {"signers"}, failed(report)
    assert report.trusted_signers == 1 and len(report.signers) == 2
    assert "only 1 distinct trusted signer" in failed(report)["signers"]
    assert check(counted, ca, require=1).passed


@pytest.mark.parametrize(("name", "words"), [("expired.p12", "had expired when it signed"),
                                             ("notyet.p12", "not yet valid when it signed")])
def test_a_certificate_not_valid_when_it_signed_fails(counted: Path, name: str, words: str) -> None:
    sign_with(counted, name)
    report = check(counted, [str(TRUST / "ca.pem")])
    bad = failed(report)
    assert bad["signature"].startswith("E911") and words in bad["signature"], bad
    assert "signers" in bad and report.trusted_signers == 0


def test_validity_is_judged_at_the_signing_time_and_a_later_expiry_is_reported() -> None:
    _key, cert, _chain = keys.load_p12_chain(TRUST / "expired.p12", lambda: P12_PASSWORD)
    during = _Sig(True, "fp", "", certificate=cert, signing_time=dt.datetime(2020, 6, 1, tzinfo=dt.UTC))
    ok, why = _validity(during)
    assert ok and "expired since" in why and "2020-06-01" in why
    before = _Sig(True, "fp", "", certificate=cert, signing_time=dt.datetime(2019, 6, 1, tzinfo=dt.UTC))
    assert _validity(before) == (False, _validity(before)[1]) and "not yet valid" in _validity(before)[1]


# --- every signature file beside the workbook --------------------------------------------


@pytest.fixture
def signed(counted: Path) -> Path:
    sign_results(counted, sample_key())
    sign_with(counted, "member.p12")
    return counted


def trust_all() -> list[str]:
    return [COMMITTEE, str(TRUST / "ca.pem")]


def test_every_sidecar_is_checked_and_passes_when_untouched(signed: Path) -> None:
    report = check(signed, trust_all(), require=2)
    assert report.passed, failed(report)
    names = sorted(c.name for c in report.checks if c.id == "sidecar-signature")
    assert len(names) == 4 and "results.json.sig" in names and "results.json.p7s" in names


@pytest.mark.parametrize("target", ["results.json.sig", "own.sig", "results.json.p7s", "own.p7s"])
def test_a_garbage_sidecar_fails(signed: Path, target: str) -> None:
    folder = signed.parent
    if target.startswith("own"):
        ext = target.split(".")[1]
        target = next(p.name for p in folder.glob(f"results.json.*.{ext}"))
    (folder / target).write_bytes(b"\x30\x03garbage" if target.endswith("p7s") else bytes(64))
    bad = failed(check(signed, trust_all(), require=2))
    assert set(bad) == {"sidecar-signature"} and bad["sidecar-signature"].startswith("E912"), bad


def test_a_sidecar_of_another_signer_or_another_name_fails(signed: Path, tmp_path: Path) -> None:
    folder = signed.parent
    stray = folder / "results.json.0123456789abcdef.sig"
    shutil.copy(folder / "results.json.sig", stray)
    bad = failed(check(signed, trust_all(), require=2))
    assert "no signature in the workbook" in bad["sidecar-signature"], bad
    stray.unlink()
    (folder / "results.json.old.sig").write_bytes(bytes(64))
    bad = failed(check(signed, trust_all(), require=2))
    assert "does not write" in bad["sidecar-signature"], bad


def test_a_sidecar_signing_other_results_fails(signed: Path, tmp_path: Path) -> None:
    other = count_sample(tmp_path / "other", title="Another event")
    sign_results(other, sample_key())
    shutil.copy(other.parent / "results.json.sig", signed.parent / "results.json.sig")
    bad = failed(check(signed, trust_all(), require=2))
    assert set(bad) == {"sidecar-signature"} and "does not verify" in bad["sidecar-signature"], bad
