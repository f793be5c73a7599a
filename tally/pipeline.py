"""The whole job, as plain function calls: event → ballots → count → results files.

`cli.py` calls these and renders; tests and other tools can call them directly. The check half
(tally.checking) is re-exported here; `tally check` imports only that half, without the
counting and writing stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ballots.errors import TallyError
from ballots.i18n import _
from ballots.output import refuse_existing, refuse_input_as_output, require_xlsx
from ballots.validate import Progress
from tally.checking import Checked, check
from tally.count import count
from tally.gcpause import gc_paused
from tally.locking import output_lock
from tally.model import InputFile, Results
from tally.results_json import to_bytes
from tally.resultset import ResultSet, commit, recover
from tally.workbook import start_workbook

__all__ = ["Checked", "Counted", "check", "count_and_write", "count_results", "json_path_for"]


@dataclass(frozen=True)
class Counted:
    checked: Checked
    results: Results
    results_json: bytes
    xlsx_path: Path | None
    json_path: Path | None


def json_path_for(xlsx_path: Path) -> Path:
    return ResultSet.of(xlsx_path).json


def count_results(checked: Checked) -> tuple[Results, bytes]:
    if checked.has_errors:
        raise TallyError([d for d in checked.diagnostics if d.is_error])
    inputs = [InputFile(i.file, i.sha256, checked.scans.get(i.file, ())) for i in checked.read.inputs]
    results = count(checked.event, checked.read.groups, inputs)
    return results, to_bytes(results)


def count_and_write(event_path: str | Path, ballot_paths: Sequence[str | Path], output: Path | None,
                    force: bool = False, csv_group: str | None = None,
                    progress: Progress | None = None, restricted: bool | None = None) -> Counted:
    """Validate, count and (with `output`) write results.xlsx and results.json beside it.

    Writes nothing when there are errors or when an output exists without `force`.
    """
    if output is not None:
        require_xlsx(output)
    targets = [output, json_path_for(output)] if output is not None else []
    refuse_input_as_output(targets, [event_path, *ballot_paths])
    refuse_existing(targets, force)
    # One pause for reading, counting and writing: re-enabled between them, the collector would
    # walk every column of a large sheet (0.07 s a time for 3 M cells) on its way to the minutes.
    with gc_paused():
        checked = check(event_path, ballot_paths, csv_group, progress, counting=True)
        if progress:
            progress(_("Counting"), 0, 0)
        results, data = count_results(checked)
        if output is None:
            return Counted(checked, results, data, None, None)
        if progress:
            progress(_("Writing the minutes"), 0, 0)
        # compressed in a thread (zlib runs without the interpreter's lock) while the rest of the
        # minutes is made, the folder locked and results.json written: on another core, ~0.06 s of
        # a 3 M-cell count's minutes
        xlsx = start_workbook(results, data, restricted)
    rs = ResultSet.of(output)
    with output_lock(output):      # two runs at once: one whole result, and only one "Wrote" without --force
        recover(rs)
        existing = [s.path for s in rs.sidecars()]
        refuse_existing([rs.xlsx, rs.json, *existing], force)
        commit(rs, [(rs.json, data), (rs.xlsx, xlsx.result)], remove=existing)
    json_path = rs.json
    return Counted(checked, results, data, output, json_path)
