"""Every module of the package imports alone, and the modules import each other without a cycle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import vaultkit

PACKAGE = Path(vaultkit.__file__).parent
MODULES = sorted(path.stem for path in PACKAGE.glob("*.py"))


def import_graph(folder: Path) -> dict[str, set[str]]:
    """Module → the package modules it imports, at any depth of its code (functions included).

    ``from vaultkit import name`` is an edge to the module ``name`` when there is one, and to
    ``__init__`` otherwise (a name the package itself defines). The package's own ``__init__``,
    which Python runs before any of its modules, is not an edge of its own. Imports under
    ``if TYPE_CHECKING:`` are no edge: they name types for annotations and never run.
    """
    names = {path.stem for path in folder.glob("*.py")}
    graph: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.py")):
        targets: set[str] = set()
        for node in _run_time_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] == "vaultkit":
                        targets.add(parts[1] if len(parts) > 1 else "__init__")
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                parts = node.module.split(".")
                if parts[0] != "vaultkit":
                    continue
                if len(parts) > 1:
                    targets.add(parts[1])
                else:
                    targets.update(a.name if a.name in names else "__init__" for a in node.names)
        targets.discard(path.stem)
        graph[path.stem] = targets
    return graph


def _run_time_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree`` but those under ``if TYPE_CHECKING:``."""
    found: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and ast.unparse(node.test) in (
            "TYPE_CHECKING",
            "typing.TYPE_CHECKING",
        ):
            stack.extend(node.orelse)
            continue
        found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as the modules along it (the first repeated at the end), or None."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        trail: list[str] = []
        on_trail: set[str] = set()
        stack: list[tuple[str, list[str]]] = [(start, sorted(graph[start]))]
        trail.append(start)
        on_trail.add(start)
        while stack:
            node, pending = stack[-1]
            if not pending:
                stack.pop()
                trail.pop()
                on_trail.discard(node)
                done.add(node)
                continue
            target = pending.pop(0)
            if target in on_trail:
                return [*trail[trail.index(target) :], target]
            if target in done or target not in graph:
                continue
            trail.append(target)
            on_trail.add(target)
            stack.append((target, sorted(graph[target])))
    return None


def test_the_cycle_finder_sees_a_cycle_through_a_function_level_import(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("from vaultkit.b import x\n")
    (tmp_path / "b.py").write_text("def f():\n    from vaultkit import c\n")
    (tmp_path / "c.py").write_text("import vaultkit.a\n")
    (tmp_path / "d.py").write_text("from vaultkit import a\n")
    graph = import_graph(tmp_path)
    assert graph == {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    (tmp_path / "c.py").write_text("")
    assert find_cycle(import_graph(tmp_path)) is None


def test_a_name_the_package_defines_is_an_edge_to_init(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("from vaultkit.a import y\n")
    (tmp_path / "a.py").write_text("from vaultkit import __version__\n")
    graph = import_graph(tmp_path)
    assert find_cycle(graph) == ["__init__", "a", "__init__"]


def test_the_package_modules_import_each_other_without_a_cycle() -> None:
    assert find_cycle(import_graph(PACKAGE)) is None


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports_alone_in_a_fresh_interpreter(module: str) -> None:
    name = "vaultkit" if module == "__init__" else f"vaultkit.{module}"
    # __main__ runs the command line when imported: give it one that exits at once.
    code = f"import sys; sys.argv = ['vaultkit', '--version']; import {name}"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
