"""One writer at a time for the result sets in a folder (tally.resultset).

`count` writes a whole result set and `sign` adds to one; two runs interleaving would leave
results.json from one beside results.xlsx from the other, lose a co-signer's signature, or
both find no results and both write "Wrote". So every run that looks at or writes a result
set first takes the folder's lock, and holds it until its set is committed: the second run
waits, then sees what the first wrote.

The lock is an OS lock on the hidden file ``.tally.lock`` in the folder: ``flock`` on Linux
and macOS (the second run sleeps in the system until the first lets go), ``msvcrt.locking``
on Windows (tried again every 50 ms). Either dies with its process: a run killed half-way
never blocks the next one. The file itself stays on Linux and macOS, where removing a lock
file another process waits on would let a third run in beside it; on Windows it is deleted
when released, which fails harmlessly while another run has it open.

This is what the filelock package did for tally, in a page: filelock 4 loads logging and
some forty modules of its own (about 20 ms of every count and sign) for features tally
never used (timeouts, re-entrance, leases, asyncio).
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import ModuleType

from ballots.errors import Location, fail
from ballots.i18n import _
from ballots.output import describe_write_error, refuse_symlink

LOCK_NAME = ".tally.lock"
POLL_SECONDS = 0.05        # Windows, and the last resort: how often a waiting run tries again
SOFT_WAIT_SECONDS = 120.0  # the last resort only: a lock file left by a killed run is never released


def _module(name: str) -> ModuleType | None:
    try:
        return __import__(name)
    except ImportError:
        return None


# flock where the system has it; Windows' byte-range lock; else (no system tally is built for,
# and the simulated Windows of tests/winsim, which has neither) the file's own existence
_fcntl = _module("fcntl")
_msvcrt = None if _fcntl is not None else _module("msvcrt")


def lock_path(target: str | Path) -> Path:
    """The lock file guarding the folder of `target` (e.g. results.xlsx)."""
    folder = Path(target).parent
    return (folder if str(folder) else Path(".")) / LOCK_NAME


@contextmanager
def output_lock(target: str | Path) -> Iterator[None]:
    """Hold the lock of the folder of `target` for the block; wait for it if needed."""
    path = lock_path(target)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fail("E602", _("cannot write in '{directory}': {reason}")
                           .format(directory=path.parent, reason=exc.strerror or exc),
                   _("check the folder exists and is writable"), Location(str(path.parent))) from None
    refuse_symlink(path)
    try:
        release = _acquire(path)
    except OSError as exc:
        raise describe_write_error(exc, path) from None
    try:
        yield
    finally:
        release()


def _acquire(path: Path) -> _Release:
    if _fcntl is not None:
        return _acquire_flock(path)
    if _msvcrt is not None:
        return _acquire_msvcrt(path)
    return _acquire_soft(path)


class _Release:
    """Let go of a lock once: unlock, close, and (Windows, last resort) delete the file."""

    def __init__(self, fd: int, path: Path, unlock: bool, delete: bool) -> None:
        self.fd, self.path, self.unlock, self.delete = fd, path, unlock, delete

    def __call__(self) -> None:
        try:
            if self.unlock and _fcntl is not None:
                _fcntl.flock(self.fd, _fcntl.LOCK_UN)
            elif self.unlock and _msvcrt is not None:
                with suppress(OSError):
                    os.lseek(self.fd, 0, os.SEEK_SET)
                    _msvcrt.locking(self.fd, _msvcrt.LK_UNLCK, 1)
        finally:
            os.close(self.fd)
            if self.delete:
                with suppress(OSError):      # another run has it open: it stays for that one
                    self.path.unlink()


def _open(path: Path, flags: int = 0) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | flags, 0o644)


def _acquire_flock(path: Path) -> _Release:
    assert _fcntl is not None
    while True:
        fd = _open(path)
        try:
            _fcntl.flock(fd, _fcntl.LOCK_EX)          # waits in the system; Ctrl-C still interrupts it
            if os.fstat(fd).st_nlink:
                return _Release(fd, path, unlock=True, delete=False)
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)      # the file was deleted while this run waited: lock the one now there


def _acquire_msvcrt(path: Path) -> _Release:
    assert _msvcrt is not None
    while True:
        fd = _open(path)
        try:
            _msvcrt.locking(fd, _msvcrt.LK_NBLCK, 1)   # the first byte, at the file's start
            return _Release(fd, path, unlock=True, delete=True)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EACCES, errno.EDEADLK):
                raise
        except BaseException:
            os.close(fd)
            raise
        time.sleep(POLL_SECONDS)


def _acquire_soft(path: Path) -> _Release:
    """The last resort: whoever creates the file holds the lock. A run killed while holding it
    leaves the file behind, so the wait is bounded and the message says what to do."""
    deadline = time.monotonic() + SOFT_WAIT_SECONDS
    while True:
        try:
            fd = _open(path, os.O_EXCL)
        except FileExistsError:
            if time.monotonic() > deadline:
                raise fail("E602", _("'{path}' is held by another run of tally").format(path=path),
                           _("wait for it to finish; if none is running, delete '{path}' and run the command "
                             "again").format(path=path), Location(str(path))) from None
            time.sleep(POLL_SECONDS)
            continue
        return _Release(fd, path, unlock=False, delete=True)
