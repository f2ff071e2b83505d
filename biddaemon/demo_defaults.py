"""The demo's default pace, apart from `biddaemon.demo` so that `biddaemon --help` shows them
without importing the sandbox, SQLAlchemy and the daemon."""

DEFAULT_SPEED = 14_400.0  # four simulated hours per real second: ten days a minute
DEFAULT_SECONDS = 60.0
