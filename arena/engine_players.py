"""External engines as arena players: GTP (Go), UCI (chess) and Gomocup (gomoku) over subprocesses.

External engines run one process per slot, started at the slot's first game
and reused for its later games, and answer in parallel (one thread per slot;
their I/O releases the GIL). A move later than ``time`` plus a grace of
1 s + 25 % is a TIMEOUT; a dead process, closed pipe or broken protocol a CRASH;
an answer that is no move of the game an ILLEGAL fault. A process that timed
out or crashed is killed and a fresh one started for the slot's next game.
GTP: ``boardsize``, ``komi``, ``clear_board``, the position's stones and the
moves so far as ``play``, then ``genmove`` (``resign`` resigns, ``pass`` is the
pass action). UCI: ``ucinewgame``, ``position startpos|fen ... moves ...``,
``go``. Gomocup: START (once), RESTART, then BEGIN, TURN or BOARD as fits.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

import numpy as np

from arena.clients import EngineCrash, EngineError, EngineTimeout, ProtocolError
from arena.engines import split_command
from arena.player import Choice, Fault, Player
from arena.specs import DEFAULT_MOVE_TIME, DEFAULT_STARTUP, grace
from games.base import Game, NotationError


# -- external engines --------------------------------------------------------------------------
class IllegalAnswer(ProtocolError):
    """The engine answered something that is not a move of this game (an ILLEGAL fault)."""


def fault_of(err: EngineError) -> Choice:
    """The Choice that reports ``err``: TIMEOUT, ILLEGAL or CRASH with its message."""
    if isinstance(err, EngineTimeout):
        fault = Fault.TIMEOUT
    elif isinstance(err, IllegalAnswer):
        fault = Fault.ILLEGAL
    else:
        fault = Fault.CRASH
    return Choice(fault=fault, detail=str(err))


class EnginePlayer(Player):
    """An external engine, one process per slot; subclasses speak the protocol.

    Subclasses implement ``_launch`` (start and set up a client), ``_begin``
    (remember a new game's position), ``_prepare`` (tell the engine a new game
    starts), ``moved`` and ``_move`` (one slot's answer). Every EngineError of
    a slot becomes that slot's fault; the slot's process is then killed.
    """

    games: tuple[str, ...] = ()

    def __init__(self, spec: str, game: Game, options: dict[str, Any]) -> None:
        if game.info.name not in self.games:
            raise ValueError(f"player {spec!r} plays {' or '.join(self.games)}, not {game.info.spec}")
        self.spec, self.game, self.options = spec, game, options
        self.command = options["command"]
        self.argv = split_command(self.command)
        self.startup = float(options.get("startup", DEFAULT_STARTUP))
        self.slots = 0
        self.move_time = None
        self.clients: list[Any] = []
        self.pending: list[Choice | None] = []
        self._pool: ThreadPoolExecutor | None = None

    # -- timing -----------------------------------------------------------------------
    @property
    def time_per_move(self) -> float:
        """Seconds per move: the spec's ``time``, else the match's move_time, else the default."""
        return float(self.options.get("time") or self.move_time or DEFAULT_MOVE_TIME)

    @property
    def answer_timeout(self) -> float:
        """Seconds a move may take before it is a TIMEOUT."""
        return self.time_per_move + grace(self.time_per_move)

    # -- lifecycle ----------------------------------------------------------------------
    def start(self, game: Game, slots: int, *, move_time: float | None = None) -> None:
        if game.info.spec != self.game.info.spec:
            raise ValueError(f"player {self.spec!r} was made for {self.game.info.spec}, "
                             f"not {game.info.spec}")
        self._stop()
        super().start(game, slots, move_time=move_time)
        self.clients = [None] * slots
        self.pending = [None] * slots
        self._pool = ThreadPoolExecutor(max_workers=max(1, slots),
                                        thread_name_prefix=f"{type(self).__name__}")
        self._slots_started(slots)

    def _slots_started(self, slots: int) -> None:
        """Per-slot bookkeeping of the subclass (called by ``start``)."""

    def new_game(self, slot: int, state: Any) -> None:
        """Remember the position; start the slot's engine if needed and tell it a game starts.

        An engine that fails here reports the fault at the slot's next ``choose``.
        A bad configuration (e.g. an unknown UCI option) raises ValueError.
        """
        self.pending[slot] = None
        self._begin(slot, state)
        try:
            fresh = False
            client = self.clients[slot]
            if client is None or not client.process.alive:
                if client is not None:
                    client.kill()
                self.clients[slot] = None
                client = self.clients[slot] = self._launch()
                fresh = True
            self._prepare(slot, client, fresh)
        except EngineError as err:
            self._drop(slot)
            self.pending[slot] = fault_of(err)
        except Exception:
            self._drop(slot)
            raise

    def choose(self, slots: Sequence[int], states: Any) -> list[Choice]:
        """Every slot's answer, asked in parallel (one worker thread per slot)."""
        assert self._pool is not None, "start() first"
        to_play = self.game.to_play(states)
        futures = [self._pool.submit(self._choose_one, slot, int(to_play[i]))
                   for i, slot in enumerate(slots)]
        return [f.result() for f in futures]

    def _choose_one(self, slot: int, to_play: int) -> Choice:
        if self.pending[slot] is not None:
            choice, self.pending[slot] = self.pending[slot], None
            return choice  # type: ignore[return-value]
        client = self.clients[slot]
        if client is None:
            return Choice(fault=Fault.CRASH, detail=f"engine {self.command!r} is not running")
        try:
            return self._move(slot, client, to_play)
        except EngineError as err:
            self._drop(slot)
            return fault_of(err)

    def _drop(self, slot: int) -> None:
        """Kill the slot's engine; the next game starts a fresh one."""
        client = self.clients[slot] if slot < len(self.clients) else None
        if client is not None:
            client.kill()
        if slot < len(self.clients):
            self.clients[slot] = None

    def _stop(self) -> None:
        for client in self.clients:
            if client is not None:
                client.close()
        self.clients = [None] * len(self.clients)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def close(self) -> None:
        """Quit every engine (killed if it lingers) and stop the threads."""
        self._stop()

    # -- protocol hooks -----------------------------------------------------------------
    def _launch(self) -> Any:
        raise NotImplementedError

    def _begin(self, slot: int, state: Any) -> None:
        raise NotImplementedError

    def _prepare(self, slot: int, client: Any, fresh: bool) -> None:
        raise NotImplementedError

    def _move(self, slot: int, client: Any, to_play: int) -> Choice:
        raise NotImplementedError


class GTPPlayer(EnginePlayer):
    """A Go engine over GTP. History per slot: ``(player, action)`` events, set-up stones first.

    The position a game starts from is sent as its stones (``play`` per stone,
    Black's then White's) on a cleared board, then the moves; an engine that
    refuses one of our moves (its rules differ) is a CRASH.
    """

    games = ("go",)

    def _slots_started(self, slots: int) -> None:
        self.history: list[list[tuple[int, int]]] = [[] for _ in range(slots)]
        self.sent: list[list[tuple[int, int]] | None] = [None] * slots
        self.next_player = [0] * slots

    def _launch(self) -> Any:
        from arena.clients.gtp import GTPClient

        return GTPClient(self.argv, timeout=self.startup)

    def _begin(self, slot: int, state: Any) -> None:
        stones = self.game.stones(state)[0].reshape(-1)  # type: ignore[attr-defined]
        self.history[slot] = ([(0, int(a)) for a in np.flatnonzero(stones == 1)]
                              + [(1, int(a)) for a in np.flatnonzero(stones == 2)])
        self.next_player[slot] = int(state.to_play[0])
        self.sent[slot] = None

    def _prepare(self, slot: int, client: Any, fresh: bool) -> None:
        from arena.clients.gtp import GTPError

        game = self.game
        try:
            client.boardsize(game.size)  # type: ignore[attr-defined]
            client.komi(game.komi)  # type: ignore[attr-defined]
            client.clear_board()
        except GTPError as err:
            raise EngineCrash(f"engine {self.command!r} refused the game set-up: {err}") from None
        self.sent[slot] = []

    def moved(self, slot: int, action: int) -> None:
        self.history[slot].append((self.next_player[slot], int(action)))
        self.next_player[slot] ^= 1

    def _move(self, slot: int, client: Any, to_play: int) -> Choice:
        from arena.clients.gtp import COLOURS, GTPError
        from games.go import coords

        size = self.game.size  # type: ignore[attr-defined]
        history, sent = self.history[slot], self.sent[slot]
        if sent is None or sent != history[:len(sent)]:
            client.clear_board()
            sent = self.sent[slot] = []
        for player, action in history[len(sent):]:
            vertex = coords.action_to_gtp(action, size)
            try:
                client.play(COLOURS[player], vertex)
            except GTPError as err:
                raise EngineCrash(f"engine {self.command!r} refused our move "
                                  f"{COLOURS[player]} {vertex}: {err.message}") from None
            sent.append((player, action))
        try:
            answer = client.genmove(COLOURS[to_play], timeout=self.answer_timeout)
        except GTPError as err:
            raise EngineCrash(f"engine {self.command!r} refused genmove: {err.message}") from None
        if answer == "resign":
            return Choice(resign=True, info={"text": answer})
        try:
            action = coords.gtp_to_action(answer, size)
        except (NotationError, ValueError):
            raise IllegalAnswer(f"engine {self.command!r} answered genmove with {answer!r}, "
                                f"not a move on {size}x{size}") from None
        sent.append((to_play, action))
        return Choice(action=action, info={"text": answer})


class UCIPlayer(EnginePlayer):
    """A chess engine over UCI; each slot keeps its own board (start position + moves)."""

    games = ("chess",)

    def _slots_started(self, slots: int) -> None:
        self.boards: list[Any] = [None] * slots
        self.start_fen: list[str | None] = [None] * slots
        self.moves: list[list[str]] = [[] for _ in range(slots)]

    def _launch(self) -> Any:
        from arena.clients.uci import UCIClient

        client = UCIClient(self.argv, timeout=self.startup)
        try:
            for name, value in self.options.get("setoption", {}).items():
                client.setoption(name, value)
            client.isready()
        except BaseException:
            client.kill()
            raise
        return client

    def _begin(self, slot: int, state: Any) -> None:
        import chess

        board = state.boards[0].copy()
        root = board.root()
        self.boards[slot] = board
        self.start_fen[slot] = None if root.fen() == chess.STARTING_FEN else root.fen()
        self.moves[slot] = [m.uci() for m in board.move_stack]

    def _prepare(self, slot: int, client: Any, fresh: bool) -> None:
        client.new_game()

    def moved(self, slot: int, action: int) -> None:
        from games.chess.encoding import action_to_move

        board = self.boards[slot]
        move = action_to_move(int(action), board)
        board.push(move)
        self.moves[slot].append(move.uci())

    def _limits(self) -> tuple[dict[str, int], float]:
        """The ``go`` limits and the seconds allowed for the answer."""
        opts = self.options
        limits = {k: opts[k] for k in ("nodes", "depth") if k in opts}
        if "movetime" in opts:
            limits["movetime_ms"] = opts["movetime"]
        if not limits:
            limits["movetime_ms"] = max(1, int(1000 * self.time_per_move))
        seconds = max(self.time_per_move, limits.get("movetime_ms", 0) / 1000.0)
        return limits, seconds + grace(seconds)

    def _move(self, slot: int, client: Any, to_play: int) -> Choice:
        import chess

        from games.chess.encoding import move_to_action

        limits, timeout = self._limits()
        client.position(self.start_fen[slot], self.moves[slot])
        best = client.go(timeout=timeout, **limits)
        if best.move is None:
            raise IllegalAnswer(f"engine {self.command!r} answered bestmove (none) in a game in play")
        board = self.boards[slot]
        try:
            move = chess.Move.from_uci(best.move)
            action = move_to_action(move, board.turn)
        except ValueError:
            raise IllegalAnswer(f"engine {self.command!r} answered bestmove {best.move!r}, "
                                "not a chess move") from None
        return Choice(action=action, info={"text": best.move, **({"score": best.info["score"]}
                                                                  if "score" in best.info else {})})


class GomocupPlayer(EnginePlayer):
    """A gomoku brain over the Gomocup protocol (five in a row: freestyle or exact).

    A slot's history is ``(player, action)`` events, the starting position's
    stones first. A brain that already knows all but the opponent's last move
    gets TURN; an empty board BEGIN; anything else the whole position as BOARD.
    """

    games = ("gomoku",)

    def __init__(self, spec: str, game: Game, options: dict[str, Any]) -> None:
        super().__init__(spec, game, options)
        if getattr(game, "k", 5) != 5:
            raise ValueError(f"Gomocup brains play five in a row; {game.info.spec} has "
                             f"k={getattr(game, 'k')}")

    def _slots_started(self, slots: int) -> None:
        self.history: list[list[tuple[int, int]]] = [[] for _ in range(slots)]
        self.sent: list[list[tuple[int, int]] | None] = [None] * slots
        self.next_player = [0] * slots

    def _launch(self) -> Any:
        from arena.clients.gomocup import GomocupClient

        game = self.game
        client = GomocupClient(self.argv, timeout=self.startup)
        try:
            client.start(game.width, game.height)  # type: ignore[attr-defined]
            turn_ms = int(1000 * self.time_per_move)
            client.info("timeout_turn", turn_ms)
            client.info("timeout_match", turn_ms * game.info.num_actions)
            if "max_memory" in self.options:
                client.info("max_memory", self.options["max_memory"])
            client.info("rule", 1 if getattr(game, "exact", False) else 0)
        except BaseException:
            client.kill()
            raise
        return client

    def _begin(self, slot: int, state: Any) -> None:
        board = state.board[0]
        self.history[slot] = ([(0, int(a)) for a in np.flatnonzero(board == 1)]
                              + [(1, int(a)) for a in np.flatnonzero(board == 2)])
        self.next_player[slot] = int(state.to_play[0])
        self.sent[slot] = None

    def _prepare(self, slot: int, client: Any, fresh: bool) -> None:
        self.sent[slot] = [] if fresh or client.restart() else None

    def moved(self, slot: int, action: int) -> None:
        self.history[slot].append((self.next_player[slot], int(action)))
        self.next_player[slot] ^= 1

    def _move(self, slot: int, client: Any, to_play: int) -> Choice:
        from games.gomoku.coords import action_to_xy, xy_to_action

        game = self.game
        h, w = game.height, game.width  # type: ignore[attr-defined]
        history, sent = self.history[slot], self.sent[slot]
        timeout = self.answer_timeout
        if not history and sent == []:
            x, y = client.begin(timeout)
        elif history and sent is not None and sent == history[:-1]:
            x, y = client.turn(*action_to_xy(history[-1][1], h, w), timeout)
        else:
            stones = [(*action_to_xy(a, h, w), 1 if p == to_play else 2) for p, a in history]
            x, y = client.board(stones, timeout)
        try:
            action = xy_to_action(x, y, h, w)
        except NotationError:
            raise IllegalAnswer(f"brain {self.command!r} answered {x},{y}, off the "
                                f"{w}x{h} board") from None
        self.sent[slot] = history + [(to_play, action)]
        return Choice(action=action, info={"text": f"{x},{y}"})
