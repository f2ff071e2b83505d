"""The clock every part of the sandbox reads: real time by default, sped up, or moved by hand
(directly or through POST /_sandbox/clock); only forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from biddaemon.sandbox import SandboxClock, SandboxServer
from biddaemon.sandbox.clock import real_now

from .conftest import ANYONE, START


class FakeSeconds:
    def __init__(self) -> None:
        self.value = 100.0

    def __call__(self) -> float:
        return self.value


def test_by_default_the_clock_follows_real_time() -> None:
    before = real_now()
    clock = SandboxClock()
    assert before <= clock.now() <= real_now()
    assert clock.now().tzinfo is UTC


def test_speed_multiplies_real_seconds() -> None:
    seconds = FakeSeconds()
    clock = SandboxClock(START, speed=600, monotonic=seconds)
    assert clock.now() == START
    seconds.value += 6
    assert clock.now() == START + timedelta(hours=1)


def test_speed_zero_freezes_the_clock_and_only_moves_by_hand() -> None:
    seconds = FakeSeconds()
    clock = SandboxClock(START, speed=0, monotonic=seconds)
    seconds.value += 1000
    assert clock.now() == START
    clock.advance(90)
    assert clock.now() == START + timedelta(seconds=90)
    clock.set(datetime(2027, 2, 1, tzinfo=UTC))
    assert clock.now() == datetime(2027, 2, 1, tzinfo=UTC)


def test_changing_speed_keeps_the_time_already_passed() -> None:
    seconds = FakeSeconds()
    clock = SandboxClock(START, speed=60, monotonic=seconds)
    seconds.value += 10
    clock.set_speed(1)
    seconds.value += 10
    assert clock.now() == START + timedelta(seconds=610)


def test_the_clock_only_moves_forward_and_only_with_aware_times() -> None:
    clock = SandboxClock(START, speed=0)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="only moves forward"):
        clock.set(START - timedelta(seconds=1))
    with pytest.raises(ValueError, match="naive"):
        clock.set(datetime(2027, 2, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        SandboxClock(datetime(2027, 2, 1))
    with pytest.raises(ValueError, match="zero or positive"):
        SandboxClock(START, speed=-1)


def test_the_admin_api_reads_and_moves_the_clock(sandbox: SandboxServer) -> None:
    url = f"{sandbox.base_url}/_sandbox/clock"
    assert ANYONE.get(url).json() == {"now": "2027-01-05T10:00:00Z", "speed": 0.0}
    assert ANYONE.post(url, json={"advance_seconds": 3600}).json()["now"] == "2027-01-05T11:00:00Z"
    moved = ANYONE.post(url, json={"set": "2027-01-06T00:00:00+01:00", "speed": 2.5}).json()
    assert moved["now"].startswith("2027-01-05T23:00:0")
    assert moved["speed"] == 2.5
    assert sandbox.clock.speed == 2.5


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"set": "2027-01-01T00:00:00Z"}, 400),  # the past
        ({"set": "2027-01-06T00:00:00"}, 400),  # no offset
        ({"advance_seconds": -5}, 400),
        ({"advance_seconds": 5, "set": "2027-02-01T00:00:00Z"}, 400),
        ({"speed": -1}, 400),
        ({"rewind": 5}, 400),
    ],
)
def test_the_admin_api_refuses_impossible_clock_moves(
    sandbox: SandboxServer, body: dict[str, object], status: int
) -> None:
    response = ANYONE.post(f"{sandbox.base_url}/_sandbox/clock", json=body)
    assert response.status_code == status, response.text
    assert sandbox.clock.now() == START
