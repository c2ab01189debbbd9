"""`tabula play`: driven through stdin (and a pseudo-terminal for colour)."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest

from engine.terminal import colourise

CMD = [sys.executable, "-m", "engine.cli", "play"]
POINTS = [f"{c}{r}" for c in "abc" for r in (1, 2, 3)]


def run_play(args: list[str], text: str, env: dict | None = None) -> str:
    proc = subprocess.run(CMD + args, input=text, capture_output=True, text=True, timeout=120,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_tictactoe_against_random_to_the_end():
    script = "b2\nzz\nb2\nhint\nhelp\nundo\nb2\n" + "\n".join(POINTS) + "\nnew\nquit\nb2\n"
    out = run_play(["tictactoe", "--player", "random", "--color", "black"], script)
    assert out.startswith("You play Black (X) against random.")
    assert "Not a legal move: expected a point like b2" in out          # notation
    assert "Not a legal move: illegal move b2: the point is occupied" in out  # rules
    assert "Hint: " in out and "commands:" in out
    assert "Took back 2 moves." in out
    assert out.count("You play b2.") == 2
    assert "random plays " in out
    assert out.count("Game over: ") == 1                               # the game ended once
    assert "New game." in out
    assert out.rstrip().endswith("Bye.")                               # quit: later input unread
    assert "\033[" not in out                                          # a pipe: no colour


def test_go_engine_first_pass_resign_and_hint_with_visits():
    script = "hint\npass\nD4\nresign\nundo\nquit\n"
    out = run_play(["go:size=5,komi=0", "--player", "search:sims=64", "--color", "white"], script)
    assert "You play White (O)" in out and "search:sims=64 plays " in out
    assert "win rate 50.0% for the engine" in out
    assert "visits" in out and "win rate" in out                       # hint table
    assert "You play pass." in out and "You play D4." in out
    assert "You resign." in out and "Game over: Black (X) wins (resignation)" in out
    assert "Took back" in out


def test_chess_san_and_uci_moves():
    script = "e4\nQh8\ng1f3\nundo\nquit\n"
    out = run_play(["chess", "--player", "random", "--color", "white"], script)
    assert "You play e4." in out
    assert "Not a legal move: illegal move Qh8" in out
    assert "You play Nf3." in out                                       # UCI in, SAN shown
    assert "Took back 2 moves." in out


def test_bad_usage_is_a_clear_error():
    proc = subprocess.run(CMD + ["nosuchgame"], input="", capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "nosuchgame" in proc.stderr


def _pty_run(args: list[str], text: str, env: dict) -> str:
    master, slave = pty.openpty()
    proc = subprocess.Popen(CMD + args, stdin=subprocess.PIPE, stdout=slave, stderr=subprocess.PIPE,
                            env=env)
    os.close(slave)
    proc.stdin.write(text.encode())
    proc.stdin.close()
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode()


@pytest.mark.parametrize("no_color", [False, True])
def test_colour_only_on_a_terminal_without_no_color(no_color):
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    if no_color:
        env["NO_COLOR"] = "1"
    out = _pty_run(["tictactoe", "--player", "random"], "b2\nquit\n", env)
    assert "You play b2." in out
    assert ("\033[" in out) is (not no_color)


def test_colourise_marks_stones_only():
    board = "   a b c\n 3 X . O\n 2 . . .\n 1 . . .\n   a b c\nmove 2: Black (X) to move"
    coloured = colourise(board, "gomoku")
    assert coloured.count("\033[1;33mX") == 1 and coloured.count("\033[1;36mO") == 1
    assert coloured.splitlines()[-1] == "move 2: Black (X) to move"
