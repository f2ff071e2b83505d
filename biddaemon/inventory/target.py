"""What the plan and apply steps need from a platform."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from biddaemon.inventory.canonical import Platform
from biddaemon.inventory.desired import Desired


@dataclass(frozen=True)
class Observed:
    """A record as the platform holds it: its id, its values in the mapping's form, and (for
    LocalFlex) whether it is approved. `record` is the client's model of it."""

    remote_id: str
    fields: Mapping[str, Any]
    approval: str | None = None
    record: Any = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Retirement:
    """What retiring a record does on its platform, or why it cannot be retired there."""

    possible: bool
    what: str


class Target(Protocol):
    """One platform's records. `unreturned` names the fields it takes but never returns (they
    are compared with what was last sent, not with their absence)."""

    platform: Platform
    unreturned: frozenset[str]

    def observe(self, wanted: Desired) -> Observed | None:
        """The platform's record for `wanted`, or None if it has none."""
        ...

    def create(self, wanted: Desired) -> str:
        """Create the record; returns its id on the platform."""
        ...

    def update(self, wanted: Desired, current: Observed, changed: Mapping[str, Any]) -> None:
        """Send the changed fields (names and values as in `Desired.fields`)."""
        ...

    def show(self, name: str, value: Any) -> str:
        """A value of field `name` as the plan prints it."""
        ...

    def resets_approval(self, kind: str, name: str) -> bool:
        """Whether changing field `name` of a `kind` record withdraws the platform's approval."""
        ...

    def retirement(self, kind: str) -> Retirement:
        """What `apply --prune` does to a `kind` record that left the inventory (or why it
        cannot: the plan says so, and the record is left as it is)."""
        ...

    def retire(self, kind: str, remote_id: str) -> None:
        """Retire the record (only called when `retirement(kind).possible`)."""
        ...


class NoApprovals:
    """For platforms whose records carry no approval that a change withdraws."""

    def resets_approval(self, kind: str, name: str) -> bool:
        return False
