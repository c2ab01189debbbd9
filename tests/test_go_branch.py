"""GoGame.branch_rows (the search's compact leaf rows) against apply + the rules' facts + encode.

A search's state store keeps only board, captured_at and the scalars per row;
chains are rebuilt and history planes read from the predecessors' rows. Along
random games (small boards for captures and ko, passes, games played to their
end) each compact row must give exactly what the full state gives.
"""

import numpy as np
import pytest

from games import make_game
from games.base import IllegalMoveError


def full_facts(game, state):
    return (game.to_play(state), game.terminal(state), game.outcome(state),
            game.legal_mask(state), game.encode(state))


@pytest.mark.parametrize("spec,seed", [("go:size=5,komi=0.5", 1), ("go:size=5,komi=0", 2),
                                       ("go:size=9,komi=7", 3)])
def test_compact_rows_give_what_full_states_give(spec, seed):
    game = make_game(spec)
    rng = np.random.default_rng(seed)
    root = game.initial(1)
    for _ in range(int(rng.integers(0, 12))):  # a root with some history of its own
        game.apply(root, [int(rng.choice(np.flatnonzero(game.legal_mask(root)[0][:-1])))])
    full = game.drop_superko(root)
    store = game.take(full, np.zeros(300, np.int64))  # row 0: the full root row
    chain = [0]  # store rows from the root down the line
    n = game.info.num_actions
    out = dict(to_play=np.zeros(1, np.int8), terminal=np.zeros(1, np.bool_),
               outcome=np.zeros(1, np.float32), legal=np.zeros((1, n), np.bool_),
               planes=np.zeros((1, *full_facts(game, full)[4].shape[1:]), np.float32))
    steps = 0
    while not game.terminal(full)[0] and steps < 120:
        legal = np.flatnonzero(game.legal_mask(full)[0])
        stones = legal[:-1]
        pass_now = rng.random() < 0.08 or not len(stones)
        action = int(legal[-1] if pass_now else rng.choice(stones))
        game.apply(full, [action])
        row = len(chain)
        hist = np.full((1, 8), -1, np.int64)
        for t in range(8):
            if t < len(chain) + 1:
                hist[0, t] = row if t == 0 else chain[-t]
        game.branch_rows(store, np.array([chain[-1]]), np.array([row]), np.array([action]), 1,
                         hist, **out)
        chain.append(row)
        to_play, terminal, outcome, legal_mask, planes = full_facts(game, full)
        assert out["to_play"][0] == to_play[0] and out["terminal"][0] == terminal[0]
        assert out["outcome"][0] == outcome[0]
        np.testing.assert_array_equal(out["legal"][0], legal_mask[0], err_msg=f"step {steps}")
        np.testing.assert_array_equal(out["planes"][0], planes[0], err_msg=f"step {steps}")
        assert store.board[row].tobytes() == full.board[0].tobytes()
        assert store.zobrist[row] == full.zobrist[0] and store.ko[row] == full.ko[0]
        steps += 1
    assert steps > 10
    assert full.captures.sum() > 0 or spec.startswith("go:size=9")


def test_a_root_leaf_copies_its_history_and_illegal_moves_are_refused():
    game = make_game("go:size=5,komi=0.5")
    s = game.initial(1)
    for move in ("C3", "C2", "B2"):
        game.play_text(s, move)
    full = game.drop_superko(s)
    store = game.take(full, np.zeros(3, np.int64))
    n = game.info.num_actions
    out = dict(to_play=np.zeros(2, np.int8), terminal=np.zeros(2, np.bool_),
               outcome=np.zeros(2, np.float32), legal=np.zeros((2, n), np.bool_),
               planes=np.zeros((2, 18, 5, 5), np.float32))
    hist = np.array([[1] + [-1] * 7, [0] * 8], np.int64)
    game.branch_rows(store, np.array([0]), np.array([1]), np.zeros(0, np.int64), 0, hist, **out)
    np.testing.assert_array_equal(out["planes"][0], game.encode(full)[0])
    np.testing.assert_array_equal(out["legal"][0], game.legal_mask(full)[0])
    occupied = game.text_to_action(s, "C3")
    with pytest.raises(IllegalMoveError, match="occupied"):
        game.branch_rows(store, np.array([1]), np.array([2]), np.array([occupied]), 1,
                         np.array([[2, 1] + [-1] * 6]), **out)
