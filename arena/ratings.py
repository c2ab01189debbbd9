"""Maximum-likelihood Elo ratings with confidence intervals, from game results.

Model (why this one)
--------------------
Elo here means the *logistic expected-score* scale that chess engine testing
(fishtest, Ordo, cutechess's Elo line) and :mod:`arena.sprt` use: a player
``d`` Elo stronger scores ``1 / (1 + 10**(-d/400))`` on average, so 75 %
is +190.85 Elo whatever share of it comes from draws.

Ratings maximise the Bradley-Terry likelihood with each game's score ``s`` in
{0, 1/2, 1} entering as ``s log p + (1 - s) log(1 - p)``, i.e. a draw counts as
half a win and half a loss (the model Ordo fits). We chose it over Davidson
or Rao-Kupper (BayesElo) draw models because:

* its estimating equations say "each player's expected score equals its actual
  score", which is unbiased for the logistic Elo under *any* draw mechanism,
  while Davidson/Rao-Kupper are consistent only if draws follow their model;
* Davidson and Rao-Kupper ratings live on a different scale from the
  expected-score Elo (BayesElo's numbers are known to be spread wider), which
  would disagree with the SPRT and with the 75 % -> +190.85 rule people check.

Confidence intervals (95 %, half-widths, relative to the anchor) come from the
observed Fisher information ``H`` (the Hessian of the log-likelihood at the
optimum). A draw makes a game's score vary less than a coin flip
(``var = p(1-p) - P(draw)/4``), so with draws the plain ``H^-1`` would be too
wide; we use the sandwich ``H^-1 J H^-1`` where ``J`` uses each pair's observed
draw rate (``draws / (games + 1)``, so a pair that only drew never claims zero
variance). Without draws ``J = H`` and this is exactly ``H^-1``.

Prior: every pair of players that met also gets ``prior_draws`` virtual drawn
games (default 1, as BayesElo's virtual draws). This keeps a player with only
wins or only losses finite (10-0 reads +529 Elo, not infinity) and moves a
well-measured rating by a negligible amount (3000-1000: 190.79 instead of
190.85). Pass ``prior_draws=0`` for the pure maximum-likelihood estimate; it then
raises ValueError when no finite estimate exists (some group of players never
scored a point against the rest).

Players that cannot be compared (no chain of games links them) raise
:class:`DisconnectedError` naming the groups; fit each group apart.

Example::

    >>> r = fit_elo([("a", "random", 1.0)] * 3 + [("a", "random", 0.0)], prior_draws=0)
    >>> [(x.name, round(x.elo, 2)) for x in r]
    [('a', 190.85), ('random', 0.0)]
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

import numpy as np

__all__ = [
    "Rating",
    "PairCounts",
    "DisconnectedError",
    "fit_elo",
    "fit_elo_counts",
    "count_results",
    "connected_components",
    "format_table",
    "ratings_json",
    "elo_from_score",
    "score_from_elo",
]

ELO_PER_NAT = 400.0 / math.log(10.0)
"""Elo points per natural-log unit of odds (173.72): Elo = ELO_PER_NAT * logit."""
Z95 = 1.959963984540054
"""Two-sided 95 % normal quantile."""
MEAN_ANCHOR = "mean"
"""Value of :attr:`Rating.anchor` when no anchor player took part."""

_MAX_ITER = 200
_TOL = 1e-10


def score_from_elo(d: float) -> float:
    """Expected score of a player ``d`` Elo stronger (logistic Elo).

    >>> round(score_from_elo(190.848501887865), 6)
    0.75
    """
    return 1.0 / (1.0 + 10.0 ** (-d / 400.0))


def elo_from_score(p: float) -> float:
    """Elo difference that gives expected score ``p`` (0 < p < 1).

    >>> round(elo_from_score(0.75), 2)
    190.85
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"score must be strictly between 0 and 1, got {p!r}")
    return -400.0 * math.log10(1.0 / p - 1.0)


@dataclass(frozen=True)
class Rating:
    """One player's rating. ``elo`` and ``ci`` are relative to :attr:`anchor`."""

    name: str
    games: int
    wins: int
    draws: int
    losses: int
    score: float
    """Points per game, in [0, 1] (draws count half)."""
    elo: float
    ci: float
    """Half-width of the 95 % confidence interval of ``elo`` (0 for the anchor itself)."""
    anchor: str
    """The player fixed at its given Elo, or ``"mean"`` when the mean Elo is fixed at 0."""


@dataclass(frozen=True)
class PairCounts:
    """Results aggregated per ordered pair: ``wins[i, j]`` games i won against j.

    ``draws`` is symmetric. Fitting needs only these counts, so large stores can
    aggregate in SQL and call :func:`fit_elo_counts` directly.
    """

    names: list[str]
    wins: np.ndarray
    """[k, k] float64, wins of row player over column player."""
    draws: np.ndarray
    """[k, k] float64, symmetric, draws between the two players."""


class DisconnectedError(ValueError):
    """No chain of games links some players, so their relative Elo is unknown."""

    def __init__(self, components: list[list[str]]):
        self.components = components
        groups = "; ".join("{" + ", ".join(c) + "}" for c in components)
        super().__init__(
            f"players fall into {len(components)} groups that never met: {groups}; "
            "rate each group separately"
        )


def count_results(results: Iterable[tuple[str, str, float]]) -> PairCounts:
    """Aggregate ``(player_a, player_b, score_a)`` tuples into :class:`PairCounts`.

    Raises ValueError on a score outside {0, 0.5, 1} or a player meeting itself.
    """
    rows = list(results)
    names = sorted({p for a, b, _ in rows for p in (a, b)})
    index = {n: i for i, n in enumerate(names)}
    k = len(names)
    wins = np.zeros((k, k))
    draws = np.zeros((k, k))
    for n, (a, b, s) in enumerate(rows):
        if a == b:
            raise ValueError(f"result {n}: player {a!r} cannot play itself")
        i, j = index[a], index[b]
        if s == 1:
            wins[i, j] += 1
        elif s == 0:
            wins[j, i] += 1
        elif s == 0.5:
            draws[i, j] += 1
            draws[j, i] += 1
        else:
            raise ValueError(f"result {n}: score of {a!r} must be 0, 0.5 or 1, got {s!r}")
    return PairCounts(names, wins, draws)


def connected_components(counts: PairCounts) -> list[list[str]]:
    """Groups of players linked by chains of games, largest first."""
    games = counts.wins + counts.wins.T + counts.draws
    k = len(counts.names)
    label = [-1] * k
    comps: list[list[int]] = []
    for start in range(k):
        if label[start] >= 0:
            continue
        label[start] = len(comps)
        todo, comp = [start], [start]
        while todo:
            i = todo.pop()
            for j in np.flatnonzero(games[i] > 0):
                if label[j] < 0:
                    label[j] = label[start]
                    todo.append(int(j))
                    comp.append(int(j))
        comps.append(sorted(comp))
    comps.sort(key=lambda c: (-len(c), c))
    return [[counts.names[i] for i in c] for c in comps]


def _check_finite(counts: PairCounts) -> None:
    """Raise unless the pure MLE is finite: "i scored against j" must link everyone both ways."""
    scored = (counts.wins + counts.draws) > 0  # scored[i, j]: i took points from j
    names = counts.names
    for graph, forward in ((scored, True), (scored.T, False)):
        seen = {0}
        todo = [0]
        while todo:
            i = todo.pop()
            for j in np.flatnonzero(graph[i]):
                if int(j) not in seen:
                    seen.add(int(j))
                    todo.append(int(j))
        if len(seen) < len(names):
            rest = [names[i] for i in range(len(names)) if i not in seen]
            if forward:
                who = f"{names[0]!r} never took a point from {rest}"
            else:
                who = f"{rest} never took a point from {names[0]!r}"
            raise ValueError(
                f"no finite maximum-likelihood Elo: {who}, directly or through other players; "
                "use prior_draws > 0"
            )


def fit_elo(
    results: Iterable[tuple[str, str, float]],
    anchor: str = "random",
    anchor_elo: float = 0.0,
    *,
    prior_draws: float = 1.0,
) -> list[Rating]:
    """Maximum-likelihood Elo of every player in ``results``, best first.

    ``results`` are ``(player_a, player_b, score_a)`` with ``score_a`` in
    {0, 0.5, 1}. ``anchor`` is fixed at ``anchor_elo``; when it did not play,
    the mean of all ratings is fixed at 0 and each :attr:`Rating.anchor` says
    ``"mean"``. See the module docstring for the model, prior and intervals.
    """
    return fit_elo_counts(count_results(results), anchor, anchor_elo, prior_draws=prior_draws)


def fit_elo_counts(
    counts: PairCounts,
    anchor: str = "random",
    anchor_elo: float = 0.0,
    *,
    prior_draws: float = 1.0,
) -> list[Rating]:
    """:func:`fit_elo` on already aggregated counts (same model and output)."""
    if prior_draws < 0:
        raise ValueError(f"prior_draws must be >= 0, got {prior_draws}")
    k = len(counts.names)
    if k == 0:
        return []
    comps = connected_components(counts)
    if len(comps) > 1:
        raise DisconnectedError(comps)
    if prior_draws == 0:
        _check_finite(counts)
    n = counts.wins + counts.wins.T + counts.draws  # games per pair, symmetric
    points = counts.wins + 0.5 * counts.draws  # points of row player vs column
    met = (n > 0).astype(float)
    n_fit = n + prior_draws * met
    points_fit = points + 0.5 * prior_draws * met
    fixed = counts.names.index(anchor) if anchor in counts.names else -1
    r = _newton(n_fit, points_fit.sum(axis=1), fixed)  # natural-log units
    cov = _covariance(r, n_fit, n, counts.draws, fixed)
    offset = anchor_elo if fixed >= 0 else 0.0
    elo = ELO_PER_NAT * r + offset
    ci = Z95 * ELO_PER_NAT * np.sqrt(np.maximum(np.diag(cov), 0.0))
    label = anchor if fixed >= 0 else MEAN_ANCHOR
    out = []
    for i, name in enumerate(counts.names):
        games = int(n[i].sum())
        out.append(
            Rating(
                name=name,
                games=games,
                wins=int(counts.wins[i].sum()),
                draws=int(counts.draws[i].sum()),
                losses=int(counts.wins[:, i].sum()),
                score=float(points[i].sum() / games) if games else 0.0,
                elo=float(elo[i]),
                ci=float(ci[i]),
                anchor=label,
            )
        )
    out.sort(key=lambda x: (-x.elo, x.name))
    return out


def _expected(r: np.ndarray) -> np.ndarray:
    """[k, k] probability-like expected score of row over column for logits ``r``."""
    return 1.0 / (1.0 + np.exp(r[None, :] - r[:, None]))


def _newton(n: np.ndarray, points: np.ndarray, fixed: int) -> np.ndarray:
    """Maximise the concave half-win likelihood by damped Newton steps.

    ``fixed`` >= 0 pins that player's logit at 0; otherwise the mean is 0.
    Returns logits (Elo / ELO_PER_NAT).
    """
    k = len(points)
    r = np.zeros(k)
    if k == 1:
        return r
    free = np.array([i for i in range(k) if i != (fixed if fixed >= 0 else k - 1)])
    scale = max(1.0, float(n.sum()))
    f = _objective(r, n, points)
    for _ in range(_MAX_ITER):
        p = _expected(r)
        grad = points - (n * p).sum(axis=1)
        if np.max(np.abs(grad)) < _TOL * scale:
            break
        lap = _laplacian(n * p * (1.0 - p))
        step = np.zeros(k)
        step[free] = np.linalg.solve(lap[np.ix_(free, free)], grad[free])
        step = np.clip(step, -4.0, 4.0)  # at most ~700 Elo per step
        t = 1.0
        while t > 1e-8:
            trial = r + t * step
            f_trial = _objective(trial, n, points)
            if f_trial >= f - 1e-12 * scale:
                break
            t *= 0.5
        r, f = trial, f_trial
    else:
        worst = float(np.max(np.abs(grad)))
        raise RuntimeError(f"Elo fit did not converge in {_MAX_ITER} Newton steps (gradient {worst:.3g})")
    if fixed < 0:
        r = r - r.mean()
    else:
        r = r - r[fixed]
    return r


def _objective(r: np.ndarray, n: np.ndarray, points: np.ndarray) -> float:
    """Half-win log-likelihood: sum_i points_i r_i - sum_{i<j} n_ij log(e^r_i + e^r_j)."""
    pair = np.logaddexp(r[:, None], r[None, :])
    return float(points @ r - 0.5 * np.sum(n * pair))


def _laplacian(w: np.ndarray) -> np.ndarray:
    """Graph Laplacian of symmetric pair weights ``w`` (diagonal ignored)."""
    w = w.copy()
    np.fill_diagonal(w, 0.0)
    return np.diag(w.sum(axis=1)) - w


def _covariance(
    r: np.ndarray, n_fit: np.ndarray, n: np.ndarray, draws: np.ndarray, fixed: int
) -> np.ndarray:
    """Sandwich covariance of the logits relative to the anchor (or the mean).

    ``H`` (information) uses the fitted games including the prior; ``J`` (the
    variance of the score equations) uses the real games only, each pair with
    per-game variance ``p(1-p) - d/4``, ``d = draws / (games + 1)``.
    """
    k = len(r)
    if k == 1:
        return np.zeros((1, 1))
    p = _expected(r)
    pq = p * (1.0 - p)
    h = _laplacian(n_fit * pq)
    draw_rate = draws / (n + 1.0)
    j = _laplacian(n * np.maximum(pq - draw_rate / 4.0, 0.0))
    if fixed >= 0:
        free = [i for i in range(k) if i != fixed]
        h_inv = np.zeros((k, k))
        h_inv[np.ix_(free, free)] = np.linalg.inv(h[np.ix_(free, free)])
    else:
        h_inv = np.linalg.pinv(h)  # covariance of mean-centred logits
    return h_inv @ j @ h_inv


def format_table(ratings: Sequence[Rating]) -> str:
    """A plain-text table: player, games, W/D/L, score %, Elo, +/- (95 %).

    A last line says what the Elo is relative to.
    """
    width = max([len("player")] + [len(r.name) for r in ratings])
    head = (
        f"{'player':<{width}}  {'games':>6}  {'W':>5} {'D':>5} {'L':>5}"
        f"  {'score':>6}  {'Elo':>7}  {'+/-':>6}"
    )
    lines = [head, "-" * len(head)]
    for r in ratings:
        lines.append(
            f"{r.name:<{width}}  {r.games:>6}  {r.wins:>5} {r.draws:>5} {r.losses:>5}"
            f"  {100 * r.score:>5.1f}%  {r.elo:>7.1f}  {r.ci:>6.1f}"
        )
    if ratings:
        a = ratings[0].anchor
        if a == MEAN_ANCHOR:
            lines.append("Elo relative to the mean of all players (= 0): the anchor player did not play")
        else:
            fixed = next(r for r in ratings if r.name == a)
            lines.append(f"Elo relative to {a} = {fixed.elo:g}; +/- is a 95% interval")
    return "\n".join(lines)


def ratings_json(ratings: Sequence[Rating]) -> list[dict[str, object]]:
    """Ratings as JSON-ready dicts (the :class:`Rating` fields)."""
    return [asdict(r) for r in ratings]
