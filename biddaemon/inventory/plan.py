"""The plan: for each platform and asset, create, update (field by field), unchanged,
unsupported, or removed, worked out by reading each platform's current records and what was
last written there. Planning writes nothing.

Each field is compared with what the platform holds; a field the platform takes but never
returns (`Target.unreturned`) with what was last sent. A field that differs although we last
sent exactly what we want now was changed on the platform by someone else: that is drift,
shown with both values, and only `assets apply` overwrites it (never the scheduled sync). An
asset remembered on a platform but gone from the inventory is planned as removed; only
`apply --prune` retires it, where the platform offers a way.

A platform that cannot be read (refused credentials, rate limited, unreachable) is reported and
left out of the plan; the others are still planned. A LocalFlex update that touches a field
which resets the asset's approval is flagged, so the user sees it before anything is sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from biddaemon.errors import BiddaemonError, OperatorActionRequired, RetryLater
from biddaemon.inventory.canonical import Platform
from biddaemon.inventory.desired import Desired, Note, as_json, same_value
from biddaemon.inventory.merge import Inventory
from biddaemon.inventory.platforms import targets as target_modules
from biddaemon.inventory.records import Link
from biddaemon.inventory.target import Observed, Retirement, Target
from biddaemon.logs import get_logger

log = get_logger(__name__)


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    UNSUPPORTED = "unsupported"
    REMOVE = "remove"


@dataclass(frozen=True)
class FieldChange:
    """One field: what the platform holds (None when creating) and what it should hold.
    `drift`: we last sent `new`, and someone changed it to `old` on the platform."""

    field: str
    old: str | None
    new: str
    resets_approval: bool = False
    drift: bool = False


@dataclass(frozen=True)
class Step:
    """One record on one platform and what to do about it."""

    platform: Platform
    action: Action
    wanted: Desired
    current: Observed | None = None
    changes: tuple[FieldChange, ...] = ()
    retirement: Retirement | None = None  # for REMOVE: what `--prune` does, or why it cannot

    @property
    def ref(self) -> str:
        return self.wanted.ref

    @property
    def kind(self) -> str:
        return self.wanted.kind

    @property
    def remote_id(self) -> str | None:
        return self.current.remote_id if self.current is not None else None

    @property
    def notes(self) -> tuple[Note, ...]:
        return self.wanted.notes

    @property
    def writes(self) -> bool:
        return self.action in (Action.CREATE, Action.UPDATE)

    @property
    def resets_approval(self) -> bool:
        return self.action is Action.UPDATE and any(c.resets_approval for c in self.changes)

    @property
    def drifted(self) -> tuple[FieldChange, ...]:
        return tuple(change for change in self.changes if change.drift)


@dataclass(frozen=True)
class PlatformProblem:
    """A platform (or one of its records) that could not be read, so is not in the plan.

    `stopped` means nothing more was asked of that platform in this run (credentials refused,
    rate limited, unreachable); otherwise only the record `ref` is missing from the plan.
    """

    platform: Platform
    message: str
    error: str
    ref: str | None = None
    stopped: bool = False


@dataclass(frozen=True)
class Plan:
    inventory: Inventory
    steps: tuple[Step, ...]
    problems: tuple[PlatformProblem, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def writes(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.writes)

    @property
    def approval_resets(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.resets_approval)

    @property
    def drifts(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.drifted)

    @property
    def removals(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.action is Action.REMOVE)

    @property
    def retirements(self) -> tuple[Step, ...]:
        """The removals `apply --prune` would carry out."""
        return tuple(step for step in self.removals if step.retirement and step.retirement.possible)

    def counts(self) -> Counter[Action]:
        return Counter(step.action for step in self.steps)


def make_plan(
    inventory: Inventory,
    targets: Mapping[Platform, Target],
    links: Mapping[tuple[Platform, str], Link] | None = None,
) -> Plan:
    """Compare every record the inventory wants with what each enabled platform holds and
    what was last written there (`links`, see `records.remembered_links`)."""
    links = links or {}
    steps: list[Step] = []
    problems: list[PlatformProblem] = []
    notes: list[str] = list(inventory.notes)
    for module in target_modules():
        platform = module.platform
        if platform is None:
            continue
        wanted = module.wanted(inventory)
        target = targets.get(platform)
        if target is None:
            if wanted:
                notes.append(
                    f"{len(wanted)} record(s) list {platform.value}, which is not enabled "
                    f"({module.enable_variable}); nothing is planned there"
                )
            continue
        for desired in wanted:
            if desired.unsupported is not None:
                steps.append(Step(platform, Action.UNSUPPORTED, desired))
                continue
            try:
                current = target.observe(desired)
            except (OperatorActionRequired, RetryLater) as error:
                problems.append(_problem(platform, desired, error, stopped=True))
                log.warning(
                    "inventory platform unreadable", platform=platform.value, error=str(error)
                )
                break
            except BiddaemonError as error:
                problems.append(_problem(platform, desired, error, stopped=False))
                continue
            steps.append(diff(desired, current, target, links.get((platform, desired.ref))))
        steps.extend(_removed(platform, target, {d.ref for d in wanted}, links))
    return Plan(
        inventory=inventory, steps=tuple(steps), problems=tuple(problems), notes=tuple(notes)
    )


def _removed(
    platform: Platform,
    target: Target,
    wanted: set[str],
    links: Mapping[tuple[Platform, str], Link],
) -> list[Step]:
    """A step per asset remembered on `platform` that the inventory no longer puts there."""
    steps = []
    for (where, ref), link in sorted(links.items()):
        if where is not platform or ref in wanted or link.retired:
            continue
        gone = Desired(platform, link.kind, ref)
        current = Observed(link.remote_id, {})
        steps.append(
            Step(platform, Action.REMOVE, gone, current, retirement=target.retirement(link.kind))
        )
    return steps


def _problem(
    platform: Platform, desired: Desired, error: BiddaemonError, *, stopped: bool
) -> PlatformProblem:
    return PlatformProblem(
        platform=platform,
        message=str(error),
        error=type(error).__name__,
        ref=desired.ref,
        stopped=stopped,
    )


def diff(
    desired: Desired,
    current: Observed | None,
    target: Target,
    link: Link | None = None,
) -> Step:
    """The step that takes `current` (None: nothing there yet) to `desired`; `link` is what was
    last written there, if anything."""
    platform, show = desired.platform, target.show
    if current is None:
        changes = tuple(
            FieldChange(name, None, show(name, value)) for name, value in desired.fields.items()
        )
        return Step(platform, Action.CREATE, desired, None, changes)
    sent = link.fields if link is not None and link.fields is not None else {}
    found = []
    for name, value in desired.fields.items():
        wanted = as_json(value)
        if name in target.unreturned:
            # Compared with what we last sent; a record we never wrote this field of (one
            # registered by someone else, then imported) has nothing to compare it with.
            held = sent.get(name)
            if held is None or held == wanted:
                continue
            found.append(FieldChange(name, f"(not returned; last sent {held})", show(name, value)))
            continue
        held_value = current.fields.get(name)
        if same_value(held_value, value):
            continue
        found.append(
            FieldChange(
                name,
                show(name, held_value),
                show(name, value),
                target.resets_approval(desired.kind, name),
                drift=name in sent and sent[name] == wanted,
            )
        )
    changes = tuple(found)
    action = Action.UPDATE if changes else Action.UNCHANGED
    return Step(platform, action, desired, current, changes)
