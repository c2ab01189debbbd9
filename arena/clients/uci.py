"""A client for the Universal Chess Interface (UCI), e.g. stockfish.

Handshake ``uci`` -> ``id ...``, ``option name ... type ...`` lines -> ``uciok``;
``setoption name N value V``; ``isready`` -> ``readyok``; a search is
``position (startpos | fen F) [moves m1 m2 ...]`` then ``go nodes N`` /
``go movetime MS`` / ``go depth D``, answered by ``info ...`` lines and
``bestmove m [ponder p]``. Moves are in UCI's long algebraic form (``e2e4``,
``e7e8q``); ``bestmove (none)`` (or ``0000``) means the engine has no move.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

from arena.clients import EngineProcess, EngineTimeout, ProtocolError

DEFAULT_TIMEOUT = 30.0
"""Seconds allowed for the handshake and ``isready``."""


@dataclass
class UCIOption:
    """One ``option name ... type ...`` line of the engine's handshake."""

    name: str
    type: str
    default: str = ""
    min: str = ""
    max: str = ""
    vars: list[str] = field(default_factory=list)


@dataclass
class BestMove:
    """A search's answer: the move (None for ``(none)``), the ponder move and the last info."""

    move: str | None
    ponder: str | None = None
    info: dict[str, str] = field(default_factory=dict)
    """The last ``info`` line with a score, as key -> value (``depth``, ``nodes``, ``score``, ``pv``)."""


def parse_option(line: str) -> UCIOption:
    """An ``option name Skill Level type spin default 20 min -20 max 20`` line as UCIOption.

    Names may contain spaces; they run up to the ``type`` keyword.

    >>> parse_option("option name Skill Level type spin default 20 min -20 max 20")
    UCIOption(name='Skill Level', type='spin', default='20', min='-20', max='20', vars=[])
    """
    words = line.split()
    keys = {"name", "type", "default", "min", "max", "var"}
    parts: list[tuple[str, list[str]]] = []
    for word in words[1:]:
        if word in keys and not (parts and parts[-1][0] == "name" and word != "type"):
            parts.append((word, []))
        elif parts:
            parts[-1][1].append(word)
    values: dict[str, str] = {}
    option_vars: list[str] = []
    for key, rest in parts:
        if key == "var":
            option_vars.append(" ".join(rest))
        else:
            values[key] = " ".join(rest)
    if "name" not in values or "type" not in values:
        raise ProtocolError(f"not a UCI option line: {line!r}")
    return UCIOption(name=values["name"], type=values["type"], default=values.get("default", ""),
                     min=values.get("min", ""), max=values.get("max", ""), vars=option_vars)


def parse_info(line: str) -> dict[str, str]:
    """An ``info depth 5 nodes 120 score cp 31 pv e2e4 e7e5`` line as a dict.

    >>> parse_info("info depth 5 nodes 120 score cp 31 pv e2e4 e7e5")["score"]
    'cp 31'
    """
    words = line.split()[1:]
    keys = {"depth", "seldepth", "time", "nodes", "pv", "multipv", "score", "currmove",
            "currmovenumber", "hashfull", "nps", "tbhits", "cpuload", "string", "refutation",
            "currline", "wdl"}
    out: dict[str, list[str]] = {}
    key = None
    for word in words:
        if word in keys and key not in ("pv", "string"):
            key = word
            out[key] = []
        elif key is not None:
            out[key].append(word)
    return {k: " ".join(v) for k, v in out.items()}


class UCIClient:
    """Speaks UCI to one engine process; ``handshake`` runs in the constructor."""

    def __init__(self, argv: Sequence[str], *, name: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        self.process = EngineProcess(argv, name=name)
        self.timeout = timeout
        self.id: dict[str, str] = {}
        self.options: dict[str, UCIOption] = {}
        try:
            self._handshake()
        except Exception:
            self.process.kill()
            raise

    def _handshake(self) -> None:
        self.process.send("uci")
        deadline = time.monotonic() + self.timeout
        for line in self.process.read_until(lambda s: s.strip() == "uciok", deadline):
            words = line.split()
            if not words:
                continue
            if words[0] == "id" and len(words) >= 3:
                self.id[words[1]] = " ".join(words[2:])
            elif words[0] == "option":
                opt = parse_option(line)
                self.options[opt.name.lower()] = opt

    def option(self, name: str) -> UCIOption | None:
        """The engine's option called ``name`` (case-insensitive, as UCI says), or None."""
        return self.options.get(name.strip().lower())

    def setoption(self, name: str, value: str | None = None) -> None:
        """``setoption name N [value V]``; ValueError if the engine has no such option."""
        opt = self.option(name)
        if opt is None:
            known = ", ".join(sorted(o.name for o in self.options.values()))
            raise ValueError(f"engine {self.process.name} has no UCI option {name!r}; "
                             f"its options: {known}")
        line = f"setoption name {opt.name}" + ("" if value is None else f" value {value}")
        self.process.send(line)

    def isready(self, timeout: float | None = None) -> None:
        """``isready`` and wait for ``readyok`` (the engine has taken every command sent)."""
        self.process.send("isready")
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        self.process.read_until(lambda s: s.strip() == "readyok", deadline)

    def new_game(self) -> None:
        """``ucinewgame`` followed by ``isready`` (the engine may clear its hash)."""
        self.process.send("ucinewgame")
        self.isready()

    def position(self, fen: str | None = None, moves: Sequence[str] = ()) -> None:
        """``position startpos|fen F [moves ...]``."""
        line = "position startpos" if fen is None else f"position fen {fen}"
        if moves:
            line += " moves " + " ".join(moves)
        self.process.send(line)

    def go(self, *, nodes: int | None = None, movetime_ms: int | None = None,
           depth: int | None = None, timeout: float) -> BestMove:
        """Search with the given limits and wait up to ``timeout`` seconds for ``bestmove``.

        On a timeout ``stop`` is sent (a well-behaved engine then answers) and
        EngineTimeout raised; the caller should replace the engine anyway.
        """
        parts = ["go"]
        if nodes is not None:
            parts += ["nodes", str(int(nodes))]
        if movetime_ms is not None:
            parts += ["movetime", str(int(movetime_ms))]
        if depth is not None:
            parts += ["depth", str(int(depth))]
        if len(parts) == 1:
            raise ValueError("go needs a limit: nodes, movetime_ms or depth")
        self.process.send(" ".join(parts))
        deadline = time.monotonic() + timeout
        info: dict[str, str] = {}
        while True:
            try:
                line = self.process.read_line(deadline - time.monotonic())
            except EngineTimeout:
                try:
                    self.process.send("stop")
                except Exception:
                    pass
                raise
            words = line.split()
            if not words:
                continue
            if words[0] == "info" and "score" in words:
                info = parse_info(line)
            elif words[0] == "bestmove":
                if len(words) < 2:
                    raise ProtocolError(f"engine {self.process.name} sent {line!r} without a move")
                move = None if words[1] in ("(none)", "0000", "none") else words[1]
                ponder = words[3] if len(words) >= 4 and words[2] == "ponder" else None
                return BestMove(move=move, ponder=ponder, info=info)

    def close(self) -> None:
        """Send ``quit``, then kill the process if it lingers."""
        self.process.close("quit", grace=1.0)

    def kill(self) -> None:
        self.process.kill()

    def __enter__(self) -> "UCIClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
