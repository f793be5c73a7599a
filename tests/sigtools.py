"""Helpers for the signing and verification tests, and for tests/data/tampered/make_tampered.py:
counting the sample, signing it, certificates and .p12 files, and tampering with workbooks."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pdftools
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pdftools import soffice  # noqa: F401  (re-exported for the signing tests)

from tally import pipeline
from tally.layout import layout
from tally.results_json import results_from_dict
from tally.sign import Ed25519Signer, embed, embedded_signatures, read_snapshot

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
KEYS = Path(__file__).resolve().parent / "data" / "keys"
TAMPERED = Path(__file__).resolve().parent / "data" / "tampered"
PASSPHRASE = b"tally test passphrase"       # of tests/data/keys/*.key: test data, not a secret


def count_sample(dest: Path, title: str | None = None, name: str = "results.xlsx") -> Path:
    """The bundled sample counted into `dest`; with `title`, as another event of that title."""
    dest.mkdir(parents=True, exist_ok=True)
    event = SAMPLES / "event.toml"
    if title is not None:
        text = event.read_text(encoding="utf-8")
        start = text.index('title = "')
        end = text.index('"', start + 9)
        event = dest / "other-event.toml"
        event.write_text(text[:start] + f'title = "{title}"' + text[end + 1 :], encoding="utf-8")
    out = dest / name
    pipeline.count_and_write(event, [SAMPLES / "ballots.xlsx"], out, force=True)
    return out


def sample_key(name: str = "committee") -> Ed25519Signer:
    from tally.keys import load_private_key

    return Ed25519Signer(load_private_key(KEYS / f"{name}.key", lambda: PASSPHRASE))


def new_signer() -> Ed25519Signer:
    return Ed25519Signer(ed25519.Ed25519PrivateKey.generate())


def public_pem(signer: Ed25519Signer) -> bytes:
    return signer.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                serialization.PublicFormat.SubjectPublicKeyInfo)


# --- certificates ------------------------------------------------------------------------


def make_cert(key: Any, cn: str, issuer: tuple[Any, x509.Certificate] | None = None,
              ca: bool = False) -> x509.Certificate:
    """A certificate for `key`: self-signed, or issued by (issuer key, issuer cert)."""
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ban kiểm phiếu")])
    now = dt.datetime.now(dt.UTC)
    sign_key, issuer_name = (key, subject) if issuer is None else (issuer[0], issuer[1].subject)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False), critical=True)
    algo = None if isinstance(sign_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return builder.sign(sign_key, algo)


def make_p12(path: Path, kind: str, password: bytes = b"p12 password", cn: str | None = None,
             issuer: tuple[Any, x509.Certificate] | None = None) -> x509.Certificate:
    key: Any
    if kind == "rsa":
        key = rsa.generate_private_key(65537, 2048)
    elif kind == "ec":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = ed25519.Ed25519PrivateKey.generate()
    cert = make_cert(key, cn or f"Member {kind}", issuer)
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"member", key, cert, None, serialization.BestAvailableEncryption(password)))
    return cert


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


# --- tampering ---------------------------------------------------------------------------


def person_row(xlsx: Path, group: int = 0, person: int = 0, flagged: bool | None = None) -> tuple[str, int, dict[str, Any]]:
    """(sheet, row, person dict) of a person in the minutes; `flagged` picks the first
    person with (True) or without (False) flags instead."""
    snap = read_snapshot(xlsx)
    from tally.sign import embedded_results

    data = embedded_results(snap)
    assert data is not None
    doc = json.loads(data)
    sheets = layout(results_from_dict(doc), data)
    candidates = [(gi, pi) for gi, g in enumerate(doc["groups"]) for pi, p in enumerate(g["persons"])
                  if flagged is None or bool(p["flags"]) == flagged]
    gi, pi = (group, person) if flagged is None else candidates[0]
    sheet = sheets[gi]
    row = next(c.row for c in sheet.cells if c.col == 1 and c.checked and c.value == pi + 1)
    return sheet.title, row, doc["groups"][gi]["persons"][pi]


def edit_cells(src: Path, dest: Path, edits: dict[tuple[str, str], Any]) -> None:
    """Change cells as someone would in a spreadsheet program (openpyxl load and save)."""
    wb = openpyxl.load_workbook(src)
    for (sheet, ref), value in edits.items():
        wb[sheet][ref].value = value
    wb.save(dest)


def resave(src: Path, dest: Path) -> None:
    """Open and save again with openpyxl, changing nothing."""
    openpyxl.load_workbook(src).save(dest)


def replace_embedded(src: Path, dest: Path, results_json: bytes | None = None,
                     signatures: list[Any] | None = None) -> None:
    """Rewrite the hidden sheet: another results.json and/or another list of signatures."""
    data = src.read_bytes()
    snap = read_snapshot(data)
    from tally.sign import embedded_results

    current = embedded_results(snap)
    assert current is not None
    sigs = embedded_signatures(snap) if signatures is None else signatures
    dest.write_bytes(embed(data, results_json if results_json is not None else current, sigs))


def set_number_format(src: Path, dest: Path, sheet: str, ref: str, code: str) -> None:
    wb = openpyxl.load_workbook(src)
    wb[sheet][ref].number_format = code
    wb.save(dest)


def hide_row(src: Path, dest: Path, sheet: str, row: int) -> None:
    wb = openpyxl.load_workbook(src)
    wb[sheet].row_dimensions[row].hidden = True
    wb.save(dest)


# --- LibreOffice -------------------------------------------------------------------------


def convert(exe: str, src: Path, fmt: str, outdir: Path, profile: Path) -> Path:
    """`soffice --headless --convert-to FMT` (see pdftools.convert); `exe` from pdftools.soffice()."""
    return pdftools.convert(src, fmt, outdir, profile)


def zip_members(path: Path) -> dict[str, bytes]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
        return {n: z.read(n) for n in z.namelist()}
