"""Logging in: one token for all threads, renewed before it expires and once after a 401."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import SecretStr

from biddaemon.errors import CredentialsRefused, RetryLater
from biddaemon.markets.piclo import FlexAssetUpdate, PicloClient, TokenCache, jwt_expiry, routes
from tests.markets.piclo.support import (
    API_KEY,
    CLIENT_ID,
    MAX_ATTEMPTS,
    Clock,
    CountingGate,
    FakeMarket,
    fixture_doc,
    make_jwt,
)

PROVIDERS = routes.FLEX_PROVIDERS
PROVIDERS_DOC = [{"id": "prov-7Hq2", "name": "Fen Flex Ltd"}]


def test_login_sends_client_id_and_key_and_the_token_goes_in_the_bearer_header(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("GET", PROVIDERS, (200, PROVIDERS_DOC))
    providers = client.list_flex_providers()
    assert [p.id for p in providers] == ["prov-7Hq2"]
    login, read = market.requests
    assert login.url.path == "/authtoken/v1/"
    assert httpx.Response(200, content=login.content).json() == {
        "client_id": CLIENT_ID,
        "api_key": API_KEY,
    }
    assert "Authorization" not in login.headers
    assert read.headers["Authorization"] == f"Bearer {market.issued[0]}"


def test_token_is_reused_until_half_its_lifetime_then_renewed_before_expiry(
    market: FakeMarket, client: PicloClient, clock: Clock
) -> None:
    market.tokens = [make_jwt(clock() + timedelta(hours=1), "first"), make_jwt(None, "second")]
    market.on("GET", PROVIDERS, (200, PROVIDERS_DOC))
    client.list_flex_providers()
    clock.advance(timedelta(minutes=29))
    client.list_flex_providers()
    assert market.logins == 1
    clock.advance(timedelta(minutes=2))  # 31 minutes into a 60-minute token
    client.list_flex_providers()
    assert market.logins == 2
    reads = [r for r in market.requests if r.url.path == PROVIDERS]
    assert [market.bearer_of(r) for r in reads] == [market.issued[0]] * 2 + [market.issued[1]]


def test_a_401_logs_in_again_once_and_repeats_the_call_once(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("GET", PROVIDERS, (401, {"detail": "Token expired."}), (200, PROVIDERS_DOC))
    providers = client.list_flex_providers()
    assert providers[0].id == "prov-7Hq2"
    assert market.logins == 2
    assert market.calls("GET", PROVIDERS) == 2
    first, second = [r for r in market.requests if r.url.path == PROVIDERS]
    assert market.bearer_of(first) == market.issued[0]
    assert market.bearer_of(second) == market.issued[1]


def test_a_second_401_with_a_fresh_token_is_credentials_refused(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("GET", PROVIDERS, (401, {"detail": "Invalid token."}))
    with pytest.raises(CredentialsRefused, match="freshly issued token"):
        client.list_flex_providers()
    assert market.calls("GET", PROVIDERS) == 2
    assert market.logins == 2


def test_a_write_refused_with_401_is_sent_again_once_with_a_fresh_token(
    market: FakeMarket, client: PicloClient
) -> None:
    path = routes.flex_asset("aB12cD3")
    asset = fixture_doc("asset_create_request.json") | {"id": "aB12cD3"}
    market.on("PATCH", path, (401, {"detail": "Token expired."}), (200, asset))
    updated = client.update_flex_asset("aB12cD3", FlexAssetUpdate(name="Renamed"))
    assert updated.id == "aB12cD3"
    assert market.calls("PATCH", path) == 2
    assert market.logins == 2


@pytest.mark.parametrize("status", [400, 401, 403])
def test_refused_login_is_credentials_refused_without_retrying(
    market: FakeMarket, client: PicloClient, status: int
) -> None:
    market.on("POST", routes.AUTH_TOKEN, (status, {"detail": "Invalid credentials."}))
    with pytest.raises(CredentialsRefused) as caught:
        client.list_flex_providers()
    assert "Invalid credentials." in str(caught.value)
    assert "BIDDAEMON_PICLO__API_KEY" in str(caught.value)
    assert API_KEY not in str(caught.value)
    assert market.logins == 1
    assert market.calls("GET", PROVIDERS) == 0


def test_login_that_keeps_failing_is_retry_later_after_max_attempts(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("POST", routes.AUTH_TOKEN, (502, None))
    with pytest.raises(RetryLater):
        client.authenticate()
    assert market.logins == MAX_ATTEMPTS


def test_authenticate_logs_in_now_and_says_when_the_token_expires(
    market: FakeMarket, client: PicloClient, clock: Clock
) -> None:
    market.tokens = [fixture_doc("authtoken_response.json")["token"]]
    assert client.authenticate() == datetime(2030, 1, 1, tzinfo=UTC)
    assert market.logins == 1


def test_a_token_without_exp_is_kept_until_the_market_refuses_it(
    market: FakeMarket, client: PicloClient, clock: Clock
) -> None:
    market.tokens = [make_jwt(None, "a"), make_jwt(None, "b")]
    market.on("GET", PROVIDERS, (200, PROVIDERS_DOC))
    client.list_flex_providers()
    clock.advance(timedelta(days=30))
    client.list_flex_providers()
    assert market.logins == 1
    market.on("GET", PROVIDERS, (401, None), (200, PROVIDERS_DOC))
    client.list_flex_providers()
    assert market.logins == 2


def test_threads_share_one_login(
    market: FakeMarket, make_client: Callable[..., PicloClient]
) -> None:
    total = 8
    client = make_client(max_concurrent_reads=total)
    gate = CountingGate(threading.Lock())
    client._tokens._lock = gate  # type: ignore[assignment]

    def hold_login_until_the_others_wait_for_it(request: httpx.Request) -> None:
        if request.url.path == routes.AUTH_TOKEN:
            with gate.changed:
                gate.changed.wait_for(
                    lambda: gate.waiting == total - 1 or market.logins > 1, timeout=5
                )

    market.on_request = hold_login_until_the_others_wait_for_it
    market.on("GET", PROVIDERS, (200, PROVIDERS_DOC))
    threads = [threading.Thread(target=client.list_flex_providers) for _ in range(total)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert market.calls("GET", PROVIDERS) == total
    assert market.logins == 1
    assert {market.bearer_of(r) for r in market.requests if r.url.path == PROVIDERS} == {
        market.issued[0]
    }


def test_reads_in_flight_never_exceed_max_concurrent_reads(
    market: FakeMarket, make_client: Callable[..., PicloClient]
) -> None:
    limit, total = 2, 6
    client = make_client(max_concurrent_reads=limit)
    client.authenticate()
    gate = CountingGate(threading.BoundedSemaphore(limit))
    client._http._read_slots = gate  # type: ignore[assignment]
    state = {"in_flight": 0, "most": 0, "saturated": False}

    def saturated_or_overrun() -> bool:
        if gate.waiting == total - limit:
            state["saturated"] = True  # every slot taken and every other thread queued
        return state["saturated"] or state["in_flight"] > limit

    def hold_until_the_slots_are_saturated(request: httpx.Request) -> None:
        with gate.changed:
            state["in_flight"] += 1
            state["most"] = max(state["most"], state["in_flight"])
            gate.changed.notify_all()
            gate.changed.wait_for(saturated_or_overrun, timeout=5)
            state["in_flight"] -= 1

    market.on_request = hold_until_the_slots_are_saturated
    market.on("GET", PROVIDERS, (200, PROVIDERS_DOC))
    threads = [threading.Thread(target=client.list_flex_providers) for _ in range(total)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert market.calls("GET", PROVIDERS) == total
    assert state["saturated"]
    assert state["most"] == limit


def test_invalidate_ignores_a_token_another_thread_already_replaced(clock: Clock) -> None:
    tokens = iter([make_jwt(None, "old"), make_jwt(None, "new")])
    cache = TokenCache(lambda: SecretStr(next(tokens)), clock=clock)
    stale = cache.headers()
    cache.invalidate(stale)
    fresh = cache.headers()
    cache.invalidate(stale)  # a late 401 for the old token must not drop the new one
    assert cache.headers() == fresh != stale


@pytest.mark.parametrize(
    "token", ["not-a-jwt", "a.b.c", "a.bm90IGpzb24.c", make_jwt(None), "a.W10.c"]
)
def test_jwt_without_a_readable_exp_has_no_expiry(token: str) -> None:
    assert jwt_expiry(token) is None


def test_token_cache_repr_and_client_repr_show_no_secret(
    market: FakeMarket, client: PicloClient
) -> None:
    client.authenticate()
    token = market.issued[0]
    for text in (repr(client), str(client), repr(client._tokens), repr(client._http)):
        assert token not in text
        assert API_KEY not in text
