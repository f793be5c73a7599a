"""One writer at a time for the result sets in a folder (tally.resultset).

`count` writes a whole result set and `sign` adds to one; two runs interleaving would leave
results.json from one beside results.xlsx from the other, lose a co-signer's signature, or
both find no results and both write "Wrote". So every run that looks at or writes a result
set first takes the folder's lock, and holds it until its set is committed: the second run
waits, then sees what the first wrote.

The lock is the `filelock` package's (an OS lock on the hidden file ``.tally.lock`` in the
folder: fcntl on Linux and macOS, msvcrt on Windows), so it works on every system tally
runs on, and it dies with its process: a run killed half-way never blocks the next one.
The file itself stays (on Windows it is deleted when released): removing a lock file
another process may be waiting on would let a third run in beside it.

filelock is imported when a lock is taken: it loads logging and a dozen modules of its own
(10-20 ms), which `tally check`, and every run that writes nothing, does not need.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ballots.errors import Location, fail
from ballots.i18n import _
from ballots.output import describe_write_error, refuse_symlink

LOCK_NAME = ".tally.lock"


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
    from filelock import FileLock

    lock = FileLock(path, mode=0o644)
    try:
        lock.acquire()
    except OSError as exc:
        raise describe_write_error(exc, path) from None
    try:
        yield
    finally:
        lock.release()
