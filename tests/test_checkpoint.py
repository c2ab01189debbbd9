"""Checkpoints round-trip; corrupt, foreign, newer and pickled files are refused without running code."""

import json
import os
import pickle

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from engine.checkpoint import (
    FORMAT_VERSION,
    CheckpointError,
    load_checkpoint,
    read_header,
    save_checkpoint,
)
from engine.network import NetConfig, PolicyValueNet
from games import make_game

torch.set_num_threads(1)


def trained_like_net(spec: str = "tictactoe", name: str = "b1c16") -> PolicyValueNet:
    """A network whose BatchNorm statistics are not the defaults (so they must be saved too)."""
    torch.manual_seed(0)
    game = make_game(spec)
    net = PolicyValueNet(game.info, NetConfig.parse(name))
    net.train()
    with torch.no_grad():
        net(torch.rand(16, game.info.num_planes, *game.info.board_shape))
    return net.eval()


@pytest.fixture
def saved(tmp_path):
    net = trained_like_net()
    path = tmp_path / "ckpt" / "step-000010.safetensors"
    save_checkpoint(path, net, {"step": 10, "search": {"num_simulations": 64, "gumbel": True}})
    return net, path


class Payload:
    """Unpickling this creates the marker file: the proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_round_trip_gives_the_same_outputs(saved):
    net, path = saved
    ckpt = load_checkpoint(path)
    assert ckpt.step == 10 and ckpt.game_spec == "gomoku:size=3,k=3,rule=freestyle"
    assert ckpt.header["net"] == "b1c16" and ckpt.header["format_version"] == FORMAT_VERSION
    assert ckpt.header["search"] == {"num_simulations": 64, "gumbel": True}
    assert not ckpt.net.training
    x = torch.rand(5, 4, 3, 3)
    with torch.no_grad():
        p1, v1 = net(x)
        p2, v2 = ckpt.net(x)
    assert torch.equal(p1, p2) and torch.equal(v1, v2)
    assert read_header(path) == ckpt.header
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp file left


def test_round_trip_go_with_pass_head(tmp_path):
    net = trained_like_net("go:size=7", "b2c8")
    path = tmp_path / "go.safetensors"
    save_checkpoint(path, net, {"step": 3})
    x = torch.rand(2, 18, 7, 7)
    with torch.no_grad():
        assert torch.equal(net(x)[0], load_checkpoint(path).net(x)[0])


def test_header_must_match_the_network(tmp_path):
    with pytest.raises(ValueError, match="does not match"):
        save_checkpoint(tmp_path / "x.safetensors", trained_like_net(), {"net": "b6c64"})


def assert_refused(path, *words):
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    message = str(info.value)
    assert str(path) in message, message
    for word in words:
        assert word in message, message
    with pytest.raises(CheckpointError):
        read_header(path)


def test_missing_file(tmp_path):
    assert_refused(tmp_path / "nope.safetensors", "no such file")


def test_truncated_file_is_refused(saved, tmp_path):
    _, path = saved
    data = path.read_bytes()
    for cut in (len(data) - 100, len(data) // 2, 20, 3):
        bad = tmp_path / f"cut{cut}.safetensors"
        bad.write_bytes(data[:cut])
        assert_refused(bad)


def test_corrupt_header_byte_is_refused(saved, tmp_path):
    _, path = saved
    data = bytearray(path.read_bytes())
    data[9] ^= 0xFF  # inside the JSON header
    bad = tmp_path / "flipped.safetensors"
    bad.write_bytes(bytes(data))
    assert_refused(bad, "not a safetensors file")


def test_random_bytes_are_refused(tmp_path):
    bad = tmp_path / "random.safetensors"
    bad.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    assert_refused(bad, "not a safetensors file")


def test_foreign_safetensors_file_is_refused(tmp_path):
    bad = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(3)}, bad, metadata={"format": "pt"})
    assert_refused(bad, "without a tabula header")


def test_newer_format_version_is_refused(saved, tmp_path):
    net, _ = saved
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    header = {"format_version": FORMAT_VERSION + 1, "game": net.info.spec, "net": "b1c16", "step": 1}
    bad = tmp_path / "future.safetensors"
    save_file(state, bad, metadata={"tabula": json.dumps(header)})
    assert_refused(bad, "newer")


def test_weights_not_matching_the_named_network_are_refused(tmp_path):
    net = trained_like_net("tictactoe", "b1c16")
    state = {k: v.contiguous() for k, v in net.state_dict().items()}
    header = {"format_version": FORMAT_VERSION, "game": net.info.spec, "net": "b2c16", "step": 1}
    bad = tmp_path / "mismatch.safetensors"
    save_file(state, bad, metadata={"tabula": json.dumps(header)})
    assert read_header(bad)["net"] == "b2c16"  # the header alone is fine
    with pytest.raises(CheckpointError, match="weights do not fit network b2c16") as info:
        load_checkpoint(bad)
    assert str(bad) in str(info.value)


@pytest.mark.parametrize("writer", ["pickle", "torch.save"])
@pytest.mark.parametrize("suffix", [".safetensors", ".pt"])
def test_pickle_is_refused_and_never_executed(tmp_path, writer, suffix):
    marker = tmp_path / "PWNED"
    bad = tmp_path / f"evil{suffix}"
    if writer == "pickle":
        bad.write_bytes(pickle.dumps({"weights": Payload(marker)}, protocol=4))
    else:
        torch.save({"weights": Payload(marker)}, bad)
    with open(bad, "rb") as f:  # the payload really works when unpickled
        if writer == "pickle":
            pickle.load(f)
            assert marker.exists()
            os.remove(marker)
    assert_refused(bad, "pickle")
    assert not marker.exists()


def test_save_is_atomic_over_an_existing_checkpoint(saved):
    net, path = saved
    before = path.read_bytes()
    with pytest.raises(TypeError):  # a header that cannot be JSON: nothing is written
        save_checkpoint(path, net, {"step": 11, "search": {"bad": object()}})
    assert path.read_bytes() == before
    save_checkpoint(path, net, {"step": 12})
    assert read_header(path)["step"] == 12
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]
