"""The torch evaluator: agrees with the network, chunks big batches, plugs into the search."""

import copy

import numpy as np
import pytest
import torch

from engine.inference import TorchEvaluator, configure_cpu_threads, resolve_device
from engine.network import NetConfig, PolicyValueNet
from games import make_game
from mcts import Search, SearchConfig, check_agreement

torch.set_num_threads(1)


def make_net(spec: str, name: str = "b1c16", seed: int = 0) -> PolicyValueNet:
    torch.manual_seed(seed)
    net = PolicyValueNet(make_game(spec).info, NetConfig.parse(name))
    with torch.no_grad():  # a value head far from uniform, so values are not all ~0
        net.value.fc2.bias.copy_(torch.tensor([1.5, -1.0, -0.5]))
    return net


def random_planes(spec: str, n: int, seed: int = 0) -> np.ndarray:
    info = make_game(spec).info
    rng = np.random.default_rng(seed)
    return (rng.random((n, info.num_planes, *info.board_shape)) < 0.3).astype(np.float32)


def test_agrees_with_a_direct_forward_pass():
    net = make_net("gomoku:size=8,k=5")
    planes = random_planes("gomoku:size=8,k=5", 7)
    logits, values = TorchEvaluator(net, device="cpu")(planes)
    with torch.no_grad():
        p, v = net.eval()(torch.from_numpy(planes))
    probs = torch.softmax(v, dim=1)
    expected_values = (probs[:, 0] - probs[:, 2]).numpy()
    assert logits.dtype == values.dtype == np.float32
    assert logits.shape == (7, 64) and values.shape == (7,)
    np.testing.assert_allclose(logits, p.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(values, expected_values, rtol=1e-5, atol=1e-6)
    assert np.all(np.abs(values) <= 1.0) and values.std() > 0


def test_chunks_larger_batches_and_counts_stats():
    net = make_net("tictactoe")
    planes = random_planes("tictactoe", 23, seed=1)
    whole = TorchEvaluator(net, device="cpu", max_batch=1024)
    chunked = TorchEvaluator(net, device="cpu", max_batch=4)
    check_agreement(whole, chunked, planes, atol=1e-5)
    assert chunked.stats.calls == 1 and chunked.stats.positions == 23
    assert chunked.stats.mean_batch == 23.0 and chunked.stats.seconds > 0
    chunked.stats.reset()
    assert chunked.stats.positions == 0


def test_empty_batch_and_bad_shapes():
    ev = TorchEvaluator(make_net("tictactoe"), device="cpu")
    logits, values = ev(np.zeros((0, 4, 3, 3), np.float32))
    assert logits.shape == (0, 9) and values.shape == (0,)
    with pytest.raises(ValueError, match=r"needs planes \[N, 4, 3, 3\]"):
        ev(np.zeros((2, 5, 3, 3), np.float32))


def test_puts_a_training_net_back_in_eval_mode():
    net = make_net("tictactoe")
    ev = TorchEvaluator(net, device="cpu")
    planes = random_planes("tictactoe", 3)
    first = ev(planes)[0]
    net.train()
    np.testing.assert_array_equal(ev(planes)[0], first)
    assert not net.training


def test_search_runs_with_the_torch_evaluator():
    game = make_game("tictactoe")
    ev = TorchEvaluator(make_net("tictactoe"), device="cpu")
    states = game.initial(2)
    game.apply(states, np.array([4, 0]))
    search = Search(game, ev, batch=2, config=SearchConfig(num_simulations=24))
    result = search.run(states)
    legal = game.legal_mask(states)
    assert all(legal[b, result.action[b]] for b in range(2))
    assert result.visits.sum(axis=1).tolist() == [24, 24]
    assert np.all(result.visits[~legal] == 0)
    # every non-terminal leaf went through the evaluator, about one call per step
    assert ev.stats.positions == search.leaves_evaluated >= 24
    assert ev.stats.calls >= 24


def test_resolve_device_and_threads():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")
    with pytest.raises(ValueError, match="unknown device"):
        resolve_device("tpu-please")
    configure_cpu_threads(1)
    assert torch.get_num_threads() == 1
    with pytest.raises(ValueError):
        configure_cpu_threads(0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("spec", ["go:size=9", "chess"])
def test_cuda_mixed_precision_agrees_with_cpu_fp32(spec):
    net = make_net(spec, "b2c32")
    planes = random_planes(spec, 300, seed=2)
    cpu = TorchEvaluator(copy.deepcopy(net), device="cpu")  # evaluators move the module they get
    expected = cpu(planes)
    gpu = TorchEvaluator(copy.deepcopy(net), device="cuda", max_batch=128, channels_last=True)
    assert gpu.amp
    logits, values = gpu(planes)
    assert logits.dtype == np.float32 and values.dtype == np.float32
    np.testing.assert_allclose(values, expected[1], atol=0.05)
    np.testing.assert_allclose(logits, expected[0], atol=0.15, rtol=0.05)
    fp32 = TorchEvaluator(copy.deepcopy(net), device="cuda", amp=False)
    assert not fp32.amp
    check_agreement(fp32, cpu, planes, atol=2e-3)
