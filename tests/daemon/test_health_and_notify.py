"""Health is judged from recorded job runs; notices reach a real webhook and survive outages."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from biddaemon.daemon.health import HealthServer, HealthState, evaluate
from biddaemon.jobs import notify
from biddaemon.jobs.runs import recorded_run
from biddaemon.settings import NotifySettings
from biddaemon.store import migrate, queries
from biddaemon.store.database import make_engine, session_factory, transaction
from biddaemon.store.models import JobRun, JobStatus, Notification

STARTED = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def factory(sqlite_url: str) -> sessionmaker[Session]:
    engine = make_engine(sqlite_url)
    migrate.upgrade(engine)
    return session_factory(engine)


def summaries(factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    def read():  # type: ignore[no-untyped-def]
        with factory() as session:
            return queries.job_summaries(session)

    return read


def add_run(
    factory: sessionmaker[Session], job: str, finished: datetime, status: JobStatus
) -> None:
    with transaction(factory) as session:
        session.add(
            JobRun(
                job=job,
                started_at=finished - timedelta(seconds=5),
                finished_at=finished,
                status=status,
            )
        )


def test_fresh_daemon_is_healthy_until_a_job_is_overdue(factory: sessionmaker[Session]) -> None:
    state = HealthState(
        started_at=STARTED,
        max_age={"opportunities": timedelta(hours=2)},
        role="active",
        job_summaries=summaries(factory),
    )
    healthy, body = evaluate(state, STARTED + timedelta(hours=1))
    assert healthy, body
    healthy, body = evaluate(state, STARTED + timedelta(hours=2, seconds=1))
    assert not healthy
    assert body["reasons"] == ["opportunities: no successful run ever (allowed 2:00:00)"]


def test_a_recent_success_keeps_it_healthy_and_failures_do_not(
    factory: sessionmaker[Session],
) -> None:
    state = HealthState(
        started_at=STARTED,
        max_age={"opportunities": timedelta(hours=2)},
        role="active",
        job_summaries=summaries(factory),
    )
    add_run(factory, "opportunities", STARTED + timedelta(hours=3), JobStatus.SUCCEEDED)
    add_run(factory, "opportunities", STARTED + timedelta(hours=4), JobStatus.FAILED)
    assert evaluate(state, STARTED + timedelta(hours=4, minutes=59))[0]
    healthy, body = evaluate(state, STARTED + timedelta(hours=5, seconds=1))
    assert not healthy
    assert body["jobs"]["opportunities"]["last_status"] == "failed"


def test_standby_is_healthy_and_stopping_is_not() -> None:
    state = HealthState(started_at=STARTED, max_age={}, role="standby")
    assert evaluate(state)[0]
    state.role = "stopping"
    assert not evaluate(state)[0]


def test_health_server_serves_healthz_and_metrics(factory: sessionmaker[Session]) -> None:
    state = HealthState(
        started_at=datetime.now(UTC),
        max_age={"results": timedelta(hours=25)},
        role="active",
        job_summaries=summaries(factory),
    )
    with recorded_run(factory, "results", dry_run=False) as run:
        run.count("checked", 3)
    server = HealthServer("127.0.0.1", 0, state).start()
    try:
        host, port = server.address
        healthz = httpx.get(f"http://{host}:{port}/healthz")
        assert healthz.status_code == 200
        assert healthz.json()["jobs"]["results"]["last_status"] == "succeeded"
        exposition = httpx.get(f"http://{host}:{port}/metrics").text
        assert 'biddaemon_job_last_success_timestamp_seconds{job="results"}' in exposition
        assert 'biddaemon_job_runs_total{job="results",status="succeeded"}' in exposition
        state.max_age = {"results": timedelta(seconds=-1)}
        failing = httpx.get(f"http://{host}:{port}/healthz")
        assert failing.status_code == 503
        assert failing.json()["status"] == "failing"
    finally:
        server.stop()


class Receiver:
    """A real webhook receiver on loopback that can be told to fail."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fail:
                    self.send_response(503)
                else:
                    receiver.received.append(
                        {"body": json.loads(body), "auth": self.headers.get("Authorization")}
                    )
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


def test_notices_are_delivered_and_retried_with_backoff_after_an_outage(
    factory: sessionmaker[Session], receiver: Receiver
) -> None:
    settings = NotifySettings(webhook_url=receiver.url, webhook_token=SecretStr("hook-secret"))
    with transaction(factory) as session:
        notify.enqueue(
            session, "ballot_rejected", {"competition_id": "c1", "reason": "x"}, dry_run=False
        )
    now = datetime.now(UTC)
    receiver.fail = True
    with httpx.Client() as http:
        assert notify.deliver_pending(factory, settings, http, now=now) == (0, 1)
        assert notify.deliver_pending(factory, settings, http, now=now) == (0, 0)  # not due yet
        receiver.fail = False
        later = now + timedelta(seconds=31)
        assert notify.deliver_pending(factory, settings, http, now=later) == (1, 0)
        assert notify.deliver_pending(factory, settings, http, now=later) == (0, 0)
    assert len(receiver.received) == 1
    delivered = receiver.received[0]
    assert delivered["body"]["kind"] == "ballot_rejected"
    assert delivered["body"]["competition_id"] == "c1"
    assert delivered["auth"] == "Bearer hook-secret"
    with factory() as session:
        notice = session.scalars(select(Notification)).one()
        assert notice.attempts == 2
        assert notice.delivered_at is not None


def test_a_notice_is_abandoned_after_max_attempts(
    factory: sessionmaker[Session], receiver: Receiver
) -> None:
    settings = NotifySettings(webhook_url=receiver.url, max_attempts=2)
    receiver.fail = True
    with transaction(factory) as session:
        notify.enqueue(session, "results_published", {"competition_id": "c2"}, dry_run=False)
    moment = datetime.now(UTC)
    with httpx.Client() as http:
        for _ in range(3):
            notify.deliver_pending(factory, settings, http, now=moment)
            moment += timedelta(hours=2)
    with factory() as session:
        notice = session.scalars(select(Notification)).one()
    assert notice.abandoned
    assert notice.attempts == 2
    assert notice.last_error == "webhook answered 503"


def test_backoff_doubles_and_is_capped() -> None:
    assert [notify.backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert notify.backoff(20) == timedelta(hours=1)
