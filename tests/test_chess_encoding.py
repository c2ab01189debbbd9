"""The 8x8x73 action encoding: hand-checked numbers, table round trips, and a bijection
on every legal move of the perft trees for both colours."""

from __future__ import annotations

from pathlib import Path

import chess
import numpy as np
import pytest

import games.chess.encoding as encoding
import games.chess.features as features
import games.chess.game as game_module
from games.chess.encoding import (ACTION_FROM, ACTION_PROMO, ACTION_TO, NUM_ACTIONS,
                                  action_to_move, legal_actions, move_to_action, plane_step)

SUITE = Path(__file__).parent / "data" / "chess_perft.epd"
PROMOTIONS_WHITE = "1r1r3k/2P5/8/8/8/8/8/K7 w - - 0 1"
PROMOTIONS_BLACK = "k7/8/8/8/8/8/2p5/1R1R3K b - - 0 1"
CASTLING = "r3k2r/8/8/8/8/8/8/R3K2R {} KQkq - 0 1"


def suite() -> list[tuple[str, int]]:
    """(fen, nodes at depths 0-2) of each perft position in the data file."""
    rows = []
    for line in SUITE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            fen, d1, d2, *_ = (part.strip() for part in line.split(";"))
            rows.append((fen, 1 + int(d1.split()[1]) + int(d2.split()[1])))
    return rows


def test_modules_use_the_python_chess_library():
    for module in (encoding, features, game_module):
        assert module.chess is chess and hasattr(chess, "Board") and chess.__name__ == "chess"


@pytest.mark.parametrize("fen,uci,action", [
    (chess.STARTING_FEN, "e2e4", 12 * 73 + 1),        # e2 = 12; N, distance 2 -> plane 1
    ("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1", "e7e5", 877),  # mirrored e2e4
    ("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - 0 1", "g8f6", 6 * 73 + 63),
    (chess.STARTING_FEN, "g1f3", 6 * 73 + 63),        # knight (+2, -1) = KNIGHT_STEPS[7]
    (chess.STARTING_FEN, "b1c3", 1 * 73 + 56),        # knight (+2, +1) = KNIGHT_STEPS[0]
    (PROMOTIONS_WHITE, "c7c8q", 50 * 73 + 0),         # queen promotion: N, distance 1
    (PROMOTIONS_WHITE, "c7b8n", 50 * 73 + 64),        # knight, capture left
    (PROMOTIONS_WHITE, "c7c8b", 50 * 73 + 68),        # bishop, straight
    (PROMOTIONS_WHITE, "c7d8r", 50 * 73 + 72),        # rook, capture right
    (PROMOTIONS_BLACK, "c2b1b", 50 * 73 + 67),        # c2 -> mover's c7; bishop, left
    (PROMOTIONS_BLACK, "c2d1q", 50 * 73 + 7),         # NE (df = +1, mirrored rank), distance 1
    (CASTLING.format("w"), "e1g1", 4 * 73 + 15),      # E, distance 2
    (CASTLING.format("w"), "e1c1", 4 * 73 + 43),      # W, distance 2
    (CASTLING.format("b"), "e8g8", 4 * 73 + 15),
    (CASTLING.format("b"), "e8c8", 4 * 73 + 43),
    ("4k3/8/8/8/8/8/8/Q3K3 w - - 0 1", "a1h8", 0 * 73 + 1 * 7 + 6),  # NE, distance 7
])
def test_hand_checked_actions(fen, uci, action):
    board = chess.Board(fen)
    move = chess.Move.from_uci(uci)
    assert move in board.legal_moves
    assert move_to_action(move, board.turn) == action
    assert action_to_move(action, board) == move


def test_planes_have_the_documented_steps():
    assert plane_step(0) == (1, 0, None) and plane_step(13) == (7, 7, None)  # NE, distance 7
    assert plane_step(6) == (7, 0, None)                     # N, distance 7
    assert plane_step(2 * 7 + 2) == (0, 3, None)             # E, distance 3
    assert plane_step(5 * 7) == (-1, -1, None)               # SW, distance 1
    assert plane_step(56) == (2, 1, None) and plane_step(60) == (-2, -1, None)
    assert plane_step(64) == (1, -1, chess.KNIGHT) and plane_step(72) == (1, 1, chess.ROOK)


def test_every_decodable_action_round_trips_for_both_colours():
    decodable = np.flatnonzero(ACTION_TO >= 0)
    # 1456 queen-line + 336 knight + 66 underpromotion moves: lc0's 1858-move policy.
    assert len(decodable) == 1858
    for turn in (chess.WHITE, chess.BLACK):
        board = chess.Board(None)
        board.turn = turn
        moves = set()
        for action in decodable:
            move = action_to_move(int(action), board)
            assert move_to_action(move, turn) == action
            moves.add(move)
        assert len(moves) == len(decodable)
    for action in np.flatnonzero(ACTION_TO < 0)[:50]:
        with pytest.raises(ValueError, match="does not encode"):
            action_to_move(int(action), chess.Board())


def test_only_the_movers_pawn_promotes_by_a_queen_plane():
    board = chess.Board()  # White to move; e7 holds a black pawn
    assert action_to_move(52 * 73 + 0, board) == chess.Move.from_uci("e7e8")
    board = chess.Board("4k3/8/8/8/8/8/4P3/4K3 b - - 0 1")  # mover's e7 is e2: a white pawn
    assert action_to_move(52 * 73 + 0, board) == chess.Move.from_uci("e2e1")


def test_tables_are_square_major():
    assert ACTION_FROM.shape == ACTION_TO.shape == ACTION_PROMO.shape == (NUM_ACTIONS,)
    grid = np.arange(NUM_ACTIONS).reshape(8, 8, 73)
    rank, file, plane = 1, 4, 1
    assert ACTION_FROM[grid[rank, file, plane]] == 8 * rank + file


def test_unencodable_moves_are_refused():
    for move in (chess.Move.from_uci("a1h5"), chess.Move(12, 12), chess.Move.from_uci("e2e4n"),
                 chess.Move.from_uci("e7e8k")):
        with pytest.raises(ValueError, match="no action"):
            move_to_action(move, chess.WHITE)
    with pytest.raises(ValueError):
        move_to_action(chess.Move.null(), chess.WHITE)


def _kind(board: chess.Board, move: chess.Move, action: int) -> str:
    """A label for the move classes the bijection test must meet in both colours."""
    colour = "w" if board.turn else "b"
    step = chess.square_file(move.to_square) - chess.square_file(move.from_square)
    if move.promotion and move.promotion != chess.QUEEN:
        return f"{colour}-under-{action % 73}"
    if move.promotion:
        return f"{colour}-queen-promo-{step}"
    if board.kings & chess.BB_SQUARES[move.from_square] and abs(step) == 2:
        return f"{colour}-castle-{'K' if step > 0 else 'Q'}"
    if move.to_square == board.ep_square and board.pawns & chess.BB_SQUARES[move.from_square]:
        return f"{colour}-ep"
    return f"{colour}-other"


def check_tree(board: chess.Board, depth: int, kinds: set[str]) -> int:
    """Check the bijection at every node down to ``depth``; return the nodes checked."""
    moves = list(board.legal_moves)
    actions = [move_to_action(m, board.turn) for m in moves]
    assert len(set(actions)) == len(actions), board.fen()
    assert sorted(legal_actions(board).tolist()) == sorted(actions)
    for move, action in zip(moves, actions):
        assert action_to_move(action, board) == move, (board.fen(), move)
        kinds.add(_kind(board, move, action))
    nodes = 1
    if depth > 1:
        for move in moves:
            board.push(move)
            nodes += check_tree(board, depth - 1, kinds)
            board.pop()
    return nodes


def test_bijection_on_perft_trees():
    kinds: set[str] = set()
    for fen, nodes in suite():
        assert check_tree(chess.Board(fen), 3, kinds) == nodes
    for fen in (PROMOTIONS_WHITE, PROMOTIONS_BLACK):
        check_tree(chess.Board(fen), 3, kinds)
    required = set()
    for colour in "wb":
        required |= {f"{colour}-under-{p}" for p in range(64, 73)}
        required |= {f"{colour}-queen-promo-{d}" for d in (-1, 0, 1)}
        required |= {f"{colour}-castle-K", f"{colour}-castle-Q", f"{colour}-ep"}
    assert required <= kinds, sorted(required - kinds)

