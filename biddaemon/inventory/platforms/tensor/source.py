"""Tensor Energy assets -> `AssetFacts` (the Tensor `id` is the reference).

Tensor knows a plant's name, status and position; it does not say the technology, capacity or
grid connection, which the inventory file adds. Status maps `operation` -> operational,
`planning` -> in_development, `maintenance` -> mothballed. Tensor's plants are in Japan, so their
country is JP.
"""

from __future__ import annotations

from biddaemon.inventory.canonical import AssetFacts, AssetStatus, Source
from biddaemon.markets.tensor import AssetStatus as TensorStatus
from biddaemon.markets.tensor import TensorAsset, TensorClient

STATUS = {
    TensorStatus.OPERATION: AssetStatus.OPERATIONAL,
    TensorStatus.PLANNING: AssetStatus.IN_DEVELOPMENT,
    TensorStatus.MAINTENANCE: AssetStatus.MOTHBALLED,
}
COUNTRY = "JP"


def facts_from_tensor(asset: TensorAsset) -> AssetFacts:
    return AssetFacts(
        ref=asset.id,
        source=Source.TENSOR,
        name=asset.name,
        status=STATUS[asset.status],
        country_code=COUNTRY,
        latitude=asset.latitude,
        longitude=asset.longitude,
    )


def import_tensor(client: TensorClient) -> list[AssetFacts]:
    """Every asset of the workspace, as facts."""
    return [facts_from_tensor(asset) for asset in client.list_assets()]
