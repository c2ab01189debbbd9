"""Go rules on hand-drawn positions: captures, suicide, ko, superko, scoring, game ends."""

import numpy as np
import pytest

from games import IllegalMoveError, Reason, make_game
from games.go import GoGame
from games.go.reference import RefGo, parse_board


def position(picture: str, to_play: int = 0, komi: float = 0.5, superko: bool = True,
             max_moves: int = 100):
    """A B=1 state set up from a picture (its size decides the board)."""
    stones = parse_board(picture)
    game = GoGame(size=len(stones), komi=komi, max_moves=max_moves, superko=superko)
    return game, game.setup(stones, to_play)


def play(game, states, *moves: str) -> None:
    for move in moves:
        game.play_text(states, move)


def assert_board(game, states, picture: str) -> None:
    np.testing.assert_array_equal(game.stones(states)[0], parse_board(picture),
                                  err_msg=game.render(states))


def legal(game, states, move: str) -> bool:
    return bool(game.legal_mask(states)[0, game.text_to_action(states, move)])


# -- captures ---------------------------------------------------------------------
def test_single_stone_capture():
    game, s = position("""
        . . . . .
        . . X . .
        . X O . .
        . . X . .
        . . . . .""")
    play(game, s, "D3")
    assert_board(game, s, """
        . . . . .
        . . X . .
        . X . X .
        . . X . .
        . . . . .""")
    assert s.captures[0].tolist() == [1, 0]
    assert int(s.to_play[0]) == 1


def test_group_capture():
    game, s = position("""
        . . . . .
        . X X . .
        X O O . .
        . X X . .
        . . . . .""")
    play(game, s, "D3")
    assert_board(game, s, """
        . . . . .
        . X X . .
        X . . X .
        . X X . .
        . . . . .""")
    assert s.captures[0].tolist() == [2, 0]


def test_one_move_captures_two_groups():
    game, s = position("""
        X O . O X
        . X . X .
        . . . . .
        . . . . .
        . . . . .""")
    play(game, s, "C5")
    assert_board(game, s, """
        X . X . X
        . X . X .
        . . . . .
        . . . . .
        . . . . .""")
    assert s.captures[0].tolist() == [2, 0]


def test_corner_capture():
    game, s = position("""
        . . . . .
        . . . . .
        . . . . .
        X . . . .
        O . . . .""")
    play(game, s, "B1")
    assert_board(game, s, """
        . . . . .
        . . . . .
        . . . . .
        X . . . .
        . X . . .""")
    assert s.captures[0].tolist() == [1, 0]


def test_edge_capture_by_white():
    game, s = position("""
        . X X O .
        . O O X .
        . . . . .
        . . . . .
        . . . . .""", to_play=1)
    play(game, s, "A5")
    assert_board(game, s, """
        O . . O .
        . O O X .
        . . . . .
        . . . . .
        . . . . .""")
    assert s.captures[0].tolist() == [0, 2]


# -- suicide ----------------------------------------------------------------------
def test_single_stone_suicide_is_refused():
    game, s = position("""
        . X . . .
        X . X . .
        . X . . .
        . . . . .
        . . . . .""", to_play=1)
    assert not legal(game, s, "B4")
    before = s.copy()
    with pytest.raises(IllegalMoveError, match=r"illegal move B4 \(suicide\)"):
        play(game, s, "B4")
    np.testing.assert_array_equal(s.board, before.board)
    assert not legal(game, s, "A5")  # a corner eye too
    assert legal(game, s, "C3") and legal(game, s, "D4")


def test_multi_stone_suicide_is_refused_but_the_same_point_captures_for_the_other_side():
    picture = """
        . O X . .
        O O X . .
        X X X . .
        . . . . .
        . . . . ."""
    game, s = position(picture, to_play=1)
    assert not legal(game, s, "A5")  # White would fill its own last liberty
    with pytest.raises(IllegalMoveError, match="suicide"):
        play(game, s, "A5")
    game, s = position(picture, to_play=0)
    play(game, s, "A5")  # Black fills it and takes three stones
    assert_board(game, s, """
        X . X . .
        . . X . .
        X X X . .
        . . . . .
        . . . . .""")


def test_a_capture_that_looks_like_suicide_is_legal():
    game, s = position("""
        . O X . .
        O X . . .
        X . . . .
        . . . . .
        . . . . .""")
    assert legal(game, s, "A5")  # no empty or friendly neighbour, but it captures
    play(game, s, "A5")
    assert_board(game, s, """
        X . X . .
        . X . . .
        X . . . .
        . . . . .
        . . . . .""")
    assert s.captures[0].tolist() == [2, 0]


# -- ko and superko ---------------------------------------------------------------
KO = """
    . . . . .
    . X O . .
    X O . O .
    . X O . .
    . . . . ."""


@pytest.mark.parametrize("superko", [True, False])
def test_ko_is_refused_at_once_and_allowed_after_an_exchange(superko):
    game, s = position(KO, superko=superko)
    play(game, s, "C3")  # Black takes B3
    assert_board(game, s, """
        . . . . .
        . X O . .
        X . X O .
        . X O . .
        . . . . .""")
    assert not legal(game, s, "B3")
    with pytest.raises(IllegalMoveError, match=r"illegal move B3 \(ko\)") as err:
        play(game, s, "B3")
    assert "ko B3" in err.value.position
    play(game, s, "E1", "E5")  # an exchange elsewhere lifts the ko
    assert legal(game, s, "B3")
    play(game, s, "B3")
    assert s.captures[0].tolist() == [1, 1]
    assert not legal(game, s, "C3")  # and now Black faces the ko


def test_a_capturing_stone_with_a_friend_makes_no_ko():
    game, s = position("""
        . . . . .
        . X O . .
        X O . X .
        . X O . .
        . . . . .""")
    play(game, s, "C3")
    assert s.captures[0].tolist() == [1, 0] and int(s.ko[0]) == -1
    game, s = position(KO)
    play(game, s, "C3")
    assert int(s.ko[0]) != -1


SEND_TWO = """
    . X . X .
    O O X . .
    . . . . .
    . . . . .
    . . . . ."""


def test_send_two_return_one_is_refused_by_superko_only():
    # Black throws in at A5 (two stones in atari), White takes both at C5, and
    # Black's retake at B5 would recreate the starting board: no simple ko (two
    # stones were taken), but positional superko forbids it.
    for superko in (True, False):
        game, s = position(SEND_TWO, superko=superko)
        start = game.stones(s)[0].copy()
        play(game, s, "A5", "C5")
        assert s.captures[0].tolist() == [0, 2] and int(s.ko[0]) == -1
        assert legal(game, s, "B5") is not superko
        ref = RefGo(5, komi=0.5, superko=superko, stones=parse_board(SEND_TWO))
        for move in ("A5", "C5"):
            ref.play(game.text_to_action(s, move))
        assert ref.legal_actions() == game.legal_actions(s)
        if superko:
            with pytest.raises(IllegalMoveError, match=r"illegal move B5 \(positional superko\)"):
                play(game, s, "B5")
            # the same state without its seen-set (what the search uses) allows it
            loose = game.drop_superko(s)
            assert loose.seen.shape == (1, 0)
            play(game, loose, "B5")
            np.testing.assert_array_equal(game.stones(loose)[0], start)
        else:
            play(game, s, "B5")
            np.testing.assert_array_equal(game.stones(s)[0], start)


def test_superko_remembers_positions_across_passes_and_many_moves():
    game, s = position(SEND_TWO)
    play(game, s, "A5", "C5", "pass", "E1", "E2", "pass")
    # the board before A5 plus White's E1 and Black's E2 never occurred: B5 is fine
    assert legal(game, s, "B5")
    game, s = position(SEND_TWO)
    play(game, s, "E1", "E2", "A5", "C5")
    assert not legal(game, s, "B5")  # would recreate the board after E1 E2


# -- scoring and the end of the game ----------------------------------------------
SEKI = """
    . O O O .
    X X X X X
    O O O O O
    O . O . O
    O O . O O"""
# Black's row and White's top three share the liberties A5 and E5: whoever fills one
# is captured at the other, so both live in seki and A5, E5 are dame.
# Black area 5 stones; White 15 stones + B2, D2, C1 = 18; dame A5, E5.

DAME = """
    . X . O .
    X X . O O
    . X . O .
    X X . O O
    . X . O ."""
# Black 7 stones + A5, A3, A1 = 10; White 7 stones + E5, E3, E1 = 10; column C is dame.


def test_seki_is_scored_by_area_with_dame_neutral():
    game, s = position(SEKI, komi=7.5)
    for side in (0, 1):  # filling a shared liberty is self-atari for either side
        g, t = position(SEKI, to_play=side, komi=7.5)
        play(g, t, "A5")
        assert legal(g, t, "E5")
    assert float(game.area_score(s)[0]) == 5 - 18 - 7.5
    play(game, s, "pass", "pass")
    result = game.result(s)
    assert result == game.result(s) and result.terminal
    assert (result.winner, result.reason, result.score) == (1, Reason.TWO_PASSES, -20.5)
    assert RefGo(5, komi=7.5, stones=parse_board(SEKI)).score() == -20.5


@pytest.mark.parametrize("komi, winner, value_for_black", [(0, None, 0.0), (0.5, 1, -1.0),
                                                           (-1, 0, 1.0)])
def test_dame_position_with_integer_and_half_komi(komi, winner, value_for_black):
    game, s = position(DAME, komi=komi)
    assert game.info.has_draws == float(komi).is_integer()
    play(game, s, "pass")
    assert not game.terminal(s)[0] and game.outcome(s)[0] == 0
    play(game, s, "pass")
    assert game.terminal(s)[0]
    result = game.result(s)
    assert result.score == -komi and result.winner == winner
    assert int(s.to_play[0]) == 0  # two passes later Black is to move again
    assert game.outcome(s)[0] == value_for_black
    assert not game.legal_mask(s).any()


def test_two_passes_end_the_game_but_pass_stone_pass_does_not():
    game, s = position(DAME)
    play(game, s, "pass", "C3", "pass")
    assert not game.terminal(s)[0]
    play(game, s, "pass")
    assert game.result(s).reason is Reason.TWO_PASSES


def test_move_cap_ends_and_scores_the_game():
    game = make_game("go:size=5,komi=0.5,max_moves=3")
    s = game.initial(1)
    play(game, s, "C3", "pass")
    assert not game.terminal(s)[0]
    play(game, s, "D3")
    result = game.result(s)
    assert result.reason is Reason.MOVE_CAP and result.winner == 0 and result.score == 24.5
    with pytest.raises(IllegalMoveError, match="game over"):
        play(game, s, "A1")


def test_resignation():
    game = make_game("go:size=5,komi=0.5")
    s = game.initial(3)
    game.apply(s, [12, 12, 25])
    game.resign(s, [1])
    assert game.terminal(s).tolist() == [False, True, False]
    assert game.outcome(s).tolist() == [0.0, -1.0, 0.0]  # White, to move in row 1, resigned
    result = game.result(s, 1)
    assert (result.winner, result.reason, result.score) == (0, Reason.RESIGNATION, None)
    assert "Black wins by resignation" in game.render(s, 1)
    assert not game.legal_mask(s)[1].any()
    with pytest.raises(ValueError, match="finished"):
        game.resign(s, [1])
    with pytest.raises(IllegalMoveError, match="game over"):
        game.apply(s, [0, 0, 0])
    assert s.move_count.tolist() == [1, 1, 1]  # the failed batch changed no row


# -- errors -----------------------------------------------------------------------
def test_a_refused_batch_changes_no_row_and_names_the_move():
    game = make_game("go:size=5,komi=0.5")
    s = game.initial(2)
    game.apply(s, [12, 0])
    before = s.copy()
    with pytest.raises(IllegalMoveError) as err:
        game.apply(s, [6, 0])  # row 1: A5 is occupied
    assert err.value.move == "A5" and err.value.reason == "occupied"
    assert "illegal move A5 (occupied)" in str(err.value)
    for name in ("board", "chain_head", "chain_stats", "zobrist", "seen", "history", "to_play",
                 "move_count", "legal"):
        np.testing.assert_array_equal(getattr(s, name), getattr(before, name), err_msg=name)
    with pytest.raises(IllegalMoveError, match="out of range"):
        game.apply(s, [26, 0])
    with pytest.raises(ValueError, match="actions must be"):
        game.apply(s, [1])


def test_unchecked_apply_still_refuses_what_it_sees_and_says_so():
    game = make_game("go:size=5,komi=0.5")
    s = game.initial(2)
    game.apply(s, [12, 0], check=False)
    with pytest.raises(IllegalMoveError, match="row 1 unchanged"):
        game.apply(s, [6, 0], check=False)
    assert s.move_count.tolist() == [2, 1]


def test_setup_refuses_bad_positions():
    game = GoGame(size=5, komi=0.5, max_moves=50, superko=True)
    with pytest.raises(ValueError, match="no liberties"):
        game.setup(parse_board("""
            X O . . .
            O . . . .
            . . . . .
            . . . . .
            . . . . ."""))
    with pytest.raises(ValueError, match=r"\[5, 5\]"):
        game.setup(np.zeros((4, 4), np.int8))
    with pytest.raises(ValueError, match="to_play"):
        game.setup(np.zeros((5, 5), np.int8), to_play=2)


def test_constructor_checks_its_values():
    game = GoGame("go9", size=9, komi=7, max_moves=162, superko=True)
    assert game.info.spec == "go:size=9,komi=7,max_moves=162,superko=1"
    with pytest.raises(ValueError, match="does not match"):
        GoGame("go9", size=9, komi=7.5, max_moves=162, superko=True)
    with pytest.raises(ValueError, match="size"):
        GoGame(size=4)
    with pytest.raises(ValueError, match="komi"):
        GoGame(size=9, komi=float("nan"))
    with pytest.raises(ValueError, match="max_moves"):
        GoGame(size=9, max_moves=0)
    game = make_game("go:size=7,superko=0")
    assert game.initial(2).seen.shape == (2, 0)
    assert make_game("go9").initial(1).seen.shape == (1, 512)
