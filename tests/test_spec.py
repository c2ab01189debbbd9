"""Game spec strings: aliases, canonical forms, and errors that name the valid choices."""

import pytest

from games import SpecError, canonical_spec, make_game, parse_spec


@pytest.mark.parametrize("alias, canonical", [
    ("go9", "go:size=9,komi=7,max_moves=162,superko=1"),
    ("go13", "go:size=13,komi=7.5,max_moves=338,superko=1"),
    ("go19", "go:size=19,komi=7.5,max_moves=722,superko=1"),
    ("gomoku15", "gomoku:size=15,k=5,rule=freestyle"),
    ("tictactoe", "gomoku:size=3,k=3,rule=freestyle"),
    ("chess", "chess:max_plies=512"),
])
def test_aliases_expand(alias, canonical):
    assert canonical_spec(alias) == canonical
    assert canonical_spec(canonical) == canonical


def test_alias_keys_can_be_overridden():
    assert parse_spec("go9:komi=5.5")[1]["komi"] == 5.5
    assert parse_spec("gomoku:size=6x9,k=4,rule=exact")[1] == {"size": (6, 9), "k": 4, "rule": "exact"}
    assert canonical_spec("GOMOKU : size = 6x9 , k = 4") == "gomoku:size=6x9,k=4,rule=freestyle"


def test_make_game_uses_the_canonical_spec():
    game = make_game("go9")
    assert game.info.spec == canonical_spec("go9")
    assert make_game(game.info.spec).info == game.info


@pytest.mark.parametrize("spec, needle", [
    ("checkers", "valid games: chess, go, gomoku"),
    ("go:size=4", "size must be an integer 5-19"),
    ("go:size=20", "size must be an integer 5-19"),
    ("go:size=nine", "size must be an integer 5-19"),
    ("go:colour=black", "go takes keys: size"),
    ("gomoku:rule=renju", "rule must be freestyle or exact"),
    ("gomoku:size=3,k=5", "k must be an integer 2-19 that fits the board"),
    ("gomoku:size=2x9", "sides 3-19"),
    ("go:size", "expected key=value"),
    ("chess:max_plies=-3", "max_plies must be a positive integer"),
])
def test_bad_specs_name_valid_keys_and_values(spec, needle):
    with pytest.raises(SpecError, match=needle):
        parse_spec(spec)
