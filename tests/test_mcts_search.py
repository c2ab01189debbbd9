"""Search behaviour: known answers with the uniform evaluator, batch independence, reuse, options."""

import numpy as np
import pytest

from games import make_game
from mcts import HashEvaluator, Search, SearchConfig, UniformEvaluator
from mcts.tree import KIND_EXPANDED, KIND_TERMINAL, ROOT


def search_once(game, states, config=None, evaluator=None, batch=1):
    evaluator = evaluator or UniformEvaluator(game.info.num_actions)
    search = Search(game, evaluator, batch=batch, config=config or SearchConfig())
    return search, search.run(states)


def text(game, states, result, row=0):
    return game.action_to_text(states, int(result.action[row]), row)


# -- known answers with the uniform evaluator ------------------------------------

def test_completes_a_gomoku_four():
    game = make_game("gomoku:size=7,k=4")
    states = game.from_picture("""
        . . . . . . .
        . . . . . . .
        . . O . O . .
        . . X X X . .
        . . . . . . .
        . . . O . . .
        . . . . . . .""")
    _, result = search_once(game, states, SearchConfig(num_simulations=400))
    assert text(game, states, result) in ("b4", "f4")
    assert result.root_value[0] > 0.3


def test_blocks_the_opponents_four():
    # White to move; Black's b3 c3 d3 threatens e3 (a3 is White's); nothing else matters
    game = make_game("gomoku:size=5,k=4")
    states = game.from_picture("""
        O . . . .
        . . . . .
        O X X X .
        . . . . .
        . . O . X""")
    _, result = search_once(game, states, SearchConfig(num_simulations=400))
    assert text(game, states, result) == "e3"


@pytest.mark.parametrize("picture, wins", [
    ("X . O\n. X .\nO . .", {"c1"}),   # Black to move, the diagonal
    ("X X .\nO O .\nX O .", {"c3"}),   # Black to move: win on the top row, not block c2
    ("O O .\nX X .\n. . X", {"c3"}),   # White to move: win on the top row, not block c2
])
def test_finds_tictactoe_wins(picture, wins):
    game = make_game("tictactoe")
    states = game.from_picture(picture)
    _, result = search_once(game, states, SearchConfig(num_simulations=100))
    assert text(game, states, result) in wins
    assert result.root_value[0] > 0.5


def test_never_explores_past_a_terminal_node():
    game = make_game("tictactoe")
    states = game.from_picture("X . O\n. X .\nO . .")
    for leaves in (1, 4):
        search, _ = search_once(game, states, SearchConfig(num_simulations=300, leaves_per_tree=leaves))
        t = search.tree
        n = int(t.num_nodes[0])
        kinds, parents = t.node_kind[0, :n], t.node_parent[0, :n]
        assert (kinds == KIND_TERMINAL).any()
        assert not (kinds[parents[1:]] == KIND_TERMINAL).any(), "a terminal node has children"
        assert (t.node_num_edges[0, :n][kinds == KIND_TERMINAL] == 0).all()
        assert t.node_virtual[0, :n].sum() == 0


@pytest.mark.parametrize("spec", ["tictactoe", "gomoku:size=7,k=4", "go:size=5,komi=0.5", "chess"])
def test_never_returns_an_illegal_move(spec):
    game = make_game(spec)
    rng = np.random.default_rng(1)
    states = game.initial(3)
    for _ in range(4):  # three different positions a few random moves in
        mask = game.legal_mask(states)
        game.apply(states, [int(rng.choice(np.flatnonzero(m))) for m in mask])
    legal = game.legal_mask(states)
    for config in (SearchConfig(num_simulations=30, root_noise=True, temperature=1.0),
                   SearchConfig(num_simulations=30, gumbel=True, leaves_per_tree=3)):
        _, result = search_once(game, states, config, HashEvaluator(game.info.num_actions), batch=3)
        assert legal[np.arange(3), result.action].all()
        assert not result.visits[~legal].any() and not result.policy[~legal].any()
        assert np.array_equal(result.legal, legal)
        np.testing.assert_allclose(result.policy.sum(axis=1), 1.0, rtol=1e-5)


def test_single_legal_move():
    game = make_game("tictactoe")
    states = game.from_picture("X O X\nX O O\nO X .")
    for config in (SearchConfig(num_simulations=20), SearchConfig(num_simulations=20, gumbel=True)):
        _, result = search_once(game, states, config)
        assert text(game, states, result) == "c1"
        assert result.visits[0, 8] == 20 and result.policy[0, 8] == 1.0


def test_go_pass_is_the_only_sensible_move():
    # Black owns the board with two one-point eyes; filling one lets White capture everything,
    # passing makes White pass (its only legal move) and ends the game with Black winning.
    game = make_game("go:size=5")
    stones = np.ones((5, 5), int)
    stones[1, 1] = stones[2, 3] = 0
    states = game.setup(stones, to_play=0)
    assert game.legal_actions(states) == [6, 13, 25]
    _, result = search_once(game, states, SearchConfig(num_simulations=50))
    assert text(game, states, result) == "pass"
    assert result.q[0, 25] > 0.9  # its first visit is the uniform value 0, then wins


class PassLover:
    """Puts nearly all prior on pass, value 0: a search with few simulations plays pass."""

    def __init__(self, num_actions):
        self.num_actions = num_actions

    def __call__(self, planes):
        logits = np.zeros((len(planes), self.num_actions), np.float32)
        logits[:, -1] = 20.0
        return logits, np.zeros(len(planes), np.float32)


@pytest.mark.parametrize("gumbel", [False, True])
def test_go_does_not_pass_into_a_loss(gumbel):
    game = make_game("go:size=5,komi=7")
    behind = game.initial(1)  # empty board: Black to move is 7 behind; White's pass back ends it
    stones = np.zeros((5, 5), int)
    stones[:, :3] = 1  # three Black columns, the other two its territory: 25 - 0 - 7 > 0
    ahead = game.setup(stones, to_play=0)
    assert game.passing_loses(behind).tolist() == [True] and game.passing_loses(ahead).tolist() == [False]
    evaluator = PassLover(game.info.num_actions)
    for avoid, states, passes in ((False, behind, True), (True, behind, False), (True, ahead, True)):
        config = SearchConfig(num_simulations=8, gumbel=gumbel, avoid_losing_pass=avoid)
        _, result = search_once(game, states, config, evaluator)
        assert (text(game, states, result) == "pass") == passes, (avoid, passes)
        if not passes:  # the most visited other move
            other = result.visits[0, :-1]
            assert result.action[0] == np.argmax(other + 0.5 * result.policy[0, :-1])


def test_chess_mate_in_one():
    game = make_game("chess")
    states = game.from_fen("6k1/5ppp/8/8/8/8/5PPP/R5K1 w - - 0 1")
    search, result = search_once(game, states, SearchConfig(num_simulations=100))
    assert text(game, states, result) == "a1a8"
    assert search.leaf_mode == "push-pop"
    assert game.fen(states) == "6k1/5ppp/8/8/8/8/5PPP/R5K1 w - - 0 1", "the caller's state moved"


# -- batch independence, leaf building modes, reuse --------------------------------

def three_positions(spec, plies=(2, 5, 8), seed=3):
    game = make_game(spec)
    rng = np.random.default_rng(seed)
    states = game.initial(3)
    for step in range(max(plies)):
        mask = game.legal_mask(states)
        acts = [int(rng.choice(np.flatnonzero(m))) for m in mask]
        rows = [b for b in range(3) if step < plies[b]]
        sub = game.take(states, rows)
        game.apply(sub, [acts[b] for b in rows])
        game.assign(states, rows, sub)
    return game, states


@pytest.mark.parametrize("config", [
    SearchConfig(num_simulations=120),
    SearchConfig(num_simulations=120, leaves_per_tree=4),
    SearchConfig(num_simulations=64, gumbel=True, gumbel_scale=0.0),
], ids=["puct", "virtual-loss", "gumbel"])
@pytest.mark.parametrize("spec", ["gomoku:size=7,k=4", "go:size=7,komi=7"])
def test_batch_rows_are_independent(spec, config):
    game, states = three_positions(spec)
    ev = HashEvaluator(game.info.num_actions)
    _, together = search_once(game, states, config, ev, batch=3)
    for b in range(3):
        _, alone = search_once(game, game.take(states, [b]), config, ev)
        assert np.array_equal(alone.visits[0], together.visits[b])
        assert np.array_equal(alone.q[0], together.q[b])
        assert np.array_equal(alone.policy[0], together.policy[b])
        assert alone.action[0] == together.action[b] and alone.pv[0] == together.pv[b]


def test_state_store_and_path_replay_build_the_same_trees():
    game, states = three_positions("go:size=7,komi=7", seed=4)
    ev = HashEvaluator(game.info.num_actions)
    results = []
    for cache in (True, False):
        search = Search(game, ev, batch=3, config=SearchConfig(num_simulations=150, cache_states=cache))
        first = search.run(states)
        search.advance(first.action)
        moved = game.copy(states)
        game.apply(moved, first.action)
        results.append((first, search.run(moved), search.leaf_mode))
    (a1, a2, mode_a), (b1, b2, mode_b) = results
    assert (mode_a, mode_b) == ("cached", "replay")
    assert np.array_equal(a1.visits, b1.visits) and np.array_equal(a2.visits, b2.visits)
    assert np.array_equal(a2.q, b2.q)


def test_subtree_reuse_carries_visit_counts():
    game = make_game("gomoku:size=7,k=4")
    states = game.initial(1)
    game.apply(states, [24])
    search = Search(game, HashEvaluator(49), batch=1, config=SearchConfig(num_simulations=300))
    first = search.run(states)
    action = int(first.action[0])
    t = search.tree
    child = int(t.edge_child[0, np.flatnonzero(t.edge_action[0, :t.node_num_edges[0, ROOT]] == action)[0]])
    carried = int(t.node_visits[0, child])
    grand = {}
    start, count = t.node_first_edge[0, child], t.node_num_edges[0, child]
    for e in range(start, start + count):
        if t.edge_child[0, e] >= 0:
            grand[int(t.edge_action[0, e])] = int(t.node_visits[0, t.edge_child[0, e]])
    assert carried == first.visits[0, action] and sum(grand.values()) == carried - 1

    search.advance([action])
    game.apply(states, [action])
    assert search.tree.node_visits[0, ROOT] == carried
    assert search.tree.node_kind[0, ROOT] == KIND_EXPANDED
    second = search.run(states)
    assert second.simulations[0] == 300 and second.visits[0].sum() == 300
    for a, n in grand.items():
        assert second.visits[0, a] >= n
    # a move the tree never saw starts a fresh tree
    search.advance([int(np.flatnonzero(second.visits[0] == 0)[0])])
    assert not search._reusable[0]


def kept_root_children(search, b=0):
    t = search.tree
    first, k = int(t.node_first_edge[b, ROOT]), int(t.node_num_edges[b, ROOT])
    return {int(t.edge_action[b, e]): int(t.node_visits[b, t.edge_child[b, e]])
            for e in range(first, first + k) if t.edge_child[b, e] >= 0}


def test_gumbel_reuse_keeps_the_subtree_and_halves_a_fresh_budget():
    game = make_game("gomoku:size=7,k=4")
    states = game.initial(2)
    game.apply(states, [24, 10])
    cfg = SearchConfig(num_simulations=64, gumbel=True, gumbel_considered=8, seed=3)
    search = Search(game, HashEvaluator(49), batch=2, config=cfg)
    assert search.tree.max_nodes == 2 * 64 + 1  # room for a kept subtree plus a fresh budget
    first = search.run(states)
    actions = first.action.copy()
    search.advance(actions)
    game.apply(states, actions)
    kept = [kept_root_children(search, b) for b in range(2)]
    carried = search.tree.node_visits[:2, ROOT].copy()
    assert (carried == first.visits[np.arange(2), actions]).all() and carried.min() > 1
    second = search.run(states)
    # visits carried over, then exactly the budget on top
    np.testing.assert_array_equal(second.simulations, carried - 1 + 64)
    np.testing.assert_array_equal(second.visits.sum(axis=1), carried - 1 + 64)
    fresh_tree = Search(game, HashEvaluator(49), batch=2, config=cfg).run(states)
    for b in range(2):
        before = np.zeros(49, np.int64)
        for a, n in kept[b].items():
            before[a] = n
        gained = second.visits[b] - before
        assert (gained >= 0).all() and gained.sum() == 64
        # sequential halving ran on the fresh budget: the same visit schedule as a fresh tree
        assert sorted(gained[gained > 0]) == sorted(fresh_tree.visits[b][fresh_tree.visits[b] > 0])
        # the move is a survivor of the halving; the policy target is a distribution over legal moves
        assert gained[second.action[b]] == gained.max() and second.legal[b, second.action[b]]
        assert second.policy[b].sum() == pytest.approx(1.0, abs=1e-5)
        assert (second.policy[b] >= 0).all() and (second.policy[b][~second.legal[b]] == 0).all()


def test_gumbel_reuse_falls_back_to_a_fresh_tree_without_room():
    game = make_game("tictactoe")
    states = game.initial(1)
    small = Search(game, HashEvaluator(9), batch=1, config=SearchConfig(
        num_simulations=40, gumbel=True, reuse_tree=False)).bytes
    cfg = SearchConfig(num_simulations=40, gumbel=True, memory_budget=small + 64)
    search = Search(game, HashEvaluator(9), batch=1, config=cfg)
    assert search.tree.max_nodes == 41  # doubling the nodes did not fit the budget
    first = search.run(states)
    search.advance(first.action)
    assert not search._reusable[0]
    game.apply(states, first.action)
    assert search.run(states).simulations[0] == 40


def test_reuse_refuses_a_mismatched_root():
    game = make_game("tictactoe")
    states = game.initial(1)
    search = Search(game, HashEvaluator(9), batch=1, config=SearchConfig(num_simulations=50))
    first = search.run(states)
    search.advance(first.action)
    # the caller forgot to play the move: the kept root does not fit, the search starts over
    again = search.run(states)
    fresh = Search(game, HashEvaluator(9), batch=1, config=SearchConfig(num_simulations=50)).run(states)
    assert np.array_equal(again.visits, fresh.visits)


def test_dirichlet_noise_changes_root_priors_reproducibly():
    game = make_game("go:size=7,komi=7")
    states = game.initial(1)
    plain = search_once(game, states, SearchConfig(num_simulations=50))[1]
    noisy = [search_once(game, states, SearchConfig(num_simulations=50, root_noise=True, seed=s))[1]
             for s in (1, 1, 2)]
    assert np.allclose(plain.prior[0][plain.legal[0]], 1 / 50)
    assert not np.allclose(noisy[0].prior, plain.prior)
    assert np.array_equal(noisy[0].prior, noisy[1].prior) and not np.array_equal(noisy[0].prior, noisy[2].prior)
    assert noisy[0].prior.sum() == pytest.approx(1.0, abs=1e-5)
    # alpha = 10 / 50 legal moves = 0.2: at least a quarter of the mass moved
    assert np.abs(noisy[0].prior - plain.prior).sum() > 0.1


def test_temperature_samples_visited_moves():
    game = make_game("gomoku:size=7,k=4")
    states = game.initial(8)
    _, result = search_once(game, states, SearchConfig(num_simulations=60, temperature=1.0),
                            HashEvaluator(49), batch=8)
    assert (result.visits[np.arange(8), result.action] > 0).all()
    assert len(set(result.action.tolist())) > 1  # same position, different samples
    _, greedy = search_once(game, states, SearchConfig(num_simulations=60), HashEvaluator(49), batch=8)
    assert (greedy.action == greedy.visits.argmax(axis=1)).all()


def test_results_shapes_and_principal_variation():
    game = make_game("tictactoe")
    states = game.initial(2)
    _, result = search_once(game, states, SearchConfig(num_simulations=64), HashEvaluator(9), batch=2)
    assert result.visits.shape == (2, 9) and result.visits.dtype == np.int32
    assert result.q.dtype == np.float32 and result.root_value.shape == (2,)
    assert result.action.dtype == np.int64 and len(result.pv) == 2
    assert result.pv[0][0] == result.visits[0].argmax()
    assert np.array_equal(result.simulations, [64, 64])


def test_finished_games_are_refused():
    game = make_game("tictactoe")
    states = game.from_picture("X X X\nO O .\n. . .")
    with pytest.raises(ValueError, match="finished"):
        Search(game, UniformEvaluator(9), batch=1).run(states)
