"""`/_sandbox/`: the control panel tests and demos use; no authentication, loopback only.

Endpoints::

    GET  /_sandbox/                 a summary: clock, seed, counts
    GET  /_sandbox/clock            {"now", "speed"}
    POST /_sandbox/clock            {"advance_seconds": N} | {"set": "...Z"}, and/or {"speed": X}
    GET  /_sandbox/faults           the faults in force, with what is left of their count
    POST /_sandbox/faults           one fault or a list (see faults.py), e.g.
                                    {"kind": "error", "endpoint": "submit_ballot", "status": 503,
                                     "count": 2} or {"kind": "late_ballot", "seconds": 20}
    DELETE /_sandbox/faults         clear them all
    POST /_sandbox/reset            {"seed": N?, "start": "...Z"?}: the market as it started
    POST /_sandbox/scenario         {"path": "file.json"} or {"scenario": {...}} (scenario.py)
    GET  /_sandbox/requests         every market request received, oldest first (no secrets)
    DELETE /_sandbox/requests       forget them
    GET  /_sandbox/ballots          every ballot stored, newest first
    GET  /_sandbox/competitions     every competition that has opened, with what the DSO knows
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final, Self

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from biddaemon.sandbox.config import is_loopback
from biddaemon.sandbox.deps import SandboxDep
from biddaemon.sandbox.faults import ActiveFault, FaultKind, FaultSpec
from biddaemon.sandbox.market import Refused
from biddaemon.sandbox.model import Competition
from biddaemon.sandbox.runtime import Sandbox
from biddaemon.sandbox.scenario import ScenarioError, load_scenario, parse_scenario
from biddaemon.sandbox.schemas import BallotOut, CompetitionOut
from biddaemon.sandbox.traffic import Exchange
from biddaemon.sandbox.wire import format_timestamp, parse_timestamp


def _loopback_only(request: Request) -> None:
    client = request.client
    if client is None or not is_loopback(client.host):
        raise HTTPException(403, "The sandbox admin API only answers loopback clients.")


admin_router: Final = APIRouter(
    prefix="/_sandbox",
    tags=["sandbox admin"],
    dependencies=[Depends(_loopback_only)],
    generate_unique_id_function=lambda route: f"sandbox_{route.name}",
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClockOut(BaseModel):
    now: str
    speed: float


class ClockChange(_Body):
    advance_seconds: float | None = Field(default=None, ge=0)
    set: str | None = Field(default=None, description="an instant, not in the simulated past")
    speed: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_move(self) -> Self:
        if self.advance_seconds is not None and self.set is not None:
            raise ValueError("give advance_seconds or set, not both")
        return self


class FaultOut(BaseModel):
    id: int
    kind: FaultKind
    endpoint: str
    count: int | None
    rate: float
    status: int
    seconds: float
    then: str
    path_contains: str | None
    remove: list[str]
    replace: dict[str, Any]
    remaining: int | None
    fired: int

    @classmethod
    def of(cls, fault: ActiveFault) -> FaultOut:
        return cls(
            id=fault.id, remaining=fault.remaining, fired=fault.fired, **fault.spec.model_dump()
        )


class ResetRequest(_Body):
    seed: int | None = None
    start: str | None = None


class ScenarioLoad(_Body):
    path: str | None = None
    scenario: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.path is None) == (self.scenario is None):
            raise ValueError("give exactly one of path or scenario")
        return self


class ExchangeOut(BaseModel):
    method: str
    path: str
    query: str
    operation: str | None
    status: int | None = Field(description="null: the connection was dropped")
    time: str = Field(description="simulated time the request arrived")
    fault: str | None

    @classmethod
    def of(cls, exchange: Exchange) -> ExchangeOut:
        return cls(
            method=exchange.method,
            path=exchange.path,
            query=exchange.query,
            operation=exchange.operation,
            status=exchange.status,
            time=format_timestamp(exchange.time),
            fault=exchange.fault,
        )


class CompetitionAdminOut(CompetitionOut):
    results_at: str
    postcode_areas: list[str]
    budget_factor: str
    rival_offers: int

    @classmethod
    def full(cls, competition: Competition, sandbox: Sandbox) -> CompetitionAdminOut:
        public = CompetitionOut.of(competition, competition.status_at(sandbox.clock.now()))
        return cls(
            **public.model_dump(),
            results_at=format_timestamp(competition.results_at),
            postcode_areas=sorted(competition.area.postcode_areas),
            budget_factor=str(competition.budget_factor),
            rival_offers=len(competition.rival_offers),
        )


class Summary(BaseModel):
    now: str
    speed: float
    seed: int
    provider_id: str
    competitions: dict[str, int]
    flex_assets: int
    planned_assets: int
    ballots: int
    faults: int
    requests: int


def _bad_request(message: str) -> HTTPException:
    return HTTPException(400, message)


def _timestamp(text: str) -> Any:
    try:
        return parse_timestamp(text)
    except ValueError as error:
        raise _bad_request(f"{text!r} is not a timestamp with an offset: {error}") from None


@admin_router.get("/")
def summary(sandbox: SandboxDep) -> Summary:
    market = sandbox.market
    now = sandbox.clock.now()
    statuses: dict[str, int] = {}
    for competition in market.competitions():
        status = competition.status_at(now)
        statuses[status] = statuses.get(status, 0) + 1
    fleet = market.fleet()
    return Summary(
        now=format_timestamp(now),
        speed=sandbox.clock.speed,
        seed=sandbox.seed,
        provider_id=sandbox.provider.id,
        competitions=statuses,
        flex_assets=len(fleet.flex),
        planned_assets=len(fleet.planned),
        ballots=len(market.all_ballots()),
        faults=len(sandbox.faults.active()),
        requests=len(sandbox.traffic.records()),
    )


@admin_router.get("/clock")
def get_clock(sandbox: SandboxDep) -> ClockOut:
    return ClockOut(now=format_timestamp(sandbox.clock.now()), speed=sandbox.clock.speed)


@admin_router.post("/clock")
def change_clock(change: ClockChange, sandbox: SandboxDep) -> ClockOut:
    clock = sandbox.clock
    try:
        if change.advance_seconds is not None:
            clock.advance(change.advance_seconds)
        if change.set is not None:
            clock.set(_timestamp(change.set))
        if change.speed is not None:
            clock.set_speed(change.speed)
    except ValueError as error:
        raise _bad_request(str(error)) from None
    return ClockOut(now=format_timestamp(clock.now()), speed=clock.speed)


@admin_router.get("/faults")
def list_faults(sandbox: SandboxDep) -> list[FaultOut]:
    return [FaultOut.of(f) for f in sandbox.faults.active()]


def _fault_errors(error: ValidationError, prefix: str = "") -> dict[str, list[str]]:
    body: dict[str, list[str]] = {}
    for item in error.errors():
        field = ".".join(str(p) for p in item["loc"]) or "non_field_errors"
        message = str(item["msg"]).removeprefix("Value error, ")
        if prefix:
            body.setdefault("non_field_errors", []).append(f"{prefix}{field}: {message}")
        else:
            body.setdefault(field, []).append(message)
    return body


@admin_router.post(
    "/faults",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/FaultSpec"},
                            {"type": "array", "items": {"$ref": "#/components/schemas/FaultSpec"}},
                        ]
                    }
                }
            },
        }
    },
)
async def add_faults(request: Request, sandbox: SandboxDep) -> list[FaultOut]:
    """Add one fault, or a list of them; each is in force until its count is used up."""
    try:
        body = await request.json()
    except ValueError:
        raise _bad_request("JSON parse error - the body is not JSON") from None
    items = body if isinstance(body, list) else [body]
    specs = []
    for number, item in enumerate(items, start=1):
        try:
            specs.append(FaultSpec.model_validate(item))
        except ValidationError as error:
            prefix = f"fault {number}: " if isinstance(body, list) else ""
            raise Refused(_fault_errors(error, prefix)) from None
    return [FaultOut.of(sandbox.faults.add(spec)) for spec in specs]


@admin_router.delete("/faults", status_code=204)
def clear_faults(sandbox: SandboxDep) -> Response:
    sandbox.faults.clear()
    return Response(status_code=204)


@admin_router.post("/reset")
def reset(sandbox: SandboxDep, body: ResetRequest | None = None) -> Summary:
    request = body or ResetRequest()
    start = None if request.start is None else _timestamp(request.start)
    sandbox.reset(seed=request.seed, start=start)
    return summary(sandbox)


@admin_router.post("/scenario", name="load_scenario")
def load(body: ScenarioLoad, sandbox: SandboxDep) -> Summary:
    try:
        if body.path is not None:
            scenario = load_scenario(Path(body.path))
        else:
            scenario = parse_scenario(body.scenario)
        sandbox.load_scenario(scenario)
    except ScenarioError as error:
        raise _bad_request(str(error)) from None
    return summary(sandbox)


@admin_router.get("/requests")
def list_requests(sandbox: SandboxDep) -> list[ExchangeOut]:
    return [ExchangeOut.of(e) for e in sandbox.traffic.records()]


@admin_router.delete("/requests", status_code=204)
def clear_requests(sandbox: SandboxDep) -> Response:
    sandbox.traffic.clear()
    return Response(status_code=204)


@admin_router.get("/ballots")
def list_all_ballots(sandbox: SandboxDep) -> list[BallotOut]:
    return [BallotOut.of(s) for s in sandbox.market.all_ballots()]


@admin_router.get("/competitions")
def list_competitions(sandbox: SandboxDep) -> list[CompetitionAdminOut]:
    return [CompetitionAdminOut.full(c, sandbox) for c in sandbox.market.competitions()]
