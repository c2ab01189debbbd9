"""``tabula train GAME`` and ``tabula bench selfplay GAME``; torch is imported inside the commands."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

BENCH_GAMES = ("go9", "gomoku15", "chess")


def register(sub: argparse._SubParsersAction, bench_sub: argparse._SubParsersAction) -> None:
    """Add ``train`` and ``bench selfplay``."""
    p = sub.add_parser(
        "train", help="AlphaZero training: self-play workers + trainer + arena, resumable",
        description="Train GAME by self-play in a run directory (resumes when it exists). "
                    "Config: per-game defaults < RUN/config.json < --config FILE < key=value "
                    "(e.g. sims=32 selfplay.batch=64 train.lr=1e-3 arena.enabled=false).")
    p.add_argument("game", help="game spec, e.g. tictactoe, gomoku:size=8,k=5, go9, chess")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="config overrides")
    p.add_argument("--run", default=None, help="run directory (default runs/<game>)")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, default=None, help="stop after this many minutes")
    budget.add_argument("--steps", type=int, default=None, help="stop at this trainer step")
    p.add_argument("--workers", type=int, default=None,
                   help="self-play processes (default: CPU cores - 1, at least 1)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--config", default=None, help="JSON or TOML file with config sections")
    p.set_defaults(func=_cmd_train)
    _accept_trailing_overrides(p)

    b = bench_sub.add_parser("selfplay", help="self-play positions/s and the network's share of time")
    b.add_argument("games", nargs="*", help=f"game specs (default: {' '.join(BENCH_GAMES)})")
    b.add_argument("--batch", type=int, default=None, help="games in lockstep (default: the game's)")
    b.add_argument("--sims", type=int, default=None, help="simulations per move (default: the game's)")
    b.add_argument("--net", default=None, help="network shape, e.g. b6c64 (default: the game's)")
    b.add_argument("--puct", action="store_true", help="PUCT + Dirichlet instead of Gumbel")
    b.add_argument("--seconds", type=float, default=20.0, help="measured seconds per game")
    b.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"))
    b.add_argument("--profile", action="store_true", help="also print the top cProfile entries")
    b.set_defaults(func=_cmd_bench_selfplay)


def _accept_trailing_overrides(parser: argparse.ArgumentParser) -> None:
    """Let ``key=value`` words come after options too (``tabula train ttt --steps 9 sims=8``).

    argparse matches positionals in the first run of words only; later ``key=value``
    words come back as unrecognised and are moved into ``overrides`` here.
    """
    plain = parser.parse_known_args

    def parse_known_args(args: Any = None, namespace: Any = None) -> Any:
        ns, extras = plain(args, namespace)
        words = [w for w in extras if "=" in w and not w.startswith("-")]
        ns.overrides = list(getattr(ns, "overrides", None) or []) + words
        return ns, [w for w in extras if w not in words]

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]


def _cmd_train(args: argparse.Namespace) -> int:
    import os

    from selfplay.pipeline import default_run_dir, train

    workers = args.workers if args.workers is not None else max(1, (os.cpu_count() or 2) - 1)
    run_dir = args.run or default_run_dir(args.game)
    try:
        return train(args.game, run_dir, minutes=args.minutes, steps=args.steps, workers=workers,
                     device=args.device, config_file=args.config, overrides=args.overrides,
                     out=lambda line: print(line, flush=True))
    except ValueError as exc:  # bad key=value, foreign run directory, ...
        print(f"tabula: error: {exc}", file=sys.stderr)
        return 2


def bench_selfplay(spec: str, *, batch: int | None = None, sims: int | None = None,
                   net: str | None = None, gumbel: bool = True, seconds: float = 20.0,
                   device: str = "cpu", profile: bool = False) -> dict[str, Any]:
    """Self-play with the default (untrained) network for ``seconds``: throughput and time shares.

    One warm-up move (numba compilation, torch's first call) is excluded. The
    network's share is the time inside the evaluator; the rest is search, rules,
    encoding and record keeping (the search's own phases are reported too).
    """
    import torch

    from engine.inference import TorchEvaluator, configure_cpu_threads
    from engine.network import NetConfig, PolicyValueNet, default_net_config
    from games import make_game
    from selfplay.config import build, game_defaults
    from selfplay.worker import SelfPlayConfig, SelfPlayWorker

    configure_cpu_threads(1)
    torch.manual_seed(0)
    game = make_game(spec)
    values = dict(game_defaults(game.info.spec).get("selfplay", {}))
    values.update({k: v for k, v in (("batch", batch), ("simulations", sims)) if v is not None})
    values["gumbel"] = gumbel
    values["resign_threshold"] = -1.0
    cfg = build(SelfPlayConfig, values)
    net_cfg = NetConfig.parse(net) if net else default_net_config(game.info.spec)
    evaluator = TorchEvaluator(PolicyValueNet(game.info, net_cfg), device)
    worker = SelfPlayWorker(game, evaluator, cfg, seed=0)
    worker.step()  # warm-up: compilation and first calls
    evaluator.stats.reset()
    search = worker.search
    for k in search.timings:
        search.timings[k] = 0.0
    moves = 0
    prof = None
    if profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t0 = time.perf_counter()
    while moves == 0 or time.perf_counter() - t0 < seconds:
        worker.step()
        moves += 1
    wall = time.perf_counter() - t0
    if prof is not None:
        import io
        import pstats

        prof.disable()
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(15)
        print(buf.getvalue(), file=sys.stderr)
    st = evaluator.stats
    search_t = sum(search.timings.values()) - search.timings["evaluate"]
    return {
        "bench": "selfplay", "game": game.info.spec, "device": str(evaluator.device),
        "net": net_cfg.name, "batch": cfg.batch, "sims": cfg.simulations, "gumbel": cfg.gumbel,
        "seconds": round(wall, 2), "moves": moves,
        "positions_per_s": round(moves * cfg.batch / wall, 2),
        "evals_per_s": round(st.positions / wall, 1),
        "network_evals_per_s_in_network": round(st.positions_per_second, 1),
        "mean_batch": round(st.mean_batch, 1),
        "network_share": round(st.seconds / wall, 3),
        "search_game_share": round(1 - st.seconds / wall, 3),
        "search_phases_s": {k: round(v, 3) for k, v in search.timings.items()},
        "search_code_share": round(search_t / wall, 3),
        "worker_code_share": round((wall - sum(search.timings.values())) / wall, 3),
    }


def _cmd_bench_selfplay(args: argparse.Namespace) -> int:
    results = []
    for spec in args.games or BENCH_GAMES:
        r = bench_selfplay(spec, batch=args.batch, sims=args.sims, net=args.net, gumbel=not args.puct,
                           seconds=args.seconds, device=args.device, profile=args.profile)
        results.append(r)
        print(f"{r['game']:<36} {r['net']} B={r['batch']} sims={r['sims']}: "
              f"{r['positions_per_s']:8.1f} positions/s  {r['evals_per_s']:8.0f} evals/s  "
              f"batch {r['mean_batch']:.0f}  network {r['network_share']:.0%}  "
              f"search+game {r['search_game_share']:.0%} (search {r['search_code_share']:.0%}, "
              f"worker {r['worker_code_share']:.0%})", flush=True)
    print(json.dumps(results[0] if len(results) == 1 else {"bench": "selfplay", "results": results}))
    return 0
