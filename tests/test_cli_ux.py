"""A committee's night without a stumble: the mistakes a tired clerk makes at 9 pm, each met
by one clear message and a documented exit code, never a traceback."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path

import openpyxl
import pytest
from conftest import DATA, SAMPLES, run_tally, tally_cmd


def said(proc: subprocess.CompletedProcess[str]) -> str:
    return " ".join((proc.stdout + proc.stderr).split())


def run_in_terminal(args: list[str], keys: list[bytes], cwd: Path, env: dict[str, str] | None = None,
                    pause: float = 1.0) -> tuple[int, str]:
    """Run tally on a pseudo-terminal (so that it prompts), typing `keys` one after another."""
    master, slave = pty.openpty()
    full_env = dict(os.environ, COLUMNS="100", **(env or {}))
    full_env.pop("TALLY_PASSPHRASE", None)
    proc = subprocess.Popen([*tally_cmd(), *args], stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=full_env,
                            close_fds=True)
    os.close(slave)
    output = b""

    def drain(wait: float) -> None:
        nonlocal output
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 4096)
                except OSError:
                    return
                if not data:
                    return
                output += data

    drain(pause * 2)
    for key in keys:
        if key == b"\x03":      # what the terminal does for Ctrl-C (this pty is not the child's controlling one)
            proc.send_signal(signal.SIGINT)
        else:
            os.write(master, key)
        drain(pause)
    try:
        code = proc.wait(timeout=60)
    finally:
        drain(0.5)
        os.close(master)
    return code, output.decode("utf-8", errors="replace").replace("\r", "")


@pytest.mark.parametrize("key", [b"\x03", b"\x04"], ids=["ctrl-c", "ctrl-d"])
def test_cancel_at_a_prompt_writes_nothing(tmp_path: Path, key: bytes) -> None:
    code, shown = run_in_terminal(["init", "event.toml"], [b"Lay phieu\r", key], tmp_path)
    assert code == 130, shown
    assert "Cancelled; nothing was written." in shown and "internal error" not in shown
    assert not (tmp_path / "event.toml").exists()


def test_cancel_at_the_passphrase_prompt(tmp_path: Path) -> None:
    code, shown = run_in_terminal(["keys", "new", "committee"], [b"\x04"], tmp_path)
    assert code == 130 and "Cancelled" in shown and "E805" not in shown, shown
    assert not list(tmp_path.iterdir())


def test_swapped_arguments_are_recognised(sample: Path) -> None:
    for command in ("check", "count"):
        proc = run_tally(command, sample / "ballots.xlsx", sample / "event.toml")
        assert proc.returncode == 2 and "E001" in proc.stderr, said(proc)
        assert "the event file comes first" in said(proc) and "UTF-8" not in said(proc)
        assert f"{sample / 'event.toml'} {sample / 'ballots.xlsx'}" in said(proc)


@pytest.mark.parametrize("name", ["event.txt", "event", "su-kien.TOML"])
def test_a_swapped_event_file_is_recognised_by_its_content(sample: Path, name: str) -> None:
    # The hint's command must run as copied: the event file the user gave, whatever its name.
    event = sample / name
    shutil.copy(sample / "event.toml", event)
    (sample / "event.toml").unlink()
    proc = run_tally("check", sample / "ballots.xlsx", event)
    assert proc.returncode == 2 and "E001" in proc.stderr, said(proc)
    assert f"{event} {sample / 'ballots.xlsx'}" in said(proc) and "event.toml" not in said(proc)


def test_an_event_file_given_to_reconcile_as_an_entry(sample: Path) -> None:
    entry = sample / "ballots.xlsx"
    for args in ((sample / "event.toml", entry), (entry, sample / "event.toml")):
        proc = run_tally("--lang", "en", "reconcile", *args)
        assert proc.returncode == 2 and "E001" in proc.stderr and "E401" not in proc.stderr, said(proc)
        assert "--event" in said(proc) and "CSV" not in said(proc)
    proc = run_tally("--lang", "vi", "reconcile", sample / "event.toml", entry)
    assert proc.returncode == 2 and "E001" in proc.stderr and "tệp sự kiện" in said(proc), said(proc)


def test_an_event_file_among_the_ballot_files_is_recognised(sample: Path) -> None:
    import shlex

    other = sample / "other-event.toml"
    shutil.copy(sample / "event.toml", other)
    for command in ("check", "count"):
        proc = run_tally("--lang", "en", command, sample / "event.toml", sample / "ballots.xlsx", other)
        assert proc.returncode == 2 and "E001" in proc.stderr and "E401" not in proc.stderr, said(proc)
        offered = re.search(r"then the ballot files: (.*?) 1 error", " ".join(proc.stderr.split()))
        assert f"'{other}' is an event file, not a ballot file" in " ".join(said(proc).split()) and offered, said(proc)
        assert shlex.split(offered.group(1)) == [str(sample / "event.toml"), str(sample / "ballots.xlsx")]
    assert run_tally("check", *shlex.split(offered.group(1))).returncode == 0
    proc = run_tally("--lang", "vi", "check", sample / "event.toml", sample / "ballots.xlsx", other)
    assert proc.returncode == 2 and "E001" in proc.stderr and "tệp sự kiện" in said(proc), said(proc)


def test_a_ballot_sheet_given_to_reconcile_as_the_event_file(sample: Path) -> None:
    import shlex

    entry, copy = sample / "ballots.xlsx", sample / "copy.xlsx"
    shutil.copy(entry, copy)
    proc = run_tally("--lang", "en", "reconcile", entry, copy, "--event", entry)
    assert proc.returncode == 2 and "E001" in proc.stderr and "E101" not in proc.stderr, said(proc)
    text = " ".join(proc.stderr.split())
    assert "is given as the event file (--event), but it is a ballot sheet" in text and "UTF-8" not in text, text
    offered = re.search(r"with --event: tally reconcile (.*?) 1 error", text)
    assert offered and shlex.split(offered.group(1)) == [str(entry), str(copy), "--event", "event.toml"], text
    proc = run_tally("--lang", "vi", "reconcile", entry, copy, "--event", entry)
    assert proc.returncode == 2 and "E001" in proc.stderr and "tệp sự kiện" in said(proc), said(proc)


@pytest.mark.parametrize("name", ["results.pdf", "minutes", "results.XLS"])
def test_output_must_be_an_xlsx_name(sample: Path, name: str) -> None:
    out = sample / "out" / name
    for args in (("count", sample / "event.toml", sample / "ballots.xlsx", "-o", out),
                 ("template", sample / "event.toml", "-o", out), ("ballots", sample / "event.toml", "-o", out)):
        proc = run_tally(*args)
        assert proc.returncode == 2 and "E002" in proc.stderr and ".xlsx" in proc.stderr, said(proc)
    assert not (sample / "out").exists()


def test_wrong_output_name_never_touches_a_signed_pair(sample: Path) -> None:
    """`-o results.pdf --force` beside a counted results.xlsx must not replace its results.json."""
    out = sample / "results.xlsx"
    assert run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "-o", out).returncode == 0
    before = out.with_suffix(".json").read_bytes()
    proc = run_tally("count", sample / "event.toml", sample / "ballots.xlsx", "-o", sample / "results.pdf", "--force")
    assert proc.returncode == 2 and "E002" in proc.stderr
    assert out.with_suffix(".json").read_bytes() == before and not (sample / "results.pdf").exists()


def test_two_entries_of_the_same_ballots_given_together(sample: Path) -> None:
    second = sample / "ballots-2.xlsx"
    shutil.copy(sample / "ballots.xlsx", second)
    proc = run_tally("check", sample / "event.toml", sample / "ballots.xlsx", second)
    assert proc.returncode == 5
    assert proc.stderr.count("E417") == 1 and "E503" not in proc.stderr and "E204" not in proc.stderr, said(proc)
    assert "look like two entries of the same ballots" in said(proc)
    # the command runs as copied: the files as the user gave them, not their bare names
    assert f"tally reconcile {sample / 'ballots.xlsx'} {second} --event {sample / 'event.toml'}" in said(proc)
    # and it runs so: a hand-made sheet has no event file of its own, reconcile needs --event
    command = re.search(r"tally reconcile .*", proc.stderr)
    assert command and run_tally(*command.group(0).split()[1:]).returncode == 0, proc.stderr


@pytest.mark.parametrize("how", ["same", "relative", "link"])
def test_one_file_given_twice_is_one_message(sample: Path, how: str) -> None:
    ballots = sample / "ballots.xlsx"
    again = {"same": ballots, "relative": sample / "." / "ballots.xlsx", "link": sample / "link.xlsx"}[how]
    if how == "link":
        again.symlink_to(ballots)
    for lang, words in (("en", "is given twice"), ("vi", "được đưa hai lần")):
        proc = run_tally("--lang", lang, "check", sample / "event.toml", ballots, again)
        assert proc.returncode == 5, said(proc)
        assert proc.stderr.count("E417") == 1 and "E503" not in proc.stderr, said(proc)
        assert words in said(proc) and "tally reconcile" not in said(proc)


@pytest.mark.parametrize("above", [["BẢNG NHẬP PHIẾU"], [None], ["Ban kiểm phiếu", None, "ngày 31/5"]])
def test_a_header_below_row_1_is_one_message(sample: Path, above: list[object]) -> None:
    # A title typed above the header (or an empty row) is named once, with the row to delete,
    # not as an unknown column plus a missing column for every person.
    wb = openpyxl.load_workbook(sample / "ballots.xlsx")
    wb["btv"].insert_rows(1, 2)
    wb["btv"].cell(1, 1).value = above[0]
    wb["btv"].cell(2, 3).value = above[-1] if len(above) > 1 else None
    wb.save(sample / "ballots.xlsx")
    proc = run_tally("check", sample / "event.toml", sample / "ballots.xlsx")
    text = said(proc)
    assert proc.returncode == 5 and "E403 the header row is row 3, not row 1" in text, text
    assert "delete the 2" in text and "rows above the header" in text
    assert "E405" not in text and "E404" not in text and "E407" not in text


def test_ballot_number_above_issued_and_gap_are_named(sample: Path) -> None:
    wb = openpyxl.load_workbook(sample / "ballots.xlsx")
    ws = wb["btv"]
    head = [c.value for c in ws[1]]
    col = head.index("Số phiếu") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == 3)
    ws.cell(row, col).value = 26
    wb.save(sample / "ballots.xlsx")
    proc = run_tally("check", sample / "event.toml", sample / "ballots.xlsx")
    text = said(proc)
    assert "W714 form btv: ballot number 26 is above the 25 ballots issued" in text, text
    assert "W715 form btv: ballot number 3 is missing from 1–25" in text


@pytest.mark.parametrize("columns", [60, 80, 100, 200])
def test_fingerprint_never_broken_inside_a_group(columns: int) -> None:
    proc = run_tally("keys", "show", DATA / "keys" / "committee.pub", env={"COLUMNS": str(columns)})
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert all(len(line) <= columns for line in lines), lines
    groups = [g for line in lines for g in line.split() if re.fullmatch(r"[0-9a-f]{4}", g)]
    assert len(groups) == 16, lines                       # every group whole, none split by the terminal


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_show_fits_80_columns(lang: str) -> None:
    proc = run_tally("--lang", lang, "show", SAMPLES / "event.toml", env={"COLUMNS": "80"})
    assert proc.returncode == 0
    assert all(len(line) <= 80 for line in proc.stdout.splitlines())
    assert "…" not in proc.stdout                          # no header or value cut short
    assert ("Triệu tập: 27" if lang == "vi" else "Summoned: 27") in proc.stdout


def test_quiet_is_honoured_by_show_and_verify(sample: Path) -> None:
    proc = run_tally("--quiet", "show", sample / "event.toml")
    assert proc.returncode == 0 and len(proc.stdout.strip().splitlines()) <= 2 and "p01" not in proc.stdout
    proc = run_tally("position", "list", sample / "event.toml", "--quiet")
    assert proc.returncode == 0 and "btv" not in proc.stdout


@pytest.mark.parametrize("columns", ["80", "120"])
def test_show_never_ticks_a_quorum_no_rule_asks_for(tmp_path: Path, columns: str) -> None:
    # Under nq85-2014 the policy's quorum is "none": at 80 columns `show` printed
    # "✓ 3×30 ≥ 2×50", a false inequality with a tick, where the wide table said there is no rule.
    event = tmp_path / "event.toml"
    text = (SAMPLES / "event.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^rules = "[^"]*"', 'rules = "nq85-2014"', text)
    text = re.sub(r"(?m)^summoned = \d+", "summoned = 50\nmembers = 50", text)
    event.write_text(text, encoding="utf-8")
    proc = run_tally("show", event, env={"COLUMNS": columns})
    shown = proc.stdout
    assert "(no quorum rule)" in shown, shown
    assert not re.search(r"✓ 3×\d+ ≥ 2×50", shown)


def _typed_entry(folder: Path, ballots: int = 57) -> None:
    """An event of one form of two people, its entry workbook made by `tally template` and
    typed in full (entry-1.xlsx)."""
    ev = folder / "event.toml"
    for args in (("init", ev, "--title", "T", "--organisation", "O", "--date", "31/05/2023", "--rules", "qd96",
                  "--committee", "Ngô Văn Bình:Trưởng ban"),
                 ("position", "add", ev, "--id", "btv", "--title", "Ủy viên BTV"),
                 ("person", "add", ev, "--id", "p01", "--name", "Nguyễn Văn An", "--position", "btv"),
                 ("person", "add", ev, "--id", "p02", "--name", "Trần Thị Bình", "--position", "btv"),
                 ("group", "add", ev, "--id", "btv", "--title", "Phiếu BTV", "--position", "btv", "--summoned",
                  str(ballots + 3), "--present", str(ballots), "--issued", str(ballots), "--collected", str(ballots)),
                 ("template", ev, "-o", folder / "entry.xlsx")):
        assert run_tally(*args).returncode == 0, args
    wb = openpyxl.load_workbook(folder / "entry.xlsx")
    ws = wb["btv"]
    for row in range(2, ballots + 2):
        ws.cell(row, 4).value, ws.cell(row, 5).value = 1 + row % 3, 1 + row % 2
    wb.save(folder / "entry-1.xlsx")


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_person_added_after_the_template_is_one_message(tmp_path: Path, lang: str) -> None:
    """Issue 11, A1: the empty column of a person added to the form is one E502, not 57."""
    _typed_entry(tmp_path)
    ev = tmp_path / "event.toml"
    assert run_tally("person", "add", ev, "--id", "p03", "--name", "Lê Văn Cường", "--position", "btv").returncode == 0
    assert run_tally("template", ev, "-o", tmp_path / "entry-new.xlsx", "--from", tmp_path / "entry-1.xlsx"
                     ).returncode == 0
    proc = run_tally("--lang", lang, "check", ev, tmp_path / "entry-new.xlsx", env={"COLUMNS": "80"})
    assert proc.returncode == 5
    assert proc.stderr.count("E502") == 1, proc.stderr
    assert "p03 Lê Văn Cường" in proc.stderr and "57" in proc.stderr and "F2:F58" in proc.stderr
    assert ("probably added" if lang == "en" else "có lẽ") in said(proc), proc.stderr
    assert all(len(line) <= 80 for line in proc.stderr.splitlines())
    listed = run_tally("check", ev, tmp_path / "entry-new.xlsx", "--json")
    assert [d["code"] for d in __import__("json").loads(listed.stdout)["diagnostics"]] == ["E502"] * 57


def test_many_of_one_code_are_summed_up_after_the_first(tmp_path: Path) -> None:
    """Issue 11, A1: a run of one code shows the first few, then how many more and where."""
    _typed_entry(tmp_path, ballots=14)
    wb = openpyxl.load_workbook(tmp_path / "entry-1.xlsx")
    for row in range(2, 13):
        wb["btv"].cell(row, 4).value = f"x{row}"
    for row in range(13, 15):
        wb["btv"].cell(row, 5).value = "y"
    wb.save(tmp_path / "entry-1.xlsx")
    proc = run_tally("check", tmp_path / "event.toml", tmp_path / "entry-1.xlsx")
    assert proc.returncode == 5
    assert proc.stderr.count("✗ E501") == 3, proc.stderr          # 11 of them: a flood
    assert "and 10 more E501 like these" in proc.stderr and "D5, D6, D7, D8, D9, D10, D11, D12 …" in proc.stderr
    assert "13 errors" in proc.stderr
    proc = run_tally("check", tmp_path / "event.toml", tmp_path / "entry-1.xlsx", "--json")
    assert [d["code"] for d in __import__("json").loads(proc.stdout)["diagnostics"]].count("E501") == 13


def test_more_of_one_code_than_the_core_lists_are_counted_in_full(sample: Path) -> None:
    """Past MAX_REPORTED_PER_CODE of one code the core lists that many and one summary; the terminal's
    '… and N more' and the totals (its closing line, --json's errors) count every one found."""
    import json

    from ballots.event import load_event
    from ballots.validate import MAX_REPORTED_PER_CODE

    text = (sample / "event.toml").read_text(encoding="utf-8")
    big = text.replace("summoned = 27\npresent = 25\nissued = 25\ncollected = 25\n",
                       "summoned = 30000\npresent = 25000\nissued = 20000\n")
    assert big != text
    (sample / "event.toml").write_text(big, encoding="utf-8")
    event, _w = load_event(sample / "event.toml")
    persons = event.persons_on(next(g for g in event.groups if g.id == "btv"))
    typed = MAX_REPORTED_PER_CODE + 17
    rows = ["Số phiếu," + ",".join(p.id for p in persons)]
    rows += [f"{n},x{n % 7}," + ",".join(["1"] * (len(persons) - 1)) for n in range(1, typed + 1)]
    (sample / "btv.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    args = ("check", sample / "event.toml", sample / "btv.csv")
    listed = json.loads(run_tally(*args, "--json").stdout)
    codes = [d["code"] for d in listed["diagnostics"]]
    assert codes.count("E501") == MAX_REPORTED_PER_CODE + 1             # the first ones, then "… and 17 more"
    assert listed["errors"] == typed + codes.count("E402"), listed["errors"]
    proc = run_tally("--lang", "en", *args, env={"COLUMNS": "100"})
    shown = proc.stderr.count("✗ E501")
    assert proc.returncode == 5 and 0 < shown < 10, proc.stderr
    assert (f"… and {typed - shown} more E501 like these (--json lists the first {MAX_REPORTED_PER_CODE})"
            in proc.stderr), proc.stderr
    assert f"\n{listed['errors']} errors\n" in proc.stderr, proc.stderr
    assert "more problems of this kind" not in proc.stderr      # the summary is counted, not shown


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_refused_workbook_is_not_summarised_as_empty(tmp_path: Path, lang: str) -> None:
    """Issue 11, A3 and A2: E411 says the file was not read, and its hint's command is one line."""
    _typed_entry(tmp_path)
    ev = tmp_path / "event.toml"
    assert run_tally("person", "add", ev, "--id", "p03", "--name", "Lê Văn Cường", "--position", "btv").returncode == 0
    proc = run_tally("--lang", lang, "check", "event.toml", "entry-1.xlsx", cwd=tmp_path, env={"COLUMNS": "80"})
    assert proc.returncode == 5 and "E411" in proc.stderr
    assert "0 ballots" not in proc.stdout and "0 phiếu" not in proc.stdout, proc.stdout
    assert ("not read" if lang == "en" else "không đọc") in proc.stdout
    command = "tally template event.toml -o entry-1-new.xlsx --from entry-1.xlsx"
    assert any(line.strip() == command for line in proc.stderr.splitlines()), proc.stderr


@pytest.mark.parametrize("width", [40, 60, 80])
def test_a_command_in_a_hint_is_never_wrapped(width: int, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 11, A2: prose wraps with a hanging indent; a command (and a path) is never broken."""
    from tally._cli.cli_render import say
    from tally._cli.cli_term import Console

    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("LINES", "25")
    path = "out/a-rather-long-folder-name/entry-final-2023-09-28.xlsx"
    command = f"tally template event.toml -o {path} --from out/entry-1.xlsx"
    say(Console(stderr=True), "    → ", f"decide every doubtful mark with `tally review {path}`, then run "
        f"it again; or move the rows: {command}", indent=6)
    lines = capsys.readouterr().err.splitlines()
    assert f"tally review {path}" in [line.strip().strip("`,") for line in lines], lines
    assert any(line.strip() == command for line in lines), lines
    assert all(line.startswith("      ") for line in lines[1:]), lines
    words = [w for line in lines for w in line.split()]
    assert path in words and "out/entry-1.xlsx" in words
    assert all(len(line) <= width for line in lines if "tally" not in line and path not in line), lines


@pytest.mark.parametrize("overlap", [4, 22])
def test_two_files_that_overlap_a_little_are_not_taken_for_two_entries(sample: Path, overlap: int) -> None:
    # Two clerks who split the pile (one typed 1-25, the other 22-46) typed different ballots:
    # "reconcile them, then count one" would drop most of them. Only two files sharing most of
    # their ballots are E417; a few clashes are each an E503 naming both places.
    wb = openpyxl.load_workbook(sample / "ballots.xlsx")
    for ws in wb:
        numbers = [row[0] for row in ws.iter_rows(min_row=2) if isinstance(row[0].value, int)]
        for cell in numbers:
            cell.value += len(numbers) - overlap
    second = sample / "ballots-2.xlsx"
    wb.save(second)
    proc = run_tally("check", sample / "event.toml", sample / "ballots.xlsx", second)
    assert proc.returncode != 0, said(proc)
    if overlap == 4:
        assert "E417" not in proc.stderr and "E503" in proc.stderr, said(proc)
    else:
        assert proc.stderr.count("E417") == 1 and "E503" not in proc.stderr, said(proc)


@pytest.mark.parametrize("lang", ["en", "vi"])
@pytest.mark.parametrize("columns", [80, 120])
def test_show_labels_every_count_as_the_wide_table_heads_it(tmp_path: Path, lang: str, columns: int) -> None:
    """At 80 columns each count under Meeting and each date under a name is 'Label: value',
    capitalised as the wide table's column heads are ('members 50' and 'appointed 2019-07-01' were
    lower-case there); the wide table labels members so too."""
    event = tmp_path / "event.toml"
    text = (SAMPLES / "event.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^rules = "[^"]*"', 'rules = "nq85-2014"', text)
    text = re.sub(r"(?m)^summoned = (\d+)", r"summoned = \1\nmembers = 50", text)
    text = re.sub(r"(?m)^retiring = false", "retiring = true", text, count=1)
    event.write_text(text, encoding="utf-8")
    proc = run_tally("--lang", lang, "show", event, env={"COLUMNS": str(columns)})
    shown = proc.stdout
    assert proc.returncode == 0 and all(len(line) <= columns for line in shown.splitlines()), shown
    members, appointed, retiring = {"en": ("Members", "Appointed", "Retiring: yes"),
                                    "vi": ("Thành viên", "Ngày bổ nhiệm", "Nghỉ hưu: có")}[lang]
    assert not re.search(r"(?i)\b(members|thành viên) 50", shown), shown
    if columns == 80:
        assert shown.count(f"{members}: 50") == 2, shown
        assert f" {appointed}: " in shown and f" {retiring} " in shown, shown
        cells = [line.split("│")[2].strip() for line in shown[shown.index(members + ": 50") - 400:].splitlines()
                 if line.count("│") == 4 and line.split("│")[2].strip()]
        assert cells and all(c[0].isupper() or c[0] in "–✓✗?" for c in cells), cells
    else:                   # under Collected, as the narrow table says it
        assert shown.count(f"{members}: 50") == 2, shown


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_the_closing_lines_wrap_under_their_text_and_keep_each_path_whole(sample: Path, lang: str) -> None:
    """'✓ Wrote …' at 80 columns: the lines after the first under its text (2 spaces, as the
    hints hang under theirs), and a path that fits a line is never broken, at a space in it
    either; check's per-form lines hang under their form too."""
    folder = "Kiểm phiếu giữa nhiệm kỳ 2020-2025/biên bản đã ký của Ban kiểm phiếu"
    out = sample / folder / "results.xlsx"
    proc = run_tally("--lang", lang, "count", sample / "event.toml", sample / "ballots.xlsx", "-o", out,
                     env={"COLUMNS": "80"})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("✓ "))
    closing = lines[start:]
    assert len(closing) > 1 and all(line.startswith("  ") and not line.startswith("   ") for line in closing[1:]), lines
    for path in (out, out.with_suffix(".json")):
        assert sum(str(path) in line for line in closing) == 1, closing     # whole, on one line
    assert all(len(line) <= 80 for line in closing if str(out.parent) not in line), closing

    proc = run_tally("--lang", lang, "check", sample / "event.toml", sample / "ballots.xlsx", env={"COLUMNS": "60"})
    shown = proc.stdout.splitlines()
    forms = shown[:next(i for i, line in enumerate(shown) if line.startswith("✓ "))]
    assert len(forms) > 2 and all(len(line) <= 60 for line in forms), forms
    assert all(line.startswith(("  btv: ", "  lanhdao: ", "    ")) for line in forms), forms


def test_say_keeps_a_path_with_spaces_whole(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from tally._cli.cli_render import say
    from tally._cli.cli_term import Console

    monkeypatch.setenv("COLUMNS", "60")
    path = "Biên bản kiểm phiếu/đợt 2/results.xlsx"
    for said in ("Wrote", "Wrote the minutes of the meeting to"):
        say(Console(), "✓ ", f"{said} {path} and more words after it to wrap", indent=2, keep=[path])
        lines = capsys.readouterr().out.splitlines()
        assert sum(path in line for line in lines) == 1 and all(len(line) <= 60 for line in lines), lines
        assert all(line.startswith("  ") for line in lines[1:]), lines


def test_shell_word_quotes_only_what_a_shell_would_split() -> None:
    import shlex

    from ballots.errors import shell_word

    for plain in ("out/entry-1.xlsx", "ev/event.toml", "Biên_bản/kết-quả.xlsx", "~/x.toml"):   # tests/test_shell_word.py
        assert shell_word(plain) == plain
    for spaced in ("Kiểm phiếu 2023/event.toml", "a b.xlsx", "Lê & Trần/entry.xlsx", "x(1).xlsx"):
        assert shell_word(spaced) == f'"{spaced}"' and shlex.split(shell_word(spaced)) == [spaced]


def test_commands_in_hints_run_as_copied_from_folders_with_spaces(sample: Path) -> None:
    """E417 and E001 offer commands naming the files as given; in a folder whose name has spaces
    (Kiểm phiếu 2023, as on a committee's Windows desktop) each path is one quoted word."""
    import shlex

    folder = sample / "Kiểm phiếu 2023"
    folder.mkdir()
    for name in ("event.toml", "ballots.xlsx"):
        shutil.move(sample / name, folder / name)
    shutil.copy(folder / "ballots.xlsx", folder / "ballots 2.xlsx")
    event, first, second = (Path("Kiểm phiếu 2023") / n for n in ("event.toml", "ballots.xlsx", "ballots 2.xlsx"))
    proc = run_tally("check", event, first, second, cwd=sample)
    offered = re.search(r"tally reconcile .*", proc.stderr)    # the command on a line of its own
    assert proc.returncode == 5 and "E417" in proc.stderr and offered, said(proc)
    assert shlex.split(offered.group(0)) == ["tally", "reconcile", str(first), str(second), "--event", str(event)]
    assert run_tally(*shlex.split(offered.group(0))[1:], cwd=sample).returncode == 0

    proc = run_tally("check", first, event, cwd=sample)
    offered = re.search(r"then the ballot files: ([^\n]*)", " ".join(proc.stderr.split(" ")))
    assert proc.returncode == 2 and "E001" in proc.stderr and offered, said(proc)
    assert shlex.split(offered.group(1)) == [str(event), str(first)], offered.group(1)
