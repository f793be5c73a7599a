"""A result set: the files `tally count` and `tally sign` write for one minutes workbook.

This is the one module that knows their names; everyone else asks it. For ``results.xlsx``:

* ``results.xlsx`` — the minutes, with results.json and every signature embedded;
* ``results.json`` — the signed object (SPEC §7);
* ``results.json.sig`` — the first Ed25519 signer's raw signature, and
  ``results.json.<fp16>.sig`` every Ed25519 signer's (``fp16``: the first 16 hex digits
  of the key's fingerprint);
* ``results.json.p7s`` — the first certificate signer's detached CMS signature, and
  ``results.json.<fp16>.p7s`` every certificate signer's.

The set is replaced as a unit (:func:`commit`): after a kill, a crash or a full disk the
folder holds the whole old set or the whole new set, once the next run of tally in that
folder has finished what the interrupted one committed to (see :func:`recover`). While a
run is writing, two hidden kinds of file exist beside the set:

* ``.results.xlsx.<random>.new`` (and so on for each member) — a new member, complete
  and flushed to disk, waiting to be renamed over the old one;
* ``.results.xlsx.commit`` — the journal: written (atomically) only once every new
  member is on disk, it lists which new file replaces which member and which old
  signature files go. Its presence is the commit point: a run that stops before it
  leaves the old set (its ``.new`` files are deleted by the next run); a run that stops
  after it leaves a set the next run completes by redoing the renames it lists.

An auditor's folder after any completed run therefore holds the set's files and
nothing else but ``.tally.lock`` (the folder lock, :mod:`tally.locking`).
"""

from __future__ import annotations

import bisect
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ballots.errors import Location, TallyError, fail
from ballots.i18n import _
from ballots.output import (
    describe_write_error,
    fsync_folder,
    refuse_symlink,
    write_new_file,
)

Kind = Literal["ed25519", "cms"]
SIDECAR_EXT: dict[Kind, str] = {"ed25519": "sig", "cms": "p7s"}
JOURNAL_SCHEMA = "tally-commit/1"


@dataclass(frozen=True)
class Sidecar:
    path: Path
    kind: Kind
    fp16: str | None           # None: the first signer's file (results.json.sig / .p7s)


# What follows a set's own names in the names of its signature files and temporary files
# (one pattern for every set: a batch of a thousand sets compiles no pattern per set).
_SIDECAR_TAIL = re.compile(r"\.(?:([0-9a-f]{16})\.)?(sig|p7s)")
_TEMP_TAIL = re.compile(r"(?:\.[0-9a-f]{16})?(?:\.sig|\.p7s)?\.[0-9a-f]{12}\.new")
_JOURNAL_TAIL = re.compile(r"\.commit\.[0-9a-f]{12}\.new")

# Names as the folder's file system compares them: Windows (NTFS, FAT) ignores case, and so
# does pathlib's glob there, which these listings replace.
_fold = str.lower if os.name == "nt" else str


class Listing:
    """The names in one folder, listed once. A result set asks which names begin with its
    own (its signature files, its leftovers); a batch of a thousand sets in one folder then
    lists it once and answers each set by bisection, instead of seven globs of the whole
    folder per set."""

    def __init__(self, folder: Path) -> None:
        try:
            names = os.listdir(folder)
        except OSError:
            names = []
        pairs = sorted((_fold(n), n) for n in names)
        self._keys = [k for k, _n in pairs]
        self._names = [n for _k, n in pairs]

    def starting(self, prefix: str) -> list[str]:
        """The names that begin with `prefix` (as the file system compares names)."""
        key = _fold(prefix)
        i = bisect.bisect_left(self._keys, key)
        out = []
        while i < len(self._keys) and self._keys[i].startswith(key):
            out.append(self._names[i])
            i += 1
        return out


class Folders:
    """The folders of a batch, each listed once; a folder that a recovery changed is listed
    again when next asked."""

    def __init__(self) -> None:
        self._listed: dict[Path, Listing] = {}

    def result_set(self, xlsx: str | Path) -> ResultSet:
        xlsx = Path(xlsx)
        listing = self._listed.get(xlsx.parent)
        if listing is None:
            listing = self._listed[xlsx.parent] = Listing(xlsx.parent)
        return ResultSet(xlsx, listing)

    def changed(self, folder: Path) -> None:
        self._listed.pop(folder, None)


@dataclass(frozen=True)
class ResultSet:
    """The files of the result set whose minutes are `xlsx`. `listing`, when given, is the
    folder as listed earlier (tally.verify lists a batch's folders once); without one the
    folder is listed when asked."""

    xlsx: Path
    listing: Listing | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, xlsx: str | Path, listing: Listing | None = None) -> ResultSet:
        return cls(Path(xlsx), listing)

    def _starting(self, prefix: str) -> list[str]:
        return (self.listing or Listing(self.folder)).starting(prefix)

    @property
    def folder(self) -> Path:
        return self.xlsx.parent

    @property
    def json(self) -> Path:
        return self.xlsx.with_suffix(".json")

    @property
    def journal(self) -> Path:
        return self.folder / f".{self.xlsx.name}.commit"

    def sidecar_paths(self, kind: Kind, fingerprint: str) -> tuple[Path, Path]:
        """(the first signer's file, this signer's own file) of a signer of `kind`."""
        ext = SIDECAR_EXT[kind]
        name = self.json.name
        fp16 = fingerprint.replace(" ", "")[:16]
        return self.folder / f"{name}.{ext}", self.folder / f"{name}.{fp16}.{ext}"

    def parse_sidecar(self, path: Path) -> Sidecar | None:
        base = self.json.name
        name = path.name
        m = _SIDECAR_TAIL.fullmatch(name, len(base)) if name.startswith(base) else None
        if m is None:
            return None
        return Sidecar(path, "ed25519" if m.group(2) == "sig" else "cms", m.group(1))

    def _signature_like(self) -> list[Path]:
        """Every name the globs ``results.json*.sig`` and ``results.json*.p7s`` find."""
        return [self.folder / n for n in self._starting(self.json.name) if _fold(n).endswith((".sig", ".p7s"))]

    def strays(self) -> list[Path]:
        """Files named like signatures of this set (``results.json.*.sig``/``.p7s``) that
        tally never writes: verification fails on them rather than pass them over."""
        return sorted({p for p in self._signature_like() if self.parse_sidecar(p) is None})

    def sidecars(self) -> list[Sidecar]:
        """Every signature file of this set present in the folder, sorted by name."""
        found = [s for s in map(self.parse_sidecar, self._signature_like()) if s is not None]
        return sorted(set(found), key=lambda s: s.path.name)

    def members(self) -> list[Path]:
        """The set's files present now: the workbook, results.json, the signature files."""
        return [p for p in (self.xlsx, self.json) if p.exists()] + [s.path for s in self.sidecars()]

    def is_member_name(self, name: str) -> bool:
        return name in (self.xlsx.name, self.json.name) or self.parse_sidecar(self.folder / name) is not None

    def is_temporary_name(self, name: str) -> bool:
        """A name tally gives a member's new bytes, or the journal's, before they take its place
        (``.results.json.1a2b3c4d5e6f.new``, ``.results.xlsx.commit.1a2b3c4d5e6f.new``)."""
        for member, tail in ((self.xlsx.name, _TEMP_TAIL), (self.json.name, _TEMP_TAIL),
                             (self.xlsx.name, _JOURNAL_TAIL)):
            if name.startswith(f".{member}") and tail.fullmatch(name, len(member) + 1):
                return True
        return False

    def temporaries(self) -> list[Path]:
        """Leftover temporary files of this set (from a run that stopped before committing)."""
        names = {n for member in (self.xlsx.name, self.json.name) for n in self._starting("." + member)}
        return sorted(self.folder / n for n in names if self.is_temporary_name(n))


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(6)}.new")


# --- committing ------------------------------------------------------------------------


def refuse_links(paths: Iterable[Path]) -> None:
    """A coded refusal (E603) for any result file that is a symbolic link: tally never
    writes through one (it could point at any file the user can write)."""
    for p in paths:
        refuse_symlink(p)


def commit(rs: ResultSet, writes: Sequence[tuple[Path, bytes | Callable[[], bytes]]],
           remove: Sequence[Path] = ()) -> None:
    """Replace members of `rs` by `writes` and delete `remove`, as one unit. A body may be a
    function giving the bytes, asked for when that member is written (the minutes being
    compressed while results.json is written).

    Call with the folder lock held (tally.locking.output_lock) and after :func:`recover`.
    Every new member is written to a temporary name and flushed first: a failure there
    (full disk, permissions, a file held open by Excel) deletes them and leaves the old
    set untouched. Then the journal is written and the renames follow; a failure after
    the journal leaves it in place for the next run to finish (said in the error).
    """
    targets = [p for p, _body in writes]
    for p in [*targets, *remove]:
        if p.parent != rs.folder or not rs.is_member_name(p.name):
            raise ValueError(f"{p} is not a member of the result set of {rs.xlsx}")
    refuse_links([*targets, *remove])
    temps: list[tuple[Path, Path]] = []
    try:
        for target, body in writes:
            _check_replaceable(target)
            tmp = _temp_name(target)
            temps.append((tmp, target))
            write_new_file(tmp, body() if callable(body) else body, 0o644, shown=target)
        for p in remove:
            _check_replaceable(p)
        journal: dict[str, object] = {
            "schema": JOURNAL_SCHEMA,
            "replace": [[tmp.name, target.name] for tmp, target in temps],
            "remove": [p.name for p in remove],
        }
        jtmp = rs.journal.with_name(f"{rs.journal.name}.{secrets.token_hex(6)}.new")
        temps.append((jtmp, rs.journal))
        write_new_file(jtmp, (json.dumps(journal, indent=1) + "\n").encode("utf-8"), 0o644, shown=rs.journal)
        fsync_folder(rs.folder)
        os.replace(jtmp, rs.journal)             # the commit point
    except BaseException as exc:
        for tmp, _target in temps:
            try:
                tmp.unlink()
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise describe_write_error(exc, rs.journal) from None
        raise
    fsync_folder(rs.folder)
    _apply(rs, journal)


def _check_replaceable(path: Path) -> None:
    """On Windows a file open in Excel can be neither replaced nor deleted: find out
    before committing, so the old set stays whole and the message says to close it."""
    if not path.exists():
        return
    try:
        os.close(os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0)))
    except OSError as exc:
        raise describe_write_error(exc, path) from None


def _apply(rs: ResultSet, journal: dict[str, object]) -> None:
    """Do what a journal says (again: every step may already be done), then drop it."""
    replace = journal.get("replace")
    remove = journal.get("remove")
    assert isinstance(replace, list) and isinstance(remove, list)
    try:
        for tmp_name, target_name in replace:
            tmp = rs.folder / tmp_name
            if tmp.exists():
                os.replace(tmp, rs.folder / target_name)
        for name in remove:
            (rs.folder / name).unlink(missing_ok=True)
        fsync_folder(rs.folder)
        rs.journal.unlink()
        fsync_folder(rs.folder)
    except OSError as exc:
        err = describe_write_error(exc, rs.xlsx)
        d = err.diagnostics[0]
        raise fail(d.code, _("the new results are only partly in place ({reason})").format(reason=d.message),
                   _("{hint}; then run tally again in this folder: it finishes replacing them")
                   .format(hint=d.hint), Location(str(rs.xlsx))) from None


def _read_journal(rs: ResultSet) -> dict[str, object] | None:
    """The journal if it is one tally wrote for this set; None if it is unusable."""
    try:
        doc = json.loads(rs.journal.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("schema") != JOURNAL_SCHEMA:
        return None
    replace, remove = doc.get("replace"), doc.get("remove")
    if not isinstance(replace, list) or not isinstance(remove, list):
        return None
    for pair in replace:
        if (not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(x, str) for x in pair)
                or not rs.is_temporary_name(pair[0]) or not rs.is_member_name(pair[1])):
            return None
    if not all(isinstance(n, str) and rs.is_member_name(n) for n in remove):
        return None
    return doc


def needs_recovery(rs: ResultSet) -> bool:
    return rs.journal.exists() or bool(rs.temporaries())


def recover(rs: ResultSet) -> bool:
    """Finish a commit a stopped run left (its journal), and delete the temporary files of
    a run that stopped before committing. Call with the folder lock held. True if there
    was anything to do."""
    did = False
    if rs.journal.exists() or rs.journal.is_symlink():
        journal = _read_journal(rs)
        if journal is not None:
            _apply(rs, journal)
        else:                      # not one tally could have written: it commits nothing
            try:
                rs.journal.unlink()
            except OSError as exc:
                raise describe_write_error(exc, rs.journal) from None
        did = True
    for tmp in rs.temporaries():
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise describe_write_error(exc, tmp) from None
        did = True
    return did


__all__ = ["Folders", "Listing", "ResultSet", "Sidecar", "TallyError", "commit", "needs_recovery", "recover", "refuse_links"]
