"""Slow, obviously-correct searches with one Python object per node: for tests and benchmarks only.

``puct_search`` and ``gumbel_search`` search one position (a one-row state) a
simulation at a time. Each node keeps its own state (``game.take`` + ``apply``)
and values from the view of *its own* player to move, negated when a parent
looks at a child: a different convention from the array search, which must
still agree with these visit counts exactly (with a deterministic evaluator,
no noise, and ties broken towards the lowest action). Priors are stored as
float32, like the array search's edge pool.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from games.base import Game
from mcts.evaluators import Evaluator
from mcts.root import considered_visits_table
from mcts.search import SearchConfig

TINY = 1e-30


def _total(values) -> float:
    """Left-to-right float sum (``sum`` may compensate rounding in newer Pythons)."""
    total = 0.0
    for v in values:
        total += v
    return total


class Node:
    """One position of the tree; ``value_sum`` is from the view of the player to move here."""

    __slots__ = ("state", "to_play", "terminal", "raw", "priors", "children", "visits", "value_sum")

    def __init__(self, game: Game, state: Any, evaluator: Evaluator) -> None:
        self.state = state
        self.to_play = int(game.to_play(state)[0])
        self.terminal = bool(game.terminal(state)[0])
        self.children: dict[int, Node] = {}
        self.priors: dict[int, float] = {}
        self.visits = 0
        self.value_sum = 0.0
        if self.terminal:
            self.raw = float(game.outcome(state)[0])
            return
        logits, values = evaluator(game.encode(state))
        self.raw = float(values[0])
        legal = [int(a) for a in np.flatnonzero(game.legal_mask(state)[0])]
        top = max(float(logits[0, a]) for a in legal)
        total = _total(math.exp(float(logits[0, a]) - top) for a in legal)
        for a in legal:
            self.priors[a] = float(np.float32(math.exp(float(logits[0, a]) - top) / total))

    def child(self, game: Game, action: int, evaluator: Evaluator) -> "Node":
        state = game.take(self.state, [0])
        game.apply(state, [action])
        node = self.children[action] = Node(game, state, evaluator)
        return node

    def q_for_parent(self, parent: "Node") -> float:
        """Mean value from the parent's player's view."""
        q = self.value_sum / self.visits
        return q if self.to_play == parent.to_play else -q


def _simulate(game: Game, root: Node, evaluator: Evaluator, pick) -> None:
    """One simulation: descend with ``pick(node) -> action``, expand one node, back up."""
    path = [root]
    node = root
    while node.visits > 0 and not node.terminal:
        action = pick(node)
        if action not in node.children:
            node = node.child(game, action, evaluator)
            path.append(node)
            break
        node = node.children[action]
        path.append(node)
    value, player = node.raw, node.to_play
    for n in path:
        n.value_sum += value if n.to_play == player else -value
        n.visits += 1


def puct_search(game: Game, state: Any, evaluator: Evaluator, config: SearchConfig) -> Node:
    """AlphaZero PUCT with FPU; ``config.num_simulations`` simulations below the root."""

    def pick(node: Node) -> int:
        c = config.c_init + math.log((1.0 + node.visits + config.c_base) / config.c_base)
        sqrt_n = math.sqrt(node.visits)
        fpu = node.value_sum / node.visits - config.fpu_reduction
        best, best_score = -1, -math.inf
        for a in sorted(node.priors):
            child = node.children.get(a)
            n = child.visits if child is not None else 0
            q = child.q_for_parent(node) if n > 0 else fpu
            score = q + c * node.priors[a] * sqrt_n / (1.0 + n)
            if score > best_score:
                best, best_score = a, score
        return best

    root = Node(game, game.take(state, [0]), evaluator)
    root.visits, root.value_sum = 1, root.raw
    for _ in range(config.num_simulations):
        _simulate(game, root, evaluator, pick)
    return root


def completed_qs(node: Node, config: SearchConfig) -> dict[int, float]:
    """Completed Q per legal action of ``node`` (v_mix for unvisited ones), rescaled if configured."""
    visited = {a: node.children[a] for a in sorted(node.children) if node.children[a].visits > 0}
    sum_n = sum(c.visits for c in visited.values())
    if visited:
        sum_p = _total(max(node.priors[a], TINY) for a in visited)
        mean = _total(max(node.priors[a], TINY) * c.q_for_parent(node) for a, c in visited.items()) / sum_p
        v_mix = (node.raw + sum_n * mean) / (sum_n + 1)
    else:
        v_mix = node.raw
    q = {a: visited[a].q_for_parent(node) if a in visited else v_mix for a in sorted(node.priors)}
    if config.rescale_q:
        lo, hi = min(q.values()), max(q.values())
        q = {a: (v - lo) / max(hi - lo, 1e-8) for a, v in q.items()}
    return q


def _sigma(node: Node, config: SearchConfig) -> dict[int, float]:
    max_n = max([c.visits for c in node.children.values()] + [0])
    scale = (config.c_visit + max_n) * config.c_scale
    return {a: scale * v for a, v in completed_qs(node, config).items()}


def improved_policy(node: Node, config: SearchConfig) -> dict[int, float]:
    """softmax(log P + sigma(completed Q)) over the legal actions."""
    sig = _sigma(node, config)
    z = {a: math.log(max(node.priors[a], TINY)) + sig[a] for a in sig}
    top = max(z.values())
    e = {a: math.exp(v - top) for a, v in z.items()}
    total = _total(e.values())
    return {a: v / total for a, v in e.items()}


def gumbel_search(game: Game, state: Any, evaluator: Evaluator, config: SearchConfig,
                  gumbel: np.ndarray) -> tuple[Node, int]:
    """Gumbel AlphaZero with ``gumbel`` [A] noise; returns the root and the chosen action."""
    table = considered_visits_table(config.gumbel_considered, config.num_simulations)
    root = Node(game, game.take(state, [0]), evaluator)
    root.visits, root.value_sum = 1, root.raw
    m = min(config.gumbel_considered, len(root.priors))

    def visits(node: Node, a: int) -> int:
        return node.children[a].visits if a in node.children else 0

    def root_score(a: int, sig: dict[int, float]) -> float:
        return max(float(gumbel[a]) + math.log(max(root.priors[a], TINY)) + sig[a], -1e9 + 1.0)

    def pick(node: Node) -> int:
        if node is root:
            sim = sum(c.visits for c in root.children.values())
            want = table[m, min(sim, table.shape[1] - 1)]
            sig = _sigma(root, config)
            eligible = [a for a in sorted(root.priors) if visits(root, a) == want]
            return max(eligible, key=lambda a: (root_score(a, sig), -a))
        pi = improved_policy(node, config)
        total = sum(c.visits for c in node.children.values())
        return max(sorted(pi), key=lambda a: (pi[a] - visits(node, a) / (1 + total), -a))

    for _ in range(config.num_simulations):
        _simulate(game, root, evaluator, pick)
    most = max(visits(root, a) for a in root.priors)
    sig = _sigma(root, config)
    best = max((a for a in sorted(root.priors) if visits(root, a) == most),
               key=lambda a: (root_score(a, sig), -a))
    return root, best


def root_visits(root: Node, num_actions: int) -> np.ndarray:
    """int32 [A]: the root's visit count per action."""
    out = np.zeros(num_actions, np.int32)
    for a, c in root.children.items():
        out[a] = c.visits
    return out
