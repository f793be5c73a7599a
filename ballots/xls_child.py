"""The child process that reads an .xls file with capped memory (see ballots.sheets._read_xls).

Run as ``python -P -c "<CHILD_CODE>" LIMIT MAX_ROWS MAX_CELLS``, or, in the one-file
executable (where sys.executable is tally.exe itself, not Python), as
``tally.exe --tally-xls-child LIMIT MAX_ROWS MAX_CELLS``. The file's bytes come on stdin; a
marshal'd (status, detail, sheets) tuple goes to stdout. It imports nothing of the project but
ballots.memory and ballots.xls_errors, so it starts quickly.
"""

from __future__ import annotations

import io
import marshal
import sys

from ballots.memory import cap_memory
from ballots.xls_errors import error_cells, put_in

CHILD_FLAG = "--tally-xls-child"
CHILD_CODE = "import sys; from ballots.xls_child import run_child; sys.exit(run_child(sys.argv[1:]))"


def child_command() -> list[str]:
    """How to start the child: through Python, or through the frozen executable itself."""
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_FLAG]
    # -P: not the current folder first on the path (a folder named like a module must not be imported)
    return [sys.executable, "-P", "-c", CHILD_CODE]


def run_child(argv: list[str]) -> int:
    limit, max_rows, max_cells = (int(a) for a in argv[:3])
    capped = cap_memory(limit)
    from python_calamine import CalamineWorkbook, PasswordError  # after the cap: it allocates

    data = sys.stdin.buffer.read()
    result: tuple[str, object, object]
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        # cells showing #N/A etc., which calamine reads as empty (ballots.xls_errors, which reads
        # damaged records as far as they go): if it fails, the file is refused as damaged (E303),
        # never read with its errors as empty cells
        errors = error_cells(data)
        out: dict[str, object] = {}
        for name in book.sheet_names:
            sheet = book.get_sheet_by_name(name)
            start = sheet.start
            rows, cols = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
            if rows > max_rows or rows * cols > max_cells:
                out[name] = ("limit", rows, cols)
                continue
            values: list[list[object]] = [
                [v if isinstance(v, (str, int, float, bool)) or v is None else str(v) for v in row]
                for row in sheet.iter_rows()]
            if name in errors:
                put_in(values, errors[name], start[1] if start else 0)
            # merged cells over ballot rows are refused (E508): merges that cannot be read make the
            # file damaged (E303), never a sheet read as if it had none
            merged = [((int(a), int(b)), (int(c), int(d))) for (a, b), (c, d) in sheet.merged_cell_ranges or []]
            out[name] = ("rows", start[1] if start else 0, values, merged)
        result = ("ok", list(book.sheet_names), out)
    except PasswordError:
        result = ("password", "", None)
    except BaseException as exc:  # noqa: BLE001 -- calamine raises several error types for damaged files
        result = ("error", f"{type(exc).__name__}: {str(exc)[:200]}", None)
    sys.stdout.buffer.write(marshal.dumps((*result, capped)))
    sys.stdout.flush()
    return 0
