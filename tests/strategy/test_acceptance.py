"""The acceptance model: the prior rules while there is little history, the data once there is
much, per operator and type, and a dearer price is never more likely to be accepted."""

from __future__ import annotations

from decimal import Decimal

from biddaemon.strategy.acceptance import (
    BIN_EDGES,
    PRIOR,
    AcceptanceModel,
    RecordedOutcome,
    bin_of,
    price_ratio,
    prior_mean,
    prior_points,
)
from tests.bidding.support import D

UKPN, SSEN = "UK Power Networks", "SSEN"


def outcomes(operator: str, ratio: str, accepted: int, rejected: int) -> list[RecordedOutcome]:
    return [RecordedOutcome(operator, "availability", D(ratio), True)] * accepted + [
        RecordedOutcome(operator, "availability", D(ratio), False)
    ] * rejected


def test_with_no_history_every_probability_is_the_priors_falling_curve() -> None:
    probabilities = [PRIOR.probability(UKPN, "availability", D(r)) for r in ("0.7", "1", "1.2")]
    assert probabilities == sorted(probabilities, reverse=True)
    assert probabilities[0] > D("0.9")
    assert probabilities[2] < D("0.25")
    assert PRIOR.curves() == []
    assert [p.probability for p in prior_points()] == [p.prior for p in prior_points()]


def test_a_few_outcomes_barely_move_the_prior() -> None:
    model = AcceptanceModel.learn(outcomes(UKPN, "0.97", 0, 2))
    before = PRIOR.probability(UKPN, "availability", D("0.97"))
    after = model.probability(UKPN, "availability", D("0.97"))
    assert after < before
    assert after > before * D("0.8")  # two rejections against ten pseudo-outcomes


def test_many_outcomes_dominate_the_prior() -> None:
    model = AcceptanceModel.learn(outcomes(UKPN, "0.97", 30, 270))
    # 10 % accepted against a prior of 79 %: the estimate is near the data (dearer bins, still
    # at their prior, are pooled with it so the curve keeps falling)
    assert D("0.1") < model.probability(UKPN, "availability", D("0.97")) < D("0.16")
    (curve,) = model.curves()
    assert (curve.operator, curve.competition_type, curve.outcomes) == (UKPN, "availability", 300)
    point = curve.points[bin_of(D("0.97"))]
    assert (point.accepted, point.outcomes) == (30, 300)


def test_an_operators_outcomes_inform_its_other_types_and_the_other_operators() -> None:
    """Partial pooling: 300 rejections at UKPN availability are what UKPN's other types and the
    other operators start from, until their own outcomes arrive; a few of those move them."""
    model = AcceptanceModel.learn(outcomes(UKPN, "0.97", 0, 300))
    prior = PRIOR.probability(SSEN, "availability", D("0.97"))
    own = model.probability(UKPN, "availability", D("0.97"))
    assert own < D("0.1") < prior
    assert model.probability(UKPN, "utilisation", D("0.97")) == own
    assert model.probability(SSEN, "availability", D("0.97")) == own
    accepting = AcceptanceModel.learn(
        outcomes(UKPN, "0.97", 0, 300) + outcomes(SSEN, "0.97", 10, 0)
    )
    assert accepting.probability(SSEN, "availability", D("0.97")) > D("0.5")


def test_an_operators_own_outcomes_overrule_the_market() -> None:
    """UKPN rejects at 0.97, SSEN accepts: each operator's curves, of every type, follow its
    own outcomes, not the other's."""
    model = AcceptanceModel.learn(outcomes(UKPN, "0.97", 0, 300) + outcomes(SSEN, "0.97", 300, 0))
    assert model.probability(SSEN, "availability", D("0.97")) > D("0.9")
    assert model.probability(SSEN, "utilisation", D("0.97")) > D("0.85")
    assert model.probability(UKPN, "availability", D("0.97")) < D("0.1")
    assert model.probability(UKPN, "utilisation", D("0.97")) < D("0.15")


def test_with_no_outcomes_at_all_every_curve_is_the_prior() -> None:
    model = AcceptanceModel.learn([])
    assert model.probability(SSEN, "utilisation", D("0.9")) == PRIOR.probability(
        UKPN, "availability", D("0.9")
    )


def test_a_dearer_price_is_never_more_likely_accepted() -> None:
    """All bids at 1.07 accepted, all at 0.82 rejected: the data contradict each other; the
    estimate pools the bins in between rather than rising with the price."""
    model = AcceptanceModel.learn(outcomes(UKPN, "1.07", 100, 0) + outcomes(UKPN, "0.82", 0, 100))
    curve = [model.probability(UKPN, "availability", edge) for edge in (D("0.5"), *BIN_EDGES)]
    assert curve == sorted(curve, reverse=True)


def test_the_ratio_is_the_ranking_rate_over_its_guide() -> None:
    guides: dict[str, Decimal | None] = {"availability": D("20"), "utilisation": D("300")}
    rates = {"availability": D("18"), "utilisation": D("600")}
    assert price_ratio("availability_utilisation", rates, guides) == D("0.9")
    assert price_ratio("utilisation", rates, guides) == D("2")
    assert price_ratio("service_fee", rates, guides) is None
    assert price_ratio("mystery", rates, guides) is None
    assert prior_mean(D("0.95")) == D("0.5")


def test_a_price_rounded_to_the_penny_stays_in_the_bin_of_its_fraction() -> None:
    below = D("4.01") / D("4.46")  # 0.90 of 4.46 is 4.014, bid as 4.01: a ratio of 0.8991
    assert below < D("0.90")
    assert bin_of(below) == bin_of(D("0.90")) == bin_of(D("0.9011"))
