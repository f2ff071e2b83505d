"""`PicloClient`: one method per Piclo Flex endpoint, returning typed models or biddaemon errors.

The client decides nothing: it sends, retries what is safe to retry, and maps every failure to a
`biddaemon.errors` class (see `biddaemon.markets.http` for the rules). It is synchronous and may
be shared by several threads; reads are bounded by `max_concurrent_reads`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr

from biddaemon.errors import AmbiguousSubmission, BadMarketData
from biddaemon.markets.http import RetryPolicy
from biddaemon.markets.json_body import decode_json
from biddaemon.markets.piclo import routes
from biddaemon.markets.piclo.auth import Clock, TokenCache, utc_now
from biddaemon.markets.piclo.errors import describe_error, to_biddaemon_error
from biddaemon.markets.piclo.models import (
    Ballot,
    BallotRequest,
    BiddingOpportunity,
    BidResults,
    Competition,
    FlexAsset,
    FlexAssetCreate,
    FlexAssetUpdate,
    FlexProvider,
    Obligation,
    PlannedAsset,
    PlannedAssetCreate,
    PlannedAssetUpdate,
    TokenResponse,
    WireModel,
    parse_wire,
)
from biddaemon.markets.platform import Credential, PlatformClient, market_http
from biddaemon.settings import ENV_PREFIX

M = TypeVar("M", bound=BaseModel)
FilterValue = str | int | bool | Decimal | date | datetime
MAX_PAGES = 1000


class PicloClient(PlatformClient):
    """The Piclo Flex API for one machine user. Use as a context manager, or call `close()`.

    `PicloClient.from_settings(settings.piclo, clock=...)` builds one from the configuration."""

    CREDENTIALS = (
        Credential("client_id", f"{ENV_PREFIX}PICLO__CLIENT_ID", "required to talk to the market"),
        Credential("api_key", f"{ENV_PREFIX}PICLO__API_KEY", "required to talk to the market"),
    )
    SETTINGS = ("provider_id", "max_concurrent_reads")

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        api_key: SecretStr,
        provider_id: str | None = None,
        timeout_seconds: float = 30.0,
        connect_timeout_seconds: float = 10.0,
        max_concurrent_reads: int = 4,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.provider_id = provider_id
        self._api_key = api_key
        self._http = market_http(
            base_url=self.base_url,
            map_error=to_biddaemon_error,
            describe_error=describe_error,
            secrets=[api_key.get_secret_value()],
            timeout_seconds=timeout_seconds,
            connect_timeout_seconds=connect_timeout_seconds,
            policy=policy,
            transport=transport,
            max_concurrent_reads=max_concurrent_reads,
            platform="piclo",
        )
        self._tokens = TokenCache(self._fetch_token, clock=clock)
        self._http.set_auth(self._tokens)

    def __repr__(self) -> str:
        return (
            f"PicloClient(base_url={self.base_url!r}, client_id={self.client_id!r}, "
            f"provider_id={self.provider_id!r})"
        )

    # ---------------------------------------------------------------------------------------
    # Authentication and provider

    def authenticate(self) -> datetime | None:
        """Log in now (checking the credentials); returns when the token expires, if it says."""
        self._tokens.renew()
        return self._tokens.expires

    def _fetch_token(self) -> SecretStr:
        body = {"client_id": self.client_id, "api_key": self._api_key.get_secret_value()}
        answer = self._http.read_json("POST", routes.AUTH_TOKEN, json=body, authenticated=False)
        return parse_wire(TokenResponse, answer, what="login answer").token

    def list_flex_providers(self) -> list[FlexProvider]:
        return self._list(FlexProvider, routes.FLEX_PROVIDERS)

    # ---------------------------------------------------------------------------------------
    # Flex Assets

    def create_flex_asset(self, asset: FlexAssetCreate) -> FlexAsset:
        return self._write(FlexAsset, "POST", routes.FLEX_ASSETS, asset)

    def get_flex_asset(self, asset_id: str) -> FlexAsset:
        return self._get(FlexAsset, routes.flex_asset(asset_id))

    def list_flex_assets(self, **filters: FilterValue) -> list[FlexAsset]:
        """All Flex Assets of the user, optionally filtered (e.g. `ref="asset001"`)."""
        return self._list(FlexAsset, routes.FLEX_ASSETS, filters)

    def update_flex_asset(self, asset_id: str, changes: FlexAssetUpdate) -> FlexAsset:
        return self._write(FlexAsset, "PATCH", routes.flex_asset(asset_id), changes)

    # ---------------------------------------------------------------------------------------
    # Planned Assets

    def create_planned_asset(self, asset: PlannedAssetCreate) -> PlannedAsset:
        return self._write(PlannedAsset, "POST", routes.PLANNED_ASSETS, asset)

    def get_planned_asset(self, planned_asset_id: str) -> PlannedAsset:
        return self._get(PlannedAsset, routes.planned_asset(planned_asset_id))

    def list_planned_assets(self, **filters: FilterValue) -> list[PlannedAsset]:
        return self._list(PlannedAsset, routes.PLANNED_ASSETS, filters)

    def update_planned_asset(
        self, planned_asset_id: str, changes: PlannedAssetUpdate
    ) -> PlannedAsset:
        return self._write(PlannedAsset, "PATCH", routes.planned_asset(planned_asset_id), changes)

    # ---------------------------------------------------------------------------------------
    # Competitions, ballots, results

    def list_bidding_opportunities(
        self, *, on_bad_item: Callable[[BadMarketData], None] | None = None
    ) -> list[BiddingOpportunity]:
        """Open competitions the provider qualifies for.

        One unreadable entry raises BadMarketData, unless `on_bad_item` is given: then it is
        handed the error (naming the competition) and the other entries are still returned.
        """
        opportunities = []
        for index, item in enumerate(self._fetch_all(routes.BIDDING_OPPORTUNITIES)):
            try:
                opportunity = parse_wire(
                    BiddingOpportunity, item, what="bidding opportunity", at=f"[{index}]"
                )
            except BadMarketData as error:
                if on_bad_item is None:
                    raise
                on_bad_item(error)
                continue
            opportunities.append(opportunity)
        return opportunities

    def get_competition(self, competition_id: str) -> Competition:
        competition = self._get(
            Competition, routes.competition(competition_id), competition_id=competition_id
        )
        if competition.id != competition_id:
            raise BadMarketData(
                f"asked for competition {competition_id!r}, got {competition.id!r}",
                field="id",
                competition_id=competition_id,
            )
        return competition

    def submit_ballot(self, competition_id: str, ballot: BallotRequest) -> Ballot:
        """Send the full ballot; an unknown outcome raises AmbiguousSubmission (reconcile first)."""
        if ballot.competition_id != competition_id:
            raise ValueError(
                f"ballot is for competition {ballot.competition_id!r}, not {competition_id!r}"
            )
        return self._write(Ballot, "POST", routes.ballots(competition_id), ballot)

    def list_ballots(self, competition_id: str) -> list[Ballot]:
        """The provider's ballots for a competition, newest first; the active one is marked."""
        return self._list(Ballot, routes.ballots(competition_id), competition_id=competition_id)

    def get_bid_results(self, competition_id: str) -> BidResults:
        return self._get(
            BidResults, routes.bid_results(competition_id), competition_id=competition_id
        )

    # ---------------------------------------------------------------------------------------
    # Obligations

    def list_obligations(self, **filters: FilterValue) -> list[Obligation]:
        """Obligations, filtered e.g. by `competition_id`, `bid_id` or dates."""
        return self._list(Obligation, routes.OBLIGATIONS, filters)

    def get_obligation(self, obligation_id: str) -> Obligation:
        return self._get(Obligation, routes.asset_obligation(obligation_id))

    # ---------------------------------------------------------------------------------------
    # Plumbing

    def _get(self, model: type[M], path: str, *, competition_id: str | None = None) -> M:
        body = self._http.read_json("GET", path)
        return parse_wire(model, body, competition_id=competition_id)

    def _list(
        self,
        model: type[M],
        path: str,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        competition_id: str | None = None,
    ) -> list[M]:
        items = self._fetch_all(path, filters, competition_id=competition_id)
        return [
            parse_wire(model, item, competition_id=competition_id, at=f"[{index}]")
            for index, item in enumerate(items)
        ]

    def _fetch_all(
        self,
        path: str,
        filters: Mapping[str, FilterValue] | None = None,
        *,
        competition_id: str | None = None,
    ) -> list[Any]:
        """Every item of a list endpoint: a bare array, or DRF pages followed through `next`."""
        items: list[Any] = []
        url: str | None = path
        params = _query(filters) if filters else None
        seen: set[str] = set()
        while url is not None:
            if url in seen or len(seen) >= MAX_PAGES:
                raise BadMarketData(
                    f"GET {path}: pagination does not end (page {url!r} again or too many)",
                    competition_id=competition_id,
                )
            seen.add(url)
            body = self._http.read_json("GET", url, params=params)
            params = None  # `next` already carries the query
            if isinstance(body, list):
                items.extend(body)
                break
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise BadMarketData(
                    f"GET {path}: expected a list or a page with `results`",
                    competition_id=competition_id,
                )
            items.extend(body["results"])
            url = body.get("next")
            if url is not None and (not isinstance(url, str) or not url):
                raise BadMarketData(
                    f"GET {path}: `next` is not a URL", field="next", competition_id=competition_id
                )
        return items

    def _write(self, model: type[M], method: str, path: str, payload: WireModel) -> M:
        """Send a write; an answer we cannot read after a 2xx still means 'it may have landed'."""
        sent = payload.to_wire()
        response = self._http.write(method, path, json=sent)
        try:
            return parse_wire(model, decode_json(response))
        except BadMarketData as error:
            raise AmbiguousSubmission(
                f"{method} {path}: the market answered {response.status_code} but the answer "
                f"cannot be read ({error}); read the market's state before sending again",
                sent=sent,
            ) from None


def _query(filters: Mapping[str, FilterValue]) -> dict[str, str]:
    query: dict[str, str] = {}
    for name, value in filters.items():
        if isinstance(value, bool):
            query[name] = "true" if value else "false"
        elif isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError(f"filter {name}: a datetime must be timezone-aware")
            query[name] = value.isoformat()
        elif isinstance(value, date):
            query[name] = value.isoformat()
        else:
            query[name] = str(value)
    return query
