"""`tabula train` end to end on tic-tac-toe: checkpoints, shards, records; kill -9 and resume; config."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from selfplay.config import game_defaults, parse_override, resolve_config
from selfplay.pipeline import list_checkpoints
from selfplay.shards import ReplayStore, read_shard

ROOT = Path(__file__).resolve().parents[1]
TINY = ["net=b1c8", "sims=8", "selfplay.batch=16", "train.batch_size=16", "train.warmup_steps=5",
        "pipeline.min_positions=60", "pipeline.checkpoint_every=5", "pipeline.log_every_seconds=1",
        "pipeline.worker_reload_seconds=1", "arena.enabled=false"]


def _train(run: Path, *args: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "engine.cli", "train", "tictactoe", "--run", str(run),
           "--workers", "1", "--device", "cpu", *args, *TINY]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_for(cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find the workers")
def test_train_kill9_resume(tmp_path):
    run = tmp_path / "run"
    proc = _train(run, "--steps", "1000")
    try:
        # the first checkpoint after step 0, with shards and SGF records beside it
        _wait_for(lambda: any(s > 0 for s, _ in list_checkpoints(run)), 60, "a checkpoint")
        kids = _children(proc.pid)
        assert kids, "no self-play worker process"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    # orphaned workers notice and exit on their own (they write whole shards only)
    _wait_for(lambda: not any(_alive(k) for k in kids), 20, "orphaned workers to exit")
    killed_at = max(s for s, _ in list_checkpoints(run))
    shards = sorted((run / "games").glob("g*.npz"))
    assert shards and len(list((run / "records").glob("*.sgf"))) == len(shards)
    before = len(shards)

    out, _ = _train(run, "--steps", str(killed_at + 10)).communicate(timeout=90)
    assert f"resuming {run} at step {killed_at}" in out, out
    assert f"stopped at step {killed_at + 10}" in out, out
    steps = [s for s, _ in list_checkpoints(run)]
    assert steps[-1] == killed_at + 10 and steps == sorted(set(steps))
    # every file is whole: checkpoints load, every shard reads, no warning
    from engine.checkpoint import load_checkpoint

    for s, path in list_checkpoints(run):
        assert load_checkpoint(path).step == s
    store = ReplayStore(run)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store.scan()
    assert store.num_games >= before
    for shard in (run / "games").glob("g*.npz"):
        read_shard(shard)
    # the trainer state of the newest checkpoint continues the step counter
    assert (run / "checkpoints" / f"step-{killed_at + 10:06d}.state.pt").exists()
    cfg = json.loads((run / "config.json").read_text())
    assert cfg["net"] == "b1c8" and cfg["selfplay"]["simulations"] == 8
    assert cfg["pipeline"]["checkpoint_every"] == 5 and cfg["arena"]["enabled"] is False
    assert cfg["game"] == "gomoku:size=3,k=3,rule=freestyle"


def test_config_resolution_order(tmp_path):
    train = {"batch_size": 256, "lr": 0.002}
    file = tmp_path / "c.toml"
    file.write_text('net = "b2c16"\n[selfplay]\nsimulations = 24\nbatch = 8\n')
    saved = {"game": "tictactoe", "net": "b3c16", "selfplay": {"simulations": 12, "temperature": 0.5}}
    cfg = resolve_config("tictactoe", train_defaults=train, default_net="b2c32", saved=saved,
                         file=file, overrides=["sims=40", "train.lr=0.01", "arena.baselines=[\"random\"]"])
    assert cfg["net"] == "b2c16"  # file over saved
    assert cfg["selfplay"]["simulations"] == 40  # key=value over file
    assert cfg["selfplay"]["batch"] == 8 and cfg["selfplay"]["temperature"] == 0.5
    assert cfg["selfplay"]["gumbel_considered"] == game_defaults("tictactoe")["selfplay"]["gumbel_considered"]
    assert cfg["train"] == {"batch_size": 64, "lr": 0.01}  # game default over dataclass default
    assert cfg["arena"]["baselines"] == ["random"]
    with pytest.raises(ValueError, match="unknown config key"):
        parse_override("selfplay.nope=1", cfg)
    with pytest.raises(ValueError, match="trains tictactoe"):
        resolve_config("go9", train_defaults=train, default_net="b6c64", saved=saved)
    assert np.isclose(cfg["pipeline"]["ratio"], 32.0)


def test_go9_arena_plays_fewer_games_than_small_gomoku():
    train = {"batch_size": 256}
    go = resolve_config("go9", train_defaults=train, default_net="b6c64")
    gomoku = resolve_config("gomoku:size=8,k=5", train_defaults=train, default_net="b4c48")
    assert go["arena"]["games"] == 10 and gomoku["arena"]["games"] == 20


def test_evaluation_writes_ratings_and_elo_plot(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("arena.players")
    from engine.checkpoint import save_checkpoint
    from engine.network import NetConfig, PolicyValueNet
    from games import make_game
    from selfplay.pipeline import checkpoint_path, evaluate_checkpoint

    game = make_game("tictactoe")
    torch.manual_seed(0)
    for step in (0, 5):
        save_checkpoint(checkpoint_path(tmp_path, step), PolicyValueNet(game.info, NetConfig.parse("b1c8")),
                        {"step": step})
    cfg = resolve_config("tictactoe", train_defaults={}, default_net="b1c8",
                         overrides=["arena.sims=2", "arena.games=2", 'arena.baselines=["random"]'])
    (first, p0), (second, p5) = list_checkpoints(tmp_path)
    evaluate_checkpoint(tmp_path, game, cfg, first, p0, None)
    data = evaluate_checkpoint(tmp_path, game, cfg, second, p5, p0)
    assert data["evaluated"] == [0, 5]
    names = {r["name"] for r in data["ratings"]}
    assert names == {"random", "step-000000", "step-000005"}
    assert sum(r["games"] for r in data["ratings"]) == 2 * 6  # (0 vs random) + (5 vs random, 5 vs 0)
    assert json.loads((tmp_path / "eval.json").read_text())["evaluated"] == [0, 5]
    assert (tmp_path / "elo.png").read_bytes()[:4] == b"\x89PNG"
    assert "step-000005" in data["table"]
