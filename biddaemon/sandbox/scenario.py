"""Scenario files: a market written down, so a rehearsal or a test starts from known facts.

A scenario is one JSON object; every key is optional:

    {
      "start": "2027-01-05T10:00:00Z",      simulated start instant (else --start, else now)
      "seed": 7,                            seed for ids, faults and generation (else --seed)
      "generate": {"competitions": false,   also let the seeded DSOs open competitions
                   "fleet": false},         also seed the provider's fleet
      "competitions": [COMPETITION, ...],
      "assets": [FLEX ASSET, ...],          the create body of /assets/v1/ plus "id"
      "planned_assets": [PLANNED ASSET, ...],  the create body of /planned-assets/v1/ plus "id"
      "faults": [FAULT, ...]                as POST /_sandbox/faults takes them
    }

A COMPETITION is what GET /competitions/v1/{id}/ answers (see
tests/fixtures/piclo/competition.json), where `status` is derived from the clock (only
"cancelled" is kept), plus what only the DSO knows:

    "area": {"places": ["Dunfermline"], "postcode_areas": ["KY"],
             "regions": [{"south": "55.9", "north": "56.3", "west": "-3.8", "east": "-3.0"}]}
        where assets must be to qualify; default: the whole area of `operator_name`'s DSO
    "results_at": "2027-01-19T19:00:00Z"   when results publish; default 19:00 UTC on the
        close day (the next day if the competition closes after 19:00 UTC)
    "budget_factor": "1.10"                 budget = guide price x this; default "1.00"
    "rival_offers": [{"service_window_id": "...", "capacity": "1.000",
                      "rates": [{"type": "availability", "value": "12.00"}]}]
        other FSPs' bids the DSO weighs against the provider's; default none

Without a scenario the sandbox generates both competitions and fleet from the seed.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    model_validator,
)

from biddaemon.sandbox.faults import FaultSpec
from biddaemon.sandbox.geography import DSOS, area_of
from biddaemon.sandbox.model import (
    DAYS,
    RATE_TYPES,
    Area,
    Competition,
    CompetitionType,
    Fleet,
    FlexAsset,
    NeedDirection,
    Offer,
    PlannedAsset,
    Rate,
    RateType,
    Region,
    ServicePeriod,
    ServiceWindow,
)
from biddaemon.sandbox.schemas import (
    AssetFields,
    Latitude,
    Longitude,
    PlannedAssetFields,
    PositiveMoney,
    PositiveMW,
)
from biddaemon.sandbox.wire import parse_timestamp


class ScenarioError(ValueError):
    """The scenario file is unreadable or breaks the format; the message says where."""


def _timestamp(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("must be a timestamp string such as 2027-01-05T10:00:00Z")
    return parse_timestamp(value)


def _local_time(value: object) -> time:
    if not isinstance(value, str) or len(value) != 5:
        raise ValueError("must be a GB local time HH:MM")
    return time.fromisoformat(value)


Timestamp = Annotated[
    datetime,
    PlainValidator(_timestamp),
    WithJsonSchema({"type": "string", "examples": ["2027-01-05T10:00:00Z"]}),
]
LocalTime = Annotated[
    time, PlainValidator(_local_time), WithJsonSchema({"type": "string", "examples": ["16:00"]})
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Generate(_Strict):
    competitions: bool = False
    fleet: bool = False


class _Region(_Strict):
    south: Latitude
    north: Latitude
    west: Longitude
    east: Longitude


class _Area(_Strict):
    places: list[str] = []
    postcode_areas: list[str] = []
    regions: list[_Region] = []


class _Rate(_Strict):
    type: RateType
    value: PositiveMoney


class _Offer(_Strict):
    service_window_id: str
    capacity: PositiveMW
    rates: list[_Rate]


class _Window(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    name: str
    start_time: LocalTime
    end_time: LocalTime
    days: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]]
    bank_holidays: Literal["included", "excluded"]
    capacity_required: PositiveMW


class _Period(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    name: str
    start_date: date
    end_date: date
    service_windows: list[_Window] = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end_date <= self.start_date:
            raise ValueError("end_date (exclusive) must be after start_date")
        return self


class _Competition(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    reference: str
    name: str
    operator_name: str
    status: Literal["open", "closed", "results_published", "cancelled"] = "open"
    type: CompetitionType
    need_direction: NeedDirection
    competition_open: Timestamp
    competition_close: Timestamp
    availability_guide_price: PositiveMoney | None = None
    utilisation_guide_price: PositiveMoney | None = None
    service_fee_guide_price: PositiveMoney | None = None
    service_periods: list[_Period] = Field(min_length=1)
    area: _Area | None = None
    results_at: Timestamp | None = None
    budget_factor: Annotated[Decimal, Field(gt=0)] = Decimal("1.00")
    rival_offers: list[_Offer] = []

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.competition_close <= self.competition_open:
            raise ValueError("competition_close must be after competition_open")
        windows = {w.id for p in self.service_periods for w in p.service_windows}
        for offer in self.rival_offers:
            if offer.service_window_id not in windows:
                raise ValueError(f"rival offer for unknown window {offer.service_window_id}")
            if sorted(r.type for r in offer.rates) != sorted(RATE_TYPES[self.type]):
                raise ValueError(f"rival offer rates must be exactly {RATE_TYPES[self.type]}")
        return self

    def _area(self) -> Area:
        if self.area is None:
            dso = next((d for d in DSOS if d.name == self.operator_name), None)
            if dso is None:
                raise ScenarioError(
                    f"competition {self.id}: give an area; {self.operator_name!r} is not one of "
                    f"the simulated DSOs ({', '.join(d.name for d in DSOS)})"
                )
            return area_of(dso.places)
        places = {p.name: p for d in DSOS for p in d.places}
        unknown = [name for name in self.area.places if name not in places]
        if unknown:
            raise ScenarioError(f"competition {self.id}: unknown places {unknown}")
        named = area_of(tuple(places[name] for name in self.area.places))
        return Area(
            postcode_areas=named.postcode_areas | {a.upper() for a in self.area.postcode_areas},
            regions=named.regions
            + tuple(Region(r.south, r.north, r.west, r.east) for r in self.area.regions),
        )

    def to_competition(self) -> Competition:
        close = self.competition_close
        results_at = self.results_at
        if results_at is None:
            results_at = datetime.combine(close.date(), time(19), UTC)
            if results_at <= close:
                results_at += timedelta(days=1)
        return Competition(
            id=self.id,
            reference=self.reference,
            name=self.name,
            operator_name=self.operator_name,
            type=self.type,
            need_direction=self.need_direction,
            competition_open=self.competition_open,
            competition_close=close,
            availability_guide_price=self.availability_guide_price,
            utilisation_guide_price=self.utilisation_guide_price,
            service_fee_guide_price=self.service_fee_guide_price,
            service_periods=tuple(
                ServicePeriod(
                    id=p.id,
                    name=p.name,
                    start_date=p.start_date,
                    end_date=p.end_date,
                    windows=tuple(
                        ServiceWindow(
                            id=w.id,
                            name=w.name,
                            start_time=w.start_time,
                            end_time=w.end_time,
                            days=tuple(d for d in DAYS if d in w.days),
                            bank_holidays=w.bank_holidays,
                            capacity_required=w.capacity_required,
                        )
                        for w in p.service_windows
                    ),
                )
                for p in self.service_periods
            ),
            area=self._area(),
            results_at=results_at,
            budget_factor=self.budget_factor,
            rival_offers=tuple(
                Offer(
                    o.service_window_id,
                    o.capacity,
                    tuple(Rate(r.type, r.value) for r in o.rates),
                )
                for o in self.rival_offers
            ),
            cancelled=self.status == "cancelled",
        )


class _FlexAsset(AssetFields):
    id: str


class _PlannedAsset(PlannedAssetFields):
    id: str


class Scenario(_Strict):
    """A parsed scenario file (the format is in this module's docstring)."""

    start: Timestamp | None = None
    seed: int | None = None
    generate: _Generate = _Generate()
    competitions: list[_Competition] = []
    assets: list[_FlexAsset] = []
    planned_assets: list[_PlannedAsset] = []
    faults: list[FaultSpec] = []

    def market_competitions(self) -> list[Competition]:
        return [c.to_competition() for c in self.competitions]

    def fleet(self, provider_id: str, created: datetime) -> Fleet:
        flex: list[FlexAsset] = [a.to_asset(a.id, provider_id, created) for a in self.assets]
        planned: list[PlannedAsset] = [
            a.to_asset(a.id, provider_id, created) for a in self.planned_assets
        ]
        return Fleet(tuple(flex), tuple(planned))


def parse_scenario(document: object, *, source: str = "scenario") -> Scenario:
    try:
        return Scenario.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in error.errors()
        )
        raise ScenarioError(f"{source} is not a valid scenario: {problems}") from None


def load_scenario(path: Path) -> Scenario:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(f"cannot read scenario {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ScenarioError(f"scenario {path} is not JSON: {error}") from None
    return parse_scenario(document, source=f"scenario {path}")
