"""Player spec strings: their syntax, parsing and the checks that name what is wrong.

Spec syntax (``KIND`` or ``KIND:REST``; keys are case-sensitive; booleans 1/0,
true/false, yes/no, on/off)::

    random                                  uniform over the legal moves (seeded)
    rollout[:N | :playouts=N[,c=X]]         pure UCT, random playouts to the end (default
                                            1000 playouts, c = sqrt 2); Go and gomoku only
    search[:N | :sims=N[,KEY=VALUE...]]     mcts.Search with a stand-in evaluator
    ckpt:PATH[,KEY=VALUE...]                mcts.Search with a checkpoint's network
    gtp:COMMAND[;KEY=VALUE...]              a GTP engine (Go), e.g. gtp:gnugo --mode gtp --level 1
    uci:COMMAND[;KEY=VALUE...]              a UCI engine (chess), e.g. uci:stockfish;Skill Level=0;nodes=50
    gomocup:COMMAND[;KEY=VALUE...]          a Gomocup brain (gomoku, five in a row)

Search keys (``search`` and ``ckpt``): ``sims`` (simulations per move; search's
default 200, ckpt's from the checkpoint header, else 200), ``gumbel``,
``c_init``, ``c_base``, ``fpu``, ``leaves`` (leaves per tree per step),
``considered`` (Gumbel's m), ``gumbel_scale`` (default 0 here: deterministic),
``c_visit``, ``c_scale``, ``reuse`` (subtree reuse), ``temperature`` (default 0:
the most visited move), ``seed``; ``search`` also ``evaluator`` (uniform or
hash) and ``ckpt`` also ``device`` (auto, cpu, cuda). A ckpt PATH may itself
contain commas: only trailing ``,key=value`` items are options.

External engines: COMMAND is split like a shell line (shlex: quote arguments
that contain blanks) and its program is looked up on PATH, then in /usr/games.
Options follow, each after a ``;`` (so a COMMAND cannot contain ``;``). Keys for
every engine: ``time`` (seconds per move, overriding the match's move_time;
default 10) and ``startup`` (seconds allowed to start and set up, default 30).
UCI also takes ``nodes``, ``movetime`` (ms) and ``depth`` (the ``go`` limits;
none given: ``go movetime`` of the move time), and every other key is a UCI
option, checked against the options the engine lists (``Skill Level=0``,
``Threads=1``, ``Hash=16``). Gomocup also takes ``max_memory`` (bytes).

>>> parse_player_spec("rollout:500")
('rollout', {'playouts': 500})
>>> parse_player_spec("uci:stockfish -q;nodes=50;Skill Level=0")
('uci', {'command': 'stockfish -q', 'nodes': 50, 'setoption': {'Skill Level': '0'}})
"""

from __future__ import annotations

import re
from typing import Any, Callable, Sequence

DEFAULT_MOVE_TIME = 10.0
"""Seconds per move an external engine gets when neither the spec nor the match says."""
DEFAULT_STARTUP = 30.0
"""Seconds an external engine gets to start and set up a game."""
DEFAULT_SIMS = 200
"""Simulations per move of ``search`` (and of ``ckpt`` when its header names none)."""
DEFAULT_PLAYOUTS = 1000
"""Playouts per move of ``rollout``."""


def grace(move_time: float) -> float:
    """Extra seconds allowed past an engine's move time before it is a TIMEOUT."""
    return 1.0 + 0.25 * move_time


# -- spec parsing ------------------------------------------------------------------------------
def _bool(text: str) -> bool:
    low = text.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise ValueError(text)
    return value


def _float(text: str) -> float:
    return float(text)


def _nonneg_float(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise ValueError(text)
    return value


def _evaluator(text: str) -> str:
    if text not in ("uniform", "hash"):
        raise ValueError(text)
    return text


def _device(text: str) -> str:
    if text not in ("auto", "cpu", "cuda") and not text.startswith("cuda:"):
        raise ValueError(text)
    return text


Key = tuple[Callable[[str], Any], str]
"""A spec key: its parser and what it allows (for error messages)."""

SEARCH_KEYS: dict[str, Key] = {
    "sims": (_positive_int, "a positive integer"),
    "gumbel": (_bool, "1 or 0"),
    "c_init": (_positive_float, "a positive number"),
    "c_base": (_positive_float, "a positive number"),
    "fpu": (_float, "a number"),
    "leaves": (_positive_int, "a positive integer"),
    "considered": (_positive_int, "a positive integer"),
    "gumbel_scale": (_nonneg_float, "a number >= 0"),
    "c_visit": (_positive_float, "a positive number"),
    "c_scale": (_positive_float, "a positive number"),
    "reuse": (_bool, "1 or 0"),
    "temperature": (_nonneg_float, "a number >= 0"),
    "seed": (int, "an integer"),
}
"""Keys of ``search`` and ``ckpt`` specs, and the SearchConfig fields they set (below)."""

SEARCH_FIELDS = {"sims": "num_simulations", "gumbel": "gumbel", "c_init": "c_init",
                 "c_base": "c_base", "fpu": "fpu_reduction", "leaves": "leaves_per_tree",
                 "considered": "gumbel_considered", "gumbel_scale": "gumbel_scale",
                 "c_visit": "c_visit", "c_scale": "c_scale", "reuse": "reuse_tree",
                 "temperature": "temperature", "seed": "seed"}

ENGINE_KEYS: dict[str, Key] = {
    "time": (_positive_float, "seconds per move, a positive number"),
    "startup": (_positive_float, "seconds, a positive number"),
}

KINDS: dict[str, dict[str, Key]] = {
    "random": {},
    "rollout": {"playouts": (_positive_int, "a positive integer"),
                "c": (_positive_float, "a positive number")},
    "search": {**SEARCH_KEYS, "evaluator": (_evaluator, "uniform or hash")},
    "ckpt": {**SEARCH_KEYS, "device": (_device, "auto, cpu, cuda or cuda:N")},
    "gtp": dict(ENGINE_KEYS),
    "uci": {**ENGINE_KEYS, "nodes": (_positive_int, "a positive integer"),
            "movetime": (_positive_int, "milliseconds, a positive integer"),
            "depth": (_positive_int, "a positive integer")},
    "gomocup": {**ENGINE_KEYS, "max_memory": (_positive_int, "bytes, a positive integer")},
}
"""Every kind of player and the keys its spec takes."""

SHORTHAND = {"rollout": "playouts", "search": "sims"}
"""Kinds whose spec may give one bare number: ``rollout:200`` is ``rollout:playouts=200``."""

ENGINE_KINDS = ("gtp", "uci", "gomocup")
SYNTAX = ("random | rollout[:playouts=N,c=X] | search[:sims=N,KEY=VALUE...] | "
          "ckpt:PATH[,KEY=VALUE...] | gtp:COMMAND[;KEY=VALUE...] | uci:COMMAND[;KEY=VALUE...] | "
          "gomocup:COMMAND[;KEY=VALUE...]")
_OPTION = re.compile(r"\s*[A-Za-z_][A-Za-z0-9_]*\s*=")


def _valid_keys(kind: str) -> str:
    keys = KINDS[kind]
    if not keys:
        return f"{kind} takes no options"
    listed = ", ".join(f"{k} ({allowed})" for k, (_, allowed) in keys.items())
    extra = "; any other key is a UCI option of the engine" if kind == "uci" else ""
    return f"{kind} takes: {listed}{extra}"


def _convert(kind: str, key: str, text: str, spec: str) -> Any:
    parse, allowed = KINDS[kind][key]
    try:
        return parse(text)
    except ValueError:
        raise ValueError(f"bad value {key}={text!r} in player spec {spec!r}: {key} must be "
                         f"{allowed}") from None


def _items(kind: str, items: Sequence[str], spec: str) -> dict[str, Any]:
    """``key=value`` items of a spec as typed options; unknown keys are errors (UCI: options)."""
    options: dict[str, Any] = {}
    for item in items:
        key, eq, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not eq or not key:
            raise ValueError(f"bad item {item.strip()!r} in player spec {spec!r}: expected "
                             f"key=value; {_valid_keys(kind)}")
        if key in KINDS[kind]:
            options[key] = _convert(kind, key, value, spec)
        elif kind == "uci":
            options.setdefault("setoption", {})[key] = value
        else:
            raise ValueError(f"unknown key {key!r} in player spec {spec!r}; {_valid_keys(kind)}")
    return options


def parse_player_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split a player spec into its kind and typed options; ValueError says what is wrong.

    Engines' options hold ``command``; ckpt's ``path``; UCI's engine options
    are under ``setoption`` (name -> value text).
    """
    if not isinstance(spec, str) or not spec.strip():
        raise ValueError(f"empty player spec; expected {SYNTAX}")
    kind, colon, rest = spec.strip().partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise ValueError(f"unknown player kind {kind!r} in spec {spec!r}; valid kinds: "
                         f"{', '.join(KINDS)} ({SYNTAX})")
    if kind in ENGINE_KINDS:
        command, *items = rest.split(";")
        if not command.strip():
            raise ValueError(f"player spec {spec!r} needs a command: {kind}:COMMAND[;KEY=VALUE...], "
                             f"e.g. gtp:gnugo --mode gtp --level 1")
        return kind, {"command": command.strip(), **_items(kind, [i for i in items if i.strip()], spec)}
    if kind == "ckpt":
        parts = rest.split(",")
        first_option = len(parts)
        while first_option > 1 and _OPTION.match(parts[first_option - 1]):
            first_option -= 1
        path = ",".join(parts[:first_option]).strip()
        if not path:
            raise ValueError(f"player spec {spec!r} needs a checkpoint path: ckpt:PATH[,KEY=VALUE...]")
        return kind, {"path": path, **_items(kind, parts[first_option:], spec)}
    items = [i for i in rest.split(",") if i.strip()]
    if kind in SHORTHAND and len(items) == 1 and "=" not in items[0]:
        items = [f"{SHORTHAND[kind]}={items[0]}"]
    if not KINDS[kind] and items:
        raise ValueError(f"player spec {spec!r}: {_valid_keys(kind)}")
    return kind, _items(kind, items, spec)
