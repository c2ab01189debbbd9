"""The one batched Game interface shared by Go, gomoku and chess.

Every game keeps B positions in one state object (a leading batch axis) and
offers batched methods that write into caller-owned ``out=`` buffers, so the
search can build thousands of leaf positions per step without a Python object
per position. Front ends simply use B = 1.

Conventions, the same for every game:

* Players are numbered 0 (the first player: Black in Go and gomoku, White in
  chess) and 1.  ``to_play`` gives the player to move per row.
* Actions are ints in ``[0, info.num_actions)``.  Chess actions are encoded from
  the mover's point of view (the board is flipped for Black).
* ``outcome`` is the final value from the point of view of the player to move in
  that row: +1 win, 0 draw, -1 loss (0 for rows still in play).
* Feature planes are float32 ``[B, num_planes, H, W]``, always from the point of
  view of the player to move.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Generic, Sequence, TypeAlias, TypeVar

import numpy as np

Action: TypeAlias = int
"""An index into the game's action space, ``0 <= a < GameInfo.num_actions``."""

Player: TypeAlias = int
"""0 for the first player (Black in Go/gomoku, White in chess), 1 for the second."""

NO_ACTION: Action = -1
"""Sentinel for 'no move' (e.g. the last move of an initial position)."""


class SpecError(ValueError):
    """A game spec string that names an unknown game, key or value."""


class NotationError(ValueError):
    """Text that is not a move in the game's notation; says what is expected."""


class IllegalMoveError(ValueError):
    """A well-formed move that the rules forbid in this position.

    The message names the move, the reason and draws the position.
    """

    def __init__(self, move: str, reason: str, position: str) -> None:
        super().__init__(f"illegal move {move} ({reason}) in position:\n{position}")
        self.move = move
        self.reason = reason
        self.position = position


class Reason(enum.Enum):
    """Why a game ended."""

    NONE = "in play"
    K_IN_A_ROW = "k in a row"
    BOARD_FULL = "board full"
    TWO_PASSES = "two passes, area score"
    MOVE_CAP = "move cap reached"
    RESIGNATION = "resignation"
    CHECKMATE = "checkmate"
    STALEMATE = "stalemate"
    INSUFFICIENT_MATERIAL = "insufficient material"
    FIFTY_MOVES = "fifty-move rule"
    REPETITION = "threefold repetition"


@dataclass(frozen=True)
class Outcome:
    """The result of one finished (or unfinished) game, for people and records.

    ``winner`` is the winning player (0 or 1), or None for a draw or a game in
    play. ``score`` is Black's area-score margin (komi included) for Go.
    """

    terminal: bool
    winner: Player | None
    reason: Reason
    score: float | None = None

    def value_for(self, player: Player) -> float:
        """+1 if ``player`` won, -1 if they lost, 0 for a draw or game in play."""
        if self.winner is None:
            return 0.0
        return 1.0 if self.winner == player else -1.0


@dataclass(frozen=True)
class GameInfo:
    """Static facts about a configured game; never changes during play."""

    spec: str
    """Canonical spec string, e.g. ``go:size=9,komi=7``; ``make_game(spec)`` rebuilds the game."""
    name: str
    """Game family: ``go``, ``gomoku`` or ``chess``."""
    num_actions: int
    """Size of the action space (Go: N*N + 1 with pass last; chess: 4672)."""
    board_shape: tuple[int, int]
    """(H, W) of the feature planes."""
    num_planes: int
    """Number of feature planes C in ``encode``'s ``[B, C, H, W]`` output."""
    max_game_length: int
    """Upper bound on the number of moves in a game (the move/ply cap)."""
    has_draws: bool
    """Whether a game can end in a draw (decides win/draw/loss value heads)."""
    num_symmetries: int
    """8 for square Go/gomoku boards (the dihedral group), else 1."""
    pass_action: Action = NO_ACTION
    """The pass action (Go only), else NO_ACTION."""


@lru_cache(maxsize=None)
def field_names(cls: type) -> tuple[str, ...]:
    """The field names of a state dataclass, in declaration order.

    Cached: ``dataclasses.fields()`` costs tens of microseconds and hot paths
    (``len(states)``, leaf building) ask on every call.
    """
    return tuple(f.name for f in fields(cls))


class ArrayState:
    """A batch of positions stored as numpy arrays with a leading batch axis.

    Subclasses are dataclasses whose every field is an array ``[B, ...]``; this
    base gives them row-wise copy, selection and assignment, the operations the
    search uses to build leaf positions.
    """

    @classmethod
    def _names(cls) -> tuple[str, ...]:
        return field_names(cls)

    def _arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in self._names()}

    def __len__(self) -> int:
        return len(getattr(self, self._names()[0]))

    def copy(self) -> "ArrayState":
        """A deep copy of all rows."""
        return type(self)(**{k: v.copy() for k, v in self._arrays().items()})

    def take(self, rows: Sequence[int] | np.ndarray) -> "ArrayState":
        """A new state holding copies of ``rows`` (in that order)."""
        idx = np.asarray(rows, dtype=np.int64)
        return type(self)(**{k: v[idx].copy() for k, v in self._arrays().items()})

    def assign(self, rows: Sequence[int] | np.ndarray, src: "ArrayState",
               src_rows: Sequence[int] | np.ndarray | None = None) -> None:
        """Overwrite ``self[rows]`` with ``src[src_rows]`` (all of ``src`` if None)."""
        idx = np.asarray(rows, dtype=np.int64)
        sidx = np.arange(len(src)) if src_rows is None else np.asarray(src_rows, dtype=np.int64)
        for name, arr in self._arrays().items():
            arr[idx] = getattr(src, name)[sidx]


S = TypeVar("S")


class Game(ABC, Generic[S]):
    """A configured game: static facts in ``info`` plus batched dynamics.

    All batched methods take a state object ``S`` of B rows. Methods that
    produce arrays accept an optional preallocated ``out`` buffer of the
    documented shape and return it.
    """

    info: GameInfo

    # -- states ---------------------------------------------------------------
    @abstractmethod
    def initial(self, batch: int = 1) -> S:
        """B copies of the initial position."""

    @abstractmethod
    def copy(self, states: S) -> S:
        """A deep copy of all rows (subsequent applies do not alias)."""

    @abstractmethod
    def take(self, states: S, rows: Sequence[int] | np.ndarray) -> S:
        """A new B'-row state holding copies of ``rows``."""

    @abstractmethod
    def assign(self, states: S, rows: Sequence[int] | np.ndarray, src: S,
               src_rows: Sequence[int] | np.ndarray | None = None) -> None:
        """Overwrite ``states[rows]`` with copies of ``src[src_rows]``."""

    @abstractmethod
    def batch_size(self, states: S) -> int:
        """Number of rows B in ``states``."""

    # -- dynamics -------------------------------------------------------------
    @abstractmethod
    def to_play(self, states: S) -> np.ndarray:
        """int8 ``[B]``: the player to move in each row."""

    @abstractmethod
    def legal_mask(self, states: S, out: np.ndarray | None = None) -> np.ndarray:
        """bool ``[B, num_actions]``; all False for finished rows."""

    @abstractmethod
    def apply(self, states: S, actions: np.ndarray | Sequence[int], *, check: bool = True) -> None:
        """Play ``actions[b]`` in row b, in place.

        With ``check`` (the default) every action is validated first and an
        :class:`IllegalMoveError` naming the move and position is raised before
        any row changes. ``check=False`` is for callers (the search) that only
        play moves taken from ``legal_mask``.
        """

    @abstractmethod
    def terminal(self, states: S, out: np.ndarray | None = None) -> np.ndarray:
        """bool ``[B]``: whether each row's game is over."""

    @abstractmethod
    def outcome(self, states: S, out: np.ndarray | None = None) -> np.ndarray:
        """float32 ``[B]``: final value for the player to move (+1/0/-1; 0 in play)."""

    @abstractmethod
    def result(self, states: S, row: int = 0) -> Outcome:
        """The :class:`Outcome` of one row, with winner and reason."""

    @abstractmethod
    def resign(self, states: S, rows: Sequence[int] | np.ndarray) -> None:
        """The player to move in each of ``rows`` resigns; those games end."""

    def passing_loses(self, states: S) -> np.ndarray:
        """bool ``[B]``: rows where the mover's pass would let the opponent end the game by
        passing back without the mover winning (Go); all False for games without a pass."""
        return np.zeros(self.batch_size(states), np.bool_)

    def adjudicate(self, states: S, row: int = 0) -> Player | None:
        """The player judged to be winning row's unfinished game, or None (no judgment, or level).

        Self-play may score games cut at its move cap by this instead of as draws
        (``SelfPlayConfig.adjudicate_capped``); games without a judgment say None.
        """
        return None

    @abstractmethod
    def encode(self, states: S, out: np.ndarray | None = None) -> np.ndarray:
        """float32 ``[B, num_planes, H, W]`` feature planes, mover's point of view."""

    # -- symmetries -----------------------------------------------------------
    @abstractmethod
    def transform_planes(self, planes: np.ndarray, sym: int) -> np.ndarray:
        """Apply symmetry ``sym`` to planes ``[..., H, W]`` (returns a new array)."""

    @abstractmethod
    def transform_policy(self, policy: np.ndarray, sym: int) -> np.ndarray:
        """Apply symmetry ``sym`` to a policy ``[..., num_actions]``, consistently with planes."""

    def inverse_symmetry(self, sym: int) -> int:
        """The symmetry that undoes ``sym``."""
        return sym

    # -- text -----------------------------------------------------------------
    @abstractmethod
    def action_to_text(self, states: S, action: Action, row: int = 0) -> str:
        """The move in the notation players use (Go ``D4``/``pass``, gomoku ``h8``, chess UCI)."""

    @abstractmethod
    def text_to_action(self, states: S, text: str, row: int = 0) -> Action:
        """Parse a move; raises :class:`NotationError` saying what notation is expected.

        Legality is not checked here except where the notation needs the
        position (chess SAN); ``apply`` refuses illegal moves.
        """

    @abstractmethod
    def render(self, states: S, row: int = 0) -> str:
        """An ASCII drawing of one row's position with coordinates."""

    # -- helpers shared by all games ------------------------------------------
    def legal_actions(self, states: S, row: int = 0) -> list[Action]:
        """Legal actions of one row as a sorted list (front-end convenience)."""
        mask = self.legal_mask(self.take(states, [row]))[0]
        return [int(a) for a in np.flatnonzero(mask)]

    def play_text(self, states: S, text: str) -> Action:
        """Parse ``text`` and play it: the front ends' case, so only for B = 1 states."""
        if self.batch_size(states) != 1:
            raise ValueError("play_text needs a batch of 1")
        action = self.text_to_action(states, text)
        self.apply(states, np.array([action], dtype=np.int64))
        return action

    def _out(self, out: np.ndarray | None, shape: tuple[int, ...], dtype: type) -> np.ndarray:
        if out is None:
            return np.zeros(shape, dtype=dtype)
        if out.shape != shape or out.dtype != np.dtype(dtype):
            raise ValueError(f"out buffer must be {np.dtype(dtype)} {shape}, got {out.dtype} {out.shape}")
        return out


AS = TypeVar("AS", bound=ArrayState)


class ArrayGame(Game[AS]):
    """A Game whose states are :class:`ArrayState` dataclasses (Go, gomoku)."""

    def copy(self, states: AS) -> AS:
        return states.copy()  # type: ignore[return-value]

    def take(self, states: AS, rows: Sequence[int] | np.ndarray) -> AS:
        return states.take(rows)  # type: ignore[return-value]

    def assign(self, states: AS, rows: Sequence[int] | np.ndarray, src: AS,
               src_rows: Sequence[int] | np.ndarray | None = None) -> None:
        states.assign(rows, src, src_rows)

    def batch_size(self, states: AS) -> int:
        return len(states)
