"""The import graph: features sit above the core, and no import cycle runs through the core.

Built from the source with `ast`: every import, also those inside functions and under
`if TYPE_CHECKING:` (a cycle of types is a cycle too, as import-linter counts it). The
composition root (bot/app.py) is the one module of `bot` that imports the features.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers")
# The core and what every message passes through: none of them may sit in a cycle.
CORE = ("bot.core", "bot.ctx", "bot.router", "bot.types", "bot.config", "bot.app")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.AST, modules: set[str], here: str, is_package: bool) -> set[str]:
    found: set[str] = set()

    def target(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if (t := target(alias.name)) is not None:
                    found.add(t)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = here if is_package else here.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                t = target(f"{base}.{alias.name}") or target(base)
                if t is not None:
                    found.add(t)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    found.discard(here)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    modules = set(paths)
    return {
        name: _imports(
            ast.parse(path.read_text(), str(path)), modules, name, path.stem == "__init__"
        )
        for name, path in paths.items()
    }


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def cycle_through(graph: dict[str, set[str]], module: str) -> list[str] | None:
    """A shortest import cycle from `module` back to itself, or None."""
    paths = {module: [module]}
    todo = [module]
    while todo:
        current = todo.pop(0)
        for nxt in sorted(graph.get(current, ())):
            if nxt == module:
                return paths[current] + [module]
            if nxt not in paths:
                paths[nxt] = paths[current] + [nxt]
                todo.append(nxt)
    return None


def test_the_core_does_not_import_the_features():
    graph = import_graph()
    for module in CORE:
        if module == "bot.app":
            continue  # the composition root: it builds the features
        features = sorted(m for m in reachable(graph, module) if m.split(".")[0] == "handlers")
        assert not features, f"{module} reaches the features: {features}"


def test_only_the_composition_root_imports_the_features():
    graph = import_graph()
    importers = sorted(
        m
        for m, imported in graph.items()
        if m.startswith("bot") and any(i.split(".")[0] == "handlers" for i in imported)
    )
    assert importers == ["bot.app"]


def test_no_import_cycle_runs_through_the_core():
    graph = import_graph()
    cycles = {m: c for m in CORE if (c := cycle_through(graph, m)) is not None}
    assert not cycles, " ; ".join(" → ".join(c) for c in cycles.values())


def test_the_cycle_check_finds_a_cycle():
    graph = {"bot.core": {"bot.db"}, "bot.db": {"handlers.menu"}, "handlers.menu": {"bot.core"}}
    assert cycle_through(graph, "bot.core") == ["bot.core", "bot.db", "handlers.menu", "bot.core"]
    assert cycle_through(graph, "bot.x") is None
