"""Verifying signed results (SPEC §7): a list of checks per file, never an exception for
a failed check.

Only the trust anchors the auditor gives count: a key or certificate embedded in the
workbook says who claims to have signed, and proves nothing by itself. For each file:

1. the workbook can be read and embeds a results.json of this schema;
2. the results.json beside the workbook, if any, is the same bytes;
3. every embedded signature verifies over those exact bytes (and is reported as trusted
   or not);
4. at least ``require`` distinct trusted signers signed;
5. every checked cell of the minutes (numbers, percentages, names, positions, flags'
   consequences, titles) shows what the signed results.json says;
6. given the event and ballot files: their SHA-256 are the signed ones, and a full
   re-count gives the same results.

Raises only for inputs that make verification meaningless (a --trust argument that is
not a key, certificate or fingerprint; an unusable event file).

Why one module of ~900 lines: the checks are one ordered list an auditor reads top to
bottom (workbook, sidecars, signatures, trust, tables, appearance, re-count), and each
returns a value rather than raising; splitting them would scatter that list.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from ballots.errors import Location, TallyError, fail
from ballots.i18n import N_, _, _n, language, set_language
from tally.compare import (
    Difference,
    appearance_differences,
    display_problems,
    table_mismatches,
)
from tally.gcpause import gc_paused
from tally.keys import TrustAnchor, cert_fingerprint, key_fingerprint, load_trust
from tally.locking import output_lock
from tally.results_json import group4
from tally.resultset import Folders, ResultSet, needs_recovery, recover
from tally.sign import (
    Damaged,
    EmbeddedSignature,
    embedded_results,
    embedded_signatures,
    expect_minutes,
    json_path_for,
    parse_results,
)
from tally.snapshot import NotAWorkbook, Snapshot, read_snapshot

if TYPE_CHECKING:
    # cryptography's certificate layer (with ipaddress, email and socket): imported where a CMS
    # signature or a certificate is checked, not for Ed25519 signatures and keys
    from cryptography import x509

REPORT_SCHEMA = "tally-verify/1"
MAX_LISTED = 5            # differing cells named in a reason; the rest are counted


@dataclass(frozen=True)
class Check:
    id: str                   # stable: workbook, results, sidecar, signature, signers, tables, event, inputs, recount
    name: str                 # for people: "signature 2 (Ed25519)"
    passed: bool
    reason: str
    where: str | None = None  # "results.xlsx › btv › F23"
    code: str | None = None   # the E9xx code of a failed check

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "passed": self.passed, "reason": self.reason,
                "where": self.where, "code": self.code}


@dataclass(frozen=True)
class SignerInfo:
    kind: str                 # ed25519 | cms
    fingerprint: str          # 64 hex digits ("" when the signer cannot be read)
    name: str                 # the unsigned label
    valid: bool
    trusted: bool
    trusted_by: str = ""      # the --trust argument that vouches for it
    key_id: str = ""          # SHA-256 of the public key: signers are counted by key

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "fingerprint": self.fingerprint, "name": self.name, "valid": self.valid,
                "trusted": self.trusted, "trusted_by": self.trusted_by or None, "key_id": self.key_id or None}


@dataclass(frozen=True)
class FileReport:
    path: str
    checks: tuple[Check, ...]
    results_sha256: str | None = None
    signers: tuple[SignerInfo, ...] = ()

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)

    @property
    def results_fingerprint(self) -> str | None:
        return group4(self.results_sha256) if self.results_sha256 else None

    @property
    def trusted_signers(self) -> int:
        return len({s.key_id for s in self.signers if s.valid and s.trusted})

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "passed": self.passed,
            "results_sha256": self.results_sha256,
            "signers": [s.to_dict() for s in self.signers],
            "checks": [c.to_dict() for c in self.checks],
        }


@dataclass(frozen=True)
class Report:
    files: tuple[FileReport, ...]
    require: int
    trusted: tuple[TrustAnchor, ...]
    recount: bool = False

    @property
    def passed(self) -> bool:
        return bool(self.files) and all(f.passed for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "passed": self.passed,
            "require": self.require,
            "trusted": [a.to_dict() for a in self.trusted],
            "recount": self.recount,
            "files": [f.to_dict() for f in self.files],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, indent=2) + "\n"


# --- the inputs, once for all files ------------------------------------------------------


@dataclass(frozen=True)
class Recount:
    """The event and ballot files as the auditor has them, counted once."""

    event_path: str
    event_sha256: str
    inputs: tuple[tuple[str, str], ...]           # (file name, sha256) as given
    results_json: bytes | None                    # None when the ballots have errors
    problems: tuple[str, ...] = ()                # why there is no re-count
    paths: tuple[str, ...] = ()                   # the ballot files, as given


def _recount_as_signed(rc: Recount, signed_inputs: Sequence[tuple[str, str]]) -> bytes | None:
    """Count the given ballot files again under the names and in the order the signed results
    list them, matched by SHA-256: a renamed or reordered copy of the same bytes is the same
    input. None when the given files are not exactly the signed ones, or a signed name cannot
    be a plain relative file name."""
    by_sha = {sha: path for path, (_name, sha) in zip(rc.paths, rc.inputs)}
    if len(by_sha) != len(rc.inputs) or {sha for _n, sha in signed_inputs} != set(by_sha):
        return None
    for name, _sha in signed_inputs:
        parts = Path(name).parts
        if not name or Path(name).is_absolute() or ".." in parts or "\\" in name:
            return None
    with tempfile.TemporaryDirectory(prefix="tally-recount-") as tmp:
        copies = []
        for name, sha in signed_inputs:
            dest = Path(tmp, name)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(by_sha[sha], dest)
            copies.append(dest)
        from tally.pipeline import check, count_results    # the readers and the count: only to re-count

        checked = check(rc.event_path, copies)
        if checked.has_errors:
            return None
        return count_results(checked)[1]


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def prepare_recount(event: str | Path, ballots: Sequence[str | Path]) -> Recount:
    """Hash and count the given files. Raises (coded) only when the event file is unusable
    or a file is missing; ballot-sheet errors become the re-count check's reason."""
    for p in (event, *ballots):
        if not Path(p).is_file():
            code = "E100" if p == event else "E300"
            raise fail(code, _("'{path}' not found").format(path=p), _("check the path given to --event / --ballots"),
                       Location(str(p)))
    event_sha = _sha256_file(Path(event))
    inputs = tuple((Path(b).name, _sha256_file(Path(b))) for b in ballots)
    from tally.pipeline import check, count_results        # the readers and the count: only to re-count

    checked = check(event, ballots)
    if checked.has_errors:
        problems = tuple(f"{d.code} {d.message}" + (f" ({d.location})" if d.location else "")
                         for d in checked.diagnostics if d.is_error)
        return Recount(str(event), event_sha, inputs, None, problems, tuple(map(str, ballots)))
    _results, data = count_results(checked)
    return Recount(str(event), event_sha, inputs, data, (), tuple(map(str, ballots)))


# --- signatures --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Sig:
    valid: bool
    fingerprint: str
    reason: str                                   # why it does not verify
    certificate: x509.Certificate | None = None
    public_key: ed25519.Ed25519PublicKey | None = None
    others: tuple[x509.Certificate, ...] = ()     # the other certificates a CMS signature carries
    signing_time: dt.datetime | None = None       # the CMS signingTime the signer claims

    @property
    def key_id(self) -> str:
        """SHA-256 of the signer's public key (SubjectPublicKeyInfo DER): one key is one
        signer, however many certificates were made for it."""
        pub: Any = self.public_key if self.public_key is not None else (
            self.certificate.public_key() if self.certificate is not None else None)
        if pub is None:
            return ""
        return hashlib.sha256(pub.public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)).hexdigest()


def _check_ed25519(sig: EmbeddedSignature, data: bytes) -> _Sig:
    try:
        pub = serialization.load_der_public_key(sig.signer)
    except (ValueError, TypeError):
        return _Sig(False, "", _("the signer's public key in the workbook is damaged"))
    if not isinstance(pub, ed25519.Ed25519PublicKey):
        return _Sig(False, "", _("the signer's key in the workbook is not Ed25519"))
    fp = key_fingerprint(pub)
    if len(sig.signature) != 64:
        return _Sig(False, fp, _("an Ed25519 signature has 64 bytes, this one {n}").format(n=len(sig.signature)))
    try:
        pub.verify(sig.signature, data)
    except InvalidSignature:
        return _Sig(False, fp, _("does not verify over the embedded results.json: the results or the "
                               "signature were changed after signing"))
    return _Sig(True, fp, "", public_key=pub)


_HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512, "sha224": hashes.SHA224,
}


def check_cms(p7s: bytes, data: bytes) -> _Sig:
    """A detached CMS SignedData over `data`: the messageDigest attribute is the content's
    digest and the signer's certificate key verifies the signature over the signed
    attributes (RSA PKCS#1 v1.5, RSA-PSS or ECDSA)."""
    from asn1crypto import cms  # type: ignore[import-untyped]
    from cryptography import x509

    try:
        info = cms.ContentInfo.load(p7s, strict=True)
        if info["content_type"].native != "signed_data":
            return _Sig(False, "", _("the CMS object is not SignedData"))
        signed = info["content"]
        signer_infos = signed["signer_infos"]
        if len(signer_infos) != 1:
            return _Sig(False, "", _("the CMS signature has {n} signers, tally writes one")
                        .format(n=len(signer_infos)))
        si = signer_infos[0]
        if signed["encap_content_info"]["content"].native is not None:
            return _Sig(False, "", _("the CMS signature is not detached"))
        cert_obj = _signer_certificate(signed, si)
        if cert_obj is None:
            return _Sig(False, "", _("the CMS signature does not carry its signer's certificate"))
        cert = x509.load_der_x509_certificate(cert_obj.dump())
        fp = cert_fingerprint(cert)
        others = tuple(x509.load_der_x509_certificate(c.chosen.dump()) for c in signed["certificates"] or []
                       if c.name == "certificate" and c.chosen is not cert_obj)
        signing_time: dt.datetime | None = None
        hash_name = si["digest_algorithm"]["algorithm"].native
        if hash_name not in _HASHES:
            return _Sig(False, fp, _("unsupported digest algorithm {hash_name}").format(hash_name=hash_name))
        algo = _HASHES[hash_name]()
        attrs = si["signed_attrs"]
        if attrs.native is None or len(attrs) == 0:
            signed_bytes = data
        else:
            values = {a["type"].native: a["values"] for a in attrs}
            digest = values.get("message_digest")
            if digest is None or len(digest) != 1:
                return _Sig(False, fp, _("the CMS signature has no messageDigest attribute"))
            h = hashes.Hash(algo)
            h.update(data)
            if digest[0].native != h.finalize():
                return _Sig(False, fp, _("does not verify: the results.json digest in the CMS signature differs "
                                       "(the results were changed after signing)"))
            when = values.get("signing_time")
            if when is not None and len(when) == 1 and isinstance(when[0].native, dt.datetime):
                signing_time = when[0].native
            ctype = values.get("content_type")
            if ctype is not None and ctype[0].native != "data":
                return _Sig(False, fp, _("the CMS content type is not data"))
            signed_bytes = b"\x31" + attrs.dump()[1:]    # signed over as a SET OF, not [0] IMPLICIT
        signature = si["signature"].native
        sig_algo = si["signature_algorithm"]
        pub = cert.public_key()
        if isinstance(pub, rsa.RSAPublicKey):
            if sig_algo.signature_algo == "rsassa_pss":
                params = sig_algo["parameters"]
                pss_hash = _HASHES[params["hash_algorithm"]["algorithm"].native]()
                pad: padding.AsymmetricPadding = padding.PSS(padding.MGF1(pss_hash), params["salt_length"].native)
                pub.verify(signature, signed_bytes, pad, pss_hash)
            else:
                pub.verify(signature, signed_bytes, padding.PKCS1v15(), algo)
        elif isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(signature, signed_bytes, ec.ECDSA(algo))
        else:
            return _Sig(False, fp, _("unsupported certificate key {kind}").format(kind=type(pub).__name__))
    except InvalidSignature:
        return _Sig(False, fp, _("does not verify: the CMS signature was changed or made by another key"))
    except (ValueError, TypeError, KeyError) as exc:
        return _Sig(False, "", _("the CMS signature is damaged ({error})").format(error=type(exc).__name__))
    return _Sig(True, fp, "", certificate=cert, others=others, signing_time=signing_time)


def _signer_certificate(signed: Any, si: Any) -> Any:
    sid = si["sid"]
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            ias = sid.chosen
            if cert.issuer == ias["issuer"] and cert.serial_number == ias["serial_number"].native:
                return cert
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert
    return None


def _trusted_by(result: _Sig, anchors: Sequence[TrustAnchor]) -> tuple[str, str]:
    """(the --trust argument that vouches for a valid signature's signer or "", why not).

    An Ed25519 signer is trusted when its key, or its key's fingerprint, was given. A
    certificate signer is trusted when that certificate (or its fingerprint) was given, or
    when a path from it to a given certificate is built and checked by cryptography's
    X.509 path validation (RFC 5280 with the Web PKI's rules for authorities: every
    issuer a CA with basicConstraints cA and keyCertSign, signatures and names chained,
    each certificate valid at the signing time), taking the intermediates the CMS
    signature carries. Any other key usage of the signer's own certificate is accepted:
    committees sign with the personal certificates they have.
    """
    if result.public_key is not None:
        for a in anchors:
            if a.kind != "certificate" and a.fingerprint == result.fingerprint:
                return a.source, ""
        return "", ""
    if result.certificate is None:
        return "", ""
    for a in anchors:
        if a.fingerprint == result.fingerprint:          # the same certificate, or its fingerprint
            return a.source, ""
    authorities = [a for a in anchors if a.certificate is not None]
    if not authorities:
        return "", ""
    when = result.signing_time or dt.datetime.now(dt.UTC)
    from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store, VerificationError

    builder = (PolicyBuilder().store(Store([a.certificate for a in authorities if a.certificate is not None]))
               .time(when)
               .extension_policies(ca_policy=ExtensionPolicy.webpki_defaults_ca(),
                                   ee_policy=ExtensionPolicy.permit_all()))
    try:
        chain = builder.build_client_verifier().verify(result.certificate, list(result.others)).chain
    except VerificationError as exc:
        return "", _("no path to a trusted authority ({reason})").format(reason=str(exc)[:160])
    root = cert_fingerprint(chain[-1])
    for a in authorities:
        if a.fingerprint == root:
            return _("{source} (issuer)").format(source=a.source), ""
    return "", ""


def _validity(result: _Sig) -> tuple[bool, str]:
    """Was the signer's certificate valid when it signed (the CMS signingTime, or now if the
    signature names no time)? (ok, what to report); an expiry since then is reported."""
    cert = result.certificate
    if cert is None:
        return True, ""
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    now = dt.datetime.now(dt.UTC)
    when = result.signing_time or now
    day = "%Y-%m-%d %H:%M UTC"
    said = (_("signed {when}").format(when=when.strftime(day)) if result.signing_time else
            _("no signing time in the signature, checked now ({when})").format(when=when.strftime(day)))
    if when < start:
        return False, _("the certificate was not yet valid when it signed: valid from {start}, {said}").format(
            start=start.strftime(day), said=said)
    if when > end:
        return False, _("the certificate had expired when it signed: valid until {end}, {said}").format(
            end=end.strftime(day), said=said)
    if now > end:
        return True, _("certificate valid when it signed ({said}); it has expired since, on {end}").format(
            said=said, end=end.strftime(day))
    return True, _("certificate valid {start} to {end}; {said}").format(
        start=start.strftime("%Y-%m-%d"), end=end.strftime("%Y-%m-%d"), said=said)


def _short_fp(fp: str) -> str:
    return group4(fp[:16]) + "…" if fp else _("(unreadable)")


# --- one file ----------------------------------------------------------------------------


def _label(path: Path) -> str:
    return str(path)


def verify_file(path: str | Path, anchors: Sequence[TrustAnchor], require: int = 1,
                recount: Recount | None = None, folders: Folders | None = None) -> FileReport:
    """Every check of one file. `folders` lists the folders of a batch once (verify_files).

    The cyclic collector is paused while one file is verified, as during a count
    (tally.gcpause.gc_paused): rebuilding and reading the minutes makes thousands of small
    cells and tuples in no cycle, and the young collections walking them as they pile up, and
    the reads kept for the batch under them, were a sixth of a distinct result's time (14.4 ms
    -> 11.9 ms CPU, bench_verify's distinct results); reference counting frees all of it, and
    the collector runs between files as before (a full collection after a mixed batch of
    signed, copied and tampered files finds nothing left)."""
    with gc_paused():
        return _verify_file(Path(path), anchors, require, recount, folders)


def _verify_file(path: Path, anchors: Sequence[TrustAnchor], require: int, recount: Recount | None,
                 folders: Folders | None) -> FileReport:
    where = _label(path)
    checks: list[Check] = []
    folders = folders or Folders()

    def add(id: str, name: str, ok: bool, reason: str, code: str, at: str | None = None) -> None:
        checks.append(Check(id, name, ok, reason, at, None if ok else code))

    rs = folders.result_set(path)
    if needs_recovery(rs):        # a run killed half-way: finish what it committed to, drop the rest
        try:
            with output_lock(path):
                recover(rs)
        except TallyError:
            pass                  # a read-only copy: the checks below judge what is there
        folders.changed(path.parent)
        rs = folders.result_set(path)
    try:
        raw = path.read_bytes()
        beside_data = expect_minutes(json_path_for(path), raw)
        snap = read_snapshot(raw)
    except FileNotFoundError:
        add("workbook", _("workbook"), False, _("file not found"), "E901", where)
        return FileReport(str(path), tuple(checks))
    except OSError as exc:
        add("workbook", _("workbook"), False,
            _("cannot read the file: {reason}").format(reason=exc.strerror or exc), "E901", where)
        return FileReport(str(path), tuple(checks))
    except NotAWorkbook:
        add("workbook", _("workbook"), False, _("not an xlsx workbook"), "E901", where)
        return FileReport(str(path), tuple(checks))
    add("workbook", _("workbook"), True, _n("read {n} sheet", "read {n} sheets", len(snap.sheets)).format(n=len(snap.sheets)), "E901")

    try:
        data = embedded_results(snap)
    except Damaged as exc:
        add("results", _("embedded results.json"), False, _("damaged: {exc}").format(exc=exc), "E903",
            f"{where} › _tally")
        return FileReport(str(path), tuple(checks))
    if data is None:
        add("results", _("embedded results.json"), False,
            _("the workbook holds no embedded results (no hidden _tally sheet): it was not written by "
            "`tally count`, or the sheet was removed"), "E902", where)
        return FileReport(str(path), tuple(checks))
    sha = hashlib.sha256(data).hexdigest()
    try:
        doc, expected = parse_results(data)
    except Damaged as exc:
        add("results", _("embedded results.json"), False, _("not tally results: {exc}").format(exc=exc), "E903",
            f"{where} › _tally")
        return FileReport(str(path), tuple(checks), sha)
    add("results", _("embedded results.json"), True,
        f"{doc['event'].get('title', '')!s}, {doc['event'].get('date', '')!s}",
        "E903")

    beside = json_path_for(path)
    if beside_data is not None or beside.is_file():     # read by expect_minutes; again only if it could not
        try:
            same = (beside_data if beside_data is not None else beside.read_bytes()) == data
        except OSError:
            same = False
        add("sidecar", _("{file} beside").format(file=beside.name), same,
            _("the same bytes as the embedded results.json") if same else
            _("{file} differs from the results.json embedded in the workbook: one of them was changed")
            .format(file=beside.name),
            "E904", str(beside))

    signers: list[SignerInfo] = []
    try:
        sigs = embedded_signatures(snap)
    except Damaged as exc:
        add("signature", _("signatures"), False, _("the signature table is damaged: {exc}").format(exc=exc), "E907",
            f"{where} › _tally")
        sigs = []
    results: list[tuple[EmbeddedSignature, _Sig]] = []
    for i, sig in enumerate(sigs, start=1):
        result = _check_ed25519(sig, data) if sig.kind == "ed25519" else _check_cms_embedded(sig, data)
        results.append((sig, result))
        kind = "Ed25519" if sig.kind == "ed25519" else "CMS"
        in_time, validity = _validity(result) if result.valid else (True, "")
        trusted_by, untrusted_why = _trusted_by(result, anchors) if result.valid and in_time else ("", "")
        signers.append(SignerInfo(sig.kind, result.fingerprint, sig.name, result.valid and in_time,
                                  bool(trusted_by), trusted_by, result.key_id))
        who = f"{kind} {_short_fp(result.fingerprint)}" + (f" ({sig.name})" if sig.name else "")
        if not result.valid:
            reason = f"{who}: {result.reason}"
        elif not in_time:
            reason = f"{who}: {validity}"
        elif trusted_by:
            reason = _("valid; signer {who} is trusted ({trusted_by})").format(who=who, trusted_by=trusted_by)
        else:
            reason = _("valid, but signer {who} is not among the trusted keys: not counted").format(who=who)
            if untrusted_why:
                reason += f" ({untrusted_why})"
        if validity and in_time:
            reason += f"; {validity}"
        add("signature", _("signature {i} ({kind})").format(i=i, kind=kind), result.valid and in_time, reason,
            "E906" if not result.valid else "E911", f"{where} › _tally › " + _("row {row}").format(row=i + 2))
    _sidecar_checks(add, rs, data, results)

    trusted = len({s.key_id for s in signers if s.valid and s.trusted})
    if not sigs and not any(c.id == "signature" for c in checks):
        why = _("the workbook carries no signature; {require} trusted required").format(require=require)
    elif trusted >= require:
        why = _n("{n} distinct trusted signer, {require} required", "{n} distinct trusted signers, {require} required",
                 trusted).format(n=trusted, require=require)
    else:
        why = _n("only {n} distinct trusted signer, {require} required",
                 "only {n} distinct trusted signers, {require} required", trusted).format(n=trusted, require=require)
        untrusted = list({s.key_id: s for s in signers if s.valid and not s.trusted}.values())
        if untrusted:
            why = _("{why}; signed by keys not trusted: {keys}").format(
                why=why, keys=", ".join(_short_fp(s.fingerprint) for s in untrusted))
    add("signers", _("trusted signers"), trusted >= require, why, "E908")

    bad = table_mismatches(data, snap, expected)
    if bad:
        listed = "; ".join(
            f"{m.sheet} › {m.cell}: " + (_("sheet missing") if m.missing_sheet else
                                         _("shows {shown}, signed {signed}")
                                         .format(shown=_show(m.actual), signed=_show(m.expected)))
            for m in bad[:MAX_LISTED])
        add("tables", _("tables equal the signed results"), False,
            _n("{n} cell differs: {listed}", "{n} cells differ: {listed}", len(bad))
            .format(n=len(bad), listed=_more(listed, len(bad) - MAX_LISTED)), "E905",
            f"{where} › {bad[0].sheet} › {bad[0].cell}")
    else:
        add("tables", _("tables equal the signed results"), True,
            _("{n} numbers, percentages, names and notes checked").format(n=len(expected)), "E905")
    tricks = display_problems(expected, snap)
    if tricks:
        listed = "; ".join(f"{t.sheet}{' › ' + t.cell if t.cell else ''}: {t.what}" for t in tricks[:MAX_LISTED])
        add("display", _("values print as stored"), False, _more(listed, len(tricks) - MAX_LISTED), "E905",
            f"{where} › {tricks[0].sheet}" + (f" › {tricks[0].cell}" if tricks[0].cell else ""))
    else:
        add("display", _("values print as stored"), True,
            _("no number formats, formulas, hidden rows, columns or sheets on the result cells"), "E905")

    _appearance_checks(add, where, data, snap)

    if recount is not None:
        _recount_checks(add, doc, data, recount)
    return FileReport(str(path), tuple(checks), sha, tuple(signers))


def _sidecar_checks(add: Callable[..., None], rs: ResultSet, data: bytes,
                    embedded: Sequence[tuple[EmbeddedSignature, _Sig]]) -> None:
    """Every signature file beside the workbook (tally.resultset names them) must verify
    over the signed results.json and belong to a signer whose signature the workbook holds:
    a sidecar is what an auditor with only OpenSSL checks, so it must never say more or
    other than the workbook. A file named like a signature that tally never writes fails."""
    for stray in rs.strays():
        add("sidecar-signature", stray.name, False,
            _("a file named like a signature that tally does not write: remove it or find out where it came from"),
            "E912", str(stray))
    for side in rs.sidecars():
        name = side.path.name
        of_kind = [(sig, res) for sig, res in embedded if sig.kind == side.kind and res.valid]
        if side.fp16 is None:
            owners = of_kind[:1]                         # the first signer of its kind (tally.sign)
        else:
            owners = [(sig, res) for sig, res in of_kind if res.fingerprint.startswith(side.fp16)]
        try:
            body = side.path.read_bytes()
        except OSError as exc:
            add("sidecar-signature", name, False, _("cannot read it: {reason}").format(reason=exc.strerror or exc),
                "E912", str(side.path))
            continue
        if not owners:
            add("sidecar-signature", name, False,
                _("no signature in the workbook is this file's signer: it does not belong to these results"),
                "E912", str(side.path))
            continue
        sig, owner = owners[0]
        if side.kind == "ed25519":
            ok = owner.public_key is not None and len(body) == 64
            # the owner's embedded signature verified over these bytes with this key: the same
            # 64 bytes verify again (Ed25519 verification is a function of key, signature, data)
            if ok and owner.public_key is not None and body != sig.signature:
                try:
                    owner.public_key.verify(body, data)
                except InvalidSignature:
                    ok = False
            why = "" if ok else _("does not verify over the signed results.json with the key of signer "
                                  "{fp}").format(fp=_short_fp(owner.fingerprint))
        else:
            result = check_cms(body, data)
            ok = result.valid and result.fingerprint == owner.fingerprint
            why = "" if ok else (result.reason if not result.valid else
                                 _("signed by another certificate than the workbook's signer {fp}")
                                 .format(fp=_short_fp(owner.fingerprint)))
        add("sidecar-signature", name, ok,
            _("verifies over the signed results.json (signer {fp})").format(fp=_short_fp(owner.fingerprint))
            if ok else why, "E912", str(side.path))


def describe_difference(d: Difference) -> str:
    """'btv › F23: text: the paper shows '2', signed '23''."""
    place = " › ".join(p for p in (d.sheet, d.cell) if p) or _("workbook")
    return _("{place}: {what}: the paper shows {shown}, signed {signed}").format(
        place=place, what=d.what, shown=_show(d.shown), signed=_show(d.signed))


def _appearance_checks(add: Callable[..., None], where: str, data: bytes, snap: Snapshot) -> None:
    """Fail closed: only what tally writes (E920), read one way by every program (E921),
    printing exactly as the minutes rebuilt from the signed results.json (E922)."""
    for code, id, name in (("E920", "package", _("only parts tally writes")),
                           ("E921", "structure", _("read the same by every program"))):
        found = [p for p in snap.problems if p.code == code]
        if found:
            listed = "; ".join(f"{p.part}: {p.what}" for p in found[:MAX_LISTED])
            add(id, name, False, _more(listed, len(found) - MAX_LISTED), code, f"{where} › {found[0].part}")
        else:
            add(id, name, True, _("nothing else in the package") if code == "E920" else
                _("no ambiguous cell, row or sheet"), code)
    try:
        diffs = appearance_differences(data, snap)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        add("appearance", _("prints as signed"), False,
            _("the minutes cannot be rebuilt from the signed results.json ({error})").format(error=type(exc).__name__),
            "E922", where)
        return
    if diffs:
        listed = "; ".join(describe_difference(d) for d in diffs[:MAX_LISTED])
        first = diffs[0]
        add("appearance", _("prints as signed"), False,
            _n("{n} difference from the minutes rebuilt from the signed results: {listed}",
               "{n} differences from the minutes rebuilt from the signed results: {listed}", len(diffs))
            .format(n=len(diffs), listed=_more(listed, len(diffs) - MAX_LISTED)), "E922",
            " › ".join(p for p in (where, first.sheet, first.cell) if p))
    else:
        add("appearance", _("prints as signed"), True,
            _("every visible sheet looks as the minutes rebuilt from the signed results: text, fonts, fills, "
              "rows, columns, merges, page setup, header and footer"), "E922")


def _check_cms_embedded(sig: EmbeddedSignature, data: bytes) -> _Sig:
    result = check_cms(sig.signature, data)
    if result.valid and result.certificate is not None \
            and result.certificate.public_bytes(serialization.Encoding.DER) != sig.signer:
        return _Sig(False, result.fingerprint, _("the certificate in the signature table is not the one "
                                                   "inside the CMS signature"))
    return result


def _show(value: object) -> str:
    if value is None:
        return _("(empty)")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:g}" if isinstance(value, float) else str(value)
    text = str(value).replace("\n", " ⏎ ")
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _recount_checks(add: Callable[..., None], doc: dict[str, Any], data: bytes, rc: Recount) -> None:
    signed_event = str(doc.get("event", {}).get("sha256", ""))
    ok = signed_event == rc.event_sha256
    add("event", _("event file"), ok,
        _("SHA-256 {sha}… equals the signed one").format(sha=group4(rc.event_sha256[:16])) if ok else
        _("{file} has SHA-256 {sha}…, the signed results name {signed}…: another or a changed event file")
        .format(file=rc.event_path, sha=group4(rc.event_sha256[:16]), signed=group4(signed_event[:16])),
        "E909", rc.event_path)
    signed_inputs = [(str(i.get("file", "")), str(i.get("sha256", ""))) for i in doc.get("inputs", [])]
    signed_hashes = {s for _f, s in signed_inputs}
    given_hashes = {s for _f, s in rc.inputs}
    unknown = [f for f, s in rc.inputs if s not in signed_hashes]
    missing = [f for f, s in signed_inputs if s not in given_hashes]
    ok = not unknown and not missing
    parts = []
    if unknown:
        parts.append(_("not among the signed inputs (changed?): {files}").format(files=", ".join(unknown)))
    if missing:
        parts.append(_("signed inputs not given: {files}").format(files=", ".join(missing)))
    add("inputs", _("ballot files"), ok,
        _n("{n} file, SHA-256 equal to the signed ones", "{n} files, SHA-256 equal to the signed ones",
           len(rc.inputs)).format(n=len(rc.inputs)) if ok
        else "; ".join(parts), "E909")
    if rc.results_json is None:
        shown = _more("; ".join(rc.problems[:3]), len(rc.problems) - 3)
        add("recount", _("re-count"), False, _("the ballot files cannot be counted: {problems}").format(problems=shown),
            "E910")
        return
    recounted = rc.results_json
    if recounted != data and ok:
        # The same bytes under other names, or in another order: count them as they were signed.
        recounted = _recount_as_signed(rc, signed_inputs) or recounted
    if recounted == data:
        add("recount", _("re-count"), True, _("gives byte-identical results.json"), "E910")
        return
    signed_doc, recounted_doc = json.loads(data), json.loads(recounted)
    found = _differences(signed_doc, recounted_doc)
    diffs = [f"{where}: {what}" for where, what in found]
    if found and all(where.startswith("tool") for where, _what in found):
        add("recount", _("re-count"), True, _("gives the same results (made with another tally version: {changes})")
            .format(changes="; ".join(diffs)), "E910")
        return
    said = _explained(signed_doc, recounted_doc) or diffs
    listed = _more("; ".join(said[:MAX_LISTED]), len(said) - MAX_LISTED)
    add("recount", _("re-count"), False, _("gives different results: {listed}").format(listed=listed), "E910")


# What a figure of results.json is, in words, for a re-count that differs.
_GROUP_FIGURES: Final = {
    "summoned": N_("summoned"), "present": N_("present"), "issued": N_("ballots issued"),
    "collected": N_("ballots collected"), "base": N_("percentage base"), "valid_ballots": N_("valid ballots"),
    "invalid_ballots": N_("invalid ballots"), "members": N_("members"), "quorum": N_("quorum"),
}
_PERSON_FIGURES: Final = {
    "valid": N_("valid votes"), "invalid": N_("invalid votes"), "high": N_("high confidence"),
    "medium": N_("confidence"), "low": N_("low confidence"), "high_pct": N_("high confidence %"),
    "medium_pct": N_("confidence %"), "low_pct": N_("low confidence %"), "flags": N_("flags"),
    "name": N_("name"), "positions": N_("positions"),
}


def _explained(signed: Any, recounted: Any) -> list[str]:
    """A re-count's differences in words: 'form btv, p03 Đinh Thị Lan Anh: low confidence 4 signed,
    5 re-counted'. Empty when the documents are not shaped as tally results (the JSON paths are
    then shown instead)."""
    try:
        out: list[str] = []
        new_groups = {g["id"]: g for g in recounted["groups"]}
        old_ids = [g["id"] for g in signed["groups"]]
        for gid in new_groups:
            if gid not in old_ids:
                out.append(_("form {group}: only in the re-count").format(group=gid))
        for g in signed["groups"]:
            r = new_groups.get(g["id"])
            if r is None:
                out.append(_("form {group}: only in the signed results").format(group=g["id"]))
                continue
            for key, label in _GROUP_FIGURES.items():
                if g.get(key) != r.get(key):
                    out.append(_("form {group}: {figure} {signed} signed, {recounted} re-counted").format(
                        group=g["id"], figure=_(label), signed=_shown(g.get(key)), recounted=_shown(r.get(key))))
            people = {p["id"]: p for p in r["persons"]}
            for person in g["persons"]:
                q = people.pop(person["id"], None)
                who = f"{person['id']} {person.get('name', '')}".strip()
                if q is None:
                    out.append(_("form {group}, {person}: only in the signed results").format(group=g["id"],
                                                                                           person=who))
                    continue
                for key, label in _PERSON_FIGURES.items():
                    if person.get(key) != q.get(key):
                        out.append(_("form {group}, {person}: {figure} {signed} signed, {recounted} re-counted")
                                   .format(group=g["id"], person=who, figure=_(label), signed=_shown(person.get(key)),
                                           recounted=_shown(q.get(key))))
            for q in people.values():
                out.append(_("form {group}, {person}: only in the re-count").format(
                    group=g["id"], person=f"{q['id']} {q.get('name', '')}".strip()))
            if g.get("invalid_entries") != r.get("invalid_entries"):
                out += _invalid_differences(g, r)
        old_event, new_event = signed.get("event") or {}, recounted.get("event") or {}
        for key in sorted(set(old_event) | set(new_event)):
            if old_event.get(key) != new_event.get(key):
                out.append(_("event.{key}: signed {signed}, re-counted {recounted}").format(
                    key=key, signed=_show(old_event.get(key)), recounted=_show(new_event.get(key))))
        if signed.get("inputs") != recounted.get("inputs"):
            out.append(_("the ballot files differ: {signed} signed, {recounted} re-counted").format(
                signed=_files(signed["inputs"]), recounted=_files(recounted["inputs"])))
        return out
    except (KeyError, TypeError, AttributeError):
        return []


def _files(inputs: list[dict[str, Any]]) -> str:
    return ", ".join(f"{i['file']} ({group4(str(i['sha256'])[:8])}…)" for i in inputs)


def _invalid_differences(signed: dict[str, Any], recounted: dict[str, Any]) -> list[str]:
    """How the invalid ballots and rows of a form differ, in words: which ballot, which person,
    what (the reason, the cell, the file it was read from), never a JSON path."""
    names = {p["id"]: f"{p['id']} {p.get('name', '')}".strip() for p in signed["persons"]}
    gid = signed["id"]

    def what(e: dict[str, Any]) -> str:
        if e.get("person") is None:
            return _("invalid ballot {ballot}").format(ballot=e.get("ballot"))
        return _("invalid row of {person} on ballot {ballot}").format(
            person=names.get(e["person"], e["person"]), ballot=e.get("ballot"))

    def key(e: dict[str, Any]) -> tuple[str, str]:
        return str(e.get("ballot")), str(e.get("person"))

    old = {key(e): e for e in signed.get("invalid_entries") or ()}
    new = {key(e): e for e in recounted.get("invalid_entries") or ()}
    out: list[str] = []
    files: dict[tuple[str, str], int] = {}       # (signed file, re-counted file) of entries alike but for it
    for k, e in old.items():
        q = new.get(k)
        if q is None:
            out.append(_("form {group}: {entry} only in the signed results").format(group=gid, entry=what(e)))
            continue
        if e.get("reason") != q.get("reason"):
            out.append(_("form {group}: {entry}: reason '{signed}' signed, '{recounted}' re-counted").format(
                group=gid, entry=what(e), signed=e.get("reason"), recounted=q.get("reason")))
        a, b = str(e.get("source", "")).split(" › "), str(q.get("source", "")).split(" › ")
        if a[1:] == b[1:] and a[:1] != b[:1]:
            files[(a[0], b[0])] = files.get((a[0], b[0]), 0) + 1
        elif a != b:
            out.append(_("form {group}: {entry}: read from {signed} signed, {recounted} re-counted").format(
                group=gid, entry=what(e), signed=e.get("source"), recounted=q.get("source")))
    for k, q in new.items():
        if k not in old:
            out.append(_("form {group}: {entry} only in the re-count").format(group=gid, entry=what(q)))
    for (first, second), n in files.items():
        out.append(_n("form {group}: {n} invalid ballot or row read from the file {signed} signed, {recounted} "
                      "re-counted (the same ballots and rows otherwise)",
                      "form {group}: {n} invalid ballots and rows read from the file {signed} signed, {recounted} "
                      "re-counted (the same ballots and rows otherwise)", n)
                   .format(group=gid, n=n, signed=first, recounted=second))
    return out


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _more(listed: str, more: int) -> str:
    """A list cut short, saying how much was left out."""
    return _("{listed} and {n} more").format(listed=listed, n=more) if more > 0 else listed


def _differences(signed: Any, recounted: Any, path: str = "") -> list[tuple[str, str]]:
    """Where two results.json documents differ: (JSON path, both values)."""
    if isinstance(signed, dict) and isinstance(recounted, dict):
        out: list[tuple[str, str]] = []
        for key in sorted(set(signed) | set(recounted)):
            sub = f"{path}.{key}" if path else str(key)
            if key not in signed or key not in recounted:
                out.append((sub, _("only in the re-count") if key in recounted else _("only in the signed results")))
            else:
                out += _differences(signed[key], recounted[key], sub)
        return out
    if isinstance(signed, list) and isinstance(recounted, list):
        if len(signed) != len(recounted):
            return [(path, _("{signed} signed, {recounted} re-counted").format(signed=len(signed),
                                                                              recounted=len(recounted)))]
        out = []
        for i, (a, b) in enumerate(zip(signed, recounted)):
            label = a.get("id") if isinstance(a, dict) and "id" in a else i
            out += _differences(a, b, f"{path}[{label}]")
        return out
    return [] if signed == recounted else [(path, _("signed {signed!r}, re-counted {recounted!r}")
                                            .format(signed=signed, recounted=recounted))]


# --- many files --------------------------------------------------------------------------


def load_anchors(sources: Sequence[str]) -> list[TrustAnchor]:
    anchors: list[TrustAnchor] = []
    for s in sources:
        anchors.extend(load_trust(s))
    return anchors


_WORKER_STATE: dict[str, Any] = {}

# How many files each worker must have before a pool of them pays (bench/bench_verify.py).
# One process verifies a copy of minutes it has seen in a few milliseconds. A forked worker
# starts in milliseconds with this process's memory; a spawned one (Windows, macOS, the frozen
# tally.exe) starts Python and imports tally again: half a second to a second before its first
# file, which it reads and rebuilds cold.
FILES_PER_WORKER: Final = {"fork": 32, "spawn": 500}


def _worker_init(trust: Sequence[str], require: int, recount: Recount | None, lang: str = "en") -> None:
    set_language(lang)  # a spawned worker starts in English; the reasons it writes are for the same reader
    _WORKER_STATE.update(anchors=load_anchors(trust), require=require, recount=recount, folders=Folders())


def _worker_verify(path: str) -> FileReport:
    return verify_file(path, _WORKER_STATE["anchors"], _WORKER_STATE["require"], _WORKER_STATE["recount"],
                       _WORKER_STATE["folders"])


def default_workers(files: int, fork: bool, cpus: int) -> int:
    """Processes for a batch: one for a few files, more (up to the cores, at most 8) when
    each has enough files to pay for its start (FILES_PER_WORKER)."""
    return max(1, min(cpus, 8, files // FILES_PER_WORKER["fork" if fork else "spawn"]))


def verify_files(paths: Sequence[str | Path], trust: Sequence[str], require: int = 1,
                 event: str | Path | None = None, ballots: Sequence[str | Path] = (),
                 progress: Callable[[int, int], None] | None = None, workers: int | None = None) -> Report:
    """Verify every file against the --trust arguments. Many files are spread over the
    machine's cores; the report keeps the order given."""
    anchors = load_anchors(trust)
    if require < 1:
        raise fail("E908", _("--require must be at least 1, not {require}")
                           .format(require=require), _("pass --require 1 or more"))
    recount = prepare_recount(event, ballots) if event is not None else None
    names = [str(p) for p in paths]
    import multiprocessing

    fork = "fork" in multiprocessing.get_all_start_methods()
    if workers is None:
        workers = default_workers(len(names), fork, os.cpu_count() or 1)
    reports: list[FileReport] = []
    folders = Folders()

    def done(report: FileReport) -> None:
        reports.append(report)
        if progress:
            progress(len(reports), len(names))

    if workers <= 1 or len(names) < 2:
        for name in names:
            done(verify_file(name, anchors, require, recount, folders))
    else:
        from concurrent.futures import ProcessPoolExecutor

        if fork:
            # The first file here: forked workers start with what it read and rebuilt (copies of
            # the same minutes then cost each worker no cold read and no rebuild).
            done(verify_file(names[0], anchors, require, recount, folders))
        ctx = multiprocessing.get_context("fork") if fork else None
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_worker_init,
                                 initargs=(list(trust), require, recount, language())) as pool:
            for report in pool.map(_worker_verify, names[len(reports):], chunksize=8):
                done(report)
    return Report(tuple(reports), require, tuple(anchors), recount is not None)
