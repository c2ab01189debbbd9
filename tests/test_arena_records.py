"""SGF and PGN records parse back with sgfmill and python-chess and carry the right result."""

from __future__ import annotations

import io

import chess
import chess.pgn
import pytest
from sgfmill import sgf

from arena.records import Result, pgn_result, record_text, sgf_result, write_record
from games import make_game


def _sgf_moves(text):
    game = sgf.Sgf_game.from_string(text)
    return game, [node.get_move() for node in game.get_main_sequence()[1:]]


@pytest.mark.parametrize("result, expected", [
    (Result(0, "two_passes", 3.5), "B+3.5"), (Result(1, "two_passes", -0.5), "W+0.5"),
    (Result(1, "resign"), "W+R"), (Result(0, "timeout"), "B+T"), (Result(1, "illegal"), "W+F"),
    (Result(0, "crash"), "B+F"), (Result(0, "k_in_a_row"), "B+"), (Result(None, "max_moves"), "0"),
])
def test_sgf_result_mapping(result, expected):
    assert sgf_result(result) == expected


def test_go_sgf_round_trip():
    go = make_game("go:size=9,komi=7")
    moves = ["E5", "C3", "pass", "J9", "A1"]
    text = record_text(go, moves, Result(1, "two_passes", -4.0), ("black bot", "white bot"),
                       opening_plies=2)
    game, got = _sgf_moves(text)
    # GTP E5 on 9x9 = column 4, row 4 from the bottom; J9 = top-right; A1 = bottom-left
    assert got == [("b", (4, 4)), ("w", (2, 2)), ("b", None), ("w", (8, 8)), ("b", (0, 0))]
    root = game.get_root()
    assert game.get_size() == 9 and game.get_komi() == 7.0
    assert root.get("PB") == "black bot" and root.get("PW") == "white bot"
    assert root.get("RE") == "W+4"


def test_gomoku_sgf_round_trip_and_fault_comment():
    gomoku = make_game("gomoku:size=8,k=5")
    moves = ["a1", "h8", "d4"]
    text = record_text(gomoku, moves, Result(0, "illegal", detail="action 99"), ("p", "q"))
    game, got = _sgf_moves(text)
    assert got == [("b", (0, 0)), ("w", (7, 7)), ("b", (3, 3))]
    assert game.get_root().get("GM") == 4 and game.get_root().get("RE") == "B+F"
    assert "illegal (action 99)" in game.get_last_node().get("C")


def test_pgn_round_trip_from_start_and_from_fen(tmp_path):
    chess_game = make_game("chess")
    moves = ["f2f3", "e7e5", "g2g4", "d8h4"]
    path = write_record(tmp_path / "g.pgn", chess_game, moves, Result(1, "checkmate"), ("W1", "B1"))
    parsed = chess.pgn.read_game(io.StringIO(path.read_text()))
    assert [m.uci() for m in parsed.mainline_moves()] == moves
    assert parsed.headers["White"] == "W1" and parsed.headers["Black"] == "B1"
    assert parsed.headers["Result"] == "0-1" and parsed.end().board().is_checkmate()
    fen = "4k3/8/8/8/8/8/4P3/4K3 b - - 0 1"
    text = record_text(chess_game, ["e8d7", "e2e4"], Result(None, "max_moves"), ("x", "y"), fen=fen)
    parsed = chess.pgn.read_game(io.StringIO(text))
    assert parsed.headers["FEN"] == fen and parsed.headers["Result"] == "1/2-1/2"
    assert parsed.headers["Termination"] == "adjudication"
    assert [m.uci() for m in parsed.mainline_moves()] == ["e8d7", "e2e4"]
    assert pgn_result(Result(0, "timeout")) == "1-0"
    assert list(tmp_path.iterdir()) == [path]  # no temp file left behind


def test_match_stores_records_that_parse(tmp_path):
    """Records made by a real match replay to the stored moves."""
    import numpy as np

    from arena.match import MatchConfig, run_match
    from arena.player import Choice, Player

    class RandomTestPlayer(Player):
        def __init__(self, spec, seed):
            self.spec, self.rng = spec, np.random.default_rng(seed)

        def choose(self, slots, states):
            legal = self.game.legal_mask(states)
            return [Choice(action=int(self.rng.choice(np.flatnonzero(row)))) for row in legal]

    go = make_game("go:size=5,komi=0.5,max_moves=40")
    s = run_match(go, ["x", "y"], MatchConfig(games=2, openings=2, records_dir=str(tmp_path)),
                  players=[RandomTestPlayer("x", 1), RandomTestPlayer("y", 2)])
    files = sorted(tmp_path.glob("*.sgf"))
    assert len(files) == 2
    for g in s.results:
        game, got = _sgf_moves(g.record)
        assert len(got) == len(g.moves)
        assert game.get_root().get("RE") == sgf_result(g.result)
        assert game.get_root().get("PB") == g.first
