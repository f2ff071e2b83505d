"""Read-only questions the CLI and the health check ask of the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from biddaemon.store.models import Ballot, BallotState, Competition, JobRun, JobStatus


@dataclass(frozen=True)
class JobSummary:
    job: str
    last_status: JobStatus
    last_started_at: datetime
    last_finished_at: datetime | None
    last_error: str | None
    last_success_at: datetime | None


def job_summaries(session: Session) -> list[JobSummary]:
    """The latest run of every job, with when it last succeeded."""
    latest = select(JobRun.job, func.max(JobRun.id).label("run_id")).group_by(JobRun.job).subquery()
    runs = session.scalars(
        select(JobRun).join(latest, JobRun.id == latest.c.run_id).order_by(JobRun.job)
    ).all()
    successes = dict(
        session.execute(
            select(JobRun.job, func.max(JobRun.finished_at))
            .where(JobRun.status == JobStatus.SUCCEEDED)
            .group_by(JobRun.job)
        ).all()
    )
    return [
        JobSummary(
            job=run.job,
            last_status=run.status,
            last_started_at=run.started_at,
            last_finished_at=run.finished_at,
            last_error=run.error,
            last_success_at=aware(successes.get(run.job)),
        )
        for run in runs
    ]


def aware(value: datetime | str | None) -> datetime | None:
    """An aggregate's datetime as an aware UTC one."""
    # func.max() bypasses the column type on SQLite, so re-apply its UTC rule.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def ballots_by_state(session: Session) -> dict[BallotState, int]:
    rows = session.execute(select(Ballot.state, func.count()).group_by(Ballot.state))
    return dict(rows.all())


def open_competitions(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Competition).where(Competition.status == "open")
        )
        or 0
    )
