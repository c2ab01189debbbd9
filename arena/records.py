"""Game records for people and other programs: SGF for Go and gomoku, PGN for chess.

SGF is written with sgfmill (``GM[1]`` Go, ``GM[4]`` gomoku; ``SZ``, ``KM`` for Go,
``PB`` = the first player, ``PW`` = the second, ``RE``, ``DT``, ``EV``, ``RO``);
PGN with python-chess (``White`` = the first player, a ``FEN``/``SetUp`` pair when the
game starts from a set position, ``Result`` and ``Termination``).

How a game's end becomes ``RE`` (SGF) and ``Termination`` (PGN):

==================  ============  ==================  =====================================
reason              SGF RE        PGN Termination     meaning
==================  ============  ==================  =====================================
two_passes          ``B+3.5``     -                   Go: area score of the board as it
move_cap (Go)       ``W+0.5``                         stands (Tromp-Taylor), komi included
k_in_a_row          ``B+``        -                   gomoku: five (k) in a row
resign/resignation  ``W+R``       normal              the loser resigned
timeout             ``B+T``       time forfeit        the loser ran out of time
illegal             ``B+F``       rules infraction    the loser answered an illegal move
crash               ``B+F``       abandoned           the loser's engine died / broke protocol
max_moves           ``0``         adjudication        the arena's safety cap: a draw
checkmate, ...      -             normal              chess rules
draws               ``0``         normal/adjudication board full, stalemate, ply cap, ...
==================  ============  ==================  =====================================

The fault's detail (the illegal answer, the exit status) goes into a comment on
the last node (SGF ``C``) or after the last move (PGN).

Rectangular gomoku boards get ``SZ[W:H]`` (the SGF FF[4] form), which sgfmill
itself cannot read back; square boards round-trip through sgfmill.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from games.base import Game, Reason

FAULT_REASONS = ("illegal", "crash", "timeout", "resign")
"""Reasons by which a player loses outside the rules (see arena.player.Fault)."""
SAFETY_CAP = "max_moves"
"""Reason of a game stopped by the arena's own move cap (scored a draw)."""

_SGF_LOSS_CODE = {"resign": "R", "resignation": "R", "timeout": "T", "illegal": "F", "crash": "F"}
_PGN_TERMINATION = {"timeout": "time forfeit", "illegal": "rules infraction", "crash": "abandoned",
                    "max_moves": "adjudication", "move_cap": "adjudication"}


def rule_reason(reason: Reason) -> str:
    """The stored code of a rules ending: ``Reason.TWO_PASSES`` -> ``"two_passes"``."""
    return reason.name.lower()


@dataclass(frozen=True)
class Result:
    """How one game ended, as records and the store keep it."""

    winner: int | None
    """0 the first player (Black in Go/gomoku, White in chess), 1 the second, None a draw."""
    reason: str
    """``two_passes``, ``k_in_a_row``, ``checkmate``, ... or a fault: ``illegal``, ``crash``,
    ``timeout``, ``resign``; ``max_moves`` for the arena's safety cap."""
    margin: float | None = None
    """Go: Black's area margin with komi (positive: Black ahead); None otherwise."""
    detail: str = ""
    """The fault's detail (the illegal answer, the exit status, ...)."""

    @property
    def score_first(self) -> float:
        """The first player's score: 1 win, 0.5 draw, 0 loss."""
        return 0.5 if self.winner is None else float(self.winner == 0)


def sgf_result(result: Result) -> str:
    """The SGF ``RE`` value of ``result`` (table in the module docstring).

    >>> sgf_result(Result(0, "two_passes", 3.5)), sgf_result(Result(1, "resign"))
    ('B+3.5', 'W+R')
    >>> sgf_result(Result(0, "timeout")), sgf_result(Result(None, "board_full"))
    ('B+T', '0')
    """
    if result.winner is None:
        return "0"
    colour = "BW"[result.winner]
    if result.reason in _SGF_LOSS_CODE:
        return f"{colour}+{_SGF_LOSS_CODE[result.reason]}"
    if result.margin is not None:
        return f"{colour}+{abs(result.margin):g}"
    return f"{colour}+"


def pgn_result(result: Result) -> str:
    """``1-0``, ``0-1`` or ``1/2-1/2`` (the first player is White)."""
    return {None: "1/2-1/2", 0: "1-0", 1: "0-1"}[result.winner]


def record_suffix(game: Game) -> str:
    """``.pgn`` for chess, ``.sgf`` for Go and gomoku."""
    return ".pgn" if game.info.name == "chess" else ".sgf"


def record_text(game: Game, moves: Sequence[str], result: Result, players: tuple[str, str], *,
                fen: str | None = None, event: str = "tabula arena", round: str = "?",
                date: dt.datetime | None = None, opening_plies: int = 0) -> str:
    """The record of one game: SGF (Go, gomoku) or PGN (chess).

    ``moves`` are every move from the start position, openings included, in the
    game's notation (Go ``D4``/``pass``, gomoku ``h8``, chess UCI); ``players`` are
    (first, second) names; ``fen`` is the chess start position when not standard.
    """
    date = date or dt.datetime.now(dt.timezone.utc)
    if game.info.name == "chess":
        return _pgn(moves, result, players, fen=fen, event=event, round=round, date=date,
                    opening_plies=opening_plies)
    return _sgf(game, moves, result, players, event=event, round=round, date=date,
                opening_plies=opening_plies)


def _points(game: Game, moves: Sequence[str]) -> list[tuple[int, int] | None]:
    """sgfmill (row, col) points, row 0 the BOTTOM of a square of side max(H, W)
    (so the SGF letters count from the top-left on rectangular boards too), None a pass."""
    height, width = game.info.board_shape
    side = max(height, width)
    state = game.initial(1)
    out: list[tuple[int, int] | None] = []
    for text in moves:
        action = game.text_to_action(state, text)
        if action == game.info.pass_action:
            out.append(None)
        else:
            y, x = divmod(int(action), width)
            out.append((side - 1 - y, x))
    return out


def _sgf(game: Game, moves: Sequence[str], result: Result, players: tuple[str, str], *,
         event: str, round: str, date: dt.datetime, opening_plies: int) -> str:
    from sgfmill import sgf

    height, width = game.info.board_shape
    record = sgf.Sgf_game(size=max(height, width))
    root = record.get_root()
    if game.info.name == "gomoku":
        root.set("GM", 4)
    else:
        root.set("KM", float(getattr(game, "komi", 0.0)))
        root.set("RU", "Tromp-Taylor")
    root.set("PB", players[0])
    root.set("PW", players[1])
    root.set("RE", sgf_result(result))
    root.set("DT", date.strftime("%Y-%m-%d"))
    root.set("EV", event)
    root.set("RO", round)
    root.set("GN", game.info.spec)
    if opening_plies:
        root.set("C", f"opening: the first {opening_plies} moves")
    node = root
    for i, point in enumerate(_points(game, moves)):
        node = node.new_child()
        node.set_move("bw"[i % 2], point)
    comment = _end_comment(result)
    if comment:
        node.add_comment_text(comment)
    text = record.serialise().decode("utf-8")
    if height != width:
        text = text.replace(f"SZ[{max(height, width)}]", f"SZ[{width}:{height}]", 1)
    return text


def _end_comment(result: Result) -> str:
    if result.reason in FAULT_REASONS or result.reason == SAFETY_CAP:
        return f"game ended: {result.reason}" + (f" ({result.detail})" if result.detail else "")
    return ""


def _pgn(moves: Sequence[str], result: Result, players: tuple[str, str], *, fen: str | None,
         event: str, round: str, date: dt.datetime, opening_plies: int) -> str:
    import chess
    import chess.pgn

    record = chess.pgn.Game()
    if fen is not None and fen != chess.STARTING_FEN:
        record.setup(chess.Board(fen))
    record.headers["Event"] = event
    record.headers["Site"] = "tabula"
    record.headers["Date"] = date.strftime("%Y.%m.%d")
    record.headers["Round"] = round
    record.headers["White"] = players[0]
    record.headers["Black"] = players[1]
    record.headers["Result"] = pgn_result(result)
    record.headers["Termination"] = _PGN_TERMINATION.get(result.reason, "normal")
    record.headers["Reason"] = result.reason
    node: chess.pgn.GameNode = record
    for i, text in enumerate(moves):
        node = node.add_variation(chess.Move.from_uci(text))
        if i + 1 == opening_plies:
            node.comment = "end of opening"
    comment = _end_comment(result)
    if comment:
        node.comment = (node.comment + " " if node.comment else "") + comment
    return str(record) + "\n"


def write_record(path: str | os.PathLike[str], game: Game, moves: Sequence[str], result: Result,
                 players: tuple[str, str], **kwargs: object) -> Path:
    """Write :func:`record_text` to ``path`` atomically (temp file + os.replace)."""
    text = record_text(game, moves, result, players, **kwargs)  # type: ignore[arg-type]
    return write_text_atomic(path, text)


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` via a temp file in the same folder and ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
