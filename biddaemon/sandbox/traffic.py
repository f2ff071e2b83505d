"""A record of every market request the sandbox received, for tests and for the curious.

Only what is safe to show: method, path, query, the operation it reached, the status answered
(None when the connection was dropped), the simulated time and the fault applied. Headers and
bodies, which carry tokens and API keys, are never kept.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import datetime

MAX_RECORDS = 10_000


@dataclass
class Exchange:
    method: str
    path: str
    query: str
    operation: str | None
    time: datetime
    status: int | None = None
    fault: str | None = None


class TrafficLog:
    def __init__(self, limit: int = MAX_RECORDS) -> None:
        self._lock = threading.Lock()
        self._records: deque[Exchange] = deque(maxlen=limit)

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            self._records.append(exchange)

    def records(self) -> list[Exchange]:
        with self._lock:
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
