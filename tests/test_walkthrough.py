"""The committee's night as the README and both guides tell it, run as written.

For each document (README.md's walkthrough and its section for auditors, docs/en/guide.md,
docs/vi/huong-dan.md) every ```bash block runs, in order, with `bash -e`, in an empty folder:
from the user's own `tally init` to the auditor's `tally verify`. Each block must end with
the exit code the text gives it: a comment on its last command (``# exit code 10: …``,
``# mã thoát 10: …``), else 0. A block the night has no use for says so on its first line, with the
reason (``# not in the walkthrough: REASON``, ``# không chạy trong hướng dẫn: LÝ DO``); such a
block is run elsewhere (README's certificate check: tests/test_verify.py).

What people do between the commands is played by tests/night.py, keyed to the command about
to run or just run, never to a document: the voters marked a stack of paper ballots; before
`tally reconcile` every entry still empty is typed from that paper by a clerk (the second
clerk slips once); before `tally scan` the stack is scanned from the PDF form `tally ballots
--pdf` wrote; `tally review` runs at a terminal where a member types what the paper says;
after a `tally reconcile` that found differences, the committee corrects each listed cell
that disagrees with the paper. At the end the counted results must be what the paper says.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT
from night import HEAD, Paper, in_terminal

from ballots.errors import CODES

README = ROOT / "README.md"
GUIDES = [ROOT / "docs" / "en" / "guide.md", ROOT / "docs" / "vi" / "huong-dan.md"]
DOCUMENTS = [README, *GUIDES]
LANG = {README: None, GUIDES[0]: "en_GB.UTF-8", GUIDES[1]: "vi_VN.UTF-8"}

EXIT = re.compile(r"#.*?\b(?:exit code|mã thoát)\s+(\d+)")
NOT_RUN = re.compile(r"#\s*(?:not in the walkthrough|không chạy trong hướng dẫn)\s*:\s*(.*)")
VALUE_OPTIONS = {"-o", "--output", "--event", "--ballots", "--from", "--key", "--trust", "--require", "--name",
                 "--by", "--lang", "-g", "--group", "--max-size", "--max-rows", "--max-cells", "--p12",
                 "--passphrase-file", "--decide", "--sign"}


def _section(text: str, heading: str) -> str:
    part = text[text.index(heading):]
    end = part.find("\n## ", 1)
    return part if end < 0 else part[:end]


def walkthrough(path: Path) -> str:
    """The part of `path` that is the night: a guide whole; the README from its walkthrough
    through the section for auditors."""
    text = path.read_text(encoding="utf-8")
    if path == README:
        return _section(text, "## A committee's walkthrough") + _section(text, "## For auditors")
    return text


@dataclass(frozen=True)
class Step:
    block: str
    exit: int                                  # the exit code the text documents
    commands: tuple[tuple[str, ...], ...]      # each `tally` command line, as words
    not_run: str | None = None                 # why the tests cannot run it


def steps(path: Path) -> list[Step]:
    out = []
    for block in re.findall(r"```bash\n(.*?)\n```", walkthrough(path), flags=re.DOTALL):
        lines = [line for line in block.strip().splitlines() if line.strip()]
        skip = NOT_RUN.match(lines[0].strip())
        codes = [int(m.group(1)) if (m := EXIT.search(line)) else 0 for line in lines]
        assert not any(codes[:-1]), f"only a block's last command may end with another code than 0:\n{block}"
        commands = tuple(tuple(shlex.split(line, comments=True)) for line in lines
                         if line.strip().startswith("tally "))
        out.append(Step(block.strip(), codes[-1], commands, skip.group(1).strip() if skip else None))
    return out


def _positionals(words: tuple[str, ...]) -> list[str]:
    """The arguments of a command line that are not options or their values, after the command."""
    out, skip = [], False
    for word in words[2:]:
        if skip:
            skip = False
        elif word.startswith("-"):
            skip = word in VALUE_OPTIONS
        else:
            out.append(word)
    return out


def _option(words: tuple[str, ...], *names: str) -> str | None:
    for i, word in enumerate(words[:-1]):
        if word in names:
            return words[i + 1]
    return None


def _shim(tmp_path: Path) -> dict[str, str]:
    """`tally` on PATH running this working tree, whatever is installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tally = bin_dir / "tally"
    tally.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tally "$@"\n', encoding="utf-8")
    tally.chmod(tally.stat().st_mode | stat.S_IXUSR)
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["COLUMNS"] = "200"
    # instead of the terminal prompt the documents describe (asked twice for a new key)
    env["TALLY_PASSPHRASE"] = "walkthrough passphrase, long enough"
    env.pop("TALLY_DEBUG", None)
    return env


def _run(block: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(["bash", "-e", "-c", block], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


# ------------------------------------------------------------------------ the people of the night


@dataclass
class Night:
    """What happens between the commands, and what it made."""

    work: Path
    seed: int
    paper: Paper | None = None
    template: Path | None = None               # the first entry workbook `tally template` made
    pdf: Path | None = None                    # the PDF form `tally ballots --pdf` made
    results: Path | None = None                # the results.json of the last `tally count`
    typed: list[Path] = field(default_factory=list)
    scanned: list[Path] = field(default_factory=list)
    reviewed: int = 0
    corrected: dict[str, int] = field(default_factory=dict)   # entry -> cells corrected

    def _paper(self) -> Paper:
        if self.paper is None:
            assert self.template is not None, "the clerks type into a copy of the entry workbook `tally template` made"
            self.paper = Paper.marked(self.template, self.seed)
        return self.paper

    def before(self, step: Step) -> None:
        for words in step.commands:
            if words[1] == "reconcile":
                for name in _positionals(words):
                    entry = self.work / name
                    if entry.exists() and _untyped(entry):
                        # the second clerk slips once: the first person's mark on ballot 6 of the first form
                        form = next(iter(self._paper().forms.values()))
                        typo = (form.group, "D7") if self.typed else None
                        self._paper().type_into(entry, entry, typo)
                        self.typed.append(entry)
            elif words[1] == "scan":
                files = [self.work / f for f in _positionals(words)[1:]]
                if not all(f.exists() for f in files):
                    assert self.pdf is not None and self.pdf.exists(), "the stack is printed from `tally ballots --pdf`"
                    self._paper().scan(self.pdf, files, seed=self.seed)

    def after(self, step: Step, proc: subprocess.CompletedProcess[str]) -> None:
        shown = " ".join((proc.stdout + proc.stderr).split())
        for words in step.commands:
            out = _option(words, "-o", "--output")
            if words[1] == "template" and out and self.template is None and "--from" not in words:
                self.template = self.work / out
            elif words[1] == "ballots" and out and "--pdf" in words:
                self.pdf = self.work / out
            elif words[1] == "count" and out:
                self.results = (self.work / out).with_suffix(".json")
            elif words[1] == "scan" and out:
                self.scanned.append(self.work / out)
            elif words[1] == "reconcile" and proc.returncode == 10:
                self.correct([self.work / f for f in _positionals(words)], shown)

    def correct(self, entries: list[Path], shown: str) -> None:
        """The committee takes each listed difference to the paper ballot and corrects the entry
        that is wrong; every cell it corrects must have been listed."""
        fixed = 0
        for entry in entries:
            wrong = self._paper().wrong_cells(entry)
            if not wrong:
                continue
            if entry in self.scanned:   # the scanner never decides a mark wrongly: it cannot see the stamp
                assert {cell[0] for _sheet, cell in wrong} <= {"B", "C"}, (entry.name, wrong)
            wb = openpyxl.load_workbook(entry)
            for (sheet, cell), value in wrong.items():
                assert f"{cell}: " in shown, f"reconcile did not list {entry.name} › {sheet} › {cell}:\n{shown}"
                wb[sheet][cell] = value
            wb.save(entry)
            fixed += len(wrong)
            self.corrected[entry.name] = self.corrected.get(entry.name, 0) + len(wrong)
        assert fixed, f"reconcile found differences the paper does not explain:\n{shown}"


def _untyped(entry: Path) -> bool:
    """An entry workbook nobody has typed into yet: a copy of the template."""
    wb = openpyxl.load_workbook(entry, read_only=True)
    try:
        for ws in wb.worksheets:
            rows = ws.iter_rows(values_only=True)
            head = next(rows, ())
            if list(head[:3]) != HEAD:
                continue
            if any(v not in (None, "") for row in rows for v in row[1:]):
                return False
        return True
    finally:
        wb.close()


# ------------------------------------------------------------------------ the tests


def _id(path: Path) -> str:
    return str(path.relative_to(ROOT))


ORDER = ["tally init", "tally committee add", "tally position add", "tally person add", "tally group add",
         "tally show", "tally ballots", "tally template", "cp out/entry.xlsx", "tally reconcile", "tally check",
         "tally count", "tally keys new", "tally sign", "tally verify"]
GUIDE_ALSO = ["tally ballots event.toml --pdf", "tally scan", "tally review", "tally person set", "--from",
              "--require 2", "--json", "--lang"]


@pytest.mark.parametrize("path", DOCUMENTS, ids=_id)
def test_the_night_is_told_in_order(path: Path) -> None:
    run = [s for s in steps(path) if s.not_run is None]
    text = "\n".join(s.block for s in run)
    first = {needle: text.find(needle) for needle in ORDER}
    assert -1 not in first.values(), {k: v for k, v in first.items() if v < 0}
    assert list(first.values()) == sorted(first.values()), first
    # the ballots collected, as counted on paper, are recorded after the template, before checking
    assert first["tally template"] < text.find("--collected") < first["tally check"]
    # reconcile until it agrees: a documented 10, then 0
    rec = [s.exit for s in run if any(c[1] == "reconcile" for c in s.commands)]
    assert rec[:2] == [10, 0], rec
    verify = [c for s in run for c in s.commands if c[1] == "verify"]
    assert any("--event" in c for c in verify) and any("--event" not in c for c in verify)
    if path in GUIDES:
        missing = [needle for needle in GUIDE_ALSO if needle not in text]
        assert missing == [], missing
        assert sum(c[1] == "sign" for s in run for c in s.commands) >= 2       # more than one member signs


@pytest.mark.parametrize("path", DOCUMENTS, ids=_id)
def test_the_codes_in_the_text_are_the_tools(path: Path) -> None:
    """Every code a document names exists, and a command documented to fail with a code exits
    with that code's exit code (README: the table of error codes)."""
    text = path.read_text(encoding="utf-8")
    named = set(re.findall(r"\b([EW]\d{3})\b", text))
    assert named - set(CODES) == set()
    for step in steps(path):
        last = step.block.splitlines()[-1]
        for code in re.findall(r"\b(E\d{3})\b", EXIT.search(last).group(0) if EXIT.search(last) else ""):
            assert int(CODES[code].exit) == step.exit, (path.name, last)
    for step in steps(path):
        if step.not_run is not None:
            assert len(step.not_run) > 10, f"say why the tests cannot run it:\n{step.block}"


@pytest.mark.slow
@pytest.mark.parametrize("path", DOCUMENTS, ids=_id)
def test_the_night_runs_as_written(path: Path, tmp_path: Path) -> None:
    work = tmp_path / "committee"
    work.mkdir()                     # empty: the document makes everything it uses
    env = _shim(tmp_path)
    if LANG[path]:
        env.pop("TALLY_LANG", None)
        env["LANG"] = LANG[path]
    night = Night(work, seed=7)
    for step in steps(path):
        if step.not_run is not None:
            continue
        night.before(step)
        if any(c[1] == "review" for c in step.commands):
            proc, answered = in_terminal(step.block, work, env, night._paper())
            night.reviewed += answered
        else:
            proc = _run(step.block, work, env)
        assert proc.returncode == step.exit, f"$ {step.block}\nexit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
        night.after(step, proc)

    paper = night._paper()
    assert len(night.typed) == 2, "two clerks typed"
    assert sum(night.corrected.values()) >= 1
    if path in GUIDES:
        assert night.scanned and night.reviewed
    # what was counted is what the voters marked
    assert night.results is not None
    results = json.loads(night.results.read_text(encoding="utf-8"))
    counted = paper.counted()
    assert [g["id"] for g in results["groups"]] == list(counted)
    for group in results["groups"]:
        for person in group["persons"]:
            got = {k: person[k] for k in ("high", "medium", "low", "invalid")}
            assert got == counted[group["id"]][person["id"]], (group["id"], person["id"])
        assert group["invalid_ballots"] == 1
        assert group["collected"] == group["issued"] == len(paper.forms[group["id"]].ballots)
    for made in ("event.toml", "out/entry.xlsx", "out/results.xlsx", "out/results.json", "out/results.json.sig"):
        assert (work / made).stat().st_size > 0, made
