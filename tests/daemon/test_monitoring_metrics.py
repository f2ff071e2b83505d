"""The metrics the alert rules read, moved by real events on the sandbox market."""

from __future__ import annotations

from biddaemon import metrics
from biddaemon.sandbox import FaultSpec, SandboxServer
from tests.daemon.conftest import DaemonFactory


def _errors(kind: str) -> float:
    value = metrics.REGISTRY.get_sample_value(
        "biddaemon_market_errors_total", {"platform": "piclo", "kind": kind}
    )
    return value or 0.0


def test_a_5xx_from_the_market_counts_as_a_market_error(
    market: SandboxServer, make_daemon: DaemonFactory
) -> None:
    before = _errors("503")
    market.faults.add(
        FaultSpec(kind="error", endpoint="list_bidding_opportunities", status=503, count=2)
    )
    make_daemon().opportunities()  # the read is retried past the two 503s and succeeds
    assert _errors("503") == before + 2


def test_the_role_gauge_names_one_role_at_a_time() -> None:
    metrics.set_role("standby")
    samples = {
        role: metrics.REGISTRY.get_sample_value("biddaemon_instance_role", {"role": role})
        for role in metrics.ROLES
    }
    assert samples == {"starting": 0, "standby": 1, "active": 0, "stopping": 0}
