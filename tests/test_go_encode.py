"""Go feature planes (history order, colour plane, mover's view) and symmetries."""

import numpy as np
import pytest

from games import make_game
from games.go.reference import parse_board


def one_hot(n, *vertices, game, states):
    plane = np.zeros(n * n, np.float32)
    for v in vertices:
        plane[game.text_to_action(states, v)] = 1
    return plane.reshape(n, n)


def test_planes_of_a_short_game():
    game = make_game("go:size=5,komi=0.5")
    s = game.initial(1)
    for move in ("A5", "E1", "C3"):
        game.play_text(s, move)
    planes = game.encode(s)[0]
    assert planes.shape == (18, 5, 5) and planes.dtype == np.float32
    hot = lambda *v: one_hot(5, *v, game=game, states=s)  # noqa: E731
    zero = np.zeros((5, 5), np.float32)
    # White to move: planes 0-7 White's stones t moves ago, 8-15 Black's
    expected_white = [hot("E1"), hot("E1"), zero, zero] + [zero] * 4
    expected_black = [hot("A5", "C3"), hot("A5"), hot("A5"), zero] + [zero] * 4
    for t in range(8):
        np.testing.assert_array_equal(planes[t], expected_white[t], err_msg=f"t={t}")
        np.testing.assert_array_equal(planes[8 + t], expected_black[t], err_msg=f"t={t}")
    np.testing.assert_array_equal(planes[16], zero)  # not Black to move
    np.testing.assert_array_equal(planes[17], np.ones((5, 5)))
    game.play_text(s, "pass")  # Black to move: the view flips, the pass repeats a board
    planes = game.encode(s)[0]
    np.testing.assert_array_equal(planes[0], hot("A5", "C3"))
    np.testing.assert_array_equal(planes[1], hot("A5", "C3"))
    np.testing.assert_array_equal(planes[8], hot("E1"))
    np.testing.assert_array_equal(planes[4], zero)  # t = 4: before the start
    np.testing.assert_array_equal(planes[16], np.ones((5, 5)))


def test_history_ring_over_a_long_game_with_captures():
    game = make_game("go:size=5,komi=0.5")
    s = game.initial(1)
    rng = np.random.default_rng(4)
    boards = [game.stones(s)[0].copy()]
    for _ in range(40):
        legal = np.flatnonzero(game.legal_mask(s)[0][:-1])  # stones while there are any
        game.apply(s, [int(rng.choice(legal)) if len(legal) else 25])
        boards.append(game.stones(s)[0].copy())
    assert not game.terminal(s)[0]
    assert s.captures.sum() > 0
    planes = game.encode(s)[0]
    mover = int(s.to_play[0]) + 1
    for t in range(8):
        np.testing.assert_array_equal(planes[t], boards[-1 - t] == mover, err_msg=f"t={t}")
        np.testing.assert_array_equal(planes[8 + t], boards[-1 - t] == 3 - mover)


def test_set_up_positions_have_no_history_and_out_buffers_are_used():
    game = make_game("go:size=5,komi=0.5")
    s = game.setup(parse_board("""
        . X . . .
        . . O . .
        . . . . .
        . . . . .
        . . . . ."""), to_play=1, batch=2)
    out = np.full((2, 18, 5, 5), 7, np.float32)
    assert game.encode(s, out=out) is out
    assert out[:, 0].sum() == 2 and out[:, 8].sum() == 2  # one stone each, in both rows
    assert out[:, 1:8].sum() == 0 and out[:, 9:17].sum() == 0
    with pytest.raises(ValueError, match="out buffer"):
        game.encode(s, out=np.zeros((2, 18, 5, 4), np.float32))


@pytest.mark.parametrize("sym", range(8))
def test_policy_and_planes_move_together(sym):
    game = make_game("go:size=7,komi=0.5")
    n = 7
    for a in range(n * n + 1):
        policy = np.zeros(n * n + 1)
        policy[a] = 1
        moved = game.transform_policy(policy, sym)
        if a == n * n:
            assert moved[-1] == 1  # pass stays put
            continue
        plane = policy[:-1].reshape(n, n)
        np.testing.assert_array_equal(moved[:-1], game.transform_planes(plane, sym).reshape(-1))
    assert game.inverse_symmetry(game.inverse_symmetry(sym)) == sym
    with pytest.raises(ValueError, match="symmetry"):
        game.transform_planes(np.zeros((1, 7, 7)), 8)
