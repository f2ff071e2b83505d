"""From one cycle's inputs to the linear programme: which windows, assets, prices and odds.

A competition is planned when the engine would consider it (open, closing after the safety
margin, a known type with a guide price for every rate it needs); the others are left to
guide-price, which the engine refuses or bids as before. For each planned competition:

- slots: its windows with a positive `capacity_required` (the need: our bids' total);
- levels: one per `portfolio_price_levels` fraction, every rate at that fraction of its guide
  price (at least the rate's floor, quantised to pence as the engine does), worth
  `value.value_per_mw` per MW if accepted, with P(accepted) from the acceptance model for the
  competition's operator and type at the ranking rate's ratio;
- eligibility: the assets the engine would include in its ballot (the active ballot's set on a
  resubmission, else every asset with capacity in the need direction, without those the
  inventory has in maintenance or archived), each up to its capacity times the derating factor.

The capacity constraint is the exact one (`rule="instant"`): per instant on the GB wall clock. The
engine's own check is stricter (it sums every overlapping holding, whether or not they overlap each
other) and allocates assets largest first, so it trims some planned bids (about one in eight in a
demo run); planning with the engine's rule instead (`rule="engine"`, pooled) is stricter still than
what the engine ends up allowing, and earned less: in the same 10-day demo market (seed 1), GBP 247
k of accepted value with the exact rule against 218 k with the engine's (measured before the
objective became exactly the accepted value). Slots are numbered in decision order (competitions as
given, then their windows) for the engine rule.

Frozen: what the cycle's competitions must respect and that no planned competition holds (the
ballots of competitions closed or inside the margin, accepted bids, ballots of competitions not
listed), once each. Asset ids become "kind:id" (flex and planned ids are separate spaces).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from biddaemon.strategy.acceptance import AcceptanceModel, price_ratio
from biddaemon.strategy.base import CycleInputs
from biddaemon.strategy.guide_price import floor_for
from biddaemon.strategy.portfolio.problem import Eligibility, Level, Problem, Slot
from biddaemon.strategy.portfolio.value import value_per_mw, window_hours
from biddaemon.strategy.sizing import bidding_assets
from biddaemon.strategy.snapshot import AssetSpec, Commitment, StrategyInput

_PENNY = Decimal("0.01")


def asset_ref(kind: str, asset_id: str) -> str:
    return f"{kind}:{asset_id}"


def plannable(snapshot: StrategyInput, margin: timedelta) -> bool:
    competition = snapshot.competition
    required = competition.required_rates
    return (
        competition.status == "open"
        and competition.competition_open <= snapshot.now < competition.competition_close
        and competition.competition_close > snapshot.now + margin
        and required is not None
        and all(competition.guide_price(rate) is not None for rate in required)
    )


def offered_assets(snapshot: StrategyInput) -> tuple[AssetSpec, ...]:
    """The assets the engine includes that can offer something (`sizing.bidding_assets`)."""
    return tuple(a for a in bidding_assets(snapshot) if a.capacity > 0 and not a.offers_nothing)


@dataclass(frozen=True, slots=True)
class LevelPrice:
    fraction: Decimal
    rates: dict[str, Decimal]
    ratio: Decimal | None
    probability: Decimal


def level_prices(snapshot: StrategyInput, acceptance: AcceptanceModel) -> list[LevelPrice]:
    """The price levels of a plannable competition, cheapest first."""
    competition = snapshot.competition
    settings = snapshot.settings
    required = competition.required_rates or ()
    guides: dict[str, Decimal | None] = {r: competition.guide_price(r) for r in required}
    levels = []
    for fraction in settings.price_levels:
        rates: dict[str, Decimal] = {}
        for rate in required:
            guide = guides[rate]
            assert guide is not None  # plannable
            price = max(guide * fraction, floor_for(settings, rate))
            rates[rate] = price.quantize(_PENNY, rounding=ROUND_HALF_UP)
        ratio = price_ratio(competition.type, rates, guides)
        probability = (
            acceptance.probability(competition.operator, competition.type, ratio)
            if ratio is not None
            else Decimal(0)
        )
        levels.append(LevelPrice(fraction, rates, ratio, probability))
    return levels


def build_problem(cycle: CycleInputs) -> tuple[Problem, dict[str, list[LevelPrice]]]:
    """The programme for `cycle`, and the price levels of each planned competition."""
    slots: list[Slot] = []
    levels: list[Level] = []
    eligibility: list[Eligibility] = []
    capacity: dict[str, Decimal] = {}
    prices: dict[str, list[LevelPrice]] = {}
    planned = [s for s in cycle.competitions if plannable(s, cycle.safety_margin)]
    for snapshot in planned:
        competition = snapshot.competition
        if competition.id in prices:
            continue  # listed twice: planned once
        derating = snapshot.settings.derating_factor
        assets = offered_assets(snapshot)
        offers = prices[competition.id] = level_prices(snapshot, cycle.acceptance)
        for asset in assets:
            ref = asset_ref(asset.kind, asset.id)
            capacity[ref] = max(capacity.get(ref, Decimal(0)), asset.capacity * derating)
        for window in competition.windows:
            if window.capacity_required <= 0 or not assets:
                continue
            hours = window_hours(window.schedule)
            need = window.capacity_required
            slots.append(Slot(competition.id, window.id, window.schedule, hours, need, len(slots)))
            for number, offer in enumerate(offers):
                levels.append(
                    Level(
                        competition.id,
                        window.id,
                        number,
                        offer.rates,
                        value_per_mw(offer.rates, hours),
                        offer.probability,
                    )
                )
            eligibility.extend(
                Eligibility(
                    asset_ref(a.kind, a.id), competition.id, window.id, a.capacity * derating
                )
                for a in assets
            )
    frozen = _frozen(cycle.competitions, set(prices), capacity)
    problem = Problem(
        tuple(slots), tuple(levels), tuple(eligibility), capacity, frozen, rule="instant"
    )
    return problem, prices


def _frozen(
    inputs: tuple[StrategyInput, ...], planned: set[str], capacity: dict[str, Decimal]
) -> tuple[Commitment, ...]:
    """Each unplanned holder's commitments, taken from the first input that respects it (every
    input that respects a holder sees all of its commitments, so none is counted twice)."""
    taken: dict[str, list[Commitment]] = {}
    for snapshot in inputs:
        found: dict[str, list[Commitment]] = {}
        for commitment in snapshot.commitments:
            holder = commitment.competition_id
            if holder in planned or holder in taken:
                continue
            ref = asset_ref(commitment.kind, commitment.asset_id)
            if ref in capacity:
                found.setdefault(holder, []).append(replace(commitment, asset_id=ref))
        taken.update(found)
    return tuple(c for holder in sorted(taken) for c in taken[holder])
