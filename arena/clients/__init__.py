"""Clients for external engines' text protocols (GTP, UCI, Gomocup), over one line-based process.

Files, lowest first:

- ``__init__.py``: :class:`EngineProcess` (a subprocess spoken to line by line,
  with a reader thread so every read has a timeout, stderr drained so the engine
  never blocks on a full pipe) and the errors every client raises.
- ``gtp.py``: :class:`GTPClient` (Go Text Protocol, e.g. gnugo, pachi, KataGo).
- ``uci.py``: :class:`UCIClient` (Universal Chess Interface, e.g. stockfish).
- ``gomocup.py``: :class:`GomocupClient` (the Gomocup piskvork protocol).

The clients know nothing of the arena's Player: the players in
``arena.players`` map their errors to faults, and tests or front ends can use
them directly (e.g. to talk to our own ``tabula gtp``).

Errors: :class:`EngineTimeout` (no answer in time), :class:`EngineCrash` (the
process exited, closed its output or broke the pipe), :class:`ProtocolError`
(an answer that does not fit the protocol). All derive from :class:`EngineError`.
A client whose engine timed out or crashed should be killed and replaced.
"""

from __future__ import annotations

import collections
import os
import queue
import signal
import subprocess
import threading
import time
from typing import Callable, Sequence

STDERR_TAIL = 20
"""Lines of the engine's stderr kept for error messages."""


class EngineError(Exception):
    """Trouble with an external engine; the message names the engine."""


class EngineTimeout(EngineError):
    """The engine did not answer within the time allowed."""


class EngineCrash(EngineError):
    """The engine's process exited, closed its output or refused input."""


class ProtocolError(EngineError):
    """The engine answered something the protocol does not allow here."""


_EOF = None


class EngineProcess:
    """A subprocess spoken to in lines of text; every read has a timeout.

    A daemon thread moves stdout lines into a queue (so ``read_line`` can time
    out without select(), which pipes on all platforms do not support), and a
    second one drains stderr into a short tail kept for error messages (an
    engine writing much to stderr would otherwise block once the pipe is full).

    >>> import sys
    >>> p = EngineProcess([sys.executable, "-c", "print(input().upper())"], name="echo")
    >>> p.send("hello"); p.read_line(timeout=10)
    'HELLO'
    >>> p.close()
    """

    def __init__(self, argv: Sequence[str], *, name: str | None = None, cwd: str | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.argv = list(argv)
        self.name = name or os.path.basename(self.argv[0])
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
        self.transcript: collections.deque[str] = collections.deque(maxlen=200)
        """The last lines sent (``> ...``) and received (``< ...``), for debugging."""
        try:
            self.proc = subprocess.Popen(
                self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=cwd, env=env, text=True, bufsize=1, encoding="utf-8", errors="replace",
                start_new_session=True)
        except OSError as err:
            raise EngineCrash(f"cannot start engine {self.name} ({' '.join(self.argv)}): {err}") from None
        self._eof = False
        self._threads = [threading.Thread(target=self._pump_stdout, daemon=True, name=f"{self.name}-out"),
                         threading.Thread(target=self._pump_stderr, daemon=True, name=f"{self.name}-err")]
        for thread in self._threads:
            thread.start()

    def _pump_stdout(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        try:
            for line in stream:
                self._lines.put(line.rstrip("\r\n"))
        except (OSError, ValueError):
            pass
        self._lines.put(_EOF)

    def _pump_stderr(self) -> None:
        stream = self.proc.stderr
        assert stream is not None
        try:
            for line in stream:
                self._stderr.append(line.rstrip("\r\n"))
        except (OSError, ValueError):
            pass

    # -- state -------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.proc.poll() is None

    def describe_exit(self) -> str:
        """Why the engine is gone, for an error message: exit status and stderr tail."""
        code = self.proc.poll()
        status = "still running" if code is None else f"exit status {code}"
        tail = " | ".join(list(self._stderr)[-3:])
        return f"engine {self.name} {status}" + (f"; stderr: {tail}" if tail else "")

    # -- I/O -----------------------------------------------------------------------
    def send(self, line: str) -> None:
        """Write one line (a newline is added); EngineCrash if the engine is gone."""
        if "\n" in line or "\r" in line:
            raise ValueError(f"a protocol line cannot contain a newline: {line!r}")
        stream = self.proc.stdin
        assert stream is not None
        self.transcript.append("> " + line)
        try:
            stream.write(line + "\n")
            stream.flush()
        except (BrokenPipeError, OSError, ValueError):
            raise EngineCrash(f"cannot send {line!r}: {self.describe_exit()}") from None

    def read_line(self, timeout: float | None) -> str:
        """The next line of output without its newline; EngineTimeout or EngineCrash (EOF)."""
        if self._eof:
            raise EngineCrash(f"engine {self.name} closed its output: {self.describe_exit()}")
        try:
            line = self._lines.get(timeout=None if timeout is None else max(timeout, 0.0))
        except queue.Empty:
            raise EngineTimeout(f"engine {self.name} gave no answer within {timeout:.3g} s") from None
        if line is _EOF:
            self._eof = True
            self._wait_briefly()
            raise EngineCrash(f"engine {self.name} closed its output: {self.describe_exit()}")
        self.transcript.append("< " + line)
        return line

    def read_until(self, done: Callable[[str], bool], deadline: float) -> list[str]:
        """Lines up to and including the first for which ``done`` is true, by ``deadline``.

        ``deadline`` is a ``time.monotonic()`` value.
        """
        lines = []
        while True:
            line = self.read_line(deadline - time.monotonic())
            lines.append(line)
            if done(line):
                return lines

    def drain(self) -> list[str]:
        """Lines already received and not read (e.g. stale answers after a timeout)."""
        lines = []
        while True:
            try:
                line = self._lines.get_nowait()
            except queue.Empty:
                return lines
            if line is _EOF:
                self._eof = True
                return lines
            lines.append(line)

    def _wait_briefly(self) -> None:
        """Give a dying engine half a second to exit and its last stderr lines to arrive."""
        try:
            self.proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            return
        self._threads[1].join(timeout=0.5)

    # -- shutdown --------------------------------------------------------------------
    def close(self, quit_line: str | None = None, grace: float = 1.0) -> None:
        """Ask the engine to quit (``quit_line``), wait ``grace`` seconds, then kill it."""
        if self.alive and quit_line is not None:
            try:
                self.send(quit_line)
                self.proc.wait(timeout=grace)
            except (EngineError, subprocess.TimeoutExpired):
                pass
        self.kill()

    def kill(self) -> None:
        """Kill the engine's process group (it runs in its own session), reap it, close pipes.

        The group, so that a wrapper script's children die too and release the
        pipes. Idempotent.
        """
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                try:
                    self.proc.kill()
                except OSError:
                    pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        except OSError:
            pass
        for thread, stream in zip(self._threads, (self.proc.stdout, self.proc.stderr)):
            thread.join(timeout=1.0)
            if not thread.is_alive() and stream is not None:
                stream.close()  # a reader still blocked keeps its stream until EOF

    def __enter__(self) -> "EngineProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


__all__ = ["EngineCrash", "EngineError", "EngineProcess", "EngineTimeout", "ProtocolError"]
