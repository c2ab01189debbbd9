"""Leaf builders: the positions of each step's new leaves, their rules' facts and planes.

Internal module of :mod:`mcts.search`. After ``select`` a builder turns the new
leaves (tree, node, parent node, action from the parent, depth, path from the
root) into rows of :class:`LeafBuffers`: player to move, terminal, outcome,
legal moves and feature planes, all through the ``Game`` interface, a handful
of batched calls per step whatever the number of leaves. ``make_builder`` picks
one of three ways once per search:

- :class:`CachedLeafBuilder` (Go, gomoku): every node's position kept in a state
  store; a leaf is its parent's row copied plus one move. Go's store rows are
  compact (board, captured_at, scalars: ~300 bytes instead of 3.7 KB on 9x9)
  and one call per step (``GoGame.branch_rows``) copies, plays, and writes the
  rules' facts and planes, reading history boards from the ancestors' rows.
- :class:`ReplayLeafBuilder` (Go, gomoku when the store does not fit): each
  leaf's root row copied, then its path replayed, one ``apply`` per depth level.
- :class:`PushPopLeafBuilder` (chess): python-chess ``push``/``pop`` along each
  path on one working copy of the roots.
"""

from __future__ import annotations

import time
from typing import Any, NamedTuple

import numpy as np

from games.base import ArrayState, Game, field_names
from mcts import kernels
from mcts.tree import KIND_NEW, ROOT, Tree

HISTORY_ROWS = 8
"""Ancestor rows passed per leaf to a game's compact-row kernel (Go's 8 history boards)."""

def _fields(states: Any) -> tuple[str, ...]:
    """The dataclass field names of a state object (cached per type in games.base)."""
    return field_names(type(states))


def rows_view(states: Any, rows: np.ndarray | int | slice) -> Any:
    """A state object of some rows that shares storage with ``states``.

    An int ``n`` (the first n rows) or a slice gives numpy views (writes reach
    ``states``). For states with list fields (chess) a row index array gives a
    state whose lists hold the same row objects (boards pushed in ``states``
    show in the view) and whose array fields are copies.
    """
    if isinstance(rows, (int, np.integer)):
        rows = slice(0, int(rows))
    if isinstance(rows, slice):
        return type(states)(*[getattr(states, name)[rows] for name in _fields(states)])
    values = []
    for name in _fields(states):
        value = getattr(states, name)
        values.append([value[r] for r in rows] if isinstance(value, list) else value[rows])
    return type(states)(*values)


def byte_rows(states: ArrayState) -> tuple[np.ndarray, ...]:
    """Every field of an ArrayState as a uint8 ``[B, bytes per row]`` view of the same memory."""
    out = []
    for name in _fields(states):
        a = getattr(states, name)
        view = np.ascontiguousarray(a).reshape(a.shape[0], -1).view(np.uint8)
        if not np.shares_memory(view, a) and a.size:
            raise ValueError(f"field {name} of {type(states).__name__} is not contiguous")
        out.append(view)
    return tuple(out)


def state_row_bytes(game: Game, states: Any) -> int:
    """Bytes of one row of an ArrayState (all its arrays' rows)."""
    one = game.take(states, [0])
    return sum(int(getattr(one, name).nbytes) for name in _fields(one))


class LeafBuffers:
    """Per-step outputs of leaf building, for up to ``capacity`` leaves; row j is the j-th built leaf."""

    def __init__(self, capacity: int, num_actions: int, planes_shape: tuple[int, ...]) -> None:
        self.to_play = np.zeros(capacity, np.int8)
        """int8 [L]: player to move at the leaf."""
        self.terminal = np.zeros(capacity, np.bool_)
        """bool [L]: the leaf is a finished game."""
        self.outcome = np.zeros(capacity, np.float32)
        """float32 [L]: the rules' value for the player to move (terminal leaves)."""
        self.legal = np.zeros((capacity, num_actions), np.bool_)
        """bool [L, A]: legal moves."""
        self.planes = np.zeros((capacity, *planes_shape), np.float32)
        """float32 [L, C, H, W]: the evaluator's input."""

    @staticmethod
    def bytes_for(capacity: int, num_actions: int, planes_shape: tuple[int, ...]) -> int:
        return capacity * (6 + num_actions + 4 * int(np.prod(planes_shape)))


class Selected(NamedTuple):
    """The leaves ``select`` wrote this step, i < n of capacity L (all int64)."""

    tree: np.ndarray
    """[L]: the leaf's tree b."""
    node: np.ndarray
    """[L]: the leaf's node in its tree."""
    depth: np.ndarray
    """[L]: its depth (0: a root still to be evaluated)."""
    kind: np.ndarray
    """[L]: ``KIND_NEW`` (to build and evaluate) or ``KIND_TERMINAL`` (value known)."""
    path: np.ndarray
    """[L, N]: actions from the root, ``path[i, :depth[i]]``."""
    built: np.ndarray
    """[L]: filled by the builder: the row of :class:`LeafBuffers` holding leaf i, -1 if not new."""


def new_leaves(n: int, sel: Selected) -> tuple[np.ndarray, ...]:
    """Indices of the new leaves among the first n selected, and their trees, paths and depths."""
    new = np.flatnonzero(sel.kind[:n] == KIND_NEW)
    depths = sel.depth[new]
    max_depth = max(int(depths.max()), 1) if len(new) else 1
    return new, sel.tree[new], sel.path[new, :max_depth], depths


class LeafBuilder:
    """Builds the positions of new leaves and writes their rules' facts and planes into buffers."""

    game: Game
    timings: dict[str, float]
    """Seconds spent playing moves (copies included), reading the rules' facts, encoding planes."""

    def start(self, roots: Any, fresh: np.ndarray, active: np.ndarray | None = None) -> None:
        """A new search over ``roots`` (search copy, all B rows); trees in ``fresh`` start
        from scratch; ``active`` (bool [B]) marks the trees searched now."""

    def build(self, n: int, sel: Selected, out: LeafBuffers) -> int:
        """Build the new leaves among the first n of ``sel`` into rows of ``out``.

        Sets ``sel.built[:n]`` (row of ``out`` per leaf, -1 if not new); returns
        the number m of rows written.
        """
        raise NotImplementedError

    def moved(self, b: int, moved_from: np.ndarray, count: int) -> None:
        """Tree b was re-rooted: its new node m was node ``moved_from[m]``, m < count."""

    def _facts(self, view: Any, rows: slice, out: LeafBuffers) -> None:
        """Rules' facts and planes of the rows of ``view`` into ``out[rows]``."""
        game = self.game
        t1 = time.perf_counter()
        out.to_play[rows] = game.to_play(view)
        game.terminal(view, out=out.terminal[rows])
        game.outcome(view, out=out.outcome[rows])
        game.legal_mask(view, out=out.legal[rows])
        t2 = time.perf_counter()
        game.encode(view, out=out.planes[rows])
        self.timings["rules"] += t2 - t1
        self.timings["encode"] += time.perf_counter() - t2


class CachedLeafBuilder(LeafBuilder):
    """ArrayState games (Go, gomoku) with every node's position kept in a state store.

    The store has ``B * (N + 1)`` rows; ``node_row[b, n]`` is the row of node n
    of tree b. Each step's new leaves take the next free rows, one contiguous
    block: their parents' rows are copied into the block (one numba call over
    the store's fields as bytes, :func:`mcts.kernels.copy_rows`), one ``apply``
    (``check=False``) on a view of the block plays every leaf's move, and the
    rules' facts and planes are read from the same view. So a leaf costs one
    move whatever its depth. At the start of each search the rows of the nodes
    kept by subtree reuse are compacted to the front.

    A game with ``branch_rows`` (Go) does the copy, the move, the facts and the
    planes in that one call over *compact* rows (only what the next move needs;
    chains are rebuilt from the board, history planes come from the rows of the
    leaf's ancestors, :func:`mcts.kernels.history_rows`, then the root's ring):
    the copies of the 3.7 KB rows of cold memory were most of the leaf cost.
    Root rows stay full rows (written from the caller's roots at every start).
    """

    def __init__(self, game: Game, template: Any, batch: int, max_nodes: int, tree: Tree) -> None:
        self.game, self.tree = game, tree
        self.store = game.take(template, np.zeros(batch * (max_nodes + 1), np.int64))
        self.store_bytes = byte_rows(self.store)
        self.node_row = np.zeros((batch, max_nodes), np.int64)
        capacity = len(tree.num_nodes) * max_nodes
        self._src = np.zeros(capacity, np.int64)
        self._dst = np.zeros(capacity, np.int64)
        self._actions = np.zeros(capacity, np.int64)
        self.used = 0
        self.timings = {"play": 0.0, "rules": 0.0, "encode": 0.0}
        self._branch = getattr(game, "branch_rows", None)
        """The game's compact-row leaf kernel (``GoGame.branch_rows``), if it has one."""
        self._hist: np.ndarray | None = None

    def start(self, roots: Any, fresh: np.ndarray, active: np.ndarray | None = None) -> None:
        t = self.tree
        kept = np.ones(len(t.num_nodes), np.bool_)
        kept[fresh] = False
        counts = np.where(kept, t.num_nodes, 0)
        mask = np.arange(self.node_row.shape[1])[None, :] < counts[:, None]
        live = self.node_row[mask]
        self.game.assign(self.store, np.arange(len(live)), self.store, live)  # reads before writing
        self.node_row[mask] = np.arange(len(live))
        rows = len(live) + np.arange(len(fresh))
        if len(fresh):
            self.game.assign(self.store, rows, roots, fresh)
            self.node_row[fresh, ROOT] = rows
        if active is not None:  # kept roots: full rows from the caller (compact rows lack history)
            kept_active = np.flatnonzero(kept & active)
            if len(kept_active):
                self.game.assign(self.store, self.node_row[kept_active, ROOT], roots, kept_active)
        self.used = len(live) + len(fresh)

    def build(self, n, sel, out):
        t0 = time.perf_counter()
        c, t = self.used, self.tree
        m, k = kernels.place_new_leaves(n, sel.tree, sel.node, sel.depth, sel.kind, t.node_parent,
                                        t.node_action, self.node_row, c, sel.built, self._src,
                                        self._dst, self._actions)
        if m and self._branch is not None:  # Go: compact rows, one call per step
            if self._hist is None or len(self._hist) < m:
                self._hist = np.zeros((max(m, len(sel.tree)), HISTORY_ROWS), np.int64)
            kernels.history_rows(n, sel.tree, sel.node, sel.built, t.node_parent, self.node_row,
                                 self._hist)
            self._branch(self.store, self._src[:m], self._dst[:m], self._actions[:k], k,
                         self._hist[:m], to_play=out.to_play, terminal=out.terminal,
                         outcome=out.outcome, legal=out.legal, planes=out.planes)
            self.used = c + m
            t1 = time.perf_counter()
            self.timings["play"] += t1 - t0
        elif m:
            kernels.copy_rows(self.store_bytes, self._dst[:m], self.store_bytes, self._src[:m])
            block = rows_view(self.store, slice(c, c + m))
            if k:
                self.game.apply(block if k == m else rows_view(block, k), self._actions[:k],
                                check=False)
            self.used = c + m
            self.timings["play"] += time.perf_counter() - t0
            self._facts(block, slice(0, m), out)
        return m

    def moved(self, b: int, moved_from: np.ndarray, count: int) -> None:
        self.node_row[b, :count] = self.node_row[b, moved_from[:count]]


class ReplayLeafBuilder(LeafBuilder):
    """ArrayState games without a state store: replay each leaf's path from its root.

    Copies each leaf's root row into a preallocated leaf batch, then, with
    leaves sorted deepest first, applies the path actions depth by depth to a
    prefix view of the batch (``check=False``): one ``apply`` call per depth
    level for all leaves of all trees.
    """

    def __init__(self, game: Game, template: Any, capacity: int) -> None:
        self.game = game
        self.roots = template
        self.leaves = game.take(template, np.zeros(capacity, np.int64))
        self.timings = {"play": 0.0, "rules": 0.0, "encode": 0.0}

    def start(self, roots: Any, fresh: np.ndarray, active: np.ndarray | None = None) -> None:
        self.roots = roots

    def build(self, n, sel, out):
        game = self.game
        t0 = time.perf_counter()
        new, trees, paths, depths = new_leaves(n, sel)
        m = len(new)
        order = np.argsort(-depths, kind="stable")
        sel.built[:n] = -1
        sel.built[new[order]] = np.arange(m)
        game.assign(self.leaves, np.arange(m), self.roots, trees[order])
        sorted_depths = depths[order]
        max_depth = int(sorted_depths[0]) if m else 0
        if max_depth:
            columns = np.ascontiguousarray(paths[order, :max_depth].T)
            # counts[d] = leaves deeper than d: a prefix, as depths are sorted descending
            counts = (sorted_depths[None, :] > np.arange(max_depth)[:, None]).sum(axis=1)
            for d in range(max_depth):
                k = int(counts[d])
                game.apply(rows_view(self.leaves, k), columns[d, :k], check=False)
        self.timings["play"] += time.perf_counter() - t0
        if m:
            self._facts(rows_view(self.leaves, m), slice(0, m), out)
        return m


class PushPopLeafBuilder(LeafBuilder):
    """Games with ``push(states, row, action)`` / ``pop(states, row)`` (chess, python-chess boards).

    Keeps one working copy of the B roots. In rounds (one leaf per tree per
    round), pushes each leaf's path onto its tree's row, reads legal moves,
    outcome and planes through a view of those rows, and pops back.
    """

    def __init__(self, game: Game) -> None:
        self.game = game
        self.work: Any = None
        self.timings = {"play": 0.0, "rules": 0.0, "encode": 0.0}

    def start(self, roots: Any, fresh: np.ndarray, active: np.ndarray | None = None) -> None:
        self.work = self.game.copy(roots)

    def build(self, n, sel, out):
        new, trees, paths, depths = new_leaves(n, sel)
        rank = np.zeros(len(trees), np.int64)  # round r holds the r-th leaf of every tree
        seen: dict[int, int] = {}
        for i, b in enumerate(trees.tolist()):
            rank[i] = seen.get(b, 0)
            seen[b] = rank[i] + 1
        order = np.argsort(rank, kind="stable")
        start = 0
        for r in range(int(rank.max()) + 1 if len(trees) else 0):
            idx = order[start:start + int(np.count_nonzero(rank == r))]
            self._round(trees, paths, depths, idx, slice(start, start + len(idx)), out)
            start += len(idx)
        sel.built[:n] = -1
        sel.built[new[order]] = np.arange(len(new))
        return len(new)

    def _round(self, trees, paths, depths, idx, rows, out) -> None:
        """Push the paths of leaves ``idx`` (one per tree), read them into ``out[rows]``, pop."""
        game, work = self.game, self.work
        t0 = time.perf_counter()
        for i in idx.tolist():
            b = int(trees[i])
            for a in paths[i, :depths[i]].tolist():
                game.push(work, b, a)  # type: ignore[attr-defined]
        view = rows_view(work, trees[idx])
        self.timings["play"] += time.perf_counter() - t0
        self._facts(view, rows, out)
        t0 = time.perf_counter()
        for i in idx.tolist():
            for _ in range(int(depths[i])):
                game.pop(work, int(trees[i]))  # type: ignore[attr-defined]
        self.timings["play"] += time.perf_counter() - t0


def make_builder(game: Game, roots: Any, tree: Tree, *, capacity: int, cache_states: bool,
                 bytes_left: int) -> tuple[LeafBuilder, str, int]:
    """Pick how leaves are built: push/pop (chess), a state store if it fits, or path replay.

    Returns the builder, its mode (``"push-pop"``, ``"cached"`` or ``"replay"``)
    and the bytes it adds beyond the leaf buffers (the state store).
    """
    if not isinstance(roots, ArrayState) and hasattr(game, "push") and hasattr(game, "pop"):
        return PushPopLeafBuilder(game), "push-pop", 0
    batch, max_nodes = len(tree.num_nodes), tree.max_nodes
    if cache_states and isinstance(roots, ArrayState):
        store = batch * (max_nodes + 1) * (state_row_bytes(game, roots) + 8)
        if store <= bytes_left:
            return CachedLeafBuilder(game, roots, batch, max_nodes, tree), "cached", store
    return ReplayLeafBuilder(game, roots, capacity), "replay", 0
