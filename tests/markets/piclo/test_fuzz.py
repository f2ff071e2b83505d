"""Hostile payloads for every Piclo wire model (issue 16, Build 7): the documented fixtures,
mutated (wrong types, huge and tiny numbers, many places, NaN, deep nesting, lone surrogates,
empty and 100,000-character ids, missing keys, extreme timestamps and durations), pushed through
the client's parsing (a real response body through `PicloClient`, on a mock transport) and through
the code that consumes the parsed models: the strategy input and the engine, ballot identity,
and storing into SQLite through the ORM. Anything but `BadMarketData` fails.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, SecretStr
from sqlalchemy import String, create_engine, inspect
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from biddaemon.bidding.engine import decide
from biddaemon.bidding.fingerprint import BidValues, ballot_identity
from biddaemon.errors import BadMarketData
from biddaemon.jobs.ballot_body import request_body
from biddaemon.jobs.market_snapshot import active_ballot, strategy_input
from biddaemon.jobs.submission import landed
from biddaemon.markets.json_body import load_json
from biddaemon.markets.piclo import (
    AssetStatus,
    Ballot,
    BallotRequest,
    BankHolidays,
    BiddingOpportunity,
    BidResults,
    BidResultStatus,
    CapacityType,
    Competition,
    CompetitionStatus,
    CompetitionType,
    FlexAsset,
    FlexProvider,
    NeedDirection,
    Obligation,
    PicloClient,
    PlannedAsset,
    RateType,
    ResultsStatus,
    TokenResponse,
    Weekday,
    parse_wire,
    routes,
)
from biddaemon.settings import StrategySettings
from biddaemon.store import reconciliation
from biddaemon.store.ballots import landing_horizon
from biddaemon.store.models import (
    Base,
    BidOutcome,
    OpportunityObservation,
    OutcomeStatus,
)
from biddaemon.store.models import Competition as StoredCompetition
from biddaemon.store.models import ServicePeriod as StoredPeriod
from biddaemon.store.models import ServiceWindow as StoredWindow
from biddaemon.strategy.guide_price import GuidePriceStrategy
from tests.markets.piclo.support import fixture_doc

NOW = datetime(2027, 1, 10, 12, tzinfo=UTC)
EXAMPLES = int(os.environ.get("BIDDAEMON_FUZZ_EXAMPLES", "120"))
"""Per model; the default keeps the file under ~20 s. Raise it for a longer hunt."""

FLEX_ASSET = fixture_doc("asset_create_request.json") | {
    "id": "aB12cD3",
    "active_export_capacity": "1.500",
    "max_runtime": "03:00:00",
    "created": "2027-01-02T10:00:00Z",
}
PLANNED_ASSET = {
    "id": "pL78mN9",
    "provider": "prov-7Hq2",
    "reference": "planned-1",
    "name": "New battery",
    "voltage_level": "11.00",
    "asset_type": "battery",
    "capacity_type": "export",
    "capacity_value": "2.000",
    "maximum_runtime": "02:00:00",
}
OBLIGATION = {
    "id": "oB1",
    "competition_id": "z8mpC6x",
    "bid_id": "bD11aAa",
    "service_window_id": "sW12gWx",
    "start": "2027-11-01T16:00:00Z",
    "end": "2028-03-01T19:00:00Z",
    "capacity": "2.000",
}
DOCUMENTS: dict[type[BaseModel], Any] = {
    TokenResponse: fixture_doc("authtoken_response.json"),
    FlexProvider: {"id": "prov-7Hq2", "name": "Example FSP"},
    BiddingOpportunity: fixture_doc("bidding_opportunities.json")[0],
    Competition: fixture_doc("competition.json"),
    Ballot: fixture_doc("ballot_response.json"),
    BallotRequest: fixture_doc("ballot_request.json"),
    BidResults: fixture_doc("bid_results.json"),
    FlexAsset: FLEX_ASSET,
    PlannedAsset: PLANNED_ASSET,
    Obligation: OBLIGATION,
}

# -- hostile values and mutations --------------------------------------------------------------

SPECIAL_TEXTS = [
    "",
    " ",
    "x" * 100_000,
    "\ud800",
    "a\udfffb",
    "a\x00b",
    "../..",
    "..",
    "a/b?c#d",
    "é",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "2027-01-05T10:00:00",
    "2027-02-30",
    "9999-12-31",
    "0001-01-01",
    "1000000000T00:00:00",
    "99999999999999999999:00:00",
    "-1T00:00:00",
    "24:00",
    "25:00",
    "23:59:60",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e30",
    "-1e30",
    "1E+999999",
    "1e999999999",
    "-1E-999999999",
    "1e-999999",
    "2.4000000000000004",
    "0.0000001",
    "-0.001",
    "9" * 5000,
    # accepted, but at the edges of what is accepted
    "2000-01-01",
    "2200-12-31",
    "2000-01-01T00:00:00+14:00",
    "2200-12-31T23:59:59-12:00",
    "366T00:00:00",
    "00:00:00",
    "00:00",
    "0",
    "0.000",
    "99999999999.999",
    "999999999999.99",
    "-999999999999.99",
    "x" * 64,
    "x" * 256,
    "~:-._",
    "availability",
    "service_fee",
    "excess",
]

characters = st.characters(codec=None, exclude_categories=())  # lone surrogates included

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.decimals(places=12, min_value=-10, max_value=10).map(str),
    st.sampled_from(SPECIAL_TEXTS),
    st.text(characters, max_size=20),
)


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


hostile = st.one_of(
    leaves,
    st.lists(leaves, max_size=3),
    st.dictionaries(st.text(characters, max_size=5), leaves, max_size=3),
    st.integers(min_value=10, max_value=3000).map(nested),
)


DECIMAL = re.compile(r"-?\d+\.\d+")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T.*")
DURATION = re.compile(r"(\d+T)?\d{2}:\d{2}:\d{2}")
LOCAL_TIME = re.compile(r"\d{2}:\d{2}")


WORDS = sorted(
    {
        member.value
        for enum in (
            CompetitionStatus,
            CompetitionType,
            NeedDirection,
            RateType,
            Weekday,
            BankHolidays,
            BidResultStatus,
            ResultsStatus,
            AssetStatus,
            CapacityType,
        )
        for member in enum
    }
    | {"z8mpC6x", "sW12gWx", "sW98hQz", "sp9Kx2a", "bD11aAa", "aB12cD3", "pL78mN9"}
)
"""Values the models know (enum members, the fixtures' ids): a swap among them often parses."""


def _duration_text(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    clock = f"{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
    return f"{days}T{clock}" if days else clock


def _timestamp_text(moment: datetime, offset_minutes: int) -> str:
    zone = timezone(timedelta(minutes=offset_minutes))
    return moment.replace(tzinfo=zone).isoformat()


def similar(original: Any) -> st.SearchStrategy[Any]:
    """A value of the same kind as `original`, often valid, at the edges of what is accepted:
    these reach the code downstream of the parser, where most escapes hide."""
    if isinstance(original, bool):
        return st.booleans()
    if isinstance(original, list):
        return st.permutations(original).flatmap(
            lambda items: st.integers(0, len(items)).map(lambda n: list(items[:n]))
        )
    if not isinstance(original, str):
        return leaves
    if DECIMAL.fullmatch(original):
        return st.one_of(
            st.integers(0, 8)
            .flatmap(lambda places: st.decimals(min_value=0, max_value=10**11, places=places))
            .map(str),
            st.floats(min_value=0, max_value=1e12),
            st.integers(min_value=0, max_value=10**12),
        )
    if DATE.fullmatch(original):
        return st.dates(date(1999, 6, 1), date(2201, 6, 1)).map(date.isoformat)
    if TIMESTAMP.fullmatch(original):
        return st.builds(
            _timestamp_text,
            st.datetimes(datetime(1999, 6, 1), datetime(2201, 6, 1)),
            st.integers(-23 * 60, 23 * 60),
        )
    if DURATION.fullmatch(original):
        return st.integers(0, 400 * 86400).map(_duration_text)
    if LOCAL_TIME.fullmatch(original):
        return st.times().map(lambda moment: moment.strftime("%H:%M"))
    return st.one_of(
        st.sampled_from(WORDS),
        st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=70),
        st.text(characters, max_size=70),
    )


def paths(document: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a document a mutation can touch (not inside a deep nest it made)."""
    yield prefix
    if len(prefix) > 8:
        return
    if isinstance(document, dict):
        for key, value in document.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from paths(value, (*prefix, index))


def _at(document: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        document = document[part]
    return document


def mutate(document: Any, path: tuple[Any, ...], how: str, value: Any) -> Any:
    if not path:
        return value if how == "replace" else document
    parent = document
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if how == "delete":
        del parent[last]
    elif how == "duplicate" and isinstance(parent, list):
        parent.append(parent[last])  # the same object: a deep nest would not deepcopy
    else:
        parent[last] = value
    return document


@st.composite
def hostile_document(draw: st.DrawFn, model: type[BaseModel]) -> Any:
    document = copy.deepcopy(DOCUMENTS[model])
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        places = list(paths(document))[1:] or [()]
        where = draw(st.sampled_from(places) if draw(st.integers(0, 19)) else st.just(()))
        how = draw(st.sampled_from(["similar", "similar", "replace", "delete", "duplicate"]))
        if how == "similar":
            value = draw(similar(_at(document, where)))
            document = mutate(document, where, "replace", value)
        else:
            document = mutate(document, where, how, draw(hostile))
    return document


def body_of(document: Any) -> bytes:
    """The document as the market would send it (NaN and lone surrogates as JSON allows)."""
    try:
        return json.dumps(document).encode()
    except (RecursionError, ValueError):
        return b"[" * 5000 + b"]" * 5000


# -- what consumes the parsed models -----------------------------------------------------------


@pytest.fixture(scope="module")
def database() -> Iterator[Session]:
    engine = create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


def store(session: Session, rows: list[Base], write: Callable[[], object] = lambda: None) -> None:
    """Insert rows (and whatever `write` adds), then roll back: every bound value must fit its
    column, as PostgreSQL would insist (SQLite does not check lengths)."""
    session.add_all(rows)
    try:
        write()
        session.flush()
        for row in list(session.identity_map.values()):
            for column in inspect(type(row)).columns:
                value = getattr(row, column.key, None)
                length = getattr(column.type, "length", None)
                if isinstance(column.type, String) and length and isinstance(value, str):
                    assert len(value) <= length, (type(row).__name__, column.key, len(value))
    finally:
        session.rollback()


def competition_rows(competition: Competition) -> list[Base]:
    row = StoredCompetition(
        id=competition.id,
        reference=competition.reference,
        name=competition.name,
        operator_name=competition.operator_name,
        type=str(competition.type),
        need_direction=competition.need_direction.value,
        status=competition.status.value,
        competition_open=competition.competition_open,
        competition_close=competition.competition_close,
        raw=json.loads(json.dumps(competition.to_wire())),
        first_observed_at=NOW,
        observed_at=NOW,
        done=False,
    )
    for period in competition.service_periods:
        stored = StoredPeriod(
            id=period.id, name=period.name, start_date=period.start_date, end_date=period.end_date
        )
        row.periods.append(stored)
        for window in period.service_windows:
            stored.windows.append(
                StoredWindow(
                    id=window.id,
                    competition_id=competition.id,
                    name=window.name,
                    start_time=window.start_time,
                    end_time=window.end_time,
                    days=[day.value for day in window.days],
                    bank_holidays=window.bank_holidays.value,
                    capacity_required=window.capacity_required,
                )
            )
    return [row]


STRATEGY_SETTINGS = StrategySettings()
FLEX = parse_wire(FlexAsset, FLEX_ASSET)
PLANNED = parse_wire(PlannedAsset, PLANNED_ASSET)
COMPETITION = parse_wire(Competition, DOCUMENTS[Competition])
BALLOT = parse_wire(Ballot, DOCUMENTS[Ballot])


def bid_for(
    competition: Competition,
    flex: list[FlexAsset],
    planned: list[PlannedAsset],
    ballot: Ballot | None,
) -> None:
    """The opportunities cycle's own steps from parsed models to a ballot body."""
    active = active_ballot([ballot] if ballot is not None else [], competition.id)
    snapshot = strategy_input(
        competition,
        flex,
        planned,
        active,
        commitments=(),
        settings=STRATEGY_SETTINGS,
        now=NOW,
    )
    decision = decide(
        GuidePriceStrategy(),
        snapshot,
        safety_margin=timedelta(minutes=10),
        allow_overbooking=False,
    )
    if decision.plan is not None:
        parse_wire(BallotRequest, request_body(decision.plan), what="stored ballot")


def consume(parsed: BaseModel, session: Session) -> None:
    if isinstance(parsed, TokenResponse):
        token = parsed.token.get_secret_value()
        httpx.Request("GET", "https://piclo.test/", headers={"Authorization": f"Bearer {token}"})
    elif isinstance(parsed, FlexProvider):
        routes.flex_asset(parsed.id)
    elif isinstance(parsed, BiddingOpportunity):
        routes.competition(parsed.competition_id)
        store(
            session,
            [
                OpportunityObservation(
                    competition_id=parsed.competition_id,
                    observed_at=NOW,
                    flex_asset_ids=list(parsed.assets.flex),
                    planned_asset_ids=list(parsed.assets.planned),
                    total_capacity=parsed.total_capacity,
                )
            ],
        )
        for asset_id in parsed.assets.flex:
            routes.flex_asset(asset_id)
        for asset_id in parsed.assets.planned:
            routes.planned_asset(asset_id)
    elif isinstance(parsed, Competition):
        routes.ballots(parsed.id)
        store(session, competition_rows(parsed))
        for window in parsed.windows:
            window.bounds_on(parsed.service_periods[0].start_date)
            window.bounds_on(parsed.period_of(window.id).end_date - timedelta(days=1))
        bid_for(parsed, [FLEX], [PLANNED], None)
    elif isinstance(parsed, Ballot):
        listed = landed(parsed)
        assert listed.identity
        store(  # reconciliation adopts a listed ballot it does not know: rows with its values
            session,
            [],
            lambda: reconciliation.reconcile(
                session,
                parsed.competition_id,
                [listed],
                NOW,
                horizon=landing_horizon(30.0),
                dry_run=False,
            ),
        )
        bid_for(COMPETITION.model_copy(update={"id": parsed.competition_id}), [FLEX], [], parsed)
    elif isinstance(parsed, BallotRequest):
        ballot_identity(
            parsed.assets.flex if parsed.assets else (),
            parsed.assets.planned if parsed.assets else (),
            (
                BidValues(
                    bid.service_window_id,
                    bid.capacity,
                    {str(rate.type): rate.value for rate in bid.rates},
                    bid.max_runtime,
                )
                for bid in parsed.bids
            ),
        )
    elif isinstance(parsed, BidResults):
        routes.bid_results(parsed.competition_id)
        store(
            session,
            [
                BidOutcome(
                    competition_id=parsed.competition_id,
                    market_bid_id=result.bid_id,
                    market_ballot_id=result.ballot_id,
                    service_window_id=result.service_window_id,
                    status=OutcomeStatus(result.status.value),
                    capacity=result.capacity,
                    rejection_reason=result.rejection_reason,
                    recorded_at=NOW,
                )
                for result in parsed.results[:1]
            ],
        )
    elif isinstance(parsed, FlexAsset):
        routes.flex_asset(parsed.id)
        bid_for(COMPETITION, [parsed], [], None)
    elif isinstance(parsed, PlannedAsset):
        routes.planned_asset(parsed.id)
        bid_for(COMPETITION, [], [parsed], None)
    json.dumps(parsed.to_wire() if hasattr(parsed, "to_wire") else parsed.model_dump(mode="json"))


def parse_and_consume(model: type[BaseModel], document: Any, session: Session) -> None:
    """The boundary's promise: a usable model or BadMarketData, never anything else."""
    try:
        parsed = parse_wire(model, load_json(body_of(document)))
    except ValueError:
        return  # not JSON: decode_json's BadMarketData (tested through the client below)
    except BadMarketData:
        return
    try:
        consume(parsed, session)
    except BadMarketData:
        return


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@pytest.mark.parametrize("model", list(DOCUMENTS), ids=lambda model: model.__name__)
def test_a_hostile_payload_is_a_model_the_daemon_can_use_or_bad_market_data(
    model: type[BaseModel], database: Session
) -> None:
    @FUZZ
    @given(document=hostile_document(model))
    def check(document: Any) -> None:
        parse_and_consume(model, document, database)

    check()


# -- through the client, from a real response body --------------------------------------------


class OneAnswer:
    """A market answering every call but the login with one body."""

    def __init__(self) -> None:
        self.body = b"{}"
        self.token_body = json.dumps(DOCUMENTS[TokenResponse]).encode()

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == routes.AUTH_TOKEN:
            return httpx.Response(200, content=self.token_body, headers=JSON)
        return httpx.Response(200, content=self.body, headers=JSON)


JSON = {"Content-Type": "application/json"}

CALLS: dict[type[BaseModel], Callable[[PicloClient], object]] = {
    BiddingOpportunity: lambda client: client.list_bidding_opportunities(),
    Competition: lambda client: client.get_competition("z8mpC6x"),
    Ballot: lambda client: client.list_ballots("z8mpC6x"),
    BidResults: lambda client: client.get_bid_results("z8mpC6x"),
    FlexAsset: lambda client: client.get_flex_asset("aB12cD3"),
    PlannedAsset: lambda client: client.get_planned_asset("pL78mN9"),
    Obligation: lambda client: client.list_obligations(),
    FlexProvider: lambda client: client.list_flex_providers(),
}
NEXT_LINKS = [
    "/assets/v1/?page=2",
    "https://piclo.test/assets/v1/?page=3",
    "https://elsewhere.test/steal/",
    "http://[::1",
    "//elsewhere.test/x/",
    "ftp://piclo.test/x/",
    "https://piclo.test:99999/x/",
    "\ud800",
    "a\x00b",
]
LISTED = {BiddingOpportunity, Ballot, Obligation, FlexProvider}


@st.composite
def hostile_body(draw: st.DrawFn, model: type[BaseModel]) -> bytes:
    document = draw(hostile_document(model))
    if model in LISTED:
        document = [document]
        if draw(st.booleans()):  # a DRF page, whose `next` is hostile too
            pages = st.one_of(hostile, st.sampled_from(NEXT_LINKS))
            document = {"results": document, "next": draw(pages)}
    body = body_of(document)
    cut = draw(st.sampled_from(["whole", "whole", "whole", "truncated"]))
    return body[: draw(st.integers(0, max(0, len(body) - 1)))] if cut == "truncated" else body


@pytest.mark.parametrize("model", list(CALLS), ids=lambda model: model.__name__)
def test_a_hostile_answer_through_the_client_is_a_model_or_bad_market_data(
    model: type[BaseModel], database: Session
) -> None:
    market = OneAnswer()
    client = PicloClient(
        base_url="https://piclo.test",
        client_id="fsp-machine-user",
        api_key=SecretStr("key"),
        transport=httpx.MockTransport(market.handler),
    )
    call = CALLS[model]

    @settings(FUZZ, max_examples=EXAMPLES // 3)
    @given(body=hostile_body(model))
    def check(body: bytes) -> None:
        market.body = body
        try:
            answer = call(client)
        except BadMarketData:
            return
        for parsed in answer if isinstance(answer, list) else [answer]:
            assert isinstance(parsed, BaseModel)
            with contextlib.suppress(BadMarketData):
                consume(parsed, database)

    with client:
        check()


@settings(FUZZ, max_examples=EXAMPLES // 2)
@given(body=hostile_body(TokenResponse))
def test_a_hostile_login_answer_is_a_token_or_bad_market_data(body: bytes) -> None:
    market = OneAnswer()
    market.token_body = body
    market.body = json.dumps([DOCUMENTS[FlexProvider]]).encode()
    with (
        PicloClient(
            base_url="https://piclo.test",
            client_id="fsp-machine-user",
            api_key=SecretStr("key"),
            transport=httpx.MockTransport(market.handler),
        ) as client,
        contextlib.suppress(BadMarketData),
    ):
        client.list_flex_providers()


def test_the_fixtures_themselves_go_all_the_way_through(database: Session) -> None:
    for model, document in DOCUMENTS.items():
        consume(parse_wire(model, document), database)
    assert Decimal(str(BALLOT.bids[0].capacity)) == Decimal("2.000")
