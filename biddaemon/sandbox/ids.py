"""Short ids in Piclo's style ("z8mpC6x"), drawn from a seeded generator so a seed replays."""

from __future__ import annotations

import random
import string
import threading

_FIRST = string.ascii_letters
_REST = string.ascii_letters + string.digits
ID_LENGTH = 7


def seeded(*key: object) -> random.Random:
    """A generator fixed by `key` (e.g. the seed and a day): simulation, not secrecy."""
    return random.Random("/".join(str(part) for part in key))  # noqa: S311


def new_id(rng: random.Random) -> str:
    return rng.choice(_FIRST) + "".join(rng.choice(_REST) for _ in range(ID_LENGTH - 1))


class IdMaker:
    """Hands out ids no other object in the market has, in a sequence fixed by the seed."""

    def __init__(self, seed: int) -> None:
        self._rng = seeded(seed, "ids")
        self._used: set[str] = set()
        self._lock = threading.Lock()

    def claim(self, existing: str) -> None:
        """Reserve an id that came from elsewhere (a scenario, the generator)."""
        with self._lock:
            if existing in self._used:
                raise ValueError(f"id {existing} is used twice")
            self._used.add(existing)

    def new(self) -> str:
        with self._lock:
            while True:
                candidate = new_id(self._rng)
                if candidate not in self._used:
                    self._used.add(candidate)
                    return candidate
