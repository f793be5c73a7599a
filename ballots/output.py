"""Atomic, refuse-to-clobber output.

A file is written to a temporary name in the same folder, flushed to disk and renamed
over the target in one step, so an interrupted run leaves either the old file or the new
one, never half of one. New files are created with ``O_CREAT | O_EXCL`` (never a hard
link: FAT32 and exFAT, the file systems of USB sticks, have none), so a file that must
not exist yet is never replaced, even if it appears meanwhile.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Sequence
from pathlib import Path

from ballots.errors import Location, TallyError, fail
from ballots.i18n import _

ON_WINDOWS = os.name == "nt"
# Windows' "sharing violation" and "lock violation": another program (Excel) holds the file open
_WINERROR_HELD = (32, 33)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def require_xlsx(path: str | Path, hint: str | None = None) -> None:
    """E002 unless `path` names an .xlsx workbook: the file written is one, and a name that
    says otherwise (results.pdf, a bare 'minutes') misleads whoever opens it; for the minutes
    the results.json beside it is named after it, so a wrong name could replace another pair's."""
    require_suffix(path, ".xlsx", _("the output '{path}' must end in .xlsx: an Excel workbook is written"),
                   hint or _("write -o {suggestion}; to make a PDF, open the workbook and print it to PDF"))


def require_suffix(path: str | Path, suffix: str, message: str, hint: str) -> None:
    """E002 unless `path` ends in `suffix` (any case): every file tally writes is named for
    what it is. `message` and `hint` are translated texts with {path} and {suggestion}."""
    path = Path(path)
    if path.suffix.lower() != suffix:
        suggestion = path.with_suffix(suffix) if path.suffix else Path(f"{path}{suffix}")
        raise fail("E002", message.format(path=path), hint.format(suggestion=suggestion), Location(str(path)))


def refuse_existing(paths: Sequence[str | Path], force: bool, *, results: bool = True) -> None:
    """E601 when one of `paths` exists and `force` was not given: the one check before any
    output is replaced. `results`: the files may be signed results (say so in the message)."""
    if force:
        return
    for path in map(Path, paths):
        if path.exists() or path.is_symlink():
            message = _("'{path}' already exists and may be signed results") if results else _("'{path}' already exists")
            raise fail("E601", message.format(path=path),
                       _("choose another -o, or pass --force to replace it"), Location(str(path)))


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: the same path once resolved (any spelling, case on
    Windows), or the same file id (a hard link). A file id of 0 is no id: Windows gives it
    for every file on some network and cloud drives (WebDAV, sshfs-win, Google Drive), where
    any two files would otherwise be one (python/cpython#78116). False when either cannot be
    looked at."""
    try:
        if os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b)):
            return os.path.exists(a)
        sa, sb = os.stat(a), os.stat(b)
    except (OSError, ValueError):
        return False
    return sa.st_ino != 0 and sa.st_dev != 0 and os.path.samestat(sa, sb)


def refuse_input_as_output(outputs: Sequence[str | Path], inputs: Sequence[str | Path]) -> None:
    """E604 when an output would replace one of the command's own input files, --force or not:
    `tally count event.toml entry.xlsx -o entry.xlsx --force` replaced the typed ballots with the
    minutes counted from them."""
    for output in map(Path, outputs):
        for given in map(Path, inputs):
            if same_file(output, given):
                raise fail("E604", _("'{output}' is also an input of this command ({given}): writing there would "
                                     "destroy it").format(output=output, given=given),
                           _("choose another -o (--force never replaces an input)"), Location(str(output)))


def refuse_symlink(path: Path) -> None:
    """E603 when `path` is a symbolic link: results and keys are never written through one."""
    if path.is_symlink():
        raise fail("E603", _("'{path}' is a symbolic link; tally does not write results or keys through one")
                           .format(path=path),
                   _("remove the link, or write to the real file's folder"), Location(str(path)))


def held_by_another_program(exc: OSError) -> bool:
    """A file that cannot be replaced because a program (Excel, most likely) has it open."""
    return getattr(exc, "winerror", None) in _WINERROR_HELD or (ON_WINDOWS and isinstance(exc, PermissionError))


def describe_write_error(exc: OSError, path: Path) -> TallyError:
    """A coded error (E602) for a failed write, with the hint that fits the cause."""
    if held_by_another_program(exc):
        return fail("E602", _("cannot replace '{path}': another program has it open").format(path=path),
                    _("close it in Excel (or the program showing it) and run the command again"),
                    Location(str(path)))
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        hint = _("free some disk space and run the command again; nothing was replaced")
    else:
        hint = _("check the disk space and permissions")
    return fail("E602", _("cannot write '{path}': {reason}").format(path=path, reason=reason), hint,
                Location(str(path)))


def fsync_folder(directory: Path) -> None:
    """Make renames and new names in `directory` durable (where the system allows it)."""
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return                      # Windows: a folder cannot be opened; its renames are durable
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def write_new_file(path: Path, data: bytes, mode: int = 0o644, *, shown: Path | None = None) -> None:
    """Create `path`, which must not exist (E601; a symbolic link there: E603), with
    `mode` from the start, write `data` and flush it to disk. On any failure the file is
    deleted again. `shown` is the name used in messages (the target of a temporary)."""
    name = shown or path
    if path.is_symlink():
        refuse_symlink(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _BINARY, mode)
    except FileExistsError:
        raise fail("E601", _("'{path}' already exists").format(path=name), _("choose another name"),
                   Location(str(name))) from None
    except OSError as exc:
        raise describe_write_error(exc, name) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if not ON_WINDOWS:
            os.chmod(path, mode)    # the umask may have taken bits away
    except BaseException as exc:
        _abandon(path, exc, name)
        raise


def _abandon(partial: Path, exc: BaseException, shown: Path) -> None:
    """A write failed: delete the partial file; an OS error becomes the coded message naming
    `shown` (the caller re-raises anything else, Ctrl-C included)."""
    try:
        os.unlink(partial)
    except OSError:
        pass
    if isinstance(exc, OSError):
        raise describe_write_error(exc, shown) from None


def write_atomic(path: Path, data: bytes, mode: int = 0o644, *, exclusive: bool = False) -> None:
    """Write `data` to `path` so that a reader sees the old file or the new one, never half.

    The bytes go to a temporary file in the same folder (created 0600, so a private key is
    never readable in between), are flushed to disk, get `mode`, and are renamed over the
    target in one step. With `exclusive`, the target must not exist and is created in
    place with ``O_EXCL`` (for keys, which are never overwritten; a run killed while
    writing leaves a truncated file that tally reports as such, never a replaced one).
    A symbolic link is followed (its target is replaced, the link stays), except with
    `exclusive`, which refuses it.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail("E602", _("cannot write in '{directory}': {reason}")
                           .format(directory=directory, reason=exc.strerror or exc),
                   _("check the folder exists and is writable"), Location(str(path))) from None
    if exclusive:
        write_new_file(path, data, mode)
        fsync_folder(directory)
        return
    if path.is_symlink():
        path = Path(os.path.realpath(path))
        directory = path.parent
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    write_new_file(tmp, data, 0o600, shown=path)
    try:
        if not ON_WINDOWS:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as exc:
        _abandon(tmp, exc, path)
        raise
    fsync_folder(directory)
