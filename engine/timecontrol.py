"""Time management: from a clock (main time, increment, byo-yomi) to seconds for one move.

The front ends only parse their protocol's clock commands into a :class:`Clock`
(GTP ``time_settings`` / ``kgs-time_settings`` / ``time_left``, UCI
``go wtime btime winc binc movestogo movetime``) and ask :func:`move_time`
how long to think. The rule, the one most engines use:

* main time: ``remaining / moves_left + 3/4 of the increment``, where
  ``moves_left`` is ``movestogo`` when the clock says so, else an estimate of
  the moves still to play (half the expected plies left, at least
  ``min_moves_left``), so early moves do not eat the clock;
* byo-yomi: Canadian ``period / stones`` per move, Japanese one period; while
  main time lasts, the main-time share plus the byo-yomi share;
* minus a safety margin ``overhead`` (protocol and process latency), and never
  more than ``MAX_SHARE`` of what is left on the main clock (``LAST_MOVE_SHARE``
  when only one move remains before the next control); the increment does not
  count towards that cap, it arrives only after the move. Japanese byo-yomi
  uses 90% of a period (a move within the period costs nothing).

>>> round(move_time(Clock(main=60.0, increment=1.0), ply=0, expected_plies=80), 3)
2.2
>>> round(move_time(Clock(main=10.0, moves_to_go=1)), 3)
8.95
>>> round(move_time(Clock(main=0.0, byoyomi=30.0, stones=10)), 3)
2.95
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

OVERHEAD = 0.05
"""Seconds kept back per move for protocol and process latency (UCI ``Move Overhead``)."""
MIN_MOVES_LEFT = 20
"""The smallest number of own moves the remaining main time is divided by (no movestogo)."""
MIN_TIME = 0.01
"""Never think less than this (a search needs its root evaluated)."""
INCREMENT_SHARE = 0.75
"""Share of the increment spent on the current move (the rest builds a reserve)."""
MAX_SHARE = 0.5
"""Most of the remaining main time one move may take (movestogo > 1 or unknown)."""
LAST_MOVE_SHARE = 0.9
"""Most of the remaining time the last move before a time control may take."""


@dataclass(frozen=True)
class Clock:
    """One side's clock as the protocol reports it; seconds throughout.

    ``main`` is the main time left (None: no time limit at all). In byo-yomi,
    ``byoyomi`` is the length of a period; Canadian (``stones`` > 0) means
    ``stones`` moves must be played in one period, Japanese (``periods`` > 0)
    means each move must be played within a period and ``periods`` are left.
    ``moves_to_go`` is UCI's movestogo; ``movetime`` a fixed time per move.
    """

    main: float | None = None
    increment: float = 0.0
    byoyomi: float = 0.0
    stones: int = 0
    periods: int = 0
    moves_to_go: int | None = None
    movetime: float | None = None


def moves_left(clock: Clock, ply: int = 0, expected_plies: int = 120,
               min_moves_left: int = MIN_MOVES_LEFT) -> int:
    """Own moves the remaining main time has to last: movestogo, else an estimate."""
    if clock.moves_to_go is not None and clock.moves_to_go > 0:
        return int(clock.moves_to_go)
    return max(min_moves_left, math.ceil((expected_plies - ply) / 2))


def move_time(clock: Clock, *, ply: int = 0, expected_plies: int = 120,
              overhead: float = OVERHEAD, min_moves_left: int = MIN_MOVES_LEFT) -> float | None:
    """Seconds to think on this move, or None when the clock sets no limit.

    ``ply`` is the number of moves played so far and ``expected_plies`` a
    typical game length (both sides), for the estimate of moves left.
    """
    if clock.movetime is not None:
        return max(MIN_TIME, clock.movetime - overhead)
    byo = _byoyomi_share(clock)
    if clock.main is None or (clock.main <= 0 and byo is not None):
        return None if byo is None else max(MIN_TIME, byo - overhead)
    remaining = max(0.0, clock.main)
    n = moves_left(clock, ply, expected_plies, min_moves_left)
    share = remaining / n + INCREMENT_SHARE * clock.increment
    if byo is not None:
        share += byo
    top = LAST_MOVE_SHARE if n == 1 else MAX_SHARE
    cap = remaining * top + (byo or 0.0)  # the increment arrives only after the move
    return max(MIN_TIME, min(share, cap) - overhead)


def _byoyomi_share(clock: Clock) -> float | None:
    """Seconds per move the byo-yomi guarantees (90% of a Japanese period), None without one."""
    if clock.byoyomi <= 0:
        return None
    if clock.stones > 0:
        return clock.byoyomi / clock.stones
    if clock.periods > 0:
        return 0.9 * clock.byoyomi
    return None


def spend(clock: Clock, seconds: float) -> Clock:
    """The clock after a move that took ``seconds`` (for controllers that send no time_left).

    Main time runs down first (plus the increment); then a Canadian period
    counts its stones down (a fresh period when they are done), a Japanese
    period is lost only when the move took longer than the period.
    """
    if clock.main is None:
        return clock
    main = clock.main + clock.increment - seconds
    if clock.main > 0 and main >= 0:
        return replace(clock, main=main)
    overrun = -main if clock.main > 0 else seconds
    if clock.stones > 0 and clock.byoyomi > 0:
        # stones counts the moves still to play in the current period, byoyomi its time left
        left, stones = clock.byoyomi - overrun, clock.stones - 1
        if stones <= 0:
            return replace(clock, main=0.0, byoyomi=0.0, stones=0)  # GameClock refills it
        return replace(clock, main=0.0, byoyomi=max(0.0, left), stones=stones)
    if clock.periods > 0 and clock.byoyomi > 0:
        lost = int(overrun // clock.byoyomi)
        return replace(clock, main=0.0, periods=max(0, clock.periods - lost))
    return replace(clock, main=max(0.0, main))


class GameClock:
    """The clock settings of a game plus each colour's clock (GTP keeps one of these).

    ``settings`` are what ``time_settings`` said; ``clocks[colour]`` what is
    left, updated by ``time_left`` or, without it, by our own moves' times.
    """

    def __init__(self) -> None:
        self.main: float | None = None
        self.byoyomi = 0.0
        self.stones = 0
        self.periods = 0
        self.clocks: list[Clock] = [Clock(), Clock()]

    def settings(self, main: float, byoyomi: float, stones: int = 0, periods: int = 0) -> None:
        """GTP ``time_settings`` (Canadian: stones) or ``kgs-time_settings`` (Japanese: periods).

        GTP: byo-yomi time > 0 with 0 stones means no time limit at all; both 0
        means absolute time (main only).
        """
        if min(main, byoyomi) < 0 or min(stones, periods) < 0:
            raise ValueError("time settings must not be negative")
        if byoyomi > 0 and stones == 0 and periods == 0:
            self.main = None  # GTP: no time limits
            byoyomi = 0.0
        else:
            self.main = float(main)
        self.byoyomi, self.stones, self.periods = float(byoyomi), int(stones), int(periods)
        start = Clock(main=self.main, byoyomi=self.byoyomi, stones=self.stones, periods=self.periods)
        self.clocks = [start, start]

    def time_left(self, colour: int, seconds: float, stones: int) -> None:
        """GTP ``time_left``: ``stones`` 0 means main time; else byo-yomi with ``stones``
        moves (Canadian) or periods (Japanese) left."""
        if seconds < 0 or stones < 0:
            raise ValueError("time_left needs a non-negative time and stone count")
        old = self.clocks[colour]
        if stones == 0:
            self.clocks[colour] = replace(old, main=float(seconds))
        elif self.periods > 0:
            self.clocks[colour] = replace(old, main=0.0, byoyomi=self.byoyomi or float(seconds),
                                          periods=stones, stones=0)
        else:
            self.clocks[colour] = replace(old, main=0.0, byoyomi=float(seconds), stones=stones)

    def spent(self, colour: int, seconds: float) -> None:
        """Our move took ``seconds``: run our clock down (refilling a finished Canadian period)."""
        clock = spend(self.clocks[colour], seconds)
        if clock.main == 0.0 and self.stones > 0 and clock.stones == 0:
            clock = replace(clock, byoyomi=self.byoyomi, stones=self.stones)
        self.clocks[colour] = clock

    def budget(self, colour: int, *, ply: int = 0, expected_plies: int = 120,
               overhead: float = OVERHEAD) -> float | None:
        """Seconds for ``colour``'s next move, None without a time limit."""
        if self.main is None:
            return None
        return move_time(self.clocks[colour], ply=ply, expected_plies=expected_plies,
                         overhead=overhead)


def uci_clock(params: dict[str, float], white_to_move: bool) -> Clock:
    """The mover's :class:`Clock` from UCI ``go`` parameters (wtime etc. in milliseconds)."""
    side = "w" if white_to_move else "b"
    main = params.get(f"{side}time")
    mtg = params.get("movestogo")
    movetime = params.get("movetime")
    return Clock(main=None if main is None else main / 1000.0,
                 increment=params.get(f"{side}inc", 0.0) / 1000.0,
                 moves_to_go=None if mtg is None else int(mtg),
                 movetime=None if movetime is None else movetime / 1000.0)
