"""`biddaemon check`: can we log in to Piclo Flex and read what the daemon needs?

It logs in, reads the flex providers (and confirms the configured provider is one of them) and
the current bidding opportunities, then prints a short report. Failures propagate as biddaemon
errors to `biddaemon.cli.main`, which prints the reason and exits 1 (could not run: credentials
refused, market unreachable) or 2 (configuration). Nothing secret is ever printed.
"""

from __future__ import annotations

import typer

from biddaemon.cli import app
from biddaemon.cli.common import market_credentials, prepare
from biddaemon.cli.output import JSON_OPTION_HELP, print_json
from biddaemon.errors import ConfigurationError
from biddaemon.markets.piclo import PicloClient
from biddaemon.settings import ENV_PREFIX


@app.command("check")
def check_command(as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP)) -> None:
    """Log in to Piclo Flex and read the flex provider and the bidding opportunities."""
    settings = prepare(needs=(market_credentials,))  # the market only: no database is touched
    lines = [f"market: {settings.piclo.base_url}"]
    report: dict[str, object] = {"market": settings.piclo.base_url}
    with PicloClient.from_settings(settings.piclo) as piclo:
        expires = piclo.authenticate()
        until = f" (token valid until {expires:%Y-%m-%d %H:%M} UTC)" if expires else ""
        lines.append(f"login: ok as client {settings.piclo.client_id}{until}")
        report["login"] = {"client_id": settings.piclo.client_id, "token_expires": expires}
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
        report["flex_provider"] = {"id": mine.id, "name": mine.name}
        opportunities = piclo.list_bidding_opportunities()
    lines.append(f"bidding opportunities: {len(opportunities)}")
    report["bidding_opportunities"] = [
        {
            "competition_id": o.competition_id,
            "flex_assets": len(o.assets.flex),
            "planned_assets": len(o.assets.planned),
            "qualifying_mw": o.total_capacity,
        }
        for o in opportunities
    ]
    if as_json:
        print_json(report)
        return
    for opportunity in opportunities:
        assets = opportunity.assets
        lines.append(
            f"  {opportunity.competition_id}: {len(assets.flex)} flex and "
            f"{len(assets.planned)} planned asset(s), {opportunity.total_capacity} MW qualifying"
        )
    typer.echo("\n".join(lines))
