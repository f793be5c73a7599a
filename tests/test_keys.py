"""tally/keys.py and `tally keys`: Ed25519 keys, passphrases, .p12 files, trust anchors (SPEC §7)."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import unicodedata
from pathlib import Path

import pytest
from conftest import DATA, run_tally
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from sigtools import PASSPHRASE, cert_pem, make_cert, make_p12

from ballots.errors import TallyError
from tally import keys
from tally.results_json import group4

KEYS = DATA / "keys"
PW = b"correct horse battery staple"


def code_of(exc: pytest.ExceptionInfo[TallyError]) -> str:
    return exc.value.diagnostics[0].code


def raw_fp(pub_pem: bytes) -> str:
    pub = serialization.load_pem_public_key(pub_pem)
    assert isinstance(pub, ed25519.Ed25519PublicKey)
    return hashlib.sha256(pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).hexdigest()


# --- new keys ----------------------------------------------------------------------------


def test_new_key_writes_an_encrypted_private_key_0600_and_a_public_key(tmp_path: Path) -> None:
    pair = keys.new_key(tmp_path / "committee", PW)
    assert pair.private_path == tmp_path / "committee.key" and pair.public_path == tmp_path / "committee.pub"
    assert stat.S_IMODE(pair.private_path.stat().st_mode) == 0o600
    private = pair.private_path.read_bytes()
    assert private.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    public = pair.public_path.read_bytes()
    assert public.startswith(b"-----BEGIN PUBLIC KEY-----")
    # the fingerprint is SHA-256 of the raw 32-byte public key, shown in groups of 4
    assert pair.fingerprint == raw_fp(public)
    assert pair.grouped == group4(pair.fingerprint) and len(pair.grouped.split()) == 16
    key = keys.load_private_key(pair.private_path, lambda: PW)
    assert keys.key_fingerprint(key.public_key()) == pair.fingerprint
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no temp files left


def test_new_key_never_replaces_a_key(tmp_path: Path) -> None:
    keys.new_key(tmp_path / "k", PW)
    before = (tmp_path / "k.key").read_bytes(), (tmp_path / "k.pub").read_bytes()
    with pytest.raises(TallyError) as exc:
        keys.new_key(tmp_path / "k.key", PW)
    assert code_of(exc) == "E601"
    assert ((tmp_path / "k.key").read_bytes(), (tmp_path / "k.pub").read_bytes()) == before


def test_new_key_refuses_a_short_passphrase(tmp_path: Path) -> None:
    with pytest.raises(TallyError) as exc:
        keys.new_key(tmp_path / "k", b"short")
    assert code_of(exc) == "E805"
    assert list(tmp_path.iterdir()) == []


def test_openssl_reads_the_key_and_computes_the_same_fingerprint(tmp_path: Path) -> None:
    pair = keys.new_key(tmp_path / "k", PW)
    proc = subprocess.run(["openssl", "pkey", "-in", str(pair.private_path), "-passin", f"pass:{PW.decode()}",
                           "-pubout"], capture_output=True, check=True)
    assert proc.stdout == pair.public_path.read_bytes()
    # the README's way to compute a fingerprint with OpenSSL alone
    cmd = f"openssl pkey -pubin -in {pair.public_path} -outform DER | tail -c 32 | openssl dgst -sha256 -r"
    out = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, check=True).stdout
    assert out.split()[0] == pair.fingerprint


# --- loading private keys ----------------------------------------------------------------


def test_wrong_passphrase(tmp_path: Path) -> None:
    with pytest.raises(TallyError) as exc:
        keys.load_private_key(KEYS / "committee.key", lambda: b"not the passphrase")
    assert code_of(exc) == "E801" and exc.value.exit_code == 8


@pytest.mark.parametrize("name", ["corrupt.key", "truncated.key"])
def test_corrupt_or_truncated_key_is_not_a_wrong_passphrase(name: str) -> None:
    asked = []
    with pytest.raises(TallyError) as exc:
        keys.load_private_key(KEYS / name, lambda: asked.append(1) or PASSPHRASE)  # type: ignore[func-returns-value]
    assert code_of(exc) == "E803", exc.value
    assert exc.value.exit_code == 8


def test_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(TallyError) as exc:
        keys.load_private_key(tmp_path / "nope.key", lambda: PW)
    assert code_of(exc) == "E802"


def test_public_key_or_rsa_key_given_to_sign_with(tmp_path: Path) -> None:
    with pytest.raises(TallyError) as exc:
        keys.load_private_key(KEYS / "committee.pub", lambda: PW)
    assert code_of(exc) == "E804"
    rsa_pem = rsa.generate_private_key(65537, 2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(PW))
    (tmp_path / "rsa.key").write_bytes(rsa_pem)
    with pytest.raises(TallyError) as exc:
        keys.load_private_key(tmp_path / "rsa.key", lambda: PW)
    assert code_of(exc) == "E804" and "an RSA key" in exc.value.diagnostics[0].message


def test_an_unencrypted_openssl_key_is_accepted_without_asking(tmp_path: Path) -> None:
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", str(tmp_path / "o.key")], check=True)
    key = keys.load_private_key(tmp_path / "o.key", lambda: pytest.fail("asked for a passphrase"))  # type: ignore[arg-type,return-value]
    assert isinstance(key, ed25519.Ed25519PrivateKey)


def test_passphrase_file_and_unicode_normal_forms(tmp_path: Path) -> None:
    phrase = "Mật khẩu của Ban kiểm phiếu"
    pair = keys.new_key(tmp_path / "k", keys.normalise_passphrase(unicodedata.normalize("NFC", phrase)))
    f = tmp_path / "pass.txt"
    f.write_bytes(b"\xef\xbb\xbf" + unicodedata.normalize("NFD", phrase).encode() + b"\r\nsecond line ignored\n")
    assert keys.read_passphrase_file(f) == phrase.encode()
    keys.load_private_key(pair.private_path, lambda: keys.read_passphrase_file(f))
    f.write_text("\n", encoding="utf-8")
    with pytest.raises(TallyError) as exc:
        keys.read_passphrase_file(f)
    assert code_of(exc) == "E805"


# --- .p12 --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_p12_rsa_and_ecdsa(tmp_path: Path, kind: str) -> None:
    cert = make_p12(tmp_path / "m.p12", kind)
    key, got = keys.load_p12(tmp_path / "m.p12", lambda: b"p12 password")
    assert got == cert
    assert isinstance(key, rsa.RSAPrivateKey if kind == "rsa" else ec.EllipticCurvePrivateKey)


def test_p12_wrong_password_corrupt_and_ed25519(tmp_path: Path) -> None:
    make_p12(tmp_path / "m.p12", "rsa")
    with pytest.raises(TallyError) as exc:
        keys.load_p12(tmp_path / "m.p12", lambda: b"wrong")
    assert code_of(exc) == "E806"
    (tmp_path / "bad.p12").write_bytes((tmp_path / "m.p12").read_bytes()[:200])
    with pytest.raises(TallyError) as exc:
        keys.load_p12(tmp_path / "bad.p12", lambda: b"p12 password")
    assert code_of(exc) == "E807"
    make_p12(tmp_path / "ed.p12", "ed25519")
    with pytest.raises(TallyError) as exc:
        keys.load_p12(tmp_path / "ed.p12", lambda: b"p12 password")
    assert code_of(exc) == "E808" and "RSA or ECDSA" in exc.value.diagnostics[0].message


# --- trust anchors -----------------------------------------------------------------------


def test_trust_public_key_certificates_and_fingerprints(tmp_path: Path) -> None:
    (anchor,) = keys.load_trust(str(KEYS / "committee.pub"))
    assert anchor.kind == "ed25519" and anchor.fingerprint == raw_fp((KEYS / "committee.pub").read_bytes())
    # a fingerprint typed from paper: groups of 4, colons or none, any case
    typed = group4(anchor.fingerprint).upper()
    assert keys.load_trust(typed)[0].fingerprint == anchor.fingerprint
    assert keys.load_trust(anchor.fingerprint.replace("", ":")[1:-1])[0].kind == "fingerprint"
    with pytest.raises(TallyError) as exc:
        keys.load_trust(typed[:-1])
    assert code_of(exc) == "E810"
    # certificates: PEM (one a file; a bundle of two is refused, naming the file), DER
    key = rsa.generate_private_key(65537, 2048)
    c1, c2 = make_cert(key, "A"), make_cert(ec.generate_private_key(ec.SECP256R1()), "B")
    (tmp_path / "one.pem").write_bytes(cert_pem(c1))
    assert [a.certificate for a in keys.load_trust(str(tmp_path / "one.pem"))] == [c1]
    (tmp_path / "bundle.pem").write_bytes(cert_pem(c1) + cert_pem(c2))
    with pytest.raises(TallyError) as exc:
        keys.load_trust(str(tmp_path / "bundle.pem"))
    assert code_of(exc) == "E811" and "bundle.pem" in exc.value.diagnostics[0].message
    (tmp_path / "c.der").write_bytes(c1.public_bytes(serialization.Encoding.DER))
    (der,) = keys.load_trust(str(tmp_path / "c.der"))
    assert der.kind == "certificate" and der.fingerprint == keys.cert_fingerprint(c1)


def test_trust_file_that_is_not_a_key(tmp_path: Path) -> None:
    for path, code in [(KEYS / "not-a-key.pub", "E809"), (KEYS / "committee.key", "E809"),
                       (tmp_path / "missing.pub", "E802")]:
        with pytest.raises(TallyError) as exc:
            keys.load_trust(str(path))
        assert code_of(exc) == code, path
    rsa_pub = rsa.generate_private_key(65537, 2048).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "rsa.pub").write_bytes(rsa_pub)
    with pytest.raises(TallyError) as exc:
        keys.load_trust(str(tmp_path / "rsa.pub"))
    assert code_of(exc) == "E809"


# --- the commands ------------------------------------------------------------------------


def _no_key_material(text: str, *key_files: Path) -> None:
    assert "PRIVATE KEY" not in text
    for f in key_files:
        for line in f.read_text().splitlines()[1:-1]:
            assert line not in text


def test_keys_new_from_environment_and_show(tmp_path: Path) -> None:
    proc = run_tally("keys", "new", "committee", cwd=tmp_path, env={"TALLY_PASSPHRASE": PW.decode()})
    assert proc.returncode == 0, proc.stderr
    fp = raw_fp((tmp_path / "committee.pub").read_bytes())
    assert group4(fp) in proc.stdout
    _no_key_material(proc.stdout + proc.stderr, tmp_path / "committee.key")
    assert stat.S_IMODE((tmp_path / "committee.key").stat().st_mode) == 0o600
    show = run_tally("keys", "show", "committee.pub", cwd=tmp_path)
    assert show.returncode == 0 and group4(fp) in show.stdout and "Ed25519 public key" in show.stdout
    show = run_tally("keys", "show", "committee.key", cwd=tmp_path, env={"TALLY_PASSPHRASE": PW.decode()})
    assert show.returncode == 0 and group4(fp) in show.stdout
    _no_key_material(show.stdout + show.stderr, tmp_path / "committee.key")
    bad = run_tally("keys", "show", "committee.key", cwd=tmp_path, env={"TALLY_PASSPHRASE": "wrong passphrase"})
    assert bad.returncode == 8 and "E801" in bad.stderr


def test_keys_new_prompt_asks_twice_and_passphrase_file(tmp_path: Path) -> None:
    env = {"TALLY_PASSPHRASE": ""}
    proc = run_tally("keys", "new", "a", cwd=tmp_path, env=env, input="one passphrase\nanother one\n")
    assert proc.returncode == 8 and "E805" in proc.stderr and not (tmp_path / "a.key").exists()
    proc = run_tally("keys", "new", "a", cwd=tmp_path, env=env, input="one passphrase\none passphrase\n")
    assert proc.returncode == 0, proc.stderr
    keys.load_private_key(tmp_path / "a.key", lambda: b"one passphrase")
    (tmp_path / "p.txt").write_text("from a file please\n", encoding="utf-8")
    proc = run_tally("keys", "new", "b", "--passphrase-file", "p.txt", cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    keys.load_private_key(tmp_path / "b.key", lambda: b"from a file please")
    again = run_tally("keys", "new", "b", "--passphrase-file", "p.txt", cwd=tmp_path, env=env)
    assert again.returncode == 7 and "E601" in again.stderr


def test_keys_show_certificate_and_bad_files(tmp_path: Path) -> None:
    cert = make_p12(tmp_path / "m.p12", "ec", cn="Đỗ Thị Mai")
    (tmp_path / "m.pem").write_bytes(cert_pem(cert))
    proc = run_tally("keys", "show", tmp_path / "m.pem")
    assert proc.returncode == 0 and group4(keys.cert_fingerprint(cert)) in proc.stdout and "Đỗ Thị Mai" in proc.stdout
    openssl = subprocess.run(["openssl", "x509", "-in", str(tmp_path / "m.pem"), "-noout", "-fingerprint",
                              "-sha256"], capture_output=True, text=True, check=True).stdout
    assert openssl.split("=", 1)[1].strip().replace(":", "").lower() == keys.cert_fingerprint(cert)
    proc = run_tally("keys", "show", tmp_path / "m.p12", env={"TALLY_PASSPHRASE": "p12 password"})
    assert proc.returncode == 0 and group4(keys.cert_fingerprint(cert)) in proc.stdout
    for name, code in [("corrupt.key", "E803"), ("truncated.key", "E803"), ("not-a-key.pub", "E809")]:
        shutil.copy(KEYS / name, tmp_path / name)
        proc = run_tally("keys", "show", tmp_path / name, env={"TALLY_PASSPHRASE": PASSPHRASE.decode()})
        assert proc.returncode == 8 and code in proc.stderr, (name, proc.stderr)


# --- passphrase policy, key derivation, permissions (issue 10, item 6) ---------------------


def test_the_passphrase_policy_is_stated_and_checked() -> None:
    policy = keys.passphrase_policy()
    assert str(keys.MIN_PASSPHRASE) in policy
    assert keys.passphrase_problem("đủ dài rồi chứ".encode()) is None
    assert "11" in (keys.passphrase_problem(b"eleven char") or "")
    assert keys.passphrase_problem(b"abababababababab") is not None
    with pytest.raises(TallyError) as exc:
        keys.new_key(Path("/nonexistent-folder/never"), b"short")
    assert code_of(exc) == "E805" and exc.value.diagnostics[0].hint == policy


def test_new_keys_use_a_strong_kdf_that_openssl_opens(tmp_path: Path) -> None:
    from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]

    pair = keys.new_key(tmp_path / "k", b"correct horse battery")
    pem = pair.private_path.read_bytes()
    block = keys._pem_blocks(pem)[0][1]
    algo = asn1_keys.EncryptedPrivateKeyInfo.load(block)["encryption_algorithm"]
    kdf = algo["parameters"]["key_derivation_func"]
    assert algo["algorithm"].native == "pbes2" and kdf["algorithm"].native == "pbkdf2"
    assert kdf["parameters"]["iteration_count"].native >= 600_000
    assert kdf["parameters"]["prf"]["algorithm"].native == "sha256"
    assert algo["parameters"]["encryption_scheme"]["algorithm"].native == "aes256_cbc"
    key = keys.load_private_key(pair.private_path, lambda: b"correct horse battery")
    assert keys.key_fingerprint(key.public_key()) == pair.fingerprint
    with pytest.raises(TallyError) as exc:
        keys.load_private_key(pair.private_path, lambda: b"wrong horse battery")
    assert code_of(exc) == "E801"
    openssl = shutil.which("openssl")
    assert openssl, "the openssl command is needed (CI installs it)"
    proc = subprocess.run([openssl, "pkey", "-in", str(pair.private_path), "-passin", "pass:correct horse battery",
                           "-pubout"], capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == pair.public_path.read_bytes()


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_private_key_readable_by_others_is_warned_about(tmp_path: Path) -> None:
    pair = keys.new_key(tmp_path / "k", b"correct horse battery")
    assert keys.private_key_warnings(pair.private_path) == []
    pair.private_path.chmod(0o644)
    (warning,) = keys.private_key_warnings(pair.private_path)
    assert warning.code == "W710" and "644" in warning.message
    proc = run_tally("sign", tmp_path / "missing.xlsx", "--key", pair.private_path,
                     env={"TALLY_PASSPHRASE": "correct horse battery"})
    assert "W710" in proc.stdout + proc.stderr


# --- the passphrase at a terminal ------------------------------------------------------------


@pytest.fixture
def at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The prompts as a person at a terminal meets them (CliRunner's stdin is not a terminal)."""
    from tally._cli import cli

    monkeypatch.delenv("TALLY_PASSPHRASE", raising=False)
    monkeypatch.setattr(cli, "_typed_passphrase", lambda passphrase_file: passphrase_file is None)


GOOD = "một cụm mật khẩu đủ dài"


def test_a_new_passphrase_states_the_rule_first_and_asks_again_after_a_slip(tmp_path: Path,
                                                                           at_a_terminal: None) -> None:
    typed = ["short", GOOD, GOOD + "x", GOOD, GOOD]    # too short; a repetition that differs; right
    proc = run_tally("keys", "new", tmp_path / "k", input="\n".join(typed) + "\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    said = proc.stderr
    assert said.index("at least 12 characters") < said.index("Passphrase for")   # the rule comes first
    assert "try again (2 left)" in said and "the two passphrases differ; try again (1 left)" in said
    assert keys.load_private_key(tmp_path / "k.key", lambda: GOOD.encode())


def test_three_slips_write_no_key(tmp_path: Path, at_a_terminal: None) -> None:
    proc = run_tally("keys", "new", tmp_path / "k", input="short\nshort\nshort\n")
    assert proc.returncode != 0 and "E805" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_passphrase_is_asked_again_in_the_users_language(tmp_path: Path, at_a_terminal: None) -> None:
    keys.new_key(tmp_path / "k", GOOD.encode())
    proc = run_tally("--lang", "vi", "keys", "show", tmp_path / "k.key", input=f"wrong one here\n{GOOD}\n")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "sai cụm mật khẩu; hãy thử lại (còn 2 lần)" in proc.stderr
    proc = run_tally("keys", "show", tmp_path / "k.key", input="wrong one\nwrong two\nwrong three\n")
    assert "E801" in proc.stderr and proc.stderr.count("try again") == 2
