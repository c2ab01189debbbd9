"""The policy-value network: shapes per game, the heads' action order, the config names."""

import chess
import pytest
import torch

from engine.network import (
    NO_DRAW_LOGIT,
    ChessPolicyHead,
    NetConfig,
    PolicyValueNet,
    count_parameters,
    default_net_config,
)
from games import make_game
from games.chess.encoding import move_to_action

torch.set_num_threads(1)


def net_for(spec: str, name: str = "b1c16", seed: int = 0) -> tuple[object, PolicyValueNet]:
    torch.manual_seed(seed)
    game = make_game(spec)
    return game, PolicyValueNet(game.info, NetConfig.parse(name)).eval()


@pytest.mark.parametrize("spec, actions", [
    ("tictactoe", 9), ("go:size=9", 82), ("gomoku:size=8,k=5", 64), ("chess", 4672)])
def test_forward_shapes_on_real_positions(spec, actions):
    game, net = net_for(spec)
    planes = torch.from_numpy(game.encode(game.initial(3)))
    policy, value = net(planes)
    assert policy.shape == (3, actions) and value.shape == (3, 3)
    assert policy.dtype == value.dtype == torch.float32
    assert torch.isfinite(policy).all() and torch.isfinite(value).all()


def test_go_pass_logit_is_last_and_comes_from_its_own_layer():
    game, net = net_for("go:size=9")
    assert game.info.pass_action == 81
    planes = torch.from_numpy(game.encode(game.initial(2)))
    before, _ = net(planes)
    with torch.no_grad():
        net.policy.pass_logit.bias += 5.0
    after, _ = net(planes)
    assert torch.allclose(after[:, 81], before[:, 81] + 5.0, atol=1e-5)
    assert torch.equal(after[:, :81], before[:, :81])


def test_no_pass_logit_for_gomoku():
    _, net = net_for("gomoku:size=8,k=5")
    assert net.policy.pass_logit is None


def test_board_policy_is_fully_convolutional_and_translation_equivariant():
    """The same weights score a 7x7 board; a stone moved one point right moves the logits with it."""
    _, net = net_for("go:size=9", seed=1)
    planes = torch.zeros(1, 18, 7, 7)
    planes[:, 17] = 1.0  # on-board plane
    small, _ = net(planes)
    assert small.shape == (1, 7 * 7 + 1)
    # gomoku has no pass and no global pooling in a b1 tower: shifting the
    # position (away from the edges) shifts the interior logits exactly.
    _, gnet = net_for("gomoku:size=15,k=5", name="b1c16-nogp", seed=2)
    x = torch.zeros(1, 4, 15, 15)
    x[0, 0, 7, 6], x[0, 1, 6, 6] = 1.0, 1.0
    shifted = torch.roll(x, shifts=1, dims=3)
    a = gnet(x)[0].reshape(15, 15)
    b = gnet(shifted)[0].reshape(15, 15)
    assert torch.allclose(b[4:10, 5:11], a[4:10, 4:10], atol=1e-5)
    assert not torch.allclose(a[4:10, 4:10], a[4:10, 5:11], atol=1e-3)


def test_chess_head_flattens_square_major():
    """Action from*73+plane reads head output [plane, rank, file] of the from square."""
    x = torch.arange(73 * 64, dtype=torch.float32).reshape(1, 73, 8, 8)
    flat = ChessPolicyHead.to_actions(x)[0]
    e2e4 = move_to_action(chess.Move.from_uci("e2e4"), chess.WHITE)
    assert e2e4 == chess.E2 * 73 + 1
    assert flat[e2e4] == x[0, 1, 1, 4]  # plane 1 = north, distance 2; e2 = rank 1, file 4
    g1f3 = move_to_action(chess.Move.from_uci("g1f3"), chess.WHITE)
    plane = g1f3 - chess.G1 * 73
    assert flat[g1f3] == x[0, plane, 0, 6]
    for a in (0, 100, 4671):
        square, plane = divmod(a, 73)
        assert flat[a] == x[0, plane, square // 8, square % 8]


def test_chess_policy_logit_depends_on_the_from_square_feature():
    """With a b0-like reach, a pawn's plane at e2 influences e2's logits more than h7's."""
    game, net = net_for("chess", seed=3)
    states = game.initial(1)
    planes = torch.from_numpy(game.encode(states)).requires_grad_(True)
    policy, _ = net(planes)
    e2e4 = move_to_action(chess.Move.from_uci("e2e4"), chess.WHITE)
    policy[0, e2e4].backward()
    grad = planes.grad[0, 0].abs()  # the mover's pawns plane
    assert planes[0, 0, 1, 4] == 1.0  # a white pawn on e2, row = rank, column = file
    assert grad[1, 4] > 0 and grad[7, 7] == 0  # h8 lies outside the receptive field


def test_value_head_pins_draw_only_when_the_game_cannot_draw():
    game, net = net_for("go:size=9,komi=7.5")
    assert not game.info.has_draws
    _, value = net(torch.from_numpy(game.encode(game.initial(2))))
    assert torch.all(value[:, 1] == NO_DRAW_LOGIT)
    assert torch.softmax(value, 1)[:, 1].max() == 0
    game, net = net_for("go:size=9,komi=7")
    _, value = net(torch.from_numpy(game.encode(game.initial(2))))
    assert torch.all(value[:, 1] > NO_DRAW_LOGIT / 2)


@pytest.mark.parametrize("name", ["b6c64", "b10c128", "b1c4", "b2c32-nogp"])
def test_config_name_round_trip(name):
    cfg = NetConfig.parse(name)
    assert cfg.name == name and NetConfig.parse(cfg.name) == cfg


@pytest.mark.parametrize("bad", ["", "b6", "c64", "b6c64x", "6c64", "b0c64", "b6c2"])
def test_bad_config_names_are_refused(bad):
    with pytest.raises(ValueError):
        NetConfig.parse(bad)


def test_default_configs_and_parameter_counts():
    expected = {"tictactoe": "b2c32", "gomoku:size=8,k=5": "b4c48", "go9": "b6c64",
                "chess": "b6c64", "gomoku15": "b6c64", "go19": "b10c96"}
    for spec, name in expected.items():
        assert default_net_config(spec).name == name, spec
    game = make_game("tictactoe")
    net = PolicyValueNet(game.info, default_net_config("tictactoe"))
    # stem 4*32*9 + BN 64; block (no pool) 2*(32*32*9 + 64); block with pool adds 64*32 + 32;
    # policy head 32*32 + 64 + 32 + 1; value head 32*32 + 64 + (64*32 + 32) + (32*3 + 3).
    stem = 4 * 32 * 9 + 64
    blocks = 2 * (2 * (32 * 32 * 9 + 64)) + (64 * 32 + 32)
    policy = 32 * 32 + 64 + 32 + 1
    value = 32 * 32 + 64 + 64 * 32 + 32 + 32 * 3 + 3
    assert count_parameters(net) == stem + blocks + policy + value
