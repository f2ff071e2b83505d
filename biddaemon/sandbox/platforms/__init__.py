"""Simulators of the inventory's platforms (LocalFlex, Flatpeak, Tensor Energy) for real HTTP.

Each keeps its state in memory, speaks the documented envelopes and errors, checks requests
with its own code (never the client's models), and takes injected faults:

    sim = FlatpeakSimulator()
    with SimulatorServer(sim.app) as server:              # http://127.0.0.1:<free port>
        sim.faults.inject("POST", "/devices", status=429, body=rate_limit_body(),
                          headers={"Retry-After": "3600"})

Piclo Flex has its own sandbox (`biddaemon.sandbox`).
"""

from biddaemon.inventory.simulators.faults import Call, Fault, Faults
from biddaemon.inventory.simulators.flatpeak import FlatpeakSimulator, rate_limit_body
from biddaemon.inventory.simulators.localflex import LocalFlexSimulator
from biddaemon.inventory.simulators.server import SimulatorServer
from biddaemon.inventory.simulators.tensor import PREFIX as TENSOR_PREFIX
from biddaemon.inventory.simulators.tensor import TensorSimulator, error_envelope

__all__ = [
    "TENSOR_PREFIX",
    "Call",
    "Fault",
    "Faults",
    "FlatpeakSimulator",
    "LocalFlexSimulator",
    "SimulatorServer",
    "TensorSimulator",
    "error_envelope",
    "rate_limit_body",
]
