"""What a DSO's decision binds the provider to: each accepted bid becomes an obligation.

Apart from `market.py`, which owns the state: this is the one rule that turns a decided ballot
into contracts, for the window's times over its service period.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from biddaemon.sandbox.model import Ballot, BidResult, Competition, Obligation


def obligations(
    competition: Competition,
    ballot: Ballot,
    results: Iterable[BidResult],
    new_id: Callable[[], str],
) -> list[Obligation]:
    """One obligation per accepted bid of `ballot`, in the order of `results`."""
    bids = {b.id: b for b in ballot.bids}
    found = []
    for result in results:
        if result.status != "accepted":
            continue
        bid = bids[result.bid_id]
        period = competition.period_of(bid.service_window_id)
        window = competition.window(bid.service_window_id)
        # The referee only lets bids for the competition's own windows through.
        assert period is not None
        assert window is not None
        found.append(
            Obligation(
                id=new_id(),
                competition_id=competition.id,
                ballot_id=ballot.id,
                bid_id=bid.id,
                service_window_id=window.id,
                capacity=bid.capacity,
                rates=bid.rates,
                start_date=period.start_date,
                end_date=period.end_date,
                start_time=window.start_time,
                end_time=window.end_time,
                days=window.days,
                bank_holidays=window.bank_holidays,
            )
        )
    return found
