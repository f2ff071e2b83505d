"""Prometheus metrics, defined once. Jobs and clients update them; `/metrics` serves them.

Counts that the database already knows (ballots by state) are read at scrape time by a
collector, so they are right even after a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

POLLS = Counter(
    "biddaemon_polls", "Market polls made, by job and result.", ["job", "result"], registry=REGISTRY
)
SUBMISSIONS = Counter(
    "biddaemon_ballot_submissions",
    "Ballot submissions, by the HTTP status the market answered (or 'ambiguous', 'dry_run').",
    ["status"],
    registry=REGISTRY,
)
OUTCOMES = Counter(
    "biddaemon_bid_outcomes", "Bid outcomes recorded, by status.", ["status"], registry=REGISTRY
)
MARKET_LATENCY = Histogram(
    "biddaemon_market_request_seconds",
    "Latency of calls to a market or platform, by platform, method and route.",
    ["platform", "method", "route"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
JOB_LAST_SUCCESS = Gauge(
    "biddaemon_job_last_success_timestamp_seconds",
    "Unix time of the last successful run of each job.",
    ["job"],
    registry=REGISTRY,
)
JOB_RUNS = Counter(
    "biddaemon_job_runs", "Job runs, by job and status.", ["job", "status"], registry=REGISTRY
)
ACTIVE = Gauge(
    "biddaemon_active_instance",
    "1 when this process holds the instance lock and runs jobs, 0 on standby.",
    registry=REGISTRY,
)


class BallotStateCollector(Collector):
    """`biddaemon_ballots{state=...}` read from the database at scrape time."""

    def __init__(self, count_by_state: Callable[[], dict[str, int]]) -> None:
        self.count_by_state = count_by_state

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "biddaemon_ballots", "Ballots stored, by state.", labels=["state"]
        )
        for state, count in sorted(self.count_by_state().items()):
            family.add_metric([state], count)
        yield family

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())
