"""AlphaZero's 119 chess feature planes, packed per position once and unpacked with numpy.

Layout of ``encode_planes``'s float32 ``[B, 119, 8, 8]`` output, all from the
mover's point of view (row 0 is the mover's first rank, so ranks are mirrored
when Black is to move; column 0 is the a-file, files are never mirrored):

* planes ``14 * t + k`` for history step ``t`` = 0 (now) .. 7 (seven plies ago):
  ``k`` = 0-5 the mover's pawns, knights, bishops, rooks, queens, king; 6-11 the
  opponent's (mover = the side to move *now*, for every step); 12 = 1 if that
  position occurred at least once before, 13 = 1 if at least twice before.
  Steps before the start of the recorded game are all zeros.
* 112 colour: 1 when Black is to move, 0 for White.
* 113 total move count: ``fullmove_number / MOVE_COUNT_SCALE``.
* 114, 115 the mover's kingside, queenside castling rights; 116, 117 the opponent's.
* 118 no-progress count: ``halfmove_clock / 100``.

Why packed steps: when a move is pushed the game state stores that position's 14
history planes as 14 uint64 bitboards packed into bytes, once as White sees them
and once as Black does (:func:`step_planes`, ~3 us). Encoding a row is then a
join of its last 8 packed steps, and the whole batch is one ``np.unpackbits``;
no board is popped and no square is visited in Python. A bitboard's bit ``s``
is square ``s``; little-endian bytes put rank 1 first, and packing big-endian
mirrors the ranks for Black. The repetition planes are bitboards that are all
ones or all zeros.
"""

from __future__ import annotations

import struct
from typing import Sequence, TypeAlias

import chess
import numpy as np

PositionKey: TypeAlias = tuple[int, int, int, int, int, int, int, int, bool, int, int | None]
"""(pawns, knights, bishops, rooks, queens, kings, white, black, turn, castling, ep):
python-chess's transposition key, built from public attributes. Equal keys are the
same position for threefold repetition (castling rights cleaned, the en-passant
square only when an en-passant capture is legal)."""
StepPlanes: TypeAlias = tuple[bytes, bytes]
"""One position's 14 history planes as 14 packed uint64 bitboards (112 bytes):
(as White to move sees them, as Black to move sees them)."""

NUM_HISTORY = 8
PLANES_PER_STEP = 14
NUM_FEATURE_PLANES = NUM_HISTORY * PLANES_PER_STEP + 7  # 119
HISTORY_PLANES = NUM_HISTORY * PLANES_PER_STEP  # 112
COLOUR_PLANE = 112
MOVE_COUNT_PLANE = 113
CASTLING_PLANES = (114, 115, 116, 117)
NO_PROGRESS_PLANE = 118
MOVE_COUNT_SCALE = 100.0
"""Divisor of the fullmove number in plane 113 (move 100 gives 1.0)."""

_ALL = (1 << 64) - 1
_PACK_WHITE = struct.Struct("<14Q").pack
_PACK_BLACK = struct.Struct(">14Q").pack  # big-endian = each bitboard's ranks mirrored
_EMPTY_STEP = bytes(8 * PLANES_PER_STEP)
_STEP_BYTES = 8 * PLANES_PER_STEP


def position_key(board: chess.Board) -> PositionKey:
    """The repetition key of ``board``'s position (see :data:`PositionKey`)."""
    return (board.pawns, board.knights, board.bishops, board.rooks, board.queens,
            board.kings, board.occupied_co[chess.WHITE], board.occupied_co[chess.BLACK],
            board.turn, board.clean_castling_rights(),
            board.ep_square if board.has_legal_en_passant() else None)


def step_planes(board: chess.Board, repetitions: int) -> StepPlanes:
    """The packed history planes of ``board``'s position, seen before ``repetitions`` times."""
    white, black = board.occupied_co[chess.WHITE], board.occupied_co[chess.BLACK]
    kinds = (board.pawns, board.knights, board.bishops, board.rooks, board.queens, board.kings)
    mine = [kind & white for kind in kinds]
    theirs = [kind & black for kind in kinds]
    once = _ALL if repetitions >= 1 else 0
    twice = _ALL if repetitions >= 2 else 0
    return (_PACK_WHITE(*mine, *theirs, once, twice), _PACK_BLACK(*theirs, *mine, once, twice))


def _scalars(board: chess.Board) -> tuple[float, ...]:
    """Planes 112-118 of one position: colour, move count, castling rights, no-progress."""
    rights = board.clean_castling_rights()
    white = (float(rights >> 7 & 1), float(rights & 1))      # h1, a1 rooks
    black = (float(rights >> 63 & 1), float(rights >> 56 & 1))  # h8, a8 rooks
    mine, theirs = (white, black) if board.turn else (black, white)
    return (0.0 if board.turn else 1.0, board.fullmove_number / MOVE_COUNT_SCALE,
            *mine, *theirs, board.halfmove_clock / 100.0)


def encode_planes(boards: Sequence[chess.Board], steps: Sequence[Sequence[StepPlanes]],
                  out: np.ndarray) -> np.ndarray:
    """Fill ``out`` (float32 ``[B, 119, 8, 8]``) with the planes of B positions.

    ``steps[b]`` lists the :func:`step_planes` of row b's game so far, oldest
    first; the last one is ``boards[b]``'s position.
    """
    batch = len(boards)
    chunks: list[bytes] = []
    for board, history in zip(boards, steps):
        view = 0 if board.turn else 1
        recent = history[-1:-NUM_HISTORY - 1:-1]
        chunks.extend(step[view] for step in recent)
        chunks.append(_EMPTY_STEP * (NUM_HISTORY - len(recent)))
    packed = np.frombuffer(b"".join(chunks), dtype=np.uint8).reshape(batch, NUM_HISTORY * _STEP_BYTES)
    bits = np.unpackbits(packed, axis=1, bitorder="little")  # [B, 112 * 64], plane-major
    if out.flags.c_contiguous:
        out.reshape(batch, NUM_FEATURE_PLANES * 64)[:, :HISTORY_PLANES * 64] = bits
    else:
        out[:, :HISTORY_PLANES] = bits.reshape(batch, HISTORY_PLANES, 8, 8)
    scalars = np.array([_scalars(board) for board in boards], dtype=np.float32).reshape(batch, 7)
    out[:, HISTORY_PLANES:] = scalars[:, :, None, None]
    return out
