"""The GTP server: golden transcripts, analysis streaming, SGF, and real games against gnugo."""

from __future__ import annotations

import io
import os
import re
import threading
import time

import pytest

from engine.agent import Agent
from engine.gtp import GtpServer
from games import make_game
from mcts import Search, SearchConfig, UniformEvaluator


def board_count(text: str, stone: str) -> int:
    """Stones of one kind on a showboard drawing (board rows only, not the status line)."""
    rows = [line for line in text.splitlines() if re.match(r"\s*\d+ ", line)]
    return sum(line.split(None, 1)[1].count(stone) for line in rows)


def make_agent(spec: str, sims: int = 16) -> Agent:
    game = make_game(spec)
    search = Search(game, UniformEvaluator(game.info.num_actions), 1,
                    SearchConfig(num_simulations=sims))
    return Agent(game, search=search)


def transcript(script: str, spec: str = "go:size=9,komi=7", sims: int = 16) -> str:
    out = io.StringIO()
    GtpServer(lambda s: make_agent(s, sims), spec, out=out, err=io.StringIO()).run(
        io.StringIO(script))
    return out.getvalue()


class InProcess:
    """Our server driven one command at a time (the referee's view of an engine)."""

    def __init__(self, spec: str, sims: int = 8) -> None:
        self.out = io.StringIO()
        self.server = GtpServer(lambda s: make_agent(s, sims), spec, out=self.out,
                                err=io.StringIO())

    def command(self, line: str) -> str:
        start = len(self.out.getvalue())
        self.server.handle(line)
        answer = self.out.getvalue()[start:]
        assert answer.endswith("\n\n"), answer
        if not answer.startswith("="):
            raise AssertionError(f"{line!r} failed: {answer!r}")
        return answer[1:].strip()


# -- golden transcripts ------------------------------------------------------------
ADMIN = """\
1 protocol_version
name
2 version
known_command play
known_command frobnicate
   # a comment line, then an empty line

\t3   name   # trailing comment
frobnicate
7 frobnicate
42
boardsize 25
boardsize x
4 boardsize 9
clear_board
komi abc
komi 6.5
play b E5
5 play w E5
play x E5
play b Z99
play b
play w pass
undo
undo
6 undo
time_settings 300 30 5
time_settings 300 x 5
time_left b 100 0
time_left x 1 1
kgs-time_settings byoyomi 60 10 3
final_status_list frozen
quit
name
"""

ADMIN_GOLDEN = """\
=1 2

= tabula

=2 0.1.0

= true

= false

=3 tabula

? unknown command

?7 unknown command

?42 unknown command

? unacceptable size

? syntax error

=4

=

? syntax error

=

=

?5 illegal move

? syntax error

? illegal move

? syntax error

=

=

=

?6 cannot undo

=

? syntax error

=

? syntax error

=

? syntax error

=

"""


def test_admin_and_error_transcript():
    assert transcript(ADMIN) == ADMIN_GOLDEN


def test_final_score_on_a_hand_made_position():
    # Black walls column E, White column G: Black's area A-E is 5 x 9 = 45 points,
    # White's G-J 3 x 9 = 27, column F touches both (neutral): 45 - 27 - 7 = B+11.
    moves = "".join(f"play b E{r}\nplay w G{r}\n" for r in range(1, 10))
    out = transcript(moves + "final_score\nkomi 6.5\nfinal_score\nkomi 20\nfinal_score\n"
                     "final_status_list dead\nfinal_status_list alive\n")
    answers = out.split("\n\n")[18:24]
    assert answers[0] == "= B+11"
    assert answers[1] == "=" and answers[2] == "= B+11.5"   # komi kept the position
    assert answers[3] == "=" and answers[4] == "= W+2"
    assert answers[5] == "="
    alive = out.split("\n\n")[24].removeprefix("= ").split()
    assert sorted(alive) == sorted([f"E{r}" for r in range(1, 10)] + [f"G{r}" for r in range(1, 10)])


def test_capture_then_score_and_showboard():
    # White's stone at A9 is captured (Black B9, A8); the board is drawn as GoGame renders it.
    out = transcript("play b B9\nplay w A9\nplay b A8\nshowboard\nfinal_score\n",
                     spec="go:size=5,komi=0")
    golden = ("=\n\n=\n\n=\n\n= \n"
              "   A B C D E\n"
              " 5 . X . . .  5\n"
              " 4 X . . . .  4\n"
              " 3 . . . . .  3\n"
              " 2 . . . . .  2\n"
              " 1 . . . . .  1\n"
              "   A B C D E\n"
              "White (O) to move, move 3, captures X 1 O 0, last A4\n\n"
              "= B+25\n\n")
    # 5x5: B9/A9/A8 are off the board -> illegal; use the 5x5 vertices instead
    assert out.startswith("? illegal move")
    out = transcript("play b B5\nplay w A5\nplay b A4\nshowboard\nfinal_score\n",
                     spec="go:size=5,komi=0")
    assert out == golden


def test_fixed_handicap_vertices_as_gtp2_specifies():
    out = transcript("fixed_handicap 5\nfixed_handicap 2\nclear_board\nfixed_handicap 10\n"
                     "fixed_handicap 1\nboardsize 19\nfixed_handicap 9\nshowboard\nclear_board\n"
                     "fixed_handicap 4\nplay w Q3\nundo\nundo\n")
    answers = out.split("\n\n")
    assert answers[0] == "= C3 G7 C7 G3 E5"
    assert answers[1] == "? board not empty"
    assert answers[3] == "? invalid number of stones"
    assert answers[4] == "? invalid number of stones"
    assert answers[6] == "= D4 Q16 D16 Q4 D10 Q10 K4 K16 K10"
    assert "White (O) to move" in answers[7]
    assert answers[9] == "= D4 Q16 D16 Q4"
    assert answers[10] == "="          # White moves first after handicap
    assert answers[11] == "="
    assert answers[12] == "? cannot undo"  # handicap stones are the start, not moves


def test_free_handicap_and_out_of_turn_moves():
    out = transcript("set_free_handicap C3\nset_free_handicap C3 C3\nset_free_handicap C3 Z1\n"
                     "set_free_handicap C3 G7 E5\nplay w D4\nplay w F6\nplay w F4\nshowboard\n"
                     "clear_board\nplace_free_handicap 3\n")
    answers = out.split("\n\n")
    assert answers[:4] == ["? bad vertex list"] * 3 + ["="]
    assert answers[4:7] == ["="] * 3   # White twice in a row: a Black pass is inserted
    board = answers[7]
    assert board_count(board, "O") == 3 and board_count(board, "X") == 3
    assert "Black (X) to move" in board
    assert answers[9] == "= C3 G7 C7"


def test_genmove_reg_genmove_and_legality():
    game = make_game("go:size=9,komi=7")
    server = InProcess("go:size=9,komi=7")
    server.command("play b E5")
    reg = server.command("reg_genmove w")
    assert board_count(server.command("showboard"), "O") == 0  # reg_genmove plays nothing
    move = server.command("genmove w")
    assert re.fullmatch(r"[A-HJ][1-9]|pass|resign", move), move
    assert move.upper() != "E5"
    state = game.initial(1)
    game.play_text(state, "E5")
    assert game.text_to_action(state, reg) in game.legal_actions(state)
    assert server.command("genmove b") != ""


def test_loadsgf_and_printsgf_round_trip(tmp_path):
    sgf_file = tmp_path / "game.sgf"
    sgf_file.write_text("(;GM[1]FF[4]SZ[9]KM[6.5]AB[cc][gg];W[ee];B[ge];W[eg])")
    out = transcript(f"loadsgf {sgf_file}\nprintsgf\nfinal_score\nloadsgf {sgf_file} 2\nshowboard\n"
                     f"loadsgf {tmp_path / 'missing.sgf'}\nprintsgf {tmp_path / 'out.sgf'}\n")
    answers = out.split("\n\n")
    assert answers[0] == "="
    answers[1] = answers[1].replace("\n", "")
    assert "AB[cc][gg]" in answers[1] and ";W[ee];B[ge];W[eg]" in answers[1]
    assert "KM[6.5]" in answers[1] and "SZ[9]" in answers[1]
    assert answers[3] == "="
    assert board_count(answers[4], "O") == 1 and board_count(answers[4], "X") == 2
    assert answers[5] == "? cannot load file"
    assert answers[6] == "="
    assert "AB[cc][gg]" in (tmp_path / "out.sgf").read_text()


# -- analysis streaming ---------------------------------------------------------------
LZ_ITEM = re.compile(r"info move ([A-HJ-T]\d{1,2}|pass) visits \d+ winrate \d+ prior \d+ lcb \d+ "
                     r"order \d+ pv( ([A-HJ-T]\d{1,2}|pass))+")
KATA_ITEM = re.compile(r"info move ([A-HJ-T]\d{1,2}|pass) visits \d+ utility -?\d\.\d{4} winrate "
                       r"[01]\.\d{4} prior [01]\.\d{4} lcb [01]\.\d{4} order \d+ pv( ([A-HJ-T]\d{1,2}|pass))+")


def _stream(lines: list[tuple[str, float]], sims: int = 5000) -> tuple[str, GtpServer]:
    """Feed lines through a pipe with pauses (seconds after each), as a GUI would."""
    read_fd, write_fd = os.pipe()
    out = io.StringIO()
    server = GtpServer(lambda s: make_agent(s, sims), "go:size=9,komi=7", out=out,
                       err=io.StringIO())

    def feed() -> None:
        with os.fdopen(write_fd, "w") as w:
            for line, pause in lines:
                w.write(line + "\n")
                w.flush()
                time.sleep(pause)

    feeder = threading.Thread(target=feed)
    feeder.start()
    with os.fdopen(read_fd) as r:
        server.run(r)
    feeder.join()
    return out.getvalue(), server


@pytest.mark.parametrize("command,item", [("lz-analyze 5", LZ_ITEM), ("kata-analyze b 5", KATA_ITEM)])
def test_analysis_streams_info_lines_and_stops_on_next_command(command, item):
    t0 = time.monotonic()
    out, server = _stream([("play b E5", 0.0), ("play w C3", 0.0), (f"9 {command}", 0.6),
                           ("name", 0.0)])
    assert time.monotonic() - t0 < 5.0
    head, rest = out.split("=9\n", 1)
    assert head == "=\n\n=\n\n"
    body, tail = rest.split("\n\n", 1)
    assert tail == "= tabula\n\n"
    lines = body.split("\n")
    assert len(lines) >= 2, "several intervals should have been reported"
    for line in lines:
        items = ["info" + x for x in line.split("info")[1:]]
        assert items and all(item.fullmatch(x.strip()) for x in items), line
    assert server.agent.thinking is None
    visits = max(int(v) for v in re.findall(r"visits (\d+)", lines[-1]))
    assert 0 < visits < 5000, "the search stopped on the next command, before its budget"


def test_genmove_analyze_ends_with_play_line():
    out = transcript("lz-genmove_analyze b 1\nkata-genmove_analyze w 1\nshowboard\n", sims=200)
    first, second = out.split("\n\n")[:2]
    assert first.startswith("=\n") and re.search(r"\nplay ([A-HJ]\d|pass)$", first), first
    assert all(LZ_ITEM.fullmatch("info " + x.strip()) for x in first.split("\n")[1].split("info")[1:])
    assert second.startswith("=\ninfo move ") and "\nplay " in second
    board = out.split("\n\n")[2]
    assert board_count(board, "X") == 1 and board_count(board, "O") == 1


# -- real games against gnugo ------------------------------------------------------------
def _gnugo():
    from arena.engines import find_engine

    path = find_engine("gnugo")
    if path is None:
        pytest.skip("gnugo is not installed (apt install gnugo)")
    return path


def test_games_against_gnugo_and_scores_agree():
    """Our search (8 simulations, uniform evaluator) plays gnugo level 1 on 9x9 for up to 60
    moves or two passes; then gnugo plays both sides out with --capture-all-dead (Chinese
    rules) until it passes twice, so no dead stones stay on the board. On that board GnuGo's
    area count and our Tromp-Taylor final_score must agree."""
    from arena.clients.gtp import GTPClient

    gnugo = _gnugo()
    ours = InProcess("go:size=9,komi=7")
    with GTPClient([gnugo, "--mode", "gtp", "--level", "1", "--chinese-rules",
                    "--capture-all-dead", "--never-resign"]) as gg:
        for cmd in ("boardsize 9", "clear_board", "komi 6.5"):
            gg.command(cmd)
            ours.command(cmd)
        colours = ("b", "w")
        passes, ply = 0, 0
        while passes < 2 and ply < 60:
            colour = colours[ply % 2]
            if ply % 2 == 0:
                move = ours.command(f"genmove {colour}")
                assert move != "resign"
                gg.command(f"play {colour} {move}")   # gnugo refuses an illegal move
            else:
                move = gg.command(f"genmove {colour}")
                ours.command(f"play {colour} {move}")
            passes = passes + 1 if move.lower() == "pass" else 0
            ply += 1
        passes = 0
        while passes < 2 and ply < 160:   # gnugo plays the game out, both sides
            colour = colours[ply % 2]
            move = gg.command(f"genmove {colour}")
            if move.lower() == "resign":
                break
            ours.command(f"play {colour} {move}")
            passes = passes + 1 if move.lower() == "pass" else 0
            ply += 1
        assert passes == 2, "gnugo did not finish the play-out"
        theirs = gg.command("final_score").upper()
        mine = ours.command("final_score").upper()
        assert mine == theirs, (mine, theirs, ours.command("showboard"))
