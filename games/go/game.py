"""Go behind the batched Game interface: B boards as arrays, rules in numba kernels.

Rules: captures, suicide illegal, simple ko, positional superko (optional),
pass, two consecutive passes end the game, resignation, a move cap, and
Tromp-Taylor area scoring with komi (score = Black area - White area - komi;
0 is a draw, possible only with an integer komi).

>>> game = GoGame(size=9, komi=7, max_moves=162, superko=True)
>>> states = game.initial(2)
>>> game.apply(states, [game.text_to_action(states, "E5"), game.info.pass_action])
>>> game.action_to_text(states, int(states.last_action[0])), int(states.to_play[1])
('E5', 1)
>>> int(game.legal_mask(states)[0].sum())  # 80 empty points and pass
81
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from games import symmetry
from games.base import (Action, ArrayGame, ArrayState, GameInfo, IllegalMoveError, Outcome,
                        Reason, field_names)
from games.go import coords, kernels
from games.go.kernels import BLACK, EMPTY, HISTORY, NUM_PLANES, WHITE

_REASONS = (Reason.NONE, Reason.TWO_PASSES, Reason.MOVE_CAP, Reason.RESIGNATION)
_STONE_CHARS = {EMPTY: ".", BLACK: "X", WHITE: "O"}
_COLOUR_NAMES = ("Black", "White")


@dataclass(eq=False)
class GoState(ArrayState):
    """B Go positions; every field is an array with the batch axis first.

    P = (N+2)**2 padded points (see games.go.kernels for the layout), S =
    seen-set slots (0 without superko). A row takes 3.7 KB on 9x9 and 13.6 KB
    on 19x19, plus the seen-set: 4 KB for go9 (512 slots), 16 KB for go19. The
    field order is the order the play kernels take.
    """

    board: np.ndarray
    """int8 [B, P]: EMPTY=0, BLACK=1, WHITE=2, BORDER=3 on the padded board."""
    chain_head: np.ndarray
    """int16 [B, P]: head loc of each stone's chain (kept incrementally, see kernels)."""
    chain_next: np.ndarray
    """int16 [B, P]: next stone in a circular list through each chain."""
    chain_stats: np.ndarray
    """int32 [B, P, 4]: at a chain's head: stones, pseudo-liberties, and the sums of
    their locs and squared locs (exactly one liberty iff n * sum_sq == sum**2)."""
    captured_at: np.ndarray
    """int8 [B, P]: colour bits (1 Black, 2 White) of stones ever captured on a point;
    only there can a move repeat a position, so only there is the seen-set probed."""
    to_play: np.ndarray
    """int8 [B]: player to move, 0 = Black, 1 = White."""
    ko: np.ndarray
    """int32 [B]: padded loc the mover may not play (simple ko), -1 if none."""
    passes: np.ndarray
    """int8 [B]: consecutive passes just played."""
    move_count: np.ndarray
    """int32 [B]: moves (passes included) since the initial or set-up position."""
    zobrist: np.ndarray
    """uint64 [B]: board-only Zobrist hash of the current position."""
    seen: np.ndarray
    """uint64 [B, S]: open-addressing set of the hashes of every position of the
    game (0 = free slot); S = 0 means simple ko only."""
    history: np.ndarray
    """int8 [B, 8, P]: ring of the last padded boards; slot ``m % 8`` holds the
    board after move m."""
    captures: np.ndarray
    """int32 [B, 2]: stones captured by Black, by White."""
    last_action: np.ndarray
    """int32 [B]: the last action played, -1 if none."""
    reason: np.ndarray
    """int8 [B]: 0 in play, 1 two passes, 2 move cap, 3 resignation."""
    winner: np.ndarray
    """int8 [B]: winning player once the game is over; -1 in play or drawn."""
    score: np.ndarray
    """float64 [B]: Black's area margin minus komi once scored, else NaN."""
    legal: np.ndarray
    """bool [B, N*N + 1]: the legal actions, recomputed by every change of a row
    (apply, set-up, resignation) while the row is in the cache; ``legal_mask``
    copies it."""

    def arrays(self) -> tuple[np.ndarray, ...]:
        """Every field, in declaration order (the play kernels' argument order)."""
        return tuple(getattr(self, name) for name in _FIELDS)

    def assign(self, rows: Sequence[int] | np.ndarray, src: ArrayState,
               src_rows: Sequence[int] | np.ndarray | None = None) -> None:
        """ArrayState.assign, done row by row when there are few rows (replacing a
        finished game or two), which beats fancy indexing 18 arrays."""
        if not isinstance(src, GoState) or src.seen.shape[1:] != self.seen.shape[1:]:
            raise ValueError("assign needs a GoState with the same seen-set width "
                             "(states with and without superko do not mix)")
        idx = np.asarray(rows, dtype=np.int64).reshape(-1)
        sidx = (np.arange(len(src)) if src_rows is None
                else np.asarray(src_rows, dtype=np.int64).reshape(-1))
        if len(idx) > 4 or len(idx) != len(sidx):
            super().assign(idx, src, sidx)
            return
        for name in _FIELDS:
            dst, other = getattr(self, name), getattr(src, name)
            for i, j in zip(idx.tolist(), sidx.tolist()):
                dst[i] = other[j]


_FIELDS = field_names(GoState)


class GoGame(ArrayGame[GoState]):
    """Go on an N x N board (N = 5..19); actions ``y*N + x`` (y = 0 the top row), pass ``N*N``.

    With ``superko`` each row keeps a seen-set and positional superko is exact;
    states whose seen-set has width 0 (``drop_superko``, or ``superko=False``)
    get simple ko only, the approximation the search may use below the root.
    Usually built from a spec: ``games.make_game("go9")``.
    """

    def __init__(self, spec: str | None = None, size: int = 19, komi: float = 7.5,
                 max_moves: int | None = None, superko: bool = True) -> None:
        coords.check_size(size)
        max_moves = 2 * size * size if max_moves is None else max_moves
        if (isinstance(max_moves, bool) or not isinstance(max_moves, (int, np.integer))
                or max_moves < 1):
            raise ValueError(f"max_moves must be a positive integer, got {max_moves!r}")
        komi = float(komi)
        if not math.isfinite(komi) or float(f"{komi:g}") != komi or abs(komi) > size * size:
            raise ValueError(f"komi must be a finite number within +-{size * size} with a short "
                             f"decimal form such as 7.5, got {komi!r}")
        if not isinstance(superko, (bool, np.bool_)):
            raise ValueError(f"superko must be True or False, got {superko!r}")
        from games.spec import canonical_spec
        canon = canonical_spec(f"go:size={size},komi={komi:g},max_moves={max_moves},"
                               f"superko={int(superko)}")
        if spec is not None and canonical_spec(spec) != canon:
            raise ValueError(f"spec {spec!r} does not match the parameters, which give {canon!r}")
        self.size = n = int(size)
        self.komi = komi
        self.max_moves = int(max_moves)
        self.superko = bool(superko)
        self.info = GameInfo(spec=canon, name="go", num_actions=n * n + 1, board_shape=(n, n),
                             num_planes=NUM_PLANES, max_game_length=self.max_moves,
                             has_draws=komi.is_integer(), num_symmetries=symmetry.NUM_DIHEDRAL,
                             pass_action=n * n)
        self._locs, self._nbr = kernels.board_tables(n)
        self._keys = kernels.zobrist_keys(n)
        self._seen_slots = kernels.seen_capacity(self.max_moves) if self.superko else 0

    def __repr__(self) -> str:
        return f"GoGame({self.info.spec!r})"

    def _tables(self) -> tuple:
        """The kernels' trailing arguments: tables and rule constants."""
        return self._locs, self._nbr, self._keys, self.komi, self.max_moves

    # -- states -----------------------------------------------------------------
    def initial(self, batch: int = 1) -> GoState:
        """B empty boards, Black to move."""
        if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 0:
            raise ValueError(f"batch must be a non-negative integer, got {batch!r}")
        p = (self.size + 2) ** 2
        board = np.full((batch, p), kernels.BORDER, dtype=np.int8)
        board[:, self._locs] = EMPTY
        states = GoState(
            board=board, chain_head=np.zeros((batch, p), np.int16),
            chain_next=np.zeros((batch, p), np.int16),
            chain_stats=np.zeros((batch, p, kernels.STATS), np.int32),
            captured_at=np.zeros((batch, p), np.int8), to_play=np.zeros(batch, np.int8),
            ko=np.full(batch, kernels.NO_LOC, np.int32), passes=np.zeros(batch, np.int8),
            move_count=np.zeros(batch, np.int32), zobrist=np.zeros(batch, np.uint64),
            seen=np.zeros((batch, self._seen_slots), np.uint64),
            history=np.zeros((batch, HISTORY, p), np.int8), captures=np.zeros((batch, 2), np.int32),
            last_action=np.full(batch, -1, np.int32), reason=np.zeros(batch, np.int8),
            winner=np.full(batch, -1, np.int8), score=np.full(batch, np.nan),
            legal=np.zeros((batch, self.info.num_actions), np.bool_))
        self._restart(states)
        return states

    def _restart(self, s: GoState) -> None:
        """Make each row's board the start of its game (chains, hash, seen-set, history,
        legal mask)."""
        kernels.reset_batch(s.board, s.chain_head, s.chain_next, s.chain_stats, s.captured_at,
                            s.to_play, s.ko, s.move_count, s.zobrist, s.seen, s.history, s.reason,
                            s.legal, self._locs, self._nbr, self._keys)

    def _refresh_legal(self, s: GoState) -> None:
        """Recompute every row's legal mask from scratch."""
        kernels.legal_batch(s.board, s.chain_head, s.chain_next, s.chain_stats, s.captured_at,
                            s.to_play, s.ko, s.zobrist, s.seen, s.reason, self._locs, self._nbr,
                            self._keys, s.legal)

    def setup(self, stones: np.ndarray, to_play: int = 0, batch: int = 1) -> GoState:
        """B copies of a set-up position: ``stones`` int [N, N] of 0/1/2 (EMPTY/BLACK/WHITE).

        The position starts a new game (move 0, no ko, seen-set and history hold
        just it). Chains without liberties are refused.
        """
        n = self.size
        grid = np.asarray(stones)
        if grid.shape != (n, n) or not np.isin(grid, (EMPTY, BLACK, WHITE)).all():
            raise ValueError(f"stones must be an int array [{n}, {n}] of 0 (empty), 1 (black), "
                             f"2 (white); got shape {grid.shape}")
        if to_play not in (0, 1):
            raise ValueError(f"to_play must be 0 (Black) or 1 (White), got {to_play!r}")
        states = self.initial(batch)
        states.board[:, self._locs] = grid.reshape(-1).astype(np.int8)
        states.to_play[:] = to_play
        self._restart(states)
        stone_actions = np.flatnonzero(grid.reshape(-1))
        heads = states.chain_head[0, self._locs[stone_actions]]
        dead = stone_actions[states.chain_stats[0, heads, kernels.NLIB] == 0]
        if len(dead):
            raise ValueError(f"the chain at {coords.action_to_gtp(int(dead[0]), n)} "
                             "has no liberties")
        return states

    def place_handicap(self, states: GoState, actions: Sequence[int] | np.ndarray) -> None:
        """Put Black stones on ``actions`` in every row (empty boards only); White moves next.

        ``actions`` is one list for all rows (e.g. ``fixed_handicap(19, 4)``) or an
        int array [B, k]; 2 <= k < N*N distinct board points, as GTP's
        set_free_handicap requires. The handicap position starts the game.
        """
        self._check(states)
        nn = self.size * self.size
        acts = np.asarray(actions)
        if acts.ndim == 1:
            acts = np.broadcast_to(acts, (len(states), len(acts)))
        if (acts.ndim != 2 or acts.shape[0] != len(states)
                or not (np.issubdtype(acts.dtype, np.integer) or acts.size == 0)):
            raise ValueError(f"handicap actions must be ints [k] or [B, k], got "
                             f"{np.asarray(actions).shape}")
        k = acts.shape[1]
        if not 2 <= k < nn or acts.min() < 0 or acts.max() >= nn:
            raise ValueError(f"handicap needs 2..{nn - 1} board points in 0..{nn - 1}, got "
                             f"{np.asarray(actions).tolist()}")
        if any(len(set(row)) != k for row in acts.tolist()):
            raise ValueError("handicap points must be distinct")
        if ((states.board[:, self._locs] != EMPTY).any() or states.move_count.any()
                or states.reason.any()):
            raise ValueError("handicap stones go on an empty board before the first move")
        rows = np.arange(len(states))[:, None]
        states.board[rows, self._locs[acts]] = BLACK
        states.to_play[:] = 1
        self._restart(states)

    def drop_superko(self, states: GoState) -> GoState:
        """A copy without seen-sets: simple ko only, what the search may use below the root."""
        self._check(states)
        loose = replace(states.copy(), seen=np.zeros((len(states), 0), np.uint64))
        self._refresh_legal(loose)
        return loose

    def _check(self, states: GoState) -> None:
        p = (self.size + 2) ** 2
        if not isinstance(states, GoState) or states.board.shape[1:] != (p,):
            raise ValueError(f"expected a GoState of a {self.size}x{self.size} board, got "
                             f"{type(states).__name__} with board shape "
                             f"{getattr(getattr(states, 'board', None), 'shape', None)}")
        slots = states.seen.shape[1]
        if slots & (slots - 1):
            raise ValueError(f"a seen-set needs a power-of-two width (or 0), got {slots}")

    # -- dynamics ---------------------------------------------------------------
    def to_play(self, states: GoState) -> np.ndarray:
        return states.to_play.copy()

    def legal_mask(self, states: GoState, out: np.ndarray | None = None) -> np.ndarray:
        """bool [B, N*N + 1]; exact superko where rows carry a seen-set, simple ko otherwise.

        A copy of ``states.legal``, which every change of a row keeps current.
        """
        self._check(states)
        if out is None:
            return states.legal.copy()
        out = self._out(out, states.legal.shape, np.bool_)
        np.copyto(out, states.legal)
        return out

    def apply(self, states: GoState, actions: np.ndarray | Sequence[int], *,
              check: bool = True) -> None:
        """Play one action per row in place (see Game.apply).

        Moves are checked against the rows' (exact) legal masks, which costs next to
        nothing. ``check=False`` only changes what happens on a bad move: the row
        is left as it is and reported with an IllegalMoveError after the other
        rows were played (a caller bug: such callers play from the mask).
        """
        self._check(states)
        acts = np.asarray(actions)
        if acts.shape != (len(states),) or not (acts.dtype.kind in "iu" or acts.size == 0):
            raise ValueError(f"actions must be ints [{len(states)}], got {acts.dtype} {acts.shape}")
        acts = np.ascontiguousarray(acts, dtype=np.int64)
        err = np.zeros(len(states), np.int8)
        kernels.play_batch(acts, bool(check), err, *states.arrays(), *self._tables())
        if err.any():
            row = int(np.flatnonzero(err)[0])
            a = int(acts[row])
            text = coords.action_to_gtp(a, self.size) if 0 <= a <= self.size ** 2 else str(a)
            reason = kernels.ERROR_TEXT[err[row]]
            if not check:
                reason += f"; row {row} unchanged, the other rows were played"
            raise IllegalMoveError(text, reason, self.render(states, row))

    def branch_rows(self, states: GoState, src_rows: np.ndarray, dst_rows: np.ndarray,
                    actions: np.ndarray, num_moves: int, history_rows: np.ndarray, *,
                    to_play: np.ndarray, terminal: np.ndarray, outcome: np.ndarray,
                    legal: np.ndarray, planes: np.ndarray) -> None:
        """The search's leaves (a leaf is its parent's row plus one move), in one numba call.

        ``states`` is a search's state store whose rows are *compact*: only
        ``board``, ``captured_at`` and the scalar fields are kept (chains are
        rebuilt from the board, seen-sets are not kept: simple ko), except the
        roots', which are full rows. Row ``src_rows[j]`` is copied to
        ``dst_rows[j]`` and, for j < ``num_moves``, ``actions[j]`` is played
        there; the other rows (roots) copy their history ring too. Row j of the
        outputs gets what ``to_play``, ``terminal``, ``outcome``, ``legal_mask``
        and ``encode`` would give. ``history_rows`` int64 [L, 8]: the row of the
        position t moves before leaf j (t = 0: ``dst_rows[j]``), -1 past the
        last one stored, whose history ring (a full row's) gives the older
        boards. Int64 row and action arrays; planes C-contiguous. A destination
        must not be a later source. An illegal move raises IllegalMoveError
        after the other rows were done.
        """
        self._check(states)
        m = len(dst_rows)
        if (len(src_rows) != m or not 0 <= num_moves <= min(m, len(actions))
                or history_rows.shape[0] < m or history_rows.shape[1] != HISTORY):
            raise ValueError(f"branch_rows needs as many source as destination rows, "
                             f"num_moves <= rows and actions, history_rows [L, {HISTORY}]; got "
                             f"{len(src_rows)}, {m}, {num_moves}, {len(actions)}, "
                             f"{history_rows.shape}")
        n = self.size
        if (not planes.flags.c_contiguous or planes.dtype != np.float32
                or planes.shape[1:] != (NUM_PLANES, n, n)):
            raise ValueError(f"planes must be C-contiguous float32 [L, {NUM_PLANES}, {n}, {n}]")
        err = np.zeros(m, np.int8)
        s = states
        kernels.leaf_batch(src_rows, dst_rows, actions, num_moves, history_rows, err, s.board,
                           s.captured_at, s.to_play, s.ko, s.passes, s.move_count, s.zobrist,
                           s.captures, s.last_action, s.reason, s.winner, s.score, s.history,
                           *self._tables(), to_play, terminal, outcome, legal,
                           planes.reshape(len(planes), NUM_PLANES, n * n).view(np.uint32))
        if err.any():
            j = int(np.flatnonzero(err)[0])
            a = int(actions[j])
            text = coords.action_to_gtp(a, n) if 0 <= a <= n * n else str(a)
            raise IllegalMoveError(text, kernels.ERROR_TEXT[err[j]] + f"; leaf {j} not played",
                                   f"(compact row {int(src_rows[j])} of a search's store)")

    def random_playout(self, states: GoState, seed: int) -> None:
        """Play every row to its end in place, each move uniform over the legal actions
        (pass included), all in one numba call: for rollouts and speed checks."""
        self._check(states)
        kernels.playout_batch(int(seed), *states.arrays(), *self._tables())

    def terminal(self, states: GoState, out: np.ndarray | None = None) -> np.ndarray:
        self._check(states)
        out = self._out(out, (len(states),), np.bool_)
        np.not_equal(states.reason, kernels.IN_PLAY, out=out)
        return out

    def outcome(self, states: GoState, out: np.ndarray | None = None) -> np.ndarray:
        """float32 [B]: +1/-1 for the side to move once decided, 0 for draws and games in play."""
        self._check(states)
        out = self._out(out, (len(states),), np.float32)
        w = states.winner
        out[:] = np.where(w < 0, 0.0, np.where(w == states.to_play, 1.0, -1.0))
        return out

    def result(self, states: GoState, row: int = 0) -> Outcome:
        self._check(states)
        reason = _REASONS[int(states.reason[row])]
        w = int(states.winner[row])
        score = float(states.score[row])
        return Outcome(terminal=reason is not Reason.NONE, winner=None if w < 0 else w,
                       reason=reason, score=None if math.isnan(score) else score)

    def resign(self, states: GoState, rows: Sequence[int] | np.ndarray) -> None:
        self._check(states)
        idx = np.asarray(rows, dtype=np.int64).reshape(-1)
        if len(idx) and (idx.min() < -len(states) or idx.max() >= len(states)):
            raise ValueError(f"rows {idx.tolist()} out of range for a batch of {len(states)}")
        if states.reason[idx].any():
            raise ValueError(f"cannot resign a finished game (rows {idx.tolist()})")
        states.reason[idx] = kernels.END_RESIGNATION
        states.winner[idx] = 1 - states.to_play[idx]
        states.legal[idx] = False

    def stones(self, states: GoState) -> np.ndarray:
        """int8 [B, N, N]: 0 empty, 1 Black, 2 White (row 0 the top)."""
        self._check(states)
        n = self.size
        return states.board[:, self._locs].reshape(len(states), n, n)

    def area_score(self, states: GoState) -> np.ndarray:
        """float64 [B]: Tromp-Taylor Black area - White area - komi of the current boards."""
        self._check(states)
        out = np.empty(len(states))
        kernels.area_batch(states.board, self._locs, self._nbr, out)
        return out - self.komi

    def passing_loses(self, states: GoState) -> np.ndarray:
        """bool [B]: the mover does not win the area score of the board as it stands, so
        passing lets the opponent pass back and end the game without the mover winning."""
        score = self.area_score(states)
        return np.where(states.to_play == 0, score, -score) <= 0

    def encode(self, states: GoState, out: np.ndarray | None = None) -> np.ndarray:
        """float32 [B, 18, N, N]: planes 0-7 the mover's stones t = 0..7 moves ago
        (zeros before the start), 8-15 the opponent's, 16 ones if Black is to move,
        17 ones (the on-board plane)."""
        self._check(states)
        n = self.size
        out = self._out(out, (len(states), NUM_PLANES, n, n), np.float32)
        if not out.flags.c_contiguous:
            raise ValueError("encode's out buffer must be C-contiguous")
        kernels.encode_batch(states.history, states.to_play, states.move_count, self._locs,
                             out.reshape(len(states), NUM_PLANES, n * n).view(np.uint32))
        return out

    # -- symmetries -------------------------------------------------------------
    def transform_planes(self, planes: np.ndarray, sym: int) -> np.ndarray:
        return symmetry.transform_planes(planes, self._sym(sym))

    def transform_policy(self, policy: np.ndarray, sym: int) -> np.ndarray:
        return symmetry.transform_policy(policy, self.size, self._sym(sym))

    def inverse_symmetry(self, sym: int) -> int:
        return symmetry.inverse(self._sym(sym))

    @staticmethod
    def _sym(sym: int) -> int:
        if not 0 <= int(sym) < symmetry.NUM_DIHEDRAL:
            raise ValueError(f"symmetry must be 0..7, got {sym!r}")
        return int(sym)

    # -- text -------------------------------------------------------------------
    def action_to_text(self, states: GoState, action: Action, row: int = 0) -> str:
        """GTP vertex (``D4``) or ``pass``."""
        return coords.action_to_gtp(int(action), self.size)

    def text_to_action(self, states: GoState, text: str, row: int = 0) -> Action:
        """Parse a GTP vertex or ``pass`` (any case); NotationError otherwise."""
        return coords.gtp_to_action(text, self.size)

    def render(self, states: GoState, row: int = 0) -> str:
        """The board with GTP coordinates ('X' Black, 'O' White, '.' empty) and a status line."""
        self._check(states)
        n = self.size
        grid = states.board[row, self._locs].reshape(n, n)
        letters = "   " + " ".join(coords.GTP_COLUMNS[:n])
        lines = [letters]
        for y in range(n):
            cells = " ".join(_STONE_CHARS[int(v)] for v in grid[y])
            lines.append(f"{n - y:2d} {cells} {n - y:2d}")
        lines.append(letters)
        lines.append(self._status(states, row))
        return "\n".join(lines)

    def _status(self, s: GoState, row: int) -> str:
        mover = ("Black (X)", "White (O)")[int(s.to_play[row])]
        parts = [f"move {int(s.move_count[row])}",
                 f"captures X {int(s.captures[row, 0])} O {int(s.captures[row, 1])}"]
        if s.last_action[row] >= 0:
            parts.append(f"last {coords.action_to_gtp(int(s.last_action[row]), self.size)}")
        if s.ko[row] >= 0:
            ko = coords.loc_to_action(int(s.ko[row]), self.size)
            parts.append(f"ko {coords.action_to_gtp(ko, self.size)}")
        result = self.result(s, row)
        if not result.terminal:
            return f"{mover} to move, " + ", ".join(parts)
        if result.winner is None:
            head = f"game over: draw ({result.reason.value})"
        elif result.reason is Reason.RESIGNATION:
            head = f"game over: {_COLOUR_NAMES[result.winner]} wins by resignation"
        else:
            head = (f"game over: {_COLOUR_NAMES[result.winner]} wins by "
                    f"{abs(result.score or 0.0):g} ({result.reason.value})")
        return head + ", " + ", ".join(parts)
