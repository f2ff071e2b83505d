"""A cycle's market reads, made ahead of its decisions and a few at a time.

The opportunities cycle decides competitions one by one in priority order, because each decision
sees the commitments of those before it. What a decision reads from the market (the competition,
its qualifying assets, our ballots there) depends on no decision, so `ReadAhead` reads it in a
small thread pool while the cycle decides: the cycle waits on the network about once, not once
per request. The look-ahead is bounded (a few competitions past the one being decided), so memory
stays flat however many competitions are open; each asset is read once per cycle.

`MarketGate` bounds every market call of one cycle, reads and ballot POSTs together, so the
market never sees more than `max_concurrent_reads` of our requests at once; a freed slot goes to
the call waiting longest, ballot POSTs before reads. A read that fails
yields its error in place of the reads, so the cycle skips that competition with that reason;
when the stop signal is set, reads not yet started are never sent and the iteration ends.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import deque
from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from dataclasses import dataclass
from typing import ParamSpec, Protocol, TypeVar

from biddaemon.markets.piclo import (
    Ballot,
    BallotRequest,
    BiddingOpportunity,
    Competition,
    FlexAsset,
    PlannedAsset,
)

P = ParamSpec("P")
T = TypeVar("T")

POLL_SECONDS = 0.05  # how often a wait for a read looks at the stop signal
LOOK_AHEAD = 2  # competitions read ahead per concurrent request allowed


class MarketReader(Protocol):
    """The reads a decision needs (the real client, or the dry-run one)."""

    def get_competition(self, competition_id: str) -> Competition: ...

    def get_flex_asset(self, asset_id: str) -> FlexAsset: ...

    def get_planned_asset(self, planned_asset_id: str) -> PlannedAsset: ...

    def list_ballots(self, competition_id: str) -> list[Ballot]: ...

    def submit_ballot(self, competition_id: str, ballot: BallotRequest) -> Ballot: ...


_WRITE, _READ = 0, 1  # the gate's order: ballot writes first


class MarketGate:
    """At most `limit` market calls of one cycle in flight, whichever thread makes them.

    A freed slot goes to the call that has waited longest, ballot writes before reads: a
    plain semaphore let a read thread take back the slot it had just freed for its next read,
    so POSTs waited behind reads (50 ms on average at 200 competitions, the decisions behind
    them), while the POST of a decided ballot is what a cycle exists to send.
    """

    def __init__(self, limit: int) -> None:
        self._lock = threading.Lock()
        self._free = limit
        self._waiting: list[tuple[int, int, threading.Event]] = []  # (rank, arrival, wake)
        self._arrivals = itertools.count()

    @property
    def waiting(self) -> int:
        """Calls waiting for a slot."""
        with self._lock:
            return len(self._waiting)

    def call(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A read: in turn, after any ballot write waiting."""
        return self._through(_READ, function, *args, **kwargs)

    def write(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A ballot write (or the reads that settle one): before any waiting read."""
        return self._through(_WRITE, function, *args, **kwargs)

    def _through(self, rank: int, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        self._enter(rank)
        try:
            return function(*args, **kwargs)
        finally:
            self._leave()

    def _enter(self, rank: int) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            wake = threading.Event()
            place = (rank, next(self._arrivals), wake)
            heapq.heappush(self._waiting, place)
        try:
            wake.wait()  # the slot is handed over by `_leave`, never taken back in between
        except BaseException:  # interrupted: the slot (if handed over already) goes on
            with self._lock:
                if wake.is_set():
                    self._hand_on()
                else:
                    self._waiting.remove(place)
                    heapq.heapify(self._waiting)
            raise

    def _leave(self) -> None:
        with self._lock:
            self._hand_on()

    def _hand_on(self) -> None:
        if self._waiting:
            heapq.heappop(self._waiting)[2].set()
        else:
            self._free += 1


class GatedMarket:
    """The ballot calls of `jobs.submission`, each through the gate, ahead of reads."""

    def __init__(self, client: MarketReader, gate: MarketGate) -> None:
        self._client = client
        self._gate = gate

    def submit_ballot(self, competition_id: str, ballot: BallotRequest) -> Ballot:
        return self._gate.write(self._client.submit_ballot, competition_id, ballot)

    def list_ballots(self, competition_id: str) -> list[Ballot]:
        return self._gate.write(self._client.list_ballots, competition_id)


class Stopped(Exception):
    """The cycle was asked to stop before this read was sent."""


@dataclass(frozen=True)
class CompetitionReads:
    """Everything one decision reads from the market, read before it is decided."""

    competition: Competition
    flex: tuple[FlexAsset, ...]
    planned: tuple[PlannedAsset, ...]
    ballots: tuple[Ballot, ...]  # ours in this competition, newest first, as the market lists


Outcome = CompetitionReads | Exception


class ReadAhead:
    """Reads the competitions of one cycle ahead of its decisions (see the module docstring)."""

    def __init__(
        self,
        client: MarketReader,
        gate: MarketGate,
        *,
        workers: int,
        stop: threading.Event,
        look_ahead: int | None = None,
    ) -> None:
        self._client = client
        self._gate = gate
        self._workers = workers
        self._window = look_ahead if look_ahead is not None else LOOK_AHEAD * workers
        self._stop = stop
        self._lock = threading.Lock()
        self._flex: dict[str, Future[FlexAsset]] = {}
        self._planned: dict[str, Future[PlannedAsset]] = {}

    def read(
        self, opportunities: Sequence[BiddingOpportunity]
    ) -> Generator[tuple[BiddingOpportunity, Outcome], None, None]:
        """Each opportunity, in the given order, with its reads or the error that stopped them.

        Ends early when the stop signal is set; closing the iterator cancels the reads not yet
        started (a read already sent finishes in the background, its answer unused).
        """
        pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="market-read")
        pending: deque[tuple[BiddingOpportunity, Future[CompetitionReads]]] = deque()
        upcoming = iter(opportunities)
        try:
            while True:
                while len(pending) < self._window and not self._stop.is_set():
                    opportunity = next(upcoming, None)
                    if opportunity is None:
                        break
                    pending.append((opportunity, pool.submit(self._read_one, opportunity)))
                if not pending:
                    return
                opportunity, future = pending.popleft()
                outcome = self._wait(future)
                if outcome is None:
                    return
                yield opportunity, outcome
        finally:
            for _, future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)

    def _wait(self, future: Future[CompetitionReads]) -> Outcome | None:
        """The read's outcome; None once the stop signal is set."""
        while not self._stop.is_set():
            done, _ = wait_for([future], timeout=POLL_SECONDS)
            if done:
                error = future.exception()
                if isinstance(error, Stopped):
                    return None
                if error is not None and not isinstance(error, Exception):
                    raise error
                return future.result() if error is None else error
        return None

    def _read_one(self, opportunity: BiddingOpportunity) -> CompetitionReads:
        competition_id = opportunity.competition_id
        competition = self._call(self._client.get_competition, competition_id)
        flex = tuple(
            self._once(self._flex, asset_id, self._client.get_flex_asset)
            for asset_id in opportunity.assets.flex
        )
        planned = tuple(
            self._once(self._planned, asset_id, self._client.get_planned_asset)
            for asset_id in opportunity.assets.planned
        )
        ballots = tuple(self._call(self._client.list_ballots, competition_id))
        return CompetitionReads(competition, flex, planned, ballots)

    def _call(self, function: Callable[[str], T], argument: str) -> T:
        if self._stop.is_set():
            raise Stopped
        return self._gate.call(function, argument)

    def _once(self, cache: dict[str, Future[T]], asset_id: str, fetch: Callable[[str], T]) -> T:
        """An asset read once per cycle, however many competitions it qualifies for.

        The first competition to need it reads it in its own worker; the others wait for that
        answer (or that error) rather than asking again.
        """
        with self._lock:
            future = cache.get(asset_id)
            owner = future is None
            if future is None:
                future = cache[asset_id] = Future()
        if owner:
            try:
                future.set_result(self._call(fetch, asset_id))
            except Exception as error:
                future.set_exception(error)
        return future.result()
