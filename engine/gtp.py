"""A GTP version 2 server (Go; gomoku as a GTP extension) over an :class:`engine.agent.Agent`.

The server parses and answers the protocol and nothing else: every handler is
a ``cmd_*`` method taking the command's arguments and returning the answer's
text, or raising :class:`GtpError` with GTP's canonical message ("syntax
error", "illegal move", "unacceptable size", "board not empty", "cannot
undo", ...). Answers are ``=id text`` / ``?id message`` followed by a blank
line; nothing else goes to stdout (logs go to stderr).

Analysis for GUIs (Lizzie, Sabaki, KaTrain): ``lz-analyze`` and
``kata-analyze`` answer ``=`` at once, then print one line of ``info move ...``
items per interval while the search runs in a worker thread, and end with a
blank line when the next command arrives (which is then handled). Formats:

* lz: ``info move D4 visits 12 winrate 5234 prior 1234 lcb 5100 order 0 pv D4 Q16``
  (winrate, prior and lcb in 1/10000, the side to move's view), as Leela Zero;
* kata: ``info move D4 visits 12 utility 0.0468 winrate 0.5234 prior 0.1234
  lcb 0.5100 order 0 pv D4 Q16`` (decimals), as KataGo (no score fields: the
  network predicts no score).

``lz-genmove_analyze`` / ``kata-genmove_analyze`` print the same lines while
choosing a move, then ``play D4`` and the blank line.

Moves out of turn (``play b ...`` when White is to move, as GUIs do to set up
positions) are played after a pass of the side to move; when that pass would
end the game (the previous move was a pass) the position is set up afresh
with the other colour to move (the game's history then starts there).
"""

from __future__ import annotations

import math
import os
import re
import sys
import tempfile
import threading
from typing import Any, Callable, Iterable, TextIO

import numpy as np

from engine.agent import Agent, Analysis
from engine.timecontrol import GameClock
from games.base import IllegalMoveError, NotationError

GTP_COLUMNS = "ABCDEFGHJKLMNOPQRST"
"""GTP column letters (no I)."""
DEFAULT_SPEC = "go:size=19,komi=7.5"
VERSION = "0.1.0"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class GtpError(Exception):
    """A command failed; the message is the GTP error text."""


def parse_colour(text: str) -> int:
    """GTP colour (b, black, w, white; any case) -> player 0 (Black) or 1 (White)."""
    t = text.lower()
    if t in ("b", "black"):
        return 0
    if t in ("w", "white"):
        return 1
    raise GtpError("syntax error")


class GtpServer:
    """GTP over an agent made by ``make_agent(spec)`` for the current game spec.

    ``spec`` is the starting game (``go:size=19,komi=7.5``; a ``gomoku:...``
    spec makes boardsize/play/genmove work on gomoku boards). ``boardsize`` and
    ``komi`` remake the agent for the new spec (``make_agent`` raising
    ValueError means "unacceptable size"). ``seconds``: fixed thinking time
    per move when no time settings are given.
    """

    def __init__(self, make_agent: Callable[[str], Agent], spec: str = DEFAULT_SPEC, *,
                 out: TextIO | None = None, err: TextIO | None = None, name: str = "tabula",
                 version: str = VERSION) -> None:
        from games.spec import parse_spec

        self.make_agent = make_agent
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.name, self.version = name, version
        self.family, params = parse_spec(spec)
        if self.family not in ("go", "gomoku"):
            raise ValueError(f"GTP plays Go or gomoku, not {spec!r}")
        self.params = params
        self.agent = make_agent(self._spec())
        self.clock = GameClock()
        self._lock = threading.Lock()
        self._analysis: Any = None  # (Thinking, finisher) while an analysis streams
        self.quit = False

    # -- the loop -----------------------------------------------------------------
    def run(self, lines: Iterable[str]) -> int:
        """Answer commands from ``lines`` until ``quit`` or end of input; returns 0."""
        for line in lines:
            self.handle(line)
            if self.quit:
                break
        self._end_analysis()
        self.agent.stop()
        return 0

    def handle(self, raw: str) -> None:
        """Answer one line (empty and comment lines are ignored, as GTP says)."""
        line = _CONTROL.sub("", raw.replace("\t", " ")).split("#", 1)[0].strip()
        if not line:
            return
        self._end_analysis()
        words = line.split()
        cid = ""
        if words[0].isdigit():
            cid = words.pop(0)
        if not words:
            self._answer(cid, "unknown command", ok=False)
            return
        name, args = words[0], words[1:]
        method = COMMANDS.get(name)
        if method is None:
            self._answer(cid, "unknown command", ok=False)
            return
        try:
            result = getattr(self, method)(args, cid) if name in STREAMING else getattr(self, method)(args)
        except GtpError as exc:
            self._answer(cid, str(exc), ok=False)
            return
        except Exception as exc:  # a bug must not kill the engine: report it as a failure
            self.log(f"error in {name}: {type(exc).__name__}: {exc}")
            self._answer(cid, f"internal error: {exc}".replace("\n", " "), ok=False)
            return
        if name not in STREAMING:
            self._answer(cid, result or "")
        if name == "quit":
            self.quit = True

    def _answer(self, cid: str, text: str, ok: bool = True) -> None:
        head = ("=" if ok else "?") + cid
        self.write(f"{head} {text}\n\n" if text else f"{head}\n\n")

    def write(self, text: str) -> None:
        with self._lock:
            self.out.write(text)
            self.out.flush()

    def log(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    # -- game helpers -------------------------------------------------------------
    def _spec(self) -> str:
        p = self.params
        if self.family == "go":
            return (f"go:size={p['size']},komi={p['komi']:g}"
                    + (f",superko={int(p['superko'])}" if not p.get("superko", True) else ""))
        h, w = p["size"]
        return f"gomoku:size={h if h == w else f'{h}x{w}'},k={p['k']},rule={p['rule']}"

    @property
    def game(self) -> Any:
        return self.agent.game

    @property
    def size(self) -> int:
        return int(self.game.info.board_shape[0])

    def _remake(self) -> None:
        self.agent.stop()
        self.agent = self.make_agent(self._spec())

    def vertex_to_action(self, text: str) -> int:
        """A GTP vertex (or pass for Go) -> action; GtpError('syntax error') otherwise."""
        t = text.upper()
        h, w = self.game.info.board_shape
        if t == "PASS":
            if self.family != "go":
                raise GtpError("illegal move")
            return int(self.game.info.pass_action)
        m = re.fullmatch(r"([A-HJ-Z])(\d{1,2})", t)
        if not m:
            raise GtpError("syntax error")
        x, row = GTP_COLUMNS.find(m.group(1)), int(m.group(2))
        if x < 0 or x >= w or not 1 <= row <= h:
            raise GtpError("syntax error" if self.family != "go" else "illegal move")
        return (h - row) * w + x

    def action_to_vertex(self, action: int) -> str:
        h, w = self.game.info.board_shape
        if self.family == "go" and action == self.game.info.pass_action:
            return "pass"
        y, x = divmod(int(action), w)
        return f"{GTP_COLUMNS[x]}{h - y}"

    def _stones(self, state: Any) -> np.ndarray:
        """int [H, W]: 0 empty, 1 Black, 2 White."""
        h, w = self.game.info.board_shape
        if self.family == "go":
            return self.game.stones(state)[0].astype(np.int64)
        return np.asarray(state.board[0], dtype=np.int64).reshape(h, w)

    def _board_empty(self) -> bool:
        return not self._stones(self.agent.state).any() and not self.agent.moves

    def _play_as(self, colour: int, action: int) -> None:
        """Play ``action`` for ``colour``, passing or setting up first when out of turn."""
        agent = self.agent
        if agent.terminal:
            raise GtpError("illegal move")
        if colour != agent.to_play:
            self._give_turn(colour)
        if action not in agent.legal_actions():
            raise GtpError("illegal move")
        agent.play(action)

    def _give_turn(self, colour: int) -> None:
        """Make ``colour`` the side to move (a pass, or a fresh set-up position)."""
        agent = self.agent
        if self.family == "go" and int(agent.state.passes[0]) == 0:
            agent.play(int(self.game.info.pass_action))
            return
        stones = self._stones(agent.state)
        if self.family == "go":
            agent.new_game(self.game.setup(stones, to_play=colour))
        else:
            raise GtpError("illegal move")  # gomoku has no pass: colours must alternate

    # -- administrative -----------------------------------------------------------
    def cmd_protocol_version(self, args: list[str]) -> str:
        return "2"

    def cmd_name(self, args: list[str]) -> str:
        return self.name

    def cmd_version(self, args: list[str]) -> str:
        return self.version

    def cmd_known_command(self, args: list[str]) -> str:
        if len(args) != 1:
            raise GtpError("syntax error")
        return "true" if args[0] in COMMANDS else "false"

    def cmd_list_commands(self, args: list[str]) -> str:
        return "\n".join(COMMANDS)

    def cmd_quit(self, args: list[str]) -> str:
        return ""

    # -- setup --------------------------------------------------------------------
    def cmd_boardsize(self, args: list[str]) -> str:
        if len(args) != 1 or not args[0].isdigit():
            raise GtpError("syntax error")
        n = int(args[0])
        old = dict(self.params)
        self.params["size"] = n if self.family == "go" else (n, n)
        if self.family == "gomoku" and self.params["k"] > n:
            self.params["k"] = n
        try:
            self._remake()
        except ValueError:
            self.params = old
            self._remake()
            raise GtpError("unacceptable size") from None
        return ""

    def cmd_clear_board(self, args: list[str]) -> str:
        self.agent.new_game()
        self.clock = _reset_clock(self.clock)
        return ""

    def cmd_komi(self, args: list[str]) -> str:
        if len(args) != 1:
            raise GtpError("syntax error")
        try:
            komi = float(args[0])
        except ValueError:
            raise GtpError("syntax error") from None
        if not math.isfinite(komi):
            raise GtpError("syntax error")
        if self.family == "go" and komi != self.params["komi"]:
            state, moves, old = self.agent.start_state, list(self.agent.moves), self.params["komi"]
            self.params["komi"] = komi
            try:
                self._remake()
            except ValueError:
                self.params["komi"] = old
                self._remake()
                raise GtpError("syntax error") from None
            self._restore(state, moves)
        return ""

    def _restore(self, start: Any, moves: list[int]) -> None:
        """Replay a position on a remade agent (same board, new komi)."""
        stones = self._stones(start)
        if stones.any():
            start = self.game.setup(stones, to_play=int(start.to_play[0]))
        else:
            start = None
        self.agent.set_position(start, moves)

    def cmd_fixed_handicap(self, args: list[str]) -> str:
        from games.go.handicap import fixed_handicap

        n = self._handicap_count(args)
        try:
            points = fixed_handicap(self.size, n)
        except ValueError:
            raise GtpError("invalid number of stones") from None
        self._place(points)
        return " ".join(self.action_to_vertex(a) for a in points)

    def cmd_place_free_handicap(self, args: list[str]) -> str:
        from games.go.handicap import fixed_handicap, max_fixed_handicap

        n = self._handicap_count(args)
        if not 2 <= n < self.size * self.size:
            raise GtpError("invalid number of stones")
        top = max_fixed_handicap(self.size)
        points = fixed_handicap(self.size, min(n, top)) if top >= 2 else []
        centre = (self.size - 1) / 2
        rest = sorted((a for a in range(self.size * self.size) if a not in points),
                      key=lambda a: (abs(a // self.size - centre) + abs(a % self.size - centre), a))
        points = points + rest[:n - len(points)]
        self._place(points)
        return " ".join(self.action_to_vertex(a) for a in points)

    def cmd_set_free_handicap(self, args: list[str]) -> str:
        if self.family != "go":
            raise GtpError("unknown command")
        if not self._board_empty():
            raise GtpError("board not empty")
        try:
            points = [self.vertex_to_action(v) for v in args]
        except GtpError:
            raise GtpError("bad vertex list") from None
        n = self.size * self.size
        if len(points) < 2 or len(set(points)) != len(points) or max(points) >= n:
            raise GtpError("bad vertex list")
        self._place(points)
        return ""

    def _handicap_count(self, args: list[str]) -> int:
        if self.family != "go":
            raise GtpError("unknown command")
        if len(args) != 1 or not args[0].isdigit():
            raise GtpError("syntax error")
        if not self._board_empty():
            raise GtpError("board not empty")
        return int(args[0])

    def _place(self, points: list[int]) -> None:
        start = self.game.initial(1)
        self.game.place_handicap(start, points)
        self.agent.new_game(start)

    # -- play ---------------------------------------------------------------------
    def cmd_play(self, args: list[str]) -> str:
        if len(args) != 2:
            raise GtpError("syntax error")
        colour = parse_colour(args[0])
        action = self.vertex_to_action(args[1])
        try:
            self._play_as(colour, action)
        except (IllegalMoveError, NotationError):
            raise GtpError("illegal move") from None
        return ""

    def cmd_genmove(self, args: list[str]) -> str:
        return self._genmove(args, play=True)

    def cmd_reg_genmove(self, args: list[str]) -> str:
        return self._genmove(args, play=False)

    def _genmove(self, args: list[str], play: bool, on_progress: Any = None,
                 interval: float = 1.0, final: Callable[[Analysis], None] | None = None) -> str:
        if len(args) < 1:
            raise GtpError("syntax error")
        colour = parse_colour(args[0])
        agent = self.agent
        if agent.terminal:
            return "pass" if self.family == "go" else "resign"
        if colour != agent.to_play:
            if not play:
                raise GtpError("cannot generate a move for the side not to move")
            self._give_turn(colour)
        seconds = self.clock.budget(colour, ply=agent.ply, expected_plies=self._expected_plies())
        budget = {} if seconds is None else {"seconds": seconds}
        move = agent.think(on_progress=on_progress, interval=interval, **budget).wait()
        self.clock.spent(colour, move.elapsed)
        if final is not None and move.analysis is not None:
            final(move.analysis)
        if move.resign:
            return "resign"
        if play:
            agent.play(move.action)
        return self.action_to_vertex(move.action)

    def _expected_plies(self) -> int:
        h, w = self.game.info.board_shape
        return max(40, int(0.7 * h * w))

    def cmd_undo(self, args: list[str]) -> str:
        if not self.agent.undo(1):
            raise GtpError("cannot undo")
        return ""

    # -- output -------------------------------------------------------------------
    def cmd_showboard(self, args: list[str]) -> str:
        return "\n" + self.game.render(self.agent.state)

    def cmd_final_score(self, args: list[str]) -> str:
        if self.family != "go":
            result = self.game.result(self.agent.state)
            return "0" if result.winner is None else ("B+" if result.winner == 0 else "W+")
        score = float(self.game.area_score(self.agent.state)[0])
        if score == 0:
            return "0"
        return f"{'B' if score > 0 else 'W'}+{abs(score):g}"

    def cmd_final_status_list(self, args: list[str]) -> str:
        """Tromp-Taylor: every stone on the board counts as alive (no dead-stone removal)."""
        if len(args) != 1 or args[0].lower() not in ("alive", "dead", "seki"):
            raise GtpError("syntax error")
        if args[0].lower() != "alive":
            return ""
        stones = self._stones(self.agent.state).reshape(-1)
        return " ".join(self.action_to_vertex(a) for a in np.flatnonzero(stones))

    # -- time ---------------------------------------------------------------------
    def cmd_time_settings(self, args: list[str]) -> str:
        nums = _numbers(args, 3)
        try:
            self.clock.settings(nums[0], nums[1], stones=int(nums[2]))
        except ValueError:
            raise GtpError("syntax error") from None
        return ""

    def cmd_kgs_time_settings(self, args: list[str]) -> str:
        if not args:
            raise GtpError("syntax error")
        kind, rest = args[0].lower(), args[1:]
        try:
            if kind == "none":
                self.clock.settings(0, 1, stones=0)  # GTP: byo-yomi without stones = no limit
            elif kind == "absolute":
                self.clock.settings(_numbers(rest, 1)[0], 0)
            elif kind == "byoyomi":
                main, period, periods = _numbers(rest, 3)
                self.clock.settings(main, period, periods=int(periods))
            elif kind == "canadian":
                main, period, stones = _numbers(rest, 3)
                self.clock.settings(main, period, stones=int(stones))
            else:
                raise GtpError("syntax error")
        except ValueError:
            raise GtpError("syntax error") from None
        return ""

    def cmd_time_left(self, args: list[str]) -> str:
        if len(args) != 3:
            raise GtpError("syntax error")
        colour = parse_colour(args[0])
        seconds, stones = _numbers(args[1:], 2)
        try:
            self.clock.time_left(colour, seconds, int(stones))
        except ValueError:
            raise GtpError("syntax error") from None
        return ""

    # -- SGF ----------------------------------------------------------------------
    def cmd_loadsgf(self, args: list[str]) -> str:
        from sgfmill import sgf, sgf_moves

        if not 1 <= len(args) <= 2 or (len(args) == 2 and not args[1].isdigit()):
            raise GtpError("syntax error")
        if self.family != "go":
            raise GtpError("cannot load file")
        try:
            with open(args[0], "rb") as fh:
                record = sgf.Sgf_game.from_bytes(fh.read())
            board, plays = sgf_moves.get_setup_and_moves(record)
        except (OSError, ValueError):
            raise GtpError("cannot load file") from None
        limit = int(args[1]) - 1 if len(args) == 2 else len(plays)
        if record.get_size() != self.params["size"] or (record.get_komi() != self.params["komi"]):
            self.params["size"] = record.get_size()
            self.params["komi"] = float(record.get_komi())
            try:
                self._remake()
            except ValueError:
                raise GtpError("cannot load file") from None
        n = self.size
        stones = np.zeros((n, n), np.int64)
        for colour, (row, col) in board.list_occupied_points():
            stones[n - 1 - row, col] = 1 if colour == "b" else 2
        first = plays[0][0] if plays else None
        root = record.get_root()
        to_play = 0
        if root.has_property("PL"):
            to_play = 0 if root.get("PL") == "b" else 1
        elif first is not None:
            to_play = 0 if first == "b" else 1
        elif stones.any() and not (stones == 2).any():
            to_play = 1  # handicap stones only: White moves first
        self.agent.new_game(self.game.setup(stones, to_play=to_play) if stones.any() else None)
        try:
            for colour, point in plays[:max(0, limit)]:
                action = n * n if point is None else (n - 1 - point[0]) * n + point[1]
                self._play_as(0 if colour == "b" else 1, action)
        except (GtpError, IllegalMoveError):
            raise GtpError("cannot load file") from None
        return ""

    def cmd_printsgf(self, args: list[str]) -> str:
        text = self.sgf_text()
        if args:
            directory = os.path.dirname(os.path.abspath(args[0]))
            fd, tmp = tempfile.mkstemp(dir=directory, suffix=".sgf.tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, args[0])
            return ""
        return text.strip()

    def sgf_text(self) -> str:
        """The current game as SGF (set-up stones as AB/AW, then the moves)."""
        from sgfmill import sgf

        if self.family != "go":
            raise GtpError("printsgf plays Go only")
        n = self.size
        record = sgf.Sgf_game(n)
        root = record.get_root()
        root.set("KM", float(self.params["komi"]))
        root.set("AP", (self.name, self.version))
        start = self._stones(self.agent.start_state)
        blacks = [(n - 1 - y, x) for y, x in zip(*np.nonzero(start == 1))]
        whites = [(n - 1 - y, x) for y, x in zip(*np.nonzero(start == 2))]
        if blacks or whites:
            root.set_setup_stones(blacks, whites)
            if int(self.agent.start_state.to_play[0]) == 1:
                root.set("PL", "w")
        probe = self.game.copy(self.agent.start_state)
        for action in self.agent.moves:
            colour = "b" if int(probe.to_play[0]) == 0 else "w"
            point = None if action == n * n else (n - 1 - action // n, action % n)
            record.extend_main_sequence().set_move(colour, point)
            self.game.apply(probe, np.array([action]))
        result = self.game.result(self.agent.state)
        if result.terminal:
            root.set("RE", "0" if result.winner is None else
                     f"{'BW'[result.winner]}+{'R' if result.reason.name == 'RESIGNATION' else f'{abs(result.score or 0):g}'}")
        return record.serialise().decode("utf-8")

    # -- analysis -----------------------------------------------------------------
    def cmd_lz_analyze(self, args: list[str], cid: str) -> None:
        self._analyze(args, cid, kata=False)

    def cmd_kata_analyze(self, args: list[str], cid: str) -> None:
        self._analyze(args, cid, kata=True)

    def cmd_lz_genmove_analyze(self, args: list[str], cid: str) -> None:
        self._genmove_analyze(args, cid, kata=False)

    def cmd_kata_genmove_analyze(self, args: list[str], cid: str) -> None:
        self._genmove_analyze(args, cid, kata=True)

    def _analyze(self, args: list[str], cid: str, kata: bool) -> None:
        colour, interval = _analysis_args(args)
        agent = self.agent
        if colour is not None and colour != agent.to_play and not agent.terminal:
            raise GtpError("cannot analyze for the side not to move")
        self.write(f"={cid}\n")
        if agent.terminal:
            self.write("\n")
            return
        printed = [False]

        def report(analysis: Analysis) -> None:
            if analysis.candidates:
                printed[0] = True
                self.write(format_info(analysis, kata, self.action_to_vertex) + "\n")

        thinking = agent.analyze(interval, report)

        def finish() -> None:
            move = agent.stop()
            if not printed[0] and move is not None and move.analysis is not None:
                report(move.analysis)
            self.write("\n")

        self._analysis = finish
        del thinking

    def _genmove_analyze(self, args: list[str], cid: str, kata: bool) -> None:
        colour, interval = _analysis_args(args)
        if colour is None:
            raise GtpError("syntax error")
        self.write(f"={cid}\n")

        printed = [False]

        def report(analysis: Analysis) -> None:
            if analysis.candidates:
                printed[0] = True
                self.write(format_info(analysis, kata, self.action_to_vertex) + "\n")

        try:
            vertex = self._genmove([args[0]], play=True, on_progress=report, interval=interval,
                                   final=lambda a: None if printed[0] else report(a))
        except GtpError as exc:
            self.log(f"genmove_analyze: {exc}")
            vertex = "resign"
        self.write(f"play {vertex}\n\n")

    def _end_analysis(self) -> None:
        finish, self._analysis = self._analysis, None
        if finish is not None:
            finish()


def format_info(analysis: Analysis, kata: bool, vertex: Callable[[int], str]) -> str:
    """One analysis as a line of ``info move ...`` items (lz or kata format)."""
    items = []
    for c in analysis.candidates:
        pv = " ".join(vertex(a) for a in (c.pv_actions or [c.action]))
        if kata:
            items.append(f"info move {vertex(c.action)} visits {c.visits} utility "
                         f"{2 * c.winrate - 1:.4f} winrate {c.winrate:.4f} prior {c.prior:.4f} "
                         f"lcb {c.lcb:.4f} order {c.order} pv {pv}")
        else:
            items.append(f"info move {vertex(c.action)} visits {c.visits} winrate "
                         f"{round(10000 * c.winrate)} prior {round(10000 * c.prior)} "
                         f"lcb {round(10000 * c.lcb)} order {c.order} pv {pv}")
    return " ".join(items)


def _analysis_args(args: list[str]) -> tuple[int | None, float]:
    """``[colour] [interval] [key value ...]`` -> (colour or None, interval in seconds)."""
    colour = None
    interval = 1.0
    rest = list(args)
    if rest and rest[0].lower() in ("b", "w", "black", "white"):
        colour = parse_colour(rest.pop(0))
    if rest and rest[0].isdigit():
        interval = int(rest.pop(0)) / 100.0
    while len(rest) >= 2:
        key, value = rest.pop(0), rest.pop(0)
        if key == "interval":
            if not value.isdigit():
                raise GtpError("syntax error")
            interval = int(value) / 100.0
    if rest and rest[0] != "ownership":
        raise GtpError("syntax error")
    return colour, max(0.01, interval)


def _numbers(args: list[str], n: int) -> list[float]:
    if len(args) != n:
        raise GtpError("syntax error")
    try:
        values = [float(a) for a in args]
    except ValueError:
        raise GtpError("syntax error") from None
    if not all(math.isfinite(v) and v >= 0 for v in values):
        raise GtpError("syntax error")
    return values


def _reset_clock(clock: GameClock) -> GameClock:
    """The same time settings with full clocks (a new game)."""
    fresh = GameClock()
    if clock.main is not None or clock.byoyomi:
        if clock.main is None:
            fresh.settings(0, 1, 0)
        else:
            fresh.settings(clock.main, clock.byoyomi, stones=clock.stones, periods=clock.periods)
    return fresh


COMMANDS: dict[str, str] = {name: "cmd_" + name.replace("-", "_") for name in (
    "protocol_version", "name", "version", "known_command", "list_commands", "quit",
    "boardsize", "clear_board", "komi", "play", "genmove", "undo", "showboard",
    "final_score", "final_status_list", "time_settings", "kgs-time_settings", "time_left",
    "fixed_handicap", "place_free_handicap", "set_free_handicap", "loadsgf", "printsgf",
    "reg_genmove", "lz-analyze", "kata-analyze", "lz-genmove_analyze", "kata-genmove_analyze")}
"""Every command, in list_commands order, and its handler."""
STREAMING = frozenset(("lz-analyze", "kata-analyze", "lz-genmove_analyze", "kata-genmove_analyze"))
"""Commands that write their own answer (a header, info lines, the end)."""


def serve(make_agent: Callable[[str], Agent], spec: str = DEFAULT_SPEC,
          stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run a GTP server on stdin/stdout until quit or end of input."""
    server = GtpServer(make_agent, spec, out=stdout or sys.stdout)
    return server.run(stdin or sys.stdin)
