"""Numba kernels for gomoku; internal, use :mod:`games.gomoku.game`.

Boards are flat int8 rows ``board[B, H*W]`` indexed ``y * W + x`` (y = 0 the
top row) holding EMPTY, BLACK or WHITE. A result is decided when a stone is
placed, by looking only along the four lines through that stone, so a move
costs O(k) rather than a board scan. Each batched kernel loops over rows and
calls a per-row function, writes into caller-owned arrays, and takes the
direction table and board size as arguments (no globals but small constants).
"""

from __future__ import annotations

import numpy as np
from numba import njit

EMPTY, BLACK, WHITE = 0, 1, 2
"""Point contents; a player's stone colour is ``player + 1``."""

NO_WINNER = -1
"""``winner`` of a row in play or drawn."""

IN_PLAY, K_IN_A_ROW, BOARD_FULL, RESIGNED = 0, 1, 2, 3
"""``reason`` codes: why a row's game ended (IN_PLAY: it has not)."""

OK, ERR_GAME_OVER, ERR_OUT_OF_RANGE, ERR_OCCUPIED = 0, 1, 2, 3
"""Per-row error codes of :func:`apply_batch`, checked in this order."""

DIRECTIONS = np.array([[0, 1], [1, 0], [1, 1], [1, -1]], dtype=np.int64)
"""(dy, dx) of the four lines through a point: row, column, diagonal, anti-diagonal."""


@njit(cache=True)
def wins_at(board, point, directions, height, width, k, exact):
    """Whether the stone at ``point`` of ``board[H*W]`` lies in a winning line of its colour.

    Freestyle: a line of k or more. Exact: a line of exactly k in any one
    direction (an overline in another direction does not spoil it). Each side
    is counted up to k stones, enough to tell k from k + 1 or more. The runs
    are counted inline: a helper call per run cost ~30 ns, most of the move.
    """
    colour = board[point]
    y = point // width
    x = point % width
    for d in range(directions.shape[0]):
        n = 1
        for side in range(2):
            dy = directions[d, 0] if side == 0 else -directions[d, 0]
            dx = directions[d, 1] if side == 0 else -directions[d, 1]
            yy = y + dy
            xx = x + dx
            for _ in range(k):
                if yy < 0 or yy >= height or xx < 0 or xx >= width or board[yy * width + xx] != colour:
                    break
                n += 1
                yy += dy
                xx += dx
        if n == k or (n > k and not exact):
            return True
    return False


@njit(cache=True)
def move_error(board, reason, action, num_points):
    """Error code of playing ``action`` on one row ``board[H*W]``: OK or ERR_*."""
    if reason != IN_PLAY:
        return ERR_GAME_OVER
    if action < 0 or action >= num_points:
        return ERR_OUT_OF_RANGE
    if board[action] != EMPTY:
        return ERR_OCCUPIED
    return OK


@njit(cache=True)
def place(board, action, player, stones, directions, height, width, k, exact):
    """Put ``player``'s stone at ``action`` of one row ``board[H*W]`` holding ``stones`` stones.

    The move must be valid. Returns the row's reason code after the move
    (IN_PLAY, K_IN_A_ROW or BOARD_FULL). Takes the row and scalars rather
    than the six batch arrays, which cost ~60 ns a call (measured).
    """
    board[action] = player + 1
    if wins_at(board, action, directions, height, width, k, exact):
        return K_IN_A_ROW
    if stones + 1 == height * width:
        return BOARD_FULL
    return IN_PLAY


@njit(cache=True)
def apply_batch(board, to_play, moves, last_move, winner, reason, actions, errors,
                directions, height, width, k, exact):
    """Play ``actions[B]`` in every row, or in none: returns the number of bad rows.

    ``errors[B]`` (int8, caller-owned) receives each row's code; when any row
    is bad nothing at all is changed, so a caller can raise cleanly.
    """
    bad = 0
    for b in range(board.shape[0]):
        errors[b] = move_error(board[b], reason[b], actions[b], height * width)
        if errors[b] != OK:
            bad += 1
    if bad > 0:
        return bad
    for b in range(board.shape[0]):
        player = to_play[b]
        reason[b] = place(board[b], actions[b], player, moves[b], directions, height, width, k, exact)
        if reason[b] == K_IN_A_ROW:
            winner[b] = player
        moves[b] += 1
        last_move[b] = actions[b]
        to_play[b] = 1 - player
    return 0


@njit(cache=True)
def legal_row(board, reason, out):
    """``out[H*W]`` = empty points if the game is in play, else all False."""
    in_play = reason == IN_PLAY
    for i in range(board.shape[0]):
        out[i] = in_play and board[i] == EMPTY


@njit(cache=True)
def legal_mask_batch(board, reason, out):
    """``out[B, H*W]`` bool: the legal points of every row."""
    for b in range(board.shape[0]):
        legal_row(board[b], reason[b], out[b])


@njit(cache=True)
def encode_row(board, player, last_move, out, height, width):
    """Planes ``out[4, H, W]`` of one row from ``player``'s (the mover's) point of view."""
    mine = player + 1
    black_to_move = 1.0 if player == 0 else 0.0
    for y in range(height):
        for x in range(width):
            stone = board[y * width + x]
            out[0, y, x] = 1.0 if stone == mine else 0.0
            out[1, y, x] = 1.0 if stone != EMPTY and stone != mine else 0.0
            out[2, y, x] = 1.0 if y * width + x == last_move else 0.0
            out[3, y, x] = black_to_move


@njit(cache=True)
def encode_batch(board, to_play, last_move, out, height, width):
    """``out[B, 4, H, W]`` float32: mover's stones, opponent's, last move, Black to move."""
    for b in range(board.shape[0]):
        encode_row(board[b], to_play[b], last_move[b], out[b], height, width)


@njit(cache=True)
def winning_colours(board, directions, height, width, k, exact):
    """Bit set of the colours (1 BLACK, 2 WHITE) with a winning line anywhere on ``board[H*W]``.

    A whole-board scan, for positions set up from pictures rather than played.
    """
    found = 0
    for point in range(height * width):
        if board[point] != EMPTY and wins_at(board, point, directions, height, width, k, exact):
            found |= board[point]
    return found
