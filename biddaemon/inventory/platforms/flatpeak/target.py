"""Flatpeak as a target: devices, found by our reference (`reference_id`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from biddaemon.errors import BadMarketData
from biddaemon.inventory.canonical import Platform
from biddaemon.inventory.desired import Desired
from biddaemon.inventory.platforms.flatpeak import mapping
from biddaemon.inventory.target import NoApprovals, Observed, Retirement
from biddaemon.markets.flatpeak import Device, FlatpeakClient


class FlatpeakTarget(NoApprovals):
    platform = Platform.FLATPEAK
    # The documented device object has no `type`: it is compared with what was last sent.
    unreturned = frozenset({"type"})

    def __init__(self, client: FlatpeakClient) -> None:
        self.client = client

    def __repr__(self) -> str:
        return f"FlatpeakTarget({self.client!r})"

    def observe(self, wanted: Desired) -> Observed | None:
        found = [
            device
            for device in self.client.list_devices(reference_id=wanted.ref)
            if device.reference_id == wanted.ref
        ]
        if not found:
            return None
        if len(found) > 1:
            ids = ", ".join(device.id for device in found)
            raise BadMarketData(
                f"Flatpeak has {len(found)} devices with reference_id {wanted.ref!r} ({ids}); "
                "delete the extra ones on Flatpeak",
                field="reference_id",
            )
        device = found[0]
        return Observed(device.id, mapping.observed_fields(device), record=device)

    def create(self, wanted: Desired) -> str:
        return self.client.create_device(mapping.create_body(wanted)).id

    def update(self, wanted: Desired, current: Observed, changed: Mapping[str, Any]) -> None:
        if not isinstance(current.record, Device):
            raise TypeError("a Flatpeak update needs the device as observed")
        body = mapping.update_body(changed, current.record)
        self.client.update_device(current.remote_id, body)

    def show(self, name: str, value: Any) -> str:
        return mapping.show(name, value)

    def retirement(self, kind: str) -> Retirement:
        return Retirement(True, "delete the device")

    def retire(self, kind: str, remote_id: str) -> None:
        self.client.delete_device(remote_id)
