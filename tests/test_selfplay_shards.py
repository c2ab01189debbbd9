"""Shards round-trip exactly; the replay store indexes, windows, samples and skips corrupt files."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from games import make_game
from selfplay.shards import GameRecord, ReplayStore, read_shard, wdl, window_size, write_shard


def _random_record(spec: str, plies: int, seed: int) -> GameRecord:
    """A real game of ``spec`` with random moves and a random sparse policy per position."""
    game = make_game(spec)
    rng = np.random.default_rng(seed)
    states = game.initial(1)
    planes, policy, moves, movers = [], [], [], []
    for _ in range(plies):
        if game.terminal(states)[0]:
            break
        legal = game.legal_mask(states)[0]
        p = np.where(legal, rng.random(legal.shape), 0).astype(np.float32)
        planes.append(game.encode(states)[0])
        policy.append(p / p.sum())
        movers.append(int(game.to_play(states)[0]))
        moves.append(int(rng.choice(np.flatnonzero(legal))))
        game.apply(states, [moves[-1]])
    return GameRecord(spec=game.info.spec, planes=np.stack(planes), policy=np.stack(policy),
                      moves=np.array(moves, np.int32), movers=np.array(movers, np.int8), winner=1,
                      root_values=rng.uniform(-1, 1, len(moves)).astype(np.float32),
                      meta={"network_step": 7, "resigned": True}, record="(;GM[1])")


@pytest.mark.parametrize("spec,plies", [("tictactoe", 9), ("go:size=7,komi=7.5", 30), ("chess", 40)])
def test_shard_round_trip_is_exact(tmp_path, spec, plies):
    rec = _random_record(spec, plies, seed=3)
    path = tmp_path / "g.npz"
    write_shard(path, rec)
    back = read_shard(path).game()
    assert back.spec == rec.spec and back.winner == 1 and back.record == "(;GM[1])"
    assert back.meta == {"network_step": 7, "resigned": True}
    np.testing.assert_array_equal(back.planes, rec.planes)
    np.testing.assert_array_equal(back.policy, rec.policy)
    np.testing.assert_array_equal(back.moves, rec.moves)
    np.testing.assert_array_equal(back.movers, rec.movers)
    np.testing.assert_array_equal(back.root_values, rec.root_values)
    # value targets: +1 where the mover is the winner (player 1), -1 otherwise
    np.testing.assert_array_equal(back.values, np.where(rec.movers == 1, 1, -1))
    if spec == "chess":  # non-binary planes (move count / 100) survive too
        assert not set(np.unique(rec.planes[:, 113])) <= {0.0, 1.0}
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".tmp")]


def test_go_shard_is_compact(tmp_path):
    rec = _random_record("go9", 60, seed=1)
    write_shard(tmp_path / "g.npz", rec)
    raw = rec.planes.nbytes + rec.policy.nbytes
    assert os.path.getsize(tmp_path / "g.npz") * 20 < raw


def test_wdl_and_window():
    np.testing.assert_array_equal(wdl(np.array([1, 0, -1], np.int8)),
                                  [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert window_size(100, 1000) == 100
    assert window_size(16000, 1000) == 4733  # 1000 * (1 + 0.4 * (16**0.75 - 1) / 0.75)


def test_store_scans_samples_recent_window(tmp_path):
    store = ReplayStore(tmp_path)
    recs = [_random_record("tictactoe", 9, seed=s) for s in range(6)]
    for r in recs:
        store.add_game(r)
    reader = ReplayStore(tmp_path)
    assert reader.scan() == 6
    assert reader.num_positions == sum(r.num_positions for r in recs)
    assert reader.scan() == 0
    # the last game only: a window of its positions samples only its planes and policies
    last = recs[-1]
    planes, policy, value = reader.sample(200, last.num_positions, np.random.default_rng(0))
    assert planes.shape == (200, 4, 3, 3) and policy.shape == (200, 9) and value.shape == (200, 3)
    keys = {(p.tobytes(), q.tobytes()) for p, q in zip(last.planes, last.policy)}
    assert {(p.tobytes(), q.tobytes()) for p, q in zip(planes, policy)} <= keys
    want = wdl(last.values)
    for p, v in zip(planes, value):
        i = next(i for i, x in enumerate(last.planes) if x.tobytes() == p.tobytes())
        np.testing.assert_array_equal(v, want[i])
    # q_weight 1: the target is the root value q as (max(q,0), 1-|q|, max(-q,0))
    _, _, soft = reader.sample(50, last.num_positions, np.random.default_rng(1), q_weight=1.0)
    qs = {float(q) for q in last.root_values}
    for w, d, l in soft:
        q = w - l
        assert min(abs(q - x) for x in qs) < 1e-6 and abs(d - (1 - abs(q))) < 1e-6
    # a new game is picked up by the next scan
    store.add_game(recs[0])
    assert reader.scan() == 1 and reader.num_games == 7


def test_corrupt_shard_is_skipped_with_a_warning_naming_it(tmp_path):
    store = ReplayStore(tmp_path)
    good = store.add_game(_random_record("tictactoe", 9, seed=0))
    bad = store.add_game(_random_record("tictactoe", 9, seed=1))
    data = bad.read_bytes()
    bad.write_bytes(data[: len(data) // 2])  # truncated
    (tmp_path / "games" / ".tmp-x.npz").write_bytes(b"partial")  # a writer's leftover: ignored
    reader = ReplayStore(tmp_path)
    with pytest.warns(RuntimeWarning, match=bad.name):
        assert reader.scan() == 1
    assert reader.num_positions == read_shard(good).num_positions
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reader.scan()  # warned once, not at every scan
        reader.sample(4, 100, np.random.default_rng(0))


def test_store_refuses_empty_game(tmp_path):
    rec = _random_record("tictactoe", 1, seed=0)
    empty = GameRecord(spec=rec.spec, planes=rec.planes[:0], policy=rec.policy[:0],
                       moves=rec.moves[:0], movers=rec.movers[:0], winner=None)
    with pytest.raises(ValueError, match="no positions"):
        ReplayStore(tmp_path).add_game(empty)
