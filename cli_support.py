"""What `cli.py` needs from typer beyond commands: help and usage errors in the reader's
language, global options anywhere on the line, and a progress bar for long work.

Help texts stay English in the code (command docstrings, ``help=``); they are msgids of
the catalogue (``tools/i18n.py`` collects them from the real command tree) and are
translated when the help is shown, so ``tally --lang vi check --help`` and
``TALLY_LANG=vi tally --help`` need nothing decided at import time. The framework's own
words (Usage, Options, [default: …], "Missing argument …") are translated here too.

Imports stay light: rich is imported only when a progress bar is actually shown.
"""

from __future__ import annotations

import glob
import inspect
import re
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import typer

# typer vendors click and shows these classes only through its private `typer._click`: these
# imports are the one place that names them. tests/test_dependencies.py fails when typer
# moves them, and pyproject.toml bounds typer's version.
from typer._click import Command as ClickCommand
from typer._click import Context as ClickContext
from typer._click import HelpFormatter
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer._click.shell_completion import CompletionItem
from typer.core import TyperCommand, TyperGroup

from ballots.i18n import LANGUAGES, N_, _, detect_language, language, set_language

GLOBAL_FLAGS = ("--quiet", "-q")
GLOBAL_VALUED = ("--lang",)

# The framework's words, for the catalogue; shown through _() where typer prints them.
CHROME = (
    N_("Usage: "), N_("Arguments"), N_("Options"), N_("Commands"), N_("default: {default}"), N_("required"),
    N_("Try '{command} {option}' for help."), N_("Error: {message}"), N_("Cancelled; nothing was written."),
)

# Every message click's parser and types can give for tally's parameters (typer._click's
# core.py, parser.py, types.py, exceptions.py), in the reader's language. The names in them are
# options as typed, or an argument's placeholder as the help shows it.
_USAGE_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), m) for p, m in (
    (r"^Missing argument (?P<name>'.+')\.$", N_("Missing argument {name}.")),
    (r"^Missing option (?P<name>'.+')\.$", N_("Missing option {name}.")),
    (r"^Missing parameter:? (?P<name>.+?)\.?$", N_("Missing value for {name}.")),
    (r"^Missing command\.$", N_("Missing command.")),
    (r"^No such option: (?P<name>\S+) \(Possible options: (?P<suggestion>.+)\)$",
     N_("No such option: {name}. Did you mean {suggestion}?")),
    (r"^No such option: (?P<name>\S+?)\.? Did you mean (?P<suggestion>.+)\?$",
     N_("No such option: {name}. Did you mean {suggestion}?")),
    (r"^No such option: (?P<name>\S+)$", N_("No such option: {name}")),
    (r"^No such command (?P<name>'.+')\. Did you mean (?P<suggestion>.+)\?$",
     N_("No such command {name}. Did you mean {suggestion}?")),
    (r"^No such command (?P<name>'.+')\.$", N_("No such command {name}.")),
    (r"^Got unexpected extra arguments? ?(?:\(s\))? \((?P<args>.*)\)$", N_("Unexpected extra argument(s): {args}")),
    (r"^Option (?P<name>'.+') requires an argument\.$", N_("Option {name} needs a value.")),
    (r"^Option (?P<name>'.+') requires (?P<n>\d+) arguments\.$", N_("Option {name} needs {n} values.")),
    (r"^Option (?P<name>'.+') does not take a value\.$", N_("Option {name} takes no value.")),
    (r"^Invalid value for (?P<name>'.+?'(?: / '.+?')*): (?P<problem>.*)$", N_("Invalid value for {name}: {problem}")),
    (r"^Invalid value: (?P<problem>.*)$", N_("Invalid value: {problem}")),
    (r"^'(?P<value>.*)' is not a valid (?:integer|int|int range|integer range)\.$",
     N_("'{value}' is not a whole number.")),
    (r"^'(?P<value>.*)' is not a valid (?:float|float range)\.$", N_("'{value}' is not a number.")),
    (r"^'(?P<value>.*)' is not a valid boolean\..*$", N_("'{value}' is not yes or no.")),
    (r"^(?P<value>\S+) is not in the range (?P<range>.+)\.$", N_("{value} is out of range ({range}).")),
))


def translate_usage_message(message: str) -> str:
    """A usage error of the command-line parser, in the active language and in plain words
    (unknown ones as they are)."""
    for pattern, template in _USAGE_ERRORS:
        m = pattern.match(message)
        if m:
            values = m.groupdict()
            if "problem" in values:
                values["problem"] = translate_usage_message(values["problem"])
            if "range" in values:
                values["range"] = plain_range(values["range"])
            return _(template).format(**values)
    return message


# ---------------------------------------------------------------- global options anywhere


def hoist_global_options(args: Sequence[str]) -> list[str]:
    """`tally check EVENT BALLOTS --lang en` works like `tally --lang en check EVENT BALLOTS`:
    --lang and --quiet are options of the whole program, accepted anywhere before `--`."""
    front: list[str] = []
    rest: list[str] = []
    items = list(args)
    i = 0
    while i < len(items):
        arg = items[i]
        if arg == "--":
            rest.extend(items[i:])
            break
        if arg in GLOBAL_FLAGS or any(arg.startswith(v + "=") for v in GLOBAL_VALUED):
            front.append(arg)
        elif arg in GLOBAL_VALUED and i + 1 < len(items):
            front.extend(items[i:i + 2])
            i += 1
        else:
            rest.append(arg)
        i += 1
    return front + rest


def option_value(args: Sequence[str], name: str) -> str | None:
    """The value of `name` (``--lang vi`` or ``--lang=vi``) in `args`, last one wins."""
    found = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == name and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith(name + "="):
            found = arg.split("=", 1)[1]
    return found


# ---------------------------------------------------------------- help in the reader's language


# Python's type names as typer shows them, in plain words (the value a person types).
_PLAIN_TYPES = {"path": N_("FILE"), "list[Path]": N_("FILE"), "text": N_("TEXT"), "str": N_("TEXT"),
                "list[str]": N_("TEXT"), "int range": N_("N"), "integer": N_("N"), "int": N_("N"),
                "float": N_("NUMBER"), "float range": N_("NUMBER")}
# The placeholders of a usage line, in plain words (click's own are in capitals).
USAGE_WORDS = (N_("OPTIONS"), N_("COMMAND"), N_("ARGS"))
_TYPE_SUFFIX = re.compile(r" <([^<>]+)>$")
_TERM_WORDS = re.compile(r"<[^<>]+>(?:\.\.\.)?|[^\s<]+|\s+")


def local_metavar(word: str) -> str:
    """One placeholder of a help text or usage line as the reader sees it: in the reader's
    language, Python's type names in plain words, typer's braces around a required argument
    dropped ('{EVENT}' -> 'TỆP-SỰ-KIỆN', '<int range>' -> 'SỐ'; '[ID]' and 'BALLOTS...' keep
    their marks)."""
    if word.startswith("{") and word.endswith("}"):
        return local_metavar(word[1:-1])
    if word.startswith("[") and word.endswith("]"):
        return "[" + local_metavar(word[1:-1]) + "]"
    if word.endswith("..."):
        return local_metavar(word[:-3]) + "..."
    if word.startswith("<") and word.endswith(">"):
        word = _PLAIN_TYPES.get(word[1:-1], word[1:-1].upper())
    return _(word) if word else word


def plain_term(term: str, section: str = "Options") -> str:
    """The left column of a help section: an option's names stay as typed, its value's placeholder
    is put in plain words ('--require <int range>' -> '--require N'); an argument is its
    placeholder ('ballots... <list[Path]>' -> 'BALLOTS...'); a command's name stays as typed."""
    if section not in ("Options", "Arguments"):
        return term
    if not term.startswith("-"):
        term = _TYPE_SUFFIX.sub("", term)
        return local_metavar(term if term.isupper() else term.upper())
    words = _TERM_WORDS.findall(term)
    return "".join(w if w.isspace() or w.startswith(("-", "/")) else local_metavar(w) for w in words)


def argument_metavar(param: Any) -> str:
    """An argument's placeholder in English, as the help shows it ('EVENT', 'BALLOTS...')."""
    word = str(param.metavar or (param.name or "").upper())
    return word + ("..." if param.nargs != 1 and not word.endswith("...") else "")


def plain_usage(args: str) -> str:
    """'[OPTIONS] {EVENT} BALLOTS...' -> '[TÙY-CHỌN] SỰ-KIỆN TỆP-PHIẾU...': every placeholder in
    the reader's language, typer's braces dropped."""
    return " ".join(local_metavar(w) for w in args.split(" ")) if args else args


_RANGES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), m) for p, m in (
    (r"^(?P<a>-?\d+)<=x<=(?P<b>-?\d+)$", N_("from {a} to {b}")),
    (r"^x>=(?P<a>-?\d+)$", N_("at least {a}")),
    (r"^x>(?P<a>-?\d+)$", N_("more than {a}")),
    (r"^x<=(?P<a>-?\d+)$", N_("at most {a}")),
    (r"^x<(?P<a>-?\d+)$", N_("less than {a}")),
))


def plain_range(text: str) -> str:
    """click's 'x>=1' in words: 'at least 1' (unknown forms as they are)."""
    for pattern, template in _RANGES:
        m = pattern.match(text)
        if m:
            return _(template).format(**m.groupdict())
    return text


_EXTRA = re.compile(r"\[([^\[\]]*)\]$")


def plain_extra(text: str) -> str:
    """The bracket click adds after an option's help ('[default: 1; x>=1; required]'), each
    item in words and in the reader's language."""
    m = _EXTRA.search(text)
    if not m:
        return text
    items = []
    for item in m.group(1).split("; "):
        if item.startswith("default: "):
            item = _("default: {default}").format(default=item.removeprefix("default: "))
        elif item == "required":
            item = _("required")
        else:
            item = plain_range(item)
        items.append(item)
    return text[:m.start()] + "[" + "; ".join(items) + "]"


class LocalisedFormatter(HelpFormatter):
    """Click's help formatter with its own words translated and Python's type names in plain words."""

    heading = ""     # the section being written, in English (click's section() is a method)

    def __init__(self, indent_increment: int = 2, width: int | None = None, max_width: int | None = None) -> None:
        # the terminal's width, as click measures it, even where a test runner forces 80 columns
        if width is None:
            width = max(min(shutil.get_terminal_size().columns, max_width or 80) - 2, 50)
        super().__init__(indent_increment, width, max_width)

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, plain_usage(args), _("Usage: ") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.heading = heading
        super().write_heading(_(heading))

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(plain_term(term, self.heading), plain_extra(text)) for term, text in rows],
                         col_max, col_spacing)


class LocalisedContext(ClickContext):
    formatter_class = LocalisedFormatter


def _localise_help(obj: Any) -> None:
    """Set obj.help (a command or parameter) to the translation of its English text."""
    if not hasattr(obj, "_tally_msgid"):
        obj._tally_msgid = getattr(obj, "help", None)
    msgid = obj._tally_msgid
    if msgid:
        obj.help = _(msgid)


class _Localised:
    """Shared by commands and groups: help and usage errors in the active language."""

    context_class: type[ClickContext] = LocalisedContext

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _localise_help(self)
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            _localise_help(param)
        super().format_help(ctx, formatter)  # type: ignore[misc]

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first sentence of the help, whole: the help formatter wraps it, nothing is cut
        short with '...' (click's default at 80 columns)."""
        _localise_help(self)
        return super().get_short_help_str(10_000)  # type: ignore[misc,no-any-return]

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)  # type: ignore[misc]
        except NoArgsIsHelpError:
            raise   # the help itself, already in the reader's language
        except UsageError as exc:
            if exc.ctx is None:     # the option parser's errors come without one: the usage line needs it
                exc.ctx = self.context_class(self, info_name=info_name, parent=parent)  # type: ignore[arg-type]
            raise LocalisedUsageError(exc) from None


class LocalisedUsageError(UsageError):
    """A parser error shown in the active language: usage line, where to get help, the error."""

    def __init__(self, original: UsageError) -> None:
        param = getattr(original, "param", None)
        if getattr(param, "param_type_name", "") == "argument" and getattr(original, "param_hint", "") is None:
            # an argument is named by its placeholder, as the help and the usage line show it
            original.param_hint = "'" + local_metavar(argument_metavar(param)).removesuffix("...") + "'"  # type: ignore[attr-defined]
        super().__init__(translate_usage_message(original.format_message()), original.ctx)
        self.exit_code = original.exit_code

    def show(self, file: Any = None) -> None:
        file = file or sys.stderr
        if self.ctx is not None:
            hint = ""
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = _("Try '{command} {option}' for help.").format(
                    command=self.ctx.command_path, option=self.ctx.help_option_names[0]) + "\n"
            typer.echo(f"{self.ctx.get_usage()}\n{hint}", file=file, color=self.ctx.color)
        typer.echo(_("Error: {message}").format(message=self.format_message()), file=file)


# ---------------------------------------------------------------- commands built when used


class LazyCommands(MutableMapping[str, ClickCommand]):
    """A group's commands by name, each turned into a click command only when it is used.

    typer builds the whole command tree at every start: it reads each command function's
    signature and evaluates its annotations (strings, with ``from __future__ import
    annotations``), about 2 ms a command, so `tally --help` paid for all thirty. Here a
    command is built on its first look-up (`tally check ...` builds `check` alone), and the
    listing in `tally --help` and shell completion use a preview: a command without
    parameters carrying the same help, so they build none. Iterating the values (the
    message catalogue and the docs walk the tree) builds every command, as typer would.
    """

    def __init__(self, builders: Mapping[str, Callable[[], ClickCommand]],
                 previews: Mapping[str, Callable[[], ClickCommand]]) -> None:
        self._builders = dict(builders)
        self._previews = previews
        self._built: dict[str, ClickCommand] = {}

    def __getitem__(self, name: str) -> ClickCommand:
        if name not in self._built:
            self._built[name] = self._builders[name]()   # KeyError for an unknown name, as a dict
        return self._built[name]

    def __setitem__(self, name: str, command: ClickCommand) -> None:   # click's add_command
        self._builders[name] = lambda: command
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._builders[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._builders)

    def __len__(self) -> int:
        return len(self._builders)

    @property
    def built(self) -> tuple[str, ...]:
        """The commands built so far, by name."""
        return tuple(self._built)

    def preview(self, name: str) -> ClickCommand:
        """The command as far as a listing needs it (name, help, hidden): the built one if
        there is one, else a stand-in with the same help and no parameters."""
        if name in self._built or name not in self._previews:
            return self[name]      # a group: cheap to build, its own commands stay unbuilt
        return self._previews[name]()


class _LazyGroup:
    """A group whose commands are a LazyCommands (set up by `localise`)."""

    lazy: ClassVar[tuple[Mapping[str, Callable[[], ClickCommand]], Mapping[str, Callable[[], ClickCommand]]]] = (
        {}, {})
    # The sections of `tally --help`, in the order of a count (set by localise()).
    panels: ClassVar[tuple[str, ...]] = ()

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.lazy_commands = LazyCommands(*type(self).lazy)
        self.commands: MutableMapping[str, ClickCommand] = self.lazy_commands

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.lazy_commands)   # typer's own walks .items(): it would build every command

    def _visible(self, incomplete: str = "") -> list[tuple[str, ClickCommand]]:
        found = [(name, self.lazy_commands.preview(name)) for name in self.lazy_commands if name.startswith(incomplete)]
        return [(name, command) for name, command in found if not command.hidden]

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The commands under their sections (each one's rich_help_panel, in the order of
        `panels`; "Commands" for one without), each with the first sentence of its help, whole."""
        sections: dict[str, list[tuple[str, str]]] = {panel: [] for panel in self.panels}
        for name, command in self._visible():
            panel = getattr(command, "rich_help_panel", None) or "Commands"
            sections.setdefault(panel, []).append((name, command.get_short_help_str()))
        for panel, rows in sections.items():
            if rows:
                with formatter.section(panel):
                    formatter.write_dl(rows)

    def shell_complete(self, ctx: Any, incomplete: str) -> list[CompletionItem]:
        results = [CompletionItem(name, help=command.get_short_help_str()) for name, command in
                   self._visible(incomplete)]
        return results + ClickCommand.shell_complete(self, ctx, incomplete)  # type: ignore[arg-type]   # the options


class LocalisedCommand(_Localised, TyperCommand):
    pass


class LocalisedGroup(_LazyGroup, _Localised, TyperGroup):
    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except (LocalisedUsageError, NoArgsIsHelpError):
            raise
        except UsageError as exc:
            raise LocalisedUsageError(exc) from None


class TallyGroup(LocalisedGroup):
    """The root command: decides the language before anything is parsed or shown, and lets
    the global options stand anywhere on the line."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, windows_expand_args: bool = True,
             **extra: Any) -> Any:
        argv = hoist_global_options(sys.argv[1:] if args is None else args)
        chosen = (option_value(argv, "--lang") or "").strip().lower()     # --lang EN is --lang en
        before = language()
        set_language(detect_language(chosen if chosen in LANGUAGES else None))
        try:
            return self._main(argv, prog_name, complete_var, standalone_mode,
                              windows_expand_args=windows_expand_args, **extra)
        finally:
            set_language(before)   # in-process callers (tests, CliRunner) keep their own language

    def _main(self, argv: list[str], prog_name: str | None, complete_var: str | None, standalone_mode: bool,
              **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except ClickException as exc:
            if isinstance(exc, UsageError) and not isinstance(
                    exc, (LocalisedUsageError, NoArgsIsHelpError)):
                exc = LocalisedUsageError(exc)
            exc.show()
            sys.exit(exc.exit_code)
        except (typer.Abort, KeyboardInterrupt, EOFError):   # Ctrl-C or Ctrl-D outside a command's own handling
            typer.echo(_("Cancelled; nothing was written."), file=sys.stderr)
            sys.exit(130)
        sys.exit(rv if isinstance(rv, int) else 0)


def localise(app: typer.Typer, panels: Sequence[str] = (), root: bool = True,
             settings: dict[str, Any] | None = None) -> None:
    """Make every command and group of `app` use the localised classes, and build each only
    when it is used (LazyCommands). Call once, after all commands are registered: the
    commands move from typer's lists into the group class that `typer.main.get_command`
    instantiates, so typer itself builds only the root. `tally --help` lists the commands
    under `panels` (their rich_help_panel), in that order."""
    if panels:
        _LazyGroup.panels = tuple(panels)
    from typer.main import get_command_from_info, get_group_from_info

    settings = settings or {"pretty_exceptions_short": app.pretty_exceptions_short,
                            "rich_markup_mode": app.rich_markup_mode}
    builders: dict[str, Callable[[], Any]] = {}
    previews: dict[str, Callable[[], Any]] = {}
    for command in app.registered_commands:
        if command.cls is None or command.cls is TyperCommand:
            command.cls = LocalisedCommand
        assert command.callback is not None
        name = command.name or command.callback.__name__.lower().replace("_", "-")   # typer's get_command_name
        builders[name] = partial(get_command_from_info, command, **settings)
        previews[name] = partial(_preview, command, name, settings["rich_markup_mode"])
    for group in app.registered_groups:
        assert group.typer_instance is not None and isinstance(group.name, str)
        localise(group.typer_instance, root=False, settings=settings)
        group.cls = group.typer_instance.info.cls
        builders[group.name] = partial(get_group_from_info, group, suggest_commands=app.suggest_commands, **settings)
    base = TallyGroup if root else LocalisedGroup
    app.info.cls = type(base.__name__, (base,), {"lazy": (builders, previews), "__module__": __name__})
    app.registered_commands = []
    app.registered_groups = []


def _preview(command: Any, name: str, rich_markup_mode: Any) -> Any:
    """A command as `tally --help` lists it, without reading its parameters."""
    text = inspect.getdoc(command.callback) if command.help is None else inspect.cleandoc(command.help)
    return command.cls(name=name, help=text, short_help=command.short_help, hidden=command.hidden,
                       deprecated=command.deprecated, rich_markup_mode=rich_markup_mode,
                       rich_help_panel=command.rich_help_panel)


def lang_callback(value: str | None) -> str | None:
    """--lang: checked and applied at once (eager), so `--lang vi --help` is in Vietnamese."""
    if value is None:
        return None
    value = value.strip().lower()
    if value not in LANGUAGES:
        raise typer.BadParameter(_("use one of: {languages}").format(languages=", ".join(LANGUAGES)))
    set_language(value)
    return value


# ---------------------------------------------------------------- progress on long work

ProgressFn = Callable[[str, int, int], None]


@contextmanager
def progress_bar(enabled: bool) -> Iterator[ProgressFn | None]:
    """A rich progress bar on stderr while files are read, rows counted, files verified;
    None (nothing shown, nothing imported) when stderr is not a terminal or --quiet.

    The callback is the core's ``progress(what, done, total)``: `what` is a file name (done
    of total files), ``file › sheet`` (rows read so far in a large sheet), or a step such
    as "Counting"; a total of 0 means unknown, shown as a moving bar.
    """
    if not enabled or not _stderr_is_terminal():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(_("Reading ballot files"), total=None)

        def report(what: str, done: int, total: int) -> None:
            bar.update(task, description=what or _("Done"), completed=done, total=total or None)

        yield report


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


# ---------------------------------------------------------------- Windows: output and wildcards


def utf8_output() -> None:
    """stdout and stderr in UTF-8 whatever the console: redirected output on Windows gets the
    ANSI code page (cp1258 in Vietnam), which cannot encode most Vietnamese letters, so
    `tally show --json > f` and `tally count ... > log.txt` would fail half way."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
        reconfigure = getattr(stream, "reconfigure", None)
        if encoding != "utf8" and reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


_WILDCARD = re.compile(r"[*?[]")


def expand_wildcards(paths: list[Path] | None) -> list[Path] | None:
    """`tally verify results\\*.xlsx`: bash expands a wildcard before tally sees it, cmd.exe and
    PowerShell do not. A path that does not exist and holds * ? or [ is expanded here, in name
    order; one that matches nothing stays as typed, so the command says which file is missing."""
    if not paths:
        return paths
    expanded: list[Path] = []
    for path in paths:
        text = str(path)
        matches = sorted(glob.glob(text)) if _WILDCARD.search(text) and not path.exists() else []
        if matches:
            expanded.extend(Path(m) for m in matches)
        else:
            expanded.append(path)
    return expanded
