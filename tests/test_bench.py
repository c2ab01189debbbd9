"""The rules benchmark's sampler and driver, and the CLI contract of `tabula bench rules`."""

import json

import numpy as np
import pytest

from engine.cli import main
from games import make_game
from games.bench import first_call_seconds, random_playouts, sample_uniform


def test_sampler_is_uniform_over_legal_columns():
    mask = np.zeros((1, 10), dtype=np.bool_)
    mask[0, [1, 4, 9]] = True
    out = np.zeros(1, dtype=np.int64)
    counts = np.zeros(10, dtype=np.int64)
    for u in np.linspace(0, 1, 3000, endpoint=False):
        sample_uniform(mask, np.array([u]), out)
        counts[out[0]] += 1
    assert list(counts[[1, 4, 9]]) == [1000, 1000, 1000]
    assert counts.sum() == 3000


def test_sampler_marks_rows_without_moves():
    out = np.zeros(2, dtype=np.int64)
    sample_uniform(np.array([[False, False], [False, True]]), np.array([0.5, 0.99]), out)
    assert list(out) == [-1, 1]


def test_tictactoe_playouts_have_legal_lengths():
    game = make_game("tictactoe")
    first_call_seconds(game)  # compile outside the timed loop
    rate = random_playouts(game, batch=8, seconds=0.2)
    assert rate.games > 0
    # random tic-tac-toe games last 5 to 9 moves, about 7.7 on average
    assert 7.0 < rate.moves_per_game < 8.5


def test_cli_prints_json_last(capsys):
    assert main(["bench", "rules", "tictactoe", "--seconds", "0.1", "--no-openspiel"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads(last)
    assert result["game"] == "gomoku:size=3,k=3,rule=freestyle" and result["games_per_s"] > 0


def test_cli_reports_bad_spec_in_one_line(capsys):
    assert main(["bench", "rules", "go:size=4", "--no-openspiel"]) == 2
    err = capsys.readouterr().err
    assert "size must be an integer 5-19" in err and "Traceback" not in err


def test_kernel_playouts_finish_every_game():
    from games.bench import kernel_playouts

    game = make_game("go:size=5,komi=0.5")
    rate = kernel_playouts(game, batch=4, seconds=0.05)
    assert rate.games % 4 == 0 and rate.games >= 4
    assert 2 <= rate.moves_per_game <= game.info.max_game_length


def test_demo_plays_every_game_to_its_end(capsys):
    assert main(["demo", "--seconds", "0.2"]) == 0
    out = capsys.readouterr().out
    for spec in ("gomoku:size=3,k=3", "go:size=9", "chess:max_plies=512"):
        assert f"== {spec}" in out
    assert out.count("game over") + out.count("won by") + out.count("draw") >= 4
    assert len(json.loads(out.strip().splitlines()[-1])["results"]) == 4


def test_inference_bench_uses_real_positions_and_consistent_figures():
    pytest.importorskip("torch")
    from engine.bench import bench_inference, sample_planes

    game = make_game("go:size=7")
    planes = sample_planes(game, 32, plies=10)
    stones = planes[:, :2].sum(axis=(1, 2, 3))
    assert planes.shape[0] == 32 and stones.max() > 0 and len(np.unique(stones)) > 3
    r = bench_inference("tictactoe", batches=(1, 8), device="cpu", seconds=0.05)
    assert r["device"] == "cpu" and r["threads"] == 1 and [x["batch"] for x in r["results"]] == [1, 8]
    for row in r["results"]:  # positions/s x seconds per call = the batch
        assert row["positions_per_s"] * row["ms_per_call"] / 1000 == pytest.approx(row["batch"], rel=0.01)
