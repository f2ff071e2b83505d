"""The tables biddaemon keeps: what the market showed us, what we sent, what came back.

Durable state lives here and nowhere else (the scheduler's job store is in memory). Market ids
are kept as the market gives them; our own rows have integer ids. Every row written on behalf
of a dry run carries `dry_run=True`, so rehearsal and live history never mix unnoticed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from types import MappingProxyType
from typing import Any, ClassVar, Final

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from biddaemon.store.types import Amount, UTCDateTime

MW = Amount(14, 3)
MONEY = Amount(14, 2)

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[str]: JSON,
        datetime: UTCDateTime,
    }


def _enum(cls: type[enum.Enum]) -> Enum:
    # Stored as text (no native enum type) so adding a state is a code change, not a migration.
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


class BallotState(enum.StrEnum):
    """Where a ballot is between our database and the market; `TRANSITIONS` lists every move.

        DRAFT --> SUBMITTING --> SUBMITTED --> SUPERSEDED
          ^           |  |  \
          |           |  |   --> REJECTED           (4xx: never resent with this content)
          +-----------+  v
          |           UNKNOWN --> SUBMITTED | SUPERSEDED
          +---------------+       (found in the listing, or replaced on the market)

    SUBMITTING -> DRAFT: the write provably never left, or reconciliation found it absent after
    it could no longer land. SUBMITTING -> UNKNOWN: the outcome is ambiguous, or the listing does
    not show it yet. An adopted ballot (on the market, unknown to us) is created SUBMITTED.
    """

    DRAFT = "draft"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    SUPERSEDED = "superseded"


TRANSITIONS: Final[Mapping[BallotState, frozenset[BallotState]]] = MappingProxyType(
    {
        BallotState.DRAFT: frozenset({BallotState.SUBMITTING}),
        BallotState.SUBMITTING: frozenset(
            {
                BallotState.SUBMITTED,
                BallotState.REJECTED,
                BallotState.UNKNOWN,
                BallotState.DRAFT,
            }
        ),
        BallotState.UNKNOWN: frozenset(
            {BallotState.SUBMITTED, BallotState.DRAFT, BallotState.SUPERSEDED}
        ),
        BallotState.SUBMITTED: frozenset({BallotState.SUPERSEDED}),
        BallotState.REJECTED: frozenset(),
        BallotState.SUPERSEDED: frozenset(),
    }
)


class IllegalTransition(ValueError):
    """A move the state machine does not allow: a bug, never a market condition."""

    def __init__(self, ballot_id: int | None, current: BallotState, to: BallotState) -> None:
        self.current, self.to = current, to
        super().__init__(
            f"ballot {ballot_id}: illegal transition from {current.value} to {to.value}"
        )


def transition(ballot: Ballot, to: BallotState, now: datetime) -> None:
    """Move `ballot` to `to` (the only code that changes `Ballot.state`), or refuse."""
    if to not in TRANSITIONS[ballot.state]:
        raise IllegalTransition(ballot.id, ballot.state, to)
    ballot.state = to
    ballot.updated_at = now
    if to is BallotState.SUBMITTED:
        ballot.submitted_at = ballot.submitted_at or now
    if to is not BallotState.UNKNOWN:
        ballot.doubt_reason = None


class JobStatus(enum.StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class AttemptOutcome(enum.StrEnum):
    SUBMITTED = "submitted"  # the market answered 2xx
    REJECTED = "rejected"  # the market answered 4xx with a reason
    AMBIGUOUS = "ambiguous"  # sent, outcome unknown: reconcile
    NOT_SENT = "not_sent"  # provably never left (connect failure), or a dry run


class OutcomeStatus(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Competition(Base):
    """A competition as last observed on the market, with the raw payload for the record."""

    __tablename__ = "competitions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(128))
    name: Mapped[str | None] = mapped_column(String(256))
    operator_name: Mapped[str | None] = mapped_column(String(256))
    type: Mapped[str] = mapped_column(String(64))
    need_direction: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    competition_open: Mapped[datetime | None]
    competition_close: Mapped[datetime | None]
    raw: Mapped[dict[str, Any]]
    first_observed_at: Mapped[datetime]
    observed_at: Mapped[datetime]
    results_status: Mapped[str | None] = mapped_column(String(16))
    results_checked_at: Mapped[datetime | None]
    results_published_at: Mapped[datetime | None]
    done: Mapped[bool] = mapped_column(Boolean, default=False)
    last_decision: Mapped[dict[str, Any] | None]
    last_decided_at: Mapped[datetime | None]

    periods: Mapped[list[ServicePeriod]] = relationship(
        back_populates="competition", cascade="all, delete-orphan", order_by="ServicePeriod.id"
    )
    ballots: Mapped[list[Ballot]] = relationship(back_populates="competition", order_by="Ballot.id")
    events: Mapped[list[CompetitionEvent]] = relationship(
        cascade="all, delete-orphan", order_by="CompetitionEvent.id"
    )


class ServicePeriod(Base):
    """A date range of a competition; `end_date` is exclusive, as on the market."""

    __tablename__ = "service_periods"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    competition_id: Mapped[str] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(256))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)

    competition: Mapped[Competition] = relationship(back_populates="periods")
    windows: Mapped[list[ServiceWindow]] = relationship(
        back_populates="period", cascade="all, delete-orphan", order_by="ServiceWindow.id"
    )


class ServiceWindow(Base):
    """When flexibility is needed and how much: local GB times of day on given days."""

    __tablename__ = "service_windows"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service_period_id: Mapped[str] = mapped_column(
        ForeignKey("service_periods.id", ondelete="CASCADE"), index=True
    )
    competition_id: Mapped[str] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(256))
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    days: Mapped[list[str]]
    bank_holidays: Mapped[str | None] = mapped_column(String(16))
    capacity_required: Mapped[Decimal] = mapped_column(MW)

    period: Mapped[ServicePeriod] = relationship(back_populates="windows")


class OpportunityObservation(Base):
    """One competition as listed by one poll of bidding opportunities."""

    __tablename__ = "opportunity_observations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id"), index=True)
    competition_id: Mapped[str] = mapped_column(String(64), index=True)
    observed_at: Mapped[datetime]
    flex_asset_ids: Mapped[list[str]]
    planned_asset_ids: Mapped[list[str]]
    # None when the market's figure could not be stored; `error` then says why.
    total_capacity: Mapped[Decimal | None] = mapped_column(MW)
    error: Mapped[str | None] = mapped_column(Text)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)


class CompetitionEvent(Base):
    """Something about a competition worth keeping once the row shows only the latest state.

    The competition, its periods and windows are stored as the market describes them now; what
    changed under a ballot we sent (a window removed or changed, the close moved, a cancellation)
    and results we could not take as given (a bid listed twice, one we do not know) are kept here
    with a readable `detail`, so `history` can show them.
    """

    __tablename__ = "competition_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    competition_id: Mapped[str] = mapped_column(
        ForeignKey("competitions.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)


class InventoryAsset(Base):
    """One asset of the FSP's fleet; `ref` is its key on every platform."""

    __tablename__ = "inventory_assets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(256))
    technology: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    export_mw: Mapped[Decimal | None] = mapped_column(MW)
    import_mw: Mapped[Decimal | None] = mapped_column(MW)
    energy_mwh: Mapped[Decimal | None] = mapped_column(MW)
    details: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    links: Mapped[list[PlatformAssetLink]] = relationship(
        back_populates="asset", cascade="all, delete-orphan", order_by="PlatformAssetLink.id"
    )


class PlatformAssetLink(Base):
    """The id an inventory asset has on one platform, and what we last wrote there."""

    __tablename__ = "platform_asset_links"
    __table_args__ = (
        UniqueConstraint("inventory_asset_id", "platform"),
        UniqueConstraint("platform", "remote_kind", "remote_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inventory_asset_id: Mapped[int] = mapped_column(
        ForeignKey("inventory_assets.id", ondelete="CASCADE")
    )
    platform: Mapped[str] = mapped_column(String(32))
    remote_kind: Mapped[str] = mapped_column(String(32))
    remote_id: Mapped[str] = mapped_column(String(128))
    last_applied_at: Mapped[datetime | None]
    last_applied_hash: Mapped[str | None] = mapped_column(String(64))
    # The fields as last written, in their JSON form: what a field the platform never returns is
    # compared with, and what tells our change from one made on the platform (drift).
    last_applied_fields: Mapped[dict[str, Any] | None]
    # When the asset, gone from the inventory, was retired on the platform (`apply --prune`).
    retired_at: Mapped[datetime | None]

    asset: Mapped[InventoryAsset] = relationship(back_populates="links")


class Ballot(Base):
    """A full ballot for one competition, persisted before it is sent (principle 1)."""

    __tablename__ = "ballots"
    __table_args__ = (Index(None, "competition_id", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    competition_id: Mapped[str] = mapped_column(ForeignKey("competitions.id"))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    state: Mapped[BallotState] = mapped_column(_enum(BallotState))
    market_ballot_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    flex_asset_ids: Mapped[list[str]]
    planned_asset_ids: Mapped[list[str]]
    request_body: Mapped[dict[str, Any]]
    decision: Mapped[dict[str, Any]]
    strategy: Mapped[str] = mapped_column(String(128))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("ballots.id"))
    rejection_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    # On the market but unknown to us (a POST that landed late): recorded so its MW count.
    adopted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why the ballot is still in doubt (a listing we could not read, a write that may land).
    doubt_reason: Mapped[str | None] = mapped_column(Text)

    competition: Mapped[Competition] = relationship(back_populates="ballots")
    bids: Mapped[list[Bid]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", order_by="Bid.position"
    )
    attempts: Mapped[list[SubmissionAttempt]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", order_by="SubmissionAttempt.id"
    )
    allocations: Mapped[list[Allocation]] = relationship(
        back_populates="ballot", cascade="all, delete-orphan", order_by="Allocation.id"
    )


class Bid(Base):
    """One bid of a ballot: capacity, rates and runtime for one service window."""

    __tablename__ = "bids"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    service_window_id: Mapped[str] = mapped_column(String(64), index=True)
    capacity: Mapped[Decimal] = mapped_column(MW)
    max_runtime: Mapped[str | None] = mapped_column(String(32))
    availability_rate: Mapped[Decimal | None] = mapped_column(MONEY)
    utilisation_rate: Mapped[Decimal | None] = mapped_column(MONEY)
    service_fee_rate: Mapped[Decimal | None] = mapped_column(MONEY)
    market_bid_id: Mapped[str | None] = mapped_column(String(64), index=True)

    ballot: Mapped[Ballot] = relationship(back_populates="bids")


class SubmissionAttempt(Base):
    """One try at sending a ballot, and what the market answered (or that nobody knows)."""

    __tablename__ = "submission_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    http_status: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[AttemptOutcome | None] = mapped_column(_enum(AttemptOutcome))
    error_text: Mapped[str | None] = mapped_column(Text)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)

    ballot: Mapped[Ballot] = relationship(back_populates="attempts")


class Allocation(Base):
    """MW of one asset a ballot promises in one window, with the window's schedule, so what is
    held elsewhere is read as data (one query), never decoded from decision records."""

    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id", ondelete="CASCADE"), index=True)
    window_id: Mapped[str] = mapped_column(String(64))
    asset_kind: Mapped[str] = mapped_column(String(16))
    asset_id: Mapped[str] = mapped_column(String(128))
    capacity: Mapped[Decimal] = mapped_column(MW)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)  # exclusive
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    days: Mapped[list[str]]

    ballot: Mapped[Ballot] = relationship(back_populates="allocations")


class BidOutcome(Base):
    """What the System Operator decided about one of our bids."""

    __tablename__ = "bid_outcomes"
    __table_args__ = (UniqueConstraint("competition_id", "market_bid_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    competition_id: Mapped[str] = mapped_column(ForeignKey("competitions.id"), index=True)
    market_bid_id: Mapped[str] = mapped_column(String(64))
    market_ballot_id: Mapped[str | None] = mapped_column(String(64))
    bid_id: Mapped[int | None] = mapped_column(ForeignKey("bids.id"), index=True)
    service_window_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[OutcomeStatus] = mapped_column(_enum(OutcomeStatus))
    capacity: Mapped[Decimal] = mapped_column(MW)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime]
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)


class JobRun(Base):
    """One run of a scheduled job; the health check reads the last success of each job."""

    __tablename__ = "job_runs"
    __table_args__ = (Index(None, "job", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus))
    error: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None]
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)


class Notification(Base):
    """An outbox row: a notice for the operator's webhook, delivered apart from bidding."""

    __tablename__ = "notifications"
    __table_args__ = (Index(None, "delivered_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    abandoned: Mapped[bool] = mapped_column(Boolean, default=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
