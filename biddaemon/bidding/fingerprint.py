"""A ballot's identity: sha256 over its canonical content, so an unchanged ballot is never resent.

The canonical form is order-independent (bids sorted, asset ids sorted) and uses the exact
strings that go on the wire (capacity 3 places, prices 2, runtime `[D]THH:MM:SS`), so two ballots
the market cannot tell apart have the same content fingerprint. The stored fingerprint adds the
market id of the ballot it supersedes: going A -> B -> A makes the second A a new row under the
database's UNIQUE constraint, while `content_fingerprint` still shows it equals the first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Protocol

from biddaemon.bidding.rules import format_capacity, format_price, format_runtime

FINGERPRINT_VERSION = 1


class BidContent(Protocol):
    @property
    def window_id(self) -> str: ...
    @property
    def capacity(self) -> Decimal: ...
    @property
    def rates(self) -> Mapping[str, Decimal]: ...
    @property
    def max_runtime(self) -> timedelta | None: ...


BidIdentity = tuple[str, str, str | None, tuple[tuple[str, str], ...]]
BallotIdentity = tuple[tuple[BidIdentity, ...], tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class BidValues:
    """A bid's content, whoever holds it: a plan, a stored row, the market's answer."""

    window_id: str
    capacity: Decimal
    rates: Mapping[str, Decimal]
    max_runtime: timedelta | None


def bid_identity(bid: BidContent) -> BidIdentity:
    """What tells one bid from another on the wire: window, capacity, runtime, rates."""
    return (
        bid.window_id,
        format_capacity(bid.capacity),
        None if bid.max_runtime is None else format_runtime(bid.max_runtime),
        tuple(sorted((str(kind), format_price(value)) for kind, value in bid.rates.items())),
    )


def ballot_identity(
    flex_ids: Iterable[str], planned_ids: Iterable[str], bids: Iterable[BidContent]
) -> BallotIdentity:
    """What the market holds, order aside: used by the fingerprint, reconciliation and bid
    matching alike, so a ballot we sent and the one the market lists are compared one way."""
    return (
        tuple(sorted(bid_identity(bid) for bid in bids)),
        tuple(sorted(flex_ids)),
        tuple(sorted(planned_ids)),
    )


def runtime_of_text(text: str | None) -> timedelta | None:
    """A stored `[D]THH:MM:SS` runtime back to a timedelta (None stays None)."""
    if text is None:
        return None
    day_part, _, clock = text.rpartition("T")
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return timedelta(days=int(day_part or 0), hours=hours, minutes=minutes, seconds=seconds)


def canonical(
    competition_id: str,
    flex_ids: Iterable[str],
    planned_ids: Iterable[str],
    bids: Iterable[BidContent],
    *,
    supersedes: str | None = None,
    with_supersedes: bool = True,
) -> str:
    """The canonical JSON text that is hashed."""
    identity = ballot_identity(flex_ids, planned_ids, bids)
    return _text(competition_id, identity, supersedes, with_supersedes)


def _text(
    competition_id: str, identity: BallotIdentity, supersedes: str | None, with_supersedes: bool
) -> str:
    rows, flex, planned = identity
    document: dict[str, object] = {
        "v": FINGERPRINT_VERSION,
        "competition_id": competition_id,
        "assets": {"flex": list(flex), "planned": list(planned)},
        "bids": rows,
    }
    if with_supersedes:
        document["supersedes"] = supersedes
    return json.dumps(document, separators=(",", ":"), sort_keys=True)


def fingerprint(
    competition_id: str,
    flex_ids: Iterable[str],
    planned_ids: Iterable[str],
    bids: Iterable[BidContent],
    *,
    supersedes: str | None,
) -> str:
    """64 hex characters identifying this ballot as a submission (content + what it replaces)."""
    text = canonical(competition_id, flex_ids, planned_ids, bids, supersedes=supersedes)
    return hashlib.sha256(text.encode()).hexdigest()


def content_fingerprint(
    competition_id: str,
    flex_ids: Iterable[str],
    planned_ids: Iterable[str],
    bids: Iterable[BidContent],
) -> str:
    """64 hex characters identifying what the market would hold, whatever it replaces."""
    text = canonical(competition_id, flex_ids, planned_ids, bids, with_supersedes=False)
    return hashlib.sha256(text.encode()).hexdigest()


def both_fingerprints(
    competition_id: str,
    flex_ids: Iterable[str],
    planned_ids: Iterable[str],
    bids: Iterable[BidContent],
    *,
    supersedes: str | None,
) -> tuple[str, str]:
    """(`fingerprint`, `content_fingerprint`), from one computation of the ballot's identity."""
    identity = ballot_identity(flex_ids, planned_ids, bids)
    with_it = _text(competition_id, identity, supersedes, True)
    without = _text(competition_id, identity, None, False)
    return (
        hashlib.sha256(with_it.encode()).hexdigest(),
        hashlib.sha256(without.encode()).hexdigest(),
    )
