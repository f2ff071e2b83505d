"""What the engine hands the daemon: a validated ballot or a refusal.

Both carry the decision record, a JSON-ready dict to store in `Ballot.decision`. A `BallotPlan`
only exists after every rule passed, so the daemon can persist and send it without checking.
The plan carries no wire body: the jobs side builds the POST from it
(`biddaemon.jobs.ballot_body.ballot_request`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal

from biddaemon.bidding.allocation import AssetShare

BidSource = Literal["proposed", "carried"]


@dataclass(frozen=True, slots=True)
class PlannedBid:
    """One validated bid: quantised values, and which assets deliver it."""

    window_id: str
    capacity: Decimal  # 3 places, > 0
    rates: Mapping[str, Decimal]  # rate type -> 2 places, > 0
    max_runtime: timedelta | None  # whole seconds, > 0; None: not sent
    allocations: tuple[AssetShare, ...]
    source: BidSource

    def __post_init__(self) -> None:
        object.__setattr__(self, "rates", MappingProxyType(dict(self.rates)))


@dataclass(frozen=True, slots=True)
class BallotPlan:
    """A full, validated ballot for one competition."""

    competition_id: str
    bids: tuple[PlannedBid, ...]
    flex_asset_ids: tuple[str, ...]  # sorted
    planned_asset_ids: tuple[str, ...]  # sorted
    supersedes: str | None  # market id of the active ballot this replaces
    fingerprint: str
    content_fingerprint: str
    strategy: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The engine's answer for one competition: a plan, or the reasons there is none."""

    competition_id: str
    plan: BallotPlan | None
    reasons: tuple[str, ...]  # why no ballot; empty when there is a plan
    unchanged: bool  # the plan equals the active ballot: nothing to send
    record: dict[str, Any]

    @property
    def refused(self) -> bool:
        return self.plan is None

    @property
    def should_submit(self) -> bool:
        return self.plan is not None and not self.unchanged
