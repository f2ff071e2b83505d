"""The sandbox stands alone: it imports nothing of biddaemon outside biddaemon.sandbox (so the
referee never borrows the engine's rules), and only its clock asks the wall clock for the time."""

from __future__ import annotations

import ast
from pathlib import Path

import biddaemon.sandbox

PACKAGE = Path(biddaemon.sandbox.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))


def _imports(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_the_sandbox_imports_nothing_from_the_rest_of_biddaemon() -> None:
    assert len(MODULES) > 20
    outside = {
        f"{module.name}: {name}"
        for module in MODULES
        for name in _imports(ast.parse(module.read_text(encoding="utf-8")))
        if name.split(".")[0] == "biddaemon" and not name.startswith("biddaemon.sandbox")
    }
    assert outside == set()


def test_only_the_clock_reads_the_wall_clock() -> None:
    readers = set()
    for module in MODULES:
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in {"now", "utcnow", "today", "time"}
                and isinstance(node.value, ast.Name)
                and node.value.id in {"datetime", "date", "time"}
            ):
                readers.add(f"{module.name}: {node.value.id}.{node.attr}")
    assert readers == {"clock.py: datetime.now"}
