"""The check half of the job: event file → ballots → every diagnostic, nothing written.

`tally check` needs only this; tally.pipeline adds counting and writing on top (and
re-exports it), so a check does not load the minutes' writer, the result sets or the count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ballots.errors import Diagnostic, Location, fail, shell_word
from ballots.event import load_event
from ballots.event_source import looks_like_event
from ballots.formats import is_spreadsheet
from ballots.i18n import _
from ballots.model import Event
from ballots.validate import BallotRead, Progress, read_ballots
from tally.gcpause import gc_paused
from tally.scan.provenance import scanned_files


@dataclass(frozen=True)
class Checked:
    event: Event
    read: BallotRead
    diagnostics: tuple[Diagnostic, ...]   # event warnings + everything found in the ballots
    scans: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)   # per input read by `tally scan`

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.diagnostics)


def check(event_path: str | Path, ballot_paths: Sequence[str | Path], csv_group: str | None = None,
          progress: Progress | None = None, counting: bool = False) -> Checked:
    """Validate everything; raises only if the event file itself is unusable. `counting`: the
    caller counts next (tally.pipeline), so the marks are tallied as they are checked."""
    refuse_swapped(event_path, ballot_paths)
    event, warnings = load_event(event_path)
    with gc_paused():
        read = read_ballots(event, ballot_paths, csv_group=csv_group, progress=progress, counting=counting)
    scans = ({i.file: scanned_files(p) for p, i in zip(ballot_paths, read.inputs)}
             if len(read.inputs) == len(ballot_paths) else {})
    return Checked(event, read, tuple(warnings) + read.diagnostics, {k: v for k, v in scans.items() if v})


def refuse_swapped(event_path: str | Path | None, ballot_paths: Sequence[str | Path], reconcile: bool = False) -> None:
    """E001 when a file is given in another's place: a ballot sheet where the event file belongs
    (`tally check ballots.xlsx event.toml`), or an event file where a ballot file belongs
    (`tally reconcile event.toml entry.xlsx`), instead of reading a workbook as TOML ('not
    UTF-8') or an event file as a CSV ('not a group'). The hint gives the same files in their
    places. `reconcile`: the files are reconcile's two entries, its event file (if any) --event;
    else the command is check's or count's, the event file first."""
    given = [Path(p) for p in ballot_paths]
    event = Path(event_path) if event_path is not None else None
    sheet = event if event is not None and is_spreadsheet(event) else None     # a ballot sheet as the event
    events = [p for p in given if looks_like_event(p)]                         # event files as ballot files
    if sheet is None and not events:
        return
    ballots = [*([sheet] if sheet is not None else []), *(p for p in given if p not in events)]
    right_event = event if event is not None and sheet is None else events[0] if events else None
    event_word = shell_word(right_event) if right_event is not None else "event.toml"
    if reconcile:
        entries = [shell_word(p) for p in ballots[-2:]]   # a sheet as --event is an entry only in an event file's place
        while len(entries) < 2:
            entries.append(_("ENTRY-{n}.xlsx").format(n=len(entries) + 1))
        hint = (_("give the two entries of the same ballots, and the event file (if needed) with --event: "
                  "tally reconcile {arguments}").format(arguments=" ".join([*entries, "--event", event_word])))
        if sheet is not None:
            raise fail("E001", _("'{file}' is given as the event file (--event), but it is a ballot sheet")
                       .format(file=sheet), hint, Location(str(sheet)))
        raise fail("E001", _("'{file}' is an event file, not an entry of the ballots").format(file=events[0]),
                   hint, Location(str(events[0])))
    right = " ".join([event_word, *map(shell_word, ballots)])
    if sheet is not None:
        raise fail("E001", _("'{first}' is a ballot sheet, but the event file comes first").format(first=sheet),
                   _("give the event file, then the ballot files: {arguments}").format(arguments=right),
                   Location(str(sheet)))
    raise fail("E001", _("'{file}' is an event file, not a ballot file").format(file=events[0]),
               _("give one event file, then the ballot files: {arguments}").format(arguments=right),
               Location(str(events[0])))
