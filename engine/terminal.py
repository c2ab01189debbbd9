"""`tabula play GAME`: a game against the engine in the terminal.

The board is drawn with coordinates (in colour when stdout is a terminal and
NO_COLOR is unset), moves are typed in the game's notation (Go ``D4`` or
``pass``, chess SAN ``Nf3`` or UCI ``g1f3``, gomoku ``h8``), and the engine's
move is shown with its evaluation. Commands: ``undo`` (takes back the
engine's reply and your move), ``pass`` (Go), ``resign``, ``hint`` (the
engine's top moves for you, with visits and win rate), ``new``, ``board``,
``help``, ``quit``. Anything else that is not a legal move gets a message
saying why, and the prompt again.
"""

from __future__ import annotations

import os
import random
import re
import sys
from typing import Any, Callable, TextIO

from engine.agent import Agent, Move, winrate_text
from games.base import IllegalMoveError, NotationError

HELP = """\
commands:
  <move>   your move in the game's notation (Go D4 or pass, chess Nf3 or g1f3, gomoku h8)
  undo     take back the engine's reply and your last move
  pass     pass (Go)
  resign   give up this game
  hint     the engine's top moves for you, with visits and win rate
  new      start a new game
  board    draw the board again
  help     this text
  quit     leave"""

_ANSI = {"X": "\033[1;33mX\033[0m", "O": "\033[1;36mO\033[0m"}


def use_colour(out: TextIO) -> bool:
    """ANSI colour only on a terminal, and never with NO_COLOR set (no-color.org)."""
    return hasattr(out, "isatty") and out.isatty() and "NO_COLOR" not in os.environ


def colourise(board: str, game_name: str) -> str:
    """Colour the stones (Go, gomoku) or White's pieces (chess) of a drawn board."""
    lines = []
    for line in board.splitlines():
        if not re.match(r"\s*\d+ ", line):
            lines.append(line)
        elif game_name == "chess":
            head, body = line[:2], line[2:]
            lines.append(head + re.sub(r"[PNBRQK]", lambda m: f"\033[1m{m.group(0)}\033[0m", body))
        else:
            m = re.match(r"(\s*\d+ )(.*?)(\s*\d*)$", line)
            head, body, tail = m.groups() if m else ("", line, "")
            lines.append(head + re.sub(r"[XO]", lambda s: _ANSI[s.group(0)], body) + tail)
    return "\n".join(lines)


class TerminalGame:
    """One terminal session: the human plays ``human`` (0 or 1) against ``agent``."""

    def __init__(self, agent: Agent, human: int, *, out: TextIO, inp: TextIO,
                 colour: bool = False) -> None:
        self.agent, self.human = agent, human
        self.out, self.inp = out, inp
        self.colour = colour
        self.game = agent.game

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def side_name(self, player: int) -> str:
        if self.game.info.name == "chess":
            return ("White", "Black")[player]
        return ("Black (X)", "White (O)")[player]

    def show(self) -> None:
        board = self.game.render(self.agent.state)
        self.say(colourise(board, self.game.info.name) if self.colour else board)

    def move_text(self, action: int) -> str:
        """SAN for chess (before the move is played), the game's notation otherwise."""
        if self.game.info.name == "chess":
            return self.game.action_to_san(self.agent.state, action)
        return self.agent.text(action)

    # -- the loop ---------------------------------------------------------------
    def run(self) -> int:
        self.say(f"You play {self.side_name(self.human)} against {self.agent.name}. "
                 "Type help for the commands.")
        self.show()
        announced = False
        while True:
            if not self.agent.terminal and self.agent.to_play != self.human:
                self.engine_move()
                continue
            if self.agent.terminal and not announced:
                self.say(f"Game over: {self.result_text()}. Type new for another game, or quit.")
            announced = self.agent.terminal
            line = self.prompt()
            if line is None or not self.command(line):
                self.say("Bye.")
                return 0

    def prompt(self) -> str | None:
        self.out.write("> " if self.agent.terminal else f"{self.side_name(self.human)} to move > ")
        self.out.flush()
        line = self.inp.readline()
        if not line:
            self.say()
            return None
        return line.strip()

    def command(self, line: str) -> bool:
        """Handle one line; False means quit."""
        word = line.lower()
        if not word:
            return True
        if word in ("quit", "exit", "q"):
            return False
        handlers: dict[str, Callable[[], None]] = {
            "help": lambda: self.say(HELP), "?": lambda: self.say(HELP), "undo": self.undo,
            "resign": self.resign, "hint": self.hint, "new": self.new, "board": self.show}
        if word in handlers:
            handlers[word]()
        elif self.agent.terminal:
            self.say("The game is over: type new, undo or quit.")
        else:
            self.human_move(line)
        return True

    def human_move(self, text: str) -> None:
        if text.lower() == "pass" and self.game.info.pass_action < 0:
            self.say("There is no pass in this game.")
            return
        try:
            action = self.agent.parse(text)
            shown = self.move_text(action)
            self.agent.play(action)
        except (NotationError, IllegalMoveError) as exc:
            reason = f"illegal move {exc.move}: {exc.reason}" if isinstance(exc, IllegalMoveError) else str(exc)
            self.say(f"Not a legal move: {reason}. Try again (help lists the commands).")
            return
        self.say(f"You play {shown}.")
        self.show()

    def engine_move(self) -> None:
        self.say(f"{self.agent.name} is thinking...")
        move = self.agent.genmove()
        if move.resign:
            self.game.resign(self.agent.state, [0])
            self.say(f"{self.agent.name} resigns ({_evaluation(move)}).")
            return
        shown = self.move_text(move.action)
        self.agent.play(move.action)
        self.say(f"{self.agent.name} plays {shown} ({_evaluation(move)}).")
        self.show()

    def undo(self) -> None:
        """Take moves back until one of yours is undone (so the engine's reply goes too)."""
        if not self.agent.moves:
            self.say("Nothing to undo.")
            return
        n = 0
        while self.agent.moves:
            self.agent.undo(1)
            n += 1
            if self.agent.to_play == self.human:
                break
        self.say(f"Took back {n} move{'s' if n > 1 else ''}.")
        self.show()

    def resign(self) -> None:
        if self.agent.terminal:
            self.say("The game is already over.")
            return
        self.agent.stop()
        self.game.resign(self.agent.state, [0])
        self.say("You resign.")

    def hint(self) -> None:
        if self.agent.terminal:
            self.say("The game is over: no hint.")
            return
        move = self.agent.genmove()
        if move.analysis is None or not move.analysis.candidates:
            self.say(f"Hint: {move.text} ({_evaluation(move)}).")
            return
        self.say("Hint: the engine's top moves for you")
        for c in move.analysis.candidates[:5]:
            line = " ".join(c.pv[:6])
            self.say(f"  {c.move:>6}  visits {c.visits:>6}  win rate {100 * c.winrate:5.1f}%  "
                     f"prior {100 * c.prior:5.1f}%  line {line}")

    def new(self) -> None:
        self.agent.new_game()
        self.say("New game.")
        self.show()

    def result_text(self) -> str:
        r = self.game.result(self.agent.state)
        if r.winner is None:
            return f"a draw ({r.reason.value})"
        who = "you win" if r.winner == self.human else f"{self.agent.name} wins"
        extra = f" by {abs(r.score):g}" if r.score is not None and r.reason.name != "RESIGNATION" else ""
        return f"{self.side_name(r.winner)} wins{extra} ({r.reason.value}): {who}"


def _evaluation(move: Move) -> str:
    if move.value is None:
        return "no evaluation"
    return f"win rate {winrate_text(move.value)} for the engine"


def play(make_agent: Callable[[str], Any], game_spec: str, *, colour: str = "black", seed: int = 0,
         inp: TextIO | None = None, out: TextIO | None = None) -> int:
    """Run a terminal game of ``game_spec``; ``colour`` black|white|random is the human's side."""
    agent = make_agent(game_spec)
    out = out or sys.stdout
    if colour == "random":
        colour = random.Random(seed).choice(("black", "white"))
    if agent.game.info.name == "chess":
        human = 0 if colour == "white" else 1
    else:
        human = 0 if colour == "black" else 1
    return TerminalGame(agent, human, out=out, inp=inp or sys.stdin, colour=use_colour(out)).run()
