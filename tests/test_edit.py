"""ballots/edit.py: editing the event file in place, keeping the user's comments and layout."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import tomllib
from os.path import commonprefix
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots import edit
from ballots.errors import TallyError
from ballots.event import load_event, read_event

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "samples" / "event.toml"
DATA = Path(__file__).parent / "data" / "events"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "event.toml"
    shutil.copy(SAMPLE, path)
    return path


def copy(name: str, tmp_path: Path) -> Path:
    path = tmp_path / name
    shutil.copy(DATA / name, path)
    return path


def inserted(old: str, new: str) -> str:
    """The text added to `old`, asserting that nothing else changed: new = old[:k] + added + old[k:]."""
    p = len(commonprefix([old, new]))
    rest = old[p:]
    assert new.endswith(rest), "the edit changed more than one place"
    return new[p:len(new) - len(rest)]


def removed(old: str, new: str) -> str:
    return inserted(new, old)


def refused(path: Path, code: str, call: object, *args: object, **kwargs: object) -> TallyError:
    """Call an edit that must be refused: the code is right, the file is byte-for-byte unchanged."""
    before = path.read_bytes()
    files = sorted(path.parent.iterdir())
    with pytest.raises(TallyError) as info:
        call(path, *args, **kwargs)  # type: ignore[operator]
    assert code in [d.code for d in info.value.diagnostics], info.value
    assert path.read_bytes() == before
    assert sorted(path.parent.iterdir()) == files, "no temp file left behind"
    return info.value


# ---------------------------------------------------------------- ids


@pytest.mark.parametrize(("title", "expected"), [
    ("Ủy viên Ban Thường vụ Đảng ủy", "uvbtvdu"),
    ("Phó Giám đốc Sở", "pgds"),
    ("Giám đốc Sở", "gds"),
    ("Ủy viên BTV", "uvbtv"),
    ("GIÁM ĐỐC SỞ", "gds"),
    ("Phó Giám đốc Sở 2", "pgds2"),
    ("Đại biểu Hội đồng nhân dân", "dbhdnd"),
    ("!!!", "cd"),
])
def test_position_id_from_title(title: str, expected: str) -> None:
    assert edit.position_id_from_title(title) == expected


def test_generated_ids_are_unique_case_insensitively() -> None:
    assert edit.position_id_from_title("Giám đốc Sở", ["GDS"]) == "gds2"
    assert edit.position_id_from_title("Giám đốc Sở", ["gds", "gds2"]) == "gds3"


def test_generated_person_ids(sample: Path) -> None:
    assert edit.add_person(sample, "Trần Thị Bình", ["pgd"]).id == "p09"
    assert edit.add_person(sample, "Lý Văn Cường", ["pgd"]).id == "p10"
    edit.remove_person(sample, "p10")
    # after the highest number, never filling a hole left by an earlier removal
    edit.remove_person(sample, "p05")
    assert edit.add_person(sample, "Mai Thị Dung", ["btv"]).id == "p10"


def test_generated_group_id_skips_the_form_prefix(sample: Path) -> None:
    result = edit.add_group(sample, "Phiếu tín nhiệm Phó Giám đốc Sở", ["pgd"], 45, 42, 42)
    assert result.id == "pgds"
    result = edit.add_group(sample, "Phiếu tín nhiệm Phó Giám đốc Sở", ["pgd"], 45, 42, 42)
    assert result.id == "pgds2"


# ---------------------------------------------------------------- a new event file


def test_init_refuses_then_forces(tmp_path: Path) -> None:
    path = tmp_path / "event.toml"
    result = edit.init_event(path, "Lấy phiếu", "Sở X", "2023-05-31")
    assert result.summary == f"Created {path}: Lấy phiếu"
    refused(path, "E111", edit.init_event, "Khác", "Sở Y", "2024-01-01")
    edit.init_event(path, "Khác", "Sở Y", "2024-01-01", rules="nq96-2023", language="en", force=True)
    assert tomllib.loads(path.read_text(encoding="utf-8"))["event"]["rules"] == "nq96-2023"


def test_build_an_event_from_nothing(tmp_path: Path) -> None:
    path = tmp_path / "event.toml"
    edit.init_event(path, "Lấy phiếu tín nhiệm 2023", "Đảng bộ Sở X", "2023-05-31")
    skeleton = path.read_text(encoding="utf-8")
    assert edit.add_position(path, "Ủy viên Ban Thường vụ Đảng ủy").id == "uvbtvdu"
    assert edit.add_position(path, "Giám đốc Sở", id="gd").id == "gd"
    assert edit.add_person(path, "Nguyễn Văn An", ["UVBTVDU", "gd"]).id == "p01"   # ids match any case
    assert edit.add_person(path, "Trần Thị Bình", ["gd"], appointed="2020-01-02").id == "p02"
    result = edit.add_group(path, "Phiếu tín nhiệm Ủy viên Ban Thường vụ Đảng ủy", ["uvbtvdu"], 27, 25, 25)
    assert result.event is not None   # complete now
    result = edit.add_group(path, "Phiếu tín nhiệm Giám đốc Sở", ["gd"], 45, 42, 42, collected=42, id="gd")
    assert result.diagnostics == ()

    event, warnings = load_event(path)
    assert warnings == ()
    assert [p.id for p in event.positions] == ["uvbtvdu", "gd"]
    assert [(p.id, p.name, p.positions) for p in event.persons] == [
        ("p01", "Nguyễn Văn An", ("uvbtvdu", "gd")), ("p02", "Trần Thị Bình", ("gd",))]
    assert event.persons[1].appointed == dt.date(2020, 1, 2)
    assert [(g.id, g.summoned, g.present, g.issued, g.collected) for g in event.groups] == [
        ("uvbtvdu", 27, 25, 25, None), ("gd", 45, 42, 42, 42)]

    # every line of the skeleton is still there, in order, and each section sits under its comment block
    text = path.read_text(encoding="utf-8")
    lines = iter(text.splitlines())
    assert all(line in lines for line in skeleton.splitlines())
    order = [text.index(s) for s in ("# [[positions]]", "[[positions]]\n", "# [[persons]]", "[[persons]]\n",
                                     "# [[groups]]", "[[groups]]\n")]
    assert order == sorted(order)


# ---------------------------------------------------------------- the hand-written sample


def test_add_person_goes_after_the_last_person(sample: Path) -> None:
    old = sample.read_text(encoding="utf-8")
    result = edit.add_person(sample, "Trần Thị Bình", ["PGD"], appointed=dt.date(2019, 1, 1), retiring=True)
    assert result.summary == f"Added person p09 Trần Thị Bình to {sample}"
    new = sample.read_text(encoding="utf-8")
    added = inserted(old, new)
    assert "\n".join(line for line in added.splitlines() if line) in (
        '[[persons]]\nid = "p09"\nname = "Trần Thị Bình"\npositions = ["pgd"]\nappointed = 2019-01-01\n'
        'retiring = true')
    # after p08, before the comment block that introduces the groups
    assert new.index('id = "p08"') < new.index('id = "p09"') < new.index("# Phiếu (nhóm)")
    assert [d.code for d in result.new] == ["W702"]
    assert read_event(sample).event is not None


def test_add_position_and_group_in_the_sample(sample: Path) -> None:
    old = sample.read_text(encoding="utf-8")
    edit.add_position(sample, "Chánh Văn phòng")
    mid = sample.read_text(encoding="utf-8")
    assert inserted(old, mid).strip() == '[[positions]]\nid = "cvp"\ntitle = "Chánh Văn phòng"'
    assert mid.index('id = "pgd"') < mid.index('id = "cvp"') < mid.index("# Người được lấy phiếu")
    edit.add_person(sample, "Đoàn Văn Giang", ["cvp"])
    edit.add_group(sample, "Phiếu tín nhiệm Chánh Văn phòng", ["cvp"], 20, 18, 18, collected=18)
    new = sample.read_text(encoding="utf-8")
    assert new.endswith('positions = ["cvp"]\nsummoned = 20\npresent = 18\nissued = 18\ncollected = 18\n')
    event, _ = load_event(sample)
    assert [g.id for g in event.groups] == ["btv", "lanhdao", "cvp"]


def test_remove_the_last_person_keeps_the_next_sections_comments(sample: Path) -> None:
    old = sample.read_text(encoding="utf-8")
    result = edit.remove_person(sample, "p08")
    assert result.summary == f"Removed person p08 Đặng Quang Vinh from {sample}"
    new = sample.read_text(encoding="utf-8")
    gone = removed(old, new)
    assert "Đặng Quang Vinh" in gone and "#" not in gone
    assert "# Phiếu (nhóm)" in new


def test_remove_a_person_in_the_middle(sample: Path) -> None:
    old = sample.read_text(encoding="utf-8")
    edit.remove_person(sample, "P03")     # any case
    gone = removed(old, sample.read_text(encoding="utf-8"))
    assert "Đinh Thị Lan Anh" in gone and "Hoàng Minh Tuấn" not in gone and "Vũ Văn Khải" not in gone


def test_remove_the_first_person_keeps_the_section_comment(sample: Path) -> None:
    old = sample.read_text(encoding="utf-8")
    edit.remove_person(sample, "p01")
    new = sample.read_text(encoding="utf-8")
    gone = removed(old, new)
    # p01's own continuation comment goes with it; the section's comment block stays
    assert "both Standing Committee member" in gone
    assert "# Người được lấy phiếu / Persons under review." in new


def test_remove_a_group_and_a_position(sample: Path) -> None:
    refused(sample, "E112", edit.remove_position, "gd")
    old = sample.read_text(encoding="utf-8")
    result = edit.remove_group(sample, "btv")
    assert "Ban Chấp hành" in removed(old, sample.read_text(encoding="utf-8"))   # its own comment
    assert [d.code for d in result.new] == ["W704"] * 4    # p02–p05 are now on no form


def test_forced_position_removal_takes_it_off_people_and_forms(sample: Path) -> None:
    result = edit.remove_position(sample, "gd", force=True)
    assert result.also == ("took gd off person p01 Phạm Đức Thắng",
                           "took gd off group lanhdao Phiếu tín nhiệm Giám đốc, Phó Giám đốc Sở")
    text = sample.read_text(encoding="utf-8")
    # the list is edited in place: the comment on its line stays
    assert 'positions = ["btv"]      # vừa là Ủy viên BTV' in text
    event, _ = load_event(sample)
    assert [p.id for p in event.positions] == ["btv", "pgd"]
    assert event.group("lanhdao").positions == ("pgd",)


def test_forced_removal_drops_people_left_with_no_position(sample: Path) -> None:
    result = edit.remove_position(sample, "pgd", force=True)
    assert "removed person p06 Bùi Thanh Sơn" in result.also
    event, _ = load_event(sample)
    assert [p.id for p in event.persons] == ["p01", "p02", "p03", "p04", "p05"]


def test_set_group_keeps_comments_and_key_order(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8").replace("summoned = 45\n", "summoned = 45   # theo danh sách\n")
    text = text.replace("issued = 42\ncollected = 42\n", "issued = 42\n")
    sample.write_text(text, encoding="utf-8")
    result = edit.set_group(sample, "lanhdao", summoned=44, collected=41)
    assert result.summary.startswith("Updated group lanhdao")
    new = sample.read_text(encoding="utf-8")
    assert new.endswith("summoned = 44   # theo danh sách\npresent = 42\nissued = 42\ncollected = 41\n")
    refused(sample, "E106", edit.set_group, "nope", summoned=1)
    refused(sample, "E103", edit.set_group, "lanhdao")


def test_set_person_corrects_in_place_keeping_comments(sample: Path) -> None:
    before = sample.read_text(encoding="utf-8")
    result = edit.set_person(sample, "P01", name="Phạm Đức Thắng (sửa)", appointed="01/07/2019", retiring=True)
    assert result.summary.startswith("Updated person p01 Phạm Đức Thắng (sửa)")
    after = sample.read_text(encoding="utf-8")
    # only the name and the flag changed; the comment beside the positions and the order stay
    assert after == before.replace('name = "Phạm Đức Thắng"', 'name = "Phạm Đức Thắng (sửa)"', 1).replace(
        "appointed = 2019-07-01\nretiring = false", "appointed = 2019-07-01\nretiring = true", 1)
    event, _ = load_event(sample)
    assert [p.id for p in event.persons][:2] == ["p01", "p02"]
    edit.set_person(sample, "p02", positions=["btv", "pgd"], appointed="2021-01-05")
    person = tomllib.loads(sample.read_text(encoding="utf-8"))["persons"][1]
    assert person == {"id": "p02", "name": "Hoàng Minh Tuấn", "positions": ["btv", "pgd"],
                      "appointed": dt.date(2021, 1, 5)}


def test_set_person_refusals(sample: Path) -> None:
    refused(sample, "E106", edit.set_person, "p99", name="X")
    refused(sample, "E103", edit.set_person, "p01")
    refused(sample, "E103", edit.set_person, "p01", name="  ")
    refused(sample, "E106", edit.set_person, "p01", positions=["nope"])
    refused(sample, "E104", edit.set_person, "p01", appointed="31/2/2020")


# ---------------------------------------------------------------- refusals leave the file alone


def test_refusals(sample: Path) -> None:
    refused(sample, "E106", edit.add_person, "X", ["nope"])
    refused(sample, "E103", edit.add_person, "X", [])
    refused(sample, "E103", edit.add_person, "  ", ["gd"])
    refused(sample, "E110", edit.add_person, "X", ["gd"], id="p 9")
    refused(sample, "E105", edit.add_person, "X", ["gd"], id="P01")
    refused(sample, "E105", edit.add_person, "X", ["gd", "GD"])
    refused(sample, "E104", edit.add_person, "X", ["gd"], appointed="31/2/2020")
    refused(sample, "E105", edit.add_position, "Giám đốc", id="gd")
    refused(sample, "E110", edit.add_position, "Giám đốc", id="giám-đốc")
    refused(sample, "E106", edit.remove_person, "p99")
    refused(sample, "E106", edit.remove_group, "nope")
    refused(sample, "E106", edit.remove_position, "nope")
    refused(sample, "E112", edit.remove_position, "btv")
    refused(sample, "E201", edit.add_group, "G", ["gd"], 30, 19, 19)           # no quorum
    refused(sample, "E202", edit.add_group, "G", ["gd"], 30, 28, 28, 29)       # collected > issued
    refused(sample, "E202", edit.add_group, "G", ["gd"], 30, 28, 29)           # issued > present
    refused(sample, "E202", edit.set_group, "btv", present=28)                 # present > summoned (27)
    refused(sample, "E105", edit.add_group, "G", ["gd"], 30, 28, 28, id="BTV")
    assert read_event(sample).event is not None


def test_removing_the_only_person_on_a_form_is_refused(tmp_path: Path) -> None:
    path = copy("valid.toml", tmp_path)
    error = refused(path, "E107", edit.remove_person, "p01")
    assert "lanhdao" in error.diagnostics[0].message


def test_a_group_nobody_holds_is_refused(tmp_path: Path) -> None:
    path = copy("valid.toml", tmp_path)
    edit.add_position(path, "Phó Giám đốc Sở", id="pgd")
    refused(path, "E107", edit.add_group, "Phiếu PGĐ", ["pgd"], 30, 28, 28)


def test_a_forced_removal_that_empties_a_form_is_refused(tmp_path: Path) -> None:
    path = copy("valid.toml", tmp_path)
    edit.add_position(path, "Phó Giám đốc Sở", id="pgd")
    edit.set_group(path, "lanhdao", positions=["gd", "pgd"])
    # gd off p01 removes p01 (no position left); lanhdao keeps pgd, which nobody holds
    error = refused(path, "E107", edit.remove_position, "gd", force=True)
    assert "nothing was written" in error.diagnostics[0].hint


def test_nq85_groups_need_members(tmp_path: Path) -> None:
    path = tmp_path / "event.toml"
    edit.init_event(path, "Lấy phiếu", "HĐND tỉnh", "2014-12-15", rules="nq85-2014")
    edit.add_position(path, "Chủ tịch", id="ct")
    edit.add_person(path, "Nguyễn Văn An", ["ct"])
    refused(path, "E103", edit.add_group, "Phiếu", ["ct"], 50, 48, 48)
    edit.add_group(path, "Phiếu", ["ct"], 50, 48, 48, members=50)
    assert load_event(path)[0].groups[0].members == 50


def test_missing_or_broken_files(tmp_path: Path) -> None:
    with pytest.raises(TallyError) as info:
        edit.add_position(tmp_path / "nowhere.toml", "X")
    assert [d.code for d in info.value.diagnostics] == ["E100"]
    path = copy("not_toml.toml", tmp_path)
    refused(path, "E101", edit.add_position, "X")


def test_split_tables_are_refused_rather_than_rearranged(tmp_path: Path) -> None:
    text = (DATA / "valid.toml").read_text(encoding="utf-8")
    text += '\n[[persons]]\nid = "p02"\nname = "Trần Thị Bình"\npositions = ["gd"]\n'
    path = tmp_path / "split.toml"
    path.write_text(text, encoding="utf-8")
    assert read_event(path).event is not None
    refused(path, "E104", edit.add_person, "X", ["gd"])


@pytest.mark.parametrize("table,entry", [
    ("committee", 'name = "Trần Văn Tư"\nrole = "Ủy viên"\n'),
    ("persons", 'id = "p02"\nname = "Trần Thị Bình"\npositions = ["gd"]\n'),
    ("positions", 'id = "pgd"\ntitle = "Phó Giám đốc Sở"\n'),
])
def test_a_split_table_is_named_with_its_lines(tmp_path: Path, table: str, entry: str) -> None:
    # A member added by hand at the end of the file (issue 11) splits [[committee]]: the
    # refusal says which table, where its entries are, and what to move where.
    text = (DATA / "valid.toml").read_text(encoding="utf-8")
    text = text.replace("[[positions]]", '[[committee]]\nname = "Lê Văn Cường"\nrole = "Trưởng ban"\n\n[[positions]]')
    first = text.count("\n") + 3
    text += f"\n# added by hand\n[[{table}]]\n{entry}"
    path = tmp_path / "split.toml"
    path.write_text(text, encoding="utf-8")
    assert read_event(path).event is not None
    error = refused(path, "E104", edit.set_group, "lanhdao", collected=1)
    (d,) = error.diagnostics
    assert f"[[{table}]]" in d.message and f"[[{table}]]" in d.hint
    assert d.location is not None and d.location.line == first
    assert str(first) in d.hint


# ---------------------------------------------------------------- errors that were already there


def test_an_existing_error_does_not_block_other_edits(tmp_path: Path) -> None:
    path = copy("unknown_key.toml", tmp_path)
    result = edit.add_person(path, "Trần Thị Bình", ["gd"])
    assert [d.code for d in result.diagnostics] == ["E102"]
    assert result.new == ()
    assert result.event is None


def test_an_edit_can_fix_the_file(tmp_path: Path) -> None:
    path = copy("unknown_position.toml", tmp_path)
    result = edit.add_position(path, "Phó Giám đốc Sở", id="pgd")
    assert result.event is not None
    assert [p.id for p in result.event.persons] == ["p01", "p02"]


def test_removing_an_entry_before_an_old_error_is_not_a_new_error(tmp_path: Path) -> None:
    path = copy("wrong_type.toml", tmp_path)
    edit.add_person(path, "Trần Thị Bình", ["gd"])
    edit.remove_person(path, "p01")     # the error in groups[1] stays as it was
    assert [d.code for d in read_event(path).diagnostics] == ["E104"]


# ---------------------------------------------------------------- layouts


def test_crlf_and_bom_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "windows.toml"
    text = (DATA / "valid.toml").read_text(encoding="utf-8").replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    edit.add_person(path, "Trần Thị Bình", ["gd"])
    edit.set_group(path, "lanhdao", collected=28)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert [p.id for p in load_event(path)[0].persons] == ["p01", "p02"]


def test_file_without_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "event.toml"
    path.write_text((DATA / "valid.toml").read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")
    edit.add_position(path, "Phó Giám đốc Sở", id="pgd")
    edit.add_person(path, "Trần Thị Bình", ["pgd"])
    edit.add_group(path, "Phiếu PGĐ", ["pgd"], 30, 28, 28, id="pgd")
    text = path.read_text(encoding="utf-8")
    assert "issued = 28\n\n[[groups]]\nid = \"pgd\"" in text
    assert [g.id for g in load_event(path)[0].groups] == ["lanhdao", "pgd"]


def test_comment_right_under_the_last_key_stays_with_its_entry(tmp_path: Path) -> None:
    path = tmp_path / "event.toml"
    text = (DATA / "valid.toml").read_text(encoding="utf-8").replace(
        'positions = ["gd"]\n\n[[groups]]', 'positions = ["gd"]\n# An is the only director\n\n[[groups]]')
    path.write_text(text, encoding="utf-8")
    edit.add_person(path, "Trần Thị Bình", ["gd"])
    new = path.read_text(encoding="utf-8")
    assert '# An is the only director\n\n[[persons]]\nid = "p02"' in new


def test_inline_array_of_tables(tmp_path: Path) -> None:
    path = tmp_path / "inline.toml"
    path.write_text(
        'schema = 1\n'
        'persons = [{ id = "p01", name = "Nguyễn Văn An", positions = ["gd"] }]\n\n'
        '[event]\ntitle = "T"\norganisation = "O"\ndate = 2023-05-31\n\n'
        '[[positions]]\nid = "gd"\ntitle = "Giám đốc Sở"\n\n'
        '[[groups]]\nid = "g"\ntitle = "G"\npositions = ["gd"]\nsummoned = 3\npresent = 3\nissued = 3\n',
        encoding="utf-8")
    assert read_event(path).event is not None
    edit.add_person(path, "Trần Thị Bình", ["gd"])
    assert [p.id for p in load_event(path)[0].persons] == ["p01", "p02"]
    edit.remove_person(path, "p01")
    assert [p.id for p in load_event(path)[0].persons] == ["p02"]


def test_remove_everyone_then_add_again(tmp_path: Path) -> None:
    path = copy("no_groups.toml", tmp_path)
    edit.remove_person(path, "p01")
    assert "persons" not in tomllib.loads(path.read_text(encoding="utf-8"))
    edit.add_person(path, "Trần Thị Bình", ["gd"])
    assert [p["id"] for p in tomllib.loads(path.read_text(encoding="utf-8"))["persons"]] == ["p01"]


def test_first_entry_of_a_section_before_an_existing_one(tmp_path: Path) -> None:
    # a hand-written file with a form but nobody on it yet (E107): the first person goes
    # between the positions and the groups; the comment right above [[groups]] stays with it
    path = tmp_path / "event.toml"
    path.write_text('schema = 1\n[event]\ntitle = "T"\norganisation = "O"\ndate = 2023-05-31\n\n'
                    '# positions\n[[positions]]\nid = "gd"\ntitle = "G"\n\n'
                    '# the forms\n[[groups]]\nid = "g"\ntitle = "G"\npositions = ["gd"]\n'
                    'summoned = 3\npresent = 3\nissued = 3\n', encoding="utf-8")
    result = edit.add_person(path, "Nguyễn Văn An", ["gd"])
    assert result.event is not None and [d.code for d in result.diagnostics] == []
    assert ('title = "G"\n\n[[persons]]\nid = "p01"\nname = "Nguyễn Văn An"\npositions = ["gd"]\n\n'
            '# the forms\n[[groups]]') in path.read_text(encoding="utf-8")


def test_remove_the_first_entry_after_top_level_keys(tmp_path: Path) -> None:
    path = tmp_path / "event.toml"
    text = ('schema = 1\n\n[[persons]]\nid = "p01"\nname = "A"\npositions = ["gd"]\n\n'
            '# comment about p02\n[[persons]]\nid = "p02"\nname = "B"\npositions = ["gd"]\n\n'
            '[event]\ntitle = "T"\norganisation = "O"\ndate = 2023-05-31\n\n'
            '[[positions]]\nid = "gd"\ntitle = "G"\n\n'
            '[[groups]]\nid = "g"\ntitle = "G"\npositions = ["gd"]\nsummoned = 3\npresent = 3\nissued = 3\n')
    path.write_text(text, encoding="utf-8")
    edit.remove_person(path, "p01")
    assert path.read_text(encoding="utf-8") == text.replace(
        '[[persons]]\nid = "p01"\nname = "A"\npositions = ["gd"]\n\n', "")


def test_file_mode_is_kept(sample: Path) -> None:
    os.chmod(sample, 0o640)
    edit.add_person(sample, "Trần Thị Bình", ["pgd"])
    assert stat.S_IMODE(sample.stat().st_mode) == 0o640


# ---------------------------------------------------------------- property: comments survive any edits

COMMENT_LINES = [line for line in SAMPLE.read_text(encoding="utf-8").splitlines()
                 if line.lstrip().startswith("#") and "Ban Chấp hành" not in line and "voted by" not in line
                 and "Lãnh đạo Sở" not in line and "both Standing" not in line and "vừa là" not in line]

ops = st.lists(st.one_of(
    st.tuples(st.just("add"), st.sampled_from(["btv", "gd", "pgd"])),
    st.tuples(st.just("remove"), st.integers(0, 12)),
), max_size=8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops)
def test_section_comments_survive_any_sequence_of_edits(tmp_path: Path, steps: list[tuple[str, object]]) -> None:
    path = tmp_path / "prop.toml"
    shutil.copy(SAMPLE, path)
    expected = [p["id"] for p in tomllib.loads(path.read_text(encoding="utf-8"))["persons"]]
    for kind, arg in steps:
        if kind == "add":
            expected.append(edit.add_person(path, "Người Mới", [str(arg)]).id)
        else:
            current = [p["id"] for p in tomllib.loads(path.read_text(encoding="utf-8"))["persons"]]
            pid = current[int(arg) % len(current)]  # type: ignore[call-overload]
            try:
                edit.remove_person(path, pid)
                expected.remove(pid)
            except TallyError as exc:       # the last person on a form
                assert [d.code for d in exc.diagnostics] == ["E107"]
    text = path.read_text(encoding="utf-8")
    lines = iter(text.splitlines())
    assert all(c in lines for c in COMMENT_LINES), "a comment was lost or moved out of order"
    event, _ = load_event(path)
    assert [p.id for p in event.persons] == expected
    # the persons stay together, between the positions and the groups
    assert text.rindex("[[positions]]") < text.index("[[persons]]") <= text.rindex("[[persons]]") < text.index(
        "[[groups]]")
