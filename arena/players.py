"""The arena's players, made from spec strings: baselines, our search, checkpoints, external engines.

The spec syntax and its parsing live in :mod:`arena.specs`, the external
engines in :mod:`arena.engine_players`; ``make_player`` builds any of them.

>>> from games import make_game
>>> player = make_player("search:sims=16", make_game("tictactoe"))
>>> player.config.num_simulations, player.config.temperature
(16, 0.0)
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from arena.engine_players import EnginePlayer, GomocupPlayer, GTPPlayer, UCIPlayer, fault_of
from arena.player import Choice, Player
from arena.specs import DEFAULT_PLAYOUTS, DEFAULT_SIMS, KINDS, SEARCH_FIELDS, parse_player_spec
from games.base import Game


# -- players of our own ----------------------------------------------------------------------
class RandomPlayer(Player):
    """Uniform over the legal moves, from its own seeded generator."""

    def __init__(self, spec: str, game: Game, seed: int = 0) -> None:
        self.spec, self.game = spec, game
        self.rng = np.random.default_rng(seed)

    def choose(self, slots: Sequence[int], states: Any) -> list[Choice]:
        mask = self.game.legal_mask(states)
        return [Choice(action=int(self.rng.choice(np.flatnonzero(row)))) for row in mask]


class RolloutPlayer(Player):
    """Pure UCT with random playouts (:mod:`arena.rollout`), one tree per slot.

    The budget is the playout count; the match's move_time does not apply. The
    trees are ``rollout`` (an :class:`arena.rollout.RolloutSearch`), deliberately
    not ``search``: front ends drive a ``search`` attribute as an mcts.Search.
    """

    def __init__(self, spec: str, game: Game, playouts: int = DEFAULT_PLAYOUTS, *,
                 c: float | None = None, seed: int = 0) -> None:
        from arena.rollout import DEFAULT_C, RolloutSearch

        self.spec, self.game, self.playouts, self.seed = spec, game, playouts, seed
        self.c = DEFAULT_C if c is None else c
        self._make = RolloutSearch
        self.rollout = RolloutSearch(game, 1, playouts, c=self.c, seed=seed)  # checks the game

    def start(self, game: Game, slots: int, *, move_time: float | None = None) -> None:
        super().start(game, slots, move_time=move_time)
        self.rollout = self._make(game, slots, self.playouts, c=self.c, seed=self.seed)

    def choose(self, slots: Sequence[int], states: Any) -> list[Choice]:
        result = self.rollout.run(states, rows=np.asarray(slots, np.int64))
        value = result.value
        return [Choice(action=int(a), info={"value": float(value[i]), "playouts": int(result.playouts[i]),
                                            "visits": int(result.visits[i, a])})
                for i, a in enumerate(result.action.tolist())]


class SearchPlayer(Player):
    """Our batched MCTS (``mcts.Search``) with any evaluator; one tree per slot, reused across moves.

    ``search`` (batch = slots), ``config`` and ``evaluator`` are public so
    front ends can drive analysis themselves. ``choose`` searches every asked
    slot in one batched search (one evaluator call per step for all of them).
    """

    def __init__(self, spec: str, game: Game, evaluator: Any, config: Any) -> None:
        from mcts import Search

        self.spec, self.game, self.evaluator, self.config = spec, game, evaluator, config
        self._make = Search
        self.search = Search(game, evaluator, 1, config)
        self.slots = 1

    def start(self, game: Game, slots: int, *, move_time: float | None = None) -> None:
        super().start(game, slots, move_time=move_time)
        if self.search.batch != slots or self.search.game is not game:
            self.search = self._make(game, self.evaluator, slots, self.config)
        self.search.reset()

    def new_game(self, slot: int, state: Any) -> None:
        self.search.reset(rows=[slot])

    def moved(self, slot: int, action: int) -> None:
        self.search.advance([action], rows=[slot])

    def choose(self, slots: Sequence[int], states: Any) -> list[Choice]:
        result = self.search.run(states, rows=np.asarray(slots, np.int64))
        return [Choice(action=int(a), info={"value": float(result.root_value[i]),
                                            "visits": int(result.visits[i, a]),
                                            "pv": result.pv[i]})
                for i, a in enumerate(result.action.tolist())]


def search_config(options: dict[str, Any], defaults: dict[str, Any] | None = None) -> Any:
    """A deterministic SearchConfig: ``defaults`` (SearchConfig field names), then spec options.

    Evaluation settings unless overridden: no root noise, temperature 0,
    Gumbel noise scale 0, ``sims`` DEFAULT_SIMS.
    """
    from mcts import SearchConfig

    names = {f.name for f in dataclasses.fields(SearchConfig)}
    values: dict[str, Any] = {"num_simulations": DEFAULT_SIMS, "gumbel_scale": 0.0}
    values.update({k: v for k, v in (defaults or {}).items() if k in names})
    values.update({"root_noise": False, "temperature": 0.0})
    values.update({SEARCH_FIELDS[k]: v for k, v in options.items() if k in SEARCH_FIELDS})
    return SearchConfig(**values)


def make_search_player(spec: str, game: Game, options: dict[str, Any], seed: int = 0) -> SearchPlayer:
    """``search:...``: a SearchPlayer with the uniform (default) or hash evaluator."""
    from mcts import make_evaluator

    options = {"seed": seed, **options}
    evaluator = make_evaluator(options.get("evaluator", "uniform"), game.info.num_actions)
    return SearchPlayer(spec, game, evaluator, search_config(options))


def make_checkpoint_player(spec: str, game: Game, options: dict[str, Any], seed: int = 0) -> SearchPlayer:
    """``ckpt:PATH,...``: a SearchPlayer with the checkpoint's network as evaluator.

    The checkpoint's game must be the match's game (ValueError naming both);
    its header's ``search`` dict gives the search defaults, which the spec's
    options override.
    """
    from engine.checkpoint import load_checkpoint
    from engine.inference import TorchEvaluator, configure_cpu_threads
    from games.spec import canonical_spec

    path = options["path"]
    ckpt = load_checkpoint(path)
    if canonical_spec(ckpt.game_spec) != game.info.spec:
        raise ValueError(f"checkpoint {path} plays {ckpt.game_spec!r}, but this match is "
                         f"{game.info.spec!r}")
    device = options.get("device", "auto")
    if device == "cpu":
        configure_cpu_threads(1)
    evaluator = TorchEvaluator(ckpt.net, device=device)
    header = ckpt.header.get("search") or {}
    options = {"seed": seed, **options}
    return SearchPlayer(spec, game, evaluator, search_config(options, header))



# -- the factory -----------------------------------------------------------------------------------
def make_player(spec: str, game: Game, *, seed: int = 0) -> Player:
    """The player a spec names, for ``game``; ValueError (or FileNotFoundError) says what is wrong.

    ``seed`` seeds random, rollout and search players (their spec's ``seed``
    key wins for search players).
    """
    kind, options = parse_player_spec(spec)
    spec = spec.strip()
    if kind == "random":
        return RandomPlayer(spec, game, seed)
    if kind == "rollout":
        return RolloutPlayer(spec, game, options.get("playouts", DEFAULT_PLAYOUTS),
                             c=options.get("c"), seed=seed)
    if kind == "search":
        return make_search_player(spec, game, options, seed)
    if kind == "ckpt":
        return make_checkpoint_player(spec, game, options, seed)
    engine = {"gtp": GTPPlayer, "uci": UCIPlayer, "gomocup": GomocupPlayer}[kind]
    return engine(spec, game, options)


__all__ = ["EnginePlayer", "GTPPlayer", "GomocupPlayer", "KINDS", "RandomPlayer", "RolloutPlayer",
           "SearchPlayer", "UCIPlayer", "fault_of", "make_player", "parse_player_spec",
           "search_config"]
