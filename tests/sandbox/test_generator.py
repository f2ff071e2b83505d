"""The seeded world: GB DSOs opening competitions of every kind day after day, and a realistic
fleet; the same seed always makes the same world, however the clock got there."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import httpx

from biddaemon.sandbox import SandboxClock, SandboxServer
from biddaemon.sandbox.builder import build_market
from biddaemon.sandbox.generator import competition_for, generate_fleet
from biddaemon.sandbox.geography import DSOS
from biddaemon.sandbox.market import Market
from biddaemon.sandbox.model import Competition, Provider

from .conftest import SEED, START

LONDON = ZoneInfo("Europe/London")
PROVIDER = Provider("sandbox-provider", "Sandbox Flex Ltd")


def market(seed: int = SEED) -> Market:
    return build_market(SandboxClock(START, speed=0), PROVIDER, seed, None)


def opened_between(first: date, last: date, seed: int = SEED) -> list[Competition]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    found = (competition_for(seed, day, dso) for day in days for dso in DSOS)
    return [c for c in found if c is not None]


def test_every_dso_type_and_direction_appears_within_two_months() -> None:
    competitions = opened_between(date(2027, 1, 1), date(2027, 2, 28))
    assert {c.operator_name for c in competitions} == {
        "UK Power Networks",
        "SP Energy Networks",
        "Northern Powergrid",
        "National Grid Electricity Distribution",
        "Scottish and Southern Electricity Networks",
        "Electricity North West",
    }
    assert {c.type for c in competitions} == {
        "availability_utilisation",
        "utilisation",
        "availability",
        "service_fee",
    }
    assert {c.need_direction for c in competitions} == {"deficit", "excess"}
    dso_days = 59 * len(DSOS)
    assert 0.35 * dso_days < len(competitions) < 0.65 * dso_days  # every other day or so


def test_competitions_keep_opening_and_closing_as_time_passes() -> None:
    world = market()
    open_now = {c.id for c in world.competitions() if c.is_open_at(world.now())}
    world.clock.advance(3 * 24 * 3600)
    later = world.now()
    open_later = {c.id for c in world.competitions() if c.is_open_at(later)}
    opened = open_later - open_now
    closed = open_now - open_later
    assert opened
    assert closed
    assert all(START < world.competition(i).competition_open <= later for i in opened)
    assert all(START < world.competition(i).competition_close <= later for i in closed)


def test_the_same_seed_makes_the_same_world_however_the_clock_moves() -> None:
    jumped, stepped = market(), market()
    jumped.clock.advance(10 * 24 * 3600)
    for _ in range(240):
        stepped.clock.advance(3600)
        stepped.competitions()
    assert jumped.competitions() == stepped.competitions()
    assert [c.id for c in market(SEED + 1).competitions()] != [c.id for c in jumped.competitions()]


def test_times_are_gb_local_where_the_market_works_in_gb_time() -> None:
    competitions = opened_between(date(2027, 1, 1), date(2027, 12, 31))
    closes = {c.competition_close.astimezone(LONDON).utcoffset() for c in competitions}
    assert closes == {timedelta(0), timedelta(hours=1)}  # GMT and BST both occur
    for competition in competitions:
        closing = competition.competition_close.astimezone(LONDON)
        opening = competition.competition_open.astimezone(LONDON)
        assert (closing.hour, closing.minute) == (17, 0)
        assert 9 <= opening.hour <= 12
        assert competition.competition_close.tzinfo is not None
        assert competition.results_at > competition.competition_close
        assert competition.results_at.astimezone(UTC).hour == 19


def test_service_periods_follow_the_close_with_exclusive_end_dates() -> None:
    for competition in opened_between(date(2027, 3, 1), date(2027, 3, 31)):
        periods = competition.service_periods
        assert periods[0].start_date > competition.competition_close.date()
        for period, following in pairwise(periods):
            assert following.start_date == period.end_date  # exclusive end: no gap, no overlap
        for period in periods:
            assert period.start_date.day == period.end_date.day == 1
            assert period.end_date > period.start_date
            for window in period.windows:
                assert Decimal("0.250") <= window.capacity_required <= Decimal("6.000")
                assert window.capacity_required == window.capacity_required.quantize(
                    Decimal("0.001")
                )
                assert set(window.days) <= {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}


def test_guide_prices_exist_exactly_for_the_rates_of_the_type() -> None:
    rates = {
        "availability_utilisation": {"availability", "utilisation"},
        "utilisation": {"utilisation"},
        "availability": {"availability"},
        "service_fee": {"service_fee"},
    }
    for competition in opened_between(date(2027, 1, 1), date(2027, 2, 28)):
        priced = {
            kind
            for kind in ("availability", "utilisation", "service_fee")
            if competition.guide_price(kind) is not None  # type: ignore[arg-type]
        }
        assert priced == rates[competition.type]
        for offer in competition.rival_offers:
            assert {r.type for r in offer.rates} == rates[competition.type]


def test_the_seeded_fleet_is_varied_and_partly_unqualifiable() -> None:
    world = market()
    fleet = world.fleet()
    kinds = Counter(a.asset_type for a in fleet.flex)
    assert kinds == {"battery": 6, "onshore_wind": 2, "solar_pv": 2, "chp": 2, "ev_charging": 2}
    assert Counter(a.status for a in fleet.flex) == {
        "operational": 10,
        "archived": 2,
        "mothballed": 1,
        "in_development": 1,
    }
    for asset in fleet.flex:
        if asset.asset_type == "ev_charging":
            assert (asset.active_export_capacity, asset.active_import_capacity > 0) == (0, True)
        if asset.asset_type in ("onshore_wind", "solar_pv", "chp"):
            assert asset.active_export_capacity > 0
            assert asset.active_import_capacity == 0
        assert asset.postcode or (asset.latitude is not None and asset.longitude is not None)
    assert sum(1 for a in fleet.flex if a.postcode is None) == 2
    for planned in fleet.planned:
        (competition,) = [
            c for c in world.competitions() if c.reference == planned.competition_reference
        ]
        assert competition.is_open_at(world.now())


def test_the_fleet_depends_only_on_the_seed() -> None:
    first = [a.id for a in market().fleet().flex]
    assert [a.id for a in market().fleet().flex] == first
    assert [a.id for a in market(SEED + 1).fleet().flex] != first
    assert generate_fleet(SEED, "p", START, []).planned == ()


def test_quantities_and_instants_travel_in_their_wire_format(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    mw, money = re.compile(r"^\d+\.\d{3}$"), re.compile(r"^\d+\.\d{2}$")
    timestamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
    for competition in sandbox.market.competitions()[:15]:
        served = client.get(f"/competitions/v1/{competition.id}/").json()
        assert timestamp.match(served["competition_open"])
        assert timestamp.match(served["competition_close"])
        for kind in ("availability", "utilisation", "service_fee"):
            price = served[f"{kind}_guide_price"]
            assert price is None or money.match(price)
        for period in served["service_periods"]:
            for window in period["service_windows"]:
                assert mw.match(window["capacity_required"])
                assert re.match(r"^\d\d:\d\d$", window["start_time"])
    for asset in client.get("/assets/v1/", params={"page_size": 50}).json()["results"]:
        assert mw.match(asset["active_export_capacity"])
        assert mw.match(asset["active_import_capacity"])
        assert timestamp.match(asset["created"])


def test_start_instant_history_is_three_weeks() -> None:
    earliest = min(c.competition_open for c in market().competitions())
    assert START - timedelta(days=22) < earliest < START - timedelta(days=19)
    assert datetime(2027, 1, 5, 10, tzinfo=UTC) == START
