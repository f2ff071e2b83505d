"""The independent referee: does a ballot obey every rule of the Piclo contract?

This is the sandbox's own reading of piclo-flex-api.md ("Ballots", rules 1-9), written without
looking at biddaemon's engine, so that the engine is checked by code that did not write it. It
imports nothing from biddaemon outside `biddaemon.sandbox`.

`judge_ballot` answers with the violations as messages (empty: the market would accept it);
`review_ballot` also says which DRF field each violation belongs to and, when the ballot is
accepted, what exactly would be stored. The rule codes are stable, for tests:

    shape             the body, a bid or a rate is not the documented JSON shape
    competition_id    the body names another competition than the URL
    open              the competition is not open for bidding at `now`
    window            a bid's service window is not one of the competition's
    capacity_format   capacity is not a decimal string with at most 3 places
    capacity_positive capacity is zero
    rate_types        the rates are not exactly the competition type's rate types
    price_format      a rate value is not a decimal string with at most 2 places
    price_positive    a rate value is zero
    max_runtime       max_runtime is not a positive `[D]THH:MM:SS` duration
    capacity_required a window's bids (split bids summed) exceed its capacity_required
    asset_capacity    a window's bids exceed the included assets' capacity in the need direction
    assets            `assets` is malformed, names an unknown asset, or one that does not qualify
    not_qualified     the provider has no qualifying asset and names none
    asset_set         a resubmission changes the set of assets of the active ballot
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Final, TypeVar

from biddaemon.sandbox.model import (
    RATE_TYPES,
    AssetSet,
    Competition,
    Fleet,
    FlexAsset,
    PlannedAsset,
    Rate,
    RateType,
)
from biddaemon.sandbox.qualification import (
    capacity_of,
    capacity_type_for,
    flex_disqualification,
    planned_disqualification,
    qualifying,
)
from biddaemon.sandbox.wire import (
    MONEY_PLACES,
    MW_PLACES,
    format_mw,
    format_timestamp,
    parse_decimal_string,
    parse_runtime,
)

NON_FIELD: Final = "non_field_errors"
_KNOWN_RATE_TYPES: Final = ("availability", "utilisation", "service_fee")


@dataclass(frozen=True)
class Violation:
    field: str  # the DRF error key: "bids", "assets", "competition_id" or "non_field_errors"
    rule: str
    message: str


@dataclass(frozen=True)
class ProposedBid:
    service_window_id: str
    capacity: Decimal
    max_runtime: str | None
    rates: tuple[Rate, ...]


@dataclass(frozen=True)
class Verdict:
    violations: tuple[Violation, ...]
    assets: AssetSet
    bids: tuple[ProposedBid, ...]

    @property
    def accepted(self) -> bool:
        return not self.violations

    def errors(self) -> dict[str, list[str]]:
        """The DRF-style 400 body: each field with its messages."""
        body: dict[str, list[str]] = {}
        for violation in self.violations:
            body.setdefault(violation.field, []).append(violation.message)
        return body


def judge_ballot(
    competition: Competition,
    provider_assets: Fleet,
    body: object,
    now: datetime,
    *,
    active_assets: AssetSet | None = None,
) -> list[str]:
    """Every rule `body` breaks, as messages; an empty list means the market accepts it.

    `provider_assets` is all of the provider's assets (the referee works out which qualify);
    `active_assets` the asset set of the provider's active ballot for this competition, if any.
    """
    verdict = review_ballot(competition, provider_assets, body, now, active_assets=active_assets)
    return [v.message for v in verdict.violations]


def review_ballot(
    competition: Competition,
    provider_assets: Fleet,
    body: object,
    now: datetime,
    *,
    active_assets: AssetSet | None = None,
) -> Verdict:
    """Judge `body` (the parsed JSON of a ballot POST) and say what would be stored."""
    found = _Findings()
    if not isinstance(body, Mapping):
        found.add(
            NON_FIELD,
            "shape",
            f"Invalid data. Expected a dictionary, but got {type(body).__name__}.",
        )
        return Verdict(tuple(found.items), AssetSet(), ())

    _check_competition_id(competition, body, found)
    _check_open(competition, now, found)
    bids = _check_bids(competition, body, found)
    included = _check_assets(competition, provider_assets, body, found)
    if included is not None:
        _check_window_totals(competition, bids, included, found)
        asset_set = AssetSet.of(included)
        if active_assets is not None and asset_set != active_assets:
            found.add(
                NON_FIELD,
                "asset_set",
                "A resubmitted ballot must use exactly the same assets as the active ballot "
                f"({active_assets.describe()}); this one has ({asset_set.describe()})",
            )
    else:
        asset_set = AssetSet()
        _check_window_totals(competition, bids, None, found)
    return Verdict(tuple(found.items), asset_set, tuple(bids))


class _Findings:
    def __init__(self) -> None:
        self.items: list[Violation] = []

    def add(self, field: str, rule: str, message: str) -> None:
        self.items.append(Violation(field, rule, message))


def _check_competition_id(
    competition: Competition, body: Mapping[str, object], found: _Findings
) -> None:
    named = body.get("competition_id")
    if named is not None and named != competition.id:
        found.add(
            "competition_id",
            "competition_id",
            f"Ballot names competition {named!r} but was sent to competition {competition.id}",
        )


def _check_open(competition: Competition, now: datetime, found: _Findings) -> None:
    if competition.cancelled:
        found.add(NON_FIELD, "open", f"Competition {competition.id} was cancelled")
    elif now < competition.competition_open:
        found.add(
            NON_FIELD,
            "open",
            f"Competition {competition.id} is not open for bidding until "
            f"{format_timestamp(competition.competition_open)}",
        )
    elif now >= competition.competition_close:
        found.add(
            NON_FIELD,
            "open",
            f"Competition {competition.id} is not open for bidding: it closed at "
            f"{format_timestamp(competition.competition_close)}",
        )


def _check_bids(
    competition: Competition, body: Mapping[str, object], found: _Findings
) -> list[ProposedBid]:
    raw_bids = body.get("bids")
    if raw_bids is None:
        found.add("bids", "shape", "This field is required.")
        return []
    if not isinstance(raw_bids, list):
        found.add("bids", "shape", "Expected a list of bids.")
        return []
    if not raw_bids:
        found.add("bids", "shape", "A ballot needs at least one bid.")
        return []
    bids: list[ProposedBid] = []
    for number, raw in enumerate(raw_bids, start=1):
        bid = _check_bid(competition, number, raw, found)
        if bid is not None:
            bids.append(bid)
    return bids


def _check_bid(
    competition: Competition, number: int, raw: object, found: _Findings
) -> ProposedBid | None:
    if not isinstance(raw, Mapping):
        found.add("bids", "shape", f"Bid {number}: expected an object with the bid's fields")
        return None
    window_id = raw.get("service_window_id")
    if not isinstance(window_id, str) or not window_id:
        found.add("bids", "shape", f"Bid {number}: service_window_id is required")
        return None
    label = f"Bid {number} for window {window_id}"
    valid = True
    if competition.window(window_id) is None:
        found.add(
            "bids",
            "window",
            f"{label}: service window {window_id} does not belong to competition {competition.id}",
        )
        valid = False

    capacity = _check_capacity(label, raw, found)
    rates = _check_rates(competition, label, raw.get("rates"), found)
    runtime = raw.get("max_runtime")
    if runtime is not None:
        try:
            parse_runtime(runtime)
        except ValueError as error:
            found.add("bids", "max_runtime", f"{label}: max_runtime {error}")
            valid = False
    if not valid or capacity is None or rates is None:
        return None
    return ProposedBid(window_id, capacity, runtime if isinstance(runtime, str) else None, rates)


def _check_capacity(label: str, raw: Mapping[str, object], found: _Findings) -> Decimal | None:
    if "capacity" not in raw:
        found.add("bids", "shape", f"{label}: capacity is required")
        return None
    try:
        capacity = parse_decimal_string(raw["capacity"], places=MW_PLACES)
    except ValueError as error:
        found.add("bids", "capacity_format", f"{label}: capacity {error}")
        return None
    if capacity <= 0:
        found.add("bids", "capacity_positive", f"{label}: capacity must be positive")
        return None
    return capacity


def _check_rates(
    competition: Competition, label: str, raw_rates: object, found: _Findings
) -> tuple[Rate, ...] | None:
    if not isinstance(raw_rates, list):
        found.add("bids", "shape", f"{label}: rates must be a list of {{type, value}} objects")
        return None
    rates: list[Rate] = []
    given: list[str] = []
    valid = True
    for raw in raw_rates:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("type"), str):
            found.add("bids", "shape", f"{label}: each rate needs a type and a value")
            valid = False
            continue
        rate_type = str(raw["type"])
        given.append(rate_type)
        try:
            value = parse_decimal_string(raw.get("value"), places=MONEY_PLACES)
        except ValueError as error:
            found.add("bids", "price_format", f"{label}: {rate_type} rate value {error}")
            valid = False
            continue
        if value <= 0:
            found.add("bids", "price_positive", f"{label}: {rate_type} rate must be positive")
            valid = False
            continue
        if rate_type in _KNOWN_RATE_TYPES:
            rates.append(Rate(_as_rate_type(rate_type), value))
    expected = RATE_TYPES[competition.type]
    if sorted(given) != sorted(expected):
        found.add(
            "bids",
            "rate_types",
            f"{label}: rates must be exactly {', '.join(expected)} for a competition of type "
            f"{competition.type} (no others, each once); got {', '.join(given) or 'none'}",
        )
        valid = False
    return tuple(rates) if valid else None


def _as_rate_type(name: str) -> RateType:
    if name == "availability":
        return "availability"
    if name == "utilisation":
        return "utilisation"
    return "service_fee"


def _check_assets(
    competition: Competition, provider_assets: Fleet, body: Mapping[str, object], found: _Findings
) -> Fleet | None:
    """The assets the ballot includes, or None when they cannot be worked out."""
    if "assets" not in body:
        included = qualifying(provider_assets, competition)
        if not included.flex and not included.planned:
            found.add(
                NON_FIELD,
                "not_qualified",
                f"Provider is not qualified for competition {competition.id}: "
                "none of its assets qualifies",
            )
            return None
        return included

    raw = body["assets"]
    if not isinstance(raw, Mapping):
        found.add(
            "assets",
            "assets",
            'assets must be {"flex": [...], "planned": [...]}; omit it to include every '
            "qualifying asset",
        )
        return None
    flex_ids = _id_list(raw.get("flex", []), "flex", found)
    planned_ids = _id_list(raw.get("planned", []), "planned", found)
    if flex_ids is None or planned_ids is None:
        return None
    if not flex_ids and not planned_ids:
        found.add("assets", "assets", "assets must name at least one flex or planned asset")
        return None

    flex = _named("flex", flex_ids, provider_assets.flex, flex_disqualification, competition, found)
    planned = _named(
        "planned",
        planned_ids,
        provider_assets.planned,
        planned_disqualification,
        competition,
        found,
    )
    if flex is None or planned is None:
        return None
    return Fleet(flex=tuple(flex), planned=tuple(planned))


_Asset = TypeVar("_Asset", FlexAsset, PlannedAsset)


def _named(
    kind: str,
    ids: list[str],
    owned: Sequence[_Asset],
    disqualification: Callable[[_Asset, Competition], str | None],
    competition: Competition,
    found: _Findings,
) -> list[_Asset] | None:
    """The provider's assets of one kind that a ballot names, if each exists and qualifies."""
    by_id = {asset.id: asset for asset in owned}
    named = []
    for asset_id in ids:
        asset = by_id.get(asset_id)
        if asset is None:
            found.add("assets", "assets", f"Unknown {kind} asset {asset_id}")
            continue
        reason = disqualification(asset, competition)
        if reason is not None:
            found.add(
                "assets",
                "assets",
                f"{kind.capitalize()} asset {asset_id} does not qualify for competition "
                f"{competition.id}: {reason}",
            )
            continue
        named.append(asset)
    return named if len(named) == len(ids) else None


def _id_list(raw: object, kind: str, found: _Findings) -> list[str] | None:
    if not isinstance(raw, list) or not all(isinstance(i, str) for i in raw):
        found.add("assets", "assets", f"assets.{kind} must be a list of {kind} asset ids")
        return None
    ids = [str(i) for i in raw]
    if len(set(ids)) != len(ids):
        found.add("assets", "assets", f"assets.{kind} names an asset more than once")
        return None
    return ids


def _check_window_totals(
    competition: Competition,
    bids: Sequence[ProposedBid],
    included: Fleet | None,
    found: _Findings,
) -> None:
    """Split bids for one window are summed; the sum obeys both capacity limits."""
    totals: dict[str, Decimal] = defaultdict(lambda: Decimal("0.000"))
    counts: dict[str, int] = defaultdict(int)
    for bid in bids:
        totals[bid.service_window_id] += bid.capacity
        counts[bid.service_window_id] += 1
    direction = competition.need_direction
    available = None if included is None else capacity_of(included, direction)
    for window_id, total in totals.items():
        window = competition.window(window_id)
        if window is None:  # already reported
            continue
        label = (
            f"Bid for window {window_id}: capacity"
            if counts[window_id] == 1
            else f"Bids for window {window_id}: total capacity"
        )
        if total > window.capacity_required:
            found.add(
                "bids",
                "capacity_required",
                f"{label} {format_mw(total)} exceeds capacity_required "
                f"{format_mw(window.capacity_required)}",
            )
        if available is not None and total > available:
            found.add(
                "bids",
                "asset_capacity",
                f"{label} {format_mw(total)} exceeds the {format_mw(available)} MW of "
                f"{capacity_type_for(direction)} capacity of the included assets",
            )
