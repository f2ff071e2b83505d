"""Which requests misbehave, and how: the plan the gateway consults for every market request.

A fault targets one operation (see `operations.py`) or every one (`*`), fires with a probability
(`rate`, drawn from a seeded generator) and either for the next `count` matching requests or until
cleared. Kinds:

    latency          wait `seconds` before handling the request (combines with one other fault)
    error            answer `status` (500, 502 or 503) without handling the request
    rate_limit       answer 429 with `Retry-After: seconds` without handling the request
    drop             close the connection without any response; the request is not handled
    malformed        handle the request, then send a truncated, unparseable JSON body; or, with
                     `remove` and/or `replace`, the answer as valid JSON with those changes: data
                     a client can parse but should refuse (see `rewrite`)
    ambiguous_ballot store the ballot, then drop the connection (`then: "drop"`) or answer 500
                     (`then: "error"`); only for submit_ballot
    late_ballot      read the ballot, hold it for `seconds` of the market's clock, and only then
                     store it, even if the client has gone away meanwhile (timed out, killed);
                     a client still waiting gets what `then` says; only for submit_ballot. A
                     frozen clock holds it until the clock is moved; a reset forgets it.

Without a fault, a request whose client has gone before it is handled (e.g. during `latency`) is
never handled: the market does not store what nobody waits for. `late_ballot` is the exception
a real market can make, when it stores a write long after the writer gave up on it.

`path_contains` narrows any fault to requests whose path contains that text, e.g. one
competition's id, so one listing can misbehave while the others answer normally.

On the command line a fault is `KIND[:OPERATION][,key=value...]`, for example
`error:submit_ballot,status=503,count=2`, `latency,seconds=0.5,rate=0.1` or
`malformed:list_ballots,remove=*.bids;*.assets` (several paths separated by `;`; `replace` takes
`PATH=VALUE` pairs, each VALUE read as JSON when it parses, else as text).
"""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass
from typing import Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from biddaemon.sandbox.ids import seeded
from biddaemon.sandbox.operations import ANY_OPERATION, MARKET_OPERATIONS, SUBMIT_BALLOT

FaultKind = Literal[
    "latency", "error", "rate_limit", "drop", "malformed", "ambiguous_ballot", "late_ballot"
]
_BALLOT_ONLY: tuple[str, ...] = ("ambiguous_ballot", "late_ballot")
_TEXT_OPTIONS = frozenset({"path_contains", "remove", "replace"})  # never read as numbers


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
        default=1.0,
        gt=0,
        le=600,
        description="latency delay, the Retry-After of rate_limit, or how long late_ballot "
        "holds the ballot (market-clock seconds) before storing it",
    )
    then: Literal["drop", "error"] = Field(
        default="drop", description="for ambiguous_ballot and late_ballot"
    )
    path_contains: str | None = Field(
        default=None, min_length=1, description="only requests whose path contains this text"
    )
    remove: tuple[str, ...] = Field(
        default=(),
        description="for malformed: dotted paths to delete from the JSON answer (* matches "
        "every item), e.g. *.bids or *.bids.*.rates",
    )
    replace: dict[str, Any] = Field(
        default_factory=dict,
        description="for malformed: dotted paths set to these values in the JSON answer, e.g. "
        '{"*.bids.*.max_runtime": "1000000000T00:00:00"}',
    )

    @field_validator("remove", mode="before")
    @classmethod
    def _paths_from_text(cls, value: Any) -> Any:
        return [p for p in value.split(";") if p] if isinstance(value, str) else value

    @field_validator("replace", mode="before")
    @classmethod
    def _pairs_from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        pairs: dict[str, Any] = {}
        for pair in filter(None, value.split(";")):
            path, equals, text = pair.partition("=")
            if not equals or not path:
                raise ValueError(f"replace takes PATH=VALUE pairs, not {pair!r}")
            pairs[path] = _json_or_text(text)
        return pairs

    @model_validator(mode="after")
    def _check_endpoint(self) -> Self:
        if self.endpoint != ANY_OPERATION and self.endpoint not in MARKET_OPERATIONS:
            raise ValueError(
                f"unknown endpoint {self.endpoint!r}; use * or one of "
                + ", ".join(MARKET_OPERATIONS)
            )
        if self.kind in _BALLOT_ONLY and self.endpoint not in (ANY_OPERATION, SUBMIT_BALLOT):
            raise ValueError(f"{self.kind} only applies to submit_ballot")
        if (self.remove or self.replace) and self.kind != "malformed":
            raise ValueError("remove and replace only apply to malformed")
        return self

    @property
    def rewrites(self) -> bool:
        """A malformed fault that edits the answer instead of truncating it."""
        return bool(self.remove or self.replace)

    def targets(self, operation: str, path: str = "") -> bool:
        if self.path_contains is not None and self.path_contains not in path:
            return False
        if self.kind in _BALLOT_ONLY:
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
            fields[key] = value if key in _TEXT_OPTIONS else _scalar(value)
        try:
            return cls.model_validate(fields)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'fault'}: {e['msg']}"
                for e in error.errors()
            )
            raise ValueError(f"invalid fault {text!r}: {problems}") from None


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def rewrite(document: Any, spec: FaultSpec) -> Any:
    """A copy of a JSON document with `spec.remove` deleted and `spec.replace` set.

    Paths are dotted keys or list indexes; `*` is every item of a list (or value of an object).
    A path that names nothing is ignored, except that `replace` adds a missing last key.
    """
    edited = copy.deepcopy(document)

    def delete(node: Any, key: Any) -> None:
        del node[key]

    for path in spec.remove:
        _visit(edited, path.split("."), delete, create=False)
    for path, value in spec.replace.items():

        def assign(node: Any, key: Any, value: Any = value) -> None:
            node[key] = copy.deepcopy(value)

        _visit(edited, path.split("."), assign, create=True)
    return edited


def _visit(node: Any, keys: list[str], action: Any, *, create: bool) -> None:
    head, rest = keys[0], keys[1:]
    found: list[Any]
    if isinstance(node, list):
        if head == "*":
            found = list(range(len(node)))
        else:
            found = [int(head)] if head.isdigit() and int(head) < len(node) else []
        # Deleting from a list shifts what follows: work from the end.
        found.reverse()
    elif isinstance(node, dict):
        wanted = head in node or (create and not rest)
        found = list(node) if head == "*" else [head] if wanted else []
    else:
        found = []
    for key in found:
        if rest:
            _visit(node[key], rest, action, create=create)
        else:
            action(node, key)


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

    def take(self, operation: str, path: str = "") -> tuple[list[FaultSpec], FaultSpec | None]:
        """The latency faults and the (first) other fault that fire for this request.

        Each matching fault draws against its rate; a fault that fires uses up one of its count.
        """
        delays: list[FaultSpec] = []
        other: FaultSpec | None = None
        with self._lock:
            for fault in list(self._faults):
                spec = fault.spec
                if not spec.targets(operation, path):
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
