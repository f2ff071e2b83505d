"""Fixtures for the Piclo client tests; the helpers themselves live in `support.py`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import stamina
from pydantic import SecretStr

from biddaemon.markets.http import RetryPolicy
from biddaemon.markets.piclo import PicloClient
from tests.markets.piclo.support import (
    API_KEY,
    BASE_URL,
    CLIENT_ID,
    MAX_ATTEMPTS,
    PROVIDER_ID,
    Clock,
    FakeMarket,
)


@pytest.fixture(autouse=True)
def _no_backoff_sleep() -> Iterator[None]:
    """stamina's test mode: no waiting between attempts, but each call's own attempt cap holds."""
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def market(clock: Clock) -> FakeMarket:
    return FakeMarket(clock=clock)


@pytest.fixture
def make_client(market: FakeMarket, clock: Clock) -> Iterator[Callable[..., PicloClient]]:
    clients: list[PicloClient] = []

    def make(
        *, attempts: int = MAX_ATTEMPTS, total_seconds: float = 120.0, **kw: Any
    ) -> PicloClient:
        client = PicloClient(
            base_url=BASE_URL,
            client_id=CLIENT_ID,
            api_key=SecretStr(API_KEY),
            provider_id=PROVIDER_ID,
            policy=RetryPolicy(attempts=attempts, total_seconds=total_seconds),
            transport=httpx.MockTransport(market.handler),
            clock=clock,
            **kw,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., PicloClient]) -> PicloClient:
    return make_client()
