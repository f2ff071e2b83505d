"""The hourly opportunities cycle: from the market's list of open competitions to sent ballots.

For each competition: reconcile anything in doubt, read the competition and its qualifying
assets, snapshot, let the strategy propose and the engine decide, then persist the ballot as
SUBMITTING and POST it (`jobs.submission`). One competition's bad data, rejection or trouble is
recorded and skipped; the others are still bid. Only the list itself failing fails the run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from contextlib import closing
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from biddaemon import metrics
from biddaemon.bidding import Decision, decide, priority
from biddaemon.clock import utcnow
from biddaemon.errors import BadMarketData, OperatorActionRequired, RejectedByMarket, RetryLater
from biddaemon.jobs.ballot_body import request_body
from biddaemon.jobs.ballot_posts import BallotPosts, Posted
from biddaemon.jobs.cycle_plan import Read, load_acceptance, plan_first
from biddaemon.jobs.listing import log_changes, record_listing
from biddaemon.jobs.market_reads import (
    CompetitionReads,
    GatedMarket,
    MarketGate,
    Outcome,
    ReadAhead,
)
from biddaemon.jobs.market_snapshot import active_ballot, strategy_input
from biddaemon.jobs.opportunities_report import OpportunitiesReport
from biddaemon.jobs.submission import SubmissionResult, reconcile_competition, submit
from biddaemon.logs import get_logger
from biddaemon.markets.piclo import Ballot as MarketBallot
from biddaemon.markets.piclo import (
    BiddingOpportunity,
    Competition,
    PicloClient,
)
from biddaemon.settings import Settings
from biddaemon.store import ballots as store_ballots
from biddaemon.store.ballots import landing_horizon
from biddaemon.store.competitions import (
    check_storable,
    save_competition,
    save_decision,
)
from biddaemon.store.database import transaction
from biddaemon.store.fleet import energy_by_ref, inventory_by_ref
from biddaemon.store.ledger import Ledger
from biddaemon.store.models import (
    BallotState,
)
from biddaemon.strategy.base import PlansCycle, Strategy
from biddaemon.strategy.snapshot import InventoryFacts, StrategyInput, WindowSpec

log = get_logger(__name__)


class OpportunitiesCycle:
    """One run of the opportunities job."""

    def __init__(
        self,
        *,
        factory: sessionmaker[Session],
        client: PicloClient,
        strategy: Strategy,
        settings: Settings,
        stop: threading.Event,
    ) -> None:
        self.factory = factory
        self.client = client
        self.strategy = strategy
        self.settings = settings
        self.stop = stop
        self.dry_run = settings.dry_run
        self._energy: dict[str, Decimal] = {}
        self._inventory: dict[str, InventoryFacts] = {}
        self._ledger = Ledger()
        self._started: dict[int, store_ballots.Started | None] = {}  # attempts saved, not sent

    def run(self) -> OpportunitiesReport:
        report = OpportunitiesReport()
        unreadable: list[BadMarketData] = []
        try:
            opportunities = self.client.list_bidding_opportunities(on_bad_item=unreadable.append)
        except Exception:
            metrics.POLLS.labels(job="opportunities", result="failed").inc()
            raise
        metrics.POLLS.labels(job="opportunities", result="ok").inc()
        report.opportunities = len(opportunities)
        for error in unreadable:
            self._skip(report, error.competition_id or "(unreadable entry)", str(error))
        record_listing(
            self.factory, self.client, opportunities, report, stop=self.stop, dry_run=self.dry_run
        )
        planner = self.strategy if isinstance(self.strategy, PlansCycle) else None
        with self.factory() as session:
            self._ledger = Ledger.load(session, utcnow(), self.settings.safety_margin)
            opportunities = _priority(self._ledger, opportunities)
            self._energy = energy_by_ref(session)
            self._inventory = inventory_by_ref(session, utcnow())
            acceptance = load_acceptance(session) if planner is not None else None
        # Reads run ahead; decisions stay here, in priority order; POSTs go behind, as many at
        # a time as reads (one gate bounds them all), and a decision first waits for those
        # allocating any asset it could use (a superseded or rejected ballot frees capacity):
        # the decisions are those of sending the ballots one by one. Only the order in which
        # ballots of different competitions, sharing no asset, reach the market may differ.
        limit = self.settings.piclo.max_concurrent_reads
        gate = MarketGate(limit)
        self._market = GatedMarket(self.client, gate)
        reads = ReadAhead(self.client, gate, workers=limit, stop=self.stop)
        decided = 0
        with (
            closing(reads.read(opportunities)) as ahead,
            BallotPosts(self._send, limit=limit) as posts,
        ):
            self._posts = posts
            decisions: Iterable[Read] = ahead
            if planner is not None and acceptance is not None:  # it sees everything first
                margin = self.settings.safety_margin
                decisions = plan_first(
                    planner, ahead, self._planned_input, acceptance=acceptance, safety_margin=margin
                )
            try:
                for opportunity, outcome in decisions:
                    if self.stop.is_set():
                        break
                    decided += 1
                    self._decide(opportunity, outcome, report)
                    self._report_posts(report, posts.finished())
            except BaseException:
                self._report_posts(report, posts.drain(), raising=False)  # settled even so
                raise
            self._report_posts(report, posts.drain())
        if decided < len(opportunities):
            report.stopped_early = True
            log.info("stopping: remaining competitions wait for the next run")
        return report

    def _decide(
        self, opportunity: BiddingOpportunity, reads: Outcome, report: OpportunitiesReport
    ) -> None:
        competition_id = opportunity.competition_id
        try:
            if isinstance(reads, Exception):
                raise reads
            self._bid(opportunity, reads, report)
        except OperatorActionRequired:
            raise
        except (BadMarketData, RejectedByMarket, RetryLater) as exc:
            self._skip(report, competition_id, str(exc))
        except Exception as exc:
            log.exception("competition failed unexpectedly", competition=competition_id)
            self._skip(report, competition_id, f"internal error: {type(exc).__name__}: {exc}")

    def _send(self, ballot_id: int) -> SubmissionResult:
        started = self._started.pop(ballot_id, None)
        return submit(self.factory, self._market, ballot_id, dry_run=self.dry_run, started=started)

    def _report_posts(
        self, report: OpportunitiesReport, settled: list[Posted], *, raising: bool = True
    ) -> None:
        """Report the POSTs that have been settled; a refusal needing the operator ends the run."""
        refused: OperatorActionRequired | None = None
        for competition_id, ballot_id, outcome in settled:
            if isinstance(outcome, SubmissionResult):
                self._ledger.settle(competition_id, ballot_id, outcome.state)
            if isinstance(outcome, OperatorActionRequired):
                refused = refused or outcome
            elif isinstance(outcome, BadMarketData | RejectedByMarket | RetryLater):
                self._skip(report, competition_id, str(outcome))
            elif isinstance(outcome, Exception):
                log.error(
                    "ballot POST failed unexpectedly", competition=competition_id, exc_info=outcome
                )
                reason = f"internal error: {type(outcome).__name__}: {outcome}"
                self._skip(report, competition_id, reason)
            elif outcome.state is BallotState.SUBMITTED:
                report.submitted += 1
            elif outcome.state is BallotState.REJECTED:
                report.rejected[competition_id] = outcome.detail or ""
            elif outcome.state is BallotState.UNKNOWN:
                report.unknown[competition_id] = outcome.detail or ""
            else:
                report.not_sent[competition_id] = outcome.detail or ""
        if refused is not None and raising:
            raise refused

    # -- one competition ------------------------------------------------------------------

    def _bid(
        self, opportunity: BiddingOpportunity, reads: CompetitionReads, report: OpportunitiesReport
    ) -> None:
        """The natural path (DESIGN.md): one ledger read, the decision, ONE transaction that
        saves the competition, the decision and the ballot with its attempt, then the POST."""
        competition_id = opportunity.competition_id
        competition = reads.competition
        now = utcnow()
        check_storable(competition)
        listing = list(reads.ballots)
        stored = self._settle(competition, listing, now)
        active = active_ballot(listing, competition_id)
        # The ledger as if sent one by one, for what this decision can use (module docstring).
        self._report_posts(
            report,
            self._posts.settle_touching(
                _assets(opportunity.assets.flex, opportunity.assets.planned)
            ),
        )
        try:
            snapshot = self._input(reads, active, now)
            decision = decide(
                self.strategy,
                snapshot,
                safety_margin=self.settings.safety_margin,
                allow_overbooking=self.settings.strategy.allow_overbooking,
                holdings=self._ledger.holdings,
                ignored_holders=self._ledger.ignored_by(competition_id),
            )
        except Exception:
            if not stored:  # the competition is kept even when no decision could be made
                self._store_competition(competition, now)
            raise
        live, saved = self._store_decision(
            competition, decision, snapshot.competition.windows, now, stored=stored
        )
        if decision.plan is None:
            report.refused[competition_id] = list(decision.reasons)
            log.info(
                "competition not bid", competition=competition_id, reasons=list(decision.reasons)
            )
            return
        if decision.unchanged or live:
            report.unchanged += 1
            log.info("ballot unchanged: nothing sent", competition=competition_id)
            return
        if saved is None:
            report.skipped[competition_id] = "the market already rejected this exact ballot"
            return
        self._ledger.record(competition_id, saved.ballot_id, saved.commitments)
        self._started[saved.ballot_id] = saved.started
        # What its outcome can free: its own assets, and those of the ballots it replaces.
        assets = _assets(decision.plan.flex_asset_ids, decision.plan.planned_asset_ids) | {
            (c.kind, c.asset_id)
            for holder, commitments in self._ledger.held.values()
            if holder == competition_id
            for c in commitments
        }
        self._posts.start(competition_id, saved.ballot_id, assets)  # reported once settled

    def _input(
        self, reads: CompetitionReads, active: MarketBallot | None, now: datetime
    ) -> StrategyInput:
        return strategy_input(
            reads.competition, reads.flex, reads.planned, active,
            commitments=self._ledger.held_for(reads.competition.id),
            settings=self.settings.strategy, now=now,
            energy_mwh_by_ref=self._energy, inventory_by_ref=self._inventory,
        )  # fmt: skip

    def _planned_input(self, reads: CompetitionReads) -> StrategyInput:
        """A competition's input as its decision will build it, for `plan_cycle`."""
        active = active_ballot(list(reads.ballots), reads.competition.id)
        return self._input(reads, active, utcnow())

    def _skip(self, report: OpportunitiesReport, competition_id: str, reason: str) -> None:
        report.skipped[competition_id] = reason
        log.warning("competition skipped", competition=competition_id, reason=reason)

    # -- persistence --------------------------------------------------------------------

    def _store_competition(self, competition: Competition, now: datetime) -> None:
        """Upsert the competition with its periods and windows, and the raw payload."""
        with transaction(self.factory) as session:
            changes = save_competition(session, competition, now, dry_run=self.dry_run)
        log_changes(competition.id, changes)

    def _store_decision(
        self,
        competition: Competition,
        decision: Decision,
        windows: tuple[WindowSpec, ...],
        now: datetime,
        *,
        stored: bool,
    ) -> tuple[bool, store_ballots.Saved | None]:
        """The one transaction before the POST: the competition (unless reconciliation stored
        it already), the decision, and, when there is a ballot to send, the ballot as SUBMITTING
        with its allocations and its attempt row (persist before send). Returns whether the
        plan's ballot is live already, and what was saved to send."""
        plan = decision.plan
        live = False
        saved: store_ballots.Saved | None = None
        with transaction(self.factory) as session:
            changes = (
                [] if stored else save_competition(session, competition, now, dry_run=self.dry_run)
            )
            save_decision(session, competition.id, decision.record, now)
            if plan is not None and not decision.unchanged:
                live = store_ballots.is_live(session, plan.fingerprint)
                if not live:
                    saved = self._persist(session, decision, windows, now)
        log_changes(competition.id, changes)
        return live, saved

    def _settle(self, competition: Competition, listing: list[MarketBallot], now: datetime) -> bool:
        """Reconcile what is in doubt and adopt what the market holds that we do not know;
        while a write may still land, nothing else is sent for this competition.

        One read when there is nothing to reconcile (the common cycle); otherwise the
        competition is stored first (adopted ballots need its windows as they are now), and
        True says so."""
        competition_id = competition.id
        with self.factory() as session:
            if not store_ballots.needs_reconciling(
                session, competition_id, (b.id for b in listing)
            ):
                return False
        self._store_competition(competition, now)
        resolved = reconcile_competition(
            self.factory,
            self.client,
            competition_id,
            listing=listing,
            horizon=landing_horizon(self.settings.piclo.timeout_seconds),
            dry_run=self.dry_run,
        )
        if not resolved:
            return True
        with self.factory() as session:
            self._ledger.reload(session, competition_id)
            doubtful = store_ballots.in_doubt(session, competition_id)
            if doubtful:
                reason = doubtful[0].doubt_reason or "its outcome is not known yet"
                raise RetryLater(f"ballot {doubtful[0].id} is in doubt: {reason}")
        return True

    def _persist(
        self,
        session: Session,
        decision: Decision,
        windows: tuple[WindowSpec, ...],
        now: datetime,
    ) -> store_ballots.Saved | None:
        """The ballot as SUBMITTING, its allocations and its attempt row, in the caller's
        transaction; None when the market already rejected this exact ballot."""
        plan = decision.plan
        assert plan is not None
        return store_ballots.save_submitting(
            session,
            plan,
            decision.record,
            {w.id: w for w in windows},
            body=request_body(plan),
            now=now,
            dry_run=self.dry_run,
            start_attempt=True,
        )


def _priority(ledger: Ledger, opportunities: list[BiddingOpportunity]) -> list[BiddingOpportunity]:
    """Competitions we already bid into first, oldest first; then new ones as listed."""
    ordered = priority.decision_order((o.competition_id for o in opportunities), ledger.order)
    position = {competition_id: index for index, competition_id in enumerate(ordered)}
    return sorted(opportunities, key=lambda o: position[o.competition_id])


def _assets(flex_ids: Iterable[str], planned_ids: Iterable[str]) -> set[tuple[str, str]]:
    """Flex and Planned Asset ids as one set of keys (the two kinds never collide)."""
    return {("flex", i) for i in flex_ids} | {("planned", i) for i in planned_ids}
