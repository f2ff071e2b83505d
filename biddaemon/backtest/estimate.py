"""Re-decide the competitions a database recorded with another strategy: an estimate, not a result.

A live database holds what the market showed us (each competition as the market described it,
`competitions.raw`, and which assets qualified with how much capacity, the opportunity
observations) and what the DSO decided about our bids. Another strategy can be asked what it
would have bid on the same facts, through the real engine (so its ballots are the ones it would
have sent), but nobody can say what the DSO would have decided about bids it never saw. So the
answer is an **expected** value: each bid's value (availability over every hour of its window in
the service period, plus any service fee, as the backtest's table counts it) times the
probability that a bid at that price is accepted, from the acceptance model learned on the same
database. The recorded ballots are priced the same way, so the two figures compare like with
like; their realised value is shown beside them.

Simplifications, said where the numbers are printed: each competition is decided on its own
(the capacity overlapping competitions would share is not re-allocated), from the last
observation before its close, with the observed qualifying capacity spread evenly over the
observed assets (the market reports the total, not each asset's share).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from biddaemon.bidding.engine import decide
from biddaemon.bidding.plan import PlannedBid
from biddaemon.bidding.value import accepted_value, window_hours
from biddaemon.demo import SENT
from biddaemon.jobs.market_snapshot import competition_snapshot
from biddaemon.markets.piclo.models import Competition as WireCompetition
from biddaemon.settings import StrategySettings
from biddaemon.store.acceptance import recorded_outcomes
from biddaemon.store.models import Ballot, Bid, Competition, OpportunityObservation
from biddaemon.strategy.acceptance import AcceptanceModel, price_ratio
from biddaemon.strategy.base import Strategy
from biddaemon.strategy.snapshot import (
    RATE_TYPES,
    AssetKind,
    AssetSpec,
    CompetitionSnapshot,
    StrategyInput,
    WindowSpec,
)

Probability = Callable[[str, CompetitionSnapshot, Mapping[str, Decimal]], Decimal]
"""P(accepted) of a bid at `rates` in a competition of `operator`."""

MW: Final = Decimal("0.001")
PENNY: Final = Decimal("0.01")


def model_probability(model: AcceptanceModel) -> Probability:
    """The acceptance model's P(accepted) at the bid's price over the guide price (0 when the
    ratio cannot be worked out: no guide price for the ranking rate)."""

    def probability(
        operator: str, competition: CompetitionSnapshot, rates: Mapping[str, Decimal]
    ) -> Decimal:
        guides: dict[str, Decimal | None] = {t: competition.guide_price(t) for t in RATE_TYPES}
        ratio = price_ratio(competition.type, rates, guides)
        if ratio is None:
            return Decimal(0)
        return model.probability(operator, competition.type, ratio)

    return probability


def learned_model(session: Session) -> AcceptanceModel:
    """The acceptance model learned from every real outcome the database recorded."""
    return AcceptanceModel.learn(recorded_outcomes(session))


@dataclass(frozen=True)
class RecordedCompetition:
    operator: str
    snapshot: StrategyInput


@dataclass(frozen=True)
class Estimate:
    """What one strategy would have bid on the recorded competitions, and its expected value."""

    strategy: str
    competitions_bid: int
    windows_bid: int
    mw_offered: Decimal
    expected_mw_accepted: Decimal
    expected_value: Decimal


def recorded_competitions(
    session: Session, settings: StrategySettings
) -> list[RecordedCompetition]:
    """Every recorded competition that closed while the daemon watched (before its latest
    observation), as a strategy would have seen it at its last observation before the close
    (see the module docstring)."""
    watched = session.scalar(select(func.max(OpportunityObservation.observed_at)))
    found = []
    for row in session.scalars(select(Competition).order_by(Competition.id)):
        try:
            wire = WireCompetition.model_validate(row.raw)
        except ValueError:
            continue  # the market's data could not be read then either: nothing to re-decide
        if watched is None or wire.competition_close > watched:
            continue  # still open when the record ends: not over yet
        observation = session.scalars(
            select(OpportunityObservation)
            .where(
                OpportunityObservation.competition_id == row.id,
                OpportunityObservation.observed_at < wire.competition_close,
                OpportunityObservation.total_capacity.is_not(None),
            )
            .order_by(OpportunityObservation.observed_at.desc(), OpportunityObservation.id.desc())
            .limit(1)
        ).first()
        if observation is None or observation.total_capacity is None:
            continue
        assets = _assets(observation, observation.total_capacity)
        if not assets:
            continue
        snapshot = StrategyInput(
            # as it was when observed: open (the stored payload is the market's latest word)
            competition=replace(competition_snapshot(wire), status="open"),
            assets=assets,
            previous=None,
            commitments=(),
            settings=settings,
            now=observation.observed_at,
        )
        found.append(RecordedCompetition(wire.operator_name or "", snapshot))
    return found


def _assets(observation: OpportunityObservation, total: Decimal) -> tuple[AssetSpec, ...]:
    keys: list[tuple[AssetKind, str]] = [("flex", i) for i in sorted(observation.flex_asset_ids)]
    keys += [("planned", i) for i in sorted(observation.planned_asset_ids)]
    if not keys or total <= 0:
        return ()
    share = (total / len(keys)).quantize(MW)
    return tuple(
        AssetSpec(id=asset_id, kind=kind, ref=asset_id, capacity=share) for kind, asset_id in keys
    )


def bid_value(window: WindowSpec, rates: Mapping[str, Decimal]) -> Decimal:
    """GBP per MW if accepted: availability over the window's hours, plus any service fee."""
    hours = window_hours(
        window.start_time, window.end_time, window.days, window.start_date, window.end_date
    )
    return accepted_value(Decimal(1), rates.get("availability"), rates.get("service_fee"), hours)


def estimate(
    strategy: Strategy,
    recorded: Sequence[RecordedCompetition],
    probability: Probability,
    *,
    safety_margin: timedelta,
    label: str,
) -> Estimate:
    """`strategy` (shown as `label`) on every recorded competition through the engine, priced
    by `probability`."""
    competitions = windows = 0
    offered = expected_mw = Decimal("0.000")
    value = Decimal(0)
    for item in recorded:
        decision = decide(
            strategy, item.snapshot, safety_margin=safety_margin, allow_overbooking=False
        )
        if decision.plan is None or not decision.plan.bids:
            continue
        competitions += 1
        windows += len({b.window_id for b in decision.plan.bids})
        for bid in decision.plan.bids:
            p, worth = _priced(item, bid, probability)
            offered += bid.capacity
            expected_mw += bid.capacity * p
            value += bid.capacity * worth * p
    return Estimate(
        strategy=label,
        competitions_bid=competitions,
        windows_bid=windows,
        mw_offered=offered,
        expected_mw_accepted=expected_mw.quantize(MW),
        expected_value=value.quantize(PENNY),
    )


def _priced(
    item: RecordedCompetition, bid: PlannedBid, probability: Probability
) -> tuple[Decimal, Decimal]:
    competition = item.snapshot.competition
    window = competition.window(bid.window_id)
    assert window is not None  # the engine only plans the competition's own windows
    return probability(item.operator, competition, bid.rates), bid_value(window, bid.rates)


def recorded_estimate(
    session: Session, recorded: Sequence[RecordedCompetition], probability: Probability
) -> Estimate:
    """The ballots the database's own strategy sent last in each recorded competition, priced
    by the same model: the like-for-like figure to compare an estimate with."""
    by_id = {r.snapshot.competition.id: r for r in recorded}
    newest: dict[str, Ballot] = {}
    for ballot in session.scalars(select(Ballot).where(Ballot.state.in_(SENT)).order_by(Ballot.id)):
        if ballot.competition_id in by_id:
            newest[ballot.competition_id] = ballot
    windows = 0
    offered = expected_mw = Decimal("0.000")
    value = Decimal(0)
    names = set()
    for competition_id, ballot in newest.items():
        item = by_id[competition_id]
        names.add(ballot.strategy)
        windows += len({b.service_window_id for b in ballot.bids})
        for bid in ballot.bids:
            window = item.snapshot.competition.window(bid.service_window_id)
            if window is None:
                continue  # the window was removed after we bid: nothing to price
            rates = stored_rates(bid)
            p = probability(item.operator, item.snapshot.competition, rates)
            offered += bid.capacity
            expected_mw += bid.capacity * p
            value += bid.capacity * bid_value(window, rates) * p
    return Estimate(
        strategy="recorded (" + (", ".join(sorted(names)) or "none") + ")",
        competitions_bid=sum(1 for b in newest.values() if b.bids),
        windows_bid=windows,
        mw_offered=offered,
        expected_mw_accepted=expected_mw.quantize(MW),
        expected_value=value.quantize(PENNY),
    )


def stored_rates(bid: Bid) -> dict[str, Decimal]:
    rates = {
        "availability": bid.availability_rate,
        "utilisation": bid.utilisation_rate,
        "service_fee": bid.service_fee_rate,
    }
    return {name: value for name, value in rates.items() if value is not None}
