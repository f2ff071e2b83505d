"""For a strategy that plans the whole cycle (`strategy.base.PlansCycle`): everything read first.

The opportunities cycle normally decides each competition as soon as its reads arrive. A
planning strategy (portfolio) must see every competition before the first decision, so for it
the cycle's reads are all taken first, each competition's `StrategyInput` built as its decision
will build it, and `plan_cycle` called once, with the acceptance model learned from the store's
outcomes (loaded here, once per cycle: strategies do no I/O). The decisions then run as usual, in
the same priority order. A competition whose reads or input failed is left out of the plan (its
decision records why); a `plan_cycle` that raises is logged, and the cycle is decided without a
plan. Streaming strategies never come here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta

from sqlalchemy.orm import Session

from biddaemon.jobs.market_reads import CompetitionReads, Outcome
from biddaemon.logs import get_logger
from biddaemon.markets.piclo import BiddingOpportunity
from biddaemon.store.acceptance import recorded_outcomes
from biddaemon.strategy.acceptance import AcceptanceModel
from biddaemon.strategy.base import CycleInputs, PlansCycle
from biddaemon.strategy.snapshot import StrategyInput

log = get_logger(__name__)

Read = tuple[BiddingOpportunity, Outcome]


def load_acceptance(session: Session) -> AcceptanceModel:
    """The acceptance model from every recorded outcome, read once per cycle."""
    return AcceptanceModel.learn(recorded_outcomes(session))


def plan_first(
    planner: PlansCycle,
    ahead: Iterable[Read],
    snapshot: Callable[[CompetitionReads], StrategyInput],
    *,
    acceptance: AcceptanceModel,
    safety_margin: timedelta,
) -> Iterator[Read]:
    """Read everything, let `planner` plan the cycle, then yield the reads in the same order."""
    reads = list(ahead)  # ends early, like the decisions would, when the cycle is stopped
    inputs: list[StrategyInput] = []
    for _, outcome in reads:
        if isinstance(outcome, Exception):
            continue
        try:
            inputs.append(snapshot(outcome))
        except Exception as exc:  # bad data from the market: its decision skips it, with why
            log.debug("left out of the cycle's plan", competition=outcome.competition.id, exc=exc)
    began = time.perf_counter()
    try:
        planner.plan_cycle(CycleInputs(tuple(inputs), acceptance, safety_margin))
    except Exception:
        log.exception("plan_cycle failed: the cycle is decided without a plan")
    else:
        log.info(
            "cycle planned",
            competitions=len(inputs),
            outcomes_learned_from=acceptance.outcomes,
            seconds=round(time.perf_counter() - began, 3),
        )
    return iter(reads)
