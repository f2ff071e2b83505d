"""The wire models read every documented payload and write it back as the market expects."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from biddaemon.bidding import rules
from biddaemon.errors import BadMarketData
from biddaemon.jobs.market_snapshot import competition_snapshot
from biddaemon.markets.piclo import (
    AssetSelection,
    Ballot,
    BallotRequest,
    BiddingOpportunity,
    BidRequest,
    BidResults,
    Competition,
    CompetitionType,
    FlexAsset,
    FlexAssetCreate,
    FlexAssetUpdate,
    Obligation,
    PlannedAsset,
    PlannedAssetCreate,
    PlannedAssetUpdate,
    Rate,
    RateType,
    ServiceWindow,
    TokenResponse,
    WireModel,
    format_max_runtime,
    parse_max_runtime,
    parse_wire,
    routes,
)
from tests.markets.piclo.support import FIXTURES, fixture_doc


def required_rates(parsed: Competition) -> tuple[str, ...]:
    rates = competition_snapshot(parsed).required_rates
    assert rates is not None
    return rates


FIXTURE_MODELS: dict[str, type[WireModel]] = {
    "asset_create_request.json": FlexAssetCreate,
    "asset_update_request.json": FlexAssetUpdate,
    "authtoken_response.json": TokenResponse,
    "ballot_request.json": BallotRequest,
    "ballot_response.json": Ballot,
    "bid_results.json": BidResults,
    "competition.json": Competition,
}
LIST_FIXTURE_MODELS: dict[str, type[WireModel]] = {
    "bidding_opportunities.json": BiddingOpportunity,
}


def test_every_fixture_file_has_a_model() -> None:
    on_disk = {path.name for path in FIXTURES.glob("*.json")}
    assert on_disk == set(FIXTURE_MODELS) | set(LIST_FIXTURE_MODELS)


@pytest.mark.parametrize("name", sorted(set(FIXTURE_MODELS) - {"ballot_request.json"}))
def test_fixture_round_trips_to_an_equal_document(name: str) -> None:
    document = fixture_doc(name)
    parsed = parse_wire(FIXTURE_MODELS[name], document)
    assert parsed.to_wire(reveal_secrets=True) == document


def test_bidding_opportunities_round_trip_item_by_item() -> None:
    document = fixture_doc("bidding_opportunities.json")
    parsed = [parse_wire(BiddingOpportunity, item) for item in document]
    assert [item.to_wire() for item in parsed] == document


def test_ballot_request_round_trips_with_capacity_written_to_three_places() -> None:
    # The tutorial's example writes "9.32"; the client always sends capacity with 3 places
    # (the contract's MW precision, and what the market itself answers with: "2.000").
    document = fixture_doc("ballot_request.json")
    parsed = parse_wire(BallotRequest, document)
    expected = copy.deepcopy(document)
    expected["bids"][0]["capacity"] = "9.320"
    assert parsed.to_wire() == expected
    assert parsed.bids[0].capacity == Decimal("9.32")
    assert parse_wire(BallotRequest, parsed.to_wire()) == parsed


def test_unknown_fields_are_ignored() -> None:
    document = fixture_doc("ballot_response.json") | {"shiny_new_field": {"x": 1}}
    ballot = parse_wire(Ballot, document)
    assert "shiny_new_field" not in ballot.to_wire()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2.000", Decimal("2.000")),
        ("1.5", Decimal("1.5")),
        (2, Decimal(2)),
        (1.25, Decimal("1.25")),
    ],
)
def test_capacity_is_read_from_strings_or_numbers_as_decimal(raw: Any, expected: Decimal) -> None:
    item = {"competition_id": "c1", "total_capacity": raw}
    opportunity = parse_wire(BiddingOpportunity, item)
    assert isinstance(opportunity.total_capacity, Decimal)
    assert opportunity.total_capacity == expected


def test_float_input_becomes_its_shortest_decimal_not_its_binary_expansion() -> None:
    opportunity = parse_wire(BiddingOpportunity, {"competition_id": "c1", "total_capacity": 0.1})
    assert opportunity.total_capacity == Decimal("0.1")


@pytest.mark.parametrize("raw", [True, "NaN", "Infinity", "abc", None, [1]])
def test_non_numbers_are_refused_as_quantities(raw: Any) -> None:
    with pytest.raises(BadMarketData, match="total_capacity"):
        parse_wire(BiddingOpportunity, {"competition_id": "c1", "total_capacity": raw})


def test_capacity_is_sent_with_three_places_rounded_down() -> None:
    bid = BidRequest(
        service_window_id="w",
        capacity=Decimal("1.2349"),
        rates=(Rate(type=RateType.AVAILABILITY, value=Decimal("14.255")),),
    )
    wire = bid.to_wire()
    assert wire["capacity"] == "1.234"
    assert wire["rates"][0]["value"] == "14.26"


def test_prices_and_voltage_are_sent_with_two_places() -> None:
    rate = Rate(type=RateType.UTILISATION, value=Decimal(285))
    assert rate.to_wire() == {"type": "utilisation", "value": "285.00"}
    asset = FlexAssetUpdate(voltage_level=Decimal("11"))
    assert asset.to_wire() == {"voltage_level": "11.00"}


def test_negative_capacity_is_refused() -> None:
    with pytest.raises(BadMarketData, match="must not be negative"):
        parse_wire(BiddingOpportunity, {"competition_id": "c1", "total_capacity": "-1.000"})


def test_naive_timestamp_is_refused_naming_field_and_competition() -> None:
    document = fixture_doc("competition.json")
    document["competition_close"] = "2027-01-18T17:00:00"
    with pytest.raises(BadMarketData) as caught:
        parse_wire(Competition, document)
    assert caught.value.field == "competition_close"
    assert caught.value.competition_id == "z8mpC6x"
    assert "timezone" in str(caught.value)


def test_timestamp_with_an_offset_is_held_in_utc() -> None:
    document = fixture_doc("ballot_response.json") | {"created": "2027-07-05T11:12:44+01:00"}
    ballot = parse_wire(Ballot, document)
    assert ballot.created == datetime(2027, 7, 5, 10, 12, 44, tzinfo=UTC)
    assert ballot.created.tzinfo is UTC
    assert ballot.to_wire()["created"] == "2027-07-05T10:12:44Z"


def test_payload_that_does_not_fit_names_the_nested_field_and_competition() -> None:
    document = fixture_doc("competition.json")
    document["service_periods"][0]["service_windows"][1]["capacity_required"] = "lots"
    with pytest.raises(BadMarketData) as caught:
        parse_wire(Competition, document)
    error = caught.value
    assert error.field == "service_periods[0].service_windows[1].capacity_required"
    assert error.competition_id == "z8mpC6x"
    assert "Traceback" not in str(error)
    assert error.__cause__ is None


def test_missing_required_field_is_bad_market_data() -> None:
    document = fixture_doc("competition.json")
    del document["need_direction"]
    with pytest.raises(BadMarketData, match="need_direction") as caught:
        parse_wire(Competition, document)
    assert caught.value.field == "need_direction"


def test_a_competition_id_given_by_the_caller_is_named_even_when_the_payload_has_none() -> None:
    with pytest.raises(BadMarketData) as caught:
        parse_wire(BidResults, {"status": "published"}, competition_id="q3RtY7u")
    assert caught.value.competition_id == "q3RtY7u"


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("1T01:30:00", timedelta(days=1, hours=1, minutes=30)),
        ("02:00:00", timedelta(hours=2)),
        ("00:00:45", timedelta(seconds=45)),
        ("3T00:00:00", timedelta(days=3)),
    ],
)
def test_max_runtime_is_parsed_and_formatted_both_ways(text: str, duration: timedelta) -> None:
    assert parse_max_runtime(text) == duration
    assert format_max_runtime(duration) == text


def test_max_runtime_of_more_than_a_day_in_hours_is_read_and_written_with_days() -> None:
    assert parse_max_runtime("26:00:00") == timedelta(hours=26)
    assert format_max_runtime(timedelta(hours=26)) == "1T02:00:00"


@pytest.mark.parametrize("text", ["2:00:00", "02:00", "1D02:00:00", "02:60:00", "", "T02:00:00"])
def test_malformed_max_runtime_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match=r"\[D\]THH:MM:SS"):
        parse_max_runtime(text)


@pytest.mark.parametrize("duration", [timedelta(seconds=-1), timedelta(seconds=1.5)])
def test_max_runtime_that_cannot_be_written_is_refused(duration: timedelta) -> None:
    with pytest.raises(ValueError, match="duration"):
        format_max_runtime(duration)


def test_max_runtime_in_a_bid_is_a_timedelta() -> None:
    ballot = parse_wire(BallotRequest, fixture_doc("ballot_request.json"))
    assert ballot.bids[0].max_runtime == timedelta(days=1, hours=1, minutes=30)


def test_bad_max_runtime_in_a_ballot_names_the_field() -> None:
    document = fixture_doc("ballot_response.json")
    document["bids"][1]["max_runtime"] = "two hours"
    with pytest.raises(BadMarketData) as caught:
        parse_wire(Ballot, document)
    assert caught.value.field == "bids[1].max_runtime"
    assert caught.value.competition_id == "z8mpC6x"


def competition() -> Competition:
    return parse_wire(Competition, fixture_doc("competition.json"))


def test_competition_lists_every_window_across_periods() -> None:
    document = fixture_doc("competition.json")
    extra = copy.deepcopy(document["service_periods"][0])
    extra["id"] = "sp2"
    extra["service_windows"] = [extra["service_windows"][0] | {"id": "sWsummer"}]
    document["service_periods"].append(extra)
    parsed = parse_wire(Competition, document)
    assert [w.id for w in parsed.windows] == ["sW12gWx", "sW98hQz", "sWsummer"]
    assert parsed.period_of("sWsummer").id == "sp2"


def test_competition_gives_id_rates_and_guide_prices() -> None:
    parsed = competition()
    assert parsed.competition_id == "z8mpC6x"
    assert parsed.known_type is CompetitionType.AVAILABILITY_UTILISATION
    # Which rates a bid carries is a bidding rule, read through the translation to a snapshot.
    assert set(required_rates(parsed)) == {RateType.AVAILABILITY, RateType.UTILISATION}
    assert parsed.guide_price(RateType.AVAILABILITY) == Decimal("15.00")
    assert parsed.guide_price(RateType.UTILISATION) == Decimal("300.00")
    assert parsed.guide_price(RateType.SERVICE_FEE) is None


@pytest.mark.parametrize(
    ("kind", "rates"),
    [
        ("availability_utilisation", {RateType.AVAILABILITY, RateType.UTILISATION}),
        ("utilisation", {RateType.UTILISATION}),
        ("availability", {RateType.AVAILABILITY}),
        ("service_fee", {RateType.SERVICE_FEE}),
    ],
)
def test_each_known_competition_type_requires_exactly_its_rates(
    kind: str, rates: set[RateType]
) -> None:
    parsed = parse_wire(Competition, fixture_doc("competition.json") | {"type": kind})
    assert set(required_rates(parsed)) == rates


def test_unknown_competition_type_is_kept_and_marked_unknown_so_nobody_bids() -> None:
    parsed = parse_wire(Competition, fixture_doc("competition.json") | {"type": "capacity_auction"})
    assert parsed.type == "capacity_auction"
    assert parsed.known_type is None
    assert competition_snapshot(parsed).required_rates is None
    assert parsed.to_wire()["type"] == "capacity_auction"


def test_duplicate_window_ids_are_bad_market_data() -> None:
    document = fixture_doc("competition.json")
    windows = document["service_periods"][0]["service_windows"]
    windows[1]["id"] = windows[0]["id"]
    with pytest.raises(BadMarketData, match="appears twice"):
        parse_wire(Competition, document)


def test_service_window_gives_days_local_times_and_capacity() -> None:
    window = competition().window("sW12gWx")
    assert window.start_time == time(16, 0)
    assert window.end_time == time(19, 0)
    assert window.weekdays == {0, 1, 2, 3, 4}
    assert window.capacity_required == Decimal("2.000")
    assert window.runs_on_weekday(date(2027, 11, 5))  # a Friday
    assert not window.runs_on_weekday(date(2027, 11, 6))


def test_service_window_times_are_gb_local_in_winter_and_summer() -> None:
    window = competition().window("sW12gWx")
    assert window.bounds_on(date(2027, 12, 1)) == (
        datetime(2027, 12, 1, 16, 0, tzinfo=UTC),
        datetime(2027, 12, 1, 19, 0, tzinfo=UTC),
    )
    assert window.bounds_on(date(2027, 7, 1)) == (
        datetime(2027, 7, 1, 15, 0, tzinfo=UTC),
        datetime(2027, 7, 1, 18, 0, tzinfo=UTC),
    )


def test_a_window_that_ends_at_or_after_midnight_ends_the_next_day() -> None:
    window = ServiceWindow.model_validate(
        {
            "id": "night",
            "start_time": "22:00",
            "end_time": "24:00",
            "days": ["mon"],
            "bank_holidays": "included",
            "capacity_required": "1",
        }
    )
    assert window.bounds_on(date(2027, 12, 6)) == (
        datetime(2027, 12, 6, 22, 0, tzinfo=UTC),
        datetime(2027, 12, 7, 0, 0, tzinfo=UTC),
    )


@pytest.mark.parametrize("raw", ["16:00+01:00", "4pm", "25:00", "16:00:00Z"])
def test_window_time_that_is_not_a_local_time_of_day_is_refused(raw: str) -> None:
    document = fixture_doc("competition.json")
    document["service_periods"][0]["service_windows"][0]["start_time"] = raw
    with pytest.raises(BadMarketData) as caught:
        parse_wire(Competition, document)
    assert caught.value.field == "service_periods[0].service_windows[0].start_time"


def test_unknown_weekday_is_bad_market_data() -> None:
    document = fixture_doc("competition.json")
    document["service_periods"][0]["service_windows"][0]["days"] = ["mon", "funday"]
    with pytest.raises(BadMarketData) as caught:
        parse_wire(Competition, document)
    assert caught.value.field == "service_periods[0].service_windows[0].days[1]"


def test_service_period_end_date_is_exclusive_and_after_the_start() -> None:
    period = competition().service_periods[0]
    assert period.includes(date(2028, 2, 29))
    assert not period.includes(date(2028, 3, 1))
    document = fixture_doc("competition.json")
    document["service_periods"][0]["end_date"] = "2027-11-01"
    with pytest.raises(BadMarketData, match="end_date"):
        parse_wire(Competition, document)


def is_open_at(parsed: Competition, moment: datetime) -> bool:
    """The engine's rules for taking ballots (status open, after the open, before the close)."""
    snapshot = competition_snapshot(parsed)
    return (
        rules.competition_open(snapshot, moment) is None
        and rules.closes_after_margin(snapshot, moment, timedelta(0)) is None
    )


def test_is_open_needs_open_status_and_a_time_inside_the_bidding_window() -> None:
    parsed = competition()
    assert is_open_at(parsed, datetime(2027, 1, 18, 16, 59, tzinfo=UTC))
    assert not is_open_at(parsed, datetime(2027, 1, 18, 17, 0, tzinfo=UTC))
    closed = parse_wire(Competition, fixture_doc("competition.json") | {"status": "closed"})
    assert not is_open_at(closed, datetime(2027, 1, 10, tzinfo=UTC))
    with pytest.raises(TypeError, match="naive"):
        is_open_at(parsed, datetime(2027, 1, 10))


def test_ballot_without_assets_leaves_assets_out_so_all_qualifying_ones_count() -> None:
    bid = BidRequest(
        service_window_id="sW12gWx",
        capacity=Decimal("1"),
        rates=(Rate(type=RateType.AVAILABILITY, value=Decimal("10")),),
    )
    without = BallotRequest(competition_id="z8mpC6x", bids=(bid,))
    assert "assets" not in without.to_wire()
    assert "max_runtime" not in without.to_wire()["bids"][0]
    with_assets = BallotRequest(
        competition_id="z8mpC6x", bids=(bid,), assets=AssetSelection(flex=("aB12cD3",))
    )
    assert with_assets.to_wire()["assets"] == {"flex": ["aB12cD3"], "planned": []}


def test_flex_asset_create_needs_a_postcode_or_a_position() -> None:
    document = fixture_doc("asset_create_request.json")
    del document["postcode"]
    with pytest.raises(ValidationError, match="postcode"):
        FlexAssetCreate.model_validate(document)
    placed = FlexAssetCreate.model_validate(document | {"latitude": 51.5, "longitude": "-0.1276"})
    assert placed.to_wire()["latitude"] == "51.500000"
    assert placed.to_wire()["longitude"] == "-0.127600"


def test_flex_asset_response_carries_read_only_fields_and_durations() -> None:
    document = fixture_doc("asset_create_request.json") | {
        "id": "aB12cD3",
        "created": "2027-01-02T10:00:00Z",
        "modified": "2027-01-03T10:00:00Z",
        "connection_status": "energised",
        "active_export_capacity": "1.500",
        "max_runtime": "04:00:00",
    }
    asset = parse_wire(FlexAsset, document)
    assert asset.max_runtime == timedelta(hours=4)
    assert asset.to_wire() == document


def test_planned_asset_models_round_trip() -> None:
    create = {
        "provider": "prov",
        "reference": "pl-1",
        "name": "Future battery",
        "voltage_level": "11.00",
        "asset_type": "battery",
        "capacity_type": "export",
        "capacity_value": "2.500",
        "competition_reference": "SPEN-2027-DSO-0042",
        "operator_name": "SP Energy Networks",
        "estimated_asset_count": 3,
        "maximum_runtime": "02:00:00",
    }
    assert parse_wire(PlannedAssetCreate, create).to_wire() == create
    stored = create | {"id": "pL78mN9", "created": "2027-01-02T10:00:00Z"}
    assert parse_wire(PlannedAsset, stored).to_wire() == stored
    assert PlannedAssetUpdate(capacity_value=Decimal("3")).to_wire() == {"capacity_value": "3.000"}


def test_obligation_reads_its_assumed_fields() -> None:
    document = {
        "id": "ob1",
        "competition_id": "z8mpC6x",
        "bid_id": "bD11aAa",
        "start": "2027-11-01T16:00:00Z",
        "end": "2027-11-01T19:00:00Z",
        "capacity": "2.000",
    }
    assert parse_wire(Obligation, document).to_wire() == document


def test_token_never_shows_in_repr_or_a_default_dump() -> None:
    document = fixture_doc("authtoken_response.json")
    token = parse_wire(TokenResponse, document)
    assert document["token"] not in repr(token)
    assert document["token"] not in str(token.to_wire())
    assert document["token"] not in token.model_dump_json()
    assert token.token.get_secret_value() == document["token"]


def test_models_are_immutable() -> None:
    parsed = competition()
    with pytest.raises(ValidationError):
        parsed.status = "closed"  # type: ignore[misc]


@pytest.mark.parametrize(
    "path",
    [
        routes.AUTH_TOKEN,
        routes.FLEX_PROVIDERS,
        routes.FLEX_ASSETS,
        routes.flex_asset("a1"),
        routes.PLANNED_ASSETS,
        routes.planned_asset("p1"),
        routes.BIDDING_OPPORTUNITIES,
        routes.competition("c1"),
        routes.ballots("c1"),
        routes.bid_results("c1"),
        routes.OBLIGATIONS,
        routes.asset_obligation("o1"),
    ],
)
def test_every_route_ends_with_a_slash(path: str) -> None:
    assert path.startswith("/")
    assert path.endswith("/")


def test_an_id_cannot_escape_its_path_segment() -> None:
    assert routes.competition("../assets/v1") == "/competitions/v1/..%2Fassets%2Fv1/"
    with pytest.raises(ValueError, match="empty"):
        routes.ballots("")
