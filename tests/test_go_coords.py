"""Go coordinate systems: every conversion round-trips over every value, garbage is refused."""

import numpy as np
import pytest

from games import NotationError, make_game
from games.go import coords
from games.go.coords import (action_to_gtp, action_to_loc, action_to_rc, action_to_sgf,
                             gtp_to_action, loc_to_action, rc_to_action, sgf_to_action)
from games.go.kernels import board_tables

SIZES = range(coords.MIN_SIZE, coords.MAX_SIZE + 1)


@pytest.mark.parametrize("n", SIZES)
def test_every_coordinate_round_trips(n):
    texts, sgfs, locs = set(), set(), set()
    for a in range(n * n):
        y, x = action_to_rc(a, n)
        assert rc_to_action(y, x, n) == a
        assert loc_to_action(action_to_loc(a, n), n) == a
        assert gtp_to_action(action_to_gtp(a, n), n) == a
        assert gtp_to_action(action_to_gtp(a, n).lower(), n) == a
        assert sgf_to_action(action_to_sgf(a, n), n) == a
        texts.add(action_to_gtp(a, n))
        sgfs.add(action_to_sgf(a, n))
        locs.add(action_to_loc(a, n))
    assert len(texts) == len(sgfs) == len(locs) == n * n
    assert gtp_to_action(action_to_gtp(n * n, n), n) == n * n
    assert sgf_to_action(action_to_sgf(n * n, n), n) == n * n


@pytest.mark.parametrize("n", SIZES)
def test_tables_match_the_conversions(n):
    a2l, l2a = coords.loc_tables(n)
    locs, nbr = board_tables(n)
    assert a2l.tolist() == locs.tolist() == [action_to_loc(a, n) for a in range(n * n)]
    assert (l2a >= 0).sum() == n * n and l2a[a2l].tolist() == list(range(n * n))
    w = n + 2
    for a in range(n * n):
        y, x = action_to_rc(a, n)
        up, left, right, down = (int(v) for v in nbr[locs[a]])
        assert (up, left, right, down) == ((y) * w + x + 1, (y + 1) * w + x, (y + 1) * w + x + 2,
                                           (y + 2) * w + x + 1)


def test_known_vertices():
    # the top-left point is A9 on 9x9 and action 0; the bottom-right is J1; I is skipped
    assert [action_to_gtp(a, 9) for a in (0, 8, 72, 80, 81)] == ["A9", "J9", "A1", "J1", "pass"]
    assert action_to_gtp(rc_to_action(0, 8, 19), 19) == "J19"
    assert action_to_gtp(rc_to_action(18, 18, 19), 19) == "T1"
    assert gtp_to_action("D4", 19) == rc_to_action(15, 3, 19)
    assert gtp_to_action(" PaSs ", 9) == 81
    assert action_to_sgf(rc_to_action(2, 3, 19), 19) == "dc"
    assert sgf_to_action("tt", 19) == 361 and sgf_to_action("", 9) == 81


@pytest.mark.parametrize("text", ["Z99", "I5", "", "A0", "A10", "K1", "pass2", "D 4", "4D",
                                  "A05", "resign", "@@"])
def test_garbage_vertices_are_refused_with_the_expected_notation(text):
    with pytest.raises(NotationError) as err:
        gtp_to_action(text, 9)
    assert "a vertex like D4: columns A-J without I, rows 1-9, or 'pass'" in str(err.value)
    assert repr(text) in str(err.value)


def test_small_boards_name_their_own_columns():
    with pytest.raises(NotationError, match="columns A-E, rows 1-5"):
        gtp_to_action("F1", 5)
    with pytest.raises(NotationError, match="SGF point"):
        sgf_to_action("zz", 9)
    with pytest.raises(ValueError, match="action"):
        action_to_gtp(82, 9)
    with pytest.raises(ValueError, match="size"):
        coords.check_size(20)


@pytest.mark.parametrize("spec", ["go9", "go19"])
def test_game_text_round_trips_for_every_action(spec):
    game = make_game(spec)
    states = game.initial(1)
    texts = [game.action_to_text(states, a) for a in range(game.info.num_actions)]
    assert len(set(texts)) == game.info.num_actions
    assert [game.text_to_action(states, t) for t in texts] == list(range(game.info.num_actions))
    assert np.array_equal(
        [game.text_to_action(states, t.lower()) for t in texts], np.arange(game.info.num_actions))
