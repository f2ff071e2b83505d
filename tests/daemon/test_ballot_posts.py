"""The background POSTs of one cycle: bounded, and every outcome handed back, errors included."""

from __future__ import annotations

import threading
import time

from biddaemon.errors import RetryLater
from biddaemon.jobs.ballot_posts import BallotPosts
from biddaemon.jobs.submission import SubmissionResult
from biddaemon.store.models import BallotState


def test_no_more_posts_in_flight_than_the_limit_and_drain_returns_every_outcome() -> None:
    lock = threading.Lock()
    now, peak = [0], [0]

    def send(ballot_id: int) -> SubmissionResult:
        with lock:
            now[0] += 1
            peak[0] = max(peak[0], now[0])
        time.sleep(0.02)
        with lock:
            now[0] -= 1
        if ballot_id == 3:
            raise RetryLater("the market could not be reached")
        return SubmissionResult(BallotState.SUBMITTED, f"m{ballot_id}")

    with BallotPosts(send, limit=2) as posts:
        for ballot_id in range(8):
            posts.start(f"c{ballot_id}", ballot_id)
            assert now[0] <= 2
        settled = posts.finished() + posts.drain()
    assert peak[0] == 2
    assert sorted(ballot for _, ballot, _ in settled) == list(range(8))
    failed = [(c, str(o)) for c, _, o in settled if isinstance(o, Exception)]
    assert failed == [("c3", "the market could not be reached")]
    assert posts.drain() == []
