"""The gate every market call of a cycle goes through: a bound, served in turn, writes first."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from biddaemon.jobs import market_reads
from biddaemon.jobs.market_reads import MarketGate


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_never_more_calls_inside_than_the_limit() -> None:
    gate = MarketGate(3)
    lock = threading.Lock()
    inside = peak = 0

    def work() -> None:
        nonlocal inside, peak
        with lock:
            inside += 1
            peak = max(peak, inside)
        time.sleep(0.002)
        with lock:
            inside -= 1

    def caller(number: int) -> None:
        for _ in range(20):
            (gate.write if number % 3 == 0 else gate.call)(work)

    threads = [threading.Thread(daemon=True, target=caller, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 3
    assert gate.waiting == 0


def test_a_freed_slot_goes_to_a_waiting_write_first_then_to_reads_in_arrival_order() -> None:
    gate = MarketGate(1)
    entered, release = threading.Event(), threading.Event()
    order: list[str] = []

    def hold() -> None:
        entered.set()
        release.wait()

    threads = [threading.Thread(daemon=True, target=gate.call, args=(hold,))]
    threads[0].start()
    assert entered.wait(5)  # the first call is inside, holding the one slot

    def queue(kind: Callable[..., object], name: str) -> None:
        waiting = gate.waiting
        thread = threading.Thread(daemon=True, target=kind, args=(order.append, name))
        threads.append(thread)
        thread.start()
        _until(lambda: gate.waiting == waiting + 1)

    queue(gate.call, "read 1")
    queue(gate.call, "read 2")
    queue(gate.write, "write")
    release.set()
    for thread in threads:
        thread.join()
    assert order == ["write", "read 1", "read 2"]


def test_a_call_that_raises_frees_its_slot() -> None:
    gate = MarketGate(1)

    def fail() -> None:
        raise RuntimeError("market down")

    with pytest.raises(RuntimeError, match="market down"):
        gate.write(fail)
    assert gate.call(lambda: "next") == "next"


def test_a_wait_interrupted_gives_up_its_place_and_loses_no_slot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = MarketGate(1)
    entered, release = threading.Event(), threading.Event()

    def hold() -> None:
        entered.set()
        release.wait()

    holder = threading.Thread(daemon=True, target=gate.call, args=(hold,))
    holder.start()
    assert entered.wait(5)

    class Interrupted(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            raise KeyboardInterrupt

    try:
        with monkeypatch.context() as patch:
            patch.setattr(market_reads.threading, "Event", Interrupted)
            with pytest.raises(KeyboardInterrupt):
                gate.call(lambda: "never")
        assert gate.waiting == 0
    finally:
        release.set()
        holder.join()
    assert gate.call(lambda: "next") == "next"  # the one slot is free again
