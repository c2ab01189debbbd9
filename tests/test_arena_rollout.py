"""The rollout (pure UCT) player: tactics on known gomoku positions, strength grows with playouts."""

import numpy as np
import pytest

from arena.players import make_player
from arena.rollout import RolloutSearch, Trees, go_pack, go_packing
from games import make_game
from helpers import play_games

K4 = "gomoku:size=7,k=4"

# X (to move, 4 stones against 4) has b4 c4 d4 with a4 blocked: only e4 wins.
WIN = """
 7 . . . . . . X
 6 . . . . . . .
 5 . . . . . . .
 4 O X X X . . .
 3 . . . . . . .
 2 . O . O . . .
 1 . . . O . . .
"""

# O (to move, 3 stones against 4) must block e4, or X wins there next move.
BLOCK = """
 7 . . . . . . X
 6 . . . . . . .
 5 . . . . . . .
 4 O X X X . . .
 3 . . . . . . .
 2 . O . . . . .
 1 . . . . . O .
"""


def test_rollout_completes_a_four():
    game = make_game(K4)
    state = game.from_picture(WIN)
    assert int(game.to_play(state)[0]) == 0
    result = RolloutSearch(game, batch=1, playouts=1000, seed=3).run(state)
    assert game.action_to_text(state, int(result.action[0])) == "e4"
    assert result.q[0, game.text_to_action(state, "e4")] == 1.0  # every playout through it wins
    assert result.playouts[0] == 1000 and result.visits[0].sum() == 1000


def test_rollout_blocks_the_opponents_four():
    game = make_game(K4)
    state = game.from_picture(BLOCK)
    assert int(game.to_play(state)[0]) == 1
    for seed in range(3):  # pure UCT needs many playouts to see a threat one move deep
        result = RolloutSearch(game, batch=1, playouts=10_000, seed=seed).run(state)
        assert game.action_to_text(state, int(result.action[0])) == "e4", seed


def test_batched_trees_are_independent_and_seeded():
    game = make_game(K4)
    states = game.take(game.from_picture(BLOCK), [0, 0])
    game.assign(states, [1], game.from_picture(WIN))
    search = RolloutSearch(game, batch=3, playouts=10_000, seed=5)
    both = search.run(states, rows=[2, 0])
    assert [game.action_to_text(states, int(a)) for a in both.action] == ["e4", "e4"]
    # the tree of row 1 was never touched; the same seed gives the same statistics again
    assert search.trees.num_nodes[1] == 0
    again = RolloutSearch(game, batch=3, playouts=10_000, seed=5).run(states, rows=[2, 0])
    np.testing.assert_array_equal(both.visits, again.visits)


def test_tree_arrays_hold_one_node_per_playout():
    game = make_game("tictactoe")
    search = RolloutSearch(game, batch=1, playouts=300)
    search.run(game.initial(1))
    t = search.trees
    n = int(t.num_nodes[0])
    assert n == 301  # the root plus one new node per simulation
    assert t.visits[0, 0] == 300
    # every node's visits are the sum of its children's plus the playouts that ended in it
    children = np.zeros(n, np.int64)
    np.add.at(children, t.parent[0, 1:n], t.visits[0, 1:n])
    assert (children <= t.visits[0, :n]).all()
    assert Trees.allocate(2, 5).wins.shape == (2, 5)


def test_go_packing_round_trips_a_position():
    game = make_game("go:size=7")
    states = game.initial(2)
    game.apply(states, [game.text_to_action(states, "D4"), game.text_to_action(states, "C3")])
    layout, size = go_packing(states)
    buf, view = go_pack(states, layout, size)
    assert buf.shape == (2, size)
    for name in states._names():
        np.testing.assert_array_equal(getattr(view, name), getattr(states, name))
    _, one = go_pack(game.take(states, [1]), layout, size)
    assert all(arr.flags.c_contiguous for arr in one.arrays())  # the kernels' own types


def test_rollout_beats_random_at_go_with_legal_moves():
    game = make_game("go:size=7,komi=0.5")
    _, scores, _ = play_games(game, ["rollout:playouts=150", "random"], 2, seed=1)
    assert scores == [1.0, 1.0]


def test_rollout_refuses_chess_clearly():
    with pytest.raises(ValueError, match="rollout supports Go and gomoku"):
        make_player("rollout", make_game("chess"))


def test_more_playouts_win_a_clear_majority():
    game = make_game(K4)
    _, scores, _ = play_games(game, ["rollout:playouts=2000", "rollout:playouts=200"], 20, seed=7)
    assert sum(scores) >= 15, scores  # 18 of 20 with this seed; seeds 1, 2, 3, 11 give 18-20
