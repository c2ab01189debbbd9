"""Pure Monte Carlo tree search (UCT) with random playouts to the end: the classic baseline.

No network, no priors: each simulation descends the tree by UCB1
(``w/n + c * sqrt(ln N / n)``, c = sqrt(2)), adds one untried move (chosen at
random) as a new node, plays the game out with random moves to its end, and
backs up 1 / 0.5 / 0 (win / draw / loss) for the player who made each move on
the path. The move played is the root's most visited child. This is the
"pure MCTS" that the gomoku literature measures against with 1000 to 5000
playouts, and the ``rollout`` player of the arena.

Games: Go and gomoku (tic-tac-toe is 3x3 gomoku), over the rules' own numba
kernels, so a whole search is one numba call per batch of trees. Gomoku
playouts pick uniformly among the empty points. Go playouts pick uniformly among
the legal points that do not fill the mover's own eye (an empty point whose
four neighbours are the mover's stones or the edge, with at most one enemy
diagonal, none on the edge), and pass only when nothing else is left, as every
pure Monte Carlo Go program does: without that rule random players fill their
own eyes and playouts say nothing. The tree itself considers every legal move,
pass included. Chess is not supported (its rules are python-chess, far too slow
for thousands of playouts a move): :class:`RolloutSearch` raises a ValueError.

Trees are preallocated arrays ``[B, capacity]`` (one simulation adds at most
one node, so ``capacity = playouts + 2``); children form a linked list
(``first_child`` -> ``next_sibling`` -> ...), so a node costs 33 bytes
whatever the action space. A search over several games' trees (``rows``) runs
in one numba call that loops over them; a deadline is honoured between chunks
of simulations.

>>> from games import make_game
>>> game = make_game("tictactoe")
>>> states = game.initial(1)
>>> for move in ["b2", "a1", "a3"]:
...     _ = game.play_text(states, move)
>>> result = RolloutSearch(game, batch=1, playouts=2000).run(states)
>>> game.action_to_text(states, int(result.action[0]))  # O must block the diagonal at c1
'c1'
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
from numba import njit

from games.base import Game
from games.go import kernels as go
from games.gomoku import kernels as gk

NO_NODE = -1
"""Sentinel of the child lists."""
ROOT = 0
"""Every tree's root node."""
UNKNOWN = -1
"""``num_legal`` of a node whose moves are not counted yet."""
DEFAULT_C = math.sqrt(2.0)
"""UCB1's exploration constant (Auer et al. 2002; Kocsis and Szepesvari 2006)."""


@dataclass
class Trees:
    """B trees as arrays ``[B, capacity]`` (int32 unless said), nodes in creation order.

    parent, action (the move into the node), first_child and next_sibling (the
    child list), num_children, num_legal (UNKNOWN until first visited),
    visits, wins (float64: summed rewards of ``mover``, the player who made the
    move into the node: 1 win, 0.5 draw, 0 loss), mover (int8);
    ``num_nodes [B]``. 33 bytes a node: 1000 playouts on 16 trees take 0.5 MB.
    """

    parent: np.ndarray
    action: np.ndarray
    first_child: np.ndarray
    next_sibling: np.ndarray
    num_children: np.ndarray
    num_legal: np.ndarray
    visits: np.ndarray
    wins: np.ndarray
    mover: np.ndarray
    num_nodes: np.ndarray

    @classmethod
    def allocate(cls, batch: int, capacity: int) -> "Trees":
        def ints() -> np.ndarray:
            return np.zeros((batch, capacity), np.int32)
        return cls(parent=ints(), action=ints(), first_child=ints(), next_sibling=ints(),
                   num_children=ints(), num_legal=ints(), visits=ints(),
                   wins=np.zeros((batch, capacity), np.float64),
                   mover=np.zeros((batch, capacity), np.int8), num_nodes=np.zeros(batch, np.int32))

    def arrays(self) -> tuple[np.ndarray, ...]:
        """The node arrays in the kernels' argument order, then num_nodes."""
        return (self.parent, self.action, self.first_child, self.next_sibling, self.num_children,
                self.num_legal, self.visits, self.wins, self.mover, self.num_nodes)


@dataclass
class RolloutResult:
    """One search per row: visits and win rates of the root moves, the chosen move."""

    visits: np.ndarray
    """int32 [R, A]: visits of each root move."""
    q: np.ndarray
    """float32 [R, A]: the mover's mean reward of each root move in [0, 1] (0 unvisited)."""
    action: np.ndarray
    """int64 [R]: the most visited root move (ties: the better mean)."""
    playouts: np.ndarray
    """int32 [R]: simulations run."""

    @property
    def value(self) -> np.ndarray:
        """float32 [R]: the chosen move's mean reward as a value in [-1, 1], mover's view."""
        rows = np.arange(len(self.action))
        return (2.0 * self.q[rows, self.action] - 1.0).astype(np.float32)


# -- the tree, shared by both games ----------------------------------------------------
@njit(cache=True)
def reset_tree(b, mover, parent, action, first_child, next_sibling, num_children, num_legal,
               visits, wins, movers, num_nodes):
    """Tree b becomes a lone root; ``mover`` is the player who moved into the root."""
    parent[b, ROOT] = NO_NODE
    action[b, ROOT] = -1
    first_child[b, ROOT] = NO_NODE
    next_sibling[b, ROOT] = NO_NODE
    num_children[b, ROOT] = 0
    num_legal[b, ROOT] = UNKNOWN
    visits[b, ROOT] = 0
    wins[b, ROOT] = 0.0
    movers[b, ROOT] = mover
    num_nodes[b] = 1


@njit(cache=True)
def add_child(b, node, move, mover, parent, action, first_child, next_sibling, num_children,
              num_legal, visits, wins, movers, num_nodes):
    """A new child of ``node`` for ``move`` by ``mover``; returns its index."""
    c = num_nodes[b]
    num_nodes[b] = c + 1
    parent[b, c] = node
    action[b, c] = move
    first_child[b, c] = NO_NODE
    next_sibling[b, c] = first_child[b, node]
    first_child[b, node] = c
    num_children[b, c] = 0
    num_legal[b, c] = UNKNOWN
    visits[b, c] = 0
    wins[b, c] = 0.0
    movers[b, c] = mover
    num_children[b, node] += 1
    return c


@njit(cache=True)
def ucb_child(b, node, c, first_child, next_sibling, visits, wins):
    """The child of ``node`` with the largest UCB1 score (every child has a visit)."""
    log_n = math.log(max(visits[b, node], 1))
    best = NO_NODE
    best_score = -1e300
    child = first_child[b, node]
    while child != NO_NODE:
        n = visits[b, child]
        score = wins[b, child] / n + c * math.sqrt(log_n / n)
        if score > best_score:
            best_score = score
            best = child
        child = next_sibling[b, child]
    return best


@njit(cache=True)
def untried_move(b, node, legal, tried, first_child, next_sibling, action):
    """A uniformly random legal move of ``node`` that has no child yet (-1 if none)."""
    child = first_child[b, node]
    while child != NO_NODE:
        tried[action[b, child]] = True
        child = next_sibling[b, child]
    count = 0
    for a in range(legal.shape[0]):
        if legal[a] and not tried[a]:
            count += 1
    pick = int(np.random.random() * count)
    move = -1
    for a in range(legal.shape[0]):
        if legal[a] and not tried[a]:
            if pick == 0 and move < 0:
                move = a
            pick -= 1
        tried[a] = False
    return move


@njit(cache=True)
def backup(b, node, winner, parent, visits, wins, movers):
    """Count one simulation ending in ``winner`` (-1 a draw) on the path from ``node`` up."""
    while node != NO_NODE:
        visits[b, node] += 1
        if winner < 0:
            wins[b, node] += 0.5
        elif winner == movers[b, node]:
            wins[b, node] += 1.0
        node = parent[b, node]


@njit(cache=True)
def root_statistics(rows, action, first_child, next_sibling, visits, wins, out_visits, out_q,
                    out_action, out_playouts):
    """Visits, mean rewards and the most visited move of each row's root."""
    for i in range(rows.shape[0]):
        b = rows[i]
        best = -1
        best_n = -1
        best_q = -1.0
        child = first_child[b, ROOT]
        while child != NO_NODE:
            a = action[b, child]
            n = visits[b, child]
            q = wins[b, child] / n if n > 0 else 0.0
            out_visits[i, a] = n
            out_q[i, a] = q
            if n > best_n or (n == best_n and q > best_q):
                best, best_n, best_q = a, n, q
            child = next_sibling[b, child]
        out_action[i] = best
        out_playouts[i] = visits[b, ROOT]


# -- gomoku ---------------------------------------------------------------------------------
@njit(cache=True)
def gomoku_playout(board, player, stones, empties, directions, height, width, k, exact):
    """Random moves to the end from ``board`` (player to move, ``stones`` placed); the winner or -1."""
    n = 0
    for p in range(height * width):
        if board[p] == gk.EMPTY:
            empties[n] = p
            n += 1
    while n > 0:
        j = int(np.random.random() * n)
        a = empties[j]
        empties[j] = empties[n - 1]
        n -= 1
        reason = gk.place(board, a, player, stones, directions, height, width, k, exact)
        stones += 1
        if reason == gk.K_IN_A_ROW:
            return player
        if reason == gk.BOARD_FULL:
            return -1
        player = 1 - player
    return -1


@njit(cache=True)
def gomoku_simulate(rows, playouts, c, seed, board, to_play, moves, reason, parent, action,
                    first_child, next_sibling, num_children, num_legal, visits, wins, movers,
                    num_nodes, directions, height, width, k, exact):
    """``playouts`` simulations in each tree ``rows[i]`` from position i of the root arrays."""
    np.random.seed(seed)
    npoints = height * width
    sboard = np.empty(npoints, np.int8)
    legal = np.zeros(npoints, np.bool_)
    tried = np.zeros(npoints, np.bool_)
    empties = np.empty(npoints, np.int64)
    capacity = visits.shape[1]
    for i in range(rows.shape[0]):
        b = rows[i]
        for _ in range(playouts):
            sboard[:] = board[i]
            player = np.int64(to_play[i])
            stones = np.int64(moves[i])
            state = reason[i]
            winner = -1
            node = ROOT
            # select and expand
            while state == gk.IN_PLAY:
                if num_legal[b, node] == UNKNOWN:
                    num_legal[b, node] = npoints - stones
                if num_children[b, node] < num_legal[b, node] and num_nodes[b] < capacity:
                    for p in range(npoints):
                        legal[p] = sboard[p] == gk.EMPTY
                    move = untried_move(b, node, legal, tried, first_child, next_sibling, action)
                    node = add_child(b, node, move, player, parent, action, first_child,
                                     next_sibling, num_children, num_legal, visits, wins, movers,
                                     num_nodes)
                    expanded = True
                else:
                    if num_children[b, node] == 0:
                        break
                    node = ucb_child(b, node, c, first_child, next_sibling, visits, wins)
                    move = action[b, node]
                    expanded = False
                state = gk.place(sboard, move, player, stones, directions, height, width, k, exact)
                stones += 1
                if state == gk.K_IN_A_ROW:
                    winner = player
                player = 1 - player
                if expanded:
                    break
            # play out
            if state == gk.IN_PLAY:
                winner = gomoku_playout(sboard, player, stones, empties, directions, height,
                                        width, k, exact)
            backup(b, node, winner, parent, visits, wins, movers)


# -- Go -----------------------------------------------------------------------------------------
@njit(cache=True)
def fills_own_eye(board, p, colour, nbr, width):
    """Whether a stone of ``colour`` at padded loc ``p`` would fill its own eye (row ``board``)."""
    for i in range(4):
        v = board[nbr[p, i]]
        if v != colour and v != go.BORDER:
            return False
    enemy = 3 - colour
    edge = False
    bad = 0
    q = np.int64(p)
    for d in (width + 1, width - 1, -width + 1, -width - 1):
        v = board[q + d]
        if v == go.BORDER:
            edge = True
        elif v == enemy:
            bad += 1
    return bad == 0 if edge else bad <= 1


def go_packing(states: Any) -> tuple[list[tuple[str, int, np.dtype, tuple[int, ...]]], int]:
    """The byte layout of one row of a GoState's fields: (name, offset, dtype, row shape), size.

    Offsets are 8-byte aligned. A row packed this way is copied with one memcpy
    (a simulation starts with a fresh copy of its root), where 18 separate
    array copies took numba a dozen seconds to compile.
    """
    layout, offset = [], 0
    for name in states._names():
        arr = getattr(states, name)
        layout.append((name, offset, arr.dtype, arr.shape[1:]))
        offset += -(-arr[:1].nbytes // 8) * 8
    return layout, offset


def go_pack(states: Any, layout: list, size: int) -> tuple[np.ndarray, Any]:
    """``(buf uint8 [B, size], views)``: a copy of ``states`` in one buffer and a GoState viewing it.

    With B = 1 the views are C-contiguous, so the rules' compiled kernels take them as they are.
    """
    rows = len(states)
    buf = np.zeros((rows, size), np.uint8)
    fields = {}
    for name, offset, dtype, shape in layout:
        count = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        view = buf[:, offset:offset + count].view(dtype).reshape(rows, *shape)
        view[...] = getattr(states, name)
        fields[name] = view
    return buf, type(states)(**fields)


@njit(cache=True)
def go_play(s, action, locs, nbr, keys, komi, max_moves, one, err):
    """Play a legal ``action`` in row 0 of the Go state arrays ``s``.

    Through the rules' own ``play_batch`` (already compiled and cached by the
    games package), not its inlined per-row functions, which would compile all
    of Go's move code again here (about half a minute).
    """
    one[0] = action
    go.play_batch(one, False, err, s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9],
                  s[10], s[11], s[12], s[13], s[14], s[15], s[16], s[17], locs, nbr, keys, komi,
                  max_moves)


@njit(cache=True)
def go_playout(s, candidates, locs, nbr, keys, komi, max_moves, one, err):
    """Random non-eye-filling moves in row 0 of ``s`` to the end; the winner or -1."""
    board = s[0]
    to_play = s[5]
    reason = s[14]
    legal = s[17]
    nn = locs.shape[0]
    width = np.int64(locs[0]) - 1  # locs[0] = (0 + 1) * width + 1
    while reason[0] == go.IN_PLAY:
        colour = to_play[0] + 1
        count = 0
        for a in range(nn):
            if legal[0, a] and not fills_own_eye(board[0], locs[a], colour, nbr, width):
                candidates[count] = a
                count += 1
        move = nn if count == 0 else candidates[int(np.random.random() * count)]
        go_play(s, move, locs, nbr, keys, komi, max_moves, one, err)
    return s[15][0]


@njit(cache=True)
def go_simulate(rows, playouts, c, seed, root, scratch_buf, scratch, parent, action, first_child,
                next_sibling, num_children, num_legal, visits, wins, movers, num_nodes, locs,
                nbr, keys, komi, max_moves):
    """``playouts`` simulations in each tree ``rows[i]`` from packed row ``root[i]``.

    ``scratch`` is the 18 Go state arrays (B = 1) viewing the bytes of ``scratch_buf``.
    """
    np.random.seed(seed)
    one = np.zeros(1, np.int64)
    err = np.zeros(1, np.int8)
    candidates = np.empty(locs.shape[0], np.int64)
    tried = np.zeros(scratch[17].shape[1], np.bool_)
    capacity = visits.shape[1]
    to_play = scratch[5]
    reason = scratch[14]
    legal = scratch[17]
    for i in range(rows.shape[0]):
        b = rows[i]
        for _ in range(playouts):
            scratch_buf[:] = root[i]
            node = ROOT
            # select and expand
            while reason[0] == go.IN_PLAY:
                if num_legal[b, node] == UNKNOWN:
                    num_legal[b, node] = legal[0].sum()
                player = np.int64(to_play[0])
                if num_children[b, node] < num_legal[b, node] and num_nodes[b] < capacity:
                    move = untried_move(b, node, legal[0], tried, first_child, next_sibling, action)
                    node = add_child(b, node, move, player, parent, action, first_child,
                                     next_sibling, num_children, num_legal, visits, wins, movers,
                                     num_nodes)
                    go_play(scratch, move, locs, nbr, keys, komi, max_moves, one, err)
                    break
                if num_children[b, node] == 0:
                    break
                node = ucb_child(b, node, c, first_child, next_sibling, visits, wins)
                go_play(scratch, np.int64(action[b, node]), locs, nbr, keys, komi, max_moves, one,
                        err)
            # play out
            winner = go_playout(scratch, candidates, locs, nbr, keys, komi, max_moves, one, err)
            backup(b, node, winner, parent, visits, wins, movers)


# -- the driver --------------------------------------------------------------------------------
class RolloutSearch:
    """UCT with random playouts over ``batch`` trees of a Go or gomoku game.

    ``run(states, rows=...)`` searches each row of ``states`` in its tree
    (``rows`` say which; default all) from scratch and returns a
    :class:`RolloutResult`. Seeded: the same seed, positions and calls give the
    same moves.
    """

    CHUNK = 64
    """Simulations per tree between deadline checks."""

    def __init__(self, game: Game, batch: int, playouts: int, *, c: float = DEFAULT_C,
                 seed: int = 0) -> None:
        name = game.info.name
        if name not in ("go", "gomoku"):
            raise ValueError(f"rollout supports Go and gomoku (tic-tac-toe included), not "
                             f"{game.info.spec}: its rules have no numba kernels fast enough "
                             "for random playouts; use a search: player instead")
        if playouts < 1:
            raise ValueError(f"rollout playouts must be >= 1, got {playouts}")
        if batch < 1:
            raise ValueError(f"rollout batch must be >= 1, got {batch}")
        self.game, self.batch, self.playouts, self.c = game, batch, int(playouts), float(c)
        self.trees = Trees.allocate(batch, self.playouts + 2)
        self._seed = np.random.SeedSequence(seed)
        self._calls = 0

    def run(self, states: Any, *, rows: Sequence[int] | np.ndarray | None = None,
            playouts: int | None = None, deadline: float | None = None) -> RolloutResult:
        """Search every row of ``states`` (in play) in trees ``rows``; see the class docstring.

        ``playouts`` (at most the capacity given at construction) lowers the
        budget; ``deadline`` (``time.monotonic()``) stops early, after at least
        one chunk of simulations.
        """
        game = self.game
        idx = np.arange(self.batch) if rows is None else np.asarray(rows, np.int64).reshape(-1)
        n = game.batch_size(states)
        if len(idx) != n:
            raise ValueError(f"{len(idx)} rows for {n} positions")
        if len(idx) and (idx.min() < 0 or idx.max() >= self.batch or len(set(idx.tolist())) != n):
            raise ValueError(f"rows must be distinct trees in 0..{self.batch - 1}, got {idx.tolist()}")
        if game.terminal(states).any():
            raise ValueError("cannot search a finished game")
        budget = self.playouts if playouts is None else min(int(playouts), self.playouts)
        t = self.trees
        movers = 1 - game.to_play(states)
        for i, b in enumerate(idx.tolist()):
            reset_tree(b, int(movers[i]), *t.arrays())
        done = 0
        while done < budget:
            chunk = min(self.CHUNK, budget - done) if deadline is not None else budget
            self._simulate(states, idx, chunk)
            done += chunk
            if deadline is not None and time.monotonic() >= deadline:
                break
        return self._result(idx)

    def _simulate(self, states: Any, idx: np.ndarray, playouts: int) -> None:
        seed = int(self._seed.spawn(1)[0].generate_state(1)[0] & 0x7FFFFFFF)
        self._calls += 1
        game, t, c = self.game, self.trees, self.c
        tree_args = t.arrays()
        if game.info.name == "gomoku":
            gomoku_simulate(idx, playouts, c, seed, states.board, states.to_play, states.moves,
                            states.reason, *tree_args, gk.DIRECTIONS, game.height, game.width,
                            game.k, game.exact)
            return
        layout, size = go_packing(states)
        root, _ = go_pack(states, layout, size)
        if getattr(self, "_layout", None) != layout:
            self._layout = layout
            self._scratch_buf, self._scratch = go_pack(game.take(states, [0]), layout, size)
        go_simulate(idx, playouts, c, seed, root, self._scratch_buf[0], self._scratch.arrays(),
                    *tree_args, *game._tables())

    def _result(self, idx: np.ndarray) -> RolloutResult:
        num_actions = self.game.info.num_actions
        visits = np.zeros((len(idx), num_actions), np.int32)
        q = np.zeros((len(idx), num_actions), np.float32)
        action = np.zeros(len(idx), np.int64)
        playouts = np.zeros(len(idx), np.int32)
        t = self.trees
        root_statistics(idx, t.action, t.first_child, t.next_sibling, t.visits, t.wins, visits, q,
                        action, playouts)
        return RolloutResult(visits=visits, q=q, action=action, playouts=playouts)


def playout_rate(spec: str, seconds: float = 1.0, playouts: int = 1000) -> dict[str, float]:
    """Simulations per second of one tree searching the empty board of ``spec`` (one core)."""
    from games import make_game

    game = make_game(spec)
    search = RolloutSearch(game, batch=1, playouts=playouts)
    states = game.initial(1)
    search.run(states, playouts=10)  # compile or load the numba cache outside the clock
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        count += int(search.run(states).playouts[0])
    elapsed = time.perf_counter() - start
    return {"playouts_per_s": count / elapsed, "seconds": elapsed}
