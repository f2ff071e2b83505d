"""Piclo Flex wire models: every field name and format biddaemon assumes, in one module.

Responses ignore fields they do not know (Piclo may add some at any time); everything else is
strict, because a bid built on a misread payload is worse than no bid. Quantities are `Decimal`,
read from strings or numbers and written as strings with a fixed number of places (capacity in
MW 3, prices in £ 2, voltage in kV 2; capacity rounds down so a limit is never exceeded).
Timestamps must carry an offset and are held in UTC; service-window times of day are GB local
time (Europe/London). `parse_wire` turns a payload that does not fit into `BadMarketData` naming
the field and the competition.

Field names and formats marked [assumed] in docs/piclo-flex-api.md live here and only here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SecretStr,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core.core_schema import SerializationInfo

from biddaemon.errors import BadMarketData
from biddaemon.markets.text import (
    MAX_ID_CHARS,
    MAX_NAME_CHARS,
    MAX_REFERENCE_CHARS,
    MAX_TEXT_CHARS,
    check_market_id,
    check_text,
    check_token,
    is_market_id,
)
from biddaemon.quantities import MONEY_PLACES, MW_PLACES, quantise

GB_TIME = ZoneInfo("Europe/London")
CAPACITY_PLACES = MW_PLACES
PRICE_PLACES = MONEY_PLACES
VOLTAGE_PLACES = 2
COORDINATE_PLACES = 6
MAX_VOLTAGE_KV = Decimal(2000)
MAX_COORDINATE_DEGREES = Decimal(180)

EARLIEST_YEAR = 2000
LATEST_YEAR = 2200
"""Timestamps and dates outside these years are refused: none is real, and near the limits of
`datetime` converting to UTC or adding a day overflows."""
MAX_DURATION = timedelta(days=366)
MAX_ASSETS = 10_000
MAX_BIDS = 10_000
MAX_PERIODS = 1_000
MAX_WINDOWS = 1_000
"""Bounds on lists, far above any real competition, so one payload cannot make a cycle crawl."""
"""The longest runtime or response time accepted (a billion days would overflow `timedelta`)."""

# --------------------------------------------------------------------------------------------
# Field types


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("expected a decimal number, got a boolean")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the float's shortest text, not its binary expansion
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"expected a decimal number, got {value[:40]!r}") from None
    else:
        raise ValueError(f"expected a decimal number, got {type(value).__name__}")
    if not number.is_finite():
        raise ValueError("expected a finite decimal number")
    return number


def _non_negative(value: Decimal) -> Decimal:
    if value < 0:
        raise ValueError("must not be negative")
    return value


def _capacity_limit(value: Decimal) -> Decimal:
    """A limit we bid against (qualifying capacity, capacity required): rounded DOWN to 3 places.

    The market's own numbers have 3 places; more is float noise (`2.4000000000000004`). Rounding
    down means a bid built on it can never exceed the real limit (by at most 1 kW less), which an
    FSP prefers to losing the whole competition to a refused payload.
    """
    return quantise(value, MW_PLACES, ROUND_DOWN)


def _capacity_reported(value: Decimal) -> Decimal:
    """A capacity the market reports back (a stored bid, a result): the NEAREST 3-place value.

    It echoes a capacity we sent with 3 places, so float noise either side must land on it again.
    """
    return quantise(value, MW_PLACES, ROUND_HALF_EVEN)


def _price(value: Decimal) -> Decimal:
    """£ to 2 places, rounded half-up as `format_price` sends them, so a stored rate matches."""
    return quantise(value, MONEY_PLACES, ROUND_HALF_UP)


def _bounded(limit: Decimal) -> Callable[[Decimal], Decimal]:
    def check(value: Decimal) -> Decimal:
        if value.copy_abs() > limit:
            raise ValueError(f"must be at most {limit} in magnitude")
        return value

    return check


def _fixed(places: int, rounding: str) -> Callable[[Decimal], str]:
    exponent = Decimal(1).scaleb(-places)

    def render(value: Decimal) -> str:
        return format(value.quantize(exponent, rounding=rounding), "f")

    return render


format_capacity = _fixed(CAPACITY_PLACES, ROUND_DOWN)
format_price = _fixed(PRICE_PLACES, ROUND_HALF_UP)

Capacity = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    AfterValidator(_non_negative),
    AfterValidator(_capacity_limit),
    PlainSerializer(format_capacity, return_type=str, when_used="json"),
]
"""MW, held and sent with 3 places, rounded down (rounding up could break a limit); at most
what an `Amount(14, 3)` column holds (`biddaemon.quantities`)."""

ReportedCapacity = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    AfterValidator(_non_negative),
    AfterValidator(_capacity_reported),
    PlainSerializer(format_capacity, return_type=str, when_used="json"),
]
"""MW the market reports back (stored bids, results): held with 3 places, nearest."""

Price = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    AfterValidator(_price),
    PlainSerializer(format_price, return_type=str, when_used="json"),
]
"""£ per unit of the rate's type; held and sent with 2 places; fits an `Amount(14, 2)`."""

Voltage = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    AfterValidator(_non_negative),
    AfterValidator(_bounded(MAX_VOLTAGE_KV)),
    PlainSerializer(_fixed(VOLTAGE_PLACES, ROUND_HALF_UP), return_type=str, when_used="json"),
]
"""kV, e.g. "22.00"."""

Coordinate = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    AfterValidator(_bounded(MAX_COORDINATE_DEGREES)),
    PlainSerializer(_fixed(COORDINATE_PLACES, ROUND_HALF_UP), return_type=str, when_used="json"),
]
"""Degrees of latitude or longitude [assumed: sent as a decimal string]."""


def _year_in_range(year: int) -> None:
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f"year {year} is outside {EARLIEST_YEAR}..{LATEST_YEAR}")


def _utc(value: datetime) -> datetime:
    _year_in_range(value.year)  # before converting: near datetime's limits that overflows
    return value.astimezone(UTC)


def _market_date(value: date) -> date:
    _year_in_range(value.year)
    return value


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_utc)]
"""A timestamp that carried an offset (naive ones are refused), held in UTC; years 2000..2200."""

MarketDate = Annotated[date, AfterValidator(_market_date)]
"""A calendar date; years 2000..2200."""

MarketId = Annotated[str, AfterValidator(check_market_id)]
"""An id the market issued: 1..64 URL-safe characters (fits a String(64) and one path segment)."""

Name = Annotated[str, AfterValidator(check_text(MAX_NAME_CHARS))]
"""A free text (a name): storable (no NUL, no lone surrogate) and at most 256 characters."""

Reference = Annotated[str, AfterValidator(check_text(MAX_REFERENCE_CHARS))]
"""A reference or code (ours or the market's): storable and at most 128 characters."""

Code = Annotated[str, AfterValidator(check_text(MAX_ID_CHARS))]
"""A short code such as an unknown competition type: storable and at most 64 characters."""

LongText = Annotated[str, AfterValidator(check_text(MAX_TEXT_CHARS))]
"""An explanation (a rejection reason): storable and at most 2,000 characters."""

_DURATION = re.compile(
    r"^(?:(?P<days>\d+)T)?(?P<hours>\d{2,}):(?P<minutes>[0-5]\d):(?P<seconds>[0-5]\d)$"
)


def parse_max_runtime(text: str) -> timedelta:
    """`[D]THH:MM:SS` -> timedelta: `"1T01:30:00"` is 1 day 1.5 hours, `"02:00:00"` two hours.

    At most `MAX_DURATION` (a ValueError beyond it, never an OverflowError).
    """
    stripped = text.strip() if isinstance(text, str) else None
    match = _DURATION.match(stripped) if stripped is not None and len(stripped) <= 40 else None
    if match is None:
        raise ValueError(f"expected a duration as [D]THH:MM:SS, got {str(text)[:40]!r}")
    seconds = (
        int(match["days"] or 0) * 86400
        + int(match["hours"]) * 3600
        + int(match["minutes"]) * 60
        + int(match["seconds"])
    )
    if seconds > MAX_DURATION.total_seconds():
        raise ValueError(f"a duration must be at most {MAX_DURATION.days} days")
    return timedelta(seconds=seconds)


def format_max_runtime(value: timedelta) -> str:
    """timedelta -> `[D]THH:MM:SS` (the day part only when there is a whole day or more)."""
    if value < timedelta(0):
        raise ValueError("a duration must not be negative")
    if value.microseconds:
        raise ValueError("a duration is sent in whole seconds")
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{value.days}T{clock}" if value.days else clock


def _duration(value: object) -> timedelta:
    if isinstance(value, str):
        return parse_max_runtime(value)
    if not isinstance(value, timedelta):
        raise ValueError(f"expected a duration as [D]THH:MM:SS, got {type(value).__name__}")
    return value


def _duration_in_range(value: timedelta) -> timedelta:
    """What `format_max_runtime` can send back: whole seconds, 0..MAX_DURATION."""
    if value < timedelta(0) or value > MAX_DURATION:
        raise ValueError(f"a duration must be between 0 and {MAX_DURATION.days} days")
    if value.microseconds:
        raise ValueError("a duration is in whole seconds")
    return value


Duration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    AfterValidator(_duration_in_range),
    PlainSerializer(format_max_runtime, return_type=str, when_used="json"),
]
"""A duration on the wire as `[D]THH:MM:SS` (max_runtime, response_time, ...)."""

_LOCAL_TIME = re.compile(r"^(?P<hour>[01]\d|2[0-4]):(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?$")


def _local_time(value: object) -> object:
    if isinstance(value, time):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a local time of day as HH:MM, got {type(value).__name__}")
    match = _LOCAL_TIME.match(value.strip())
    if match is None:
        raise ValueError(f"expected a local time of day as HH:MM, got {value[:40]!r}")
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
    if hour == 24:
        if minute or second:
            raise ValueError(f"{value!r} is past the end of the day")
        hour = 0  # "24:00" ends a window at midnight
    return time(hour, minute, second)


def _format_local_time(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def _naive_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a service-window time is GB local time and carries no offset")
    return value


LocalTime = Annotated[
    time,
    BeforeValidator(_local_time),
    AfterValidator(_naive_time),
    PlainSerializer(_format_local_time, return_type=str, when_used="json"),
]
"""A time of day in GB local time (Europe/London), "HH:MM" on the wire."""

# --------------------------------------------------------------------------------------------
# Enumerations


class CompetitionType(StrEnum):
    """Which rates a ballot must carry is a bidding rule: `strategy.snapshot.REQUIRED_RATES`."""

    AVAILABILITY_UTILISATION = "availability_utilisation"
    UTILISATION = "utilisation"
    AVAILABILITY = "availability"
    SERVICE_FEE = "service_fee"


class NeedDirection(StrEnum):
    """`deficit` counts assets' export capacity, `excess` their import capacity."""

    DEFICIT = "deficit"
    EXCESS = "excess"
    IMPORT = "import"
    EXPORT = "export"


class CompetitionStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    RESULTS_PUBLISHED = "results_published"
    CANCELLED = "cancelled"


class RateType(StrEnum):
    """availability £/MW/h, utilisation £/MWh, service_fee £/MW."""

    AVAILABILITY = "availability"
    UTILISATION = "utilisation"
    SERVICE_FEE = "service_fee"


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday 0 .. Sunday 6, as `date.weekday()`."""
        return list(Weekday).index(self)


class BankHolidays(StrEnum):
    INCLUDED = "included"
    EXCLUDED = "excluded"


class BidResultStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class ResultsStatus(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"


class AssetStatus(StrEnum):
    OPERATIONAL = "operational"
    IN_DEVELOPMENT = "in_development"
    MOTHBALLED = "mothballed"
    ARCHIVED = "archived"


class ConnectionStatus(StrEnum):
    PLANNED = "planned"
    ENERGISED = "energised"


class CapacityType(StrEnum):
    IMPORT = "import"
    EXPORT = "export"


# --------------------------------------------------------------------------------------------
# Base and parsing


WireRole = Literal["response", "request", "patch"]


class WireModel(BaseModel):
    """Immutable, ignores unknown fields, and renders itself as a JSON document with `to_wire()`.

    How a model is rendered depends on what it is for (`_wire`):
    - "response": only the fields the market sent, so a payload round-trips exactly;
    - "request": every field with a value, defaults included, `None`s left out;
    - "patch": only the fields that were set, so a PATCH carries just what changes.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)
    _wire: ClassVar[WireRole] = "response"

    def to_wire(self, *, reveal_secrets: bool = False) -> dict[str, Any]:
        """The JSON document for this model (decimals as strings, durations as [D]THH:MM:SS)."""
        return self.model_dump(
            mode="json",
            exclude_unset=self._wire != "request",
            exclude_none=self._wire == "request",
            context={"reveal_secrets": reveal_secrets},
        )


M = TypeVar("M", bound=BaseModel)


def parse_wire(
    model: type[M],
    data: Any,
    *,
    competition_id: str | None = None,
    what: str | None = None,
    at: str = "",
) -> M:
    """Validate a payload, turning any mismatch into BadMarketData naming field and competition.

    `at` locates the payload in a larger document (e.g. `[3]` for the fourth item of a list).
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        first = errors[0]
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        message = str(first["msg"]).removeprefix("Value error, ")
        raise BadMarketData(
            f"{what or model.__name__}: {message}{more}",
            field=_join_path(at, field_path(first["loc"])) or None,
            competition_id=competition_id or _competition_id_in(data),
        ) from None


def field_path(loc: tuple[int | str, ...]) -> str:
    """('service_periods', 0, 'capacity') -> 'service_periods[0].capacity'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif "[" in part or part.endswith("]"):
            continue  # pydantic's name for a union member or validator, not a field
        else:
            path += f".{part}" if path else part
    return path


def _join_path(outer: str, inner: str) -> str:
    if not outer or not inner:
        return outer or inner
    return f"{outer}{inner}" if inner.startswith("[") else f"{outer}.{inner}"


def _competition_id_in(data: Any) -> str | None:
    if isinstance(data, dict):
        for key in ("competition_id", "id"):
            value = data.get(key)
            if is_market_id(value):  # it is recorded with the error: never an unstorable one
                return str(value)
    return None


# --------------------------------------------------------------------------------------------
# Authentication and provider


class TokenResponse(WireModel):
    """`POST /authtoken/v1/` -> a bearer JWT, kept secret in every repr and dump."""

    token: SecretStr

    @field_validator("token", mode="after")
    @classmethod
    def _header_safe(cls, value: SecretStr) -> SecretStr:
        check_token(value.get_secret_value())  # it goes in every request's headers
        return value

    @field_serializer("token", when_used="json")
    def _dump_token(self, value: SecretStr, info: SerializationInfo) -> str:
        context = info.context or {}
        return value.get_secret_value() if context.get("reveal_secrets") else str(value)


class FlexProvider(WireModel):
    """An organisation the machine user belongs to; its id goes in `provider` on asset bodies."""

    id: MarketId
    name: Name | None = None


# --------------------------------------------------------------------------------------------
# Competitions


class AssetSelection(WireModel):
    """Which Flex and Planned Assets (by id) a ballot or an opportunity covers."""

    flex: tuple[MarketId, ...] = Field(default=(), max_length=MAX_ASSETS)
    planned: tuple[MarketId, ...] = Field(default=(), max_length=MAX_ASSETS)

    @property
    def is_empty(self) -> bool:
        return not self.flex and not self.planned


class BiddingOpportunity(WireModel):
    """An open competition the provider qualifies for, with its qualifying assets."""

    competition_id: MarketId
    assets: AssetSelection = AssetSelection()
    total_capacity: Capacity


class ServiceWindow(WireModel):
    """When, on which days, and how much flexibility the SO wants; times are GB local."""

    id: MarketId
    name: Name | None = None
    start_time: LocalTime
    end_time: LocalTime
    days: tuple[Weekday, ...] = Field(min_length=1)
    bank_holidays: BankHolidays
    capacity_required: Capacity

    @property
    def window_id(self) -> str:
        return self.id

    @property
    def weekdays(self) -> frozenset[int]:
        """The days it runs, as `date.weekday()` numbers (Monday 0)."""
        return frozenset(day.number for day in self.days)

    @property
    def crosses_midnight(self) -> bool:
        return self.end_time <= self.start_time

    def runs_on_weekday(self, day: date) -> bool:
        """Whether `day`'s weekday is one of the window's (bank holidays are the caller's call)."""
        return day.weekday() in self.weekdays

    def bounds_on(self, day: date) -> tuple[datetime, datetime]:
        """The window starting on local `day`, as aware UTC datetimes (DST handled by zoneinfo)."""
        start = datetime.combine(day, self.start_time, tzinfo=GB_TIME)
        end_day = day + timedelta(days=1) if self.crosses_midnight else day
        end = datetime.combine(end_day, self.end_time, tzinfo=GB_TIME)
        return start.astimezone(UTC), end.astimezone(UTC)


class ServicePeriod(WireModel):
    """A date range (end EXCLUSIVE) during which its windows apply."""

    id: MarketId
    name: Name | None = None
    start_date: MarketDate
    end_date: MarketDate
    service_windows: tuple[ServiceWindow, ...] = Field(default=(), max_length=MAX_WINDOWS)

    @model_validator(mode="after")
    def _dates_in_order(self) -> ServicePeriod:
        if self.end_date <= self.start_date:
            raise ValueError("end_date (exclusive) must be after start_date")
        return self

    def includes(self, day: date) -> bool:
        return self.start_date <= day < self.end_date


class Competition(WireModel):
    """`GET /competitions/v1/{id}/`: what a bidder needs to build a ballot.

    `type` stays a plain string when Piclo sends one this client does not know; then
    `known_type` is None, the snapshot's required rates are None, and the engine refuses to
    bid. Whether it takes ballots at a moment is the engine's rule (`bidding.rules`).
    """

    id: MarketId
    reference: Reference | None = None
    name: Name | None = None
    operator_name: Name | None = None
    status: CompetitionStatus
    type: CompetitionType | Code = Field(union_mode="left_to_right")
    need_direction: NeedDirection
    competition_open: UtcDatetime
    competition_close: UtcDatetime
    availability_guide_price: Price | None = None
    utilisation_guide_price: Price | None = None
    service_fee_guide_price: Price | None = None
    service_periods: tuple[ServicePeriod, ...] = Field(default=(), max_length=MAX_PERIODS)

    @model_validator(mode="after")
    def _consistent(self) -> Competition:
        if self.competition_close <= self.competition_open:
            raise ValueError("competition_close must be after competition_open")
        periods = [period.id for period in self.service_periods]
        if len(set(periods)) != len(periods):
            raise ValueError("a service period id appears twice")
        seen: set[str] = set()
        for window in self.windows:
            if window.id in seen:
                raise ValueError(f"service window id {window.id!r} appears twice")
            seen.add(window.id)
        return self

    @property
    def competition_id(self) -> str:
        return self.id

    @property
    def windows(self) -> tuple[ServiceWindow, ...]:
        """Every service window of every service period."""
        return tuple(window for period in self.service_periods for window in period.service_windows)

    def window(self, window_id: str) -> ServiceWindow:
        for window in self.windows:
            if window.id == window_id:
                return window
        raise KeyError(window_id)

    def period_of(self, window_id: str) -> ServicePeriod:
        for period in self.service_periods:
            if any(window.id == window_id for window in period.service_windows):
                return period
        raise KeyError(window_id)

    @property
    def known_type(self) -> CompetitionType | None:
        """The competition type, or None when this client does not know it (do not bid)."""
        return self.type if isinstance(self.type, CompetitionType) else None

    def guide_price(self, rate_type: RateType) -> Decimal | None:
        return {
            RateType.AVAILABILITY: self.availability_guide_price,
            RateType.UTILISATION: self.utilisation_guide_price,
            RateType.SERVICE_FEE: self.service_fee_guide_price,
        }[rate_type]

    @property
    def guide_prices(self) -> dict[RateType, Decimal | None]:
        return {rate_type: self.guide_price(rate_type) for rate_type in RateType}


# --------------------------------------------------------------------------------------------
# Ballots and results


class Rate(WireModel):
    type: RateType
    value: Price


class BidRequest(WireModel):
    """One bid for one service window; several for one window make a split bid."""

    _wire: ClassVar[WireRole] = "request"

    service_window_id: MarketId
    capacity: Capacity
    max_runtime: Duration | None = None
    rates: tuple[Rate, ...] = Field(min_length=1, max_length=len(RateType))


class BallotRequest(WireModel):
    """`POST /bids/v1/competitions/{id}/ballots/`: every bid of one competition at once.

    Without `assets`, every qualifying asset of the provider is included in every bid.
    """

    _wire: ClassVar[WireRole] = "request"

    competition_id: MarketId
    bids: tuple[BidRequest, ...] = Field(min_length=1, max_length=MAX_BIDS)
    assets: AssetSelection | None = None


class Bid(WireModel):
    """A bid as the market stored it (with its id).

    `rates` is required (a stored bid always has at least one): reconciliation compares them
    with what we sent, so a bid without them is bad market data here, not a KeyError there.
    """

    id: MarketId
    service_window_id: MarketId
    capacity: ReportedCapacity
    max_runtime: Duration | None = None
    rates: tuple[Rate, ...] = Field(min_length=1, max_length=len(RateType))


class Ballot(WireModel):
    """A stored ballot; only the latest (`active`) one of a competition counts.

    `bids` is required and never empty (the market stores no ballot without bids), so
    reconciliation can always read what a listed ballot holds.
    """

    id: MarketId
    competition_id: MarketId
    created: UtcDatetime
    active: bool = False
    assets: AssetSelection | None = None
    bids: tuple[Bid, ...] = Field(min_length=1, max_length=MAX_BIDS)


class BidResult(WireModel):
    bid_id: MarketId
    ballot_id: MarketId | None = None
    service_window_id: MarketId
    status: BidResultStatus
    capacity: ReportedCapacity
    rejection_reason: LongText | None = None


class BidResults(WireModel):
    """`GET /bid-results/v1/{id}/`: pending (no results yet) or published."""

    competition_id: MarketId
    status: ResultsStatus
    results: tuple[BidResult, ...] = Field(default=(), max_length=MAX_BIDS)


# --------------------------------------------------------------------------------------------
# Flex Assets


def _postcode_or_position(
    postcode: str | None, latitude: Decimal | None, longitude: Decimal | None
) -> None:
    if postcode:
        return
    if latitude is None or longitude is None:
        raise ValueError("give either postcode or both latitude and longitude")


class _FlexAssetFields(WireModel):
    connection_status: ConnectionStatus | None = None
    postcode: Reference | None = None
    latitude: Coordinate | None = None
    longitude: Coordinate | None = None
    active_export_capacity: Capacity | None = None  # [assumed]
    active_import_capacity: Capacity | None = None  # [assumed]
    max_runtime: Duration | None = None  # [assumed]
    min_runtime: Duration | None = None  # [assumed]
    response_time: Duration | None = None  # [assumed]
    recovery_time: Duration | None = None  # [assumed]


class FlexAssetCreate(_FlexAssetFields):
    """`POST /assets/v1/` body; `ref` is our own id, unique per provider."""

    _wire: ClassVar[WireRole] = "request"

    provider: Reference
    ref: Reference
    name: Name
    status: AssetStatus
    asset_category: Reference
    asset_type: Reference
    voltage_level: Voltage
    country_code: Code = Field(min_length=2, max_length=2)

    @model_validator(mode="after")
    def _located(self) -> FlexAssetCreate:
        _postcode_or_position(self.postcode, self.latitude, self.longitude)
        return self


class FlexAssetUpdate(_FlexAssetFields):
    """`PATCH /assets/v1/{id}/` body: only the fields that are set are sent."""

    _wire: ClassVar[WireRole] = "patch"

    name: Name | None = None
    status: AssetStatus | None = None
    asset_category: Reference | None = None
    asset_type: Reference | None = None
    voltage_level: Voltage | None = None
    country_code: Code | None = None


class FlexAsset(_FlexAssetFields):
    """A Flex Asset as the market holds it."""

    id: MarketId
    provider: Reference
    ref: Reference
    name: Name
    status: AssetStatus
    asset_category: Reference
    asset_type: Reference
    voltage_level: Voltage
    country_code: Code
    created: UtcDatetime | None = None
    modified: UtcDatetime | None = None


# --------------------------------------------------------------------------------------------
# Planned Assets [paths and fields assumed]


class _PlannedAssetFields(WireModel):
    competition_reference: Reference | None = None
    operator_name: Name | None = None
    estimated_asset_count: int | None = Field(default=None, ge=1, le=10**9)
    maximum_runtime: Duration | None = None


class PlannedAssetCreate(_PlannedAssetFields):
    """`POST /planned-assets/v1/`: an asset that does not exist yet, for one competition."""

    _wire: ClassVar[WireRole] = "request"

    provider: Reference
    reference: Reference
    name: Name
    voltage_level: Voltage
    asset_type: Reference
    capacity_type: CapacityType
    capacity_value: Capacity


class PlannedAssetUpdate(_PlannedAssetFields):
    """`PATCH /planned-assets/v1/{id}/` body: only the fields that are set are sent."""

    _wire: ClassVar[WireRole] = "patch"

    name: Name | None = None
    voltage_level: Voltage | None = None
    asset_type: Reference | None = None
    capacity_type: CapacityType | None = None
    capacity_value: Capacity | None = None


class PlannedAsset(_PlannedAssetFields):
    id: MarketId
    provider: Reference
    reference: Reference
    name: Name
    voltage_level: Voltage
    asset_type: Reference
    capacity_type: CapacityType
    capacity_value: Capacity
    created: UtcDatetime | None = None
    modified: UtcDatetime | None = None


# --------------------------------------------------------------------------------------------
# Obligations [fields assumed; not used by the bidding flow yet]


class Obligation(WireModel):
    """A contractual obligation that an accepted bid became."""

    id: MarketId
    competition_id: MarketId | None = None
    bid_id: MarketId | None = None
    service_window_id: MarketId | None = None
    start: UtcDatetime | None = None
    end: UtcDatetime | None = None
    capacity: ReportedCapacity | None = None
