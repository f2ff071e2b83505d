"""The names of the market's endpoints, shared by the routes, fault targets and the request log.

A fault says "the next 2 `submit_ballot` requests fail with 503"; these names are how it says so,
and they are also the operation ids in the OpenAPI document.
"""

from __future__ import annotations

from typing import Final

AUTHTOKEN: Final = "authtoken"
LIST_FLEX_PROVIDERS: Final = "list_flex_providers"
CREATE_ASSET: Final = "create_asset"
LIST_ASSETS: Final = "list_assets"
GET_ASSET: Final = "get_asset"
UPDATE_ASSET: Final = "update_asset"
CREATE_PLANNED_ASSET: Final = "create_planned_asset"
LIST_PLANNED_ASSETS: Final = "list_planned_assets"
GET_PLANNED_ASSET: Final = "get_planned_asset"
UPDATE_PLANNED_ASSET: Final = "update_planned_asset"
LIST_BIDDING_OPPORTUNITIES: Final = "list_bidding_opportunities"
GET_COMPETITION: Final = "get_competition"
SUBMIT_BALLOT: Final = "submit_ballot"
LIST_BALLOTS: Final = "list_ballots"
GET_BID_RESULTS: Final = "get_bid_results"
LIST_OBLIGATIONS: Final = "list_obligations"

MARKET_OPERATIONS: Final = (
    AUTHTOKEN,
    LIST_FLEX_PROVIDERS,
    CREATE_ASSET,
    LIST_ASSETS,
    GET_ASSET,
    UPDATE_ASSET,
    CREATE_PLANNED_ASSET,
    LIST_PLANNED_ASSETS,
    GET_PLANNED_ASSET,
    UPDATE_PLANNED_ASSET,
    LIST_BIDDING_OPPORTUNITIES,
    GET_COMPETITION,
    SUBMIT_BALLOT,
    LIST_BALLOTS,
    GET_BID_RESULTS,
    LIST_OBLIGATIONS,
)
# The stand-ins of the other platforms (biddaemon/sandbox/platforms/), served beside the market.
PLATFORM_OPERATIONS: Final = (
    "localflex.create_asset",
    "localflex.portfolio_assets",
    "localflex.get_asset",
    "localflex.update_asset",
    "localflex.create_portfolio",
    "localflex.list_portfolios",
    "localflex.get_portfolio",
    "localflex.update_portfolio",
    "flatpeak.login",
    "flatpeak.create_device",
    "flatpeak.list_devices",
    "flatpeak.get_device",
    "flatpeak.update_device",
    "flatpeak.delete_device",
    "tensor.list_assets",
    "tensor.get_asset",
)
# What a fault may target.
FAULT_TARGETS: Final = MARKET_OPERATIONS + PLATFORM_OPERATIONS
ANY_OPERATION: Final = "*"
