"""Sequential probability ratio test (SPRT) for "is A at least elo1 stronger than B?".

Chess engine testing (fishtest, cutechess-cli) stops a match as soon as the
games decide between H0: A - B = elo0 and H1: A - B = elo1, with error rates
alpha (accepting H1 when H0 holds) and beta (the reverse). Wald's bounds on
the log-likelihood ratio are ``log(beta / (1 - alpha))`` and
``log((1 - beta) / alpha)``.

The W/D/L trinomial has a nuisance parameter (the draw rate), so like fishtest
we use the *generalised* SPRT (M. Van den Bergh's GSPRT, fishtest's
``LLR_logistic``): under each hypothesis the W/D/L probabilities are replaced
by their maximum-likelihood estimate among the distributions whose expected
score is ``s_i = 1 / (1 + 10^(-elo_i / 400))``, and

    LLR = sum over outcomes of count * log(p1(outcome) / p0(outcome)).

The constrained estimate is ``p(a) = f(a) / (1 + x (a - s))`` with ``f`` the
observed frequencies and ``x`` the root of a secular equation; with three
outcomes that equation is a quadratic, solved in closed form (vectorised).
For many games this equals the familiar normal approximation
``N (s1 - s0)(2 mean - s0 - s1) / (2 var)``; we do not use that one because it
explodes on short streams (one win in a [0, 10] test reads LLR 5.7 and would
accept H1 at once), while the exact ratio after one win is log(s1/s0) = 0.03.

Elo here is *logistic* Elo (expected score), the same scale as
:mod:`arena.ratings`, not BayesElo (whose draw model puts elo0/elo1 on a
different, wider scale, so bounds would disagree with our ratings table).
As in fishtest, a zero count is replaced by 1e-3 so that the estimate exists.

Example::

    >>> t = parse_sprt("elo0=0,elo1=10")
    >>> t.decide(0, 0, 0) is None
    True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["SPRT", "parse_sprt"]

Decision = Literal["H0", "H1"]
_EPSILON = 1e-3
"""Stand-in for a zero W/D/L count (fishtest's regularisation)."""


_POINTS = (1.0, 0.5, 0.0)
"""Points of a win, a draw and a loss."""


def _secular_root(freq: list[np.ndarray], s: float) -> np.ndarray:
    """Root x of sum_a f(a) (a - s) / (1 + x (a - s)) = 0 with every 1 + x (a - s) > 0.

    Clearing denominators leaves A x^2 + B x + C = 0; the left side is
    decreasing in x on the allowed interval, so exactly one root lies there.
    """
    c = [a - s for a in _POINTS]
    big_a = c[0] * c[1] * c[2]  # times sum(freq) = 1
    big_b = freq[0] * c[0] * (c[1] + c[2]) + freq[1] * c[1] * (c[0] + c[2]) + freq[2] * c[2] * (c[0] + c[1])
    big_c = freq[0] * c[0] + freq[1] * c[1] + freq[2] * c[2]
    disc = np.sqrt(np.maximum(big_b * big_b - 4.0 * big_a * big_c, 0.0))
    q = -0.5 * (big_b + np.where(big_b >= 0, disc, -disc))
    with np.errstate(divide="ignore", invalid="ignore"):
        first = q / big_a if big_a != 0 else np.full_like(q, np.inf)
        roots = (first, np.where(q != 0, big_c / q, 0.0))
    lo, hi = -1.0 / (1.0 - s), 1.0 / s  # where 1 + x(a - s) reaches 0 for a = 1, a = 0
    first_ok = (roots[0] > lo) & (roots[0] < hi)
    return np.where(first_ok, roots[0], roots[1])


def _score(elo: float) -> float:
    """Expected score at logistic Elo difference ``elo``."""
    return 1.0 / (1.0 + 10.0 ** (-elo / 400.0))


@dataclass(frozen=True)
class SPRT:
    """The test's parameters; results are passed in as W/D/L counts of player A."""

    elo0: float
    """Elo difference under H0 (logistic Elo)."""
    elo1: float
    """Elo difference under H1; must differ from elo0."""
    alpha: float = 0.05
    """Probability of accepting H1 when H0 is true."""
    beta: float = 0.05
    """Probability of accepting H0 when H1 is true."""

    def __post_init__(self) -> None:
        for name in ("elo0", "elo1", "alpha", "beta"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"SPRT {name} must be a finite number, got {v!r}")
        if self.elo0 == self.elo1:
            raise ValueError(f"SPRT needs elo0 != elo1, both are {self.elo0}")
        for name in ("alpha", "beta"):
            v = getattr(self, name)
            if not 0.0 < v < 0.5:
                raise ValueError(f"SPRT {name} must lie in (0, 0.5), got {v}")

    @property
    def bounds(self) -> tuple[float, float]:
        """(lower, upper) LLR bounds: accept H0 at or below lower, H1 at or above upper."""
        return (
            math.log(self.beta / (1.0 - self.alpha)),
            math.log((1.0 - self.beta) / self.alpha),
        )

    def llr(self, wins: float, draws: float, losses: float) -> float:
        """Log-likelihood ratio of H1 over H0 after these results (0 with no games)."""
        if min(wins, draws, losses) < 0:
            raise ValueError(f"W/D/L counts must be >= 0, got {wins}/{draws}/{losses}")
        return float(self.llr_many(wins, draws, losses))

    def llr_many(self, wins: ArrayLike, draws: ArrayLike, losses: ArrayLike) -> np.ndarray:
        """:meth:`llr` elementwise over arrays of counts (for simulations and streams)."""
        raw = [np.asarray(c, dtype=np.float64) for c in (wins, draws, losses)]
        counts = [np.where(c > 0, c, _EPSILON) for c in raw]
        n = counts[0] + counts[1] + counts[2]
        freq = [c / n for c in counts]  # win, draw, loss frequencies
        value = np.zeros_like(n)
        for sign, elo in ((1.0, self.elo1), (-1.0, self.elo0)):
            s = _score(elo)
            x = _secular_root(freq, s)
            for f, a in zip(freq, _POINTS):
                value -= sign * n * f * np.log1p(x * (a - s))  # log p(a) = log f - log(1 + x(a - s))
        return np.where(raw[0] + raw[1] + raw[2] > 0, value, 0.0)

    def decide(self, wins: float, draws: float, losses: float) -> Decision | None:
        """"H1" or "H0" once the LLR leaves the bounds, else None (play on)."""
        value = self.llr(wins, draws, losses)
        lower, upper = self.bounds
        if value >= upper:
            return "H1"
        if value <= lower:
            return "H0"
        return None

    def status_line(self, wins: int, draws: int, losses: int) -> str:
        """One line for the CLI: results, LLR, bounds and the decision so far."""
        value = self.llr(wins, draws, losses)
        lower, upper = self.bounds
        decision = self.decide(wins, draws, losses)
        verdict = {
            "H1": f"H1 accepted (elo1={self.elo1:g})",
            "H0": f"H0 accepted (elo0={self.elo0:g})",
            None: "continue",
        }[decision]
        return (
            f"SPRT [{self.elo0:g}, {self.elo1:g}] alpha={self.alpha:g} beta={self.beta:g}: "
            f"W/D/L {wins}/{draws}/{losses}  LLR {value:.2f} ({lower:.2f}, {upper:.2f})  {verdict}"
        )


def parse_sprt(text: str) -> SPRT:
    """Parse ``"elo0=0,elo1=10[,alpha=0.05,beta=0.05]"`` (the ``--sprt`` option).

    >>> parse_sprt("elo0=0,elo1=5,alpha=0.1").bounds[1] > 2
    True
    """
    keys = ("elo0", "elo1", "alpha", "beta")
    values: dict[str, float] = {}
    for part in text.split(","):
        key, sep, raw = part.partition("=")
        key = key.strip()
        if not sep or key not in keys:
            raise ValueError(
                f"bad SPRT spec {text!r}: expected key=value pairs with keys {', '.join(keys)}"
            )
        if key in values:
            raise ValueError(f"bad SPRT spec {text!r}: {key} given twice")
        try:
            values[key] = float(raw)
        except ValueError:
            raise ValueError(f"bad SPRT spec {text!r}: {key}={raw!r} is not a number") from None
    missing = [k for k in ("elo0", "elo1") if k not in values]
    if missing:
        raise ValueError(f"bad SPRT spec {text!r}: missing {', '.join(missing)}")
    return SPRT(**values)
