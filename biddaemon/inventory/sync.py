"""The inventory job: read the fleet, plan against every enabled platform, apply, report.

    report = run_inventory_sync(settings, session_factory)   # what the scheduler calls

`planned(settings)` is the same first half for `biddaemon assets plan|apply`, which show the
plan and ask before applying it. A mistake in the inventory file or a missing setting raises
`ConfigurationError` (nothing read from the platforms, nothing written); an import source that
fails raises its error (nothing planned); a platform that fails is reported in the plan or the
apply report while the others are still synced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from biddaemon.clock import utcnow
from biddaemon.inventory.apply import ApplyReport, apply_plan
from biddaemon.inventory.canonical import Platform
from biddaemon.inventory.connect import check_configuration, import_sources, open_targets
from biddaemon.inventory.file import load_inventory_file
from biddaemon.inventory.merge import Inventory, merge_inventory
from biddaemon.inventory.plan import Action, Plan, make_plan
from biddaemon.inventory.targets.base import Target
from biddaemon.logs import get_logger
from biddaemon.settings import Settings

log = get_logger(__name__)


@dataclass(frozen=True)
class SyncReport:
    """What one run planned and did. `applied` is None when nothing was to be written (a dry
    run, `settings.dry_run`)."""

    plan: Plan
    applied: ApplyReport | None
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        """Every platform read and every planned write done (held approval resets are fine)."""
        return not self.plan.problems and (self.applied is None or self.applied.ok)

    def summary(self) -> dict[str, object]:
        counts = self.plan.counts()
        summary: dict[str, object] = {
            "assets": len(self.plan.inventory.assets),
            **{action.value: counts.get(action, 0) for action in Action},
            "unreadable": len(self.plan.problems),
            "dry_run": self.dry_run,
        }
        if self.applied is not None:
            summary |= {
                "written": len(self.applied.applied),
                "held_for_approval": len(self.applied.held),
                "failed": len(self.applied.failed),
                "not_attempted": len(self.applied.not_attempted),
                "rows_written": self.applied.rows_written,
            }
        return summary


def load_inventory(settings: Settings) -> Inventory:
    """The file and every configured source, merged by reference."""
    check_configuration(settings)
    inventory = settings.inventory
    sources = bool(inventory.sources)
    file = (
        load_inventory_file(inventory.path, require_complete=not sources)
        if inventory.path is not None
        else None
    )
    imported = import_sources(settings) if sources else []
    return merge_inventory(file, imported, path=inventory.path)


@contextmanager
def planned(settings: Settings) -> Iterator[tuple[Plan, Mapping[Platform, Target]]]:
    """The plan, with the platform clients it was made with still open for applying it."""
    fleet = load_inventory(settings)
    with open_targets(settings) as targets:
        yield make_plan(fleet, targets), targets


def run_inventory_sync(
    settings: Settings,
    session_factory: sessionmaker[Session],
    *,
    allow_approval_reset: bool | None = None,
    now: Callable[[], datetime] = utcnow,
) -> SyncReport:
    """One scheduled run: plan, then apply what does not reset an approval.

    `allow_approval_reset` defaults to `settings.inventory.allow_approval_reset`. With
    `settings.dry_run` the plan is made and logged, and nothing is written anywhere.
    """
    allow = (
        settings.inventory.allow_approval_reset
        if allow_approval_reset is None
        else allow_approval_reset
    )
    with planned(settings) as (plan, targets):
        if settings.dry_run:
            report = SyncReport(plan, None, dry_run=True)
        else:
            applied = apply_plan(
                plan, targets, session_factory, allow_approval_reset=allow, now=now
            )
            report = SyncReport(plan, applied)
    for problem in plan.problems:
        log.warning(
            "inventory platform not synced", platform=problem.platform.value, error=problem.message
        )
    log.info("inventory synced", ok=report.ok, **report.summary())
    return report
