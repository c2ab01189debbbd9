"""SPRT: hand-checked ratios, Wald's bounds, and error rates over many simulated matches."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

import arena.sprt as sprt_module
from arena.sprt import SPRT, parse_sprt


def _score(elo: float) -> float:
    return 1.0 / (1.0 + 10.0 ** (-elo / 400.0))


def test_bounds_are_walds() -> None:
    assert SPRT(0, 10).bounds == pytest.approx((math.log(0.05 / 0.95), math.log(0.95 / 0.05)))
    assert SPRT(0, 10).bounds == pytest.approx((-2.944439, 2.944439), abs=1e-6)
    lower, upper = SPRT(-5, 5, alpha=0.1, beta=0.2).bounds
    assert lower == pytest.approx(math.log(0.2 / 0.9))
    assert upper == pytest.approx(math.log(0.8 / 0.1))


def test_empty_stream_has_zero_llr_and_no_decision() -> None:
    t = SPRT(0, 10)
    assert t.llr(0, 0, 0) == 0.0
    assert t.decide(0, 0, 0) is None


def test_without_draws_it_is_the_binomial_sprt() -> None:
    # No draws: the trinomial estimate under each hypothesis is just
    # P(win) = s_i, so LLR = W log(s1/s0) + L log((1-s1)/(1-s0)) (the 1e-3
    # stand-in for the empty draw count moves it by < 1e-4).
    t = SPRT(0, 10)
    s0, s1 = 0.5, _score(10)
    for w, l in ((1, 0), (0, 1), (60, 40), (523, 477)):
        hand = w * math.log(s1 / s0) + l * math.log((1 - s1) / (1 - s0))
        assert t.llr(w, 0, l) == pytest.approx(hand, abs=1e-4)


def test_many_games_match_the_normal_approximation() -> None:
    # fishtest's large-sample form N (s1 - s0)(2x - s0 - s1) / (2 var).
    t = SPRT(0, 10)
    w, d, l = 10300, 6000, 9700
    n = w + d + l
    x = (w + d / 2) / n
    var = (w + d / 4) / n - x * x
    s0, s1 = 0.5, _score(10)
    normal = n * (s1 - s0) * (2 * x - s0 - s1) / (2 * var)
    assert t.llr(w, d, l) == pytest.approx(normal, rel=2e-3)


def test_short_streams_do_not_explode() -> None:
    t = SPRT(0, 10)
    assert 0 < t.llr(1, 0, 0) < 0.03  # one win is weak evidence
    assert t.decide(5, 0, 0) is None
    assert t.llr(0, 7, 0) < 0  # draws look like equal strength: towards H0
    assert SPRT(-5, 5).llr(300, 100, 250) == pytest.approx(-SPRT(-5, 5).llr(250, 100, 300))


def test_decide_follows_the_bounds() -> None:
    t = SPRT(0, 10)
    assert t.decide(2000, 1000, 1000) == "H1"
    assert t.decide(1000, 1000, 2000) == "H0"
    assert t.decide(520, 100, 480) is None
    with pytest.raises(ValueError):
        t.llr(-1, 0, 0)


def _run_sprts(
    t: SPRT, true_elo: float, runs: int, draw_rate: float, seed: int, max_games: int = 12000
) -> np.ndarray:
    """Play ``runs`` independent matches game by game until the SPRT decides.

    Returns an int array: +1 accepted H1, -1 accepted H0, 0 undecided at max_games.
    """
    rng = np.random.default_rng(seed)
    p = _score(true_elo)
    draw = draw_rate * 4 * p * (1 - p)
    p_win = p - draw / 2
    decided = np.zeros(runs, dtype=np.int64)
    counts = np.zeros((runs, 3), dtype=np.int64)  # W, D, L so far
    lower, upper = t.bounds
    chunk = 500
    for _ in range(max_games // chunk):
        active = np.flatnonzero(decided == 0)
        if active.size == 0:
            break
        u = rng.random((active.size, chunk))
        wins = np.cumsum(u < p_win, axis=1) + counts[active, 0:1]
        draws = np.cumsum((u >= p_win) & (u < p_win + draw), axis=1) + counts[active, 1:2]
        losses = np.arange(1, chunk + 1) + counts[active].sum(axis=1, keepdims=True) - wins - draws
        llr = t.llr_many(wins, draws, losses)
        out = (llr >= upper) | (llr <= lower)
        first = np.where(out.any(axis=1), out.argmax(axis=1), -1)
        hit = first >= 0
        rows = active[hit]
        decided[rows] = np.where(llr[hit, first[hit]] >= upper, 1, -1)
        counts[active, 0] = wins[:, -1]
        counts[active, 1] = draws[:, -1]
        counts[active, 2] = losses[:, -1]
    return decided


@pytest.mark.parametrize(
    ("elo0", "elo1", "alpha", "beta", "draw_rate"),
    [(0.0, 25.0, 0.05, 0.05, 0.3), (-10.0, 20.0, 0.1, 0.05, 0.0)],
)
def test_error_rates_over_many_simulated_matches(
    elo0: float, elo1: float, alpha: float, beta: float, draw_rate: float
) -> None:
    t = SPRT(elo0, elo1, alpha, beta)
    runs = 400
    tol = 3 * math.sqrt(0.05 * 0.95 / runs) + 0.01  # sampling error of a rate near 5%
    at_h0 = _run_sprts(t, elo0, runs, draw_rate, seed=1)
    at_h1 = _run_sprts(t, elo1, runs, draw_rate, seed=2)
    assert np.mean(at_h0 == -1) >= 1 - alpha - tol, np.mean(at_h0 == -1)
    assert np.mean(at_h1 == 1) >= 1 - beta - tol, np.mean(at_h1 == 1)
    # The test is not trivially conservative: half-way between, it splits.
    middle = _run_sprts(t, (elo0 + elo1) / 2, runs, draw_rate, seed=3)
    assert 0.25 < np.mean(middle == 1) < 0.75
    assert np.mean(middle == 0) < 0.05


def test_parse() -> None:
    t = parse_sprt("elo0=0,elo1=10,alpha=0.05,beta=0.1")
    assert (t.elo0, t.elo1, t.alpha, t.beta) == (0.0, 10.0, 0.05, 0.1)
    assert parse_sprt(" elo0=-2.5 , elo1=2.5") == SPRT(-2.5, 2.5)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "key=value"),
        ("elo0=0", "missing elo1"),
        ("elo0=0,elo1=ten", "not a number"),
        ("elo0=0,elo1=10,gamma=1", "key=value"),
        ("elo0=0,elo1=10,elo1=5", "twice"),
        ("elo0=0,elo1=0", "elo0 != elo1"),
        ("elo0=0,elo1=10,alpha=0.7", "alpha"),
        ("elo0=0,elo1=10,beta=0", "beta"),
        ("elo0=nan,elo1=10", "finite"),
        ("elo0 0,elo1=10", "key=value"),
    ],
)
def test_parse_errors(text: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        parse_sprt(text)


def test_status_line() -> None:
    t = SPRT(0, 10)
    line = t.status_line(2000, 1000, 1000)
    assert "W/D/L 2000/1000/1000" in line and "(-2.94, 2.94)" in line and "H1 accepted" in line
    assert f"LLR {t.llr(2000, 1000, 1000):.2f}" in line
    assert "H0 accepted" in t.status_line(1000, 1000, 2000)
    assert t.status_line(0, 0, 0).endswith("continue")


def test_docstring_examples() -> None:
    assert doctest.testmod(sprt_module).failed == 0
