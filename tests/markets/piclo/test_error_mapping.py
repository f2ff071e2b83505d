"""Every way a Piclo call can fail maps to one biddaemon error, after an exact number of calls.

These tests use httpx.MockTransport (a scripted market) and stamina's test mode: no sleeping.
Reads are tried MAX_ATTEMPTS times in total; a write whose outcome is unknown is sent once.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from biddaemon.errors import (
    AmbiguousSubmission,
    BadMarketData,
    RateLimited,
    RejectedByMarket,
    RetryLater,
)
from biddaemon.markets.piclo import (
    BallotRequest,
    BidRequest,
    FlexAssetCreate,
    FlexAssetUpdate,
    PicloClient,
    Rate,
    RateType,
    describe_error,
    routes,
)
from tests.markets.piclo.support import API_KEY, MAX_ATTEMPTS, FakeMarket, fixture_doc

COMPETITION = routes.competition("z8mpC6x")
BALLOTS = routes.ballots("z8mpC6x")
COMPETITION_DOC = fixture_doc("competition.json")
BALLOT_DOC = fixture_doc("ballot_response.json")


def ballot() -> BallotRequest:
    return BallotRequest(
        competition_id="z8mpC6x",
        bids=(
            BidRequest(
                service_window_id="sW12gWx",
                capacity=Decimal("2"),
                rates=(
                    Rate(type=RateType.AVAILABILITY, value=Decimal("14.25")),
                    Rate(type=RateType.UTILISATION, value=Decimal("285")),
                ),
            ),
        ),
    )


# ------------------------------------------------------------------------------------------
# Reads


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadTimeout, httpx.RemoteProtocolError],
)
def test_read_that_keeps_failing_in_transport_is_retry_later_after_max_attempts(
    market: FakeMarket, client: PicloClient, error: type[httpx.TransportError]
) -> None:
    market.on("GET", COMPETITION, error)
    with pytest.raises(RetryLater) as caught:
        client.get_competition("z8mpC6x")
    assert type(caught.value) is RetryLater
    assert error.__name__ in str(caught.value)
    assert market.calls("GET", COMPETITION) == MAX_ATTEMPTS
    assert market.logins == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_read_that_keeps_getting_5xx_is_retry_later_after_max_attempts(
    market: FakeMarket, client: PicloClient, status: int
) -> None:
    market.on("GET", COMPETITION, (status, {"detail": "Server is having a moment."}))
    with pytest.raises(RetryLater) as caught:
        client.get_competition("z8mpC6x")
    assert type(caught.value) is RetryLater
    assert f"{status}" in str(caught.value)
    assert "Server is having a moment." in str(caught.value)
    assert market.calls("GET", COMPETITION) == MAX_ATTEMPTS


def test_read_recovers_when_a_retry_succeeds(market: FakeMarket, client: PicloClient) -> None:
    market.on("GET", COMPETITION, httpx.ReadTimeout, (502, None), (200, COMPETITION_DOC))
    competition = client.get_competition("z8mpC6x")
    assert competition.id == "z8mpC6x"
    assert market.calls("GET", COMPETITION) == 3


def test_read_rate_limited_without_retry_after_is_rate_limited_after_max_attempts(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("GET", COMPETITION, (429, {"detail": "Request was throttled."}))
    with pytest.raises(RateLimited) as caught:
        client.get_competition("z8mpC6x")
    assert caught.value.retry_after is None
    assert market.calls("GET", COMPETITION) == MAX_ATTEMPTS


def test_read_rate_limited_with_retry_after_carries_it_after_max_attempts(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("GET", COMPETITION, (429, {"detail": "slow down"}, {"Retry-After": "7"}))
    with pytest.raises(RateLimited) as caught:
        client.get_competition("z8mpC6x")
    assert caught.value.retry_after == 7
    assert market.calls("GET", COMPETITION) == MAX_ATTEMPTS


def test_read_503_with_retry_after_is_rate_limited(market: FakeMarket, client: PicloClient) -> None:
    market.on("GET", COMPETITION, (503, None, {"Retry-After": "3"}))
    with pytest.raises(RateLimited) as caught:
        client.get_competition("z8mpC6x")
    assert caught.value.retry_after == 3
    assert market.calls("GET", COMPETITION) == MAX_ATTEMPTS


def test_read_asked_to_wait_longer_than_the_retry_budget_stops_at_once(
    market: FakeMarket, make_client: Callable[..., PicloClient]
) -> None:
    client = make_client(total_seconds=60)
    market.on("GET", COMPETITION, (429, None, {"Retry-After": "3600"}))
    with pytest.raises(RateLimited) as caught:
        client.get_competition("z8mpC6x")
    assert caught.value.retry_after == 3600
    assert market.calls("GET", COMPETITION) == 1


@pytest.mark.parametrize(
    ("status", "body", "detail"),
    [
        (400, {"detail": "Invalid filter."}, "Invalid filter."),
        (403, {"detail": "You do not have permission."}, "You do not have permission."),
        (404, {"detail": "Not found."}, "Not found."),
        (409, {"non_field_errors": ["Already exists."]}, "Already exists."),
    ],
)
def test_read_4xx_is_rejected_by_market_and_not_retried(
    market: FakeMarket, client: PicloClient, status: int, body: Any, detail: str
) -> None:
    market.on("GET", COMPETITION, (status, body))
    with pytest.raises(RejectedByMarket) as caught:
        client.get_competition("z8mpC6x")
    assert caught.value.status_code == status
    assert caught.value.detail == detail
    assert caught.value.path == COMPETITION
    assert market.calls("GET", COMPETITION) == 1


def test_read_answered_with_something_other_than_json_is_bad_market_data(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("GET", COMPETITION, httpx.Response(200, text="<html>maintenance</html>"))
    with pytest.raises(BadMarketData, match="not JSON"):
        client.get_competition("z8mpC6x")
    assert market.calls("GET", COMPETITION) == 1


def test_competition_that_does_not_fit_is_bad_market_data_naming_it(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("GET", COMPETITION, (200, COMPETITION_DOC | {"competition_open": "yesterday"}))
    with pytest.raises(BadMarketData) as caught:
        client.get_competition("z8mpC6x")
    assert caught.value.competition_id == "z8mpC6x"
    assert caught.value.field == "competition_open"
    assert market.calls("GET", COMPETITION) == 1


def test_competition_answered_for_another_id_is_bad_market_data(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("GET", routes.competition("q3RtY7u"), (200, COMPETITION_DOC))
    with pytest.raises(BadMarketData, match="asked for competition 'q3RtY7u'"):
        client.get_competition("q3RtY7u")


def test_unexpected_redirect_on_a_read_is_bad_market_data_and_not_followed(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("GET", COMPETITION, (302, None, {"Location": "https://elsewhere.test/"}))
    with pytest.raises(BadMarketData, match="302"):
        client.get_competition("z8mpC6x")
    assert len(market.requests) == 2  # the login and the one read


# ------------------------------------------------------------------------------------------
# Writes


@pytest.mark.parametrize(
    "error", [httpx.ReadTimeout, httpx.WriteTimeout, httpx.RemoteProtocolError]
)
def test_write_with_unknown_outcome_is_ambiguous_and_sent_once(
    market: FakeMarket, client: PicloClient, error: type[httpx.TransportError]
) -> None:
    market.on("POST", BALLOTS, error)
    request = ballot()
    with pytest.raises(AmbiguousSubmission) as caught:
        client.submit_ballot("z8mpC6x", request)
    assert caught.value.sent == request.to_wire()
    assert "outcome unknown" in str(caught.value)
    assert market.calls("POST", BALLOTS) == 1


@pytest.mark.parametrize(
    ("status", "headers"), [(500, {}), (502, {}), (503, {"Retry-After": "5"}), (504, {})]
)
def test_write_answered_with_5xx_is_ambiguous_and_sent_once(
    market: FakeMarket, client: PicloClient, status: int, headers: dict[str, str]
) -> None:
    market.on("POST", BALLOTS, (status, {"detail": "oops"}, headers))
    with pytest.raises(AmbiguousSubmission) as caught:
        client.submit_ballot("z8mpC6x", ballot())
    assert caught.value.sent == ballot().to_wire()
    assert market.calls("POST", BALLOTS) == 1


def test_write_after_read_timeout_is_ambiguous_and_sent_once(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("PATCH", routes.flex_asset("aB12cD3"), httpx.ReadTimeout)
    changes = FlexAssetUpdate.model_validate(fixture_doc("asset_update_request.json"))
    with pytest.raises(AmbiguousSubmission) as caught:
        client.update_flex_asset("aB12cD3", changes)
    assert caught.value.sent == {"connection_status": "energised"}
    assert market.calls("PATCH", routes.flex_asset("aB12cD3")) == 1


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout])
def test_write_that_never_left_is_retried_and_then_succeeds(
    market: FakeMarket, client: PicloClient, error: type[httpx.TransportError]
) -> None:
    market.on("POST", BALLOTS, error, error, (201, BALLOT_DOC))
    stored = client.submit_ballot("z8mpC6x", ballot())
    assert stored.id == "bL55xYz"
    assert market.calls("POST", BALLOTS) == 3


def test_write_that_never_left_after_max_attempts_is_retry_later_not_ambiguous(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("POST", BALLOTS, httpx.ConnectError)
    with pytest.raises(RetryLater, match="not sent") as caught:
        client.submit_ballot("z8mpC6x", ballot())
    assert not isinstance(caught.value, AmbiguousSubmission)
    assert market.calls("POST", BALLOTS) == MAX_ATTEMPTS


def test_write_refused_with_field_errors_is_rejected_with_readable_text_and_sent_once(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on(
        "POST",
        BALLOTS,
        (
            400,
            {
                "bids": [{"capacity": ["Exceeds the capacity required for this window."]}],
                "non_field_errors": ["A resubmitted ballot must use the same assets."],
            },
        ),
    )
    with pytest.raises(RejectedByMarket) as caught:
        client.submit_ballot("z8mpC6x", ballot())
    assert caught.value.detail == (
        "A resubmitted ballot must use the same assets.; "
        "bids[0].capacity: Exceeds the capacity required for this window."
    )
    assert caught.value.method == "POST"
    assert market.calls("POST", BALLOTS) == 1


def test_write_rate_limited_is_not_retried_and_not_ambiguous(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("POST", BALLOTS, (429, None, {"Retry-After": "30"}))
    with pytest.raises(RateLimited) as caught:
        client.submit_ballot("z8mpC6x", ballot())
    assert caught.value.retry_after == 30
    assert market.calls("POST", BALLOTS) == 1


def test_write_accepted_with_an_unreadable_answer_is_ambiguous(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("POST", BALLOTS, (201, {"id": "bL55xYz"}))
    with pytest.raises(AmbiguousSubmission, match="cannot be read") as caught:
        client.submit_ballot("z8mpC6x", ballot())
    assert caught.value.sent == ballot().to_wire()
    assert market.calls("POST", BALLOTS) == 1


def test_ballot_for_another_competition_is_refused_before_sending(
    market: FakeMarket, client: PicloClient
) -> None:
    with pytest.raises(ValueError, match="not 'q3RtY7u'"):
        client.submit_ballot("q3RtY7u", ballot())
    assert market.requests == []


def test_create_flex_asset_sends_the_documented_body(
    market: FakeMarket, client: PicloClient
) -> None:
    body = fixture_doc("asset_create_request.json")
    market.on("POST", routes.FLEX_ASSETS, (201, body | {"id": "aB12cD3"}))
    created = client.create_flex_asset(FlexAssetCreate.model_validate(body))
    assert created.id == "aB12cD3"
    (sent,) = [r for r in market.requests if r.url.path == routes.FLEX_ASSETS]
    assert httpx.Response(200, content=sent.content).json() == body


# ------------------------------------------------------------------------------------------
# The mapping itself and the error text


def test_every_request_carries_an_explicit_timeout(market: FakeMarket, client: PicloClient) -> None:
    market.on("GET", COMPETITION, (200, COMPETITION_DOC))
    client.get_competition("z8mpC6x")
    for request in market.requests:
        timeout = request.extensions["timeout"]
        assert timeout["connect"] == 10.0
        assert timeout["read"] == 30.0


def test_unexpected_redirect_on_a_write_is_ambiguous_and_not_followed(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("POST", BALLOTS, (307, None, {"Location": "https://elsewhere.test/"}))
    with pytest.raises(AmbiguousSubmission, match="307") as caught:
        client.submit_ballot("z8mpC6x", ballot())
    assert caught.value.sent == ballot().to_wire()
    assert market.calls("POST", BALLOTS) == 1
    assert all(r.url.host == "piclo.test" for r in market.requests)


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ({"detail": "Authentication credentials were not provided."}, "Authentication "),
        ({"name": ["This field is required."], "ref": ["Too long.", "Bad."]}, "name: This"),
        ({"non_field_errors": ["Competition is closed."]}, "Competition is closed."),
        (["Something odd."], "Something odd."),
        ({}, "400 Bad Request"),
    ],
)
def test_error_body_is_flattened_into_readable_text(body: Any, text: str) -> None:
    response = httpx.Response(400, json=body)
    assert describe_error(response).startswith(text)


def test_field_errors_keep_every_message() -> None:
    response = httpx.Response(400, json={"ref": ["Too long.", "Bad."], "status": ["Invalid."]})
    assert describe_error(response) == "ref: Too long.; ref: Bad.; status: Invalid."


def test_error_body_that_is_not_json_is_shown_as_text_and_truncated() -> None:
    response = httpx.Response(400, text="x" * 2000)
    assert len(describe_error(response)) == 500


def test_market_text_that_echoes_the_key_is_redacted(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("GET", COMPETITION, (400, {"detail": f"bad key {API_KEY}"}))
    with pytest.raises(RejectedByMarket) as caught:
        client.get_competition("z8mpC6x")
    assert API_KEY not in str(caught.value)
    assert "bad key **********" in str(caught.value)
