"""One window's bids, proposed or carried, quantised and checked against the market's rules.

A split bid is one offer: any problem with any of its bids rejects them all, with every problem
named, so the decision record says exactly why a window was not bid. Values that only need
rounding are rounded (down, for capacity) and the rounding is recorded as an adjustment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from functools import lru_cache

from biddaemon.bidding import rules
from biddaemon.bidding.plan import BidSource
from biddaemon.strategy.base import ProposedBid
from biddaemon.strategy.snapshot import PreviousBid, WindowSpec

ZERO = Decimal("0.000")


@dataclass(slots=True)
class Candidate:
    """A bid that passed the rules, before allocation."""

    capacity: Decimal
    rates: dict[str, Decimal]
    max_runtime: timedelta | None
    source: BidSource
    proposed_capacity: object
    proposed_rates: Mapping[str, object]
    basis: Mapping[str, object]
    adjustments: list[str] = field(default_factory=list)


@lru_cache(maxsize=4096)
def _runtime_problem(runtime: timedelta) -> str | None:
    """`rules.runtime_well_formed`, once per runtime: every window of a fleet shares one."""
    return rules.runtime_well_formed(runtime)


def validate_window(
    window: WindowSpec,
    bids: Sequence[ProposedBid | PreviousBid] | object,
    required: tuple[str, ...],
    included_capacity: Decimal,
    source: BidSource,
) -> tuple[list[Candidate], list[str]]:
    """Quantise and check one window's bids; any problem rejects them all (a split bid is one
    offer)."""
    if not isinstance(bids, tuple | list) or not bids:
        return [], ["a proposal needs at least one bid"]
    candidates: list[Candidate] = []
    problems: list[str] = []
    for number, bid in enumerate(bids, start=1):
        label = f"bid {number}" if len(bids) > 1 else "bid"
        expected = ProposedBid if source == "proposed" else PreviousBid
        if not isinstance(bid, expected):
            problems.append(f"{label}: a {type(bid).__name__} is not a {expected.__name__}")
            continue
        candidate, bid_problems = validate_bid(bid, required, source)
        problems.extend(f"{label}: {p}" for p in bid_problems)
        if candidate is not None:
            candidates.append(candidate)
    if problems:
        return [], problems
    total = sum((c.capacity for c in candidates), ZERO)
    for problem in (
        rules.within_capacity_required(window, total),
        rules.within_asset_capacity(window, total, included_capacity),
    ):
        if problem is not None:
            problems.append(problem)
    return ([], problems) if problems else (candidates, [])


def validate_bid(
    bid: ProposedBid | PreviousBid, required: tuple[str, ...], source: BidSource
) -> tuple[Candidate | None, list[str]]:
    problems: list[str] = []
    adjustments: list[str] = []

    capacity: Decimal | None = None
    problem = rules.is_decimal(bid.capacity, "capacity")
    if problem is None:
        problem = rules.capacity_positive(bid.capacity)
    if problem is None:
        capacity = rules.quantise_capacity(bid.capacity)
        if capacity != bid.capacity:
            adjustments.append(f"capacity rounded down from {bid.capacity} to {capacity} MW")
    else:
        problems.append(problem)

    rates: dict[str, Decimal] = {}
    problem = (
        rules.exact_rate_types(bid.rates, required)
        if isinstance(bid.rates, Mapping)
        else "rates must be a mapping of rate type to Decimal"
    )
    if problem is not None:
        problems.append(problem)
    else:
        for rate_type in required:
            value = bid.rates[rate_type]
            problem = rules.is_decimal(value, f"{rate_type} rate")
            if problem is None:
                problem = rules.price_positive(rate_type, value)
            if problem is not None:
                problems.append(problem)
                continue
            rates[rate_type] = rules.quantise_price(value)
            if rates[rate_type] != value:
                adjustments.append(f"{rate_type} rate rounded from {value} to {rates[rate_type]}")

    runtime = bid.max_runtime
    if type(runtime) is timedelta:
        problem = _runtime_problem(runtime)
    else:
        problem = rules.runtime_well_formed(runtime)
    if problem is not None:
        problems.append(problem)
    elif runtime is not None:
        whole = rules.quantise_runtime(runtime)
        if whole != runtime:
            adjustments.append(f"max_runtime truncated from {runtime} to {whole}")
        runtime = whole

    if problems or capacity is None:
        return None, problems
    basis = bid.basis if isinstance(bid, ProposedBid) else {"carried_from_bid": bid.market_bid_id}
    return (
        Candidate(
            capacity=capacity,
            rates=rates,
            max_runtime=runtime,
            source=source,
            proposed_capacity=bid.capacity,
            proposed_rates=bid.rates,
            basis=basis if isinstance(basis, Mapping) else {},
            adjustments=adjustments,
        ),
        [],
    )
