"""The inventory's rows: one `InventoryAsset` per asset and one `PlatformAssetLink` per platform.

Rows are written only when something differs, so a run with nothing new writes nothing. The MW
and MWh columns hold 3 places (the project's MW scale); an asset with finer values keeps them
exactly in `details["canonical"]`, and the column holds the value rounded down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_DOWN, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from biddaemon.inventory.canonical import CanonicalAsset, Platform
from biddaemon.store.database import transaction
from biddaemon.store.models import InventoryAsset, PlatformAssetLink

MW_COLUMN = Decimal("0.001")


def _column(value: Decimal | None) -> Decimal | None:
    return value.quantize(MW_COLUMN, rounding=ROUND_DOWN) if value is not None else None


def _columns(asset: CanonicalAsset) -> dict[str, Any]:
    return {
        "name": asset.name,
        "technology": asset.technology.value,
        "status": asset.status.value,
        "export_mw": _column(asset.export_mw),
        "import_mw": _column(asset.import_mw),
        "energy_mwh": _column(asset.energy_mwh),
        "details": {"canonical": asset.to_record(), "fingerprint": asset.fingerprint()},
    }


def store_assets(
    factory: sessionmaker[Session], assets: Iterable[CanonicalAsset], *, now: datetime
) -> tuple[dict[str, int], int]:
    """Insert or update each asset's row; returns (row id by ref, rows written)."""
    ids: dict[str, int] = {}
    written = 0
    with transaction(factory) as session:
        for asset in assets:
            row = session.scalar(select(InventoryAsset).where(InventoryAsset.ref == asset.ref))
            values = _columns(asset)
            if row is None:
                row = InventoryAsset(ref=asset.ref, created_at=now, updated_at=now, **values)
                session.add(row)
                written += 1
            elif any(getattr(row, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(row, name, value)
                row.updated_at = now
                written += 1
            session.flush()
            ids[asset.ref] = row.id
    return ids, written


@dataclass(frozen=True)
class Link:
    """What the inventory remembers of one asset on one platform."""

    ref: str
    platform: Platform
    kind: str
    remote_id: str
    fields: Mapping[str, Any] | None = field(default=None, compare=False)
    retired: bool = False


def remembered_links(factory: sessionmaker[Session]) -> dict[tuple[Platform, str], Link]:
    """Every link, by (platform, ref): the ids and the fields last written."""
    known = {platform.value: platform for platform in Platform}
    with factory() as session:
        rows = session.execute(
            select(InventoryAsset.ref, PlatformAssetLink).join(PlatformAssetLink.asset)
        ).all()
        links = {}
        for ref, link in rows:
            platform = known.get(link.platform)
            if platform is None:
                continue
            links[platform, ref] = Link(
                ref,
                platform,
                link.remote_kind,
                link.remote_id,
                dict(link.last_applied_fields) if link.last_applied_fields is not None else None,
                link.retired_at is not None,
            )
    return links


def record_retired(
    factory: sessionmaker[Session], *, platform: Platform, ref: str, at: datetime
) -> None:
    """Mark the asset `ref` as retired on `platform` (it is not planned there again). What was
    last written is forgotten: if the asset comes back, the retired record is not drift."""
    with transaction(factory) as session:
        link = session.scalar(
            select(PlatformAssetLink)
            .join(PlatformAssetLink.asset)
            .where(InventoryAsset.ref == ref, PlatformAssetLink.platform == platform.value)
        )
        if link is not None:
            link.retired_at = at
            link.last_applied_fields = None


def record_link(
    factory: sessionmaker[Session],
    *,
    asset_id: int,
    platform: Platform,
    remote_kind: str,
    remote_id: str,
    applied_at: datetime | None = None,
    applied_hash: str | None = None,
    applied_fields: Mapping[str, Any] | None = None,
) -> bool:
    """Remember the asset's id on `platform` (and, after a write, what was written and when).

    `applied_fields` (JSON form) replaces the fields remembered as last written, when given.
    Returns whether a row was written: an unchanged link seen again writes nothing.
    """
    with transaction(factory) as session:
        link = session.scalar(
            select(PlatformAssetLink).where(
                PlatformAssetLink.inventory_asset_id == asset_id,
                PlatformAssetLink.platform == platform.value,
            )
        )
        if link is None:
            session.add(
                PlatformAssetLink(
                    inventory_asset_id=asset_id,
                    platform=platform.value,
                    remote_kind=remote_kind,
                    remote_id=remote_id,
                    last_applied_at=applied_at,
                    last_applied_hash=applied_hash,
                    last_applied_fields=dict(applied_fields) if applied_fields else None,
                )
            )
            return True
        moved = (link.remote_kind, link.remote_id) != (remote_kind, remote_id)
        fields = dict(applied_fields) if applied_fields is not None else None
        refreshed = fields is not None and fields != link.last_applied_fields
        back = link.retired_at is not None
        if not moved and applied_at is None and not refreshed and not back:
            return False
        link.remote_kind, link.remote_id = remote_kind, remote_id
        link.retired_at = None  # written again: the asset is back in the inventory
        if applied_at is not None:
            link.last_applied_at, link.last_applied_hash = applied_at, applied_hash
        if fields is not None:
            link.last_applied_fields = fields
        return True
