"""What the fleet inventory tells the bidding cycle, read once per cycle: each asset's energy,
status and planned outages, keyed by the reference it carries on every platform."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from biddaemon.logs import get_logger
from biddaemon.store.models import InventoryAsset
from biddaemon.strategy.snapshot import InventoryFacts, OutageSpec

log = get_logger(__name__)


def energy_by_ref(session: Session) -> dict[str, Decimal]:
    """Energy (MWh) of inventory assets, by the reference they carry on every platform."""
    rows = session.execute(
        select(InventoryAsset.ref, InventoryAsset.energy_mwh).where(
            InventoryAsset.energy_mwh.is_not(None)
        )
    )
    return {ref: energy for ref, energy in rows if energy is not None}


def inventory_by_ref(session: Session, now: datetime) -> dict[str, InventoryFacts]:
    """Status and planned outages of inventory assets, by ref, read once per cycle. An outage
    that ended before now is left out; one the stored record cannot describe is skipped, logged."""
    facts: dict[str, InventoryFacts] = {}
    rows = session.execute(
        select(InventoryAsset.ref, InventoryAsset.status, InventoryAsset.details)
    )
    for ref, status, details in rows:
        outages: list[OutageSpec] = []
        canonical = details.get("canonical") if isinstance(details, dict) else None
        stored = canonical.get("outages") if isinstance(canonical, dict) else None
        for item in stored if isinstance(stored, list) else ():
            try:
                outage = OutageSpec(
                    start=datetime.fromisoformat(item["start"]),
                    end=datetime.fromisoformat(item["end"]),
                    mw=Decimal(item["mw"]),
                    reason=item.get("reason"),
                )
            except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
                log.warning("inventory outage skipped", ref=ref, reason=str(exc))
                continue
            if outage.end > now:
                outages.append(outage)
        facts[ref] = InventoryFacts(status=status, outages=tuple(outages))
    return facts
