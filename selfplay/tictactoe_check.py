"""Benchmark (not a test): does a tic-tac-toe checkpoint play perfectly? Checked against minimax.

    python -m selfplay.tictactoe_check RUN/checkpoints/step-000300.safetensors [--sims 16]

Two checks, printed with one JSON line last:

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
import sys
from functools import lru_cache
from typing import Callable

import numpy as np

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
    """A checkpoint with a deterministic Gumbel search (no noise), on tic-tac-toe move lists."""

    def __init__(self, path: str, sims: int, gumbel: bool = True) -> None:
        from engine.checkpoint import load_checkpoint
        from engine.inference import TorchEvaluator, configure_cpu_threads
        from games import make_game

        configure_cpu_threads(1)
        self.game = make_game("tictactoe")
        self.evaluator = TorchEvaluator(load_checkpoint(path).net, "cpu")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("--sims", type=int, default=16)
    parser.add_argument("--puct", action="store_true", help="PUCT search instead of Gumbel (no noise)")
    args = parser.parse_args(argv)
    positions = reachable()
    agent = Agent(args.checkpoint, args.sims, gumbel=not args.puct)
    searched, raw = agent.moves([mv for _, _, mv in positions])
    bad_search = bad_raw = 0
    for (board, to_play, _), s, r in zip(positions, searched, raw):
        good = optimal_moves(board, to_play)
        bad_search += int(s) not in good
        bad_raw += int(r) not in good
    tally = games_vs_minimax(agent.choose)
    result = {"bench": "tictactoe_check", "checkpoint": args.checkpoint, "sims": args.sims,
              "search": "puct" if args.puct else "gumbel",
              "positions": len(positions), "imperfect_search_moves": bad_search,
              "imperfect_policy_moves": bad_raw, "games_vs_minimax": tally,
              "perfect": bad_search == 0 and tally["loss"] == 0}
    print(f"{len(positions)} reachable positions: {result['search']} (sims={args.sims}) misses the minimax value "
          f"in {bad_search}, raw policy in {bad_raw}; vs minimax (all optimal lines, both colours): "
          f"{tally['win']} W {tally['draw']} D {tally['loss']} L")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
