"""What the search does at the roots only: Dirichlet noise, move choice, Gumbel's schedule, reuse checks.

Internal module of :mod:`mcts.search`; ``considered_visits_table`` is also
public (``mcts.considered_visits_table``).
"""

from __future__ import annotations

import math

import numpy as np

from mcts import kernels
from mcts.tree import KIND_EXPANDED, ROOT, Tree


def considered_visits_table(max_considered: int, num_simulations: int) -> np.ndarray:
    """int32 [max_considered + 1, num_simulations]: Gumbel sequential halving's schedule.

    Row m, column s: the visit count an action must have to be eligible at the
    root for simulation s when m actions are considered. Each phase gives every
    remaining action ``max(1, floor(n / (ceil(log2 m) * remaining)))`` visits,
    then halves the remaining actions (at least 2).

    >>> considered_visits_table(4, 16)[4].tolist()
    [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    """
    table = np.zeros((max_considered + 1, num_simulations), np.int32)
    for m in range(max_considered + 1):
        table[m] = np.arange(num_simulations) if m <= 1 else _halving(m, num_simulations)
    return table


def _halving(m: int, num_simulations: int) -> list[int]:
    """One row of :func:`considered_visits_table` for m >= 2 considered actions."""
    phases = math.ceil(math.log2(m))
    seq: list[int] = []
    visits = 0
    remaining = m
    while len(seq) < num_simulations:
        extra = max(1, num_simulations // (phases * remaining))
        for _ in range(extra):
            seq.extend([visits] * remaining)
            visits += 1
        remaining = max(2, remaining // 2)
    return seq[:num_simulations]


def dirichlet_alpha(num_legal: int, total: float, low: float, high: float) -> float:
    """alpha scaled by the number of legal moves: ``total / num_legal`` clipped to [low, high].

    >>> dirichlet_alpha(35, 10.0, 0.03, 1.0), dirichlet_alpha(362, 10.0, 0.03, 1.0)
    (0.2857142857142857, 0.03)
    """
    return min(max(total / max(num_legal, 1), low), high)


def add_noise(tree: Tree, pending: np.ndarray, rng: np.random.Generator, *, epsilon: float,
              total: float, low: float, high: float, root_full: np.ndarray) -> np.ndarray:
    """Mix Dirichlet noise into the priors of the ``pending`` roots that are now expanded.

    ``P = (1 - epsilon) P + epsilon Dir(alpha)``, alpha from :func:`dirichlet_alpha`.
    A root that already has children (kept by subtree reuse) gets ``root_full``
    (PUCT scans all its edges: its edge order no longer follows the priors);
    otherwise the best edge is promoted again. Returns the roots still pending.
    """
    t = tree
    ready = pending & (t.node_kind[:, ROOT] == KIND_EXPANDED)
    for b in np.flatnonzero(ready):
        first, k = int(t.node_first_edge[b, ROOT]), int(t.node_num_edges[b, ROOT])
        if k <= 1:
            continue
        noise = rng.dirichlet(np.full(k, dirichlet_alpha(k, total, low, high)))
        p = t.edge_prior[b, first:first + k].astype(np.float64)
        t.edge_prior[b, first:first + k] = (1 - epsilon) * p + epsilon * noise
        if (t.edge_child[b, first:first + k] >= 0).any():
            root_full[b] = True
        else:
            kernels.promote_best(first, first + k, t.edge_action[b], t.edge_prior[b],
                                 t.edge_child[b])
    return pending & ~ready


def choose_moves(visits: np.ndarray, temperature: float, rng: np.random.Generator) -> np.ndarray:
    """int64 [B]: the most visited move (lowest action on ties), or a sample with P ~ N^(1/T)."""
    if temperature <= 0:
        return visits.argmax(axis=1).astype(np.int64)
    action = np.zeros(len(visits), np.int64)
    for b in range(len(visits)):
        n = visits[b].astype(np.float64)
        w = np.where(n > 0, np.exp((np.log(np.maximum(n, 1e-300)) - np.log(n.max())) / temperature), 0.0)
        action[b] = rng.choice(len(w), p=w / w.sum())
    return action


def child_of_root(tree: Tree, b: int, action: int) -> int:
    """The node under tree b's root reached by ``action``, or -1."""
    t = tree
    first, k = int(t.node_first_edge[b, ROOT]), int(t.node_num_edges[b, ROOT])
    if first < 0:
        return -1
    hit = np.flatnonzero(t.edge_action[b, first:first + k] == action)
    return int(t.edge_child[b, first + hit[0]]) if len(hit) else -1


def kept_root_visits(tree: Tree, b: int, out: np.ndarray) -> None:
    """Visits of each of tree b's root edges (by offset; 0 where no child) into ``out``."""
    t = tree
    first, k = int(t.node_first_edge[b, ROOT]), int(t.node_num_edges[b, ROOT])
    child = t.edge_child[b, first:first + k]
    out[:] = 0
    out[:k] = np.where(child >= 0, t.node_visits[b, np.maximum(child, 0)], 0)


def root_matches(tree: Tree, b: int, to_play: int, legal: np.ndarray) -> bool:
    """Whether tree b's kept root fits the given position (player to move, legal moves)."""
    t = tree
    if t.num_nodes[b] < 1 or t.node_kind[b, ROOT] != KIND_EXPANDED:
        return False
    if t.node_to_play[b, ROOT] != to_play:
        return False
    first, k = int(t.node_first_edge[b, ROOT]), int(t.node_num_edges[b, ROOT])
    acts = t.edge_action[b, first:first + k]
    return k == int(legal.sum()) and bool(legal[acts].all())
