"""EPEX SPOT LocalFlex wire models: the `{result, status, code}` envelope, assets, portfolios.

Field names are LocalFlex's camelCase (aliases); Python attributes are snake_case. Quantities
are `Decimal` read from JSON numbers and written back as exact JSON numbers, each beside the
unit LocalFlex gives it (`MW`, `MWh`, `kW/min`). Durations are ISO 8601 (`PT30M`). Ids (`mrid`)
are kept as text: the documented portfolio example is not a valid UUID, so this client does not
insist on one, though the mrids biddaemon creates always are.

The published asset example sends `marketProducts` as one string while the asset answer and
portfolios carry an array; both are read, the shape received is kept, and an array is sent.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from biddaemon.markets.localflex.durations import format_iso_duration, parse_iso_duration
from biddaemon.markets.wire import JsonDecimal, parse_model

ACTIVE_POWER_30M = "e0ff625b-d92f-436a-8124-26af86cc9fcf"
ACTIVE_POWER_60M = "6d40dc07-f91a-4b65-8e86-75dfc4448246"

# Fields whose change resets the asset's System Operator and market approval [confirmed].
APPROVAL_RESET_FIELDS = frozenset(
    {
        "assetType",
        "marketProducts",
        "flexibleCapacityUp",
        "flexibleCapacityUpUnit",
        "flexibleCapacityDown",
        "flexibleCapacityDownUnit",
        "responseTimeDuration",
    }
)


def _duration(value: object) -> object:
    return parse_iso_duration(value) if isinstance(value, str) else value


IsoDuration = Annotated[
    timedelta,
    BeforeValidator(_duration),
    PlainSerializer(format_iso_duration, return_type=str, when_used="json"),
]


class AssetType(StrEnum):
    AGGREGATED = "Aggregated"
    STORAGE = "Storage"
    DEMAND_RESPONSE = "Demand Response"
    WIND = "Wind"
    SOLAR = "Solar"
    CHP = "CHP"
    EV = "EV"
    OTHER = "Other"


class LocalFlexModel(BaseModel):
    """Immutable, camelCase on the wire; `to_wire()` leaves out what was never set."""

    model_config = ConfigDict(
        extra="allow", frozen=True, populate_by_name=True, hide_input_in_errors=True
    )
    _omit_none: ClassVar[bool] = False

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(
            mode="json", by_alias=True, exclude_unset=True, exclude_none=self._omit_none
        )


class _AssetFields(LocalFlexModel):
    flexible_capacity_down: JsonDecimal | None = Field(None, alias="flexibleCapacityDown")
    flexible_capacity_down_unit: str | None = Field(None, alias="flexibleCapacityDownUnit")
    flexible_capacity_up: JsonDecimal | None = Field(None, alias="flexibleCapacityUp")
    flexible_capacity_up_unit: str | None = Field(None, alias="flexibleCapacityUpUnit")
    usability_capacity: JsonDecimal | None = Field(None, alias="usabilityCapacity")
    usability_capacity_unit: str | None = Field(None, alias="usabilityCapacityUnit")
    can_provide_metering: bool | None = Field(None, alias="canProvideMetering")
    market_products: tuple[str, ...] | str | None = Field(None, alias="marketProducts")
    ramp_rate_up: JsonDecimal | None = Field(None, alias="rampRateUp")
    ramp_rate_up_unit: str | None = Field(None, alias="rampRateUpUnit")
    ramp_rate_down: JsonDecimal | None = Field(None, alias="rampRateDown")
    ramp_rate_down_unit: str | None = Field(None, alias="rampRateDownUnit")
    minimum_activation_time: IsoDuration | None = Field(None, alias="minimumActivationTimeDuration")
    maximum_activation_time: IsoDuration | None = Field(None, alias="maximumActivationTimeDuration")
    response_time: IsoDuration | None = Field(None, alias="responseTimeDuration")
    recovery_time: IsoDuration | None = Field(None, alias="recoveryTimeDuration")
    contact_name: str | None = Field(None, alias="contactName")
    phone_number: str | None = Field(None, alias="phoneNumber")
    email: str | None = None
    grid_node_mrid: str | None = Field(None, alias="gridNodeMRID")
    import_meter_id: str | None = Field(None, alias="importMeterId")
    export_meter_id: str | None = Field(None, alias="exportMeterId")
    location: str | None = None
    postcode: str | None = None

    @property
    def products(self) -> tuple[str, ...]:
        """The market products, whichever shape they came in."""
        if self.market_products is None:
            return ()
        if isinstance(self.market_products, str):
            return (self.market_products,)
        return self.market_products


class Asset(_AssetFields):
    """An asset as LocalFlex holds it (and as `POST /asset` takes it)."""

    asset_type: AssetType = Field(alias="assetType")
    mrid: str = Field(min_length=1)
    name: str


class AssetCreate(Asset):
    """`POST /asset`: the client chooses `mrid`, which makes creation idempotent."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, hide_input_in_errors=True
    )
    _omit_none: ClassVar[bool] = True


class AssetUpdate(_AssetFields):
    """`PATCH /asset/{mrid}`: any field but `mrid`; only the fields that are set are sent."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, hide_input_in_errors=True
    )

    asset_type: AssetType | None = Field(None, alias="assetType")
    name: str | None = None


class AssetView(LocalFlexModel):
    """`GET /asset/{mrid}`: the asset, its portfolio and whether SO and EPEX approved it."""

    asset: Asset
    portfolio: str | None = None
    so_approved: bool | None = Field(None, alias="soApproved")
    mo_approved: bool | None = Field(None, alias="moApproved")


class Portfolio(LocalFlexModel):
    """A portfolio (bidding unit)."""

    mrid: str = Field(min_length=1)
    name: str
    grid_node_mrid: str | None = Field(None, alias="gridNodeMrid")
    market_products: tuple[str, ...] = Field((), alias="marketProducts")
    auto_assign_asset: bool | None = Field(None, alias="autoAssignAsset")
    asset_types: tuple[AssetType, ...] | None = Field(None, alias="assetTypes")


class PortfolioCreate(Portfolio):
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, hide_input_in_errors=True
    )
    _omit_none: ClassVar[bool] = True


class PortfolioUpdate(LocalFlexModel):
    """`PATCH /portfolio/{mrid}`: only the fields that are set are sent."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, hide_input_in_errors=True
    )

    name: str | None = None
    grid_node_mrid: str | None = Field(None, alias="gridNodeMrid")
    market_products: tuple[str, ...] | None = Field(None, alias="marketProducts")
    auto_assign_asset: bool | None = Field(None, alias="autoAssignAsset")
    asset_types: tuple[AssetType, ...] | None = Field(None, alias="assetTypes")


class Envelope(LocalFlexModel):
    """`{"result": ..., "status": true, "code": 200}`; `status` is not trusted (see errors)."""

    result: Any = None
    status: bool | None = None
    code: int | None = None


M = TypeVar("M", bound=LocalFlexModel)


def parse_localflex(model: type[M], document: Any, *, what: str) -> M:
    """Validate a payload; a mismatch is BadMarketData naming the first field at fault."""
    return parse_model(model, document, what=f"LocalFlex {what}")
