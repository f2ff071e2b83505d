"""Turning a strategy's proposals into a ballot the market accepts and the fleet can deliver.

decision = decide(strategy, snapshot, safety_margin=..., allow_overbooking=...)
if decision.should_submit:
    persist(decision.plan)                # then POST: biddaemon.jobs.ballot_body.ballot_request
render_decision(decision.record)          # the explanation, either way
"""

from biddaemon.bidding.allocation import AssetShare, Holdings
from biddaemon.bidding.engine import decide
from biddaemon.bidding.explain import render_decision
from biddaemon.bidding.overlap import schedules_overlap
from biddaemon.bidding.plan import BallotPlan, Decision, PlannedBid
from biddaemon.bidding.record import commitments_from_record

__all__ = [
    "AssetShare",
    "BallotPlan",
    "Decision",
    "Holdings",
    "PlannedBid",
    "commitments_from_record",
    "decide",
    "render_decision",
    "schedules_overlap",
]
