"""Vietnamese and English everywhere a person reads (ballots/i18n.py, cli_support.py,
ballots/locale/vi/LC_MESSAGES/tally.po).

The catalogue is complete both ways (every message the code can show has Vietnamese, and
the catalogue holds nothing the code no longer says), tally.mo is tally.po compiled, and
the real command prints every line of its output in the chosen language.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, invoke, tally_cmd

from ballots import i18n

# A sheet with a problem of every common kind: an unknown mark, a cell not entered, a
# duplicate ballot number, a total row, a column for nobody, and too few ballots.
BAD_SHEET = (
    "Số phiếu,Tình trạng,Ghi chú,p01,p02,p03,p04,p05,Cột lạ\n"
    "1,,,1,2,3,1,x,\n"
    "2,,,1,,3,1,2,\n"
    "2,,,1,2,3,1,2,\n"
    "3,không hợp lệ,rách,,,,,,\n"
    ",,Tổng,5,5,5,5,5,\n"
)


def _tools() -> object:
    spec = importlib.util.spec_from_file_location("tally_tools_i18n", ROOT / "tools" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*args: str | Path, lang_env: dict[str, str] | None = None,
        installed: bool = False) -> subprocess.CompletedProcess[str]:
    """The command with only the locale variables we give it: in-process (conftest.invoke),
    or with `installed` the console command in a child process of its own."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TALLY_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "TALLY_DEBUG")}
    env.update(COLUMNS="300", **(lang_env or {}))
    if not installed:
        return invoke(list(args), env=env)
    proc = subprocess.run([*tally_cmd(), *map(str, args)], env=env, capture_output=True, text=True,
                          encoding="utf-8", timeout=300, check=False)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


@pytest.fixture
def bad_sheet(tmp_path: Path) -> Path:
    path = tmp_path / "btv.csv"
    path.write_text(BAD_SHEET, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the catalogue


def test_catalogue_is_complete_both_ways_and_compiled() -> None:
    """A message in one language only fails here: a new English text without Vietnamese, a
    Vietnamese text for a message the code no longer has, a dropped {placeholder}, a
    diagnostic built from unmarked text, or a tally.mo that is not tally.po compiled."""
    problems = _tools().problems()  # type: ignore[attr-defined]
    assert problems == [], "\n".join(problems) + "\nfix: python tools/i18n.py update; translate; compile"


def test_every_error_code_title_has_vietnamese() -> None:
    from ballots.errors import CODES

    with i18n.using("vi"):
        untranslated = [c.code for c in CODES.values() if i18n._(c.title) == c.title]
    assert untranslated == []


def test_translations_are_nfc_with_vietnamese_letters() -> None:
    po = (ROOT / "ballots" / "locale" / "vi" / "LC_MESSAGES" / "tally.po").read_text(encoding="utf-8")
    assert unicodedata.normalize("NFC", po) == po
    with i18n.using("vi"):
        assert i18n._("no quorum") == "hội nghị không đủ số lượng"
        assert i18n._n("{n} error", "{n} errors", 3).format(n=3) == "3 lỗi"
    assert i18n.language() == "en" and i18n._("no quorum") == "no quorum"   # English stays the default


def test_installed_package_ships_the_compiled_catalogue() -> None:
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["ballots"]
    assert "locale/*/LC_MESSAGES/*.mo" in patterns
    assert (ROOT / "ballots" / "locale" / "vi" / "LC_MESSAGES" / "tally.mo").stat().st_size > 10_000


# ---------------------------------------------------------------- which language


@pytest.mark.parametrize("option, env, expected", [
    (None, {}, "en"),
    (None, {"LANG": "vi_VN.UTF-8"}, "vi"),
    (None, {"LANG": "en_US.UTF-8"}, "en"),
    (None, {"LANG": "C.UTF-8"}, "en"),
    (None, {"LANG": "fr_FR.UTF-8"}, "en"),
    (None, {"LC_ALL": "vi_VN.UTF-8", "LANG": "en_GB.UTF-8"}, "vi"),
    (None, {"LC_MESSAGES": "en_GB.UTF-8", "LANG": "vi_VN.UTF-8"}, "en"),
    (None, {"TALLY_LANG": "vi", "LANG": "en_US.UTF-8"}, "vi"),     # TALLY_LANG over the locale
    (None, {"TALLY_LANG": "en", "LANG": "vi_VN.UTF-8"}, "en"),
    (None, {"TALLY_LANG": "xx", "LANG": "vi_VN"}, "vi"),           # an unknown TALLY_LANG is ignored
    ("en", {"TALLY_LANG": "vi", "LANG": "vi_VN.UTF-8"}, "en"),     # --lang over everything
    ("vi", {"TALLY_LANG": "en"}, "vi"),
])
def test_language_comes_from_option_then_tally_lang_then_locale(option: str | None, env: dict[str, str],
                                                                 expected: str) -> None:
    assert i18n.detect_language(option, env) == expected


# ---------------------------------------------------------------- the real command


def _english_fragments() -> list[str]:
    """Pieces of English message text long enough not to occur by chance in Vietnamese output."""
    tools = _tools()
    fragments = set()
    for message in tools.template():  # type: ignore[attr-defined]
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in ids:
            if not text:
                continue
            for piece in re.split(r"\{[^{}]*\}|`[^`]*`|'[^']*'|\([^()]*\)", text):
                words = re.findall(r"[A-Za-z]{2,}", piece)
                if len(words) >= 3:
                    fragments.add(" ".join(piece.split()))
    return sorted(fragments)


def _location_line(line: str) -> bool:
    """A line that is only a place (file › sheet › cell) or a count: the same in every language."""
    return bool(re.fullmatch(r"\s*(\S+( › \S+)*|\S+:\d+|\d+)\s*", line))


def test_check_a_bad_sheet_in_vietnamese_from_the_locale_and_in_english_with_lang(bad_sheet: Path) -> None:
    vi = run("check", SAMPLES / "event.toml", bad_sheet, lang_env={"LANG": "vi_VN.UTF-8"}, installed=True)
    en = run("check", SAMPLES / "event.toml", bad_sheet, "--lang", "en", lang_env={"LANG": "vi_VN.UTF-8"},
             installed=True)
    assert vi.returncode == en.returncode == 5
    codes = sorted(set(re.findall(r"\b[EW]\d{3}\b", en.stderr)))
    assert {"E501", "E502", "E503", "E405", "E506"} <= set(codes), en.stderr
    assert sorted(set(re.findall(r"\b[EW]\d{3}\b", vi.stderr))) == codes          # codes are stable

    vi_lines = (vi.stderr + vi.stdout).splitlines()
    en_lines = (en.stderr + en.stdout).splitlines()
    assert len(vi_lines) == len(en_lines), (vi.stderr + vi.stdout, en.stderr + en.stdout)
    for v, e in zip(vi_lines, en_lines):
        if v == e:
            assert _location_line(v), f"not translated: {v!r}"
    text = vi.stderr + vi.stdout
    assert unicodedata.normalize("NFC", text) == text
    for fragment in _english_fragments():
        assert fragment not in text, f"English left in the Vietnamese output: {fragment!r}"
    # correct diacritics: precomposed Vietnamese letters, as in the catalogue
    for word in ("không", "phiếu", "Chưa thể kiểm phiếu", "lỗi"):
        assert word in text, text
    assert "Not ready to count" in en.stdout and "phiếu" not in en.stdout.replace(bad_sheet.name, "")


def test_tally_lang_wins_over_the_locale_and_lang_wins_over_tally_lang(bad_sheet: Path) -> None:
    env = {"LANG": "en_US.UTF-8", "TALLY_LANG": "vi"}
    assert "Chưa thể kiểm phiếu" in run("check", SAMPLES / "event.toml", bad_sheet, lang_env=env).stdout
    # --lang before or after the command
    for args in (("--lang", "en", "check", SAMPLES / "event.toml", bad_sheet),
                 ("check", SAMPLES / "event.toml", bad_sheet, "--lang=en")):
        assert "Not ready to count" in run(*args, lang_env=env).stdout


def test_help_and_usage_errors_follow_the_language() -> None:
    vi = run("--lang", "vi", "check", "--help")
    assert vi.returncode == 0
    assert vi.stdout.startswith("Cách dùng: tally check")
    assert "Kiểm tra tệp sự kiện và các bảng nhập phiếu" in vi.stdout and "Tùy chọn:" in vi.stdout
    assert "Hiện hướng dẫn này rồi thoát." in vi.stdout and "Options" not in vi.stdout
    top = run("--help", lang_env={"TALLY_LANG": "vi"})
    assert "Kiểm tra và kiểm phiếu:" in top.stdout and "Kiểm tra, kiểm phiếu và ghi biên bản" in top.stdout
    wrong = run("chek", lang_env={"LANG": "vi_VN.UTF-8"})
    assert wrong.returncode == 2
    assert "Lỗi: Không có lệnh 'chek'. Có phải ý bạn là 'check'?" in wrong.stderr
    missing = run("check", lang_env={"LANG": "vi_VN.UTF-8"})
    assert missing.returncode == 2 and "Thiếu đối số" in missing.stderr
    assert "Missing argument" in run("check", "--lang", "en", lang_env={"LANG": "vi_VN.UTF-8"}).stderr
    bad = run("--lang", "fr", "--help")
    assert bad.returncode == 2 and "--lang" in bad.stderr
    bare = run("keys", "--lang", "vi")     # a group without its command shows its help, as before
    assert bare.returncode == 2 and bare.stderr.startswith("Cách dùng: tally keys") and "Lỗi" not in bare.stderr


def test_results_table_in_vietnamese_uses_decimal_commas(tmp_path: Path) -> None:
    proc = run("count", SAMPLES / "event.toml", SAMPLES / "ballots.xlsx", "--lang", "vi")
    assert proc.returncode == 0, proc.stderr
    assert "Tín nhiệm cao" in proc.stdout and re.search(r"\(\d+,\d\d%\)", proc.stdout)
    assert "Không ghi tệp nào" in proc.stdout


def test_library_messages_follow_the_active_language_and_the_cli_leaves_it_as_it_was(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from ballots.event import read_event
    from tally._cli import cli

    missing = tmp_path / "nowhere.toml"
    assert read_event(missing).diagnostics[0].message == f"event file '{missing}' does not exist"
    with i18n.using("vi"):
        d = read_event(missing).diagnostics[0]
        assert d.message == f"tệp sự kiện '{missing}' không tồn tại"
        assert d.hint == "kiểm tra đường dẫn, hoặc tạo tệp mới bằng `tally init`"
    result = CliRunner().invoke(cli.app, ["--lang", "vi", "show", str(missing)])
    assert result.exit_code == 3 and "không tồn tại" in result.output
    assert i18n.language() == "en"     # a command run in-process does not change the caller's language


def _source_files() -> list[Path]:
    return [*sorted(ROOT.glob("cli*.py")),
            *sorted((ROOT / "ballots").rglob("*.py")), *sorted((ROOT / "tally").rglob("*.py"))]


def test_no_message_is_an_f_string_or_inside_one() -> None:
    """`_(f"...")` can never be found in the catalogue, and a `_()` inside an f-string is
    extracted differently by Python 3.12+ (PEP 701 tokenises f-strings): both lose the
    translation. Messages take their values through .format()."""
    import ast

    found = []
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        inside: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):
                inside.update(id(sub) for sub in ast.walk(node) if sub is not node)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"_", "_n", "N_"}:
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if any(isinstance(arg, ast.JoinedStr) for arg in node.args):
                    found.append(f"{where}: {node.func.id}() of an f-string")
                literal = bool(node.args) and isinstance(node.args[0], ast.Constant)
                if id(node) in inside and literal:   # _(variable) is a lookup, not a message to extract
                    found.append(f"{where}: {node.func.id}() inside an f-string")
    assert not found, "\n".join(found)
