"""Match bookkeeping: schedule, colours, openings, faults, resume, lockstep batching, CLI."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from arena.match import MatchConfig, run_match, schedule
from arena.openings import OpeningError, load_openings, random_openings, start_state
from arena.player import Choice, Fault, Player
from arena.store import Store
from games import make_game


class RandomTestPlayer(Player):
    """Uniform over legal moves; records every call, slot and event (for the tests)."""

    def __init__(self, spec: str = "rnd", seed: int = 0) -> None:
        self.spec = spec
        self.rng = np.random.default_rng(seed)
        self.calls: list[list[int]] = []
        self.events: list[tuple] = []

    def start(self, game, slots, *, move_time=None):
        super().start(game, slots, move_time=move_time)
        self.events.append(("start", slots))

    def new_game(self, slot, state):
        self.events.append(("new", slot))

    def end_game(self, slot):
        self.events.append(("end", slot))

    def choose(self, slots, states):
        self.calls.append(list(slots))
        legal = self.game.legal_mask(states)
        return [Choice(action=int(self.rng.choice(np.flatnonzero(row)))) for row in legal]


class FirstLegalPlayer(RandomTestPlayer):
    """Deterministic: always the lowest legal action (shows the openings vary games)."""

    def choose(self, slots, states):
        self.calls.append(list(slots))
        return [Choice(action=int(np.flatnonzero(row)[0])) for row in self.game.legal_mask(states)]


class IllegalPlayer(RandomTestPlayer):
    """Always answers an occupied point, or an action off the board on an empty one."""

    def choose(self, slots, states):
        legal = self.game.legal_mask(states)
        return [Choice(action=int(np.flatnonzero(~row)[0]) if (~row).any() else 10_000)
                for row in legal]


class FaultPlayer(RandomTestPlayer):
    """Reports the given fault for every move."""

    def __init__(self, spec, fault):
        super().__init__(spec)
        self.fault = fault

    def choose(self, slots, states):
        return [Choice(fault=self.fault, detail="test fault") for _ in slots]


class ResignPlayer(RandomTestPlayer):
    def choose(self, slots, states):
        return [Choice(resign=True) for _ in slots]


class RaisingPlayer(RandomTestPlayer):
    def choose(self, slots, states):
        raise RuntimeError("boom")


TTT = make_game("tictactoe")


def test_schedule_round_robin_and_gauntlet():
    rr = schedule(["a", "b", "c"], 4)
    assert Counter(j.pairing for j in rr) == {"a|b": 4, "a|c": 4, "b|c": 4}
    ga = schedule(["a", "b", "c"], 2, "gauntlet")
    assert sorted({j.pairing for j in ga}) == ["a|b", "a|c"]
    with pytest.raises(ValueError, match="schedule"):
        schedule(["a", "b"], 2, "swiss")


def test_colours_alternate_and_openings_pair_up(tmp_path):
    a, b = FirstLegalPlayer("A"), FirstLegalPlayer("B")
    s = run_match(TTT, ["A", "B"], MatchConfig(games=6, parallel=3, openings=2, seed=5),
                  players=[a, b])
    assert s.played == 6 and s.total == 6
    by_opening: dict[int, list] = {}
    for g in s.results:
        by_opening.setdefault(g.opening, []).append(g)
    assert sorted(by_opening) == [0, 1, 2]
    for k, games in by_opening.items():
        games.sort(key=lambda g: g.swap)
        assert [g.swap for g in games] == [0, 1]
        assert (games[0].first, games[0].second) == ("A", "B")
        assert (games[1].first, games[1].second) == ("B", "A")
        # the same opening moves start both games of the pair
        assert games[0].moves[:2] == games[1].moves[:2]
    openings = {g.moves[:2] for g in s.results}
    assert len(openings) == 3  # different openings
    # deterministic players give the same game from the same opening and colours,
    # so the openings are what makes games differ
    again = run_match(TTT, ["A", "B"], MatchConfig(games=6, parallel=1, openings=2, seed=5),
                      players=[FirstLegalPlayer("A"), FirstLegalPlayer("B")])
    assert {g.key: g.moves for g in again.results} == {g.key: g.moves for g in s.results}


def test_random_openings_are_seeded_and_unfinished():
    go = make_game("go:size=5,komi=0.5")
    ops = random_openings(go, 5, 6, seed=3)
    assert ops == random_openings(go, 5, 6, seed=3)
    assert ops[:3] == random_openings(go, 3, 6, seed=3)  # prefix-stable: resume-safe
    assert ops != random_openings(go, 5, 6, seed=4)
    for o in ops:
        assert "pass" not in [m.lower() for m in o.moves]
        state, texts = start_state(go, o)
        assert not go.terminal(state)[0] and len(texts) == 6
    # tic-tac-toe after 6 random plies is often over: those are redrawn
    for o in random_openings(TTT, 20, 6, seed=1):
        assert not TTT.terminal(start_state(TTT, o)[0])[0]


def test_opening_files(tmp_path):
    f = tmp_path / "go.txt"
    f.write_text("# two openings\nD4 C3\n\nc3, d4  # comment\n")
    ops = load_openings(f, make_game("go:size=5,komi=0.5"))
    assert [o.moves for o in ops] == [("D4", "C3"), ("c3", "d4")]
    bad = tmp_path / "bad.txt"
    bad.write_text("D4\nD4 D4\n")
    with pytest.raises(OpeningError, match=r"bad.txt:2"):
        load_openings(bad, make_game("go:size=5,komi=0.5"))
    chess_file = tmp_path / "c.epd"
    chess_file.write_text("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq - id \"e4\";\n"
                          "rnbqkbnr/pppp1ppp/8/4p3/4P3/8/PPPP1PPP/RNBQKBNR w KQkq - 0 2\n")
    chess = make_game("chess")
    ops = load_openings(chess_file, chess)
    assert ops[0].fen.split()[1] == "b" and ops[1].fen.endswith("0 2")
    assert chess.to_play(start_state(chess, ops[0])[0])[0] == 1


def _single_game(player_a, player_b, game=TTT, **kw):
    cfg = MatchConfig(games=2, parallel=2, openings=0, **kw)
    return run_match(game, [player_a.spec, player_b.spec], cfg, players=[player_a, player_b])


def test_illegal_move_loses_with_reason_illegal():
    s = _single_game(IllegalPlayer("bad"), RandomTestPlayer("good"))
    assert s.played == 2
    for g in s.results:
        assert g.result.reason == "illegal"
        loser = "bad"
        winner_name = (g.first, g.second)[g.result.winner]
        assert winner_name == "good" and loser in (g.first, g.second)
        assert "action" in g.result.detail
    # the game where "bad" moves second: it answered the first player's point
    second = next(g for g in s.results if g.second == "bad")
    assert len(second.moves) == 1 and second.result.detail.startswith("action ")


@pytest.mark.parametrize("fault", [Fault.CRASH, Fault.TIMEOUT])
def test_faults_lose_with_their_reason(fault):
    s = _single_game(FaultPlayer("faulty", fault), RandomTestPlayer("good"))
    assert [g.result.reason for g in s.results] == [fault.value] * 2
    assert all((g.first, g.second)[g.result.winner] == "good" for g in s.results)
    assert all(g.result.detail == "test fault" for g in s.results)


def test_resign_and_exception_in_choose():
    s = _single_game(ResignPlayer("quitter"), RandomTestPlayer("good"))
    assert {g.result.reason for g in s.results} == {"resign"}
    assert all((g.first, g.second)[g.result.winner] == "good" for g in s.results)
    # the resigner moving second: the first player made one move before it resigned
    second = next(g for g in s.results if g.second == "quitter")
    assert len(second.moves) == 1
    s = _single_game(RaisingPlayer("buggy"), RandomTestPlayer("good"))
    assert {g.result.reason for g in s.results} == {"crash"}
    assert all("boom" in g.result.detail for g in s.results)


def test_rules_result_and_go_scoring():
    """Go games end by the rules; the stored margin is the area score as the board stands."""
    go = make_game("go:size=5,komi=0.5,max_moves=60")
    s = _single_game(RandomTestPlayer("x", 1), RandomTestPlayer("y", 2), game=go)
    for g in s.results:
        assert g.result.reason in ("two_passes", "move_cap")
        state = go.initial(1)
        for m in g.moves:
            go.play_text(state, m)
        assert go.terminal(state)[0]
        assert g.result.margin == pytest.approx(float(go.area_score(state)[0]))
        assert g.result.winner == (0 if g.result.margin > 0 else 1)


def test_chess_from_fen_openings_with_safety_cap(tmp_path):
    """Chess games start from the file's FENs; the arena's move cap ends them as draws."""
    import io

    import chess.pgn

    game = make_game("chess")
    f = tmp_path / "o.epd"
    f.write_text("rnbqkbnr/pppppppp/8/8/4P3/8/PPPP1PPP/RNBQKBNR b KQkq -\n")
    s = run_match(game, ["p", "q"], MatchConfig(games=2, parallel=2, openings=str(f), max_moves=6),
                  players=[RandomTestPlayer("p", 1), RandomTestPlayer("q", 2)])
    for g in s.results:
        assert len(g.moves) == 6 and g.result == g.result.__class__(None, "max_moves", None, "6 moves")
        pgn = chess.pgn.read_game(io.StringIO(g.record))
        assert pgn.headers["FEN"].startswith("rnbqkbnr/pppppppp/8/8/4P3") and pgn.headers["Result"] == "1/2-1/2"
        assert [m.uci() for m in pgn.mainline_moves()] == list(g.moves)
    # the second player (Black to move in the FEN) moves first in the swapped game
    assert {(g.first, g.swap) for g in s.results} == {("p", 0), ("q", 1)}


def test_lockstep_batching_and_slots():
    a, b = RandomTestPlayer("A", 1), RandomTestPlayer("B", 2)
    c = RandomTestPlayer("C", 3)
    s = run_match(make_game("gomoku:size=5,k=4"), ["A", "B", "C"],
                  MatchConfig(games=4, parallel=6, openings=1), players=[a, b, c])
    assert s.played == 12
    # several games per choose call
    assert max(len(call) for call in a.calls) > 1
    assert s.choose_calls < sum(len(g.moves) for g in s.results)
    for p in (a, b, c):
        slots = p.events[0][1]
        assert p.events[0][0] == "start" and slots <= 6
        # slots within range, never two live games in one slot, each call's slots distinct
        assert all(0 <= sl < slots and len(set(call)) == len(call) for call in p.calls for sl in call)
        live = set()
        for kind, slot in p.events[1:]:
            if kind == "new":
                assert slot not in live
                live.add(slot)
            else:
                live.remove(slot)
        assert not live
        assert sum(1 for e in p.events if e[0] == "new") == 8


def test_resume_does_not_replay(tmp_path):
    db = tmp_path / "m.db"
    cfg = MatchConfig(games=8, parallel=3, openings=1, db=str(db), seed=2)

    class Stop(Exception):
        pass

    def interrupt(p):
        if p.done == 3:
            raise Stop

    with pytest.raises(Stop):
        run_match(TTT, ["A", "B"], cfg, players=[RandomTestPlayer("A", 1), RandomTestPlayer("B", 2)],
                  progress=interrupt)
    with Store(db) as store:
        first = store.games()
    assert len(first) == 3
    p2 = [RandomTestPlayer("A", 1), RandomTestPlayer("B", 2)]
    s = run_match(TTT, ["A", "B"], cfg, players=p2)
    assert s.skipped == 3 and s.played == 5
    with Store(db) as store:
        rows = store.games()
    assert len(rows) == 8 and rows[:3] == first
    assert len({r.key for r in rows}) == 8
    # max_games stops a run early too; a third run has nothing to do
    s = run_match(TTT, ["A", "B"], cfg, players=p2)
    assert s.played == 0 and s.skipped == 8
    s = run_match(TTT, ["A", "B"], MatchConfig(games=12, parallel=3, openings=1, db=str(db), seed=2,
                                               max_games=2), players=p2)
    assert s.played == 2 and s.stopped == "max_games"


def test_sprt_stops_early():
    strong, weak = FirstLegalPlayer("strong"), ResignPlayer("weak")
    lines = []
    s = run_match(TTT, ["strong", "weak"],
                  MatchConfig(games=200, parallel=4, openings=2, sprt="elo0=0,elo1=50"),
                  players=[strong, weak], progress=lambda p: lines.append(p.sprt_line))
    assert s.stopped == "sprt H1" and s.sprt_decision == "H1"
    assert s.played < 200 and s.wdl == (s.played, 0, 0)
    assert "LLR" in lines[-1] and "H1" in s.sprt_line
    with pytest.raises(ValueError, match="two players"):
        run_match(TTT, ["a", "b", "c"], MatchConfig(sprt="elo0=0,elo1=5"),
                  players=[RandomTestPlayer(n) for n in "abc"])


def test_bad_match_arguments():
    s = run_match(TTT, ["a", "a"], MatchConfig(games=2, openings=1),
                  players=[RandomTestPlayer("a", 1), RandomTestPlayer("a", 2)])
    assert {(g.first, g.second) for g in s.results} == {("a", "a#2"), ("a#2", "a")}
    with pytest.raises(ValueError, match="at least two"):
        run_match(TTT, ["a"], MatchConfig(), players=[RandomTestPlayer()])


# -- the command line -----------------------------------------------------------
def test_cli_end_to_end(tmp_path, capsys):
    from engine.cli import main

    db = tmp_path / "cli.db"
    rc = main(["arena", "tictactoe", "random", "search:sims=16", "--games", "4", "--parallel", "2",
               "--db", str(db), "--json", "--seed", "1"])
    out = capsys.readouterr().out
    assert rc == 0, out
    last = json.loads(out.strip().splitlines()[-1])
    assert last["match"]["played"] == 4
    names = {r["name"] for r in last["ratings"]}
    assert names == {"random", "search:sims=16"}
    assert "Elo" in out
    # rerun: nothing replayed, same table
    rc = main(["arena", "tictactoe", "random", "search:sims=16", "--games", "4", "--db", str(db),
               "--json", "--seed", "1", "--plot", str(tmp_path / "elo.png")])
    captured = capsys.readouterr()
    again = json.loads(captured.out.strip().splitlines()[-1])
    assert rc == 0 and again["match"]["played"] == 0 and again["match"]["skipped"] == 4
    assert again["ratings"] == last["ratings"]
    assert "no plot" in captured.err and not (tmp_path / "elo.png").exists()
    with Store(db) as store:
        assert store.count() == 4


def test_cli_bad_specs(capsys):
    from engine.cli import main

    assert main(["arena", "nosuchgame", "random", "random"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nosuchgame" in err
    assert main(["arena", "tictactoe", "random", "bogus:x=1", "--db", ":memory:"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bogus" in err


def test_cli_plots_elo_by_step_for_checkpoints_of_one_run(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    from engine.checkpoint import save_checkpoint
    from engine.cli import main
    from engine.network import NetConfig, PolicyValueNet

    torch.manual_seed(0)
    run = tmp_path / "run" / "checkpoints"
    paths = []
    for step in (100, 200):
        path = run / f"step-{step:06d}.safetensors"
        save_checkpoint(path, PolicyValueNet(TTT.info, NetConfig(1, 8)), {"step": step})
        paths.append(path)
    png = tmp_path / "elo.png"
    rc = main(["arena", "tictactoe", "random", *(f"ckpt:{p},sims=4,device=cpu" for p in paths),
               "--games", "2", "--parallel", "2", "--plot", str(png), "--quiet"])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert (tmp_path / "run" / "arena.db").exists()  # checkpoints of a run: the run's database
    assert "plot written" in out and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
