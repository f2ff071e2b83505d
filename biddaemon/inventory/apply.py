"""Carry out a plan: create and update records platform by platform, remembering every id.

Each write is followed at once by its own small transaction recording the record's id against
the inventory asset, so a failure later in the run loses nothing already applied. A failure
that concerns the whole platform (refused credentials, rate limited, unreachable, an outcome
unknown) stops writing to that platform for this run; the others carry on. A refusal of one
record (a 4xx the platform explained) skips that record only.

Without `allow_approval_reset`, the fields of a LocalFlex update that would reset the asset's
approval are held back (the rest of the update is sent) and reported. Without
`overwrite_drift` (the scheduled sync), a field changed on the platform by someone else is left
as it is and reported; `assets apply` overwrites it. Without `prune`, nothing is ever retired;
with it, each asset gone from the inventory is retired where its platform allows.

After every write the fields sent are remembered (JSON), so the next plan compares a field the
platform never returns with what was sent, and tells drift from our own change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from biddaemon.clock import utcnow
from biddaemon.errors import (
    AmbiguousSubmission,
    BiddaemonError,
    OperatorActionRequired,
    RetryLater,
)
from biddaemon.inventory.canonical import Platform
from biddaemon.inventory.plan import Action, Plan, Step
from biddaemon.inventory.records import Link, record_link, record_retired, store_assets
from biddaemon.inventory.target import Target
from biddaemon.logs import get_logger

log = get_logger(__name__)
T = TypeVar("T")

APPROVAL_SETTING = "BIDDAEMON_INVENTORY__ALLOW_APPROVAL_RESET"


@dataclass(frozen=True)
class Applied:
    """A record written: created, or these fields updated."""

    step: Step
    remote_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Held:
    """Fields not sent because they would reset the asset's approval."""

    step: Step
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Drifted:
    """Fields changed on the platform by someone else, left as they are (the scheduled sync)."""

    step: Step
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Retired:
    """A record of an asset gone from the inventory, retired on its platform."""

    step: Step


@dataclass(frozen=True)
class Failed:
    """A write that failed, and why; `stopped` when it ended the platform's run."""

    step: Step
    message: str
    error: str
    stopped: bool


@dataclass(frozen=True)
class ApplyReport:
    applied: tuple[Applied, ...] = ()
    held: tuple[Held, ...] = ()
    failed: tuple[Failed, ...] = ()
    not_attempted: tuple[Step, ...] = ()
    rows_written: int = 0
    drifted: tuple[Drifted, ...] = ()
    retired: tuple[Retired, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failed and not self.not_attempted


def apply_plan(
    plan: Plan,
    targets: Mapping[Platform, Target],
    factory: sessionmaker[Session],
    *,
    allow_approval_reset: bool,
    overwrite_drift: bool = True,
    prune: bool = False,
    links: Mapping[tuple[Platform, str], Link] | None = None,
    now: Callable[[], datetime] = utcnow,
) -> ApplyReport:
    """Write what the plan says; see the module docstring for what happens on failure.
    `links` are what the plan was made with (the fields last written are kept up to date)."""
    links = links or {}
    asset_ids, rows = store_assets(factory, plan.inventory.assets, now=now())
    applied: list[Applied] = []
    held: list[Held] = []
    drifted: list[Drifted] = []
    retired: list[Retired] = []
    failed: list[Failed] = []
    not_attempted: list[Step] = []
    for platform in Platform:
        target = targets.get(platform)
        steps = [step for step in plan.steps if step.platform is platform]
        stopped = False
        for step in steps:
            retiring = step.action is Action.REMOVE and prune and step in plan.retirements
            if stopped and (step.writes or retiring):
                not_attempted.append(step)
                continue
            if step.action in (Action.UNSUPPORTED, Action.REMOVE) and not retiring:
                continue
            link = links.get((platform, step.ref))
            if step.action is Action.UNCHANGED:
                known = link.fields if link is not None else None
                fresh = None if known == step.wanted.as_json() else step.wanted.as_json()
                rows += _remember(
                    factory, asset_ids, step, step.remote_id, applied_at=None, fields=fresh
                )
                continue
            if target is None:  # a plan made with other targets: nothing to write with
                not_attempted.append(step)
                continue
            if retiring:
                gone = _attempt(step, target.retire, step.kind, step.remote_id or "")
                if isinstance(gone, Failed):
                    failed.append(gone)
                    stopped = gone.stopped
                    continue
                record_retired(factory, platform=platform, ref=step.ref, at=now())
                retired.append(Retired(step))
                rows += 1
                log.info(
                    "inventory record retired",
                    platform=platform.value,
                    ref=step.ref,
                    remote_id=step.remote_id,
                )
                continue
            fields = tuple(change.field for change in step.changes)
            if step.drifted and not overwrite_drift:
                left = tuple(change.field for change in step.drifted)
                drifted.append(Drifted(step, left))
                fields = tuple(name for name in fields if name not in left)
                log.warning(
                    "inventory drift left as it is: changed on the platform",
                    platform=platform.value,
                    ref=step.ref,
                    fields=list(left),
                )
                if not fields:
                    continue
            if step.resets_approval and not allow_approval_reset:
                resetting = tuple(c.field for c in step.changes if c.resets_approval)
                held.append(Held(step, resetting))
                fields = tuple(name for name in fields if name not in resetting)
                log.warning(
                    "inventory change held: it would reset the asset's approval",
                    platform=platform.value,
                    ref=step.ref,
                    fields=list(resetting),
                    setting=APPROVAL_SETTING,
                )
                if not fields:
                    continue
            remote_id = _attempt(step, _write, target, step, fields)
            if isinstance(remote_id, Failed):
                failed.append(remote_id)
                stopped = remote_id.stopped
                continue
            applied.append(Applied(step, remote_id, fields))
            complete = len(fields) == len(step.changes)
            sent = dict(link.fields or {}) if link is not None and step.current else {}
            sent |= step.wanted.as_json(step.wanted.fields if complete else fields)
            rows += _remember(
                factory,
                asset_ids,
                step,
                remote_id,
                applied_at=now(),
                applied_hash=step.wanted.fingerprint() if complete else None,
                fields=sent,
            )
            log.info(
                "inventory record written",
                platform=platform.value,
                ref=step.ref,
                kind=step.kind,
                action=step.action.value,
                remote_id=remote_id,
                fields=list(fields),
            )
    return ApplyReport(
        tuple(applied),
        tuple(held),
        tuple(failed),
        tuple(not_attempted),
        rows,
        tuple(drifted),
        tuple(retired),
    )


def _attempt(step: Step, call: Callable[..., T], *args: object) -> T | Failed:
    """`call(*args)`, or why it failed: `stopped` when the failure concerns the whole platform."""
    try:
        return call(*args)
    except (OperatorActionRequired, RetryLater, AmbiguousSubmission) as error:
        return Failed(step, str(error), type(error).__name__, stopped=True)
    except BiddaemonError as error:
        return Failed(step, str(error), type(error).__name__, stopped=False)


def _write(target: Target, step: Step, fields: tuple[str, ...]) -> str:
    if step.action is Action.CREATE or step.current is None:
        return target.create(step.wanted)
    target.update(step.wanted, step.current, {name: step.wanted.fields[name] for name in fields})
    return step.current.remote_id


def _remember(
    factory: sessionmaker[Session],
    asset_ids: Mapping[str, int],
    step: Step,
    remote_id: str | None,
    *,
    applied_at: datetime | None,
    applied_hash: str | None = None,
    fields: dict[str, object] | None = None,
) -> int:
    """Record the asset's id on the platform; portfolios are not inventory assets."""
    if remote_id is None or not step.wanted.inventory_asset:
        return 0
    asset_id = asset_ids.get(step.ref)
    if asset_id is None:
        return 0
    written = record_link(
        factory,
        asset_id=asset_id,
        platform=step.platform,
        remote_kind=step.kind,
        remote_id=remote_id,
        applied_at=applied_at,
        applied_hash=applied_hash,
        applied_fields=fields,
    )
    return int(written)
