"""Search kernels against numbers worked out by hand, the memory budget, the evaluators."""

import math

import numpy as np
import pytest

from mcts import HashEvaluator, Search, SearchConfig, TreeBudgetError, UniformEvaluator, check_agreement
from mcts import kernels, tree as tree_mod
from mcts.root import considered_visits_table
from mcts.tree import KIND_EXPANDED, NO_NODE, ROOT, UNEXPANDED


def hand_tree():
    """One tree: a root (player 0 to move, 10 visits) with three edges.

    ========  =====  =============  ==============  ======================
    action    prior  child visits   child value     Q (root player's view)
    ========  =====  =============  ==============  ======================
    3         0.5    6              1.8             0.3
    5         0.3    3              1.5             0.5
    7         0.2    (no child)     -               FPU
    ========  =====  =============  ==============  ======================

    The root's value sum is -2.0 from its mover's view, i.e. Q(root) = +0.2 for
    the player to move there.
    """
    t = tree_mod.allocate(1, 4, 8)
    tree_mod.reset_rows(t, np.array([0]), np.array([0]))
    t.node_kind[0, ROOT] = KIND_EXPANDED
    t.node_visits[0, ROOT], t.node_value_sum[0, ROOT] = 10, -2.0
    t.node_first_edge[0, ROOT], t.node_num_edges[0, ROOT] = 0, 3
    t.edge_action[0, :3] = [3, 5, 7]
    t.edge_prior[0, :3] = [0.5, 0.3, 0.2]
    t.edge_child[0, :3] = [1, 2, UNEXPANDED]
    for node, visits, value in ((1, 6, 1.8), (2, 3, 1.5)):
        t.node_parent[0, node], t.node_to_play[0, node] = ROOT, 1
        t.node_visits[0, node], t.node_value_sum[0, node] = visits, value
        t.node_kind[0, node] = KIND_EXPANDED
    t.num_nodes[0], t.num_edges[0] = 3, 3
    return t


def puct_pick(t, fpu_reduction, full_scan=True):
    return kernels.select_puct(
        ROOT, t.node_visits[0], t.node_virtual[0], t.node_value_sum[0], t.node_parent[0],
        t.node_to_play[0], t.node_first_edge[0], t.node_num_edges[0], t.edge_action[0],
        t.edge_prior[0], t.edge_child[0], 1.25, 19652.0, fpu_reduction, 1.0, full_scan)


def test_puct_matches_hand_computation():
    # c(s) = 1.25 + log((1 + 10 + 19652) / 19652) = 1.25 + log(1.00055968) = 1.2505596
    assert kernels.puct_c(10.0, 1.25, 19652.0) == pytest.approx(1.2505596, abs=1e-7)
    # sqrt(10) = 3.1622777; c * sqrt(10) = 3.9546032
    # action 3: 0.3 + 3.9546032 * 0.5 / 7 = 0.3 + 0.2824717 = 0.5824717
    # action 5: 0.5 + 3.9546032 * 0.3 / 4 = 0.5 + 0.2965952 = 0.7965952  <- best
    # action 7: FPU 0.2 - 0.25 = -0.05;  -0.05 + 3.9546032 * 0.2 = 0.7409206
    t = hand_tree()
    assert t.edge_action[0, puct_pick(t, 0.25)] == 5
    # without the FPU reduction action 7 scores 0.2 + 0.7909206 = 0.9909206 and wins
    assert t.edge_action[0, puct_pick(t, 0.0)] == 7


def test_virtual_loss_turns_puct_away():
    # one pending descent through action 5: Q = (1.5 - 1) / 4 = 0.125, N = 4, parent N = 11
    # c = 1.2506105, sqrt(11) = 3.3166248: action 5 scores 0.125 + 4.1477 * 0.3 / 5 = 0.374;
    # action 3 scores 0.3 + 4.1477 * 0.5 / 7 = 0.596; action 7 -0.05 + 4.1477 * 0.2 = 0.780
    t = hand_tree()
    t.node_virtual[0, ROOT] = t.node_virtual[0, 2] = 1
    assert t.edge_action[0, puct_pick(t, 0.25)] == 7


def test_ties_go_to_the_lowest_action():
    t = hand_tree()
    t.edge_action[0, :3] = [9, 4, 6]
    t.edge_prior[0, :3] = 1 / 3
    t.edge_child[0, :3] = UNEXPANDED
    assert t.edge_action[0, puct_pick(t, 0.25)] == 4


def completed(rescale):
    visits = np.array([2.0, 0.0, 1.0])
    q = np.array([0.5, 0.0, -0.4])
    prior = np.array([0.5, 0.3, 0.2])
    out = np.zeros(3)
    kernels.completed_q(visits, q, prior, 0.1, rescale, out)
    return out


def test_completed_q_matches_hand_computation():
    # visited: actions 0 (P 0.5, q 0.5) and 2 (P 0.2, q -0.4); sum N = 3, sum P = 0.7
    # sum P q = 0.25 - 0.08 = 0.17 -> 0.17 / 0.7 = 0.2428571
    # v_mix = (0.1 + 3 * 0.2428571) / (1 + 3) = 0.8285714 / 4 = 0.2071429
    assert completed(False) == pytest.approx([0.5, 0.2071429, -0.4], abs=1e-7)
    # min-max rescaled over [-0.4, 0.5]: (q + 0.4) / 0.9
    assert completed(True) == pytest.approx([1.0, 0.6746032, 0.0], abs=1e-7)
    # sigma scale (c_visit + max N) * c_scale = (50 + 2) * 0.1 = 5.2
    assert kernels.sigma_scale(np.array([2.0, 0.0, 1.0]), 50.0, 0.1) == pytest.approx(5.2)


def gumbel_tree():
    """A node with the numbers of test_completed_q: raw value 0.1, children visits 2, 0, 1."""
    t = tree_mod.allocate(1, 4, 8)
    tree_mod.reset_rows(t, np.array([0]), np.array([0]))
    t.node_kind[0, ROOT] = KIND_EXPANDED
    t.node_visits[0, ROOT], t.node_raw_value[0, ROOT] = 4, 0.1
    t.node_first_edge[0, ROOT], t.node_num_edges[0, ROOT] = 0, 3
    t.edge_action[0, :3] = [0, 1, 2]
    t.edge_prior[0, :3] = [0.5, 0.3, 0.2]
    t.edge_child[0, :3] = [1, UNEXPANDED, 2]
    for node, visits, value in ((1, 2, 1.0), (2, 1, -0.4)):
        t.node_parent[0, node], t.node_to_play[0, node] = ROOT, 1
        t.node_visits[0, node], t.node_value_sum[0, node] = visits, value
    t.num_nodes[0], t.num_edges[0] = 3, 3
    return t


def test_gumbel_improved_policy_and_interior_choice_match_hand_computation():
    # logits + sigma: log 0.5 + 5.2 * 1 = 4.5068528; log 0.3 + 5.2 * 0.6746032 = 2.3039637;
    # log 0.2 + 0 = -1.6094379. softmax: exp(0), exp(-2.2028891) = 0.1104826,
    # exp(-6.1162907) = 0.0022045; sum 1.1126871 -> [0.8987228, 0.0992940, 0.0019831]
    t = gumbel_tree()
    policy = np.zeros((1, 3), np.float32)
    action = np.zeros(1, np.int64)
    params = np.array([1.25, 19652.0, 0.25, 1.0, 50.0, 0.1, 1.0])
    scratch = np.zeros((5, 3))
    kernels.gumbel_results(t.node_visits, t.node_virtual, t.node_value_sum, t.node_raw_value,
                           t.node_parent, t.node_action, t.node_first_edge, t.node_num_edges,
                           t.node_to_play, t.node_kind, t.edge_action, t.edge_prior, t.edge_child,
                           np.zeros((1, 3), np.float32), np.zeros((1, 3), np.int32), params,
                           scratch, policy, action)
    assert policy[0] == pytest.approx([0.8987228, 0.0992940, 0.0019831], abs=1e-6)
    assert action[0] == 0  # the most visited action survives sequential halving
    # interior: pi' - N / (1 + sum N) = [0.8987 - 2/4, 0.0993 - 0, 0.0020 - 1/4] -> action 0
    e = kernels.select_gumbel_interior(ROOT, t.node_visits[0], t.node_virtual[0],
                                       t.node_value_sum[0], t.node_raw_value[0],
                                       t.node_first_edge[0], t.node_num_edges[0],
                                       t.edge_action[0], t.edge_prior[0], t.edge_child[0],
                                       50.0, 0.1, True, 1.0, scratch)
    assert t.edge_action[0, e] == 0
    # with a tenth of the visit weight the unvisited action's share wins: make action 0 heavily
    # visited so that its share minus 20/22 falls below the unvisited share
    t.node_visits[0, 1], t.node_value_sum[0, 1] = 20, 10.0
    e = kernels.select_gumbel_interior(ROOT, t.node_visits[0], t.node_virtual[0],
                                       t.node_value_sum[0], t.node_raw_value[0],
                                       t.node_first_edge[0], t.node_num_edges[0],
                                       t.edge_action[0], t.edge_prior[0], t.edge_child[0],
                                       50.0, 0.1, True, 1.0, scratch)
    assert t.edge_action[0, e] == 1


def test_sequential_halving_schedule():
    # 4 actions, 16 simulations: two phases; 16 / (2 * 4) = 2 visits each, then
    # 16 / (2 * 2) = 4 more for the best two
    table = considered_visits_table(4, 16)
    assert table[4].tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert table[1].tolist() == list(range(16))
    # 16 actions, 64 sims: 4 phases of 64 / (4 * 16) = 1, 64 / (4 * 8) = 2, then 4 and 8 rounds
    row = considered_visits_table(16, 64)[16]
    assert row[:16].tolist() == [0] * 16 and row[16:32].tolist() == [1] * 8 + [2] * 8


def test_expand_softmax_over_legal_moves_only_and_backup_signs():
    t = tree_mod.allocate(1, 4, 8)
    tree_mod.reset_rows(t, np.array([0]), np.array([0]))
    t.node_kind[0, ROOT] = 1  # pending, as select leaves it
    t.node_virtual[0, ROOT] = 1
    legal = np.array([[True, False, True, True]])
    logits = np.array([[0.0, 50.0, math.log(2.0), math.log(3.0)]], np.float32)
    one = np.zeros(1, np.int64)
    kernels.expand_and_backup(
        t.node_visits, t.node_virtual, t.node_value_sum, t.node_raw_value, t.node_parent,
        t.node_first_edge, t.node_num_edges, t.node_to_play, t.node_kind, t.edge_action,
        t.edge_prior, t.edge_child, t.num_edges, one, one, one, one, np.zeros(1, np.int8),
        np.zeros(1, np.bool_), np.zeros(1, np.float32), legal, logits,
        np.array([0.6], np.float32), np.zeros(4))
    k = t.node_num_edges[0, ROOT]
    priors = dict(zip(t.edge_action[0, :k].tolist(), t.edge_prior[0, :k].tolist()))
    # the illegal action 1 gets nothing despite its logit; 1 : 2 : 3 among the rest
    assert priors == pytest.approx({0: 1 / 6, 2: 2 / 6, 3: 3 / 6})
    assert t.edge_action[0, 0] == 3  # the best prior leads the edge range
    # value 0.6 for the player to move at the root is -0.6 for the root's mover
    assert t.node_visits[0, ROOT] == 1 and t.node_value_sum[0, ROOT] == pytest.approx(-0.6)
    assert t.node_virtual[0, ROOT] == 0 and t.node_parent[0, ROOT] == NO_NODE


def test_memory_budget_refuses_with_a_clear_message():
    from games import make_game

    game = make_game("gomoku15")
    with pytest.raises(TreeBudgetError) as err:
        Search(game, UniformEvaluator(225), batch=4096,
               config=SearchConfig(num_simulations=1600, memory_budget=1 << 30))
    text = str(err.value)
    assert "gomoku:size=15" in text and "B=4096" in text and "1601 nodes" in text
    assert "GiB" in text and "budget of 1.00 GiB" in text
    # the same configuration fits a bigger budget without allocating anything up front
    needed = tree_mod.tree_bytes(4096, 1601, 1601 * 225)
    assert needed > 1 << 30


def test_tree_bytes_are_as_documented():
    assert tree_mod.NODE_BYTES == 38 and tree_mod.EDGE_BYTES == 12
    t = tree_mod.allocate(2, 11, 30)
    assert t.nbytes == tree_mod.tree_bytes(2, 11, 30)


def test_hash_evaluator_is_deterministic_per_row():
    rng = np.random.default_rng(0)
    planes = (rng.random((5, 3, 4, 4)) < 0.3).astype(np.float32)
    ev = HashEvaluator(16)
    logits, values = ev(planes)
    again_logits, again_values = ev(planes[[3, 1]])
    assert np.array_equal(again_logits, logits[[3, 1]]) and np.array_equal(again_values, values[[3, 1]])
    assert logits.dtype == np.float32 and values.dtype == np.float32
    assert np.abs(values).max() < 1 and len(set(values.tolist())) == 5
    assert not np.array_equal(HashEvaluator(16, seed=1)(planes)[0], logits)
    uniform_logits, uniform_values = UniformEvaluator(16)(planes)
    assert not uniform_logits.any() and not uniform_values.any() and uniform_logits.shape == (5, 16)


class Perturbed:
    """An evaluator's copy whose output for one row is nudged: the logit of one action, or the value."""

    def __init__(self, inner, row, logit=None, value=0.0, delta=1e-3):
        self.inner, self.row, self.logit, self.value, self.delta = inner, row, logit, value, delta

    def __call__(self, planes):
        logits, values = self.inner(planes)
        logits, values = logits.copy(), values.copy()
        if self.logit is not None:
            logits[self.row, self.logit] += self.delta
        else:
            values[self.row] += self.delta
        return logits, values


def test_check_agreement_names_the_first_disagreeing_row():
    planes = (np.random.default_rng(1).random((6, 3, 4, 4)) < 0.3).astype(np.float32)
    ev = HashEvaluator(16)
    check_agreement(ev, ev, planes, atol=0.0)
    check_agreement(ev, Perturbed(ev, row=2, logit=5, delta=1e-4), planes, atol=1e-3)
    with pytest.raises(AssertionError, match=r"row 2 of 6: logits differ by 0\.0(1|09)"):
        check_agreement(ev, Perturbed(ev, row=2, logit=5, delta=0.01), planes, atol=1e-3)
    with pytest.raises(AssertionError, match=r"row 4 of 6: values"):
        check_agreement(Perturbed(ev, row=4, delta=-0.5), ev, planes, atol=1e-3)
    nan = Perturbed(ev, row=0, logit=0, delta=np.nan)
    with pytest.raises(AssertionError, match=r"row 0 of 6: logits"):
        check_agreement(ev, nan, planes, atol=1.0)
    with pytest.raises(AssertionError, match="shape of logits"):
        check_agreement(ev, HashEvaluator(9), planes, atol=1.0)
