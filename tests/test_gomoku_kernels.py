"""The kernels checked three ways: compiled, as plain Python (``py_func``), and the slow reference.

Seeded random games are drawn with the reference; after every move the
batched API (once with the compiled kernels, once with every kernel swapped
for its ``py_func``) must give the reference's board, legal points, result and
feature planes. A batch of three rows must give per row what each gives alone.
"""

from contextlib import contextmanager

import numpy as np
import pytest
from numba import config

from games import make_game
from games.gomoku import kernels
from games.gomoku.game import GomokuGame
from games.gomoku.reference import ReferenceGomoku

# spec -> number of random games
SPECS = {
    "tictactoe": 30,
    "gomoku:size=7,k=4": 6,
    "gomoku:size=7,k=3,rule=exact": 6,
    "gomoku15": 2,
    "gomoku:size=15,k=5,rule=exact": 2,
    "gomoku:size=6x9,k=4": 4,
    "gomoku:size=9x6,k=4,rule=exact": 4,
}
OVERLINES_IN_PLAY = ["gomoku:size=15,k=5,rule=exact", "gomoku:size=9x6,k=4,rule=exact"]
"""Specs whose seeded games pass through overlines that did not win (the exact rule at work)."""


@contextmanager
def python_kernels():
    """Swap every compiled kernel for its ``py_func`` (inner calls resolve to the swapped names).

    Under NUMBA_DISABLE_JIT=1 the kernels are plain functions already and nothing is swapped.
    """
    compiled = {name: f for name, f in vars(kernels).items() if hasattr(f, "py_func")}
    assert config.DISABLE_JIT or {"apply_batch", "legal_mask_batch", "encode_batch", "wins_at",
                                  "place"} <= set(compiled)
    try:
        for name, f in compiled.items():
            setattr(kernels, name, f.py_func)
        yield
    finally:
        for name, f in compiled.items():
            setattr(kernels, name, f)


def reference_for(game: GomokuGame) -> ReferenceGomoku:
    return ReferenceGomoku(game.height, game.width, game.k, game.exact)


def random_games(game: GomokuGame, count: int, seed: int) -> list[list[ReferenceGomoku]]:
    """``count`` seeded random games, each as the list of reference positions (start included)."""
    rng = np.random.default_rng(seed)
    games = []
    for _ in range(count):
        ref, line = reference_for(game), []
        line.append(snapshot(ref))
        while not ref.over:
            ref.play(int(rng.choice(ref.legal_actions())))
            line.append(snapshot(ref))
        games.append(line)
    return games


def snapshot(ref: ReferenceGomoku) -> dict:
    """What the API must reproduce of one reference position."""
    return dict(board=np.array(ref.board, dtype=np.int8).reshape(-1), legal=ref.legal_actions(),
                winner=ref.winner, over=ref.over, outcome=ref.outcome(), to_play=ref.to_play,
                planes=np.array(ref.planes(), dtype=np.float32), last=ref.last_move,
                longest=max([length for _, length in ref.lines()], default=0))


def check_row(game: GomokuGame, states, row: int, want: dict, where: str) -> None:
    np.testing.assert_array_equal(states.board[row], want["board"], err_msg=where)
    assert np.flatnonzero(game.legal_mask(states)[row]).tolist() == want["legal"], where
    result = game.result(states, row)
    assert (result.winner, result.terminal) == (want["winner"], want["over"]), where
    assert game.terminal(states)[row] == want["over"], where
    assert game.outcome(states)[row] == want["outcome"], where
    assert game.to_play(states)[row] == want["to_play"], where
    np.testing.assert_array_equal(game.encode(states)[row], want["planes"], err_msg=where)


def replay(game: GomokuGame, line: list[dict], label: str) -> None:
    states = game.initial(1)
    check_row(game, states, 0, line[0], f"{label} start")
    for ply, want in enumerate(line[1:], 1):
        game.apply(states, [want["last"]])
        check_row(game, states, 0, want, f"{label} ply {ply}:\n{game.render(states)}")


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_compiled_python_and_reference_agree_after_every_move(spec):
    game = make_game(spec)
    lines = random_games(game, SPECS[spec], seed=len(spec))
    assert any(line[-1]["winner"] is not None for line in lines) or spec == "tictactoe"
    if spec in OVERLINES_IN_PLAY:
        assert any(p["longest"] > game.k and not p["over"] for line in lines for p in line)
    for i, line in enumerate(lines):
        replay(game, line, f"{spec} game {i} (compiled)")
    with python_kernels():
        for i, line in enumerate(lines[:2]):
            replay(game, line, f"{spec} game {i} (py_func)")


def test_tic_tac_toe_playouts_reach_wins_draws_and_both_winners():
    lines = random_games(make_game("tictactoe"), SPECS["tictactoe"], seed=len("tictactoe"))
    assert {line[-1]["winner"] for line in lines} == {None, 0, 1}


@pytest.mark.parametrize("spec", ["tictactoe", "gomoku:size=7,k=4", "gomoku:size=6x9,k=4,rule=exact"])
def test_a_batch_of_three_rows_gives_each_row_alone(spec):
    """Rows of different lengths in one batch; finished rows leave the batch via take/assign."""
    game = make_game(spec)
    lines = random_games(game, 3, seed=99)
    batch = game.initial(3)
    for ply in range(1, max(len(line) for line in lines)):
        live = [r for r, line in enumerate(lines) if ply < len(line)]
        actions = [lines[r][ply]["last"] for r in live]
        if len(live) == 3:
            game.apply(batch, actions)
        else:
            sub = game.take(batch, live)
            game.apply(sub, actions)
            game.assign(batch, live, sub)
        for r, line in enumerate(lines):
            check_row(game, batch, r, line[min(ply, len(line) - 1)], f"{spec} row {r} ply {ply}")
    assert len({len(line) for line in lines}) > 1, "want games of different lengths"


def test_kernel_batch_rows_match_single_rows_directly():
    """The raw batched kernels on 3 rows against 3 one-row calls, finished row included."""
    game = make_game("gomoku:size=7,k=4")
    lines = random_games(game, 3, seed=5)
    batch = game.initial(3)
    for r, line in enumerate(lines):
        state = game.initial(1)
        for want in line[1: 8 + 4 * r] if r < 2 else line[1:]:
            game.apply(state, [want["last"]])
        game.assign(batch, [r], state)
    assert game.terminal(batch)[2]
    mask = np.zeros((3, 49), dtype=bool)
    planes = np.zeros((3, 4, 7, 7), dtype=np.float32)
    kernels.legal_mask_batch(batch.board, batch.reason, mask)
    kernels.encode_batch(batch.board, batch.to_play, batch.last_move, planes, 7, 7)
    for r in range(3):
        one = game.take(batch, [r])
        np.testing.assert_array_equal(mask[r], game.legal_mask(one)[0])
        np.testing.assert_array_equal(planes[r], game.encode(one)[0])
    actions = np.array([int(np.flatnonzero(mask[r])[0]) if r < 2 else 0 for r in range(3)])
    errors = np.zeros(3, dtype=np.int8)
    args = (kernels.DIRECTIONS, 7, 7, 4, False)
    state = game.copy(batch)
    bad = kernels.apply_batch(state.board, state.to_play, state.moves, state.last_move, state.winner,
                              state.reason, actions, errors, *args)
    assert bad == 1 and errors.tolist() == [kernels.OK, kernels.OK, kernels.ERR_GAME_OVER]
    np.testing.assert_array_equal(state.board, batch.board)  # one bad row: nothing changed
    pair = game.take(batch, [0, 1])
    assert kernels.apply_batch(pair.board, pair.to_play, pair.moves, pair.last_move, pair.winner,
                               pair.reason, actions[:2], errors[:2], *args) == 0
    for r in range(2):
        one = game.take(batch, [r])
        game.apply(one, [actions[r]])
        np.testing.assert_array_equal(pair.board[r], one.board[0])
        assert (pair.moves[r], pair.last_move[r], pair.to_play[r]) == (one.moves[0], one.last_move[0],
                                                                        one.to_play[0])
