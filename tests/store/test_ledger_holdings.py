"""The cycle's one index of holdings says what `Ledger.held_for` says, as the cycle changes it."""

from __future__ import annotations

from decimal import Decimal

from biddaemon.store.ledger import Ledger
from biddaemon.store.models import BallotState
from tests.bidding.support import commitment, window

A1 = ("flex", "a1")


def _held_by_index(ledger: Ledger, competition_id: str) -> tuple[Decimal, tuple[str, ...]]:
    held = ledger.holdings.held(window().schedule, [A1], exclude=ledger.ignored_by(competition_id))
    return (held[A1].capacity, held[A1].held_by) if A1 in held else (Decimal(0), ())


def _held_for(ledger: Ledger, competition_id: str) -> tuple[Decimal, tuple[str, ...]]:
    found = ledger.held_for(competition_id)
    holders = tuple(sorted({c.competition_id for c in found}))
    return sum((c.capacity for c in found), Decimal(0)), holders


def test_the_index_follows_record_and_settle_and_keeps_first_come_first_served() -> None:
    ledger = Ledger()
    ledger.record("c1", 1, [commitment("a1", "0.500", competition_id="c1")])
    ledger.record("c2", 2, [commitment("a1", "0.300", competition_id="c2")])
    # c1 came first: it ignores c2, which respects c1
    assert _held_by_index(ledger, "c1") == _held_for(ledger, "c1") == (0, ())
    assert _held_by_index(ledger, "c2") == _held_for(ledger, "c2") == (Decimal("0.5"), ("c1",))
    assert _held_by_index(ledger, "new") == _held_for(ledger, "new")
    assert _held_by_index(ledger, "new") == (Decimal("0.8"), ("c1", "c2"))

    ledger.record("c1", 3, [commitment("a1", "0.200", competition_id="c1")])
    ledger.settle("c1", 3, BallotState.SUBMITTED)  # replaces ballot 1
    assert _held_by_index(ledger, "c2") == _held_for(ledger, "c2") == (Decimal("0.2"), ("c1",))

    ledger.settle("c1", 3, BallotState.REJECTED)  # released
    assert _held_by_index(ledger, "c2") == _held_for(ledger, "c2") == (0, ())
    assert len(ledger.holdings) == 1
