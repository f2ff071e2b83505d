"""One log line per retried market call: what, which attempt, how long we wait, and why.

`log_retry` is stamina's only on-retry hook (installed on import, so every client gets it);
`AttemptFailed` carries one failed exchange through stamina to the caller's error mapping.
"""

from __future__ import annotations

import stamina

from biddaemon.logs import get_logger
from biddaemon.markets.failures import Failure

log = get_logger(__name__)


class AttemptFailed(Exception):
    """Carries one failed exchange through stamina to the mapping; its repr is safe to log."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(f"{failure.where}: {failure.reason}")
        self.failure = failure
        self.asked_wait: float | None = None  # the market's Retry-After, when we honour it


def log_retry(details: stamina.instrumentation.RetryDetails) -> None:
    """stamina's one on-retry hook: one log line per retry, saying what, attempt, wait and why.

    It replaces stamina's own instrumentation, which logs every retry a second time and names
    the call `<context block>`. `wait_seconds` is the wait the market asked for (None: our
    backoff); `scheduled_seconds` is what stamina will actually sleep.
    """
    cause = details.caused_by
    if isinstance(cause, AttemptFailed):
        asked = cause.asked_wait
        log.info(
            "market call will be retried",
            call=cause.failure.where,
            attempt=details.retry_num,
            reason=cause.failure.reason,
            wait_seconds=asked,
            wait="as the market asked" if asked is not None else "backoff",
            scheduled_seconds=round(details.wait_for, 3),
        )
    else:
        log.info(
            "call will be retried",
            call=details.name,
            attempt=details.retry_num,
            reason=f"{type(cause).__name__}: {cause}",
            scheduled_seconds=round(details.wait_for, 3),
        )


def install_retry_logging() -> None:
    """Make `log_retry` stamina's only hook (no Prometheus counter, no second log line)."""
    stamina.instrumentation.set_on_retry_hooks([log_retry])


install_retry_logging()
