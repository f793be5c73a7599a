"""The event definition commands (init, position, person, group, show), run as the real
`tally` console command in a temp dir, on real files."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from conftest import invoke

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "samples" / "event.toml"
DATA = Path(__file__).parent / "data" / "events"
TALLY = shutil.which("tally")

pytestmark = pytest.mark.skipif(TALLY is None, reason="the tally console command is not installed (pip install -e .)")


def tally(cwd: Path, *args: str, installed: bool = False) -> subprocess.CompletedProcess[str]:
    """`tally ARGS` in `cwd`, in-process (conftest.invoke); `installed`: the console command itself."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    env.pop("TALLY_DEBUG", None)
    if not installed:
        return invoke(list(args), cwd=cwd, env=env)
    assert TALLY is not None
    result = subprocess.run([TALLY, *args], check=False, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert "Traceback" not in result.stderr + result.stdout
    return result


INIT = ["init", "event.toml", "--title", "Lấy phiếu tín nhiệm giữa nhiệm kỳ", "--organisation", "Đảng bộ Sở X",
        "--date", "2023-05-31", "--parent", "Đảng bộ Khối", "--committee", "Lê Văn Cường:Trưởng ban"]


def test_init_without_a_terminal_names_the_missing_options(tmp_path: Path) -> None:
    r = tally(tmp_path, "init", "event.toml", "--organisation", "Sở X", installed=True)
    assert r.returncode == 3
    assert "E103" in r.stderr and "--title" in r.stderr and "--date" in r.stderr
    assert "--organisation" not in r.stderr.split("→")[0]   # given, so not called missing
    assert not (tmp_path / "event.toml").exists()


def test_init_refuses_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "event.toml").write_text("# mine\n", encoding="utf-8")
    r = tally(tmp_path, *INIT)
    assert r.returncode == 3 and "E111" in r.stderr and "--force" in r.stderr
    assert (tmp_path / "event.toml").read_text(encoding="utf-8") == "# mine\n"
    r = tally(tmp_path, *INIT, "--force")
    assert r.returncode == 0
    assert "Lấy phiếu tín nhiệm" in (tmp_path / "event.toml").read_text(encoding="utf-8")


def test_define_an_event_step_by_step(tmp_path: Path) -> None:
    r = tally(tmp_path, *INIT)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "✓ Created event.toml: Lấy phiếu tín nhiệm giữa nhiệm kỳ"
    path = tmp_path / "event.toml"
    # the committee adds its own note by hand between commands
    path.write_text(path.read_text(encoding="utf-8").replace(
        "[event]\n", "[event]\n# Ghi chú của Ban kiểm phiếu: họp ngày 31/5\n"), encoding="utf-8")

    r = tally(tmp_path, "position", "add", "event.toml", "--title", "Ủy viên Ban Thường vụ Đảng ủy")
    assert r.returncode == 0
    assert r.stdout.strip().splitlines()[-1] == "✓ Added position uvbtvdu Ủy viên Ban Thường vụ Đảng ủy to event.toml"
    assert "still to do: the event has no [[groups]]" in r.stdout
    assert tally(tmp_path, "position", "add", "event.toml", "--title", "Giám đốc Sở", "--id", "gd").returncode == 0
    r = tally(tmp_path, "person", "add", "event.toml", "--name", "Nguyễn Văn An", "-p", "uvbtvdu", "-p", "gd")
    assert "Added person p01 Nguyễn Văn An to event.toml" in r.stdout
    r = tally(tmp_path, "person", "add", "event.toml", "--name", "Trần Thị Bình", "--position", "gd",
              "--appointed", "2023-03-01")
    assert "Added person p02 Trần Thị Bình to event.toml" in r.stdout

    r = tally(tmp_path, "group", "add", "event.toml", "--title", "Phiếu tín nhiệm Ủy viên Ban Thường vụ",
              "--position", "uvbtvdu", "--summoned", "27", "--present", "25", "--issued", "25", "--id", "btv")
    assert r.returncode == 0 and "Added group btv" in r.stdout
    r = tally(tmp_path, "group", "add", "event.toml", "--title", "Phiếu tín nhiệm Giám đốc Sở",
              "--position", "gd", "--summoned", "45", "--present", "42", "--issued", "42", "--collected", "42")
    assert r.returncode == 0 and "Added group gds" in r.stdout

    r = tally(tmp_path, "show", "event.toml")
    assert r.returncode == 0, r.stdout + r.stderr
    for text in ("Lấy phiếu tín nhiệm giữa nhiệm kỳ", "qd96-2023: Quy định số 96-QĐ/TW", "Lê Văn Cường, Trưởng ban",
                 "Nguyễn Văn An", "btv, gds", "✓ 3×25 ≥ 2×27", "p02 Trần Thị Bình"):
        assert text in r.stdout
    assert "(Giám đốc Sở)" not in r.stdout     # a form of one position: its title is not repeated for everyone
    appointed_line = path.read_text(encoding="utf-8").splitlines().index("appointed = 2023-03-01") + 1
    assert "W701" in r.stdout and f"event.toml:{appointed_line}" in r.stdout
    assert r.stdout.strip().splitlines()[-1] == "event.toml: 2 positions, 2 persons, 2 groups; 0 errors, 1 warning"

    r = tally(tmp_path, "person", "list", "event.toml")
    assert r.returncode == 0 and "2 persons in event.toml" in r.stdout and "Trần Thị Bình" in r.stdout
    r = tally(tmp_path, "group", "list", "event.toml")
    assert "✓ 3×42 ≥ 2×45" in r.stdout and r.stdout.strip().endswith("2 groups in event.toml")
    r = tally(tmp_path, "position", "list", "event.toml")
    lines = r.stdout.splitlines()
    gd = next(i for i, line in enumerate(lines) if "│ gd " in line)
    assert "p01 Nguyễn Văn An" in lines[gd] and "p02 Trần Thị Bình" in lines[gd + 1]   # one holder a line

    r = tally(tmp_path, "group", "set", "event.toml", "gds", "--collected", "41")
    assert r.returncode == 0 and "Updated group gds" in r.stdout
    r = tally(tmp_path, "position", "remove", "event.toml", "gd")
    assert r.returncode == 3 and "E112" in r.stderr and "p01 Nguyễn Văn An" in r.stderr
    r = tally(tmp_path, "person", "remove", "event.toml", "p02")
    assert r.returncode == 0 and "Removed person p02 Trần Thị Bình from event.toml" in r.stdout

    text = path.read_text(encoding="utf-8")
    assert "# Ghi chú của Ban kiểm phiếu: họp ngày 31/5" in text
    assert "# [[persons]] Người được lấy phiếu" in text
    data = tomllib.loads(text)
    assert [p["id"] for p in data["persons"]] == ["p01"]
    assert data["groups"][1]["collected"] == 41


def test_edit_the_hand_written_sample(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "event.toml")
    old = SAMPLE.read_text(encoding="utf-8")
    r = tally(tmp_path, "person", "add", "event.toml", "--name", "Trần Thị Bình", "-p", "pgd", "--retiring")
    assert r.returncode == 0
    assert r.stdout.strip().splitlines()[-1] == "✓ Added person p09 Trần Thị Bình to event.toml"
    assert "W702" in r.stderr
    new = (tmp_path / "event.toml").read_text(encoding="utf-8")
    lines = iter(new.splitlines())
    assert all(line in lines for line in old.splitlines()), "every original line kept, in order"
    r = tally(tmp_path, "person", "remove", "event.toml", "p09")
    assert r.returncode == 0
    assert (tmp_path / "event.toml").read_text(encoding="utf-8") == old


def test_refused_edits_exit_with_the_documented_code(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "event.toml")
    before = (tmp_path / "event.toml").read_bytes()
    cases = [
        (3, "E106", ["person", "add", "event.toml", "--name", "X", "-p", "nope"]),
        (3, "E110", ["person", "add", "event.toml", "--name", "X", "-p", "gd", "--id", "p 1"]),
        (3, "E106", ["person", "remove", "event.toml", "p99"]),
        (6, "E201", ["group", "add", "event.toml", "--title", "G", "-p", "gd", "--summoned", "30", "--present", "19",
                     "--issued", "19"]),
        (6, "E202", ["group", "set", "event.toml", "btv", "--collected", "26"]),
    ]
    for code, diagnostic, args in cases:
        r = tally(tmp_path, *args)
        assert (r.returncode, diagnostic in r.stderr) == (code, True), (args, r.stderr)
    r = tally(tmp_path, "person", "add", "event.toml", "-p", "gd")
    assert r.returncode == 2 and "--name" in r.stderr          # typer's own usage error
    assert (tmp_path / "event.toml").read_bytes() == before


def test_forced_position_removal(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "event.toml")
    r = tally(tmp_path, "position", "remove", "event.toml", "gd", "--force")
    assert r.returncode == 0
    assert "Removed position gd Giám đốc Sở from event.toml (also took gd off person p01" in r.stdout


@pytest.mark.parametrize(("name", "code", "where"), [
    ("unknown_key.toml", 3, "unknown_key.toml:7"),
    ("empty_group.toml", 3, "empty_group.toml:32"),
    ("meeting.toml", 6, "meeting.toml:22"),
    ("not_toml.toml", 3, "not_toml.toml:5"),
])
def test_show_a_file_with_errors(tmp_path: Path, name: str, code: int, where: str) -> None:
    shutil.copy(DATA / name, tmp_path / name)
    r = tally(tmp_path, "show", name)
    assert r.returncode == code
    assert where in r.stdout + r.stderr   # show prints problems as part of its report; a fatal one goes to stderr


def test_show_tables_even_when_incomplete(tmp_path: Path) -> None:
    shutil.copy(DATA / "meeting.toml", tmp_path / "meeting.toml")
    r = tally(tmp_path, "show", "meeting.toml")
    assert "✗ 3×19 < 2×30" in r.stdout and "✓ 3×28 ≥ 2×30" in r.stdout
    assert "E202" in r.stdout and "collected (số phiếu thu về) = 29 is more than issued" in r.stdout
    assert "2 errors" in r.stdout.splitlines()[-1]


def test_text_from_the_file_is_never_markup(tmp_path: Path) -> None:
    r = tally(tmp_path, "init", "event.toml", "--title", "Phiếu [bold]X[/bold] [red]", "--organisation", "[/]",
              "--date", "2023-05-31")
    assert r.returncode == 0 and "Phiếu [bold]X[/bold] [red]" in r.stdout
    tally(tmp_path, "position", "add", "event.toml", "--title", "Giám đốc [i]Sở[/i]", "--id", "gd")
    tally(tmp_path, "person", "add", "event.toml", "--name", "An [link=x]y[/link]", "-p", "gd")
    tally(tmp_path, "group", "add", "event.toml", "--title", "[b]G[/b]", "-p", "gd", "--summoned", "3",
          "--present", "3", "--issued", "3")
    r = tally(tmp_path, "show", "event.toml")
    assert r.returncode == 0, r.stderr
    for text in ("Phiếu [bold]X[/bold] [red]", "[/]", "Giám đốc [i]Sở[/i]", "An [link=x]y[/link]", "[b]G[/b]"):
        assert text in r.stdout


def test_missing_event_file(tmp_path: Path) -> None:
    r = tally(tmp_path, "show", "nowhere.toml")
    assert r.returncode == 3 and "E100" in r.stderr


def test_init_asks_in_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real TTY cannot be given to a subprocess portably; drive the same command in-process.
    from typer.testing import CliRunner

    from tally._cli import cli

    monkeypatch.setattr(cli, "_interactive", lambda: True)
    monkeypatch.chdir(tmp_path)
    answers = ["", "Lấy phiếu tín nhiệm", "Đảng bộ Sở X", "Đảng bộ Khối", "", "31/13/2023", "31/05/2023",
               "qd97", "NQ96", "EN", "Ngô Văn Bình", "Trưởng ban", "Lê Thị Hoa", "", ""]
    result = CliRunner().invoke(cli.app, ["init", "event.toml"], input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    shown = result.output
    assert "please give a value" in shown                        # a blank title is asked again
    assert "write the date as DD/MM/YYYY" in shown and "use one of" in shown
    assert "nq96-2023   NQ 96/2023/QH15" in shown                 # the rule sets with their meaning
    data = tomllib.loads((tmp_path / "event.toml").read_text(encoding="utf-8"))
    assert data["event"] == {"title": "Lấy phiếu tín nhiệm", "organisation": "Đảng bộ Sở X", "parent": "Đảng bộ Khối",
                             "date": dt.date(2023, 5, 31), "rules": "nq96-2023", "language": "en"}
    assert data["committee"] == [{"name": "Ngô Văn Bình", "role": "Trưởng ban"}, {"name": "Lê Thị Hoa"}]


def test_init_answers_a_blank_in_the_readers_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from tally._cli import cli

    monkeypatch.setattr(cli, "_interactive", lambda: True)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.app, ["--lang", "vi", "init", "event.toml"], input="\nT\nO\n\n\n\n\n\n\n")
    assert result.exit_code == 0, result.output
    assert "hãy nhập một giá trị" in result.output and "please" not in result.output


def test_committee_add_list_remove(tmp_path: Path) -> None:
    assert tally(tmp_path, "init", "event.toml", "--title", "T", "--organisation", "O", "--date", "2023-05-31",
                 "--rules", "qd96").returncode == 0
    for name, role in (("Ngô Văn Bình", "Trưởng ban"), ("Lê Thị Hoa", "Thư ký"), ("Trần Văn C", "")):
        r = tally(tmp_path, "committee", "add", "event.toml", "--name", name, *(["--role", role] if role else []))
        assert r.returncode == 0 and f"Added committee member {name}" in r.stdout, r.stdout + r.stderr
    assert "# [[committee]]" in (tmp_path / "event.toml").read_text(encoding="utf-8")   # the comments are kept
    r = tally(tmp_path, "committee", "list", "event.toml")
    assert "1. Ngô Văn Bình — Trưởng ban" in r.stdout and "3. Trần Văn C" in r.stdout
    assert tally(tmp_path, "committee", "remove", "event.toml", "2").returncode == 0
    assert tally(tmp_path, "committee", "remove", "event.toml", "trần văn c").returncode == 0
    r = tally(tmp_path, "committee", "remove", "event.toml", "Nobody")
    assert r.returncode == 3 and "E106" in r.stderr and "1. Ngô Văn Bình" in r.stderr
    data = tomllib.loads((tmp_path / "event.toml").read_text(encoding="utf-8"))
    assert data["committee"] == [{"name": "Ngô Văn Bình", "role": "Trưởng ban"}]


def test_init_in_a_terminal_offers_today(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from tally._cli import cli

    monkeypatch.setattr(cli, "_interactive", lambda: True)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli.app, ["init", "event.toml", "--title", "T", "--organisation", "O"],
                                input="\n" * 6)    # superior body, place, date, rule set, language, committee
    assert result.exit_code == 0, result.output
    assert tomllib.loads((tmp_path / "event.toml").read_text(encoding="utf-8"))["event"]["date"] == dt.date.today()


def test_person_set_corrects_a_name_and_says_so(tmp_path: Path) -> None:
    shutil.copy(SAMPLE, tmp_path / "event.toml")
    r = tally(tmp_path, "person", "set", "event.toml", "p03", "--name", "Đinh Thị Lan Anh", "--retiring")
    assert r.returncode == 0, r.stderr
    assert "Updated person p03 Đinh Thị Lan Anh in event.toml" in r.stdout
    r = tally(tmp_path, "person", "set", "event.toml", "p03", "--not-retiring", "-p", "btv", "-p", "pgd")
    assert r.returncode == 0, r.stderr
    person = tomllib.loads((tmp_path / "event.toml").read_text(encoding="utf-8"))["persons"][2]
    assert (person["retiring"], person["positions"]) == (False, ["btv", "pgd"])
    before = (tmp_path / "event.toml").read_bytes()
    for args, code in ((["p03"], "E103"), (["p99", "--name", "X"], "E106"), (["p03", "-p", "nope"], "E106")):
        r = tally(tmp_path, "person", "set", "event.toml", *args)
        assert (r.returncode, code in r.stderr) == (3, True), (args, r.stderr)
    assert (tmp_path / "event.toml").read_bytes() == before
