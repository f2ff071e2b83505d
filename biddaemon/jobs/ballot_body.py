"""The POST body of a planned ballot: the engine plans, the market's client speaks Piclo.

`bidding/` knows nothing of the wire; this is the one place a `BallotPlan` becomes a Piclo
`BallotRequest` (`assets` always explicit, so the asset set is pinned for every later
resubmission; rates in the market's order). The wire model renders the exact strings (capacity
3 places rounded down, prices 2 places, runtimes `[D]THH:MM:SS`) the fingerprint also uses.
"""

from __future__ import annotations

from typing import Any

from biddaemon.bidding import BallotPlan, PlannedBid
from biddaemon.markets.piclo import models
from biddaemon.strategy.snapshot import RATE_TYPES


def bid_request(bid: PlannedBid) -> models.BidRequest:
    ordered = sorted(bid.rates.items(), key=lambda item: RATE_TYPES.index(item[0]))
    return models.BidRequest(
        service_window_id=bid.window_id,
        capacity=bid.capacity,
        max_runtime=bid.max_runtime,
        rates=tuple(
            models.Rate(type=models.RateType(kind), value=value) for kind, value in ordered
        ),
    )


def ballot_request(plan: BallotPlan) -> models.BallotRequest:
    """The `POST /bids/v1/competitions/{id}/ballots/` request for `plan`."""
    return models.BallotRequest(
        competition_id=plan.competition_id,
        bids=tuple(bid_request(bid) for bid in plan.bids),
        assets=models.AssetSelection(flex=plan.flex_asset_ids, planned=plan.planned_asset_ids),
    )


def request_body(plan: BallotPlan) -> dict[str, Any]:
    """`ballot_request(plan)` as the JSON document stored with the ballot and sent."""
    return ballot_request(plan).to_wire()


def max_runtime_text(bid: PlannedBid) -> str | None:
    """The bid's runtime as sent (`[D]THH:MM:SS`), or None when it is not sent."""
    return None if bid.max_runtime is None else models.format_max_runtime(bid.max_runtime)
