"""The sandbox stands alone: it imports nothing of biddaemon outside biddaemon.sandbox (so the
referee never borrows the engine's rules), and only its clock asks the wall clock for the time."""

from __future__ import annotations

import ast
import subprocess
import sys
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


def test_importing_the_cli_command_does_not_load_the_web_stack() -> None:
    """Every biddaemon command imports every command module; the sandbox's costs only its own."""
    probe = (
        "import sys, biddaemon.cli.sandbox_cmd; "
        "print('fastapi' in sys.modules, 'uvicorn' in sys.modules)"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == ["False", "False"]


def test_the_platform_stand_ins_import_nothing_from_the_rest_of_biddaemon() -> None:
    modules = sorted((PACKAGE / "platforms").glob("*.py"))
    assert len(modules) >= 5
    outside = {
        f"platforms/{module.name}: {name}"
        for module in modules
        for name in _imports(ast.parse(module.read_text(encoding="utf-8")))
        if name.split(".")[0] == "biddaemon" and not name.startswith("biddaemon.sandbox")
    }
    assert outside == set()


def test_no_production_module_outside_the_sandbox_imports_the_stand_ins() -> None:
    """The LocalFlex, Flatpeak and Tensor stand-ins are part of the sandbox, not of biddaemon."""
    root = PACKAGE.parent
    importers = {
        str(module.relative_to(root))
        for module in root.rglob("*.py")
        if PACKAGE not in module.parents
        for name in _imports(ast.parse(module.read_text(encoding="utf-8")))
        if name.startswith("biddaemon.sandbox.platforms")
    }
    assert importers == set()
