"""The contested market: where the choice of price and of allocation changes what a fleet earns.

The default seeded world is calm: every DSO pays up to a budget drawn per competition, rivals
price uniformly between 70% and 130% of the guide price, and each of the provider's assets sits in
one DSO's area. That is enough to rehearse the daemon, but not to tell a good strategy from a
plain one. A sandbox started with `contested=True` (`SandboxConfig`, `biddaemon sandbox
--contested`, and always in `biddaemon backtest`) changes three things, all drawn from the seed:

- **Budgets that vary by operator.** Each DSO has its own budget factor for the seed, between
  0.90 and 1.25 of the guide price, and each of its competitions moves it by -0.05..+0.05. Some
  operators pay less than the guide price, so bidding a fixed fraction of it can price a fleet
  out of a whole DSO; others leave room above the guide price.
- **Rivals priced around the guide price with a seeded spread.** Each competition draws a spread
  (a standard deviation of 5% to 20% of the guide price); each window gets one to four rival
  offers of 20% to 80% of its need, priced at the guide price times a normal draw with that
  spread (kept between 0.60 and 1.50). A bid a penny under a rival takes the room that rival
  would have won; a bid over the budget wins nothing.
- **Windows that overlap across operators.** Competitions always include their DSO's towns that
  border another DSO's, and the fleet gains one battery in each of four border zones (located by
  coordinates inside two DSOs' towns at once). Such a battery qualifies for both operators'
  competitions, whose evening windows overlap, so its megawatts must be shared between them.

The rest (when competitions open and close, their windows, needs and guide prices, every id) is
the default world's for the same seed; the same seed always gives the same contested market.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Final

from biddaemon.sandbox.geography import DSOS, Dso, Place
from biddaemon.sandbox.ids import new_id, seeded
from biddaemon.sandbox.model import Competition, FlexAsset
from biddaemon.sandbox.rivals import rival_offers

_MW: Final = Decimal("0.001")
_PENNY: Final = Decimal("0.01")
_HUNDREDTH: Final = Decimal("0.01")
OPERATOR_BUDGETS: Final = (90, 95, 100, 105, 110, 115, 120, 125)  # percent of the guide price
PRICE_RANGE: Final = (0.60, 1.50)  # rival prices as a fraction of the guide price, at most
# (DSO code, town, DSO code, town): border zones where a battery sits inside both towns' boxes.
BORDERS: Final = (
    ("UKPN", "Croydon", "SSEN", "Reading"),
    ("SPEN", "Chester", "ENWL", "Manchester"),
    ("NPG", "Sheffield", "ENWL", "Manchester"),
    ("NPG", "Sheffield", "NGED", "Nottingham"),
)


def _place(code: str, name: str) -> Place:
    dso = next(d for d in DSOS if d.code == code)
    return next(p for p in dso.places if p.name == name)


def border_places(dso: Dso) -> tuple[Place, ...]:
    """The DSO's towns in a border zone, in the order of `BORDERS`."""
    found: list[Place] = []
    for code_a, town_a, code_b, town_b in BORDERS:
        for code, town in ((code_a, town_a), (code_b, town_b)):
            place = _place(code, town)
            if code == dso.code and place not in found:
                found.append(place)
    return tuple(found)


def operator_budget_factor(seed: int, dso: Dso) -> Decimal:
    """The DSO's budget factor for `seed`, before each competition's own move."""
    rng = seeded(seed, "contested-budget", dso.code)
    return Decimal(rng.choice(OPERATOR_BUDGETS)) / 100


def contest(seed: int, dso: Dso, rng: random.Random, competition: Competition) -> Competition:
    """`competition` as the contested market has it: the operator's budget, border towns in its
    area, and rivals spread around the guide price (drawn from `rng`, the competition's own)."""
    places = border_places(dso)
    area = competition.area
    if places:
        area = replace(
            area,
            postcode_areas=area.postcode_areas | {p.postcode_area for p in places},
            regions=area.regions + tuple(p.region() for p in places),
        )
    factor = operator_budget_factor(seed, dso) + Decimal(rng.randint(-5, 5)) / 100
    spread = rng.uniform(0.05, 0.20)

    def price(draws: random.Random, guide: Decimal) -> Decimal:
        draw = min(max(draws.gauss(1.0, spread), PRICE_RANGE[0]), PRICE_RANGE[1])
        return max(_PENNY, (guide * Decimal(f"{draw:.4f}")).quantize(_PENNY))

    offers = rival_offers(rng, competition, per_window=(1, 4), price=price)
    return replace(
        competition,
        area=area,
        budget_factor=factor.quantize(_HUNDREDTH),
        rival_offers=offers,
    )


def border_batteries(seed: int, provider_id: str, now: datetime) -> tuple[FlexAsset, ...]:
    """One battery per border zone, located by coordinates where two DSOs' towns meet."""
    rng = seeded(seed, "contested-fleet")
    batteries = []
    for number, (code_a, town_a, code_b, town_b) in enumerate(BORDERS, start=1):
        a, b = _place(code_a, town_a).region(), _place(code_b, town_b).region()
        latitude = (max(a.south, b.south) + min(a.north, b.north)) / 2
        longitude = (max(a.west, b.west) + min(a.east, b.east)) / 2
        export = (Decimal(rng.randint(2000, 6000)) / 1000).quantize(_MW)
        batteries.append(
            FlexAsset(
                id=new_id(rng),
                provider=provider_id,
                ref=f"BRD-{number:03d}",
                name=f"{town_a}-{town_b} border battery",
                status="operational",
                asset_category="storage",
                asset_type="battery",
                voltage_level=Decimal("33.00"),
                country_code="GB",
                created=now,
                modified=now,
                latitude=latitude,
                longitude=longitude,
                connection_status="energised",
                active_export_capacity=export,
                active_import_capacity=export,
                max_runtime="02:00:00",
                response_time="00:02:00",
            )
        )
    return tuple(batteries)
