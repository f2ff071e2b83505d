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
MARKET_ERRORS = Counter(
    "biddaemon_market_errors",
    "Calls to a market or platform that failed on its side: transport errors (kind 'transport'),"
    " 429 and 5xx answers (kind the status), by platform.",
    ["platform", "kind"],
    registry=REGISTRY,
)
ROLES = ("starting", "standby", "active", "stopping")
ROLE = Gauge(
    "biddaemon_instance_role",
    "1 for this process's role (starting, standby, active, stopping), 0 for the others: the "
    "alert on a missing standby counts role=standby across instances.",
    ["role"],
    registry=REGISTRY,
)
JOB_ALLOWED_AGE = Gauge(
    "biddaemon_job_allowed_age_seconds",
    "How old a job's last success may be before /healthz fails (the job-late alert compares).",
    ["job"],
    registry=REGISTRY,
)


def set_role(role: str) -> None:
    """Publish this process's role (one of ROLES) as `biddaemon_instance_role`."""
    for name in ROLES:
        ROLE.labels(role=name).set(1 if name == role else 0)


class BallotStateCollector(Collector):
    """`biddaemon_ballots{state=...}` and the age of the oldest UNKNOWN ballot, read from the
    database at scrape time (right after a restart too, unlike a gauge set in process)."""

    def __init__(
        self,
        count_by_state: Callable[[], dict[str, int]],
        unknown_age: Callable[[], float | None] = lambda: None,
    ) -> None:
        self.count_by_state = count_by_state
        self.unknown_age = unknown_age

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "biddaemon_ballots", "Ballots stored, by state.", labels=["state"]
        )
        for state, count in sorted(self.count_by_state().items()):
            family.add_metric([state], count)
        yield family
        age = self.unknown_age()
        yield GaugeMetricFamily(
            "biddaemon_ballot_unknown_oldest_seconds",
            "Seconds since the longest-standing UNKNOWN ballot last changed (0: none in doubt).",
            value=age or 0.0,
        )

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())
