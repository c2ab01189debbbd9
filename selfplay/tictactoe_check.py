"""Benchmark: does a tic-tac-toe checkpoint play perfectly? Checked against minimax.

    python -m selfplay.tictactoe_check RUN_DIR_OR_CHECKPOINT [--sims N] [--puct]

A run directory means its newest checkpoint, searched with the run's arena
simulation count (``arena.sims`` of RUN/config.json, the count its Elo table
was measured at); a checkpoint file means that file at 32 simulations (self-play's). The
search is the arena's evaluation search: Gumbel, noise scale 0, all 9 moves
considered. Two checks, printed with one JSON line last:

* every reachable position (each board once, reached by one move order; the
  planes also show the last move, so other orders may differ): the agent's move (search with ``--sims``, no noise;
  and the raw policy's argmax) keeps the minimax value of the position;
* games against a perfect minimax player, both colours, every first move when
  minimax starts and every optimal minimax reply throughout (a tree of games):
  the agent must never lose.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import numpy as np

DEFAULT_SIMS = 32
"""Simulations when neither --sims nor the run's config says: tic-tac-toe self-play's count."""
LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]


def winner(board: tuple[int, ...]) -> int | None:
    """0 or 1 if that player has three in a row, else None. Cells: -1 empty, 0, 1."""
    for a, b, c in LINES:
        if board[a] >= 0 and board[a] == board[b] == board[c]:
            return board[a]
    return None


@lru_cache(maxsize=None)
def value(board: tuple[int, ...], to_play: int) -> int:
    """Minimax value for ``to_play``: +1 win, 0 draw, -1 loss."""
    w = winner(board)
    if w is not None:
        return 1 if w == to_play else -1
    moves = [i for i in range(9) if board[i] < 0]
    if not moves:
        return 0
    return max(-value(play(board, m, to_play), 1 - to_play) for m in moves)


def play(board: tuple[int, ...], move: int, player: int) -> tuple[int, ...]:
    b = list(board)
    b[move] = player
    return tuple(b)


def optimal_moves(board: tuple[int, ...], to_play: int) -> list[int]:
    best = value(board, to_play)
    return [m for m in range(9) if board[m] < 0 and -value(play(board, m, to_play), 1 - to_play) == best]


def reachable() -> list[tuple[tuple[int, ...], int, list[int]]]:
    """Every non-terminal position reachable from the empty board: (board, to_play, moves)."""
    seen: dict[tuple[int, ...], tuple[int, list[int]]] = {}

    def walk(board: tuple[int, ...], to_play: int, moves: list[int]) -> None:
        if board in seen or winner(board) is not None or min(board) >= 0:
            return
        seen[board] = (to_play, moves)
        for m in range(9):
            if board[m] < 0:
                walk(play(board, m, to_play), 1 - to_play, moves + [m])

    walk((-1,) * 9, 0, [])
    return [(b, tp, mv) for b, (tp, mv) in seen.items()]


class Agent:
    """A network with a deterministic Gumbel search (no noise), on tic-tac-toe move lists.

    ``source`` is a checkpoint path or a ``PolicyValueNet`` (used in place, on CPU).
    """

    def __init__(self, source: Any, sims: int, gumbel: bool = True) -> None:
        from engine.checkpoint import load_checkpoint
        from engine.inference import TorchEvaluator, configure_cpu_threads
        from games import make_game

        configure_cpu_threads(1)
        self.game = make_game("tictactoe")
        net = load_checkpoint(source).net if isinstance(source, (str, os.PathLike)) else source
        self.evaluator = TorchEvaluator(net, "cpu")
        self.sims = sims
        self.gumbel = gumbel
        self._cache: dict[tuple[int, ...], int] = {}

    def states(self, positions: list[list[int]]):  # noqa: ANN201 - a GomokuState
        game = self.game
        states = game.initial(len(positions))
        for b, moves in enumerate(positions):
            sub = game.initial(1)
            for m in moves:
                game.apply(sub, [m])
            game.assign(states, [b], sub)
        return states

    def moves(self, positions: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """(search move, raw policy argmax) per position given as a move list."""
        from mcts import Search, SearchConfig

        states = self.states(positions)
        logits, _ = self.evaluator(self.game.encode(states))
        raw = np.where(self.game.legal_mask(states), logits, -np.inf).argmax(axis=1)
        cfg = (SearchConfig(num_simulations=self.sims, gumbel=True, gumbel_scale=0.0, gumbel_considered=9)
               if self.gumbel else SearchConfig(num_simulations=self.sims))
        searched = Search(self.game, self.evaluator, len(positions), cfg).run(states).action
        return searched, raw

    def choose(self, moves: list[int]) -> int:
        key = tuple(moves)
        if key not in self._cache:
            self._cache[key] = int(self.moves([moves])[0][0])
        return self._cache[key]


def games_vs_minimax(choose: Callable[[list[int]], int]) -> dict[str, int]:
    """Agent against every optimal minimax line (and every first move when minimax starts)."""
    tally = {"win": 0, "draw": 0, "loss": 0}

    def rec(board: tuple[int, ...], to_play: int, agent: int, moves: list[int]) -> None:
        w = winner(board)
        if w is not None or min(board) >= 0:
            tally["draw" if w is None else ("win" if w == agent else "loss")] += 1
            return
        if to_play == agent:
            m = choose(moves)
            rec(play(board, m, to_play), 1 - to_play, agent, moves + [m])
            return
        options = range(9) if not moves else optimal_moves(board, to_play)
        for m in options:
            if board[m] < 0:
                rec(play(board, m, to_play), 1 - to_play, agent, moves + [m])

    rec((-1,) * 9, 0, 0, [])
    rec((-1,) * 9, 0, 1, [])
    return tally


def check(source: Any, sims: int = DEFAULT_SIMS, *, gumbel: bool = True) -> dict[str, Any]:
    """Both checks for a checkpoint path or a network: wrong moves over reachable positions, games.

    ``imperfect_search_moves``: reachable positions where the searched move changes the
    minimax value; ``imperfect_policy_moves``: the same for the raw policy's argmax;
    ``games_vs_minimax``: W/D/L over every optimal minimax line, both colours;
    ``empty_board_losses``: losses of the two games from the empty board (one per colour)
    where minimax always plays its first optimal move.
    """
    positions = reachable()
    agent = Agent(source, sims, gumbel=gumbel)
    searched, raw = agent.moves([mv for _, _, mv in positions])
    bad_search = bad_raw = 0
    for (board, to_play, _), s, r in zip(positions, searched, raw):
        good = optimal_moves(board, to_play)
        bad_search += int(s) not in good
        bad_raw += int(r) not in good
    tally = games_vs_minimax(agent.choose)
    return {"sims": sims, "search": "gumbel" if gumbel else "puct", "positions": len(positions),
            "imperfect_search_moves": bad_search, "imperfect_policy_moves": bad_raw,
            "games_vs_minimax": tally, "empty_board_losses": empty_board_losses(agent.choose),
            "perfect": bad_search == 0 and tally["loss"] == 0}


def empty_board_losses(choose: Callable[[list[int]], int]) -> int:
    """Losses in the two games from the empty board where minimax plays its first optimal move."""
    losses = 0
    for agent in (0, 1):
        board, moves, to_play = (-1,) * 9, [], 0
        while winner(board) is None and min(board) < 0:
            m = choose(moves) if to_play == agent else optimal_moves(board, to_play)[0]
            board, moves, to_play = play(board, m, to_play), moves + [m], 1 - to_play
        losses += int(winner(board) == 1 - agent)
    return losses


def resolve_target(target: str, sims: int | None) -> tuple[str, int]:
    """(checkpoint path, simulations) for a run directory or a checkpoint file; ValueError if neither."""
    path = Path(target)
    if path.is_dir():
        ckpts = sorted((path / "checkpoints").glob("step-*.safetensors"))
        if not ckpts:
            raise ValueError(f"{path}: no checkpoints/step-*.safetensors (not a tabula run directory?)")
        if sims is None:
            try:
                sims = int(json.loads((path / "config.json").read_text())["arena"]["sims"])
            except (OSError, ValueError, KeyError, TypeError):
                sims = DEFAULT_SIMS
        return str(ckpts[-1]), sims
    if not path.is_file():
        raise ValueError(f"{path}: no such run directory or checkpoint file")
    return str(path), DEFAULT_SIMS if sims is None else sims


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", help="a run directory (its newest checkpoint) or a checkpoint file")
    parser.add_argument("--sims", type=int, default=None,
                        help="simulations per move (default: the run's arena.sims, else 32)")
    parser.add_argument("--puct", action="store_true", help="PUCT search instead of Gumbel (no noise)")
    args = parser.parse_args(argv)
    try:
        path, sims = resolve_target(args.target, args.sims)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = {"bench": "tictactoe_check", "checkpoint": path, **check(path, sims, gumbel=not args.puct)}
    tally = result["games_vs_minimax"]
    print(f"{result['positions']} reachable positions: {result['search']} (sims={sims}) misses the minimax "
          f"value in {result['imperfect_search_moves']}, raw policy in {result['imperfect_policy_moves']}; "
          f"vs minimax (all optimal lines, both colours): {tally['win']} W {tally['draw']} D {tally['loss']} L")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
