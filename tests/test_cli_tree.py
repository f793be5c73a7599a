"""Every command of the real command tree, in both languages, at 80 columns and narrower.

The commands are not listed here: they are read from ``typer.main.get_command(cli.app)``, so a
command added tomorrow is checked by the same tests. What each test asks of every command:

* its help is in plain words (no Python types, no typer braces, no click ranges), whole (no
  first sentence cut short with "..."), fits the terminal, and under ``--lang vi`` is Vietnamese
  throughout: usage line, headings, placeholders, every option's and argument's help, the
  framework's own words;
* a usage mistake (a missing argument, an unknown option, a value that is not a number or out
  of range, a value given to a flag, an option without its value) is told in the reader's
  language and in plain words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import run_tally

from ballots.i18n import _, using


def command_tree() -> Iterator[tuple[list[str], Any]]:
    """(path, command) for the root and every command and sub-command, as `tally --help` lists them."""
    import typer

    from tally._cli import cli

    def walk(command: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    yield from walk(typer.main.get_command(cli.app), [])


PATHS = [path for path, _command in command_tree()]
IDS = [" ".join(path) or "tally" for path in PATHS]
COMMANDS = dict((" ".join(path), command) for path, command in command_tree())

# What typer and click would show if the help were not put in plain words.
PYTHON_WORDS = re.compile(r"<[a-z][^<>]*>|\{[^{}\s]*\}|\bx[<>]=?-?\d")
# The framework's English, never shown under --lang vi.
ENGLISH_CHROME = re.compile(r"Usage:|^Options|^Arguments|^Commands|\[OPTIONS\]|\bCOMMAND\b|\[ARGS\]|default:|"
                            r"required\]|Show this message|Install completion|Show completion", re.M)


def _help(path: list[str], lang: str, columns: int) -> str:
    proc = run_tally("--lang", lang, *path, "--help", env={"COLUMNS": str(columns)})
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    return proc.stdout


def _flat(text: str) -> str:
    return " ".join(text.split())


def _params(command: Any) -> list[Any]:
    return [p for p in command.params if not getattr(p, "hidden", False)]


def test_the_tree_is_walked() -> None:
    """The walk reaches sub-commands, so the tests below cover what a user can type."""
    assert {"check", "count", "verify", "group set", "keys new", "committee remove"} <= set(COMMANDS)


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_every_command_and_parameter_has_help(path: list[str]) -> None:
    command = COMMANDS[" ".join(path)]
    assert command.help, f"tally {' '.join(path)} has no help"
    for param in _params(command):
        assert param.help, f"tally {' '.join(path)}: {param.opts} has no help text"


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("columns", [80, 60])
@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_help_in_plain_words_whole_and_within_the_terminal(path: list[str], lang: str, columns: int) -> None:
    shown = _help(path, lang, columns)
    assert not PYTHON_WORDS.search(shown), PYTHON_WORDS.search(shown)
    assert all(len(line) <= columns for line in shown.splitlines()), shown
    # "..." only where it means "one or more" after a placeholder, never a sentence cut short
    for cut in re.findall(r"\S*\.\.\.\S*", shown):
        assert re.fullmatch(r"`?\[?[A-ZĐ][^\s.]*\]?\.\.\.`?", cut), (cut, shown)
    command = COMMANDS[" ".join(path)]
    for name in getattr(command, "commands", {}):
        assert re.search(rf"^  {re.escape(name)}(  |$)", shown, re.M), (name, shown)   # as typed, never INIT


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_vietnamese_help_is_vietnamese_throughout(path: list[str]) -> None:
    from tally._cli.cli_support import argument_metavar

    shown = _help(path, "vi", 80)
    assert not ENGLISH_CHROME.search(shown), ENGLISH_CHROME.search(shown)
    assert shown.startswith("Cách dùng: tally")
    command = COMMANDS[" ".join(path)]
    with using("vi"):
        texts = [command.help] + [p.help for p in _params(command)]
        translated = [_(t) for t in texts if t]
        placeholders = [(argument_metavar(p) if p.param_type_name == "argument" else p.metavar or "")
                        .removesuffix("...") for p in _params(command) if not getattr(p, "is_flag", False)]
        local = {word: _(word) for word in placeholders if word}
    flat = _flat(shown)
    for english, text in zip([t for t in texts if t], translated):
        assert text != english, f"no Vietnamese for {english!r}"
        first = _flat(text.split("\n\n")[0])
        assert first in flat, (first, shown)
    for english, word in local.items():
        if word != english:     # 'MB' and 'vi|en' are the same in both languages
            assert word in shown and not re.search(rf"(?<![\w.-]){re.escape(english)}(?![\w-])", shown), \
                (english, shown)


# ---------------------------------------------------------------- usage mistakes

ENGLISH_ERROR = re.compile(r"\b(Missing|Invalid|No such|Option|requires|does not|is not|valid|range|unexpected|"
                           r"Did you mean|Possible|argument|value|Error|Got)\b")


def _mistakes(path: list[str], command: Any) -> Iterator[list[str]]:
    """Command lines with one mistake each, for every kind of parameter the command has."""
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    given = ["x"] * len(arguments)
    if any(p.required for p in arguments):
        yield [*path]
    yield [*path, *given, "--no-such-option"]
    for param in _params(command):
        if param.param_type_name != "option" or param.name in ("help",):
            continue
        name = param.opts[-1]
        if getattr(param, "is_flag", False):
            yield [*path, *given, f"{name}=x"]
            continue
        yield [*path, *given, name]                         # its value forgotten at the end of the line
        if getattr(param.type, "name", "") in ("integer", "int range", "integer range"):
            yield [*path, *given, name, "abc"]
            low = getattr(param.type, "min", None)
            if low is not None:
                yield [*path, *given, name, str(low - 1)]


MISTAKES = [(line, " ".join(path)) for path, command in command_tree() if path
            for line in _mistakes(path, command)]


@pytest.mark.parametrize("line", [m[0] for m in MISTAKES], ids=[" ".join(m[0]) for m in MISTAKES])
def test_usage_mistakes_are_told_in_vietnamese_and_plain_words(line: list[str]) -> None:
    proc = run_tally("--lang", "vi", *line, env={"COLUMNS": "80"})
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    said = [ln for ln in proc.stderr.splitlines() if ln.startswith("Lỗi: ")]
    assert said, proc.stderr
    problem = said[-1].removeprefix("Lỗi: ")
    assert not ENGLISH_ERROR.search(problem), problem
    assert not PYTHON_WORDS.search(proc.stderr), proc.stderr
    assert proc.stderr.startswith("Cách dùng: tally"), proc.stderr
    english = run_tally("--lang", "en", *line, env={"COLUMNS": "80"})
    assert english.returncode == 2 and not PYTHON_WORDS.search(english.stderr), english.stderr
    assert not re.search(r"int range|integer range|\bx[<>]=?\d", english.stderr), english.stderr


# ---------------------------------------------------------------- every command, run

from cli_session import INVOCATIONS, build, fingerprints, has_scan_extra  # noqa: E402

import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

LEAVES = [" ".join(path) for path, command in command_tree() if path and not getattr(command, "commands", None)]
RUNS = [(name, args, code) for name, lines in INVOCATIONS.items() for args, code in lines]
RUN_IDS = [" ".join(args) for _name, args, _code in RUNS]
TABLE = re.compile(r"[┏┃━┡│─┌┐└┘├┤┼╇╋]")
NEEDS_SCAN = {"scan", "review"}


@pytest.fixture(scope="session")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {"sample": build(tmp_path_factory.mktemp("sample"), big=False),
            "big": build(tmp_path_factory.mktemp("big"), big=True)}


def _run(folders: dict[str, Path], which: str, tmp_path: Path, name: str, args: list[str], *options: str,
         columns: int = 200, lang: str = "en") -> Any:
    if name in NEEDS_SCAN and not has_scan_extra():
        pytest.skip("needs the scan extra")
    work = tmp_path / f"{which}-{len(list(tmp_path.iterdir()))}"
    shutil.copytree(folders[which], work)
    return run_tally("--lang", lang, *options, *args, cwd=work, env={"COLUMNS": str(columns)})


def test_every_command_is_run_here() -> None:
    """A command added to the tree without a command line here fails this test."""
    assert set(INVOCATIONS) == set(LEAVES)


@pytest.mark.parametrize(("name", "args", "code"), RUNS, ids=RUN_IDS)
def test_quiet_leaves_only_problems_and_the_closing_line(folders: dict[str, Path], tmp_path: Path, name: str,
                                                         args: list[str], code: int) -> None:
    loud = _run(folders, "sample", tmp_path, name, args, columns=1000)     # a long line stays one line
    quiet = _run(folders, "sample", tmp_path, name, args, "--quiet", columns=1000)
    assert loud.returncode == quiet.returncode and code in (loud.returncode, -1), (loud.stdout, loud.stderr)
    assert not TABLE.search(quiet.stdout + quiet.stderr), quiet.stdout + quiet.stderr
    # a fingerprint is what keys new and keys show are for: it stays, on its own lines
    fingerprint = re.compile(r"\s+[^:]+:|.*([0-9a-f]{4} ){7}[0-9a-f]{4}.*")
    said = [ln for ln in quiet.stdout.splitlines() if ln.strip() and not fingerprint.fullmatch(ln)]
    loud_lines = loud.stdout.rstrip("\n").splitlines()
    timed = re.compile(r"\d+\.\d s\b")     # scan says how long it took
    # the closing line of the full output (for `rules ID`, the line that names the rule set) ...
    assert said and timed.sub("", said[-1]) in (timed.sub("", loud_lines[-1]), loud_lines[0] if args[0] == "rules"
                                                else None), (quiet.stdout, loud.stdout)
    # ... after the problems, each a line of its own: a mark, a place, a hint, or their count
    problem = re.compile(r"[✗!] .*|    .*|\d+ errors?(, \d+ warnings?)?|\d+ warnings?")
    assert all(problem.fullmatch(ln) for ln in said[:-1]), quiet.stdout
    assert len(quiet.stdout) <= len(loud.stdout)


@pytest.mark.parametrize("which", ["sample", "big"])
@pytest.mark.parametrize(("lang", "columns"), [("en", 80), ("vi", 80), ("vi", 60)])
@pytest.mark.parametrize(("name", "args", "code"), RUNS, ids=RUN_IDS)
def test_output_fits_the_terminal_and_nothing_is_cut(folders: dict[str, Path], tmp_path: Path, name: str,
                                                     args: list[str], code: int, lang: str, columns: int,
                                                     which: str) -> None:
    """Tables and messages at 80 columns (and a narrow 60), in both languages, on the sample and
    on 40 people with long names: no line longer than the terminal, no header or value cut
    short with "…" (a shortened fingerprint, four groups and "…", is meant)."""
    proc = _run(folders, which, tmp_path, name, args, columns=columns, lang=lang)
    assert code in (proc.returncode, -1), (proc.stdout, proc.stderr)
    for stream in (proc.stdout, proc.stderr):
        assert all(len(line) <= columns for line in stream.splitlines()), stream
        assert "…" not in re.sub(r"[0-9a-f]{4}…", "", stream), stream


FINGERPRINT_RUNS = [run for run in RUNS if run[0] in ("count", "sign", "verify", "keys new", "keys show")]


@pytest.mark.parametrize("columns", [60, 80, 100, 120, 200])
@pytest.mark.parametrize(("name", "args", "code"), FINGERPRINT_RUNS, ids=[" ".join(r[1]) for r in FINGERPRINT_RUNS])
def test_fingerprints_are_never_broken_across_lines(folders: dict[str, Path], tmp_path: Path, name: str,
                                                    args: list[str], code: int, columns: int) -> None:
    """A fingerprint is shown whole on one line, as two halves of 8 groups on two lines, or
    shortened to its first 4 groups and "…"; never with its groups split between lines."""
    proc = _run(folders, "sample", tmp_path, name, args, columns=columns, lang="vi")
    shown = proc.stdout + proc.stderr
    known = fingerprints(folders["sample"])
    if name == "keys new":
        known["new"] = re.findall(r"[0-9a-f]{4}", re.sub(r".*member2.*", "", shown))[:16]
    # Every fingerprint shown whole, in halves or shortened is taken out first, then none of
    # their groups may be left: a group two random fingerprints share (about one pair in 250) is
    # then not taken for a piece of the other one broken across lines.
    shapes = []
    for groups in known.values():
        whole = re.escape(" ".join(groups))
        halves = re.escape(" ".join(groups[:8])) + r"\n\s*" + re.escape(" ".join(groups[8:]))
        short = re.escape(" ".join(groups[:4])) + "…"
        shapes += [whole, halves, short]
    rest, seen = re.subn("|".join(shapes), "", shown)
    for groups in known.values():
        for group in groups:
            assert not re.search(rf"(?<![0-9a-f.]){group}(?![0-9a-f])", rest), (group, shown)   # not in a .sig name
    assert seen, shown
    assert all(len(line) <= columns for line in shown.splitlines()), shown


# ---------------------------------------------------------------- Ctrl-C and Ctrl-D at every question

# Each question tally asks, reached by answering the ones before it.
INIT = ["init", "new.toml"]
QUESTIONS = [
    ("init: title", INIT, []),
    ("init: organisation", INIT, ["Lấy phiếu tín nhiệm"]),
    ("init: superior body", INIT, ["Lấy phiếu tín nhiệm", "Đảng bộ Sở"]),
    ("init: place", INIT, ["Lấy phiếu tín nhiệm", "Đảng bộ Sở", ""]),
    ("init: date", INIT, ["Lấy phiếu tín nhiệm", "Đảng bộ Sở", "", ""]),
    ("init: rule set", INIT, ["Lấy phiếu tín nhiệm", "Đảng bộ Sở", "", "", "28/09/2025"]),
    ("init: language", INIT, ["Lấy phiếu tín nhiệm", "Đảng bộ Sở", "", "", "28/09/2025", "NQ96"]),
    ("init: committee member", INIT, ["Lấy phiếu tín nhiệm", "Đảng bộ Sở", "", "", "28/09/2025", "NQ96", "VI"]),
    ("init: member's role", INIT, ["Lấy phiếu tín nhiệm", "Đảng bộ Sở", "", "", "28/09/2025", "NQ96", "VI",
                                   "Lê Văn Cường"]),
    ("keys new: passphrase", ["keys", "new", "member2"], []),
    ("keys new: passphrase again", ["keys", "new", "member2"], ["ba cây chụm lại nên hòn núi cao"]),
    ("keys show: passphrase", ["keys", "show", "committee.key"], []),
    ("sign: passphrase", ["sign", "out/results.xlsx", "--key", "other.key"], []),
    ("count --sign: passphrase", ["count", "event.toml", "ballots.xlsx", "-o", "new/results.xlsx", "--sign",
                                  "committee.key"], []),
    ("review: name", ["review", "entry-scan.xlsx"], []),
    ("review: mark", ["review", "entry-scan.xlsx"], ["Ngô Văn Bình"]),
]


def _contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_question_goes_through_one_place() -> None:
    """cli._prompt is the only place that asks: what the tests below check holds for every question."""
    from conftest import ROOT

    for name in sorted(p.name for p in ROOT.glob("cli*.py")):
        text = (ROOT / name).read_text(encoding="utf-8")
        asks = re.findall(r"typer\.prompt\(|typer\.confirm\(|\binput\(|getpass", text)
        assert len(asks) == (2 if name == "cli.py" else 0), (name, asks)


@pytest.mark.parametrize("key", ["ctrl-c", "ctrl-d"])
@pytest.mark.parametrize(("question", "args", "answers"), QUESTIONS, ids=[q[0] for q in QUESTIONS])
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_cancel_at_any_question_writes_nothing(folders: dict[str, Path], tmp_path: Path, monkeypatch: Any,
                                               question: str, args: list[str], answers: list[str], key: str,
                                               lang: str) -> None:
    import typer

    from tally._cli import cli

    if args[0] == "review" and not has_scan_extra():
        pytest.skip("needs the scan extra")
    work = tmp_path / "work"
    shutil.copytree(folders["sample"], work)
    before = _contents(work)
    asked: list[str] = []
    real_prompt = typer.prompt

    def prompt(text: str, *a: Any, **kw: Any) -> Any:
        asked.append(text)
        if len(asked) > len(answers) and key == "ctrl-c":
            raise KeyboardInterrupt      # what the terminal sends; at EOF (ctrl-d) the real prompt aborts
        return real_prompt(text, *a, **kw)

    monkeypatch.setattr(typer, "prompt", prompt)
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    monkeypatch.setattr(cli, "_typed_passphrase", lambda _file: True)
    proc = run_tally("--lang", lang, *args, cwd=work, input="".join(a + "\n" for a in answers),
                     env={"TALLY_PASSPHRASE": None, "COLUMNS": "80"})  # type: ignore[dict-item]
    assert len(asked) == len(answers) + 1, (asked, proc.stdout, proc.stderr)     # cancelled at that question
    assert proc.returncode == 130, (proc.stdout, proc.stderr)
    cancelled = "Cancelled; nothing was written." if lang == "en" else "Đã hủy; không ghi gì."
    assert cancelled in proc.stderr and "internal error" not in proc.stdout + proc.stderr, proc.stderr
    assert not re.search(r"\bE8\d\d\b", proc.stderr), proc.stderr     # not "no passphrase given"
    assert _contents(work) == before


# ---------------------------------------------------------------- choices in any case, dates as typed


def test_choices_are_taken_in_any_case(folders: dict[str, Path], tmp_path: Path, monkeypatch: Any) -> None:
    from tally._cli import cli

    work = tmp_path / "work"
    shutil.copytree(folders["sample"], work)
    assert "Ready to count" in run_tally("--lang", "EN", "check", "event.toml", "ballots.xlsx", cwd=work).stdout
    assert "Sẵn sàng kiểm phiếu" in run_tally("check", "event.toml", "ballots.xlsx", "--lang=Vi", cwd=work).stdout
    shown = run_tally("rules", "NQ96", cwd=work)
    assert shown.returncode == 0 and shown.stdout.startswith("nq96-2023:"), shown.stderr
    made = run_tally("init", "a.toml", "--title", "T", "--organisation", "O", "--date", "28/09/2025", "--rules",
                     "NQ96", "--language", "EN", cwd=work)
    assert made.returncode == 0, made.stderr
    text = (work / "a.toml").read_text(encoding="utf-8")
    assert 'rules = "nq96-2023"' in text and 'language = "en"' in text and "date = 2025-09-28" in text
    # the event file, typed by hand: the same spellings
    hand = (work / "event.toml").read_text(encoding="utf-8")
    hand = re.sub(r'(?m)^rules = .*$', 'rules = "QD96-2023"', re.sub(r'(?m)^language = .*$', 'language = "VI"', hand))
    (work / "hand.toml").write_text(hand, encoding="utf-8")
    assert run_tally("check", "hand.toml", "ballots.xlsx", cwd=work).returncode == 0
    # a question answered in capitals
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    asked = run_tally("init", "b.toml", cwd=work, input="T\nO\n\n\n28/09/2025\nNQ96\nEN\n\n")
    assert asked.returncode == 0, asked.stdout + asked.stderr
    text = (work / "b.toml").read_text(encoding="utf-8")
    assert 'rules = "nq96-2023"' in text and 'language = "en"' in text


def test_dates_day_first_or_iso_wherever_typed(folders: dict[str, Path], tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(folders["sample"], work)
    for when in ("01/03/2021", "1-3-2021", "2021-03-01"):
        assert run_tally("person", "set", "event.toml", "p02", "--appointed", when, cwd=work).returncode == 0
        assert "appointed = 2021-03-01" in (work / "event.toml").read_text(encoding="utf-8")
        (work / "event.toml").write_bytes((folders["sample"] / "event.toml").read_bytes())
    added = run_tally("person", "add", "event.toml", "--name", "Lê Thị Hoa", "-p", "pgd", "--appointed", "31/02/2021",
                      cwd=work)
    assert added.returncode != 0 and "31/02/2021" in added.stderr, added.stderr


@pytest.mark.skipif(not has_scan_extra(), reason="needs the scan extra")
def test_review_takes_a_mark_in_any_spelling(folders: dict[str, Path], tmp_path: Path, monkeypatch: Any) -> None:
    from tally._cli import cli
    from tally.review import open_review

    work = tmp_path / "work"
    shutil.copytree(folders["sample"], work)
    pending = open_review(work / "entry-scan.xlsx").undecided
    if not pending:
        pytest.skip("the scan left nothing to review")
    item = pending[0]
    listed = run_tally("review", "entry-scan.xlsx", "--list", cwd=work)
    assert f"{item.person} {item.name}" in listed.stdout and item.name, listed.stdout   # named by id and name
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    answers = ["Ngô Văn Bình", "TH"] + ["S"] * (len(pending) - 1)
    proc = run_tally("review", "entry-scan.xlsx", cwd=work, input="".join(a + "\n" for a in answers))
    assert proc.returncode in (0, 5), proc.stdout + proc.stderr
    decided = {(i.group, i.ballot, i.person): i.decision for i in open_review(work / "entry-scan.xlsx").items}
    assert decided[(item.group, item.ballot, item.person)] == "3"
    assert sum(1 for d in decided.values() if d is None) == len(pending) - 1    # "S" skipped the others


# ---------------------------------------------------------------- every output named for what it is

WRITERS = [(args, "xlsx") for _name, args, _code in RUNS if "-o" in args]
WRITERS += [(["ballots", "event.toml", "--pdf", "-o", "paper.pdf"], "pdf"), (INVOCATIONS["init"][0][0], "toml")]


@pytest.mark.parametrize(("args", "kind"), WRITERS, ids=[" ".join(w[0]) for w in WRITERS])
def test_every_output_must_end_in_its_type(folders: dict[str, Path], tmp_path: Path, args: list[str],
                                           kind: str) -> None:
    if args[0] in NEEDS_SCAN and not has_scan_extra():
        pytest.skip("needs the scan extra")
    at = args.index("-o") + 1 if "-o" in args else 1
    wrong = {"xlsx": ["wrong/minutes.pdf", "wrong/minutes"], "pdf": ["wrong/paper.xlsx", "wrong/paper"],
             "toml": ["wrong/event.txt", "wrong/event"]}[kind]
    for name in wrong:
        work = tmp_path / f"work-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(folders["sample"], work)
        before = _contents(work)
        line = [*args[:at], name, *args[at + 1:]]
        proc = run_tally(*line, cwd=work)
        assert proc.returncode == 2 and "E002" in proc.stderr and f".{kind}" in proc.stderr, (line, proc.stderr)
        assert _contents(work) == before and not (work / "wrong").exists()
