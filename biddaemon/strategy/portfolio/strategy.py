"""`portfolio`: one linear programme per cycle decides which windows to offer, how much, at what.

With a limited fleet and many overlapping competitions, first come first served lets the first
competitions take the capacity and prices every window alike. Portfolio instead sees every open
competition of the cycle at once (`plan_cycle`), and solves one programme (`programme`): MW per
window, asset and price level (`BIDDAEMON_STRATEGY__PORTFOLIO_PRICE_LEVELS`, fractions of the guide
price, never below the rate's floor), maximising the expected value (the accepted value of
`bidding.value`, availability x hours the window runs plus the service fee, mirrored in
`portfolio.value`, x P(accepted) from the acceptance model), never promising an asset's MW twice at
any instant, frozen promises included. `propose` then returns, per window, one bid per price level
with MW in it (a Piclo split bid); a window the plan leaves empty is skipped, withdrawing an earlier
bid there (its MW were planned elsewhere). The engine allocates the bids over the assets itself and
validates every ballot, so a bug here cannot send an invalid one.

Falls back to guide-price (`BIDDAEMON_STRATEGY__PRICE_FRACTION`), logged with the reason, for
the whole cycle when the solve fails (HiGHS raises, the problem is infeasible, an error status)
or takes longer than `BIDDAEMON_STRATEGY__PORTFOLIO_TIME_LIMIT_SECONDS`, and for a competition
that was not planned (not open or inside the safety margin when the cycle began, a missing
guide price, a `propose` without a `plan_cycle`). The same cycle input gives the same plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from biddaemon.logs import get_logger
from biddaemon.strategy.base import (
    BasisValue,
    CycleInputs,
    Proposal,
    ProposedBid,
    Skip,
    WindowOutcome,
)
from biddaemon.strategy.guide_price import GuidePriceStrategy
from biddaemon.strategy.portfolio.inputs import LevelPrice, build_problem
from biddaemon.strategy.sizing import Fleet
from biddaemon.strategy.snapshot import StrategyInput

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Plan:
    """One cycle's solution: MW per level of each window of each planned competition."""

    status: str
    detail: str
    by_slot: Mapping[tuple[str, str], Mapping[int, Decimal]]
    prices: Mapping[str, list[LevelPrice]]
    objective: Decimal


class PortfolioStrategy:
    """See the module docstring; settings come with each snapshot, the plan with the cycle."""

    name = "portfolio"

    def __init__(self) -> None:
        self._plan: Plan | None = None
        self._fallback = GuidePriceStrategy()

    @property
    def plan(self) -> Plan | None:
        return self._plan

    def plan_cycle(self, cycle: CycleInputs) -> None:
        self._plan = None
        if not cycle.competitions:
            return
        from biddaemon.strategy.portfolio import programme  # numpy and HiGHS: only when planning

        problem, prices = build_problem(cycle)
        limit = cycle.competitions[0].settings.portfolio_time_limit_seconds
        try:
            solution = programme.solve(problem, time_limit_seconds=limit)
        except Exception as exc:  # a bug of ours in building the model: guide-price this cycle
            log.exception("portfolio solve failed: guide-price for this cycle")
            self._plan = Plan("error", f"{type(exc).__name__}: {exc}", {}, prices, Decimal(0))
            return
        self._plan = Plan(
            solution.status, solution.detail, solution.by_slot, prices, solution.objective
        )
        if solution.status != "optimal":
            log.warning(
                "portfolio solve failed: guide-price for this cycle",
                status=solution.status,
                reason=solution.detail,
                seconds=round(solution.seconds, 3),
                rows=solution.rows,
                columns=solution.columns,
            )
            return
        log.info(
            "portfolio planned",
            competitions=len(prices),
            windows=len(solution.by_slot),
            expected_value=str(solution.objective.quantize(Decimal("0.01"))),
            seconds=round(solution.seconds, 3),
            rows=solution.rows,
            columns=solution.columns,
            nonzeros=solution.nonzeros,
        )

    def propose(self, snapshot: StrategyInput) -> Sequence[WindowOutcome]:
        plan = self._plan
        competition = snapshot.competition
        if plan is None:
            return self._guide_price(snapshot, "no portfolio plan for this cycle")
        if plan.status != "optimal":
            return self._guide_price(
                snapshot, f"the portfolio solve ended {plan.status}: {plan.detail}"
            )
        prices = plan.prices.get(competition.id)
        if prices is None:
            return self._guide_price(snapshot, "not planned: not open, or no guide price")
        runtime = Fleet.of(snapshot).runtime
        outcomes: list[WindowOutcome] = []
        for window in competition.windows:
            mw = plan.by_slot.get((competition.id, window.id), {})
            bids = [
                ProposedBid(
                    capacity=mw[number],
                    rates=prices[number].rates,
                    max_runtime=runtime,
                    basis=_basis(prices[number], number, mw[number], snapshot),
                )
                for number in sorted(mw)
                if mw[number] > 0
            ]
            if bids:
                outcomes.append(Proposal(window.id, tuple(bids)))
            else:
                reason = "the portfolio plan offers nothing here: its MW earn more elsewhere"
                outcomes.append(Skip(window.id, reason, withdraw=True))
        return outcomes

    def _guide_price(self, snapshot: StrategyInput, reason: str) -> list[WindowOutcome]:
        """Guide-price's outcomes, each bid's basis saying why portfolio fell back."""
        outcomes: list[WindowOutcome] = []
        for outcome in self._fallback.propose(snapshot):
            if isinstance(outcome, Proposal):
                bids = tuple(
                    ProposedBid(
                        bid.capacity,
                        bid.rates,
                        bid.max_runtime,
                        {**bid.basis, "portfolio_fallback": reason},
                    )
                    for bid in outcome.bids
                )
                outcome = Proposal(outcome.window_id, bids)
            outcomes.append(outcome)
        return outcomes


def _basis(
    price: LevelPrice, number: int, mw: Decimal, snapshot: StrategyInput
) -> dict[str, BasisValue]:
    basis: dict[str, BasisValue] = {
        "portfolio_level": number,
        "price_fraction": price.fraction,
        "acceptance_probability": price.probability,
        "planned_mw": mw,
        "derating_factor": snapshot.settings.derating_factor,
    }
    if price.ratio is not None:
        basis["price_ratio"] = price.ratio.quantize(Decimal("0.0001"))
    for rate in snapshot.competition.required_rates or ():
        basis[f"{rate}_guide_price"] = snapshot.competition.guide_price(rate)
    return basis
