"""`TensorClient`: the Tensor Energy asset endpoints, a read-only inventory source.

Reads go through `biddaemon.markets.http.MarketHttp` (retries, `Retry-After`, timeouts); the
envelope is unwrapped here, so callers get assets or a biddaemon error, never an envelope. The
workspace API key travels in the `authorization` header and nowhere else.
"""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from biddaemon.errors import BadMarketData, RejectedByMarket
from biddaemon.markets.http import RetryPolicy
from biddaemon.markets.json_body import decode_json
from biddaemon.markets.platform import Credential, PlatformClient, StaticBearer, market_http
from biddaemon.markets.tensor.errors import API_KEY_VARIABLE, error_for, to_biddaemon_error
from biddaemon.markets.tensor.errors import describe_error as describe_tensor_error
from biddaemon.markets.tensor.models import (
    AssetEnvelope,
    AssetsEnvelope,
    Envelope,
    TensorAsset,
    parse_tensor,
)

E = TypeVar("E", bound=Envelope)
ASSETS = "/assets"


def asset_path(asset_id: str) -> str:
    if not asset_id.strip():
        raise ValueError("an asset id must not be empty")
    return f"{ASSETS}/{quote(asset_id, safe='')}"


class TensorClient(PlatformClient):
    """Tensor Energy for one workspace. Use as a context manager, or call `close()`."""

    CREDENTIALS = (
        Credential("api_key", API_KEY_VARIABLE, "required to import from Tensor Energy"),
    )

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr,
        timeout_seconds: float = 30.0,
        connect_timeout_seconds: float = 10.0,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = market_http(
            base_url=self.base_url,
            platform="tensor",
            auth=StaticBearer(api_key, header="authorization"),
            map_error=to_biddaemon_error,
            describe_error=describe_tensor_error,
            secrets=[api_key.get_secret_value()],
            timeout_seconds=timeout_seconds,
            connect_timeout_seconds=connect_timeout_seconds,
            policy=policy,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"TensorClient(base_url={self.base_url!r})"

    def list_assets(self) -> list[TensorAsset]:
        """Every asset of the workspace (Tensor does not paginate)."""
        envelope = self._read(AssetsEnvelope, ASSETS, what="asset list")
        return list(envelope.data or ())

    def get_asset(self, asset_id: str) -> TensorAsset | None:
        """One asset, or None when Tensor says `resource_not_found`."""
        try:
            envelope = self._read(AssetEnvelope, asset_path(asset_id), what="asset")
        except RejectedByMarket as error:
            if error.status_code == 404:
                return None
            raise
        if envelope.data is None:
            raise BadMarketData(f"Tensor Energy asset {asset_id!r}: `data` is null", field="data")
        return envelope.data

    def _read(self, model: type[E], path: str, *, what: str) -> E:
        response = self._http.read("GET", path)
        body: Any = decode_json(response)
        envelope = parse_tensor(model, body, what=what)
        if envelope.error is not None:
            # An error envelope with a 2xx status: the code decides, as for any other status.
            raise error_for(envelope.error, method="GET", path=path, status=response.status_code)
        return envelope
