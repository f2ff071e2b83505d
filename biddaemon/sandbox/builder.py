"""The market a sandbox starts (or restarts) with: a scenario, the seeded world, or both."""

from __future__ import annotations

from biddaemon.sandbox.clock import SandboxClock
from biddaemon.sandbox.generator import HISTORY, generate_fleet, london_date
from biddaemon.sandbox.market import Market
from biddaemon.sandbox.model import Provider
from biddaemon.sandbox.scenario import Scenario, ScenarioError


def build_market(
    clock: SandboxClock,
    provider: Provider,
    seed: int,
    scenario: Scenario | None,
    *,
    contested: bool = False,
) -> Market:
    """Without a scenario, everything is generated: DSOs that have been opening competitions
    for three weeks before the start instant, and a fleet with Planned Assets for two of them.
    `contested`: what is generated is the contested market (`biddaemon.sandbox.contested`)."""
    now = clock.now()
    generate_competitions = scenario is None or scenario.generate.competitions
    generate_assets = scenario is None or scenario.generate.fleet
    market = Market(
        clock,
        provider,
        seed,
        generate_from=london_date(now - HISTORY) if generate_competitions else None,
        contested=contested,
    )
    if scenario is not None:
        try:
            for competition in scenario.market_competitions():
                market.add_competition(competition)
            market.add_fleet(scenario.fleet(provider.id, now))
        except ValueError as error:  # duplicate ids
            raise ScenarioError(str(error)) from None
    if generate_assets:
        open_now = sorted(
            (c for c in market.competitions() if c.is_open_at(now)),
            key=lambda c: (c.competition_close, c.id),
            reverse=True,
        )
        market.add_fleet(generate_fleet(seed, provider.id, now, open_now, contested=contested))
    return market
