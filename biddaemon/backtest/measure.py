"""The table's figures for one strategy, read back from the database its daemon wrote.

Only decided competitions count (the DSO published its results before the run ended): a ballot
still waiting for its results has neither won nor lost yet. The figures come from the ballots
that were on the market when the DSO decided (the newest sent ballot of each competition) and the
outcomes the results job recorded; value is the demo's (`biddaemon.demo.bid_value`: availability
over every window hour of the service period, plus any service fee; utilisation pays only when
dispatched, which the sandbox does not simulate).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from biddaemon.demo import SENT, accepted_bids, bid_value
from biddaemon.store.models import (
    Ballot,
    BidOutcome,
    OutcomeStatus,
)

ZERO_MW = Decimal("0.000")
ZERO_GBP = Decimal("0.00")


@dataclass(frozen=True)
class Measured:
    """What one strategy did on the decided competitions."""

    competitions_bid: int
    windows_bid: int
    mw_offered: Decimal
    mw_accepted: Decimal
    accepted_value: Decimal

    @property
    def acceptance_rate(self) -> Decimal | None:
        """Accepted MW over offered MW; None when nothing was offered."""
        if self.mw_offered == 0:
            return None
        return (self.mw_accepted / self.mw_offered).quantize(Decimal("0.001"))


def accepted_value(session: Session) -> Decimal:
    """The value of every accepted bid recorded so far, in GBP."""
    total = sum((bid_value(*row) for row in accepted_bids(session)), ZERO_GBP)
    return total.quantize(Decimal("0.01"))


def measure(session: Session) -> Measured:
    """The figures of the table for the database behind `session`."""
    decided = set(session.scalars(select(BidOutcome.competition_id).distinct()))
    newest: dict[str, Ballot] = {}
    for ballot in session.scalars(select(Ballot).where(Ballot.state.in_(SENT)).order_by(Ballot.id)):
        if ballot.competition_id in decided:
            newest[ballot.competition_id] = ballot  # a later ballot supersedes an earlier one
    offered = [bid for ballot in newest.values() for bid in ballot.bids]
    accepted = session.scalars(
        select(BidOutcome.capacity).where(BidOutcome.status == OutcomeStatus.ACCEPTED)
    )
    return Measured(
        competitions_bid=sum(1 for ballot in newest.values() if ballot.bids),
        windows_bid=len({bid.service_window_id for bid in offered}),
        mw_offered=sum((bid.capacity for bid in offered), ZERO_MW),
        mw_accepted=sum(accepted, ZERO_MW),
        accepted_value=accepted_value(session),
    )
