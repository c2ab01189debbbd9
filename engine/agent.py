"""One game, one engine: the object every front end (terminal, GTP, UCI, Gomocup) drives.

An :class:`Agent` holds the game's start position and the moves played, and a
player: a search player (anything with a ``.search``, an :class:`mcts.Search`
of batch 1, such as ``arena.players.SearchPlayer``) or any other
:class:`arena.player.Player` (random, rollout, an external engine), which it
asks through ``choose`` with one slot.

With a search it does the work itself so front ends get what people expect:

* a budget in simulations and/or seconds per move (``think(seconds=...)``);
* the search runs in a worker thread (:class:`Thinking`) that another thread
  stops with ``stop()`` (GTP analysis stops on the next command, UCI ``stop``);
* progress reports every ``interval`` seconds as :class:`Analysis` (candidate
  moves with visits, win rate, prior, lcb, order, principal variation);
* tree reuse: every move played, ours or the opponent's, advances the tree;
  undo rebuilds the position from the move list and starts a fresh tree.

Which methods block: ``genmove`` (until the move is chosen); ``think`` and
``analyze`` return at once with a :class:`Thinking`; ``play``, ``undo``,
``new_game`` and ``set_position`` first stop and wait for any thinking.
"""

from __future__ import annotations

import inspect
import math
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from games.base import Action, Game, IllegalMoveError, NotationError

ANALYSIS_MOVES = 10
"""Candidates reported per analysis (the most visited first)."""
PV_DEPTH = 12
"""Longest principal variation reported per candidate."""
LCB_Z = 1.96
"""z of the lower confidence bound on a candidate's win rate (see :func:`lower_bound`)."""


@dataclass
class Candidate:
    """One root move of an analysis, from the view of the player to move."""

    action: Action
    move: str
    """The move in the game's notation (Go ``D4``, chess UCI, gomoku ``h8``)."""
    visits: int
    winrate: float
    """Mean value mapped to [0, 1] (0.5 for an unvisited move)."""
    prior: float
    """The policy prior in [0, 1]."""
    lcb: float
    """Lower confidence bound of the win rate (approximate, see :func:`lower_bound`)."""
    order: int
    """Rank, 0 = the move the engine would play."""
    pv: list[str] = field(default_factory=list)
    """Principal variation starting with this move, in the game's notation."""
    pv_actions: list[Action] = field(default_factory=list)
    """The same line as actions."""


@dataclass
class Analysis:
    """A snapshot of a search: root statistics and the best candidates."""

    candidates: list[Candidate]
    visits: int
    """Simulations below the root so far (reused ones included)."""
    value: float
    """Root value in [-1, 1] for the player to move."""
    elapsed: float
    """Seconds since the search started."""
    to_play: int

    @property
    def winrate(self) -> float:
        return (self.value + 1.0) / 2.0


@dataclass
class Move:
    """The agent's answer for one move."""

    action: Action
    """The move (or -1 with ``resign``)."""
    text: str
    """The move in the game's notation ('resign' when resigning)."""
    resign: bool = False
    value: float | None = None
    """Root value in [-1, 1] for the mover, when the player reports one."""
    analysis: Analysis | None = None
    elapsed: float = 0.0
    pv: list[str] = field(default_factory=list)
    """The expected line starting with this move, in the game's notation (may be empty)."""


def lower_bound(winrate: float, visits: int, z: float = LCB_Z) -> float:
    """Win rate minus z standard errors, with a Bernoulli variance floored at 0.01.

    The tree keeps no per-move variance, so this is the normal approximation
    Leela Zero's lcb refines (it uses the observed variance and Student's t).
    """
    if visits <= 0:
        return 0.0
    var = max(winrate * (1.0 - winrate), 0.01)
    return max(0.0, winrate - z * math.sqrt(var / visits))


class Thinking:
    """A move search or analysis running in a worker thread.

    ``stop()`` (any thread) asks it to finish with what it has; ``wait()``
    joins and returns the :class:`Move` (or re-raises the worker's error).
    """

    def __init__(self, target: Callable[["Thinking"], Move]) -> None:
        self.stop_event = threading.Event()
        self.result: Move | None = None
        self.error: BaseException | None = None
        self._target = target
        self.thread = threading.Thread(target=self._main, name="tabula-think", daemon=True)
        self.thread.start()

    def _main(self) -> None:
        try:
            self.result = self._target(self)
        except BaseException as exc:  # reported to the waiting thread
            self.error = exc

    def stop(self) -> None:
        """Ask the search to stop as soon as possible (returns at once)."""
        self.stop_event.set()

    def done(self) -> bool:
        return not self.thread.is_alive()

    def wait(self, timeout: float | None = None) -> Move:
        """Join the worker; its result, or its exception re-raised."""
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise TimeoutError("the search is still running")
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class Agent:
    """A game in progress and the engine that plays it; see the module docstring.

    ``player`` is any arena Player; when it has a ``search`` attribute (an
    mcts.Search of batch 1) the agent drives that search directly. ``search``
    may also be given alone (tests, or a player-less search). ``simulations``
    and ``seconds`` are the default budget per move (None: the search's own
    capacity, no time limit). ``resign_below``: resign when the root value for
    the mover falls below it (None: never).
    """

    def __init__(self, game: Game, player: Any = None, *, search: Any = None,
                 simulations: int | None = None, seconds: float | None = None,
                 resign_below: float | None = None, log: Callable[[str], None] | None = None) -> None:
        if player is None and search is None:
            raise ValueError("an Agent needs a player or a search")
        self.game = game
        self.player = player
        if player is not None and search is None:
            from mcts import Search

            player.start(game, 1)
            found = getattr(player, "search", None)
            search = found if isinstance(found, Search) else None
        self.search = search
        self.simulations = simulations
        self.seconds = seconds
        self.resign_below = resign_below
        self.log = log or (lambda text: print(text, file=sys.stderr, flush=True))
        self._run_keywords = set(inspect.signature(search.run).parameters) if search else set()
        self._thinking: Thinking | None = None
        self._player_in_game = False
        self.start_state: Any = game.initial(1)
        self.start_key: Any = None
        self.moves: list[Action] = []
        self.state: Any = game.copy(self.start_state)
        self._reset_engine()

    # -- position -------------------------------------------------------------
    @property
    def name(self) -> str:
        return getattr(self.player, "spec", None) or "search"

    @property
    def to_play(self) -> int:
        return int(self.game.to_play(self.state)[0])

    @property
    def terminal(self) -> bool:
        return bool(self.game.terminal(self.state)[0])

    @property
    def ply(self) -> int:
        """Moves played since the start position."""
        return len(self.moves)

    def legal_actions(self) -> list[Action]:
        return self.game.legal_actions(self.state)

    def new_game(self, start: Any = None, key: Any = None) -> None:
        """Start again from ``start`` (B = 1; default the initial position)."""
        self.set_position(start, [], key=key)

    def set_position(self, start: Any, moves: Sequence[Action], key: Any = None) -> None:
        """The game is ``start`` (None: initial) followed by ``moves``.

        With the same ``key`` as the current start (e.g. a FEN) and the current
        moves as a prefix, only the new moves are played, so the tree is kept
        (a UCI GUI sends the whole game before every ``go``). Raises
        IllegalMoveError (the position unchanged) when a move is illegal.
        """
        self.stop()
        moves = [int(a) for a in moves]
        if (key is not None and key == self.start_key and moves[:len(self.moves)] == self.moves):
            probe = self.game.copy(self.state)
            for a in moves[len(self.moves):]:
                self.game.apply(probe, np.array([a], dtype=np.int64))
            for a in moves[len(self.moves):]:
                self.play(a)
            return
        base = self.game.initial(1) if start is None else self.game.copy(start)
        state = self.game.copy(base)
        for a in moves:
            self.game.apply(state, np.array([a], dtype=np.int64))
        self.start_state, self.start_key, self.moves, self.state = base, key, moves, state
        self._reset_engine()

    def play(self, action: Action) -> None:
        """Play ``action`` for the side to move; IllegalMoveError leaves everything as it was."""
        self.stop()
        action = int(action)
        self.game.apply(self.state, np.array([action], dtype=np.int64))
        self.moves.append(action)
        if self.search is not None:
            self.search.advance(np.array([action], dtype=np.int64))
        elif self.player is not None:
            self.player.moved(0, action)

    def play_text(self, text: str) -> Action:
        """Parse ``text`` in the game's notation and play it (NotationError / IllegalMoveError)."""
        action = self.game.text_to_action(self.state, text)
        self.play(action)
        return action

    def parse(self, text: str) -> Action:
        """The action ``text`` means here, checked legal (NotationError / IllegalMoveError)."""
        action = self.game.text_to_action(self.state, text)
        if action not in self.legal_actions():
            probe = self.game.copy(self.state)
            self.game.apply(probe, np.array([action], dtype=np.int64))  # raises with the reason
        return action

    def undo(self, n: int = 1) -> int:
        """Take back the last ``n`` moves (fewer if the game is shorter); returns how many."""
        self.stop()
        n = min(max(0, n), len(self.moves))
        if n:
            self.set_position(self.start_state, self.moves[:-n], key=self.start_key)
        return n

    def text(self, action: Action) -> str:
        return self.game.action_to_text(self.state, action)

    def _reset_engine(self) -> None:
        """A fresh tree (or a fresh game for the player) at the current position."""
        if self.search is not None:
            self.search.reset()
        if self.player is not None and self.search is None:
            if self._player_in_game:
                self.player.end_game(0)
            self._player_in_game = True
            self.player.new_game(0, self.game.copy(self.start_state))
            for a in self.moves:
                self.player.moved(0, a)

    # -- thinking ---------------------------------------------------------------
    def think(self, *, seconds: float | None = None, simulations: int | None = None,
              infinite: bool = False, on_progress: Callable[[Analysis], None] | None = None,
              interval: float = 0.5) -> Thinking:
        """Start searching the current position in a worker thread (returns at once).

        Budget: ``seconds`` / ``simulations`` override the agent's defaults;
        ``infinite`` ignores both (runs until ``stop()`` or the tree is full).
        """
        self.stop()
        if self.terminal:
            raise ValueError("the game is over: there is no move to search")
        if not infinite:
            seconds = self.seconds if seconds is None else seconds
            simulations = self.simulations if simulations is None else simulations
        else:
            seconds = simulations = None
        state = self.game.copy(self.state)
        if self.search is None:
            target = lambda th: self._choose(state)  # noqa: E731
        else:
            target = lambda th: self._search(th, state, seconds, simulations,  # noqa: E731
                                             on_progress, interval)
        self._thinking = Thinking(target)
        return self._thinking

    def genmove(self, **budget: Any) -> Move:
        """Search and return the move to play (not played: call ``play``)."""
        return self.think(**budget).wait()

    def analyze(self, interval: float, callback: Callable[[Analysis], None], **budget: Any) -> Thinking:
        """Analyse until stopped: ``callback`` gets an :class:`Analysis` every ``interval`` s."""
        budget.setdefault("infinite", True)
        return self.think(on_progress=callback, interval=interval, **budget)

    def stop(self) -> Move | None:
        """Stop any thinking and wait for it; its move (not played), or None."""
        th, self._thinking = self._thinking, None
        if th is None:
            return None
        th.stop()
        try:
            return th.wait()
        except Exception as exc:  # already reported by whoever waited; keep going
            self.log(f"search stopped with an error: {exc}")
            return None

    @property
    def thinking(self) -> Thinking | None:
        return self._thinking

    def _choose(self, state: Any) -> Move:
        """A non-search player's move through ``choose`` with one slot."""
        t0 = time.monotonic()
        choice = self.player.choose([0], state)[0]
        elapsed = time.monotonic() - t0
        if choice.fault is not None:
            raise RuntimeError(f"player {self.name} failed: {choice.fault.value} {choice.detail}")
        value = choice.info.get("value")
        if choice.resign:
            return Move(action=-1, text="resign", resign=True, value=value, elapsed=elapsed)
        return Move(action=int(choice.action), text=self.game.action_to_text(state, choice.action),
                    value=value, elapsed=elapsed)

    def _search(self, th: Thinking, state: Any, seconds: float | None, simulations: int | None,
                on_progress: Callable[[Analysis], None] | None, interval: float) -> Move:
        t0 = time.monotonic()
        kw: dict[str, Any] = {}
        if "temperature" in self._run_keywords:
            kw["temperature"] = 0.0
        if "stop" in self._run_keywords:
            kw["stop"] = th.stop_event
        if seconds is not None and "deadline" in self._run_keywords:
            kw["deadline"] = t0 + seconds
        if simulations is not None and "simulations" in self._run_keywords:
            kw["simulations"] = max(1, min(int(simulations), self.search.config.num_simulations))
        if on_progress is not None and "on_progress" in self._run_keywords:
            kw["on_progress"] = lambda r: on_progress(self._analysis(state, r, t0))
            kw["progress_interval"] = interval
        result = self.search.run(state, **kw)
        analysis = self._analysis(state, result, t0)
        if on_progress is not None and "on_progress" not in self._run_keywords:
            on_progress(analysis)
        value = float(result.root_value[0])
        elapsed = time.monotonic() - t0
        if self.resign_below is not None and value < self.resign_below:
            return Move(action=-1, text="resign", resign=True, value=value, analysis=analysis,
                        elapsed=elapsed)
        action = int(result.action[0])
        best = [c for c in analysis.candidates if c.action == action]
        return Move(action=action, text=self.game.action_to_text(state, action), value=value,
                    analysis=analysis, elapsed=elapsed, pv=best[0].pv if best else [])

    # -- analysis ---------------------------------------------------------------
    def _analysis(self, state: Any, result: Any, t0: float) -> Analysis:
        """An :class:`Analysis` of row 0 of a SearchResult (called in the search thread)."""
        visits, q, prior = result.visits[0], result.q[0], result.prior[0]
        legal = result.legal[0]
        order = sorted(np.flatnonzero(legal).tolist(),
                       key=lambda a: (-int(visits[a]), -float(prior[a]), a))
        best = int(result.action[0])
        if best in order and visits[best] == visits[order[0]]:
            order.remove(best)
            order.insert(0, best)
        shown = [a for a in order if visits[a] > 0][:ANALYSIS_MOVES] or order[:1]
        candidates = []
        for rank, a in enumerate(shown):
            n = int(visits[a])
            w = (float(q[a]) + 1.0) / 2.0 if n else 0.5
            line = [a] + self._line_below(a)
            texts = pv_texts(self.game, state, line)
            candidates.append(Candidate(action=a, move=self.game.action_to_text(state, a),
                                        visits=n, winrate=w, prior=float(prior[a]),
                                        lcb=lower_bound(w, n), order=rank, pv=texts,
                                        pv_actions=line[:len(texts)]))
        return Analysis(candidates=candidates, visits=int(result.simulations[0]),
                        value=float(result.root_value[0]), elapsed=time.monotonic() - t0,
                        to_play=int(self.game.to_play(state)[0]))

    def _line_below(self, action: Action) -> list[Action]:
        """The most-visited line in the tree after the root move ``action`` (may be empty)."""
        from mcts.tree import KIND_EXPANDED, ROOT

        t = self.search.tree
        node = _child(t, ROOT, action)
        line: list[Action] = []
        while node >= 0 and len(line) < PV_DEPTH - 1 and t.node_kind[0, node] == KIND_EXPANDED:
            first, k = int(t.node_first_edge[0, node]), int(t.node_num_edges[0, node])
            children = t.edge_child[0, first:first + k]
            if k == 0 or (children < 0).all():
                break
            counts = np.where(children >= 0, t.node_visits[0, np.maximum(children, 0)], -1)
            i = int(np.argmax(counts))
            if counts[i] <= 0:
                break
            line.append(int(t.edge_action[0, first + i]))
            node = int(children[i])
        return line


def _child(tree: Any, node: int, action: Action) -> int:
    """The child of ``node`` in tree row 0 reached by ``action``, or -1."""
    first, k = int(tree.node_first_edge[0, node]), int(tree.node_num_edges[0, node])
    if first < 0:
        return -1
    hit = np.flatnonzero(tree.edge_action[0, first:first + k] == action)
    return int(tree.edge_child[0, first + hit[0]]) if len(hit) else -1


def pv_texts(game: Game, state: Any, actions: Sequence[Action]) -> list[str]:
    """``actions`` played from ``state`` as text (chess needs each ply's board); stops at an
    illegal move or the end of the game."""
    probe = game.copy(state)
    out = []
    for a in actions:
        if game.terminal(probe)[0]:
            break
        try:
            text = game.action_to_text(probe, a)
            game.apply(probe, np.array([a], dtype=np.int64))
        except (IllegalMoveError, NotationError, ValueError):
            break
        out.append(text)
    return out


def winrate_text(value: float | None) -> str:
    """A root value in [-1, 1] as a win rate for people: '63.2%'."""
    return "?" if value is None else f"{100.0 * (value + 1.0) / 2.0:.1f}%"
