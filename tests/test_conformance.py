"""One conformance test over every game spec: the Game contract, the same for all games."""

import numpy as np
import pytest

from games import Game, IllegalMoveError, NotationError, make_game

SPECS = [
    "tictactoe", "gomoku15", "gomoku:size=6x9,k=4,rule=exact", "gomoku:size=7,k=4,rule=exact",
    "go:size=5,komi=0.5", "go9", "go:size=7,superko=0", "go19:max_moves=60", "chess:max_plies=80",
]
GAMES_PER_SPEC = 2


def random_game(game: Game, rng: np.random.Generator):
    """Yield (states, mask) along one random game, ending with the terminal state."""
    states = game.initial(1)
    while True:
        mask = game.legal_mask(states)
        yield states, mask
        if game.terminal(states)[0]:
            return
        game.apply(states, [int(rng.choice(np.flatnonzero(mask[0])))])


@pytest.fixture(scope="module", params=SPECS)
def game(request) -> Game:
    return make_game(request.param)


def test_info_is_consistent(game):
    info = game.info
    planes = game.encode(game.initial(2))
    assert planes.shape == (2, info.num_planes, *info.board_shape) and planes.dtype == np.float32
    assert game.legal_mask(game.initial(2)).shape == (2, info.num_actions)
    assert info.num_symmetries in (1, 8)


def test_random_games_keep_the_contract(game):
    rng = np.random.default_rng(7)
    for _ in range(GAMES_PER_SPEC):
        length = 0
        for states, mask in random_game(game, rng):
            terminal = bool(game.terminal(states)[0])
            assert mask[0].any() != terminal, "legal moves exist exactly while the game is on"
            value = float(game.outcome(states)[0])
            result = game.result(states)
            assert result.terminal == terminal
            assert value == result.value_for(int(game.to_play(states)[0]))
            if not terminal:
                assert value == 0.0
                length += 1
        assert length <= game.info.max_game_length
        assert result.reason.name != "NONE"


def test_text_round_trips_on_legal_moves(game):
    rng = np.random.default_rng(3)
    for step, (states, mask) in enumerate(random_game(game, rng)):
        for action in np.flatnonzero(mask[0]):
            text = game.action_to_text(states, int(action))
            assert game.text_to_action(states, text) == action, text
        if step >= 6:
            break


def test_garbage_text_and_illegal_moves_are_refused(game):
    states = game.initial(1)
    with pytest.raises(NotationError, match="expected|like"):
        game.text_to_action(states, "@@")
    before = game.render(states)
    # an action that is legal now becomes illegal once played (occupied / not the mover's piece)
    rng = np.random.default_rng(1)
    action = int(rng.choice(game.legal_actions(states)))
    game.apply(states, [action])
    snapshot = game.copy(states)
    illegal = [a for a in range(game.info.num_actions) if not game.legal_mask(states)[0, a]]
    with pytest.raises(IllegalMoveError) as err:
        game.apply(states, [illegal[0]])
    assert game.render(states) == game.render(snapshot), "a refused move changes nothing"
    assert err.value.position and err.value.reason
    assert before != game.render(states)


def test_symmetries_compose_to_identity(game):
    planes = game.encode(game.initial(1))
    planes += np.random.default_rng(0).random(planes.shape, dtype=np.float32)
    policy = np.random.default_rng(1).random((1, game.info.num_actions))
    images = set()
    for sym in range(game.info.num_symmetries):
        inv = game.inverse_symmetry(sym)
        moved = game.transform_planes(planes, sym)
        images.add(moved.tobytes())
        np.testing.assert_array_equal(game.transform_planes(moved, inv), planes)
        np.testing.assert_array_equal(
            game.transform_policy(game.transform_policy(policy, sym), inv), policy)
    assert len(images) == game.info.num_symmetries


def test_rows_are_independent(game):
    """Three different games in one batch give per row what each gives alone."""
    rng = np.random.default_rng(11)
    singles = [game.initial(1) for _ in range(3)]
    batch = game.initial(3)
    for _ in range(12):
        actions = []
        for s in singles:
            legal = np.flatnonzero(game.legal_mask(s)[0])
            actions.append(int(rng.choice(legal)) if len(legal) else -1)
        if min(actions) < 0:
            break
        for s, a in zip(singles, actions):
            game.apply(s, [a])
        game.apply(batch, actions)
    np.testing.assert_array_equal(game.legal_mask(batch),
                                  np.concatenate([game.legal_mask(s) for s in singles]))
    np.testing.assert_array_equal(game.encode(batch),
                                  np.concatenate([game.encode(s) for s in singles]))
    for row, s in enumerate(singles):
        assert game.render(batch, row) == game.render(s)


def test_copy_take_assign_do_not_alias(game):
    states = game.initial(2)
    legal = game.legal_actions(states)
    game.apply(states, [legal[0], legal[-1]])
    picked = game.take(states, [1])
    clone = game.copy(states)
    game.apply(picked, [game.legal_actions(picked)[0]])
    assert game.render(states, 1) == game.render(clone, 1)
    game.assign(states, [0], picked)
    assert game.render(states, 0) == game.render(picked, 0)
    assert game.render(states, 1) == game.render(clone, 1)


def test_resign_ends_the_game_for_the_mover(game):
    states = game.initial(2)
    mover = int(game.to_play(states)[1])
    game.resign(states, [1])
    assert list(game.terminal(states)) == [False, True]
    assert game.result(states, 1).winner == 1 - mover
    assert not game.legal_mask(states)[1].any()
