"""The fleet inventory and the platforms it is mirrored to: `BIDDAEMON_INVENTORY__*`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from biddaemon.settings.urls import check_market_url


class _InventoryPlatformSettings(BaseModel):
    """Timeouts and retries every inventory platform client takes."""

    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    connect_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_attempts: int = Field(default=5, ge=1, le=20)
    max_retry_seconds: float = Field(default=120.0, gt=0, le=3600)

    @field_validator("base_url", check_fields=False)
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        return check_market_url(value)


class InventoryPicloSettings(BaseModel):
    """Piclo Flex as an inventory target; where and who it is come from `BIDDAEMON_PICLO__*`."""

    enabled: bool = False


class LocalFlexSettings(_InventoryPlatformSettings):
    """EPEX LocalFlex as an inventory target (`BIDDAEMON_INVENTORY__LOCALFLEX__*`)."""

    enabled: bool = False
    base_url: str = "https://api.localflex.co.uk"
    token: SecretStr | None = None


class FlatpeakSettings(_InventoryPlatformSettings):
    """Flatpeak as an inventory target or source (`BIDDAEMON_INVENTORY__FLATPEAK__*`)."""

    enabled: bool = False
    base_url: str = "https://api.flatpeak.com"
    account_id: str | None = None
    api_key: SecretStr | None = None


class TensorSettings(_InventoryPlatformSettings):
    """Tensor Energy, a read-only inventory source (`BIDDAEMON_INVENTORY__TENSOR__*`)."""

    base_url: str = "https://api.tensorenergy.jp/v1"
    api_key: SecretStr | None = None


InventorySource = Literal["tensor", "flatpeak"]


class InventorySettings(BaseModel):
    """The fleet inventory and the platforms it is mirrored to (`BIDDAEMON_INVENTORY__*`).

    `sources` is a comma-separated list (or JSON array) of asset systems imported and merged
    with the file by reference. The scheduled sync holds back changes that would reset an
    asset's approval on LocalFlex unless `allow_approval_reset` is true.
    """

    path: Path | None = None
    sources: Annotated[list[InventorySource], NoDecode] = Field(default_factory=list)
    allow_approval_reset: bool = False
    sync_interval_seconds: int = Field(default=24 * 3600, ge=300)
    piclo: InventoryPicloSettings = InventoryPicloSettings()
    localflex: LocalFlexSettings = LocalFlexSettings()
    flatpeak: FlatpeakSettings = FlatpeakSettings()
    tensor: TensorSettings = TensorSettings()

    @field_validator("sources", mode="before")
    @classmethod
    def _split_sources(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("sources")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a source is listed twice")
        return value

    @property
    def configured(self) -> bool:
        """Whether there is an inventory to sync at all (a file or a source)."""
        return self.path is not None or bool(self.sources)
