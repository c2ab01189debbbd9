"""Openings for matches: a few seeded random moves, or positions read from a file.

Deterministic players (a search with a fixed budget, an engine at a fixed level)
would repeat the same game forever from the empty board; a match therefore
starts each game from an *opening*, and plays each opening twice with colours
swapped, so that neither side profits from a lopsided position.

* Random openings: ``random_openings(game, count, plies, seed)``. Opening ``k``
  depends only on ``(seed, k)``, so a longer match shares its first openings
  with a shorter one and a resumed match sees the same positions. Openings that
  end the game (a five on a tiny board, a mate) are drawn again, and Go's pass
  is never an opening move.
* Opening files: one opening a line, ``#`` starts a comment. Chess lines are FEN
  or EPD positions; the other games take a move list in the game's notation
  (``D4 Q16 pass`` for Go, ``h8 h9`` for gomoku), separated by spaces or commas.
  Every line is played out when the file is read, so a bad line is reported with
  its file and line number before any game starts.

>>> from games import make_game
>>> ops = random_openings(make_game("tictactoe"), count=2, plies=2, seed=1)
>>> [len(o.moves) for o in ops]
[2, 2]
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from games.base import Game, IllegalMoveError, NotationError

MAX_DRAWS = 64
"""Attempts at a random opening that does not end the game before giving up."""


class OpeningError(ValueError):
    """An opening file or opening argument that cannot be used; names the file and line."""


@dataclass(frozen=True)
class Opening:
    """A start position: an optional chess FEN, then moves in the game's notation."""

    moves: tuple[str, ...] = ()
    """Moves played from the start position, in the game's notation (Go ``D4``, chess UCI)."""
    fen: str | None = None
    """Chess only: the start position as FEN (None: the standard start)."""
    label: str = ""
    """Where it came from (``random:4`` or ``FILE:LINE``), for messages and records."""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """EPD operations such as ``id`` (kept for records; not used by play)."""


def default_opening_plies(game: Game) -> int:
    """Random plies used when none are given: 4, or fewer on tiny boards (tic-tac-toe: 2)."""
    return int(min(4, game.info.num_actions // 4))


def start_state(game: Game, opening: Opening) -> tuple[Any, list[str]]:
    """The B = 1 state after ``opening`` and its moves as canonical text.

    Raises :class:`OpeningError` when a move does not parse or is illegal.
    """
    if opening.fen is not None:
        if not hasattr(game, "from_fen"):
            raise OpeningError(f"{opening.label or 'opening'}: a FEN position is only for chess")
        try:
            state = game.from_fen(opening.fen)
        except ValueError as err:
            raise OpeningError(f"{opening.label or 'opening'}: {err}") from None
    else:
        state = game.initial(1)
    texts = []
    for text in opening.moves:
        try:
            action = game.text_to_action(state, text)
            texts.append(game.action_to_text(state, action))
            game.apply(state, np.array([action], dtype=np.int64))
        except (NotationError, IllegalMoveError, ValueError) as err:
            first = str(err).splitlines()[0]
            raise OpeningError(f"{opening.label or 'opening'}: move {text!r}: {first}") from None
    return state, texts


def random_opening(game: Game, plies: int, seed: int, index: int) -> Opening:
    """Opening ``index`` of the random openings for ``seed``: ``plies`` legal moves, never
    a finished position, never a pass; drawn again (up to :data:`MAX_DRAWS` times) if needed."""
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, int(index), int(plies)])
    for _ in range(MAX_DRAWS):
        moves = _random_line(game, plies, rng)
        if moves is not None:
            return Opening(moves=tuple(moves), label=f"random:{plies}#{index}")
    raise OpeningError(f"no {plies}-ply random opening of {game.info.spec} leaves the game "
                       f"unfinished after {MAX_DRAWS} tries; use fewer opening plies")


def _random_line(game: Game, plies: int, rng: np.random.Generator) -> list[str] | None:
    """``plies`` random moves from the start, or None if the game ended on the way."""
    state = game.initial(1)
    moves = []
    for _ in range(plies):
        legal = game.legal_mask(state)[0].copy()
        if game.info.pass_action >= 0:
            legal[game.info.pass_action] = False
        choices = np.flatnonzero(legal)
        if choices.size == 0:
            return None
        action = int(rng.choice(choices))
        moves.append(game.action_to_text(state, action))
        game.apply(state, np.array([action], dtype=np.int64))
        if game.terminal(state)[0]:
            return None
    return moves


def random_openings(game: Game, count: int, plies: int, seed: int) -> list[Opening]:
    """``count`` random openings of ``plies`` moves each (see :func:`random_opening`)."""
    if plies < 0:
        raise OpeningError(f"opening plies must be >= 0, got {plies}")
    return [random_opening(game, plies, seed, k) for k in range(count)]


def load_openings(path: str | os.PathLike[str], game: Game) -> list[Opening]:
    """Read an opening file (FEN/EPD lines for chess, move lists otherwise) and check each line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise OpeningError(f"cannot read opening file {path}: {err}") from None
    openings = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if game.info.name != "chess" else _strip_comment(raw)
        if not line:
            continue
        label = f"{path}:{number}"
        opening = _chess_line(line, label) if game.info.name == "chess" else \
            Opening(moves=tuple(m for m in line.replace(",", " ").split()), label=label)
        state, _ = start_state(game, opening)
        if game.terminal(state)[0]:
            raise OpeningError(f"{label}: the opening ends the game; openings must leave it in play")
        openings.append(opening)
    if not openings:
        raise OpeningError(f"opening file {path} holds no openings")
    return openings


def _strip_comment(line: str) -> str:
    """A chess line without a trailing ``#`` comment (FEN and EPD never contain ``#``
    outside quoted EPD strings, which are kept)."""
    out, quoted = [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch == "#" and not quoted:
            break
        out.append(ch)
    return "".join(out).strip()


def _chess_line(line: str, label: str) -> Opening:
    """A FEN (6 fields) or EPD (4 fields plus operations) line as an opening."""
    import chess

    board = chess.Board()
    fields = line.split()
    try:
        if len(fields) >= 6 and fields[4].isdigit() and fields[5].isdigit():
            board.set_fen(" ".join(fields[:6]))
            extra: dict[str, Any] = {}
        else:
            extra = dict(board.set_epd(line))
    except ValueError as err:
        raise OpeningError(f"{label}: not a FEN or EPD position: {err}") from None
    return Opening(fen=board.fen(), label=label, extra=extra)


def resolve_openings(game: Game, spec: int | str | os.PathLike[str] | None, count: int,
                     seed: int) -> tuple[list[Opening], str]:
    """The openings for a match and a short description of their source.

    ``spec`` is a number of random plies (int or digit string), a file path, or
    None for :func:`default_opening_plies`. File openings are used in order and
    cycled when the match needs more than the file holds.
    """
    if spec is None:
        spec = default_opening_plies(game)
    if isinstance(spec, str) and spec.strip().isdigit():
        spec = int(spec)
    if isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        plies = int(spec)
        return random_openings(game, count, plies, seed), f"random:{plies}"
    path = Path(spec)
    if not path.is_file():
        raise OpeningError(f"--openings {spec}: not a number of plies nor an existing file")
    from_file = load_openings(path, game)
    digest = hashlib.sha1(path.read_bytes()).hexdigest()[:12]
    return [from_file[k % len(from_file)] for k in range(count)], f"file:{path.name}:{digest}"
