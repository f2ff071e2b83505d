"""Which requests misbehave, and how: the plan the gateway consults for every market request.

A fault targets one operation (see `operations.py`) or every one (`*`), fires with a probability
(`rate`, drawn from a seeded generator) and either for the next `count` matching requests or until
cleared. Kinds:

    latency          wait `seconds` before handling the request (combines with one other fault)
    error            answer `status` (500, 502 or 503) without handling the request
    rate_limit       answer 429 with `Retry-After: seconds` without handling the request
    drop             close the connection without any response; the request is not handled
    malformed        handle the request, then send a truncated, unparseable JSON body
    ambiguous_ballot store the ballot, then drop the connection (`then: "drop"`) or answer 500
                     (`then: "error"`); only for submit_ballot

On the command line a fault is `KIND[:OPERATION][,key=value...]`, for example
`error:submit_ballot,status=503,count=2` or `latency,seconds=0.5,rate=0.1`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from biddaemon.sandbox.ids import seeded
from biddaemon.sandbox.operations import ANY_OPERATION, FAULT_TARGETS, SUBMIT_BALLOT

FaultKind = Literal["latency", "error", "rate_limit", "drop", "malformed", "ambiguous_ballot"]


class FaultSpec(BaseModel):
    """One fault, as given on the command line, in a scenario file or to `/_sandbox/faults`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FaultKind
    endpoint: str = Field(default=ANY_OPERATION, description="an operation id, or * for all")
    count: int | None = Field(
        default=None, ge=1, description="the next N matches; null: until cleared"
    )
    rate: float = Field(default=1.0, gt=0, le=1, description="probability that a match fires")
    status: Literal[500, 502, 503] = Field(default=503, description="for error")
    seconds: float = Field(
        default=1.0, gt=0, le=600, description="latency delay, or the Retry-After of rate_limit"
    )
    then: Literal["drop", "error"] = Field(default="drop", description="for ambiguous_ballot")

    @model_validator(mode="after")
    def _check_endpoint(self) -> Self:
        if self.endpoint != ANY_OPERATION and self.endpoint not in FAULT_TARGETS:
            raise ValueError(
                f"unknown endpoint {self.endpoint!r}; use * or one of " + ", ".join(FAULT_TARGETS)
            )
        if self.kind == "ambiguous_ballot" and self.endpoint not in (ANY_OPERATION, SUBMIT_BALLOT):
            raise ValueError("ambiguous_ballot only applies to submit_ballot")
        return self

    def targets(self, operation: str) -> bool:
        if self.kind == "ambiguous_ballot":
            return operation == SUBMIT_BALLOT
        return self.endpoint in (ANY_OPERATION, operation)

    @classmethod
    def parse_cli(cls, text: str) -> FaultSpec:
        """`KIND[:OPERATION][,key=value...]`, e.g. `rate_limit:list_assets,seconds=30,count=1`."""
        head, *pairs = [part.strip() for part in text.split(",")]
        kind, _, endpoint = head.partition(":")
        fields: dict[str, Any] = {"kind": kind}
        if endpoint:
            fields["endpoint"] = endpoint
        for pair in pairs:
            key, equals, value = pair.partition("=")
            if not equals:
                raise ValueError(f"fault option {pair!r} is not key=value")
            fields[key] = _scalar(value)
        try:
            return cls.model_validate(fields)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'fault'}: {e['msg']}"
                for e in error.errors()
            )
            raise ValueError(f"invalid fault {text!r}: {problems}") from None


def _scalar(text: str) -> int | float | str:
    """Command-line values are text; numbers become numbers so `status=503` is the int 503."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


@dataclass
class ActiveFault:
    id: int
    spec: FaultSpec
    remaining: int | None
    fired: int = 0


class FaultPlan:
    """The faults in force; thread-safe, as the admin API and the gateway both touch it."""

    def __init__(self, seed: int, specs: tuple[FaultSpec, ...] = ()) -> None:
        self._lock = threading.Lock()
        self._rng = seeded(seed, "faults")
        self._faults: list[ActiveFault] = []
        self._next_id = 1
        for spec in specs:
            self.add(spec)

    def add(self, spec: FaultSpec) -> ActiveFault:
        with self._lock:
            fault = ActiveFault(self._next_id, spec, spec.count)
            self._next_id += 1
            self._faults.append(fault)
            return fault

    def active(self) -> list[ActiveFault]:
        with self._lock:
            return [ActiveFault(f.id, f.spec, f.remaining, f.fired) for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, operation: str) -> tuple[list[FaultSpec], FaultSpec | None]:
        """The latency faults and the (first) other fault that fire for this request.

        Each matching fault draws against its rate; a fault that fires uses up one of its count.
        """
        delays: list[FaultSpec] = []
        other: FaultSpec | None = None
        with self._lock:
            for fault in list(self._faults):
                spec = fault.spec
                if not spec.targets(operation):
                    continue
                if spec.kind != "latency" and other is not None:
                    continue
                if spec.rate < 1 and self._rng.random() >= spec.rate:
                    continue
                fault.fired += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                if spec.kind == "latency":
                    delays.append(spec)
                else:
                    other = spec
        return delays, other
