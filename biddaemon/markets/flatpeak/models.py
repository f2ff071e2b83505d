"""Flatpeak wire models for API version `2026-08-01.busbar`: login, devices, lists, errors.

Power ratings and capacities are kW / kWh as Flatpeak sends them (`power_rating_*_kwh` are kW
ratings despite the name); they are `Decimal` here and converted to MW only in the inventory.
Responses keep fields this client does not know (`extra="allow"`), so a device read and written
back loses nothing; request bodies refuse unknown fields.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SecretStr, field_serializer
from pydantic_core.core_schema import SerializationInfo

from biddaemon.markets.wire import JsonDecimal, parse_model

API_VERSION = "2026-08-01.busbar"
MAX_PAGE_SIZE = 100


class FlatpeakModel(BaseModel):
    """Immutable; `to_wire()` is the JSON document (unset fields left out)."""

    model_config = ConfigDict(extra="allow", frozen=True, hide_input_in_errors=True)
    _omit_none: ClassVar[bool] = False

    def to_wire(self, *, reveal_secrets: bool = False) -> dict[str, Any]:
        return self.model_dump(
            mode="json",
            exclude_unset=True,
            exclude_none=self._omit_none,
            context={"reveal_secrets": reveal_secrets},
        )


class RequestModel(FlatpeakModel):
    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)
    _omit_none: ClassVar[bool] = True


class DeviceType(StrEnum):
    EV_CHARGER = "EV_CHARGER"
    ELECTRIC_VEHICLE = "ELECTRIC_VEHICLE"
    BATTERY_SYSTEM = "BATTERY_SYSTEM"
    PV_SYSTEM = "PV_SYSTEM"
    OTHER = "OTHER"


class LoginResponse(FlatpeakModel):
    """`GET /login` -> a bearer token valid for `expires_in` seconds."""

    bearer_token: SecretStr
    expires_in: int = Field(gt=0)
    live_mode: bool

    @field_serializer("bearer_token", when_used="json")
    def _dump_token(self, value: SecretStr, info: SerializationInfo) -> str:
        context = info.context or {}
        return value.get_secret_value() if context.get("reveal_secrets") else str(value)


class DeviceProperties(FlatpeakModel):
    """Ratings in kW, capacity in kWh, PV orientation in degrees."""

    power_rating_import_kwh: JsonDecimal | None = None
    power_rating_export_kwh: JsonDecimal | None = None
    capacity_kwh: JsonDecimal | None = None
    pv_azimuth: JsonDecimal | None = None
    pv_tilt: JsonDecimal | None = None
    pv_terrain_shading: bool | None = None
    pv_forecasts_enabled: bool | None = None
    install_date: AwareDatetime | None = None


class DeviceCreate(RequestModel):
    """`POST /devices`: `reference_id` is our own reference."""

    reference_id: str = Field(min_length=1)
    type: DeviceType
    locations: tuple[str, ...] = Field(min_length=1)
    manufacturer: str | None = None
    model_code: str | None = None
    model_name: str | None = None
    properties: DeviceProperties | None = None


class DeviceUpdate(RequestModel):
    """`PATCH /devices/{id}`: only the fields that are set are sent."""

    reference_id: str | None = None
    type: DeviceType | None = None
    locations: tuple[str, ...] | None = None
    manufacturer: str | None = None
    model_code: str | None = None
    model_name: str | None = None
    properties: DeviceProperties | None = None


class Device(FlatpeakModel):
    """A device as Flatpeak holds it (`type` is missing from some list answers)."""

    id: str
    object: Literal["device"] = "device"
    live_mode: bool
    reference_id: str
    type: DeviceType | None = None
    locations: tuple[str, ...] = ()
    manufacturer: str | None = None
    model_code: str | None = None
    model_name: str | None = None
    time_created: AwareDatetime | None = None
    account_id: str | None = None
    properties: DeviceProperties | None = None
    last_seen: AwareDatetime | None = None


class DeviceList(FlatpeakModel):
    """One page of a list: newest first, `has_more` when older objects follow."""

    object: Literal["list"]
    url: str
    has_more: bool
    data: tuple[Device, ...]


class ErrorResponse(FlatpeakModel):
    """`{"object": "error", "type", "code", "message", ...}`; `time_created` is kept as sent
    (the documented example has no offset)."""

    object: Literal["error"]
    type: str
    code: str | None = None
    message: str
    live_mode: bool | None = None
    context: str | None = None
    time_created: str | None = None


M = TypeVar("M", bound=FlatpeakModel)


def parse_flatpeak(model: type[M], document: Any, *, what: str) -> M:
    """Validate a payload; a mismatch is BadMarketData naming the first field at fault."""
    return parse_model(model, document, what=f"Flatpeak {what}")
