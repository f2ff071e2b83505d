"""Reconciliation: what the market's listing says about our doubtful ballots, and adoption of
ballots it holds that we do not know, so commitments and results never ignore them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from biddaemon.bidding.fingerprint import BidValues, bid_identity
from biddaemon.logs import get_logger
from biddaemon.store.ballots import (
    Landed,
    identity_of,
    in_doubt,
    mark_not_sent,
    mark_submitted,
    mark_unknown,
    supersede_others,
)
from biddaemon.store.ledger import allocation_rows
from biddaemon.store.models import (
    AttemptOutcome,
    Ballot,
    BallotState,
    Bid,
    ServicePeriod,
    ServiceWindow,
)
from biddaemon.strategy.snapshot import Commitment, Schedule

log = get_logger(__name__)


def reconcile(
    session: Session,
    competition_id: str,
    listing: Sequence[Landed],
    now: datetime,
    *,
    horizon: timedelta,
    dry_run: bool,
) -> list[tuple[int, BallotState]]:
    """Resolve the competition's doubtful ballots against the market's listing (newest first),
    then adopt any listed ballot we do not know.

    Found (same identity, a market id we do not know yet): SUBMITTED. Absent: DRAFT once the
    write can no longer land (it was answered, or started more than `horizon` ago); until then
    it stays UNKNOWN and nothing else is sent for the competition.
    """
    known = set(
        session.scalars(
            select(Ballot.market_ballot_id).where(
                Ballot.competition_id == competition_id, Ballot.market_ballot_id.is_not(None)
            )
        )
    )
    resolved: list[tuple[int, BallotState]] = []
    for ballot in in_doubt(session, competition_id):
        ours = identity_of(ballot)
        match = next((c for c in listing if c.market_id not in known and c.identity == ours), None)
        if match is not None:
            mark_submitted(session, ballot.id, match, now)
            known.add(match.market_id)
            resolved.append((ballot.id, BallotState.SUBMITTED))
            log.info(
                "reconciled: the market has our ballot",
                competition=competition_id,
                ballot=ballot.id,
                market_ballot=match.market_id,
            )
            continue
        landing_until = _may_land_until(ballot, horizon)
        if landing_until is not None and now < landing_until:
            mark_unknown(
                session,
                ballot.id,
                f"not on the market yet; the write may still land until {landing_until:%H:%M:%S}",
                now,
            )
            resolved.append((ballot.id, BallotState.UNKNOWN))
            continue
        mark_not_sent(session, ballot.id, now)
        resolved.append((ballot.id, BallotState.DRAFT))
        log.info(
            "reconciled: the market never stored our ballot",
            competition=competition_id,
            ballot=ballot.id,
        )
    for landed in listing:
        if landed.market_id not in known:
            adopt(session, competition_id, landed, now, dry_run=dry_run)
            known.add(landed.market_id)
    return resolved


def _may_land_until(ballot: Ballot, horizon: timedelta) -> datetime | None:
    """Until when the last write could still be stored; None: it can no longer land."""
    if not ballot.attempts:
        return None  # the process stopped before the attempt row: never sent
    last = ballot.attempts[-1]
    if last.http_status is not None or last.outcome is AttemptOutcome.NOT_SENT:
        return None  # the market answered: it has finished with the request
    return last.started_at + horizon


def adopt(
    session: Session, competition_id: str, landed: Landed, now: datetime, *, dry_run: bool
) -> int:
    """Record a ballot the market holds but we do not know (a POST that landed late).

    It is SUBMITTED when the market lists it as active (our older SUBMITTED one is superseded),
    otherwise SUPERSEDED. Its MW count as held, conservatively: each bid's full capacity on each
    of its assets (we cannot know how the market's copy was split).
    """
    if landed.active:
        supersede_others(session, competition_id, None, now)
    ballot = Ballot(
        competition_id=competition_id,
        fingerprint=f"adopted:{landed.market_id}"[:64],
        state=BallotState.SUBMITTED if landed.active else BallotState.SUPERSEDED,
        market_ballot_id=landed.market_id,
        flex_asset_ids=list(landed.flex_ids),
        planned_asset_ids=list(landed.planned_ids),
        request_body={},
        decision={"version": 1, "outcome": "adopted", "market_ballot_id": landed.market_id},
        strategy="adopted",
        created_at=now,
        updated_at=now,
        submitted_at=now,
        dry_run=dry_run,
        adopted=True,
    )
    for position, bid in enumerate(landed.bids):
        values = bid.values
        ballot.bids.append(
            Bid(
                position=position,
                service_window_id=values.window_id,
                capacity=values.capacity,
                max_runtime=bid_identity(values)[2],
                availability_rate=values.rates.get("availability"),
                utilisation_rate=values.rates.get("utilisation"),
                service_fee_rate=values.rates.get("service_fee"),
                market_bid_id=bid.market_bid_id,
            )
        )
    ballot.allocations = allocation_rows(
        _conservative(session, competition_id, landed, (b.values for b in landed.bids))
    )
    session.add(ballot)
    session.flush()
    log.warning(
        "adopted a ballot the market holds that we did not know",
        competition=competition_id,
        ballot=ballot.id,
        market_ballot=landed.market_id,
        active=landed.active,
    )
    return ballot.id


def _conservative(
    session: Session, competition_id: str, landed: Landed, bids: Iterable[BidValues]
) -> list[Commitment]:
    schedules = _schedules(session, competition_id)
    assets = [("flex", i) for i in landed.flex_ids] + [("planned", i) for i in landed.planned_ids]
    found: list[Commitment] = []
    for values in bids:
        schedule = schedules.get(values.window_id)
        if schedule is None or values.capacity <= Decimal(0):
            continue  # a window we never stored: nothing to test overlap against
        for kind, asset_id in assets:
            found.append(
                Commitment(
                    asset_id=asset_id,
                    competition_id=competition_id,
                    window_id=values.window_id,
                    schedule=schedule,
                    capacity=values.capacity,
                    kind="planned" if kind == "planned" else "flex",
                )
            )
    return found


def _schedules(session: Session, competition_id: str) -> dict[str, Schedule]:
    rows = session.execute(
        select(ServiceWindow, ServicePeriod.start_date, ServicePeriod.end_date)
        .join(ServicePeriod, ServicePeriod.id == ServiceWindow.service_period_id)
        .where(ServiceWindow.competition_id == competition_id)
    )
    found: dict[str, Schedule] = {}
    for window, start, end in rows:
        try:
            found[window.id] = Schedule(
                start, end, window.start_time, window.end_time, frozenset(window.days)
            )
        except (TypeError, ValueError):
            continue
    return found
