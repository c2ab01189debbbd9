"""Gomoku on an H x W board (3-19 per side), k in a row, freestyle or exact rule.

Tic-tac-toe is the 3x3, k = 3 case. Black (player 0) moves first. Actions are
the points ``y * W + x`` (y = 0 the top row); text is ``h8`` style (see
:mod:`games.gomoku.coords`). There is no pass: a game ends with k in a row,
a full board (a draw) or a resignation.

>>> from games import make_game
>>> game = make_game("tictactoe")
>>> states = game.initial(1)
>>> for move in ["b2", "b1", "a3", "a1", "c1"]:
...     _ = game.play_text(states, move)
>>> print(game.render(states))
   a b c
 3 X . .
 2 . X .
 1 O O X
   a b c
move 5, last c1: Black (X) won by k in a row
>>> float(game.outcome(states)[0])  # White, the loser, is to move
-1.0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from games import symmetry
from games.base import (
    NO_ACTION,
    Action,
    ArrayGame,
    ArrayState,
    GameInfo,
    IllegalMoveError,
    Outcome,
    Reason,
)
from games.gomoku import coords, kernels

NUM_PLANES = 4
"""Feature planes: mover's stones, opponent's stones, last move, all ones if Black is to move."""

RULES = ("freestyle", "exact")
"""freestyle: k or more in a row wins; exact: exactly k wins, an overline does not."""

STONE_CHARS = ".XO"
"""How ``render`` draws EMPTY, BLACK and WHITE."""

_REASONS = {kernels.IN_PLAY: Reason.NONE, kernels.K_IN_A_ROW: Reason.K_IN_A_ROW,
            kernels.BOARD_FULL: Reason.BOARD_FULL, kernels.RESIGNED: Reason.RESIGNATION}
_ERRORS = {kernels.ERR_GAME_OVER: "the game is over", kernels.ERR_OUT_OF_RANGE: "not a point of the board",
           kernels.ERR_OCCUPIED: "the point is occupied"}
_NAMES = ("Black (X)", "White (O)")


@dataclass
class GomokuState(ArrayState):
    """B gomoku positions; every field has the leading batch axis B.

    Finished rows keep ``to_play`` pointing at the side that would move next,
    so after a win the loser is to move and ``outcome`` is -1 there.
    """

    board: np.ndarray
    """int8 ``[B, H*W]``: kernels.EMPTY / BLACK / WHITE at point ``y * W + x``."""
    to_play: np.ndarray
    """int8 ``[B]``: 0 Black, 1 White."""
    moves: np.ndarray
    """int16 ``[B]``: stones on the board."""
    last_move: np.ndarray
    """int16 ``[B]``: the last stone's action, NO_ACTION before the first."""
    winner: np.ndarray
    """int8 ``[B]``: the winning player, or kernels.NO_WINNER (in play or drawn)."""
    reason: np.ndarray
    """int8 ``[B]``: kernels.IN_PLAY, K_IN_A_ROW, BOARD_FULL or RESIGNED."""


class GomokuGame(ArrayGame[GomokuState]):
    """The rules of m x n, k-in-a-row gomoku behind the batched Game interface."""

    def __init__(self, spec: str, height: int, width: int, k: int, rule: str) -> None:
        coords.check_board(height, width)
        if isinstance(k, bool) or not isinstance(k, int) or not 2 <= k <= max(height, width):
            raise ValueError(f"gomoku k must be an int 2-{max(height, width)} for a "
                             f"{height}x{width} board, got {k!r}")
        if rule not in RULES:
            raise ValueError(f"gomoku rule must be one of {', '.join(RULES)}, got {rule!r}")
        if not isinstance(spec, str):
            raise ValueError(f"spec must be a string, got {spec!r}")
        self.height, self.width, self.k, self.rule = height, width, k, rule
        self.exact = rule == "exact"
        self.num_points = height * width
        self.info = GameInfo(
            spec=spec, name="gomoku", num_actions=self.num_points, board_shape=(height, width),
            num_planes=NUM_PLANES, max_game_length=self.num_points, has_draws=True,
            num_symmetries=symmetry.NUM_DIHEDRAL if height == width else 1, pass_action=NO_ACTION)

    def __repr__(self) -> str:
        return f"GomokuGame({self.info.spec!r})"

    # -- states ---------------------------------------------------------------
    def initial(self, batch: int = 1) -> GomokuState:
        if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 0:
            raise ValueError(f"batch must be a non-negative int, got {batch!r}")
        return GomokuState(
            board=np.zeros((batch, self.num_points), dtype=np.int8),
            to_play=np.zeros(batch, dtype=np.int8),
            moves=np.zeros(batch, dtype=np.int16),
            last_move=np.full(batch, NO_ACTION, dtype=np.int16),
            winner=np.full(batch, kernels.NO_WINNER, dtype=np.int8),
            reason=np.zeros(batch, dtype=np.int8))

    def _check(self, states: GomokuState) -> GomokuState:
        """Refuse states of another game or board size before a kernel sees them."""
        board = getattr(states, "board", None)
        if (not isinstance(states, GomokuState) or board is None or board.dtype != np.int8
                or board.ndim != 2 or board.shape[1] != self.num_points):
            raise ValueError(f"expected a GomokuState with int8 board [B, {self.num_points}] "
                             f"for {self.info.spec}, got {type(states).__name__}")
        return states

    def _row(self, states: GomokuState, row: int) -> int:
        if not -len(states) <= row < len(states):
            raise IndexError(f"row {row} out of range for a batch of {len(states)}")
        return row % len(states)

    # -- dynamics -------------------------------------------------------------
    def to_play(self, states: GomokuState) -> np.ndarray:
        return self._check(states).to_play.copy()

    def legal_mask(self, states: GomokuState, out: np.ndarray | None = None) -> np.ndarray:
        """bool ``[B, H*W]``: empty points of rows in play."""
        self._check(states)
        out = self._out(out, (len(states), self.num_points), np.bool_)
        kernels.legal_mask_batch(states.board, states.reason, out)
        return out

    def apply(self, states: GomokuState, actions: np.ndarray | Sequence[int], *, check: bool = True) -> None:
        """Place the mover's stone at ``actions[b]`` (int ``[B]``) in every row b, in place.

        Every row is validated before any changes, whatever ``check`` says: it
        costs about a microsecond a call and nanoseconds a row, far less than a
        corrupted search tree. So ``check`` is accepted for the interface only,
        and a bad move always raises IllegalMoveError with nothing changed.
        """
        self._check(states)
        acts = self._actions(actions, len(states))
        errors = np.empty(len(states), dtype=np.int8)
        bad = kernels.apply_batch(states.board, states.to_play, states.moves, states.last_move,
                                  states.winner, states.reason, acts, errors, kernels.DIRECTIONS,
                                  self.height, self.width, self.k, self.exact)
        if bad:
            row = int(np.flatnonzero(errors)[0])
            raise self._illegal(states, row, int(acts[row]), int(errors[row]))

    def _actions(self, actions: np.ndarray | Sequence[int], batch: int) -> np.ndarray:
        """``actions`` as int64 ``[B]``, or a ValueError saying what is wrong."""
        acts = np.asarray(actions)
        if acts.shape != (batch,):
            raise ValueError(f"actions must have shape ({batch},), got {acts.shape}")
        if batch and not np.issubdtype(acts.dtype, np.integer):
            raise ValueError(f"actions must be integers, got dtype {acts.dtype}")
        return acts.astype(np.int64, copy=False)

    def _illegal(self, states: GomokuState, row: int, action: int, code: int) -> IllegalMoveError:
        in_range = 0 <= action < self.num_points
        move = coords.action_to_text(action, self.height, self.width) if in_range else f"action {action}"
        where = f" in row {row} of {len(states)}" if len(states) > 1 else ""
        return IllegalMoveError(move, _ERRORS[code] + where, self.render(states, row))

    def terminal(self, states: GomokuState, out: np.ndarray | None = None) -> np.ndarray:
        out = self._out(out, (len(self._check(states)),), np.bool_)
        np.not_equal(states.reason, kernels.IN_PLAY, out=out)
        return out

    def outcome(self, states: GomokuState, out: np.ndarray | None = None) -> np.ndarray:
        """float32 ``[B]``: +1 if the mover has won, -1 if lost, 0 for a draw or in play."""
        out = self._out(out, (len(self._check(states)),), np.float32)
        decided = states.winner != kernels.NO_WINNER
        out[:] = np.where(decided, np.where(states.winner == states.to_play, 1.0, -1.0), 0.0)
        return out

    def result(self, states: GomokuState, row: int = 0) -> Outcome:
        row = self._row(self._check(states), row)
        winner = int(states.winner[row])
        reason = _REASONS[int(states.reason[row])]
        return Outcome(terminal=reason is not Reason.NONE,
                       winner=None if winner == kernels.NO_WINNER else winner, reason=reason)

    def resign(self, states: GomokuState, rows: Sequence[int] | np.ndarray) -> None:
        """The mover in each of ``rows`` resigns; a finished row cannot resign (ValueError)."""
        idx = np.asarray(rows, dtype=np.int64).reshape(-1)
        if idx.size and (idx.min() < 0 or idx.max() >= len(self._check(states))):
            raise IndexError(f"rows {idx.tolist()} out of range for a batch of {len(states)}")
        over = idx[states.reason[idx] != kernels.IN_PLAY]
        if over.size:
            raise ValueError(f"cannot resign finished game(s) in rows {over.tolist()}")
        states.winner[idx] = 1 - states.to_play[idx]
        states.reason[idx] = kernels.RESIGNED

    def encode(self, states: GomokuState, out: np.ndarray | None = None) -> np.ndarray:
        """float32 ``[B, 4, H, W]``: mover's stones, opponent's stones, last move, Black to move."""
        self._check(states)
        out = self._out(out, (len(states), NUM_PLANES, self.height, self.width), np.float32)
        kernels.encode_batch(states.board, states.to_play, states.last_move, out, self.height, self.width)
        return out

    # -- symmetries -----------------------------------------------------------
    def _sym(self, sym: int) -> int:
        if isinstance(sym, bool) or not isinstance(sym, (int, np.integer)) \
                or not 0 <= sym < self.info.num_symmetries:
            raise ValueError(f"symmetry must be an int 0-{self.info.num_symmetries - 1} "
                             f"for a {self.height}x{self.width} board, got {sym!r}")
        return int(sym)

    def transform_planes(self, planes: np.ndarray, sym: int) -> np.ndarray:
        """Planes ``[..., H, W]`` under symmetry ``sym`` (only 0, the identity, if H != W)."""
        sym = self._sym(sym)
        if planes.shape[-2:] != (self.height, self.width):
            raise ValueError(f"planes must end in ({self.height}, {self.width}), got {planes.shape}")
        return symmetry.transform_planes(planes, sym)

    def transform_policy(self, policy: np.ndarray, sym: int) -> np.ndarray:
        """Policy ``[..., H*W]`` under symmetry ``sym``, consistent with ``transform_planes``."""
        sym = self._sym(sym)
        if policy.shape[-1:] != (self.num_points,):
            raise ValueError(f"policy must end in ({self.num_points},), got {policy.shape}")
        if sym == 0:
            return policy.copy()
        return symmetry.transform_policy(policy, self.height, sym)

    def inverse_symmetry(self, sym: int) -> int:
        return symmetry.inverse(self._sym(sym))

    # -- text -----------------------------------------------------------------
    def action_to_text(self, states: GomokuState, action: Action, row: int = 0) -> str:
        """``h8``-style text of a point."""
        return coords.action_to_text(action, self.height, self.width)

    def text_to_action(self, states: GomokuState, text: str, row: int = 0) -> Action:
        """Parse ``h8``-style text; NotationError names the columns and rows expected."""
        return coords.text_to_action(text, self.height, self.width)

    def render(self, states: GomokuState, row: int = 0) -> str:
        """The board with coordinates ('X' Black, 'O' White, '.' empty) and a status line."""
        row = self._row(self._check(states), row)
        letters = "   " + " ".join(coords.COLUMNS[: self.width])
        lines = [letters]
        for y in range(self.height):
            cells = states.board[row, y * self.width:(y + 1) * self.width]
            lines.append(f"{self.height - y:2d} " + " ".join(STONE_CHARS[c] for c in cells))
        lines.append(letters)
        lines.append(self._status(states, row))
        return "\n".join(lines)

    def _status(self, states: GomokuState, row: int) -> str:
        last = int(states.last_move[row])
        head = f"move {int(states.moves[row])}"
        if last != NO_ACTION:
            head += f", last {coords.action_to_text(last, self.height, self.width)}"
        result = self.result(states, row)
        if not result.terminal:
            return f"{head}: {_NAMES[int(states.to_play[row])]} to move"
        if result.winner is None:
            return f"{head}: draw, {result.reason.value}"
        return f"{head}: {_NAMES[result.winner]} won by {result.reason.value}"

    def from_picture(self, picture: str, last_move: str | None = None) -> GomokuState:
        """A one-row state from an ASCII board ('X', 'O', '.'), e.g. ``render``'s output.

        Board lines are those made only of X, O and '.' (blanks and row numbers
        at either end ignored), top row first. The side to move follows from
        the stone counts; a line of k already on the board ends the game.
        """
        rows = [cells for cells in (_board_cells(line) for line in picture.splitlines()) if cells]
        if len(rows) != self.height or any(len(r) != self.width for r in rows):
            raise ValueError(f"picture must have {self.height} rows of {self.width} points "
                             f"('X', 'O', '.'), got rows of {[len(r) for r in rows]}")
        board = np.array([STONE_CHARS.index(c) for r in rows for c in r], dtype=np.int8)
        black, white = int((board == kernels.BLACK).sum()), int((board == kernels.WHITE).sum())
        if black - white not in (0, 1):
            raise ValueError(f"picture has {black} black and {white} white stones; "
                             "Black moves first, so it must have as many or one more")
        states = self.initial(1)
        states.board[0], states.moves[0], states.to_play[0] = board, black + white, black - white
        if last_move is not None:
            states.last_move[0] = self._last_move(board, last_move, black - white)
        self._settle(states)
        return states

    def _last_move(self, board: np.ndarray, text: str, just_moved_colour: int) -> int:
        action = coords.text_to_action(text, self.height, self.width)
        mover = kernels.BLACK if just_moved_colour else kernels.WHITE
        if board[action] != mover:
            raise ValueError(f"last move {text} must hold a stone of the side that just moved")
        return action

    def _settle(self, states: GomokuState) -> None:
        """Decide the result of a pictured row by a whole-board scan."""
        colours = kernels.winning_colours(states.board[0], kernels.DIRECTIONS, self.height,
                                          self.width, self.k, self.exact)
        just_moved = 1 - int(states.to_play[0])
        if colours == just_moved + 1:
            states.winner[0], states.reason[0] = just_moved, kernels.K_IN_A_ROW
        elif colours:
            raise ValueError("picture has a winning line for the side to move, or for both sides")
        elif states.moves[0] == self.num_points:
            states.reason[0] = kernels.BOARD_FULL


def _board_cells(line: str) -> str:
    """The X/O/. cells of a picture line, or '' if it is not a board line."""
    cells = line.strip().strip("0123456789").replace(" ", "")
    return cells if cells and set(cells) <= set(STONE_CHARS) else ""
