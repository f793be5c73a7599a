"""Progress on long work (cli_support.progress_bar): a rich progress bar on a terminal,
nothing extra when the output is piped or with --quiet; every command ends with a
one-line summary of what it wrote and where."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLES, run_tally, tally_cmd

HIDE_CURSOR = "\x1b[?25l"     # what rich writes when a live progress display starts


def run_with_terminal_stderr(*args: str | Path) -> tuple[int, str, str]:
    """The command with stderr on a pseudo-terminal (as in a terminal window), stdout piped."""
    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120")
    env.pop("TALLY_DEBUG", None)
    proc = subprocess.Popen([*tally_cmd(), *map(str, args)], stdout=subprocess.PIPE, stderr=slave,
                            stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:   # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    stdout = proc.stdout.read().decode("utf-8") if proc.stdout else ""
    code = proc.wait(timeout=300)
    return code, stdout, b"".join(chunks).decode("utf-8", "replace")


pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


def test_progress_bar_on_a_terminal() -> None:
    code, stdout, terminal = run_with_terminal_stderr("check", SAMPLES / "event.toml", SAMPLES / "ballots.xlsx")
    assert code == 0
    assert HIDE_CURSOR in terminal, repr(terminal[:500])
    assert "\x1b" not in stdout and "Ready to count" in stdout   # stdout is piped: plain text


def test_nothing_extra_when_piped() -> None:
    proc = run_tally("check", SAMPLES / "event.toml", SAMPLES / "ballots.xlsx")
    assert proc.returncode == 0
    assert "\x1b" not in proc.stdout + proc.stderr and "━" not in proc.stderr
    assert proc.stderr == ""


def test_nothing_extra_with_quiet_even_on_a_terminal() -> None:
    code, stdout, terminal = run_with_terminal_stderr("--quiet", "count", SAMPLES / "event.toml",
                                                      SAMPLES / "ballots.xlsx")
    assert code == 0
    assert HIDE_CURSOR not in terminal and "━" not in terminal
    # --quiet leaves out the tables: only the closing line (and problems, of which there are none)
    assert stdout.strip().splitlines() == ["Nothing written: pass -o results.xlsx to write the minutes."]


def test_verify_many_files_shows_progress(sample: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.xlsx"
    assert run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "-o", out).returncode == 0
    code, stdout, terminal = run_with_terminal_stderr("verify", out, out, "--trust", "0" * 64)
    assert code == 9 and HIDE_CURSOR in terminal
    assert "Not verified: 2 of 2 files failed a check; nothing written." in stdout


@pytest.mark.parametrize("args, last", [
    (("check", "{s}/event.toml", "{s}/ballots.xlsx"), "✓ Ready to count: 67 ballots in 2 forms. Nothing was written."),
    (("count", "{s}/event.toml", "{s}/ballots.xlsx", "-o", "{t}/r.xlsx"), "✓ Wrote {t}/r.xlsx and {t}/r.json"),
    (("ballots", "{s}/event.toml", "-o", "{t}/b.xlsx"), "✓ Wrote {t}/b.xlsx: 2 ballot forms"),
    (("template", "{s}/event.toml", "-o", "{t}/e.xlsx"), "✓ Wrote {t}/e.xlsx: one sheet per group"),
    (("show", "{s}/event.toml"), "{s}/event.toml: 3 positions, 8 persons, 2 groups; 0 errors, 0 warnings"),
])
def test_every_command_ends_with_a_one_line_summary(args: tuple[str, ...], last: str, sample: Path,
                                                     tmp_path: Path) -> None:
    fill = {"s": str(sample), "t": str(tmp_path)}
    proc = run_tally(*(a.format(**fill) for a in args))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == last.format(**fill)
