"""The SQLite results store: round trip, reopen, resume keys, results for fit_elo, bad files."""

from __future__ import annotations

import sqlite3

import pytest

from arena.records import Result
from arena.store import GameRow, Store, StoreError


def _row(opening, swap, winner, reason="k_in_a_row", first="A", second="B", match="m1", **kw):
    return GameRow(match=match, pairing="A|B", opening=opening, swap=swap, game="gomoku:size=3,k=3",
                   first=first, second=second, result=Result(winner, reason, **kw),
                   moves=("b2", "a1", "c3"), record="(;GM[4])", opening_plies=1, seconds=0.5)


def test_store_survives_reopen(tmp_path):
    db = tmp_path / "sub" / "arena.db"
    with Store(db) as s:
        s.add_player("A", "rollout:playouts=1000")
        s.add_match("m1", "gomoku:size=3,k=3", "random:2", 0)
        s.add_game(_row(0, 0, 0))
        s.add_game(_row(0, 1, None, "board_full", first="B", second="A"))
        s.add_game(_row(1, 0, 1, "illegal", detail="action 4 (b2)"))
    with Store(db) as s:
        rows = s.games()
        assert [r.key for r in rows] == [("A|B", 0, 0), ("A|B", 0, 1), ("A|B", 1, 0)]
        assert rows[2].result == Result(1, "illegal", None, "action 4 (b2)")
        assert rows[0].moves == ("b2", "a1", "c3") and rows[0].record == "(;GM[4])"
        assert rows[0].finished.endswith("+00:00")
        assert s.completed_keys("m1") == {("A|B", 0, 0), ("A|B", 0, 1), ("A|B", 1, 0)}
        assert s.completed_keys("other") == set()
        assert s.player_specs() == {"A": "rollout:playouts=1000"}
        # scores from the first player's view: A won, draw, B won
        assert s.results() == [("A", "B", 1.0), ("B", "A", 0.5), ("A", "B", 0.0)]
        assert s.results(["A", "C"]) == []
        assert s.results(game="go9") == []
        assert s.count("m1") == 3


def test_duplicate_key_is_refused_and_nothing_lost(tmp_path):
    db = tmp_path / "a.db"
    with Store(db) as s:
        s.add_game(_row(0, 0, 0))
        with pytest.raises(StoreError, match="already stored"):
            s.add_game(_row(0, 0, 1))
        assert s.count() == 1


def test_each_game_is_committed_at_once(tmp_path):
    """A second connection (another process) sees a game as soon as add_game returns."""
    db = tmp_path / "a.db"
    s = Store(db)
    s.add_game(_row(0, 0, 0))
    other = sqlite3.connect(db)
    assert other.execute("SELECT COUNT(*) FROM games").fetchone()[0] == 1
    other.close()
    s.close()


def test_corrupt_or_foreign_files_give_clear_errors(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError, match="junk.db"):
        Store(junk)
    assert junk.read_bytes().startswith(b"this is not")  # untouched
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE stuff (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="foreign.db.*not an arena database"):
        Store(foreign)
    with pytest.raises(StoreError, match="not a usable"):
        Store(tmp_path)  # a directory
