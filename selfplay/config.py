"""The resolved configuration of a training run: defaults per game, a file, then key=value overrides.

A run's config is one JSON object saved as ``RUN/config.json``::

    {"game": "gomoku:size=3,k=3,rule=freestyle", "net": "b2c32", "seed": 0,
     "selfplay": {...SelfPlayConfig fields...},
     "train":    {...selfplay.trainer.TrainConfig fields...},
     "pipeline": {...PipelineConfig fields...},
     "arena":    {...ArenaConfig fields...}}

Resolution order, later wins: the component dataclasses' defaults, the game's
defaults (:func:`game_defaults`), the saved ``RUN/config.json`` of a resumed
run, ``--config FILE`` (JSON or TOML, same shape), then ``key=value`` words.
A key is ``section.field`` or a bare ``field`` when only one section has it
(``sims=32`` is ``selfplay.simulations``); values are parsed as JSON, else kept
as strings (``net=b4c48``, ``arena.baselines=["random"]``).

This module imports no torch; the trainer's ``TrainConfig`` is passed in.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arena.records import write_text_atomic
from games import canonical_spec, parse_spec
from selfplay.worker import SelfPlayConfig

SECTIONS = ("selfplay", "train", "pipeline", "arena")
ALIASES = {"sims": "selfplay.simulations", "batch": "selfplay.batch", "steps_ratio": "pipeline.ratio"}


@dataclass(frozen=True, kw_only=True)
class PipelineConfig:
    """How the trainer is fed and how often it writes checkpoints."""

    ratio: float = 4.0
    """Train only while samples trained < ratio x positions generated (KataGo-style control)."""
    window_base: int = 20_000
    """Replay window c of ``shards.window_size``: all positions up to c, then grows as N^0.75."""
    keep_positions: int = 250_000
    """Positions held in memory by the replay store (an upper bound on the window)."""
    value_q_weight: float = 0.0
    """Weight of the search's root value in the value target (0: the game outcome z only)."""
    min_positions: int = 2_000
    """Positions generated before the first training step."""
    checkpoint_every: int = 200
    """Trainer steps between checkpoints (each is evaluated by the arena)."""
    keep_trainer_states: int = 2
    """Trainer states (optimizer moments) kept on disk; every checkpoint's weights are kept."""
    worker_reload_seconds: float = 5.0
    """How often self-play workers look for a newer checkpoint."""
    log_every_seconds: float = 10.0
    """Progress lines and TensorBoard scalars every this many seconds."""


@dataclass(frozen=True, kw_only=True)
class ArenaConfig:
    """The evaluation of each new checkpoint (a separate process, results in RUN/arena.sqlite)."""

    enabled: bool = True
    """Evaluate checkpoints at all."""
    games: int = 20
    """Games per pairing (colours alternate over paired openings)."""
    sims: int = 32
    """Simulations per move of the checkpoint players."""
    baselines: tuple[str, ...] = ("random", "rollout:playouts=200")
    """Fixed opponents of every evaluated checkpoint."""
    previous: bool = True
    """Also play the previously evaluated checkpoint."""
    parallel: int = 16
    """Games played in lockstep per match."""
    final_games: int = 20
    """Games per baseline for the newest checkpoint when the run ends, if not yet evaluated."""


def game_defaults(spec: str) -> dict[str, Any]:
    """Per-game defaults (over the dataclasses'): small games get small nets, batches and windows."""
    name, params = parse_spec(spec)
    size = params.get("size", 8)
    side = max(size) if isinstance(size, tuple) else size
    if name == "gomoku" and side <= 4:  # tic-tac-toe: seconds per hundred games
        # Perfect play in 3 minutes on 2 cores (selfplay.tictactoe_check). Measured: plain
        # self-play visited 772 of the 4,520 reachable boards in 5,000 games, so the value
        # head was wrong wherever a blunder leads (161 value-changing moves, 16 lost lines vs
        # minimax); 3 of 4 games opening with 1-8 random moves see ~4,100 boards (1 wrong
        # move, 0 losses). Sampling only 2 plies keeps the outcomes (value targets) those of
        # the network's best play; the lr drop at step 3,000 (~2 minutes) polishes the last
        # few positions (0 wrong from step 3,500 on in 3 of 3 runs); checkpoints every 500
        # steps leave the arena process less of the 2 cores. The arena (and so
        # tictactoe_check) searches with self-play's 32 simulations: at 16, 2 of 7
        # 3-minute runs missed 2 positions each, which 32 simulations played right.
        return {"selfplay": {"batch": 128, "simulations": 32, "gumbel_considered": 9,
                             "resign_threshold": -1.0, "temperature_plies": 2,
                             "random_opening_fraction": 0.75, "random_opening_plies": 8},
                "train": {"warmup_steps": 50, "batch_size": 64, "lr_drops": [3_000]},
                "pipeline": {"ratio": 32.0, "window_base": 5_000, "min_positions": 500,
                             "checkpoint_every": 500},
                "arena": {"games": 20, "sims": 32, "baselines": ["random", "rollout:playouts=200"]}}
    if name == "chess":
        return {"selfplay": {"batch": 32, "simulations": 32, "max_moves": 300, "adjudicate_capped": True},
                "pipeline": {"min_positions": 2_000, "checkpoint_every": 300},
                "arena": {"games": 10, "sims": 16, "baselines": ["random"]}}
    if side <= 9:
        # Go's arena games are long: at 20 games per pairing a CPU run rated only 3 checkpoints.
        arena = {"games": 10} if name == "go" else {}
        return {"selfplay": {"batch": 64, "simulations": 32},
                "pipeline": {"min_positions": 2_000, "checkpoint_every": 200}, "arena": arena}
    return {"selfplay": {"batch": 64, "simulations": 32},
            "pipeline": {"min_positions": 5_000, "checkpoint_every": 300},
            "arena": {"games": 10}}


def _defaults(cls: type) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            value = f.default
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            value = f.default_factory()  # type: ignore[misc]
        else:
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def _merge(base: dict[str, Any], extra: dict[str, Any], where: str, *, strict: bool = True) -> None:
    for key, value in extra.items():
        if key in SECTIONS:
            if not isinstance(value, dict):
                raise ValueError(f"{where}: section {key!r} must be a table/object")
            for k, v in value.items():
                if k not in base[key] and not strict:
                    continue  # a default for a field this version's dataclass lacks
                if k not in base[key]:
                    raise ValueError(f"{where}: unknown key {key}.{k}; valid: {', '.join(sorted(base[key]))}")
                base[key][k] = v
        elif key in ("game", "net", "seed"):
            base[key] = value
        else:
            raise ValueError(f"{where}: unknown key {key!r}")


def parse_override(word: str, config: dict[str, Any]) -> tuple[str, str | None, Any]:
    """``key=value`` -> (section or top-level key, field or None, parsed value)."""
    if "=" not in word:
        raise ValueError(f"expected key=value, got {word!r}")
    key, text = word.split("=", 1)
    key = ALIASES.get(key.strip(), key.strip())
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = text
    if key in ("net", "seed"):
        return key, None, value
    if "." in key:
        section, name = key.split(".", 1)
        if section not in SECTIONS or name not in config[section]:
            raise ValueError(f"unknown config key {key!r}")
        return section, name, value
    owners = [s for s in SECTIONS if key in config[s]]
    if len(owners) != 1:
        what = "unknown" if not owners else f"ambiguous ({', '.join(o + '.' + key for o in owners)})"
        raise ValueError(f"{what} config key {key!r}")
    return owners[0], key, value


def resolve_config(spec: str, *, train_defaults: dict[str, Any], default_net: str,
                   saved: dict[str, Any] | None = None, file: str | os.PathLike | None = None,
                   overrides: list[str] = ()) -> dict[str, Any]:
    """The run's full config (see the module docstring); raises ValueError on an unknown key."""
    game = canonical_spec(spec)
    config: dict[str, Any] = {"game": game, "net": default_net, "seed": 0,
                              "selfplay": _defaults(SelfPlayConfig), "train": dict(train_defaults),
                              "pipeline": _defaults(PipelineConfig), "arena": _defaults(ArenaConfig)}
    _merge(config, game_defaults(game), "game defaults", strict=False)
    if saved:
        if canonical_spec(saved.get("game", game)) != game:
            raise ValueError(f"the run directory trains {saved['game']}, not {game}")
        _merge(config, saved, "saved config.json")
    if file:
        text = Path(file).read_text()
        data = tomllib.loads(text) if str(file).endswith(".toml") else json.loads(text)
        _merge(config, data, str(file))
    for word in overrides:
        section, name, value = parse_override(word, config)
        if name is None:
            config[section] = value
        else:
            config[section][name] = value
    if canonical_spec(config["game"]) != game:
        raise ValueError(f"config names game {config['game']}, but the command trains {game}")
    config["game"] = game
    return config


def build(cls: type, values: dict[str, Any]) -> Any:
    """A frozen config dataclass from a config section (lists back to tuples where declared)."""
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in values:
            v = values[f.name]
            kwargs[f.name] = tuple(v) if isinstance(v, list) and "tuple" in str(f.type) else v
    return cls(**kwargs)


def save_config(path: str | os.PathLike, config: dict[str, Any]) -> None:
    """Write the resolved config as JSON, atomically."""
    write_text_atomic(path, json.dumps(config, indent=2, sort_keys=True) + "\n")


def load_saved(path: str | os.PathLike) -> dict[str, Any] | None:
    """A run's saved config, or None when there is none yet."""
    path = Path(path)
    if not path.exists():
        return None
    return copy.deepcopy(json.loads(path.read_text()))
