"""ChessGame: the batched Game interface over python-chess boards.

A :class:`ChessState` holds B ``chess.Board`` objects with their move stacks
(for ``pop`` and game records) plus, per row, for every position since the
state's start: its :data:`PositionKey`, how often it occurred before, and its
packed history planes. Those lists give threefold repetition in O(moves since
the last capture or pawn move) per push and the 8-step history planes without
popping boards. A row costs about 0.8 KB per ply played (measured, python-chess's
move stack included); copies share the entries and copy only the lists.

Actions are AlphaZero's 8x8x73 = 4672 from the mover's point of view (see
``games.chess.encoding``). A game ends by checkmate, stalemate, insufficient
material, the fifty-move rule (halfmove clock >= 100 ends it, no claim needed),
threefold repetition (automatic), the ply cap ``max_plies`` (a draw) or
resignation. The ply cap counts moves played since the state's start position
(the standard start, or the FEN given to :meth:`ChessGame.from_fen`).

The search plays along a path with :meth:`ChessGame.push` / :meth:`ChessGame.pop`
on one row instead of copying boards.

>>> game = ChessGame()
>>> states = game.initial(2)
>>> game.apply(states, [game.text_to_action(states, "e4"), game.text_to_action(states, "d2d4")])
>>> game.encode(states).shape, game.action_to_text(states, game.legal_actions(states, 1)[0], 1)
((2, 119, 8, 8), 'b8c6')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import chess
import numpy as np

from games.base import Action, Game, GameInfo, IllegalMoveError, NotationError, Outcome, Reason
from games.chess.encoding import NUM_ACTIONS, action_to_move, legal_actions, move_to_action
from games.chess.features import (NUM_FEATURE_PLANES, PositionKey, StepPlanes, encode_planes,
                                  position_key, step_planes)

UNKNOWN = -1
"""``ChessState.status`` of a row whose terminal status is not computed yet."""
IN_PLAY, CHECKMATE, RESIGNED, STALEMATE, INSUFFICIENT, FIFTY, REPETITION, MOVE_CAP = range(8)
REASONS: tuple[Reason, ...] = (
    Reason.NONE, Reason.CHECKMATE, Reason.RESIGNATION, Reason.STALEMATE,
    Reason.INSUFFICIENT_MATERIAL, Reason.FIFTY_MOVES, Reason.REPETITION, Reason.MOVE_CAP)
"""The Reason of each status code."""
_MOVER_VALUE = np.array([0, -1, -1, 0, 0, 0, 0, 0], dtype=np.float32)
PIECE_VALUES = {chess.PAWN: 1, chess.KNIGHT: 3, chess.BISHOP: 3, chess.ROOK: 5, chess.QUEEN: 9}
ADJUDICATION_MARGIN = 3
"""Material lead (in pawns) that :meth:`ChessGame.adjudicate` calls a win: a minor piece."""
_UCI = re.compile(r"[a-h][1-8][a-h][1-8][nbrqNBRQ]?")
NOTATION_HELP = "expected a move in UCI like e2e4 or e7e8q, or SAN like Nf3"


def _copy_board(board: chess.Board) -> chess.Board:
    """``board.copy(stack=True)`` without copying each Move (python-chess does, ~6 us each).

    Moves and the saved ``_BoardState`` snapshots are never mutated, so the copy
    shares them; only the two stack lists are new.
    """
    new = board.copy(stack=False)
    new.move_stack = board.move_stack.copy()
    new._stack = board._stack.copy()
    return new


def _check_position(board: chess.Board, fen: str) -> None:
    """ValueError naming ``fen`` unless it is a valid standard-chess position."""
    if board.chess960:
        raise ValueError(f"chess960 positions are not supported: {fen!r}")
    if not board.is_valid():
        raise ValueError(f"invalid position in FEN {fen!r}: {board.status()!r}")


@dataclass
class ChessState:
    """B chess positions. Treat the fields as read-only; change rows via ChessGame.

    boards:   B ``chess.Board`` with move stacks since the state's start position.
    keys:     per row, the position key after each ply since the start (``[0]`` = start).
    reps:     per row, how many times ``keys[row][i]`` occurred before ply i.
    steps:    per row, the packed history planes of each of those positions.
    resigned: bool ``[B]``, the side to move resigned.
    status:   int8 ``[B]`` cached status code (IN_PLAY, CHECKMATE, ...) or UNKNOWN.
    legal:    per row, cached int32 legal actions or None.
    """

    boards: list[chess.Board]
    keys: list[list[PositionKey]]
    reps: list[list[int]]
    steps: list[list[StepPlanes]]
    resigned: np.ndarray
    status: np.ndarray
    legal: list[np.ndarray | None]

    def __len__(self) -> int:
        return len(self.boards)

    def take(self, rows: Sequence[int] | np.ndarray) -> ChessState:
        """A new state holding copies of ``rows`` (in that order)."""
        idx = [int(r) for r in rows]
        return ChessState(
            boards=[_copy_board(self.boards[r]) for r in idx],
            keys=[self.keys[r].copy() for r in idx],
            reps=[self.reps[r].copy() for r in idx],
            steps=[self.steps[r].copy() for r in idx],
            resigned=self.resigned[idx],
            status=self.status[idx],
            legal=[self.legal[r] for r in idx])

    def copy(self) -> ChessState:
        """A deep copy of all rows."""
        return self.take(range(len(self)))

    def assign(self, rows: Sequence[int] | np.ndarray, src: ChessState,
               src_rows: Sequence[int] | np.ndarray | None = None) -> None:
        """Overwrite ``self[rows]`` with copies of ``src[src_rows]`` (all of src if None)."""
        picked = src.take(range(len(src)) if src_rows is None else src_rows)
        for i, row in enumerate(int(r) for r in rows):
            self.boards[row] = picked.boards[i]
            self.keys[row] = picked.keys[i]
            self.reps[row] = picked.reps[i]
            self.steps[row] = picked.steps[i]
            self.resigned[row] = picked.resigned[i]
            self.status[row] = picked.status[i]
            self.legal[row] = picked.legal[i]


class ChessGame(Game[ChessState]):
    """Chess with python-chess rules behind the batched Game interface.

    ``max_plies`` caps the game length; reaching it is a draw (Reason.MOVE_CAP).
    Call ``legal_mask`` before ``terminal``/``outcome`` or after: both share one
    cached move generation per position.
    """

    def __init__(self, spec: str | None = None, max_plies: int = 512) -> None:
        if max_plies <= 0:
            raise ValueError(f"max_plies must be a positive integer, got {max_plies}")
        self.max_plies = max_plies
        spec = spec or f"chess:max_plies={max_plies}"
        self.info = GameInfo(spec=spec, name="chess", num_actions=NUM_ACTIONS, board_shape=(8, 8),
                             num_planes=NUM_FEATURE_PLANES, max_game_length=max_plies,
                             has_draws=True, num_symmetries=1)

    # -- states ---------------------------------------------------------------
    def initial(self, batch: int = 1) -> ChessState:
        """B copies of the standard start position."""
        return self.from_board(chess.Board(), batch)

    def from_fen(self, fen: str, batch: int = 1) -> ChessState:
        """B copies of the position ``fen``; ValueError naming the FEN if it is invalid."""
        try:
            board = chess.Board(fen)
        except ValueError as err:
            raise ValueError(f"invalid FEN {fen!r}: {err}") from None
        _check_position(board, fen)
        return self.from_board(board, batch)

    def from_board(self, board: chess.Board, batch: int = 1) -> ChessState:
        """B copies of ``board``; its move stack is replayed so repetitions count."""
        root = board.root()
        _check_position(root, root.fen())
        states = ChessState(boards=[root], keys=[[position_key(root)]], reps=[[0]],
                            steps=[[step_planes(root, 0)]],
                            resigned=np.zeros(1, dtype=bool),
                            status=np.full(1, UNKNOWN, dtype=np.int8), legal=[None])
        for move in board.move_stack:
            self._push_move(states, 0, move)
        return states.take([0] * batch)

    def copy(self, states: ChessState) -> ChessState:
        return states.copy()

    def take(self, states: ChessState, rows: Sequence[int] | np.ndarray) -> ChessState:
        return states.take(rows)

    def assign(self, states: ChessState, rows: Sequence[int] | np.ndarray, src: ChessState,
               src_rows: Sequence[int] | np.ndarray | None = None) -> None:
        states.assign(rows, src, src_rows)

    def batch_size(self, states: ChessState) -> int:
        return len(states)

    # -- push / pop along a search path --------------------------------------
    def push(self, states: ChessState, row: int, action: Action) -> None:
        """Play ``action`` in ``row`` without checks (it must come from ``legal_mask``)."""
        self._push_move(states, row, action_to_move(action, states.boards[row]))

    def pop(self, states: ChessState, row: int) -> Action:
        """Undo the last move of ``row`` and return its action; IndexError at the start."""
        if len(states.keys[row]) <= 1:
            raise IndexError(f"row {row} has no move to undo: it is at its start position")
        board = states.boards[row]
        move = board.pop()
        states.keys[row].pop()
        states.reps[row].pop()
        states.steps[row].pop()
        self._invalidate(states, row)
        return move_to_action(move, board.turn)

    def _push_move(self, states: ChessState, row: int, move: chess.Move) -> None:
        """Push ``move`` and record its position key, repetition count and planes."""
        board = states.boards[row]
        board.push(move)
        key = position_key(board)
        keys = states.keys[row]
        # Only positions since the last capture or pawn move can repeat this one.
        reps = keys[max(0, len(keys) - board.halfmove_clock):].count(key)
        keys.append(key)
        states.reps[row].append(reps)
        states.steps[row].append(step_planes(board, reps))
        self._invalidate(states, row)

    @staticmethod
    def _invalidate(states: ChessState, row: int) -> None:
        states.status[row] = UNKNOWN
        states.legal[row] = None

    # -- dynamics -------------------------------------------------------------
    def to_play(self, states: ChessState) -> np.ndarray:
        return np.fromiter((0 if b.turn else 1 for b in states.boards), np.int8, len(states))

    def _legal(self, states: ChessState, row: int) -> np.ndarray:
        """int32 ``[n]`` legal actions of ``row``'s board (cached; ignores game end)."""
        acts = states.legal[row]
        if acts is None:
            acts = states.legal[row] = legal_actions(states.boards[row])
        return acts

    def _status(self, states: ChessState, row: int) -> int:
        """Status code of ``row``, computed once per position and cached."""
        code = int(states.status[row])
        if code == UNKNOWN:
            code = self._compute_status(states, row)
            states.status[row] = code
        return code

    def _compute_status(self, states: ChessState, row: int) -> int:
        """Checks in priority order; after the (cached) move generation each is a few bit ops."""
        if states.resigned[row]:
            return RESIGNED
        board = states.boards[row]
        if len(self._legal(states, row)) == 0:  # mate outranks every draw rule
            return CHECKMATE if board.is_check() else STALEMATE
        if board.is_insufficient_material():
            return INSUFFICIENT
        if board.halfmove_clock >= 100:
            return FIFTY
        if states.reps[row][-1] >= 2:
            return REPETITION
        if len(states.keys[row]) > self.max_plies:
            return MOVE_CAP
        return IN_PLAY

    def _codes(self, states: ChessState) -> np.ndarray:
        return np.array([self._status(states, row) for row in range(len(states))], dtype=np.int64)

    def legal_mask(self, states: ChessState, out: np.ndarray | None = None) -> np.ndarray:
        """bool ``[B, 4672]``; all False for finished rows."""
        out = self._out(out, (len(states), NUM_ACTIONS), np.bool_)
        out[:] = False
        for row in range(len(states)):
            if self._status(states, row) == IN_PLAY:
                out[row, self._legal(states, row)] = True
        return out

    def legal_actions(self, states: ChessState, row: int = 0) -> list[Action]:
        """Sorted legal actions of one row ([] once the game is over)."""
        if self._status(states, row) != IN_PLAY:
            return []
        return sorted(int(a) for a in self._legal(states, row))

    def apply(self, states: ChessState, actions: np.ndarray | Sequence[int], *,
              check: bool = True) -> None:
        acts = [int(a) for a in np.asarray(actions).reshape(-1)]
        if len(acts) != len(states):
            raise ValueError(f"apply needs {len(states)} actions, got {len(acts)}")
        if check:
            moves = [self._checked_move(states, row, a) for row, a in enumerate(acts)]
        else:
            moves = [action_to_move(a, board) for a, board in zip(acts, states.boards)]
        for row, move in enumerate(moves):
            self._push_move(states, row, move)

    def _checked_move(self, states: ChessState, row: int, action: Action) -> chess.Move:
        """The move of ``action`` in ``row``, or IllegalMoveError saying why not."""
        if not 0 <= action < NUM_ACTIONS:
            raise self._illegal(states, row, f"action {action}",
                                f"not in the action space 0..{NUM_ACTIONS - 1}")
        board = states.boards[row]
        try:
            move = action_to_move(action, board)
        except ValueError:
            raise self._illegal(states, row, f"action {action}", "its target is off the board") from None
        code = self._status(states, row)
        if code != IN_PLAY:
            raise self._illegal(states, row, move.uci(), f"the game is over: {REASONS[code].value}")
        if not (self._legal(states, row) == action).any():
            raise self._illegal(states, row, move.uci(), self._why_illegal(board, move))
        return move

    @staticmethod
    def _why_illegal(board: chess.Board, move: chess.Move) -> str:
        piece = board.piece_at(move.from_square)
        square = chess.square_name(move.from_square)
        colour = "White" if board.turn else "Black"
        if piece is None or piece.color != board.turn:
            return f"{colour} has no piece on {square}"
        if board.is_pseudo_legal(move):
            return "it would leave the king in check"
        return f"the {chess.piece_name(piece.piece_type)} on {square} cannot move there"

    def _illegal(self, states: ChessState, row: int, move: str, reason: str) -> IllegalMoveError:
        return IllegalMoveError(move, reason, self.render(states, row))

    def terminal(self, states: ChessState, out: np.ndarray | None = None) -> np.ndarray:
        out = self._out(out, (len(states),), np.bool_)
        out[:] = self._codes(states) != IN_PLAY
        return out

    def outcome(self, states: ChessState, out: np.ndarray | None = None) -> np.ndarray:
        """float32 ``[B]``: -1 when the side to move is mated or resigned, else 0."""
        out = self._out(out, (len(states),), np.float32)
        out[:] = _MOVER_VALUE[self._codes(states)]
        return out

    def result(self, states: ChessState, row: int = 0) -> Outcome:
        code = self._status(states, row)
        mover = 0 if states.boards[row].turn else 1
        winner = 1 - mover if code in (CHECKMATE, RESIGNED) else None
        return Outcome(terminal=code != IN_PLAY, winner=winner, reason=REASONS[code])

    def adjudicate(self, states: ChessState, row: int = 0) -> int | None:
        """The side ahead by at least ``ADJUDICATION_MARGIN`` pawns of material (1/3/3/5/9), else None."""
        board = states.boards[row]
        balance = sum(value * (len(board.pieces(piece, chess.WHITE)) - len(board.pieces(piece, chess.BLACK)))
                      for piece, value in PIECE_VALUES.items())
        if abs(balance) < ADJUDICATION_MARGIN:
            return None
        return 0 if balance > 0 else 1

    def resign(self, states: ChessState, rows: Sequence[int] | np.ndarray) -> None:
        """The side to move in each of ``rows`` resigns; finished games keep their result."""
        for row in (int(r) for r in rows):
            if self._status(states, row) == IN_PLAY:
                states.resigned[row] = True
                states.status[row] = RESIGNED

    def encode(self, states: ChessState, out: np.ndarray | None = None) -> np.ndarray:
        """float32 ``[B, 119, 8, 8]`` planes, mover's view (layout in ``games.chess.features``)."""
        out = self._out(out, (len(states), NUM_FEATURE_PLANES, 8, 8), np.float32)
        return encode_planes(states.boards, states.steps, out)

    # -- symmetries: chess has none the network may use -----------------------
    def transform_planes(self, planes: np.ndarray, sym: int) -> np.ndarray:
        self._check_symmetry(sym)
        return planes.copy()

    def transform_policy(self, policy: np.ndarray, sym: int) -> np.ndarray:
        self._check_symmetry(sym)
        return policy.copy()

    @staticmethod
    def _check_symmetry(sym: int) -> None:
        if sym != 0:
            raise ValueError(f"chess has only the identity symmetry 0, got {sym}")

    # -- text -----------------------------------------------------------------
    def action_to_text(self, states: ChessState, action: Action, row: int = 0) -> str:
        """UCI (e2e4, e7e8q, e1g1); ValueError for an action off the board."""
        return action_to_move(action, states.boards[row]).uci()

    def action_to_san(self, states: ChessState, action: Action, row: int = 0) -> str:
        """SAN (Nf3, exd8=Q+, O-O) of a legal action; IllegalMoveError otherwise."""
        move = self._checked_move(states, row, action)
        return states.boards[row].san(move)

    def text_to_action(self, states: ChessState, text: str, row: int = 0) -> Action:
        """Parse UCI or SAN; an illegal but encodable UCI move is returned for apply to refuse."""
        text = text.strip()
        if _UCI.fullmatch(text):
            return self._uci_to_action(states, row, text[:4] + text[4:].lower())
        board = states.boards[row]
        try:
            move = board.parse_san(text)
        except (chess.IllegalMoveError, chess.AmbiguousMoveError) as err:
            reason = "ambiguous" if isinstance(err, chess.AmbiguousMoveError) else "not legal here"
            raise self._illegal(states, row, text, reason) from None
        except ValueError:
            raise NotationError(f"{NOTATION_HELP}; got {text!r}") from None
        if not move:
            raise NotationError(f"{NOTATION_HELP}; null moves are not moves here, got {text!r}")
        return move_to_action(move, board.turn)

    def _uci_to_action(self, states: ChessState, row: int, text: str) -> Action:
        """The action of a well-formed UCI move; IllegalMoveError if no action means it."""
        board = states.boards[row]
        try:
            move = chess.Move.from_uci(text)
            action = move_to_action(move, board.turn)
        except ValueError:
            raise self._illegal(states, row, text, "no chess piece moves like that") from None
        if action_to_move(action, board) != move:
            reason = ("only a pawn reaching the last rank promotes" if move.promotion else
                      "a pawn reaching the last rank must name its promotion, e.g. e7e8q")
            raise self._illegal(states, row, text, reason)
        return action

    def fen(self, states: ChessState, row: int = 0) -> str:
        """The FEN of one row's position."""
        return states.boards[row].fen()

    def render(self, states: ChessState, row: int = 0) -> str:
        """The board with rank and file labels (White at the bottom), side to move and FEN."""
        board = states.boards[row]
        lines = [f"{8 - i} {line}" for i, line in enumerate(str(board).splitlines())]
        lines.append("  a b c d e f g h")
        lines.append(f"{'White' if board.turn else 'Black'} to move")
        lines.append(f"FEN {board.fen()}")
        code = self._status(states, row)
        if code != IN_PLAY:
            winner = self.result(states, row).winner
            who = "draw" if winner is None else ("White wins" if winner == 0 else "Black wins")
            lines.append(f"game over: {REASONS[code].value}, {who}")
        return "\n".join(lines)
