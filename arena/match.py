"""Matches between players: the schedule, lockstep parallel games, results into the store.

A match plays ``games`` games for each *pairing* of players: every pairing
(``round-robin``) or the first player against each other (``gauntlet``). Game
``g`` of a pairing ``A|B`` starts from opening ``g // 2`` with A moving first
when ``g`` is even and B when it is odd, so colours alternate and each opening
is played twice with colours swapped. All pairings use the same openings.

Games run in parallel, in lockstep: up to ``parallel`` games are alive; at each
tick the live games are grouped by the player to move and each player gets one
``choose(slots, states)`` call for all of them (a search player searches them in
one batch: one evaluator call per step for many games), then every chosen move
is applied with one ``game.apply``. A finished game's place is taken by the next
scheduled one. Each player numbers its own games: a player in several pairings
sees distinct slots, at most ``min(parallel, its games)`` of them.

A game ends by the rules (``game.result``), or by a player's fault: an action
the rules refuse (``illegal``), a ``crash`` or ``timeout`` reported by the
player (or an exception escaping ``choose``: ``crash``), or a resignation
(``resign``); the faulty side loses and the match goes on. The arena's own safety
cap (``max_moves``) ends a runaway game as a draw. Per-move time limits are the
players' business (``move_time`` is handed to ``start``): external engines report
``timeout`` themselves.

Go is scored by the rules' area scoring. A game that ends by two passes is
scored as the board stands (Tromp-Taylor): stones the players consider dead but
left on the board count as alive, so engines must capture dead stones before
passing (gnugo and pachi do when told the rules, or with ``--capture-all-dead``).

Every finished game is committed to the store at once (see arena.store) under the
key (pairing, opening, swap) of its match. The match id is derived from the game
spec, the opening source and the seed, so rerunning the same command resumes:
stored games are skipped, never replayed, and a larger ``games`` extends the match.

With ``sprt`` set (two players only) the W/D/L of the first player over all
games of the match decides; the match stops as soon as the SPRT accepts H0 or
H1 (live games are abandoned, not stored).
"""

from __future__ import annotations

import hashlib
import math
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from arena.openings import resolve_openings, start_state
from arena.player import Choice, Fault, Player
from arena.records import SAFETY_CAP, Result, record_suffix, record_text, rule_reason, write_text_atomic
from arena.store import GameKey, GameRow, Store, utc_now
from games.base import Game

SCHEDULES = ("round-robin", "gauntlet")


@dataclass(frozen=True)
class MatchConfig:
    """How a match is played; the defaults suit a quick local match."""

    games: int = 2
    """Games per pairing (each opening is played twice, colours swapped)."""
    schedule: str = "round-robin"
    """``round-robin`` (every pair) or ``gauntlet`` (the first player against each other)."""
    openings: int | str | None = None
    """Random opening plies (int), an opening file path, or None for the game's default."""
    parallel: int = 8
    """Games alive at once (the lockstep batch)."""
    move_time: float | None = None
    """Seconds per move handed to the players (external engines enforce it); None: theirs."""
    seed: int = 0
    """Seeds the random openings and the players; part of the match id."""
    db: str | None = None
    """SQLite results file; None keeps results in memory only."""
    sprt: Any = None
    """An ``arena.sprt.SPRT`` or its text (``elo0=0,elo1=10``); two players only."""
    max_moves: int | None = None
    """Safety cap on moves per game (openings included), scored a draw; None: twice the
    rules' own cap (``info.max_game_length``), which the rules reach first."""
    max_games: int | None = None
    """Start at most this many new games in this run (the rest waits for a rerun)."""
    records_dir: str | None = None
    """Also write each game's SGF/PGN record into this folder (the store keeps them anyway)."""


@dataclass(frozen=True)
class GameResult:
    """One finished game of the match."""

    pairing: str
    opening: int
    swap: int
    first: str
    second: str
    result: Result
    moves: tuple[str, ...]
    seconds: float
    record: str

    @property
    def key(self) -> GameKey:
        return (self.pairing, self.opening, self.swap)


@dataclass
class Progress:
    """What the progress callback sees after each finished game."""

    game: GameResult
    done: int
    """Games of the match stored so far (earlier runs included)."""
    total: int
    """Games the schedule holds."""
    sprt_line: str | None = None


@dataclass
class MatchSummary:
    """What a run of :func:`run_match` did."""

    match_id: str
    players: list[str]
    total: int
    """Games in the schedule."""
    skipped: int
    """Games already stored before this run (not replayed)."""
    results: list[GameResult] = field(default_factory=list)
    """Games finished in this run, in finishing order."""
    stopped: str = "complete"
    """``complete``, ``max_games``, or ``sprt H0`` / ``sprt H1``."""
    sprt_line: str | None = None
    sprt_decision: str | None = None
    wdl: tuple[int, int, int] | None = None
    """W/D/L of the first player over the whole match (two players only)."""
    seconds: float = 0.0
    parallel: int = 1
    choose_calls: int = 0
    """``choose`` calls made; with lockstep batching far fewer than moves."""

    @property
    def played(self) -> int:
        return len(self.results)

    @property
    def games_per_minute(self) -> float:
        return 60.0 * self.played / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        """The summary as JSON-ready data (no per-game records)."""
        reasons: dict[str, int] = {}
        for g in self.results:
            reasons[g.result.reason] = reasons.get(g.result.reason, 0) + 1
        return {"match": self.match_id, "players": self.players, "total": self.total,
                "skipped": self.skipped, "played": self.played, "stopped": self.stopped,
                "reasons": reasons, "seconds": round(self.seconds, 3), "parallel": self.parallel,
                "games_per_minute": round(self.games_per_minute, 2),
                "sprt": self.sprt_line, "sprt_decision": self.sprt_decision,
                "wdl": list(self.wdl) if self.wdl else None}


@dataclass(frozen=True)
class Job:
    """One scheduled game: players ``a`` and ``b`` (indices) of ``pairing``, its opening and swap."""

    pairing: str
    a: int
    b: int
    opening: int
    swap: int

    @property
    def key(self) -> GameKey:
        return (self.pairing, self.opening, self.swap)

    @property
    def seats(self) -> tuple[int, int]:
        """Player indices of (first, second)."""
        return (self.a, self.b) if self.swap == 0 else (self.b, self.a)


@dataclass
class _Live:
    job: Job
    row: int
    slots: tuple[int, int]
    texts: list[str]
    opening_plies: int
    fen: str | None
    t0: float


def pairing_name(a: str, b: str) -> str:
    """The stored pairing key of players ``a`` and ``b`` (schedule order)."""
    return f"{a}|{b}"


def schedule(names: Sequence[str], games: int, kind: str = "round-robin") -> list[Job]:
    """Every game of the match, opening-major so a stopped match has played all pairings evenly."""
    if kind not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {kind!r}")
    n = len(names)
    pairs = ([(0, j) for j in range(1, n)] if kind == "gauntlet"
             else [(i, j) for i in range(n) for j in range(i + 1, n)])
    jobs = []
    for g in range(games):
        for i, j in pairs:
            jobs.append(Job(pairing_name(names[i], names[j]), i, j, g // 2, g % 2))
    return jobs


def match_id(game: Game, openings: str, seed: int) -> str:
    """A short stable id for (game spec, opening source, seed): the resume identity."""
    text = f"{game.info.spec}|{openings}|seed={seed}"
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def make_players(specs: Sequence[str], game: Game, seed: int = 0) -> list[Player]:
    """Players for ``specs`` via ``arena.players.make_player`` (closing any made on error)."""
    from arena.players import make_player

    made: list[Player] = []
    try:
        for i, spec in enumerate(specs):
            made.append(make_player(spec, game, seed=seed + i))
    except BaseException:
        for p in made:
            p.close()
        raise
    return made


def run_match(game: Game, player_specs: Sequence[str], config: MatchConfig, *,
              players: Sequence[Player] | None = None,
              progress: Callable[[Progress], None] | None = None,
              store: Store | None = None) -> MatchSummary:
    """Play (or resume) a match and store every finished game; see the module docstring.

    ``player_specs`` name the players (and are made with ``arena.players.make_player``
    unless ``players`` gives them, in the same order; given players are not closed).
    The same spec twice plays itself under the names ``SPEC`` and ``SPEC#2``.
    ``store`` overrides ``config.db`` (an open store, left open).
    ``progress`` is called after each stored game; an exception it raises stops the
    match (finished games stay stored).
    """
    specs = [s.strip() for s in player_specs]
    names = unique_names(specs)
    _check(names, config, players)
    sprt = _sprt(config.sprt)
    if sprt is not None and len(names) != 2:
        raise ValueError(f"SPRT needs exactly two players, got {len(names)}")
    own = players is None
    made = make_players(specs, game, config.seed) if own else list(players or [])
    own_store = store is None
    store = store if store is not None else Store(config.db if config.db else ":memory:")
    try:
        runner = _Runner(game, names, made, config, store, sprt, progress)
        return runner.run()
    finally:
        if own_store:
            store.close()
        if own:
            for p in made:
                p.close()


def unique_names(specs: Sequence[str]) -> list[str]:
    """Player names: the specs, with ``#2``, ``#3`` appended to repeats.

    >>> unique_names(["random", "rollout", "random"])
    ['random', 'rollout', 'random#2']
    """
    seen: Counter[str] = Counter()
    names = []
    for spec in specs:
        seen[spec] += 1
        names.append(spec if seen[spec] == 1 else f"{spec}#{seen[spec]}")
    return names


def _check(names: list[str], config: MatchConfig, players: Sequence[Player] | None) -> None:
    if len(names) < 2:
        raise ValueError(f"a match needs at least two players, got {len(names)}")
    if players is not None and len(players) != len(names):
        raise ValueError(f"{len(players)} players given for {len(names)} specs")
    if config.games < 1:
        raise ValueError(f"games per pairing must be >= 1, got {config.games}")
    if config.parallel < 1:
        raise ValueError(f"parallel must be >= 1, got {config.parallel}")
    if config.schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {config.schedule!r}")


def _sprt(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        from arena.sprt import parse_sprt
        return parse_sprt(value)
    return value


class _Runner:
    """The state of one run: the queue, live games, slot pools, the store."""

    def __init__(self, game: Game, names: list[str], players: list[Player], config: MatchConfig,
                 store: Store, sprt: Any, progress: Callable[[Progress], None] | None) -> None:
        self.game, self.names, self.players, self.config = game, names, players, config
        self.store, self.sprt, self.progress = store, sprt, progress
        n_open = math.ceil(config.games / 2)
        self.openings, source = resolve_openings(game, config.openings, n_open, config.seed)
        self.match = match_id(game, source, config.seed)
        self.jobs = schedule(names, config.games, config.schedule)
        self.cap = config.max_moves or 2 * game.info.max_game_length
        self._starts: dict[int, tuple[Any, list[str]]] = {}
        store.add_match(self.match, game.info.spec, source, config.seed)
        for name, p in zip(names, players):
            store.add_player(name, str(getattr(p, "spec", "") or name))
        done = store.completed_keys(self.match)
        self.pending = deque(j for j in self.jobs if j.key not in done)
        self.summary = MatchSummary(self.match, list(names), total=len(self.jobs),
                                    skipped=len(self.jobs) - len(self.pending),
                                    parallel=config.parallel)
        self.done = self.summary.skipped
        self.wdl = self._stored_wdl() if len(names) == 2 else None

    # -- the loop ---------------------------------------------------------------
    def run(self) -> MatchSummary:
        t0 = time.perf_counter()
        if not self.pending:
            return self.summary
        cap = self.config.max_games if self.config.max_games is not None else len(self.pending)
        parallel = max(1, min(self.config.parallel, len(self.pending), cap))
        self.pool = self.game.initial(parallel)
        self.free_rows = list(range(parallel - 1, -1, -1))
        self._start_players(parallel)
        self.live: dict[int, _Live] = {}
        started = 0
        stop = self._sprt_decided()
        try:
            while not stop:
                while (self.pending and self.free_rows and not self._sprt_decided()
                       and (self.config.max_games is None or started < self.config.max_games)):
                    self._begin(self.pending.popleft())
                    started += 1
                if not self.live:
                    break
                self._tick()
                stop = self._sprt_decided()
        finally:
            self.summary.seconds = time.perf_counter() - t0
            self._abandon()
        s = self.summary
        if self.sprt is not None and s.sprt_decision:
            s.stopped = f"sprt {s.sprt_decision}"
        elif self.pending:
            s.stopped = "max_games"
        return s

    def _abandon(self) -> None:
        """Tell the players that games still alive (SPRT stop, interruption) are over."""
        for live in self.live.values():
            for seat, slot in zip(live.job.seats, live.slots):
                try:
                    self.players[seat].end_game(slot)
                except Exception:
                    pass
        self.live.clear()

    def _start_players(self, parallel: int) -> None:
        """Size each player's slot pool by how many of its games can be alive at once."""
        per_player = [sum(1 for j in self.pending if i in (j.a, j.b)) for i in range(len(self.names))]
        self.free_slots = []
        for p, n in zip(self.players, per_player):
            slots = max(1, min(parallel, n))
            p.start(self.game, slots=slots, move_time=self.config.move_time)
            self.free_slots.append(list(range(slots - 1, -1, -1)))

    def _begin(self, job: Job) -> None:
        """Start ``job`` in a free pool row, telling both players."""
        state, texts = self._opening_state(job.opening)
        row = self.free_rows.pop()
        self.game.assign(self.pool, [row], state)
        seats = job.seats
        slots = (self.free_slots[seats[0]].pop(), self.free_slots[seats[1]].pop())
        for seat, slot in zip(seats, slots):
            self.players[seat].new_game(slot, self.game.copy(state))
        opening = self.openings[job.opening]
        self.live[row] = _Live(job, row, slots, list(texts), len(texts), opening.fen, time.perf_counter())

    def _opening_state(self, index: int) -> tuple[Any, list[str]]:
        if index not in self._starts:
            self._starts[index] = start_state(self.game, self.openings[index])
        state, texts = self._starts[index]
        return self.game.copy(state), texts

    def _tick(self) -> None:
        """One move in every live game: one choose call per player to move, one apply."""
        rows = sorted(self.live)
        to_play = self.game.to_play(self.pool)[rows]
        groups: dict[int, list[int]] = {}
        for row, mover in zip(rows, to_play):
            groups.setdefault(self.live[row].job.seats[int(mover)], []).append(row)
        moves: list[tuple[int, int]] = []
        for seat, group in groups.items():
            moves += self._ask(seat, group)
        if moves:
            self._apply(moves)

    def _ask(self, seat: int, group: list[int]) -> list[tuple[int, int]]:
        """Ask player ``seat`` for moves in ``group`` (pool rows); end games on faults;
        return the legal (row, action) pairs."""
        states = self.game.take(self.pool, group)
        legal = self.game.legal_mask(states)
        movers = [int(m) for m in self.game.to_play(states)]
        slots = [self.live[r].slots[m] for r, m in zip(group, movers)]
        choices = self._choose(self.players[seat], slots, states)
        ok = []
        for i, (row, choice) in enumerate(zip(group, choices)):
            fault = self._fault(choice, legal[i], states, i)
            if fault is None:
                ok.append((row, int(choice.action)))
            else:
                reason, detail = fault
                self._finish(row, Result(winner=1 - movers[i], reason=reason, detail=detail))
        return ok

    def _choose(self, player: Player, slots: list[int], states: Any) -> list[Choice]:
        """The player's choices; an exception or a wrong count crashes all these games."""
        self.summary.choose_calls += 1
        try:
            choices = list(player.choose(slots, states))
        except Exception as err:  # a broken player loses its games; the match goes on
            detail = f"{type(err).__name__}: {err}"
            print(f"arena: player {getattr(player, 'spec', player)!r} raised {detail}", file=sys.stderr)
            return [Choice(fault=Fault.CRASH, detail=detail) for _ in slots]
        if len(choices) != len(slots):
            detail = f"answered {len(choices)} choices for {len(slots)} games"
            return [Choice(fault=Fault.CRASH, detail=detail) for _ in slots]
        return choices

    def _fault(self, choice: Choice, legal: np.ndarray, states: Any, i: int) -> tuple[str, str] | None:
        """(reason, detail) when ``choice`` loses the game, None for a legal move."""
        if choice.fault is not None:
            return Fault(choice.fault).value, choice.detail
        if choice.resign:
            return "resign", choice.detail
        try:
            action = int(choice.action)
        except (TypeError, ValueError):
            return "illegal", f"not an action: {choice.action!r}"
        if not 0 <= action < len(legal) or not legal[action]:
            text = ""
            if 0 <= action < len(legal):
                try:
                    text = f" ({self.game.action_to_text(states, action, row=i)})"
                except Exception:
                    text = ""
            return "illegal", f"action {action}{text}" + (f"; {choice.detail}" if choice.detail else "")
        return None

    def _apply(self, moves: list[tuple[int, int]]) -> None:
        """Play the chosen moves in one apply, tell both players, finish ended games."""
        rows = [r for r, _ in moves]
        actions = np.array([a for _, a in moves], dtype=np.int64)
        sub = self.game.take(self.pool, rows)
        for i, (row, action) in enumerate(moves):
            self.live[row].texts.append(self.game.action_to_text(sub, action, row=i))
        self.game.apply(sub, actions, check=False)
        self.game.assign(self.pool, rows, sub)
        terminal = self.game.terminal(sub)
        for i, (row, action) in enumerate(moves):
            live = self.live[row]
            for seat, slot in zip(live.job.seats, live.slots):
                self.players[seat].moved(slot, action)
            if terminal[i]:
                out = self.game.result(sub, i)
                self._finish(row, Result(winner=out.winner, reason=rule_reason(out.reason),
                                         margin=out.score))
            elif len(live.texts) >= self.cap:
                self._finish(row, Result(winner=None, reason=SAFETY_CAP,
                                         detail=f"{len(live.texts)} moves"))

    # -- a finished game --------------------------------------------------------
    def _finish(self, row: int, result: Result) -> None:
        """Store the game, free its row and slots, report progress."""
        live = self.live.pop(row)
        job = live.job
        seats = job.seats
        first, second = self.names[seats[0]], self.names[seats[1]]
        record = record_text(self.game, live.texts, result, (first, second), fen=live.fen,
                             event=f"tabula arena {self.match}", round=f"{job.opening + 1}.{job.swap + 1}",
                             opening_plies=live.opening_plies)
        seconds = time.perf_counter() - live.t0
        self.store.add_game(GameRow(
            match=self.match, pairing=job.pairing, opening=job.opening, swap=job.swap,
            game=self.game.info.spec, first=first, second=second, result=result,
            moves=tuple(live.texts), record=record, start=live.fen or "",
            opening_plies=live.opening_plies, seconds=seconds, finished=utc_now()))
        for seat, slot in zip(seats, live.slots):
            self.players[seat].end_game(slot)
            self.free_slots[seat].append(slot)
        self.free_rows.append(row)
        if self.config.records_dir:
            name = f"{self.match}-{_safe(job.pairing)}-{job.opening:04d}-{job.swap}{record_suffix(self.game)}"
            write_text_atomic(Path(self.config.records_dir) / name, record)
        done = GameResult(job.pairing, job.opening, job.swap, first, second, result,
                          tuple(live.texts), seconds, record)
        self.summary.results.append(done)
        self.done += 1
        line = self._count_sprt(done)
        if self.progress is not None:
            self.progress(Progress(done, self.done, self.summary.total, line))

    # -- SPRT -------------------------------------------------------------------
    def _stored_wdl(self) -> list[int]:
        wdl = [0, 0, 0]
        for g in self.store.games(self.match):
            wdl[_outcome_index(g.first, g.result, self.names[0])] += 1
        self.summary.wdl = (wdl[0], wdl[1], wdl[2])
        if self.sprt is not None:
            self.summary.sprt_line = self.sprt.status_line(*wdl)
            self.summary.sprt_decision = self.sprt.decide(*wdl)
        return wdl

    def _count_sprt(self, done: GameResult) -> str | None:
        if self.wdl is None:
            return None
        self.wdl[_outcome_index(done.first, done.result, self.names[0])] += 1
        self.summary.wdl = (self.wdl[0], self.wdl[1], self.wdl[2])
        if self.sprt is None:
            return None
        self.summary.sprt_line = self.sprt.status_line(*self.wdl)
        self.summary.sprt_decision = self.sprt.decide(*self.wdl)
        return self.summary.sprt_line

    def _sprt_decided(self) -> bool:
        return self.sprt is not None and self.summary.sprt_decision is not None


def _outcome_index(first: str, result: Result, player: str) -> int:
    """0 win, 1 draw, 2 loss for ``player`` in a game whose first player is ``first``."""
    if result.winner is None:
        return 1
    winner_is_first = result.winner == 0
    return 0 if winner_is_first == (first == player) else 2


def _safe(text: str) -> str:
    """A file-name-safe version of a pairing key."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:80]
