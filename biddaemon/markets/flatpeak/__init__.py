"""Flatpeak client: `FlatpeakClient` and the wire models of API version `2026-08-01.busbar`.

    from biddaemon.markets.flatpeak import FlatpeakClient
    with FlatpeakClient.from_settings(settings.inventory.flatpeak) as flatpeak:
        devices = flatpeak.list_devices(reference_id="bess-dunfermline-1")

Field names live in `models`, the login in `auth`, the error mapping in `errors`.
"""

from biddaemon.markets.flatpeak.auth import BearerToken
from biddaemon.markets.flatpeak.client import FlatpeakClient
from biddaemon.markets.flatpeak.errors import describe_error, to_biddaemon_error
from biddaemon.markets.flatpeak.models import (
    API_VERSION,
    Device,
    DeviceCreate,
    DeviceList,
    DeviceProperties,
    DeviceType,
    DeviceUpdate,
    ErrorResponse,
    LoginResponse,
)

__all__ = [
    "API_VERSION",
    "BearerToken",
    "Device",
    "DeviceCreate",
    "DeviceList",
    "DeviceProperties",
    "DeviceType",
    "DeviceUpdate",
    "ErrorResponse",
    "FlatpeakClient",
    "LoginResponse",
    "describe_error",
    "to_biddaemon_error",
]
