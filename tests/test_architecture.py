"""The import structure (docs/ARCHITECTURE.md): which module may import which.

An AST walk of every module under ballots/ and tally/ and of cli*.py, counting every
import: at the top, inside functions and under ``if TYPE_CHECKING:``. It fails when

* ballots/ imports tally/ (ballots holds what a count is made from; tally what is made of it);
* the core (ballots/, tally/) imports typer, rich, click or cli*: it never prints;
* signing (tally.sign, tally.keys) depends on verification (tally.verify), even indirectly;
* the foundation (errors, i18n, output, cells) imports any other project module;
* any cycle exists between project modules, counting imports inside functions: an import
  inside a function does not make a circle go away, it only hides it;
* the core imports a light project module inside a function: that is only done to defer a
  heavy library (openpyxl, calamine, cryptography, tomlkit, defusedxml, filelock) or the check
  half of the job (tally.pipeline, tally.checking: verify re-counts only when asked) for start-up time.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("ballots", "tally")
FOUNDATION = {"ballots.errors", "ballots.i18n", "ballots.output", "ballots.cells"}
FRONT_END = {"typer", "rich", "click"}
FRONT_PACKAGE = "tally._cli"
HEAVY = {"openpyxl", "python_calamine", "cryptography", "asn1crypto", "tomlkit", "defusedxml", "filelock"}
# Project modules as costly to load as a library: the check half of the job (the event, ballot
# and sheet readers, 35 ms), which `tally verify` needs only to re-count (--event, --ballots).
HEAVY_PROJECT = {"tally.pipeline", "tally.checking"}


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):   # subpackages too (tally/scan/)
            parts = path.relative_to(ROOT).with_suffix("").parts
            out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    for path in sorted(ROOT.glob("cli*.py")):      # installed as the subpackage tally._cli
        out[f"tally._cli.{path.stem}"] = path
    return out


MODULES = _modules()


@dataclass(frozen=True)
class Import:
    source: str
    target: str          # a project module, or a third-party top-level name
    line: int
    where: str           # "top" | "function" | "type_checking"

    @property
    def internal(self) -> bool:
        return self.target in MODULES

    def __str__(self) -> str:
        return f"{self.source}:{self.line} imports {self.target} ({self.where})"


def _resolve(name: str) -> str:
    """The project module `name` lives in, else its top-level package."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in MODULES:
            return ".".join(parts[:i])
    return parts[0]


def _imports(module: str, path: Path) -> list[Import]:
    found: list[Import] = []

    def walk(node: ast.AST, where: str) -> None:
        if isinstance(node, ast.Import):
            found.extend(Import(module, _resolve(a.name), node.lineno, where) for a in node.names)
            return
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:                    # relative: from the module's own package upwards
                package = module if path.name == "__init__.py" else module.rpartition(".")[0]
                for _up in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:          # `from ballots import edit` imports the module ballots.edit
                full = f"{base}.{alias.name}"
                found.append(Import(module, full if full in MODULES else _resolve(base), node.lineno, where))
            return
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                walk(child, "type_checking")
            for child in node.orelse:
                walk(child, where)
            return
        inner = "function" if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) else where
        if where == "type_checking":
            inner = where
        for child in ast.iter_child_nodes(node):
            walk(child, inner)

    walk(ast.parse(path.read_text(encoding="utf-8"), str(path)), "top")
    return found


IMPORTS = [imp for module, path in MODULES.items() for imp in _imports(module, path)]


def _package(module: str) -> str:
    """The layer: ballots, tally, or the front end (cli, cli_render, cli_support, cli_term as tally._cli)."""
    if module == "tally.__main__":         # `python -m tally`: the front end's other door
        return "cli"
    if module == FRONT_PACKAGE or module.startswith(FRONT_PACKAGE + "."):
        return "cli" if module == FRONT_PACKAGE else module.rpartition(".")[2]
    return module.split(".")[0]


def _graph(*, type_checking: bool) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in IMPORTS:
        if imp.internal and imp.target != imp.source and (type_checking or imp.where != "type_checking"):
            graph[imp.source].add(imp.target)
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return out


def test_every_module_is_walked() -> None:
    assert {"ballots.edit", "ballots.rules", "tally.count", "tally.sign", "tally.verify", "tally.scan.entry",
            "tally._cli.cli", "tally._cli.cli_render"} <= set(MODULES)
    assert any(imp.where == "function" for imp in IMPORTS)
    assert any(imp.where == "type_checking" for imp in IMPORTS)


def test_ballots_never_imports_tally() -> None:
    wrong = [str(imp) for imp in IMPORTS if _package(imp.source) == "ballots" and _package(imp.target) == "tally"]
    assert wrong == []


def test_the_core_never_imports_the_front_end() -> None:
    wrong = [str(imp) for imp in IMPORTS if _package(imp.source) in PACKAGES
             and (imp.target in FRONT_END or _package(imp.target).startswith("cli"))]
    assert wrong == []


def test_ballots_and_tally_are_layered_the_right_way_round() -> None:
    # the front end may use both; tally builds on ballots; nothing points back up
    assert {(_package(i.source), _package(i.target)) for i in IMPORTS if i.internal} <= {
        ("ballots", "ballots"), ("tally", "tally"), ("tally", "ballots"),
        ("cli", "ballots"), ("cli", "tally"), ("cli", "cli"), ("cli", "cli_render"), ("cli", "cli_support"),
        ("cli", "cli_term"), ("cli_render", "ballots"), ("cli_render", "tally"), ("cli_render", "cli_term"),
        ("cli_support", "ballots"), ("cli", "cli_event"), ("cli_event", "ballots"), ("cli_event", "cli_render"),
        ("cli_event", "cli_term"),
    }   # cli_term (rich's look without rich) imports nothing of the project


@pytest.mark.parametrize("signing", ["tally.sign", "tally.keys"])
def test_signing_does_not_depend_on_verification(signing: str) -> None:
    assert "tally.verify" not in _reachable(_graph(type_checking=True), signing) | {signing}


@pytest.mark.parametrize("module", sorted(FOUNDATION))
def test_the_foundation_imports_only_the_foundation(module: str) -> None:
    wrong = [str(imp) for imp in IMPORTS if imp.source == module and imp.internal and imp.target not in FOUNDATION]
    assert wrong == []


def test_no_import_cycles_not_even_inside_functions() -> None:
    assert _cycles(_graph(type_checking=False)) == []


def test_no_import_cycles_counting_type_checking_imports() -> None:
    assert _cycles(_graph(type_checking=True)) == []


def test_imports_inside_core_functions_only_defer_heavy_libraries() -> None:
    graph = _graph(type_checking=False)
    top_level: dict[str, set[str]] = {m: set() for m in MODULES}
    for imp in IMPORTS:
        if imp.where == "top":
            top_level[imp.source].add(imp.target)

    def heavy(module: str) -> bool:
        # what importing `module` loads at once: its own top-level imports, transitively
        if module in HEAVY_PROJECT:
            return True
        loaded = {module}
        todo = [module]
        while todo:
            for nxt in top_level[todo.pop()]:
                if nxt in HEAVY:
                    return True
                if nxt in MODULES and nxt not in loaded:
                    loaded.add(nxt)
                    todo.append(nxt)
        return False

    needless = [str(imp) for imp in IMPORTS if _package(imp.source) in PACKAGES and imp.where == "function"
                and imp.internal and not heavy(imp.target)]
    assert needless == [], "import these at the top of the module: they defer no heavy library"
    assert graph  # the graph was built from the same walk


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
