"""Signing results (SPEC §7): the signed object is results.json's exact bytes.

A signature is kept twice:

* beside the workbook, as files OpenSSL checks on its own: ``results.json.sig`` (the
  first Ed25519 signer's raw 64-byte signature), ``results.json.<fp16>.sig`` for every
  Ed25519 signer (``fp16`` = the first 16 hex digits of the key's fingerprint), and for
  certificate signers a detached CMS signature in DER, ``results.json.p7s`` (the first)
  and ``results.json.<fp16>.p7s`` (every one; fingerprint of the certificate);
* inside the workbook, in the hidden ``_tally`` sheet beside the embedded results.json,
  so the workbook alone can be verified. Column A holds results.json (see
  :func:`tally.layout.data_sheet`); columns B..E hold the signatures::

      B1  tally-signatures/1
      B2  number of signatures N
      row 2+i, for i = 1..N:
          B  kind: "ed25519" or "cms"
          C  the signer: Ed25519 SubjectPublicKeyInfo DER (the .pub file's PEM body), or
             the certificate's DER, in base64
          D  the signature: 64 raw bytes (ed25519) or the CMS ContentInfo DER, in base64
          E  the signer's name and role as given when signing (a label: NOT signed)

Signing edits only the hidden sheet's XML inside the zip; every other part of the
workbook is copied byte for byte, so the printed minutes do not change. The new
workbook is read back and checked before it replaces the old one; the workbook and the
signature files are replaced as a unit (tally.resultset.commit), under the folder's lock.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from ballots.cells import column_letters
from ballots.errors import Location, TallyError, fail
from ballots.i18n import _, _n
from tally.compare import (
    Expected,
    appearance_differences,
    display_problems,
    expect_written,
    expected_cells,
    table_mismatches,
)
from tally.keys import (
    CmsKey,
    Passphrase,
    cert_fingerprint,
    key_fingerprint,
    load_p12_chain,
    load_private_key,
)
from tally.layout import CHUNK, DATA_MARKER, DATA_SHEET, data_sheet
from tally.locking import output_lock
from tally.results_json import KEEP_PARSED, SCHEMA, parsed
from tally.resultset import ResultSet, commit, recover
from tally.snapshot import MAX_PART, NotAWorkbook, Snapshot, read_snapshot

if TYPE_CHECKING:
    # x509 and pkcs7 load cryptography's certificate layer (with ipaddress, email and socket):
    # imported where a certificate is read or a CMS signature made, not at every start
    from cryptography import x509

SIG_MARKER = "tally-signatures/1"
SIG_FIRST_ROW = 3
Kind = Literal["ed25519", "cms"]

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_ILLEGAL_XML = re.compile(r"[\000-\010\013\014\016-\037\ufffe\uffff]")


# --- signers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ed25519Signer:
    key: ed25519.Ed25519PrivateKey

    @property
    def kind(self) -> Kind:
        return "ed25519"

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.key.public_key())

    def signer_bytes(self) -> bytes:
        return self.key.public_key().public_bytes(serialization.Encoding.DER,
                                                  serialization.PublicFormat.SubjectPublicKeyInfo)

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data)


@dataclass(frozen=True)
class CmsSigner:
    key: CmsKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()     # the issuing authorities, from the .p12

    @property
    def kind(self) -> Kind:
        return "cms"

    @property
    def fingerprint(self) -> str:
        return cert_fingerprint(self.cert)

    def signer_bytes(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def sign(self, data: bytes) -> bytes:
        """A detached CMS SignedData over the exact bytes (binary mode: no MIME line-end
        canonicalisation), DER, carrying the signer's certificate."""
        from cryptography.hazmat.primitives.serialization import pkcs7

        builder = pkcs7.PKCS7SignatureBuilder().set_data(data).add_signer(self.cert, self.key, hashes.SHA256())
        for cert in self.chain:         # so a verifier can build the path to the authority it trusts
            if cert != self.cert:
                builder = builder.add_certificate(cert)
        return builder.sign(serialization.Encoding.DER,
                            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])

    def common_name(self) -> str:
        from cryptography import x509

        names = self.cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.cert.subject.rfc4514_string()


Signer = Ed25519Signer | CmsSigner


def load_signer(path: str | Path, passphrase: Passphrase) -> Signer:
    """An Ed25519 NAME.key, or a .p12/.pfx file (told apart by content, not name)."""
    path = Path(path)
    head = b""
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError:
        pass                     # load_private_key reports it with its code
    if path.suffix.lower() in (".p12", ".pfx") or (head[:1] == b"\x30" and b"-----BEGIN" not in head):
        key, cert, chain = load_p12_chain(path, passphrase)
        refuse_out_of_date(path, cert)
        return CmsSigner(key, cert, chain)
    return Ed25519Signer(load_private_key(path, passphrase))


def refuse_out_of_date(path: Path, cert: x509.Certificate) -> None:
    """E812: a certificate that has expired or is not yet valid makes a signature every
    verifier refuses (E911); say so now, before anything is signed."""
    now = dt.datetime.now(dt.UTC)
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    if start <= now <= end:
        return
    what = (_("expired on {date}") if now > end else _("is valid only from {date}")).format(
        date=(end if now > end else start).strftime("%Y-%m-%d"))
    raise fail("E812", _("the certificate in '{path}' {what}").format(path=path, what=what),
               _("sign with a certificate valid today, or an Ed25519 key (--key)"), Location(str(path)))


# --- what the workbook holds -------------------------------------------------------------


@dataclass(frozen=True)
class EmbeddedSignature:
    kind: Kind
    signer: bytes              # Ed25519 SubjectPublicKeyInfo DER, or certificate DER
    signature: bytes           # 64 raw bytes, or CMS ContentInfo DER
    name: str = ""             # a label, not signed

    def to_cells(self) -> tuple[str, str, str, str | None]:
        return (self.kind, base64.b64encode(self.signer).decode("ascii"),
                base64.b64encode(self.signature).decode("ascii"), self.name or None)


class Damaged(Exception):
    """Embedded data present but unreadable; the message says what is wrong."""


def _column(snap: Snapshot, index: int) -> list[object]:
    return [row[index] if index < len(row) else None for row in snap.data_rows]


def embedded_results(snap: Snapshot) -> bytes | None:
    """results.json from column A of the hidden sheet (the format of layout.data_sheet);
    None when there is no such sheet or marker; Damaged when the chunks are broken."""
    col = _column(snap, 0)
    if not snap.has_data_sheet or not col or col[0] != DATA_MARKER:
        return None
    try:
        count = int(str(col[1]).strip().split(".")[0]) if len(col) > 1 else -1
    except ValueError:
        count = -1
    chunks = col[2 : 2 + count] if count >= 0 else []
    if count < 1 or len(chunks) != count or not all(isinstance(c, str) for c in chunks):
        raise Damaged(_("the chunk count in the hidden sheet does not match its chunks"))
    try:
        return base64.b64decode("".join(str(c).strip() for c in chunks), validate=True)
    except (binascii.Error, ValueError):
        raise Damaged(_("the embedded results.json is not valid base64")) from None


_A_TEXT = re.compile(rb'<c r="A([1-9][0-9]*)"[^>]*><is><t[^>]*>([A-Za-z0-9+/=]*)</t></is></c>')
def embedded_guess(xlsx: bytes) -> bytes | None:
    """The results.json a workbook written by tally seems to embed, found without reading the
    workbook: the base64 in column A, from row 3, of its last worksheet part when that part
    starts like the hidden sheet. Only a guess, nothing checked (read_snapshot and
    embedded_results say what the workbook holds): verification, given no results.json beside
    a workbook, takes it to expect the minutes' parts (expect_minutes)."""
    try:
        with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
            numbered = []
            for info in archive.infolist():
                m = re.fullmatch(r"xl/worksheets/sheet([1-9][0-9]{0,5})\.xml", info.filename)
                if m:
                    numbered.append((int(m.group(1)), info))
            if not numbered:
                return None
            info = max(numbered, key=lambda n: n[0])[1]
            if info.file_size > MAX_PART:       # the reader's cap on a part
                return None
            xml = archive.read(info)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError, zlib.error):
        return None
    if DATA_MARKER.encode() not in xml[:4096]:
        return None
    chunks = [m.group(2) for m in _A_TEXT.finditer(xml) if int(m.group(1)) >= 3]
    try:
        return base64.b64decode(b"".join(chunks), validate=True) if chunks else None
    except (binascii.Error, ValueError):
        return None


def embedded_signatures(snap: Snapshot) -> list[EmbeddedSignature]:
    """The signature table (columns B..E); [] when there is none; Damaged when broken."""
    b = _column(snap, 1)
    if not b or b[0] is None:
        return []
    if b[0] != SIG_MARKER:
        raise Damaged(_("B1 of the hidden sheet is {found!r}, not {marker!r}")
                      .format(found=str(b[0])[:40], marker=SIG_MARKER))
    try:
        n = int(str(b[1]).strip().split(".")[0]) if len(b) > 1 else -1
    except ValueError:
        n = -1
    if n < 0:
        raise Damaged(_("the number of signatures (B2 of the hidden sheet) is missing"))
    out: list[EmbeddedSignature] = []
    for i in range(n):
        r = SIG_FIRST_ROW - 1 + i
        row = snap.data_rows[r] if r < len(snap.data_rows) else ()
        kind, signer, signature, name = (tuple(row[1:5]) + (None,) * 4)[:4]
        if kind not in ("ed25519", "cms") or not isinstance(signer, str) or not isinstance(signature, str):
            raise Damaged(_("signature {n} (row {row} of the hidden sheet) is incomplete").format(n=i + 1, row=r + 1))
        try:
            signer_der = base64.b64decode(signer.strip(), validate=True)
            sig = base64.b64decode(signature.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise Damaged(_("signature {n} (row {row} of the hidden sheet) is not valid base64")
                          .format(n=i + 1, row=r + 1)) from None
        out.append(EmbeddedSignature(kind, signer_der, sig, "" if name is None else str(name)))
    extra = [row for row in snap.data_rows[SIG_FIRST_ROW - 1 + n :] if any(v is not None for v in row[1:5])]
    if extra:
        raise Damaged(_("the hidden sheet holds more signature rows than B2 counts ({n})").format(n=n))
    return out


def signature_fingerprint(sig: EmbeddedSignature) -> str:
    """The signer's fingerprint as the signature table names it (not proof of anything)."""
    if sig.kind == "ed25519":
        try:
            pub = serialization.load_der_public_key(sig.signer)
        except (ValueError, TypeError):
            return ""
        return key_fingerprint(pub) if isinstance(pub, ed25519.Ed25519PublicKey) else ""
    from cryptography import x509

    try:
        return cert_fingerprint(x509.load_der_x509_certificate(sig.signer))
    except ValueError:
        return ""


# results.json of the largest real vote is well under a megabyte and 5 levels deep; anything far
# beyond is not what tally wrote, and must not reach the JSON parser's recursion (RecursionError)
MAX_RESULTS_BYTES = 32 * 1024 * 1024
MAX_JSON_DEPTH = 32
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")


def json_depth(data: bytes, stop: int = MAX_JSON_DEPTH) -> int:
    """How deeply the arrays and objects of JSON text nest (strings skipped), counting
    no further than just past `stop`."""
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b'""', data))
    depth = deepest = 0
    for c in brackets:
        depth += 1 if c in b"[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > stop:
                break
    return deepest


def parse_results(data: bytes) -> tuple[dict[str, Any], Expected]:
    """results.json as a dict, and every checked cell of the minutes it lays out
    (:func:`tally.layout.expected_cells`); Damaged when it cannot be laid out. Both are
    shared by every caller with the same bytes (tally.results_json.parsed): read only."""
    if len(data) > MAX_RESULTS_BYTES:
        raise Damaged(_("it has {n} bytes, more than tally writes ({limit})")
                      .format(n=len(data), limit=MAX_RESULTS_BYTES))
    if len(data) <= KEEP_PARSED:
        return _parse_kept(data)
    return _parse_results(data)


@functools.lru_cache(maxsize=16)
def _parse_kept(data: bytes) -> tuple[dict[str, Any], Expected]:
    return _parse_results(data)      # an exception (Damaged) is not kept: raised again each time


def _nesting(doc: Any) -> tuple[int, int]:
    """(how deeply the arrays and objects of parsed JSON nest, how many there are)."""
    deepest = containers = 0
    stack = [(doc, 1)] if isinstance(doc, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        containers += 1
        deepest = max(deepest, depth)
        for value in (node.values() if type(node) is dict else node):
            if type(value) is dict or type(value) is list:
                stack.append((value, depth + 1))
    return deepest, containers


def _too_deep(depth: int) -> Damaged:
    return Damaged(_("it is nested {depth} levels deep, tally writes at most {limit}")
                   .format(depth=depth, limit=MAX_JSON_DEPTH))


def _parse_results(data: bytes) -> tuple[dict[str, Any], Expected]:
    # How deeply the text nests, as json_depth counts it, without its regular expressions over
    # the whole text (0.5 ms of a realistic results.json): from the parsed values, when they
    # hold every array and object of the text (as many as its bracket bytes, so none is in a
    # string or was replaced by a repeated key). The C parser refuses a nesting past the
    # recursion limit with RecursionError; the text is then measured as before.
    try:
        doc = parsed(data)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        depth = json_depth(data)
        if depth > MAX_JSON_DEPTH:
            raise _too_deep(depth) from None
        raise Damaged(_("it is not JSON ({exc})").format(exc=type(exc).__name__)) from None
    depth, containers = _nesting(doc)
    if containers != data.count(b"[") + data.count(b"{"):
        depth = json_depth(data)
    if depth > MAX_JSON_DEPTH:
        raise _too_deep(min(depth, MAX_JSON_DEPTH + 1))
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise Damaged(_("its schema is {found!r}, not {schema!r}").format(found=found, schema=SCHEMA))
    try:
        expected = expected_cells(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise Damaged(_("a required field is missing or wrong ({error}: {exc})")
                      .format(error=type(exc).__name__, exc=exc)) from None
    return doc, expected


def expect_minutes(beside: Path, xlsx: bytes) -> bytes | None:
    """The results.json beside a workbook (else the one the workbook seems to embed,
    :func:`embedded_guess`) says which minutes the workbook should be: have the reader expect
    their parts (tally.compare.expect_written), so that minutes which are byte for byte what
    tally writes for it are read without parsing their sheets. Called by verify and sign
    before they read a workbook. Nothing is decided from it here: a changed, foreign or
    damaged one makes the reader expect parts the workbook does not hold, and the workbook is
    read as any other. Returns the bytes of the file beside, when it could be read (verify
    compares them with the embedded results.json), else None."""
    beside_data: bytes | None
    data: bytes | None
    try:
        data = beside_data = beside.read_bytes()
    except OSError:
        beside_data = None
        data = embedded_guess(xlsx)
    if data is None:
        return None
    try:
        parse_results(data)           # the embedded results.json's limits: size, depth, schema
        expect_written(data)
    except (Damaged, KeyError, TypeError, ValueError, AttributeError, IndexError):
        pass
    return beside_data


# --- writing the signature table into the workbook ---------------------------------------


def _escape(text: str) -> str:
    """&, < and > escaped, as xml.sax.saxutils.escape does (which imports urllib.request and
    http.client with it: 20 ms of every verify's and sign's start)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def _cell_xml(prefix: str, ref: str, value: object) -> str:
    if isinstance(value, int):
        return f'<{prefix}c r="{ref}"><{prefix}v>{value}</{prefix}v></{prefix}c>'
    text = _escape(_ILLEGAL_XML.sub("", str(value)))
    return (f'<{prefix}c r="{ref}" t="inlineStr"><{prefix}is><{prefix}t xml:space="preserve">{text}'
            f"</{prefix}t></{prefix}is></{prefix}c>")


def _sheet_data(prefix: str, results_json: bytes, signatures: Sequence[EmbeddedSignature]) -> tuple[str, int]:
    grid: dict[int, dict[int, object]] = {}
    for cell in data_sheet(results_json).cells:          # column A, exactly as the writer lays it out
        if cell.value is not None:
            grid.setdefault(cell.row, {})[cell.col] = cell.value
    if signatures:
        grid.setdefault(1, {})[2] = SIG_MARKER
        grid.setdefault(2, {})[2] = len(signatures)
        for i, sig in enumerate(signatures):
            for col, value in enumerate(sig.to_cells(), start=2):
                if value is not None:
                    grid.setdefault(SIG_FIRST_ROW + i, {})[col] = value
    rows = []
    for r in sorted(grid):
        cells = "".join(_cell_xml(prefix, f"{column_letters(c)}{r}", v) for c, v in sorted(grid[r].items()))
        rows.append(f'<{prefix}row r="{r}">{cells}</{prefix}row>')
    return f"<{prefix}sheetData>{''.join(rows)}</{prefix}sheetData>", max(grid)


def _data_sheet_part(archive: zipfile.ZipFile) -> str:
    """The zip member holding the hidden sheet, found through workbook.xml and its rels."""
    from defusedxml import ElementTree  # type: ignore[import-untyped]

    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        raise NotAWorkbook("no xl/workbook.xml: not an xlsx workbook") from None
    rid = None
    for sheet in book.iter(f"{{{_MAIN_NS}}}sheet"):
        if sheet.get("name") == DATA_SHEET:
            rid = sheet.get(f"{{{_REL_NS}}}id")
    if rid is None:
        raise NotAWorkbook(f"no {DATA_SHEET} sheet")
    for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    raise NotAWorkbook(f"the {DATA_SHEET} sheet has no part")


def embed(xlsx: bytes, results_json: bytes, signatures: Sequence[EmbeddedSignature]) -> bytes:
    """The workbook with its hidden sheet rewritten to hold results.json and `signatures`;
    every other zip member is copied unchanged."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src:
        part = _data_sheet_part(src)
        xml = src.read(part).decode("utf-8")
        m = re.search(r"<(\w+:)?sheetData\b[^>]*?(?:/>|>.*?</(?:\w+:)?sheetData>)", xml, flags=re.DOTALL)
        if m is None:
            raise NotAWorkbook(f"the {DATA_SHEET} sheet has no cell data")
        prefix = m.group(1) or ""
        data, last_row = _sheet_data(prefix, results_json, signatures)
        xml = xml[: m.start()] + data + xml[m.end() :]
        last_col = "E" if signatures else "A"
        xml = re.sub(r'(<(?:\w+:)?dimension\s+ref=")[^"]*(")', rf"\g<1>A1:{last_col}{last_row}\g<2>", xml, count=1)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                body = xml.encode("utf-8") if info.filename == part else src.read(info.filename)
                dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# --- the whole signing step --------------------------------------------------------------


def json_path_for(xlsx_path: Path) -> Path:
    return ResultSet.of(xlsx_path).json


def sidecar_paths(json_path: Path, kind: Kind, fingerprint: str) -> tuple[Path, Path]:
    """(the first signer's file, this signer's own file) beside results.json."""
    return ResultSet(json_path.with_suffix(".xlsx")).sidecar_paths(kind, fingerprint)


@dataclass(frozen=True)
class Signed:
    xlsx_path: Path
    json_path: Path
    kind: Kind
    fingerprint: str                   # the signer's, 64 hex digits
    results_sha256: str
    signatures: int                    # in the workbook now
    already: bool                      # this signer had signed before: nothing changed
    written: tuple[Path, ...] = field(default_factory=tuple)


def _unusable(path: Path, code: str, message: str, hint: str) -> TallyError:
    return fail(code, message, hint, Location(str(path)))


def load_for_signing(xlsx_path: Path) -> tuple[bytes, Snapshot, bytes, Expected, list[EmbeddedSignature]]:
    """The workbook's bytes, snapshot, embedded results.json, the cells it lays out, and the
    signatures; refuses (coded) anything that must not be signed."""
    try:
        xlsx = xlsx_path.read_bytes()
    except FileNotFoundError:
        raise _unusable(xlsx_path, "E901", _("'{file}' not found").format(file=xlsx_path),
                        _("check the path")) from None
    except OSError as exc:
        raise _unusable(xlsx_path, "E901", _("cannot read '{file}': {reason}")
                                           .format(file=xlsx_path, reason=exc.strerror or exc),
                        _("check the permissions")) from None
    expect_minutes(json_path_for(xlsx_path), xlsx)
    try:
        snap = read_snapshot(xlsx)
    except NotAWorkbook:
        raise _unusable(xlsx_path, "E901", _("'{file}' is not an xlsx workbook").format(file=xlsx_path),
                        _("sign the results.xlsx that `tally count` wrote")) from None
    try:
        data = embedded_results(snap)
    except Damaged as exc:
        raise _unusable(xlsx_path, "E903", _("the results embedded in '{file}' are damaged: {exc}")
                                           .format(file=xlsx_path, exc=exc),
                        _("count again with `tally count ... --force`")) from None
    if data is None:
        raise _unusable(xlsx_path, "E902", _("'{file}' holds no embedded results (no hidden {sheet} sheet)")
                                           .format(file=xlsx_path, sheet=DATA_SHEET),
                        _("sign the results.xlsx that `tally count` wrote, not a copy made by another program"))
    try:
        _doc, expected = parse_results(data)
    except Damaged as exc:
        raise _unusable(xlsx_path, "E903", _("the results embedded in '{file}' are not tally results: {exc}")
                                           .format(file=xlsx_path, exc=exc),
                        _("count again with `tally count ... --force`")) from None
    try:
        signatures = embedded_signatures(snap)
    except Damaged as exc:
        raise _unusable(xlsx_path, "E907", _("the signature table in '{file}' is damaged: {exc}")
                                           .format(file=xlsx_path, exc=exc),
                        _("sign a copy that was not edited by hand, or count again")) from None
    return xlsx, snap, data, expected, signatures


def _refuse_misprinted(xlsx_path: Path, data: bytes, snap: Snapshot) -> None:
    """Never co-sign minutes that hold foreign parts (E920), ambiguous XML (E921) or print
    differently from the minutes rebuilt from their results.json (E922): what verify fails."""
    hint = _("do not sign edited minutes: count again with `tally count ... --force`")
    if snap.problems:
        p = snap.problems[0]
        raise fail(p.code, _("'{file}' holds something `tally count` does not write ({n}; first {part}: {what})")
                   .format(file=xlsx_path, n=len(snap.problems), part=p.part, what=p.what), hint,
                   Location(str(xlsx_path)))
    diffs = appearance_differences(data, snap)
    if diffs:
        d = diffs[0]
        raise fail("E922", _("'{file}' prints differently from the minutes of its results.json "
                             "({n}; first {place}: {what}: the paper shows {shown!r}, signed {signed!r})")
                   .format(file=xlsx_path, n=len(diffs), place=" › ".join(x for x in (d.sheet, d.cell) if x),
                           what=d.what, shown=d.shown, signed=d.signed), hint,
                   Location(str(xlsx_path), d.sheet or None, None))


def sign_results(xlsx_path: str | Path, signer: Signer, name: str = "") -> Signed:
    """Sign the results embedded in `xlsx_path` (see `_sign_results`), one signer at a time:
    two members signing at once both keep their signature (tally.locking)."""
    with output_lock(Path(xlsx_path)):
        recover(ResultSet.of(xlsx_path))      # a run killed half-way: finish or drop its files first
        return _sign_results(xlsx_path, signer, name)


def _sign_results(xlsx_path: str | Path, signer: Signer, name: str = "") -> Signed:
    """Sign the results.json embedded in `xlsx_path` and keep every earlier signature.

    Refuses (coded, nothing written) a file that is not a tally workbook, a workbook whose
    results.json differs from the results.json beside it (E904), and one whose tables do
    not show the embedded results (E905): a signer must not vouch for changed minutes.
    """
    import hashlib

    xlsx_path = Path(xlsx_path)
    xlsx, snap, data, expected, signatures = load_for_signing(xlsx_path)
    json_path = json_path_for(xlsx_path)
    beside: bytes | None = None
    if json_path.exists():
        try:
            beside = json_path.read_bytes()
        except OSError as exc:
            raise _unusable(json_path, "E904", _("cannot read '{json}': {reason}")
                                               .format(json=json_path, reason=exc.strerror or exc),
                            _("check the permissions")) from None
        if beside != data:
            raise _unusable(json_path, "E904",
                            _("'{json}' differs from the results embedded in '{workbook}': "
                            "one of them was changed after counting")
                            .format(json=json_path, workbook=xlsx_path.name),
                            _("find out which; count again from the ballots if in doubt"))
    bad = table_mismatches(data, snap, expected)
    if bad:
        first = bad[0]
        raise fail("E905", _n("'{file}' shows values that differ from its results.json "
                              "({n} cell; first {sheet} › {cell}: shows {shown!r}, results.json has {signed!r})",
                              "'{file}' shows values that differ from its results.json "
                              "({n} cells; first {sheet} › {cell}: shows {shown!r}, results.json has {signed!r})",
                              len(bad))
                   .format(file=xlsx_path, n=len(bad), sheet=first.sheet, cell=first.cell, shown=first.actual,
                           signed=first.expected),
                   _("do not sign edited minutes: count again with `tally count ... --force`"),
                   Location(str(xlsx_path), first.sheet, first.cell))
    tricks = display_problems(expected, snap)
    if tricks:
        t = tricks[0]
        raise fail("E905", _("'{file}' shows result cells that may print differently from their values "
                   "({n}; first {place}: {what})")
                   .format(file=xlsx_path, n=len(tricks), place=t.sheet + (' › ' + t.cell if t.cell else ''),
                           what=t.what),
                   _("do not sign edited minutes: count again with `tally count ... --force`"),
                   Location(str(xlsx_path), t.sheet, t.cell or None))
    _refuse_misprinted(xlsx_path, data, snap)
    fp = signer.fingerprint
    sha = hashlib.sha256(data).hexdigest()
    if any(s.kind == signer.kind and signature_fingerprint(s) == fp for s in signatures):
        return Signed(xlsx_path, json_path, signer.kind, fp, sha, len(signatures), already=True)
    label = name.strip() or (signer.common_name() if isinstance(signer, CmsSigner) else "")
    new = EmbeddedSignature(signer.kind, signer.signer_bytes(), signer.sign(data), label)
    first_of_kind = not any(s.kind == signer.kind for s in signatures)
    all_sigs = [*signatures, new]
    try:
        signed_xlsx = embed(xlsx, data, all_sigs)
    except (NotAWorkbook, zipfile.BadZipFile, KeyError, UnicodeDecodeError) as exc:
        raise _unusable(xlsx_path, "E901", _("the hidden {sheet} sheet of '{file}' cannot be rewritten: {exc}")
                                           .format(sheet=DATA_SHEET, file=xlsx_path, exc=exc),
                        _("sign the results.xlsx that `tally count` wrote")) from None
    # Read it back as verify will: a signing step must never leave a workbook it cannot verify.
    check = read_snapshot(signed_xlsx)
    if (embedded_results(check) != data or embedded_signatures(check) != all_sigs
            or table_mismatches(data, check, expected) or display_problems(expected, check)):
        raise RuntimeError("the signed workbook did not read back as written")
    first_path, own_path = sidecar_paths(json_path, signer.kind, fp)
    writes: list[tuple[Path, bytes]] = []
    if beside is None:
        writes.append((json_path, data))
    if first_of_kind:
        writes.append((first_path, new.signature))
    writes.append((own_path, new.signature))
    writes.append((xlsx_path, signed_xlsx))
    commit(ResultSet.of(xlsx_path), writes)      # the whole set, or nothing, replaced
    return Signed(xlsx_path, json_path, signer.kind, fp, sha, len(all_sigs), already=False,
                  written=tuple(p for p, _ in writes))


__all__ = [
    "CHUNK",
    "CmsSigner",
    "Damaged",
    "Ed25519Signer",
    "EmbeddedSignature",
    "NotAWorkbook",
    "Signed",
    "Signer",
    "Snapshot",
    "embed",
    "embedded_results",
    "embedded_signatures",
    "load_signer",
    "read_snapshot",
    "sign_results",
]
