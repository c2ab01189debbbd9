"""The arena's players, made from spec strings: baselines, our search, checkpoints, external engines.

Spec syntax (``KIND`` or ``KIND:REST``; keys are case-sensitive; booleans 1/0,
true/false, yes/no, on/off)::

    random                                  uniform over the legal moves (seeded)
    rollout[:N | :playouts=N[,c=X]]         pure UCT, random playouts to the end (default
                                            1000 playouts, c = sqrt 2); Go and gomoku only
    search[:N | :sims=N[,KEY=VALUE...]]     mcts.Search with a stand-in evaluator
    ckpt:PATH[,KEY=VALUE...]                mcts.Search with a checkpoint's network
    gtp:COMMAND[;KEY=VALUE...]              a GTP engine (Go), e.g. gtp:gnugo --mode gtp --level 1
    uci:COMMAND[;KEY=VALUE...]              a UCI engine (chess), e.g. uci:stockfish;Skill Level=0;nodes=50
    gomocup:COMMAND[;KEY=VALUE...]          a Gomocup brain (gomoku, five in a row)

Search keys (``search`` and ``ckpt``): ``sims`` (simulations per move; search's
default 200, ckpt's from the checkpoint header, else 200), ``gumbel``,
``c_init``, ``c_base``, ``fpu``, ``leaves`` (leaves per tree per step),
``considered`` (Gumbel's m), ``gumbel_scale`` (default 0 here: deterministic),
``c_visit``, ``c_scale``, ``reuse`` (subtree reuse), ``temperature`` (default 0:
the most visited move), ``seed``; ``search`` also ``evaluator`` (uniform or
hash) and ``ckpt`` also ``device`` (auto, cpu, cuda). A ckpt PATH may itself
contain commas: only trailing ``,key=value`` items are options.

External engines: COMMAND is split like a shell line (shlex: quote arguments
that contain blanks) and its program is looked up on PATH, then in /usr/games.
Options follow, each after a ``;`` (so a COMMAND cannot contain ``;``). Keys for
every engine: ``time`` (seconds per move, overriding the match's move_time;
default 10) and ``startup`` (seconds allowed to start and set up, default 30).
UCI also takes ``nodes``, ``movetime`` (ms) and ``depth`` (the ``go`` limits;
none given: ``go movetime`` of the move time), and every other key is a UCI
option, checked against the options the engine lists (``Skill Level=0``,
``Threads=1``, ``Hash=16``). Gomocup also takes ``max_memory`` (bytes).

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

>>> from games import make_game
>>> parse_player_spec("rollout:500")
('rollout', {'playouts': 500})
>>> parse_player_spec("uci:stockfish -q;nodes=50;Skill Level=0")
('uci', {'command': 'stockfish -q', 'nodes': 50, 'setoption': {'Skill Level': '0'}})
>>> player = make_player("search:sims=16", make_game("tictactoe"))
>>> player.config.num_simulations, player.config.temperature
(16, 0.0)
"""

from __future__ import annotations

import dataclasses
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

import numpy as np

from arena.clients import EngineCrash, EngineError, EngineTimeout, ProtocolError
from arena.engines import split_command
from arena.player import Choice, Fault, Player
from games.base import Game, NotationError

DEFAULT_MOVE_TIME = 10.0
"""Seconds per move an external engine gets when neither the spec nor the match says."""
DEFAULT_STARTUP = 30.0
"""Seconds an external engine gets to start and set up a game."""
DEFAULT_SIMS = 200
"""Simulations per move of ``search`` (and of ``ckpt`` when its header names none)."""
DEFAULT_PLAYOUTS = 1000
"""Playouts per move of ``rollout``."""


def grace(move_time: float) -> float:
    """Extra seconds allowed past an engine's move time before it is a TIMEOUT."""
    return 1.0 + 0.25 * move_time


# -- spec parsing ------------------------------------------------------------------------------
def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError(text)
    return value


def _float(text: str) -> float:
    return float(text)


def _nonneg_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise ValueError(text)
    return value


def _evaluator(text: str) -> str:
    if text not in ("uniform", "hash"):
        raise ValueError(text)
    return text


def _device(text: str) -> str:
    if text not in ("auto", "cpu", "cuda") and not text.startswith("cuda:"):
        raise ValueError(text)
    return text


Key = tuple[Callable[[str], Any], str]
"""A spec key: its parser and what it allows (for error messages)."""

SEARCH_KEYS: dict[str, Key] = {
    "sims": (_positive_int, "a positive integer"),
    "gumbel": (_bool, "1 or 0"),
    "c_init": (_positive_float, "a positive number"),
    "c_base": (_positive_float, "a positive number"),
    "fpu": (_float, "a number"),
    "leaves": (_positive_int, "a positive integer"),
    "considered": (_positive_int, "a positive integer"),
    "gumbel_scale": (_nonneg_float, "a number >= 0"),
    "c_visit": (_positive_float, "a positive number"),
    "c_scale": (_positive_float, "a positive number"),
    "reuse": (_bool, "1 or 0"),
    "temperature": (_nonneg_float, "a number >= 0"),
    "seed": (int, "an integer"),
}
"""Keys of ``search`` and ``ckpt`` specs, and the SearchConfig fields they set (below)."""

SEARCH_FIELDS = {"sims": "num_simulations", "gumbel": "gumbel", "c_init": "c_init",
                 "c_base": "c_base", "fpu": "fpu_reduction", "leaves": "leaves_per_tree",
                 "considered": "gumbel_considered", "gumbel_scale": "gumbel_scale",
                 "c_visit": "c_visit", "c_scale": "c_scale", "reuse": "reuse_tree",
                 "temperature": "temperature", "seed": "seed"}

ENGINE_KEYS: dict[str, Key] = {
    "time": (_positive_float, "seconds per move, a positive number"),
    "startup": (_positive_float, "seconds, a positive number"),
}

KINDS: dict[str, dict[str, Key]] = {
    "random": {},
    "rollout": {"playouts": (_positive_int, "a positive integer"),
                "c": (_positive_float, "a positive number")},
    "search": {**SEARCH_KEYS, "evaluator": (_evaluator, "uniform or hash")},
    "ckpt": {**SEARCH_KEYS, "device": (_device, "auto, cpu, cuda or cuda:N")},
    "gtp": dict(ENGINE_KEYS),
    "uci": {**ENGINE_KEYS, "nodes": (_positive_int, "a positive integer"),
            "movetime": (_positive_int, "milliseconds, a positive integer"),
            "depth": (_positive_int, "a positive integer")},
    "gomocup": {**ENGINE_KEYS, "max_memory": (_positive_int, "bytes, a positive integer")},
}
"""Every kind of player and the keys its spec takes."""

SHORTHAND = {"rollout": "playouts", "search": "sims"}
"""Kinds whose spec may give one bare number: ``rollout:200`` is ``rollout:playouts=200``."""

ENGINE_KINDS = ("gtp", "uci", "gomocup")
SYNTAX = ("random | rollout[:playouts=N,c=X] | search[:sims=N,KEY=VALUE...] | "
          "ckpt:PATH[,KEY=VALUE...] | gtp:COMMAND[;KEY=VALUE...] | uci:COMMAND[;KEY=VALUE...] | "
          "gomocup:COMMAND[;KEY=VALUE...]")
_OPTION = re.compile(r"\s*[A-Za-z_][A-Za-z0-9_]*\s*=")


def _valid_keys(kind: str) -> str:
    keys = KINDS[kind]
    if not keys:
        return f"{kind} takes no options"
    listed = ", ".join(f"{k} ({allowed})" for k, (_, allowed) in keys.items())
    extra = "; any other key is a UCI option of the engine" if kind == "uci" else ""
    return f"{kind} takes: {listed}{extra}"


def _convert(kind: str, key: str, text: str, spec: str) -> Any:
    parse, allowed = KINDS[kind][key]
    try:
        return parse(text)
    except ValueError:
        raise ValueError(f"bad value {key}={text!r} in player spec {spec!r}: {key} must be "
                         f"{allowed}") from None


def _items(kind: str, items: Sequence[str], spec: str) -> dict[str, Any]:
    """``key=value`` items of a spec as typed options; unknown keys are errors (UCI: options)."""
    options: dict[str, Any] = {}
    for item in items:
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key:
            raise ValueError(f"bad item {item.strip()!r} in player spec {spec!r}: expected "
                             f"key=value; {_valid_keys(kind)}")
        if key in KINDS[kind]:
            options[key] = _convert(kind, key, value, spec)
        elif kind == "uci":
            options.setdefault("setoption", {})[key] = value
        else:
            raise ValueError(f"unknown key {key!r} in player spec {spec!r}; {_valid_keys(kind)}")
    return options


def parse_player_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split a player spec into its kind and typed options; ValueError says what is wrong.

    Engines' options hold ``command``; ckpt's ``path``; UCI's engine options
    are under ``setoption`` (name -> value text).
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"empty player spec; expected {SYNTAX}")
    kind, colon, rest = spec.strip().partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise ValueError(f"unknown player kind {kind!r} in spec {spec!r}; valid kinds: "
                         f"{', '.join(KINDS)} ({SYNTAX})")
    if kind in ENGINE_KINDS:
        command, *items = rest.split(";")
        if not command.strip():
            raise ValueError(f"player spec {spec!r} needs a command: {kind}:COMMAND[;KEY=VALUE...], "
                             f"e.g. gtp:gnugo --mode gtp --level 1")
        return kind, {"command": command.strip(), **_items(kind, [i for i in items if i.strip()], spec)}
    if kind == "ckpt":
        parts = rest.split(",")
        first_option = len(parts)
        while first_option > 1 and _OPTION.match(parts[first_option - 1]):
            first_option -= 1
        path = ",".join(parts[:first_option]).strip()
        if not path:
            raise ValueError(f"player spec {spec!r} needs a checkpoint path: ckpt:PATH[,KEY=VALUE...]")
        return kind, {"path": path, **_items(kind, parts[first_option:], spec)}
    items = [i for i in rest.split(",") if i.strip()]
    if kind in SHORTHAND and len(items) == 1 and "=" not in items[0]:
        items = [f"{SHORTHAND[kind]}={items[0]}"]
    if not KINDS[kind] and items:
        raise ValueError(f"player spec {spec!r}: {_valid_keys(kind)}")
    return kind, _items(kind, items, spec)


# -- players of our own ----------------------------------------------------------------------
class RandomPlayer(Player):
    """Uniform over the legal moves, from its own seeded generator."""

    def __init__(self, spec: str, game: Game, seed: int = 0) -> None:
        self.spec, self.game = spec, game
        self.rng = np.random.default_rng(seed)

    def choose(self, slots: Sequence[int], states: Any) -> list[Choice]:
        mask = self.game.legal_mask(states)
        return [Choice(action=int(self.rng.choice(np.flatnonzero(row)))) for row in mask]


class RolloutPlayer(Player):
    """Pure UCT with random playouts (:mod:`arena.rollout`), one tree per slot.

    The budget is the playout count; the match's move_time does not apply. The
    trees are ``rollout`` (an :class:`arena.rollout.RolloutSearch`), deliberately
    not ``search``: front ends drive a ``search`` attribute as an mcts.Search.
    """

    def __init__(self, spec: str, game: Game, playouts: int = DEFAULT_PLAYOUTS, *,
                 c: float | None = None, seed: int = 0) -> None:
        from arena.rollout import DEFAULT_C, RolloutSearch

        self.spec, self.game, self.playouts, self.seed = spec, game, playouts, seed
        self.c = DEFAULT_C if c is None else c
        self._make = RolloutSearch
        self.rollout = RolloutSearch(game, 1, playouts, c=self.c, seed=seed)  # checks the game

    def start(self, game: Game, slots: int, *, move_time: float | None = None) -> None:
        super().start(game, slots, move_time=move_time)
        self.rollout = self._make(game, slots, self.playouts, c=self.c, seed=self.seed)

    def choose(self, slots: Sequence[int], states: Any) -> list[Choice]:
        result = self.rollout.run(states, rows=np.asarray(slots, np.int64))
        value = result.value
        return [Choice(action=int(a), info={"value": float(value[i]), "playouts": int(result.playouts[i]),
                                            "visits": int(result.visits[i, a])})
                for i, a in enumerate(result.action.tolist())]


class SearchPlayer(Player):
    """Our batched MCTS (``mcts.Search``) with any evaluator; one tree per slot, reused across moves.

    ``search`` (batch = slots), ``config`` and ``evaluator`` are public so
    front ends can drive analysis themselves. ``choose`` searches every asked
    slot in one batched search (one evaluator call per step for all of them).
    """

    def __init__(self, spec: str, game: Game, evaluator: Any, config: Any) -> None:
        from mcts import Search

        self.spec, self.game, self.evaluator, self.config = spec, game, evaluator, config
        self._make = Search
        self.search = Search(game, evaluator, 1, config)
        self.slots = 1

    def start(self, game: Game, slots: int, *, move_time: float | None = None) -> None:
        super().start(game, slots, move_time=move_time)
        if self.search.batch != slots or self.search.game is not game:
            self.search = self._make(game, self.evaluator, slots, self.config)
        self.search.reset()

    def new_game(self, slot: int, state: Any) -> None:
        self.search.reset(rows=[slot])

    def moved(self, slot: int, action: int) -> None:
        self.search.advance([action], rows=[slot])

    def choose(self, slots: Sequence[int], states: Any) -> list[Choice]:
        result = self.search.run(states, rows=np.asarray(slots, np.int64))
        return [Choice(action=int(a), info={"value": float(result.root_value[i]),
                                            "visits": int(result.visits[i, a]),
                                            "pv": result.pv[i]})
                for i, a in enumerate(result.action.tolist())]


def search_config(options: dict[str, Any], defaults: dict[str, Any] | None = None) -> Any:
    """A deterministic SearchConfig: ``defaults`` (SearchConfig field names), then spec options.

    Evaluation settings unless overridden: no root noise, temperature 0,
    Gumbel noise scale 0, ``sims`` DEFAULT_SIMS.
    """
    from mcts import SearchConfig

    names = {f.name for f in dataclasses.fields(SearchConfig)}
    values: dict[str, Any] = {"num_simulations": DEFAULT_SIMS, "gumbel_scale": 0.0}
    values.update({k: v for k, v in (defaults or {}).items() if k in names})
    values.update({"root_noise": False, "temperature": 0.0})
    values.update({SEARCH_FIELDS[k]: v for k, v in options.items() if k in SEARCH_FIELDS})
    return SearchConfig(**values)


def make_search_player(spec: str, game: Game, options: dict[str, Any], seed: int = 0) -> SearchPlayer:
    """``search:...``: a SearchPlayer with the uniform (default) or hash evaluator."""
    from mcts import make_evaluator

    options = {"seed": seed, **options}
    evaluator = make_evaluator(options.get("evaluator", "uniform"), game.info.num_actions)
    return SearchPlayer(spec, game, evaluator, search_config(options))


def make_checkpoint_player(spec: str, game: Game, options: dict[str, Any], seed: int = 0) -> SearchPlayer:
    """``ckpt:PATH,...``: a SearchPlayer with the checkpoint's network as evaluator.

    The checkpoint's game must be the match's game (ValueError naming both);
    its header's ``search`` dict gives the search defaults, which the spec's
    options override.
    """
    from engine.checkpoint import load_checkpoint
    from engine.inference import TorchEvaluator, configure_cpu_threads
    from games.spec import canonical_spec

    path = options["path"]
    ckpt = load_checkpoint(path)
    if canonical_spec(ckpt.game_spec) != game.info.spec:
        raise ValueError(f"checkpoint {path} plays {ckpt.game_spec!r}, but this match is "
                         f"{game.info.spec!r}")
    device = options.get("device", "auto")
    if device == "cpu":
        configure_cpu_threads(1)
    evaluator = TorchEvaluator(ckpt.net, device=device)
    header = ckpt.header.get("search") or {}
    options = {"seed": seed, **options}
    return SearchPlayer(spec, game, evaluator, search_config(options, header))


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


# -- the factory -----------------------------------------------------------------------------------
def make_player(spec: str, game: Game, *, seed: int = 0) -> Player:
    """The player a spec names, for ``game``; ValueError (or FileNotFoundError) says what is wrong.

    ``seed`` seeds random, rollout and search players (their spec's ``seed``
    key wins for search players).
    """
    kind, options = parse_player_spec(spec)
    spec = spec.strip()
    if kind == "random":
        return RandomPlayer(spec, game, seed)
    if kind == "rollout":
        return RolloutPlayer(spec, game, options.get("playouts", DEFAULT_PLAYOUTS),
                             c=options.get("c"), seed=seed)
    if kind == "search":
        return make_search_player(spec, game, options, seed)
    if kind == "ckpt":
        return make_checkpoint_player(spec, game, options, seed)
    engine = {"gtp": GTPPlayer, "uci": UCIPlayer, "gomocup": GomocupPlayer}[kind]
    return engine(spec, game, options)


__all__ = ["EnginePlayer", "GTPPlayer", "GomocupPlayer", "KINDS", "RandomPlayer", "RolloutPlayer",
           "SearchPlayer", "UCIPlayer", "fault_of", "make_player", "parse_player_spec",
           "search_config"]
