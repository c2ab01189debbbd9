"""The self-play worker: consistent records, a full batch, one evaluator call per step, resignation."""

from __future__ import annotations

import numpy as np
import pytest

from games import make_game
from mcts import HashEvaluator, UniformEvaluator
from selfplay.worker import SelfPlayConfig, SelfPlayWorker


class CountingEvaluator:
    """Wraps an evaluator and records the batch size of every call."""

    def __init__(self, inner):
        self.inner = inner
        self.sizes: list[int] = []

    def __call__(self, planes):
        self.sizes.append(len(planes))
        return self.inner(planes)


def _check_record(game, rec):
    """Replay ``rec``'s moves: planes, legality, policy support and value targets must agree."""
    states = game.initial(1)
    for action in rec.meta.get("opening", []):  # random opening moves: not training positions
        assert not game.terminal(states)[0]
        game.apply(states, [int(action)])
    assert rec.num_positions == len(rec.moves) == len(rec.policy) == len(rec.planes) > 0
    for t, action in enumerate(rec.moves):
        assert not game.terminal(states)[0]
        legal = game.legal_mask(states)[0]
        np.testing.assert_array_equal(rec.planes[t], game.encode(states)[0])
        assert rec.movers[t] == game.to_play(states)[0]
        assert legal[action]
        assert rec.policy[t][~legal].sum() == 0
        assert abs(rec.policy[t].sum() - 1) < 1e-5
        game.apply(states, [int(action)])
    if rec.meta["resigned"]:
        assert rec.winner == 1 - game.to_play(states)[0]
    else:
        assert game.terminal(states)[0]
        assert rec.winner == game.result(states).winner
    values = rec.values
    if rec.winner is None:
        assert (values == 0).all()
    else:  # alternate with the mover; +1 exactly where the winner moved
        np.testing.assert_array_equal(values, np.where(rec.movers == rec.winner, 1, -1))
        assert (values[1:] == -values[:-1]).all()


@pytest.mark.parametrize("gumbel", [True, False])
def test_records_are_consistent_and_batch_stays_full(gumbel):
    game = make_game("tictactoe")
    ev = CountingEvaluator(HashEvaluator(9))
    cfg = SelfPlayConfig(batch=6, simulations=12, gumbel=gumbel, temperature_plies=3)
    worker = SelfPlayWorker(game, ev, cfg, seed=5)
    records = []
    for _ in range(30):
        assert game.batch_size(worker.states) == 6
        assert not game.terminal(worker.states).any()  # finished games were replaced
        records += worker.step()
    assert len(records) > 12  # every row finished several games (tic-tac-toe lasts <= 9 plies)
    for rec in records:
        _check_record(game, rec)
        assert rec.record.startswith("(;FF[4]")  # an SGF record for people
    st = worker.stats
    assert st.games == len(records) and st.positions == sum(r.num_positions for r in records)
    assert st.moves == 30
    # at most one evaluator call per search step (none when every leaf is terminal), <= B leaves
    assert worker.search.steps * 0.9 <= len(ev.sizes) <= worker.search.steps
    assert max(ev.sizes) == 6
    # not all games identical (Gumbel noise / temperature sampling)
    assert len({tuple(r.moves) for r in records}) > 3


def test_random_openings_start_games_from_random_positions():
    """A share of games opens with 1..k random moves that are not recorded and never end the game."""
    game = make_game("tictactoe")
    cfg = SelfPlayConfig(batch=8, simulations=8, random_opening_fraction=0.5, random_opening_plies=8)
    worker = SelfPlayWorker(game, HashEvaluator(9), cfg, seed=3)
    records = [r for _ in range(40) for r in worker.step()]
    openings = [r.meta["opening"] for r in records]
    opened = [o for o in openings if o]
    assert 0.3 < len(opened) / len(records) < 0.7
    assert max(map(len, opened)) >= 5 and min(map(len, opened)) == 1
    for rec in records:
        _check_record(game, rec)  # replays the opening, then checks every recorded position
        assert len(rec.meta["opening"]) + rec.num_positions <= 9
        assert rec.record.count(";B[") + rec.record.count(";W[") == len(rec.meta["opening"]) + len(rec.moves)
    # off by default: every game starts from the empty board
    worker = SelfPlayWorker(game, HashEvaluator(9), SelfPlayConfig(batch=4, simulations=8), seed=3)
    assert all(not r.meta["opening"] for _ in range(20) for r in worker.step())


def test_resignation_and_false_resign_accounting():
    game = make_game("tictactoe")
    # threshold above any value: every game's mover resigns at ply 2 (player 0 to move)
    cfg = SelfPlayConfig(batch=4, simulations=8, resign_threshold=1.5, resign_min_ply=2,
                         no_resign_fraction=0.0, resign_max_false_rate=1.0)
    worker = SelfPlayWorker(game, UniformEvaluator(9), cfg, seed=0)
    records = [r for _ in range(3) for r in worker.step()]
    assert len(records) == 4
    for rec in records:
        assert rec.meta["resigned"] and rec.num_positions == 2 and rec.winner == 1
        np.testing.assert_array_equal(rec.values, [-1, 1])
        assert "W+R" in rec.record
        _check_record(game, rec)
    assert worker.stats.resigns == 4
    # no-resign games only note the moment; a would-be resigner that does not lose is a false resign
    cfg = SelfPlayConfig(batch=8, simulations=8, resign_threshold=1.5, resign_min_ply=0,
                         no_resign_fraction=1.0, resign_max_false_rate=1.0)
    worker = SelfPlayWorker(game, UniformEvaluator(9), cfg, seed=0)
    records = [r for _ in range(20) for r in worker.step()]
    st = worker.stats
    assert st.resigns == 0 and st.no_resign_games == st.would_resign == len(records) > 0
    # player 0 is the would-be resigner at ply 0 of every game: false unless player 1 won
    false = sum(r.winner != 1 for r in records)
    assert 0 < false < len(records)  # both kinds occur, so a flipped count would differ
    assert st.false_resigns == false and st.false_resign_rate == pytest.approx(false / len(records))
    assert all(r.meta["would_resign"] == [0, 0] for r in records)


def test_resignation_stays_off_while_false_resigns_are_frequent():
    game = make_game("tictactoe")
    # everyone "would resign" at ply 0, but player 0 rarely loses tic-tac-toe with a uniform search
    cfg = SelfPlayConfig(batch=8, simulations=8, resign_threshold=1.5, resign_min_ply=0,
                         no_resign_fraction=0.0, resign_max_false_rate=0.05)
    worker = SelfPlayWorker(game, UniformEvaluator(9), cfg, seed=0)
    records = [r for _ in range(40) for r in worker.step()]
    st = worker.stats
    assert len(records) >= 20 and st.resigns == 0 and not worker.resign_on
    assert st.would_resign == len(records) and st.false_resign_rate > 0.05
    assert st.false_resigns == sum(r.winner != 1 for r in records)


def test_capped_chess_games_are_adjudicated_by_material_when_asked():
    class QueenUp(type(make_game("chess"))):  # White keeps an extra queen for the 2 plies played
        def initial(self, batch=1):
            return self.from_fen("4k3/8/8/8/8/8/8/Q3K3 w - - 0 1", batch)

    game = QueenUp()
    for adjudicate, winner in ((True, 0), (False, None)):
        cfg = SelfPlayConfig(batch=2, simulations=4, max_moves=2, adjudicate_capped=adjudicate)
        worker = SelfPlayWorker(game, UniformEvaluator(game.info.num_actions), cfg)
        records = worker.step() + worker.step()
        assert len(records) == 2
        for rec in records:
            assert rec.winner == winner and rec.meta["reason"].startswith("max moves (adjudicated")
            np.testing.assert_array_equal(rec.values, [0, 0] if winner is None else [1, -1])


def test_max_moves_adjudicates_a_draw():
    game = make_game("tictactoe")
    worker = SelfPlayWorker(game, UniformEvaluator(9), SelfPlayConfig(batch=3, simulations=4, max_moves=2))
    records = worker.step() + worker.step()
    assert len(records) == 3
    for rec in records:
        assert rec.num_positions == 2 and rec.winner is None and (rec.values == 0).all()
        assert rec.meta["reason"].startswith("max moves")


def test_selfplay_passes_as_the_search_says():
    """Leela Zero's self-play rule: no score-counting help with passes (play turns it on)."""
    from mcts import SearchConfig
    assert SearchConfig().avoid_losing_pass
    assert not SelfPlayConfig().search_config(0).avoid_losing_pass
    worker = SelfPlayWorker(make_game("go:size=5"), UniformEvaluator(26), SelfPlayConfig(batch=2, simulations=4))
    assert not worker.search.config.avoid_losing_pass
