"""Game ends, outcomes, text, errors and state handling of ChessGame."""

from __future__ import annotations

import random

import chess
import numpy as np
import pytest

from games import IllegalMoveError, NotationError, Reason, make_game
from games.chess import ChessGame, ChessState


@pytest.fixture(scope="module")
def game() -> ChessGame:
    return ChessGame()


def play(game: ChessGame, states: ChessState, moves: str) -> None:
    for text in moves.split():
        game.play_text(states, text)


def assert_end(game: ChessGame, states: ChessState, reason: Reason, value: float) -> None:
    result = game.result(states)
    assert result.reason == reason and result.terminal
    assert game.terminal(states).tolist() == [True]
    assert game.outcome(states).tolist() == [value]
    assert not game.legal_mask(states).any()
    assert result.value_for(int(game.to_play(states)[0])) == value


def test_info():
    game = make_game("chess:max_plies=300")
    assert isinstance(game, ChessGame)
    info = game.info
    assert (info.num_actions, info.board_shape, info.num_planes) == (4672, (8, 8), 119)
    assert (info.max_game_length, info.has_draws, info.num_symmetries) == (300, True, 1)


# -- game ends -------------------------------------------------------------------

def test_fools_mate(game):
    states = game.initial(1)
    play(game, states, "f3 e5 g4")
    assert not game.terminal(states)[0] and game.result(states).reason == Reason.NONE
    play(game, states, "d8h4")
    assert_end(game, states, Reason.CHECKMATE, -1.0)
    assert game.result(states).winner == 1
    assert "game over: checkmate, Black wins" in game.render(states)


def test_stalemate_reached_by_a_move(game):
    states = game.from_fen("7k/8/6K1/8/8/8/8/5Q2 w - - 0 1")
    game.play_text(states, "Qf7")
    assert_end(game, states, Reason.STALEMATE, 0.0)
    assert game.result(states).winner is None


@pytest.mark.parametrize("fen", [
    "8/8/8/4k3/8/8/8/4K3 w - - 0 1",        # K vs K
    "8/8/8/4k3/8/8/8/2B1K3 b - - 0 1",      # K+B vs K
    "8/8/8/4k3/8/8/8/1N2K3 w - - 0 1",      # K+N vs K
])
def test_insufficient_material(game, fen):
    assert_end(game, game.from_fen(fen), Reason.INSUFFICIENT_MATERIAL, 0.0)


def test_insufficient_material_after_a_capture(game):
    states = game.from_fen("8/8/8/4k3/8/8/4r3/4K3 w - - 0 1")
    assert not game.terminal(states)[0]
    game.play_text(states, "Kxe2")
    assert_end(game, states, Reason.INSUFFICIENT_MATERIAL, 0.0)


def test_fifty_move_rule(game):
    states = game.from_fen("8/8/8/4k3/8/8/8/R3K3 w - - 99 80")
    assert not game.terminal(states)[0]
    game.play_text(states, "Ra2")
    assert_end(game, states, Reason.FIFTY_MOVES, 0.0)


def test_checkmate_outranks_the_fifty_move_rule(game):
    states = game.from_fen("k7/8/1K6/8/8/8/8/7R w - - 99 80")
    game.play_text(states, "Rh8#")
    assert states.boards[0].halfmove_clock == 100
    assert_end(game, states, Reason.CHECKMATE, -1.0)


def test_threefold_repetition_by_knight_shuffles(game):
    states = game.initial(1)
    shuffle = "Nf3 Nf6 Ng1 Ng8"
    play(game, states, shuffle)          # start position, second time
    play(game, states, "Nf3 Nf6 Ng1")
    assert not game.terminal(states)[0]
    play(game, states, "Ng8")            # third time
    assert_end(game, states, Reason.REPETITION, 0.0)


def test_move_cap(game):
    capped = ChessGame(max_plies=4)
    assert capped.info.spec == "chess:max_plies=4"
    states = capped.initial(1)
    play(capped, states, "e4 e5 Nf3")
    assert not capped.terminal(states)[0]
    play(capped, states, "Nc6")
    assert_end(capped, states, Reason.MOVE_CAP, 0.0)


def test_resignation(game):
    states = game.initial(2)
    game.resign(states, [1])
    assert game.terminal(states).tolist() == [False, True]
    assert game.outcome(states).tolist() == [0.0, -1.0]
    result = game.result(states, 1)
    assert result.reason == Reason.RESIGNATION and result.winner == 1


def test_resigning_a_finished_game_keeps_its_result(game):
    states = game.from_fen("8/8/8/4k3/8/8/8/4K3 w - - 0 1")
    game.resign(states, [0])
    assert game.result(states).reason == Reason.INSUFFICIENT_MATERIAL


def reference_reason(board: chess.Board, plies: int, max_plies: int) -> Reason:
    """Terminal reason from python-chess's own (slow) checks, in the documented order."""
    if board.is_checkmate():
        return Reason.CHECKMATE
    if board.is_stalemate():
        return Reason.STALEMATE
    if board.is_insufficient_material():
        return Reason.INSUFFICIENT_MATERIAL
    if board.halfmove_clock >= 100:
        return Reason.FIFTY_MOVES
    if board.is_repetition(3):
        return Reason.REPETITION
    return Reason.MOVE_CAP if plies >= max_plies else Reason.NONE


def shuffling_game(rng: random.Random, board: chess.Board, plies: int, undo: float):
    """Yield the moves of a random game that undoes the mover's last move with probability ``undo``."""
    for _ in range(plies):
        moves = list(board.legal_moves)
        if not moves:
            return
        back = None
        if len(board.move_stack) >= 2:
            last = board.move_stack[-2]
            back = chess.Move(last.to_square, last.from_square)
        yield back if back in moves and rng.random() < undo else rng.choice(moves)


def test_statuses_match_python_chess_on_random_games():
    rng = random.Random(5)
    max_plies = 200
    capped = ChessGame(spec=f"chess:max_plies={max_plies}", max_plies=max_plies)
    fens = [chess.STARTING_FEN] * 12 + ["4k3/8/8/8/8/8/8/R3K2R w KQ - 90 1",
                                        "8/8/8/3k4/8/3K4/2Q5/8 w - - 0 1"]
    reasons = set()
    for fen in fens:
        board = chess.Board(fen)
        states = capped.from_fen(fen)
        for plies, move in enumerate(shuffling_game(rng, board, max_plies + 1, 0.3), start=1):
            assert not capped.terminal(states)[0]
            board.push(move)
            capped.push(states, 0, chess_action(capped, states, move))
            assert states.reps[0][-1] == int(board.is_repetition(2)) + int(board.is_repetition(3))
            reason = capped.result(states).reason
            assert reason == reference_reason(board, plies, max_plies), board.fen()
            if reason != Reason.NONE:
                break
        reasons.add(reason)
    assert {Reason.REPETITION, Reason.FIFTY_MOVES, Reason.MOVE_CAP} <= reasons, reasons


def chess_action(game: ChessGame, states: ChessState, move: chess.Move) -> int:
    return game.text_to_action(states, move.uci())


# -- push / pop and copies -----------------------------------------------------

def test_push_pop_restore_everything(game):
    states = game.initial(1)
    play(game, states, "e4 d5 exd5 Qxd5 Nc3 Qa5 d4 c6 Nf3 Bg4 Bc4 e6 O-O")
    before = (game.render(states), game.encode(states), game.legal_mask(states))
    rng = np.random.default_rng(0)
    pushed = []
    for _ in range(6):
        action = int(rng.choice(game.legal_actions(states)))
        game.push(states, 0, action)
        pushed.append(action)
    for action in reversed(pushed):
        assert game.pop(states, 0) == action
    after = (game.render(states), game.encode(states), game.legal_mask(states))
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_array_equal(before[2], after[2])


def test_pop_at_the_start_raises(game):
    states = game.from_fen("8/8/8/4k3/8/8/8/R3K3 w - - 0 1")
    with pytest.raises(IndexError, match="start position"):
        game.pop(states, 0)


def test_copies_share_no_mutable_state(game):
    states = game.initial(2)
    play_rows(game, states, ["e4", "d4"])
    clone = game.copy(states)
    game.push(clone, 0, game.text_to_action(clone, "e5"))
    game.pop(clone, 0)
    game.pop(clone, 0)
    assert game.fen(states, 0) == chess.Board("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR "
                                               "b KQkq - 0 1").fen()
    assert states.boards[0].move_stack == [chess.Move.from_uci("e2e4")]
    game.assign(states, [1], clone, [0])
    game.pop(states, 0)
    assert game.fen(states, 1) == chess.STARTING_FEN and game.fen(clone, 0) == chess.STARTING_FEN
    assert game.fen(states, 0) == chess.STARTING_FEN


def play_rows(game: ChessGame, states: ChessState, texts: list[str]) -> None:
    game.apply(states, [game.text_to_action(states, t, row) for row, t in enumerate(texts)])


def test_from_board_replays_the_move_stack(game):
    board = chess.Board()
    for uci in "g1f3 g8f6 f3g1 f6g8 g1f3 g8f6 f3g1".split():
        board.push_uci(uci)
    states = game.from_board(board)
    assert not game.terminal(states)[0]
    game.push(states, 0, game.text_to_action(states, "Ng8"))
    assert game.result(states).reason == Reason.REPETITION


def test_invalid_fen_is_refused(game):
    with pytest.raises(ValueError, match="invalid FEN 'not a fen'"):
        game.from_fen("not a fen")
    with pytest.raises(ValueError, match="invalid position in FEN '8/8/8/8/8/8/8/8 w - - 0 1'"):
        game.from_fen("8/8/8/8/8/8/8/8 w - - 0 1")
    with pytest.raises(ValueError, match="chess960"):
        game.from_board(chess.Board(chess.STARTING_FEN, chess960=True))


# -- text ---------------------------------------------------------------------

def test_text_round_trips_and_san(game):
    states = game.from_fen("r3k2r/1P6/8/8/8/8/8/R3K2R w KQkq - 0 1")
    cases = {"e1g1": "O-O", "e1c1": "O-O-O", "b7a8n": "bxa8=N", "b7b8q": "b8=Q+", "a1a8": "Rxa8+"}
    for uci, san in cases.items():
        action = game.text_to_action(states, uci)
        assert game.text_to_action(states, san) == action
        assert game.action_to_text(states, action) == uci
        assert game.action_to_san(states, action) == san
    assert game.text_to_action(states, "b7b8Q") == game.text_to_action(states, "b7b8q")


@pytest.mark.parametrize("text", ["hello", "@@", "e9e4", "Zf3", "", "0000", "--"])
def test_notation_errors_say_what_is_expected(game, text):
    with pytest.raises(NotationError, match="expected a move in UCI like e2e4 or e7e8q, or SAN like Nf3"):
        game.text_to_action(game.initial(1), text)


def test_illegal_uci_is_refused_by_apply(game):
    states = game.initial(1)
    action = game.text_to_action(states, "e2e5")
    with pytest.raises(IllegalMoveError) as err:
        game.apply(states, [action])
    assert err.value.move == "e2e5" and "pawn on e2 cannot move there" in err.value.reason
    assert f"FEN {chess.STARTING_FEN}" in err.value.position and "a b c d e f g h" in str(err.value)
    with pytest.raises(IllegalMoveError, match="White has no piece on e7"):
        game.apply(states, [game.text_to_action(states, "e7e5")])


def test_pinned_piece_is_refused(game):
    states = game.from_fen("4k3/4r3/8/8/8/8/4N3/4K3 w - - 0 1")
    with pytest.raises(IllegalMoveError, match="leave the king in check"):
        game.apply(states, [game.text_to_action(states, "e2c3")])


@pytest.mark.parametrize("fen,text,reason", [
    (chess.STARTING_FEN, "Nf6", "not legal here"),
    (chess.STARTING_FEN, "Ke2", "not legal here"),
    ("7k/8/8/8/8/8/8/1N3N1K w - - 0 1", "Nd2", "ambiguous"),
    (chess.STARTING_FEN, "a1h5", "no chess piece moves like that"),
    (chess.STARTING_FEN, "e2e2", "no chess piece moves like that"),
    (chess.STARTING_FEN, "e2e4n", "no chess piece moves like that"),
    ("k7/4R3/8/8/8/8/8/4K3 w - - 0 1", "e7e8q", "only a pawn"),
    ("7k/4P3/8/8/8/8/8/4K3 w - - 0 1", "e7e8", "must name its promotion"),
])
def test_text_that_names_no_legal_move(game, fen, text, reason):
    states = game.from_fen(fen)
    with pytest.raises(IllegalMoveError, match=reason) as err:
        game.text_to_action(states, text)
    assert err.value.move == text and fen.split()[0] in err.value.position


def test_apply_refuses_actions_out_of_range_and_off_board(game):
    states = game.initial(1)
    with pytest.raises(IllegalMoveError, match="not in the action space"):
        game.apply(states, [4672])
    with pytest.raises(IllegalMoveError, match="off the board"):
        game.apply(states, [7 * 73 + 2 * 7])  # h1, one step east
    with pytest.raises(ValueError, match="does not encode"):
        game.action_to_text(states, 7 * 73 + 2 * 7)


def test_apply_after_the_end_is_refused(game):
    states = game.initial(1)
    play(game, states, "f3 e5 g4 Qh4#")
    with pytest.raises(IllegalMoveError, match="the game is over: checkmate"):
        game.apply(states, [game.text_to_action(states, "a2a3")])


def test_apply_checks_every_row_before_changing_any(game):
    states = game.initial(2)
    good, bad = game.text_to_action(states, "e4"), game.text_to_action(states, "e2e5")
    with pytest.raises(IllegalMoveError):
        game.apply(states, [good, bad])
    assert game.fen(states, 0) == chess.STARTING_FEN
    game.apply(states, [good, good], check=False)
    assert game.fen(states, 0) == game.fen(states, 1) != chess.STARTING_FEN


def test_render_labels(game):
    text = game.render(game.initial(1))
    lines = text.splitlines()
    assert lines[0] == "8 r n b q k b n r" and lines[7] == "1 R N B Q K B N R"
    assert lines[8] == "  a b c d e f g h" and lines[9] == "White to move"
    assert lines[10] == f"FEN {chess.STARTING_FEN}"


def test_empty_batch(game):
    states = game.initial(0)
    assert game.batch_size(states) == 0
    assert game.legal_mask(states).shape == (0, 4672) and game.encode(states).shape == (0, 119, 8, 8)
    game.apply(states, np.zeros(0, dtype=np.int64))


def test_symmetry_is_identity_only(game):
    planes = game.encode(game.initial(1))
    moved = game.transform_planes(planes, 0)
    assert moved is not planes and np.array_equal(moved, planes)
    with pytest.raises(ValueError, match="only the identity"):
        game.transform_policy(np.zeros((1, 4672)), 1)


@pytest.mark.parametrize("fen, judged", [
    (chess.STARTING_FEN, None),
    ("4k3/8/8/8/8/8/8/Q3K3 w - - 0 1", 0),           # White a queen up
    ("4k3/8/8/8/8/8/8/Q3K3 b - - 0 1", 0),           # whoever is to move
    ("r3k3/8/8/8/8/8/PP6/4K3 w - - 0 1", 1),         # rook against two pawns: Black +3
    ("4k3/8/8/8/8/8/PP6/4K3 w - - 0 1", None),       # two pawns: under a minor piece
    ("4k3/8/8/8/8/8/8/4KB2 w - - 0 1", 0),           # a bishop is exactly the margin
])
def test_adjudicate_by_material(fen, judged):
    game = ChessGame()
    assert game.adjudicate(game.from_fen(fen)) == judged
