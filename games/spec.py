"""Game spec strings: ``NAME[:key=value,...]`` and the aliases every command takes.

>>> parse_spec("go9")
('go', {'size': 9, 'komi': 7.0, 'max_moves': 162, 'superko': True})
>>> canonical_spec("tictactoe")
'gomoku:size=3,k=3,rule=freestyle'
>>> canonical_spec("go9:komi=5.5")
'go:size=9,komi=5.5,max_moves=162,superko=1'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from games.base import Game, SpecError

ALIASES: dict[str, str] = {
    "go9": "go:size=9,komi=7",
    "go13": "go:size=13,komi=7.5",
    "go19": "go:size=19,komi=7.5",
    "gomoku15": "gomoku:size=15,k=5,rule=freestyle",
    "tictactoe": "gomoku:size=3,k=3",
    "chess": "chess",
}


@dataclass(frozen=True)
class Param:
    """One key of a game spec: how to parse it, what it allows, its default."""

    parse: Callable[[str], Any]
    allowed: str
    default: Callable[[dict[str, Any]], Any]
    check: Callable[[Any, dict[str, Any]], bool] = lambda v, p: True
    fmt: Callable[[Any], str] = str


def _bool(text: str) -> bool:
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


def _shape(text: str) -> tuple[int, int]:
    if "x" in text:
        h, w = text.split("x", 1)
        return int(h), int(w)
    return int(text), int(text)


def _fmt_float(v: float) -> str:
    return f"{v:g}"


def _fmt_shape(v: tuple[int, int]) -> str:
    return str(v[0]) if v[0] == v[1] else f"{v[0]}x{v[1]}"


PARAMS: dict[str, dict[str, Param]] = {
    "go": {
        "size": Param(int, "an integer 5-19", lambda p: 19, lambda v, p: 5 <= v <= 19),
        "komi": Param(float, "a number, e.g. 7.5", lambda p: 7.5, fmt=_fmt_float),
        "max_moves": Param(int, "a positive integer (default 2*size*size)",
                           lambda p: 2 * p["size"] ** 2, lambda v, p: v > 0),
        "superko": Param(_bool, "1 or 0 (positional superko at game level)", lambda p: True,
                         fmt=lambda v: "1" if v else "0"),
    },
    "gomoku": {
        "size": Param(_shape, "N or HxW with sides 3-19", lambda p: (15, 15),
                      lambda v, p: 3 <= v[0] <= 19 and 3 <= v[1] <= 19, _fmt_shape),
        "k": Param(int, "an integer 2-19 that fits the board (default 5)",
                   lambda p: min(5, max(p["size"])),
                   lambda v, p: 2 <= v <= max(p["size"])),
        "rule": Param(str, "freestyle or exact", lambda p: "freestyle",
                      lambda v, p: v in ("freestyle", "exact")),
    },
    "chess": {
        "max_plies": Param(int, "a positive integer (default 512)", lambda p: 512, lambda v, p: v > 0),
    },
}


def _describe(name: str) -> str:
    keys = ", ".join(f"{k} ({p.allowed})" for k, p in PARAMS[name].items())
    return f"{name} takes keys: {keys}"


def _split(spec: str) -> tuple[str, dict[str, str]]:
    name, _, rest = spec.strip().partition(":")
    name = name.strip().lower()
    raw: dict[str, str] = {}
    if name in ALIASES and ALIASES[name] != name:
        name, raw = _split(ALIASES[name])
    for item in filter(None, (s.strip() for s in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not value.strip():
            raise SpecError(f"bad item {item!r} in game spec {spec!r}: expected key=value")
        raw[key.strip().lower()] = value.strip()
    return name, raw


def parse_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split a spec into the game name and a full dict of validated parameters."""
    name, raw = _split(spec)
    if name not in PARAMS:
        valid = ", ".join(sorted(PARAMS) + sorted(a for a in ALIASES if a not in PARAMS))
        raise SpecError(f"unknown game {name!r} in spec {spec!r}; valid games: {valid}")
    unknown = sorted(set(raw) - set(PARAMS[name]))
    if unknown:
        raise SpecError(f"unknown key {unknown[0]!r} in game spec {spec!r}; {_describe(name)}")
    values: dict[str, Any] = {}
    for key, param in PARAMS[name].items():
        if key in raw:
            try:
                value = param.parse(raw[key])
            except ValueError:
                value = None
            if value is None or not param.check(value, values):
                raise SpecError(f"bad value {key}={raw[key]!r} in game spec {spec!r}: "
                                f"{key} must be {param.allowed}")
        else:
            value = param.default(values)
        values[key] = value
    return name, values


def canonical_spec(spec: str) -> str:
    """The full spec with every key spelled out, in declaration order."""
    name, values = parse_spec(spec)
    if not values:
        return name
    items = ",".join(f"{k}={PARAMS[name][k].fmt(v)}" for k, v in values.items())
    return f"{name}:{items}"


def make_game(spec: str) -> Game:
    """Build the configured game for a spec string (aliases allowed).

    >>> make_game("go9").info.num_actions
    82
    """
    name, values = parse_spec(spec)
    canonical = canonical_spec(spec)
    if name == "go":
        from games.go.game import GoGame
        return GoGame(spec=canonical, **values)
    if name == "gomoku":
        from games.gomoku.game import GomokuGame
        (height, width) = values.pop("size")
        return GomokuGame(spec=canonical, height=height, width=width, **values)
    from games.chess.game import ChessGame
    return ChessGame(spec=canonical, **values)
