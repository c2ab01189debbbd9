"""A UCI server (chess) over an :class:`engine.agent.Agent`.

Parses the protocol and answers it, nothing else: ``uci`` (id, options,
``uciok``), ``isready`` (answered at once, even while searching),
``ucinewgame``, ``setoption``, ``position startpos|fen ... [moves ...]``,
``go`` (wtime btime winc binc movestogo movetime nodes depth infinite ponder),
``stop``, ``ponderhit``, ``quit``. The search runs in the agent's worker
thread while this loop keeps reading; ``bestmove`` is printed when it ends
(after ``stop`` for ``go infinite`` and ``go ponder``, as UCI requires).

An invalid FEN or an illegal move in ``position`` is reported on an
``info string`` line and the command is ignored (the previous position is
kept); an unknown command gets ``info string unknown command ...``.

Scores: the root move's mean value Q in [-1, 1] is shown as centipawns the
way Leela Chess Zero's original mapping does, ``cp = 290.680623072 *
tan(1.548090806 * Q)`` (lc0 ``src/mcts/search.cc``, the score type lc0 now
calls ``centipawn_2018``; lc0's newer default is ``90 * tan(1.5637541897 * Q)``).
WDL (with ``UCI_ShowWDL``): the network predicts W - L only, so wdl is
``W = 500 (1 + Q)``, ``D = 0``, ``L = 1000 - W`` per mille, an approximation.
``depth`` is the length of the principal variation (MCTS has no iteration
depth); ``go depth N`` searches at most ``2**N`` simulations.
"""

from __future__ import annotations

import math
import sys
import threading
from typing import Any, Callable, Iterable, TextIO

from engine.agent import Agent, Analysis, Move, Thinking
from engine.timecontrol import OVERHEAD, move_time, uci_clock
from games.base import IllegalMoveError, NotationError

NAME = "tabula 0.1.0"
AUTHOR = "the tabula authors"
START_FEN = "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1"
INFO_INTERVAL = 1.0
"""Seconds between info lines while searching."""
EXPECTED_PLIES = 120
"""A typical chess game's length in plies, for the time manager."""


def centipawns(q: float) -> int:
    """lc0's (2018) mapping of a value in [-1, 1] to centipawns (see the module docstring)."""
    q = max(-1.0, min(1.0, float(q)))
    return int(round(290.680623072 * math.tan(1.548090806 * q)))


def wdl(q: float) -> tuple[int, int, int]:
    """Win/draw/loss per mille from a value in [-1, 1] (draws not predicted: D = 0)."""
    w = int(round(500.0 * (1.0 + max(-1.0, min(1.0, q)))))
    return w, 0, 1000 - w


class UciServer:
    """UCI over agents made by ``make_agent(weights, simulations)``.

    ``weights`` is the WeightsFile option (None: the front end's player) and
    ``simulations`` the tree capacity (the Nodes option when larger than the
    current one). ``make_agent`` raising ValueError/OSError for a bad weights
    file is reported on an info string; the old agent stays.
    """

    def __init__(self, make_agent: Callable[[str | None, int | None], Agent], *,
                 out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.make_agent = make_agent
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.agent = make_agent(None, None)
        self.options: dict[str, Any] = {"Threads": 1, "Nodes": 0, "WeightsFile": "",
                                        "MultiPV": 1, "UCI_ShowWDL": False,
                                        "Move Overhead": int(OVERHEAD * 1000), "Ponder": False}
        self._lock = threading.Lock()
        self._search: _Go | None = None
        self.quit = False

    # -- the loop ---------------------------------------------------------------
    def run(self, lines: Iterable[str]) -> int:
        for line in lines:
            self.handle(line)
            if self.quit:
                break
        self._finish()
        return 0

    def handle(self, raw: str) -> None:
        words = raw.strip().split()
        if not words:
            return
        name, args = words[0], words[1:]
        handler = getattr(self, f"cmd_{name}", None)
        if handler is None:
            self.info_string(f"unknown command {raw.strip()!r}")
            return
        try:
            handler(args)
        except Exception as exc:  # never die on one command
            print(f"uci: error in {name}: {type(exc).__name__}: {exc}", file=self.err, flush=True)
            self.info_string(f"error in {name}: {exc}".replace("\n", " "))

    def write(self, text: str) -> None:
        with self._lock:
            self.out.write(text + "\n")
            self.out.flush()

    def info_string(self, text: str) -> None:
        self.write("info string " + " ".join(text.split()))

    # -- commands ---------------------------------------------------------------
    def cmd_uci(self, args: list[str]) -> None:
        self.write(f"id name {NAME}")
        self.write(f"id author {AUTHOR}")
        cap = self.agent.search.config.num_simulations if self.agent.search else 0
        for line in (
                "option name Threads type spin default 1 min 1 max 1024",
                f"option name Nodes type spin default 0 min 0 max {max(cap, 1_000_000)}",
                "option name WeightsFile type string default <empty>",
                "option name MultiPV type spin default 1 min 1 max 500",
                "option name UCI_ShowWDL type check default false",
                f"option name Move Overhead type spin default {int(OVERHEAD * 1000)} min 0 max 5000",
                "option name Ponder type check default false"):
            self.write(line)
        self.write("uciok")

    def cmd_isready(self, args: list[str]) -> None:
        self.write("readyok")

    def cmd_ucinewgame(self, args: list[str]) -> None:
        self._finish(stop=True)
        self.agent.new_game()

    def cmd_setoption(self, args: list[str]) -> None:
        text = " ".join(args)
        if not text.startswith("name "):
            self.info_string("setoption needs 'name <id> [value <x>]'")
            return
        name, _, value = text[5:].partition(" value ")
        name, value = name.strip(), value.strip()
        key = next((k for k in self.options if k.lower() == name.lower()), None)
        if key is None:
            self.info_string(f"unknown option {name!r}")
            return
        try:
            self._set(key, value)
        except (ValueError, OSError) as exc:
            self.info_string(f"option {key} not set: {exc}")

    def _set(self, key: str, value: str) -> None:
        if key in ("UCI_ShowWDL", "Ponder"):
            self.options[key] = value.lower() == "true"
        elif key == "WeightsFile":
            path = None if value in ("", "<empty>") else value
            self._finish(stop=True)
            self.agent = self.make_agent(path, None)
            self.options[key] = value
        else:
            n = int(value)
            if n < 0 or (key in ("Threads", "MultiPV") and n < 1):
                raise ValueError(f"{key} must be a positive integer, got {value}")
            self.options[key] = n
            if key == "Threads" and n != 1:
                self.info_string("Threads noted; the search runs in one thread (batched evaluation)")
            if key == "Nodes" and self.agent.search and n > self.agent.search.config.num_simulations:
                self._finish()
                path = self.options["WeightsFile"] or None
                self.agent = self.make_agent(path if path != "<empty>" else None, n)

    def cmd_position(self, args: list[str]) -> None:
        game = self.agent.game
        if not args or args[0] not in ("startpos", "fen"):
            self.info_string("position needs startpos or fen; position ignored")
            return
        rest = args[1:]
        if args[0] == "startpos":
            fen = START_FEN
        else:
            fields = []
            while rest and rest[0] != "moves":
                fields.append(rest.pop(0))
            fen = " ".join(fields)
        moves = rest[1:] if rest and rest[0] == "moves" else []
        if rest and rest[0] != "moves":
            self.info_string(f"unexpected {rest[0]!r} in position; position ignored")
            return
        try:
            start = game.from_fen(fen)
        except ValueError as exc:
            self.info_string(f"invalid FEN: {exc}; position ignored")
            return
        if game.terminal(start)[0] and moves:
            self.info_string("the position is finished: no moves can follow; position ignored")
            return
        probe = game.copy(start)
        actions = []
        for text in moves:
            try:
                action = game.text_to_action(probe, text)
                game.apply(probe, [action])
            except (IllegalMoveError, NotationError, ValueError) as exc:
                reason = exc.reason if isinstance(exc, IllegalMoveError) else str(exc).splitlines()[0]
                self.info_string(f"illegal move {text} ({reason}); position ignored")
                return
            actions.append(action)
        self._finish()
        self.agent.set_position(start, actions, key=fen)

    def cmd_go(self, args: list[str]) -> None:
        self._finish()
        params, flags = _go_params(args)
        agent = self.agent
        if agent.terminal:
            mated = agent.game.result(agent.state).winner is not None
            self.write("info depth 0 score mate 0" if mated else "info depth 0 score cp 0")
            self.write("bestmove (none)")
            return
        budget: dict[str, Any] = {}
        white = agent.to_play == 0
        overhead = self.options["Move Overhead"] / 1000.0
        clock = uci_clock(params, white)
        seconds = None
        if any(k in params for k in ("wtime", "btime", "movetime")):
            seconds = move_time(clock, ply=agent.ply, expected_plies=EXPECTED_PLIES, overhead=overhead)
        sims = None
        if "nodes" in params:
            sims = int(params["nodes"])
        elif "depth" in params:
            sims = 2 ** min(int(params["depth"]), 30)
        elif self.options["Nodes"]:
            sims = int(self.options["Nodes"])
        if sims is not None and agent.search is not None:
            sims = max(1, min(sims, agent.search.config.num_simulations))
        infinite = "infinite" in flags
        ponder = "ponder" in flags
        if not infinite and not ponder:
            budget = {"seconds": seconds, "simulations": sims}
        thinking = agent.think(infinite=infinite or ponder, on_progress=self._progress,
                               interval=INFO_INTERVAL, **budget)
        self._search = _Go(self, thinking, hold=infinite or ponder, ponder_seconds=seconds,
                           ponder_sims=sims)

    def cmd_stop(self, args: list[str]) -> None:
        self._finish(stop=True)

    def cmd_ponderhit(self, args: list[str]) -> None:
        if self._search is not None:
            self._search.ponderhit()

    def cmd_quit(self, args: list[str]) -> None:
        self.quit = True
        self._finish(stop=True)

    # -- output -------------------------------------------------------------------
    def _progress(self, analysis: Analysis) -> None:
        for line in self.info_lines(analysis):
            self.write(line)

    def info_lines(self, analysis: Analysis) -> list[str]:
        """``info depth .. seldepth .. nodes .. nps .. time .. score cp .. [wdl ..] multipv .. pv ..``."""
        lines = []
        cands = analysis.candidates[:max(1, int(self.options["MultiPV"]))]
        seldepth = max((len(c.pv) for c in analysis.candidates), default=0)
        ms = max(1, int(1000 * analysis.elapsed))
        nps = int(analysis.visits * 1000 / ms)
        for i, c in enumerate(cands, 1):
            q = 2.0 * c.winrate - 1.0 if c.visits else analysis.value
            line = (f"info depth {max(1, len(c.pv))} seldepth {max(1, seldepth)} "
                    f"nodes {analysis.visits + 1} nps {nps} time {ms} score cp {centipawns(q)}")
            if self.options["UCI_ShowWDL"]:
                w, d, lo = wdl(q)
                line += f" wdl {w} {d} {lo}"
            line += f" multipv {i} pv {' '.join(c.pv)}"
            lines.append(line)
        return lines

    def _bestmove(self, move: Move | None) -> None:
        """Print the final info lines and ``bestmove`` (always a legal move, or (none))."""
        agent = self.agent
        legal = agent.legal_actions()
        if move is not None and move.analysis is not None:
            self._progress(move.analysis)
        if not legal:
            self.write("bestmove (none)")
            return
        action = move.action if move is not None and not move.resign else -1
        if action not in legal:
            action = legal[0] if move is None or move.analysis is None or not move.analysis.candidates \
                else move.analysis.candidates[0].action
        if action not in legal:
            action = legal[0]
        text = agent.text(action)
        pv = move.analysis.candidates[0].pv if move and move.analysis and move.analysis.candidates else []
        if not pv and move is not None and move.pv:
            pv = move.pv
        if len(pv) >= 2 and pv[0] == text:
            self.write(f"bestmove {text} ponder {pv[1]}")
        else:
            self.write(f"bestmove {text}")

    def _finish(self, stop: bool = False) -> None:
        """Wait for the current search's bestmove to be printed.

        A search with a budget runs to its end unless ``stop``; an infinite or
        ponder search is stopped (it would never end by itself).
        """
        go, self._search = self._search, None
        if go is not None:
            go.release(stop=stop or go.hold)
            go.join()


class _Go:
    """One ``go``: waits for the search, holds bestmove for infinite/ponder until released."""

    def __init__(self, server: UciServer, thinking: Thinking, *, hold: bool,
                 ponder_seconds: float | None, ponder_sims: int | None) -> None:
        self.server, self.thinking = server, thinking
        self.released = threading.Event()
        self.hold = hold
        if not hold:
            self.released.set()
        self.ponder_seconds = ponder_seconds
        self._timer: threading.Timer | None = None
        self.thread = threading.Thread(target=self._main, name="tabula-uci-go", daemon=True)
        self.thread.start()

    def _main(self) -> None:
        move: Move | None
        try:
            move = self.thinking.wait()
        except Exception as exc:
            self.server.info_string(f"search failed: {exc}")
            move = None
        if not self.released.is_set() and move is not None and move.analysis is not None:
            self.server._progress(move.analysis)  # the tree is full: say so before holding
            move.analysis = None
        self.released.wait()
        if self._timer is not None:
            self._timer.cancel()
        self.server._bestmove(move)

    def release(self, stop: bool) -> None:
        if stop:
            self.thinking.stop()
        self.released.set()

    def ponderhit(self) -> None:
        """The ponder move was played: search on for the normal time, then answer."""
        if self.ponder_seconds is not None:
            self._timer = threading.Timer(self.ponder_seconds, self.thinking.stop)
            self._timer.daemon = True
            self._timer.start()
        else:
            self.thinking.stop()
        self.released.set()

    def join(self) -> None:
        self.thread.join()


def _go_params(args: list[str]) -> tuple[dict[str, float], set[str]]:
    """``go`` arguments -> numeric parameters and flags (infinite, ponder); unknown ones skipped."""
    numeric = {"wtime", "btime", "winc", "binc", "movestogo", "movetime", "nodes", "depth", "mate"}
    params: dict[str, float] = {}
    flags: set[str] = set()
    i = 0
    while i < len(args):
        word = args[i]
        if word in numeric and i + 1 < len(args):
            try:
                params[word] = float(args[i + 1])
            except ValueError:
                pass
            i += 2
        elif word in ("infinite", "ponder"):
            flags.add(word)
            i += 1
        elif word == "searchmoves":
            i += 1
            while i < len(args) and args[i] not in numeric | {"infinite", "ponder"}:
                i += 1
        else:
            i += 1
    for key in ("wtime", "btime"):
        if key in params:
            params[key] = max(0.0, params[key])
    return params, flags


def serve(make_agent: Callable[[str | None, int | None], Agent], stdin: TextIO | None = None,
          stdout: TextIO | None = None) -> int:
    """Run the UCI loop on stdin/stdout until quit or end of input."""
    return UciServer(make_agent, out=stdout or sys.stdout).run(stdin or sys.stdin)
