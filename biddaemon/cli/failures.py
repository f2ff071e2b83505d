"""Turn what a user can cause into one plain sentence and an exit code; anything else is a bug.

A bad path, a permission, a file that is not a database, an unreachable server, a malformed URL or
a full disk is the user's to fix, so it gets a sentence saying what to do, never a traceback.
Everything else is biddaemon's fault: the traceback is printed with a request to report it.
Exit codes (DESIGN.md): 1 could not run, 2 usage or configuration error.
"""

from __future__ import annotations

import errno
import sys
import traceback

from biddaemon import __version__
from biddaemon.errors import BiddaemonError

EXIT_COULD_NOT_RUN = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
REPORT_HINT = (
    f"biddaemon {__version__} hit a bug (the traceback above). Please report it with that "
    "traceback and the command you ran; nothing in it is secret beyond what you typed."
)
DATABASE_HINT = "check BIDDAEMON_DATABASE_URL"


def explain(error: BaseException) -> tuple[str, int] | None:
    """(message, exit code) for an error the user can fix; None for a bug."""
    if isinstance(error, BiddaemonError):
        if type(error).__name__ == "DatabaseUnavailable" and "does not exist" in str(error):
            # A PostgreSQL database that was never created is a setting to fix, not an outage.
            return f"{error}: create it, or fix BIDDAEMON_DATABASE_URL", EXIT_USAGE
        return str(error), error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return "interrupted", EXIT_INTERRUPTED
    database = _database_error(error)
    if database is not None:
        return database
    if isinstance(error, OSError):
        return _os_error(error)
    return None


def report(error: BaseException) -> int:
    """Print what the user must know about `error` on stderr; return the exit code."""
    explained = explain(error)
    if explained is None:
        traceback.print_exception(error, file=sys.stderr)
        print(f"biddaemon: {REPORT_HINT}", file=sys.stderr)
        return EXIT_COULD_NOT_RUN
    message, code = explained
    print(f"biddaemon: {message}", file=sys.stderr)
    return code


def _os_error(error: OSError) -> tuple[str, int]:
    where = f"{error.filename}: " if error.filename else ""
    reason = error.strerror or str(error)
    if error.errno == errno.ENOSPC:
        return f"{where}the disk is full: free some space, then run the command again", 1
    if error.errno in (errno.EACCES, errno.EPERM):
        return (
            f"{where}permission denied: run biddaemon as a user who may use it, or choose "
            "another path",
            EXIT_USAGE,
        )
    if error.errno in (errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EROFS):
        return f"{where}{reason.lower()}: check the path in your settings", EXIT_USAGE
    return f"{where}{reason}", EXIT_COULD_NOT_RUN


def _database_error(error: BaseException) -> tuple[str, int] | None:
    """SQLAlchemy's errors, looked at only when SQLAlchemy was loaded (it is slow to import)."""
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy import exc

    if isinstance(error, exc.ArgumentError):
        return f"the database URL is not usable ({error}): {DATABASE_HINT}", EXIT_USAGE
    if not isinstance(error, exc.DBAPIError):
        return None
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    url = _url()
    lowered = reason.lower()
    if "disk is full" in lowered or "no space left" in lowered:
        return f"the database {url} cannot grow, the disk is full: free some space", 1
    if "file is not a database" in lowered or "malformed" in lowered:
        return (
            f"the file at {url} is not a SQLite database ({reason}): {DATABASE_HINT}",
            EXIT_USAGE,
        )
    if "unable to open database file" in lowered or "readonly database" in lowered:
        return (
            f"cannot open the database {url} ({reason}): {DATABASE_HINT} and the file's "
            "permissions",
            EXIT_USAGE,
        )
    if isinstance(error, exc.OperationalError | exc.InterfaceError):
        return (
            f"cannot reach the database {url}: {reason} ({DATABASE_HINT}, and that the server "
            "is running)",
            EXIT_COULD_NOT_RUN,
        )
    return None  # an IntegrityError or ProgrammingError is biddaemon's bug


def _url() -> str:
    """The configured database URL without its password (settings loaded fine to get here)."""
    from biddaemon.settings import load_settings, redact_url

    try:
        return redact_url(load_settings().effective_database_url)
    except BiddaemonError:  # pragma: no cover - the command could not have run
        return "(the configured database)"
