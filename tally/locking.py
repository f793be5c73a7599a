"""One writer at a time for a results workbook and the files beside it.

Each file is written atomically (ballots.output.write_atomic), so a reader never sees half
of one; but `count` writes two files and `sign` several, and two runs interleaving them
could leave results.json from one run beside results.xlsx from the other, or lose a
co-signer's signature (two signers reading the same workbook, each adding their own).
An advisory lock on the folder that holds the workbook serialises such runs: the second
waits for the first and then writes all of its files. It leaves no file behind, and it
dies with its process, so a run killed half-way never blocks the next one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: a folder cannot be locked there; no lock
    fcntl = None  # type: ignore[assignment]


@contextmanager
def output_lock(target: str | Path) -> Iterator[None]:
    """Hold the lock of `target` (e.g. results.xlsx) for the block; wait for it if needed."""
    folder = Path(target).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        yield                     # a read-only folder: the writes themselves will say why
        return
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)              # releases the lock
