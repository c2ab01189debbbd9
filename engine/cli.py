"""The `tabula` command line: subcommands parse their flags here and call into packages.

Imports of the packages happen inside each command, so `tabula --help` is fast
and flags such as ``--cold`` can set the environment before numba loads.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import sys
import tempfile
from typing import Sequence

COMMAND_MODULES = ("arena.cli", "selfplay.cli", "engine.frontends")
"""Modules that add subcommands: each has ``register(sub, bench_sub)`` and imports
its heavy dependencies (torch, numba kernels) inside the command functions."""

BENCH_GAMES = ("go9", "go19", "gomoku15", "chess")
DEMO_GAMES = ("tictactoe", "gomoku:size=9,k=5", "go9", "chess")


def _cmd_bench_rules(args: argparse.Namespace) -> int:
    if args.cold:
        os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="tabula-numba-")
    from games.bench import bench_rules

    results = []
    for spec in args.games or BENCH_GAMES:
        result = bench_rules(spec, batch=args.batch, seconds=args.seconds,
                             openspiel=not args.no_openspiel)
        results.append(result)
        print(_rules_line(result), file=sys.stderr if args.json_only else sys.stdout, flush=True)
    summary = results[0] if len(results) == 1 else {"bench": "rules", "results": results}
    print(json.dumps(summary))
    return 0


def _cmd_bench_mcts(args: argparse.Namespace) -> int:
    from mcts.bench import bench_mcts

    results = []
    for spec in args.games:
        r = bench_mcts(spec, batch=args.batch, sims=args.sims, gumbel=args.gumbel,
                       evaluator=args.evaluator, seconds=args.seconds)
        results.append(r)
        shares = " ".join(f"{k} {v:.0%}" for k, v in r["shares"].items())
        print(f"{r['game']:<40} B={r['batch']:<4} sims={r['sims']:<5} {r['sims_per_s']:>10.0f} sims/s"
              f"  ({shares})  vs reference {r['speedup_vs_reference']}x", flush=True)
    print(json.dumps(results[0] if len(results) == 1 else {"bench": "mcts", "results": results}))
    return 0


def _cmd_bench_inference(args: argparse.Namespace) -> int:
    from engine.bench import bench_inference

    results = []
    for spec in args.games:
        r = bench_inference(spec, batches=tuple(args.batch), device=args.device, amp=args.amp,
                            net=args.net, seconds=args.seconds, channels_last=args.channels_last)
        results.append(r)
        for row in r["results"]:
            print(f"{r['game']:<28} {r['net']:<8} {r['device_name']:<24} amp={r['amp']!s:<5} "
                  f"B={row['batch']:<5} {row['positions_per_s']:>11.0f} positions/s "
                  f"{row['ms_per_call']:>9.3f} ms/call", flush=True)
    print(json.dumps(results[0] if len(results) == 1 else {"bench": "inference", "results": results}))
    return 0


def _rules_line(r: dict) -> str:
    line = (f"{r['game']:<40} B={r['batch']:<4} {r['games_per_s']:>10.1f} games/s "
            f"{r['moves_per_s']:>11.0f} moves/s  {r['moves_per_game']:.0f} moves/game  "
            f"first call {r['first_call_s']:.2f}s")
    if "kernel" in r:
        k = r["kernel"]
        line += (f"\n{'':<40} whole games in one numba call: {k['games_per_s']:.1f} games/s "
                 f"{k['moves_per_s']:.0f} moves/s")
    if "openspiel" in r:
        o = r["openspiel"]
        line += (f"\n{'':<40} OpenSpiel C++ {o['cpp_games_per_s']:.1f} games/s, "
                 f"Python-driven {o['py_games_per_s']:.1f} games/s -> ours/C++ = "
                 f"{r['ratio_vs_openspiel_cpp']}x"
                 + (f" (whole-game kernel/C++ = {r['kernel_ratio_vs_openspiel_cpp']}x)"
                    if "kernel_ratio_vs_openspiel_cpp" in r else ""))
    return line


def _cmd_demo(args: argparse.Namespace) -> int:
    """Play one random game of each game, show the final board, then a short benchmark."""
    import numpy as np

    from games import make_game
    from games.bench import bench_rules

    rng = np.random.default_rng(args.seed)
    for spec in DEMO_GAMES:
        game = make_game(spec)
        states = game.initial(1)
        moves = []
        while not game.terminal(states)[0]:
            action = int(rng.choice(game.legal_actions(states)))
            moves.append(game.action_to_text(states, action))
            game.apply(states, [action])
        print(f"== {game.info.spec}: a random game of {len(moves)} moves")
        print("moves:", " ".join(moves[:24]) + (" ..." if len(moves) > 24 else ""))
        print(game.render(states), end="\n\n")
    print("== random-playout speed (lockstep batched API, one thread)")
    results = [bench_rules(spec, seconds=args.seconds, openspiel=False) for spec in BENCH_GAMES]
    for r in results:
        print(_rules_line(r))
    print(json.dumps({"demo": "rules", "results": results}))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="tabula", description="Board-game self-play engine.")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="play a random game of each game and benchmark the rules")
    demo.add_argument("--seconds", type=float, default=3.0, help="benchmark seconds per game")
    demo.add_argument("--seed", type=int, default=0)
    demo.set_defaults(func=_cmd_demo)

    bench = sub.add_parser("bench", help="benchmarks; each prints a JSON line last")
    bench_sub = bench.add_subparsers(dest="bench", required=True)
    rules = bench_sub.add_parser("rules", help="random-playout games/s and moves/s")
    rules.add_argument("games", nargs="*", help=f"game specs (default: {' '.join(BENCH_GAMES)})")
    rules.add_argument("--batch", type=int, default=None, help="rows in lockstep (default 256, chess 16)")
    rules.add_argument("--seconds", type=float, default=3.0, help="seconds per measurement")
    rules.add_argument("--no-openspiel", action="store_true", help="skip the OpenSpiel reference")
    rules.add_argument("--cold", action="store_true", help="use an empty numba cache (compile time)")
    rules.add_argument("--json-only", action="store_true", help="human-readable lines to stderr")
    rules.set_defaults(func=_cmd_bench_rules)

    mcts = bench_sub.add_parser("mcts", help="search simulations/s summed over the batch")
    mcts.add_argument("games", nargs="+", help="game specs, e.g. go9 gomoku15 chess")
    mcts.add_argument("--batch", type=int, default=64, help="games searched together (B)")
    mcts.add_argument("--sims", type=int, default=800, help="simulations per search")
    mcts.add_argument("--gumbel", action="store_true", help="Gumbel root search instead of PUCT")
    mcts.add_argument("--evaluator", choices=("uniform", "hash"), default="uniform")
    mcts.add_argument("--seconds", type=float, default=5.0, help="seconds per measurement")
    mcts.set_defaults(func=_cmd_bench_mcts)

    inf = bench_sub.add_parser("inference", help="network positions/s by batch size (CPU or GPU)")
    inf.add_argument("games", nargs="+", help="game specs, e.g. go9 gomoku15 chess")
    inf.add_argument("--batch", type=int, nargs="+", default=[1, 16, 64, 256, 1024])
    inf.add_argument("--device", default="auto", help="auto, cpu or cuda")
    inf.add_argument("--amp", action=argparse.BooleanOptionalAction, default=None,
                     help="mixed precision (default: on for CUDA)")
    inf.add_argument("--net", default=None, help="network shape such as b6c64 (default: the game's)")
    inf.add_argument("--channels-last", action="store_true", help="channels_last memory format")
    inf.add_argument("--seconds", type=float, default=2.0, help="seconds per batch size")
    inf.set_defaults(func=_cmd_bench_inference)

    for name in COMMAND_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(sub, bench_sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tabula` console script."""
    from games.base import SpecError

    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except SpecError as exc:  # a bad game spec: one clear line, no traceback
        print(f"tabula: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
