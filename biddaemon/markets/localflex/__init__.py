"""EPEX SPOT LocalFlex client: `LocalFlexClient` and its wire models.

    from biddaemon.markets.localflex import LocalFlexClient
    with LocalFlexClient.from_settings(settings.inventory.localflex) as localflex:
        view = localflex.get_asset(mrid)

Field names live in `models`, ISO 8601 durations in `durations`, the error mapping in `errors`.
"""

from biddaemon.markets.localflex.client import LocalFlexClient
from biddaemon.markets.localflex.durations import format_iso_duration, parse_iso_duration
from biddaemon.markets.localflex.errors import describe_error, to_biddaemon_error
from biddaemon.markets.localflex.models import (
    ACTIVE_POWER_30M,
    ACTIVE_POWER_60M,
    APPROVAL_RESET_FIELDS,
    Asset,
    AssetCreate,
    AssetType,
    AssetUpdate,
    AssetView,
    Envelope,
    Portfolio,
    PortfolioCreate,
    PortfolioUpdate,
)

__all__ = [
    "ACTIVE_POWER_30M",
    "ACTIVE_POWER_60M",
    "APPROVAL_RESET_FIELDS",
    "Asset",
    "AssetCreate",
    "AssetType",
    "AssetUpdate",
    "AssetView",
    "Envelope",
    "LocalFlexClient",
    "Portfolio",
    "PortfolioCreate",
    "PortfolioUpdate",
    "describe_error",
    "format_iso_duration",
    "parse_iso_duration",
    "to_biddaemon_error",
]
