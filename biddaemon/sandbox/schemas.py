"""The JSON shapes of the sandbox API, as pydantic models: requests parsed, responses documented.

Request models parse into `Decimal` through the wire module's decimal-string rules; response
models hold the wire strings themselves (`"1.500"`, `"2027-01-05T10:12:44Z"`), built from the
market's dataclasses by their `of` constructors. The ballot request model only documents the
shape: ballots are parsed by the referee, so that every mistake gets its rule-named 400.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Annotated, Generic, Literal, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)

from biddaemon.sandbox.market import Opportunity, StoredBallot
from biddaemon.sandbox.model import (
    AssetSet,
    AssetStatus,
    BidResult,
    Competition,
    CompetitionStatus,
    CompetitionType,
    FlexAsset,
    NeedDirection,
    Obligation,
    PlannedAsset,
    Rate,
    RateType,
    ServicePeriod,
    ServiceWindow,
)
from biddaemon.sandbox.wire import (
    MW_PLACES,
    check_clock_duration,
    format_decimal,
    format_money,
    format_mw,
    format_optional_money,
    format_timestamp,
    parse_decimal_string,
)

T = TypeVar("T")

_COORDINATE = re.compile(r"^-?\d{1,3}(\.\d{1,6})?$")


def _coordinate(value: object, *, limit: int) -> Decimal:
    """Latitude or longitude: a decimal string or a JSON number, at most 6 places."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = repr(value)
    if not isinstance(value, str) or not _COORDINATE.match(value):
        raise ValueError('must be a decimal number with at most 6 places, such as "56.071"')
    number = Decimal(value)
    if abs(number) > limit:
        raise ValueError(f"must be between -{limit} and {limit}")
    return number


def _decimal_string(
    places: int, unit: str, example: str, *, positive: bool = False
) -> tuple[PlainValidator, WithJsonSchema]:
    """Annotated metadata for a decimal-string field: parsed by the wire rules, documented."""
    sign = "positive " if positive else ""
    return (
        PlainValidator(partial(parse_decimal_string, places=places, positive=positive)),
        WithJsonSchema(
            {
                "type": "string",
                "pattern": rf"^\d+(\.\d{{1,{places}}})?$",
                "examples": [example],
                "description": f"{unit} as a {sign}decimal string, at most {places} places",
            }
        ),
    )


MW = Annotated[Decimal, *_decimal_string(MW_PLACES, "MW", "1.500")]
PositiveMW = Annotated[Decimal, *_decimal_string(MW_PLACES, "MW", "1.500", positive=True)]
Kilovolts = Annotated[Decimal, *_decimal_string(2, "kV", "22.00")]
PositiveMoney = Annotated[Decimal, *_decimal_string(2, "pounds", "15.00", positive=True)]
Latitude = Annotated[
    Decimal,
    PlainValidator(partial(_coordinate, limit=90)),
    WithJsonSchema({"type": "string", "examples": ["56.071000"]}),
]
Longitude = Annotated[
    Decimal,
    PlainValidator(partial(_coordinate, limit=180)),
    WithJsonSchema({"type": "string", "examples": ["-3.462000"]}),
]
Duration = Annotated[
    str,
    PlainValidator(check_clock_duration),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{2,}:[0-5]\d:[0-5]\d$", "examples": ["02:00:00"]}
    ),
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="ignore")


# -- authentication -------------------------------------------------------------------------------


class AuthTokenRequest(_Request):
    client_id: str
    api_key: str


class AuthToken(BaseModel):
    token: str = Field(description="a JWT; its `exp` claim is on the sandbox clock")


class Detail(BaseModel):
    detail: str


class FlexProviderOut(BaseModel):
    id: str
    name: str


# -- flex assets ----------------------------------------------------------------------------------


class AssetFields(_Request):
    """A Flex Asset's writable fields (all but `provider`), with the server defaults."""

    ref: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    status: AssetStatus
    asset_category: str = Field(min_length=1)
    asset_type: str = Field(min_length=1)
    voltage_level: Kilovolts
    country_code: str = Field(pattern=r"^[A-Z]{2}$")
    postcode: str | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    connection_status: Literal["planned", "energised"] = "planned"
    active_export_capacity: MW = Decimal("0.000")
    active_import_capacity: MW = Decimal("0.000")
    max_runtime: Duration | None = None
    min_runtime: Duration | None = None
    response_time: Duration | None = None
    recovery_time: Duration | None = None

    @model_validator(mode="after")
    def _located(self) -> Self:
        check_location(self.postcode, self.latitude, self.longitude)
        return self

    def to_asset(self, asset_id: str, provider: str, created: datetime) -> FlexAsset:
        fields = self.model_dump(exclude={"id", "provider"})
        return FlexAsset(
            id=asset_id, provider=provider, created=created, modified=created, **fields
        )


class AssetCreate(AssetFields):
    provider: str = Field(description="the Flex Provider id, see GET /flex-providers/v1/")


def check_location(postcode: str | None, latitude: object, longitude: object) -> None:
    """An asset is located by a postcode, or by both latitude and longitude."""
    if not postcode and (latitude is None or longitude is None):
        raise ValueError("Give either a postcode or both latitude and longitude.")


class AssetUpdate(_Request):
    """A partial update: only the fields sent are changed."""

    ref: str | None = Field(default=None, min_length=1, max_length=100)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    status: AssetStatus | None = None
    asset_category: str | None = Field(default=None, min_length=1)
    asset_type: str | None = Field(default=None, min_length=1)
    voltage_level: Kilovolts | None = None
    country_code: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    postcode: str | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    connection_status: Literal["planned", "energised"] | None = None
    active_export_capacity: MW | None = None
    active_import_capacity: MW | None = None
    max_runtime: Duration | None = None
    min_runtime: Duration | None = None
    response_time: Duration | None = None
    recovery_time: Duration | None = None

    def changes(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class AssetOut(BaseModel):
    id: str
    provider: str
    ref: str
    name: str
    status: AssetStatus
    asset_category: str
    asset_type: str
    voltage_level: str
    country_code: str
    postcode: str | None
    latitude: str | None
    longitude: str | None
    connection_status: Literal["planned", "energised"]
    active_export_capacity: str
    active_import_capacity: str
    max_runtime: str | None
    min_runtime: str | None
    response_time: str | None
    recovery_time: str | None
    created: str
    modified: str

    @classmethod
    def of(cls, asset: FlexAsset) -> AssetOut:
        return cls(
            id=asset.id,
            provider=asset.provider,
            ref=asset.ref,
            name=asset.name,
            status=asset.status,
            asset_category=asset.asset_category,
            asset_type=asset.asset_type,
            voltage_level=format_decimal(asset.voltage_level, 2),
            country_code=asset.country_code,
            postcode=asset.postcode,
            latitude=None if asset.latitude is None else format_decimal(asset.latitude, 6),
            longitude=None if asset.longitude is None else format_decimal(asset.longitude, 6),
            connection_status=asset.connection_status,
            active_export_capacity=format_mw(asset.active_export_capacity),
            active_import_capacity=format_mw(asset.active_import_capacity),
            max_runtime=asset.max_runtime,
            min_runtime=asset.min_runtime,
            response_time=asset.response_time,
            recovery_time=asset.recovery_time,
            created=format_timestamp(asset.created),
            modified=format_timestamp(asset.modified),
        )


# -- planned assets -------------------------------------------------------------------------------


class PlannedAssetFields(_Request):
    """A Planned Asset's writable fields (all but `provider`)."""

    reference: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=200)
    voltage_level: Kilovolts
    asset_type: str = Field(min_length=1)
    capacity_type: Literal["import", "export"]
    capacity_value: PositiveMW
    competition_reference: str = Field(min_length=1)
    operator_name: str | None = None
    estimated_asset_count: int | None = Field(default=None, ge=1)
    maximum_runtime: Duration | None = None

    def to_asset(self, asset_id: str, provider: str, created: datetime) -> PlannedAsset:
        fields = self.model_dump(exclude={"id", "provider"})
        return PlannedAsset(
            id=asset_id, provider=provider, created=created, modified=created, **fields
        )


class PlannedAssetCreate(PlannedAssetFields):
    provider: str = Field(description="the Flex Provider id, see GET /flex-providers/v1/")


class PlannedAssetUpdate(_Request):
    reference: str | None = Field(default=None, min_length=1, max_length=100)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    voltage_level: Kilovolts | None = None
    asset_type: str | None = Field(default=None, min_length=1)
    capacity_type: Literal["import", "export"] | None = None
    capacity_value: PositiveMW | None = None
    competition_reference: str | None = Field(default=None, min_length=1)
    operator_name: str | None = None
    estimated_asset_count: int | None = Field(default=None, ge=1)
    maximum_runtime: Duration | None = None

    def changes(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class PlannedAssetOut(BaseModel):
    id: str
    provider: str
    reference: str
    name: str
    voltage_level: str
    asset_type: str
    capacity_type: Literal["import", "export"]
    capacity_value: str
    competition_reference: str
    operator_name: str | None
    estimated_asset_count: int | None
    maximum_runtime: str | None
    created: str
    modified: str

    @classmethod
    def of(cls, asset: PlannedAsset) -> PlannedAssetOut:
        return cls(
            id=asset.id,
            provider=asset.provider,
            reference=asset.reference,
            name=asset.name,
            voltage_level=format_decimal(asset.voltage_level, 2),
            asset_type=asset.asset_type,
            capacity_type=asset.capacity_type,
            capacity_value=format_mw(asset.capacity_value),
            competition_reference=asset.competition_reference,
            operator_name=asset.operator_name,
            estimated_asset_count=asset.estimated_asset_count,
            maximum_runtime=asset.maximum_runtime,
            created=format_timestamp(asset.created),
            modified=format_timestamp(asset.modified),
        )


# -- competitions and opportunities ---------------------------------------------------------------


class AssetIds(BaseModel):
    flex: list[str]
    planned: list[str]

    @classmethod
    def of(cls, assets: AssetSet) -> AssetIds:
        return cls(flex=sorted(assets.flex), planned=sorted(assets.planned))


class OpportunityOut(BaseModel):
    competition_id: str
    assets: AssetIds
    total_capacity: str

    @classmethod
    def of(cls, opportunity: Opportunity) -> OpportunityOut:
        return cls(
            competition_id=opportunity.competition.id,
            assets=AssetIds(
                flex=[a.id for a in opportunity.assets.flex],
                planned=[a.id for a in opportunity.assets.planned],
            ),
            total_capacity=format_mw(opportunity.total_capacity),
        )


class ServiceWindowOut(BaseModel):
    id: str
    name: str
    start_time: str = Field(description="GB local time (Europe/London), HH:MM")
    end_time: str
    days: list[str]
    bank_holidays: Literal["included", "excluded"]
    capacity_required: str

    @classmethod
    def of(cls, window: ServiceWindow) -> ServiceWindowOut:
        return cls(
            id=window.id,
            name=window.name,
            start_time=window.start_time.strftime("%H:%M"),
            end_time=window.end_time.strftime("%H:%M"),
            days=list(window.days),
            bank_holidays=window.bank_holidays,
            capacity_required=format_mw(window.capacity_required),
        )


class ServicePeriodOut(BaseModel):
    id: str
    name: str
    start_date: str
    end_date: str = Field(description="exclusive")
    service_windows: list[ServiceWindowOut]

    @classmethod
    def of(cls, period: ServicePeriod) -> ServicePeriodOut:
        return cls(
            id=period.id,
            name=period.name,
            start_date=period.start_date.isoformat(),
            end_date=period.end_date.isoformat(),
            service_windows=[ServiceWindowOut.of(w) for w in period.windows],
        )


class CompetitionOut(BaseModel):
    id: str
    reference: str
    name: str
    operator_name: str
    status: CompetitionStatus
    type: CompetitionType
    need_direction: NeedDirection
    competition_open: str
    competition_close: str
    availability_guide_price: str | None
    utilisation_guide_price: str | None
    service_fee_guide_price: str | None
    service_periods: list[ServicePeriodOut]

    @classmethod
    def of(cls, competition: Competition, status: CompetitionStatus) -> CompetitionOut:
        return cls(
            id=competition.id,
            reference=competition.reference,
            name=competition.name,
            operator_name=competition.operator_name,
            status=status,
            type=competition.type,
            need_direction=competition.need_direction,
            competition_open=format_timestamp(competition.competition_open),
            competition_close=format_timestamp(competition.competition_close),
            availability_guide_price=format_optional_money(competition.availability_guide_price),
            utilisation_guide_price=format_optional_money(competition.utilisation_guide_price),
            service_fee_guide_price=format_optional_money(competition.service_fee_guide_price),
            service_periods=[ServicePeriodOut.of(p) for p in competition.service_periods],
        )


# -- ballots, results, obligations ----------------------------------------------------------------


class RateOut(BaseModel):
    type: RateType
    value: str = Field(examples=["14.25"])

    @classmethod
    def of(cls, rate: Rate) -> RateOut:
        return cls(type=rate.type, value=format_money(rate.value))


class BidRequest(BaseModel):
    service_window_id: str
    capacity: str = Field(examples=["1.500"], description="MW, at most 3 places, positive")
    max_runtime: str | None = Field(
        default=None, examples=["1T01:30:00"], description="[D]THH:MM:SS"
    )
    rates: list[RateOut] = Field(description="exactly the rate types of the competition type")


class BallotRequest(BaseModel):
    """Documented shape of a ballot; the referee (not this model) parses and judges it."""

    competition_id: str | None = None
    bids: list[BidRequest]
    assets: AssetIds | None = Field(
        default=None, description="omit to include every qualifying asset of the provider"
    )


class BidOut(BaseModel):
    id: str
    service_window_id: str
    capacity: str
    max_runtime: str | None
    rates: list[RateOut]


class BallotOut(BaseModel):
    id: str
    competition_id: str
    created: str
    active: bool
    assets: AssetIds
    bids: list[BidOut]

    @classmethod
    def of(cls, stored: StoredBallot) -> BallotOut:
        ballot = stored.ballot
        return cls(
            id=ballot.id,
            competition_id=ballot.competition_id,
            created=format_timestamp(ballot.created),
            active=stored.active,
            assets=AssetIds.of(ballot.assets),
            bids=[
                BidOut(
                    id=b.id,
                    service_window_id=b.service_window_id,
                    capacity=format_mw(b.capacity),
                    max_runtime=b.max_runtime,
                    rates=[RateOut.of(r) for r in b.rates],
                )
                for b in ballot.bids
            ],
        )


class BidResultOut(BaseModel):
    bid_id: str
    ballot_id: str
    service_window_id: str
    status: Literal["accepted", "rejected"]
    capacity: str
    rejection_reason: str | None

    @classmethod
    def of(cls, result: BidResult) -> BidResultOut:
        return cls(
            bid_id=result.bid_id,
            ballot_id=result.ballot_id,
            service_window_id=result.service_window_id,
            status=result.status,
            capacity=format_mw(result.capacity),
            rejection_reason=result.rejection_reason,
        )


class BidResultsOut(BaseModel):
    competition_id: str
    status: Literal["pending", "published"]
    results: list[BidResultOut]


class ObligationOut(BaseModel):
    id: str
    competition_id: str
    ballot_id: str
    bid_id: str
    service_window_id: str
    capacity: str
    rates: list[RateOut]
    start_date: str
    end_date: str = Field(description="exclusive")
    start_time: str = Field(description="GB local time (Europe/London), HH:MM")
    end_time: str
    days: list[str]
    bank_holidays: Literal["included", "excluded"]

    @classmethod
    def of(cls, obligation: Obligation) -> ObligationOut:
        return cls(
            id=obligation.id,
            competition_id=obligation.competition_id,
            ballot_id=obligation.ballot_id,
            bid_id=obligation.bid_id,
            service_window_id=obligation.service_window_id,
            capacity=format_mw(obligation.capacity),
            rates=[RateOut.of(r) for r in obligation.rates],
            start_date=obligation.start_date.isoformat(),
            end_date=obligation.end_date.isoformat(),
            start_time=obligation.start_time.strftime("%H:%M"),
            end_time=obligation.end_time.strftime("%H:%M"),
            days=list(obligation.days),
            bank_holidays=obligation.bank_holidays,
        )


class Page(BaseModel, Generic[T]):
    """A Django REST Framework page; follow `next` (absolute) until it is null."""

    count: int
    next: str | None
    previous: str | None
    results: list[T]
