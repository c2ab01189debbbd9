"""Perft through the ChessGame interface: legal_mask plus push/pop, and batched take/apply.

The counts live in tests/data/chess_perft.epd (the chess programming wiki's
positions). Every legal move is found through the 4672-action mask and played by
decoding its action, so a wrong table entry or a lost move changes a count.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from games.chess import ChessGame, ChessState

SUITE = Path(__file__).parent / "data" / "chess_perft.epd"
LEAF_BUDGET = 200_000
"""Each position runs to the deepest listed depth with at most this many leaves."""
BATCHED_LEAF_BUDGET = 10_000


def load_suite() -> list[tuple[str, list[tuple[int, int]]]]:
    """[(fen, [(depth, count), ...])] from the EPD-style data file."""
    suite = []
    for line in SUITE.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fen, *fields = (part.strip() for part in line.split(";"))
        counts = [(int(f[1:].split()[0]), int(f.split()[1])) for f in fields]
        suite.append((fen, counts))
    return suite


def deepest(budget: int) -> list[tuple[str, int, int]]:
    cases = []
    for fen, counts in load_suite():
        depth, count = max((d, c) for d, c in counts if c <= budget)
        cases.append((fen, depth, count))
    return cases


def perft_push_pop(game: ChessGame, states: ChessState, depth: int) -> int:
    """Leaf count below row 0, walking the tree with push/pop on one state."""
    actions = np.flatnonzero(game.legal_mask(states)[0])
    if depth == 1:
        return len(actions)
    total = 0
    for action in actions:
        game.push(states, 0, int(action))
        total += perft_push_pop(game, states, depth - 1)
        assert game.pop(states, 0) == action
    return total


def perft_batched(game: ChessGame, states: ChessState, depth: int) -> int:
    """Leaf count below every row, one batch per tree level (take + checked apply)."""
    mask = game.legal_mask(states)
    if depth == 1:
        return int(mask.sum())
    rows, actions = np.nonzero(mask)
    children = game.take(states, rows)
    game.apply(children, actions)
    return perft_batched(game, children, depth - 1)


def test_suite_file_has_all_positions():
    fens = [fen for fen, _ in load_suite()]
    assert len(fens) == 7 and len(set(fens)) == 7
    assert all(counts[0][0] == 1 for _, counts in load_suite())


@pytest.mark.parametrize("fen,depth,count", deepest(LEAF_BUDGET))
def test_perft_push_pop(fen, depth, count):
    game = ChessGame()
    states = game.from_fen(fen)
    before = game.render(states)
    assert perft_push_pop(game, states, depth) == count
    assert game.render(states) == before, "pop restores the root"


@pytest.mark.parametrize("fen,depth,count", deepest(BATCHED_LEAF_BUDGET))
def test_perft_batched_apply(fen, depth, count):
    game = ChessGame()
    assert perft_batched(game, game.from_fen(fen), depth) == count
