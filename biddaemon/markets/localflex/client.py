"""`LocalFlexClient`: the asset and portfolio endpoints of EPEX SPOT LocalFlex.

The bearer token is issued at onboarding and configured; there is no login to repeat, so a
`401` is `CredentialsRefused` at once. Every answer is unwrapped from `{result, status, code}`
here, and an error `code` inside a 2xx answer is treated like the same HTTP status. Retries,
timeouts and safe writes come from `biddaemon.markets.http`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from biddaemon.errors import (
    AmbiguousSubmission,
    BadMarketData,
    RejectedByMarket,
)
from biddaemon.markets.http import RetryPolicy
from biddaemon.markets.json_body import decode_json
from biddaemon.markets.localflex.errors import (
    TOKEN_VARIABLE,
    body_code,
    describe_body,
    describe_error,
    error_for_code,
    to_biddaemon_error,
)
from biddaemon.markets.localflex.models import (
    Asset,
    AssetCreate,
    AssetUpdate,
    AssetView,
    Envelope,
    LocalFlexModel,
    Portfolio,
    PortfolioCreate,
    PortfolioUpdate,
    parse_localflex,
)
from biddaemon.markets.platform import Credential, PlatformClient, StaticBearer, market_http

T = TypeVar("T")
M = TypeVar("M", bound=LocalFlexModel)
ASSET = "/asset"
PORTFOLIO = "/portfolio"


def _segment(value: str) -> str:
    if not value.strip():
        raise ValueError("an mrid used in a path must not be empty")
    return quote(value, safe="")


def asset_path(mrid: str) -> str:
    return f"{ASSET}/{_segment(mrid)}"


def portfolio_path(mrid: str) -> str:
    # The published draft prints `/portfolio{mrid}`; this project uses the slash form [assumed].
    return f"{PORTFOLIO}/{_segment(mrid)}"


def portfolio_assets_path(mrid: str) -> str:
    return f"{ASSET}/portfolio/{_segment(mrid)}"


class LocalFlexClient(PlatformClient):
    """LocalFlex for one FSP token. Use as a context manager, or call `close()`."""

    CREDENTIALS = (Credential("token", TOKEN_VARIABLE, "required to talk to LocalFlex"),)

    def __init__(
        self,
        *,
        base_url: str,
        token: SecretStr,
        timeout_seconds: float = 30.0,
        connect_timeout_seconds: float = 10.0,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = market_http(
            base_url=self.base_url,
            platform="localflex",
            auth=StaticBearer(token),
            map_error=to_biddaemon_error,
            describe_error=describe_error,
            secrets=[token.get_secret_value()],
            timeout_seconds=timeout_seconds,
            connect_timeout_seconds=connect_timeout_seconds,
            policy=policy,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"LocalFlexClient(base_url={self.base_url!r})"

    # Assets ------------------------------------------------------------------------------

    def get_asset(self, mrid: str) -> AssetView | None:
        """The asset with its portfolio and approvals, or None when LocalFlex does not know it."""
        result = self._get_or_none(asset_path(mrid))
        return None if result is None else _asset_view(result, what="asset")

    def create_asset(self, asset: AssetCreate) -> AssetView:
        return self._write("POST", ASSET, asset, lambda r: _asset_view(r, what="created asset"))

    def update_asset(self, mrid: str, changes: AssetUpdate) -> AssetView:
        return self._write(
            "PATCH", asset_path(mrid), changes, lambda r: _asset_view(r, what="updated asset")
        )

    def list_portfolio_assets(self, portfolio_mrid: str) -> list[Asset]:
        result = self._result("GET", portfolio_assets_path(portfolio_mrid))
        items = result.get("assets") if isinstance(result, dict) else result
        if not isinstance(items, list):
            raise BadMarketData("LocalFlex portfolio assets: expected a list of assets")
        return [_parse(Asset, item, what="portfolio asset") for item in items]

    # Portfolios --------------------------------------------------------------------------

    def list_portfolios(self) -> list[Portfolio]:
        result = self._result("GET", PORTFOLIO)
        if not isinstance(result, list):
            raise BadMarketData("LocalFlex portfolios: expected a list")
        return [_parse(Portfolio, item, what="portfolio") for item in result]

    def get_portfolio(self, mrid: str) -> Portfolio | None:
        result = self._get_or_none(portfolio_path(mrid))
        return None if result is None else _parse(Portfolio, result, what="portfolio")

    def create_portfolio(self, portfolio: PortfolioCreate) -> Portfolio:
        return self._write(
            "POST", PORTFOLIO, portfolio, lambda r: _parse(Portfolio, r, what="portfolio")
        )

    def update_portfolio(self, mrid: str, changes: PortfolioUpdate) -> Portfolio:
        return self._write(
            "PATCH", portfolio_path(mrid), changes, lambda r: _parse(Portfolio, r, what="portfolio")
        )

    # Plumbing ----------------------------------------------------------------------------

    def _get_or_none(self, path: str) -> Any:
        try:
            return self._result("GET", path)
        except RejectedByMarket as error:
            if error.status_code == 404:
                return None
            raise

    def _result(self, method: str, path: str) -> Any:
        body = self._http.read_json(method, path)
        return _unwrap(body, method=method, path=path, write=False)

    def _write(
        self, method: str, path: str, payload: LocalFlexModel, read: Callable[[Any], T]
    ) -> T:
        """Send a write; an answer we cannot read after a 2xx still means 'it may have landed'."""
        sent = payload.to_wire()
        response = self._http.write(method, path, json=sent)
        try:
            body = decode_json(response)
            return read(_unwrap(body, method=method, path=path, write=True, sent=sent))
        except BadMarketData as error:
            raise AmbiguousSubmission(
                f"{method} {path}: LocalFlex answered {response.status_code} but the answer "
                f"cannot be read ({error}); read it back before sending again",
                sent=sent,
            ) from None


def _unwrap(
    body: Any, *, method: str, path: str, write: bool, sent: dict[str, Any] | None = None
) -> Any:
    """The envelope's `result`; an error `code` inside a 2xx answer raises like the status."""
    code = body_code(body)
    if code is not None and code >= 400:
        detail = describe_body(body) or f"code {code}"
        raise error_for_code(code, detail, method=method, path=path, write=write, sent=sent)
    envelope = _parse(Envelope, body, what="answer")
    if not isinstance(body, dict) or "result" not in body:
        raise BadMarketData(f"LocalFlex {method} {path}: the answer has no `result`")
    return envelope.result


def _asset_view(result: Any, *, what: str) -> AssetView:
    """`{asset, portfolio, soApproved, moApproved}`, or a bare asset (writes may answer so)."""
    if isinstance(result, dict) and "asset" in result:
        return _parse(AssetView, result, what=what)
    return AssetView(asset=_parse(Asset, result, what=what))


def _parse(model: type[M], document: Any, *, what: str) -> M:
    return parse_localflex(model, document, what=what)
