"""The message catalogue, for maintainers (needs Babel: pip install -e ".[dev]").

    python tools/i18n.py update    # collect every message; merge into ballots/locale/vi/LC_MESSAGES/tally.po
    python tools/i18n.py compile   # tally.po -> tally.mo (committed: an install needs no Babel)
    python tools/i18n.py check     # what tests/test_i18n.py enforces; lists every problem, exit 1 if any

English is the source language: the msgids are the English text in the code. Messages
come from three places:

* the code: ``_("...")``, ``_n("...", "...", n)`` and ``N_("...")`` in cli*.py,
  ballots/ and tally/ (extracted with Babel's Python extractor);
* the help of the real command tree (command docstrings, ``help=`` of every option and
  argument, typer's own completion options), read from ``typer.main.get_command(cli.app)``;
* the titles of the error codes (ballots.errors.CODES).

After `update`, translate the new entries in tally.po (msgstr), then `compile`. `check`
fails when a message has no Vietnamese, when tally.po holds a message the code no longer
has, when a translation drops or adds a {placeholder}, when a diagnostic is built from a
string that is not marked for translation, or when tally.mo is not tally.po compiled.
"""

from __future__ import annotations

import ast
import io
import re
import string
import sys
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PO = ROOT / "ballots" / "locale" / "vi" / "LC_MESSAGES" / "tally.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "_n": (1, 2), "N_": None}
FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)   # the header never changes by itself

# Translations allowed to equal the English: names, codes and formats with no words in them.
SAME_ALLOWED = {"Id", "CMS", "Ed25519", "SHA-256", "results.json SHA-256", "results.json (SHA-256)", "OpenSSL",
                "vi|en", "MB"}


def sources() -> list[Path]:
    files = sorted(ROOT.glob("cli*.py"))      # the command line, installed as tally._cli
    for package in ("ballots", "tally"):
        files += sorted((ROOT / package).rglob("*.py"))
    return [f for f in files if f.is_file()]


def _code_messages() -> Iterator[tuple[str | tuple[str, str], str, int]]:
    from babel.messages.extract import extract_from_file

    for path in sources():
        rel = path.relative_to(ROOT).as_posix()
        for lineno, message, _comments, _context in extract_from_file(
                "python", str(path), keywords=KEYWORDS, comment_tags=(), options={"encoding": "utf-8"},
                strip_comment_tags=True):
            yield message, rel, lineno


def help_texts() -> Iterator[str]:
    """Every help text of the command tree, as typer builds it (English): help, the placeholder
    of every argument and option value, the section of every command."""
    import typer

    from tally._cli import cli
    from tally._cli.cli_support import argument_metavar

    def walk(command: object) -> Iterator[str]:
        for attr in ("help", "short_help", "rich_help_panel"):
            text = getattr(command, attr, None)
            if text:
                yield text
        for param in getattr(command, "params", ()):
            if getattr(param, "help", None):
                yield param.help
            if param.param_type_name == "argument":
                yield argument_metavar(param).removesuffix("...")
            elif param.metavar and not getattr(param, "is_flag", False):
                yield param.metavar.removesuffix("...")
        for sub in getattr(command, "commands", {}).values():
            yield from walk(sub)

    yield from walk(typer.main.get_command(cli.app))
    yield "Show this message and exit."          # typer's --help option, made when help is shown


def code_titles() -> Iterator[str]:
    from ballots.errors import CODES

    for info in CODES.values():
        yield info.title


def template():  # type: ignore[no-untyped-def]
    """Every message the tool can show, as a Babel catalogue template."""
    from babel.messages.catalog import Catalog

    catalog = Catalog(project="tally", domain="tally", charset="utf-8", creation_date=FIXED_DATE,
                      revision_date=FIXED_DATE, fuzzy=False)
    for message, rel, lineno in _code_messages():
        catalog.add(message, None, [(rel, lineno)])
    for text in help_texts():
        catalog.add(text, None, [("cli.py", 0)])
    for title in code_titles():
        catalog.add(title, None, [("ballots/errors.py", 0)])
    return catalog


def read_po():  # type: ignore[no-untyped-def]
    from babel.messages.pofile import read_po as _read

    with PO.open("rb") as fh:
        return _read(fh, locale="vi", domain="tally")


def write_po(catalog) -> None:  # type: ignore[no-untyped-def]
    from babel.messages.pofile import write_po as _write

    catalog.revision_date = FIXED_DATE
    catalog.creation_date = FIXED_DATE
    catalog.fuzzy = False
    buf = io.BytesIO()
    _write(buf, catalog, width=100, sort_output=True, ignore_obsolete=True, include_lineno=False)
    PO.parent.mkdir(parents=True, exist_ok=True)
    PO.write_bytes(buf.getvalue())


def compiled(catalog=None) -> bytes:  # type: ignore[no-untyped-def]
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, catalog if catalog is not None else read_po(), use_fuzzy=False)
    return buf.getvalue()


def _messages(mo: bytes) -> dict[object, str]:
    """A compiled catalogue's messages, its header without the Babel version that wrote it (a new
    Babel release must not make the committed tally.mo look stale)."""
    import gettext

    catalog = dict(gettext.GNUTranslations(io.BytesIO(mo))._catalog)  # type: ignore[attr-defined]
    catalog[""] = re.sub(r"(?m)^Generated-By: .*\n", "", catalog.get("", ""))
    return catalog


def update() -> None:
    from babel.messages.catalog import Catalog

    tmpl = template()
    if PO.exists():
        po = read_po()
    else:
        po = Catalog(locale="vi", project="tally", domain="tally", charset="utf-8")
    po.update(tmpl, no_fuzzy_matching=True, update_header_comment=False, keep_user_comments=True)
    po.obsolete.clear()
    write_po(po)


def compile_mo() -> None:
    MO.write_bytes(compiled())


def _fields(text: str) -> list[str]:
    try:
        return sorted(f"{name}!{conv}:{spec}" for _lit, name, spec, conv in string.Formatter().parse(text)
                      if name is not None)
    except ValueError as exc:
        return [f"<unparsable: {exc}>"]


def _ids(message) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    s = message.string
    return tuple(s) if isinstance(s, (tuple, list)) else (s,)


def unmarked_messages() -> list[str]:
    """Diagnostics built from text that is not marked for translation: fail("E301", f"...")."""
    problems = []
    for path in sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            code = node.args[0]
            if name not in ("fail", "Diagnostic", "add") or not (
                    isinstance(code, ast.Constant) and isinstance(code.value, str)
                    and re.fullmatch(r"[EW]\d{3}", code.value)):
                continue
            for arg in node.args[1:3]:
                if isinstance(arg, (ast.Constant, ast.JoinedStr)) and not (
                        isinstance(arg, ast.Constant) and arg.value == ""):
                    problems.append(f"{path.relative_to(ROOT)}:{arg.lineno}: {code.value} message or hint is not "
                                    "marked for translation: write _(\"...\").format(...)")
    return problems


def problems() -> list[str]:
    """Everything that makes a message appear in one language only, or the catalogue stale."""
    out = list(unmarked_messages())
    tmpl = template()
    if not PO.exists():
        return out + [f"{PO.relative_to(ROOT)} is missing: run python tools/i18n.py update"]
    po = read_po()
    wanted = {m.id for m in tmpl if m.id}
    have = {m.id: m for m in po if m.id}
    for mid in sorted(wanted - set(have), key=str):
        out.append(f"not in tally.po (run update, then translate): {mid!r}")
    for mid in sorted(set(have) - wanted, key=str):
        out.append(f"in tally.po but no longer in the code (run update): {mid!r}")
    for mid in sorted(wanted & set(have), key=str):
        m = have[mid]
        ids, strings = _ids(m), _strings(m)
        if m.fuzzy or not all(strings):
            out.append(f"no Vietnamese for {mid!r}")
            continue
        for s in strings:
            if _fields(s) != _fields(ids[0]):
                out.append(f"placeholders differ in the translation of {ids[0]!r}: {s!r}")
            if unicodedata.normalize("NFC", s) != s:
                out.append(f"translation of {ids[0]!r} is not in Unicode NFC")
            words = re.sub(r"\{[^{}]*\}", "", ids[0])
            if s == ids[0] and re.search(r"[A-Za-z]{3,}", words) and ids[0] not in SAME_ALLOWED:
                out.append(f"translation equals the English: {ids[0]!r}")
    if not MO.exists():
        out.append(f"{MO.relative_to(ROOT)} is missing: run python tools/i18n.py compile")
    elif _messages(MO.read_bytes()) != _messages(compiled(po)):
        out.append(f"{MO.relative_to(ROOT)} is not tally.po compiled: run python tools/i18n.py compile")
    return out


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update()
        print(f"updated {PO.relative_to(ROOT)}")
        return 0
    if command == "compile":
        compile_mo()
        print(f"wrote {MO.relative_to(ROOT)}")
        return 0
    if command == "check":
        found = problems()
        for p in found:
            print(p)
        print(f"{len(found)} problem(s)")
        return 1 if found else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
