"""Builders for engine and strategy tests: a small competition, a fleet, a snapshot, a scripted
strategy. Defaults describe one open availability & utilisation competition closing in a day."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from biddaemon.bidding import Decision, decide
from biddaemon.settings import StrategySettings
from biddaemon.strategy.base import Proposal, ProposedBid, Skip, WindowOutcome
from biddaemon.strategy.snapshot import (
    AssetKind,
    AssetSpec,
    Commitment,
    CompetitionSnapshot,
    PreviousBallot,
    PreviousBid,
    Schedule,
    StrategyInput,
    WindowSpec,
)

NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)
MARGIN = timedelta(minutes=15)
WEEKDAYS = frozenset({"mon", "tue", "wed", "thu", "fri"})


def D(text: str) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(text)


def window(
    id: str = "w1",
    *,
    capacity_required: str = "2.000",
    start_date: date = date(2027, 11, 1),
    end_date: date = date(2028, 3, 1),
    start_time: time = time(16, 0),
    end_time: time = time(19, 0),
    days: Iterable[str] = WEEKDAYS,
    period_id: str = "p1",
) -> WindowSpec:
    return WindowSpec(
        id=id,
        period_id=period_id,
        name=f"window {id}",
        start_date=start_date,
        end_date=end_date,
        start_time=start_time,
        end_time=end_time,
        days=frozenset(days),
        bank_holidays="excluded",
        capacity_required=D(capacity_required),
    )


def competition(
    id: str = "c1",
    *,
    type: str = "availability_utilisation",
    windows: Sequence[WindowSpec] | None = None,
    status: str = "open",
    close: datetime = NOW + timedelta(days=1),
    open: datetime = NOW - timedelta(days=5),
    availability: str | None = "15.00",
    utilisation: str | None = "300.00",
    service_fee: str | None = None,
    need_direction: str = "deficit",
) -> CompetitionSnapshot:
    return CompetitionSnapshot(
        id=id,
        type=type,
        need_direction=need_direction,
        status=status,
        competition_open=open,
        competition_close=close,
        windows=tuple(windows if windows is not None else [window()]),
        availability_guide_price=None if availability is None else D(availability),
        utilisation_guide_price=None if utilisation is None else D(utilisation),
        service_fee_guide_price=None if service_fee is None else D(service_fee),
    )


def asset(
    id: str = "a1",
    capacity: str = "5.000",
    *,
    kind: AssetKind = "flex",
    energy_mwh: str | None = None,
    max_runtime: timedelta | None = None,
) -> AssetSpec:
    return AssetSpec(
        id=id,
        kind=kind,
        ref=f"ref-{id}",
        capacity=D(capacity),
        energy_mwh=None if energy_mwh is None else D(energy_mwh),
        max_runtime=max_runtime,
    )


def previous_ballot(
    market_id: str = "b-prev",
    *,
    flex: Iterable[str] = ("a1",),
    planned: Iterable[str] = (),
    bids: Sequence[PreviousBid] = (),
) -> PreviousBallot:
    return PreviousBallot(market_id, frozenset(flex), frozenset(planned), tuple(bids))


def previous_bid(
    window_id: str = "w1",
    capacity: str = "1.000",
    *,
    availability: str = "14.00",
    utilisation: str = "280.00",
    max_runtime: timedelta | None = timedelta(hours=2),
) -> PreviousBid:
    return PreviousBid(
        window_id=window_id,
        capacity=D(capacity),
        rates={"availability": D(availability), "utilisation": D(utilisation)},
        max_runtime=max_runtime,
        market_bid_id=f"bid-{window_id}",
    )


def commitment(
    asset_id: str = "a1",
    capacity: str = "1.000",
    *,
    competition_id: str = "other",
    schedule: Schedule | None = None,
    kind: AssetKind = "flex",
) -> Commitment:
    return Commitment(
        asset_id=asset_id,
        competition_id=competition_id,
        window_id=f"{competition_id}-w",
        schedule=schedule if schedule is not None else window().schedule,
        capacity=D(capacity),
        kind=kind,
    )


def snapshot(
    competition_: CompetitionSnapshot | None = None,
    assets: Sequence[AssetSpec] | None = None,
    *,
    previous: PreviousBallot | None = None,
    commitments: Sequence[Commitment] = (),
    settings: StrategySettings | None = None,
    now: datetime = NOW,
) -> StrategyInput:
    return StrategyInput(
        competition=competition_ if competition_ is not None else competition(),
        assets=tuple(assets if assets is not None else [asset()]),
        previous=previous,
        commitments=tuple(commitments),
        settings=settings if settings is not None else StrategySettings(),
        now=now,
    )


def bid(
    capacity: str | Decimal = "1.000",
    *,
    availability: str | Decimal | None = "10.00",
    utilisation: str | Decimal | None = "200.00",
    service_fee: str | Decimal | None = None,
    max_runtime: Any = timedelta(hours=2),
) -> ProposedBid:
    rates: dict[str, Any] = {}
    for kind, value in (
        ("availability", availability),
        ("utilisation", utilisation),
        ("service_fee", service_fee),
    ):
        if value is not None:
            rates[kind] = D(value) if isinstance(value, str) else value
    return ProposedBid(
        capacity=D(capacity) if isinstance(capacity, str) else capacity,
        rates=rates,
        max_runtime=max_runtime,
    )


@dataclass
class Scripted:
    """A strategy that answers with what the test gives it, and remembers what it was shown."""

    outcomes: Sequence[Any] = ()
    name: str = "scripted"
    seen: list[StrategyInput] = field(default_factory=list)

    def propose(self, snapshot: StrategyInput) -> Sequence[WindowOutcome]:
        self.seen.append(snapshot)
        return list(self.outcomes)


def propose(*bids: ProposedBid, window_id: str = "w1") -> Proposal:
    return Proposal(window_id, tuple(bids))


def skip(window_id: str = "w1", reason: str = "not today", *, withdraw: bool = False) -> Skip:
    return Skip(window_id, reason, withdraw)


def run(
    outcomes: Sequence[Any],
    snapshot_: StrategyInput | None = None,
    *,
    margin: timedelta = MARGIN,
    allow_overbooking: bool = False,
) -> Decision:
    return decide(
        Scripted(outcomes),
        snapshot_ if snapshot_ is not None else snapshot(),
        safety_margin=margin,
        allow_overbooking=allow_overbooking,
    )
