"""The Piskvork / Gomocup brain protocol over an :class:`engine.agent.Agent` (gomoku).

Commands (upper case from the manager; any case accepted here):

* ``START N`` / ``RECTSTART W,H``: a new N x N (W x H) board -> ``OK``, or
  ``ERROR ...`` for a size this engine does not play (3-19 per side);
* ``RESTART``: a new game on the same board -> ``OK``;
* ``BEGIN``: we open -> our move ``x,y``;
* ``TURN x,y``: the opponent's move -> our move;
* ``BOARD`` then lines ``x,y,field`` (1 our stone, 2 the opponent's, 3 a
  continuous-game stone, not supported and skipped with a MESSAGE) and
  ``DONE``: the position, we are to move -> our move; who is Black follows
  from the stone counts (equal: we are Black);
* ``TAKEBACK x,y``: the last move at x,y is taken back -> ``OK``;
* ``INFO key value``: timeout_turn, timeout_match, time_left (milliseconds),
  max_memory, game_type, rule (bit 1 exactly five, 2 continuous, 4 renju;
  0 freestyle), folder, evaluate; no answer;
* ``ABOUT`` -> ``name="tabula", version="0.1.0", author="...", country="..."``;
* ``END``: quit, no answer.

Unknown commands get ``UNKNOWN ...``; bad input ``ERROR ...``; remarks for
people ``MESSAGE ...``. Coordinates are ``x,y`` from 0, x the column and y
the row from the top (``games.gomoku.coords.action_to_xy``).
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Iterable, TextIO

from engine.agent import Agent
from engine.timecontrol import Clock, move_time
from games.base import IllegalMoveError, NotationError
from games.gomoku import coords

DEFAULT_SPEC = "gomoku:size=15,k=5,rule=freestyle"
ABOUT = 'name="tabula", version="0.1.0", author="the tabula authors", country="n/a"'
OVERHEAD = 0.1
"""Seconds kept back from Gomocup's turn limit (process and pipe latency)."""


class GomocupError(Exception):
    """A command that fails; answered ``ERROR message``."""


class GomocupServer:
    """A Gomocup brain: ``make_agent(spec)`` for each board size and rule."""

    def __init__(self, make_agent: Callable[[str], Agent], spec: str = DEFAULT_SPEC, *,
                 out: TextIO | None = None, err: TextIO | None = None) -> None:
        from games.spec import parse_spec

        family, params = parse_spec(spec)
        if family != "gomoku":
            raise ValueError(f"the Gomocup protocol plays gomoku, not {spec!r}")
        self.make_agent = make_agent
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.size: tuple[int, int] = params["size"]
        self.k, self.rule = int(params["k"]), str(params["rule"])
        self.agent: Agent | None = None
        self.info: dict[str, int] = {}
        self.quit = False
        self._board: list[tuple[int, int, int]] | None = None

    # -- the loop -----------------------------------------------------------------
    def run(self, lines: Iterable[str]) -> int:
        for line in lines:
            self.handle(line)
            if self.quit:
                break
        return 0

    def handle(self, raw: str) -> None:
        line = raw.strip()
        if not line:
            return
        if self._board is not None:
            self._board_line(line)
            return
        word, _, rest = line.partition(" ")
        handler = getattr(self, f"cmd_{word.lower()}", None)
        if handler is None:
            self.write(f"UNKNOWN command {word!r}")
            return
        try:
            handler(rest.strip())
        except GomocupError as exc:
            self.write(f"ERROR {exc}")
        except Exception as exc:  # never die on one command
            print(f"gomocup: {type(exc).__name__}: {exc}", file=self.err, flush=True)
            self.write(f"ERROR internal error: {exc}".replace("\n", " "))

    def write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    # -- helpers ------------------------------------------------------------------
    def _spec(self) -> str:
        h, w = self.size
        size = str(h) if h == w else f"{h}x{w}"
        return f"gomoku:size={size},k={min(self.k, max(h, w))},rule={self.rule}"

    def _new_board(self, size: tuple[int, int]) -> None:
        h, w = size
        if not (coords.MIN_SIDE <= h <= coords.MAX_SIDE and coords.MIN_SIDE <= w <= coords.MAX_SIDE):
            raise GomocupError(f"unsupported size {w}x{h}: this brain plays boards of "
                               f"{coords.MIN_SIDE}-{coords.MAX_SIDE} per side")
        old, self.size = self.size, size
        try:
            self._remake()
        except ValueError as exc:
            self.size = old
            raise GomocupError(f"unsupported size: {exc}") from None

    def _remake(self) -> None:
        if self.agent is not None:
            self.agent.stop()
        self.agent = self.make_agent(self._spec())

    def _need_agent(self) -> Agent:
        if self.agent is None:
            raise GomocupError("no board: send START first")
        return self.agent

    def _xy(self, text: str) -> int:
        parts = text.replace(" ", "").split(",")
        h, w = self.size
        try:
            x, y = int(parts[0]), int(parts[1])
            if len(parts) != 2:
                raise ValueError
            return coords.xy_to_action(x, y, h, w)
        except (ValueError, IndexError, NotationError):
            raise GomocupError(f"expected x,y with x 0-{w - 1} and y 0-{h - 1}, got {text!r}") from None

    def _reply(self) -> None:
        """Think, play and print our move as x,y."""
        agent = self._need_agent()
        if agent.terminal:
            raise GomocupError("the game is over: no move to make")
        move = agent.think(**self._budget(agent)).wait()
        if move.resign or move.action < 0:
            move.action = agent.legal_actions()[0]  # Gomocup has no resignation: play on
        agent.play(move.action)
        x, y = coords.action_to_xy(move.action, *self.size)
        self.write(f"{x},{y}")

    def _budget(self, agent: Agent) -> dict[str, Any]:
        """Seconds for this move from INFO timeout_turn / time_left (ms); {} without them."""
        turn = self.info.get("timeout_turn")
        left = self.info.get("time_left")
        if self.info.get("timeout_match") == 0:
            left = None  # 0: no match limit
        seconds = None
        if left is not None:
            h, w = self.size
            seconds = move_time(Clock(main=left / 1000.0), ply=agent.ply,
                                expected_plies=max(30, h * w // 3), overhead=OVERHEAD)
        if turn is not None:
            cap = max(0.01, turn / 1000.0 - OVERHEAD) if turn > 0 else 0.01
            seconds = cap if seconds is None else min(seconds, cap)
        return {} if seconds is None else {"seconds": seconds}

    # -- commands -----------------------------------------------------------------
    def cmd_start(self, rest: str) -> None:
        if not rest.isdigit():
            raise GomocupError(f"START needs a board size, got {rest!r}")
        n = int(rest)
        self._new_board((n, n))
        self.write("OK")

    def cmd_rectstart(self, rest: str) -> None:
        parts = rest.replace(" ", "").split(",")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise GomocupError(f"RECTSTART needs width,height, got {rest!r}")
        w, h = int(parts[0]), int(parts[1])
        self._new_board((h, w))
        self.write("OK")

    def cmd_restart(self, rest: str) -> None:
        self._need_agent().new_game()
        self.write("OK")

    def cmd_begin(self, rest: str) -> None:
        agent = self._need_agent()
        agent.new_game()
        self._reply()

    def cmd_turn(self, rest: str) -> None:
        agent = self._need_agent()
        action = self._xy(rest)
        try:
            agent.play(action)
        except IllegalMoveError as exc:
            raise GomocupError(f"illegal move {rest}: {exc.reason}") from None
        self._reply()

    def cmd_takeback(self, rest: str) -> None:
        agent = self._need_agent()
        action = self._xy(rest)
        if not agent.moves or agent.moves[-1] != action:
            raise GomocupError(f"{rest} is not the last move")
        agent.undo(1)
        self.write("OK")

    def cmd_board(self, rest: str) -> None:
        self._need_agent()
        self._board = []

    def _board_line(self, line: str) -> None:
        if line.upper() == "DONE":
            stones, self._board = self._board or [], None
            try:
                self._set_board(stones)
                self._reply()
            except GomocupError as exc:
                self.write(f"ERROR {exc}")
            return
        parts = line.replace(" ", "").split(",")
        try:
            x, y, field = (int(p) for p in parts)
        except ValueError:
            self.write(f"ERROR expected x,y,field in BOARD, got {line!r}")
            return
        assert self._board is not None
        self._board.append((x, y, field))

    def _set_board(self, stones: list[tuple[int, int, int]]) -> None:
        """The position of a BOARD command; we (field 1) are to move."""
        agent = self._need_agent()
        h, w = self.size
        ours = [(x, y) for x, y, f in stones if f == 1]
        theirs = [(x, y) for x, y, f in stones if f == 2]
        if any(f not in (1, 2, 3) for _, _, f in stones):
            raise GomocupError("BOARD fields must be 1 (own), 2 (opponent) or 3")
        if any(f == 3 for _, _, f in stones):
            self.write("MESSAGE continuous-game stones (field 3) are not supported; skipped")
        if len(theirs) == len(ours):
            black, white = ours, theirs
        elif len(theirs) == len(ours) + 1:
            black, white = theirs, ours
        else:
            raise GomocupError(f"BOARD has {len(ours)} own and {len(theirs)} opponent stones; "
                               "we must be to move (equal counts, or one more for the opponent)")
        grid = [["."] * w for _ in range(h)]
        for colour, points in (("X", black), ("O", white)):
            for x, y in points:
                if not (0 <= x < w and 0 <= y < h) or grid[y][x] != ".":
                    raise GomocupError(f"BOARD point {x},{y} is off the board or given twice")
                grid[y][x] = colour
        last = None
        if theirs:
            lx, ly = theirs[-1]
            last = coords.action_to_text(coords.xy_to_action(lx, ly, h, w), h, w)
        try:
            state = agent.game.from_picture("\n".join(" ".join(r) for r in grid), last_move=last)
        except ValueError as exc:
            raise GomocupError(f"bad BOARD: {exc}") from None
        agent.new_game(state)

    def cmd_info(self, rest: str) -> None:
        key, _, value = rest.partition(" ")
        key = key.lower()
        if key in ("timeout_turn", "timeout_match", "time_left", "max_memory", "game_type", "rule"):
            try:
                number = int(value.strip())
            except ValueError:
                self.write(f"ERROR INFO {key} needs an integer, got {value.strip()!r}")
                return
            self.info[key] = number
            if key == "rule":
                self._set_rule(number)
        # folder, evaluate and unknown keys: nothing to do (INFO has no answer)

    def _set_rule(self, rule: int) -> None:
        if rule & ~1:
            self.write(f"MESSAGE rule {rule} is not supported (only freestyle 0 and exactly-five 1); "
                       f"playing {'exact' if rule & 1 else 'freestyle'}")
        wanted = "exact" if rule & 1 else "freestyle"
        if wanted != self.rule:
            self.rule = wanted
            if self.agent is not None:
                self._remake()

    def cmd_about(self, rest: str) -> None:
        self.write(ABOUT)

    def cmd_end(self, rest: str) -> None:
        if self.agent is not None:
            self.agent.stop()
        self.quit = True


def serve(make_agent: Callable[[str], Agent], spec: str = DEFAULT_SPEC, stdin: TextIO | None = None,
          stdout: TextIO | None = None) -> int:
    """Run the Gomocup loop on stdin/stdout until END or end of input."""
    return GomocupServer(make_agent, spec, out=stdout or sys.stdout).run(stdin or sys.stdin)
