"""The search trees of B games as one struct of preallocated numpy arrays.

No Python object per node: tree ``b`` is row ``b`` of every array. Nodes are
created lazily, one per simulation, when a descent first crosses an edge; an
expanded node owns a contiguous range of the edge pool (one edge per legal
move; below the root PUCT keeps the range as "visited edges, then the best
unvisited one, then the rest", see ``kernels.promote_best``)::

    node arrays [B, N]                         edge pool [B, E]
    +------+--------------------------+        +--------+-------+-------+
    | node | first_edge  num_edges    |        | action | prior | child |
    |  0   |     0           3    ----+------> | 2      | 0.5   |   1   | --> node 1
    |  1   |     3           2    -+  |        | 5      | 0.3   |  -1   |   (UNEXPANDED:
    |  2   |    -1           0     |  +------> | 7      | 0.2   |   2   |    no node yet)
    +------+--------------------------+   +--> | 0      | 0.6   |  -1   |
                                      +------> | 1      | 0.4   |  -1   |
                                               +--------+-------+-------+

Values. ``node_value_sum`` holds backed-up values from the point of view of
the player who moved *into* the node (the parent's player to move; for the
root, the opponent of the root's player to move), so a parent picks the child
with the largest ``value_sum / visits`` directly. ``node_raw_value`` holds the
evaluator's value (or the rules' outcome for terminal nodes) from the point of
view of the player to move *at* the node, as the evaluator returns it.

Memory. Per node 38 bytes (see ``NODE_BYTES``), per edge 12 bytes. A tree for
S simulations has ``N = S + 1`` nodes (every simulation creates at most one
node, the root is one more) and ``E = N * edges_per_node`` edges, where
``edges_per_node`` bounds the legal moves per position (``num_actions`` for Go
and gomoku; 80 by default for chess, whose pool grows on demand). A Gumbel
search with subtree reuse asks for ``N = 2 S + 1`` (room for a kept subtree
plus a fresh budget) when that fits its budget. Examples:

============================  ===============  ====================
configuration                 bytes per tree   B = 256
============================  ===============  ====================
go9, 800 sims (82 edges)      0.82 MB          210 MB
gomoku15, 800 sims (225)      2.19 MB          561 MB
go19, 800 sims (362)          3.51 MB          899 MB
chess, 800 sims (80)          0.80 MB          205 MB
go9, 64 sims (Gumbel)         0.066 MB         17 MB
go9, 64 sims, Gumbel reuse    0.13 MB          34 MB
============================  ===============  ====================

:func:`allocate` refuses a configuration over its byte budget with
:class:`TreeBudgetError` before touching memory.

This module and :mod:`mcts.kernels` are internal; use :mod:`mcts.search`.
"""

from __future__ import annotations

from typing import NamedTuple, TypeAlias

import numpy as np

NodeIndex: TypeAlias = int
"""Index of a node within its tree's row of the node arrays, ``0 <= n < N``."""

EdgeIndex: TypeAlias = int
"""Index of an edge within its tree's row of the edge pool, ``0 <= e < E``."""

ROOT: NodeIndex = 0
"""The root is always node 0."""

NO_NODE: NodeIndex = -1
"""``node_parent`` of the root."""

UNEXPANDED: int = -1
"""``node_first_edge`` of a node without edges, and ``edge_child`` of an edge not yet crossed."""

NO_ACTION: int = -1
"""``node_action`` of the root."""

# node_kind values
KIND_NEW = 0
"""Created (or reset as a root) but not yet selected for evaluation."""
KIND_PENDING = 1
"""Selected as a leaf in the current step; being evaluated."""
KIND_EXPANDED = 2
"""Evaluated; owns ``node_num_edges`` edges."""
KIND_TERMINAL = 3
"""A finished game; ``node_raw_value`` is the rules' outcome; never expanded."""

NODE_BYTES = 4 + 8 + 4 + 4 + 4 + 4 + 4 + 4 + 1 + 1
"""Bytes per node over all node arrays (38)."""

EDGE_BYTES = 4 + 4 + 4
"""Bytes per edge over all edge arrays (12)."""

DEFAULT_BUDGET_BYTES = 4 << 30
"""Default byte budget for one batch of trees plus its leaf buffers (4 GiB)."""


class TreeBudgetError(MemoryError):
    """A search configuration whose arrays would exceed the byte budget."""


class Tree(NamedTuple):
    """B search trees as arrays; tree ``b`` is row ``b`` of each field.

    Node arrays ``[B, N]``:

    - ``node_visits`` int32: completed simulations through the node.
    - ``node_virtual`` int32: descents through the node still pending in this step (virtual loss).
    - ``node_value_sum`` float64: sum of backed-up values, mover-into-node's view.
    - ``node_raw_value`` float32: evaluator value or terminal outcome, view of the player to move.
    - ``node_parent`` int32: parent node, ``NO_NODE`` for the root.
    - ``node_action`` int32: action from the parent, ``NO_ACTION`` for the root.
    - ``node_first_edge`` int32: first edge in the pool, ``UNEXPANDED`` before expansion.
    - ``node_num_edges`` int32: number of edges (legal moves), 0 before expansion.
    - ``node_to_play`` int8: player to move at the node (0 or 1).
    - ``node_kind`` int8: ``KIND_NEW``, ``KIND_PENDING``, ``KIND_EXPANDED`` or ``KIND_TERMINAL``.

    Edge pool ``[B, E]`` (three strided views of one interleaved block, see ``_edge_pool``):

    - ``edge_action`` int32: the move (order within a node's range: see the module docstring).
    - ``edge_prior`` float32: policy prior (softmax over legal moves; root noise mixed in).
    - ``edge_child`` int32: the child node, ``UNEXPANDED`` until a descent crosses the edge.

    Counters ``[B]``: ``num_nodes`` and ``num_edges`` int32, the used prefix of each row.
    """

    node_visits: np.ndarray
    node_virtual: np.ndarray
    node_value_sum: np.ndarray
    node_raw_value: np.ndarray
    node_parent: np.ndarray
    node_action: np.ndarray
    node_first_edge: np.ndarray
    node_num_edges: np.ndarray
    node_to_play: np.ndarray
    node_kind: np.ndarray
    edge_action: np.ndarray
    edge_prior: np.ndarray
    edge_child: np.ndarray
    num_nodes: np.ndarray
    num_edges: np.ndarray

    @property
    def batch(self) -> int:
        """Number of trees B."""
        return int(self.node_visits.shape[0])

    @property
    def max_nodes(self) -> int:
        """Node capacity N per tree."""
        return int(self.node_visits.shape[1])

    @property
    def max_edges(self) -> int:
        """Edge capacity E per tree."""
        return int(self.edge_action.shape[1])

    @property
    def nbytes(self) -> int:
        """Bytes held by all arrays."""
        return sum(int(a.nbytes) for a in self)


def tree_bytes(batch: int, max_nodes: int, max_edges: int) -> int:
    """Bytes that :func:`allocate` needs for these capacities.

    >>> tree_bytes(1, 801, 801 * 82)
    818630
    """
    return batch * (max_nodes * NODE_BYTES + max_edges * EDGE_BYTES + 8)


def _fmt_bytes(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n} B"


def check_budget(what: str, needed: int, budget: int) -> None:
    """Raise :class:`TreeBudgetError` naming ``what`` and the bytes if ``needed > budget``."""
    if needed > budget:
        raise TreeBudgetError(
            f"{what} needs {_fmt_bytes(needed)} ({needed} bytes), over the budget of "
            f"{_fmt_bytes(budget)} ({budget} bytes); lower the batch or the simulations, "
            f"or raise SearchConfig.memory_budget")


def _edge_pool(batch: int, max_edges: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Zeroed ``edge_action``, ``edge_prior`` and ``edge_child`` (all ``UNEXPANDED``), interleaved.

    The three [B, E] arrays are strided views of one int32 [B, E, 3] block, so an
    edge's action, prior and child share a cache line: a descent through trees
    bigger than the cache misses once per edge line instead of three times
    (select ~25% faster on go9, B = 64, 800 simulations).
    """
    pool = np.zeros((batch, max_edges, 3), np.int32)
    pool[:, :, 2] = UNEXPANDED
    return pool[:, :, 0], pool[:, :, 1].view(np.float32), pool[:, :, 2]


def allocate(batch: int, max_nodes: int, max_edges: int) -> Tree:
    """Zeroed trees (every row empty: ``num_nodes == 0``) for B trees of the given capacities."""
    if batch < 1 or max_nodes < 1 or max_edges < 1:
        raise ValueError(f"tree capacities must be positive, got B={batch}, N={max_nodes}, E={max_edges}")
    b, n, e = batch, max_nodes, max_edges
    edge_action, edge_prior, edge_child = _edge_pool(b, e)
    return Tree(
        node_visits=np.zeros((b, n), np.int32),
        node_virtual=np.zeros((b, n), np.int32),
        node_value_sum=np.zeros((b, n), np.float64),
        node_raw_value=np.zeros((b, n), np.float32),
        node_parent=np.full((b, n), NO_NODE, np.int32),
        node_action=np.full((b, n), NO_ACTION, np.int32),
        node_first_edge=np.full((b, n), UNEXPANDED, np.int32),
        node_num_edges=np.zeros((b, n), np.int32),
        node_to_play=np.zeros((b, n), np.int8),
        node_kind=np.zeros((b, n), np.int8),
        edge_action=edge_action,
        edge_prior=edge_prior,
        edge_child=edge_child,
        num_nodes=np.zeros(b, np.int32),
        num_edges=np.zeros(b, np.int32),
    )


def grow_edges(tree: Tree, max_edges: int) -> Tree:
    """A tree whose edge pool has room for ``max_edges`` edges per row (contents kept)."""
    if max_edges <= tree.max_edges:
        return tree
    b, old = tree.batch, tree.max_edges
    action, prior, child = _edge_pool(b, max_edges)
    action[:, :old] = tree.edge_action
    prior[:, :old] = tree.edge_prior
    child[:, :old] = tree.edge_child
    return tree._replace(edge_action=action, edge_prior=prior, edge_child=child)


def reset_rows(tree: Tree, rows: np.ndarray, to_play: np.ndarray) -> None:
    """Make each of ``rows`` a tree holding only an unevaluated root with ``to_play[i]`` to move."""
    rows = np.asarray(rows, dtype=np.int64)
    if rows.size == 0:
        return
    tree.num_nodes[rows] = 1
    tree.num_edges[rows] = 0
    tree.node_visits[rows, ROOT] = 0
    tree.node_virtual[rows, ROOT] = 0
    tree.node_value_sum[rows, ROOT] = 0.0
    tree.node_raw_value[rows, ROOT] = 0.0
    tree.node_parent[rows, ROOT] = NO_NODE
    tree.node_action[rows, ROOT] = NO_ACTION
    tree.node_first_edge[rows, ROOT] = UNEXPANDED
    tree.node_num_edges[rows, ROOT] = 0
    tree.node_to_play[rows, ROOT] = np.asarray(to_play, dtype=np.int8)
    tree.node_kind[rows, ROOT] = KIND_NEW
