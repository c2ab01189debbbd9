"""External engines: the protocol clients and players against real gnugo/stockfish and scripted fakes.

Real engines are skipped (with the reason) when ``arena.engines.find_engine``
does not find them; CI installs both (``apt-get install -y gnugo stockfish``).
The fakes are small Python scripts written to tmp_path that misbehave once
(crash, illegal answer, hang) and then behave, so a test sees the fault and
then the player working again in the slot's next game.
"""

import shlex
import sys
import time

import chess
import numpy as np
import pytest

from arena.clients import EngineCrash, EngineProcess, EngineTimeout
from arena.clients.gtp import GTPClient, GTPError
from arena.clients.uci import UCIClient, parse_option
from arena.engines import find_engine, split_command
from arena.player import Fault
from arena.players import make_player
from games import make_game

GNUGO = find_engine("gnugo")
STOCKFISH = find_engine("stockfish")
needs_gnugo = pytest.mark.skipif(GNUGO is None, reason="gnugo not installed (apt-get install gnugo)")
needs_stockfish = pytest.mark.skipif(STOCKFISH is None,
                                     reason="stockfish not installed (apt-get install stockfish)")
PY = shlex.quote(sys.executable)
FEN = "r1bqkbnr/pppp1ppp/2n5/4p3/4P3/5N2/PPPP1PPP/RNBQKB1R w KQkq - 2 3"


def play(game, player_specs, states, *, max_plies, seed=0, move_time=None):
    """Lockstep games from ``states`` (one row per slot), player 0 moving first in even slots.

    Returns (final states, faults as (slot, player index, Choice), moves per slot).
    A fault or resignation ends that game. Every move played is checked legal.
    """
    n = game.batch_size(states)
    players = [make_player(s, game, seed=seed + i) if isinstance(s, str) else s
               for i, s in enumerate(player_specs)]
    for p in players:
        p.start(game, n, move_time=move_time)
    first = [g % 2 for g in range(n)]
    for g in range(n):
        for p in players:
            p.new_game(g, game.take(states, [g]))
    faults, moves = [], [[] for _ in range(n)]
    for _ in range(max_plies):
        live = np.flatnonzero(~game.terminal(states)).tolist()
        if not live:
            break
        to_play = game.to_play(states)
        chosen = {}
        for index, player in enumerate(players):
            rows = [g for g in live if (first[g] if to_play[g] == 0 else 1 - first[g]) == index]
            if not rows:
                continue
            for g, choice in zip(rows, player.choose(rows, game.take(states, rows))):
                if choice.fault is not None or choice.resign:
                    faults.append((g, index, choice))
                    game.resign(states, [g])
                    continue
                assert game.legal_mask(game.take(states, [g]))[0, choice.action], (g, choice)
                chosen[g] = choice.action
        for g, action in chosen.items():
            row = game.take(states, [g])
            game.apply(row, [action])
            game.assign(states, [g], row)
            moves[g].append(action)
            for p in players:
                p.moved(g, action)
    for p in players:
        for g in range(n):
            p.end_game(g)
    return states, faults, moves, players


def close_all(players):
    for p in players:
        p.close()


# -- engines.py and the process wrapper ---------------------------------------------------------------
def test_split_command_resolves_the_program():
    argv = split_command(f"{PY} -c 'print(1)'")
    assert argv[1:] == ["-c", "print(1)"]
    with pytest.raises(FileNotFoundError, match="'nope-engine-42'.*PATH or in /usr/games"):
        split_command("nope-engine-42 --mode gtp")
    with pytest.raises(ValueError, match="empty engine command"):
        split_command("  ")
    assert find_engine("nope-engine-42") is None


@needs_gnugo
def test_find_engine_looks_in_usr_games():
    assert find_engine("gnugo").endswith("/gnugo")
    assert split_command("gnugo --mode gtp")[0] == GNUGO


def test_process_reads_with_a_timeout_and_reports_a_crash():
    script = "import sys; print('ready', flush=True); sys.stdin.readline(); " \
             "sys.stderr.write('boom\\n'); sys.exit(7)"
    proc = EngineProcess([sys.executable, "-c", script], name="fake")
    assert proc.read_line(timeout=10) == "ready"
    start = time.monotonic()
    with pytest.raises(EngineTimeout, match="fake gave no answer within 0.2"):
        proc.read_line(timeout=0.2)
    assert time.monotonic() - start < 2
    proc.send("go")
    with pytest.raises(EngineCrash, match="exit status 7; stderr: boom"):
        proc.read_line(timeout=10)
    with pytest.raises(EngineCrash):
        proc.send("again")
    proc.kill()
    assert not proc.alive


def test_uci_option_lines_parse():
    opt = parse_option("option name Skill Level type spin default 20 min -20 max 20")
    assert (opt.name, opt.type, opt.default, opt.min, opt.max) == ("Skill Level", "spin", "20", "-20", "20")
    combo = parse_option("option name Style type combo default Normal var Solid var Normal var Risky")
    assert combo.vars == ["Solid", "Normal", "Risky"]
    empty = parse_option("option name Debug Log File type string default")
    assert (empty.name, empty.default) == ("Debug Log File", "")


# -- real engines ------------------------------------------------------------------------------------------
@needs_gnugo
def test_gtp_client_speaks_to_gnugo():
    with GTPClient(split_command("gnugo --mode gtp --level 1")) as gtp:
        assert gtp.name().startswith("GNU Go")
        gtp.boardsize(9)
        gtp.clear_board()
        gtp.play("black", "E5")
        move = gtp.genmove("white")
        assert move == "pass" or move[0] in "abcdefghj" and 1 <= int(move[1:]) <= 9
        with pytest.raises(GTPError, match="illegal move"):
            gtp.play("black", "E5")
        assert gtp.known_command("genmove") and not gtp.known_command("no_such_command")


@needs_gnugo
def test_gnugo_plays_legal_moves_against_random_from_an_opening():
    game = make_game("go9")
    states = game.initial(2)
    opening = ["D4", "F6", "C7"]  # slot 1 starts after these, so the set-up stones are sent
    for vertex in opening:
        row = game.take(states, [1])
        game.play_text(row, vertex)
        game.assign(states, [1], row)
    states, faults, moves, players = play(game, ["gtp:gnugo --mode gtp --level 1", "random"],
                                          states, max_plies=40, seed=2)
    try:
        assert faults == []
        assert all(len(m) >= 30 or game.terminal(states)[g] for g, m in enumerate(moves))
        engine = players[0]
        assert engine.clients[0] is not None and engine.clients[0].process.alive
        sent = "\n".join(engine.clients[1].process.transcript)
        assert "> boardsize 9" in sent and "> komi 7" in sent and "> play black D4" in sent
        assert "> play white F6" in sent and "> genmove white" in sent  # slot 1: gnugo is White
    finally:
        close_all(players)
    assert all(c is None for c in players[0].clients)


@needs_stockfish
def test_stockfish_plays_legal_moves_from_startpos_and_from_a_fen():
    game = make_game("chess")
    states = game.initial(2)
    game.assign(states, [1], game.from_fen(FEN))
    spec = "uci:stockfish;Skill Level=0;nodes=50;Threads=1;Hash=16"
    states, faults, moves, players = play(game, [spec, "random"], states, max_plies=24, seed=1)
    try:
        assert faults == [] and all(len(m) >= 20 or game.terminal(states)[g]
                                    for g, m in enumerate(moves))
        sent = "\n".join(players[0].clients[1].process.transcript)
        assert f"> position fen {FEN} moves " in sent and "> go nodes 50" in sent
        assert "> setoption name Skill Level value 0" in sent
        positions = [line for line in players[0].clients[0].process.transcript
                     if line.startswith("> position")]
        assert positions[0] == "> position startpos"  # slot 0: stockfish opens the game
        assert positions[1].startswith("> position startpos moves ") and len(positions[1].split()) == 6
    finally:
        close_all(players)


@needs_stockfish
def test_uci_client_and_unknown_option():
    with UCIClient(split_command("stockfish")) as uci:
        assert uci.option("skill level") is not None
        uci.new_game()
        uci.position(None, ["e2e4"])
        best = uci.go(nodes=30, timeout=20)
        assert chess.Move.from_uci(best.move) in chess.Board("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/"
                                                             "RNBQKBNR b KQkq - 0 1").legal_moves
    game = make_game("chess")
    player = make_player("uci:stockfish;Skil Level=0", game)
    player.start(game, 1)
    with pytest.raises(ValueError, match="no UCI option 'Skil Level'.*Skill Level"):
        player.new_game(0, game.initial(1))
    player.close()


# -- scripted fakes: faults, then a working next game ---------------------------------------------------
FAKE_GTP = """
import os, sys, time
mode, marker = sys.argv[1], sys.argv[2]
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    if words[0] == "quit":
        print("=\\n", flush=True)
        break
    if words[0] == "genmove" and not os.path.exists(marker):
        open(marker, "w").close()
        if mode == "crash":
            sys.stderr.write("fake engine exploding\\n")
            sys.exit(3)
        if mode == "illegal":
            print("= Z99\\n", flush=True)
            continue
        if mode == "hang":
            time.sleep(60)
    print("= pass\\n" if words[0] == "genmove" else "=\\n", flush=True)
"""


@pytest.mark.parametrize("mode, fault, detail", [
    ("crash", Fault.CRASH, "exit status 3; stderr: fake engine exploding"),
    ("illegal", Fault.ILLEGAL, "'z99'"),
    ("hang", Fault.TIMEOUT, "no answer within"),
])
def test_faults_then_the_next_game_works(tmp_path, mode, fault, detail):
    script = tmp_path / "fake_gtp.py"
    script.write_text(FAKE_GTP)
    marker = tmp_path / "misbehaved"
    spec = f"gtp:{PY} {shlex.quote(str(script))} {mode} {shlex.quote(str(marker))};time=0.2"
    game = make_game("go:size=7")
    player = make_player(spec, game)
    states, faults, _, players = play(game, [player, "random"], game.initial(1), max_plies=3)
    try:
        assert len(faults) == 1
        slot, index, choice = faults[0]
        assert (slot, index, choice.fault) == (0, 0, fault)
        assert detail in choice.detail, choice.detail
        assert player.clients[0] is None  # killed; the next game starts a fresh process
        # the next game in the same slot: the fresh process behaves (passes)
        states2, faults2, moves2, _ = play(game, [player, "random"], game.initial(1), max_plies=4)
        assert faults2 == [] and moves2[0][0] == game.info.pass_action
        assert player.clients[0].process.alive
    finally:
        close_all(players)


FAKE_UCI_NONE = """
import sys
for line in sys.stdin:
    cmd = line.strip()
    if cmd == "uci":
        print("id name Fake\\noption name Hash type spin default 16 min 1 max 64\\nuciok", flush=True)
    elif cmd == "isready":
        print("readyok", flush=True)
    elif cmd.startswith("go"):
        print("info depth 1 score cp 0\\nbestmove (none)", flush=True)
    elif cmd == "quit":
        break
"""


def test_uci_bestmove_none_is_illegal(tmp_path):
    script = tmp_path / "fake_uci.py"
    script.write_text(FAKE_UCI_NONE)
    game = make_game("chess")
    states, faults, _, players = play(game, [f"uci:{PY} {shlex.quote(str(script))};Hash=8;nodes=5",
                                             "random"], game.initial(1), max_plies=2)
    try:
        assert [(f[0], f[1], f[2].fault) for f in faults] == [(0, 0, Fault.ILLEGAL)]
        assert "bestmove (none)" in faults[0][2].detail
        assert players[0].clients[0] is None  # dropped after the fault
    finally:
        close_all(players)


FAKE_GOMOCUP = """
import sys
log = open(sys.argv[1], "a")
stones, size = set(), 0
def answer():
    for y in range(size):
        for x in range(size):
            if (x, y) not in stones:
                stones.add((x, y))
                print("MESSAGE thinking\\n%d,%d" % (x, y), flush=True)
                return
lines = iter(sys.stdin)
for line in lines:
    cmd = line.strip()
    log.write(cmd.split(" ")[0] + "\\n"); log.flush()
    if cmd.startswith("START"):
        size = int(cmd.split()[1]); stones = set(); print("OK", flush=True)
    elif cmd == "RESTART":
        stones = set(); print("OK", flush=True)
    elif cmd.startswith("INFO"):
        pass
    elif cmd == "BEGIN":
        answer()
    elif cmd.startswith("TURN"):
        x, y = map(int, cmd.split()[1].split(",")); stones.add((x, y)); answer()
    elif cmd == "BOARD":
        stones = set()
        for item in lines:
            if item.strip() == "DONE":
                break
            x, y, _ = map(int, item.split(",")); stones.add((x, y))
        answer()
    elif cmd == "END":
        break
    else:
        print("UNKNOWN " + cmd, flush=True)
"""


def test_gomocup_brain_plays_with_begin_turn_and_board(tmp_path):
    script, log = tmp_path / "brain.py", tmp_path / "brain.log"
    script.write_text(FAKE_GOMOCUP)
    game = make_game("gomoku:size=8,k=5")
    states = game.initial(3)
    row = game.take(states, [2])
    game.play_text(row, "d4")  # slot 2 starts from an opening: the brain gets BOARD
    game.assign(states, [2], row)
    spec = f"gomocup:{PY} {shlex.quote(str(script))} {shlex.quote(str(log))}"
    states, faults, moves, players = play(game, [spec, "random"], states, max_plies=64, seed=3)
    try:
        assert faults == [] and game.terminal(states).all()
        words = log.read_text().split()
        assert {"START", "INFO", "BEGIN", "TURN", "BOARD"} <= set(words)
        assert words.count("START") == 3  # one process per slot
        assert moves[0][0] == 0  # slot 0: the brain moves first, at x,y = 0,0 (a8)
    finally:
        close_all(players)
    assert log.read_text().split().count("END") == 3
