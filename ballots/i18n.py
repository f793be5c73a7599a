"""Messages in the reader's language: English source text, Vietnamese from a catalogue.

Everything a person reads at the command line (diagnostics and their next steps, check
results, tables, prompts, help) is written in English in the code and marked for
translation; ``locale/vi/LC_MESSAGES/tally.mo`` (compiled from ``tally.po`` with Babel by
``tools/i18n.py``, committed so an install needs no Babel) holds the Vietnamese.

* ``_("ballot number {number} is entered twice (also at {other})").format(number=7, other=loc)``
  translates the template, then fills it: a translator can move the placeholders.
* ``_n("{n} error", "{n} errors", n).format(n=n)`` for text that depends on a number.
* ``N_("...")`` only marks a module-level constant for the catalogue; translate it with
  ``_()`` where it is shown (the active language is not known at import).

The active language is process-wide, English by default, so library users and the tests
keep English text; ``cli.py`` sets it at start-up from ``--lang``, ``TALLY_LANG`` or the
system locale (:func:`detect_language`). Documents (minutes, ballots, templates) do not
use this module: they follow the event's own ``language``.
"""

from __future__ import annotations

import gettext as _gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

DOMAIN = "tally"
LANGUAGES = ("en", "vi")
DEFAULT_LANGUAGE = "en"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ENV_VAR = "TALLY_LANG"

_active = DEFAULT_LANGUAGE
_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_loaded: dict[str, _gettext.NullTranslations] = {}


def _load(lang: str) -> _gettext.NullTranslations:
    if lang not in _loaded:
        if lang == "en":  # the source language: the msgids are the English text
            _loaded[lang] = _gettext.NullTranslations()
        else:
            try:
                with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").open("rb") as fh:
                    _loaded[lang] = _gettext.GNUTranslations(fh)
            except OSError:  # an install without its catalogue: English rather than no tool at all
                _loaded[lang] = _gettext.NullTranslations()
    return _loaded[lang]


def set_language(lang: str) -> None:
    """Make `lang` (``en`` or ``vi``) the language of every message from now on."""
    global _active, _translation
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}: use one of {', '.join(LANGUAGES)}")
    _translation = _load(lang)
    _active = lang


def language() -> str:
    return _active


@contextmanager
def using(lang: str) -> Iterator[None]:
    """Messages in `lang` for the duration of a block (tests, one-off rendering)."""
    before = _active
    set_language(lang)
    try:
        yield
    finally:
        set_language(before)


def _(message: str) -> str:
    """The message in the active language (the English text itself when untranslated)."""
    return _translation.gettext(message)


def _n(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the active language."""
    return _translation.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a constant for the catalogue without translating it now."""
    return message


def normalise(value: str | None) -> str | None:
    """``vi``, ``vi_VN.UTF-8``, ``vi-VN``, ``Vietnamese_Vietnam.1258`` → ``vi``; ``en_GB`` → ``en``;
    anything else → None."""
    if not value:
        return None
    head = value.strip().split(":")[0].replace("-", "_").split(".")[0].split("@")[0].split("_")[0].casefold()
    if head in ("vi", "vie", "vietnamese"):
        return "vi"
    if head in ("en", "eng", "english"):
        return "en"
    return None


def detect_language(option: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language of the command line: ``--lang``, else ``TALLY_LANG``, else the system
    locale (``vi_*`` → Vietnamese), else English.

    The locale is read from the environment as gettext does (LANGUAGE, LC_ALL, LC_MESSAGES,
    LANG: the first one set), so it costs nothing at start-up; Windows, which sets none of
    them, is asked for its user locale.
    """
    env = os.environ if environ is None else environ
    for chosen in (option, env.get(ENV_VAR)):
        lang = normalise(chosen)
        if lang is not None:
            return lang
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            if value in ("C", "POSIX") or value.startswith("C."):
                return DEFAULT_LANGUAGE
            return normalise(value) or DEFAULT_LANGUAGE
    if os.name == "nt" and environ is None:  # pragma: no cover - Windows only
        import locale

        return normalise(locale.getlocale()[0]) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE
