"""The garbage collector during a cycle: what existed before the cycle is left out of its passes.

A full collection walks every object the process holds (modules, mappers, models, schemas: most
of them alive for good) and stops every thread while it does: in a 200-competition cycle three
of them took 54-94 ms each, with every market request in flight stalled behind them. Frozen
(`gc.freeze`) for the cycle, those objects are not walked; the cycle's own garbage is collected
as usual, and unfreezing at the end hands the rest back to the collector, so nothing leaks.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_inside = 0


@contextmanager
def older_objects_frozen() -> Iterator[None]:
    """Freeze while the first job is inside, unfreeze when the last one leaves."""
    global _inside
    with _lock:
        _inside += 1
        if _inside == 1:
            gc.freeze()
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0:
                gc.unfreeze()
