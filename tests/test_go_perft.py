"""Go perft: games reached at each ply, through the batched API and the slow reference.

The counts in data/go_perft.txt come from games/go/reference.py (regenerate with
``python tests/test_go_perft.py``); plies 1 and 2 from the empty board are also
worked out by hand below.
"""

from pathlib import Path

import numpy as np
import pytest

from games import make_game
from games.go import reference
from games.go.reference import RefGo

DATA = Path(__file__).parent / "data" / "go_perft.txt"
REFERENCE_NODES = 20_000  # the reference tries every move on a copy: keep it small

POSITIONS = {
    "empty": ".....|.....|.....|.....|.....",
    # Black to move with a ko capture at C3 (then White may not retake at B3)
    "ko": ".....|.XO..|XO.O.|.XO..|.....",
    # send two, return one: A5, C5, then Black's B5 repeats the start (superko only)
    "sendtwo": ".X.X.|OOX..|.....|.....|.....",
}
SPECS = ["go:size=5,komi=0.5,superko=1", "go:size=5,komi=0.5,superko=0"]


def load_counts() -> dict[tuple[str, str], list[int]]:
    counts = {}
    for line in DATA.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, spec, *numbers = line.split()
            counts[(name, spec)] = [int(n) for n in numbers]
    return counts


def start(name: str, spec: str):
    game = make_game(spec)
    stones = reference.parse_board(POSITIONS[name].replace("|", "\n"))
    return game, game.setup(stones, to_play=0)


def api_perft(name: str, spec: str, depth: int) -> list[int]:
    """Games reached at plies 1..depth, expanding a whole ply as one batch."""
    game, frontier = start(name, spec)
    counts = []
    for ply in range(depth):
        mask = game.legal_mask(frontier)
        if ply == depth - 1:  # the last ply is counted, not built (it would take ~1 GB)
            counts.append(int(mask.sum()))
            break
        rows, actions = np.nonzero(mask)
        children = game.take(frontier, rows)
        game.apply(children, actions)
        counts.append(len(children))
        frontier = game.take(children, np.flatnonzero(~game.terminal(children)))
    return counts


def reference_perft(name: str, spec: str, depth: int) -> list[int]:
    game, _ = start(name, spec)
    ref = RefGo(5, komi=game.komi, superko=game.superko, max_moves=game.max_moves,
                stones=reference.parse_board(POSITIONS[name].replace("|", "\n")))
    return reference.perft(ref, depth)


COUNTS = load_counts()


def test_empty_board_by_hand():
    # ply 1: 25 points and pass. ply 2: after a stone, 24 points and pass (25 x 25);
    # after a pass, 25 points and pass (26): 651.
    assert COUNTS[("empty", SPECS[0])][:2] == [26, 25 * 25 + 26]
    # ply 3: after stone-stone (25 x 24) 23 points and pass; after stone-pass (25) or
    # pass-stone (25), 24 points and pass; pass-pass ended the game.
    assert COUNTS[("empty", SPECS[0])][2] == 25 * 24 * 24 + 25 * 25 + 25 * 25


def test_superko_changes_the_send_two_count_at_ply_three():
    on, off = COUNTS[("sendtwo", SPECS[0])], COUNTS[("sendtwo", SPECS[1])]
    assert on[:2] == off[:2] and on[2] < off[2]


@pytest.mark.parametrize("key", sorted(COUNTS), ids=lambda k: f"{k[0]}-{k[1][-9:]}")
def test_api_perft(key):
    assert api_perft(*key, len(COUNTS[key])) == COUNTS[key]


@pytest.mark.parametrize("key", sorted(COUNTS), ids=lambda k: f"{k[0]}-{k[1][-9:]}")
def test_reference_perft(key):
    plies = int(np.searchsorted(np.cumsum(COUNTS[key]), REFERENCE_NODES, side="right"))
    assert plies >= 2
    assert reference_perft(*key, plies) == COUNTS[key][:plies]


def generate(depth: int = 4) -> str:
    lines = []
    for name in POSITIONS:
        for spec in SPECS:
            counts = reference_perft(name, spec, depth)
            lines.append(f"{name:8s} {spec:30s} " + " ".join(map(str, counts)))
    return "\n".join(lines)


if __name__ == "__main__":
    print(generate())
