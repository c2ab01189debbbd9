"""A client for the Go Text Protocol (GTP version 2), e.g. gnugo, pachi, KataGo, Leela Zero.

One command, one response: the engine answers ``= text`` (success) or
``? message`` (failure), ended by an empty line. Vertices are GTP's (``D4``,
column letters without ``I``, rows from the bottom), the same as
``games.go.coords``, and ``pass``; ``genmove`` may also answer ``resign``.

>>> import sys
>>> script = ("import sys\\n"
...           "for line in sys.stdin:\\n"
...           "    cmd = line.split()\\n"
...           "    if cmd[0] == 'quit': print('=\\\\n'); break\\n"
...           "    print('= D4\\\\n' if cmd[0] == 'genmove' else '=\\\\n', flush=True)\\n")
>>> with GTPClient([sys.executable, "-c", script]) as gtp:
...     gtp.boardsize(9); gtp.clear_board(); gtp.genmove("black")
'd4'
"""

from __future__ import annotations

import time
from typing import Sequence

from arena.clients import EngineError, EngineProcess, ProtocolError

DEFAULT_TIMEOUT = 30.0
"""Seconds allowed for an ordinary command's answer (genmove takes its own)."""

COLOURS = ("black", "white")
"""GTP colour names by player: 0 Black, 1 White."""


class GTPError(EngineError):
    """The engine answered ``? message`` (a refused command): not a crash."""

    def __init__(self, command: str, message: str) -> None:
        super().__init__(f"GTP command {command!r} failed: {message}")
        self.command = command
        self.message = message


class GTPClient:
    """Speaks GTP to one engine process (started here, killed by ``close``)."""

    def __init__(self, argv: Sequence[str], *, name: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.process = EngineProcess(argv, name=name)
        self.timeout = timeout
        self._known: set[str] | None = None

    def command(self, line: str, timeout: float | None = None) -> str:
        """Send one command and return the text of its ``=`` answer (stripped).

        Raises GTPError for a ``?`` answer, EngineTimeout, EngineCrash, or
        ProtocolError for output that is not a GTP response.
        """
        proc = self.process
        proc.send(line)
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        head = ""
        while not head:  # GTP allows empty lines before a response
            head = proc.read_line(deadline - time.monotonic()).strip()
        if head[0] not in "=?":
            raise ProtocolError(f"engine {proc.name} answered {head!r} to {line!r}, "
                                "not a GTP response (= or ?)")
        body = [head[1:].strip()]
        while True:
            nxt = proc.read_line(deadline - time.monotonic())
            if not nxt.strip():
                break
            body.append(nxt)
        text = "\n".join(body).strip()
        if head[0] == "?":
            raise GTPError(line, text)
        return text

    # -- commands ------------------------------------------------------------------
    def known_command(self, name: str) -> bool:
        """Whether the engine implements ``name`` (from ``list_commands``, asked once)."""
        if self._known is None:
            try:
                self._known = set(self.command("list_commands").split())
            except GTPError:
                self._known = set()
        return name in self._known

    def name(self) -> str:
        """The engine's ``name`` and ``version``, e.g. 'GNU Go 3.8'."""
        text = self.command("name")
        try:
            version = self.command("version")
        except GTPError:
            version = ""
        return f"{text} {version}".strip()

    def boardsize(self, size: int) -> None:
        self.command(f"boardsize {size}")

    def komi(self, komi: float) -> None:
        self.command(f"komi {komi:g}")

    def clear_board(self) -> None:
        self.command("clear_board")

    def play(self, colour: str, vertex: str) -> None:
        """``play black D4``; GTPError if the engine refuses the move."""
        self.command(f"play {colour} {vertex}")

    def genmove(self, colour: str, timeout: float | None = None) -> str:
        """The engine's move for ``colour``, lower-case: a vertex, ``pass`` or ``resign``."""
        return self.command(f"genmove {colour}", timeout=timeout).lower()

    def time_settings(self, main_time: float, byo_yomi_time: float, byo_yomi_stones: int) -> None:
        self.command(f"time_settings {int(main_time)} {int(byo_yomi_time)} {byo_yomi_stones}")

    # -- shutdown ------------------------------------------------------------------
    def close(self) -> None:
        """Send ``quit``, then kill the process if it lingers."""
        self.process.close("quit", grace=1.0)

    def kill(self) -> None:
        self.process.kill()

    def __enter__(self) -> "GTPClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
