"""Every Piclo Flex path biddaemon calls, in one place.

Paths marked [assumed] in docs/piclo-flex-api.md are not confirmed by a Piclo tutorial; checking
them against Piclo's OpenAPI document is an edit to this file only. Every path ends with `/`,
and every id is quoted as one path segment, so an id can never reach another resource.
"""

from __future__ import annotations

from urllib.parse import quote

AUTH_TOKEN = "/authtoken/v1/"  # noqa: S105 (a path, not a secret) [confirmed operation]
FLEX_PROVIDERS = "/flex-providers/v1/"  # [assumed]
FLEX_ASSETS = "/assets/v1/"  # [confirmed]
PLANNED_ASSETS = "/planned-assets/v1/"  # [assumed]
BIDDING_OPPORTUNITIES = "/bidding-opportunities/v1/"  # [confirmed]
OBLIGATIONS = "/obligations/v1/"  # [confirmed]


def _segment(value: str) -> str:
    if not value or not value.strip():
        raise ValueError("an id used in a path must not be empty")
    return quote(value, safe="")


def flex_asset(asset_id: str) -> str:
    return f"{FLEX_ASSETS}{_segment(asset_id)}/"  # [confirmed]


def planned_asset(planned_asset_id: str) -> str:
    return f"{PLANNED_ASSETS}{_segment(planned_asset_id)}/"  # [assumed]


def competition(competition_id: str) -> str:
    return f"/competitions/v1/{_segment(competition_id)}/"  # [confirmed]


def ballots(competition_id: str) -> str:
    return f"/bids/v1/competitions/{_segment(competition_id)}/ballots/"  # [assumed]


def bid_results(competition_id: str) -> str:
    return f"/bid-results/v1/{_segment(competition_id)}/"  # [assumed]


def asset_obligation(obligation_id: str) -> str:
    return f"{FLEX_ASSETS}obligations/{_segment(obligation_id)}/"  # [confirmed]
