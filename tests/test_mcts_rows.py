"""Searching some trees of a batch (``rows=``), stopping early, budgets and progress reports.

The arena and the front ends rely on these: a player's games reach their turn
at different times, and a GTP/UCI search must stop when told.
"""

import threading
import time

import numpy as np
import pytest

from games import make_game
from mcts import HashEvaluator, Search, SearchConfig


def positions(game, moves_per_row):
    """One state per move list (B = 1 each), and all of them as one batch."""
    singles = []
    for moves in moves_per_row:
        s = game.initial(1)
        for m in moves:
            game.apply(s, [m])
        singles.append(s)
    batch = game.take(singles[0], np.zeros(len(singles), np.int64))
    for i, s in enumerate(singles):
        game.assign(batch, [i], s, [0])
    return singles, batch


@pytest.mark.parametrize("spec, gumbel", [("tictactoe", False), ("tictactoe", True),
                                          ("gomoku:size=7,k=4", False), ("chess", False)])
def test_rows_give_what_each_position_gives_alone(spec, gumbel):
    game = make_game(spec)
    if spec == "chess":
        lines = [[], [game.text_to_action(game.initial(1), "e4")]]
        singles, _ = positions(game, lines[:1])
        s2 = game.initial(1)
        game.apply(s2, lines[1])
        singles.append(s2)
    else:
        singles, _ = positions(game, [[], [4], [0, 8]] if spec == "tictactoe" else [[], [24], [24, 25]])
    cfg = SearchConfig(num_simulations=60, gumbel=gumbel, gumbel_scale=0.0)
    ev = HashEvaluator(game.info.num_actions, seed=3)
    alone = [Search(game, ev, batch=1, config=cfg).run(s) for s in singles]
    shared = Search(game, ev, batch=len(singles) + 2, config=cfg)
    order = list(range(len(singles)))[::-1]
    for i in order:  # one row at a time, in trees other than the position's index
        r = shared.run(singles[i], rows=[i + 2])
        np.testing.assert_array_equal(r.visits[0], alone[i].visits[0])
        np.testing.assert_allclose(r.policy[0], alone[i].policy[0], rtol=1e-6)
        assert r.action[0] == alone[i].action[0]
        assert r.pv[0] == alone[i].pv[0]


def test_rows_leave_other_trees_alone_and_reuse_works_per_row():
    game = make_game("gomoku:size=7,k=4")
    singles, batch = positions(game, [[], [24]])
    cfg = SearchConfig(num_simulations=100)
    ev = HashEvaluator(game.info.num_actions, seed=1)
    search = Search(game, ev, batch=2, config=cfg)
    both = search.run(batch)
    kept_visits = search.tree.node_visits[1].copy()
    a = int(both.action[0])
    search.advance([a], rows=[0])
    game.apply(singles[0], [a])
    again = search.run(singles[0], rows=[0])
    assert again.simulations[0] == 100
    np.testing.assert_array_equal(search.tree.node_visits[1], kept_visits)
    # tree 1 was never advanced: searching it again reuses its whole tree (no new simulations)
    before = search.leaves_evaluated
    r1 = search.run(singles[1], rows=[1])
    assert search.leaves_evaluated == before
    np.testing.assert_array_equal(r1.visits[0], both.visits[1])


def test_bad_rows_are_refused():
    game = make_game("tictactoe")
    search = Search(game, HashEvaluator(9), batch=2, config=SearchConfig(num_simulations=8))
    with pytest.raises(ValueError, match="rows must lie"):
        search.run(game.initial(1), rows=[2])
    with pytest.raises(ValueError, match="distinct"):
        search.run(game.initial(2), rows=[1, 1])
    with pytest.raises(ValueError, match="positions for"):
        search.run(game.initial(2), rows=[1])
    with pytest.raises(ValueError, match="simulations"):
        search.run(game.initial(2), simulations=9)


def test_simulations_lowers_the_budget():
    game = make_game("gomoku:size=7,k=4")
    search = Search(game, HashEvaluator(49), batch=1, config=SearchConfig(num_simulations=200))
    r = search.run(game.initial(1), simulations=30)
    assert r.simulations[0] == 30 and r.visits.sum() == 30


def test_gumbel_budget_below_capacity_keeps_its_halving_schedule():
    game = make_game("gomoku:size=7,k=4")
    cfg = SearchConfig(num_simulations=200, gumbel=True, gumbel_scale=0.0)
    small = Search(game, HashEvaluator(49), batch=1, config=SearchConfig(
        num_simulations=32, gumbel=True, gumbel_scale=0.0)).run(game.initial(1))
    big = Search(game, HashEvaluator(49), batch=1, config=cfg).run(game.initial(1), simulations=32)
    np.testing.assert_array_equal(small.visits, big.visits)


def test_a_set_stop_event_ends_after_the_root_is_evaluated():
    game = make_game("go:size=9")
    stop = threading.Event()
    stop.set()
    search = Search(game, HashEvaluator(82), batch=1, config=SearchConfig(num_simulations=5000))
    r = search.run(game.initial(1), stop=stop)
    assert r.simulations[0] < 5
    assert r.legal[0, r.action[0]]


def test_stop_from_another_thread_and_deadline():
    game = make_game("go:size=9")
    search = Search(game, HashEvaluator(82), batch=1, config=SearchConfig(num_simulations=50_000))
    stop = threading.Event()
    timer = threading.Timer(0.3, stop.set)
    timer.start()
    t0 = time.monotonic()
    r = search.run(game.initial(1), stop=stop)
    assert time.monotonic() - t0 < 20 and r.simulations[0] < 50_000
    search.reset()
    t0 = time.monotonic()
    r = search.run(game.initial(1), deadline=time.monotonic() + 0.3)
    assert time.monotonic() - t0 < 20 and 0 < r.simulations[0] < 50_000


def test_progress_reports_growing_statistics():
    game = make_game("gomoku:size=7,k=4")
    seen = []
    search = Search(game, HashEvaluator(49), batch=1, config=SearchConfig(num_simulations=3000))
    final = search.run(game.initial(1), on_progress=lambda r: seen.append(int(r.simulations[0])),
                       progress_interval=0.0)
    assert len(seen) >= 10 and seen == sorted(seen) and seen[-1] <= final.simulations[0]
