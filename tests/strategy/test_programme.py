"""The portfolio's linear programme on small problems whose best answer is known by hand, and
what it says when HiGHS fails, runs out of time or reports an error status."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from decimal import Decimal

import highspy
import pytest

from biddaemon.strategy.portfolio import programme
from biddaemon.strategy.portfolio.programme import Eligibility, Level, Problem, Slot
from biddaemon.strategy.snapshot import Commitment, Schedule
from tests.bidding.support import D

MON_TUE = frozenset({"mon", "tue"})


def schedule(start: int = 17, end: int = 19, days: frozenset[str] = MON_TUE) -> Schedule:
    return Schedule(date(2027, 11, 1), date(2027, 12, 1), time(start), time(end), days)


def problem(
    windows: dict[str, tuple[Schedule, str, str]],
    capacity: str = "5",
    *,
    frozen: tuple[Commitment, ...] = (),
    cap: dict[str, str] | None = None,
    levels: tuple[tuple[str, str], ...] = (("1", "1"),),
) -> Problem:
    """One asset "a"; each window: (schedule, need MW, value per MW at level 0); `levels` give
    (value multiplier, probability) per level."""
    slots, rows, eligibility = [], [], []
    for wid, (when, need, value) in windows.items():
        slots.append(Slot("c-" + wid, wid, when, D("10"), D(need)))
        for number, (times, probability) in enumerate(levels):
            rows.append(
                Level(
                    "c-" + wid,
                    wid,
                    number,
                    {"availability": D(value)},
                    D(value) * D(times),
                    D(probability),
                    D(cap[wid]) if cap and wid in cap and number == 0 else None,
                )
            )
        eligibility.append(Eligibility("a", "c-" + wid, wid, D(capacity)))
    return Problem(tuple(slots), tuple(rows), tuple(eligibility), {"a": D(capacity)}, frozen)


def offered(solution: programme.Solution, window: str) -> Decimal:
    return sum(
        (mw for (_, wid, _, _), mw in solution.mw.items() if wid == window), Decimal("0.000")
    )


def test_two_overlapping_windows_share_the_asset_and_the_dearer_one_gets_it() -> None:
    solution = programme.solve(
        problem({"w1": (schedule(17, 19), "4", "10"), "w2": (schedule(18, 20), "4", "12")}),
        time_limit_seconds=5,
    )
    assert solution.status == "optimal"
    assert offered(solution, "w2") == D("4.000")
    assert offered(solution, "w1") == D("1.000")
    assert solution.objective == D("4") * 12 + D("1") * 10


def test_windows_overlapping_in_pairs_but_never_all_at_once_may_each_take_half() -> None:
    """Mon+Tue, Tue+Wed and Wed+Mon 17-19 overlap pairwise, never all three on one day: the
    exact constraint is per instant, so 2.5 MW each fits a 5 MW asset (7.5 MW in all)."""
    solution = programme.solve(
        problem(
            {
                "w1": (schedule(days=frozenset({"mon", "tue"})), "5", "10"),
                "w2": (schedule(days=frozenset({"tue", "wed"})), "5", "10"),
                "w3": (schedule(days=frozenset({"wed", "mon"})), "5", "10"),
            }
        ),
        time_limit_seconds=5,
    )
    assert sum(solution.mw.values()) == D("7.500")
    for pair in (("w1", "w2"), ("w2", "w3"), ("w1", "w3")):
        assert offered(solution, pair[0]) + offered(solution, pair[1]) <= D("5")


def test_windows_that_never_meet_each_get_the_whole_asset() -> None:
    solution = programme.solve(
        problem({"w1": (schedule(7, 9), "5", "10"), "w2": (schedule(17, 19), "5", "10")}),
        time_limit_seconds=5,
    )
    assert offered(solution, "w1") == offered(solution, "w2") == D("5.000")


def test_a_window_across_midnight_meets_the_next_morning() -> None:
    late = Schedule(date(2027, 11, 1), date(2027, 12, 1), time(22), time(2), frozenset({"mon"}))
    early = Schedule(date(2027, 11, 1), date(2027, 12, 1), time(1), time(3), frozenset({"tue"}))
    solution = programme.solve(
        problem({"w1": (late, "5", "10"), "w2": (early, "5", "11")}), time_limit_seconds=5
    )
    assert offered(solution, "w1") + offered(solution, "w2") == D("5.000")


def test_frozen_commitments_take_their_part_and_an_excess_leaves_nothing_not_an_error() -> None:
    held = Commitment("a", "old", "old-w", schedule(16, 18), D("2.000"))
    solution = programme.solve(
        problem({"w1": (schedule(17, 19), "5", "10")}, frozen=(held,)), time_limit_seconds=5
    )
    assert offered(solution, "w1") == D("3.000")
    too_much = Commitment("a", "old", "old-w", schedule(16, 18), D("7.000"))
    solution = programme.solve(
        problem({"w1": (schedule(17, 19), "5", "10")}, frozen=(too_much,)), time_limit_seconds=5
    )
    assert solution.status == "optimal"
    assert solution.mw == {}


def test_the_cumulative_cap_bounds_the_cheap_level_and_the_rest_goes_dearer() -> None:
    solution = programme.solve(
        problem(
            {"w1": (schedule(), "4", "10")},
            cap={"w1": "1.5"},
            levels=(("1", "1"), ("1.2", "0.5")),
        ),
        time_limit_seconds=5,
    )
    assert solution.by_slot[("c-w1", "w1")] == {0: D("1.500"), 1: D("2.500")}


def test_levels_worth_nothing_are_never_offered() -> None:
    solution = programme.solve(
        problem({"w1": (schedule(), "4", "10")}, levels=(("1", "0"),)), time_limit_seconds=5
    )
    assert solution.status == "optimal"
    assert solution.mw == {}


def test_the_same_problem_gives_the_same_answer() -> None:
    windows = {f"w{n}": (schedule(15 + n % 4, 18 + n % 3), "3", str(10 + n % 2)) for n in range(8)}
    first = programme.solve(problem(windows), time_limit_seconds=5)
    again = programme.solve(problem(dict(reversed(windows.items()))), time_limit_seconds=5)
    assert first.mw == again.mw
    assert first.objective == again.objective


def test_an_unknown_slot_is_the_callers_bug() -> None:
    bad = Problem((), (), (Eligibility("a", "c", "w", D("1")),), {"a": D("1")})
    with pytest.raises(ValueError, match="unknown slot"):
        programme.build(bad)


# -- when HiGHS does not deliver ---------------------------------------------------------------


def test_highs_raising_is_an_error_status_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(self: object) -> None:
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(highspy.Highs, "run", crash)
    solution = programme.solve(problem({"w1": (schedule(), "4", "10")}), time_limit_seconds=5)
    assert solution.status == "error"
    assert solution.detail == "RuntimeError: solver crashed"
    assert solution.mw == {}


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (highspy.HighsModelStatus.kInfeasible, "infeasible"),
        (highspy.HighsModelStatus.kTimeLimit, "time_limit"),
        (highspy.HighsModelStatus.kSolveError, "error"),
    ],
)
def test_a_status_other_than_optimal_is_reported_and_gives_no_mw(
    monkeypatch: pytest.MonkeyPatch, status: highspy.HighsModelStatus, expected: str
) -> None:
    monkeypatch.setattr(highspy.Highs, "getModelStatus", lambda self: status)
    solution = programme.solve(problem({"w1": (schedule(), "4", "10")}), time_limit_seconds=5)
    assert solution.status == expected
    assert solution.mw == {}
    assert solution.detail


def test_a_big_problem_with_a_tiny_time_limit_stops_at_the_limit() -> None:
    from benchmarks.portfolio_solve import make_problem

    big = make_problem(15, 24, 50, 500, 3, seed=3, scattered=True)
    solution = programme.solve(big, time_limit_seconds=0.001)
    assert solution.status == "time_limit"
    assert solution.mw == {}
    assert solution.rows > 1000


def test_the_engine_rule_sums_every_overlapping_window_decided_before() -> None:
    """The same trio as above under the engine's check: each later window counts the earlier
    ones it overlaps in full, so 5 MW in all (the exact rule allows 7.5)."""
    exact = problem(
        {
            "w1": (schedule(days=frozenset({"mon", "tue"})), "5", "10"),
            "w2": (schedule(days=frozenset({"tue", "wed"})), "5", "10"),
            "w3": (schedule(days=frozenset({"wed", "mon"})), "5", "10"),
        }
    )
    ordered = tuple(replace(slot, order=n) for n, slot in enumerate(exact.slots))
    engine = replace(exact, slots=ordered, rule="engine")
    solution = programme.solve(engine, time_limit_seconds=5)
    assert solution.status == "optimal"
    assert sum(solution.mw.values()) == D("5.000")
