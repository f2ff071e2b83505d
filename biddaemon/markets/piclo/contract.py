"""Does this market still speak the contract the client was written for? (`check --contract`)

The first thing an FSP runs against Piclo's test environment. It reads every endpoint the daemon
relies on and compares each RAW answer with the client's models, listing every difference at
once: a field missing, a type or format that differs, an enum value we do not know, a field we
have never seen. The raw answers, secrets removed, can be written to a folder for a support
ticket. It reads only: nothing is created, changed or sent as a bid.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from biddaemon.errors import BiddaemonError, RejectedByMarket
from biddaemon.logs import SecretRedactor
from biddaemon.markets.json_body import decode_json
from biddaemon.markets.piclo import routes
from biddaemon.markets.piclo.client import MAX_PAGES, PicloClient
from biddaemon.markets.piclo.models import (
    Ballot,
    BiddingOpportunity,
    BidResults,
    Competition,
    FlexAsset,
    FlexProvider,
    PlannedAsset,
    TokenResponse,
    field_path,
)

MAX_ASSETS_READ = 5  # qualifying assets read one by one, per kind: enough to see their shape
MISSING = "field missing"
NEVER_SEEN = "a field we have never seen"
UNKNOWN_ENUM = "an enum value we do not know"
TYPE = "type differs"
FORMAT = "format differs"
UNREADABLE = "could not be read"


@dataclass(frozen=True)
class Difference:
    """One way an answer differs from the client's model, located by endpoint and field."""

    endpoint: str
    path: str
    kind: str
    detail: str = ""

    def __str__(self) -> str:
        where = f"{self.endpoint} {self.path}".rstrip()
        return f"{where}: {self.kind}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class Answer:
    """One read: what was asked, the raw documents (pages) the market sent, how many items."""

    name: str
    request: str
    documents: list[Any] = field(default_factory=list)
    items: int = 0
    note: str = ""


@dataclass
class ContractReport:
    answers: list[Answer] = field(default_factory=list)
    differences: list[Difference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def differences(model: type[BaseModel], data: Any, endpoint: str, at: str = "") -> list[Difference]:
    """Every difference between `data` and `model`: validation errors plus unknown names."""
    found = list(_unknown(model, data, endpoint, at))
    try:
        model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            if error["type"] == "enum":
                continue  # named, with the known values, by _unknown
            loc, value = _located(error["loc"], data, missing=error["type"] == "missing")
            kind = _kind(error["type"], value)
            found.append(Difference(endpoint, _join(at, field_path(loc)), kind, error["msg"]))
    unique: dict[tuple[str, str], Difference] = {}
    for difference in found:
        unique.setdefault((difference.path, difference.kind), difference)
    return list(unique.values())


def check_contract(client: PicloClient, api_key: str) -> ContractReport:
    """Log in and read every endpoint the daemon relies on; compare each answer."""
    report = ContractReport()
    http = client._http  # the client's own transport, retries and origin checks

    login = Answer("login", f"POST {routes.AUTH_TOKEN}")
    body = {"client_id": client.client_id, "api_key": api_key}
    answer = decode_json(http.read("POST", routes.AUTH_TOKEN, json=body, authenticated=False))
    login.documents.append(answer)
    login.items = 1
    report.answers.append(login)
    report.differences += differences(TokenResponse, answer, login.request)

    _read_list(report, client, "flex providers", routes.FLEX_PROVIDERS, FlexProvider)
    opportunities = _read_list(
        report, client, "bidding opportunities", routes.BIDDING_OPPORTUNITIES, BiddingOpportunity
    )
    chosen = next(
        (o for o in opportunities if isinstance(o, dict) and o.get("competition_id")), None
    )
    if chosen is None:
        report.answers.append(
            Answer("competition", "GET /competitions/v1/{id}/", note="no open opportunity")
        )
        return report
    competition_id = str(chosen["competition_id"])
    _read_one(report, client, "competition", routes.competition(competition_id), Competition)
    assets: dict[str, Any] = chosen["assets"] if isinstance(chosen.get("assets"), dict) else {}
    for asset_id in _ids(assets.get("flex"))[:MAX_ASSETS_READ]:
        _read_one(report, client, "qualifying flex asset", routes.flex_asset(asset_id), FlexAsset)
    for asset_id in _ids(assets.get("planned"))[:MAX_ASSETS_READ]:
        path = routes.planned_asset(asset_id)
        _read_one(report, client, "qualifying planned asset", path, PlannedAsset)
    _read_list(report, client, "ballots", routes.ballots(competition_id), Ballot)
    _read_one(
        report, client, "results", routes.bid_results(competition_id), BidResults, optional=True
    )
    return report


def save_answers(report: ContractReport, folder: Path, secrets: list[str]) -> list[Path]:
    """Write each raw answer (secrets, tokens and JWTs removed) and the differences to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    redactor = SecretRedactor(secrets)
    written = []
    for number, answer in enumerate(report.answers, start=1):
        name = "-".join(answer.name.split())
        path = folder / f"{number:02d}-{name}.json"
        document = {
            "request": answer.request,
            "note": answer.note or None,
            "answers": redactor.scrub(answer.documents),
        }
        path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(path)
    summary = folder / "differences.txt"
    lines = [str(d) for d in report.differences] or ["no difference"]
    summary.write_text(redactor.scrub_text("\n".join(lines)) + "\n", encoding="utf-8")
    written.append(summary)
    return written


# -- reading ------------------------------------------------------------------------------------


def _read_one(
    report: ContractReport,
    client: PicloClient,
    name: str,
    path: str,
    model: type[BaseModel],
    *,
    optional: bool = False,
) -> Any:
    answer = Answer(name, f"GET {path}")
    report.answers.append(answer)
    try:
        document = decode_json(client._http.read("GET", path))
    except RejectedByMarket as error:
        if optional:
            answer.note = f"not available ({error})"
            return None
        report.differences.append(Difference(answer.request, "", UNREADABLE, str(error)))
        return None
    except BiddaemonError as error:
        report.differences.append(Difference(answer.request, "", UNREADABLE, str(error)))
        return None
    answer.documents.append(document)
    answer.items = 1
    report.differences += differences(model, document, answer.request)
    return document


def _read_list(
    report: ContractReport, client: PicloClient, name: str, path: str, model: type[BaseModel]
) -> list[Any]:
    """Every page of a list endpoint, kept raw; each item compared with `model`."""
    answer = Answer(name, f"GET {path}")
    report.answers.append(answer)
    items: list[Any] = []
    url: str | None = path
    try:
        while url is not None and len(answer.documents) < MAX_PAGES:
            page = decode_json(client._http.read("GET", url))
            answer.documents.append(page)
            if isinstance(page, list):
                items.extend(page)
                break
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                kind = "neither a list nor a page with `results`"
                report.differences.append(Difference(answer.request, "", TYPE, kind))
                break
            items.extend(page["results"])
            url = page.get("next") if isinstance(page.get("next"), str) else None
    except BiddaemonError as error:
        report.differences.append(Difference(answer.request, "", UNREADABLE, str(error)))
    answer.items = len(items)
    for index, item in enumerate(items):
        report.differences += differences(model, item, answer.request, f"[{index}]")
    return items


def _ids(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, str) and v] if isinstance(value, list) else []


# -- comparing ----------------------------------------------------------------------------------


def _unknown(model: type[BaseModel], data: Any, endpoint: str, at: str) -> Iterator[Difference]:
    """Keys the model has never seen and enum values it does not know, at any depth."""
    if not isinstance(data, dict):
        return
    fields = {(info.alias or name): info for name, info in model.model_fields.items()}
    for key, value in data.items():
        path = _join(at, str(key))
        info = fields.get(key)
        if info is None:
            yield Difference(endpoint, path, NEVER_SEEN, f"{_json_type(value)} {_short(value)}")
            continue
        enums = _classes_in(info.annotation, Enum)
        models = _classes_in(info.annotation, BaseModel)
        values = value if isinstance(value, list) else [value]
        for index, item in enumerate(values):
            where = f"{path}[{index}]" if isinstance(value, list) else path
            if enums and isinstance(item, str):
                known = [str(member.value) for enum in enums for member in enum]
                if item not in known:
                    yield Difference(
                        endpoint, where, UNKNOWN_ENUM, f"{item!r}; known: {', '.join(known)}"
                    )
            if models and isinstance(item, dict):
                yield from _unknown(models[0], item, endpoint, where)


def _classes_in(annotation: Any, base: type) -> list[Any]:
    """The subclasses of `base` named anywhere in a type annotation (unions, tuples, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, base):
        return [annotation]
    found: list[Any] = []
    origin = typing.get_origin(annotation)
    if origin is not None or isinstance(annotation, types.UnionType):
        for arg in typing.get_args(annotation):
            found += [c for c in _classes_in(arg, base) if c not in found]
    return found


def _located(
    loc: tuple[int | str, ...], data: Any, *, missing: bool
) -> tuple[tuple[int | str, ...], Any]:
    """The part of pydantic's location that exists in the data (drops union-member names), and
    the value found there."""
    kept: list[int | str] = []
    current = data
    for index, part in enumerate(loc):
        present = (isinstance(current, dict) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and part < len(current)
        )
        if present:
            current = current[part]
        elif not (missing and index == len(loc) - 1):
            break
        kept.append(part)
    return tuple(kept), current


def _kind(error_type: str, value: Any) -> str:
    """A missing field; a JSON type we did not expect (an object for a number); else a format."""
    if error_type == "missing":
        return MISSING
    if error_type.endswith("_type") or error_type == "is_instance_of":
        return TYPE
    if isinstance(value, dict | list | bool) or value is None:
        return TYPE  # our own validators say "expected a decimal number, got dict"
    return FORMAT


def _join(outer: str, inner: str) -> str:
    if not outer or not inner:
        return outer or inner
    return f"{outer}{inner}" if inner.startswith("[") else f"{outer}.{inner}"


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def _short(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."
