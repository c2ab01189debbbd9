"""Player specs and our own players (random, search, ckpt): legal moves over whole games, clear errors."""

import numpy as np
import pytest

from arena.players import (KINDS, RandomPlayer, SearchPlayer, make_player, parse_player_spec,
                           search_config)
from games import make_game
from helpers import play_games


# -- spec parsing -----------------------------------------------------------------------------
@pytest.mark.parametrize("spec, expected", [
    ("random", ("random", {})),
    ("rollout", ("rollout", {})),
    ("rollout:200", ("rollout", {"playouts": 200})),
    ("rollout:playouts=50,c=0.7", ("rollout", {"playouts": 50, "c": 0.7})),
    ("search:sims=32,gumbel=1,evaluator=hash", ("search", {"sims": 32, "gumbel": True,
                                                           "evaluator": "hash"})),
    ("search:64", ("search", {"sims": 64})),
    ("ckpt:runs/a,b/step-100.ckpt,sims=8", ("ckpt", {"path": "runs/a,b/step-100.ckpt", "sims": 8})),
    ("ckpt:/x/y.ckpt", ("ckpt", {"path": "/x/y.ckpt"})),
    ("gtp:gnugo --mode gtp --level 1", ("gtp", {"command": "gnugo --mode gtp --level 1"})),
    ("gtp:pachi -t =2000,maximize_score;time=5", ("gtp", {"command": "pachi -t =2000,maximize_score",
                                                         "time": 5.0})),
    ("uci:stockfish;Skill Level=0;nodes=50", ("uci", {"command": "stockfish", "nodes": 50,
                                                      "setoption": {"Skill Level": "0"}})),
    ("gomocup:pbrain-x;max_memory=1000000", ("gomocup", {"command": "pbrain-x",
                                                         "max_memory": 1000000})),
])
def test_specs_parse(spec, expected):
    kind, options = parse_player_spec(spec)
    assert (kind, options) == (expected[0], expected[1])


@pytest.mark.parametrize("spec, words", [
    ("", ["empty player spec", "random |"]),
    ("alphago", ["unknown player kind 'alphago'", "random, rollout, search, ckpt, gtp, uci, gomocup"]),
    ("search:sims=abc", ["sims='abc'", "positive integer"]),
    ("search:sims=0", ["sims='0'", "positive integer"]),
    ("search:evaluator=net", ["evaluator='net'", "uniform or hash"]),
    ("search:simulations=5", ["unknown key 'simulations'", "sims (a positive integer)"]),
    ("rollout:playouts=10,depth=3", ["unknown key 'depth'", "rollout takes: playouts"]),
    ("rollout:fast", ["bad value playouts='fast'"]),
    ("random:seed=3", ["random takes no options"]),
    ("gtp:", ["needs a command", "gtp:COMMAND"]),
    ("gtp:gnugo;level=3", ["unknown key 'level'", "time (", "startup ("]),
    ("uci:stockfish;nodes=many", ["nodes='many'"]),
    ("gomocup:brain;rule", ["bad item 'rule'", "key=value"]),
    ("ckpt:", ["needs a checkpoint path"]),
    ("ckpt:a.ckpt,sims=-1", ["sims='-1'"]),
])
def test_spec_errors_name_the_problem(spec, words):
    with pytest.raises(ValueError) as err:
        parse_player_spec(spec)
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_every_kind_is_documented_in_the_errors():
    with pytest.raises(ValueError) as err:
        parse_player_spec("x:1")
    assert all(kind in str(err.value) for kind in KINDS)


def test_missing_engine_program_is_named():
    with pytest.raises(FileNotFoundError, match="no-such-engine-xyz"):
        make_player("gtp:no-such-engine-xyz --mode gtp", make_game("go9"))


def test_engine_for_the_wrong_game_is_refused():
    with pytest.raises(ValueError, match="plays go"):
        make_player("gtp:python3 -c pass", make_game("chess"))
    with pytest.raises(ValueError, match="five in a row"):
        make_player("gomocup:python3 -c pass", make_game("gomoku:size=9,k=4"))


# -- random and search players ----------------------------------------------------------------------
GAMES = ["tictactoe", "go:size=7", "chess:max_plies=60"]


@pytest.mark.parametrize("spec", GAMES)
def test_random_players_play_whole_games_legally(spec):
    game = make_game(spec)
    states, _, _ = play_games(game, ["random", "random"], 3, seed=4)
    assert game.terminal(states).all()


@pytest.mark.parametrize("spec", GAMES)
@pytest.mark.parametrize("player", ["search:sims=12", "search:sims=8,gumbel=1,evaluator=hash,considered=4"])
def test_search_players_play_whole_games_legally(spec, player):
    game = make_game(spec)
    states, _, _ = play_games(game, [player, "random"], 2, seed=1)
    assert game.terminal(states).all()


def test_random_player_is_seeded_and_uniform():
    game = make_game("tictactoe")
    a, b = make_player("random", game, seed=9), make_player("random", game, seed=9)
    states = game.initial(4)
    assert [c.action for c in a.choose(range(4), states)] == [c.action for c in b.choose(range(4), states)]
    counts = np.bincount([c.action for c in RandomPlayer("random", game, 0).choose(range(900),
                                                                                   game.initial(900))],
                         minlength=9)
    assert counts.min() > 60  # 100 expected per point


def test_search_player_wins_at_once_and_answers_as_its_search():
    from mcts import Search, UniformEvaluator

    game = make_game("tictactoe")
    state = game.from_picture("""
        . . .
        O O .
        X X .
    """)
    answers = []
    for _ in range(2):
        player = make_player("search:sims=100", game)
        player.start(game, 3)
        player.new_game(2, state)
        answers.append(player.choose([2], state)[0])
    assert answers[0].action == answers[1].action == game.text_to_action(state, "c1")
    assert answers[0].info["value"] > 0.5 and answers[0].info["visits"] > 50
    direct = Search(game, UniformEvaluator(9), 1, player.config).run(state)
    assert int(direct.action[0]) == answers[0].action
    assert answers[0].info["pv"] == direct.pv[0]


def test_search_player_exposes_search_config_evaluator_and_reuses_trees():
    game = make_game("tictactoe")
    player = make_player("search:sims=40,seed=3", game)
    assert isinstance(player, SearchPlayer)
    assert player.config.num_simulations == 40 and player.config.seed == 3
    assert player.config.root_noise is False and player.config.temperature == 0.0
    player.start(game, 2)
    assert player.search.batch == 2 and player.search.evaluator is player.evaluator
    states = game.initial(2)
    for slot in range(2):
        player.new_game(slot, game.take(states, [slot]))
    first = player.choose([1], game.take(states, [1]))[0]
    row = game.take(states, [1])
    game.apply(row, [first.action])
    player.moved(1, first.action)
    reply = game.legal_actions(row)[0]
    game.apply(row, [reply])
    player.moved(1, reply)
    result = player.search.run(row, rows=[1], simulations=1)
    assert result.simulations[0] > 1  # the subtree under the two moves was kept
    player.new_game(1, game.take(states, [1]))
    fresh = player.search.run(game.take(states, [1]), rows=[1], simulations=1)
    assert fresh.simulations[0] == 1


def test_search_config_defaults_then_header_then_spec():
    config = search_config({"sims": 5}, {"num_simulations": 64, "gumbel": True, "c_init": 2.0,
                                         "root_noise": True, "not_a_field": 1})
    assert (config.num_simulations, config.gumbel, config.c_init) == (5, True, 2.0)
    assert config.root_noise is False and config.gumbel_scale == 0.0


# -- checkpoint players -----------------------------------------------------------------------------------
def test_checkpoint_player_uses_the_header_and_checks_the_game(tmp_path):
    checkpoint = pytest.importorskip("engine.checkpoint", reason="engine.checkpoint not available")
    network = pytest.importorskip("engine.network", reason="engine.network not available")
    game = make_game("tictactoe")
    net = network.PolicyValueNet(game.info, network.default_net_config(game.info.spec))
    path = tmp_path / "net,1.ckpt"
    checkpoint.save_checkpoint(path, net, {"step": 3, "search": {"num_simulations": 24,
                                                                  "c_init": 1.5}})
    player = make_player(f"ckpt:{path},device=cpu", game)
    assert player.config.num_simulations == 24 and player.config.c_init == 1.5
    player = make_player(f"ckpt:{path},sims=6,device=cpu", game)
    assert player.config.num_simulations == 6
    states, _, _ = play_games(game, [f"ckpt:{path},sims=6,device=cpu", "random"], 2)
    assert game.terminal(states).all()
    with pytest.raises(ValueError, match="plays 'gomoku:size=3.*but this match is 'go:size=7"):
        make_player(f"ckpt:{path}", make_game("go:size=7"))
    with pytest.raises(ValueError, match="missing.ckpt"):
        make_player(f"ckpt:{tmp_path / 'missing.ckpt'}", game)
