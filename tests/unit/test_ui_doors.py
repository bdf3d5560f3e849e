"""The console's doors: the UI reaches the file only through the Desk, and no module of the package
imports itself back through another (imports under ``if TYPE_CHECKING:`` and inside functions count)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "incident_console"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that ``name`` imports, wherever in the file the import is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            # ``from .screens import main``: the module ``main``, when it is one.
            targets = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source for alias in node.names
            ]
        else:
            continue
        found |= {target for target in targets if target in known}
    found.discard(name)
    return found


def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: _imports(name, path, known) for name, path in known.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_module_of_the_ui_imports_the_store() -> None:
    graph = _graph()
    reaching = {
        name: sorted(t for t in targets if t == "incident_console.store" or t.startswith("incident_console.store."))
        for name, targets in graph.items()
        if name.startswith("incident_console.ui")
    }
    assert {name: stores for name, stores in reaching.items() if stores} == {}


def test_no_module_of_the_ui_reaches_past_the_desk_to_its_repository() -> None:
    reaching = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for name, path in _modules().items()
        if name.startswith("incident_console.ui")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "repository"
    ]
    assert reaching == []


def test_the_package_has_no_circle_of_imports() -> None:
    assert _cycles(_graph()) == []


def test_the_walk_sees_the_imports_it_must_see() -> None:
    """So that the two tests above cannot pass for a walk that finds nothing."""
    graph = _graph()
    assert "incident_console.ui.screens.main" in graph["incident_console.ui.app"]
    assert "incident_console.desk" in graph["incident_console.ui.app"]
    # Under ``if TYPE_CHECKING:`` in desk/core.py.
    assert "incident_console.store.repository" in graph["incident_console.desk.core"]
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
