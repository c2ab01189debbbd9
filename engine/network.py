"""Policy-value networks: a residual tower with a policy head and a win/draw/loss value head.

Shapes (``N`` positions, ``C`` = ``GameInfo.num_planes``, board ``H x W``)::

    planes         float32 [N, C, H, W]   the game's ``encode`` output, mover's view
    policy_logits  float32 [N, A]         A = GameInfo.num_actions, in the game's action order
    value_logits   float32 [N, 3]         win, draw, loss for the player to move

Heads, per game family:

* Go and gomoku: fully convolutional. A 1x1 convolution gives one logit per board
  point, flattened row-major (``y * W + x``, the games' action order); Go's pass
  logit (action ``N * N``, the last one, see ``games/go/coords.py``) comes from a
  linear layer on the head's globally pooled features. No layer depends on the
  board size, so the same weights play any size.
* Chess: a 3x3 convolution to 73 planes per square, flattened square-major
  (``from_square * 73 + plane``, ``games/chess/encoding.py``). The feature planes'
  row is the mover's rank and column the file, so position ``[rank, file]`` is
  square ``rank * 8 + file`` and a channels-last reshape is the action order.

The tower is AlphaZero's (3x3 conv, BatchNorm, ReLU, two convs per residual
block) with KataGo's global-pooling bias in every second block: the channel-wise
mean and max over the board pass through a linear layer and are added as a bias
before the block's second convolution. It costs under 1% of a block's flops on
8x8 and lets the tower see the whole board (Go's score, chess's material) long
before the receptive field of a few 3x3 convolutions would.

The value head pools globally too (mean and max of a 1x1 convolution), so it is
size-independent. For games that cannot be drawn (Go with a fractional komi) the
draw logit is pinned to :data:`NO_DRAW_LOGIT`, so the value head is effectively
win/loss and no probability is wasted on draws.

>>> cfg = NetConfig.parse("b6c64")
>>> cfg, cfg.name
(NetConfig(blocks=6, channels=64, global_pool=True), 'b6c64')
>>> NetConfig.parse("b2c32-nogp").name
'b2c32-nogp'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from games import GameInfo, parse_spec

NO_DRAW_LOGIT = -1.0e4
"""Draw logit of games without draws: softmax gives it probability 0, its log stays finite."""

CHESS_MOVE_PLANES = 73
"""Move types per from square in the 4672-action chess encoding."""

_NAME = re.compile(r"^b(\d+)c(\d+)(-nogp)?$")


@dataclass(frozen=True)
class NetConfig:
    """The shape of a network; its ``name`` (``b6c64``) is what checkpoints and flags carry."""

    blocks: int
    """Residual blocks in the tower (each two 3x3 convolutions)."""
    channels: int
    """Channels of the tower's convolutions."""
    global_pool: bool = True
    """KataGo-style global-pooling bias in every second block (name suffix ``-nogp`` turns it off)."""

    def __post_init__(self) -> None:
        if not 1 <= self.blocks <= 80:
            raise ValueError(f"blocks must be 1-80, got {self.blocks}")
        if not 4 <= self.channels <= 1024:
            raise ValueError(f"channels must be 4-1024, got {self.channels}")

    @property
    def name(self) -> str:
        """``b{blocks}c{channels}``, plus ``-nogp`` without global pooling; ``parse`` inverts it."""
        return f"b{self.blocks}c{self.channels}" + ("" if self.global_pool else "-nogp")

    @property
    def head_channels(self) -> int:
        """Channels of the policy and value heads' first convolution (derived, not named)."""
        return min(32, self.channels)

    @property
    def value_hidden(self) -> int:
        """Width of the value head's hidden layer (derived, not named)."""
        return max(32, self.channels)

    @classmethod
    def parse(cls, text: str) -> "NetConfig":
        """The config named ``text``, e.g. ``b6c64`` or ``b2c32-nogp``."""
        match = _NAME.match(text.strip().lower())
        if not match:
            raise ValueError(f"bad network name {text!r}: expected b<blocks>c<channels>[-nogp], "
                             f"e.g. b6c64")
        return cls(int(match[1]), int(match[2]), global_pool=match[3] is None)

    def __str__(self) -> str:
        return self.name


def default_net_config(spec: str) -> NetConfig:
    """A small network per game that learns fast on a CPU (one thread per self-play process).

    Why these sizes: self-play on CPU is network bound, so the tower is as small
    as the game allows, and the first hours of training never saturate a larger
    net anyway.

    * tic-tac-toe (gomoku up to 4x4): ``b2c32``, 3x3 boards need two blocks' reach.
    * gomoku up to 9x9 (8x8 five-in-a-row): ``b4c48``; four blocks see 17x17, the
      whole board, and 48 channels keep it at a few thousand positions/s/thread.
    * gomoku up to 15x15 and Go up to 9x9: ``b6c64`` (reach 25x25; Go needs depth
      for ladders and life and death more than width at this size).
    * larger Go and gomoku boards: ``b10c96``.
    * chess: ``b6c64``; 8x8 is small, the 119 input planes and the 4672-way head
      dominate the cost at this width.

    >>> default_net_config("tictactoe").name, default_net_config("gomoku:size=8,k=5").name
    ('b2c32', 'b4c48')
    >>> default_net_config("go9").name, default_net_config("chess").name
    ('b6c64', 'b6c64')
    """
    name, params = parse_spec(spec)
    if name == "chess":
        return NetConfig(6, 64)
    side = max(params["size"]) if isinstance(params["size"], tuple) else params["size"]
    if name == "gomoku" and side <= 4:
        return NetConfig(2, 32)
    if name == "gomoku" and side <= 9:
        return NetConfig(4, 48)
    if side <= 9 or (name == "gomoku" and side <= 15):
        return NetConfig(6, 64)
    return NetConfig(10, 96)


def _pool(x: torch.Tensor) -> torch.Tensor:
    """[N, C, H, W] -> [N, 2C]: channel-wise mean and max over the board."""
    return torch.cat([x.mean(dim=(2, 3)), x.amax(dim=(2, 3))], dim=1)


class ConvBN(nn.Sequential):
    """Convolution without bias (BatchNorm has one), then BatchNorm."""

    def __init__(self, cin: int, cout: int, k: int) -> None:
        super().__init__(nn.Conv2d(cin, cout, k, padding=k // 2, bias=False), nn.BatchNorm2d(cout))


class ResBlock(nn.Module):
    """Two 3x3 conv+BN with a skip; optional global-pooling bias between them (KataGo)."""

    def __init__(self, channels: int, global_pool: bool) -> None:
        super().__init__()
        self.conv1 = ConvBN(channels, channels, 3)
        self.conv2 = ConvBN(channels, channels, 3)
        self.pool_bias = nn.Linear(2 * channels, channels) if global_pool else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.conv1(x))
        if self.pool_bias is not None:
            y = y + self.pool_bias(_pool(y))[:, :, None, None]
        return F.relu(x + self.conv2(y))


class BoardPolicyHead(nn.Module):
    """One logit per board point (row-major), plus an optional pass logit appended last."""

    def __init__(self, channels: int, head: int, with_pass: bool) -> None:
        super().__init__()
        self.conv = ConvBN(channels, head, 1)
        self.point = nn.Conv2d(head, 1, 1)
        self.pass_logit = nn.Linear(2 * head, 1) if with_pass else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.conv(x))
        logits = self.point(h).flatten(1)
        if self.pass_logit is not None:
            logits = torch.cat([logits, self.pass_logit(_pool(h))], dim=1)
        return logits


class ChessPolicyHead(nn.Module):
    """73 move planes per from square, flattened to the 4672 actions ``square * 73 + plane``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = ConvBN(channels, channels, 3)
        self.moves = nn.Conv2d(channels, CHESS_MOVE_PLANES, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.to_actions(self.moves(F.relu(self.conv(x))))

    @staticmethod
    def to_actions(planes: torch.Tensor) -> torch.Tensor:
        """[N, 73, 8, 8] indexed [plane, rank, file] -> [N, 4672] indexed (rank*8+file)*73+plane."""
        return planes.permute(0, 2, 3, 1).flatten(1)


class ValueHead(nn.Module):
    """Global pooling of a 1x1 conv, a hidden layer, then win/draw/loss logits."""

    def __init__(self, channels: int, head: int, hidden: int, has_draws: bool) -> None:
        super().__init__()
        self.conv = ConvBN(channels, head, 1)
        self.fc1 = nn.Linear(2 * head, hidden)
        self.fc2 = nn.Linear(hidden, 3)
        self.has_draws = has_draws

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.conv(x))
        logits = self.fc2(F.relu(self.fc1(_pool(h))))
        if not self.has_draws:
            pinned = torch.full_like(logits[:, 1:2], NO_DRAW_LOGIT)
            logits = torch.cat([logits[:, :1], pinned, logits[:, 2:]], dim=1)
        return logits


class PolicyValueNet(nn.Module):
    """The AlphaZero network for one game: ``forward(planes) -> (policy_logits, value_logits)``.

    ``info`` fixes the input planes, the head type and whether draws exist;
    ``config`` fixes the tower. ``self.info`` and ``self.config`` travel with the
    module so checkpoints can name both.
    """

    def __init__(self, info: GameInfo, config: NetConfig) -> None:
        super().__init__()
        self.info, self.config = info, config
        ch, head = config.channels, config.head_channels
        self.stem = ConvBN(info.num_planes, ch, 3)
        self.tower = nn.Sequential(*(ResBlock(ch, config.global_pool and i % 2 == 1)
                                     for i in range(config.blocks)))
        self.policy: nn.Module = self._policy_head(info, ch, head)
        self.value = ValueHead(ch, head, config.value_hidden, info.has_draws)

    @staticmethod
    def _policy_head(info: GameInfo, channels: int, head: int) -> nn.Module:
        h, w = info.board_shape
        if info.name == "chess":
            if (h, w) != (8, 8) or info.num_actions != 64 * CHESS_MOVE_PLANES:
                raise ValueError(f"chess needs an 8x8 board and 4672 actions, got {info}")
            return ChessPolicyHead(channels)
        with_pass = info.pass_action >= 0
        if info.num_actions != h * w + int(with_pass) or (with_pass and info.pass_action != h * w):
            raise ValueError(f"{info.spec}: a board policy head needs actions = the H*W points "
                             f"(+ pass last), got {info.num_actions} actions, pass {info.pass_action}")
        return BoardPolicyHead(channels, head, with_pass)

    def forward(self, planes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """float [N, C, H, W] -> (policy logits [N, A], value logits [N, 3] win/draw/loss)."""
        x = self.tower(F.relu(self.stem(planes)))
        return self.policy(x), self.value(x)


def count_parameters(net: nn.Module) -> int:
    """Trainable parameters of ``net`` (BatchNorm running statistics not counted)."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


def wdl_to_value(value_logits: torch.Tensor) -> torch.Tensor:
    """[N, 3] win/draw/loss logits -> [N] expected score P(win) - P(loss) in [-1, 1]."""
    p = torch.softmax(value_logits.float(), dim=1)
    return p[:, 0] - p[:, 2]
