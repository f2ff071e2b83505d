"""Tensor Energy client (read-only): `TensorClient` and its wire models.

    from biddaemon.markets.tensor import TensorClient
    with TensorClient.from_settings(settings.inventory.tensor) as tensor:
        assets = tensor.list_assets()

Field names live in `models`, the mapping of error codes in `errors`.
"""

from biddaemon.markets.tensor.client import TensorClient
from biddaemon.markets.tensor.errors import describe_error, to_biddaemon_error
from biddaemon.markets.tensor.models import (
    AssetEnvelope,
    AssetsEnvelope,
    AssetStatus,
    Envelope,
    ErrorCode,
    GridZone,
    SubsidyScheme,
    TensorAsset,
    TensorError,
)

__all__ = [
    "AssetEnvelope",
    "AssetStatus",
    "AssetsEnvelope",
    "Envelope",
    "ErrorCode",
    "GridZone",
    "SubsidyScheme",
    "TensorAsset",
    "TensorClient",
    "TensorError",
    "describe_error",
    "to_biddaemon_error",
]
