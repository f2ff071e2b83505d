"""`biddaemon check`: can we log in to Piclo Flex and read what the daemon needs?

It logs in, reads the flex providers (and confirms the configured provider is one of them) and
the current bidding opportunities, then prints a short report. Failures propagate as biddaemon
errors to `biddaemon.cli.main`, which prints the reason and exits 1 (could not run: credentials
refused, market unreachable) or 2 (configuration). Nothing secret is ever printed.
"""

from __future__ import annotations

import typer

from biddaemon.cli.app import app
from biddaemon.cli.common import prepare
from biddaemon.errors import ConfigurationError


@app.command("check")
def check_command() -> None:
    """Log in to Piclo Flex and read the flex provider and the bidding opportunities."""
    from biddaemon.markets.piclo import PicloClient
    from biddaemon.settings import ENV_PREFIX

    settings = prepare()
    settings.require_market_credentials()
    lines = [f"market: {settings.piclo.base_url}"]
    with PicloClient.from_settings(settings.piclo) as piclo:
        expires = piclo.authenticate()
        until = f" (token valid until {expires:%Y-%m-%d %H:%M} UTC)" if expires else ""
        lines.append(f"login: ok as client {settings.piclo.client_id}{until}")
        providers = piclo.list_flex_providers()
        mine = next((p for p in providers if p.id == settings.piclo.provider_id), None)
        if mine is None:
            known = ", ".join(p.id for p in providers) or "none"
            raise ConfigurationError(
                {
                    f"{ENV_PREFIX}PICLO__PROVIDER_ID": (
                        f"{settings.piclo.provider_id!r} is not a flex provider of this user "
                        f"(the market lists: {known})"
                    )
                }
            )
        lines.append(f"flex provider: {mine.id} ({mine.name or 'no name'})")
        opportunities = piclo.list_bidding_opportunities()
    lines.append(f"bidding opportunities: {len(opportunities)}")
    for opportunity in opportunities:
        assets = opportunity.assets
        lines.append(
            f"  {opportunity.competition_id}: {len(assets.flex)} flex and "
            f"{len(assets.planned)} planned asset(s), {opportunity.total_capacity} MW qualifying"
        )
    typer.echo("\n".join(lines))
