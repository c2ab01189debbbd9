"""The evaluator protocol the search calls, and deterministic stand-ins for tests and benchmarks.

An evaluator maps a batch of feature planes to policy logits and values::

    planes  float32 [L, C, H, W]   leaves' positions, mover's point of view
    logits  float32 [L, A]         policy logits over the whole action space
    values  float32 [L]            value in [-1, 1] for the player to move

The search masks illegal actions itself (softmax over legal moves only), so an
evaluator need not know the rules. The torch network evaluator lives in
``engine``; this module has no torch.

>>> import numpy as np
>>> planes = np.zeros((2, 3, 4, 4), np.float32); planes[1, 0, 0, 0] = 1
>>> logits, values = HashEvaluator(num_actions=16)(planes)
>>> logits.shape, values.shape, bool(values[0] != values[1])
((2, 16), (2,), True)
>>> logits2, _ = HashEvaluator(num_actions=16)(planes[1:])
>>> bool((logits2[0] == logits[1]).all())
True
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np
from numba import njit


class Evaluator(Protocol):
    """Anything the search can call for priors and values (numpy in, numpy out)."""

    def __call__(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """float32 planes [L, C, H, W] -> (float32 logits [L, A], float32 values [L])."""
        ...


class UniformEvaluator:
    """Zero logits (uniform priors over legal moves) and value 0: the search's pure tree cost."""

    def __init__(self, num_actions: int) -> None:
        self.num_actions = num_actions

    def __call__(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = planes.shape[0]
        return np.zeros((n, self.num_actions), np.float32), np.zeros(n, np.float32)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@njit(cache=True)
def _mix(x: np.uint64) -> np.uint64:
    """splitmix64's finaliser: a bijective scramble of 64 bits."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


@njit(cache=True)
def _unit(x: np.uint64) -> float:
    """A float in [0, 1) from the top 53 bits."""
    return float(x >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def hash_rows(bits: np.ndarray, seed: np.uint64, out: np.ndarray) -> None:
    """FNV-1a over each row of uint32 ``bits`` [L, K], then mixed with ``seed``: uint64 [L]."""
    for i in range(bits.shape[0]):
        h = _FNV_OFFSET ^ seed
        for j in range(bits.shape[1]):
            h = (h ^ np.uint64(bits[i, j])) * _FNV_PRIME
        out[i] = _mix(h)


@njit(cache=True)
def hash_outputs(hashes: np.ndarray, logit_scale: float, value_scale: float,
                 logits: np.ndarray, values: np.ndarray) -> None:
    """Logits uniform in [-logit_scale, logit_scale) and values in [-value_scale, value_scale) per hash."""
    for i in range(hashes.shape[0]):
        h = hashes[i]
        for a in range(logits.shape[1]):
            u = _unit(_mix(h + _GOLDEN * np.uint64(a + 1)))
            logits[i, a] = logit_scale * (2.0 * u - 1.0)
        values[i] = value_scale * (2.0 * _unit(_mix(h ^ _GOLDEN)) - 1.0)


class HashEvaluator:
    """Deterministic pseudo-network: logits and value are a fixed function of each row's planes.

    The same planes always give the same output, on any machine and in any
    batch (rows are hashed independently), so searches with it are reproducible
    without weights, and distinct positions get distinct, non-uniform priors.
    """

    def __init__(self, num_actions: int, *, seed: int = 0, logit_scale: float = 2.0,
                 value_scale: float = 0.9) -> None:
        self.num_actions = num_actions
        self.seed = np.uint64(seed)
        self.logit_scale = float(logit_scale)
        self.value_scale = float(value_scale)

    def __call__(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = planes.shape[0]
        bits = np.ascontiguousarray(planes, dtype=np.float32).reshape(n, -1).view(np.uint32)
        hashes = np.empty(n, np.uint64)
        hash_rows(bits, self.seed, hashes)
        logits = np.empty((n, self.num_actions), np.float32)
        values = np.empty(n, np.float32)
        hash_outputs(hashes, self.logit_scale, self.value_scale, logits, values)
        return logits, values


def check_agreement(a: Evaluator, b: Evaluator, planes: np.ndarray, atol: float) -> None:
    """Run both evaluators on the same ``planes`` [L, C, H, W]; raise if any row disagrees.

    Rows agree when every logit and the value differ by at most ``atol`` (e.g. CPU
    fp32 against GPU mixed precision). The error names the first disagreeing row,
    the output and the largest difference there.

    >>> planes = np.random.default_rng(0).random((4, 2, 3, 3), dtype=np.float32)
    >>> check_agreement(HashEvaluator(9), HashEvaluator(9), planes, atol=0.0)
    >>> try:
    ...     check_agreement(HashEvaluator(9), HashEvaluator(9, seed=1), planes, atol=1e-3)
    ... except AssertionError as e:
    ...     print(str(e).split(":")[0])
    evaluators disagree at row 0 of 4
    """
    logits_a, values_a = a(planes)
    logits_b, values_b = b(planes)
    n = planes.shape[0]
    pairs = []
    for name, x, y in (("logits", logits_a, logits_b), ("values", values_a, values_b)):
        x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
        if x.shape != y.shape or len(x) != n:
            raise AssertionError(f"evaluators disagree on the shape of {name} for {n} rows: "
                                 f"{x.shape} vs {y.shape}")
        pairs.append((name, x.reshape(n, -1), y.reshape(n, -1)))
    for row in range(n):
        for name, x, y in pairs:
            diff = np.abs(x[row] - y[row])
            worst = float(diff.max(initial=0.0)) if np.isfinite(diff).all() else math.inf
            if worst > atol:
                raise AssertionError(f"evaluators disagree at row {row} of {n}: {name} differ by "
                                     f"{worst:.6g} > atol {atol:g}")


def make_evaluator(name: str, num_actions: int) -> Evaluator:
    """``"uniform"`` or ``"hash"`` by name (the benchmark's ``--evaluator``)."""
    if name == "uniform":
        return UniformEvaluator(num_actions)
    if name == "hash":
        return HashEvaluator(num_actions)
    raise ValueError(f"unknown evaluator {name!r}; valid: uniform, hash")
