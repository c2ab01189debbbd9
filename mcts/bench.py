"""`tabula bench mcts GAME`: simulations per second of the batched search, with the reference beside it.

B positions (each a few seeded random plies from the start, so the trees
differ) are searched together, again and again from fresh trees, for about
``seconds``; the figure is simulations (leaves below the roots) per second
summed over the batch, with ``leaves_per_tree`` descents per tree and step
(:data:`LEAVES_PER_TREE` unless given). The driver's perf counters split the
time into select, leaf building (playing moves, the rules' facts, feature
planes), the evaluator call, and expand + backup. The first search, which compiles the kernels when
the numba cache is cold, is timed apart.

The slow reference search (:mod:`mcts.reference`, one Python object per node)
runs on the same positions one at a time with ``min(sims, reference_sims)``
simulations each, and its rate is per simulation: the reference's cost per
simulation grows slowly with the tree, so a shorter reference run flatters it
slightly, if anything. Its searches are interleaved with the batched ones
(whichever has had less time goes next), so that on a shared machine both see
the same load; the ratio is given from wall time (``speedup_vs_reference``)
and from process CPU time (``cpu_speedup_vs_reference``, what each spent
computing, less sensitive to other jobs taking the core).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from games.base import Game
from games.spec import make_game
from mcts import reference
from mcts.evaluators import make_evaluator
from mcts.search import Search, SearchConfig

REFERENCE_SIMS = 200
"""Most simulations per reference search."""

LEAVES_PER_TREE = 4
"""Leaves per tree per step measured by default (virtual loss; ``SearchConfig``'s default is 1).

Four descents per tree and step quarter the per-step Python and game-call
overhead; the reference always takes one leaf at a time. The JSON line says
which setting was measured; pass ``leaves_per_tree=1`` for the exact,
reference-equal search.
"""


def bench_positions(game: Game, batch: int, seed: int = 0, max_plies: int = 8) -> Any:
    """B positions, row b after a seeded random number (0..max_plies) of uniform random moves."""
    rng = np.random.default_rng(seed)
    states = game.initial(batch)
    plies = rng.integers(0, max_plies + 1, size=batch)
    for step in range(max_plies):
        rows = np.flatnonzero(plies > step)
        if not len(rows):
            break
        sub = game.take(states, rows)
        mask = game.legal_mask(sub)
        game.apply(sub, [int(rng.choice(np.flatnonzero(m))) for m in mask])
        keep = ~game.terminal(sub)
        game.assign(states, rows[keep], sub, np.flatnonzero(keep))
    return states


def _shares(timings: dict[str, float], total: float) -> dict[str, float]:
    return {k: round(v / total, 4) for k, v in timings.items()} if total > 0 else {}


def bench_mcts(spec: str, batch: int, sims: int, gumbel: bool, evaluator: str,
               seconds: float, leaves_per_tree: int = LEAVES_PER_TREE) -> dict:
    """Measure the search on ``spec``; returns the dict the CLI prints as its JSON line.

    Keys: ``leaves_per_tree`` (the setting measured), ``sims_per_s`` (summed
    over the batch), ``shares`` of select /
    leaves / evaluate / backup / root in the measured time, ``leaf_shares`` of
    leaf building (play: copying rows and playing moves, for chess python-chess
    push/pop; rules: legal moves, terminal, outcome; encode: planes),
    ``cpu_sims_per_s``, ``reference`` (its sims/s, CPU sims/s and simulations
    per search), ``speedup_vs_reference`` and ``cpu_speedup_vs_reference``.
    """
    game = make_game(spec)
    ev = make_evaluator(evaluator, game.info.num_actions)
    states = bench_positions(game, batch)
    config = SearchConfig(num_simulations=sims, gumbel=gumbel, leaves_per_tree=leaves_per_tree)
    search = Search(game, ev, batch=batch, config=config)

    t0 = time.perf_counter()
    search.run(states)
    first_call = time.perf_counter() - t0

    search.timings = {k: 0.0 for k in search.timings}
    builder_timings = search._builder.timings if search._builder else {}
    for k in builder_timings:
        builder_timings[k] = 0.0
    steps0, leaves0 = search.steps, search.leaves_evaluated
    ref = _Reference(game, states, ev, config)
    total_sims = searches = 0
    elapsed = cpu = 0.0
    ref_seconds = min(seconds, 10.0)
    # interleaved with the reference, so that both see the same load on a shared machine
    while elapsed < seconds or ref.elapsed < ref_seconds:
        if elapsed >= seconds or (ref.elapsed < elapsed and ref.elapsed < ref_seconds):
            ref.search_once()
            continue
        w0, c0 = time.perf_counter(), time.process_time()
        search.reset()
        result = search.run(states)
        elapsed += time.perf_counter() - w0
        cpu += time.process_time() - c0
        total_sims += int(result.simulations.sum())
        searches += 1
    rate = total_sims / elapsed
    steps = search.steps - steps0
    ref_rate = ref.summary()
    cpu_ratio = (total_sims / cpu) / ref_rate["cpu_sims_per_s"] if ref_rate["cpu_sims_per_s"] else None

    out: dict[str, Any] = {
        "bench": "mcts", "game": game.info.spec, "batch": batch, "sims": sims, "gumbel": gumbel,
        "evaluator": evaluator, "leaves_per_tree": leaves_per_tree,
        "sims_per_s": round(rate, 1), "searches": searches,
        "seconds": round(elapsed, 3), "first_call_s": round(first_call, 3),
        "leaf_mode": search.leaf_mode, "steps": steps,
        "leaves_per_step": round((search.leaves_evaluated - leaves0) / max(steps, 1), 1),
        "shares": _shares(search.timings, elapsed),
        "leaf_shares": _shares(search.leaf_timings, elapsed),
        "memory_bytes": search.bytes,
        "cpu_sims_per_s": round(total_sims / cpu, 1) if cpu else None,
        "reference": ref_rate,
        "speedup_vs_reference": (round(rate / ref_rate["sims_per_s"], 1)
                                 if ref_rate["sims_per_s"] else None),
        "cpu_speedup_vs_reference": round(cpu_ratio, 1) if cpu_ratio else None,
    }
    if search.leaf_mode == "push-pop":
        out["python_chess_share"] = round(sum(search.leaf_timings.values()) / elapsed, 4)
    return out


class _Reference:
    """The reference search on the bench positions, one position per call, timed."""

    def __init__(self, game: Game, states: Any, ev: Any, config: SearchConfig) -> None:
        self.game, self.states, self.ev, self.config = game, states, ev, config
        self.sims = min(config.num_simulations, REFERENCE_SIMS)
        self.ref_config = SearchConfig(num_simulations=self.sims, gumbel=config.gumbel,
                                       gumbel_considered=config.gumbel_considered)
        self.rng = np.random.default_rng(0)
        self.row = 0
        self.elapsed = 0.0
        self.cpu = 0.0

    def search_once(self) -> None:
        game = self.game
        one = game.take(self.states, [self.row % game.batch_size(self.states)])
        w0, c0 = time.perf_counter(), time.process_time()
        if self.config.gumbel:
            gumbel = self.rng.gumbel(size=game.info.num_actions)
            reference.gumbel_search(game, one, self.ev, self.ref_config, gumbel)
        else:
            reference.puct_search(game, one, self.ev, self.ref_config)
        self.elapsed += time.perf_counter() - w0
        self.cpu += time.process_time() - c0
        self.row += 1

    def summary(self) -> dict[str, Any]:
        done = self.row * self.sims
        return {"sims_per_s": round(done / self.elapsed, 1) if self.elapsed else 0.0,
                "cpu_sims_per_s": round(done / self.cpu, 1) if self.cpu else 0.0,
                "sims_per_search": self.sims, "searches": self.row,
                "seconds": round(self.elapsed, 3)}
