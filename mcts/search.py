"""The batched search driver: B games' trees searched together, one evaluator call per step.

Each step is three phases with Python only at the seams::

    select  (numba: one or more leaves per tree, virtual loss between them)
      -> build leaves (mcts.leaves: parent's stored row + one move; replay; chess push/pop)
      -> evaluate (one call for every new, non-terminal leaf of every tree)
      -> expand + back up (numba: softmax over legal moves, signed value to the root)

Root-only work (noise, move choice, Gumbel's halving table, reuse checks) lives
in :mod:`mcts.root`.

>>> from games import make_game
>>> from mcts import Search, SearchConfig, UniformEvaluator
>>> game = make_game("tictactoe")
>>> search = Search(game, UniformEvaluator(9), batch=2, config=SearchConfig(num_simulations=50))
>>> result = search.run(game.initial(2))
>>> result.visits.shape, int(result.visits[0].sum()), result.policy.shape
((2, 9), 50, (2, 9))

Root options: Dirichlet noise (``root_noise``; alpha = ``dirichlet_total /
num_legal`` clipped to [``dirichlet_alpha_min``, ``dirichlet_alpha_max``], i.e.
AlphaZero's 0.3 for chess's ~35 moves, 0.03 for 19x19 Go; epsilon 0.25),
temperature for the move choice, and Gumbel AlphaZero (``gumbel``): Gumbel-top-k
with sequential halving at the root, the deterministic interior selection and
completed-Q policy targets (Danihelka et al., ICLR 2022).

Simulation counting: ``num_simulations`` counts leaves visited below the root;
the root's own evaluation is one more. PUCT searches until the root's children
hold ``num_simulations`` visits, counting those carried over by subtree reuse.
Gumbel runs exactly ``num_simulations`` new simulations on top of a kept
subtree: its sequential-halving schedule counts only this search's visits per
root action, while completed Q, sigma and the interior selection use all
visits (see ``Search.advance`` and mcts/README.md). Gumbel trees get room for
``2 * num_simulations + 1`` nodes when that fits the memory budget, so that a
kept subtree and a full fresh budget fit together.

Go: leaf positions below the root are built without the seen-set
(``GoGame.drop_superko``: simple ko only, the documented approximation) while
the root's legal moves always come from the caller's exact state.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from games.base import NO_ACTION, Game
from mcts import kernels, root as root_mod, tree as tree_mod
from mcts.evaluators import Evaluator
from mcts.leaves import LeafBuffers, LeafBuilder, Selected, make_builder
from mcts.root import considered_visits_table
from mcts.tree import KIND_EXPANDED, ROOT, Tree


@dataclass(frozen=True, kw_only=True)
class SearchConfig:
    """Hyperparameters of the search; defaults are the papers' where they have one."""

    num_simulations: int = 800
    """Simulations per move below the root (the root's own evaluation is one more)."""
    c_init: float = 1.25
    """PUCT c_init of c(s) = c_init + log((1 + N(s) + c_base) / c_base) (AlphaZero)."""
    c_base: float = 19652.0
    """PUCT c_base (AlphaZero)."""
    fpu_reduction: float = 0.25
    """First-play urgency: an unvisited child's Q is the parent's Q minus this."""
    leaves_per_tree: int = 1
    """Leaves taken per tree per step, kept apart by virtual loss (raise it for small B)."""
    virtual_loss: float = 1.0
    """Each pending descent counts as a visit of value -virtual_loss for the movers on its path."""
    root_noise: bool = False
    """Mix Dirichlet noise into the root priors (self-play)."""
    dirichlet_epsilon: float = 0.25
    """Weight of the noise: P = (1 - eps) P + eps * Dir(alpha)."""
    dirichlet_total: float = 10.0
    """alpha = dirichlet_total / number of legal moves, then clipped."""
    dirichlet_alpha_min: float = 0.03
    """Lower clip of alpha (AlphaZero's Go value)."""
    dirichlet_alpha_max: float = 1.0
    """Upper clip of alpha."""
    temperature: float = 0.0
    """PUCT move choice: 0 plays the most visited move, T > 0 samples with P ~ N^(1/T)."""
    gumbel: bool = False
    """Gumbel AlphaZero at the root instead of PUCT everywhere."""
    gumbel_considered: int = 16
    """Gumbel: actions sampled without replacement at the root (m of Gumbel-top-k)."""
    gumbel_scale: float = 1.0
    """Gumbel: scale of the Gumbel noise (0: deterministic, for evaluation)."""
    c_visit: float = 50.0
    """Gumbel: sigma(q) = (c_visit + max_b N(b)) * c_scale * q."""
    c_scale: float = 1.0
    """Gumbel: see c_visit."""
    rescale_q: bool = True
    """Gumbel: min-max rescale completed Q to [0, 1] per node before sigma (as mctx does)."""
    reuse_tree: bool = True
    """Keep the subtree of the move played (PUCT and Gumbel; see Search.advance)."""
    avoid_losing_pass: bool = True
    """Go: do not play a pass that lets the opponent end the game by passing back without us
    winning on the board as it stands; play the most visited other move (Leela Zero does the
    same in play). Why: at low simulation counts the opponent's pass reply is often never expanded, so
    the search cannot see that passing while behind loses (seen against random: 1 loss in 40).
    Self-play turns it off (see SelfPlayConfig.search_config)."""
    cache_states: bool = True
    """Go/gomoku: keep every node's position so a leaf costs one move (replay paths if it does not fit)."""
    edges_per_node: int | None = None
    """Initial edge-pool size per node; None: num_actions, or 80 when that exceeds 512 (chess)."""
    memory_budget: int = tree_mod.DEFAULT_BUDGET_BYTES
    """Bytes the trees and leaf buffers may take; a bigger configuration is refused."""
    seed: int = 0
    """Seed of the search's own random generator (noise, Gumbel, temperature)."""

    def __post_init__(self) -> None:
        if self.num_simulations < 1:
            raise ValueError(f"num_simulations must be >= 1, got {self.num_simulations}")
        if self.leaves_per_tree < 1:
            raise ValueError(f"leaves_per_tree must be >= 1, got {self.leaves_per_tree}")
        if self.gumbel_considered < 1:
            raise ValueError(f"gumbel_considered must be >= 1, got {self.gumbel_considered}")


@dataclass
class SearchResult:
    """What a search returns for each of the B games; arrays are ``[B, num_actions]`` or ``[B]``."""

    visits: np.ndarray
    """int32 [B, A]: visit count of each root move (0 for illegal or unvisited moves)."""
    q: np.ndarray
    """float32 [B, A]: mean value of each root move, root player's view; 0 where unvisited."""
    prior: np.ndarray
    """float32 [B, A]: root priors the search used (noise included)."""
    legal: np.ndarray
    """bool [B, A]: the root's legal moves."""
    policy: np.ndarray
    """float32 [B, A]: training target (visit shares; Gumbel: softmax(logits + sigma(completed Q)))."""
    root_value: np.ndarray
    """float32 [B]: mean value at the root, root player's view."""
    action: np.ndarray
    """int64 [B]: the chosen move."""
    pv: list[list[int]]
    """Per game, the principal variation (most visited line) as actions."""
    simulations: np.ndarray
    """int32 [B]: visits below the root (carried-over ones included)."""


class Search:
    """Batched MCTS over B games: PUCT (AlphaZero) or Gumbel AlphaZero, subtree reuse.

    ``run(states)`` searches the B positions of ``states`` (a state object of
    ``game`` with B rows, none finished) and returns a :class:`SearchResult`.
    After the games move on, ``advance(actions)`` keeps each tree's subtree
    under the move played so the next ``run`` (with the new states) starts
    from its statistics. ``timings`` accumulates seconds per phase.
    """

    def __init__(self, game: Game, evaluator: Evaluator, batch: int,
                 config: SearchConfig | None = None) -> None:
        self.game = game
        self.evaluator = evaluator
        self.config = config = config or SearchConfig()
        self.batch = batch
        self.leaf_capacity = batch * config.leaves_per_tree
        self.tree: Tree = self._allocate_trees()
        nodes = self.tree.max_nodes
        self._out = LeafBuffers(self.leaf_capacity, game.info.num_actions, self._planes_shape)
        cap = self.leaf_capacity
        self._sel = Selected(tree=np.zeros(cap, np.int64), node=np.zeros(cap, np.int64),
                             depth=np.zeros(cap, np.int64), kind=np.zeros(cap, np.int64),
                             path=np.zeros((cap, nodes), np.int64), built=np.zeros(cap, np.int64))
        self._scratch = np.zeros((5, game.info.num_actions), np.float64)
        self._gumbel = np.zeros((batch, game.info.num_actions), np.float32)
        self._tables = {config.num_simulations:
                        considered_visits_table(config.gumbel_considered, config.num_simulations)}
        self._roots: Any = None
        """All B roots, kept for ``run(rows=...)`` (the leaf builders index roots by tree)."""
        self._params = np.array([config.c_init, config.c_base, config.fpu_reduction,
                                 config.virtual_loss, config.c_visit, config.c_scale,
                                 1.0 if config.rescale_q else 0.0], np.float64)
        self._mode = kernels.MODE_GUMBEL if config.gumbel else kernels.MODE_PUCT
        self._reusable = np.zeros(batch, np.bool_)
        self._root_kept = np.zeros((batch, game.info.num_actions), np.int32)
        """Gumbel: visits each root edge (by offset) carried over by subtree reuse."""
        self._base = np.ones(batch, np.int64)
        """Root visits a search adds its budget to: 1 (the root's evaluation), or for
        Gumbel with a kept tree, the kept root's visits (its budget is all fresh)."""
        self._root_full = np.zeros(batch, np.bool_)
        self._moved_from = np.zeros(nodes, np.int32)
        self._builder: LeafBuilder | None = None
        self.leaf_mode = ""
        """How leaves are built: "cached", "replay" or "push-pop" (set at the first run)."""
        self.rng = np.random.default_rng(config.seed)
        self.timings = {"select": 0.0, "leaves": 0.0, "evaluate": 0.0, "backup": 0.0,
                        "root": 0.0}
        self.steps = 0
        self.leaves_evaluated = 0

    @property
    def _planes_shape(self) -> tuple[int, ...]:
        info = self.game.info
        return (info.num_planes, *info.board_shape)

    def _allocate_trees(self) -> Tree:
        """The trees: ``num_simulations + 1`` nodes each, or for Gumbel with reuse twice
        the simulations + 1 when that fits the budget (a kept subtree plus a full
        fresh budget must fit; see ``advance``)."""
        sims = self.config.num_simulations
        if self.config.gumbel and self.config.reuse_tree:
            try:
                return self._allocate(2 * sims + 1)
            except tree_mod.TreeBudgetError:
                pass
        return self._allocate(sims + 1)

    def _allocate(self, nodes: int) -> Tree:
        """The trees, after checking trees + leaf buffers + paths against the memory budget."""
        info, cfg, batch = self.game.info, self.config, self.batch
        per_node = cfg.edges_per_node or (info.num_actions if info.num_actions <= 512 else 80)
        per_node = min(per_node, info.num_actions)
        needed = (tree_mod.tree_bytes(batch, nodes, nodes * per_node)
                  + LeafBuffers.bytes_for(self.leaf_capacity, info.num_actions, self._planes_shape)
                  + self.leaf_capacity * nodes * 8 + batch * info.num_actions * 4)
        what = (f"search of {info.spec} with B={batch} trees x {nodes} nodes x {per_node} edges/node "
                f"({cfg.leaves_per_tree} leaves/tree/step)")
        tree_mod.check_budget(what, needed, cfg.memory_budget)
        self.bytes = needed
        return tree_mod.allocate(batch, nodes, nodes * per_node)

    # -- public API -----------------------------------------------------------
    def reset(self, rows: Sequence[int] | np.ndarray | None = None) -> None:
        """Forget the trees of ``rows`` (default all): their next ``run`` starts fresh."""
        self._reusable[self._rows(rows)] = False

    def advance(self, actions: Sequence[int] | np.ndarray,
                rows: Sequence[int] | np.ndarray | None = None) -> None:
        """The games of ``rows`` (default all B) moved by ``actions``: keep each subtree under its move.

        A tree whose move has no evaluated child (or with ``reuse_tree`` off)
        starts fresh at the next ``run``; so does a Gumbel tree whose kept
        subtree and a full fresh budget would not fit its node capacity. Pass
        the states after the move to that ``run``.
        """
        idx = self._rows(rows)
        acts = np.asarray(actions, dtype=np.int64).reshape(-1)
        if acts.shape != idx.shape:
            raise ValueError(f"advance needs {len(idx)} actions, got shape {acts.shape}")
        t = self.tree
        for b, action in zip(idx.tolist(), acts.tolist()):
            keep = False
            if self._reusable[b] and self.config.reuse_tree:
                child = root_mod.child_of_root(t, b, action)
                if child > 0 and t.node_kind[b, child] == KIND_EXPANDED:
                    count = kernels.reroot(b, child, *self._node_args(), t.num_nodes, t.num_edges,
                                           self._moved_from)
                    if self._builder is not None:
                        self._builder.moved(b, self._moved_from, count)
                    keep = not self.config.gumbel or (
                        count + self.config.num_simulations <= t.max_nodes)
            self._reusable[b] = keep

    def run(self, states: Any, *, rows: Sequence[int] | np.ndarray | None = None,
            temperature: float | None = None, stop: threading.Event | None = None,
            deadline: float | None = None, simulations: int | None = None,
            on_progress: Callable[[SearchResult], None] | None = None,
            progress_interval: float = 0.5) -> SearchResult:
        """Search the positions of ``states``; returns visit counts, values, policy target, move.

        ``rows``: the trees to search (default all B); ``states`` then holds
        ``len(rows)`` positions in that order and the result ``len(rows)`` rows;
        the other trees are left as they are. ``stop`` (set from another thread)
        and ``deadline`` (a ``time.monotonic()`` value) end the search early,
        once every root is evaluated. ``simulations`` lowers this call's budget
        (at most ``config.num_simulations``, the trees' capacity).
        ``on_progress`` gets the current :class:`SearchResult` about every
        ``progress_interval`` seconds (analysis output).
        """
        cfg, t = self.config, self.tree
        budget = cfg.num_simulations if simulations is None else int(simulations)
        if not 1 <= budget <= cfg.num_simulations:
            raise ValueError(f"simulations must be in [1, {cfg.num_simulations}], got {budget}")
        t0 = time.perf_counter()
        idx = self._rows(rows)
        active = np.zeros(self.batch, np.bool_)
        active[idx] = True
        root_legal, fresh = self._start(states, idx, active)
        noise_pending = active & cfg.root_noise
        num_considered = np.minimum(cfg.gumbel_considered, root_legal.sum(axis=1)).astype(np.int32)
        table = self._table(budget)
        self.timings["root"] += time.perf_counter() - t0
        wanted = np.zeros(self.batch, np.int64)
        next_report = time.monotonic() + progress_interval
        noise = bool(noise_pending.any())
        while True:
            if noise:
                noise_pending = root_mod.add_noise(
                    t, noise_pending, self.rng, epsilon=cfg.dirichlet_epsilon,
                    total=cfg.dirichlet_total, low=cfg.dirichlet_alpha_min,
                    high=cfg.dirichlet_alpha_max, root_full=self._root_full)
                noise = bool(noise_pending.any())
            # one small kernel instead of ~8 numpy calls per step (B = 1 pays them per leaf)
            total, roots_pending = kernels.plan_step(t.node_visits, t.node_kind, self._base, budget,
                                                     cfg.leaves_per_tree, active, wanted)
            if total == 0:
                break
            if (stop is not None or deadline is not None) and not roots_pending and (
                    (stop is not None and stop.is_set())
                    or (deadline is not None and time.monotonic() >= deadline)):
                break
            self._step(wanted, num_considered, root_legal, table, roots_pending)
            t = self.tree
            if on_progress is not None and time.monotonic() >= next_report:
                on_progress(self._result(root_legal, 0.0, idx))
                next_report = time.monotonic() + progress_interval
        t0 = time.perf_counter()
        result = self._result(root_legal, cfg.temperature if temperature is None else temperature, idx)
        if cfg.avoid_losing_pass and self.game.info.pass_action != NO_ACTION:
            self._avoid_losing_pass(states, result)
        self.timings["root"] += time.perf_counter() - t0
        return result

    def _avoid_losing_pass(self, states: Any, result: SearchResult) -> None:
        """Replace a losing pass (see SearchConfig.avoid_losing_pass) by the most visited other move."""
        pass_action = self.game.info.pass_action
        rows = np.flatnonzero(result.action == pass_action)
        if not len(rows):
            return
        rows = rows[self.game.passing_loses(self.game.take(states, rows))]
        for r in rows:
            other = result.legal[r].copy()
            other[pass_action] = False
            if other.any():  # most visits, then the policy target, among the other legal moves
                key = np.where(other, result.visits[r] + 0.5 * result.policy[r], -1.0)
                result.action[r] = int(np.argmax(key))

    def _rows(self, rows: Sequence[int] | np.ndarray | None) -> np.ndarray:
        """``rows`` as distinct tree indices (int64); None means all B."""
        if rows is None:
            return np.arange(self.batch)
        idx = np.asarray(rows, dtype=np.int64).reshape(-1)
        if len(idx) and (idx.min() < 0 or idx.max() >= self.batch):
            raise ValueError(f"rows must lie in [0, {self.batch}), got {idx.tolist()}")
        if len(np.unique(idx)) != len(idx):
            raise ValueError(f"rows must be distinct, got {idx.tolist()}")
        return idx

    def _table(self, budget: int) -> np.ndarray:
        """Gumbel's sequential-halving visit table for a budget (cached)."""
        if budget not in self._tables:
            self._tables[budget] = considered_visits_table(self.config.gumbel_considered, budget)
        return self._tables[budget]

    def _full_roots(self, states: Any, idx: np.ndarray) -> Any:
        """All B roots with ``states`` written into rows ``idx`` (``states`` itself when idx is all)."""
        game = self.game
        if len(idx) == self.batch and (idx == np.arange(self.batch)).all():
            self._roots = None  # the caller's object is the full batch
            return states
        if self._roots is None:
            self._roots = game.take(states, np.zeros(self.batch, np.int64))
        game.assign(self._roots, idx, states, np.arange(len(idx)))
        return self._roots

    def _start(self, states: Any, idx: np.ndarray, active: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Check ``states``, reset the trees that cannot be kept, start the leaf builder.

        Returns the roots' exact legal moves bool [B, A] (zero outside ``idx``)
        and the fresh trees' mask [B].
        """
        game, cfg, t = self.game, self.config, self.tree
        if game.batch_size(states) != len(idx):
            raise ValueError(f"got {game.batch_size(states)} positions for {len(idx)} trees")
        done = game.terminal(states)
        if done.any():
            raise ValueError(f"cannot search finished games (rows {idx[np.flatnonzero(done)].tolist()})")
        root_to_play = np.zeros(self.batch, np.int8)
        root_to_play[idx] = game.to_play(states)
        root_legal = np.zeros((self.batch, game.info.num_actions), np.bool_)
        root_legal[idx] = game.legal_mask(states)
        fresh = active & ~self._reusable
        for b in np.flatnonzero(active & ~fresh):
            if not root_mod.root_matches(t, int(b), root_to_play[b], root_legal[b]):
                fresh[b] = True
        tree_mod.reset_rows(t, np.flatnonzero(fresh), root_to_play[fresh])
        self._base[active] = 1
        self._root_kept[active] = 0
        if cfg.gumbel:  # kept trees: the halving schedule counts this search's visits only
            for b in np.flatnonzero(active & ~fresh):
                root_mod.kept_root_visits(t, int(b), self._root_kept[b])
                self._base[b] = t.node_visits[b, ROOT]
        self._reusable[active] = True
        self._root_full[active] = False
        if cfg.gumbel:
            scale = cfg.gumbel_scale
            self._gumbel[idx] = (scale * self.rng.gumbel(size=(len(idx), self._gumbel.shape[1]))
                                 if scale > 0 else 0.0)
        full = self._full_roots(states, idx)
        drop = getattr(game, "drop_superko", None)
        search_roots = drop(full) if drop is not None else full
        if self._builder is None:
            self._builder, self.leaf_mode, extra = make_builder(
                game, search_roots, t, capacity=self.leaf_capacity,
                cache_states=cfg.cache_states, bytes_left=cfg.memory_budget - self.bytes)
            self.bytes += extra
        self._builder.start(search_roots, np.flatnonzero(fresh), active)
        return root_legal, fresh

    # -- one step: select -> build leaves -> evaluate -> expand + back up -------
    def _node_args(self) -> tuple[np.ndarray, ...]:
        t = self.tree
        return (t.node_visits, t.node_virtual, t.node_value_sum, t.node_raw_value, t.node_parent,
                t.node_action, t.node_first_edge, t.node_num_edges, t.node_to_play, t.node_kind,
                t.edge_action, t.edge_prior, t.edge_child)

    def _step(self, wanted: np.ndarray, num_considered: np.ndarray, root_legal: np.ndarray,
              table: np.ndarray, roots_pending: bool = True) -> None:
        t0 = time.perf_counter()
        n = self._select(wanted, num_considered, table)
        t1 = time.perf_counter()
        m = self._build_leaves(n, root_legal, roots_pending)
        t2 = time.perf_counter()
        logits, values = self._evaluate(m)
        t3 = time.perf_counter()
        self._expand_and_backup(n, m, logits, values)
        t4 = time.perf_counter()
        self.timings["select"] += t1 - t0
        self.timings["leaves"] += t2 - t1
        self.timings["evaluate"] += t3 - t2
        self.timings["backup"] += t4 - t3
        self.steps += 1

    def _select(self, wanted: np.ndarray, num_considered: np.ndarray, table: np.ndarray) -> int:
        """Descend ``wanted[b]`` times in tree b; the leaves go to ``_sel``'s first n rows; returns n."""
        sel = self._sel
        n = kernels.select(*self._node_args(), self.tree.num_nodes, wanted, self._mode,
                           self._params, self._gumbel, table, num_considered,
                           self._root_full, self._root_kept, sel.tree, sel.node, sel.depth, sel.kind, sel.path,
                           self._scratch)
        if n == 0:
            raise RuntimeError("search step selected no leaf (node arrays full?)")
        return n

    def _build_leaves(self, n: int, root_legal: np.ndarray, roots_pending: bool = True) -> int:
        """Build the new leaves among the n selected into ``_out``; returns their number m.

        ``_sel.built[i]`` becomes the row of ``_out`` holding leaf i (-1: not built).
        ``roots_pending``: some active root is still to be evaluated in this step.
        """
        sel, out = self._sel, self._out
        m = self._builder.build(n, sel, out)  # type: ignore[union-attr]
        if not roots_pending:
            return m
        roots = np.flatnonzero((sel.depth[:n] == 0) & (sel.built[:n] >= 0))
        if len(roots):  # the root's moves come from the exact state (Go superko)
            out.legal[sel.built[roots]] = root_legal[sel.tree[roots]]
        return m

    def _evaluate(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        """Call the evaluator once on the non-terminal built leaves; rows for all m leaves."""
        out, num_actions = self._out, self.game.info.num_actions
        live = np.flatnonzero(~out.terminal[:m])
        if len(live) == m:
            logits, values = self.evaluator(out.planes[:m]) if m else (
                np.zeros((0, num_actions), np.float32), np.zeros(0, np.float32))
        else:
            logits = np.zeros((m, num_actions), np.float32)
            values = np.zeros(m, np.float32)
            if len(live):
                lg, vs = self.evaluator(out.planes[live])
                logits[live], values[live] = lg, vs
        self.leaves_evaluated += len(live)
        logits = np.ascontiguousarray(logits, dtype=np.float32)
        values = np.ascontiguousarray(values, dtype=np.float32).reshape(-1)
        if logits.shape != (m, num_actions) or values.shape != (m,):
            raise ValueError(f"evaluator returned logits {logits.shape} and values {values.shape} "
                             f"for {m} positions; expected ({m}, {num_actions}) and ({m},)")
        return logits, values

    def _expand_and_backup(self, n: int, m: int, logits: np.ndarray, values: np.ndarray) -> None:
        """Expand the m built leaves (growing the edge pool if needed) and back up all n."""
        self._ensure_edges(n, m)
        t, out, sel = self.tree, self._out, self._sel
        kernels.expand_and_backup(
            t.node_visits, t.node_virtual, t.node_value_sum, t.node_raw_value, t.node_parent,
            t.node_first_edge, t.node_num_edges, t.node_to_play, t.node_kind, t.edge_action,
            t.edge_prior, t.edge_child, t.num_edges, sel.tree[:n], sel.node[:n], sel.kind[:n],
            sel.built[:n], out.to_play, out.terminal, out.outcome, out.legal, logits, values,
            self._scratch[0])

    def _ensure_edges(self, n: int, m: int) -> None:
        """Grow the edge pool if this step's expansions could overflow some tree's row."""
        t = self.tree
        most = self.config.leaves_per_tree * self.game.info.num_actions
        if not m or int(t.num_edges.max()) + most <= t.edge_action.shape[1]:
            return  # even every leaf of the fullest tree expanding to every action fits
        counts = self._out.legal[:m].sum(axis=1) * ~self._out.terminal[:m]
        built = self._sel.built[:n]
        new = built >= 0
        need = np.bincount(self._sel.tree[:n][new], weights=counts[built[new]], minlength=self.batch)
        top = int((t.num_edges + need).max())
        if top > t.max_edges:
            size = max(top, 2 * t.max_edges)
            extra = self.batch * (size - t.max_edges) * tree_mod.EDGE_BYTES
            tree_mod.check_budget(f"growing the edge pool of {self.game.info.spec} to {size} "
                                  f"edges per tree (B={self.batch})", self.bytes + extra,
                                  self.config.memory_budget)
            self.tree = tree_mod.grow_edges(t, size)
            self.bytes += extra

    @property
    def leaf_timings(self) -> dict[str, float]:
        """Seconds of leaf building spent playing moves, reading the rules' facts, encoding."""
        return dict(self._builder.timings) if self._builder else {"play": 0.0, "rules": 0.0, "encode": 0.0}

    # -- results ----------------------------------------------------------------
    def _result(self, root_legal: np.ndarray, temperature: float, idx: np.ndarray) -> SearchResult:
        """The statistics of trees ``idx`` (kernels run over all B; the rows are picked after)."""
        t, cfg = self.tree, self.config
        shape = (self.batch, self.game.info.num_actions)
        visits = np.zeros(shape, np.int32)
        q = np.zeros(shape, np.float32)
        prior = np.zeros(shape, np.float32)
        legal = np.zeros(shape, np.bool_)
        kernels.root_statistics(t.node_visits, t.node_value_sum, t.node_first_edge,
                                t.node_num_edges, t.edge_action, t.edge_prior, t.edge_child,
                                visits, q, prior, legal)
        root_value = (-t.node_value_sum[:, ROOT] / np.maximum(t.node_visits[:, ROOT], 1)).astype(np.float32)
        if cfg.gumbel:
            policy = np.zeros(shape, np.float32)
            action = np.zeros(self.batch, np.int64)
            kernels.gumbel_results(*self._node_args(), self._gumbel, self._root_kept, self._params,
                                   self._scratch, policy, action)
            policy, action = policy[idx], action[idx]
        else:
            policy = (visits[idx] / np.maximum(visits[idx].sum(axis=1, keepdims=True), 1)).astype(np.float32)
            action = root_mod.choose_moves(visits[idx], temperature, self.rng)
        return SearchResult(visits=visits[idx], q=q[idx], prior=prior[idx], legal=legal[idx],
                            policy=policy, root_value=root_value[idx], action=action,
                            pv=self._principal_variations(idx),
                            simulations=(t.node_visits[idx, ROOT] - 1).astype(np.int32))

    def _principal_variations(self, idx: np.ndarray) -> list[list[int]]:
        t = self.tree
        buf = np.zeros(t.max_nodes, np.int64)
        pvs = []
        for b in idx.tolist():
            k = kernels.principal_variation(b, t.node_visits, t.node_first_edge, t.node_num_edges,
                                            t.node_kind, t.edge_action, t.edge_child, buf)
            pvs.append(buf[:k].tolist())
        return pvs
