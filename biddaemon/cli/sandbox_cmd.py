"""`biddaemon sandbox`: serve the simulated Piclo Flex market on loopback until interrupted,
with stand-ins for LocalFlex, Flatpeak and Tensor Energy beside it (each under its own path)."""

from __future__ import annotations

import errno
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from biddaemon.cli.application import app
from biddaemon.sandbox.defaults import (
    DEFAULT_API_KEY,
    DEFAULT_CLIENT_ID,
    DEFAULT_HOST,
    DEFAULT_PAGE_SIZE,
    DEFAULT_PORT,
    DEFAULT_PROVIDER_ID,
    DEFAULT_SEED,
    DEFAULT_TOKEN_LIFETIME_SECONDS,
)
from biddaemon.sandbox.wire import format_timestamp, parse_timestamp

if TYPE_CHECKING:
    from biddaemon.sandbox.faults import FaultSpec
    from biddaemon.sandbox.server import SandboxServer


def _faults(texts: list[str]) -> tuple[FaultSpec, ...]:
    from biddaemon.sandbox.faults import FaultSpec

    try:
        return tuple(FaultSpec.parse_cli(text) for text in texts)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--fault") from None


def _start(text: str | None) -> datetime | None:
    try:
        return None if text is None else parse_timestamp(text)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--start") from None


@app.command("sandbox")
def sandbox_command(
    host: Annotated[
        str, typer.Option(help="Address to bind; a non-loopback one needs --allow-remote.")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(help="Port to listen on (0: any free port).")] = DEFAULT_PORT,
    seed: Annotated[
        int | None,
        typer.Option(
            help=f"Seed of the simulated market (default: the scenario's, else {DEFAULT_SEED})."
        ),
    ] = None,
    speed: Annotated[
        float,
        typer.Option(
            min=0, help="Simulated seconds per real second (600: ten minutes a second; 0: frozen)."
        ),
    ] = 1.0,
    start: Annotated[
        str | None,
        typer.Option(help="Simulated start instant, e.g. 2027-01-05T10:00:00Z (default: now)."),
    ] = None,
    client_id: Annotated[str, typer.Option(help="Machine-user client id accepted.")] = (
        DEFAULT_CLIENT_ID
    ),
    api_key: Annotated[str, typer.Option(help="Machine-user api key accepted.")] = DEFAULT_API_KEY,
    provider_id: Annotated[str, typer.Option(help="The Flex Provider's id.")] = (
        DEFAULT_PROVIDER_ID
    ),
    token_lifetime: Annotated[
        int, typer.Option(min=1, help="Token lifetime in simulated seconds.")
    ] = DEFAULT_TOKEN_LIFETIME_SECONDS,
    scenario: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Scenario file (JSON) to start from."),
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            help="Inject a fault: KIND[:ENDPOINT][,key=value...], e.g. "
            "error:submit_ballot,status=503,count=2 (repeatable)."
        ),
    ] = None,
    page_size: Annotated[int, typer.Option(min=1, help="Default page size of lists.")] = (
        DEFAULT_PAGE_SIZE
    ),
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Allow binding a non-loopback address.")
    ] = False,
    access_log: Annotated[
        bool, typer.Option("--access-log", help="Log every request (uvicorn's access log).")
    ] = False,
    contested: Annotated[
        bool,
        typer.Option(
            "--contested",
            help="Generate the contested market: budgets by operator, rivals spread around "
            "the guide price, competitions overlapping across operators.",
        ),
    ] = False,
) -> None:
    """Serve a simulated Piclo Flex market for rehearsals and tests.

    Default credentials: client id sandbox-client, api key sandbox-api-key.

    Default provider id: sandbox-provider.

    Admin API (no auth, loopback only): /_sandbox/. OpenAPI document: /openapi.json.

    LocalFlex, Flatpeak and Tensor Energy stand-ins are served under /localflex, /flatpeak and
    /tensor/v1 (their URLs and test credentials are printed at start).
    """
    # Imported here: FastAPI and uvicorn are too heavy to load for every other command.
    from biddaemon.sandbox.config import SandboxConfig
    from biddaemon.sandbox.server import SandboxServer

    try:
        config = SandboxConfig(
            host=host,
            port=port,
            seed=seed,
            speed=speed,
            start=_start(start),
            client_id=client_id,
            api_key=api_key,
            provider_id=provider_id,
            token_lifetime_seconds=token_lifetime,
            scenario=scenario,
            faults=_faults(fault or []),
            page_size=page_size,
            allow_remote=allow_remote,
            contested=contested,
        )
        server = SandboxServer(config)
        server.bind()
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise typer.BadParameter(str(error)) from None
        raise typer.BadParameter(
            f"{host}:{port} is already in use (another sandbox?); choose another --port, "
            "or --port 0 for any free one",
            param_hint="--port",
        ) from None
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    sandbox = server.sandbox
    typer.echo(
        f"biddaemon sandbox listening on {server.base_url} "
        f"(client id {config.client_id}, provider {config.provider_id}; "
        f"seed {sandbox.seed}, speed {sandbox.clock.speed:g}x, "
        f"simulated time {format_timestamp(sandbox.clock.now())})"
    )
    for line in _stand_ins(server):
        typer.echo(line)
    server.run(access_log=access_log)


def _stand_ins(server: SandboxServer) -> list[str]:
    """One line per platform stand-in: where it answers and the credentials it accepts."""
    urls, platforms = server.platform_urls, server.platforms
    return [
        f"  LocalFlex stand-in   {urls['localflex']} (token {platforms.localflex.token})",
        f"  Flatpeak stand-in    {urls['flatpeak']} (account {platforms.flatpeak.account_id}, "
        f"key {platforms.flatpeak.api_key})",
        f"  Tensor stand-in      {urls['tensor']} (API key {platforms.tensor.api_key}; add "
        "plants with POST /_sandbox/platforms/tensor/assets)",
    ]
