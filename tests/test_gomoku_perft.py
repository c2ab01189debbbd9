"""Perft counts through the batched API (and the slow reference where it is quick enough)."""

from pathlib import Path

import numpy as np
import pytest

from games import make_game
from games.gomoku import reference

DATA = Path(__file__).parent / "data" / "gomoku_perft.txt"
REFERENCE_NODES = 20_000  # the reference walks one Python object per node: keep it small


def load_counts() -> dict[str, list[int]]:
    counts = {}
    for line in DATA.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            spec, *numbers = line.split()
            counts[spec] = [int(n) for n in numbers]
    return counts


COUNTS = load_counts()


def api_perft(spec: str, depth: int) -> list[int]:
    """Games reached at plies 1..depth, expanding a whole ply as one batch."""
    game = make_game(spec)
    frontier, counts = game.initial(1), []
    for _ in range(depth):
        rows, actions = np.nonzero(game.legal_mask(frontier))
        children = game.take(frontier, rows)
        game.apply(children, actions)
        counts.append(len(children))
        frontier = game.take(children, np.flatnonzero(~game.terminal(children)))
    return counts


def test_data_file_has_the_known_tic_tac_toe_counts():
    assert COUNTS["tictactoe"] == [9, 72, 504, 3024, 15120, 54720, 148176, 200448, 127872]


@pytest.mark.parametrize("spec", sorted(COUNTS))
def test_api_perft(spec):
    assert api_perft(spec, len(COUNTS[spec])) == COUNTS[spec]


@pytest.mark.parametrize("spec", sorted(COUNTS))
def test_reference_perft(spec):
    game = make_game(spec)
    plies = np.searchsorted(np.cumsum(COUNTS[spec]), REFERENCE_NODES, side="right")
    expected = COUNTS[spec][:plies]
    assert len(expected) >= 4
    assert reference.perft(game.height, game.width, game.k, game.exact, len(expected)) == expected
