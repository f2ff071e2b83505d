"""The seeded world: competitions that DSOs open day after day, and a provider's fleet.

Each (seed, day, DSO) has its own random generator, so the market a seed produces does not depend
on when or how often it is looked at: the competition SPEN opens on 2027-01-04 is the same
whether the sandbox ran through that day at full speed or jumped over it. About every other day
each DSO opens a competition in the morning (GB time) that closes at 17:00 GB time five to
fifteen days later; the DSO publishes results at 19:00 UTC on the close day or up to two days
later.

`contested=True` gives the contested market of `biddaemon.sandbox.contested` (budgets by
operator, rivals spread around the guide price, border batteries whose competitions overlap
across operators): the same competitions and windows, where price and allocation matter.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Final, Literal
from zoneinfo import ZoneInfo

from biddaemon.sandbox.contested import border_batteries, contest
from biddaemon.sandbox.geography import DSOS, Dso, Place, area_of
from biddaemon.sandbox.ids import new_id, seeded
from biddaemon.sandbox.model import (
    COMPETITION_TYPES,
    DAYS,
    RATE_TYPES,
    AssetStatus,
    Competition,
    CompetitionType,
    Fleet,
    FlexAsset,
    NeedDirection,
    PlannedAsset,
    ServicePeriod,
    ServiceWindow,
)
from biddaemon.sandbox.qualification import capacity_type_for
from biddaemon.sandbox.rivals import rival_offers

LONDON: Final = ZoneInfo("Europe/London")
HISTORY: Final = timedelta(days=21)  # how far before the start instant the market already ran
OPEN_PROBABILITY: Final = 0.5
_MW: Final = Decimal("0.001")
_PENNY: Final = Decimal("0.01")
_TYPE_WEIGHTS: Final = (40, 25, 20, 15)


@dataclass(frozen=True)
class _WindowTemplate:
    name: str
    start: time
    end: time
    days: tuple[str, ...]
    bank_holidays: Literal["included", "excluded"]


_WEEKDAYS = DAYS[:5]
_WINDOWS: Final[dict[str, tuple[_WindowTemplate, ...]]] = {
    "deficit": (
        _WindowTemplate("Weekday evening peak", time(16), time(19), _WEEKDAYS, "excluded"),
        _WindowTemplate("Weekend evening", time(17), time(19, 30), DAYS[5:], "included"),
        _WindowTemplate("Weekday morning peak", time(7), time(9, 30), _WEEKDAYS, "excluded"),
        _WindowTemplate("All-week evening", time(16, 30), time(20), DAYS, "included"),
    ),
    "excess": (
        _WindowTemplate("Midday solar soak", time(11), time(15), DAYS, "included"),
        _WindowTemplate("Overnight low demand", time(0, 30), time(5, 30), DAYS, "included"),
        _WindowTemplate("Weekend afternoon", time(12), time(16), DAYS[5:], "included"),
    ),
}
# Guide price ranges in pence: availability £/MW/h, utilisation £/MWh, service fee £/MW.
_GUIDE_PENCE: Final = {
    "availability": (400, 2000),
    "utilisation": (15000, 60000),
    "service_fee": (200000, 2500000),
}


def days_from(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def london_date(instant: datetime) -> date:
    return instant.astimezone(LONDON).date()


def _money(rng: random.Random, low_pence: int, high_pence: int) -> Decimal:
    return (Decimal(rng.randint(low_pence, high_pence)) / 100).quantize(_PENNY)


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    return date(day.year + index // 12, index % 12 + 1, 1)


def _season(day: date) -> str:
    if day.month in (11, 12, 1, 2):
        first = day.year if day.month > 10 else day.year - 1
        return f"Winter {first}/{str(first + 1)[-2:]}"
    if day.month in (3, 4, 5):
        return f"Spring {day.year}"
    if day.month in (6, 7, 8):
        return f"Summer {day.year}"
    return f"Autumn {day.year}"


def competition_for(
    seed: int, day: date, dso: Dso, *, contested: bool = False
) -> Competition | None:
    """The competition `dso` opens on `day` (GB date) for `seed`, if it opens one."""
    rng = seeded(seed, "competition", day.isoformat(), dso.code)
    if rng.random() >= OPEN_PROBABILITY:
        return None
    opens = datetime.combine(day, time(rng.randint(9, 12), rng.choice((0, 30))), LONDON)
    close_day = day + timedelta(days=rng.randint(5, 15))
    closes = datetime.combine(close_day, time(17), LONDON).astimezone(UTC)
    results_at = datetime.combine(closes.date(), time(19), UTC) + timedelta(days=rng.randint(0, 2))
    if results_at <= closes:
        results_at += timedelta(days=1)

    direction: NeedDirection = "deficit" if rng.random() < 0.7 else "excess"
    kind: CompetitionType = rng.choices(COMPETITION_TYPES, weights=_TYPE_WEIGHTS)[0]
    whole_area = rng.random() < 0.4
    places = dso.places if whole_area else tuple(rng.sample(dso.places, rng.randint(1, 2)))
    periods = _service_periods(rng, close_day + timedelta(days=14), direction)
    guide = {
        t: _money(rng, *_GUIDE_PENCE[t]) if t in RATE_TYPES[kind] else None
        for t in ("availability", "utilisation", "service_fee")
    }
    where = dso.name if whole_area else places[0].name
    need = "Peak" if direction == "deficit" else "Constraint"
    competition = Competition(
        id=new_id(rng),
        reference=f"{dso.code}-{day.year}-DSO-{day.timetuple().tm_yday:04d}",
        name=f"{where} {need} {_season(periods[0].start_date)}",
        operator_name=dso.name,
        type=kind,
        need_direction=direction,
        competition_open=opens.astimezone(UTC),
        competition_close=closes,
        availability_guide_price=guide["availability"],
        utilisation_guide_price=guide["utilisation"],
        service_fee_guide_price=guide["service_fee"],
        service_periods=periods,
        area=area_of(places),
        results_at=results_at,
        budget_factor=Decimal(rng.choice((100, 105, 110, 115, 120, 125))) / 100,
    )
    if contested:
        return contest(seed, dso, rng, competition)
    return _with_rivals(rng, competition)


def _service_periods(
    rng: random.Random, earliest: date, direction: NeedDirection
) -> tuple[ServicePeriod, ...]:
    start = _add_months(earliest, 1) if earliest.day > 1 else earliest
    periods = []
    for _ in range(rng.randint(1, 2)):
        end = _add_months(start, rng.randint(1, 6))
        templates = rng.sample(
            _WINDOWS[direction], rng.randint(1, min(3, len(_WINDOWS[direction])))
        )
        windows = tuple(
            ServiceWindow(
                id=new_id(rng),
                name=t.name,
                start_time=t.start,
                end_time=t.end,
                days=t.days,
                bank_holidays=t.bank_holidays,
                capacity_required=(Decimal(rng.randrange(250, 6001, 50)) / 1000).quantize(_MW),
            )
            for t in templates
        )
        periods.append(ServicePeriod(new_id(rng), _season(start), start, end, windows))
        start = end
    return tuple(periods)


def _with_rivals(rng: random.Random, competition: Competition) -> Competition:
    """Other FSPs' offers: up to three per window, each rate at 70-130 % of the guide price."""
    offers = rival_offers(rng, competition, per_window=(0, 3), price=_default_rival_price)
    return replace(competition, rival_offers=offers)


def _default_rival_price(rng: random.Random, guide: Decimal) -> Decimal:
    return (guide * (Decimal(rng.randint(70, 130)) / 100)).quantize(_PENNY)


@dataclass(frozen=True)
class _AssetTemplate:
    prefix: str
    label: str
    category: str
    asset_type: str
    voltage: str
    export_kw: tuple[int, int]
    import_kw: tuple[int, int]
    max_runtime: str | None


_BATTERY = _AssetTemplate(
    "BAT", "battery", "storage", "battery", "33.00", (1000, 8000), (1000, 8000), "02:00:00"
)
_WIND = _AssetTemplate(
    "WND", "wind farm", "renewable", "onshore_wind", "33.00", (2000, 9000), (0, 0), None
)
_SOLAR = _AssetTemplate(
    "SOL", "solar farm", "renewable", "solar_pv", "11.00", (1000, 5000), (0, 0), None
)
_CHP = _AssetTemplate(
    "CHP", "CHP plant", "non_renewable", "chp", "11.00", (500, 3000), (0, 0), "06:00:00"
)
_EV = _AssetTemplate(
    "EVC", "EV charging hub", "demand", "ev_charging", "0.40", (0, 0), (300, 2500), "04:00:00"
)

# (template, DSO index, status, located by coordinates instead of postcode)
_FLEET: Final[tuple[tuple[_AssetTemplate, int, AssetStatus, bool], ...]] = (
    (_BATTERY, 0, "operational", False),
    (_WIND, 1, "operational", False),
    (_BATTERY, 2, "operational", False),
    (_CHP, 3, "operational", False),
    (_BATTERY, 4, "operational", False),
    (_SOLAR, 5, "operational", False),
    (_EV, 0, "operational", False),
    (_BATTERY, 1, "operational", True),
    (_EV, 2, "operational", False),
    (_BATTERY, 3, "in_development", True),
    (_WIND, 4, "operational", False),
    (_CHP, 5, "mothballed", False),
    (_SOLAR, 0, "archived", False),
    (_BATTERY, 1, "archived", False),
)
_POSTCODE_LETTERS: Final = "ABDEFGHJLNPQRSTUWXYZ"


def _postcode(rng: random.Random, place: Place) -> str:
    inward = f"{rng.randint(1, 9)}{rng.choice(_POSTCODE_LETTERS)}{rng.choice(_POSTCODE_LETTERS)}"
    return f"{place.postcode_area}{rng.randint(1, 20)} {inward}"


def _kw_as_mw(rng: random.Random, low: int, high: int) -> Decimal:
    return (Decimal(rng.randint(low, high)) / 1000).quantize(_MW) if high else Decimal("0.000")


def generate_fleet(
    seed: int,
    provider_id: str,
    now: datetime,
    open_competitions: Sequence[Competition],
    *,
    contested: bool = False,
) -> Fleet:
    """A realistic fleet spread over every DSO: batteries, wind, solar, CHP and EV charging,
    a few not qualifying (archived, mothballed), and Planned Assets for two open competitions;
    in the contested market, a battery in each border zone too."""
    rng = seeded(seed, "fleet")
    counters: dict[str, int] = {}
    flex = []
    for template, dso_index, status, by_coordinates in _FLEET:
        counters[template.prefix] = counters.get(template.prefix, 0) + 1
        number = counters[template.prefix]
        place = rng.choice(DSOS[dso_index].places)
        latitude = longitude = None
        postcode: str | None = _postcode(rng, place)
        if by_coordinates:
            postcode = None
            latitude = place.latitude + Decimal(rng.randint(-200, 200)) / 1000
            longitude = place.longitude + Decimal(rng.randint(-300, 300)) / 1000
        flex.append(
            FlexAsset(
                id=new_id(rng),
                provider=provider_id,
                ref=f"{template.prefix}-{number:03d}",
                name=f"{place.name} {template.label} {number}",
                status=status,
                asset_category=template.category,
                asset_type=template.asset_type,
                voltage_level=Decimal(template.voltage),
                country_code="GB",
                created=now,
                modified=now,
                postcode=postcode,
                latitude=latitude,
                longitude=longitude,
                connection_status="planned" if status == "in_development" else "energised",
                active_export_capacity=_kw_as_mw(rng, *template.export_kw),
                active_import_capacity=_kw_as_mw(rng, *template.import_kw),
                max_runtime=template.max_runtime,
                response_time="00:02:00",
            )
        )
    planned = tuple(
        PlannedAsset(
            id=new_id(rng),
            provider=provider_id,
            reference=f"PLN-{number:03d}",
            name=f"Planned battery for {competition.reference}",
            voltage_level=Decimal("11.00"),
            asset_type="battery",
            capacity_type=capacity_type_for(competition.need_direction),
            capacity_value=_kw_as_mw(rng, 500, 3000),
            competition_reference=competition.reference,
            created=now,
            modified=now,
            operator_name=competition.operator_name,
            estimated_asset_count=rng.randint(1, 20),
            maximum_runtime="02:00:00",
        )
        for number, competition in enumerate(open_competitions[:2], start=1)
    )
    border = border_batteries(seed, provider_id, now) if contested else ()
    return Fleet((*flex, *border), planned)
