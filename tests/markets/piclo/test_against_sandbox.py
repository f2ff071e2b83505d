"""Every endpoint of the sandbox market parses with the daemon's own client models.

The sandbox was written from the contract without importing the client; this is where the two
readings of the contract meet, over real HTTP on loopback.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import SecretStr

from biddaemon.clock import use_clock
from biddaemon.markets.piclo import (
    AssetStatus,
    BallotRequest,
    BidRequest,
    CapacityType,
    FlexAssetCreate,
    FlexAssetUpdate,
    PicloClient,
    PlannedAssetCreate,
    PlannedAssetUpdate,
    Rate,
    ResultsStatus,
)
from biddaemon.markets.piclo.models import RateType
from biddaemon.sandbox import (
    DEFAULT_API_KEY,
    DEFAULT_CLIENT_ID,
    DEFAULT_PROVIDER_ID,
    SandboxConfig,
    SandboxServer,
)
from biddaemon.strategy.snapshot import REQUIRED_RATES

START = datetime(2027, 1, 5, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(
        SandboxConfig(start=START, speed=0, seed=5, token_lifetime_seconds=10**8, page_size=3)
    ) as running:
        yield running


@pytest.fixture
def client(server: SandboxServer) -> Iterator[PicloClient]:
    server.sandbox.restore()
    use_clock(server.clock.now)
    with PicloClient(
        base_url=server.base_url,
        client_id=DEFAULT_CLIENT_ID,
        api_key=SecretStr(DEFAULT_API_KEY),
        provider_id=DEFAULT_PROVIDER_ID,
    ) as piclo:
        yield piclo
    use_clock(None)


def test_provider_assets_and_planned_assets_round_trip(client: PicloClient) -> None:
    (provider,) = client.list_flex_providers()
    assert provider.id == DEFAULT_PROVIDER_ID
    assets = client.list_flex_assets()
    assert len(assets) > 3, "more than one page, followed to the end"
    created = client.create_flex_asset(
        FlexAssetCreate(
            provider=DEFAULT_PROVIDER_ID,
            ref="compat-bess-1",
            name="Compat BESS",
            status=AssetStatus.OPERATIONAL,
            asset_category="storage",
            asset_type="battery",
            voltage_level=Decimal("11.00"),
            country_code="GB",
            postcode="KY11 8UH",
            active_export_capacity=Decimal("2.000"),
            active_import_capacity=Decimal("2.000"),
        )
    )
    assert client.get_flex_asset(created.id) == created
    assert [a.id for a in client.list_flex_assets(ref="compat-bess-1")] == [created.id]
    patched = client.update_flex_asset(
        created.id, FlexAssetUpdate(active_export_capacity=Decimal("2.500"))
    )
    assert patched.active_export_capacity == Decimal("2.500")

    competition = client.get_competition(client.list_bidding_opportunities()[0].competition_id)
    planned = client.create_planned_asset(
        PlannedAssetCreate(
            competition_reference=competition.reference,
            operator_name=competition.operator_name,
            provider=DEFAULT_PROVIDER_ID,
            reference="compat-planned-1",
            name="Compat planned",
            voltage_level=Decimal("11.00"),
            asset_type="battery",
            capacity_type=CapacityType.EXPORT,
            capacity_value=Decimal("1.000"),
        )
    )
    assert client.get_planned_asset(planned.id) == planned
    assert planned.id in {p.id for p in client.list_planned_assets()}
    renamed = client.update_planned_asset(planned.id, PlannedAssetUpdate(name="Renamed"))
    assert renamed.name == "Renamed"


def test_opportunities_competitions_ballots_results_and_obligations(
    client: PicloClient, server: SandboxServer
) -> None:
    opportunities = client.list_bidding_opportunities()
    assert opportunities
    opportunity = max(opportunities, key=lambda o: o.total_capacity)
    competition = client.get_competition(opportunity.competition_id)
    assert competition.windows
    required = REQUIRED_RATES.get(competition.type)
    assert required is not None
    window = min(competition.windows, key=lambda w: w.capacity_required)
    request = BallotRequest(
        competition_id=competition.id,
        assets=opportunity.assets,
        bids=(
            BidRequest(
                service_window_id=window.id,
                capacity=min(window.capacity_required, opportunity.total_capacity),
                rates=tuple(
                    Rate(type=RateType(rate), value=Decimal("0.01")) for rate in sorted(required)
                ),
            ),
        ),
    )
    stored = client.submit_ballot(competition.id, request)
    assert stored.active
    listed = client.list_ballots(competition.id)
    assert [b.id for b in listed] == [stored.id]
    assert listed[0].bids[0].capacity == request.bids[0].capacity

    pending = client.get_bid_results(competition.id)
    assert pending.status is ResultsStatus.PENDING
    server.clock.advance(timedelta(days=20).total_seconds())
    published = client.get_bid_results(competition.id)
    assert published.status is ResultsStatus.PUBLISHED
    (result,) = [r for r in published.results if r.bid_id == stored.bids[0].id]
    assert result.status.value in ("accepted", "rejected")
    obligations = client.list_obligations(competition_id=competition.id)
    if result.status.value == "accepted":
        assert [o.bid_id for o in obligations] == [stored.bids[0].id]
    else:
        assert obligations == []
