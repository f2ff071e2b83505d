"""The `portfolio` strategy: one linear programme per cycle over every open competition.

`strategy` (the Strategy), `inputs` (cycle -> programme), `programme` (the LP and its solve,
shared with the backtest's limit; its types in `problem`, the model built in `model`, the answer
rounded in `rounding`), `instants` (which windows run at once), `value` (price x hours).
"""

from biddaemon.strategy.portfolio.strategy import PortfolioStrategy

__all__ = ["PortfolioStrategy"]
