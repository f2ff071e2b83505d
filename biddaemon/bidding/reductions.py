"""Why a bid got less than it asked for, in the words the decision record and `history` show."""

from __future__ import annotations

from decimal import Decimal

from biddaemon.bidding.outages import WindowOutages
from biddaemon.bidding.validation import Candidate


def shortfall(
    wanted: Decimal, allocated: Decimal, available: Decimal, out: WindowOutages | None
) -> str:
    if out is not None and out.entries:
        return (
            f"reduced from {wanted} to {allocated} MW: only {available} MW of the ballot's assets "
            "is available, net of the inventory's planned outages and maintenance and of what "
            "overlapping windows already hold (of other competitions, or earlier in this ballot)"
        )
    return (
        f"reduced from {wanted} to {allocated} MW: only {available} MW "
        "of the ballot's assets is not already held by overlapping windows "
        "(of other competitions, or earlier in this ballot)"
    )


def nothing_left(candidate: Candidate, out: WindowOutages | None) -> str:
    if out is not None and out.entries:
        return (
            f"no capacity left: all {candidate.capacity} MW of the bid is out (the inventory's "
            "planned outages and maintenance: " + "; ".join(out.reasons) + ") or already held by "
            "overlapping windows (of other competitions, or earlier in this ballot)"
        )
    return (
        f"no capacity left: all {candidate.capacity} MW of the bid is "
        "already held by overlapping windows (of other competitions, or earlier "
        "in this ballot)"
    )
