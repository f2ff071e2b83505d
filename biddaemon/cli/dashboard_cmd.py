"""`biddaemon dashboard`: the read-only pages over any database, until Ctrl-C."""

from __future__ import annotations

import typer

from biddaemon.cli.application import app
from biddaemon.cli.common import prepare
from biddaemon.cli.database_checks import DatabaseUse

DEFAULT_PORT = 9318  # biddaemon.web.serve.DEFAULT_DASHBOARD_PORT (a test checks)


@app.command("dashboard")
def dashboard_command(
    port: int = typer.Option(DEFAULT_PORT, min=0, max=65535, help="Port to listen on (0: any)."),
    host: str | None = typer.Option(
        None, help="Address to listen on (default: BIDDAEMON_HEALTH__HOST, 127.0.0.1)."
    ),
) -> None:
    """Serve the dashboard pages for the configured database (read-only) until Ctrl-C.

    Beyond loopback the pages need BIDDAEMON_HEALTH__DASHBOARD_TOKEN.
    """

    def token(settings: object) -> dict[str, str]:
        from biddaemon.settings import Settings

        assert isinstance(settings, Settings)
        return settings.health.dashboard_problems(host)

    settings = prepare(database=DatabaseUse.READ, needs=[token])
    from biddaemon.store.migrate import connect
    from biddaemon.web.serve import open_dashboard, serve_until_stopped

    # Never migrated from here, whatever BIDDAEMON_AUTO_MIGRATE says: the pages only read, and
    # the database may belong to a daemon (or a backup) that must not change under it.
    engine = connect(settings.effective_database_url, auto_migrate=False)
    server = open_dashboard(settings, engine, host or settings.health.host, port)
    typer.echo(f"biddaemon dashboard at {server.url} (read-only; Ctrl-C stops it)")
    try:
        serve_until_stopped(server)
    finally:
        engine.dispose()
