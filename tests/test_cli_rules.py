"""`tally rules [ID]`: the rule sets as data, each rule with its article and its source,
in the reader's language, readable at 80 columns."""

from __future__ import annotations

import pytest
from conftest import run_tally

from ballots.rules import RULE_SETS


def test_lists_every_rule_set() -> None:
    proc = run_tally("--lang", "en", "rules", env={"COLUMNS": "80"})
    assert proc.returncode == 0, proc.stderr
    for rid in RULE_SETS:
        assert rid in proc.stdout
    assert proc.stdout.count("replaced by") == 3 and "tally rules ID" in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80


@pytest.mark.parametrize(("lang", "rules", "wanted"), [
    ("en", "qd96-2023", ["2·L > B ∧ 3·L < 2·B", "3·L ≥ 2·B", "Art. 11.2, QĐ 96-QĐ/TW", "Art. 11.3, QĐ 96-QĐ/TW",
                         "REGULATION.md S31 [C]", "QĐ 41-QĐ/TW", "fixed", "Art. 3, QĐ 96-QĐ/TW"]),
    ("vi", "qd96-2023", ["khoản 2 Điều 11 QĐ 96-QĐ/TW", "Ngưỡng", "bỏ phiếu tín nhiệm"]),
    ("en", "nq96-2023", ["Art. 12.2, NQ 96/2023/QH15", "Art. 12.3, NQ 96/2023/QH15", "Art. 13, NQ 96/2023/QH15",
                         "Art. 19.3, NQ 96/2023/QH15", "Art. 2.4, NQ 96/2023/QH15", "no rule found"]),
    ("en", "nq35-2012", ["3·L > 2·B", "2·L > B ∧ 3·L ≤ 2·B", "Art. 11, NQ 35/2012/QH13", "two years running"]),
    ("vi", "nq85-2014", ["khoản 1 Điều 17 NQ 85/2014/QH13", "9 tháng", "Hướng dẫn 321/HD-UBTVQH14"]),
    ("en", "qd262-2014", ["Art. 7.2, QĐ 262-QĐ/TW", '= "ballot"', "Art. 11, QĐ 262-QĐ/TW"]),
])
def test_one_rule_set_in_full(lang: str, rules: str, wanted: list[str]) -> None:
    proc = run_tally("--lang", lang, "rules", rules, env={"COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    flat = " ".join(proc.stdout.split())
    for w in wanted:
        assert " ".join(w.split()) in flat, w


def test_fits_80_columns() -> None:
    for lang in ("vi", "en"):
        proc = run_tally("--lang", lang, "rules", "nq96-2023", env={"COLUMNS": "80"})
        assert proc.returncode == 0
        assert max(len(line) for line in proc.stdout.splitlines()) <= 80


def test_unknown_rule_set() -> None:
    proc = run_tally("--lang", "en", "rules", "qd97")
    assert proc.returncode == 3
    assert "E108" in proc.stderr and "qd96-2023" in proc.stderr


def test_rule_set_by_its_short_name_in_any_case() -> None:
    for alias in ("qd96", "QD96", "Qd96-2023"):
        proc = run_tally("--lang", "en", "rules", alias)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.startswith("qd96-2023"), proc.stdout[:80]
