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


def refuse_existing(paths: Sequence[Path], force: bool) -> None:
    if force:
        return
    for path in paths:
        if path.exists():
            raise fail("E601", f"'{path}' already exists and may be signed results",
                       "choose another -o, or pass --force to replace it", Location(str(path)))


def write_atomic(path: Path, data: bytes) -> None:
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise fail("E602", f"cannot write in '{directory}': {exc.strerror or exc}",
                   "check the folder exists and is writable", Location(str(path))) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise fail("E602", f"cannot write '{path}': {exc.strerror or exc}",
                       "check the disk space and permissions", Location(str(path))) from None
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
