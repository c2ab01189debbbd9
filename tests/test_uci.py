"""The UCI server: in-process transcripts, python-chess's client (as lichess-bot uses it), stockfish."""

from __future__ import annotations

import io
import math
import sys

import chess
import chess.engine
import pytest

from engine.agent import Agent
from engine.uci import UciServer, centipawns, wdl
from games import make_game

ENGINE_CMD = [sys.executable, "-m", "engine.cli", "uci", "--sims", "64"]


def make_agent(weights=None, sims=None) -> Agent:
    from arena.players import make_player

    game = make_game("chess")
    return Agent(game, make_player(f"search:sims={sims or 24}", game))


def session(script: str) -> list[str]:
    out = io.StringIO()
    UciServer(make_agent, out=out, err=io.StringIO()).run(io.StringIO(script))
    return out.getvalue().splitlines()


def bestmove(lines: list[str]) -> list[str]:
    return [line.split()[1] for line in lines if line.startswith("bestmove")]


def test_centipawn_mapping_is_lc0s():
    assert centipawns(0.0) == 0
    assert centipawns(0.5) == round(290.680623072 * math.tan(1.548090806 * 0.5)) == 284
    assert centipawns(-0.5) == -284
    assert centipawns(1.0) > 12000
    assert wdl(0.2) == (600, 0, 400)


def test_handshake_and_options():
    lines = session("uci\nisready\nquit\n")
    assert lines[0] == "id name tabula 0.1.0" and lines[1].startswith("id author ")
    names = {line.split(" type ")[0].removeprefix("option name ") for line in lines
             if line.startswith("option ")}
    assert {"Threads", "Nodes", "WeightsFile", "MultiPV", "UCI_ShowWDL", "Move Overhead"} <= names
    assert lines[-2:] == ["uciok", "readyok"]


def test_bad_positions_are_reported_and_ignored():
    lines = session("position startpos moves e2e4\n"
                    "position fen not/a/fen w - - 0 1\n"
                    "position startpos moves e2e4 e7e5 e1e3\n"
                    "position startpos moves e2e4 zz\n"
                    "position sideways\n"
                    "frobnicate\n"
                    "setoption name NoSuchOption value 3\n"
                    "setoption name MultiPV value x\n"
                    "go nodes 8\nquit\n")
    infos = [line for line in lines if line.startswith("info string")]
    assert len(infos) == 7, infos
    assert "invalid FEN" in infos[0] and "position ignored" in infos[0]
    assert "illegal move e1e3" in infos[1]
    assert "illegal move zz" in infos[2]
    assert "unknown command" in infos[4] and "unknown option" in infos[5]
    # the position after 1. e4 was kept: the answer is a legal Black move there
    board = chess.Board()
    board.push_uci("e2e4")
    (move,) = bestmove(lines)
    assert chess.Move.from_uci(move) in board.legal_moves


def test_finished_positions_and_fen_moves():
    mate = "rnb1kbnr/pppp1ppp/8/4p3/6Pq/5P2/PPPPP2P/RNBQKBNR w KQkq - 1 3"   # fool's mate
    stalemate = "7k/5Q2/6K1/8/8/8/8/8 b - - 0 1"
    lines = session(f"position fen {mate}\ngo nodes 8\nposition fen {stalemate}\ngo\n"
                    "position startpos moves f2f3 e7e5 g2g4 d8h4\ngo nodes 4\n"
                    "position fen 8/P6k/8/8/8/8/8/K7 w - - 0 1\ngo nodes 16\nquit\n")
    moves = bestmove(lines)
    assert moves[:3] == ["(none)"] * 3
    assert "info depth 0 score mate 0" in lines and "info depth 0 score cp 0" in lines
    board = chess.Board("8/P6k/8/8/8/8/8/K7 w - - 0 1")
    assert chess.Move.from_uci(moves[3]) in board.legal_moves


def test_infinite_holds_bestmove_until_stop():
    lines = session("position startpos\ngo infinite\nisready\nstop\nisready\nquit\n")
    assert lines.index("readyok") < next(i for i, x in enumerate(lines) if x.startswith("bestmove"))
    assert lines[-1] == "readyok"


# -- python-chess's client over a real process --------------------------------------------
@pytest.fixture(scope="module")
def engine():
    eng = chess.engine.SimpleEngine.popen_uci(ENGINE_CMD, timeout=60)
    yield eng
    eng.quit()


def test_python_chess_play_and_analyse(engine):
    assert engine.id["name"].startswith("tabula")
    board = chess.Board()
    for _ in range(6):
        result = engine.play(board, chess.engine.Limit(nodes=16))
        assert result.move in board.legal_moves
        board.push(result.move)
    engine.configure({"UCI_ShowWDL": True})
    info = engine.analyse(board, chess.engine.Limit(nodes=32))
    assert "score" in info and "pv" in info and "wdl" in info
    probe = board.copy()
    for move in info["pv"]:
        assert move in probe.legal_moves
        probe.push(move)
    infos = engine.analyse(board, chess.engine.Limit(time=0.3), multipv=2)
    assert isinstance(infos, list) and infos[0]["pv"][0] in board.legal_moves
    # a clock: a fast answer, legal
    result = engine.play(board, chess.engine.Limit(white_clock=2, black_clock=2,
                                                   white_inc=0.1, black_inc=0.1))
    assert result.move in board.legal_moves
    with engine.analysis(board) as analysis:   # go infinite ... stop
        for info in analysis:
            if info.get("nodes", 0) > 1:
                break
    assert analysis.wait().move in board.legal_moves


def test_games_against_stockfish(engine):
    from arena.engines import find_engine

    path = find_engine("stockfish")
    if path is None:
        pytest.skip("stockfish is not installed (apt install stockfish)")
    with chess.engine.SimpleEngine.popen_uci(path) as fish:
        fish.configure({"Skill Level": 0, "Threads": 1})
        for game in range(2):
            board = chess.Board()
            engine.protocol.send_line("ucinewgame")
            while not board.is_game_over() and board.ply() < 40:
                ours = (board.ply() % 2 == 0) == (game == 0)
                player, limit = ((engine, chess.engine.Limit(nodes=16)) if ours
                                 else (fish, chess.engine.Limit(nodes=50)))
                move = player.play(board, limit).move
                assert move in board.legal_moves, (board.fen(), move)
                board.push(move)
            assert board.ply() >= 4
