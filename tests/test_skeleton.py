"""ballots/skeleton.py: the commented event file `tally init` writes."""

from __future__ import annotations

import datetime as dt
import tomllib

import pytest

from ballots import skeleton
from ballots.errors import TallyError
from ballots.event import parse_event
from ballots.model import CommitteeMember


def test_new_event_document_is_a_commented_skeleton() -> None:
    text = skeleton.new_event_document("Lấy phiếu \"giữa\" nhiệm kỳ", "Đảng bộ Sở X", dt.date(2023, 5, 31),
                                   parent="Đảng bộ Khối", committee=[CommitteeMember("Lê Văn Cường", "Trưởng ban")])
    data = tomllib.loads(text)
    assert data["schema"] == 1
    assert data["event"] == {"title": 'Lấy phiếu "giữa" nhiệm kỳ', "organisation": "Đảng bộ Sở X",
                             "parent": "Đảng bộ Khối", "date": dt.date(2023, 5, 31), "rules": "qd96-2023",
                             "language": "vi"}
    assert data["committee"] == [{"name": "Lê Văn Cường", "role": "Trưởng ban"}]
    for marker in ("# [[committee]]", "# [[positions]]", "# [[persons]]", "# [[groups]]"):
        assert marker in text
    assert "Người được lấy phiếu / Persons under review" in text   # both languages
    # the only problem of a new file: it has no ballot forms yet
    assert [d.code for d in parse_event(text.encode()).diagnostics] == ["E103"]


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"title": " "}, "E103"),
    ({"date": "31/02/2023"}, "E104"),       # day-first dates are accepted; 31 February is no date
    ({"rules": "qd97"}, "E108"),            # qd96 alone is accepted as qd96-2023
    ({"language": "fr"}, "E104"),
])
def test_new_event_document_validates(kwargs: dict[str, str], code: str) -> None:
    args = {"title": "T", "organisation": "O", "date": "2023-05-31", **kwargs}
    with pytest.raises(TallyError) as info:
        skeleton.new_event_document(**args)  # type: ignore[arg-type]
    assert [d.code for d in info.value.diagnostics] == [code]
