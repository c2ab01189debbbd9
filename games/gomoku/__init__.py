"""Gomoku: H x W boards (3-19 per side), k in a row, freestyle or exact rule; tic-tac-toe is 3x3, k = 3.

See ``README.md`` in this folder for the files and the design.
"""

from games.gomoku.coords import (
    COLUMNS,
    action_to_point,
    action_to_text,
    action_to_xy,
    point_to_action,
    text_to_action,
    xy_to_action,
)
from games.gomoku.game import NUM_PLANES, RULES, GomokuGame, GomokuState
from games.gomoku.kernels import BLACK, EMPTY, WHITE

__all__ = [
    "BLACK", "COLUMNS", "EMPTY", "NUM_PLANES", "RULES", "WHITE", "GomokuGame", "GomokuState",
    "action_to_point", "action_to_text", "action_to_xy", "point_to_action", "text_to_action",
    "xy_to_action",
]
