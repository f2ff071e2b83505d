"""Piclo Flex as a target: Flex Assets and Planned Assets, found by our reference."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from biddaemon.errors import BadMarketData
from biddaemon.inventory.canonical import Platform
from biddaemon.inventory.desired import Desired
from biddaemon.inventory.platforms.piclo import mapping
from biddaemon.inventory.target import NoApprovals, Observed, Retirement
from biddaemon.markets.piclo import FlexAsset, FlexAssetUpdate, PicloClient, PlannedAsset
from biddaemon.markets.piclo.models import AssetStatus


class PicloTarget(NoApprovals):
    platform = Platform.PICLO
    unreturned: frozenset[str] = frozenset()

    def __init__(self, client: PicloClient, *, provider_id: str) -> None:
        self.client = client
        self.provider_id = provider_id

    def __repr__(self) -> str:
        return f"PicloTarget(provider_id={self.provider_id!r})"

    def observe(self, wanted: Desired) -> Observed | None:
        """Look the record up by reference (the list filter is [assumed], so the answer is
        filtered here too); two records with one reference is an error, not a guess."""
        found: Sequence[FlexAsset | PlannedAsset]
        if wanted.kind == mapping.PLANNED_ASSET:
            found = [
                asset
                for asset in self.client.list_planned_assets(reference=wanted.ref)
                if asset.reference == wanted.ref
            ]
        else:
            found = [
                asset
                for asset in self.client.list_flex_assets(ref=wanted.ref)
                if asset.ref == wanted.ref
            ]
        if not found:
            return None
        if len(found) > 1:
            ids = ", ".join(record.id for record in found)
            raise BadMarketData(
                f"Piclo has {len(found)} {wanted.kind.replace('_', ' ')}s with reference "
                f"{wanted.ref!r} ({ids}); remove the extra ones on Piclo",
                field="ref",
            )
        record = found[0]
        return Observed(record.id, mapping.observed_fields(record), record=record)

    def create(self, wanted: Desired) -> str:
        if wanted.kind == mapping.PLANNED_ASSET:
            body = mapping.planned_create_body(wanted, provider_id=self.provider_id)
            return self.client.create_planned_asset(body).id
        return self.client.create_flex_asset(
            mapping.flex_create_body(wanted, provider_id=self.provider_id)
        ).id

    def update(self, wanted: Desired, current: Observed, changed: Mapping[str, Any]) -> None:
        if wanted.kind == mapping.PLANNED_ASSET:
            self.client.update_planned_asset(
                current.remote_id, mapping.planned_update_body(changed)
            )
        else:
            self.client.update_flex_asset(current.remote_id, mapping.flex_update_body(changed))

    def show(self, name: str, value: Any) -> str:
        return mapping.show(name, value)

    def retirement(self, kind: str) -> Retirement:
        if kind == mapping.PLANNED_ASSET:
            return Retirement(False, "Piclo Planned Assets have no status to archive; left as is")
        # The Piclo documentation recommends `archived` for assets that must not qualify.
        return Retirement(True, "set status archived")

    def retire(self, kind: str, remote_id: str) -> None:
        self.client.update_flex_asset(remote_id, FlexAssetUpdate(status=AssetStatus.ARCHIVED))
