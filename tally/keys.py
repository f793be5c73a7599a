"""Committee keys and the trust anchors an auditor gives (SPEC §7).

A committee member's key is Ed25519: the private half in PKCS#8 PEM encrypted with a
passphrase (file mode 0600), the public half in SubjectPublicKeyInfo PEM. Its
fingerprint is the SHA-256 of the raw 32-byte public key, in groups of 4 hex digits,
so it can be read aloud and typed from paper. A member with an X.509 certificate signs
with a ``.p12``/``.pfx`` file instead; a certificate's fingerprint is the SHA-256 of its
DER encoding, as ``openssl x509 -fingerprint -sha256`` prints it.

Nothing here prints, and no function returns private key material as text: the only
way a private key leaves this module is as a ``cryptography`` key object.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from ballots.errors import Diagnostic, Location, TallyError, fail
from ballots.i18n import N_, _
from ballots.output import refuse_symlink, write_atomic
from tally.results_json import group4

if TYPE_CHECKING:
    # cryptography's certificate layer (x509, pkcs12: with ipaddress, email and socket) is
    # imported where a certificate is read: an Ed25519 key and its verification never need it
    from cryptography import x509

KEY_SUFFIX = ".key"
PUB_SUFFIX = ".pub"

# The passphrase policy, said to the user BEFORE they type (passphrase_policy) and checked
# after (passphrase_problem). Length is what makes a passphrase strong against a guessing
# attack on a stolen key file; 12 characters of a phrase are easier to remember than 8 random.
MIN_PASSPHRASE = 12
MIN_DISTINCT = 5          # "aaaaaaaaaaaa" or "121212121212" is long but guessed at once
# The key file's encryption: PKCS#8 PBES2, PBKDF2-HMAC-SHA256 with this many iterations (the
# figure OWASP recommends for PBKDF2-SHA256, 2023) and AES-256-CBC. OpenSSL 1.1 and 3 open it
# (`openssl pkey -in NAME.key`); OpenSSL's own default for such files is 2,048 iterations.
KDF_ITERATIONS = 600_000

CmsKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
Passphrase = Callable[[], bytes]        # asked only when a file needs one

_PEM = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\s*(.*?)\s*-----END \1-----", re.DOTALL)
_HEX = re.compile(r"[0-9a-fA-F]")


# --- fingerprints ------------------------------------------------------------------------


def raw_public(public_key: ed25519.Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_fingerprint(public_key: ed25519.Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, 64 hex digits (use :func:`group4` to show)."""
    return hashlib.sha256(raw_public(public_key)).hexdigest()


def cert_fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, 64 hex digits."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def short(fingerprint: str) -> str:
    """The first 16 hex digits: names the per-signer sidecar files."""
    return fingerprint.replace(" ", "")[:16]


def parse_fingerprint(text: str) -> str | None:
    """64 hex digits typed from paper, with or without spaces or colons; None if `text`
    does not look like a fingerprint at all; a coded error if it nearly does."""
    stripped = re.sub(r"[\s:]", "", text)
    if not stripped or not all(_HEX.fullmatch(c) for c in stripped):
        return None
    if len(stripped) != 64:
        raise fail("E810", _("'{text}' has {n} hex digits, a fingerprint has 64").format(text=text, n=len(stripped)),
                   _("copy all 16 groups of 4 from the paper, e.g. \"1a2b 3c4d ...\""))
    return stripped.lower()


# --- passphrases -------------------------------------------------------------------------


def normalise_passphrase(text: str) -> bytes:
    """UTF-8 of the NFC form: the same Vietnamese passphrase typed on two systems (NFC or
    NFD keyboards) opens the same key."""
    return unicodedata.normalize("NFC", text).encode("utf-8")


def key_type(key: object) -> str:
    """'Ed25519', 'RSA', 'ECDSA'... for messages."""
    name = type(key).__name__.removeprefix("_")
    for suffix in ("PrivateKey", "PublicKey"):
        name = name.removesuffix(suffix)
    return {"EllipticCurve": "ECDSA"}.get(name, name)


def a_key(key: object) -> str:
    """'an Ed25519 key', 'an RSA key', 'a DSA key'."""
    name = key_type(key)
    return (_("an {kind} key") if name[:1] in "AEFHILMNORSX" else _("a {kind} key")).format(kind=name)


def passphrase_policy() -> str:
    """The rule a new passphrase must meet, in the user's language: show it before asking."""
    return _("The passphrase needs at least {n} characters, not just one or two repeated; "
             "a phrase of several words is easiest to remember.").format(n=MIN_PASSPHRASE)


def passphrase_problem(passphrase: bytes) -> str | None:
    """Why a new passphrase does not meet :func:`passphrase_policy`, or None if it does
    (for a prompt that asks again)."""
    text = passphrase.decode("utf-8", "replace")
    if len(text) < MIN_PASSPHRASE:
        return _("the passphrase has {n} characters; at least {min} are needed").format(n=len(text),
                                                                                      min=MIN_PASSPHRASE)
    if len(set(text.casefold())) < MIN_DISTINCT:
        return _("the passphrase repeats too few characters ({n} different)").format(n=len(set(text.casefold())))
    return None


def check_new_passphrase(passphrase: bytes) -> None:
    problem = passphrase_problem(passphrase)
    if problem is not None:
        raise fail("E805", problem, passphrase_policy())


def encrypt_private_key(key: ed25519.Ed25519PrivateKey, passphrase: bytes,
                        iterations: int = KDF_ITERATIONS) -> bytes:
    """PKCS#8 PEM encrypted with PBES2 (PBKDF2-HMAC-SHA256, `iterations`, AES-256-CBC).

    cryptography's BestAvailableEncryption uses OpenSSL's default of 2,048 PBKDF2
    iterations and offers no setting for PKCS#8, so the structure is built here with
    asn1crypto from cryptography's primitives; cryptography and OpenSSL both read it back.
    """
    from asn1crypto import algos  # type: ignore[import-untyped]
    from asn1crypto import keys as asn1_keys

    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    salt, iv = os.urandom(16), os.urandom(16)
    secret = PBKDF2HMAC(hashes.SHA256(), 32, salt, iterations).derive(passphrase)
    padder = sym_padding.PKCS7(128).padder()
    encryptor = Cipher(algorithms.AES(secret), modes.CBC(iv)).encryptor()
    body = encryptor.update(padder.update(der) + padder.finalize()) + encryptor.finalize()
    info = asn1_keys.EncryptedPrivateKeyInfo({
        "encryption_algorithm": {"algorithm": "pbes2", "parameters": {
            "key_derivation_func": {"algorithm": "pbkdf2", "parameters": {
                "salt": algos.Pbkdf2Salt(name="specified", value=salt), "iteration_count": iterations,
                "key_length": 32, "prf": {"algorithm": "sha256"}}},
            "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv}}},
        "encrypted_data": body,
    })
    b64 = base64.b64encode(info.dump()).decode("ascii")
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return ("-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + "\n".join(lines)
            + "\n-----END ENCRYPTED PRIVATE KEY-----\n").encode("ascii")


def private_key_warnings(path: str | Path) -> list[Diagnostic]:
    """W710 when a private key file can be read by other users of the computer (POSIX
    permissions; Windows keeps access lists this check does not read)."""
    path = Path(path)
    if os.name == "nt":
        return []
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return []
    if not mode & 0o077:
        return []
    return [Diagnostic("W710",
                       _("'{path}' can be read by other users of this computer (mode {mode:o})")
                       .format(path=path, mode=mode),
                       _("make it private: chmod 600 {path}").format(path=path), Location(str(path)))]


def read_passphrase_file(path: str | Path) -> bytes:
    """The first line of `path` (without its line end), as the passphrase."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail("E805", _("cannot read the passphrase file: {reason}").format(reason=exc.strerror or exc),
                   _("check the path given to --passphrase-file"), Location(str(path))) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise fail("E805", _("the passphrase file is not UTF-8 text"), _("save it as UTF-8"),
                   Location(str(path))) from None
    line = text.split("\n", 1)[0].rstrip("\r")
    if not line:
        raise fail("E805", _("the passphrase file's first line is empty"),
                   _("put the passphrase on the first line"), Location(str(path)))
    return normalise_passphrase(line)


# --- new keys ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPair:
    private_path: Path
    public_path: Path
    fingerprint: str                    # 64 hex digits

    @property
    def grouped(self) -> str:
        return group4(self.fingerprint)


def key_paths(name: str | Path) -> tuple[Path, Path]:
    """`committee` or `committee.key` -> (committee.key, committee.pub)."""
    base = Path(name)
    if base.suffix in (KEY_SUFFIX, PUB_SUFFIX):
        base = base.with_suffix("")
    return base.with_name(base.name + KEY_SUFFIX), base.with_name(base.name + PUB_SUFFIX)


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Write a file that must not exist yet, atomically, with `mode` from the start."""
    write_atomic(path, data, mode, exclusive=True)


def new_key(name: str | Path, passphrase: bytes) -> KeyPair:
    """Make an Ed25519 key pair: NAME.key (encrypted PKCS#8 PEM, 0600) and NAME.pub."""
    private_path, public_path = key_paths(name)
    for path in (private_path, public_path):
        refuse_symlink(path)
        if path.exists():
            raise fail("E601", _("'{path}' already exists").format(path=path),
                       _("a key is never replaced: choose another name"),
                       Location(str(path)))
    check_new_passphrase(passphrase)
    key = ed25519.Ed25519PrivateKey.generate()
    private_pem = encrypt_private_key(key, passphrase)
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    _write_new(public_path, public_pem, 0o644)
    try:
        _write_new(private_path, private_pem, 0o600)
    except TallyError:
        public_path.unlink(missing_ok=True)
        raise
    return KeyPair(private_path, public_path, key_fingerprint(key.public_key()))


# --- loading private keys ----------------------------------------------------------------


def _read(path: Path, what: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise fail("E802", _("{what} '{path}' not found").format(what=_(what), path=path), _("check the path"),
                   Location(str(path))) from None
    except OSError as exc:
        raise fail("E802", _("cannot read {what} '{path}': {reason}")
                           .format(what=_(what), path=path, reason=exc.strerror or exc), _("check the permissions"),
                   Location(str(path))) from None
    return data


def _pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """(label, DER) of every well-formed PEM block; broken base64 drops the block."""
    out = []
    for m in _PEM.finditer(data):
        try:
            der = base64.b64decode(re.sub(rb"\s", b"", m.group(2)), validate=True)
        except (binascii.Error, ValueError):
            continue
        out.append((m.group(1).decode("ascii"), der))
    return out


def more_than_one(path: Path | str, n: int) -> TallyError:
    """E811: a key file holds exactly one key or certificate; with more, which one is meant
    would be a guess (`keys show` and `verify --trust` must never disagree about it)."""
    return fail("E811", _("'{path}' holds {n} keys or certificates; a key file holds exactly one")
                        .format(path=path, n=n),
                _("split it: one file per key or certificate, each given with its own --trust"),
                Location(str(path)))


def _corrupt(path: Path, detail: str) -> TallyError:
    return fail("E803", _("'{path}' is not a usable private key: {detail}").format(path=path, detail=detail),
                _("use the NAME.key file `tally keys new` wrote, or restore it from your backup"),
                Location(str(path)))


def load_private_key(path: str | Path, passphrase: Passphrase) -> ed25519.Ed25519PrivateKey:
    """The Ed25519 key in `path`, decrypted with the passphrase (asked only if encrypted).

    Raises coded errors: E802 missing file, E803 corrupt or truncated, E804 another kind of
    key, E801 wrong passphrase.
    """
    path = Path(path)
    data = _read(path, N_("key file"))
    blocks = _pem_blocks(data)
    if not blocks:
        if b"-----BEGIN" in data:
            raise _corrupt(path, _("the PEM block is cut short or damaged (truncated?)"))
        raise _corrupt(path, _("no PEM key block in the file"))
    if data.count(b"-----BEGIN") > 1:
        raise more_than_one(path, data.count(b"-----BEGIN"))
    label, der = blocks[0]
    if label == "PUBLIC KEY":
        raise fail("E804", _("'{path}' is a public key").format(path=path),
                   _("sign with the private NAME.key file, not NAME.pub"),
                   Location(str(path)))
    if label in ("RSA PRIVATE KEY", "EC PRIVATE KEY", "CERTIFICATE"):
        raise fail("E804", _("'{path}' holds an {kind}, not an Ed25519 key").format(path=path, kind=label.lower()),
                   _("RSA and ECDSA keys sign with a certificate: use --p12 FILE.p12"), Location(str(path)))
    if label not in ("ENCRYPTED PRIVATE KEY", "PRIVATE KEY"):
        raise _corrupt(path, _("a '{label}' block is not a PKCS#8 private key").format(label=label))
    from asn1crypto import keys as asn1_keys

    try:   # parse the structure first: a damaged file must not look like a wrong passphrase
        info = (asn1_keys.EncryptedPrivateKeyInfo if label.startswith("ENCRYPTED") else asn1_keys.PrivateKeyInfo)
        _parsed = info.load(der, strict=True).native
    except (ValueError, TypeError, KeyError):
        raise _corrupt(path, _("its PKCS#8 structure is damaged")) from None
    password = passphrase() if label.startswith("ENCRYPTED") else None
    try:
        key = serialization.load_der_private_key(der, password)
    except ValueError:
        if password is not None:
            raise fail("E801", _("wrong passphrase for '{path}'").format(path=path),
                       _("type it again; check the keyboard layout and Caps Lock (if the passphrase is right, "
                       "the key file is damaged: restore it from your backup)"), Location(str(path))) from None
        raise _corrupt(path, _("the key inside cannot be read")) from None
    except (TypeError, UnsupportedAlgorithm) as exc:  # an encryption scheme OpenSSL does not offer
        raise _corrupt(path, f"{type(exc).__name__}: {exc}") from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise fail("E804", _("'{path}' holds {kind}, not an Ed25519 key").format(path=path, kind=a_key(key)),
                   _("RSA and ECDSA keys sign with a certificate: use --p12 FILE.p12"), Location(str(path)))
    return key


def load_p12(path: str | Path, password: Passphrase) -> tuple[CmsKey, x509.Certificate]:
    """The RSA or ECDSA key and its certificate from a .p12/.pfx file."""
    key, cert, _chain = load_p12_chain(path, password)
    return key, cert


def load_p12_chain(path: str | Path, password: Passphrase
                   ) -> tuple[CmsKey, x509.Certificate, tuple[x509.Certificate, ...]]:
    """The key, its certificate and the other certificates (the issuing authorities) of a
    .p12/.pfx file. A file exported without a password opens without asking for one."""
    path = Path(path)
    data = _read(path, N_(".p12 file"))
    from asn1crypto import pkcs12 as asn1_pkcs12
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        _parsed = asn1_pkcs12.Pfx.load(data, strict=True)["auth_safe"]["content_type"].native
    except (ValueError, TypeError, KeyError):
        raise fail("E807", _("'{path}' is not a PKCS#12 (.p12/.pfx) file or is damaged").format(path=path),
                   _("export the certificate with its private key again as .p12"), Location(str(path))) from None
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, None)
    except ValueError:                 # protected: only now is the password asked for
        key, cert, chain = _load_p12_with(path, data, password)
    except (TypeError, UnsupportedAlgorithm) as exc:
        raise fail("E807", _("'{path}' cannot be read: {error}: {exc}")
                           .format(path=path, error=type(exc).__name__, exc=exc),
                   _("export it again as .p12 (AES, PBKDF2)"), Location(str(path))) from None
    if key is None or cert is None:
        raise fail("E807", _("'{path}' holds no private key with its certificate").format(path=path),
                   _("export the certificate together with its private key"), Location(str(path)))
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise fail("E808", _("'{path}' holds {kind}; a CMS signature needs RSA or ECDSA")
                           .format(path=path, kind=a_key(key)),
                   _("sign with an Ed25519 key through --key NAME.key instead"),
                   Location(str(path)))
    return key, cert, tuple(chain)


def _load_p12_with(path: Path, data: bytes, password: Passphrase) -> tuple[Any, Any, list[x509.Certificate]]:
    from cryptography.hazmat.primitives.serialization import pkcs12

    secret = password()
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(data, secret)
    except ValueError:
        raise fail("E806", _("wrong password for '{path}'").format(path=path),
                   _("type the password the .p12 was exported with"),
                   Location(str(path))) from None
    except (TypeError, UnsupportedAlgorithm) as exc:  # an algorithm OpenSSL refuses
        raise fail("E807", _("'{path}' cannot be read: {error}: {exc}")
                           .format(path=path, error=type(exc).__name__, exc=exc),
                   _("export it again as .p12 (AES, PBKDF2)"), Location(str(path))) from None
    return key, cert, chain


# --- describing a key file (tally keys show) ---------------------------------------------


@dataclass(frozen=True)
class KeyInfo:
    path: Path
    kind: Literal["ed25519-public", "ed25519-private", "certificate", "p12"]
    fingerprint: str                     # 64 hex digits
    subject: str = ""                    # a certificate's subject
    issuer: str = ""
    algorithm: str = "Ed25519"

    @property
    def grouped(self) -> str:
        return group4(self.fingerprint)


def _cert_info(path: Path, cert: x509.Certificate, kind: Literal["certificate", "p12"]) -> KeyInfo:
    return KeyInfo(path, kind, cert_fingerprint(cert), cert.subject.rfc4514_string(),
                   cert.issuer.rfc4514_string(), _algorithm(cert))


def _algorithm(cert: x509.Certificate) -> str:
    pub = cert.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        return f"RSA {pub.key_size}"
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return f"ECDSA {pub.curve.name}"
    return type(pub).__name__.removeprefix("_").removesuffix("PublicKey")


def describe(path: str | Path, passphrase: Passphrase) -> KeyInfo:
    """What a key, certificate or .p12 file is and its fingerprint (asks the passphrase only
    for an encrypted private key or a .p12)."""
    path = Path(path)
    data = _read(path, N_("key file"))
    if path.suffix.lower() in (".p12", ".pfx"):
        _key, cert = load_p12(path, passphrase)
        return _cert_info(path, cert, "p12")
    label = _pem_blocks(data)[0][0] if _pem_blocks(data) else ""
    if "PRIVATE KEY" in label or (b"-----BEGIN" in data and b"PRIVATE KEY" in data):
        key = load_private_key(path, passphrase)
        return KeyInfo(path, "ed25519-private", key_fingerprint(key.public_key()))
    anchors = load_trust(str(path))
    a = anchors[0]
    if a.certificate is not None:
        return _cert_info(path, a.certificate, "certificate")
    return KeyInfo(path, "ed25519-public", a.fingerprint)


# --- trust anchors -----------------------------------------------------------------------


@dataclass(frozen=True)
class TrustAnchor:
    """Something the auditor trusts: an Ed25519 public key, a certificate (its own
    signatures and those of certificates it issued), or a fingerprint typed from paper
    (of an Ed25519 key or of a certificate)."""

    kind: Literal["ed25519", "certificate", "fingerprint"]
    fingerprint: str                         # 64 hex digits
    source: str                              # the --trust argument
    public_key: ed25519.Ed25519PublicKey | None = None
    certificate: x509.Certificate | None = None

    def to_dict(self) -> dict[str, str]:
        out = {"kind": self.kind, "fingerprint": self.fingerprint, "source": self.source}
        if self.certificate is not None:
            out["subject"] = self.certificate.subject.rfc4514_string()
        return out


def _not_trust(source: str, detail: str) -> TallyError:
    return fail("E809", _("'{source}' is not a public key or certificate: {detail}")
                        .format(source=source, detail=detail),
                _("give an Ed25519 NAME.pub, an X.509 certificate (PEM or DER), or a fingerprint of 64 hex digits"),
                Location(source))


def _ed25519_anchor(source: str, der: bytes) -> TrustAnchor:
    try:
        pub = serialization.load_der_public_key(der)
    except (ValueError, TypeError):
        raise _not_trust(source, _("the public key block is damaged")) from None
    if not isinstance(pub, ed25519.Ed25519PublicKey):
        raise _not_trust(source, _("{kind} is not an Ed25519 key; "
                                 "for RSA or ECDSA signers give their certificate").format(kind=a_key(pub)))
    return TrustAnchor("ed25519", key_fingerprint(pub), source, public_key=pub)


def _cert_anchor(source: str, der: bytes) -> TrustAnchor:
    from cryptography import x509

    try:
        cert = x509.load_der_x509_certificate(der)
        cert.public_key()
    except (ValueError, TypeError):
        raise _not_trust(source, _("the certificate is damaged")) from None
    return TrustAnchor("certificate", cert_fingerprint(cert), source, certificate=cert)


def load_trust(source: str) -> list[TrustAnchor]:
    """One --trust argument: a file holding exactly one Ed25519 public key or certificate
    (PEM or DER; more is E811), or a fingerprint typed from paper. A list of one."""
    path = Path(source)
    if not path.is_file():
        fp = parse_fingerprint(source)
        if fp is not None:
            return [TrustAnchor("fingerprint", fp, source)]
        if path.exists():
            raise _not_trust(source, _("it is not a file"))
        raise fail("E802", _("trust file '{source}' not found").format(source=source),
                   _("give a path to NAME.pub or a certificate, or a fingerprint of 64 hex digits"), Location(source))
    data = _read(path, N_("trust file"))
    blocks = _pem_blocks(data)
    if data.count(b"-----BEGIN") > 1:
        raise more_than_one(source, data.count(b"-----BEGIN"))
    if blocks:
        anchors = []
        for label, der in blocks:
            if label == "PUBLIC KEY":
                anchors.append(_ed25519_anchor(source, der))
            elif label in ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"):
                anchors.append(_cert_anchor(source, der))
            elif "PRIVATE KEY" in label:
                raise _not_trust(source, _("it is a private key; give the public NAME.pub (never share the .key)"))
        if anchors:
            return anchors
        raise _not_trust(source, _("no PUBLIC KEY or CERTIFICATE block in it"))
    if b"-----BEGIN" in data:
        raise _not_trust(source, _("the PEM block is cut short or damaged"))
    if data[:1] == b"\x30":         # DER: a certificate, or a bare public key
        try:
            return [_cert_anchor(source, data)]
        except TallyError:
            return [_ed25519_anchor(source, data)]
    text = data.decode("utf-8", "replace").strip()
    fp = parse_fingerprint(text) if text and "\n" not in text else None
    if fp is not None:            # a fingerprint saved to a file
        return [TrustAnchor("fingerprint", fp, source)]
    raise _not_trust(source, _("no key or certificate found in the file"))
