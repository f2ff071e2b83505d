"""Issue 16 case 1, the boundary half, over real HTTP: the sandbox's answers pass through a
transport that turns its quantities into JSON numbers with float noise (`2.4000000000000004`),
as a market serialising floats would. The cycle stores and bids every competition."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from biddaemon.daemon.service import Daemon
from biddaemon.markets.piclo import PicloClient, routes
from biddaemon.sandbox import SandboxServer
from biddaemon.settings import load_settings
from biddaemon.store.models import OpportunityObservation, ServiceWindow
from tests.daemon.conftest import DaemonFactory

NOISE = 4e-16


def noisy(value: Any) -> float:
    return float(value) + NOISE * max(1.0, float(value))


class FloatNoise(httpx.BaseTransport):
    """Real HTTP to the sandbox; quantities in opportunities and competitions made noisy."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.totals: list[Decimal] = []  # as the sandbox sent them, before the noise

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        path = request.url.path
        listing = path == routes.BIDDING_OPPORTUNITIES
        competition = path.startswith("/competitions/v1/")
        if response.status_code != 200 or not (listing or competition):
            return response
        body = json.loads(response.read())
        if listing:
            for item in body if isinstance(body, list) else body["results"]:
                self.totals.append(Decimal(item["total_capacity"]))
                item["total_capacity"] = noisy(item["total_capacity"])
        else:
            for period in body["service_periods"]:
                for window in period["service_windows"]:
                    window["capacity_required"] = noisy(window["capacity_required"])
        return httpx.Response(200, content=json.dumps(body).encode(), headers=response.headers)

    def close(self) -> None:
        self._inner.close()


def test_capacities_with_float_noise_are_stored_and_bid_rounded_down(
    make_daemon: DaemonFactory, market: SandboxServer, engine: Engine
) -> None:
    make_daemon()  # sets the market's variables
    settings = load_settings()
    transport = FloatNoise()
    daemon = Daemon(
        settings, engine, client=PicloClient.from_settings(settings.piclo, transport=transport)
    )
    try:
        report = daemon.opportunities()
    finally:
        daemon.close()
    assert report["skipped"] == {}
    assert report["submitted"] == report["opportunities"] - len(report["refused"])
    assert report["submitted"] > 0
    with Session(engine) as session:
        totals = session.scalars(select(OpportunityObservation.total_capacity)).all()
        required = session.scalars(select(ServiceWindow.capacity_required)).all()
    assert sorted(totals) == sorted(transport.totals)  # 4.500000000000002 is stored as 4.500
    assert required
