"""A cycle's ballot POSTs sent in the background, so the next decision need not wait for them.

A ballot is committed as SUBMITTING before its POST (principle 1), so the next decision already
counts its capacity as held; nothing the next decision reads depends on the POST's answer.
`BallotPosts` therefore runs `jobs.submission.submit` (POST, then the transaction that settles
the ballot and its attempt) for up to `limit` ballots at a time on its own threads, and hands
each outcome back to the cycle's thread, which reports it. Starting a POST waits while `limit`
are outstanding, so at most `limit` ballots are ever in flight; `drain` waits for every one to be
settled, which the cycle does before it returns, also when stopped.

The settling transaction runs on the POST's thread (`submit` is one function); on SQLite it
waits for the cycle's own transaction, if one is open, under the busy timeout.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from types import TracebackType
from typing import Self

from biddaemon.jobs.submission import SubmissionResult

Posted = tuple[str, int, SubmissionResult | Exception]  # competition, ballot, outcome


class BallotPosts:
    """POSTs of one cycle: `start` them, collect `finished` ones, `drain` the rest at the end."""

    def __init__(self, send: Callable[[int], SubmissionResult], *, limit: int) -> None:
        self._send = send
        self._pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="ballot-post")
        self._room = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._outstanding: dict[Future[SubmissionResult], tuple[str, int]] = {}
        self._assets: dict[Future[SubmissionResult], frozenset[Hashable]] = {}

    def start(self, competition_id: str, ballot_id: int, assets: Iterable[Hashable] = ()) -> None:
        """Send this SUBMITTING ballot in the background (waiting while `limit` are in flight).

        `assets`: what the ballot allocates, for `settle_touching`.
        """
        self._room.acquire()
        try:
            future = self._pool.submit(self._send, ballot_id)
        except BaseException:
            self._room.release()
            raise
        with self._lock:
            self._outstanding[future] = (competition_id, ballot_id)
            self._assets[future] = frozenset(assets)
        future.add_done_callback(lambda _: self._room.release())

    def finished(self) -> list[Posted]:
        """Outcomes of the POSTs settled since the last call, without waiting."""
        with self._lock:
            done = [f for f in self._outstanding if f.done()]
        return self._collect(done)

    def settle_touching(self, assets: Iterable[Hashable]) -> list[Posted]:
        """Wait for the POSTs of ballots allocating any of `assets`; every outcome now known."""
        wanted = frozenset(assets)
        with self._lock:
            touching = [f for f, used in self._assets.items() if used & wanted]
        wait_for(touching)
        return self.finished()

    def drain(self) -> list[Posted]:
        """Wait for every POST still in flight to be sent and settled; their outcomes."""
        with self._lock:
            futures = list(self._outstanding)
        wait_for(futures)
        return self._collect(futures)

    def _collect(self, futures: list[Future[SubmissionResult]]) -> list[Posted]:
        settled: list[Posted] = []
        with self._lock:
            for future in futures:
                competition_id, ballot_id = self._outstanding.pop(future)
                del self._assets[future]
                error = future.exception()
                if error is not None and not isinstance(error, Exception):
                    raise error
                outcome = future.result() if error is None else error
                settled.append((competition_id, ballot_id, outcome))
        return settled

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
