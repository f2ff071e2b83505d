"""Tensor Energy wire models: the `{data, error}` envelope and the asset, as documented.

Numbers (coordinates, altitude, subsidy rate) are read into `Decimal` from their JSON text and
written back as JSON numbers; timestamps must carry an offset. Fields Tensor adds later are kept
(`extra="allow"`), so a payload read and written again is unchanged.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from biddaemon.markets.wire import JsonDecimal, parse_model


class TensorModel(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, hide_input_in_errors=True)

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class AssetStatus(StrEnum):
    OPERATION = "operation"
    PLANNING = "planning"
    MAINTENANCE = "maintenance"


class GridZone(StrEnum):
    HOKKAIDO = "hokkaido"
    TOHOKU = "tohoku"
    TOKYO = "tokyo"
    CHUBU = "chubu"
    HOKURIKU = "hokuriku"
    KANSAI = "kansai"
    CHUGOKU = "chugoku"
    SHIKOKU = "shikoku"
    KYUSHU = "kyushu"
    OKINAWA = "okinawa"


class SubsidyScheme(StrEnum):
    FIT = "fit"
    FIP = "fip"
    NONE = "none"


class ErrorCode(StrEnum):
    INTERNAL_SERVER_ERROR = "internal_server_error"
    NOT_AUTHORIZED = "not_authorized"
    INVALID_QUERY_PARAMETER = "invalid_query_parameter"
    RESOURCE_NOT_FOUND = "resource_not_found"


class TensorAsset(TensorModel):
    """One plant in the workspace."""

    id: str
    name: str
    status: AssetStatus
    grid_zone: GridZone | None = None
    latitude: JsonDecimal | None = None
    longitude: JsonDecimal | None = None
    altitude: JsonDecimal | None = None
    location_name: str | None = None
    subsidy_scheme: SubsidyScheme | None = None
    subsidy_rate: JsonDecimal | None = None
    subsidy_start_date: AwareDatetime | None = None
    cod_date: AwareDatetime | None = None
    metering_day: int | None = None
    meti_permit_number: str | None = None
    meti_application_id: str | None = None
    location_id: str | None = None
    developer_id: str | None = None
    om_provider_id: str | None = None
    epc_company_id: str | None = None
    balancing_group_id: str | None = None
    spv_id: str | None = None
    readable_id: str | None = None
    is_using_advanced_losses: bool | None = None
    simulation_status: str | None = None
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    creator_user_id: str | None = None
    grid_code: str | None = None
    contract_classification_number_2: str | None = None
    scenario_id: str | None = None


class TensorError(TensorModel):
    """The `error` half of the envelope; `code` is kept as text when Tensor adds a new one."""

    message: str
    code: ErrorCode | str = Field(union_mode="left_to_right")

    @property
    def known_code(self) -> ErrorCode | None:
        return self.code if isinstance(self.code, ErrorCode) else None


class Envelope(TensorModel):
    """`{"data": ..., "error": null}` or `{"data": null, "error": {...}}`: exactly one is set."""

    data: Any = None
    error: TensorError | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Envelope:
        if (self.data is None) == (self.error is None):
            raise ValueError("exactly one of `data` and `error` must be set")
        return self


class AssetsEnvelope(Envelope):
    data: list[TensorAsset] | None = None


class AssetEnvelope(Envelope):
    data: TensorAsset | None = None


M = TypeVar("M", bound=TensorModel)


def parse_tensor(model: type[M], document: Any, *, what: str) -> M:
    """Validate a payload; a mismatch is BadMarketData naming the first field at fault."""
    return parse_model(model, document, what=f"Tensor Energy {what}")
