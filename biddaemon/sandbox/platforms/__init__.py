"""Stand-ins for the inventory's other platforms (LocalFlex, Flatpeak, Tensor Energy), served by
the sandbox beside its Piclo market, each under its own path prefix:

    http://127.0.0.1:8765/localflex    LocalFlex (`/asset`, `/portfolio`)
    http://127.0.0.1:8765/flatpeak     Flatpeak (`/login`, `/devices`)
    http://127.0.0.1:8765/tensor/v1    Tensor Energy (`/assets`)

Each keeps its state in memory, speaks the documented envelopes and errors, checks requests
with its own code (never the client's models), runs on the sandbox clock (a fast clock expires
Flatpeak tokens fast), and passes the sandbox's gateway: its requests are in the request log
(`/_sandbox/requests`, paths with their prefix) and its operations (`flatpeak.create_device`,
see `operations.PLATFORM_OPERATIONS`) take the sandbox's faults (`--fault
error:flatpeak.create_device,status=503`). It is reset with the market (`/_sandbox/reset`).
A test injects a documented error body on one of them:

    sandbox.platforms.flatpeak.faults.inject(
        "POST", "/devices", status=429, body=rate_limit_body(), headers={"Retry-After": "3600"}
    )

Nothing outside `biddaemon.sandbox` imports this package (a test checks).
"""

from biddaemon.sandbox.platforms.faults import Call, Fault, Faults
from biddaemon.sandbox.platforms.flatpeak import VERSION, FlatpeakSimulator, rate_limit_body
from biddaemon.sandbox.platforms.localflex import LocalFlexSimulator
from biddaemon.sandbox.platforms.standins import PlatformStandIns
from biddaemon.sandbox.platforms.tensor import PREFIX as TENSOR_PREFIX
from biddaemon.sandbox.platforms.tensor import TensorSimulator, error_envelope

__all__ = [
    "TENSOR_PREFIX",
    "VERSION",
    "Call",
    "Fault",
    "Faults",
    "FlatpeakSimulator",
    "LocalFlexSimulator",
    "PlatformStandIns",
    "TensorSimulator",
    "error_envelope",
    "rate_limit_body",
]
