"""For random competitions, fleets and strategies, every ballot the engine emits is accepted by
the sandbox's independent referee, and no asset is promised beyond its capacity at any moment.

The referee (`biddaemon.sandbox.judge_ballot`) was written from the API contract without our
engine; the snapshot is built here from the sandbox's own objects with this file's reading of the
need direction, so nothing of the engine's checks the engine. Strategies include the two
built-ins with random settings and a "chaos" strategy that proposes anything: out-of-range,
over-precise, negative, float, missing or extra rates, broken runtimes, stray windows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from biddaemon.bidding import Decision, commitments_from_record, decide
from biddaemon.jobs.ballot_body import request_body
from biddaemon.markets.piclo.models import parse_max_runtime
from biddaemon.sandbox import judge_ballot
from biddaemon.sandbox.model import (
    DAYS,
    Area,
    AssetSet,
    Competition,
    Fleet,
    FlexAsset,
    PlannedAsset,
    ServicePeriod,
    ServiceWindow,
)
from biddaemon.settings import StrategySettings
from biddaemon.strategy import FixedPriceStrategy, GuidePriceStrategy
from biddaemon.strategy.base import Proposal, ProposedBid, Skip, WindowOutcome
from biddaemon.strategy.snapshot import (
    AssetSpec,
    Commitment,
    CompetitionSnapshot,
    PreviousBallot,
    PreviousBid,
    StrategyInput,
    WindowSpec,
)

NOW = datetime(2028, 3, 1, 9, 0, tzinfo=UTC)
MARGIN = timedelta(minutes=15)
PROVIDER = "prov-1"
FIRST_DAY = date(2028, 3, 20)  # around the spring clock change (26 March 2028)
EXPORTS = {"deficit": "export", "export": "export", "excess": "import", "import": "import"}
RATE_TYPES = ("availability", "utilisation", "service_fee")
RATE_TYPE_OF = {
    "availability_utilisation": {"availability", "utilisation"},
    "utilisation": {"utilisation"},
    "availability": {"availability"},
    "service_fee": {"service_fee"},
}
TYPES = tuple(RATE_TYPE_OF)
SLOT = timedelta(minutes=30)

# --------------------------------------------------------------------------------------------
# Generators


def mw(low: str = "0", high: str = "5") -> st.SearchStrategy[Decimal]:
    return st.decimals(Decimal(low), Decimal(high), places=3)


money = st.decimals(Decimal("0.01"), Decimal("500"), places=2)
maybe_money = st.one_of(money, money, money, st.none())
half_hours = st.integers(0, 47).map(lambda n: time(n // 2, 30 * (n % 2)))
day_sets = st.sets(st.sampled_from(DAYS), min_size=1).map(
    lambda s: tuple(d for d in DAYS if d in s)
)


@st.composite
def flex_assets(draw: st.DrawFn, index: int) -> tuple[FlexAsset, Decimal | None]:
    runtime = draw(st.none() | st.integers(0, 30 * 3600))
    asset = FlexAsset(
        id=f"f{index}",
        provider=PROVIDER,
        ref=f"ref-f{index}",
        name=f"asset {index}",
        status="operational",
        asset_category="storage",
        asset_type="battery",
        voltage_level=Decimal("11.00"),
        country_code="GB",
        created=NOW,
        modified=NOW,
        postcode="KY11 8PD",
        active_export_capacity=draw(mw()),
        active_import_capacity=draw(mw()),
        max_runtime=None if runtime is None else _clock(runtime),
    )
    energy = draw(st.none() | mw("0", "20"))
    return asset, energy


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


@st.composite
def windows(draw: st.DrawFn, competition_id: str, index: int) -> ServiceWindow:
    return ServiceWindow(
        id=f"{competition_id}-w{index}",
        name=f"window {index}",
        start_time=draw(half_hours),
        end_time=draw(half_hours),
        days=draw(day_sets),
        bank_holidays=draw(st.sampled_from(["included", "excluded"])),
        capacity_required=draw(st.one_of(mw("0.001", "6"), mw("0.001", "6"), mw("0", "6"))),
    )


@st.composite
def competitions(draw: st.DrawFn, index: int) -> tuple[Competition, tuple[PlannedAsset, ...]]:
    competition_id = f"c{index}"
    periods = []
    for p in range(draw(st.integers(1, 2))):
        start = FIRST_DAY + timedelta(days=draw(st.integers(0, 10)))
        end = start + timedelta(days=draw(st.integers(1, 10)))
        periods.append(
            ServicePeriod(
                id=f"{competition_id}-p{p}",
                name=f"period {p}",
                start_date=start,
                end_date=end,
                windows=tuple(
                    draw(windows(competition_id, p * 10 + w))
                    for w in range(draw(st.integers(1, 3)))
                ),
            )
        )
    closing = draw(st.sampled_from(["later"] * 7 + ["just after margin", "at margin", "closed"]))
    close_offset = {
        "later": draw(st.timedeltas(timedelta(hours=1), timedelta(days=10))),
        "just after margin": MARGIN + timedelta(microseconds=1),
        "at margin": MARGIN,
        "closed": -timedelta(hours=1),
    }[closing]
    competition = Competition(
        id=competition_id,
        reference=f"REF-{competition_id}",
        name=f"competition {index}",
        operator_name="SP Energy Networks",
        type=draw(st.sampled_from(TYPES)),
        need_direction=draw(st.sampled_from(list(EXPORTS))),
        competition_open=NOW - timedelta(days=3),
        competition_close=NOW + close_offset,
        availability_guide_price=draw(maybe_money),
        utilisation_guide_price=draw(maybe_money),
        service_fee_guide_price=draw(maybe_money),
        service_periods=tuple(periods),
        area=Area(postcode_areas=frozenset({"KY"})),
        results_at=NOW + timedelta(days=30),
        cancelled=draw(st.sampled_from([False] * 19 + [True])),
    )
    planned = tuple(
        PlannedAsset(
            id=f"{competition_id}-p{i}",
            provider=PROVIDER,
            reference=f"plan-{competition_id}-{i}",
            name="planned",
            voltage_level=Decimal("11.00"),
            asset_type="battery",
            capacity_type=draw(st.sampled_from(["import", "export"])),
            capacity_value=draw(mw()),
            competition_reference=competition.reference,
            created=NOW,
            modified=NOW,
        )
        for i in range(draw(st.integers(0, 2)))
    )
    return competition, planned


# Anything a careless strategy might propose.
wild_capacity = st.one_of(
    mw("0", "2"),
    mw("0", "2"),
    mw("0", "7"),
    st.decimals(Decimal("-1"), Decimal("7"), places=5),
    st.floats(0, 7, allow_nan=False),
    st.just(Decimal("NaN")),
)
wild_price = st.one_of(
    money,
    money,
    money,
    st.decimals(Decimal("-1"), Decimal("50"), places=4),
    st.floats(0, 50, allow_nan=False),
)
wild_runtime = st.one_of(
    st.none(),
    st.timedeltas(timedelta(seconds=1), timedelta(days=3)),
    st.timedeltas(timedelta(seconds=-10), timedelta(days=3)),
    st.just("02:00:00"),
)


@st.composite
def chaos_plans(draw: st.DrawFn, competition: Competition) -> list[WindowOutcome]:
    outcomes: list[WindowOutcome] = []
    for window in competition.windows():
        choice = draw(st.sampled_from(["propose"] * 5 + ["skip", "withdraw", "nothing"]))
        if choice == "propose":
            bids = []
            required = RATE_TYPE_OF[competition.type]
            for _ in range(draw(st.sampled_from([1, 1, 1, 2, 3, 0]))):
                kinds = draw(
                    st.just(required) | st.just(required) | st.sets(st.sampled_from(RATE_TYPES))
                )
                bids.append(
                    ProposedBid(
                        capacity=draw(wild_capacity),
                        rates={kind: draw(wild_price) for kind in kinds},
                        max_runtime=draw(wild_runtime),
                    )
                )
            outcomes.append(Proposal(window.id, tuple(bids)))
        elif choice in ("skip", "withdraw"):
            outcomes.append(Skip(window.id, "chaos", withdraw=choice == "withdraw"))
    if draw(st.booleans()):
        outcomes.append(Proposal("not-a-window", ()))
    return outcomes


@dataclass
class Chaos:
    plans: dict[str, list[WindowOutcome]]
    name: str = "chaos"

    def propose(self, snapshot: StrategyInput) -> Sequence[WindowOutcome]:
        return self.plans[snapshot.competition.id]


strategy_settings = st.builds(
    StrategySettings,
    price_fraction=st.decimals(Decimal("0.01"), Decimal("1"), places=2),
    availability_floor=money,
    utilisation_floor=money,
    service_fee_floor=money,
    derating_factor=st.decimals(Decimal("0.01"), Decimal("1"), places=2),
    availability_price=maybe_money,
    utilisation_price=maybe_money,
    service_fee_price=maybe_money,
)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    fleet = [draw(flex_assets(i)) for i in range(draw(st.integers(1, 5)))]
    comps = [draw(competitions(i)) for i in range(draw(st.integers(1, 4)))]
    rounds = []
    for _ in range(2):  # a first ballot, then a resubmission
        kind = draw(st.sampled_from(["guide-price", "fixed-price", "chaos"]))
        chaos = {c.id: draw(chaos_plans(c)) for c, _ in comps} if kind == "chaos" else {}
        rounds.append((kind, draw(strategy_settings), chaos))
    return {
        "fleet": fleet,
        "competitions": comps,
        "rounds": rounds,
        "overbooking": draw(st.sampled_from([False] * 4 + [True])),
    }


# --------------------------------------------------------------------------------------------
# The sandbox's objects as the engine's snapshot (this file's own reading)


def _snapshot_of(competition: Competition) -> CompetitionSnapshot:
    return CompetitionSnapshot(
        id=competition.id,
        type=competition.type,
        need_direction=competition.need_direction,
        status=competition.status_at(NOW),
        competition_open=competition.competition_open,
        competition_close=competition.competition_close,
        windows=tuple(
            WindowSpec(
                id=w.id,
                period_id=p.id,
                name=w.name,
                start_date=p.start_date,
                end_date=p.end_date,
                start_time=w.start_time,
                end_time=w.end_time,
                days=frozenset(w.days),
                bank_holidays=w.bank_holidays,
                capacity_required=w.capacity_required,
            )
            for p in competition.service_periods
            for w in p.windows
        ),
        availability_guide_price=competition.availability_guide_price,
        utilisation_guide_price=competition.utilisation_guide_price,
        service_fee_guide_price=competition.service_fee_guide_price,
    )


def _asset_specs(
    competition: Competition,
    fleet: list[tuple[FlexAsset, Decimal | None]],
    planned: tuple[PlannedAsset, ...],
) -> tuple[AssetSpec, ...]:
    exports = EXPORTS[competition.need_direction] == "export"
    specs = [
        AssetSpec(
            id=asset.id,
            kind="flex",
            ref=asset.ref,
            capacity=asset.active_export_capacity if exports else asset.active_import_capacity,
            energy_mwh=energy,
            max_runtime=None if asset.max_runtime is None else parse_max_runtime(asset.max_runtime),
        )
        for asset, energy in fleet
    ]
    direction = EXPORTS[competition.need_direction]
    specs.extend(
        AssetSpec(
            id=p.id,
            kind="planned",
            ref=p.reference,
            capacity=p.capacity_value if p.capacity_type == direction else Decimal("0"),
        )
        for p in planned
    )
    return tuple(specs)


def _previous_from(body: dict[str, Any], market_id: str) -> PreviousBallot:
    return PreviousBallot(
        market_id=market_id,
        flex_ids=frozenset(body["assets"]["flex"]),
        planned_ids=frozenset(body["assets"]["planned"]),
        bids=tuple(
            PreviousBid(
                window_id=b["service_window_id"],
                capacity=Decimal(b["capacity"]),
                rates={r["type"]: Decimal(r["value"]) for r in b["rates"]},
                max_runtime=parse_max_runtime(b["max_runtime"]) if "max_runtime" in b else None,
            )
            for b in body["bids"]
        ),
    )


# --------------------------------------------------------------------------------------------
# The independent check of "never promised twice": every half hour of every day


def _active_slots(window: dict[str, Any]) -> set[datetime]:
    """Half-hour slots (naive GB wall clock) during which a recorded window runs."""
    start_time = time.fromisoformat(window["start_time"])
    end_time = time.fromisoformat(window["end_time"])
    slots: set[datetime] = set()
    day = date.fromisoformat(window["start_date"])
    while day < date.fromisoformat(window["end_date"]):
        if DAYS[day.weekday()] in window["days"]:
            moment = datetime.combine(day, start_time)
            end_day = day + timedelta(days=1) if end_time <= start_time else day
            end = datetime.combine(end_day, end_time)
            while moment < end:
                slots.add(moment)
                moment += SLOT
        day += timedelta(days=1)
    return slots


def _assert_never_promised_twice(
    records: dict[str, dict[str, Any]], fleet: list[tuple[FlexAsset, Decimal | None]]
) -> None:
    """At every slot, an asset's promises across competitions fit the largest capacity among
    the directions those competitions count (the engine nets every commitment against the
    capacity in its own competition's direction, so the last one decided bounds the sum)."""
    capacity = {
        a.id: {"export": a.active_export_capacity, "import": a.active_import_capacity}
        for a, _ in fleet
    }
    load: dict[tuple[str, datetime], Decimal] = defaultdict(Decimal)
    directions: dict[tuple[str, datetime], set[str]] = defaultdict(set)
    for record in records.values():
        direction = EXPORTS[record["competition"]["need_direction"]]
        for bid in record["bids"]:
            slots = _active_slots(bid["window"])
            for share in bid["allocation"]:
                if share["kind"] != "flex":
                    continue  # a Planned Asset belongs to one competition only
                for slot in slots:
                    load[share["asset_id"], slot] += Decimal(share["capacity"])
                    directions[share["asset_id"], slot].add(direction)
    for (asset_id, slot), total in load.items():
        limit = max(capacity[asset_id][d] for d in directions[asset_id, slot])
        assert total <= limit, (asset_id, slot, total, limit)


# --------------------------------------------------------------------------------------------


def _strategy(kind: str, chaos: dict[str, list[WindowOutcome]]) -> Any:
    if kind == "guide-price":
        return GuidePriceStrategy()
    if kind == "fixed-price":
        return FixedPriceStrategy()
    return Chaos(chaos)


def _judge(
    competition: Competition,
    provider_fleet: Fleet,
    decision: Decision,
    active: AssetSet | None,
) -> None:
    assert decision.plan is not None
    body = request_body(decision.plan)
    violations = judge_ballot(competition, provider_fleet, body, NOW, active_assets=active)
    assert violations == [], (body, decision.record)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_emitted_ballot_is_accepted_by_the_referee_and_no_megawatt_is_promised_twice(
    scenario: dict[str, Any],
) -> None:
    fleet = scenario["fleet"]
    provider_fleet = Fleet(
        flex=tuple(a for a, _ in fleet),
        planned=tuple(p for _, planned in scenario["competitions"] for p in planned),
    )
    live: dict[str, dict[str, Any]] = {}  # competition id -> record of its live ballot
    bodies: dict[str, tuple[dict[str, Any], str]] = {}

    for round_number, (kind, strategy_settings, chaos) in enumerate(scenario["rounds"]):
        strategy = _strategy(kind, chaos)
        for competition, planned in scenario["competitions"]:
            active = bodies.get(competition.id)
            commitments: list[Commitment] = [
                c
                for other, record in live.items()
                if other != competition.id
                for c in commitments_from_record(record)
            ]
            snapshot = StrategyInput(
                competition=_snapshot_of(competition),
                assets=_asset_specs(competition, fleet, planned),
                previous=None if active is None else _previous_from(*active),
                commitments=tuple(commitments),
                settings=strategy_settings,
                now=NOW,
            )
            decision = decide(
                strategy,
                snapshot,
                safety_margin=MARGIN,
                allow_overbooking=scenario["overbooking"],
            )
            if not competition.is_open_at(NOW + MARGIN):
                assert decision.refused
            if decision.plan is None:
                assert decision.reasons
                continue
            active_assets = (
                None
                if active is None
                else AssetSet(
                    frozenset(active[0]["assets"]["flex"]),
                    frozenset(active[0]["assets"]["planned"]),
                )
            )
            event(f"judged {kind} {'resubmission' if active else 'first ballot'}")
            if any(b["reductions"] for b in decision.record["bids"]):
                event("a bid was reduced or rounded")
            _judge(competition, provider_fleet, decision, active_assets)
            if decision.should_submit:
                live[competition.id] = decision.record
                bodies[competition.id] = (
                    request_body(decision.plan),
                    f"m-{competition.id}-{round_number}",
                )
            if not scenario["overbooking"]:
                _assert_never_promised_twice(live, fleet)
