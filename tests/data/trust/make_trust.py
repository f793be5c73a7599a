#!/usr/bin/env python3
"""Build the trust fixtures kept in tests/data/trust (run from the repo root):

    python tests/data/trust/make_trust.py

Every case of issue 10's "Trust" class, as files an auditor could be handed (test data
only; the .p12 password is "p12 password" unless the name says otherwise):

  two-keys.pub        two Ed25519 public keys in one file (must be refused: E811)
  two-keys.key        two private keys in one file (E811)
  ca.pem              an authority (basicConstraints cA, keyCertSign), valid 2020-2100
  member.p12          RSA, issued by ca.pem; carries ca.pem as its chain
  nopass.p12          ECDSA, issued by ca.pem, exported WITHOUT a password
  rogue-issuer.pem    a self-signed certificate that is NOT a CA ...
  rogue-a.p12, rogue-b.p12   ... which "issued" these two: they must not count
  twin-a.p12, twin-b.p12     one ECDSA key in two certificates issued by ca.pem: one signer
  expired.p12         issued by ca.pem, valid 2020-01-01 to 2021-01-01 (expired when it signs)
  notyet.p12          issued by ca.pem, valid from 2090 (not yet valid when it signs)
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

HERE = Path(__file__).resolve().parent
PASSWORD = b"p12 password"
UTC = dt.UTC


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ban kiểm phiếu (test)")])


def cert(key: Any, cn: str, issuer: tuple[Any, x509.Certificate] | None = None, *, ca: bool = False,
         start: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=UTC),
         end: dt.datetime = dt.datetime(2100, 1, 1, tzinfo=UTC)) -> x509.Certificate:
    sign_key, issuer_name = (key, _name(cn)) if issuer is None else (issuer[0], issuer[1].subject)
    b = (x509.CertificateBuilder().subject_name(_name(cn)).issuer_name(issuer_name)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(start).not_valid_after(end)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
         .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=not ca, key_encipherment=False,
                                      data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                                      crl_sign=ca, encipher_only=False, decipher_only=False), critical=True))
    return b.sign(sign_key, hashes.SHA256())


def p12(name: str, key: Any, c: x509.Certificate, chain: list[x509.Certificate] | None = None,
        password: bytes | None = PASSWORD) -> None:
    enc = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    (HERE / name).write_bytes(pkcs12.serialize_key_and_certificates(b"member", key, c, chain, enc))


def pem(name: str, c: x509.Certificate) -> None:
    (HERE / name).write_bytes(c.public_bytes(serialization.Encoding.PEM))


def main() -> None:
    a, b = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()
    spki = (serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (HERE / "two-keys.pub").write_bytes(a.public_key().public_bytes(*spki) + b.public_key().public_bytes(*spki))
    pkcs8 = (serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    (HERE / "two-keys.key").write_bytes(a.private_bytes(*pkcs8) + b.private_bytes(*pkcs8))

    ca_key = ec.generate_private_key(ec.SECP384R1())
    ca = cert(ca_key, "Cơ quan chứng thực (test)", ca=True)
    pem("ca.pem", ca)
    by_ca = (ca_key, ca)
    k = rsa.generate_private_key(65537, 2048)
    p12("member.p12", k, cert(k, "Đỗ Thị Mai", by_ca), [ca])
    k = ec.generate_private_key(ec.SECP256R1())
    p12("nopass.p12", k, cert(k, "Tạ Minh Đức", by_ca), [ca], password=None)

    rogue_key = ec.generate_private_key(ec.SECP256R1())
    rogue = cert(rogue_key, "Not an authority")
    pem("rogue-issuer.pem", rogue)
    for n in "ab":
        k = ec.generate_private_key(ec.SECP256R1())
        p12(f"rogue-{n}.p12", k, cert(k, f"Fake signer {n}", (rogue_key, rogue)), [rogue])

    twin = ec.generate_private_key(ec.SECP256R1())
    for n in "ab":
        p12(f"twin-{n}.p12", twin, cert(twin, f"Lê Văn Cường ({n})", by_ca), [ca])

    k = ec.generate_private_key(ec.SECP256R1())
    p12("expired.p12", k, cert(k, "Expired member", by_ca, end=dt.datetime(2021, 1, 1, tzinfo=UTC)), [ca])
    k = ec.generate_private_key(ec.SECP256R1())
    p12("notyet.p12", k, cert(k, "Future member", by_ca, start=dt.datetime(2090, 1, 1, tzinfo=UTC)), [ca])


if __name__ == "__main__":
    main()
