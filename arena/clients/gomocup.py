"""A client for the Gomocup (piskvork) protocol spoken by gomoku brains.

Manager -> brain, and the brain's answer::

    START size | RECTSTART w,h      -> OK (or ERROR msg)
    INFO key value                  (no answer; timeout_turn and timeout_match in ms, rule bits:
                                     1 exactly five, 2 continuous game, 4 renju)
    BEGIN                           -> x,y   (the brain moves first on an empty board)
    TURN x,y                        -> x,y   (the opponent played x,y; the brain answers)
    BOARD / x,y,field ... / DONE    -> x,y   (a whole position; field 1 = the brain's
                                              own stone, 2 = the opponent's)
    RESTART                         -> OK    (a new game; older brains say UNKNOWN)
    ABOUT                           -> name="...", version="..."
    END                             (the brain exits)

Coordinates are 0-based ``x,y`` with y the row from the top (see
``games.gomoku.coords.action_to_xy``). The brain may also send ``MESSAGE``,
``DEBUG`` and ``SUGGEST`` lines at any time; they are skipped (MESSAGE kept).
"""

from __future__ import annotations

import re
import time
from typing import Sequence

from arena.clients import EngineProcess, ProtocolError

DEFAULT_TIMEOUT = 30.0
"""Seconds allowed for START and RESTART."""

_MOVE = re.compile(r"\s*(-?\d+)\s*,\s*(-?\d+)\s*")
_CHATTER = ("MESSAGE", "DEBUG", "SUGGEST")


class GomocupClient:
    """Speaks the Gomocup protocol to one brain process."""

    def __init__(self, argv: Sequence[str], *, name: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.process = EngineProcess(argv, name=name)
        self.timeout = timeout
        self.messages: list[str] = []
        """MESSAGE lines the brain sent (the last 50)."""

    def _answer(self, request: str, timeout: float) -> str:
        """The next line that is not chatter; ProtocolError for ERROR or UNKNOWN."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.process.read_line(deadline - time.monotonic()).strip()
            word = line.split(" ", 1)[0].upper() if line else ""
            if not line or word in _CHATTER:
                if word == "MESSAGE":
                    self.messages = (self.messages + [line[8:]])[-50:]
                continue
            if word in ("ERROR", "UNKNOWN"):
                raise ProtocolError(f"brain {self.process.name} answered {line!r} to {request}")
            return line

    def _move(self, request: str, timeout: float) -> tuple[int, int]:
        line = self._answer(request, timeout)
        match = _MOVE.fullmatch(line)
        if not match:
            raise ProtocolError(f"brain {self.process.name} answered {line!r} to {request}, "
                                "not a move x,y")
        return int(match.group(1)), int(match.group(2))

    # -- commands ------------------------------------------------------------------
    def start(self, width: int, height: int) -> None:
        """START (square) or RECTSTART; ProtocolError if the brain refuses the size."""
        request = f"START {width}" if width == height else f"RECTSTART {width},{height}"
        self.process.send(request)
        line = self._answer(request, self.timeout)
        if line.upper() != "OK":
            raise ProtocolError(f"brain {self.process.name} answered {line!r} to {request}")

    def info(self, key: str, value: object) -> None:
        self.process.send(f"INFO {key} {value}")

    def restart(self) -> bool:
        """RESTART; False if the brain does not know it (UNKNOWN or ERROR)."""
        self.process.send("RESTART")
        try:
            return self._answer("RESTART", self.timeout).upper() == "OK"
        except ProtocolError:
            return False

    def begin(self, timeout: float) -> tuple[int, int]:
        """The brain's first move on an empty board."""
        self.process.send("BEGIN")
        return self._move("BEGIN", timeout)

    def turn(self, x: int, y: int, timeout: float) -> tuple[int, int]:
        """Tell the opponent's move; the brain's answer."""
        self.process.send(f"TURN {x},{y}")
        return self._move(f"TURN {x},{y}", timeout)

    def board(self, stones: Sequence[tuple[int, int, int]], timeout: float) -> tuple[int, int]:
        """A whole position (``(x, y, field)``, field 1 own, 2 opponent's); the brain's move."""
        self.process.send("BOARD")
        for x, y, owner in stones:
            self.process.send(f"{x},{y},{owner}")
        self.process.send("DONE")
        return self._move("BOARD", timeout)

    def about(self) -> str:
        self.process.send("ABOUT")
        return self._answer("ABOUT", self.timeout)

    def close(self) -> None:
        """Send END, then kill the process if it lingers."""
        self.process.close("END", grace=1.0)

    def kill(self) -> None:
        self.process.kill()

    def __enter__(self) -> "GomocupClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
