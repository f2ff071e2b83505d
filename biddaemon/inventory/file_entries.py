"""The inventory file's entries as models: every field's type, shape and unit, checked on read.

`inventory.file` reads the YAML and reports every mistake; these models say what a mistake is.
Each model forbids fields it does not know (usually a typo), and quantities are Decimal.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from biddaemon.inventory.canonical import (
    AssetStatus,
    Platform,
    Technology,
)
from biddaemon.inventory.units import MAX_MW_PLACES, parse_iso_duration
from biddaemon.markets.flatpeak.models import DeviceType
from biddaemon.markets.localflex.models import ACTIVE_POWER_30M, ACTIVE_POWER_60M
from biddaemon.markets.localflex.models import AssetType as LocalFlexAssetType

PRODUCT_ALIASES = {"active_power_30m": ACTIVE_POWER_30M, "active_power_60m": ACTIVE_POWER_60M}

_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_GB_TIME = ZoneInfo("Europe/London")
GB_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$")


# --------------------------------------------------------------------------------------------
# Field types


def _text_only(value: object) -> object:
    if value is not None and not isinstance(value, str):
        raise ValueError("must be text (quote it in YAML)")
    return value


def _duration(value: object) -> object:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 duration such as PT30M (text, not a number)")
    return parse_iso_duration(value)


def _postcode(value: object) -> object:
    if isinstance(value, str):
        return " ".join(value.upper().split())
    return value


def _product(value: object) -> object:
    if isinstance(value, str):
        alias = PRODUCT_ALIASES.get(value.strip().lower())
        if alias:
            return alias
        if _UUID.match(value.strip()):
            return value.strip().lower()
    raise ValueError(
        "must be a market product UUID or one of " + ", ".join(sorted(PRODUCT_ALIASES))
    )


def _instant(value: object) -> object:
    """A date and time as UTC: without an offset it is GB local (Europe/London) wall clock."""
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if not isinstance(moment, datetime):
        raise ValueError(
            "must be a date and time such as 2027-01-12 08:00 (GB local) or "
            "2027-01-12T08:00:00+00:00"
        )
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=_GB_TIME)
    return moment.astimezone(UTC)


Text = Annotated[str, BeforeValidator(_text_only), Field(min_length=1)]
Megawatts = Annotated[Decimal, Field(ge=0, decimal_places=MAX_MW_PLACES)]
Duration = Annotated[timedelta, BeforeValidator(_duration)]
Product = Annotated[str, BeforeValidator(_product)]
Instant = Annotated[datetime, BeforeValidator(_instant)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)


class PicloEntry(_Strict):
    asset_category: Text | None = None
    asset_type: Text | None = None
    connection_status: Literal["planned", "energised"] | None = None
    competition_reference: Text | None = None
    operator_name: Text | None = None
    capacity_type: Literal["import", "export"] | None = None
    estimated_asset_count: int | None = Field(None, ge=1)


class LocalFlexEntry(_Strict):
    asset_type: LocalFlexAssetType | None = None
    grid_node_mrid: Text | None = None
    market_products: list[Product] | None = Field(None, min_length=1)
    can_provide_metering: bool | None = None
    contact_name: Text | None = None
    phone_number: Text | None = None
    email: Text | None = None
    location: Text | None = None


class FlatpeakEntry(_Strict):
    device_type: DeviceType | None = None
    location_ids: list[Text] | None = Field(None, min_length=1)
    manufacturer: Text | None = None
    model_code: Text | None = None
    model_name: Text | None = None
    install_date: AwareDatetime | None = None
    pv_azimuth: Decimal | None = Field(None, ge=0, lt=360)
    pv_tilt: Decimal | None = Field(None, ge=0, le=90)
    pv_terrain_shading: bool | None = None
    pv_forecasts_enabled: bool | None = None


class OutageEntry(_Strict):
    """A planned outage: `mw` of the asset unavailable from `start` until `end`."""

    start: Instant
    end: Instant
    mw: Annotated[Decimal, Field(gt=0, decimal_places=MAX_MW_PLACES)]
    reason: Text | None = None

    @model_validator(mode="after")
    def _ends_after_start(self) -> OutageEntry:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class AssetEntry(_Strict):
    """One `assets:` entry; everything but `ref` may come from an import source instead."""

    ref: Annotated[str, BeforeValidator(_text_only)]
    name: Text | None = None
    technology: Technology | None = None
    status: AssetStatus | None = None
    country_code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    postcode: Annotated[str, BeforeValidator(_postcode), Field(min_length=2)] | None = None
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    voltage_kv: Decimal | None = Field(None, gt=0, le=1000)
    export_mw: Megawatts | None = None
    import_mw: Megawatts | None = None
    energy_mwh: Megawatts | None = None
    ramp_up_mw_per_min: Megawatts | None = None
    ramp_down_mw_per_min: Megawatts | None = None
    min_runtime: Duration | None = None
    max_runtime: Duration | None = None
    response_time: Duration | None = None
    recovery_time: Duration | None = None
    import_meter_id: Text | None = None
    export_meter_id: Text | None = None
    platforms: list[Platform] | None = None
    outages: list[OutageEntry] | None = None
    piclo: PicloEntry | None = None
    localflex: LocalFlexEntry | None = None
    flatpeak: FlatpeakEntry | None = None

    @field_validator("ref")
    @classmethod
    def _ref_shape(cls, value: str) -> str:
        if not _REF.match(value):
            raise ValueError(
                "must be 1-128 characters of letters, digits and . _ : - (starting with a "
                "letter or digit)"
            )
        return value

    @field_validator("platforms")
    @classmethod
    def _no_repeats(cls, value: list[Platform] | None) -> list[Platform] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("a platform is listed twice")
        return value


class PortfolioEntry(_Strict):
    ref: Annotated[str, BeforeValidator(_text_only)]
    name: Text
    grid_node_mrid: Text | None = None
    market_products: list[Product] = Field(min_length=1)
    auto_assign_asset: bool | None = None
    asset_types: list[LocalFlexAssetType] | None = None

    @field_validator("ref")
    @classmethod
    def _ref_shape(cls, value: str) -> str:
        if not _REF.match(value):
            raise ValueError("must be 1-128 characters of letters, digits and . _ : -")
        return value
