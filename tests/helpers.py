"""Shared test helpers (imported as ``helpers``: pytest puts tests/ on sys.path)."""

from __future__ import annotations

import numpy as np

from arena.player import Choice
from arena.players import make_player


def play_games(game, specs, n_games, *, seed=0, max_plies=10_000):
    """Lockstep games of two player specs in ``n_games`` slots, colours alternating.

    Kept apart from ``arena.match`` on purpose, so player tests do not rest on
    the runner. Asserts every answer is a legal move. Returns the final states,
    the score of ``specs[0]`` per game and the plies played.
    """
    players = [make_player(spec, game, seed=seed + i) for i, spec in enumerate(specs)]
    for p in players:
        p.start(game, n_games)
    states = game.initial(n_games)
    first = [g % 2 for g in range(n_games)]  # index of the player moving first in game g
    for g in range(n_games):
        for p in players:
            p.new_game(g, game.take(states, [g]))
    plies = 0
    while plies < max_plies:
        live = np.flatnonzero(~game.terminal(states)).tolist()
        if not live:
            break
        to_play = game.to_play(states)
        moves = {}
        for index, player in enumerate(players):
            rows = [g for g in live if (first[g] if to_play[g] == 0 else 1 - first[g]) == index]
            if rows:
                choices = player.choose(rows, game.take(states, rows))
                assert len(choices) == len(rows)
                for g, choice in zip(rows, choices):
                    assert isinstance(choice, Choice) and choice.fault is None, choice
                    assert not choice.resign, choice
                    assert game.legal_mask(game.take(states, [g]))[0, choice.action], (g, choice)
                    moves[g] = choice.action
        for g, action in moves.items():
            row = game.take(states, [g])
            game.apply(row, [action])
            game.assign(states, [g], row)
            for p in players:
                p.moved(g, action)
        plies += 1
    scores = []
    for g in range(n_games):
        for p in players:
            p.end_game(g)
        if game.terminal(game.take(states, [g]))[0]:
            winner = game.result(states, g).winner
            scores.append(0.5 if winner is None else float((first[g] if winner == 0 else 1 - first[g]) == 0))
    for p in players:
        p.close()
    return states, scores, plies
