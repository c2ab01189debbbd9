"""``tabula arena`` (play or resume a match, then rate) and ``tabula bench arena``.

Heavy modules (the players, numba kernels, torch, matplotlib) are imported
inside the command functions so ``tabula --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, Sequence

DEFAULT_DB = "arena.db"
BENCH_CASES = (
    ("gomoku:size=8,k=5", "rollout:1000"),
    ("go9", "search:sims=200,evaluator=uniform"),
)
"""(game, player spec) of ``tabula bench arena``: the spec plays itself."""


def register(sub: argparse._SubParsersAction, bench_sub: argparse._SubParsersAction) -> None:
    """Add ``tabula arena`` and ``tabula bench arena``."""
    p = sub.add_parser(
        "arena", help="play a match between players, store it, print Elo ratings",
        description="Play (or resume) a round-robin or gauntlet match, store every game in "
                    "SQLite, then print maximum-likelihood Elo over all stored games of these "
                    "players. Player specs: random, rollout[:playouts=N], search:sims=N[,...], "
                    "ckpt:PATH[,sims=N,...], gtp:COMMAND, uci:COMMAND, gomocup:COMMAND "
                    "(see docs/arena.md).")
    p.add_argument("game", help="game spec, e.g. go9, gomoku:size=8,k=5, chess, tictactoe")
    p.add_argument("players", nargs="+", metavar="PLAYER", help="two or more player specs")
    p.add_argument("--games", type=int, default=10, help="games per pairing (default 10)")
    p.add_argument("--gauntlet", action="store_true", help="the first player against each other")
    p.add_argument("--parallel", type=int, default=8, help="games alive at once (default 8)")
    p.add_argument("--openings", default=None, metavar="PLIES|FILE",
                   help="random opening plies, or a file of openings (FEN/EPD for chess, "
                        "move lists otherwise); default 4 plies (2 on tiny boards)")
    p.add_argument("--db", default=None, help=f"SQLite results file (default: {DEFAULT_DB}, or "
                                              "the run directory of checkpoint players)")
    p.add_argument("--move-time", type=float, default=None, metavar="S",
                   help="seconds per move for players that keep time (external engines)")
    p.add_argument("--sprt", default=None, metavar="elo0=0,elo1=10[,alpha=..,beta=..]",
                   help="stop as soon as the SPRT decides (two players; W/D/L of the first)")
    p.add_argument("--anchor", default=None, help="player fixed at Elo 0 (default: random if "
                                                  "playing, else the first player)")
    p.add_argument("--json", action="store_true", help="print a JSON line last")
    p.add_argument("--plot", default=None, metavar="PNG",
                   help="Elo by training step when the players are checkpoints of one run")
    p.add_argument("--seed", type=int, default=0, help="seeds openings and players")
    p.add_argument("--max-games", type=int, default=None, help="start at most N new games now")
    p.add_argument("--records", default=None, metavar="DIR", help="also write SGF/PGN files here")
    p.add_argument("--quiet", action="store_true", help="no line per finished game")
    p.set_defaults(func=cmd_arena)

    b = bench_sub.add_parser("arena", help="arena games per minute (rollout on gomoku 8x8, "
                                           "search on go9)")
    b.add_argument("--games", type=int, default=8, help="games per case (default 8)")
    b.add_argument("--parallel", type=int, default=8, help="games alive at once (default 8)")
    b.add_argument("--seed", type=int, default=0)
    b.set_defaults(func=cmd_bench_arena)


def _error(message: str) -> int:
    print(f"tabula arena: error: {message}", file=sys.stderr)
    return 2


def cmd_arena(args: argparse.Namespace) -> int:
    """Run or resume the match, then print the rating table (and a JSON line)."""
    from arena.match import MatchConfig, make_players, run_match, unique_names
    from arena.openings import OpeningError
    from arena.store import Store, StoreError
    from games import make_game

    if len(args.players) < 2:
        return _error("a match needs at least two players")
    game = make_game(args.game)
    specs = [s.strip() for s in args.players]
    names = unique_names(specs)
    try:
        config = MatchConfig(games=args.games, schedule="gauntlet" if args.gauntlet else "round-robin",
                             openings=args.openings, parallel=args.parallel, move_time=args.move_time,
                             seed=args.seed, db=args.db or default_db(specs), sprt=_parse_sprt(args.sprt),
                             max_games=args.max_games, records_dir=args.records)
        if config.sprt is not None and len(specs) != 2:
            return _error("--sprt needs exactly two players")
        store = Store(config.db)  # type: ignore[arg-type]
    except (ValueError, StoreError) as err:
        return _error(str(err).splitlines()[0])
    with store:
        try:
            players = make_players(specs, game, args.seed)
        except (ValueError, OSError) as err:
            return _error(str(err).splitlines()[0] if str(err) else repr(err))
        try:
            summary = run_match(game, specs, config, players=players, store=store,
                                progress=None if args.quiet else _print_progress)
        except (OpeningError, ValueError) as err:
            return _error(str(err).splitlines()[0])
        finally:
            for p in players:
                p.close()
        ratings = _ratings(store, game.info.spec, names, specs, args.anchor)
    _report(summary, ratings, config.db)
    if args.plot:
        _plot(ratings, names, specs, args.plot)
    if args.json:
        from arena.ratings import ratings_json
        print(json.dumps({"match": summary.to_json(), "db": str(config.db),
                          "ratings": ratings_json(ratings) if ratings else []}))
    return 0


def _parse_sprt(text: str | None) -> Any:
    if not text:
        return None
    from arena.sprt import parse_sprt
    return parse_sprt(text)


def default_db(specs: Sequence[str]) -> str:
    """``arena.db`` in the run directory of the first checkpoint player, else in the cwd.

    A checkpoint in ``RUN/checkpoints/X`` belongs to ``RUN``; otherwise its own folder.
    """
    for spec in specs:
        path = ckpt_path(spec)
        if path is not None:
            folder = Path(path).resolve().parent
            run = folder.parent if folder.name == "checkpoints" else folder
            return str(run / DEFAULT_DB)
    return DEFAULT_DB


def ckpt_path(spec: str) -> str | None:
    """The path of a ``ckpt:PATH[,key=value...]`` spec, else None."""
    if not spec.startswith("ckpt:"):
        return None
    return spec[len("ckpt:"):].split(",", 1)[0]


def _print_progress(p: Any) -> None:
    g = p.game
    r = g.result
    score = {None: "1/2-1/2", 0: "1-0", 1: "0-1"}[r.winner]
    extra = f" {r.detail}" if r.detail else ""
    print(f"[{p.done}/{p.total}] {g.first} vs {g.second}: {score} ({r.reason}{extra}, "
          f"{len(g.moves)} moves, {g.seconds:.1f}s)", file=sys.stderr, flush=True)
    if p.sprt_line:
        print(p.sprt_line, file=sys.stderr, flush=True)


def _ratings(store: Any, game_spec: str, names: list[str], specs: list[str],
             anchor: str | None) -> list[Any]:
    """fit_elo over every stored game of ``game_spec`` between these players."""
    from arena.ratings import fit_elo

    results = store.results(names, game=game_spec)
    if not results:
        return []
    if anchor is None:
        anchor = "random" if "random" in names else names[0]
    elif anchor in specs and anchor not in names:
        anchor = names[specs.index(anchor)]
    try:
        return fit_elo(results, anchor=anchor)
    except ValueError as err:
        print(f"tabula arena: no ratings: {str(err).splitlines()[0]}", file=sys.stderr)
        return []


def _report(summary: Any, ratings: list[Any], db: str | None) -> None:
    from arena.ratings import format_table

    s = summary
    reasons = s.to_json()["reasons"]
    why = ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())) or "-"
    print(f"match {s.match_id}: {s.played} games played, {s.skipped} already stored, "
          f"{s.total} scheduled ({s.stopped}); {s.games_per_minute:.1f} games/min with "
          f"{s.parallel} in parallel; endings: {why}; db {db}")
    if s.sprt_line:
        print(s.sprt_line)
    if ratings:
        print(format_table(ratings))


def _plot(ratings: list[Any], names: list[str], specs: list[str], path: str) -> None:
    """Elo by training step for checkpoint players; a message and no plot otherwise."""
    steps = {}
    for name, spec in zip(names, specs):
        ckpt = ckpt_path(spec)
        if ckpt is None:
            continue
        try:
            from engine.checkpoint import read_header
            step = read_header(ckpt).get("step")
        except Exception as err:  # a missing engine module or an unreadable header
            print(f"tabula arena: no plot: cannot read the header of {ckpt}: {err}", file=sys.stderr)
            return
        if step is not None:
            steps[name] = float(step)
    points = [(steps[r.name], r.elo, r.ci) for r in ratings if r.name in steps]
    if len(points) < 2:
        print("tabula arena: no plot: --plot needs two or more checkpoint players with a "
              "training step", file=sys.stderr)
        return
    from arena.plot import plot_elo_by_step
    plot_elo_by_step(points, path)
    print(f"plot written to {path}")


def cmd_bench_arena(args: argparse.Namespace) -> int:
    """Games per minute of self-matches: rollout:1000 on gomoku 8x8 and search:200 on go9."""
    from arena.match import MatchConfig, run_match
    from arena.store import Store
    from games import make_game

    results = []
    for game_spec, spec in BENCH_CASES:
        game = make_game(game_spec)
        # warm-up: a few moves of one game compile (or load) the numba kernels, timed apart
        warm = MatchConfig(games=1, parallel=1, openings=0, max_moves=4, seed=args.seed)
        warm_s = run_match(game, [spec, spec], warm).seconds
        config = MatchConfig(games=args.games, parallel=args.parallel, seed=args.seed)
        with tempfile.TemporaryDirectory(prefix="tabula-bench-arena-") as tmp, \
                Store(Path(tmp) / "bench.db") as store:
            s = run_match(game, [spec, spec], config, store=store)
        moves = sum(len(g.moves) for g in s.results)
        r = {"game": game.info.spec, "player": spec, "games": s.played, "parallel": s.parallel,
             "seconds": round(s.seconds, 2), "games_per_minute": round(s.games_per_minute, 2),
             "moves_per_s": round(moves / s.seconds, 1) if s.seconds else 0.0,
             "moves_per_game": round(moves / max(1, s.played), 1),
             "choose_calls": s.choose_calls, "warmup_s": round(warm_s, 2)}
        results.append(r)
        print(f"{game.info.spec:<40} {spec} x2: {s.played} games in {s.seconds:.1f}s = "
              f"{s.games_per_minute:.1f} games/min, {r['moves_per_s']} moves/s, "
              f"{r['moves_per_game']} moves/game ({s.parallel} games in parallel, "
              f"{s.choose_calls} choose calls; warm-up {warm_s:.1f}s)", flush=True)
    print(json.dumps({"bench": "arena", "results": results}))
    return 0
