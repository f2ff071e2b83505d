"""From the documented Piclo payloads to a snapshot, and on to a ballot the market would take."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from biddaemon.bidding import decide
from biddaemon.errors import BadMarketData
from biddaemon.jobs.ballot_body import request_body
from biddaemon.jobs.market_snapshot import (
    active_ballot,
    asset_specs,
    competition_snapshot,
    previous_ballot,
    strategy_input,
)
from biddaemon.markets.piclo.models import Ballot, Competition, FlexAsset, PlannedAsset
from biddaemon.settings import StrategySettings
from biddaemon.strategy import GuidePriceStrategy
from biddaemon.strategy.base import Proposal, ProposedBid
from tests.bidding.support import Scripted

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "piclo"
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def _doc(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def _competition(**changes: Any) -> Competition:
    return Competition.model_validate({**_doc("competition.json"), **changes})


def _ballot(**changes: Any) -> Ballot:
    return Ballot.model_validate({**_doc("ballot_response.json"), **changes})


def _flex(id: str, export: str | None, import_: str | None = None, **extra: Any) -> FlexAsset:
    return FlexAsset.model_validate(
        {
            **_doc("asset_create_request.json"),
            "id": id,
            "provider": "prov-1",
            "ref": f"ref-{id}",
            "status": "operational",
            "active_export_capacity": export,
            "active_import_capacity": import_,
            **extra,
        }
    )


def _planned(id: str, capacity_type: str, value: str, **extra: Any) -> PlannedAsset:
    return PlannedAsset.model_validate(
        {
            "id": id,
            "provider": "prov-1",
            "reference": f"plan-{id}",
            "name": "Planned battery",
            "voltage_level": "11.00",
            "asset_type": "battery",
            "capacity_type": capacity_type,
            "capacity_value": value,
            "competition_reference": "SPEN-2027-DSO-0042",
            **extra,
        }
    )


FLEET = (
    [_flex("aB12cD3", "2.000", "0.500", max_runtime="03:00:00"), _flex("eF45gH6", "1.500")],
    [_planned("pL78mN9", "export", "1.000")],
)


def test_the_competition_fixture_becomes_a_snapshot_with_period_dates_on_each_window() -> None:
    snap = competition_snapshot(_competition())
    assert snap.id == "z8mpC6x"
    assert snap.type == "availability_utilisation"
    assert snap.need_direction == "deficit"
    assert snap.status == "open"
    assert snap.competition_close == datetime(2027, 1, 18, 17, 0, tzinfo=UTC)
    assert snap.availability_guide_price == Decimal("15.00")
    assert snap.service_fee_guide_price is None
    first, second = snap.windows
    assert (first.id, first.period_id, first.start_date, first.end_date) == (
        "sW12gWx",
        "sp9Kx2a",
        date(2027, 11, 1),
        date(2028, 3, 1),
    )
    assert (first.start_time, first.end_time) == (time(16), time(19))
    assert first.days == frozenset({"mon", "tue", "wed", "thu", "fri"})
    assert first.bank_holidays == "excluded"
    assert first.capacity_required == Decimal("2.000")
    assert (second.id, second.days, second.capacity_required) == (
        "sW98hQz",
        frozenset({"sat", "sun"}),
        Decimal("1.250"),
    )


def test_an_unknown_competition_type_is_kept_as_sent() -> None:
    assert competition_snapshot(_competition(type="reactive_power")).type == "reactive_power"


@pytest.mark.parametrize(
    ("direction", "capacities"),
    [
        ("deficit", {"aB12cD3": "2.000", "eF45gH6": "1.500", "pL78mN9": "1.000"}),
        ("export", {"aB12cD3": "2.000", "eF45gH6": "1.500", "pL78mN9": "1.000"}),
        ("excess", {"aB12cD3": "0.500", "eF45gH6": "0.000", "pL78mN9": "0.000"}),
        ("import", {"aB12cD3": "0.500", "eF45gH6": "0.000", "pL78mN9": "0.000"}),
    ],
)
def test_asset_capacity_counts_only_in_the_need_direction(
    direction: str, capacities: dict[str, str]
) -> None:
    specs = asset_specs(_competition(need_direction=direction), *FLEET)
    assert {s.id: s.capacity for s in specs} == {k: Decimal(v) for k, v in capacities.items()}


def test_assets_carry_their_kind_ref_runtime_and_inventory_energy() -> None:
    specs = asset_specs(_competition(), *FLEET, energy_mwh_by_ref={"ref-aB12cD3": Decimal("8.000")})
    first, second, planned = specs
    assert (first.kind, first.ref, first.energy_mwh, first.max_runtime) == (
        "flex",
        "ref-aB12cD3",
        Decimal("8.000"),
        timedelta(hours=3),
    )
    assert second.energy_mwh is None
    assert (planned.kind, planned.ref) == ("planned", "plan-pL78mN9")


def test_the_ballot_fixture_becomes_the_previous_ballot() -> None:
    previous = previous_ballot(_ballot(), "z8mpC6x")
    assert previous is not None
    assert previous.market_id == "bL55xYz"
    assert previous.flex_ids == frozenset({"aB12cD3", "eF45gH6"})
    assert previous.planned_ids == frozenset({"pL78mN9"})
    first = previous.bids[0]
    assert (first.window_id, first.capacity, first.max_runtime, first.market_bid_id) == (
        "sW12gWx",
        Decimal("2.000"),
        timedelta(hours=2),
        "bD11aAa",
    )
    assert dict(first.rates) == {"availability": Decimal("14.25"), "utilisation": Decimal("285.00")}


def test_no_active_ballot_is_no_previous_ballot() -> None:
    assert previous_ballot(None, "z8mpC6x") is None
    assert active_ballot([_ballot(active=False)], "z8mpC6x") is None
    assert active_ballot([_ballot(active=False), _ballot(id="new")], "z8mpC6x") == _ballot(id="new")


@pytest.mark.parametrize(
    ("ballot", "message"),
    [
        (_ballot(assets=None), "does not say which assets it includes"),
        (_ballot(assets={"flex": [], "planned": []}), "does not say which assets it includes"),
        (_ballot(competition_id="other"), "belongs to competition other"),
    ],
)
def test_an_active_ballot_we_cannot_trust_is_bad_market_data(ballot: Ballot, message: str) -> None:
    with pytest.raises(BadMarketData, match=message) as raised:
        previous_ballot(ballot, "z8mpC6x")
    assert raised.value.competition_id == "z8mpC6x"


def test_two_active_ballots_are_bad_market_data() -> None:
    with pytest.raises(BadMarketData, match="more than one active ballot"):
        active_ballot([_ballot(), _ballot(id="other")], "z8mpC6x")


def test_duplicate_assets_from_the_market_are_bad_market_data() -> None:
    flex, planned = FLEET
    with pytest.raises(BadMarketData, match="an asset appears twice"):
        strategy_input(
            _competition(),
            [*flex, flex[0]],
            planned,
            None,
            commitments=(),
            settings=StrategySettings(),
            now=NOW,
        )


def test_a_naive_now_is_our_error_not_the_markets() -> None:
    with pytest.raises(ValueError, match="no timezone offset"):
        strategy_input(
            _competition(),
            *FLEET,
            None,
            commitments=(),
            settings=StrategySettings(),
            now=datetime(2027, 1, 10, 12, 0),
        )


def test_the_fixture_competition_decides_into_a_ballot_the_wire_model_accepts() -> None:
    snap = strategy_input(
        _competition(), *FLEET, None, commitments=(), settings=StrategySettings(), now=NOW
    )
    decision = decide(
        GuidePriceStrategy(), snap, safety_margin=timedelta(minutes=15), allow_overbooking=False
    )
    assert decision.plan is not None
    body = request_body(decision.plan)
    assert body["assets"] == {"flex": ["aB12cD3", "eF45gH6"], "planned": ["pL78mN9"]}
    assert [(b["service_window_id"], b["capacity"]) for b in body["bids"]] == [
        ("sW12gWx", "2.000"),
        ("sW98hQz", "1.250"),
    ]
    assert body["bids"][0]["rates"] == [
        {"type": "availability", "value": "14.25"},
        {"type": "utilisation", "value": "285.00"},
    ]
    assert body["bids"][0]["max_runtime"] == "03:00:00"


def test_resubmitting_the_fixture_ballot_unchanged_is_detected() -> None:
    snap = strategy_input(
        _competition(), *FLEET, _ballot(), commitments=(), settings=StrategySettings(), now=NOW
    )
    same = [
        Proposal(b.window_id, (ProposedBid(b.capacity, b.rates, b.max_runtime),))
        for b in snap.previous.bids  # type: ignore[union-attr]
    ]
    decision = decide(
        Scripted(same), snap, safety_margin=timedelta(minutes=15), allow_overbooking=False
    )
    assert decision.unchanged
    assert decision.plan is not None
    assert decision.plan.supersedes == "bL55xYz"
