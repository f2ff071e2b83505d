"""The layer table of DESIGN.md, enforced over every module's imports, so the next break fails CI.

Data flows one way: the engine and the strategies decide from immutable snapshots and never
touch the market, the database or the jobs; the market clients decide nothing; the store holds no
business rules; the sandbox shares no code at all. Imports are read with `ast` (every `import`
and `from ... import`, also inside functions and under TYPE_CHECKING), not by importing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import biddaemon

PACKAGE = Path(biddaemon.__file__).parent

EVERYTHING_ELSE = frozenset(
    {
        "backtest",
        "bidding",
        "cli",
        "daemon",
        "demo",
        "inventory",
        "jobs",
        "markets",
        "sandbox",
        "scheduler",
        "store",
        "strategy",
        "web",
    }
)

FORBIDDEN: dict[str, frozenset[str]] = {
    # engine / rules and strategies: decide from the snapshot alone
    "bidding": frozenset(
        {
            "backtest",
            "web",
            "cli",
            "daemon",
            "demo",
            "inventory",
            "jobs",
            "markets",
            "sandbox",
            "scheduler",
            "store",
        }
    ),
    "strategy": frozenset(
        {
            "backtest",
            "web",
            "bidding",
            "cli",
            "daemon",
            "demo",
            "inventory",
            "jobs",
            "markets",
            "sandbox",
            "scheduler",
            "store",
        }
    ),
    # market clients: HTTP and wire models, no decisions and no database
    "markets": frozenset(
        {
            "backtest",
            "web",
            "bidding",
            "cli",
            "daemon",
            "demo",
            "inventory",
            "jobs",
            "sandbox",
            "scheduler",
            "store",
            "strategy",
        }
    ),
    # store: tables and sessions, no business rules and no HTTP
    "store": frozenset(
        {
            "backtest",
            "web",
            "bidding",
            "cli",
            "daemon",
            "demo",
            "inventory",
            "jobs",
            "markets",
            "sandbox",
            "scheduler",
        }
    ),
    # jobs wire the stages; they are wired by the daemon and the CLI, never the reverse
    "jobs": frozenset({"backtest", "web", "cli", "daemon", "demo", "inventory", "sandbox"}),
    # the inventory mirrors one fleet to each platform; it does not bid
    "inventory": frozenset(
        {
            "backtest",
            "web",
            "bidding",
            "cli",
            "daemon",
            "demo",
            "jobs",
            "sandbox",
            "scheduler",
            "strategy",
        }
    ),
    # the dashboard reads the store and shows it; it never bids, sends or schedules anything
    "web": frozenset(
        {"backtest", "cli", "demo", "inventory", "jobs", "markets", "sandbox", "strategy"}
    ),
    # the referee is independent: nothing of biddaemon outside the sandbox at all
    "sandbox": EVERYTHING_ELSE - {"sandbox"} | {"clock", "errors", "logs", "settings"},
}

EXCEPTIONS: frozenset[tuple[str, str]] = frozenset(
    {
        # The ballot ledger stores what the engine planned: a BallotPlan and its identity
        # (bidding.plan, bidding.fingerprint), the order in which competitions are decided
        # (bidding.priority) and, for databases written before the allocations table, the
        # commitments of an old decision record (bidding.record). Pure, I/O-free code: the
        # store reads the engine's types, never the reverse. To remove, move those types to a
        # module both may import.
        ("biddaemon.store.ballots", "biddaemon.bidding"),
        ("biddaemon.store.ledger", "biddaemon.bidding"),
        ("biddaemon.store.reconciliation", "biddaemon.bidding"),
        # The store records the competitions, observations and results the market sent, as the
        # client parsed them: it names those models in its signatures (under TYPE_CHECKING only,
        # nothing of the client runs in the store). To remove, give the store neutral records
        # that the jobs fill from the wire models, as store.ballots.Landed does for ballots.
        ("biddaemon.store.competitions", "biddaemon.markets"),
        ("biddaemon.store.competition_changes", "biddaemon.markets"),
        ("biddaemon.store.outcomes", "biddaemon.markets"),
    }
)
"""(module, imported module) pairs that break the table on purpose; each needs a comment."""


def _layer(module: Path) -> str:
    parts = module.relative_to(PACKAGE).parts
    return parts[0] if len(parts) > 1 else module.stem


def _module_name(module: Path) -> str:
    parts = list(module.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(["biddaemon", *parts])


def imports(source: str, module_name: str, *, is_package: bool = False) -> Iterator[str]:
    """Every absolute module name `source` imports (relative imports resolved)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                package = module_name.split(".")
                keep = len(package) - node.level + (1 if is_package else 0)
                base = ".".join(package[:keep] + ([node.module] if node.module else []))
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def violations(layer: str, module_name: str, names: Iterator[str]) -> set[tuple[str, str]]:
    """The imports of one module (of `layer`) that the table forbids."""
    forbidden = FORBIDDEN.get(layer, frozenset())
    found = set()
    for name in names:
        parts = name.split(".")
        if len(parts) > 1 and parts[0] == "biddaemon" and parts[1] in forbidden:
            found.add((module_name, ".".join(parts[:2])))
    return found


def _all_violations() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for module in sorted(PACKAGE.rglob("*.py")):
        name = _module_name(module)
        source = module.read_text(encoding="utf-8")
        names = imports(source, name, is_package=module.name == "__init__.py")
        found |= violations(_layer(module), name, names)
    return found


def test_every_module_keeps_to_the_layer_table() -> None:
    assert len(list(PACKAGE.rglob("*.py"))) > 100  # the whole package was read
    assert _all_violations() - EXCEPTIONS == set()


def test_every_listed_exception_still_exists() -> None:
    """An exception that no longer happens is removed from the list, so it cannot hide a new one."""
    assert EXCEPTIONS - _all_violations() == set()


def test_a_new_import_of_the_market_into_the_engine_is_caught() -> None:
    source = "from biddaemon.markets.piclo.models import Competition\n"
    found = violations("bidding", "biddaemon.bidding.engine", imports(source, "x"))
    assert found == {("biddaemon.bidding.engine", "biddaemon.markets")}


def test_a_lazy_or_relative_import_is_caught_too() -> None:
    source = "def f():\n    from ..store import models\n    import biddaemon.jobs.runs\n"
    names = imports(source, "biddaemon.bidding.engine")
    found = violations("bidding", "biddaemon.bidding.engine", names)
    assert found == {
        ("biddaemon.bidding.engine", "biddaemon.store"),
        ("biddaemon.bidding.engine", "biddaemon.jobs"),
    }


def test_the_market_may_be_imported_by_the_jobs() -> None:
    source = "from biddaemon.markets.piclo import PicloClient\n"
    assert violations("jobs", "biddaemon.jobs.opportunities", imports(source, "x")) == set()
