"""Go: rules as numba kernels over padded boards behind the batched Game API.

Files, lowest first (see README.md): coords.py (coordinate systems), kernels.py
(numba rules, internal), handicap.py (GTP fixed handicap), game.py (GoGame,
GoState), reference.py (slow pure-Python rules for the tests).
"""

from games.go.game import GoGame, GoState
from games.go.handicap import fixed_handicap, max_fixed_handicap

__all__ = ["GoGame", "GoState", "fixed_handicap", "max_fixed_handicap"]
