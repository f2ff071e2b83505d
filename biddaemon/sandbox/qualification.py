"""Which of a provider's assets may bid into a competition, and how much they can offer.

Three tests, all of which must pass: the asset can move power in the competition's need
direction (deficit counts export capacity, excess counts import capacity), it is not archived or
mothballed, and it sits inside the competition's area. Planned Assets qualify only for the
competition they were created against.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final, Literal

from biddaemon.sandbox.geography import postcode_area
from biddaemon.sandbox.model import Competition, Fleet, FlexAsset, NeedDirection, PlannedAsset

QUALIFYING_STATUSES: Final = frozenset({"operational", "in_development"})

_CAPACITY_TYPE: Final[dict[NeedDirection, Literal["import", "export"]]] = {
    "deficit": "export",  # more generation or less demand
    "excess": "import",  # less generation or more demand
    "export": "export",
    "import": "import",
}


def capacity_type_for(direction: NeedDirection) -> Literal["import", "export"]:
    return _CAPACITY_TYPE[direction]


def flex_capacity(asset: FlexAsset, direction: NeedDirection) -> Decimal:
    if capacity_type_for(direction) == "export":
        return asset.active_export_capacity
    return asset.active_import_capacity


def planned_capacity(asset: PlannedAsset, direction: NeedDirection) -> Decimal:
    if asset.capacity_type == capacity_type_for(direction):
        return asset.capacity_value
    return Decimal("0.000")


def _located_in(asset: FlexAsset, competition: Competition) -> bool:
    area = competition.area
    if asset.postcode and postcode_area(asset.postcode) in area.postcode_areas:
        return True
    if asset.latitude is not None and asset.longitude is not None:
        return any(r.contains(asset.latitude, asset.longitude) for r in area.regions)
    return False


def flex_disqualification(asset: FlexAsset, competition: Competition) -> str | None:
    """Why a Flex Asset may not bid into `competition`, or None when it qualifies."""
    if asset.status not in QUALIFYING_STATUSES:
        return f"its status is {asset.status}"
    direction = competition.need_direction
    if flex_capacity(asset, direction) <= 0:
        return f"it has no {capacity_type_for(direction)} capacity for a {direction} need"
    if not _located_in(asset, competition):
        return "it is outside the competition's area"
    return None


def planned_disqualification(asset: PlannedAsset, competition: Competition) -> str | None:
    """Why a Planned Asset may not bid into `competition`, or None when it qualifies."""
    if asset.competition_reference not in (competition.reference, competition.id):
        return f"it was planned for competition {asset.competition_reference}"
    direction = competition.need_direction
    if planned_capacity(asset, direction) <= 0:
        return f"its capacity is {asset.capacity_type}, not what a {direction} need counts"
    return None


def qualifying(fleet: Fleet, competition: Competition) -> Fleet:
    return Fleet(
        flex=tuple(a for a in fleet.flex if flex_disqualification(a, competition) is None),
        planned=tuple(a for a in fleet.planned if planned_disqualification(a, competition) is None),
    )


def capacity_of(fleet: Fleet, direction: NeedDirection) -> Decimal:
    """The combined capacity of `fleet` in the need direction."""
    total = sum((flex_capacity(a, direction) for a in fleet.flex), Decimal("0.000"))
    return total + sum((planned_capacity(a, direction) for a in fleet.planned), Decimal("0.000"))
