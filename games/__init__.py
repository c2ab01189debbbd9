"""Rules of Go, gomoku and chess behind one batched Game interface.

This package imports nothing from ``mcts``, ``engine``, ``selfplay``, ``arena``
or torch (``tests/test_layering.py`` keeps it so).
"""

from games.base import (
    NO_ACTION,
    Action,
    ArrayGame,
    ArrayState,
    Game,
    GameInfo,
    IllegalMoveError,
    NotationError,
    Outcome,
    Player,
    Reason,
    SpecError,
)
from games.spec import ALIASES, canonical_spec, make_game, parse_spec

__all__ = [
    "ALIASES", "NO_ACTION", "Action", "ArrayGame", "ArrayState", "Game", "GameInfo",
    "IllegalMoveError", "NotationError", "Outcome", "Player", "Reason", "SpecError",
    "canonical_spec", "make_game", "parse_spec",
]
