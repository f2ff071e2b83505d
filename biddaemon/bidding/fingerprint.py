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
    return _text(competition_id, flex_ids, planned_ids, _rows(bids), supersedes, with_supersedes)


def _rows(bids: Iterable[BidContent]) -> list[tuple[object, ...]]:
    return sorted(
        (
            bid.window_id,
            format_capacity(bid.capacity),
            None if bid.max_runtime is None else format_runtime(bid.max_runtime),
            sorted((str(kind), format_price(value)) for kind, value in bid.rates.items()),
        )
        for bid in bids
    )


def _text(
    competition_id: str,
    flex_ids: Iterable[str],
    planned_ids: Iterable[str],
    rows: list[tuple[object, ...]],
    supersedes: str | None,
    with_supersedes: bool,
) -> str:
    document: dict[str, object] = {
        "v": FINGERPRINT_VERSION,
        "competition_id": competition_id,
        "assets": {"flex": sorted(flex_ids), "planned": sorted(planned_ids)},
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
    """(`fingerprint`, `content_fingerprint`), rendering the bids once."""
    rows, flex, planned = _rows(bids), sorted(flex_ids), sorted(planned_ids)
    with_it = _text(competition_id, flex, planned, rows, supersedes, True)
    without = _text(competition_id, flex, planned, rows, None, False)
    return (
        hashlib.sha256(with_it.encode()).hexdigest(),
        hashlib.sha256(without.encode()).hexdigest(),
    )
