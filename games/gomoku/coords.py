"""Every coordinate system of an H x W gomoku board, in one table.

=======  ===============  ==============================================================
system   15x15 centre     meaning
=======  ===============  ==============================================================
action   ``112``          ``y * W + x``: the policy index and the board index
point    ``(7, 7)``       ``(y, x)``, 0-based, y = 0 the TOP row
text     ``"h8"``         column letter ``a..`` (none skipped), then the row number
                          counted from the BOTTOM, 1-based; any case
Gomocup  ``(7, 7)``       ``(x, y)``, 0-based: x the column, y the row from the top
=======  ===============  ==============================================================

Conversions come in pairs: ``action_to_point``/``point_to_action``,
``action_to_text``/``text_to_action``, ``action_to_xy``/``xy_to_action``.

>>> action_to_text(112, 15, 15), text_to_action("H8", 15, 15)
('h8', 112)
>>> action_to_xy(text_to_action("a1", 15, 15), 15, 15)
(0, 14)
"""

from __future__ import annotations

import operator
import re

from games.base import Action, NotationError

COLUMNS = "abcdefghijklmnopqrs"
"""Column letters, left to right; no letter is skipped (unlike Go's missing ``i``)."""
MIN_SIDE, MAX_SIDE = 3, len(COLUMNS)

_TEXT = re.compile(r"([a-s])([1-9][0-9]?)")


def check_board(height: int, width: int) -> None:
    """Raise ValueError unless ``height`` and ``width`` are ints in 3..19."""
    for name, side in (("height", height), ("width", width)):
        if isinstance(side, bool) or not isinstance(side, int) or not MIN_SIDE <= side <= MAX_SIDE:
            raise ValueError(f"gomoku board {name} must be an int {MIN_SIDE}-{MAX_SIDE}, got {side!r}")


def _as_int(value: object) -> int | None:
    """``value`` as a Python int if it is an integer (numpy ints too, bools not), else None."""
    if isinstance(value, bool):
        return None
    try:
        return operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        return None


def _check_action(action: Action, height: int, width: int) -> int:
    a = _as_int(action)
    if a is None:
        raise ValueError(f"action must be an int, got {action!r}")
    if not 0 <= a < height * width:
        raise ValueError(f"action {a} is not a point of a {height}x{width} board (0-{height * width - 1})")
    return a


def action_to_point(action: Action, height: int, width: int) -> tuple[int, int]:
    """``(y, x)`` of an action; y counts rows from the top."""
    a = _check_action(action, height, width)
    return a // width, a % width


def point_to_action(y: int, x: int, height: int, width: int) -> Action:
    """The action at row ``y`` (from the top) and column ``x``."""
    row, col = _as_int(y), _as_int(x)
    if row is None or col is None or not (0 <= row < height and 0 <= col < width):
        raise ValueError(f"point (y={y!r}, x={x!r}) is off a {height}x{width} board")
    return row * width + col


def expected_text(height: int, width: int) -> str:
    """What ``text_to_action`` accepts, for error messages: 'a point like h8: ...'."""
    centre = action_to_text((height // 2) * width + width // 2, height, width)
    return f"a point like {centre}: column a-{COLUMNS[width - 1]}, row 1-{height}"


def action_to_text(action: Action, height: int, width: int) -> str:
    """``h8``-style text: column letter, then the row number counted from the bottom."""
    y, x = action_to_point(action, height, width)
    return f"{COLUMNS[x]}{height - y}"


def text_to_action(text: str, height: int, width: int) -> Action:
    """Parse ``h8``-style text (any case, surrounding blanks ignored)."""
    match = _TEXT.fullmatch(text.strip().lower()) if isinstance(text, str) else None
    if match is not None:
        x, row = COLUMNS.index(match.group(1)), int(match.group(2))
        if x < width and 1 <= row <= height:
            return (height - row) * width + x
    raise NotationError(f"expected {expected_text(height, width)}; got {text!r}")


def action_to_xy(action: Action, height: int, width: int) -> tuple[int, int]:
    """Gomocup ``(x, y)``: 0-based column, 0-based row from the top."""
    y, x = action_to_point(action, height, width)
    return x, y


def xy_to_action(x: int, y: int, height: int, width: int) -> Action:
    """The action at Gomocup ``x,y``; raises NotationError off the board."""
    col, row = _as_int(x), _as_int(y)
    if col is None or row is None or not (0 <= col < width and 0 <= row < height):
        raise NotationError(f"expected a point x,y with x 0-{width - 1} (column) and "
                            f"y 0-{height - 1} (row from the top); got {x!r},{y!r}")
    return row * width + col
