"""ballots.errors.shell_word: a path in a hint's command, pasted into bash, cmd.exe or PowerShell.

bash is run for real; cmd.exe and PowerShell are not on this machine, so their reading of one
argument is modelled below from their documented rules (cmd: %NAME% first, then ^ and the
operators outside double quotes, then the C runtime's argv; PowerShell: single-quoted strings
literal with a quote doubled, double-quoted ones expanding $ and `, a bare word ending at its
operators). For each class of character: the shells that must read the path exactly, and in
every shell nothing may run.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from ballots.errors import shell_word


class Ran(Exception):
    """The shell would run, expand or redirect something: the word is not safe to paste."""


PS_SINGLE = "'\u2018\u2019\u201a\u201b"
PS_DOUBLE = '"\u201c\u201d\u201e'


def powershell_reads(word: str) -> list[str]:
    """The arguments PowerShell passes a native command for `word`."""
    if word[:1] in PS_SINGLE or word[:1] in PS_DOUBLE:
        quotes = PS_SINGLE if word[0] in PS_SINGLE else PS_DOUBLE
        out: list[str] = []
        i = 1
        while i < len(word):
            c = word[i]
            if quotes is PS_DOUBLE and (c == "`" or (c == "$" and i + 1 < len(word)
                                                      and (word[i + 1].isalnum() or word[i + 1] in "_{(?^$:"))):
                raise Ran(word)
            if c in quotes:
                if i + 1 < len(word) and word[i + 1] in quotes:
                    out.append(c)
                    i += 2
                    continue
                if i != len(word) - 1:
                    raise Ran(f"text after the closing quote: {word}")
                return ["".join(out)]
            out.append(c)
            i += 1
        raise Ran(f"unterminated: {word}")
    if word[:1] in "@#" or re.search(r"[$`,;&|<>(){}]", word) or any(c in word for c in PS_SINGLE + PS_DOUBLE):
        raise Ran(word)
    return word.split()


def cmd_reads(word: str, env: dict[str, str]) -> list[str]:
    """The argv a program started from cmd.exe's prompt gets for `word`."""
    expanded = re.sub(r"%([^%]+)%", lambda m: env.get(m.group(1).upper(), m.group(0)), word)
    args: list[str] = [""]
    quoted, i = False, 0
    while i < len(expanded):
        c = expanded[i]
        if c == '"':
            quoted = not quoted          # the C runtime drops the quotes
        elif not quoted and c == "^":
            i += 1
            args[-1] += expanded[i:i + 1]
        elif not quoted and c in "&|<>":
            raise Ran(word)
        elif not quoted and c in " \t":
            args.append("")
        else:
            args[-1] += c
        i += 1
    return [a for a in args if a]


def bash_reads(word: str, cwd: Path) -> list[str]:
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", f"printf '%s\\0' {word}"], cwd=cwd,
                          capture_output=True, check=False, timeout=30)
    assert proc.returncode == 0, proc.stderr
    if any(cwd.iterdir()):
        raise Ran(f"{word} made {sorted(p.name for p in cwd.iterdir())}")
    return proc.stdout.decode("utf-8").split("\0")[:-1]


ENV = {"USERPROFILE": r"C:\Users\Thư ký & Co", "PATH": r"C:\Program Files (x86)\x;C:\y"}
ALL = {"bash", "cmd", "powershell"}

# (path, the shells that read it exactly): every shell reads it without running anything
CLASSES = [
    ("Biên_bản/kết-quả.xlsx", ALL),                              # letters of any script, . / _ -
    (r"C:\kiem\event.toml", ALL),                               # bash's escape
    (r"\\máy-chủ\Kiểm phiếu\x.xlsx", {"cmd", "powershell"}),       # two backslashes: bash reads one
    ("Kiểm phiếu 2023/event.toml", ALL),                         # spaces
    ("Lê & Trần | Hà (1) <a> ^b.xlsx", ALL),                    # cmd's operators
    ("a,b;c@d{e}#f [1].xlsx", ALL),                              # PowerShell's , ; @ { } # [ ]
    ("@phiếu.xlsx", ALL),                                        # splatting at the start
    ("#1.xlsx", ALL),                                            # a comment at the start
    ("it's Hoa's.xlsx", ALL),                                    # a single quote
    ("‘Kiểm’ phiếu.xlsx", ALL),                                  # PowerShell's other single quotes
    ("100% ý kiến.xlsx", ALL),
    ("%USERPROFILE%/x.xlsx", {"bash", "powershell"}),            # cmd reads the variable, in one word
    ("$(touch ran) $HOME ${x}.xlsx", {"bash", "powershell"}),   # $: bash and PowerShell expand it
    ("`touch ran`.xlsx", {"bash", "powershell"}),                # a backtick: bash runs it, PowerShell escapes
    ("Quan trọng!.xlsx", {"bash", "powershell"}),                # bash's history
    ("“Kiểm” phiếu.xlsx", {"bash", "powershell"}),                # PowerShell ends a "..." there
    ("it's $x.xlsx", {"powershell"}),                            # $ and a single quote: bash drops the quote
    ("$(touch ran) & calc.xlsx", set()),                         # $ and cmd's operators: read exactly nowhere
    ("tab\there.xlsx", set()),                                   # a control character: never a command's end
]


@pytest.mark.parametrize(("path", "exact"), CLASSES, ids=[c[0] for c in CLASSES])
def test_a_path_pastes_safely_in_every_shell(path: str, exact: set[str], tmp_path: Path) -> None:
    word = shell_word(path)
    read = {"bash": bash_reads(word, tmp_path), "cmd": cmd_reads(word, ENV), "powershell": powershell_reads(word)}
    for shell, args in read.items():
        assert (args == [path]) is (shell in exact), (shell, word, args)
        if shell != "cmd" or " " not in path:
            assert len(args) == 1, (shell, word, args)     # one word (cmd splits only a name in single quotes)


def test_a_plain_path_is_left_as_it_is() -> None:
    for plain in ("out/entry-1.xlsx", "ev/event.toml", "C:/kiem/event.toml", "~/x.toml", "a+b=c.toml"):
        assert shell_word(plain) == plain
    for path in ("a,b.xlsx", "@x.xlsx", "50%.xlsx", r"C:\kiem\event.toml"):
        assert shell_word(path) == f'"{path}"'
