"""`biddaemon assets plan|apply`: mirror the fleet inventory to every enabled platform.

`plan` reads the inventory and every platform and prints what would change; it writes nothing.
`apply` prints the same plan, asks before writing (`--yes` for scripts), applies it (including
changes that reset a LocalFlex approval: the user has just seen them), and records every remote
id. Exit code 1 when a platform could not be read or a write failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from biddaemon.cli import EXIT_COULD_NOT_RUN
from biddaemon.cli.application import app
from biddaemon.cli.common import open_engine, prepare
from biddaemon.cli.database_checks import DatabaseUse
from biddaemon.cli.output import JSON_OPTION_HELP, print_json

if TYPE_CHECKING:
    from biddaemon.inventory.plan import Plan

assets_app = typer.Typer(
    help="Mirror the fleet inventory to Piclo Flex, LocalFlex and Flatpeak: plan, then apply.",
    no_args_is_help=True,
)
app.add_typer(assets_app, name="assets")


@assets_app.command("plan")
def plan_command(as_json: bool = typer.Option(False, "--json", help=JSON_OPTION_HELP)) -> None:
    """Print, per platform and asset, what `apply` would create or change. Writes nothing."""
    from biddaemon.inventory.render import render_plan
    from biddaemon.inventory.sync import planned

    settings = prepare()
    with planned(settings) as (plan, _targets):
        if as_json:
            print_json(plan_as_data(plan))
        else:
            typer.echo(render_plan(plan))
    if plan.problems:
        raise typer.Exit(EXIT_COULD_NOT_RUN)


@assets_app.command("apply")
def apply_command(
    yes: bool = typer.Option(False, "--yes", "-y", help="Apply without asking (for scripts)."),
) -> None:
    """Print the plan, ask, then create and update the records it lists."""
    from biddaemon.inventory.apply import apply_plan
    from biddaemon.inventory.render import render_plan, render_report
    from biddaemon.inventory.sync import planned
    from biddaemon.store.database import session_factory

    settings = prepare(database=DatabaseUse.READ)
    factory = session_factory(open_engine(settings))
    with planned(settings) as (plan, targets):
        typer.echo(render_plan(plan))
        if settings.dry_run:
            typer.echo("Dry run (BIDDAEMON_DRY_RUN): nothing applied.")
            return
        writes = plan.writes
        if writes and not yes:
            resets = len(plan.approval_resets)
            warning = f", {resets} of them resetting a LocalFlex approval" if resets else ""
            if not typer.confirm(f"Apply {len(writes)} change(s){warning}?", default=False):
                typer.echo("Nothing applied.")
                return
        if not writes:
            typer.echo("Nothing to apply.")
        report = apply_plan(plan, targets, factory, allow_approval_reset=True)
    if writes:
        typer.echo(render_report(report))
    if plan.problems or not report.ok:
        raise typer.Exit(EXIT_COULD_NOT_RUN)


def plan_as_data(plan: Plan) -> dict[str, Any]:
    """The plan as plain data for `assets plan --json`: the same facts `render_plan` prints."""
    return {
        "assets": len(plan.inventory.assets),
        "steps": [
            {
                "platform": step.platform.value,
                "action": step.action.value,
                "kind": step.kind,
                "ref": step.ref,
                "remote_id": step.remote_id,
                "approval": step.current.approval if step.current is not None else None,
                "resets_approval": step.resets_approval,
                "changes": [
                    {"field": c.field, "old": c.old, "new": c.new, "resets": c.resets_approval}
                    for c in step.changes
                ],
                "notes": list(step.notes),
            }
            for step in plan.steps
        ],
        "problems": [
            {
                "platform": p.platform.value,
                "ref": p.ref,
                "message": p.message,
                "stopped": p.stopped,
            }
            for p in plan.problems
        ],
        "notes": list(plan.notes),
        "counts": {action.value: count for action, count in plan.counts().items()},
    }
