"""Helpers for the inventory tests: one sandbox per session serving the Piclo market and the
LocalFlex, Flatpeak and Tensor stand-ins beside it, reset (all of it) for every test.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import stamina
from sqlalchemy.orm import Session, sessionmaker

from biddaemon.sandbox.config import SandboxConfig
from biddaemon.sandbox.platforms import FlatpeakSimulator, LocalFlexSimulator, TensorSimulator
from biddaemon.sandbox.server import SandboxServer
from biddaemon.store import migrate
from biddaemon.store.database import make_engine, session_factory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture_doc(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@dataclass(frozen=True)
class Served:
    """Where one stand-in answers on the session's sandbox."""

    url: str


@pytest.fixture(autouse=True)
def _no_backoff_sleep() -> Iterator[None]:
    """stamina's test mode: no waiting between attempts; each call's attempt cap still holds."""
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    with SandboxServer(SandboxConfig(speed=0)) as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    """The session's sandbox as it started: its seeded market, no faults, empty stand-ins, an
    empty request log."""
    sandbox_server.sandbox.reset()
    sandbox_server.faults.clear()
    sandbox_server.traffic.clear()
    return sandbox_server


@pytest.fixture
def localflex_server(sandbox_server: SandboxServer) -> Served:
    return Served(sandbox_server.platform_urls["localflex"])


@pytest.fixture
def flatpeak_server(sandbox_server: SandboxServer) -> Served:
    return Served(sandbox_server.platform_urls["flatpeak"])


@pytest.fixture
def tensor_server(sandbox_server: SandboxServer) -> Served:
    return Served(sandbox_server.platform_urls["tensor"])


@pytest.fixture
def localflex(sandbox: SandboxServer) -> LocalFlexSimulator:
    return sandbox.platforms.localflex


@pytest.fixture
def flatpeak(sandbox: SandboxServer) -> FlatpeakSimulator:
    return sandbox.platforms.flatpeak


@pytest.fixture
def tensor(sandbox: SandboxServer) -> TensorSimulator:
    return sandbox.platforms.tensor


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
