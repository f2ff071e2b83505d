"""Other FSPs' offers in a competition: what the provider's bids compete against.

Each window gets a number of offers drawn from `per_window`, each a random 20-80 % share of the
window's need, with every rate the competition type needs priced by `price(rng, guide)`. The
default world and the contested one differ only in those two; the draws are made in one fixed
order, so a seed gives the same rivals.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from typing import Final

from biddaemon.sandbox.model import RATE_TYPES, Competition, Offer, Rate

MW: Final = Decimal("0.001")

PriceDraw = Callable[[random.Random, Decimal], Decimal]


def rival_offers(
    rng: random.Random, competition: Competition, *, per_window: tuple[int, int], price: PriceDraw
) -> tuple[Offer, ...]:
    offers = []
    for window in competition.windows():
        for _ in range(rng.randint(*per_window)):
            share = Decimal(rng.randint(20, 80)) / 100
            capacity = max(MW, (window.capacity_required * share).quantize(MW, ROUND_DOWN))
            rates = []
            for rate_type in RATE_TYPES[competition.type]:
                guide = competition.guide_price(rate_type)
                assert guide is not None  # every rate type of the competition has a guide price
                rates.append(Rate(rate_type, price(rng, guide)))
            offers.append(Offer(window.id, capacity, tuple(rates)))
    return tuple(offers)
