"""The self-play worker: B games in lockstep, one batched search per move, finished games replaced.

Every move of every game goes through one ``mcts.Search`` holding B trees, so
each search step makes one evaluator call for all B games (the network sees
batches of B x leaves_per_tree positions). When a game ends its row gets a new
game at once, so the batch stays full for the life of the worker.

Loop (``step``), top to bottom::

    # encode   planes and mover of every row, before the move
    # search   one Search.run over all B rows
    # choose   Gumbel: the search's own action; PUCT: visits^(1/T) for the first plies, then argmax
    # resign   rows whose root value is below the threshold resign (no-resign rows only note it)
    # play     apply the moves; Search.advance keeps subtrees (PUCT)
    # finish   finished rows -> GameRecord (value targets from the outcome), new game in the row
    #          (a share of new games start after random opening moves, see random_opening_*)

Resignation is checked on a fraction ``no_resign_fraction`` of games that never
resign: when such a game's mover would have resigned and then did not lose,
that is a false resignation; ``stats.false_resign_rate`` is their share among
the games that played on after a would-resign moment. Resignation switches
itself on only while that rate, over the last 100 such games, is at most
``resign_max_false_rate`` (5%): an untrained network's values are not trusted
to end games, and while resignation is off every game plays on and feeds the
measurement.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from games.base import Game
from mcts.evaluators import Evaluator
from mcts.search import Search, SearchConfig, SearchResult
from selfplay.shards import GameRecord


@dataclass(frozen=True, kw_only=True)
class SelfPlayConfig:
    """How a worker plays its games; the pipeline saves it in the run's config.json."""

    batch: int = 64
    """Games played in lockstep (B): the network's batch is B x leaves_per_tree."""
    simulations: int = 32
    """Search simulations per move (Gumbel needs few: 16-64 on small games)."""
    gumbel: bool = True
    """Gumbel AlphaZero root search (default); False: PUCT with Dirichlet noise."""
    gumbel_considered: int = 16
    """Gumbel: actions considered at the root (m of Gumbel-top-k)."""
    dirichlet: bool = True
    """PUCT: mix Dirichlet noise into the root priors."""
    temperature: float = 1.0
    """Move-choice temperature for the first ``temperature_plies`` plies (see ``_choose``)."""
    temperature_plies: int = 8
    """Plies whose move is sampled: PUCT from visits^(1/T), Gumbel from its improved policy^(1/T).
    Later plies play the most visited move (PUCT) or Gumbel's own choice."""
    leaves_per_tree: int = 1
    """Leaves per tree per search step (more only for small B)."""
    resign_threshold: float = -0.95
    """Resign when the root value (mover's view) is below this; <= -1 disables resignation."""
    resign_min_ply: int = 4
    """No resignation before this ply."""
    no_resign_fraction: float = 0.1
    """Share of games that never resign; their would-resign moments measure false resignations."""
    resign_max_false_rate: float = 0.05
    """Resignation is on only while the false-resign rate over the last 100 checked games is at
    most this (and at least 20 were checked); 1.0 turns it on unconditionally."""
    max_moves: int | None = None
    """End a game after this many plies (None: the game's own cap), scored as a draw unless
    ``adjudicate_capped``."""
    adjudicate_capped: bool = False
    """Score games cut at ``max_moves`` by ``Game.adjudicate`` (chess: a material lead of a
    minor piece or more wins) instead of as draws. Why: a capped game has no result, and a
    draw would teach the value head that a large material lead is worth nothing."""
    reuse_tree: bool = True
    """Keep the subtree of the move played between moves (PUCT and Gumbel)."""
    random_opening_fraction: float = 0.0
    """Share of games that start from a random position (see ``random_opening_plies``)."""
    random_opening_plies: int = 0
    """Those games open with k uniformly random legal moves, k uniform in 1..this (never ending
    the game); the opening positions are not training positions. Why: self-play of a sharp
    network revisits few positions (tic-tac-toe: 772 of the 4,520 reachable boards in 5,000
    games), and the value head is then wrong exactly where an opponent's blunder leads."""

    def search_config(self, seed: int) -> SearchConfig:
        """The SearchConfig this worker's search runs with.

        Self-play passes as the search says (``avoid_losing_pass`` off), as Leela Zero's
        self-play does: the pass rule counts the score for the network, which should
        learn when passing loses from the outcomes instead.
        """
        return SearchConfig(num_simulations=self.simulations, gumbel=self.gumbel,
                            gumbel_considered=self.gumbel_considered,
                            root_noise=self.dirichlet and not self.gumbel,
                            leaves_per_tree=self.leaves_per_tree, reuse_tree=self.reuse_tree,
                            avoid_losing_pass=False, temperature=0.0, seed=seed)


@dataclass
class SelfPlayStats:
    """Counters of one worker since it started."""

    positions: int = 0
    """Positions recorded (= moves played in finished games)."""
    games: int = 0
    """Games finished."""
    moves: int = 0
    """Lockstep moves (one search over all B rows each)."""
    resigns: int = 0
    """Games ended by resignation."""
    no_resign_games: int = 0
    """Finished games that were not allowed to resign."""
    would_resign: int = 0
    """Games that played on after a player would have resigned (no-resign, or resignation off)."""
    false_resigns: int = 0
    """... and that player then did not lose."""
    outcomes: dict[str, int] = field(default_factory=lambda: {"first": 0, "second": 0, "draw": 0})
    seconds: float = 0.0
    """Wall time spent in ``step``."""

    @property
    def false_resign_rate(self) -> float | None:
        return self.false_resigns / self.would_resign if self.would_resign else None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["false_resign_rate"] = self.false_resign_rate
        return d


@dataclass
class _Game:
    """One row's game in progress: what becomes a GameRecord when it ends."""

    no_resign: bool
    started: float
    first_step: int
    planes: list[np.ndarray] = field(default_factory=list)
    policy: list[np.ndarray] = field(default_factory=list)
    moves: list[int] = field(default_factory=list)
    movers: list[int] = field(default_factory=list)
    root_values: list[float] = field(default_factory=list)
    would_resign: tuple[int, int] | None = None
    """(player, ply) of the first would-resign moment of a no-resign game."""
    opening: list[int] = field(default_factory=list)
    """Random opening moves played before the first recorded position (not training data)."""


class SelfPlayWorker:
    """B self-play games in lockstep over one batched search; see the module docstring."""

    def __init__(self, game: Game, evaluator: Evaluator, config: SelfPlayConfig | None = None,
                 seed: int = 0, *, network_step: int = 0) -> None:
        self.game = game
        self.config = cfg = config or SelfPlayConfig()
        self.batch = cfg.batch
        self.search = Search(game, evaluator, cfg.batch, cfg.search_config(seed))
        self.rng = np.random.default_rng([seed, 0x5E1F])
        self.network_step = network_step
        """Training step of the network now playing (stored with every finished game)."""
        self.max_moves = min(cfg.max_moves or game.info.max_game_length, game.info.max_game_length)
        self.states = game.initial(cfg.batch)
        self._initial = game.initial(1)
        self.plies = np.zeros(cfg.batch, np.int64)
        self.games = [self._new_game() for _ in range(cfg.batch)]
        self._random_openings(np.arange(cfg.batch))
        self.stats = SelfPlayStats()
        self._checked: deque[bool] = deque(maxlen=100)
        """Recent would-resign moments in games that played on: True where it was a false one."""
        self.resign_on = cfg.resign_max_false_rate >= 1.0
        """Whether rows may resign now (see SelfPlayConfig.resign_max_false_rate)."""

    @property
    def evaluator(self) -> Evaluator:
        return self.search.evaluator

    def set_evaluator(self, evaluator: Evaluator, network_step: int) -> None:
        """Play the following moves with a new network (games in progress continue)."""
        self.search.evaluator = evaluator
        self.search.reset()  # stored trees hold the old network's values
        self.network_step = network_step

    def _new_game(self) -> _Game:
        return _Game(no_resign=bool(self.rng.random() < self.config.no_resign_fraction),
                     started=time.time(), first_step=self.network_step)

    # -- the loop ----------------------------------------------------------------
    def play(self, *, max_games: int | None = None, stop: Callable[[], bool] | None = None
             ) -> Iterator[GameRecord]:
        """Yield finished games until ``max_games`` are done or ``stop()`` turns true."""
        done = 0
        while (max_games is None or done < max_games) and not (stop and stop()):
            for record in self.step():
                done += 1
                yield record

    def step(self) -> list[GameRecord]:
        """One move in every game; returns the games that finished (their rows restart)."""
        t0 = time.perf_counter()
        game, states = self.game, self.states
        # encode
        planes = game.encode(states)
        movers = game.to_play(states).astype(np.int8)
        # search
        result = self.search.run(states)
        # choose
        actions = self._choose(result)
        # resign
        resigning = self._resignations(result.root_value, movers)
        playing = np.flatnonzero(~resigning)
        for b in playing:
            g = self.games[b]
            g.planes.append(planes[b])
            g.policy.append(result.policy[b])
            g.moves.append(int(actions[b]))
            g.movers.append(int(movers[b]))
            g.root_values.append(float(result.root_value[b]))
        # play
        if len(playing) == self.batch:
            game.apply(states, actions, check=False)
        else:
            if len(playing):
                sub = game.take(states, playing)
                game.apply(sub, actions[playing], check=False)
                game.assign(states, playing, sub)
            game.resign(states, np.flatnonzero(resigning))
        self.plies[playing] += 1
        self.search.advance(actions)
        # finish
        over = game.terminal(states) | (self.plies >= self.max_moves)
        finished = [self._finish(int(b), bool(resigning[b])) for b in np.flatnonzero(over)]
        self._restart(np.flatnonzero(over))
        self.stats.moves += 1
        self.stats.seconds += time.perf_counter() - t0
        return finished

    def _choose(self, result: SearchResult) -> np.ndarray:
        """The move per row, with the temperature schedule for the first plies.

        Why Gumbel samples too: its root noise alone barely varies the move once
        the completed Q dominates the logits, and on small games nearly every
        self-play game then repeats (measured on tic-tac-toe: 3 distinct games in
        30); sampling the improved policy for the opening plies restores variety.
        """
        actions = result.action.astype(np.int64).copy()
        cfg = self.config
        if cfg.temperature <= 0:
            return actions
        weights = result.policy if cfg.gumbel else result.visits
        for b in np.flatnonzero(self.plies < cfg.temperature_plies):
            w = weights[b].astype(np.float64)
            if w.sum() <= 0:
                continue
            p = w ** (1.0 / cfg.temperature)
            actions[b] = int(self.rng.choice(len(p), p=p / p.sum()))
        return actions

    def _resignations(self, root_value: np.ndarray, movers: np.ndarray) -> np.ndarray:
        """bool [B]: rows that resign now; no-resign rows only note their first would-resign ply."""
        cfg = self.config
        resigning = np.zeros(self.batch, np.bool_)
        if cfg.resign_threshold <= -1.0:
            return resigning
        low = (root_value < cfg.resign_threshold) & (self.plies >= cfg.resign_min_ply)
        for b in np.flatnonzero(low):
            g = self.games[b]
            if self.resign_on and not g.no_resign:
                resigning[b] = True
            elif g.would_resign is None:
                g.would_resign = (int(movers[b]), int(self.plies[b]))
        return resigning

    def _finish(self, b: int, resigned: bool) -> GameRecord:
        """Row b's game is over: its record, value targets from the final outcome."""
        game, g, st = self.game, self.games[b], self.stats
        outcome = game.result(self.states, b)
        capped = not outcome.terminal
        winner, reason = outcome.winner, outcome.reason.value
        if capped:
            winner = game.adjudicate(self.states, b) if self.config.adjudicate_capped else None
            reason = "max moves (adjudicated " + ("draw)" if winner is None else "win)")
        meta: dict[str, Any] = {
            "network_step": self.network_step, "first_network_step": g.first_step,
            "reason": reason,
            "winner": winner, "score": outcome.score, "resigned": resigned,
            "no_resign": g.no_resign, "would_resign": list(g.would_resign) if g.would_resign else None,
            "simulations": self.config.simulations, "gumbel": self.config.gumbel,
            "opening": list(g.opening),
            "started": g.started, "finished": time.time(),
        }
        st.games += 1
        st.positions += len(g.moves)
        st.resigns += int(resigned)
        st.outcomes["draw" if winner is None else ("first", "second")[winner]] += 1
        st.no_resign_games += int(g.no_resign)
        if g.would_resign is not None:  # a no-resign game, or resignation was off: check it
            false = winner != 1 - g.would_resign[0]  # the would-be resigner did not lose
            st.would_resign += 1
            st.false_resigns += int(false)
            meta["false_resign"] = bool(false)
            self._checked.append(bool(false))
            max_rate = self.config.resign_max_false_rate
            self.resign_on = max_rate >= 1.0 or (
                len(self._checked) >= 20 and float(np.mean(self._checked)) <= max_rate)
        h, w = game.info.board_shape
        empty = np.zeros((0, game.info.num_planes, h, w), np.float32)
        return GameRecord(
            spec=game.info.spec,
            planes=np.stack(g.planes) if g.planes else empty,
            policy=np.stack(g.policy) if g.policy else np.zeros((0, game.info.num_actions), np.float32),
            moves=np.array(g.moves, np.int32), movers=np.array(g.movers, np.int8), winner=winner,
            root_values=np.array(g.root_values, np.float32), meta=meta,
            record=game_record_text(game, g.opening + g.moves, outcome, meta))

    def _random_openings(self, rows: np.ndarray) -> None:
        """Start a share of the new games in ``rows`` from a random position (see the config)."""
        cfg, game = self.config, self.game
        if cfg.random_opening_fraction <= 0 or cfg.random_opening_plies <= 0:
            return
        for b in rows:
            if self.rng.random() >= cfg.random_opening_fraction:
                continue
            sub, moves = self._random_line(int(self.rng.integers(1, cfg.random_opening_plies + 1)))
            if moves:
                game.assign(self.states, [int(b)], sub)
                self.plies[b] = len(moves)
                self.games[int(b)].opening = moves

    def _random_line(self, plies: int) -> tuple[Any, list[int]]:
        """Up to ``plies`` uniformly random moves from the start, stopping before one that ends the game."""
        game = self.game
        sub, moves = game.copy(self._initial), []
        for _ in range(plies):
            legal = np.flatnonzero(game.legal_mask(sub)[0])
            if not len(legal):
                break
            action = int(self.rng.choice(legal))
            nxt = game.copy(sub)
            game.apply(nxt, np.array([action], np.int64), check=False)
            if game.terminal(nxt)[0]:
                break
            sub = nxt
            moves.append(action)
        return sub, moves

    def _restart(self, rows: np.ndarray) -> None:
        """New games in ``rows``; their search trees start fresh."""
        if not len(rows):
            return
        self.game.assign(self.states, rows, self._initial, np.zeros(len(rows), np.int64))
        self.plies[rows] = 0
        for b in rows:
            self.games[int(b)] = self._new_game()
        self._random_openings(rows)
        self.search.reset(rows=rows)


def game_record_text(game: Game, moves: list[int], outcome: Any, meta: dict[str, Any]) -> str:
    """SGF (Go, gomoku) or PGN (chess) text of a finished self-play game via ``arena.records``."""
    from arena.records import Result, record_text, rule_reason

    states = game.initial(1)
    texts = []
    for action in moves:
        texts.append(game.action_to_text(states, int(action)))
        game.apply(states, np.array([action], np.int64), check=False)
    if meta["resigned"]:
        reason = "resign"
    elif not outcome.terminal:
        reason = "max_moves"
    else:
        reason = rule_reason(outcome.reason)
    result = Result(winner=meta["winner"], reason=reason, margin=outcome.score)
    name = f"selfplay step {meta['network_step']}"
    return record_text(game, texts, result, (name, name), event="tabula self-play")
