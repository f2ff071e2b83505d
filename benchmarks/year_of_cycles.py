"""A year of hourly cycles, generated straight into the store's tables (for the page benchmark).

A year of hourly opportunities runs and daily results runs (job-run rows with their details),
every open competition listed by every poll (observations), ten new competitions a week with a
service period and three windows each, one or two ballots per competition (bids, an attempt,
allocations over a fleet of a dozen assets), and the outcome of every bid once the competition's
results are out; a few ballots are UNKNOWN or REJECTED. Rows go in as multi-row INSERTs.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from biddaemon.store.models import (
    Allocation,
    AttemptOutcome,
    Ballot,
    BallotState,
    Bid,
    BidOutcome,
    Competition,
    CompetitionEvent,
    JobRun,
    JobStatus,
    OpportunityObservation,
    OutcomeStatus,
    ServicePeriod,
    ServiceWindow,
    SubmissionAttempt,
)

START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
DAYS = 365
PER_WEEK = 10
OPEN_DAYS = 7
ASSETS = [f"asset{n:02d}" for n in range(12)]
OPERATORS = [
    "UK Power Networks",
    "Northern Powergrid",
    "SP Energy Networks",
    "Electricity North West",
    "National Grid Electricity Distribution",
    "Scottish and Southern Electricity Networks",
]
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]
CHUNK = 5000


def _decision(competition_id: str, windows: list[str]) -> dict[str, Any]:
    """A decision record of the size and shape the engine writes (a few windows' reasons)."""
    return {
        "version": 2,
        "outcome": "ballot",
        "competition": {
            "id": competition_id,
            "type": "availability",
            "need_direction": "deficit",
            "competition_close": "2026-01-01T17:00:00+00:00",
        },
        "assets": {"flex": ASSETS[:4], "planned": [], "capacity": "6.000", "excluded": []},
        "bids": [
            {
                "service_window_id": window,
                "capacity": "1.500",
                "reasons": ["guide price 20.00 x 0.95", "derated 0.90 of 1.667 MW"],
                "rates": {"availability": "19.00"},
            }
            for window in windows
        ],
        "reasons": [],
        "skipped": [],
        "notes": [],
    }


def build(engine: Engine, seed: int) -> dict[str, int]:
    """Write a year of history; return how many rows of each kind."""
    rng = random.Random(seed)
    competitions: list[dict[str, Any]] = []
    periods: list[dict[str, Any]] = []
    windows: list[dict[str, Any]] = []
    ballots: list[dict[str, Any]] = []
    bids: list[dict[str, Any]] = []
    attempts: list[dict[str, Any]] = []
    allocations: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    end = START + timedelta(days=DAYS)
    ballot_id = bid_id = 0
    for week in range(DAYS // 7 + 1):
        for k in range(PER_WEEK):
            opened = START + timedelta(days=7 * week, hours=9 + k)
            if opened >= end:
                continue
            close = opened + timedelta(days=OPEN_DAYS)
            results_at = close + timedelta(days=2)
            cid = f"C{week:02d}{k:02d}"
            done = results_at < end
            competitions.append(
                {
                    "id": cid,
                    "reference": f"DSO-{cid}",
                    "name": f"{rng.choice(['Peak', 'Constraint'])} {cid} winter",
                    "operator_name": OPERATORS[(week + k) % len(OPERATORS)],
                    "type": "availability",
                    "need_direction": "deficit",
                    "status": "results_published"
                    if done
                    else ("open" if close > end else "closed"),
                    "competition_open": opened,
                    "competition_close": close,
                    "raw": {"id": cid},
                    "first_observed_at": opened,
                    "observed_at": min(close, end),
                    "results_status": "published" if done else None,
                    "results_checked_at": results_at if done else None,
                    "results_published_at": results_at if done else None,
                    "done": done,
                    "last_decision": None,
                    "last_decided_at": opened,
                }
            )
            first = (close + timedelta(days=14)).date()
            periods.append(
                {
                    "id": f"P{cid}",
                    "competition_id": cid,
                    "name": "season",
                    "start_date": first,
                    "end_date": first + timedelta(days=90),
                }
            )
            wins = []
            for w, (start_h, end_h) in enumerate(((7, 9), (16, 19), (rng.randint(10, 13), 15))):
                wid = f"W{cid}{w}"
                wins.append(wid)
                windows.append(
                    {
                        "id": wid,
                        "service_period_id": f"P{cid}",
                        "competition_id": cid,
                        "name": f"window {w}",
                        "start_time": dtime(start_h),
                        "end_time": dtime(end_h),
                        "days": WEEKDAYS,
                        "bank_holidays": "excluded",
                        "capacity_required": Decimal("3.000"),
                    }
                )
            count = 2 if rng.random() < 0.4 else 1
            for n in range(count):
                ballot_id += 1
                final = n == count - 1
                roll = rng.random()
                if not final:
                    state = BallotState.SUPERSEDED
                elif roll < 0.02:
                    state = BallotState.REJECTED
                elif roll < 0.025 and not done:
                    state = BallotState.UNKNOWN
                else:
                    state = BallotState.SUBMITTED
                at = opened + timedelta(hours=1 + n * 24)
                ballots.append(
                    {
                        "id": ballot_id,
                        "competition_id": cid,
                        "fingerprint": hashlib.sha256(f"{cid}/{n}".encode()).hexdigest(),
                        "state": state,
                        "market_ballot_id": f"B{ballot_id}"
                        if state != BallotState.REJECTED
                        else None,
                        "flex_asset_ids": ASSETS[:4],
                        "planned_asset_ids": [],
                        "request_body": {"bids": len(wins)},
                        "decision": _decision(cid, wins),
                        "strategy": "guide-price",
                        "supersedes_id": ballot_id - 1 if n else None,
                        "rejection_text": "capacity above the need"
                        if state is BallotState.REJECTED
                        else None,
                        "created_at": at,
                        "updated_at": at,
                        "submitted_at": at if state is not BallotState.REJECTED else None,
                        "dry_run": False,
                        "adopted": False,
                        "doubt_reason": "the listing could not be read"
                        if state is BallotState.UNKNOWN
                        else None,
                    }
                )
                attempts.append(
                    {
                        "ballot_id": ballot_id,
                        "started_at": at,
                        "finished_at": at + timedelta(seconds=1),
                        "http_status": 400 if state is BallotState.REJECTED else 201,
                        "outcome": AttemptOutcome.REJECTED
                        if state is BallotState.REJECTED
                        else AttemptOutcome.SUBMITTED,
                        "error_text": None,
                        "dry_run": False,
                    }
                )
                for position, wid in enumerate(wins):
                    bid_id += 1
                    capacity = Decimal(rng.randint(5, 30)) / 10
                    bids.append(
                        {
                            "id": bid_id,
                            "ballot_id": ballot_id,
                            "position": position,
                            "service_window_id": wid,
                            "capacity": capacity.quantize(Decimal("0.001")),
                            "max_runtime": None,
                            "availability_rate": Decimal("19.00"),
                            "utilisation_rate": None,
                            "service_fee_rate": None,
                            "market_bid_id": f"M{bid_id}",
                        }
                    )
                    window = windows[-len(wins) + position]
                    for asset in rng.sample(ASSETS, 3):
                        allocations.append(
                            {
                                "ballot_id": ballot_id,
                                "window_id": wid,
                                "asset_kind": "flex",
                                "asset_id": asset,
                                "capacity": (capacity / 3).quantize(Decimal("0.001")),
                                "start_date": first,
                                "end_date": first + timedelta(days=90),
                                "start_time": window["start_time"],
                                "end_time": window["end_time"],
                                "days": WEEKDAYS,
                            }
                        )
                    if final and done and state is BallotState.SUBMITTED:
                        accepted = rng.random() < 0.7
                        outcomes.append(
                            {
                                "competition_id": cid,
                                "market_bid_id": f"M{bid_id}",
                                "market_ballot_id": f"B{ballot_id}",
                                "bid_id": bid_id,
                                "service_window_id": wid,
                                "status": OutcomeStatus.ACCEPTED
                                if accepted
                                else OutcomeStatus.REJECTED,
                                "capacity": capacity.quantize(Decimal("0.001")),
                                "rejection_reason": None if accepted else "over budget",
                                "recorded_at": results_at,
                                "dry_run": False,
                            }
                        )
            if rng.random() < 0.05:
                events.append(
                    {
                        "competition_id": cid,
                        "at": close - timedelta(days=1),
                        "kind": "close_moved",
                        "subject": None,
                        "detail": "the close moved by a day under our ballot",
                        "dry_run": False,
                    }
                )
    runs: list[dict[str, Any]] = []
    observations: list[dict[str, Any]] = []
    run_id = 0
    open_at = sorted((c["competition_open"], c["competition_close"], c["id"]) for c in competitions)
    for hour in range(DAYS * 24):
        at = START + timedelta(hours=hour)
        run_id += 1
        listed = [cid for opened, close, cid in open_at if opened <= at < close]
        runs.append(
            {
                "id": run_id,
                "job": "opportunities",
                "started_at": at,
                "finished_at": at + timedelta(seconds=4),
                "status": JobStatus.SUCCEEDED,
                "error": None,
                "details": {"listed": len(listed), "decided": 1, "submitted": 0, "skipped": {}},
                "dry_run": False,
            }
        )
        observations.extend(
            {
                "job_run_id": run_id,
                "competition_id": cid,
                "observed_at": at,
                "flex_asset_ids": ASSETS[:4],
                "planned_asset_ids": [],
                "total_capacity": Decimal("6.000"),
                "error": None,
                "dry_run": False,
            }
            for cid in listed
        )
        if at.hour == 19:
            run_id += 1
            runs.append(
                {
                    "id": run_id,
                    "job": "results",
                    "started_at": at + timedelta(minutes=30),
                    "finished_at": at + timedelta(minutes=30, seconds=3),
                    "status": JobStatus.SUCCEEDED,
                    "error": None,
                    "details": {"published": 1, "accepted": 2, "rejected": 1},
                    "dry_run": False,
                }
            )
    tables: list[tuple[Any, list[dict[str, Any]]]] = [
        (Competition, competitions),
        (ServicePeriod, periods),
        (ServiceWindow, windows),
        (JobRun, runs),
        (OpportunityObservation, observations),
        (Ballot, ballots),
        (Bid, bids),
        (SubmissionAttempt, attempts),
        (Allocation, allocations),
        (BidOutcome, outcomes),
        (CompetitionEvent, events),
    ]
    with Session(engine) as session, session.begin():
        for model, rows in tables:
            for i in range(0, len(rows), CHUNK):
                session.execute(insert(model.__table__), rows[i : i + CHUNK])
    return {model.__tablename__: len(rows) for model, rows in tables}
