"""Gomoku coordinates: every conversion pair round-trips over every point; hand-checked corners."""

import pytest

from games import NotationError
from games.gomoku import coords

BOARDS = [(3, 3), (15, 15), (19, 19), (6, 9), (9, 6)]


@pytest.mark.parametrize("height,width", BOARDS)
def test_every_point_round_trips(height, width):
    texts = set()
    for action in range(height * width):
        text = coords.action_to_text(action, height, width)
        texts.add(text)
        assert coords.text_to_action(text, height, width) == action
        assert coords.text_to_action(text.upper(), height, width) == action
        x, y = coords.action_to_xy(action, height, width)
        assert coords.xy_to_action(x, y, height, width) == action
        assert coords.action_to_point(action, height, width) == (y, x)
        assert coords.point_to_action(y, x, height, width) == action
    assert len(texts) == height * width


@pytest.mark.parametrize("height,width,text,action,xy", [
    (15, 15, "h8", 112, (7, 7)),    # the centre
    (15, 15, "a15", 0, (0, 0)),     # top left
    (15, 15, "o15", 14, (14, 0)),   # top right
    (15, 15, "a1", 210, (0, 14)),   # bottom left
    (15, 15, "o1", 224, (14, 14)),  # bottom right
    (19, 19, "s19", 18, (18, 0)),
    (19, 19, "j10", 180, (9, 9)),   # no letter skipped: j is the 10th column
    (19, 19, "a1", 342, (0, 18)),
    (3, 3, "b2", 4, (1, 1)),
    (6, 9, "i6", 8, (8, 0)),        # 6 rows, 9 columns
    (6, 9, "a1", 45, (0, 5)),
    (9, 6, "f1", 53, (5, 8)),
])
def test_hand_checked_points(height, width, text, action, xy):
    assert coords.text_to_action(text, height, width) == action
    assert coords.action_to_text(action, height, width) == text
    assert coords.action_to_xy(action, height, width) == xy


def test_case_and_blanks_are_ignored():
    assert coords.text_to_action("  H8 ", 15, 15) == 112


@pytest.mark.parametrize("text", ["", "h", "8", "h0", "h16", "p8", "hh8", "h 8", "h08", "8h", "t1",
                                  "pass", "h8x", "-h8"])
def test_garbage_names_the_expected_notation(text):
    with pytest.raises(NotationError, match="a point like h8: column a-o, row 1-15"):
        coords.text_to_action(text, 15, 15)


def test_non_text_and_small_boards_say_their_own_range():
    with pytest.raises(NotationError, match="a point like b2: column a-c, row 1-3"):
        coords.text_to_action("d1", 3, 3)
    with pytest.raises(NotationError):
        coords.text_to_action(None, 3, 3)  # type: ignore[arg-type]
    with pytest.raises(NotationError, match="column a-i, row 1-6"):
        coords.text_to_action("a7", 6, 9)


@pytest.mark.parametrize("x,y", [(-1, 0), (0, -1), (15, 0), (0, 15), (1.0, 2), (True, 1)])
def test_xy_off_the_board_is_refused(x, y):
    with pytest.raises(NotationError, match="x 0-14 .column. and y 0-14 .row from the top."):
        coords.xy_to_action(x, y, 15, 15)


@pytest.mark.parametrize("action", [-1, 225, 3.0, None, True])
def test_bad_actions_are_refused(action):
    with pytest.raises(ValueError):
        coords.action_to_text(action, 15, 15)


@pytest.mark.parametrize("height,width", [(2, 5), (5, 20), (0, 0), (3.0, 3), (True, 3)])
def test_board_sizes_outside_3_to_19_are_refused(height, width):
    with pytest.raises(ValueError, match="3-19"):
        coords.check_board(height, width)
