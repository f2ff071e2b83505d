"""Decimals and datetimes survive the database exactly, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from biddaemon.store import migrate
from biddaemon.store.database import make_engine, session_factory, transaction
from biddaemon.store.models import Competition, JobRun, JobStatus, ServicePeriod, ServiceWindow


def _competition(observed: datetime) -> Competition:
    return Competition(
        id="z8mpC6x",
        type="availability_utilisation",
        need_direction="deficit",
        status="open",
        raw={"id": "z8mpC6x"},
        first_observed_at=observed,
        observed_at=observed,
    )


@pytest.fixture
def factory(database_url: str):
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield session_factory(engine)
    engine.dispose()


@pytest.mark.parametrize(
    "capacity", [Decimal("0.001"), Decimal("9.320"), Decimal("99999999999.999"), Decimal("2")]
)
def test_capacity_round_trips_exactly(factory, capacity: Decimal) -> None:
    now = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)
    with transaction(factory) as session:
        competition = _competition(now)
        period = ServicePeriod(
            id="sp1", start_date=now.date(), end_date=now.date() + timedelta(days=30)
        )
        period.windows.append(
            ServiceWindow(
                id="sw1",
                competition_id="z8mpC6x",
                start_time=datetime(2027, 1, 1, 16).time(),
                end_time=datetime(2027, 1, 1, 19).time(),
                days=["mon"],
                capacity_required=capacity,
            )
        )
        competition.periods.append(period)
        session.add(competition)
    with factory() as session:
        stored = session.scalars(select(ServiceWindow.capacity_required)).one()
    assert stored == capacity
    assert isinstance(stored, Decimal)
    assert str(stored) == str(capacity.quantize(Decimal("0.001")))


def test_more_places_than_the_column_scale_are_refused_not_rounded(factory) -> None:
    now = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)
    competition = _competition(now)
    period = ServicePeriod(id="sp1", start_date=now.date(), end_date=now.date())
    period.windows.append(
        ServiceWindow(
            id="sw1",
            competition_id="z8mpC6x",
            start_time=now.time(),
            end_time=now.time(),
            days=[],
            capacity_required=Decimal("1.0005"),
        )
    )
    competition.periods.append(period)
    with factory() as session:
        session.add(competition)
        with pytest.raises(StatementError, match="more than 3 decimal places"):
            session.flush()


def test_aware_datetimes_come_back_in_utc_with_the_same_instant(factory) -> None:
    london_summer = timezone(timedelta(hours=1))
    started = datetime(2027, 6, 1, 18, 30, 15, 123456, tzinfo=london_summer)
    with transaction(factory) as session:
        session.add(JobRun(job="opportunities", started_at=started, status=JobStatus.RUNNING))
    with factory() as session:
        stored = session.scalars(select(JobRun.started_at)).one()
    assert stored == started
    assert stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored.hour == 17


def test_naive_datetimes_are_refused(factory) -> None:
    with pytest.raises(StatementError, match="naive datetime"), transaction(factory) as session:
        session.add(
            JobRun(job="results", started_at=datetime(2027, 1, 1, 12), status=JobStatus.RUNNING)
        )
