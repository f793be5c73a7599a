"""Simulated Windows for the tests (tests/test_windows_sim.py puts this folder first on
PYTHONPATH, so every Python process it starts, and their children, import it at start-up).

What Windows lacks or does differently, as far as tally's code could notice on Linux:
- no `resource`, `fcntl`, `termios` modules (an import fails, as it does on Windows);
- no `os.sysconf`; `os.link` fails (FAT32/exFAT USB sticks have no hard links);
- multiprocessing can only `spawn` (no fork);
- the console and redirected output use the ANSI code page cp1258 (Vietnamese Windows).
"""

import errno
import os
import sys

for _name in ("resource", "fcntl", "termios"):
    sys.modules[_name] = None  # type: ignore[assignment]   # `import resource` raises ImportError

for _name in ("sysconf", "sysconf_names"):
    if hasattr(os, _name):
        delattr(os, _name)


def _no_hard_links(src, dst, *args, **kwargs):
    raise OSError(errno.EPERM, "Incorrect function (simulated FAT32: no hard links)", str(dst))


os.link = _no_hard_links

import multiprocessing

multiprocessing.get_all_start_methods = lambda: ["spawn"]   # type: ignore[assignment]
multiprocessing.set_start_method("spawn", force=True)

for _stream in (sys.stdout, sys.stderr):
    if _stream is not None and hasattr(_stream, "reconfigure"):
        _stream.reconfigure(encoding="cp1258")
