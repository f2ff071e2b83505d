"""The inventory job: read the fleet, plan against every enabled platform, apply, report.

    report = run_inventory_sync(settings, factory)   # what the scheduler calls

`planned(settings, factory)` is the same first half for `biddaemon assets plan|apply`, which
show the plan and ask before applying it. The scheduled run never overwrites a change made on a
platform by someone else (drift) and never retires anything; `assets apply` overwrites drift,
and `assets apply --prune` retires what left the inventory. A mistake in the inventory file
or a missing setting raises `ConfigurationError` (nothing read from the platforms, nothing
written); an import source that fails raises its error (nothing planned); a platform that fails
is reported in the plan or the apply report while the others are still synced.
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
from biddaemon.inventory.records import Link, remembered_links
from biddaemon.inventory.target import Target
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
                "drift_left": len(self.applied.drifted),
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


@dataclass(frozen=True)
class Planned:
    """A plan, the open platform targets it was made with, and the links it read."""

    plan: Plan
    targets: Mapping[Platform, Target]
    links: Mapping[tuple[Platform, str], Link]

    def __iter__(self) -> Iterator[object]:
        """`plan, targets = planned(...)` as before the links were part of it."""
        return iter((self.plan, self.targets))


@contextmanager
def planned(settings: Settings, factory: sessionmaker[Session] | None = None) -> Iterator[Planned]:
    """The plan, with the platform clients it was made with still open for applying it.

    `factory` is the database whose links say what was last written; None: nothing was.
    """
    fleet = load_inventory(settings)
    links = remembered_links(factory) if factory is not None else {}
    with open_targets(settings) as targets:
        yield Planned(make_plan(fleet, targets, links), targets, links)


def run_inventory_sync(
    settings: Settings,
    factory: sessionmaker[Session],
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
    with planned(settings, factory) as made:
        plan = made.plan
        if settings.dry_run:
            report = SyncReport(plan, None, dry_run=True)
        else:
            applied = apply_plan(
                plan,
                made.targets,
                factory,
                allow_approval_reset=allow,
                overwrite_drift=False,
                prune=False,
                links=made.links,
                now=now,
            )
            report = SyncReport(plan, applied)
    for problem in plan.problems:
        log.warning(
            "inventory platform not synced", platform=problem.platform.value, error=problem.message
        )
    log.info("inventory synced", ok=report.ok, **report.summary())
    return report
