"""The Gomocup (Piskvork) brain: scripted sessions with exact answers, legality, a four completed."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import numpy as np

from engine.agent import Agent
from engine.gomocup import ABOUT, GomocupServer
from games import make_game

MOVE = re.compile(r"(\d+),(\d+)")


def make_agent(spec: str) -> Agent:
    from arena.players import make_player

    game = make_game(spec)
    # fpu=0: with the uniform evaluator every root move is tried once, so a win is seen
    return Agent(game, make_player("search:sims=400,fpu=0", game))


def session(script: str) -> list[str]:
    out = io.StringIO()
    GomocupServer(make_agent, out=out, err=io.StringIO()).run(io.StringIO(script))
    return out.getvalue().splitlines()


def test_scripted_session_exact_answers():
    lines = session("ABOUT\nSTART 25\nSTART x\nTURN 7,7\nFROB 1\nSTART 15\n"
                    "INFO timeout_turn 2000\nINFO timeout_match 0\nINFO max_memory 83886080\n"
                    "INFO rule 0\nINFO folder /tmp\nINFO time_left abc\nINFO rule 4\n"
                    "RECTSTART 10,12\nRESTART\nRECTSTART 1,2\nEND\nABOUT\n")
    assert lines[0] == ABOUT == 'name="tabula", version="0.1.0", author="the tabula authors", country="n/a"'
    assert lines[1].startswith("ERROR unsupported size 25x25")
    assert lines[2].startswith("ERROR START needs a board size")
    assert lines[3] == "ERROR no board: send START first"
    assert lines[4] == "UNKNOWN command 'FROB'"
    assert lines[5] == "OK"
    assert lines[6] == "ERROR INFO time_left needs an integer, got 'abc'"
    assert lines[7].startswith("MESSAGE rule 4 is not supported")
    assert lines[8:] == ["OK", "OK", "ERROR unsupported size 1x2: this brain plays boards of 3-19 per side"]


def test_every_answer_is_legal_until_the_game_ends():
    game = make_game("gomoku:size=15,k=5")
    state = game.initial(1)
    out = io.StringIO()
    server = GomocupServer(make_agent, out=out, err=io.StringIO())
    rng = np.random.default_rng(3)

    def answer(command: str) -> tuple[int, int]:
        start = len(out.getvalue())
        server.handle(command)
        text = out.getvalue()[start:].strip()
        m = MOVE.fullmatch(text)
        assert m, f"{command!r} -> {text!r}"
        return int(m.group(1)), int(m.group(2))

    server.handle("START 15")
    x, y = answer("BEGIN")
    for _ in range(30):
        action = y * 15 + x
        assert action in game.legal_actions(state)
        game.apply(state, [action])
        if game.terminal(state)[0]:
            break
        theirs = int(rng.choice(game.legal_actions(state)))
        game.apply(state, [theirs])
        if game.terminal(state)[0]:
            break
        x, y = answer(f"TURN {theirs % 15},{theirs // 15}")
    start = len(out.getvalue())
    server.handle(f"TURN {x},{y}")    # our own last point: occupied (or the game is over)
    assert out.getvalue()[start:].startswith("ERROR illegal move")


def test_board_then_completes_the_four():
    # Our stones (1) at x = 3..6 on row 7 (open at both ends), the opponent's (2) scattered.
    board = ("BOARD\n3,7,1\n0,0,2\n4,7,1\n14,0,2\n5,7,1\n0,14,2\n6,7,1\n14,14,2\nDONE\n")
    lines = session("START 15\n" + board)
    assert lines[0] == "OK"
    assert lines[1] in ("2,7", "7,7"), lines


def test_board_as_white_and_errors_on_bad_boards():
    # The opponent (Black) has 5 stones, we (White) 4: we are to move, on an empty point.
    board = ("BOARD\n4,7,2\n3,7,1\n5,7,2\n0,0,1\n6,7,2\n14,0,1\n7,7,2\n0,14,1\n10,10,2\nDONE\n")
    lines = session("START 15\n" + board + "BOARD\n1,1,1\n2,2,1\nDONE\nBOARD\nx,y\n1,1,7\nDONE\n"
                    "BOARD\n1,1,1\n1,1,2\n2,2,2\nDONE\n")
    assert lines[0] == "OK"
    x, y = map(int, MOVE.fullmatch(lines[1]).groups())
    assert (x, y) not in [(4, 7), (3, 7), (5, 7), (0, 0), (6, 7), (14, 0), (7, 7), (0, 14), (10, 10)]
    assert lines[2].startswith("ERROR BOARD has 2 own and 0 opponent stones")
    assert lines[3] == "ERROR expected x,y,field in BOARD, got 'x,y'"
    assert lines[4] == "ERROR BOARD fields must be 1 (own), 2 (opponent) or 3"
    assert lines[5] == "ERROR BOARD point 1,1 is off the board or given twice"


def test_takeback_and_restart():
    lines = session("START 9\nBEGIN\nTAKEBACK 0,0\nRESTART\nBEGIN\nEND\n")
    assert lines[0] == "OK" and MOVE.fullmatch(lines[1])
    assert lines[2] == "ERROR 0,0 is not the last move" or lines[1] == "0,0"
    assert lines[3] == "OK" and lines[4] == lines[1]    # deterministic search, same opening


def test_gomocup_command_line():
    proc = subprocess.run([sys.executable, "-m", "engine.cli", "gomocup", "--sims", "32"],
                          input="START 15\nABOUT\nBEGIN\nEND\n", capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert out[:2] == ["OK", ABOUT] and MOVE.fullmatch(out[2]) and len(out) == 3
