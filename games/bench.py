"""`tabula bench rules GAME`: random-playout speed of the rules, with OpenSpiel beside it.

Our figure is B games played in lockstep through the public batched API, the
way the search and self-play drive the rules: at every move ``legal_mask`` for
all rows, one uniform legal action per row, ``apply``; finished rows are
replaced by fresh games. Everything runs on one thread.

The OpenSpiel reference (optional, ``pip install open_spiel``) is measured in
the same process: whole random games inside C++ (``pyspiel.evaluate_bots`` with
uniform random bots) and the same driven move by move from Python.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numba import njit

from games.base import Game
from games.spec import make_game, parse_spec


@njit(cache=True)
def sample_uniform(mask: np.ndarray, u: np.ndarray, out: np.ndarray) -> None:
    """out[b] = a uniformly chosen True column of mask[b] (u[b] in [0, 1)); -1 if none."""
    for b in range(mask.shape[0]):
        count = 0
        for a in range(mask.shape[1]):
            count += mask[b, a]
        out[b] = -1
        if count == 0:
            continue
        pick = int(u[b] * count)
        for a in range(mask.shape[1]):
            if mask[b, a]:
                if pick == 0:
                    out[b] = a
                    break
                pick -= 1


@dataclass
class PlayoutRate:
    """Random-playout throughput of one measurement."""

    games_per_s: float
    moves_per_s: float
    moves_per_game: float
    games: int
    seconds: float


def random_playouts(game: Game, batch: int, seconds: float, seed: int = 0) -> PlayoutRate:
    """Play uniform random games in lockstep for about ``seconds``; count finished games."""
    rng = np.random.default_rng(seed)
    fresh = game.initial(batch)
    states = game.copy(fresh)
    mask = np.zeros((batch, game.info.num_actions), dtype=np.bool_)
    actions = np.zeros(batch, dtype=np.int64)
    done = np.zeros(batch, dtype=np.bool_)
    row_moves = np.zeros(batch, dtype=np.int64)
    games = moves = finished_moves = 0
    start = time.perf_counter()
    while True:
        game.legal_mask(states, out=mask)
        sample_uniform(mask, rng.random(batch), actions)
        game.apply(states, actions, check=False)
        moves += batch
        row_moves += 1
        game.terminal(states, out=done)
        if done.any():
            rows = np.flatnonzero(done)
            games += len(rows)
            finished_moves += int(row_moves[rows].sum())
            row_moves[rows] = 0
            game.assign(states, rows, fresh, rows)
            if time.perf_counter() - start >= seconds:
                break
    elapsed = time.perf_counter() - start
    # moves/s counts every move played; moves/game only those of finished games.
    return PlayoutRate(games / elapsed, moves / elapsed, finished_moves / max(games, 1),
                       games, elapsed)


def kernel_playouts(game: Any, batch: int, seconds: float, seed: int = 0) -> PlayoutRate:
    """Whole random games inside one numba call per batch (``game.random_playout``).

    The like-for-like peer of OpenSpiel's whole-game C++ rate: uniform over the
    legal actions (pass included) with legal-move generation at every move.
    """
    fresh = game.initial(batch)
    game.random_playout(game.copy(fresh), seed)  # compile outside the clock
    games = moves = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        states = game.copy(fresh)
        game.random_playout(states, seed + games)
        games += batch
        moves += int(states.move_count.sum())
    elapsed = time.perf_counter() - start
    return PlayoutRate(games / elapsed, moves / elapsed, moves / games, games, elapsed)


def first_call_seconds(game: Game) -> float:
    """Time of the first batched call of each kernel (numba compile or cache load)."""
    start = time.perf_counter()
    states = game.initial(2)
    mask = game.legal_mask(states)
    actions = np.array([int(np.flatnonzero(row)[0]) for row in mask])
    game.apply(states, actions)
    game.encode(states)
    game.terminal(states)
    game.outcome(states)
    sample_uniform(mask, np.zeros(2), np.zeros(2, dtype=np.int64))
    return time.perf_counter() - start


def _openspiel_game(spec: str) -> Any:
    import pyspiel  # optional dependency

    name, p = parse_spec(spec)
    if name == "go":
        return pyspiel.load_game("go", {"board_size": p["size"], "komi": p["komi"]})
    if name == "gomoku":
        h, w = p["size"]
        if h != w or p["rule"] != "freestyle":
            return None
        return pyspiel.load_game("gomoku", {"size": h, "connect": p["k"]})
    return pyspiel.load_game("chess")


def openspiel_rates(spec: str, seconds: float, seed: int = 0) -> dict[str, float] | None:
    """OpenSpiel's random-game rates for the same game, or None if unavailable."""
    try:
        import pyspiel
    except ImportError:
        return None
    game = _openspiel_game(spec)
    if game is None:
        return None
    bots = [pyspiel.make_uniform_random_bot(i, seed + i) for i in range(2)]
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        pyspiel.evaluate_bots(game.new_initial_state(), bots, seed + n)
        n += 1
    cpp = n / (time.perf_counter() - start)
    rng = np.random.default_rng(seed)
    n = moves = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        state = game.new_initial_state()
        while not state.is_terminal():
            legal = state.legal_actions()
            state.apply_action(legal[rng.integers(len(legal))])
            moves += 1
        n += 1
    elapsed = time.perf_counter() - start
    return {"cpp_games_per_s": cpp, "py_games_per_s": n / elapsed,
            "py_moves_per_s": moves / elapsed, "moves_per_game": moves / max(n, 1)}


def bench_rules(spec: str, *, batch: int | None = None, seconds: float = 3.0,
                openspiel: bool = True) -> dict[str, Any]:
    """Measure one game; returns the dict printed as the benchmark's JSON line."""
    game = make_game(spec)
    compile_s = first_call_seconds(game)
    if batch is None:
        batch = 16 if game.info.name == "chess" else 256
    ours = random_playouts(game, batch, seconds)
    result: dict[str, Any] = {
        "bench": "rules", "game": game.info.spec, "batch": batch,
        "first_call_s": round(compile_s, 3), **{k: round(v, 1) for k, v in asdict(ours).items()},
    }
    kernel = None
    if hasattr(game, "random_playout"):
        kernel = kernel_playouts(game, batch, seconds)
        result["kernel"] = {k: round(v, 1) for k, v in asdict(kernel).items()}
    if openspiel:
        ref = openspiel_rates(spec, seconds)
        if ref is not None:
            result["openspiel"] = {k: round(v, 1) for k, v in ref.items()}
            result["ratio_vs_openspiel_cpp"] = round(ours.games_per_s / ref["cpp_games_per_s"], 2)
            if kernel is not None:
                result["kernel_ratio_vs_openspiel_cpp"] = round(
                    kernel.games_per_s / ref["cpp_games_per_s"], 2)
    return result
