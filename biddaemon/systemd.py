"""The systemd notification protocol (`sd_notify`) and the watchdog interval, with no dependencies.

A unit with `Type=notify` tells the service where to report through `$NOTIFY_SOCKET`: a
datagram socket named by a filesystem path (`/run/systemd/notify`) or, when it starts with `@`,
by an abstract socket address. Each report is one datagram of newline-separated `KEY=value`
assignments:

- `READY=1`: start-up finished (for biddaemon: after reconciliation, before the scheduler runs);
  systemd holds `systemctl start` and units ordered after this one until then.
- `WATCHDOG=1`: still healthy; with `WatchdogSec=` systemd kills and restarts a service that
  stops sending it for that long. `watchdog_interval()` reads the period from `$WATCHDOG_USEC`;
  send at least twice per period.
- `STOPPING=1`: graceful shutdown has begun.
- `STATUS=...`: one line shown by `systemctl status`.

Outside systemd (`$NOTIFY_SOCKET` unset: a terminal, a container, a test) every call is a no-op
that returns False, so callers never need to ask where they run. A report that cannot be sent
(the socket vanished, an unsupported address) is logged and returns False; it never raises,
because losing a notification must not take the daemon down with it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from datetime import timedelta

from biddaemon.logs import get_logger

log = get_logger(__name__)

NOTIFY_SOCKET = "NOTIFY_SOCKET"
WATCHDOG_USEC = "WATCHDOG_USEC"
WATCHDOG_PID = "WATCHDOG_PID"


def notify_address(environ: Mapping[str, str] | None = None) -> bytes | None:
    """The socket address named by `$NOTIFY_SOCKET`, ready for `sendto`, or None when unset.

    `@name` becomes the abstract address `\\0name`; an absolute path is used as is. Anything
    else (a relative path, `vsock:` addresses of newer systemd) is refused with ValueError.
    """
    env = os.environ if environ is None else environ
    value = env.get(NOTIFY_SOCKET, "")
    if not value:
        return None
    if value.startswith("@"):
        return b"\0" + os.fsencode(value[1:])
    if value.startswith("/"):
        return os.fsencode(value)
    raise ValueError(
        f"${NOTIFY_SOCKET} must be an absolute path or start with @ (an abstract socket); "
        f"got {value!r}"
    )


def notify(*assignments: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send `KEY=value` assignments as one datagram; True when sent, False when not under systemd.

    Each assignment must contain `=` and no newline (newlines separate assignments on the wire).
    """
    if not assignments:
        raise ValueError("notify() needs at least one KEY=value assignment")
    for assignment in assignments:
        if "=" not in assignment or "\n" in assignment:
            raise ValueError(f"not a single-line KEY=value assignment: {assignment!r}")
    try:
        address = notify_address(environ)
    except ValueError as exc:
        log.warning("systemd notification not sent", reason=str(exc))
        return False
    if address is None:
        return False
    message = "\n".join(assignments).encode("utf-8")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(message, address)
    except OSError as exc:
        log.warning(
            "systemd notification not sent",
            message=message.decode("utf-8"),
            reason=f"{type(exc).__name__}: {exc.strerror or exc}",
        )
        return False
    return True


def _status_assignment(text: str) -> str:
    return "STATUS=" + " ".join(text.splitlines())


def ready(status: str | None = None, *, environ: Mapping[str, str] | None = None) -> bool:
    """Report that start-up is complete (`READY=1`), optionally with a status line."""
    extra = (_status_assignment(status),) if status is not None else ()
    return notify("READY=1", *extra, environ=environ)


def watchdog(*, environ: Mapping[str, str] | None = None) -> bool:
    """Report that the service is healthy (`WATCHDOG=1`)."""
    return notify("WATCHDOG=1", environ=environ)


def stopping(status: str | None = None, *, environ: Mapping[str, str] | None = None) -> bool:
    """Report that graceful shutdown has begun (`STOPPING=1`), optionally with a status line."""
    extra = (_status_assignment(status),) if status is not None else ()
    return notify("STOPPING=1", *extra, environ=environ)


def status(text: str, *, environ: Mapping[str, str] | None = None) -> bool:
    """Set the one-line status that `systemctl status` shows (`STATUS=...`)."""
    return notify(_status_assignment(text), environ=environ)


def watchdog_interval(
    environ: Mapping[str, str] | None = None, *, pid: int | None = None
) -> timedelta | None:
    """The watchdog period systemd expects `WATCHDOG=1` within, or None when there is no watchdog.

    None when `$WATCHDOG_USEC` is unset, not a positive integer, or when `$WATCHDOG_PID` names
    another process (the variable was inherited by a child and is not meant for it). Send
    `WATCHDOG=1` at least every half of this period.
    """
    env = os.environ if environ is None else environ
    usec_text = env.get(WATCHDOG_USEC, "").strip()
    if not usec_text:
        return None
    try:
        usec = int(usec_text)
    except ValueError:
        log.warning("ignoring a malformed watchdog period", variable=WATCHDOG_USEC, value=usec_text)
        return None
    if usec <= 0:
        return None
    pid_text = env.get(WATCHDOG_PID, "").strip()
    if pid_text:
        own_pid = os.getpid() if pid is None else pid
        try:
            meant_for = int(pid_text)
        except ValueError:
            log.warning("ignoring a malformed watchdog pid", variable=WATCHDOG_PID, value=pid_text)
            return None
        if meant_for != own_pid:
            return None
    return timedelta(microseconds=usec)
