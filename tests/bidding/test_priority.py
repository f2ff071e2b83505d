"""First come, first served, as a pure rule: who must respect whose promises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from biddaemon.bidding.priority import decision_order, holders_respected, is_fixed, yields_to

NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)
ORDER = {"first": 1, "second": 2, "third": 3}


def test_an_earlier_competition_does_not_yield_to_a_later_open_one() -> None:
    assert not yields_to("first", "second", ORDER, fixed=set())
    assert yields_to("second", "first", ORDER, fixed=set())


def test_a_ballot_that_can_no_longer_change_is_respected_by_everyone() -> None:
    assert yields_to("first", "third", ORDER, fixed={"third"})


def test_a_competition_never_bid_into_respects_every_promise() -> None:
    assert holders_respected("new", ["first", "second", "third"], ORDER, set()) == [
        "first",
        "second",
        "third",
    ]


def test_a_competition_never_yields_to_itself() -> None:
    assert not yields_to("second", "second", ORDER, fixed={"second"})
    assert not yields_to("new", "new", ORDER, fixed=set())


def test_a_holder_without_a_known_order_counts_as_a_peer_not_an_elder() -> None:
    assert not yields_to("second", "unordered", ORDER, fixed=set())


def test_closed_or_closing_within_the_margin_is_fixed() -> None:
    margin = NOW + timedelta(minutes=15)
    assert is_fixed(NOW - timedelta(hours=1), margin)
    assert is_fixed(NOW + timedelta(minutes=10), margin)
    assert is_fixed(None, margin)
    assert not is_fixed(NOW + timedelta(days=1), margin)


def test_competitions_already_bid_into_are_decided_first_oldest_first() -> None:
    assert decision_order(["new-a", "third", "first", "new-b"], ORDER) == [
        "first",
        "third",
        "new-a",
        "new-b",
    ]
