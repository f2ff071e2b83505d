"""Issue 16 cases 1, 3 and 4 at the client: whatever the market sends is a model the daemon can
use (and store) or `BadMarketData` naming the field; never another exception."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from biddaemon.errors import AmbiguousSubmission, BadMarketData, RejectedByMarket
from biddaemon.jobs.submission import landed
from biddaemon.markets.json_body import MAX_JSON_DEPTH, decode_json, load_json
from biddaemon.markets.piclo import (
    Ballot,
    BallotRequest,
    BiddingOpportunity,
    BidResults,
    Competition,
    PicloClient,
    parse_wire,
    routes,
)
from biddaemon.quantities import MW_MAX, check_places
from biddaemon.store.models import Base, OpportunityObservation
from tests.markets.piclo.support import FakeMarket, fixture_doc

COMPETITION = fixture_doc("competition.json")
BALLOT = fixture_doc("ballot_response.json")
OPPORTUNITY = fixture_doc("bidding_opportunities.json")[0]
BALLOT_REQUEST = fixture_doc("ballot_request.json")


def refused(model: type[Any], document: Any) -> BadMarketData:
    with pytest.raises(BadMarketData) as caught:
        parse_wire(model, document)
    return caught.value


def with_window(change: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(COMPETITION)
    document["service_periods"][0]["service_windows"][0].update(change)
    return document


# -- case 1 (boundary half): more places than the store keeps ---------------------------------


def test_a_total_capacity_with_float_noise_is_rounded_down_to_what_the_store_keeps() -> None:
    noisy = OPPORTUNITY | {"total_capacity": 2.4000000000000004}
    opportunity = parse_wire(BiddingOpportunity, noisy)
    assert opportunity.total_capacity == Decimal("2.400")
    assert check_places(opportunity.total_capacity, 3) == Decimal("2.400")
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(
            OpportunityObservation(
                competition_id=opportunity.competition_id,
                observed_at=COMPETITION_OPEN,
                flex_asset_ids=list(opportunity.assets.flex),
                planned_asset_ids=list(opportunity.assets.planned),
                total_capacity=opportunity.total_capacity,
            )
        )
        session.commit()


def test_a_capacity_required_is_rounded_down_so_a_bid_never_exceeds_it() -> None:
    competition = parse_wire(Competition, with_window({"capacity_required": "1.99999"}))
    assert competition.windows[0].capacity_required == Decimal("1.999")


def test_a_reported_bid_capacity_lands_on_the_nearest_value_we_sent() -> None:
    document = copy.deepcopy(BALLOT)
    document["bids"][0]["capacity"] = 1.9999999999999998
    assert parse_wire(Ballot, document).bids[0].capacity == Decimal("2.000")


# -- case 3 (model half): a ballot listing reconciliation cannot read --------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.pop("bids"), "bids"),
        (lambda d: d.update(bids=[]), "bids"),
        (lambda d: d["bids"][0].pop("rates"), "bids[0].rates"),
        (lambda d: d["bids"][0].update(max_runtime="1000000000T00:00:00"), "bids[0].max_runtime"),
    ],
)
def test_a_ballot_reconciliation_could_not_read_is_bad_market_data(
    change: Callable[[dict[str, Any]], object], field: str
) -> None:
    document = copy.deepcopy(BALLOT)
    change(document)
    assert refused(Ballot, document).field == field


def test_every_ballot_the_model_accepts_can_be_compared_with_what_we_sent() -> None:
    bids, flex, planned = landed(parse_wire(Ballot, BALLOT)).identity
    assert len(bids) == 2
    assert (flex, planned) == (("aB12cD3", "eF45gH6"), ("pL78mN9",))


# -- case 4: the parsers ----------------------------------------------------------------------

COMPETITION_OPEN = parse_wire(Competition, COMPETITION).competition_open


def test_deeply_nested_json_is_bad_market_data_not_a_recursion_error() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(ValueError, match="nested deeper"):
        load_json(body)
    with pytest.raises(ValueError, match="nested deeper"):
        load_json(json.dumps(_nested(MAX_JSON_DEPTH + 1)))
    assert load_json(json.dumps(_nested(MAX_JSON_DEPTH))) is not None
    response = httpx.Response(200, content=body, request=httpx.Request("GET", "https://m/x/"))
    with pytest.raises(BadMarketData, match="nested deeper"):
        decode_json(response)


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_numbers(constant: str) -> None:
    with pytest.raises(ValueError, match="not a JSON number"):
        load_json(f'{{"total_capacity": {constant}}}')


@pytest.mark.parametrize(
    "timestamp",
    ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "2201-01-01T00:00:00Z"],
)
def test_timestamps_near_the_limits_of_datetime_are_a_field_error(timestamp: str) -> None:
    assert refused(Competition, COMPETITION | {"competition_open": timestamp}).field == (
        "competition_open"
    )


def test_a_service_period_at_the_end_of_the_calendar_is_a_field_error() -> None:
    document = copy.deepcopy(COMPETITION)
    document["service_periods"][0]["end_date"] = "9999-12-31"
    assert refused(Competition, document).field == "service_periods[0].end_date"


@pytest.mark.parametrize("runtime", ["1000000000T00:00:00", "367T00:00:00", "9" * 5000 + ":00:00"])
def test_huge_runtimes_are_a_field_error(runtime: str) -> None:
    document = copy.deepcopy(BALLOT)
    document["bids"][0]["max_runtime"] = runtime
    assert refused(Ballot, document).field == "bids[0].max_runtime"


@pytest.mark.parametrize("value", [1e30, "1e30", str(MW_MAX + 1), "1E+999999", "1e999999999"])
def test_huge_capacities_are_a_field_error(value: object) -> None:
    error = refused(BiddingOpportunity, OPPORTUNITY | {"total_capacity": value})
    assert error.field == "total_capacity"


@pytest.mark.parametrize("value", [1e30, "-1e30", "1E+999999"])
def test_huge_prices_are_a_field_error(value: object) -> None:
    error = refused(Competition, COMPETITION | {"availability_guide_price": value})
    assert error.field == "availability_guide_price"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Peak \ud800 window"),
        ("name", "Peak \x00 window"),
        ("name", "x" * 100_000),
        ("reference", "\udfff"),
        ("type", "x" * 65),
    ],
)
def test_texts_that_cannot_be_stored_are_a_field_error(field: str, value: str) -> None:
    assert refused(Competition, COMPETITION | {field: value}).field == field


@pytest.mark.parametrize("value", ["", "x" * 100_000, "a/b", "..", "a b", "\ud800", "z8mp\x00"])
def test_ids_that_cannot_be_a_path_segment_or_a_key_are_a_field_error(value: str) -> None:
    assert refused(Competition, COMPETITION | {"id": value}).field == "id"
    assert refused(BiddingOpportunity, OPPORTUNITY | {"competition_id": value}).field == (
        "competition_id"
    )
    error = refused(BidResults, fixture_doc("bid_results.json") | {"competition_id": value})
    assert error.field == "competition_id"


def test_a_login_token_that_cannot_be_a_header_is_bad_market_data(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on("POST", routes.AUTH_TOKEN, (200, {"token": "caf\u00e9 token"}))
    with pytest.raises(BadMarketData, match="login answer"):
        client.authenticate()


def test_a_next_page_that_is_not_a_url_is_bad_market_data(
    market: FakeMarket, client: PicloClient
) -> None:
    market.on(
        "GET",
        routes.BIDDING_OPPORTUNITIES,
        (200, {"results": [OPPORTUNITY], "next": "http://[::1"}),
    )
    with pytest.raises(BadMarketData):
        client.list_bidding_opportunities()


def test_a_deeply_nested_error_body_is_still_a_rejection(
    market: FakeMarket, client: PicloClient
) -> None:
    nested = b'{"detail": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    market.on("GET", routes.competition("z8mpC6x"), httpx.Response(400, content=nested))
    with pytest.raises(RejectedByMarket):
        client.get_competition("z8mpC6x")


def test_a_rejection_whose_text_cannot_be_stored_is_recorded_escaped(
    market: FakeMarket, client: PicloClient
) -> None:
    body = json.dumps({"detail": "no\x00pe \ud800"}).encode()  # JSON escapes, as a market may
    market.on("GET", routes.competition("z8mpC6x"), httpx.Response(400, content=body))
    with pytest.raises(RejectedByMarket) as caught:
        client.get_competition("z8mpC6x")
    assert caught.value.detail == "no\\x00pe \\ud800"
    caught.value.detail.encode("utf-8")


def test_bad_market_data_never_names_a_competition_by_an_unstorable_id() -> None:
    error = refused(BiddingOpportunity, OPPORTUNITY | {"competition_id": "z8\ud800", "assets": 1})
    assert error.competition_id is None
    str(error).encode("utf-8")


# -- case 7 at the client: truncated answers --------------------------------------------------

TRUNCATED = b'{"id": "z8mpC6x", "status": "op'


def test_a_truncated_answer_to_a_read_is_retried_and_then_read(
    market: FakeMarket, client: PicloClient
) -> None:
    path = routes.competition("z8mpC6x")
    cut = httpx.Response(200, content=TRUNCATED, headers={"Content-Type": "application/json"})
    market.on("GET", path, cut, (200, COMPETITION))
    assert client.get_competition("z8mpC6x").id == "z8mpC6x"
    assert market.calls("GET", path) == 2


def test_a_truncated_answer_that_stays_truncated_is_bad_market_data_after_the_retries(
    market: FakeMarket, make_client: Callable[..., PicloClient]
) -> None:
    path = routes.competition("z8mpC6x")
    cut = httpx.Response(200, content=TRUNCATED, headers={"Content-Type": "application/json"})
    market.on("GET", path, cut)
    with pytest.raises(BadMarketData, match="after 3 call"):
        make_client(attempts=3).get_competition("z8mpC6x")
    assert market.calls("GET", path) == 3


def test_a_truncated_answer_to_a_ballot_post_is_ambiguous_and_not_resent(
    market: FakeMarket, client: PicloClient
) -> None:
    path = routes.ballots("z8mpC6x")
    cut = httpx.Response(201, content=TRUNCATED, headers={"Content-Type": "application/json"})
    market.on("POST", path, cut)
    with pytest.raises(AmbiguousSubmission):
        client.submit_ballot("z8mpC6x", parse_wire(BallotRequest, BALLOT_REQUEST))
    assert market.calls("POST", path) == 1
