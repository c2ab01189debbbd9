"""Every coordinate system of an N x N Go board, with paired conversions.

One table, so that no module invents its own convention:

=============  ==========================  ===========================================
system         example on 9x9              meaning
=============  ==========================  ===========================================
``Action``     ``0``, ``80``, ``81``       ``y * N + x``; y = 0 is the TOP row, x = 0
                                           column A; pass = ``N * N``
``(y, x)``     ``(0, 0)``                  row from the top, column from the left
``Loc``        ``12`` (= (0+1)*11 + 0+1)   index into the flat padded board of
                                           ``(N+2) * (N+2)`` points with a one-point
                                           border: ``(y + 1) * (N + 2) + (x + 1)``
GTP vertex     ``"A9"``, ``"J1"``,         column letter A..T skipping I, row number
               ``"pass"``                  counted from the BOTTOM; case-insensitive
SGF point      ``"aa"``, ``"ii"``, ``""``  column letter then row letter, both from
                                           the top-left ``a``; pass is ``""`` (or
                                           ``"tt"`` on boards up to 19x19 when read)
=============  ==========================  ===========================================

>>> action_to_gtp(0, 9), action_to_gtp(80, 9), action_to_gtp(81, 9)
('A9', 'J1', 'pass')
>>> gtp_to_action("d4", 9) == rc_to_action(5, 3, 9)
True
>>> action_to_sgf(rc_to_action(2, 3, 9), 9)
'dc'
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TypeAlias

import numpy as np

from games.base import Action, NotationError

Loc: TypeAlias = int
"""An index into the flat padded board ``[(N+2) * (N+2)]``."""

MIN_SIZE = 5
MAX_SIZE = 19
GTP_COLUMNS = "ABCDEFGHJKLMNOPQRST"
"""GTP column letters: A..T without I (enough for 19x19)."""
PASS_TEXT = "pass"
NO_LOC: Loc = -1
"""Sentinel for 'no point' (no ko point, no last move)."""

_GTP_RE = re.compile(r"^([a-hj-t])([1-9][0-9]?)$")


def check_size(n: int) -> None:
    """Raise ValueError unless ``n`` is a supported board size."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not MIN_SIZE <= n <= MAX_SIZE:
        raise ValueError(f"Go board size must be an integer {MIN_SIZE}-{MAX_SIZE}, got {n!r}")


def pass_action(n: int) -> Action:
    """The pass action of an ``n x n`` board: ``n * n``."""
    return n * n


def _check_action(a: int, n: int, allow_pass: bool = True) -> None:
    top = n * n + (1 if allow_pass else 0)
    if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or not 0 <= a < top:
        what = "0..N*N (N*N = pass)" if allow_pass else "0..N*N-1 (a board point)"
        raise ValueError(f"action must be an integer in {what} = 0..{top - 1} on {n}x{n}, "
                         f"got {a!r}")


# -- (y, x) ---------------------------------------------------------------------
def action_to_rc(a: Action, n: int) -> tuple[int, int]:
    """``(y, x)`` of a board action (y from the top)."""
    _check_action(a, n, allow_pass=False)
    return int(a) // n, int(a) % n


def rc_to_action(y: int, x: int, n: int) -> Action:
    """The action at row ``y`` (from the top) and column ``x``."""
    if not (0 <= y < n and 0 <= x < n):
        raise ValueError(f"(y, x) = ({y}, {x}) is off the {n}x{n} board")
    return y * n + x


# -- padded locations ------------------------------------------------------------
def action_to_loc(a: Action, n: int) -> Loc:
    """Padded-board index of a board action."""
    y, x = action_to_rc(a, n)
    return (y + 1) * (n + 2) + (x + 1)


def loc_to_action(loc: Loc, n: int) -> Action:
    """Board action of a padded index; ValueError on the border."""
    w = n + 2
    y, x = divmod(int(loc), w)
    if not (1 <= y <= n and 1 <= x <= n):
        raise ValueError(f"loc {loc} is not an on-board point of the padded {n}x{n} board")
    return (y - 1) * n + (x - 1)


@lru_cache(maxsize=None)
def loc_tables(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(action_to_loc [N*N] int64, loc_to_action [(N+2)**2] int64)``, -1 on the border.

    Read-only tables the kernels take as arguments.
    """
    check_size(n)
    a2l = np.array([action_to_loc(a, n) for a in range(n * n)], dtype=np.int64)
    l2a = np.full((n + 2) ** 2, -1, dtype=np.int64)
    l2a[a2l] = np.arange(n * n)
    a2l.setflags(write=False)
    l2a.setflags(write=False)
    return a2l, l2a


# -- GTP vertices ----------------------------------------------------------------
def gtp_expected(n: int) -> str:
    """What a GTP move looks like on this board, for error messages."""
    without_i = " without I" if n >= 9 else ""
    return f"a vertex like D4: columns A-{GTP_COLUMNS[n - 1]}{without_i}, rows 1-{n}, or 'pass'"


def action_to_gtp(a: Action, n: int) -> str:
    """GTP vertex (``"D4"``) or ``"pass"``."""
    _check_action(a, n)
    if a == n * n:
        return PASS_TEXT
    y, x = action_to_rc(a, n)
    return f"{GTP_COLUMNS[x]}{n - y}"


def gtp_to_action(text: str, n: int) -> Action:
    """Parse a GTP vertex or ``pass`` (any case); NotationError otherwise."""
    if not isinstance(text, str):
        raise NotationError(f"{text!r} is not a Go move: expected {gtp_expected(n)}")
    t = text.strip().lower()
    if t == PASS_TEXT:
        return n * n
    m = _GTP_RE.match(t)
    if m is not None:
        x = GTP_COLUMNS.lower().index(m.group(1))
        row = int(m.group(2))
        if x < n and 1 <= row <= n:
            return (n - row) * n + x
    raise NotationError(f"{text!r} is not a Go move on {n}x{n}: expected {gtp_expected(n)}")


# -- SGF points ------------------------------------------------------------------
def action_to_sgf(a: Action, n: int) -> str:
    """SGF point (``"dc"``: column then row from the top-left), ``""`` for pass."""
    _check_action(a, n)
    if a == n * n:
        return ""
    y, x = action_to_rc(a, n)
    return chr(ord("a") + x) + chr(ord("a") + y)


def sgf_to_action(text: str, n: int) -> Action:
    """Parse an SGF point; ``""`` (and ``"tt"`` up to 19x19) is pass."""
    if text == "" or (text == "tt" and n <= 19):
        return n * n
    if len(text) == 2 and text.isascii() and text.islower():
        x, y = ord(text[0]) - ord("a"), ord(text[1]) - ord("a")
        if 0 <= x < n and 0 <= y < n:
            return y * n + x
    raise NotationError(f"{text!r} is not an SGF point on {n}x{n}: expected two letters "
                        f"a-{chr(ord('a') + n - 1)} (column, row from the top-left) or '' for pass")
