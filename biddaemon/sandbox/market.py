"""The market's state and everything that changes it, behind one lock.

Routes and tests call these methods; each first catches the market up with the clock (competitions
the seeded DSOs opened meanwhile, closed competitions decided, published results turned into
obligations), so the state is a function of the seed, the requests and the simulated time, never
of how often someone looked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from biddaemon.sandbox.clock import SandboxClock
from biddaemon.sandbox.decisions import decide
from biddaemon.sandbox.generator import competition_for, days_from, london_date
from biddaemon.sandbox.geography import DSOS
from biddaemon.sandbox.ids import IdMaker
from biddaemon.sandbox.model import (
    Ballot,
    Bid,
    BidResult,
    Competition,
    Fleet,
    FlexAsset,
    Obligation,
    PlannedAsset,
    Provider,
)
from biddaemon.sandbox.obligations import obligations
from biddaemon.sandbox.qualification import capacity_of, qualifying
from biddaemon.sandbox.referee import review_ballot


class NotFound(Exception):
    """No such object (for this provider); the API answers `404 {"detail": detail}`."""

    def __init__(self, what: str, detail: str = "Not found.") -> None:
        super().__init__(what)
        self.detail = detail


class Refused(Exception):
    """The request breaks a rule; `errors` is the DRF-style 400 body."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("; ".join(m for ms in errors.values() for m in ms))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Opportunity:
    competition: Competition
    assets: Fleet
    total_capacity: Decimal


@dataclass(frozen=True)
class StoredBallot:
    ballot: Ballot
    active: bool


class Market:
    """One provider's view of a simulated Piclo Flex, plus the DSOs that run it."""

    def __init__(
        self,
        clock: SandboxClock,
        provider: Provider,
        seed: int,
        *,
        generate_from: date | None = None,
        contested: bool = False,
    ) -> None:
        """`generate_from`: the first GB date on which the seeded DSOs open competitions
        (None: only the competitions added explicitly exist); `contested`: they open the
        contested market's competitions (`biddaemon.sandbox.contested`)."""
        self.clock = clock
        self.provider = provider
        self.seed = seed
        self.contested = contested
        self._lock = threading.RLock()
        self._ids = IdMaker(seed)
        self._competitions: dict[str, Competition] = {}
        self._flex: dict[str, FlexAsset] = {}
        self._planned: dict[str, PlannedAsset] = {}
        self._ballots: dict[str, list[Ballot]] = {}
        self._decisions: dict[str, tuple[BidResult, ...]] = {}
        self._obligations: list[Obligation] = []
        self._obligated: set[str] = set()
        self._sequence = 0
        self._refused = 0
        self._generation_cursor = generate_from
        # (GB day, DSO) pairs of the cursor's day already settled, and those opening later.
        self._opened: set[tuple[date, str]] = set()
        self._upcoming: dict[tuple[date, str], Competition | None] = {}

    # -- catching up with the clock ------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def _catch_up(self) -> datetime:
        now = self.clock.now()
        self._open_generated(now)
        for competition in self._competitions.values():
            if now >= competition.competition_close or competition.cancelled:
                if competition.id not in self._decisions:
                    self._decisions[competition.id] = decide(
                        competition, self._active_ballot(competition.id)
                    )
                if competition.status_at(now) == "results_published":
                    self._obligate(competition)
        return now

    def _open_generated(self, now: datetime) -> None:
        if self._generation_cursor is None:
            return
        today = london_date(now)
        for day in days_from(self._generation_cursor, today):
            for dso in DSOS:
                key = (day, dso.code)
                if key in self._opened:
                    continue
                if key not in self._upcoming:
                    self._upcoming[key] = competition_for(
                        self.seed, day, dso, contested=self.contested
                    )
                competition = self._upcoming[key]
                if competition is not None and competition.competition_open > now:
                    continue  # opens later today
                self._opened.add(key)
                del self._upcoming[key]
                if competition is not None:
                    self._add_competition(competition)
        # Competitions open on the GB day they are generated for, so only today can still be
        # waiting: earlier days are done for good.
        self._generation_cursor = today
        self._opened = {key for key in self._opened if key[0] == today}

    def _obligate(self, competition: Competition) -> None:
        if competition.id in self._obligated:
            return
        self._obligated.add(competition.id)
        ballot = self._active_ballot(competition.id)
        if ballot is None:
            return
        decided = self._decisions[competition.id]
        self._obligations.extend(obligations(competition, ballot, decided, self._ids.new))

    # -- seeding -------------------------------------------------------------------------------

    def _add_competition(self, competition: Competition) -> None:
        self._ids.claim(competition.id)
        for period in competition.service_periods:
            self._ids.claim(period.id)
            for window in period.windows:
                self._ids.claim(window.id)
        self._competitions[competition.id] = competition

    def add_competition(self, competition: Competition) -> None:
        with self._lock:
            self._add_competition(competition)

    def replace_competition(self, competition: Competition) -> None:
        """Change an existing competition in place, as a DSO may: close it early, extend or
        cancel it, renumber or move its periods and windows (for tests and rehearsals)."""
        with self._lock:
            old = self._competitions.get(competition.id)
            if old is None:
                raise NotFound(competition.id)
            known = {p.id for p in old.service_periods} | {w.id for w in old.windows()}
            for period in competition.service_periods:
                for new_id in (period.id, *(w.id for w in period.windows)):
                    if new_id not in known:
                        self._ids.claim(new_id)
            self._competitions[competition.id] = competition

    def add_fleet(self, fleet: Fleet) -> None:
        with self._lock:
            for flex in fleet.flex:
                self._ids.claim(flex.id)
                self._flex[flex.id] = flex
            for planned in fleet.planned:
                self._ids.claim(planned.id)
                self._planned[planned.id] = planned

    # -- competitions --------------------------------------------------------------------------

    def competition(self, competition_id: str) -> Competition:
        """A competition that has opened (the market does not show future ones)."""
        with self._lock:
            return self._visible(competition_id, self._catch_up())

    def _visible(self, competition_id: str, now: datetime) -> Competition:
        competition = self._competitions.get(competition_id)
        if competition is None or competition.competition_open > now:
            raise NotFound(competition_id)
        return competition

    def competitions(self) -> list[Competition]:
        """Every competition that has opened, oldest first."""
        with self._lock:
            now = self._catch_up()
            return sorted(
                (c for c in self._competitions.values() if c.competition_open <= now),
                key=lambda c: (c.competition_open, c.id),
            )

    # -- assets --------------------------------------------------------------------------------

    def fleet(self) -> Fleet:
        with self._lock:
            return Fleet(tuple(self._flex.values()), tuple(self._planned.values()))

    def flex_assets(self, ref: str | None = None) -> list[FlexAsset]:
        with self._lock:
            return [a for a in self._flex.values() if ref is None or a.ref == ref]

    def flex_asset(self, asset_id: str) -> FlexAsset:
        with self._lock:
            if asset_id not in self._flex:
                raise NotFound(asset_id)
            return self._flex[asset_id]

    def create_flex_asset(self, make: Callable[[str, datetime], FlexAsset]) -> FlexAsset:
        """Store `make(new id, now)`; `ref` is unique per provider."""
        with self._lock:
            asset = make(self._ids.new(), self.clock.now())
            self._check_unique_ref(asset)
            self._flex[asset.id] = asset
            return asset

    def update_flex_asset(
        self, asset_id: str, change: Callable[[FlexAsset, datetime], FlexAsset]
    ) -> FlexAsset:
        with self._lock:
            asset = change(self.flex_asset(asset_id), self.clock.now())
            self._check_unique_ref(asset)
            self._flex[asset_id] = asset
            return asset

    def _check_unique_ref(self, asset: FlexAsset) -> None:
        if any(a.ref == asset.ref and a.id != asset.id for a in self._flex.values()):
            raise Refused({"ref": [f"A flex asset with ref {asset.ref!r} already exists."]})

    def planned_assets(self, reference: str | None = None) -> list[PlannedAsset]:
        with self._lock:
            return [
                a for a in self._planned.values() if reference is None or a.reference == reference
            ]

    def planned_asset(self, asset_id: str) -> PlannedAsset:
        with self._lock:
            if asset_id not in self._planned:
                raise NotFound(asset_id)
            return self._planned[asset_id]

    def create_planned_asset(self, make: Callable[[str, datetime], PlannedAsset]) -> PlannedAsset:
        with self._lock:
            asset = make(self._ids.new(), self.clock.now())
            self._planned[asset.id] = asset
            return asset

    def update_planned_asset(
        self, asset_id: str, change: Callable[[PlannedAsset, datetime], PlannedAsset]
    ) -> PlannedAsset:
        with self._lock:
            asset = change(self.planned_asset(asset_id), self.clock.now())
            self._planned[asset_id] = asset
            return asset

    # -- bidding -------------------------------------------------------------------------------

    def opportunities(self) -> list[Opportunity]:
        """Open competitions with at least one qualifying asset, in closing order."""
        with self._lock:
            now = self._catch_up()
            fleet = self.fleet()
            found = []
            for competition in self._competitions.values():
                if not competition.is_open_at(now):
                    continue
                assets = qualifying(fleet, competition)
                if assets.flex or assets.planned:
                    total = capacity_of(assets, competition.need_direction)
                    found.append(Opportunity(competition, assets, total))
            return sorted(found, key=lambda o: (o.competition.competition_close, o.competition.id))

    def _active_ballot(self, competition_id: str) -> Ballot | None:
        stored = self._ballots.get(competition_id)
        return stored[-1] if stored else None

    def submit_ballot(self, competition_id: str, body: object) -> Ballot:
        """Judge `body` with the referee; store it as the active ballot, or raise Refused."""
        with self._lock:
            now = self._catch_up()
            competition = self._visible(competition_id, now)
            active = self._active_ballot(competition_id)
            verdict = review_ballot(
                competition,
                self.fleet(),
                body,
                now,
                active_assets=None if active is None else active.assets,
            )
            if not verdict.accepted:
                self._refused += 1
                raise Refused(verdict.errors())
            self._sequence += 1
            ballot = Ballot(
                id=self._ids.new(),
                competition_id=competition_id,
                provider=self.provider.id,
                created=now,
                sequence=self._sequence,
                assets=verdict.assets,
                bids=tuple(
                    Bid(
                        self._ids.new(),
                        b.service_window_id,
                        b.capacity,
                        b.max_runtime,
                        b.rates,
                    )
                    for b in verdict.bids
                ),
            )
            self._ballots.setdefault(competition_id, []).append(ballot)
            return ballot

    def refused_ballots(self) -> int:
        """How many ballots the referee refused since the market was built: the rule
        violations a backtest reports (zero for a daemon whose engine obeys every rule)."""
        with self._lock:
            return self._refused

    def ballots(self, competition_id: str) -> list[StoredBallot]:
        """The provider's ballots for a competition, newest first; only the newest is active."""
        with self._lock:
            self.competition(competition_id)
            return _newest_first(self._ballots.get(competition_id, []))

    def all_ballots(self) -> list[StoredBallot]:
        """Every ballot stored, newest first (for tests and the admin API)."""
        with self._lock:
            stored = [s for ballots in self._ballots.values() for s in _newest_first(ballots)]
            return sorted(stored, key=lambda s: -s.ballot.sequence)

    # -- after the close -----------------------------------------------------------------------

    def results(
        self, competition_id: str
    ) -> tuple[Literal["pending", "published"], tuple[BidResult, ...]]:
        with self._lock:
            now = self._catch_up()
            competition = self._visible(competition_id, now)
            if competition.status_at(now) not in ("results_published", "cancelled"):
                return "pending", ()
            return "published", self._decisions[competition_id]

    def obligations(
        self,
        *,
        competition_id: str | None = None,
        bid_id: str | None = None,
        active_on_or_after: date | None = None,
        active_before: date | None = None,
    ) -> list[Obligation]:
        with self._lock:
            self._catch_up()
            return [
                o
                for o in self._obligations
                if (competition_id is None or o.competition_id == competition_id)
                and (bid_id is None or o.bid_id == bid_id)
                and (active_on_or_after is None or o.end_date > active_on_or_after)
                and (active_before is None or o.start_date < active_before)
            ]


def _newest_first(ballots: Iterable[Ballot]) -> list[StoredBallot]:
    ordered = sorted(ballots, key=lambda b: -b.sequence)
    return [StoredBallot(b, active=i == 0) for i, b in enumerate(ordered)]
