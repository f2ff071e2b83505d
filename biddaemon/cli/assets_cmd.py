"""`biddaemon assets plan|apply`: mirror the fleet inventory to every enabled platform.

`plan` reads the inventory and every platform and prints what would change; it writes nothing.
`apply` prints the same plan, asks before writing (`--yes` for scripts), applies it (including
changes that reset a LocalFlex approval and changes someone made on a platform: the user has
just seen them), and records every remote id. `apply --prune` also retires, where the platform
allows, each asset gone from the inventory; without it nothing is ever retired. Exit code 1
when a platform could not be read or a write failed.
"""

from __future__ import annotations

import typer

from biddaemon.cli import EXIT_COULD_NOT_RUN, app
from biddaemon.cli.common import open_engine, prepare
from biddaemon.inventory.apply import apply_plan
from biddaemon.inventory.render import render_plan, render_report
from biddaemon.inventory.sync import planned
from biddaemon.store.database import session_factory

assets_app = typer.Typer(
    help="Mirror the fleet inventory to Piclo Flex, LocalFlex and Flatpeak: plan, then apply.",
    no_args_is_help=True,
)
app.add_typer(assets_app, name="assets")


@assets_app.command("plan")
def plan_command() -> None:
    """Print, per platform and asset, what `apply` would create or change. Writes nothing."""
    settings = prepare()
    factory = session_factory(open_engine(settings))
    with planned(settings, factory) as made:
        plan = made.plan
        typer.echo(render_plan(plan))
    if plan.problems:
        raise typer.Exit(EXIT_COULD_NOT_RUN)


@assets_app.command("apply")
def apply_command(
    yes: bool = typer.Option(False, "--yes", "-y", help="Apply without asking (for scripts)."),
    prune: bool = typer.Option(
        False,
        "--prune",
        help="Also retire assets gone from the inventory (Piclo: archived; Flatpeak: deleted).",
    ),
) -> None:
    """Print the plan, ask, then create, update (and with --prune retire) the records it lists."""
    settings = prepare()
    factory = session_factory(open_engine(settings))
    with planned(settings, factory) as made:
        plan = made.plan
        typer.echo(render_plan(plan))
        if settings.dry_run:
            typer.echo("Dry run (BIDDAEMON_DRY_RUN): nothing applied.")
            return
        writes = plan.writes + (plan.retirements if prune else ())
        if writes and not yes:
            resets = len(plan.approval_resets)
            warning = f", {resets} of them resetting a LocalFlex approval" if resets else ""
            if prune and plan.retirements:
                warning += f", {len(plan.retirements)} retiring a removed asset"
            if not typer.confirm(f"Apply {len(writes)} change(s){warning}?", default=False):
                typer.echo("Nothing applied.")
                return
        if not writes:
            typer.echo("Nothing to apply.")
        if plan.retirements and not prune:
            typer.echo("Removed assets are left on their platforms (--prune retires them).")
        report = apply_plan(
            plan,
            made.targets,
            factory,
            allow_approval_reset=True,
            overwrite_drift=True,
            prune=prune,
            links=made.links,
        )
    if writes:
        typer.echo(render_report(report))
    if plan.problems or not report.ok:
        raise typer.Exit(EXIT_COULD_NOT_RUN)
