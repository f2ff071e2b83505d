"""First come, first served: which other competitions' promises a competition must respect.

A competition we already bid into yields to the competitions we bid into before it, and to every
competition whose ballot can no longer change (closed, or closing within the safety margin). A
competition we never bid into yields to every promise. Yielding to later, still open ones as
well would make each cycle shrink earlier ballots for later ones and back, resubmitting hourly;
a later open ballot instead shrinks in the same cycle, because the cycle decides competitions
in `decision_order`.

`order` maps a competition to the position of our first ballot for it (any increasing number,
e.g. that ballot's row id); `fixed` holds the competitions whose ballots can no longer change.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime


def is_fixed(close: datetime | None, frozen_before: datetime) -> bool:
    """A ballot can no longer change once its competition closed or closes before the margin."""
    return close is None or close <= frozen_before


def yields_to(
    competition_id: str, holder: str, order: Mapping[str, int], fixed: Collection[str]
) -> bool:
    """True when `competition_id`'s decision must respect what `holder` holds."""
    if holder == competition_id:
        return False
    ours = order.get(competition_id)
    if ours is None or holder in fixed:
        return True
    return order.get(holder, ours) < ours


def holders_respected(
    competition_id: str,
    holders: Iterable[str],
    order: Mapping[str, int],
    fixed: Collection[str],
) -> list[str]:
    """The holders whose promises `competition_id` must respect, in the order given."""
    return [h for h in holders if yields_to(competition_id, h, order, fixed)]


def decision_order(competition_ids: Iterable[str], order: Mapping[str, int]) -> list[str]:
    """Competitions we already bid into first, earliest first; then new ones as listed."""
    listed = list(competition_ids)
    last = max(order.values(), default=0) + 1
    return sorted(listed, key=lambda c: order.get(c, last))
