"""Fixed handicap placement exactly as GTP version 2, section 4.1.1, defines it.

The stones sit on the 3-3 points (counted from the edges) of boards up to 12x12
and on the 4-4 points from 13x13 up, on the middles of those lines and in the
centre. Odd boards from 9x9 take 2-9 stones; 7x7 and even boards take 2-4 (they
have no centre point to keep the pattern symmetric); boards below 7x7 have no
fixed handicap. The order is GTP's (for 19x19: D4 Q16 D16 Q4 D10 Q10 K4 K16 K10,
with the centre stone K10 for 5 and 7 stones).

>>> from games.go.coords import action_to_gtp
>>> [action_to_gtp(a, 19) for a in fixed_handicap(19, 5)]
['D4', 'Q16', 'D16', 'Q4', 'K10']
"""

from __future__ import annotations

from games.base import Action
from games.go.coords import check_size, rc_to_action

# (column, row) of each stone from the bottom-left, as 'low' / 'mid' / 'high' lines
_PATTERN: dict[int, list[tuple[str, str]]] = {
    2: [("low", "low"), ("high", "high")],
    3: [("low", "low"), ("high", "high"), ("low", "high")],
    4: [("low", "low"), ("high", "high"), ("low", "high"), ("high", "low")],
    5: [("low", "low"), ("high", "high"), ("low", "high"), ("high", "low"), ("mid", "mid")],
    6: [("low", "low"), ("high", "high"), ("low", "high"), ("high", "low"),
        ("low", "mid"), ("high", "mid")],
    7: [("low", "low"), ("high", "high"), ("low", "high"), ("high", "low"),
        ("low", "mid"), ("high", "mid"), ("mid", "mid")],
    8: [("low", "low"), ("high", "high"), ("low", "high"), ("high", "low"),
        ("low", "mid"), ("high", "mid"), ("mid", "low"), ("mid", "high")],
    9: [("low", "low"), ("high", "high"), ("low", "high"), ("high", "low"),
        ("low", "mid"), ("high", "mid"), ("mid", "low"), ("mid", "high"), ("mid", "mid")],
}


def max_fixed_handicap(size: int) -> int:
    """Most fixed handicap stones GTP allows on this board (0: none)."""
    check_size(size)
    if size < 7:
        return 0
    return 9 if size % 2 == 1 and size >= 9 else 4


def fixed_handicap(size: int, n: int) -> list[Action]:
    """The GTP fixed-handicap points for ``n`` stones, in GTP's order.

    Raises ValueError when GTP defines no placement (n < 2, more than
    ``max_fixed_handicap(size)``, boards below 7x7).
    """
    top = max_fixed_handicap(size)
    if isinstance(n, bool) or not isinstance(n, int) or not 2 <= n <= top:
        allowed = f"2-{top}" if top else "none (fixed handicap needs a board of 7x7 or more)"
        raise ValueError(f"invalid fixed handicap {n!r} on {size}x{size}: allowed {allowed}")
    low = 2 if size <= 12 else 3
    line = {"low": low, "mid": size // 2, "high": size - 1 - low}
    # the pattern counts rows from the bottom; actions count y from the top
    return [rc_to_action(size - 1 - line[row], line[col], size) for col, row in _PATTERN[n]]
