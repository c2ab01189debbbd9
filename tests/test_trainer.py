"""The trainer: augmentation keeps targets on the board, the loss falls, the value head learns."""

from functools import lru_cache

import numpy as np
import pytest
import torch

from engine.network import NetConfig, PolicyValueNet, wdl_to_value
from games import make_game
from selfplay.trainer import (
    TrainConfig,
    Trainer,
    apply_symmetries,
    augment,
    value_to_wdl,
)

torch.set_num_threads(1)

LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]


# -- augmentation ---------------------------------------------------------------
def stone_and_target(game, r, c, tr, tc):
    """Planes with the mover's stone at (r, c); a one-hot policy target at (tr, tc)."""
    h, w = game.info.board_shape
    planes = np.zeros((1, game.info.num_planes, h, w), np.float32)
    planes[0, 0, r, c] = 1.0
    policy = np.zeros((1, game.info.num_actions), np.float32)
    policy[0, tr * w + tc] = 1.0
    return planes, policy


def test_every_symmetry_keeps_the_target_next_to_the_stone():
    """Stone at (2, 3), target one point to its right (2, 4): after each symmetry the
    target must sit next to the stone in the transformed direction, computed here by
    hand from the symmetry's definition (k quarter turns anticlockwise, then a flip)."""
    game = make_game("gomoku:size=8,k=5")
    planes, policy = stone_and_target(game, 2, 3, 2, 4)
    directions = set()
    for sym in range(8):
        p, q = apply_symmetries(game, planes, policy, np.array([sym]))
        (r, c), = np.argwhere(p[0, 0] == 1)
        tr, tc = divmod(int(np.argmax(q[0])), 8)
        assert q[0].sum() == 1 and q[0].max() == 1
        dr, dc = 0, 1  # the offset (row down, column right) before the symmetry
        for _ in range(sym % 4):  # np.rot90: (row, col) -> (n-1-col, row): offset (-dc, dr)
            dr, dc = -dc, dr
        if sym >= 4:
            dc = -dc
        assert (tr - r, tc - c) == (dr, dc), f"symmetry {sym}"
        directions.add((dr, dc))
    assert directions == {(0, 1), (0, -1), (1, 0), (-1, 0)}


def test_random_augmentation_of_a_batch_stays_aligned():
    """64 copies of an L-shaped pattern: each augmented sample's target is the stone's
    partner under that sample's own symmetry, and several symmetries occur."""
    game = make_game("gomoku:size=8,k=5")
    planes = np.zeros((64, 4, 8, 8), np.float32)
    planes[:, 0, 1, 2] = 1.0          # the mover's stone
    planes[:, 1, 1, 3] = 1.0          # an opponent stone to its right
    planes[:, 2, 3, 2] = 1.0          # the 'last move' plane marks the target point
    policy = np.zeros((64, 64), np.float32)
    policy[:, 3 * 8 + 2] = 1.0        # target (3, 2), two rows below the stone
    p, q = augment(game, planes, policy, np.random.default_rng(1))
    seen = set()
    for i in range(64):
        marker = tuple(np.argwhere(p[i, 2] == 1)[0])
        assert divmod(int(np.argmax(q[i])), 8) == marker
        seen.add((tuple(np.argwhere(p[i, 0] == 1)[0]), tuple(np.argwhere(p[i, 1] == 1)[0])))
    assert len(seen) == 8  # all eight symmetries were drawn and they differ


def test_go_pass_stays_put_and_chess_is_identity():
    game = make_game("go:size=9")
    planes = np.zeros((8, 18, 9, 9), np.float32)
    planes[:, 0, 0, 1] = 1.0
    policy = np.zeros((8, 82), np.float32)
    policy[:, 81], policy[:, 2] = 0.75, 0.25
    p, q = apply_symmetries(game, planes, policy, np.arange(8))
    assert np.all(q[:, 81] == 0.75) and np.allclose(q.sum(axis=1), 1.0)
    for i in range(8):
        (r, c), = np.argwhere(p[i, 0] == 1)
        tr, tc = divmod(int(np.flatnonzero(q[i, :81])[0]), 9)
        assert abs(tr - r) + abs(tc - c) == 1
    chess = make_game("chess")
    planes = np.random.default_rng(0).random((4, 119, 8, 8)).astype(np.float32)
    policy = np.random.default_rng(1).random((4, 4672)).astype(np.float32)
    p, q = augment(chess, planes, policy, np.random.default_rng(2))
    assert np.array_equal(p, planes) and np.array_equal(q, policy)


def test_value_targets_convert():
    assert value_to_wdl(np.array([1, 0, -1])).tolist() == [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    wdl = np.array([[0.2, 0.3, 0.5]], np.float32)
    assert value_to_wdl(wdl) is wdl
    with pytest.raises(ValueError):
        value_to_wdl(np.array([2.0]))


# -- learning -------------------------------------------------------------------
@lru_cache(maxsize=None)
def negamax(mine: int, theirs: int) -> int:
    """Tic-tac-toe value for the mover (+1/0/-1) of bitboards ``mine``/``theirs``."""
    if any(all(theirs >> i & 1 for i in line) for line in LINES):
        return -1
    empty = [i for i in range(9) if not (mine | theirs) >> i & 1]
    if not empty:
        return 0
    return max(-negamax(theirs, mine | 1 << i) for i in empty)


def best_moves(mine: int, theirs: int) -> list[int]:
    empty = [i for i in range(9) if not (mine | theirs) >> i & 1]
    value = negamax(mine, theirs)
    return [i for i in empty if -negamax(theirs, mine | 1 << i) == value]


def bits(plane: np.ndarray) -> int:
    return sum(1 << i for i, v in enumerate(plane.reshape(-1)) if v)


def won_position(game):
    """X: a3 b3 _ / O: a2 b2 _ with X to move: X wins by completing the top row (action 2)."""
    state = game.initial(1)
    for action in (0, 3, 1, 4):
        game.apply(state, [action])
    return state


def tictactoe_dataset(n: int = 64, seed: int = 0):
    """``n`` distinct non-terminal positions (the won position first, then random games'),
    with minimax targets: a uniform policy over the optimal moves and the game-theoretic W/D/L."""
    game = make_game("tictactoe")
    rng = np.random.default_rng(seed)
    planes, policy, value, seen = [], [], [], set()
    starts = [won_position(game)]
    while len(planes) < n:
        state = starts.pop() if starts else game.initial(1)
        while not game.terminal(state)[0] and len(planes) < n:
            x = game.encode(state)[0]
            key = (bits(x[0]), bits(x[1]))
            if key not in seen:
                seen.add(key)
                target = np.zeros(9, np.float32)
                target[best_moves(*key)] = 1.0
                planes.append(x)
                policy.append(target / target.sum())
                value.append(negamax(*key))
            game.apply(state, [rng.choice(np.flatnonzero(game.legal_mask(state)[0]))])
    return game, np.stack(planes), np.stack(policy), np.array(value, np.float32)


DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA GPU (runs with bfloat16 autocast there)"))]


@pytest.mark.parametrize("device", DEVICES)
def test_training_loss_falls_and_the_value_head_learns_a_won_position(device):
    game, planes, policy, value = tictactoe_dataset()
    assert {-1.0, 0.0, 1.0} <= set(value.tolist())
    torch.manual_seed(0)
    net = PolicyValueNet(game.info, NetConfig.parse("b1c32"))
    config = TrainConfig(batch_size=64, lr=3e-3, warmup_steps=10, lr_drops=(110,))
    trainer = Trainer(net, game, config, device=device)
    assert trainer.amp == (device == "cuda" and torch.cuda.is_bf16_supported())
    first = trainer.train_step(planes, policy, value)
    for _ in range(149):
        last = trainer.train_step(planes, policy, value)
    assert trainer.step == 150 and last["lr"] == pytest.approx(3e-4)
    # the policy loss cannot fall below the targets' entropy; compare the excess (the KL)
    entropy = float(-(policy * np.log(np.where(policy > 0, policy, 1))).sum(axis=1).mean())
    assert last["policy_loss"] - entropy < 0.12 * (first["policy_loss"] - entropy), (first, last)
    assert last["value_loss"] < 0.1 * first["value_loss"], (first, last)
    assert last["loss"] < 0.4 * first["loss"]
    x = game.encode(won_position(game))
    assert negamax(bits(x[0, 0]), bits(x[0, 1])) == 1
    net.eval()
    with torch.no_grad():
        logits, wdl = net(torch.from_numpy(x).to(device))
    assert wdl_to_value(wdl).item() > 0.8
    assert int(logits[0].argmax()) == 2


def test_state_round_trip_resumes_exactly(tmp_path):
    game, planes, policy, value = tictactoe_dataset(16, seed=1)
    cfg = TrainConfig(batch_size=16, warmup_steps=5, lr_drops=(7,))

    def fresh():
        torch.manual_seed(0)
        return Trainer(PolicyValueNet(game.info, NetConfig.parse("b1c8")), game, cfg, device="cpu")

    a = fresh()
    for _ in range(5):
        a.train_step(planes, policy, value)
    a.save_state(tmp_path / "trainer.pt")
    expected = [a.train_step(planes, policy, value) for _ in range(4)]
    b = fresh()
    b.load_state(tmp_path / "trainer.pt")
    assert b.step == 5
    got = [b.train_step(planes, policy, value) for _ in range(4)]
    assert got == expected  # same weights, moments, step (lr schedule) and augmentation draws
    assert got[-1]["lr"] == pytest.approx(cfg.lr * 0.1)


def test_load_state_refuses_pickled_code_and_other_runs(tmp_path):
    import pickle

    game = make_game("tictactoe")
    trainer = Trainer(PolicyValueNet(game.info, NetConfig.parse("b1c8")), game, device="cpu")
    marker = tmp_path / "PWNED"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    evil = tmp_path / "evil.pt"
    torch.save({"version": 1, "model": Payload()}, evil)
    with pytest.raises(ValueError, match="evil.pt"):
        trainer.load_state(evil)
    assert not marker.exists()
    other = Trainer(PolicyValueNet(game.info, NetConfig.parse("b1c16")), game, device="cpu")
    other.save_state(tmp_path / "other.pt")
    with pytest.raises(ValueError, match="b1c16"):
        trainer.load_state(tmp_path / "other.pt")
    assert pickle  # imported for the payload's protocol, kept explicit


def test_batch_objects_eval_losses_and_bad_shapes():
    from types import SimpleNamespace

    game, planes, policy, value = tictactoe_dataset(8, seed=2)
    torch.manual_seed(0)
    trainer = Trainer(PolicyValueNet(game.info, NetConfig.parse("b1c8")), game,
                      TrainConfig(augment=False), device="cpu")
    before = trainer.eval_losses(planes, policy, value)
    assert trainer.step == 0 and set(before) == {"loss", "policy_loss", "value_loss", "value_mse"}
    assert trainer.eval_losses(planes, policy, value) == before  # no update, deterministic
    stats = trainer.train_step(SimpleNamespace(planes=planes, policy=policy, value=value))
    assert trainer.step == 1 and stats["step"] == 1.0
    assert trainer.eval_losses(planes, policy, value) != before
    with pytest.raises(ValueError, match=r"policy \[N, 9\]"):
        trainer.train_step(planes, policy[:, :8], value)
