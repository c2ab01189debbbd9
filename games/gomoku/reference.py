"""A slow, obviously-correct gomoku, used only by tests to check the kernels.

One position per object, a list-of-lists board, and after every move a scan
of the whole board for maximal lines (no "lines through the last stone"
shortcut, no incremental counters), so it shares no logic with the kernels.
"""

from __future__ import annotations

EMPTY, BLACK, WHITE = 0, 1, 2
DIRECTIONS = ((0, 1), (1, 0), (1, 1), (1, -1))


class ReferenceGomoku:
    """One gomoku position: ``board[y][x]`` with y = 0 the top row."""

    def __init__(self, height: int, width: int, k: int, exact: bool) -> None:
        self.height, self.width, self.k, self.exact = height, width, k, exact
        self.board = [[EMPTY] * width for _ in range(height)]
        self.to_play = 0
        self.last_move = -1
        self.winner: int | None = None
        self.over = False

    def stones(self) -> int:
        return sum(cell != EMPTY for row in self.board for cell in row)

    def legal_actions(self) -> list[int]:
        if self.over:
            return []
        return [y * self.width + x for y in range(self.height) for x in range(self.width)
                if self.board[y][x] == EMPTY]

    def play(self, action: int) -> None:
        if action not in self.legal_actions():
            raise ValueError(f"illegal action {action}")
        y, x = divmod(action, self.width)
        self.board[y][x] = self.to_play + 1
        self.last_move = action
        self.to_play = 1 - self.to_play
        colours = self.winning_colours()
        assert len(colours) <= 1, "both sides cannot have a line"
        if colours:
            self.winner, self.over = colours.pop() - 1, True
        elif self.stones() == self.height * self.width:
            self.over = True

    def lines(self) -> list[tuple[int, int]]:
        """(colour, length) of every maximal straight run of stones on the board."""
        found = []
        for y in range(self.height):
            for x in range(self.width):
                colour = self.board[y][x]
                for dy, dx in DIRECTIONS:
                    if colour == EMPTY or self.at(y - dy, x - dx) == colour:
                        continue  # not the first stone of a run
                    length = 0
                    while self.at(y + length * dy, x + length * dx) == colour:
                        length += 1
                    found.append((colour, length))
        return found

    def at(self, y: int, x: int) -> int | None:
        """The point's contents, or None off the board."""
        if 0 <= y < self.height and 0 <= x < self.width:
            return self.board[y][x]
        return None

    def winning_colours(self) -> set[int]:
        """Colours with a run of k (exact rule) or at least k (freestyle)."""
        return {colour for colour, length in self.lines()
                if length == self.k or (length > self.k and not self.exact)}

    def outcome(self) -> float:
        """+1/-1/0 from the point of view of the side to move."""
        if self.winner is None:
            return 0.0
        return 1.0 if self.winner == self.to_play else -1.0

    def planes(self) -> list[list[list[float]]]:
        """The four feature planes ``[4][H][W]`` from the mover's point of view."""
        mine, theirs = self.to_play + 1, 2 - self.to_play
        out = [[[0.0] * self.width for _ in range(self.height)] for _ in range(4)]
        for y in range(self.height):
            for x in range(self.width):
                out[0][y][x] = float(self.board[y][x] == mine)
                out[1][y][x] = float(self.board[y][x] == theirs)
                out[2][y][x] = float(y * self.width + x == self.last_move)
                out[3][y][x] = float(self.to_play == 0)
        return out


def perft(height: int, width: int, k: int, exact: bool, depth: int) -> list[int]:
    """Games reached at plies 1..depth from the empty board (finished games are not expanded)."""
    counts = [0] * depth

    def walk(node: ReferenceGomoku, ply: int) -> None:
        if ply == depth:
            return
        for action in node.legal_actions():
            child = ReferenceGomoku(height, width, k, exact)
            child.board = [row[:] for row in node.board]
            child.to_play = node.to_play
            child.play(action)
            counts[ply] += 1
            walk(child, ply + 1)

    walk(ReferenceGomoku(height, width, k, exact), 0)
    return counts
