"""`tabula bench inference`: network evaluations per second by batch size, CPU or GPU.

Self-play's speed is set by the network (on this CPU a b6c64 Go net does a few
hundred positions/s per core), so the batch size that fills the device is the
first number a user needs. Planes come from real positions (random play), never
zeros, which some kernels run faster on.
"""

from __future__ import annotations

import time

import numpy as np

from games import make_game
from games.base import Game


def sample_planes(game: Game, n: int, *, plies: int = 20, seed: int = 0) -> np.ndarray:
    """float32 planes [n, C, H, W] of positions reached by up to ``plies`` random moves."""
    rng = np.random.default_rng(seed)
    states = game.initial(n)
    depth = rng.integers(0, plies + 1, size=n)
    for ply in range(plies):
        live = (depth > ply) & ~game.terminal(states)
        if not live.any():
            break
        legal = game.legal_mask(states)
        actions = np.zeros(n, np.int64)
        for b in range(n):  # rows not moving this ply get their first legal move undone below
            choices = np.flatnonzero(legal[b])
            actions[b] = rng.choice(choices) if len(choices) else 0
        rows = np.flatnonzero(live)
        sub = game.take(states, rows)
        game.apply(sub, actions[rows], check=False)
        game.assign(states, rows, sub, np.arange(len(rows)))
    return game.encode(states).astype(np.float32)


def bench_inference(spec: str, *, batches: tuple[int, ...] = (1, 16, 64, 256, 1024),
                    device: str = "auto", amp: bool | None = None, net: str | None = None,
                    seconds: float = 2.0, channels_last: bool = False) -> dict:
    """Positions/s of the default (or given) network at each batch size; one dict for JSON."""
    import torch

    from engine.inference import TorchEvaluator, configure_cpu_threads, resolve_device
    from engine.network import NetConfig, PolicyValueNet, count_parameters, default_net_config

    dev = resolve_device(device)
    if dev.type == "cpu":
        configure_cpu_threads(1)
    game = make_game(spec)
    config = NetConfig.parse(net) if net else default_net_config(game.info.spec)
    model = PolicyValueNet(game.info, config)
    evaluator = TorchEvaluator(model, device=dev, amp=amp, max_batch=max(batches),
                               channels_last=channels_last)
    pool = sample_planes(game, min(max(batches), 512))
    rows = []
    for batch in batches:
        planes = pool[np.arange(batch) % len(pool)]
        evaluator(planes)  # warm-up: allocation, cuDNN autotune
        calls, t0 = 0, time.perf_counter()
        while True:
            evaluator(planes)
            calls += 1
            elapsed = time.perf_counter() - t0
            if elapsed >= seconds and calls >= 3:
                break
        rows.append({"batch": batch, "positions_per_s": round(calls * batch / elapsed, 1),
                     "ms_per_call": round(1000 * elapsed / calls, 3)})
    return {"bench": "inference", "game": game.info.spec, "net": config.name,
            "parameters": count_parameters(model), "device": str(dev),
            "device_name": torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu",
            "amp": evaluator.amp, "threads": torch.get_num_threads(), "results": rows}
