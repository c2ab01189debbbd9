"""The `tabula play`, `tabula gtp`, `tabula uci` and `tabula gomocup` subcommands.

Each takes ``--player SPEC`` (any arena player spec: ``search:sims=200``,
``ckpt:PATH``, ``random``, ``rollout:500``, ``gtp:gnugo --mode gtp``, ...) or
``--checkpoint X`` alone (= ``ckpt:X``; the game comes from the checkpoint
header), and a budget: ``--sims N`` (simulations per move, the tree's
capacity) and/or ``--time S`` (seconds per move when the protocol gives no
clock). Torch, numba and the arena are imported inside the command functions
so ``tabula --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable

DEFAULT_PLAYER = "search"
"""Without --player/--checkpoint: our search with the uniform stand-in evaluator."""
TIME_CAPACITY = 10_000
"""Tree capacity (simulations) when only --time is given: the clock, not the tree, stops it."""


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def player_spec(args: argparse.Namespace) -> str:
    """The player spec the flags name: --player, else ckpt:--checkpoint, else the default search."""
    if args.player and args.checkpoint:
        raise SystemExit("tabula: error: give --player or --checkpoint, not both")
    if args.player:
        return args.player
    if args.checkpoint:
        return f"ckpt:{args.checkpoint}"
    return DEFAULT_PLAYER


def checkpoint_game(spec: str) -> str | None:
    """The game spec stored in a ckpt: player's checkpoint header (None for other players)."""
    if not spec.startswith("ckpt:"):
        return None
    from arena.players import parse_player_spec
    from engine.checkpoint import read_header

    _, options = parse_player_spec(spec)
    return str(read_header(options["path"])["game"])


def agent_factory(args: argparse.Namespace) -> Callable[[str], Any]:
    """``make_agent(game_spec) -> Agent`` for the flags; a checkpoint is loaded only once."""
    from arena.players import SearchPlayer, make_player, parse_player_spec, search_config
    from engine.agent import Agent
    from games import make_game

    spec = player_spec(args)
    kind, options = parse_player_spec(spec)
    sims = args.sims if args.sims else (TIME_CAPACITY if args.time and "sims" not in options else None)
    if sims and kind in ("search", "ckpt"):
        options["sims"] = sims
    loaded: dict[str, Any] = {}

    def make_agent(game_spec: str) -> Agent:
        game = make_game(game_spec)
        if kind == "ckpt":
            evaluator, header = _checkpoint(loaded, options)
            if evaluator.info.board_shape != game.info.board_shape or evaluator.num_actions != game.info.num_actions:
                raise ValueError(f"the checkpoint plays {evaluator.info.spec}, not {game_spec}")
            config = search_config({"seed": args.seed, **options}, header.get("search") or {})
            player = SearchPlayer(spec, game, evaluator, config)
        elif kind == "search":
            opts = ",".join(f"{k}={_fmt(v)}" for k, v in options.items())
            player = make_player(f"search:{opts}" if opts else "search", game, seed=args.seed)
        else:
            player = make_player(spec, game, seed=args.seed)
        return Agent(game, player, seconds=args.time, log=_log)

    return make_agent


def _fmt(value: Any) -> str:
    return str(int(value)) if isinstance(value, bool) else str(value)


def _checkpoint(loaded: dict[str, Any], options: dict[str, Any]) -> tuple[Any, dict]:
    if "evaluator" not in loaded:
        from engine.checkpoint import load_checkpoint
        from engine.inference import TorchEvaluator, configure_cpu_threads

        device = options.get("device", "auto")
        if device in ("cpu", "auto"):
            configure_cpu_threads(1)
        ckpt = load_checkpoint(options["path"])
        loaded["evaluator"] = TorchEvaluator(ckpt.net, device=device)
        loaded["header"] = ckpt.header
    return loaded["evaluator"], loaded["header"]


def _game_for(args: argparse.Namespace, default: str) -> str:
    """--game, else the checkpoint's game, else ``default``."""
    if getattr(args, "game", None):
        return args.game
    return checkpoint_game(player_spec(args)) or default


# -- commands -------------------------------------------------------------------------
def _cmd_gtp(args: argparse.Namespace) -> int:
    from engine.gtp import GtpServer

    spec = _game_for(args, "go:size=19,komi=7.5")
    server = GtpServer(agent_factory(args), spec)
    return server.run(sys.stdin)


def _cmd_uci(args: argparse.Namespace) -> int:
    from engine.uci import UciServer

    base = agent_factory(args)
    game = _game_for(args, "chess")

    def make_agent(weights: str | None, sims: int | None) -> Any:
        if weights is None and sims is None:
            return base(game)
        local = argparse.Namespace(**vars(args))
        if weights is not None:
            local.player, local.checkpoint = None, weights
        if sims is not None:
            local.sims = sims
        return agent_factory(local)(game)

    return UciServer(make_agent).run(sys.stdin)


def _cmd_gomocup(args: argparse.Namespace) -> int:
    from engine.gomocup import GomocupServer

    spec = _game_for(args, "gomoku:size=15,k=5,rule=freestyle")
    return GomocupServer(agent_factory(args), spec).run(sys.stdin)


def _cmd_play(args: argparse.Namespace) -> int:
    from engine.terminal import play

    game = args.game or checkpoint_game(player_spec(args))
    if not game:
        raise SystemExit("tabula: error: name a GAME (e.g. go9, chess, gomoku15, tictactoe) "
                         "or give --checkpoint")
    return play(agent_factory(args), game, colour=args.color, seed=args.seed)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--player", help="player spec: search:sims=N, ckpt:PATH, random, rollout:N, "
                                    "gtp:CMD, ... (default: search with a uniform evaluator)")
    p.add_argument("--checkpoint", help="checkpoint file; alone it is enough (game from its header)")
    p.add_argument("--sims", type=int, default=None, help="simulations per move (tree capacity)")
    p.add_argument("--time", type=float, default=None,
                   help="seconds per move when the protocol gives no clock")
    p.add_argument("--seed", type=int, default=0)


def register(sub: argparse._SubParsersAction, bench_sub: argparse._SubParsersAction) -> None:
    """Add play, gtp, uci and gomocup to the tabula command line."""
    play = sub.add_parser("play", help="play a game against the engine in the terminal")
    play.add_argument("game", nargs="?", help="game spec: go9, chess, gomoku15, tictactoe, ...")
    play.add_argument("--color", "--colour", choices=("black", "white", "random"), default="black",
                      help="your side (black = the first player; White in chess)")
    _common(play)
    play.set_defaults(func=_cmd_play)

    gtp = sub.add_parser("gtp", help="GTP engine on stdin/stdout (Sabaki, GoGui, Lizzie)")
    gtp.add_argument("--game", help="game spec (default go:size=19,komi=7.5, or the checkpoint's)")
    _common(gtp)
    gtp.set_defaults(func=_cmd_gtp)

    uci = sub.add_parser("uci", help="UCI chess engine on stdin/stdout (cutechess, lichess-bot)")
    uci.add_argument("--game", help=argparse.SUPPRESS)
    _common(uci)
    uci.set_defaults(func=_cmd_uci)

    gomocup = sub.add_parser("gomocup", help="Gomocup/Piskvork brain on stdin/stdout")
    gomocup.add_argument("--game", help="game spec (default gomoku:size=15,k=5,rule=freestyle)")
    _common(gomocup)
    gomocup.set_defaults(func=_cmd_gomocup)
