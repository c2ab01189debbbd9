"""Learning, not just running: a short tic-tac-toe training must play far better, checked by minimax.

The cut-down CI version of the issue's benchmark (``python -m selfplay.tictactoe_check RUN``
after ``tabula train tictactoe --minutes 3``): the real components (SelfPlayWorker
with tic-tac-toe's default self-play config, the replay store and its window,
the Trainer with the game's train config) in one process, alternating self-play
and training on a fixed budget so the result does not depend on the machine's
speed. One torch thread and seeded generators make it deterministic on a given
torch build; the thresholds leave wide margins for other builds (see the figures
in ``test_short_training_learns_tictactoe``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from engine.inference import TorchEvaluator, configure_cpu_threads
from engine.network import NetConfig, PolicyValueNet, default_net_config
from games import make_game
from selfplay.config import PipelineConfig, build, game_defaults
from selfplay.shards import ReplayStore, window_size
from selfplay.tictactoe_check import check
from selfplay.trainer import TrainConfig, Trainer
from selfplay.worker import SelfPlayConfig, SelfPlayWorker

ROUNDS = 24
"""Self-play/training rounds of the short run."""
MOVES_PER_ROUND = 4
"""Lockstep self-play moves per round (each moves all 128 games of the batch)."""
SAMPLES_PER_POSITION = 4.0
"""Training samples per new position (what a 2-core ``tabula train`` run reaches)."""
EVAL_SIMS = 16
"""tic-tac-toe's arena simulation count (``game_defaults``)."""


def train_in_process(run_dir: Path, seed: int, rounds: int = ROUNDS) -> tuple[PolicyValueNet, dict[str, Any]]:
    """A short tic-tac-toe training with the game's default configs; returns the net and counters."""
    configure_cpu_threads(1)
    torch.manual_seed(seed)
    game = make_game("tictactoe")
    defaults = game_defaults("tictactoe")
    sp = build(SelfPlayConfig, defaults["selfplay"])
    tc = build(TrainConfig, {**defaults["train"], "seed": seed})
    pc = build(PipelineConfig, defaults["pipeline"])
    net = PolicyValueNet(game.info, default_net_config("tictactoe"))
    trainer = Trainer(net, game, tc, "cpu")
    worker = SelfPlayWorker(game, TorchEvaluator(net, "cpu"), sp, seed=seed)
    store = ReplayStore(run_dir)
    rng = np.random.default_rng(seed)
    for _ in range(rounds):
        for _ in range(MOVES_PER_ROUND):
            for record in worker.step():
                store.add_game(record)
        store.scan()
        positions = store.num_positions
        if positions < pc.min_positions:
            continue
        while trainer.step * tc.batch_size < SAMPLES_PER_POSITION * positions:
            trainer.train_step(*store.sample(tc.batch_size, window_size(positions, pc.window_base), rng))
        worker.set_evaluator(TorchEvaluator(net, "cpu"), trainer.step)
    return net, {"steps": trainer.step, "positions": store.num_positions, "games": store.num_games}


def test_short_training_learns_tictactoe(tmp_path: Path) -> None:
    """Trained: no loss from the empty board in either colour, and few value-changing moves.

    Measured on a 2-core dev machine (~52-59 s of training, ~65-75 s in all):

    ====  =====================  =================================  ======================
    seed  untrained: wrong moves  trained: wrong moves (raw policy)  trained vs minimax tree
    ====  =====================  =================================  ======================
    0     567                     31 (105)                           135 D, 1 L; empty board 0 L
    1     610                     22 (91)                            121 D, 0 L; empty board 0 L
    2     556                     26 (110)                           98 D, 2 L; empty board 0 L
    ====  =====================  =================================  ======================

    (wrong moves: of the 4,520 reachable positions, those where the 16-simulation
    search's move changes the minimax value). The thresholds sit ~5x above the
    trained figures and ~4x below the untrained ones.
    """
    torch.manual_seed(0)
    untrained = check(PolicyValueNet(make_game("tictactoe").info, NetConfig(2, 32)), EVAL_SIMS)
    assert untrained["imperfect_search_moves"] > 300, untrained  # the check can fail
    t0 = time.monotonic()
    net, counters = train_in_process(tmp_path, seed=0)
    result = check(net, EVAL_SIMS)
    info = f"{counters}, {time.monotonic() - t0:.0f} s; untrained {untrained}; trained {result}"
    assert result["empty_board_losses"] == 0, info
    assert result["imperfect_search_moves"] <= min(150, untrained["imperfect_search_moves"] // 4), info
    assert result["games_vs_minimax"]["loss"] <= 10, info
