"""The engine: a strategy's proposals in, one valid full ballot (or a refusal with reasons) out.

`decide` is the only door between a strategy and the market. In order, it:

1. refuses the competition outright when it is not open, closes within the safety margin, or has
   a type we do not know (so its rates are unknown);
2. fixes the asset set: the active ballot's set on a resubmission (the market requires exactly
   that), else every qualifying asset with capacity in the need direction;
3. asks the strategy, and treats any exception it raises as a refusal of this competition only;
4. per window, in the competition's order: validates the proposal (quantised values, exact rate
   types, runtime, split bids summed within `capacity_required` and the assets' capacity); an
   invalid proposal is rejected and recorded, and the previous ballot's bids for the window are
   carried instead. A skip or a missing proposal also carries the previous bids, unless the skip
   withdraws them on purpose. Carried bids obey the same rules, or the ballot is refused;
5. allocates each bid over the assets, net of what overlapping windows already hold (of other
   competitions, or earlier in this ballot) and of what the inventory says is out (planned
   outages overlapping the window, assets in maintenance: `bidding.outages`), and reduces a bid
   (recording why) when short;
6. fingerprints the result and compares it with the active ballot (`unchanged`: nothing to send).

Everything decided, skipped or reduced goes into the decision record.
"""

from __future__ import annotations

import traceback
from collections.abc import Collection, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from biddaemon.bidding import rules
from biddaemon.bidding.allocation import AssetShare, Fleet, WindowAllocator
from biddaemon.bidding.assets import select_assets
from biddaemon.bidding.fingerprint import both_fingerprints, content_fingerprint
from biddaemon.bidding.holdings import Collected, Holdings
from biddaemon.bidding.outages import window_outages
from biddaemon.bidding.overlap import pattern
from biddaemon.bidding.plan import BallotPlan, Decision, PlannedBid
from biddaemon.bidding.record import RECORD_VERSION, competition_entry, jsonable, window_entry
from biddaemon.bidding.reductions import nothing_left, shortfall
from biddaemon.bidding.validation import Candidate, validate_window
from biddaemon.strategy.base import Proposal, Skip, Strategy
from biddaemon.strategy.snapshot import (
    AssetSpec,
    StrategyInput,
    WindowSpec,
)

ZERO = Decimal("0.000")


def decide(
    strategy: Strategy,
    snapshot: StrategyInput,
    *,
    safety_margin: timedelta,
    allow_overbooking: bool,
    holdings: Holdings | None = None,
    ignored_holders: Collection[str] = (),
) -> Decision:
    """Turn `strategy`'s proposals for `snapshot` into a validated ballot, or refuse.

    `holdings` is an index of `snapshot.commitments` kept by the caller across decisions (built
    once per cycle, extended with each plan's allocations), so a decision does not re-index
    every commitment; without it, the engine indexes `snapshot.commitments` itself. Holdings of
    the competition being decided never count (its ballot is being replaced), nor those of
    `ignored_holders` (with a shared index: the holders the first-come-first-served rule lets
    this competition ignore, so the index counts exactly `snapshot.commitments`); the index is
    only read, never changed.
    """
    return _Deciding(
        strategy, snapshot, safety_margin, allow_overbooking, holdings, ignored_holders
    ).run()


class _Deciding:
    """One decision in progress: the inputs, and the record being written."""

    def __init__(
        self,
        strategy: Strategy,
        snapshot: StrategyInput,
        safety_margin: timedelta,
        allow_overbooking: bool,
        holdings: Holdings | None = None,
        ignored_holders: Collection[str] = (),
    ) -> None:
        self.shared = holdings
        self.strategy = strategy
        self.snapshot = snapshot
        self.competition = snapshot.competition
        self.margin = safety_margin
        self.allow_overbooking = allow_overbooking
        self.strategy_name = _strategy_name(strategy)
        self.skipped: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.bid_entries: list[dict[str, Any]] = []
        self.held_table: dict[str, dict[str, Any]] = {}
        self.every_asset: bool | None = None  # the shared index holds only the ballot's assets
        self.ignored: frozenset[str] = frozenset((self.competition.id, *ignored_holders))
        self.error: dict[str, str] | None = None
        self.assets_entry: dict[str, Any] = {}
        self.included_capacity = ZERO
        self.out_assets: tuple[AssetSpec, ...] = ()  # included, with outages or in maintenance

    # ----------------------------------------------------------------------------------------

    def run(self) -> Decision:
        competition, now = self.competition, self.snapshot.now
        refusals = [
            reason
            for reason in (
                rules.competition_open(competition, now),
                rules.closes_after_margin(competition, now, self.margin),
                rules.known_type(competition),
            )
            if reason is not None
        ]
        if refusals:
            return self._refuse(refusals)
        required: tuple[str, ...] = competition.required_rates or ()

        included, asset_problem = self._select_assets()
        if asset_problem is not None:
            return self._refuse([asset_problem])
        included_capacity = self.included_capacity

        outcomes = self._ask_strategy()
        if isinstance(outcomes, str):
            return self._refuse([outcomes])
        by_window, problem = self._index(outcomes)
        if problem is not None:
            return self._refuse([problem])

        shared: Holdings | None = None
        if not self.allow_overbooking:
            shared = self.shared
            if shared is None:
                shared = Holdings(self.snapshot.commitments, exclude_competition=competition.id)
        own = Holdings()  # this ballot's windows, as they are allocated
        fleet = Fleet(included)
        planned: list[PlannedBid] = []
        carried_problems: list[str] = []
        for window in competition.windows:
            candidates = self._window_candidates(
                window, by_window.get(window.id), required, included_capacity, carried_problems
            )
            if candidates:
                planned.extend(self._allocate(window, candidates, fleet, shared, own))
        if carried_problems:
            return self._refuse(carried_problems)
        if not planned:
            return self._refuse(["no bid to send: every window was skipped or rejected"])
        return self._plan(planned, included)

    # ----------------------------------------------------------------------------------------
    # Assets and strategy

    def _select_assets(self) -> tuple[tuple[AssetSpec, ...], str | None]:
        selection = select_assets(self.snapshot)
        self.out_assets = selection.out
        self.included_capacity = selection.capacity
        self.assets_entry = selection.record
        return selection.included, selection.problem

    def _ask_strategy(self) -> list[object] | str:
        try:
            return list(self.strategy.propose(self.snapshot))
        except Exception as exc:  # a strategy's bug skips its competition, never the daemon
            where = traceback.extract_tb(exc.__traceback__)[-1]
            self.error = {
                "type": type(exc).__name__,
                "message": str(exc),
                "where": f"{where.filename}:{where.lineno} in {where.name}",
            }
            return f"strategy {self.strategy_name} raised {type(exc).__name__}: {exc}"

    def _index(self, outcomes: Sequence[object]) -> tuple[dict[str, Proposal | Skip], str | None]:
        by_window: dict[str, Proposal | Skip] = {}
        for outcome in outcomes:
            if not isinstance(outcome, Proposal | Skip):
                return {}, (
                    f"strategy {self.strategy_name} returned a {type(outcome).__name__}, "
                    "not a Proposal or a Skip"
                )
            problem = rules.window_belongs(self.competition, outcome.window_id)
            if problem is not None:
                self.rejected.append(
                    {"window_id": str(outcome.window_id), "reasons": [problem], "then": "ignored"}
                )
                continue
            if outcome.window_id in by_window:
                return {}, (
                    f"strategy {self.strategy_name} returned more than one answer for window "
                    f"{outcome.window_id}"
                )
            by_window[outcome.window_id] = outcome
        return by_window, None

    # ----------------------------------------------------------------------------------------
    # Per window

    def _window_candidates(
        self,
        window: WindowSpec,
        outcome: Proposal | Skip | None,
        required: tuple[str, ...],
        included_capacity: Decimal,
        carried_problems: list[str],
    ) -> list[Candidate]:
        previous = self.snapshot.previous
        previous_bids = previous.bids_for(window.id) if previous is not None else ()

        if isinstance(outcome, Proposal):
            candidates, problems = validate_window(
                window, outcome.bids, required, included_capacity, "proposed"
            )
            if not problems:
                return candidates
            then = "the active ballot's bid is carried" if previous_bids else "window skipped"
            self.rejected.append({"window_id": window.id, "reasons": problems, "then": then})
        elif isinstance(outcome, Skip):
            if outcome.withdraw or not previous_bids:
                reason = str(outcome.reason)  # a user strategy may pass anything
                if outcome.withdraw and previous_bids:
                    reason += " (the active ballot's bid is withdrawn)"
                self.skipped.append({"window_id": window.id, "reason": reason})
                return []
            self.notes.append(
                f"window {window.id}: the strategy skipped it ({outcome.reason}); "
                "the active ballot's bid is carried"
            )
        elif not previous_bids:
            self.skipped.append({"window_id": window.id, "reason": "the strategy made no proposal"})
            return []

        if not previous_bids:
            return []
        candidates, problems = validate_window(
            window, previous_bids, required, included_capacity, "carried"
        )
        if problems:
            carried_problems.extend(
                f"the active ballot's bid for window {window.id} can no longer be carried: {p}"
                for p in problems
            )
            return []
        return candidates

    def _allocate(
        self,
        window: WindowSpec,
        candidates: list[Candidate],
        fleet: Fleet,
        shared: Holdings | None,
        own: Holdings,
    ) -> list[PlannedBid]:
        schedule = window.schedule
        held = Collected()
        if shared is not None:
            mine = pattern(schedule)
            if self.every_asset is None:
                self.every_asset = shared.only_of(fleet.kilowatts)
            shared.collect(
                mine, fleet.kilowatts, held, exclude=self.ignored, every_asset=self.every_asset
            )
            own.collect(mine, fleet.kilowatts, held, every_asset=True)
        out = window_outages(schedule, self.out_assets) if self.out_assets else None
        allocator = WindowAllocator(fleet, held, out.kilowatts if out else None)
        already_held = held.ids
        window_record = window_entry(window)
        planned: list[PlannedBid] = []
        for candidate in candidates:
            available = allocator.total_available
            allocated, shares = allocator.take(candidate.capacity)
            reductions = list(candidate.adjustments)
            if out is not None and out.reasons:
                reductions.extend(out.reasons)
            if allocated < candidate.capacity:
                reductions.append(shortfall(candidate.capacity, allocated, available, out))
            if allocated <= 0:
                self.skipped.append(
                    {"window_id": window.id, "reason": nothing_left(candidate, out)}
                )
                continue
            self.bid_entries.append(
                {
                    "window_id": window.id,
                    "window": window_record,
                    "source": candidate.source,
                    "capacity": format(allocated, "f"),
                    "proposed_capacity": jsonable(candidate.proposed_capacity),
                    "rates": jsonable(candidate.rates),
                    "proposed_rates": jsonable(candidate.proposed_rates),
                    "max_runtime": jsonable(candidate.max_runtime),
                    "basis": jsonable(candidate.basis),
                    "available_capacity": format(available, "f"),
                    "allocation": [
                        {
                            "kind": a.kind,
                            "asset_id": a.asset_id,
                            "capacity": format(a.capacity, "f"),
                        }
                        for a in shares
                    ],
                    "already_held": already_held,
                    "reductions": reductions,
                    **({"outages": out.entries} if out is not None and out.entries else {}),
                }
            )
            if shared is not None:
                own.add_shares(
                    schedule, shares, f"this ballot, window {window.id}", window_id=window.id
                )
            if held.rows:
                self.held_table.update(held.rows)
            planned.append(
                PlannedBid(
                    window_id=window.id,
                    capacity=allocated,
                    rates=candidate.rates,
                    max_runtime=candidate.max_runtime,
                    allocations=shares,
                    source=candidate.source,
                )
            )
        return planned

    # ----------------------------------------------------------------------------------------
    # Results

    def _plan(self, bids: list[PlannedBid], included: tuple[AssetSpec, ...]) -> Decision:
        competition = self.competition
        flex = tuple(sorted(a.id for a in included if a.kind == "flex"))
        planned_ids = tuple(sorted(a.id for a in included if a.kind == "planned"))
        previous = self.snapshot.previous
        supersedes = previous.market_id if previous is not None else None
        identity, content = both_fingerprints(
            competition.id, flex, planned_ids, bids, supersedes=supersedes
        )
        plan = BallotPlan(
            competition_id=competition.id,
            bids=tuple(bids),
            flex_asset_ids=flex,
            planned_asset_ids=planned_ids,
            supersedes=supersedes,
            fingerprint=identity,
            content_fingerprint=content,
            strategy=self.strategy_name,
        )
        unchanged = previous is not None and content == content_fingerprint(
            competition.id, previous.flex_ids, previous.planned_ids, previous.bids
        )
        if unchanged:
            self.notes.append(
                f"the ballot equals the active ballot {supersedes}: nothing to resubmit"
            )
        record = self._record("unchanged" if unchanged else "ballot", [], plan)
        return Decision(competition.id, plan, (), unchanged, record)

    def _refuse(self, reasons: list[str]) -> Decision:
        record = self._record("refused", reasons, None)
        return Decision(self.competition.id, None, tuple(reasons), False, record)

    def _record(self, outcome: str, reasons: list[str], plan: BallotPlan | None) -> dict[str, Any]:
        competition = self.competition
        previous = self.snapshot.previous
        return {
            "version": RECORD_VERSION,
            "outcome": outcome,
            "reasons": reasons,
            "competition": competition_entry(competition),
            "decided_at": jsonable(self.snapshot.now),
            "strategy": self.strategy_name,
            "safety_margin": jsonable(self.margin),
            "allow_overbooking": self.allow_overbooking,
            "supersedes": previous.market_id if previous is not None else None,
            "fingerprint": plan.fingerprint if plan else None,
            "content_fingerprint": plan.content_fingerprint if plan else None,
            "error": self.error,
            "assets": self.assets_entry,
            "bids": self.bid_entries if plan else [],
            "held": self.held_table if plan else {},
            "skipped": self.skipped,
            "rejected": self.rejected,
            "notes": self.notes,
        }


def _share_entry(share: AssetShare) -> dict[str, str]:
    return {"kind": share.kind, "asset_id": share.asset_id, "capacity": format(share.capacity, "f")}


def _strategy_name(strategy: Strategy) -> str:
    try:
        name = strategy.name
    except Exception:
        name = None
    return name if isinstance(name, str) and name else type(strategy).__name__
