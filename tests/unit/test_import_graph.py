"""The modules of `chalicelib` import one another without a cycle.

The graph is read from the source with `ast`, and every import counts wherever it stands:
at module level, inside a function, under `if TYPE_CHECKING:`, and a call of
`lazy_module("chalicelib....")` or `importlib.import_module("chalicelib....")` with a
constant name. An import deferred for the cold start is still a dependency, and
function-level imports are how cycles hide: Python runs them, a reader of the module's
head never sees them.

Imports under TYPE_CHECKING count too, though Python never runs them: a module that
names another's types depends on it as much as one that calls it, and the design has not
needed an exception (where a module defers another for the cold start, its
TYPE_CHECKING import stands beside the `lazy_module` of the same module: one edge either
way). `from chalicelib.x import y` is an edge to `chalicelib.x`, and to `chalicelib.x.y`
when that is a module; importing a module runs its packages' `__init__` first, so those
are edges too, except a module's own packages (every package is imported by its
submodules). Not seen: a module named by a computed string, which chalicelib does not use
(the jobs' table defers its modules with `lazy_module` too).
"""

from __future__ import annotations

import ast
from collections import deque
from itertools import pairwise
from pathlib import Path

import pytest
from msgspec import Struct

ROOT = Path(__file__).resolve().parents[2]
_DEFERRING_CALLS = frozenset({"lazy_module", "import_module", "__import__"})


class Edge(Struct, frozen=True):
    """Where an import stands: the line and how it is written."""

    line: int
    how: str  # "module level", "in a function", "TYPE_CHECKING", "lazy_module" ...


def modules_of(root: Path, package: str) -> dict[str, Path]:
    """Every module of `package` (found under `root`) by its dotted name."""
    found: dict[str, Path] = {}
    for path in sorted((root / package.replace(".", "/")).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imported_names(node: ast.AST, module: str, is_package: bool) -> list[str]:
    """The dotted names an import statement or a deferring call brings in."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            head = ".".join([*base, node.module] if node.module else base)
        else:
            head = node.module or ""
        # `from a.b import c` runs a.b, and a.b.c too when c is a module.
        return [head, *(f"{head}.{alias.name}" for alias in node.names)]
    if isinstance(node, ast.Call) and node.args:
        callee = node.func
        name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
        first = node.args[0]
        if name in _DEFERRING_CALLS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            return [first.value]
    return []


def _how(node: ast.AST, in_function: bool, type_checking: bool) -> str:
    if isinstance(node, ast.Call):
        callee = node.func
        return callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "call")
    if type_checking:
        return "TYPE_CHECKING"
    return "in a function" if in_function else "module level"


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> dict[str, Edge]:
    """The modules of `modules` that `module` imports, each with where it first does."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_package = path.name == "__init__.py"
    edges: dict[str, Edge] = {}

    def add(name: str, edge: Edge) -> None:
        # The module itself, or else the nearest package of ours that the name is inside.
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if not name or name == module or module.startswith(name + "."):
            return
        targets = [name]
        # Its packages run first (only the ones that are not this module's own).
        parent = name.rpartition(".")[0]
        while parent:
            if parent in modules and not module.startswith(parent + ".") and parent != module:
                targets.append(parent)
            parent = parent.rpartition(".")[0]
        for target in targets:
            edges.setdefault(target, edge)

    def visit(node: ast.AST, in_function: bool, type_checking: bool) -> None:
        for name in _imported_names(node, module, is_package):
            add(name, Edge(getattr(node, "lineno", 0), _how(node, in_function, type_checking)))
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            visit(node.test, in_function, type_checking)
            for child in node.body:
                visit(child, in_function, True)
            for child in node.orelse:
                visit(child, in_function, type_checking)
            return
        inner = in_function or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for child in ast.iter_child_nodes(node):
            visit(child, inner, type_checking)

    visit(tree, False, False)
    return edges


def import_graph(root: Path, package: str) -> dict[str, dict[str, Edge]]:
    """Each module of `package` and the modules of `package` it imports."""
    modules = modules_of(root, package)
    return {module: imports_of(module, path, modules) for module, path in modules.items()}


def strongly_connected(graph: dict[str, dict[str, Edge]]) -> list[list[str]]:
    """The groups of modules that import one another (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, pending = work[-1]
            if pending:
                target = pending.pop(0)
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, sorted(graph[target])))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return sorted(groups)


def shortest_cycle(graph: dict[str, dict[str, Edge]], start: str, within: set[str]) -> list[str]:
    """The shortest chain of imports from `start` back to itself, through `within` only."""
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for target in sorted(graph[node]):
            if target not in within:
                continue
            if target == start:
                chain = [node]
                while chain[-1] != start:
                    chain.append(came_from[chain[-1]])
                return [start, *reversed(chain[:-1]), start]
            if target not in came_from:
                came_from[target] = node
                queue.append(target)
    return []


def describe(graph: dict[str, dict[str, Edge]], group: list[str]) -> str:
    """A group of modules in a cycle, and the shortest cycle through each, import by import."""
    lines = [f"cycle among {len(group)} modules: {', '.join(group)}"]
    seen: set[tuple[str, ...]] = set()
    for start in group:
        cycle = shortest_cycle(graph, start, set(group))
        # The same cycle found from another of its modules is told once.
        turn = min(tuple(cycle[i:-1] + cycle[:i]) for i in range(len(cycle) - 1))
        if turn in seen:
            continue
        seen.add(turn)
        lines.append("  " + cycle[0])
        lines.extend(f"    -> {b}  ({a}, line {graph[a][b].line}, {graph[a][b].how})" for a, b in pairwise(cycle))
    return "\n".join(lines)


def test_chalicelib_imports_without_a_cycle() -> None:
    graph = import_graph(ROOT, "chalicelib")
    assert len(graph) > 100  # the whole package was read
    groups = strongly_connected(graph)
    assert not groups, "\n\n".join(describe(graph, group) for group in groups)


# --- the graph sees every way of importing ------------------------------------------------


def write_package(root: Path, files: dict[str, str]) -> None:
    for name, text in {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


BACK_TO_A = "import pkg.a\n"
WAYS_TO_IMPORT_B = {
    "module level": "import pkg.b\n",
    "from the module": "from pkg.b import thing\n",
    "from the package, a submodule": "from pkg import b\n",
    "relative": "from . import b\n",
    "relative, a name of it": "from .b import thing\n",
    "in a function": "def f():\n    from pkg.b import thing\n    return thing\n",
    "in a method": "class C:\n    def f(self):\n        import pkg.b\n",
    "under TYPE_CHECKING": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import b\n",
    "under typing.TYPE_CHECKING": "import typing\nif typing.TYPE_CHECKING:\n    import pkg.b\n",
    "lazy_module": "from pkg.lazy import lazy_module\nb = lazy_module('pkg.b')\n",
    "importlib": "import importlib\ndef f():\n    return importlib.import_module('pkg.b')\n",
}


@pytest.mark.parametrize("way", sorted(WAYS_TO_IMPORT_B))
def test_a_cycle_is_found_however_the_import_is_written(tmp_path: Path, way: str) -> None:
    write_package(tmp_path, {"pkg/a.py": WAYS_TO_IMPORT_B[way], "pkg/b.py": BACK_TO_A, "pkg/lazy.py": ""})
    graph = import_graph(tmp_path, "pkg")
    assert strongly_connected(graph) == [["pkg.a", "pkg.b"]]
    assert "-> pkg.b  (pkg.a, line" in describe(graph, ["pkg.a", "pkg.b"])


def test_a_name_that_is_not_a_module_is_an_edge_to_its_module_only(tmp_path: Path) -> None:
    write_package(tmp_path, {"pkg/a.py": "from pkg.sub import helper\n", "pkg/sub/b.py": "import pkg.a\n"})
    assert strongly_connected(import_graph(tmp_path, "pkg")) == []


def test_importing_a_module_runs_its_package_first(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {"pkg/a.py": "import pkg.sub.b\n", "pkg/sub/__init__.py": "import pkg.a\n", "pkg/sub/b.py": ""},
    )
    assert strongly_connected(import_graph(tmp_path, "pkg")) == [["pkg.a", "pkg.sub"]]


def test_a_longer_cycle_is_told_import_by_import(tmp_path: Path) -> None:
    write_package(
        tmp_path,
        {
            "pkg/a.py": "import pkg.b\n",
            "pkg/b.py": "def f():\n    import pkg.c\n",
            "pkg/c.py": "import pkg.a\nimport pkg.d\n",
            "pkg/d.py": "",
        },
    )
    graph = import_graph(tmp_path, "pkg")
    assert strongly_connected(graph) == [["pkg.a", "pkg.b", "pkg.c"]]
    told = describe(graph, ["pkg.a", "pkg.b", "pkg.c"])
    assert "-> pkg.c  (pkg.b, line 2, in a function)" in told
    assert told.count("-> pkg.b") == 1  # one cycle, told once
