"""`biddaemon check`: can we log in to Piclo Flex and read what the daemon needs?

It logs in, reads the flex providers (and confirms the configured provider is one of them) and
the current bidding opportunities, then prints a short report. Failures propagate as biddaemon
errors to `biddaemon.cli.main`, which prints the reason and exits 1 (could not run: credentials
refused, market unreachable) or 2 (configuration). Nothing secret is ever printed.

`--contract` compares every answer the daemon relies on with the client's models instead
(`biddaemon.markets.piclo.contract`) and exits 1 when anything differs; `--save DIR` also writes
the raw answers, secrets removed, for a support ticket.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from biddaemon.cli.application import app
from biddaemon.cli.common import market_credentials, prepare
from biddaemon.cli.output import JSON_OPTION_HELP, print_json
from biddaemon.errors import ConfigurationError

if TYPE_CHECKING:
    from biddaemon.settings import Settings


@app.command("check")
def check_command(
    as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP),
    contract: bool = typer.Option(
        False, "--contract", help="Compare every answer the daemon relies on with its models."
    ),
    save: Path | None = typer.Option(  # noqa: B008 - Typer's way of declaring options
        None,
        "--save",
        file_okay=False,
        help="With --contract: write the raw answers (secrets removed) to this folder.",
    ),
) -> None:
    """Log in to Piclo Flex and read the flex provider and the bidding opportunities."""
    from biddaemon.markets.piclo import PicloClient
    from biddaemon.settings import ENV_PREFIX

    settings = prepare(needs=(market_credentials,))  # the market only: no database is touched
    if contract or save is not None:
        _check_contract(settings, save, as_json=as_json)
        return
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


def _check_contract(settings: Settings, save: Path | None, *, as_json: bool) -> None:
    from biddaemon.cli import EXIT_COULD_NOT_RUN
    from biddaemon.logs import SecretRedactor
    from biddaemon.markets.piclo import PicloClient
    from biddaemon.markets.piclo.contract import check_contract, save_answers

    if save is not None:
        try:
            save.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = error.strerror or str(error)
            raise typer.BadParameter(
                f"cannot create {save}: {reason}", param_hint="--save"
            ) from None
    assert settings.piclo.api_key is not None  # checked by prepare(needs=market_credentials)
    api_key = settings.piclo.api_key.get_secret_value()
    with PicloClient.from_settings(settings.piclo) as piclo:
        report = check_contract(piclo, api_key)
    redactor = SecretRedactor(settings.secret_values())
    lines = [f"market: {settings.piclo.base_url}"]
    for answer in report.answers:
        read = f"{answer.items} item(s)" if answer.documents else answer.note or "not read"
        lines.append(f"  {answer.name:26s} {answer.request}: {read}")
    if report.ok:
        lines.append("contract: no difference from the client's models")
    else:
        lines.append(f"contract: {len(report.differences)} difference(s) from the client's models")
        lines += [f"  {difference}" for difference in report.differences]
    if save is not None:
        written = save_answers(report, save, settings.secret_values())
        lines.append(f"raw answers (secrets removed): {len(written)} file(s) in {save}")
    if as_json:
        print_json(
            redactor.scrub(
                {
                    "market": settings.piclo.base_url,
                    "answers": [
                        {"name": a.name, "request": a.request, "items": a.items, "note": a.note}
                        for a in report.answers
                    ],
                    "differences": [asdict(d) for d in report.differences],
                    "saved": str(save) if save is not None else None,
                }
            )
        )
    else:
        typer.echo(redactor.scrub_text("\n".join(lines)))
    if not report.ok:
        raise typer.Exit(EXIT_COULD_NOT_RUN)
