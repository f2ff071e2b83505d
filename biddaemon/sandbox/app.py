"""The HTTP face of the sandbox: the routes of piclo-flex-api.md, on the market of a Sandbox.

Routes translate, and decide nothing: HTTP in, a market call, wire JSON out. Errors come back as
Django REST Framework would send them (`{"detail": ...}`, `{"field": [...]}`,
`{"non_field_errors": [...]}`), with 400 rather than FastAPI's 422.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any, Final

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from biddaemon.sandbox import operations as op
from biddaemon.sandbox.admin import admin_router
from biddaemon.sandbox.auth import AuthenticationFailed
from biddaemon.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_CLIENT_ID, DEFAULT_PROVIDER_ID
from biddaemon.sandbox.deps import SandboxDep, sandbox_of
from biddaemon.sandbox.faults import FaultSpec
from biddaemon.sandbox.gateway import Gateway
from biddaemon.sandbox.market import NotFound, Refused, StoredBallot
from biddaemon.sandbox.model import FlexAsset, PlannedAsset
from biddaemon.sandbox.pagination import paginate
from biddaemon.sandbox.runtime import Sandbox
from biddaemon.sandbox.schemas import (
    AssetCreate,
    AssetOut,
    AssetUpdate,
    AuthToken,
    AuthTokenRequest,
    BallotOut,
    BallotRequest,
    BidResultOut,
    BidResultsOut,
    CompetitionOut,
    Detail,
    FlexProviderOut,
    ObligationOut,
    OpportunityOut,
    Page,
    PlannedAssetCreate,
    PlannedAssetOut,
    PlannedAssetUpdate,
    check_location,
)

TITLE: Final = "biddaemon sandbox: a simulated Piclo Flex market"
DESCRIPTION: Final = f"""\
The contract of piclo-flex-api.md, served on loopback by simulated GB DSOs.

Authenticate with `POST /authtoken/v1/` (default client id `{DEFAULT_CLIENT_ID}`, api key
`{DEFAULT_API_KEY}`, provider id `{DEFAULT_PROVIDER_ID}`) and send `Authorization: Bearer
<token>` on every other market call. `/_sandbox/` is the unauthenticated admin API for tests:
clock, faults, reset, scenarios, and what the market received.
"""
VERSION: Final = "1.0.0"

_bearer = HTTPBearer(auto_error=False, description="a token from POST /authtoken/v1/")
_UNAUTHORISED: Final[dict[int | str, dict[str, Any]]] = {401: {"model": Detail}}
_NOT_FOUND: Final[dict[int | str, dict[str, Any]]] = {404: {"model": Detail}}
_INVALID: Final[dict[int | str, dict[str, Any]]] = {
    400: {"description": 'DRF-style field errors: {"field": ["message", ...]}'}
}


def _provider(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The provider id behind the bearer token; 401 when it is missing, forged or expired."""
    try:
        return sandbox_of(request).tokens.verify(request.headers.get("authorization"))
    except AuthenticationFailed as error:
        raise HTTPException(401, str(error), headers={"WWW-Authenticate": "Bearer"}) from None


ProviderDep = Annotated[str, Depends(_provider)]


def _own_provider(provider: str, claimed: str) -> None:
    if claimed != provider:
        raise Refused({"provider": [f'Invalid pk "{claimed}" - object does not exist.']})


async def _json_body(request: Request) -> object:
    raw = await request.body()
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise Refused({"detail": [f"JSON parse error - {error}"]}) from None


def _drf_errors(error: RequestValidationError) -> JSONResponse:
    body: dict[str, list[str]] = {}
    for item in error.errors():
        if item.get("type") == "json_invalid":
            return JSONResponse({"detail": "JSON parse error - invalid JSON"}, status_code=400)
        location = [str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path")]
        field = location[0] if location else "non_field_errors"
        if item.get("type") == "missing":
            message = "This field is required."
        elif item.get("input", ...) is None:
            message = "This field may not be null."
        else:
            message = str(item.get("msg", "Invalid value.")).removeprefix("Value error, ")
        body.setdefault(field, []).append(message)
    return JSONResponse(body, status_code=400)


def _refused(errors: dict[str, list[str]]) -> JSONResponse:
    detail = errors.get("detail")
    if detail and len(errors) == 1:
        return JSONResponse({"detail": detail[0]}, status_code=400)
    return JSONResponse(errors, status_code=400)


def create_app(sandbox: Sandbox) -> FastAPI:
    """The FastAPI app (without the gateway): for the OpenAPI document and for composition."""
    app = FastAPI(title=TITLE, description=DESCRIPTION, version=VERSION)
    app.state.sandbox = sandbox

    @app.exception_handler(RequestValidationError)
    async def _on_invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return _drf_errors(error)

    @app.exception_handler(Refused)
    async def _on_refused(_: Request, error: Refused) -> JSONResponse:
        return _refused(error.errors)

    @app.exception_handler(NotFound)
    async def _on_not_found(_: Request, error: NotFound) -> JSONResponse:
        return JSONResponse({"detail": error.detail}, status_code=404)

    _market_routes(app)
    app.include_router(admin_router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def create_asgi_app(sandbox: Sandbox) -> Gateway:
    """What uvicorn serves: the app behind the gateway that logs requests and injects faults."""
    app = create_app(sandbox)
    return Gateway(app, app.router, sandbox)


def _market_routes(app: FastAPI) -> None:
    @app.post(
        "/authtoken/v1/",
        name=op.AUTHTOKEN,
        operation_id=op.AUTHTOKEN,
        tags=["authentication"],
        responses=_UNAUTHORISED | _INVALID,
    )
    def authtoken(body: AuthTokenRequest, sandbox: SandboxDep) -> AuthToken:
        """Exchange the machine user's client id and api key for a bearer token."""
        try:
            return AuthToken(token=sandbox.tokens.issue(body.client_id, body.api_key))
        except AuthenticationFailed as error:
            raise HTTPException(401, str(error)) from None

    @app.get(
        "/flex-providers/v1/",
        name=op.LIST_FLEX_PROVIDERS,
        operation_id=op.LIST_FLEX_PROVIDERS,
        tags=["providers"],
        responses=_UNAUTHORISED,
    )
    def list_flex_providers(
        request: Request, sandbox: SandboxDep, provider: ProviderDep
    ) -> list[FlexProviderOut] | Page[FlexProviderOut]:
        """The Flex Providers the machine user belongs to (one: the configured provider)."""
        found = [FlexProviderOut(id=sandbox.provider.id, name=sandbox.provider.name)]
        return paginate(request, found, sandbox.config.page_size)

    # -- flex assets ---------------------------------------------------------------------------

    @app.post(
        "/assets/v1/",
        status_code=201,
        name=op.CREATE_ASSET,
        operation_id=op.CREATE_ASSET,
        tags=["assets"],
        responses=_UNAUTHORISED | _INVALID,
    )
    def create_asset(body: AssetCreate, sandbox: SandboxDep, provider: ProviderDep) -> AssetOut:
        """Register a Flex Asset; `ref` is the FSP's own id, unique per provider."""
        _own_provider(provider, body.provider)
        asset = sandbox.market.create_flex_asset(lambda i, now: body.to_asset(i, provider, now))
        return AssetOut.of(asset)

    @app.get(
        "/assets/v1/",
        name=op.LIST_ASSETS,
        operation_id=op.LIST_ASSETS,
        tags=["assets"],
        responses=_UNAUTHORISED | _NOT_FOUND,
    )
    def list_assets(
        request: Request,
        sandbox: SandboxDep,
        provider: ProviderDep,
        ref: Annotated[str | None, Query(description="only the asset with this ref")] = None,
        page: Annotated[int | None, Query(ge=1)] = None,
        page_size: Annotated[int | None, Query(ge=1)] = None,
    ) -> list[AssetOut] | Page[AssetOut]:
        """The provider's Flex Assets, oldest first; paginated past the page size."""
        found = [AssetOut.of(a) for a in sandbox.market.flex_assets(ref)]
        return paginate(request, found, sandbox.config.page_size)

    @app.get(
        "/assets/v1/{asset_id}/",
        name=op.GET_ASSET,
        operation_id=op.GET_ASSET,
        tags=["assets"],
        responses=_UNAUTHORISED | _NOT_FOUND,
    )
    def get_asset(asset_id: str, sandbox: SandboxDep, provider: ProviderDep) -> AssetOut:
        return AssetOut.of(sandbox.market.flex_asset(asset_id))

    @app.patch(
        "/assets/v1/{asset_id}/",
        name=op.UPDATE_ASSET,
        operation_id=op.UPDATE_ASSET,
        tags=["assets"],
        responses=_UNAUTHORISED | _NOT_FOUND | _INVALID,
    )
    def update_asset(
        asset_id: str, body: AssetUpdate, sandbox: SandboxDep, provider: ProviderDep
    ) -> AssetOut:
        """Change some fields of a Flex Asset; answers the full asset."""

        def change(asset: FlexAsset, now: datetime) -> FlexAsset:
            updated = replace(asset, **body.changes(), modified=now)  # type: ignore[arg-type]
            try:
                check_location(updated.postcode, updated.latitude, updated.longitude)
            except ValueError as error:
                raise Refused({"non_field_errors": [str(error)]}) from None
            return updated

        return AssetOut.of(sandbox.market.update_flex_asset(asset_id, change))

    # -- planned assets ------------------------------------------------------------------------

    @app.post(
        "/planned-assets/v1/",
        status_code=201,
        name=op.CREATE_PLANNED_ASSET,
        operation_id=op.CREATE_PLANNED_ASSET,
        tags=["planned assets"],
        responses=_UNAUTHORISED | _INVALID,
    )
    def create_planned_asset(
        body: PlannedAssetCreate, sandbox: SandboxDep, provider: ProviderDep
    ) -> PlannedAssetOut:
        """Offer an asset that does not exist yet into one competition (by its reference)."""
        _own_provider(provider, body.provider)
        asset = sandbox.market.create_planned_asset(lambda i, now: body.to_asset(i, provider, now))
        return PlannedAssetOut.of(asset)

    @app.get(
        "/planned-assets/v1/",
        name=op.LIST_PLANNED_ASSETS,
        operation_id=op.LIST_PLANNED_ASSETS,
        tags=["planned assets"],
        responses=_UNAUTHORISED | _NOT_FOUND,
    )
    def list_planned_assets(
        request: Request,
        sandbox: SandboxDep,
        provider: ProviderDep,
        reference: Annotated[str | None, Query()] = None,
        ref: Annotated[str | None, Query(description="alias of reference")] = None,
        page: Annotated[int | None, Query(ge=1)] = None,
        page_size: Annotated[int | None, Query(ge=1)] = None,
    ) -> list[PlannedAssetOut] | Page[PlannedAssetOut]:
        found = [PlannedAssetOut.of(a) for a in sandbox.market.planned_assets(reference or ref)]
        return paginate(request, found, sandbox.config.page_size)

    @app.get(
        "/planned-assets/v1/{asset_id}/",
        name=op.GET_PLANNED_ASSET,
        operation_id=op.GET_PLANNED_ASSET,
        tags=["planned assets"],
        responses=_UNAUTHORISED | _NOT_FOUND,
    )
    def get_planned_asset(
        asset_id: str, sandbox: SandboxDep, provider: ProviderDep
    ) -> PlannedAssetOut:
        return PlannedAssetOut.of(sandbox.market.planned_asset(asset_id))

    @app.patch(
        "/planned-assets/v1/{asset_id}/",
        name=op.UPDATE_PLANNED_ASSET,
        operation_id=op.UPDATE_PLANNED_ASSET,
        tags=["planned assets"],
        responses=_UNAUTHORISED | _NOT_FOUND | _INVALID,
    )
    def update_planned_asset(
        asset_id: str, body: PlannedAssetUpdate, sandbox: SandboxDep, provider: ProviderDep
    ) -> PlannedAssetOut:
        def change(asset: PlannedAsset, now: datetime) -> PlannedAsset:
            return replace(asset, **body.changes(), modified=now)  # type: ignore[arg-type]

        return PlannedAssetOut.of(sandbox.market.update_planned_asset(asset_id, change))

    # -- bidding -------------------------------------------------------------------------------

    @app.get(
        "/bidding-opportunities/v1/",
        name=op.LIST_BIDDING_OPPORTUNITIES,
        operation_id=op.LIST_BIDDING_OPPORTUNITIES,
        tags=["bidding"],
        responses=_UNAUTHORISED,
    )
    def list_bidding_opportunities(
        request: Request, sandbox: SandboxDep, provider: ProviderDep
    ) -> list[OpportunityOut] | Page[OpportunityOut]:
        """Open competitions the provider qualifies for, with the qualifying assets."""
        found = [OpportunityOut.of(o) for o in sandbox.market.opportunities()]
        return paginate(request, found, sandbox.config.page_size)

    @app.get(
        "/competitions/v1/{competition_id}/",
        name=op.GET_COMPETITION,
        operation_id=op.GET_COMPETITION,
        tags=["bidding"],
        responses=_UNAUTHORISED | _NOT_FOUND,
    )
    def get_competition(
        competition_id: str, sandbox: SandboxDep, provider: ProviderDep
    ) -> CompetitionOut:
        market = sandbox.market
        competition = market.competition(competition_id)
        return CompetitionOut.of(competition, competition.status_at(market.now()))

    @app.post(
        "/bids/v1/competitions/{competition_id}/ballots/",
        status_code=201,
        name=op.SUBMIT_BALLOT,
        operation_id=op.SUBMIT_BALLOT,
        tags=["bidding"],
        responses=_UNAUTHORISED | _NOT_FOUND | _INVALID,
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/BallotRequest"}}
                },
            }
        },
    )
    async def submit_ballot(
        competition_id: str, request: Request, sandbox: SandboxDep, provider: ProviderDep
    ) -> BallotOut:
        """Submit the ballot (all bids of the provider for this competition); it becomes the
        active one. The independent referee judges it: every broken rule is named in the 400."""
        body = await _json_body(request)
        ballot = sandbox.market.submit_ballot(competition_id, body)
        return BallotOut.of(StoredBallot(ballot, active=True))

    @app.get(
        "/bids/v1/competitions/{competition_id}/ballots/",
        name=op.LIST_BALLOTS,
        operation_id=op.LIST_BALLOTS,
        tags=["bidding"],
        responses=_UNAUTHORISED | _NOT_FOUND,
    )
    def list_ballots(
        competition_id: str,
        request: Request,
        sandbox: SandboxDep,
        provider: ProviderDep,
        page: Annotated[int | None, Query(ge=1)] = None,
        page_size: Annotated[int | None, Query(ge=1)] = None,
    ) -> list[BallotOut] | Page[BallotOut]:
        """The provider's ballots for the competition, newest first; only the newest is active."""
        found = [BallotOut.of(s) for s in sandbox.market.ballots(competition_id)]
        return paginate(request, found, sandbox.config.page_size)

    @app.get(
        "/bid-results/v1/{competition_id}/",
        name=op.GET_BID_RESULTS,
        operation_id=op.GET_BID_RESULTS,
        tags=["results"],
        responses=_UNAUTHORISED | _NOT_FOUND,
    )
    def get_bid_results(
        competition_id: str, sandbox: SandboxDep, provider: ProviderDep
    ) -> BidResultsOut:
        """`pending` with no results until the DSO publishes, then each bid's outcome."""
        status, results = sandbox.market.results(competition_id)
        return BidResultsOut(
            competition_id=competition_id,
            status=status,
            results=[BidResultOut.of(r) for r in results],
        )

    @app.get(
        "/obligations/v1/",
        name=op.LIST_OBLIGATIONS,
        operation_id=op.LIST_OBLIGATIONS,
        tags=["results"],
        responses=_UNAUTHORISED,
    )
    def list_obligations(
        request: Request,
        sandbox: SandboxDep,
        provider: ProviderDep,
        competition_id: str | None = None,
        bid_id: str | None = None,
        start_date: Annotated[
            date | None, Query(description="only obligations still running on or after")
        ] = None,
        end_date: Annotated[
            date | None, Query(description="only obligations starting before (exclusive)")
        ] = None,
    ) -> list[ObligationOut] | Page[ObligationOut]:
        """Accepted bids, which are contracts once results are published."""
        found = sandbox.market.obligations(
            competition_id=competition_id,
            bid_id=bid_id,
            active_on_or_after=start_date,
            active_before=end_date,
        )
        return paginate(request, [ObligationOut.of(o) for o in found], sandbox.config.page_size)


# Routes that read their raw body (to judge it themselves) document it by reference to these.
_RAW_BODIES: Final = (BallotRequest, FaultSpec)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the schemas of the bodies routes read raw."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in _RAW_BODIES:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(name, definition)
        schemas[model.__name__] = schema
    # Invalid input is answered 400 in DRF's shape, never FastAPI's 422.
    for operations in document["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            if responses.pop("422", None) is not None:
                responses.setdefault("400", _INVALID[400])
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    app.openapi_schema = document
    return document
