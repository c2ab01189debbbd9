"""Gomoku rules on hand-drawn positions: k in a row in every direction, exact five, draws, errors.

Every win/no-win picture is also checked under all 8 symmetries of the board,
so each case exercises several directions and edges.
"""

import doctest

import numpy as np
import pytest

from games import IllegalMoveError, NotationError, Reason, SpecError, make_game, symmetry
from games.gomoku import coords, game as game_module
from games.gomoku.game import GomokuGame

FREE7 = "gomoku:size=7,k=5,rule=freestyle"
EXACT7 = "gomoku:size=7,k=5,rule=exact"

# (name, picture, move, winner after the move or None)
CASES = [
    ("row, stone at the end, left edge", """
         7 O . O . O . O
         6 . . . . . . .
         5 . . . . . . .
         4 X X X X . . .
         3 . . . . . . .
         2 . . . . . . .
         1 . . . . . . .
     """, "e4", 0),
    ("row, stone in the middle, right edge", """
         7 O . O . O . O
         6 . . . . . . .
         5 . . . . . . .
         4 . . X X . X X
         3 . . . . . . .
         2 . . . . . . .
         1 . . . . . . .
     """, "e4", 0),
    ("column, middle, edge and corner", """
         7 . O . O . O .
         6 . . . . . . .
         5 X . . . . . .
         4 X . . . . . .
         3 . . . . . . .
         2 X . . . . . .
         1 X . . . . . O
     """, "a3", 0),
    ("diagonal, end stone in the corner", """
         7 . . . . . O O
         6 . X . . . . .
         5 . . X . . . .
         4 . . . X . . .
         3 . . . . X . .
         2 . . . . . . .
         1 O . . . . . O
     """, "a7", 0),
    ("diagonal, middle stone, line ends in the corner", """
         7 O . O . O . O
         6 . . . . . . .
         5 . . X . . . .
         4 . . . X . . .
         3 . . . . . . .
         2 . . . . . X .
         1 . . . . . . X
     """, "e3", 0),
    ("anti-diagonal, White, end stone in the corner", """
         7 X X . . . . .
         6 X . . . . O .
         5 . . . . O . .
         4 . . . O . . .
         3 . . O . . . .
         2 . X . . . . X
         1 . . . . . . .
     """, "g7", 1),
    ("anti-diagonal, White, middle stone", """
         7 X X X . . . .
         6 . . . . . . .
         5 . . . . O . .
         4 . . . O . . .
         3 . . . . . . .
         2 . O . . . . X
         1 O . . . . . X
     """, "c3", 1),
    ("four (k - 1) does not win", """
         7 O . O . O . .
         6 . . . . . . .
         5 . . . . . . .
         4 X X X . . . .
         3 . . . . . . .
         2 . . . . . . .
         1 . . . . . . .
     """, "d4", None),
    ("a gap breaks the line", """
         7 O . O . O . O
         6 . . . . . . .
         5 . . . . . . .
         4 X X X . X X .
         3 . . . . . . .
         2 . . . . . . .
         1 . . . . . . O
     """, "g4", None),
    ("the opponent's four is no win for the mover", """
         7 X . X . X . .
         6 . . . . . . .
         5 . . . . . . .
         4 O O O O . . .
         3 . . . . . . .
         2 . . . . . . .
         1 . . . . . . X
     """, "e4", None),
    ("no wrap from the right edge to the next row", """
         7 O . O . O . O
         6 . . . . . . .
         5 . . . . . . .
         4 . . . X X X .
         3 X . . . . . .
         2 . . . . . . .
         1 . . . . . . .
     """, "g4", None),
    ("no diagonal wrap from the right edge", """
         7 . . . . X . .
         6 . . . . . X .
         5 . . . . . . .
         4 . . . . . . .
         3 X . . . . . .
         2 . X . . . . .
         1 O O . O . . O
     """, "g5", None),
]

OVERLINE = """
     7 O . O . O . O
     6 . . . . . . .
     5 . . . . . . .
     4 X X X . X X .
     3 . . . . . . .
     2 . . . . . . .
     1 . . . . . . O
"""  # d4 makes six in a row

SEVEN = """
     7 O . O . O . O
     6 . . . . . . .
     5 . . . . . . .
     4 X X X . X X X
     3 . . . . . . .
     2 . . . . . . O
     1 . . . . . . O
"""  # d4 makes seven in a row

SIX_AND_FIVE = """
     7 O O O . O . O
     6 . . . . . . O
     5 . . . X . . O
     4 X X X . X X .
     3 . . . X . . O
     2 . . . X . . .
     1 . . . X . . O
"""  # d4 makes six along row 4 and exactly five along column d


def picture_of(board: np.ndarray) -> str:
    """An ASCII picture of a 2-D board of EMPTY/BLACK/WHITE."""
    return "\n".join(" ".join(".XO"[c] for c in row) for row in board)


def play_after(game: GomokuGame, picture: str, move: str, sym: int = 0):
    """The state after ``move`` in ``picture``, both turned by symmetry ``sym``."""
    board = game.from_picture(picture).board[0].reshape(game.height, game.width)
    plane = np.zeros_like(board)
    plane.flat[coords.text_to_action(move, game.height, game.width)] = 1
    states = game.from_picture(picture_of(symmetry.transform_planes(board, sym)))
    game.apply(states, [int(np.argmax(symmetry.transform_planes(plane, sym)))])
    return states


@pytest.mark.parametrize("spec", [FREE7, EXACT7])
@pytest.mark.parametrize("name,picture,move,winner", CASES, ids=[c[0] for c in CASES])
def test_k_in_a_row_in_every_direction_and_symmetry(spec, name, picture, move, winner):
    game = make_game(spec)
    for sym in range(8):
        states = play_after(game, picture, move, sym)
        result = game.result(states)
        assert result.winner == winner, f"{name}, symmetry {sym}:\n{game.render(states)}"
        assert result.terminal == (winner is not None)
        assert result.reason == (Reason.K_IN_A_ROW if winner is not None else Reason.NONE)
        assert game.outcome(states)[0] == (-1.0 if winner is not None else 0.0)  # the loser moves
        assert game.legal_mask(states)[0].any() == (winner is None)


@pytest.mark.parametrize("picture", [OVERLINE, SEVEN], ids=["six", "seven"])
def test_overline_wins_freestyle_but_not_exact(picture):
    for sym in range(8):
        free = play_after(make_game(FREE7), picture, "d4", sym)
        assert game_result(free) == (0, Reason.K_IN_A_ROW)
        exact_game = make_game(EXACT7)
        exact = play_after(exact_game, picture, "d4", sym)
        assert game_result(exact) == (None, Reason.NONE)
        assert exact_game.legal_mask(exact)[0].sum() == 49 - int(exact.moves[0])


def test_exact_extending_a_six_at_its_end_makes_no_win():
    six = """
         7 O . O . O . O
         6 . . . . . . .
         5 . . . . . . .
         4 X X X X X X .
         3 . . . . . . .
         2 . . . . . . O
         1 . . . . . . O
    """  # a pictured six is no win under the exact rule, so the game is on
    for sym in range(8):
        states = play_after(make_game(EXACT7), six, "g4", sym)
        assert game_result(states) == (None, Reason.NONE), sym


def test_overline_one_way_does_not_spoil_exact_five_another_way():
    for spec in (EXACT7, FREE7):
        for sym in range(8):
            states = play_after(make_game(spec), SIX_AND_FIVE, "d4", sym)
            assert game_result(states) == (0, Reason.K_IN_A_ROW), (spec, sym)


def test_exact_game_goes_on_after_an_overline_and_is_won_by_a_later_five():
    game = make_game(EXACT7)
    states = game.from_picture(OVERLINE)
    for move in ["d4", "a1", "b2", "g6", "b3", "g5", "b5", "g4", "b6"]:
        assert not game.terminal(states)[0]
        game.play_text(states, move)
    # b2 b3 b5 b6 + b4 (already Black) = exactly five in column b
    assert game_result(states) == (0, Reason.K_IN_A_ROW)


def test_gomoku15_diagonal_into_the_corner_and_long_k():
    game = make_game("gomoku15")
    states = game.initial(1)
    for move in ["a1", "o15", "b2", "o14", "c3", "o13", "d4", "o12"]:
        game.play_text(states, move)
        assert not game.terminal(states)[0]
    game.play_text(states, "e5")
    assert game_result(states) == (0, Reason.K_IN_A_ROW)
    wide = make_game("gomoku:size=3x9,k=7")
    states = wide.from_picture("X X X . X X X . .\nO O . O O . O O .\n. . . . . . . . .")
    wide.play_text(states, "d3")
    assert game_result(states) == (0, Reason.K_IN_A_ROW)


def game_result(states) -> tuple:
    """(winner, reason) of row 0, straight from the state arrays."""
    winner = int(states.winner[0])
    return (None if winner < 0 else winner), game_module._REASONS[int(states.reason[0])]


def play_moves(game, moves: str):
    states = game.initial(1)
    for move in moves.split():
        game.play_text(states, move)
    return states


def test_drawn_tic_tac_toe_fills_the_board():
    game = make_game("tictactoe")
    states = play_moves(game, "a3 b3 c3 b2 a2 c2 b1 a1 c1")
    assert game.render(states) == "\n".join([
        "   a b c",
        " 3 X O X",
        " 2 X O O",
        " 1 O X X",
        "   a b c",
        "move 9, last c1: draw, board full",
    ])
    result = game.result(states)
    assert (result.terminal, result.winner, result.reason) == (True, None, Reason.BOARD_FULL)
    assert game.outcome(states)[0] == 0.0 and game.terminal(states)[0]
    assert not game.legal_mask(states).any()
    with pytest.raises(IllegalMoveError, match="game is over"):
        game.play_text(states, "a1")


def test_win_on_the_last_empty_point_is_a_win_not_a_draw():
    game = make_game("tictactoe")
    states = play_moves(game, "a3 b3 c3 a2 b2 c2 b1 a1 c1")  # c1 completes a3-b2-c1
    assert game_result(states) == (0, Reason.K_IN_A_ROW)
    assert game.outcome(states)[0] == -1.0 and game.to_play(states)[0] == 1


def test_outcome_is_from_the_side_to_move():
    game = make_game("tictactoe")
    white_won = play_moves(game, "a1 a3 b1 b2 a2 c1")  # White c1-b2-a3
    assert game.result(white_won).winner == 1 and game.to_play(white_won)[0] == 0
    assert game.outcome(white_won)[0] == -1.0
    assert game.result(white_won).value_for(1) == 1.0
    out = np.full(1, 7.0, dtype=np.float32)
    assert game.outcome(white_won, out=out) is out and out[0] == -1.0


def test_resignation_ends_the_game_for_the_mover():
    game = make_game("gomoku15")
    states = game.initial(3)
    game.apply(states, [112, 0, 224])
    game.resign(states, [0, 2])
    assert [game.result(states, r).reason for r in range(3)] == [
        Reason.RESIGNATION, Reason.NONE, Reason.RESIGNATION]
    assert game.result(states, 0).winner == 0  # White was to move and resigned
    np.testing.assert_array_equal(game.outcome(states), [-1, 0, -1])
    np.testing.assert_array_equal(game.legal_mask(states).any(axis=1), [False, True, False])
    assert "Black (X) won by resignation" in game.render(states, 2)
    with pytest.raises(ValueError, match="finished"):
        game.resign(states, [0])
    with pytest.raises(IndexError):
        game.resign(states, [3])


def test_refused_batches_leave_every_row_untouched():
    game = make_game("gomoku15")
    states = game.initial(2)
    game.apply(states, [112, 0])
    before = game.copy(states)
    for actions, text, reason, row in [([1, 0], "a15", "the point is occupied", 1),
                                       ([225, 1], "action 225", "not a point of the board", 0),
                                       ([-1, 1], "action -1", "not a point of the board", 0)]:
        for check in (True, False):
            with pytest.raises(IllegalMoveError) as err:
                game.apply(states, actions, check=check)
            assert (err.value.move, err.value.reason) == (text, f"{reason} in row {row} of 2")
            assert err.value.position == game.render(before, row)
            for r in range(2):
                assert game.render(states, r) == game.render(before, r)
    with pytest.raises(IllegalMoveError,
                       match=r"illegal move h8 \(the point is occupied in row 0 of 2\)") as err:
        game.apply(states, [112, 1])
    assert " 8 . . . . . . . X . . . . . . ." in err.value.position


@pytest.mark.parametrize("actions", [[1], [1, 2, 3], [[1, 2]], [1.0, 2.0], ["a", "b"]])
def test_malformed_action_arrays_are_refused(actions):
    game = make_game("gomoku15")
    for check in (True, False):
        with pytest.raises(ValueError, match="actions must"):
            game.apply(game.initial(2), actions, check=check)


def test_info_and_bad_configurations():
    info = make_game("gomoku15").info
    assert (info.num_actions, info.board_shape, info.num_planes) == (225, (15, 15), 4)
    assert (info.max_game_length, info.has_draws, info.num_symmetries) == (225, True, 8)
    assert (info.pass_action, info.name) == (-1, "gomoku")
    assert info.spec == "gomoku:size=15,k=5,rule=freestyle"
    rect = make_game("gomoku:size=6x9,k=4,rule=exact").info
    assert (rect.num_actions, rect.board_shape, rect.num_symmetries) == (54, (6, 9), 1)
    for kwargs, match in [(dict(height=2, width=5, k=3), "3-19"),
                          (dict(height=5, width=20, k=3), "3-19"),
                          (dict(height=3, width=9, k=10), "k must be an int 2-9"),
                          (dict(height=9, width=9, k=1), "k must"),
                          (dict(height=9, width=9, k=5.0), "k must"),
                          (dict(height=9, width=9, k=5, rule="renju"), "freestyle, exact")]:
        kwargs.setdefault("rule", "freestyle")
        with pytest.raises(ValueError, match=match):
            GomokuGame(spec="x", **kwargs)
    with pytest.raises(SpecError):
        make_game("gomoku:size=15,rule=caro")


def test_text_notation_through_the_game():
    game = make_game("gomoku:size=6x9,k=4")
    states = game.initial(1)
    assert game.text_to_action(states, "I6") == 8 and game.action_to_text(states, 45) == "a1"
    with pytest.raises(NotationError, match="a point like e3: column a-i, row 1-6"):
        game.text_to_action(states, "j1")


def test_legal_mask_and_encode_by_hand():
    game = make_game("tictactoe")
    states = play_moves(game, "b2 a1")
    np.testing.assert_array_equal(game.legal_mask(states)[0].reshape(3, 3),
                                  [[1, 1, 1], [1, 0, 1], [0, 1, 1]])
    planes = game.encode(states)  # Black to move
    np.testing.assert_array_equal(planes[0, 0], [[0, 0, 0], [0, 1, 0], [0, 0, 0]])  # Black's b2
    np.testing.assert_array_equal(planes[0, 1], [[0, 0, 0], [0, 0, 0], [1, 0, 0]])  # White's a1
    np.testing.assert_array_equal(planes[0, 2], [[0, 0, 0], [0, 0, 0], [1, 0, 0]])  # last move a1
    np.testing.assert_array_equal(planes[0, 3], np.ones((3, 3)))
    game.play_text(states, "c3")
    out = np.full((1, 4, 3, 3), 5.0, dtype=np.float32)  # stale values must be overwritten
    assert game.encode(states, out=out) is out  # White to move: White's stones first
    np.testing.assert_array_equal(out[0, 0], [[0, 0, 0], [0, 0, 0], [1, 0, 0]])
    np.testing.assert_array_equal(out[0, 1], [[0, 0, 1], [0, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(out[0, 2], [[0, 0, 1], [0, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(out[0, 3], np.zeros((3, 3)))
    with pytest.raises(ValueError, match="out buffer"):
        game.encode(states, out=np.zeros((1, 4, 3, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="GomokuState"):
        make_game("gomoku15").legal_mask(states)


def transformed(game: GomokuGame, states, sym: int):
    """A copy of ``states`` with board and last move turned by ``sym``."""
    out = game.copy(states)
    n = game.height
    out.board[:] = symmetry.transform_planes(states.board.reshape(-1, n, n), sym).reshape(len(states), -1)
    perm = symmetry.policy_permutation(n, sym, n * n)
    for row, last in enumerate(states.last_move):
        out.last_move[row] = -1 if last < 0 else int(np.flatnonzero(perm == last)[0])
    return out


def test_encode_of_a_turned_position_is_the_turned_encode():
    game = make_game("gomoku:size=7,k=4")
    rng = np.random.default_rng(5)
    states = game.initial(3)
    for _ in range(9):
        mask = game.legal_mask(states)
        game.apply(states, [int(rng.choice(np.flatnonzero(m))) for m in mask])
    planes = game.encode(states)
    for sym in range(8):
        np.testing.assert_array_equal(game.encode(transformed(game, states, sym)),
                                      game.transform_planes(planes, sym))
        policy = planes[:, 2].reshape(3, -1)  # the last-move plane, read as a policy
        np.testing.assert_array_equal(game.transform_policy(policy, sym),
                                      game.transform_planes(planes, sym)[:, 2].reshape(3, -1))
        assert game.inverse_symmetry(game.inverse_symmetry(sym)) == sym


def test_rectangular_boards_have_only_the_identity():
    game = make_game("gomoku:size=6x9,k=4")
    planes = game.encode(game.initial(1))
    np.testing.assert_array_equal(game.transform_planes(planes, 0), planes)
    assert game.inverse_symmetry(0) == 0
    for bad in (1, 7, -1, 8):
        with pytest.raises(ValueError, match="symmetry must be an int 0-0"):
            game.transform_planes(planes, bad)
    with pytest.raises(ValueError, match="policy must end in"):
        game.transform_policy(np.zeros((1, 53)), 0)


def test_pictures_round_trip_through_render():
    game = make_game(FREE7)
    states = play_after(game, CASES[0][1], "e4")
    again = game.from_picture(game.render(states), last_move="e4")
    for name in ("board", "to_play", "moves", "last_move", "winner", "reason"):
        np.testing.assert_array_equal(getattr(again, name), getattr(states, name), err_msg=name)
    assert game.render(again) == game.render(states)
    assert game.render(states).splitlines()[4] == " 4 X X X X X . ."


@pytest.mark.parametrize("picture,match", [
    ("X . .\n. . .", "3 rows of 3"),
    ("X X .\n. . .\n. . .", "2 black and 0 white"),
    ("O . .\n. . .\n. . .", "0 black and 1 white"),
    ("X X X\nO O O\nX . .", "winning line for the side to move, or for both"),
])
def test_bad_pictures_are_refused(picture, match):
    with pytest.raises(ValueError, match=match):
        make_game("tictactoe").from_picture(picture)


def test_a_pictured_full_board_or_line_is_finished():
    game = make_game("tictactoe")
    assert game.result(game.from_picture("X O X\nX O O\nO X X")).reason == Reason.BOARD_FULL
    won = game.from_picture("X X X\nO O .\n. . .")
    assert game_result(won) == (0, Reason.K_IN_A_ROW) and game.to_play(won)[0] == 1
    with pytest.raises(ValueError, match="last move"):
        game.from_picture("X X X\nO O .\n. . .", last_move="a2")


@pytest.mark.parametrize("module", [game_module, coords])
def test_doctests(module):
    assert doctest.testmod(module).failed == 0
