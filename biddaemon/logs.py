"""Logging, configured in one place: structlog for our code, stdlib loggers through the same chain.

JSON lines when stderr is not a terminal (containers, systemd), readable console output on a
terminal. Every record, ours or a library's, passes the redaction processor, so a secret that
slips into an event still never reaches the output.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, Literal, TextIO

_RICH = ("rich", "pygments")


@contextmanager
def without_rich() -> Iterator[None]:
    """Import things with rich unavailable, so that their optional rich support stays off.

    structlog's `dev` module and httpx's command-line client import rich (and through it
    pygments) when it is installed: several MB and a tenth of a second for a daemon whose JSON
    lines never use it. Console logs then show plain tracebacks, which is also what a journal
    wants. Commands that print with rich (status, history) import it later as usual.
    """
    blocked = [name for name in _RICH if name not in sys.modules]  # loaded ones stay
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` fail
    try:
        yield
    finally:
        for name in blocked:
            del sys.modules[name]


with without_rich():
    import structlog  # imported without rich, see above

from structlog.typing import EventDict, Processor, WrappedLogger  # noqa: E402

REDACTED = "**********"
_SECRET_KEY = re.compile(r"(token|api_key|apikey|password|secret|authorization)", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_LIBRARY_LEVELS = {
    "httpx": logging.WARNING,  # its INFO line prints every request URL
    "httpcore": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    "apscheduler": logging.WARNING,  # INFO is internals: "executed successfully" after "failed"
    "alembic": logging.WARNING,  # chatty at INFO; migrate.py logs each upgrade itself
    "uvicorn": logging.INFO,
    "uvicorn.access": logging.WARNING,
    "stamina": logging.INFO,  # its retry lines are off: markets.retry_log logs each retry once
}


class SecretRedactor:
    """A structlog processor that removes secrets from every value of an event.

    It masks configured secret values wherever they appear, any value whose key names a secret
    (`token`, `api_key`, `password`, `Authorization`, ...), bearer credentials and JWTs in text.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def scrub_text(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        text = _BEARER.sub(r"\1" + REDACTED, text)
        return _JWT.sub(REDACTED, text)

    def scrub(self, value: Any, key: str = "") -> Any:
        if key and _SECRET_KEY.search(key) and value not in (None, "", False):
            return REDACTED
        if isinstance(value, str):
            return self.scrub_text(value)
        if isinstance(value, MutableMapping):
            return {k: self.scrub(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.scrub(v) for v in value)
        if isinstance(value, BaseException):
            return self.scrub_text(repr(value))
        return value

    def __call__(self, _logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
        for key in list(event_dict):
            if key in ("_record", "_from_structlog"):
                continue
            event_dict[key] = self.scrub(event_dict[key], key)
        return event_dict


class _RedactRenderedText:
    """Last line of defence: scrub the rendered line (tracebacks are rendered late)."""

    def __init__(self, redactor: SecretRedactor) -> None:
        self.redactor = redactor

    def __call__(self, _logger: WrappedLogger, _name: str, event: EventDict) -> str:
        # After the renderer, the "event dict" is really the rendered line.
        text: Any = event
        if isinstance(text, bytes):
            text = text.decode()
        return self.redactor.scrub_text(str(text))


def configure_logging(
    *,
    level: str = "INFO",
    fmt: Literal["auto", "json", "console"] = "auto",
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> None:
    """Configure structlog and the standard library's root logger. Safe to call again."""
    stream = stream or sys.stderr
    if fmt == "auto":
        fmt = "console" if stream.isatty() else "json"
    redactor = SecretRedactor(secrets)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
        redactor,
    ]
    renderer: Processor
    if fmt == "json":
        renderer = structlog.processors.JSONRenderer()
        final: list[Processor] = [structlog.processors.dict_tracebacks, renderer]
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=stream.isatty())
        final = [renderer]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            redactor,
            *final,
            _RedactRenderedText(redactor),
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, lib_level in _LIBRARY_LEVELS.items():
        logging.getLogger(name).setLevel(max(lib_level, logging.getLevelName(level)))
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info if fmt == "json" else _noop,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def _noop(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    return event_dict


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
