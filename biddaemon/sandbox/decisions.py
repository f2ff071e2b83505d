"""How a simulated DSO decides a closed competition: cheapest first, within need and budget.

For each service window the DSO ranks every offer (the provider's bids of its active ballot and
the rival offers generated with the competition) by the rate that matters for the competition
type, cheapest first; availability & utilisation competitions rank by availability, then
utilisation. An offer is accepted whole if each of its rates is within the budget (the guide
price times the competition's budget factor) and it fits in what remains of the window's
`capacity_required`; otherwise it is rejected with the reason. Rivals win exact ties, as they
were there first. Everything here is a pure function of the competition and the ballot, so a
seed fixes the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from biddaemon.sandbox.model import (
    RATE_TYPES,
    Ballot,
    BidResult,
    Competition,
    Rate,
    RateType,
)

OVER_BUDGET: Final = "Price above the SO's budget for this window"
NEED_MET: Final = "The window's need was met by cheaper offers"
CANCELLED: Final = "Competition cancelled by the system operator"


@dataclass(frozen=True)
class _Candidate:
    rank: tuple[Decimal, ...]
    rival: bool
    order: int
    capacity: Decimal
    rates: tuple[Rate, ...]
    bid_id: str | None  # None for a rival offer

    def sort_key(self) -> tuple[tuple[Decimal, ...], int, int]:
        return (self.rank, 0 if self.rival else 1, self.order)


def _rank(competition: Competition, rates: Sequence[Rate]) -> tuple[Decimal, ...]:
    by_type = {r.type: r.value for r in rates}
    return tuple(by_type[t] for t in RATE_TYPES[competition.type])


def budget(competition: Competition, rate_type: RateType) -> Decimal | None:
    """The most the DSO pays per unit for `rate_type`, or None when it gave no guide price."""
    guide = competition.guide_price(rate_type)
    return None if guide is None else guide * competition.budget_factor


def _within_budget(competition: Competition, rates: Sequence[Rate]) -> bool:
    limits = [(rate.value, budget(competition, rate.type)) for rate in rates]
    return all(limit is None or value <= limit for value, limit in limits)


def decide(competition: Competition, ballot: Ballot | None) -> tuple[BidResult, ...]:
    """The result of each bid of the provider's active `ballot`, in the ballot's bid order."""
    if ballot is None:
        return ()
    if competition.cancelled:
        return tuple(
            BidResult(b.id, ballot.id, b.service_window_id, "rejected", b.capacity, CANCELLED)
            for b in ballot.bids
        )
    outcome: dict[str, tuple[bool, str | None]] = {}
    for window in competition.windows():
        candidates = [
            _Candidate(_rank(competition, o.rates), True, i, o.capacity, o.rates, None)
            for i, o in enumerate(competition.rival_offers)
            if o.service_window_id == window.id
        ] + [
            _Candidate(_rank(competition, b.rates), False, i, b.capacity, b.rates, b.id)
            for i, b in enumerate(ballot.bids)
            if b.service_window_id == window.id
        ]
        remaining = window.capacity_required
        for candidate in sorted(candidates, key=_Candidate.sort_key):
            if not _within_budget(competition, candidate.rates):
                verdict: tuple[bool, str | None] = (False, OVER_BUDGET)
            elif candidate.capacity > remaining:
                verdict = (False, NEED_MET)
            else:
                remaining -= candidate.capacity
                verdict = (True, None)
            if candidate.bid_id is not None:
                outcome[candidate.bid_id] = verdict
    return tuple(
        BidResult(
            bid_id=bid.id,
            ballot_id=ballot.id,
            service_window_id=bid.service_window_id,
            status="accepted" if outcome[bid.id][0] else "rejected",
            capacity=bid.capacity,
            rejection_reason=outcome[bid.id][1],
        )
        for bid in ballot.bids
    )
