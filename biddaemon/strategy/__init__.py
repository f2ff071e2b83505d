"""Strategies propose bids from an immutable snapshot; the engine decides what is sent.

from biddaemon.strategy import load_strategy
strategy = load_strategy(settings.strategy)        # once, at start-up
outcomes = strategy.propose(snapshot)               # per competition, via the engine
"""

from biddaemon.strategy.base import (
    CycleInputs,
    PlansCycle,
    Proposal,
    ProposedBid,
    Skip,
    Strategy,
    WindowOutcome,
)
from biddaemon.strategy.fixed_price import FixedPriceStrategy
from biddaemon.strategy.guide_price import GuidePriceStrategy
from biddaemon.strategy.loader import load_strategy
from biddaemon.strategy.portfolio import PortfolioStrategy
from biddaemon.strategy.snapshot import (
    AssetSpec,
    Commitment,
    CompetitionSnapshot,
    PreviousBallot,
    PreviousBid,
    Schedule,
    StrategyInput,
    WindowSpec,
)

__all__ = [
    "AssetSpec",
    "Commitment",
    "CompetitionSnapshot",
    "CycleInputs",
    "FixedPriceStrategy",
    "GuidePriceStrategy",
    "PlansCycle",
    "PortfolioStrategy",
    "PreviousBallot",
    "PreviousBid",
    "Proposal",
    "ProposedBid",
    "Schedule",
    "Skip",
    "Strategy",
    "StrategyInput",
    "WindowOutcome",
    "WindowSpec",
    "load_strategy",
]
