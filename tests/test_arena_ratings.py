"""Maximum-likelihood Elo: known answers by hand, recovery of simulated strengths, calibration."""

from __future__ import annotations

import doctest
import json
import math

import numpy as np
import pytest

import arena.ratings as ratings
from arena.ratings import (
    DisconnectedError,
    PairCounts,
    elo_from_score,
    fit_elo,
    fit_elo_counts,
    format_table,
    ratings_json,
    score_from_elo,
)

NAMES = ["random", "p100", "p250", "p400"]
TRUTH = np.array([0.0, 100.0, 250.0, 400.0])


def _pair_probs(d: float, draw_rate: float) -> tuple[float, float, float]:
    """W/D/L probabilities at logistic Elo difference ``d``; draws peak at equal strength."""
    p = score_from_elo(d)
    draw = draw_rate * 4.0 * p * (1.0 - p)
    return p - draw / 2, draw, 1.0 - p - draw / 2


def _simulate_counts(rng: np.random.Generator, games_per_pair: int, draw_rate: float) -> PairCounts:
    """A round robin among NAMES with the true Elos TRUTH, as aggregated counts."""
    k = len(NAMES)
    wins = np.zeros((k, k))
    draws = np.zeros((k, k))
    for i in range(k):
        for j in range(i + 1, k):
            w, d, l = rng.multinomial(games_per_pair, _pair_probs(TRUTH[i] - TRUTH[j], draw_rate))
            wins[i, j], wins[j, i] = w, l
            draws[i, j] = draws[j, i] = d
    return PairCounts(list(NAMES), wins, draws)


def _simulate_results(
    rng: np.random.Generator, games_per_pair: int, draw_rate: float
) -> list[tuple[str, str, float]]:
    """The same round robin as individual (a, b, score_a) results, colours mixed."""
    results = []
    for i in range(len(NAMES)):
        for j in range(i + 1, len(NAMES)):
            probs = _pair_probs(TRUTH[i] - TRUTH[j], draw_rate)
            scores = rng.choice([1.0, 0.5, 0.0], size=games_per_pair, p=probs)
            for g, s in enumerate(scores):
                if g % 2:
                    results.append((NAMES[i], NAMES[j], float(s)))
                else:
                    results.append((NAMES[j], NAMES[i], 1.0 - float(s)))
    return results


def _by_name(rs: list[ratings.Rating]) -> dict[str, ratings.Rating]:
    return {r.name: r for r in rs}


def test_elo_score_conversions_by_hand() -> None:
    assert elo_from_score(0.75) == pytest.approx(400 * math.log10(3), abs=1e-12)
    assert elo_from_score(0.75) == pytest.approx(190.85, abs=0.005)
    assert score_from_elo(400.0) == pytest.approx(10 / 11)
    assert score_from_elo(0.0) == 0.5
    for d in (-700.0, -35.0, 0.0, 123.4, 800.0):
        assert elo_from_score(score_from_elo(d)) == pytest.approx(d)
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ValueError):
            elo_from_score(bad)


def test_two_players_75_percent_is_190_85_elo_with_hand_interval() -> None:
    # 3 wins, 1 loss, pure MLE: +190.85; the interval by hand from the information
    # n p (1 - p) in natural-log units: 1.96 * (400 / ln 10) / sqrt(4 * 0.75 * 0.25).
    rs = _by_name(fit_elo([("a", "random", 1.0)] * 3 + [("random", "a", 1.0)], prior_draws=0))
    assert rs["a"].elo == pytest.approx(190.848502, abs=1e-5)
    assert rs["a"].ci == pytest.approx(1.959964 * 173.717793 / math.sqrt(0.75), rel=1e-6)
    assert rs["random"].elo == 0.0 and rs["random"].ci == 0.0
    assert (rs["a"].wins, rs["a"].draws, rs["a"].losses, rs["a"].score) == (3, 0, 1, 0.75)


def test_draws_count_half_a_win() -> None:
    # 50 wins + 50 draws is a 75% score: the same +190.85 as 3 wins in 4.
    results = [("a", "random", 1.0)] * 50 + [("a", "random", 0.5)] * 50
    rs = _by_name(fit_elo(results, prior_draws=0))
    assert rs["a"].elo == pytest.approx(190.848502, abs=1e-5)
    # Draws make each game less variable: the interval is narrower than for
    # 75 wins + 25 losses (same score, same games, no draws).
    decisive = _by_name(fit_elo([("a", "random", 1.0)] * 75 + [("a", "random", 0.0)] * 25, prior_draws=0))
    assert decisive["a"].elo == pytest.approx(190.848502, abs=1e-5)
    assert rs["a"].ci < 0.85 * decisive["a"].ci


def test_default_prior_barely_moves_a_well_measured_rating() -> None:
    results = [("a", "random", 1.0)] * 3000 + [("a", "random", 0.0)] * 1000
    rs = _by_name(fit_elo(results))
    # one virtual draw: 3000.5 / 4001
    assert rs["a"].elo == pytest.approx(elo_from_score(3000.5 / 4001), abs=1e-6)
    assert abs(rs["a"].elo - 190.85) < 0.1


def test_recovers_known_elos_within_own_intervals() -> None:
    rng = np.random.default_rng(20240611)
    results = _simulate_results(rng, games_per_pair=600, draw_rate=0.3)
    assert len(results) == 3600
    rs = _by_name(fit_elo(results))
    assert rs["random"].elo == 0.0 and rs["random"].ci == 0.0
    for name, truth in zip(NAMES[1:], TRUTH[1:]):
        r = rs[name]
        assert r.games == 1800
        assert 15.0 < r.ci < 60.0, r  # a real check: neither huge nor vanishing
        assert abs(r.elo - truth) <= r.ci, (name, r.elo, truth, r.ci)
    assert [r.name for r in fit_elo(results)] == NAMES[::-1]  # best first


def test_interval_coverage_over_many_tournaments_with_many_draws() -> None:
    # Half the games between equals are drawn: plain Bernoulli intervals would
    # cover about 99.4% here; the draw-aware ones should cover about 95%.
    rng = np.random.default_rng(7)
    hits, errors = [], []
    for _ in range(300):
        rs = _by_name(fit_elo_counts(_simulate_counts(rng, 200, draw_rate=0.5)))
        for name, truth in zip(NAMES[1:], TRUTH[1:]):
            hits.append(abs(rs[name].elo - truth) <= rs[name].ci)
            errors.append(rs[name].elo - truth)
    coverage = float(np.mean(hits))
    assert 0.91 <= coverage <= 0.985, coverage
    assert abs(float(np.mean(errors))) < 5.0  # no gross bias


def test_interval_shrinks_like_one_over_sqrt_games() -> None:
    rng = np.random.default_rng(3)
    small = _by_name(fit_elo_counts(_simulate_counts(rng, 1000, draw_rate=0.2)))
    large = _by_name(fit_elo_counts(_simulate_counts(rng, 16000, draw_rate=0.2)))
    for name in NAMES[1:]:
        ratio = small[name].ci / large[name].ci
        assert 3.8 < ratio < 4.2, (name, ratio)  # sqrt(16) = 4


def test_anchor_elo_and_choice_of_anchor() -> None:
    rng = np.random.default_rng(11)
    results = _simulate_results(rng, 200, 0.2)
    base = _by_name(fit_elo(results))
    shifted = _by_name(fit_elo(results, anchor_elo=1000.0))
    for name in NAMES:
        assert shifted[name].elo == pytest.approx(base[name].elo + 1000.0)
        assert shifted[name].ci == pytest.approx(base[name].ci)
        assert shifted[name].anchor == "random"
    other = _by_name(fit_elo(results, anchor="p250", anchor_elo=250.0))
    assert other["p250"].elo == 250.0 and other["p250"].ci == 0.0
    assert other["random"].ci > 0.0
    for name in NAMES:  # differences do not depend on the anchor
        expected = base[name].elo - base["p100"].elo
        assert other[name].elo - other["p100"].elo == pytest.approx(expected, abs=1e-6)


def test_absent_anchor_fixes_the_mean_and_says_so() -> None:
    results = [("a", "b", 1.0)] * 30 + [("a", "b", 0.0)] * 10 + [("b", "c", 0.5)] * 20 + [("c", "a", 0.0)] * 5
    rs = fit_elo(results)  # no "random" among them
    assert sum(r.elo for r in rs) == pytest.approx(0.0, abs=1e-9)
    assert all(r.anchor == "mean" for r in rs)
    assert all(r.ci > 0 for r in rs)
    assert "mean" in format_table(rs).splitlines()[-1]


def test_all_wins_and_all_losses_stay_finite() -> None:
    rs = _by_name(fit_elo([("strong", "random", 1.0)] * 10 + [("weak", "random", 0.0)] * 10))
    # one virtual draw per pair: 10.5 / 11 and 0.5 / 11
    assert rs["strong"].elo == pytest.approx(elo_from_score(10.5 / 11), abs=1e-6)
    assert rs["weak"].elo == pytest.approx(-elo_from_score(10.5 / 11), abs=1e-6)
    for name in ("strong", "weak"):
        assert math.isfinite(rs[name].elo) and math.isfinite(rs[name].ci) and rs[name].ci > 0
    with pytest.raises(ValueError, match="no finite maximum-likelihood"):
        fit_elo([("strong", "random", 1.0)] * 10, prior_draws=0)


def test_disconnected_players_raise_naming_the_groups() -> None:
    results = [("a", "random", 1.0), ("a", "random", 0.0), ("x", "y", 0.5)]
    with pytest.raises(DisconnectedError, match=r"\{a, random\}; \{x, y\}") as err:
        fit_elo(results)
    assert err.value.components == [["a", "random"], ["x", "y"]]


def test_bad_results_are_refused() -> None:
    with pytest.raises(ValueError, match="0, 0.5 or 1"):
        fit_elo([("a", "b", 0.3)])
    with pytest.raises(ValueError, match="itself"):
        fit_elo([("a", "a", 1.0)])
    with pytest.raises(ValueError, match="prior_draws"):
        fit_elo([("a", "b", 1.0)], prior_draws=-1)
    assert fit_elo([]) == []


def test_table_and_json() -> None:
    rs = fit_elo([("a", "random", 1.0)] * 3 + [("random", "a", 1.0)], prior_draws=0)
    lines = format_table(rs).splitlines()
    assert lines[0].split() == ["player", "games", "W", "D", "L", "score", "Elo", "+/-"]
    assert lines[2].split() == ["a", "4", "3", "0", "1", "75.0%", "190.8", "393.2"]
    assert lines[3].split() == ["random", "4", "1", "0", "3", "25.0%", "0.0", "0.0"]
    assert "random = 0" in lines[-1]
    data = json.loads(json.dumps(ratings_json(rs)))
    assert data[0]["name"] == "a" and data[0]["elo"] == pytest.approx(190.8485, abs=1e-3)
    assert set(data[0]) == {"name", "games", "wins", "draws", "losses", "score", "elo", "ci", "anchor"}


def test_docstring_examples() -> None:
    assert doctest.testmod(ratings).failed == 0
