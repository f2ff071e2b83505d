"""Which of the qualifying assets a ballot offers, and why each other one is left out.

A resubmission must keep the active ballot's asset set (the market's rule); a first ballot
offers every asset with capacity in the need direction that the inventory does not say is
mothballed or archived. The record names every asset left out and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any

from biddaemon.bidding import rules
from biddaemon.bidding.allocation import AssetKey
from biddaemon.bidding.record import jsonable
from biddaemon.strategy.snapshot import AssetSpec, StrategyInput

ZERO = Decimal("0.000")
_asset_key = attrgetter("key")


@dataclass(frozen=True, slots=True)
class Selection:
    """The ballot's assets (in key order), the problem refusing the ballot if any, and the
    figures the engine and its record need."""

    included: tuple[AssetSpec, ...]
    problem: str | None
    out: tuple[AssetSpec, ...]  # included, with outages or in maintenance
    capacity: Decimal
    record: dict[str, Any]


def select_assets(snapshot: StrategyInput) -> Selection:
    previous = snapshot.previous
    excluded: list[dict[str, str]] = []
    if previous is not None:
        capacity_by_key: dict[AssetKey, Decimal] = {a.key: a.capacity for a in snapshot.assets}
        problem = rules.previous_assets_still_qualify(previous.asset_keys, capacity_by_key)
        keys = previous.asset_keys
        included = tuple(a for a in snapshot.assets if a.key in keys)
        for asset in snapshot.assets:
            if asset.key not in keys:
                excluded.append(
                    {
                        "kind": asset.kind,
                        "id": asset.id,
                        "reason": "not in the active ballot, whose asset set a "
                        "resubmission must keep",
                    }
                )
    else:
        included = tuple(a for a in snapshot.assets if a.capacity > 0 and not a.offers_nothing)
        for asset in snapshot.assets:
            if asset.capacity > 0 and asset.offers_nothing:
                excluded.append(
                    {
                        "kind": asset.kind,
                        "id": asset.id,
                        "reason": f"{asset.status} in the inventory: offers nothing",
                    }
                )
            elif asset.capacity <= 0:
                excluded.append(
                    {
                        "kind": asset.kind,
                        "id": asset.id,
                        "reason": "no capacity in the need direction",
                    }
                )
        problem = rules.has_assets(included)
    included = tuple(sorted(included, key=_asset_key))
    capacity = sum([a.capacity for a in included], ZERO)
    return Selection(
        included=included,
        problem=problem,
        out=tuple(a for a in included if a.outages or a.offers_nothing),
        capacity=capacity,
        record={
            "flex": [a.id for a in included if a.kind == "flex"],
            "planned": [a.id for a in included if a.kind == "planned"],
            "capacity": jsonable(capacity),
            "excluded": excluded,
        },
    )
