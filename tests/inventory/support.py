"""Helpers for the inventory tests: simulators served once per session, a fresh one per test.

Starting uvicorn takes a few tens of milliseconds and stopping it up to 0.2 s, so each platform
gets one loopback server for the whole session, serving through `Swap` whichever simulator the
current test installed. Every test still starts from an empty simulator.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import stamina
from sqlalchemy.orm import Session, sessionmaker

from biddaemon.inventory.simulators import (
    TENSOR_PREFIX,
    FlatpeakSimulator,
    LocalFlexSimulator,
    SimulatorServer,
    TensorSimulator,
)
from biddaemon.store import migrate
from biddaemon.store.database import make_engine, session_factory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture_doc(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class Swap:
    """An ASGI app that forwards to `target`, so one server can serve a new simulator."""

    def __init__(self) -> None:
        self.target: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.target(scope, receive, send)


class Served:
    """A session-long server and the simulator it currently serves."""

    def __init__(self, path: str = "") -> None:
        self.swap = Swap()
        self.server = SimulatorServer(self.swap, path=path)

    @property
    def url(self) -> str:
        return self.server.url


@pytest.fixture(autouse=True)
def _no_backoff_sleep() -> Iterator[None]:
    """stamina's test mode: no waiting between attempts; each call's attempt cap still holds."""
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield


def _served(path: str = "") -> Iterator[Served]:
    served = Served(path)
    served.server.start()
    yield served
    served.server.stop()


@pytest.fixture(scope="session")
def localflex_server() -> Iterator[Served]:
    yield from _served()


@pytest.fixture(scope="session")
def flatpeak_server() -> Iterator[Served]:
    yield from _served()


@pytest.fixture(scope="session")
def tensor_server() -> Iterator[Served]:
    yield from _served(TENSOR_PREFIX)


@pytest.fixture
def localflex(localflex_server: Served) -> LocalFlexSimulator:
    simulator = LocalFlexSimulator()
    localflex_server.swap.target = simulator.app
    return simulator


@pytest.fixture
def flatpeak(flatpeak_server: Served) -> FlatpeakSimulator:
    simulator = FlatpeakSimulator()
    flatpeak_server.swap.target = simulator.app
    return simulator


@pytest.fixture
def tensor(tensor_server: Served) -> TensorSimulator:
    simulator = TensorSimulator()
    tensor_server.swap.target = simulator.app
    return simulator


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def database_file(_migrated_template: Path, tmp_path: Path) -> Path:
    """A SQLite file at the current schema (a copy of one migrated once per session)."""
    path = tmp_path / "inventory.db"
    shutil.copyfile(_migrated_template, path)
    return path


@pytest.fixture
def factory(database_file: Path) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(f"sqlite:///{database_file}")
    yield session_factory(engine)
    engine.dispose()
