"""Errors named by what the daemon's loop must do about them.

Every failure that crosses a module boundary is one of these classes. The loop never inspects
HTTP status codes or driver exceptions: it catches the class and does what the name says.

    BiddaemonError
    ├── OperatorActionRequired        stop, tell the operator, exit non-zero
    │   ├── ConfigurationError        a setting is missing or invalid (exit 2)
    │   ├── CredentialsRefused        the market refused our credentials
    │   └── SchemaNotCurrent          the database needs `biddaemon db upgrade`
    ├── RetryLater                    temporary trouble; the next scheduled run tries again
    │   └── RateLimited               the market asked us to wait `retry_after` seconds
    ├── RejectedByMarket              a 4xx the market explained; never retried as is
    ├── AmbiguousSubmission           a write may or may not have landed: reconcile first
    └── BadMarketData                 a payload we cannot trust: skip that competition

Messages never contain secrets: callers pass only ids, field names and the market's own text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class BiddaemonError(Exception):
    """Base of every error biddaemon raises on purpose.

    Catching this (and only this) at the top of a job separates "we know what went wrong and what
    to do" from a programming error, which must surface with its traceback. `exit_code` is what
    a command exits with when this error ends it (DESIGN.md: 1 could not run, 2 usage/config).
    """

    exit_code: int = 1


class OperatorActionRequired(BiddaemonError):
    """A person has to act before the daemon can do useful work.

    The loop stops (or the command exits non-zero) and logs one clear message saying what to
    change. Retrying would only repeat the same failure, and may lock an account.
    """


class ConfigurationError(OperatorActionRequired):
    """One or more settings are missing or invalid.

    `problems` maps each environment variable name to what is wrong with it, so that a single
    message can list every mistake at once instead of one per restart. Commands exit with code 2.
    """

    exit_code = 2

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        lines = [f"  {name}: {problem}" for name, problem in sorted(self.problems.items())]
        noun = "setting is" if len(lines) == 1 else "settings are"
        super().__init__(f"{len(lines)} {noun} invalid or missing:\n" + "\n".join(lines))


class CredentialsRefused(OperatorActionRequired):
    """The platform refused the configured credentials (even after a fresh login).

    Someone must check the client id and key; the daemon does not keep retrying a refused login,
    which could get the machine user locked.
    """


class SchemaNotCurrent(OperatorActionRequired):
    """The database schema is missing or older (or newer) than this version of biddaemon expects.

    The message names the command that fixes it (`biddaemon db upgrade`); with
    `BIDDAEMON_AUTO_MIGRATE=true` commands migrate by themselves instead of raising this.
    """

    exit_code = 2


class RetryLater(BiddaemonError):
    """Temporary trouble (connection failure, timeout, 5xx) that survived the client's retries.

    Nothing was decided or changed; the job records a failed run and the next scheduled run tries
    again. Reads only: a write with an unknown outcome is an `AmbiguousSubmission` instead.
    """


class RateLimited(RetryLater):
    """The platform answered 429 (or 503) and asked us to wait before calling again.

    `retry_after` is the number of seconds it asked for, when it said; the caller must not call
    that platform again before then.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RejectedByMarket(BiddaemonError):
    """The platform understood the request and refused it with a 4xx and an explanation.

    Sending the same request again would be refused again, so it is never retried as is. `detail`
    is the platform's message flattened into readable text; for a ballot it is stored with the
    ballot (state REJECTED) and shown by `biddaemon history`.
    """

    def __init__(self, status_code: int, detail: str, *, method: str = "", path: str = "") -> None:
        self.status_code = status_code
        self.detail = detail
        self.method = method
        self.path = path
        where = f" {method} {path}" if method or path else ""
        super().__init__(f"rejected by the market ({status_code}{where}): {detail}")


class AmbiguousSubmission(BiddaemonError):
    """A write was sent but its outcome is unknown (read timeout, reset after sending, 5xx).

    The market may or may not have stored it. Nothing more may be sent for that competition until
    the outcome is reconciled by reading the market's state. `sent` carries the request body that
    was sent, so reconciliation can recognise it.
    """

    def __init__(
        self,
        message: str,
        *,
        sent: Mapping[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.sent = dict(sent) if sent is not None else None
        # The status the market answered, if it answered: then it has finished with the request
        # and the write cannot land later (reconciliation need not wait for it).
        self.status_code = status_code


class BadMarketData(BiddaemonError):
    """A payload from the market does not fit the contract (missing field, wrong type, naive time).

    The competition it belongs to is skipped with this reason logged and recorded; the others are
    still processed. `field` and `competition_id` say where, when known.
    """

    def __init__(
        self, message: str, *, field: str | None = None, competition_id: str | None = None
    ) -> None:
        self.field = field
        self.competition_id = competition_id
        where = []
        if competition_id:
            where.append(f"competition {competition_id}")
        if field:
            where.append(f"field {field!r}")
        prefix = f"bad market data ({', '.join(where)}): " if where else "bad market data: "
        super().__init__(prefix + message)
