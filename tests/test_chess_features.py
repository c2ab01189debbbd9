"""The 119 feature planes: hand-checked boards and a slow per-square reference."""

from __future__ import annotations

import random

import chess
import numpy as np
import pytest

from games.chess import ChessGame, ChessState

PIECES = (chess.PAWN, chess.KNIGHT, chess.BISHOP, chess.ROOK, chess.QUEEN, chess.KING)


@pytest.fixture(scope="module")
def game() -> ChessGame:
    return ChessGame()


def reference_planes(board: chess.Board, start_plies: int) -> np.ndarray:
    """float32 ``[119, 8, 8]`` by popping a copy and looping over squares.

    ``start_plies`` is how many moves of ``board.move_stack`` belong to the
    recorded game (earlier history steps stay zero).
    """
    planes = np.zeros((119, 8, 8), dtype=np.float32)
    mover = board.turn
    past = board.copy()
    for t in range(8):
        if t > 0:
            if len(past.move_stack) <= len(board.move_stack) - start_plies:
                break
            past.pop()
        for square in chess.SQUARES:
            piece = past.piece_at(square)
            if piece is None:
                continue
            rank = chess.square_rank(square) if mover else 7 - chess.square_rank(square)
            side = 0 if piece.color == mover else 6
            planes[14 * t + side + PIECES.index(piece.piece_type), rank, chess.square_file(square)] = 1
        planes[14 * t + 12] = past.is_repetition(2)
        planes[14 * t + 13] = past.is_repetition(3)
    rights = [board.has_kingside_castling_rights(mover), board.has_queenside_castling_rights(mover),
              board.has_kingside_castling_rights(not mover), board.has_queenside_castling_rights(not mover)]
    scalars = [mover == chess.BLACK, board.fullmove_number / 100, *rights, board.halfmove_clock / 100]
    planes[112:] = np.array(scalars, dtype=np.float32)[:, None, None]
    return planes


def test_shapes_and_out_buffer(game):
    states = game.initial(3)
    out = np.full((3, 119, 8, 8), 7.0, dtype=np.float32)
    assert game.encode(states, out=out) is out
    assert out.max() == 1.0 and out.dtype == np.float32
    with pytest.raises(ValueError, match="out buffer"):
        game.encode(states, out=np.zeros((3, 118, 8, 8), np.float32))


def test_strided_out_buffer(game):
    states = game.initial(3)
    game.apply(states, [877, 877, 501])  # e2e4, e2e4, g1f3
    big = np.zeros((6, 119, 8, 8), dtype=np.float32)
    game.encode(states, out=big[::2])
    np.testing.assert_array_equal(big[::2], game.encode(states))
    assert big[1::2].max() == 0


def test_start_position_has_no_history(game):
    planes = game.encode(game.initial(1))[0]
    assert planes[14:112].sum() == 0
    assert planes[0, 1].tolist() == [1.0] * 8 and planes[6, 6].tolist() == [1.0] * 8
    assert planes[5, 0, 4] == 1 and planes[11, 7, 4] == 1          # kings on e1, e8
    assert planes[112].max() == 0 and planes[114:118].min() == 1
    assert planes[113, 0, 0] == pytest.approx(0.01) and planes[118].max() == 0


def test_after_e4_black_sees_the_board_mirrored(game):
    states = game.initial(1)
    game.play_text(states, "e4")
    planes = game.encode(states)[0]
    assert planes[0, 1].tolist() == [1.0] * 8                        # Black's pawns on its rank 2
    white_pawns = np.zeros((8, 8))
    white_pawns[6] = 1
    white_pawns[6, 4] = 0
    white_pawns[4, 4] = 1                                            # e4 is Black's rank 5
    np.testing.assert_array_equal(planes[6], white_pawns)
    assert planes[5, 0, 4] == 1 and planes[11, 7, 4] == 1            # Black's king, White's king
    assert planes[4, 0, 3] == 1 and planes[10, 7, 3] == 1            # queens stay on the d-file
    assert planes[14 + 6, 6].tolist() == [1.0] * 8                   # t = 1: before e4
    assert planes[28:112].sum() == 0                                 # t >= 2: before the start
    assert planes[112].min() == 1 and planes[114:118].min() == 1


def test_repetition_planes(game):
    states = game.initial(1)
    for text in "Nf3 Nf6 Ng1 Ng8".split():
        game.play_text(states, text)
    planes = game.encode(states)[0]
    assert planes[12].min() == 1 and planes[13].max() == 0           # start position, 2nd time
    assert planes[14 * 4 + 12].max() == 0                            # t = 4: its first time
    for text in "Nf3 Nf6 Ng1 Ng8".split():
        game.play_text(states, text)
    planes = game.encode(states)[0]
    assert planes[12].min() == 1 and planes[13].min() == 1
    assert planes[14 * 4 + 12].min() == 1 and planes[14 * 4 + 13].max() == 0


def test_castling_and_clock_planes_from_fen(game):
    states = game.from_fen("r3k2r/8/8/8/8/8/8/R3K2R b Kq - 37 60")
    planes = game.encode(states)[0]
    assert planes[14:112].sum() == 0
    assert [planes[p, 0, 0] for p in (114, 115, 116, 117)] == [0, 1, 1, 0]
    assert planes[113, 0, 0] == pytest.approx(0.60) and planes[118, 0, 0] == pytest.approx(0.37)


def random_positions(game: ChessGame, seed: int, count: int) -> list[tuple[ChessState, int]]:
    """(state, plies played) snapshots along random games from a few starts."""
    rng = random.Random(seed)
    snapshots = []
    for fen in (chess.STARTING_FEN, "r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1"):
        states = game.from_fen(fen)
        for plies in range(count):
            legal = game.legal_actions(states)
            if not legal:
                break
            last = states.boards[0].move_stack[-2:-1]
            back = [a for a in legal if last and game.action_to_text(states, a) ==
                    chess.Move(last[0].to_square, last[0].from_square).uci()]
            game.push(states, 0, back[0] if back and rng.random() < 0.4 else rng.choice(legal))
            snapshots.append((game.copy(states), plies + 1))
    return snapshots


def test_encode_matches_the_reference_on_random_games(game):
    snapshots = random_positions(game, seed=3, count=60)
    batch = game.take(snapshots[0][0], [0] * len(snapshots))
    for row, (states, _) in enumerate(snapshots):
        game.assign(batch, [row], states)
    planes = game.encode(batch)
    repeated = 0
    for row, (states, plies) in enumerate(snapshots):
        board = states.boards[0]
        np.testing.assert_array_equal(planes[row], reference_planes(board, plies), err_msg=board.fen())
        repeated += planes[row, 12].max() > 0
    assert repeated >= 3, "the games must contain repetitions to test their planes"

