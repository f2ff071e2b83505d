"""From Piclo's wire models to the strategy's snapshot: the one place that knows both.

The snapshot counts each asset's capacity in the competition's need direction (`deficit` and
`export` count export capacity, `excess` and `import` count import capacity; a Planned Asset
counts only when its `capacity_type` matches). Asset energy is not on the market, so it comes
from the inventory by `ref`, as do its status and planned outages (`InventoryFacts`). Anything
the snapshot refuses (a window it cannot hold, an active ballot without its asset set) becomes
`BadMarketData` for that competition, which the daemon records and skips.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Final

from biddaemon.clock import require_aware
from biddaemon.errors import BadMarketData
from biddaemon.markets.piclo.models import (
    Ballot,
    CapacityType,
    Competition,
    FlexAsset,
    NeedDirection,
    PlannedAsset,
)
from biddaemon.settings import StrategySettings
from biddaemon.strategy.snapshot import (
    AssetKind,
    AssetSpec,
    Commitment,
    CompetitionSnapshot,
    InventoryFacts,
    PreviousBallot,
    PreviousBid,
    StrategyInput,
    WindowSpec,
)

_COUNTS: Final[Mapping[NeedDirection, CapacityType]] = MappingProxyType(
    {
        NeedDirection.DEFICIT: CapacityType.EXPORT,
        NeedDirection.EXPORT: CapacityType.EXPORT,
        NeedDirection.EXCESS: CapacityType.IMPORT,
        NeedDirection.IMPORT: CapacityType.IMPORT,
    }
)
_ZERO = Decimal("0.000")


_UNKNOWN: Final = InventoryFacts()


def competition_snapshot(competition: Competition) -> CompetitionSnapshot:
    """The competition with every service window flattened, each with its period's dates."""
    try:
        windows = tuple(
            WindowSpec(
                id=window.id,
                period_id=period.id,
                name=window.name,
                start_date=period.start_date,
                end_date=period.end_date,
                start_time=window.start_time,
                end_time=window.end_time,
                days=frozenset(str(day) for day in window.days),
                bank_holidays=str(window.bank_holidays),
                capacity_required=window.capacity_required,
            )
            for period in competition.service_periods
            for window in period.service_windows
        )
        return CompetitionSnapshot(
            id=competition.id,
            type=str(competition.type),
            need_direction=str(competition.need_direction),
            status=str(competition.status),
            competition_open=competition.competition_open,
            competition_close=competition.competition_close,
            windows=windows,
            availability_guide_price=competition.availability_guide_price,
            utilisation_guide_price=competition.utilisation_guide_price,
            service_fee_guide_price=competition.service_fee_guide_price,
            operator=competition.operator_name,
        )
    except (TypeError, ValueError) as exc:
        raise BadMarketData(str(exc), competition_id=competition.id) from None


def flex_capacity(asset: FlexAsset, direction: NeedDirection) -> Decimal:
    if _COUNTS[direction] is CapacityType.EXPORT:
        return asset.active_export_capacity or _ZERO
    return asset.active_import_capacity or _ZERO


def planned_capacity(asset: PlannedAsset, direction: NeedDirection) -> Decimal:
    return asset.capacity_value if asset.capacity_type is _COUNTS[direction] else _ZERO


def asset_specs(
    competition: Competition,
    flex: Iterable[FlexAsset],
    planned: Iterable[PlannedAsset],
    *,
    energy_mwh_by_ref: Mapping[str, Decimal] | None = None,
    inventory_by_ref: Mapping[str, InventoryFacts] | None = None,
) -> tuple[AssetSpec, ...]:
    """The qualifying assets, with capacity in this competition's need direction."""
    energy = energy_mwh_by_ref or {}
    inventory = inventory_by_ref or {}
    direction = competition.need_direction

    def spec(
        kind: AssetKind, asset_id: str, ref: str, capacity: Decimal, runtime: timedelta | None
    ) -> AssetSpec:
        facts = inventory.get(ref, _UNKNOWN)
        return AssetSpec(
            id=asset_id,
            kind=kind,
            ref=ref,
            capacity=capacity,
            energy_mwh=energy.get(ref),
            max_runtime=runtime,
            status=facts.status,
            outages=facts.outages,
        )

    specs = [spec("flex", a.id, a.ref, flex_capacity(a, direction), a.max_runtime) for a in flex]
    specs.extend(
        spec("planned", a.id, a.reference, planned_capacity(a, direction), a.maximum_runtime)
        for a in planned
    )
    return tuple(specs)


def active_ballot(ballots: Sequence[Ballot], competition_id: str) -> Ballot | None:
    """The one ballot the market marks active, if any (more than one is not to be guessed at)."""
    active = [b for b in ballots if b.active]
    if len(active) > 1:
        ids = ", ".join(b.id for b in active)
        raise BadMarketData(f"more than one active ballot ({ids})", competition_id=competition_id)
    return active[0] if active else None


def previous_ballot(ballot: Ballot | None, competition_id: str) -> PreviousBallot | None:
    """The active ballot as the engine needs it: its asset set and every bid."""
    if ballot is None:
        return None
    if ballot.competition_id != competition_id:
        raise BadMarketData(
            f"ballot {ballot.id} belongs to competition {ballot.competition_id}",
            competition_id=competition_id,
        )
    if ballot.assets is None or ballot.assets.is_empty:
        raise BadMarketData(
            f"the active ballot {ballot.id} does not say which assets it includes, and a "
            "resubmission must use exactly the same set",
            field="assets",
            competition_id=competition_id,
        )
    return PreviousBallot(
        market_id=ballot.id,
        flex_ids=frozenset(ballot.assets.flex),
        planned_ids=frozenset(ballot.assets.planned),
        bids=tuple(
            PreviousBid(
                window_id=bid.service_window_id,
                capacity=bid.capacity,
                rates={str(rate.type): rate.value for rate in bid.rates},
                max_runtime=bid.max_runtime,
                market_bid_id=bid.id,
            )
            for bid in ballot.bids
        ),
    )


def strategy_input(
    competition: Competition,
    flex: Iterable[FlexAsset],
    planned: Iterable[PlannedAsset],
    active: Ballot | None,
    *,
    commitments: Iterable[Commitment],
    settings: StrategySettings,
    now: datetime,
    energy_mwh_by_ref: Mapping[str, Decimal] | None = None,
    inventory_by_ref: Mapping[str, InventoryFacts] | None = None,
) -> StrategyInput:
    """Everything `decide` needs for one competition, from what the market and store returned."""
    moment = require_aware(now, "now")  # a naive time is our bug, not the market's
    snapshot = competition_snapshot(competition)
    previous = previous_ballot(active, competition.id)
    try:
        assets = asset_specs(
            competition,
            flex,
            planned,
            energy_mwh_by_ref=energy_mwh_by_ref,
            inventory_by_ref=inventory_by_ref,
        )
        return StrategyInput(
            competition=snapshot,
            assets=assets,
            previous=previous,
            commitments=tuple(commitments),
            settings=settings,
            now=moment,
        )
    except (TypeError, ValueError) as exc:
        raise BadMarketData(str(exc), competition_id=competition.id) from None
