"""Every job run is recorded with its outcome; the health check and `status` read these rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from biddaemon import metrics
from biddaemon.clock import utcnow
from biddaemon.errors import BiddaemonError
from biddaemon.logs import get_logger
from biddaemon.store.database import transaction
from biddaemon.store.models import JobRun, JobStatus

log = get_logger(__name__)


@dataclass
class RunRecord:
    """What a job fills in while it runs; saved into `job_runs.details` at the end."""

    id: int
    job: str
    details: dict[str, Any] = field(default_factory=dict)

    def count(self, key: str, by: int = 1) -> None:
        self.details[key] = int(self.details.get(key, 0)) + by


@contextmanager
def recorded_run(factory: sessionmaker[Session], job: str, *, dry_run: bool) -> Iterator[RunRecord]:
    """Insert a RUNNING row, then mark it SUCCEEDED or FAILED (re-raising the error)."""
    with transaction(factory) as session:
        row = JobRun(job=job, started_at=utcnow(), status=JobStatus.RUNNING, dry_run=dry_run)
        session.add(row)
        session.flush()
        record = RunRecord(id=row.id, job=job)
    status = JobStatus.FAILED
    error: str | None = None
    try:
        yield record
        status = JobStatus.SUCCEEDED
    except BiddaemonError as exc:
        error = str(exc)
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        finished = utcnow()
        with transaction(factory) as session:
            row = session.get_one(JobRun, record.id)
            row.status = status
            row.finished_at = finished
            row.error = error
            row.details = record.details
        metrics.JOB_RUNS.labels(job=job, status=status.value).inc()
        if status is JobStatus.SUCCEEDED:
            metrics.JOB_LAST_SUCCESS.labels(job=job).set(finished.timestamp())
        log.info(
            "job finished",
            job=job,
            run_id=record.id,
            status=status.value,
            error=error,
            **record.details,
        )
