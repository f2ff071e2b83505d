"""Retry-After is honoured (asserted on the waits requested, never on wall time), list
endpoints follow DRF pages to the end, and nothing secret reaches a log line."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
import pytest
import stamina
import tenacity
from structlog.testing import capture_logs

from biddaemon.errors import BadMarketData
from biddaemon.markets.failures import parse_retry_after
from biddaemon.markets.piclo import BallotRequest, PicloClient, parse_wire, routes
from tests.markets.piclo.support import API_KEY, BASE_URL, FakeMarket, fixture_doc

COMPETITION = routes.competition("z8mpC6x")
OPPORTUNITIES = routes.BIDDING_OPPORTUNITIES


def retry_waits(logs: list[dict[str, object]]) -> list[object]:
    return [e["wait_seconds"] for e in logs if e["event"] == "market call will be retried"]


def test_retry_after_on_429_is_the_wait_requested_before_the_next_attempt(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on(
        "GET",
        COMPETITION,
        (429, None, {"Retry-After": "2"}),
        (503, None, {"Retry-After": "5"}),
        (200, fixture_doc("competition.json")),
    )
    with capture_logs() as logs:
        competition = client.get_competition("z8mpC6x")
    assert competition.id == "z8mpC6x"
    assert retry_waits(logs) == [2.0, 5.0]
    assert market.calls("GET", COMPETITION) == 3


def test_without_retry_after_the_wait_is_stamina_backoff(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("GET", COMPETITION, (429, None), (500, None), (200, fixture_doc("competition.json")))
    with capture_logs() as logs:
        client.get_competition("z8mpC6x")
    retries = [e for e in logs if e["event"] == "market call will be retried"]
    assert [(e["wait"], e["wait_seconds"]) for e in retries] == [("backoff", None)] * 2


def test_retry_after_on_a_500_is_not_honoured(market: FakeMarket, client: PicloClient) -> None:
    market.on(
        "GET",
        COMPETITION,
        (500, None, {"Retry-After": "9"}),
        (200, fixture_doc("competition.json")),
    )
    with capture_logs() as logs:
        client.get_competition("z8mpC6x")
    assert retry_waits(logs) == [None]


def test_stamina_schedules_exactly_the_retry_after_wait(
    market: FakeMarket, client: PicloClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outside stamina's test mode: the wait stamina schedules (and would sleep) is the header's.

    tenacity's sleep is replaced so nothing actually waits; stamina's public instrumentation
    hook reports the wait it scheduled.
    """
    slept: list[float] = []
    monkeypatch.setattr(tenacity.nap, "time", SimpleNamespace(sleep=slept.append))
    scheduled: list[float] = []
    ours = stamina.instrumentation.get_on_retry_hooks()
    stamina.instrumentation.set_on_retry_hooks([lambda details: scheduled.append(details.wait_for)])
    market.on(
        "GET",
        COMPETITION,
        (429, None, {"Retry-After": "2"}),
        (503, None, {"Retry-After": "5"}),
        (200, fixture_doc("competition.json")),
    )
    try:
        with stamina.set_testing(False):
            client.get_competition("z8mpC6x")
    finally:
        stamina.instrumentation.set_on_retry_hooks(ours)
    assert scheduled == [2.0, 5.0]
    assert slept == [2.0, 5.0]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("Tue, 05 Jan 2027 09:00:30 GMT", 30.0),
        ("Tue, 05 Jan 2027 08:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(
    header: str | None, seconds: float | None
) -> None:
    now = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    assert parse_retry_after(header, now=now) == seconds


# ------------------------------------------------------------------------------------------
# Pages


def test_a_bare_array_is_the_whole_list(market: FakeMarket, client: PicloClient) -> None:
    market.on("GET", OPPORTUNITIES, (200, fixture_doc("bidding_opportunities.json")))
    opportunities = client.list_bidding_opportunities()
    assert [o.competition_id for o in opportunities] == ["z8mpC6x", "q3RtY7u"]
    assert market.calls("GET", OPPORTUNITIES) == 1


def test_drf_pages_are_followed_through_next_to_the_end(
    market: FakeMarket, client: PicloClient
) -> None:
    asset = fixture_doc("asset_create_request.json")
    pages = [
        {
            "count": 3,
            "next": f"{BASE_URL}/assets/v1/?page=2&ref=asset",
            "previous": None,
            "results": [asset | {"id": "a1"}, asset | {"id": "a2"}],
        },
        {
            "count": 3,
            "next": None,
            "previous": f"{BASE_URL}/assets/v1/?ref=asset",
            "results": [asset | {"id": "a3"}],
        },
    ]
    market.on("GET", routes.FLEX_ASSETS, (200, pages[0]), (200, pages[1]))
    assets = client.list_flex_assets(ref="asset")
    assert [a.id for a in assets] == ["a1", "a2", "a3"]
    first, second = [r for r in market.requests if r.url.path == routes.FLEX_ASSETS]
    assert dict(first.url.params) == {"ref": "asset"}
    assert dict(second.url.params) == {"page": "2", "ref": "asset"}


def test_list_filters_are_written_as_query_text(market: FakeMarket, client: PicloClient) -> None:
    market.on("GET", routes.OBLIGATIONS, (200, []))
    client.list_obligations(
        competition_id="z8mpC6x", start=datetime(2027, 11, 1, tzinfo=UTC), active=True
    )
    (request,) = [r for r in market.requests if r.url.path == routes.OBLIGATIONS]
    assert dict(request.url.params) == {
        "competition_id": "z8mpC6x",
        "start": "2027-11-01T00:00:00+00:00",
        "active": "true",
    }


def test_a_next_link_to_another_host_is_refused_and_not_called(
    market: FakeMarket, client: PicloClient
) -> None:
    page = {"count": 2, "next": "https://evil.test/steal/", "previous": None, "results": []}
    market.on("GET", OPPORTUNITIES, (200, page))
    with pytest.raises(BadMarketData, match="another origin"):
        client.list_bidding_opportunities()
    assert all(r.url.host == "piclo.test" for r in market.requests)


def test_a_page_that_links_to_itself_is_bad_market_data(
    market: FakeMarket, client: PicloClient
) -> None:
    page = {"count": 2, "next": f"{BASE_URL}{OPPORTUNITIES}", "previous": None, "results": []}
    market.on("GET", OPPORTUNITIES, (200, page))
    with pytest.raises(BadMarketData, match="pagination does not end"):
        client.list_bidding_opportunities()
    assert market.calls("GET", OPPORTUNITIES) == 2


def test_a_list_that_is_neither_array_nor_page_is_bad_market_data(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("GET", OPPORTUNITIES, (200, {"competitions": []}))
    with pytest.raises(BadMarketData, match="expected a list or a page"):
        client.list_bidding_opportunities()


def test_one_unreadable_opportunity_names_its_competition(
    market: FakeMarket, client: PicloClient
) -> None:
    items = fixture_doc("bidding_opportunities.json")
    items[1]["total_capacity"] = "a lot"
    market.on("GET", OPPORTUNITIES, (200, items))
    with pytest.raises(BadMarketData) as caught:
        client.list_bidding_opportunities()
    assert caught.value.competition_id == "q3RtY7u"
    assert caught.value.field == "[1].total_capacity"


def test_with_on_bad_item_the_other_opportunities_are_still_returned(
    market: FakeMarket, client: PicloClient
) -> None:
    items = fixture_doc("bidding_opportunities.json")
    items[0]["total_capacity"] = None
    market.on("GET", OPPORTUNITIES, (200, items))
    skipped: list[BadMarketData] = []
    opportunities = client.list_bidding_opportunities(on_bad_item=skipped.append)
    assert [o.competition_id for o in opportunities] == ["q3RtY7u"]
    assert [(e.competition_id, e.field) for e in skipped] == [("z8mpC6x", "[0].total_capacity")]


def test_ballots_and_results_of_a_competition_are_read(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("GET", routes.ballots("z8mpC6x"), (200, [fixture_doc("ballot_response.json")]))
    market.on("GET", routes.bid_results("z8mpC6x"), (200, fixture_doc("bid_results.json")))
    (ballot,) = client.list_ballots("z8mpC6x")
    assert ballot.active
    results = client.get_bid_results("z8mpC6x")
    assert [r.status for r in results.results] == ["accepted", "rejected"]


# ------------------------------------------------------------------------------------------
# Never leak


def test_no_log_line_or_error_carries_the_key_or_the_token(
    market: FakeMarket, client: PicloClient
) -> None:
    # 401 (log in again), read timeout, 503, then a body that does not fit: every path logs.
    market.on(
        "GET", COMPETITION, (401, None), httpx.ReadTimeout, (503, {"detail": "x"}), (200, {"id": 1})
    )
    market.on("POST", routes.ballots("z8mpC6x"), httpx.ReadTimeout)
    errors: list[Exception] = []
    with capture_logs() as logs:
        for call in (
            lambda: client.get_competition("z8mpC6x"),
            lambda: client.submit_ballot("z8mpC6x", _ballot()),
        ):
            try:
                call()
            except Exception as error:
                errors.append(error)
    assert [type(e).__name__ for e in errors] == ["BadMarketData", "AmbiguousSubmission"]
    assert len(logs) >= 4
    text = repr(logs) + "".join(repr(e) + str(e) + repr(vars(e)) for e in errors)
    for secret in [API_KEY, *market.issued]:
        assert secret not in text
    assert "Bearer" not in text


def _ballot() -> BallotRequest:
    return parse_wire(BallotRequest, fixture_doc("ballot_request.json"))
