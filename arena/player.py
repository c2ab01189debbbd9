"""The player contract shared by the arena, the front ends and the training pipeline.

A :class:`Player` is one side in many concurrent games, called *slots*. The
match runner tells it when a slot's game starts (``new_game``) and every move
played in it by either side (``moved``), and asks for moves for all slots where
it is to move at once (``choose``), so a search player makes one batched search
(one evaluator call per step for all those games) and an external engine can
answer from several subprocesses in parallel.

A player never raises for a single game's trouble: a crash, a timeout or an
unparsable answer comes back as a :class:`Choice` with ``fault`` set, and the
runner scores that game as a loss with that reason. Legality of a returned
action is checked by the runner, not trusted.

Lifecycle::

    player.start(game, slots=N, move_time=5.0)   # once per match
    player.new_game(slot, state)                 # state: B = 1, the position after the opening
    player.moved(slot, action)                   # every move in the slot's game, either side
    choices = player.choose([slot, ...], states) # states: one row per slot, this player to move
    player.end_game(slot)                        # the slot's game is over (result known)
    player.close()                               # once; stops subprocesses
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Sequence

from games.base import Game


class Fault(str, enum.Enum):
    """Why a player lost a game by something other than the rules."""

    ILLEGAL = "illegal"
    """It answered a move the rules refuse, or one that does not parse."""
    CRASH = "crash"
    """Its process died or broke the protocol."""
    TIMEOUT = "timeout"
    """It did not answer within its time."""


@dataclass
class Choice:
    """A player's answer for one slot."""

    action: int = -1
    """The move as an action index of the game (>= 0), or -1 with ``resign`` or ``fault``."""
    resign: bool = False
    """The player resigns this game."""
    fault: Fault | None = None
    """Set when the player failed; the game is lost with this reason."""
    detail: str = ""
    """Human-readable detail of a fault (the bad answer, the exit status, ...)."""
    info: dict[str, Any] = field(default_factory=dict)
    """Optional extras: ``value`` (root value, mover's view), ``visits``, ``pv``, ``text``."""


class Player(ABC):
    """One side in ``slots`` concurrent games of one game; see the module docstring."""

    spec: str
    """The full spec string this player was made from (stored with every game)."""

    def start(self, game: Game, slots: int, *, move_time: float | None = None) -> None:
        """Prepare for a match of ``game`` with up to ``slots`` games at once.

        ``move_time`` is the wall-clock limit per move in seconds for players
        that keep one (external engines); None means the player's own default.
        """
        self.game = game
        self.slots = slots
        self.move_time = move_time

    def new_game(self, slot: int, state: Any) -> None:
        """A game starts in ``slot`` from ``state`` (B = 1; after any opening moves)."""

    def moved(self, slot: int, action: int) -> None:
        """``action`` was played in ``slot``'s game (by either side); lets trees and engines follow."""

    @abstractmethod
    def choose(self, slots: Sequence[int], states: Any) -> list[Choice]:
        """Moves for ``slots``; ``states`` has one row per slot, in order, this player to move."""

    def end_game(self, slot: int) -> None:
        """``slot``'s game is over; the slot may be reused by a later ``new_game``."""

    def close(self) -> None:
        """Release processes and memory; the player is not used afterwards."""

    def __enter__(self) -> "Player":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
