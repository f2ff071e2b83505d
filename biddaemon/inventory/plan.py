"""The plan: for each platform and asset, create, update (field by field), unchanged, or
unsupported, worked out by reading each platform's current records. Planning writes nothing.

A platform that cannot be read (refused credentials, rate limited, unreachable) is reported and
left out of the plan; the others are still planned. A LocalFlex update that touches a field
which resets the asset's approval is flagged, so the user sees it before anything is sent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from biddaemon.errors import BiddaemonError, OperatorActionRequired, RetryLater
from biddaemon.inventory.canonical import CanonicalAsset, Platform
from biddaemon.inventory.mapping import flatpeak as flatpeak_mapping
from biddaemon.inventory.mapping import localflex as localflex_mapping
from biddaemon.inventory.mapping import piclo as piclo_mapping
from biddaemon.inventory.mapping.base import Desired, Note, same_value
from biddaemon.inventory.merge import Inventory
from biddaemon.inventory.targets.base import Observed, Target
from biddaemon.logs import get_logger

log = get_logger(__name__)

MAPPINGS: dict[Platform, Callable[[CanonicalAsset], Desired]] = {
    Platform.PICLO: piclo_mapping.desired,
    Platform.LOCALFLEX: localflex_mapping.desired,
    Platform.FLATPEAK: flatpeak_mapping.desired,
}
ENABLE_VARIABLES = {
    Platform.PICLO: "BIDDAEMON_INVENTORY__PICLO__ENABLED",
    Platform.LOCALFLEX: "BIDDAEMON_INVENTORY__LOCALFLEX__ENABLED",
    Platform.FLATPEAK: "BIDDAEMON_INVENTORY__FLATPEAK__ENABLED",
}


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class FieldChange:
    """One field: what the platform holds (None when creating) and what it should hold."""

    field: str
    old: str | None
    new: str
    resets_approval: bool = False


@dataclass(frozen=True)
class Step:
    """One record on one platform and what to do about it."""

    platform: Platform
    action: Action
    wanted: Desired
    current: Observed | None = None
    changes: tuple[FieldChange, ...] = ()

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

    def counts(self) -> Counter[Action]:
        return Counter(step.action for step in self.steps)


def make_plan(inventory: Inventory, targets: Mapping[Platform, Target]) -> Plan:
    """Compare every record the inventory wants with what each enabled platform holds."""
    steps: list[Step] = []
    problems: list[PlatformProblem] = []
    notes: list[str] = list(inventory.notes)
    for platform in Platform:
        wanted = _wanted_on(platform, inventory)
        target = targets.get(platform)
        if target is None:
            if wanted:
                notes.append(
                    f"{len(wanted)} record(s) list {platform.value}, which is not enabled "
                    f"({ENABLE_VARIABLES[platform]}); nothing is planned there"
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
            steps.append(diff(platform, desired, current, target.show))
    return Plan(
        inventory=inventory, steps=tuple(steps), problems=tuple(problems), notes=tuple(notes)
    )


def _wanted_on(platform: Platform, inventory: Inventory) -> list[Desired]:
    wanted: list[Desired] = []
    if platform is Platform.LOCALFLEX:
        wanted.extend(localflex_mapping.desired_portfolio(p) for p in inventory.portfolios)
    mapping = MAPPINGS[platform]
    wanted.extend(mapping(asset) for asset in inventory.assets if platform in asset.platforms)
    return wanted


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
    platform: Platform,
    desired: Desired,
    current: Observed | None,
    show: Callable[[str, Any], str],
) -> Step:
    """The step that takes `current` (None: nothing there yet) to `desired`."""
    resetting = platform is Platform.LOCALFLEX and desired.kind == localflex_mapping.ASSET
    if current is None:
        changes = tuple(
            FieldChange(name, None, show(name, value)) for name, value in desired.fields.items()
        )
        return Step(platform, Action.CREATE, desired, None, changes)
    changes = tuple(
        FieldChange(
            name,
            show(name, current.fields.get(name)),
            show(name, value),
            resetting and localflex_mapping.resets_approval(name),
        )
        for name, value in desired.fields.items()
        if not same_value(current.fields.get(name), value)
    )
    action = Action.UPDATE if changes else Action.UNCHANGED
    return Step(platform, action, desired, current, changes)
