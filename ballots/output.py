"""Atomic, refuse-to-clobber output.

A file is written to a temporary name in the same folder, flushed to disk and renamed
over the target in one step, so an interrupted run leaves either the old file or the new
one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ballots.errors import Location, fail
from ballots.i18n import _


def refuse_existing(paths: Sequence[str | Path], force: bool, *, results: bool = True) -> None:
    """E601 when one of `paths` exists and `force` was not given: the one check before any
    output is replaced. `results`: the files may be signed results (say so in the message)."""
    if force:
        return
    for path in map(Path, paths):
        if path.exists():
            message = _("'{path}' already exists and may be signed results") if results else _("'{path}' already exists")
            raise fail("E601", message.format(path=path),
                       _("choose another -o, or pass --force to replace it"), Location(str(path)))


def write_atomic(path: Path, data: bytes, mode: int = 0o644, *, exclusive: bool = False) -> None:
    """Write `data` to `path` so that a reader sees the old file or the new one, never half.

    The bytes go to a temporary file in the same folder (created 0600, so a private key is
    never readable in between), are flushed to disk, get `mode`, and are renamed over the
    target in one step. With `exclusive`, the target must not exist, even if it appears
    meanwhile (a hard link never replaces): used for keys, which are never overwritten.
    A symbolic link is followed: its target is replaced, the link stays.
    """
    path = Path(os.path.realpath(path)) if Path(path).is_symlink() else Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise fail("E602", _("cannot write in '{directory}': {reason}")
                           .format(directory=directory, reason=exc.strerror or exc),
                   _("check the folder exists and is writable"), Location(str(path))) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if exclusive:
            os.link(tmp, path)
            os.unlink(tmp)
        else:
            os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, FileExistsError):
            raise fail("E601", _("'{path}' already exists").format(path=path), _("choose another name"),
                       Location(str(path))) from None
        if isinstance(exc, OSError):
            raise fail("E602", _("cannot write '{path}': {reason}").format(path=path, reason=exc.strerror or exc),
                       _("check the disk space and permissions"), Location(str(path))) from None
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
