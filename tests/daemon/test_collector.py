"""During a job, what existed before it is frozen out of the collector, and handed back after."""

from __future__ import annotations

import gc
import threading

from biddaemon.daemon.collector import older_objects_frozen


def test_objects_are_frozen_during_the_job_and_handed_back_after() -> None:
    with older_objects_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_two_jobs_at_once_unfreeze_only_when_the_last_one_leaves() -> None:
    first_inside, second_left = threading.Event(), threading.Event()
    seen: list[int] = []

    def first() -> None:
        with older_objects_frozen():
            first_inside.set()
            second_left.wait(5)
            seen.append(gc.get_freeze_count())

    thread = threading.Thread(target=first)
    thread.start()
    assert first_inside.wait(5)
    with older_objects_frozen():
        pass
    second_left.set()
    thread.join()
    assert seen[0] > 0  # still frozen after the second job left
    assert gc.get_freeze_count() == 0


def test_a_job_that_raises_still_unfreezes() -> None:
    try:
        with older_objects_frozen():
            raise RuntimeError("cycle failed")
    except RuntimeError:
        pass
    assert gc.get_freeze_count() == 0
