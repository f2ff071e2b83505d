"""Notifications through an outbox: jobs add rows in their own transaction; delivery is separate.

A webhook receiver that is down or slow must never delay bidding, and a notice must not be lost
because the process restarted. So jobs only insert a row; `deliver_pending` posts due rows as
JSON and reschedules failures with exponential backoff until `max_attempts`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from biddaemon.clock import utcnow
from biddaemon.logs import get_logger
from biddaemon.settings import NotifySettings
from biddaemon.store.database import transaction
from biddaemon.store.models import Notification

log = get_logger(__name__)

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
BATCH = 50


def enqueue(session: Session, kind: str, payload: dict[str, Any], *, dry_run: bool) -> None:
    """Add a notice in the caller's transaction: delivered only if that transaction commits."""
    now = utcnow()
    session.add(
        Notification(
            kind=kind,
            payload={"kind": kind, "dry_run": dry_run, "created_at": now.isoformat(), **payload},
            created_at=now,
            next_attempt_at=now,
            attempts=0,
            dry_run=dry_run,
        )
    )
    log.info("notification queued", kind=kind, **{k: v for k, v in payload.items() if k != "bids"})


def backoff(attempts: int) -> timedelta:
    """30 s, 60 s, 120 s, ... capped at one hour."""
    delay: timedelta = FIRST_RETRY * (2 ** max(attempts - 1, 0))
    return min(delay, LONGEST_RETRY)


def deliver_pending(
    factory: sessionmaker[Session],
    settings: NotifySettings,
    http: httpx.Client,
    *,
    now: datetime | None = None,
) -> tuple[int, int]:
    """Post every due notice once; returns (delivered, failed)."""
    if not settings.webhook_url:
        return (0, 0)
    now = now or utcnow()
    headers = {"Content-Type": "application/json"}
    if settings.webhook_token is not None:
        headers["Authorization"] = f"Bearer {settings.webhook_token.get_secret_value()}"
    delivered = failed = 0
    with transaction(factory) as session:
        due = session.scalars(
            select(Notification)
            .where(Notification.delivered_at.is_(None), Notification.abandoned.is_(False))
            .where(Notification.next_attempt_at <= now)
            .order_by(Notification.id)
            .limit(BATCH)
        ).all()
        for notice in due:
            notice.attempts += 1
            try:
                response = http.post(
                    settings.webhook_url,
                    json=notice.payload,
                    headers=headers,
                    timeout=settings.timeout_seconds,
                )
                response.raise_for_status()
            except httpx.HTTPError as exc:
                failed += 1
                notice.last_error = _describe(exc)
                if notice.attempts >= settings.max_attempts:
                    notice.abandoned = True
                    log.error("notification abandoned", id=notice.id, error=notice.last_error)
                else:
                    notice.next_attempt_at = now + backoff(notice.attempts)
                continue
            notice.delivered_at = now
            notice.last_error = None
            delivered += 1
    if delivered or failed:
        log.info("notifications delivered", delivered=delivered, failed=failed)
    return (delivered, failed)


def _describe(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"webhook answered {exc.response.status_code}"
    return f"webhook unreachable: {type(exc).__name__}"
