"""Dry run is the same code (principle 9) with a client whose writes are recorded, not sent.

Reads go to the market as usual, so a rehearsal sees the real competitions; a ballot "sent" in a
dry run gets a synthetic id (`dryrun-...`) and is remembered in memory so that reconciliation
and listing behave as they would live. Every row written in a dry run carries `dry_run=True`.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from biddaemon.clock import utcnow
from biddaemon.errors import OperatorActionRequired
from biddaemon.logs import get_logger
from biddaemon.markets.piclo import (
    Ballot,
    BallotRequest,
    FlexAsset,
    FlexAssetCreate,
    FlexAssetUpdate,
    PicloClient,
    PlannedAsset,
    PlannedAssetCreate,
    PlannedAssetUpdate,
    parse_wire,
)

log = get_logger(__name__)


class DryRunPicloClient(PicloClient):
    """A PicloClient that reads from the market and records its writes instead of sending them."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.Lock()
        self._ballots: dict[str, list[Ballot]] = {}

    def submit_ballot(self, competition_id: str, ballot: BallotRequest) -> Ballot:
        body = ballot.to_wire()
        digest = hashlib.sha256(repr(sorted(body.items())).encode()).hexdigest()[:10]
        with self._lock:
            sequence = len(self._ballots.get(competition_id, [])) + 1
            stored = parse_wire(
                Ballot,
                {
                    "id": f"dryrun-{digest}-{sequence}",
                    "competition_id": competition_id,
                    "created": utcnow().isoformat(),
                    "active": True,
                    "assets": body.get("assets"),
                    "bids": [
                        {**bid, "id": f"dryrun-{digest}-{sequence}-{index}"}
                        for index, bid in enumerate(body["bids"], start=1)
                    ],
                },
                what="dry-run ballot",
            )
            earlier = [
                b.model_copy(update={"active": False})
                for b in self._ballots.get(competition_id, [])
            ]
            self._ballots[competition_id] = [stored, *earlier]
        log.info(
            "dry run: ballot recorded, not sent",
            competition=competition_id,
            market_ballot=stored.id,
            bids=len(stored.bids),
        )
        return stored

    def list_ballots(self, competition_id: str) -> list[Ballot]:
        with self._lock:
            return list(self._ballots.get(competition_id, []))

    def _refuse_write(self, what: str) -> OperatorActionRequired:
        return OperatorActionRequired(f"dry run: {what} is a market write and is not sent")

    def create_flex_asset(self, asset: FlexAssetCreate) -> FlexAsset:
        raise self._refuse_write("creating a Flex Asset")

    def update_flex_asset(self, asset_id: str, changes: FlexAssetUpdate) -> FlexAsset:
        raise self._refuse_write("updating a Flex Asset")

    def create_planned_asset(self, asset: PlannedAssetCreate) -> PlannedAsset:
        raise self._refuse_write("creating a Planned Asset")

    def update_planned_asset(
        self, planned_asset_id: str, changes: PlannedAssetUpdate
    ) -> PlannedAsset:
        raise self._refuse_write("updating a Planned Asset")
