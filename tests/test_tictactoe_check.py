"""The tic-tac-toe benchmark's target resolution and its minimax oracle."""

import json

import pytest

from selfplay.tictactoe_check import DEFAULT_SIMS, optimal_moves, resolve_target, value


def test_run_directory_uses_its_arena_sims_and_newest_checkpoint(tmp_path):
    (tmp_path / "checkpoints").mkdir()
    for step in (5, 40):
        (tmp_path / "checkpoints" / f"step-{step:06d}.safetensors").write_bytes(b"")
    (tmp_path / "config.json").write_text(json.dumps({"arena": {"sims": 24}}))
    path, sims = resolve_target(str(tmp_path), None)
    assert path.endswith("step-000040.safetensors") and sims == 24
    assert resolve_target(str(tmp_path), 8)[1] == 8
    (tmp_path / "config.json").unlink()
    assert resolve_target(str(tmp_path), None)[1] == DEFAULT_SIMS == 32


def test_checkpoint_file_and_bad_targets(tmp_path):
    ckpt = tmp_path / "a.safetensors"
    ckpt.write_bytes(b"")
    assert resolve_target(str(ckpt), None) == (str(ckpt), DEFAULT_SIMS)
    with pytest.raises(ValueError, match="no such run directory"):
        resolve_target(str(tmp_path / "missing"), None)
    with pytest.raises(ValueError, match="no checkpoints"):
        resolve_target(str(tmp_path), None)


def test_minimax_oracle_known_values():
    empty = (-1,) * 9
    assert value(empty, 0) == 0  # tic-tac-toe is a draw
    # X (0) on 0 and 1, O (1) on 3 and 4, X to move: 2 wins at once.
    board = (0, 0, -1, 1, 1, -1, -1, -1, -1)
    assert value(board, 0) == 1 and optimal_moves(board, 0) == [2]
    # O to move: 5 wins at once, 2 blocks and forks (2-4-6 and 3-4-5).
    assert value(board, 1) == 1 and optimal_moves(board, 1) == [2, 5]
    # After a corner opening only the centre draws (every other reply loses).
    assert optimal_moves((0,) + (-1,) * 8, 1) == [4]
