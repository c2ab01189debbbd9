"""Fixed handicap placement against GTP version 2 section 4.1.1, and placing it on the board."""

import numpy as np
import pytest

from games import make_game
from games.go import fixed_handicap, max_fixed_handicap
from games.go.coords import action_to_gtp

# GTP 2, section 4.1.1, for 19x19, in the spec's order; other boards follow the same
# pattern on their 3-3 (up to 12x12) or 4-4 (from 13x13) points, lines and centre.
GTP_19 = {
    2: "D4 Q16",
    3: "D4 Q16 D16",
    4: "D4 Q16 D16 Q4",
    5: "D4 Q16 D16 Q4 K10",
    6: "D4 Q16 D16 Q4 D10 Q10",
    7: "D4 Q16 D16 Q4 D10 Q10 K10",
    8: "D4 Q16 D16 Q4 D10 Q10 K4 K16",
    9: "D4 Q16 D16 Q4 D10 Q10 K4 K16 K10",
}
GTP_13 = {
    2: "D4 K10", 3: "D4 K10 D10", 4: "D4 K10 D10 K4", 5: "D4 K10 D10 K4 G7",
    6: "D4 K10 D10 K4 D7 K7", 7: "D4 K10 D10 K4 D7 K7 G7",
    8: "D4 K10 D10 K4 D7 K7 G4 G10", 9: "D4 K10 D10 K4 D7 K7 G4 G10 G7",
}
GTP_9 = {
    2: "C3 G7", 3: "C3 G7 C7", 4: "C3 G7 C7 G3", 5: "C3 G7 C7 G3 E5",
    6: "C3 G7 C7 G3 C5 G5", 7: "C3 G7 C7 G3 C5 G5 E5",
    8: "C3 G7 C7 G3 C5 G5 E3 E7", 9: "C3 G7 C7 G3 C5 G5 E3 E7 E5",
}


def vertices(size, n):
    return " ".join(action_to_gtp(a, size) for a in fixed_handicap(size, n))


@pytest.mark.parametrize("size, table", [(19, GTP_19), (13, GTP_13), (9, GTP_9)])
def test_fixed_handicap_matches_the_gtp_table(size, table):
    for n, expected in table.items():
        assert vertices(size, n) == expected


def test_small_and_even_boards():
    assert vertices(7, 4) == "C3 E5 C5 E3"
    assert vertices(8, 4) == "C3 F6 C6 F3"
    assert vertices(12, 2) == "C3 K10"
    assert vertices(14, 4) == "D4 L11 D11 L4"
    assert [max_fixed_handicap(n) for n in range(5, 20)] == [0, 0, 4, 4, 9, 4, 9, 4, 9, 4, 9,
                                                          4, 9, 4, 9]


@pytest.mark.parametrize("size, n", [(19, 1), (19, 10), (19, 0), (9, 10), (8, 5), (7, 5),
                                     (6, 2), (5, 2), (13, -1)])
def test_invalid_handicaps_raise(size, n):
    with pytest.raises(ValueError, match="invalid fixed handicap"):
        fixed_handicap(size, n)


def test_place_handicap_gives_white_the_move():
    game = make_game("go9:komi=0.5")
    states = game.initial(2)
    stones = fixed_handicap(9, 4)
    game.place_handicap(states, stones)
    assert states.to_play.tolist() == [1, 1] and states.move_count.tolist() == [0, 0]
    assert "White (O) to move" in game.render(states)
    grid = game.stones(states)
    assert (grid.reshape(2, -1)[:, stones] == 1).all() and (grid == 1).sum() == 8
    mask = game.legal_mask(states)
    assert not mask[:, stones].any() and mask.sum() == 2 * (82 - 4)
    planes = game.encode(states)
    assert planes[:, 16].sum() == 0  # White to move
    np.testing.assert_array_equal(planes[0, 8].reshape(-1)[stones], 1)  # Black = opponent
    assert game.area_score(states)[0] == 81 - 0.5
    game.apply(states, [40, 41])
    assert states.to_play.tolist() == [0, 0]


def test_free_handicap_per_row_and_its_checks():
    game = make_game("go:size=5,komi=0.5")
    states = game.initial(2)
    game.place_handicap(states, np.array([[0, 24], [6, 8]]))
    assert game.stones(states)[1, 1, 1] == 1 and game.stones(states)[0, 4, 4] == 1
    with pytest.raises(ValueError, match="empty board"):
        game.place_handicap(states, [1, 2])
    fresh = game.initial(1)
    with pytest.raises(ValueError, match="distinct"):
        game.place_handicap(fresh, [3, 3])
    with pytest.raises(ValueError, match="2..24 board points"):
        game.place_handicap(fresh, [3])
    with pytest.raises(ValueError, match="2..24 board points"):
        game.place_handicap(fresh, [3, 25])
