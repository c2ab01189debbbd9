"""The array search against the slow object-per-node reference: exactly the same trees."""

import numpy as np
import pytest

from games import make_game
from mcts import HashEvaluator, Search, SearchConfig
from mcts import reference as ref
from mcts.tree import ROOT

POSITIONS = {
    "tictactoe": [[], [4], [0, 4, 8]],
    "gomoku:size=7,k=4": [[24], [24, 25, 17], [0, 48, 24, 23, 30, 18]],
}


def position(game, moves):
    states = game.initial(1)
    for m in moves:
        game.apply(states, [m])
    return states


def array_tree_visits(search: Search, b: int = 0) -> dict[tuple, int]:
    """{path of actions from the root: visits} for every node of tree b."""
    t = search.tree
    paths: dict[int, tuple] = {ROOT: ()}
    out = {(): int(t.node_visits[b, ROOT])}
    for n in range(1, int(t.num_nodes[b])):
        paths[n] = paths[int(t.node_parent[b, n])] + (int(t.node_action[b, n]),)
        out[paths[n]] = int(t.node_visits[b, n])
    return out


def reference_tree_visits(root: ref.Node) -> dict[tuple, int]:
    out, stack = {}, [((), root)]
    while stack:
        path, node = stack.pop()
        out[path] = node.visits
        stack.extend((path + (a,), c) for a, c in node.children.items())
    return out


@pytest.mark.parametrize("spec", sorted(POSITIONS))
def test_puct_equals_reference(spec):
    game = make_game(spec)
    ev = HashEvaluator(game.info.num_actions)
    config = SearchConfig(num_simulations=160)
    for moves in POSITIONS[spec]:
        states = position(game, moves)
        search = Search(game, ev, batch=1, config=config)
        result = search.run(states)
        root = ref.puct_search(game, states, ev, config)
        assert array_tree_visits(search) == reference_tree_visits(root), moves
        for a, child in root.children.items():
            assert result.q[0, a] == np.float32(child.q_for_parent(root))
        assert result.root_value[0] == np.float32(root.value_sum / root.visits)
        assert result.visits[0].sum() == 160


@pytest.mark.parametrize("spec", sorted(POSITIONS))
def test_gumbel_equals_reference(spec):
    game = make_game(spec)
    ev = HashEvaluator(game.info.num_actions)
    config = SearchConfig(num_simulations=48, gumbel=True, gumbel_considered=8, seed=5)
    for moves in POSITIONS[spec]:
        states = position(game, moves)
        search = Search(game, ev, batch=1, config=config)
        result = search.run(states)
        root, action = ref.gumbel_search(game, states, ev, config, search._gumbel[0])
        assert array_tree_visits(search) == reference_tree_visits(root), moves
        assert result.action[0] == action
        policy = ref.improved_policy(root, config)
        expected = np.zeros(game.info.num_actions)
        expected[list(policy)] = list(policy.values())
        np.testing.assert_allclose(result.policy[0], expected, atol=1e-6)
        # Gumbel looks at no more than 8 root moves
        assert 0 < np.count_nonzero(result.visits[0]) <= 8


def test_chess_push_pop_leaves_equal_reference():
    game = make_game("chess")
    ev = HashEvaluator(game.info.num_actions)
    config = SearchConfig(num_simulations=40)
    states = game.initial(1)
    for move in ("e4", "e5", "Nf3"):
        game.play_text(states, move)
    search = Search(game, ev, batch=1, config=config)
    search.run(states)
    assert search.leaf_mode == "push-pop"
    root = ref.puct_search(game, states, ev, config)
    assert array_tree_visits(search) == reference_tree_visits(root)
    assert game.fen(states) == "rnbqkbnr/pppp1ppp/8/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R b KQkq - 1 2"
