"""The arena's results database: one SQLite file (stdlib ``sqlite3``) per run or per user.

Every finished game is committed on its own, so a match killed at any moment
loses only the games still being played, and a rerun of the same match skips the
games already stored (:meth:`Store.completed_keys`).

Schema (version 1)::

    meta     (key TEXT PRIMARY KEY, value TEXT)          -- schema_version
    players  (name TEXT PRIMARY KEY, spec TEXT, added TEXT)
    matches  (id TEXT PRIMARY KEY, game TEXT, openings TEXT, seed INTEGER, created TEXT)
    games    (id INTEGER PRIMARY KEY,
              match TEXT, pairing TEXT, opening INTEGER, swap INTEGER,  -- the resume key
              game TEXT,                 -- canonical game spec
              first TEXT, second TEXT,   -- player names; first = Black (Go, gomoku) / White (chess)
              score REAL,                -- the first player's score: 1, 0.5, 0
              winner INTEGER,            -- 0 first, 1 second, NULL draw
              reason TEXT, detail TEXT,  -- two_passes, k_in_a_row, checkmate, ..., illegal,
                                         -- crash, timeout, resign, max_moves; fault detail
              margin REAL,               -- Go: Black's area margin with komi
              start TEXT,                -- chess start FEN when not standard, else ''
              opening_plies INTEGER, moves TEXT, num_moves INTEGER,  -- moves: space separated
              record TEXT,               -- SGF or PGN
              seconds REAL, finished TEXT,  -- wall time of the game; ISO UTC timestamp
              UNIQUE (match, pairing, opening, swap))

A ``pairing`` is ``"A|B"`` with the two player names in schedule order; ``swap``
is 0 when A moves first and 1 when B does.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from arena.records import Result

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS players (name TEXT PRIMARY KEY, spec TEXT NOT NULL, added TEXT);
CREATE TABLE IF NOT EXISTS matches (id TEXT PRIMARY KEY, game TEXT NOT NULL,
    openings TEXT NOT NULL, seed INTEGER NOT NULL, created TEXT);
CREATE TABLE IF NOT EXISTS games (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    match TEXT NOT NULL, pairing TEXT NOT NULL, opening INTEGER NOT NULL, swap INTEGER NOT NULL,
    game TEXT NOT NULL, first TEXT NOT NULL, second TEXT NOT NULL,
    score REAL NOT NULL, winner INTEGER, reason TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '',
    margin REAL, start TEXT NOT NULL DEFAULT '', opening_plies INTEGER NOT NULL DEFAULT 0,
    moves TEXT NOT NULL, num_moves INTEGER NOT NULL, record TEXT NOT NULL DEFAULT '',
    seconds REAL, finished TEXT NOT NULL,
    UNIQUE (match, pairing, opening, swap));
CREATE INDEX IF NOT EXISTS games_players ON games (game, first, second);
"""

GameKey = tuple[str, int, int]
"""(pairing, opening index, swap): a game's place in its match."""


class StoreError(RuntimeError):
    """The database file cannot be used (not SQLite, not an arena database, newer schema)."""


@dataclass(frozen=True)
class GameRow:
    """One stored game, as :meth:`Store.add_game` takes it and :meth:`Store.games` returns it."""

    match: str
    pairing: str
    opening: int
    swap: int
    game: str
    first: str
    second: str
    result: Result
    moves: tuple[str, ...]
    record: str = ""
    start: str = ""
    opening_plies: int = 0
    seconds: float | None = None
    finished: str = ""

    @property
    def key(self) -> GameKey:
        return (self.pairing, self.opening, self.swap)


def utc_now() -> str:
    """The current time as an ISO 8601 UTC timestamp (seconds)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Store:
    """The results database at ``path`` (created when missing); use as a context manager."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.conn = sqlite3.connect(self.path, timeout=30.0)
            self._init_schema()
        except sqlite3.DatabaseError as err:
            raise StoreError(f"{self.path}: not a usable arena database ({err})") from None

    def _init_schema(self) -> None:
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if tables and "games" not in tables:
            raise StoreError(f"{self.path}: an SQLite database, but not an arena database "
                             f"(tables: {', '.join(sorted(tables))})")
        with self.conn:
            self.conn.executescript(_SCHEMA)
            row = self.conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            if row is None:
                self.conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) > SCHEMA_VERSION:
                raise StoreError(f"{self.path}: arena database schema {row[0]} is newer than this "
                                 f"program's ({SCHEMA_VERSION})")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing --------------------------------------------------------------
    def add_player(self, name: str, spec: str) -> None:
        """Remember a player's full spec (the first spec stored under a name is kept)."""
        with self.conn:
            self.conn.execute("INSERT OR IGNORE INTO players VALUES (?, ?, ?)", (name, spec, utc_now()))

    def add_match(self, match_id: str, game: str, openings: str, seed: int) -> None:
        """Remember a match's identity (game, opening source, seed)."""
        with self.conn:
            self.conn.execute("INSERT OR IGNORE INTO matches VALUES (?, ?, ?, ?, ?)",
                              (match_id, game, openings, int(seed), utc_now()))

    def add_game(self, row: GameRow) -> None:
        """Store one finished game and commit; a game already stored under its key is an error."""
        r = row.result
        try:
            with self.conn:
                self.conn.execute(
                    "INSERT INTO games (match, pairing, opening, swap, game, first, second, score,"
                    " winner, reason, detail, margin, start, opening_plies, moves, num_moves, record,"
                    " seconds, finished) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (row.match, row.pairing, row.opening, row.swap, row.game, row.first, row.second,
                     r.score_first, r.winner, r.reason, r.detail, r.margin, row.start,
                     row.opening_plies, " ".join(row.moves), len(row.moves), row.record,
                     row.seconds, row.finished or utc_now()))
        except sqlite3.IntegrityError:
            raise StoreError(f"{self.path}: game {row.key} of match {row.match} is already stored") from None

    # -- reading --------------------------------------------------------------
    def completed_keys(self, match_id: str) -> set[GameKey]:
        """Keys (pairing, opening, swap) of the games of ``match_id`` already stored."""
        cur = self.conn.execute("SELECT pairing, opening, swap FROM games WHERE match=?", (match_id,))
        return {(p, int(o), int(s)) for p, o, s in cur}

    def games(self, match_id: str | None = None, *, game: str | None = None) -> list[GameRow]:
        """Stored games in the order they finished, optionally of one match or one game spec."""
        sql, args = self._where(match_id=match_id, game=game)
        cur = self.conn.execute(
            "SELECT match, pairing, opening, swap, game, first, second, winner, reason, detail,"
            " margin, moves, record, start, opening_plies, seconds, finished FROM games"
            + sql + " ORDER BY id", args)
        return [GameRow(match=m, pairing=p, opening=o, swap=s, game=g, first=a, second=b,
                        result=Result(winner=w, reason=reason, margin=margin, detail=detail),
                        moves=tuple(moves.split()), record=record, start=start,
                        opening_plies=plies, seconds=sec, finished=fin)
                for (m, p, o, s, g, a, b, w, reason, detail, margin, moves, record, start, plies,
                     sec, fin) in cur]

    def results(self, players: Iterable[str] | None = None, *,
                game: str | None = None) -> list[tuple[str, str, float]]:
        """``(first, second, first's score)`` of every stored game, the input of ``fit_elo``;
        only games between two of ``players`` (all when None) and of spec ``game`` (all when None)."""
        sql, args = self._where(game=game)
        rows = self.conn.execute("SELECT first, second, score FROM games" + sql + " ORDER BY id", args)
        keep = None if players is None else set(players)
        return [(a, b, float(s)) for a, b, s in rows
                if keep is None or (a in keep and b in keep)]

    def player_specs(self) -> dict[str, str]:
        """Every stored player's name and full spec."""
        return dict(self.conn.execute("SELECT name, spec FROM players"))

    def count(self, match_id: str | None = None) -> int:
        """Number of stored games (of one match when given)."""
        sql, args = self._where(match_id=match_id)
        return int(self.conn.execute("SELECT COUNT(*) FROM games" + sql, args).fetchone()[0])

    @staticmethod
    def _where(*, match_id: str | None = None, game: str | None = None) -> tuple[str, tuple]:
        parts, args = [], []
        if match_id is not None:
            parts.append("match=?")
            args.append(match_id)
        if game is not None:
            parts.append("game=?")
            args.append(game)
        return (" WHERE " + " AND ".join(parts) if parts else ""), tuple(args)
