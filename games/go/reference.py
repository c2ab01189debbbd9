"""A slow, obviously-correct Go in pure Python, used only by the tests.

No numba and no shortcuts: every candidate move is tried on a copy of the board.
A move is legal when its point is empty, the stone (after the opponent's chains
without liberties are removed) has a liberty, and the new board is not the board
before the opponent's last move (simple ko) or, with superko, any board of the
game so far. Boards are tuples indexed by action ``y*N + x`` (y = 0 the top row).
The Zobrist hash uses the kernels' key table, recomputed from scratch.

Also here: ``parse_board`` to draw positions as ASCII pictures in tests, and
``perft`` (games reached at each ply).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from games.go.coords import GTP_COLUMNS, action_to_loc
from games.go.kernels import zobrist_keys

EMPTY, BLACK, WHITE = 0, 1, 2
_CHARS = {".": EMPTY, "+": EMPTY, "X": BLACK, "O": WHITE}


def parse_board(picture: str) -> np.ndarray:
    """int8 [N, N] of 0/1/2 from rows of 'X' (Black), 'O' (White), '.' or '+' (empty).

    Row numbers at either end and coordinate or status lines are ignored, so
    ``GoGame.render`` output parses back.

    >>> parse_board('''
    ...    A B C
    ...  3 . X O 3
    ...  2 X O .
    ...  1 . . . 1
    ... ''').tolist()
    [[0, 1, 2], [1, 2, 0], [0, 0, 0]]
    """
    rows = []
    for line in picture.splitlines():
        tokens = [t for t in line.split() if not t.isdigit()]
        cells = "".join(tokens)
        if cells and set(cells) <= set(_CHARS):
            rows.append([_CHARS[ch] for ch in cells])
    if not rows or any(len(r) != len(rows) for r in rows):
        raise ValueError(f"a board picture needs N rows of N cells, got row lengths "
                         f"{[len(r) for r in rows]}")
    return np.array(rows, dtype=np.int8)


@lru_cache(maxsize=None)
def _neighbours(n: int) -> list[list[int]]:
    """Up, down, left, right of each point that lies on the board."""
    table = []
    for a in range(n * n):
        y, x = divmod(a, n)
        cand = [(y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)]
        table.append([yy * n + xx for yy, xx in cand if 0 <= yy < n and 0 <= xx < n])
    return table


class RefGo:
    """One Go game, rules by simulation on copies (slow, for tests only)."""

    def __init__(self, n: int, komi: float = 7.5, superko: bool = True,
                 max_moves: int | None = None, stones: np.ndarray | None = None,
                 to_play: int = 0) -> None:
        self.n = n
        self.komi = komi
        self.superko = superko
        self.max_moves = 2 * n * n if max_moves is None else max_moves
        self.keys = zobrist_keys(n)
        grid = np.zeros((n, n), np.int8) if stones is None else np.asarray(stones)
        self.board: tuple[int, ...] = tuple(int(v) for v in grid.reshape(-1))
        self.player = to_play  # 0 Black, 1 White
        self.boards = [self.board]  # the board after every move, passes included
        self.seen = {self.board}
        self.passes = 0
        self.moves = 0
        self.resigned = False

    def copy(self) -> "RefGo":
        other = object.__new__(RefGo)
        other.__dict__.update(self.__dict__)
        other.boards = list(self.boards)
        other.seen = set(self.seen)
        return other

    # -- geometry ---------------------------------------------------------------
    def neighbours(self, a: int) -> list[int]:
        return _neighbours(self.n)[a]

    def chain(self, board: tuple[int, ...] | list[int], a: int) -> tuple[set[int], set[int]]:
        """(points, empty neighbours) of the connected same-colour set through stone ``a``."""
        points = self.region(board, a)
        libs = {q for p in points for q in self.neighbours(p) if board[q] == EMPTY}
        return points, libs

    def region(self, board: tuple[int, ...] | list[int], a: int) -> set[int]:
        """The connected set of points with the same value as ``a`` (a chain or an empty region)."""
        value = board[a]
        points, todo = {a}, [a]
        while todo:
            p = todo.pop()
            for q in self.neighbours(p):
                if board[q] == value and q not in points:
                    points.add(q)
                    todo.append(q)
        return points

    # -- rules ------------------------------------------------------------------
    @property
    def over(self) -> bool:
        return self.resigned or self.passes >= 2 or self.moves >= self.max_moves

    def after(self, a: int) -> tuple[tuple[int, ...], int] | None:
        """(board, stones captured) after stone move ``a``, or None if occupied or suicide."""
        if self.board[a] != EMPTY:
            return None
        me = self.player + 1
        board = list(self.board)
        board[a] = me
        captured = 0
        for q in self.neighbours(a):
            if board[q] == 3 - me:
                stones, libs = self.chain(board, q)
                if not libs:
                    for s in stones:
                        board[s] = EMPTY
                    captured += len(stones)
        if not self.chain(board, a)[1]:
            return None
        return tuple(board), captured

    def is_legal(self, a: int) -> bool:
        if self.over:
            return False
        if a == self.n * self.n:
            return True
        res = self.after(a)
        if res is None:
            return False
        board = res[0]
        if len(self.boards) >= 2 and board == self.boards[-2]:
            return False  # simple ko: recreates the board before the opponent's move
        return not (self.superko and board in self.seen)

    def legal_actions(self) -> list[int]:
        return [a for a in range(self.n * self.n + 1) if self.is_legal(a)]

    def play(self, a: int) -> None:
        if not self.is_legal(a):
            raise ValueError(f"illegal move {a}")
        if a == self.n * self.n:
            self.passes += 1
        else:
            self.board = self.after(a)[0]  # type: ignore[index]
            self.passes = 0
        self.boards.append(self.board)
        self.seen.add(self.board)
        self.moves += 1
        self.player = 1 - self.player

    # -- scoring and hashing ----------------------------------------------------
    def area(self) -> tuple[int, int]:
        """Tromp-Taylor (black, white): stones plus empty regions reaching only that colour."""
        counts = {BLACK: 0, WHITE: 0}
        done: set[int] = set()
        for a, v in enumerate(self.board):
            if v != EMPTY:
                counts[v] += 1
            elif a not in done:
                region = self.region(self.board, a)
                done |= region
                reach = {self.board[q] for p in region for q in self.neighbours(p)} - {EMPTY}
                if len(reach) == 1:
                    counts[reach.pop()] += len(region)
        return counts[BLACK], counts[WHITE]

    def score(self) -> float:
        black, white = self.area()
        return black - white - self.komi

    def zobrist(self) -> int:
        h = int(self.keys[0, 0])
        for a, v in enumerate(self.board):
            if v != EMPTY:
                h ^= int(self.keys[v, action_to_loc(a, self.n)])
        return h

    def grid(self) -> np.ndarray:
        return np.array(self.board, dtype=np.int8).reshape(self.n, self.n)

    def __str__(self) -> str:
        n = self.n
        rows = ["".join(".XO"[v] for v in self.board[y * n:(y + 1) * n]) for y in range(n)]
        return "\n".join(rows) + f"\n{'XO'[self.player]} to move ({GTP_COLUMNS[:n]})"


def perft(game: RefGo, depth: int) -> list[int]:
    """Games reached at plies 1..depth; a finished game is counted at its ply and not expanded."""
    counts = [0] * depth

    def walk(node: RefGo, ply: int) -> None:
        for a in node.legal_actions():
            counts[ply] += 1
            if ply + 1 < depth:
                child = node.copy()
                child.play(a)
                walk(child, ply + 1)

    walk(game, 0)
    return counts
