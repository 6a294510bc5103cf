"""spinndl's packages import one way: layers -> graph -> backend ->
training (and model on top), with no cycle through any subpackage
(docs/architecture.md). Read from the sources' import statements, those
inside functions included, so a deferred import cannot hide a cycle."""

import ast
import os
from typing import Dict, Set

import spinndl

PACKAGE = os.path.dirname(spinndl.__file__)
#: The one-way order: a package may import only those before it.
ORDER = ["layers", "graph", "backend", "training"]


def unit_of(module: str) -> str:
    """A subpackage or top-level module's name ('spinndl' for the
    package's __init__)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "spinndl"


def import_graph() -> Dict[str, Set[str]]:
    """unit -> the other units it imports."""
    graph: Dict[str, Set[str]] = {}
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, os.path.dirname(PACKAGE))
            module = relative[:-3].replace(os.sep, ".")
            package = module if name == "__init__.py" else \
                module.rsplit(".", 1)[0]
            if name == "__init__.py":
                module = module[:-len(".__init__")]
                package = module
            with open(path, encoding="utf-8") as stream:
                tree = ast.parse(stream.read(), path)
            for node in ast.walk(tree):
                targets = []
                if isinstance(node, ast.ImportFrom):
                    if node.level:
                        base = package.split(".")[:len(package.split("."))
                                                   - node.level + 1]
                        target = ".".join(base + ([node.module]
                                                  if node.module else []))
                    else:
                        target = node.module or ""
                    targets = [target] if node.module else \
                        [f"{target}.{alias.name}" for alias in node.names]
                elif isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                for target in targets:
                    if target == "spinndl" or target.startswith("spinndl."):
                        source, sink = unit_of(module), unit_of(target)
                        if source != sink:
                            graph.setdefault(source, set()).add(sink)
    return graph


def reachable(graph, start):
    seen, stack = set(), [start]
    while stack:
        for nxt in graph.get(stack.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return seen


def subpackages():
    return sorted(name for name in os.listdir(PACKAGE)
                  if os.path.isfile(os.path.join(PACKAGE, name,
                                                 "__init__.py")))


def test_the_graph_is_read():
    graph = import_graph()
    assert "layers" in graph["graph"] and "graph" in graph["backend"]


def test_packages_import_one_way():
    graph = import_graph()
    for index, unit in enumerate(ORDER):
        later = set(ORDER[index + 1:])
        # directly or through any other module of spinndl
        assert not (reachable(graph, unit) & later), \
            f"{unit} imports {sorted(reachable(graph, unit) & later)}, " \
            f"which come after it in {' -> '.join(ORDER)}"


def test_no_cycle_through_a_subpackage():
    graph = import_graph()
    for unit in subpackages():
        assert unit not in reachable(graph, unit), \
            f"spinndl.{unit} imports itself back through " \
            f"{sorted(u for u in reachable(graph, unit) if unit in reachable(graph, u))}"
