"""AlphaZero's 8x8x73 chess action space (4672 actions), from the mover's point of view.

An action is ``from_square * 73 + plane``: square-major, so a policy vector
reshaped C-order to ``[8, 8, 73]`` is indexed ``[from_rank, from_file, plane]``.
Squares are python-chess squares (``a1 = 0, b1 = 1, ..., h8 = 63``) *as the mover
sees the board*: for Black every square is mirrored vertically (``square ^ 56``),
so Black's e7e5 and White's e2e4 are the same action. Files are never mirrored,
so "left" below always means towards the a-file.

Planes (``dr``, ``df`` are rank and file steps in the mover's view):

* 0-55 queen-like moves: ``direction * 7 + (distance - 1)``, directions in
  :data:`DIRECTIONS` order N, NE, E, SE, S, SW, W, NW and distance 1-7. Queen
  promotions, king moves and castling (the king's two-square step, python-chess's
  ``e1g1``/``e1c1``) use these planes.
* 56-63 knight moves: ``56 + i`` with ``i`` the index in :data:`KNIGHT_STEPS`
  (clockwise from (+2, +1)).
* 64-72 underpromotions: ``64 + 3 * piece + side`` with piece 0, 1, 2 = knight,
  bishop, rook and side 0, 1, 2 = capture left (``df = -1``), straight, capture
  right (``df = +1``).

A queen-plane action decodes to a queen promotion exactly when the mover has a
pawn on the from square and the target is the last rank, so the action <-> move
map is a bijection on the legal moves of any position.

>>> import chess
>>> move_to_action(chess.Move.from_uci("e2e4"), chess.WHITE)
877
>>> action_to_move(877, chess.Board()).uci()
'e2e4'
"""

from __future__ import annotations

from typing import TypeAlias

import chess
import numpy as np

from games.base import Action

Square: TypeAlias = int
"""A python-chess square 0..63 (``a1 = 0``, ``h8 = 63``)."""
Plane: TypeAlias = int
"""One of the 73 move types of a from square."""

NUM_PLANES_PER_SQUARE = 73
NUM_ACTIONS = 64 * NUM_PLANES_PER_SQUARE  # 4672
QUEEN_PLANES = 56
KNIGHT_PLANE0 = 56
UNDERPROMO_PLANE0 = 64

DIRECTIONS: tuple[tuple[int, int], ...] = (
    (1, 0), (1, 1), (0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1))
"""(rank step, file step) of N, NE, E, SE, S, SW, W, NW."""
KNIGHT_STEPS: tuple[tuple[int, int], ...] = (
    (2, 1), (1, 2), (-1, 2), (-2, 1), (-2, -1), (-1, -2), (1, -2), (2, -1))
"""(rank step, file step) of the 8 knight moves, clockwise from (+2, +1)."""
UNDERPROMOTIONS: tuple[chess.PieceType, ...] = (chess.KNIGHT, chess.BISHOP, chess.ROOK)

NO_SQUARE = -1
"""``ACTION_TO`` entry of an action whose target lies off the board."""
CODE_SIZE = 8 << 12
"""Move codes ``promotion << 12 | from << 6 | to`` lie in ``[0, CODE_SIZE)``."""
BLACK_OFFSET = CODE_SIZE
"""Added to a move code when Black moves, to index :data:`ENCODE`."""


def plane_step(plane: Plane) -> tuple[int, int, chess.PieceType | None]:
    """(rank step, file step, underpromotion piece or None) of a plane, mover's view."""
    if plane < QUEEN_PLANES:
        dr, df = DIRECTIONS[plane // 7]
        dist = plane % 7 + 1
        return dr * dist, df * dist, None
    if plane < UNDERPROMO_PLANE0:
        dr, df = KNIGHT_STEPS[plane - KNIGHT_PLANE0]
        return dr, df, None
    piece, side = divmod(plane - UNDERPROMO_PLANE0, 3)
    return 1, side - 1, UNDERPROMOTIONS[piece]


def _decode_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """int16 ``[4672]`` from square, to square (or NO_SQUARE) and underpromotion piece (or 0)."""
    frm = np.arange(NUM_ACTIONS, dtype=np.int16) // NUM_PLANES_PER_SQUARE
    to = np.full(NUM_ACTIONS, NO_SQUARE, dtype=np.int16)
    promo = np.zeros(NUM_ACTIONS, dtype=np.int16)
    for action in range(NUM_ACTIONS):
        square, plane = divmod(action, NUM_PLANES_PER_SQUARE)
        dr, df, piece = plane_step(plane)
        rank, file = square // 8 + dr, square % 8 + df
        if 0 <= rank < 8 and 0 <= file < 8 and (piece is None or square // 8 == 6):
            to[action] = rank * 8 + file
            promo[action] = piece or 0
    return frm, to, promo


def _encode_table(frm: np.ndarray, to: np.ndarray, promo: np.ndarray) -> np.ndarray:
    """int32 ``[2 * CODE_SIZE]``: action of each move code (absolute squares), -1 if none.

    Entries ``[0, CODE_SIZE)`` are for White to move, ``[BLACK_OFFSET, ...)`` for Black.
    A queen promotion gets the same action as the plain queen-plane move.
    """
    table = np.full(2 * CODE_SIZE, -1, dtype=np.int32)
    for action in np.flatnonzero(to >= 0):
        f, t, p = int(frm[action]), int(to[action]), int(promo[action])
        codes = [p << 12 | f << 6 | t]
        if p == 0 and f // 8 == 6 and t // 8 == 7 and abs(f % 8 - t % 8) <= 1:
            codes.append(chess.QUEEN << 12 | f << 6 | t)
        for code in codes:
            table[code] = action
            table[BLACK_OFFSET + (code ^ (56 << 6 | 56))] = action
    return table


ACTION_FROM, ACTION_TO, ACTION_PROMO = _decode_tables()
"""int16 ``[4672]`` each: mover-view from square, to square (NO_SQUARE if off the
board), underpromotion piece type (0 if none)."""
ENCODE = _encode_table(ACTION_FROM, ACTION_TO, ACTION_PROMO)
"""int32 ``[2 * CODE_SIZE]``: ``ENCODE[colour_offset + move_code(m)]`` is m's action or -1."""
for _table in (ACTION_FROM, ACTION_TO, ACTION_PROMO, ENCODE):
    _table.setflags(write=False)

# Python lists for scalar lookups: indexing them is several times cheaper than numpy.
_FROM: list[int] = ACTION_FROM.tolist()
_TO: list[int] = ACTION_TO.tolist()
_PROMO: list[int] = ACTION_PROMO.tolist()
_ENCODE: list[int] = ENCODE.tolist()


def move_code(move: chess.Move) -> int:
    """``promotion << 12 | from << 6 | to`` with absolute squares (promotion 0 if none)."""
    return (move.promotion or 0) << 12 | move.from_square << 6 | move.to_square


def move_to_action(move: chess.Move, turn: chess.Color) -> Action:
    """The action of ``move`` played by ``turn``; ValueError if no action encodes it.

    >>> move_to_action(chess.Move.from_uci("e7e5"), chess.BLACK)  # mirrored: e2e4
    877
    """
    action = _ENCODE[move_code(move) + (0 if turn else BLACK_OFFSET)] if move else -1
    if action < 0:
        raise ValueError(f"move {move.uci()} has no action in the 8x8x73 encoding")
    return action


def action_to_move(action: Action, board: chess.Board) -> chess.Move:
    """The move ``action`` stands for in ``board`` (legal or not); ValueError if off the board.

    Queen-plane actions of a pawn of the mover reaching the last rank are queen
    promotions; the board is needed only for that and for the side to move.
    """
    if not 0 <= action < NUM_ACTIONS or _TO[action] < 0:
        raise ValueError(f"action {action} does not encode a move on the board")
    flip = 0 if board.turn else 56
    frm, to = _FROM[action] ^ flip, _TO[action] ^ flip
    promo = _PROMO[action] or None
    if (promo is None and _TO[action] >= 56 and action % NUM_PLANES_PER_SQUARE < QUEEN_PLANES
            and board.pawns & board.occupied_co[board.turn] & (1 << frm)):
        promo = chess.QUEEN
    return chess.Move(frm, to, promo)


def legal_actions(board: chess.Board) -> np.ndarray:
    """int32 ``[n]``: the actions of the legal moves of ``board``, in generation order."""
    offset = 0 if board.turn else BLACK_OFFSET
    codes = [(m.promotion or 0) << 12 | m.from_square << 6 | m.to_square
             for m in board.generate_legal_moves()]
    return ENCODE[np.array(codes, dtype=np.int64) + offset] if codes else np.zeros(0, np.int32)
