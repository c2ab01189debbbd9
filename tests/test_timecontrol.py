"""Time management arithmetic: shares of the clock, increments, byo-yomi, caps, our own clock."""

from __future__ import annotations

import pytest

from engine.timecontrol import Clock, GameClock, move_time, moves_left, spend, uci_clock


def test_main_time_share_with_and_without_movestogo():
    # 60 s, no movestogo, move 0 of an expected 80 plies: 40 own moves left -> 60/40 = 1.5 s,
    # plus 3/4 of the 1 s increment, minus 0.05 s overhead = 2.2 s
    assert move_time(Clock(main=60.0, increment=1.0), ply=0, expected_plies=80) == pytest.approx(2.2)
    # late in the game the estimate bottoms out at 20 moves: 60/20 - 0.05
    assert move_time(Clock(main=60.0), ply=200, expected_plies=80) == pytest.approx(2.95)
    # movestogo 10: 30/10 - 0.05
    assert move_time(Clock(main=30.0, moves_to_go=10)) == pytest.approx(2.95)
    assert moves_left(Clock(moves_to_go=7)) == 7
    assert moves_left(Clock(), ply=10, expected_plies=120) == 55


def test_caps_and_last_move_before_control():
    # one move to go: 90% of what is left, minus the overhead
    assert move_time(Clock(main=10.0, moves_to_go=1)) == pytest.approx(8.95)
    # a big increment is only credited after the move: still at most half the clock
    assert move_time(Clock(main=1.0, increment=10.0)) == pytest.approx(0.5 - 0.05)
    assert move_time(Clock(main=100.0, increment=2.0), ply=0, expected_plies=80) == pytest.approx(
        100 / 40 + 1.5 - 0.05)
    # almost no time: the floor, never negative
    assert move_time(Clock(main=0.02)) == pytest.approx(0.01)
    assert move_time(Clock(main=0.0)) == pytest.approx(0.01)


def test_movetime_and_unlimited():
    assert move_time(Clock(movetime=2.0)) == pytest.approx(1.95)
    assert move_time(Clock(movetime=2.0), overhead=0.5) == pytest.approx(1.5)
    assert move_time(Clock()) is None


def test_byoyomi_canadian_and_japanese():
    # in Canadian byo-yomi: 30 s for 10 stones -> 3 s - overhead
    assert move_time(Clock(main=0.0, byoyomi=30.0, stones=10)) == pytest.approx(2.95)
    # Japanese: 90% of one 10 s period
    assert move_time(Clock(main=0.0, byoyomi=10.0, periods=3)) == pytest.approx(8.95)
    # main time left as well: the main share plus the byo-yomi's per-move time
    t = move_time(Clock(main=40.0, byoyomi=30.0, stones=10), ply=0, expected_plies=80)
    assert t == pytest.approx(40 / 40 + 3.0 - 0.05)


def test_uci_clock_from_go_parameters():
    params = {"wtime": 60000.0, "btime": 30000.0, "winc": 1000.0, "binc": 500.0, "movestogo": 20.0}
    white = uci_clock(params, white_to_move=True)
    black = uci_clock(params, white_to_move=False)
    assert (white.main, white.increment, white.moves_to_go) == (60.0, 1.0, 20)
    assert (black.main, black.increment) == (30.0, 0.5)
    assert move_time(black) == pytest.approx(30 / 20 + 0.375 - 0.05)
    assert uci_clock({"movetime": 500.0}, True).movetime == 0.5


def test_gtp_game_clock_settings_time_left_and_own_moves():
    clock = GameClock()
    assert clock.budget(0) is None                       # no time_settings: no limit
    clock.settings(300, 30, stones=5)                    # 5 min + Canadian 30 s / 5 stones
    assert clock.budget(0, ply=0, expected_plies=80) == pytest.approx(300 / 40 + 6 - 0.05)
    clock.spent(0, 100.0)
    assert clock.clocks[0].main == pytest.approx(200.0)
    clock.time_left(0, 20.0, 3)                          # byo-yomi: 20 s for 3 stones
    assert clock.budget(0) == pytest.approx(20 / 3 - 0.05)
    clock.spent(0, 5.0)
    assert clock.clocks[0].stones == 2 and clock.clocks[0].byoyomi == pytest.approx(15.0)
    clock.spent(0, 5.0)
    clock.spent(0, 5.0)                                  # period done: a fresh one
    assert clock.clocks[0].stones == 5 and clock.clocks[0].byoyomi == pytest.approx(30.0)
    clock.settings(0, 10, stones=0)                      # GTP: byo-yomi without stones = no limit
    assert clock.budget(1) is None
    with pytest.raises(ValueError):
        clock.time_left(0, -1.0, 0)


def test_spend_runs_main_time_then_japanese_periods():
    c = Clock(main=5.0, byoyomi=10.0, periods=3)
    c = spend(c, 7.0)                                    # 2 s into the first period: kept
    assert (c.main, c.periods) == (0.0, 3)
    c = spend(c, 25.0)                                   # 25 s: two periods lost
    assert c.periods == 1
    assert spend(Clock(main=10.0, increment=2.0), 3.0).main == pytest.approx(9.0)
