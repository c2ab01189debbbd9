"""The trainer: one optimiser step at a time on batches of (planes, policy target, value target).

Shapes (``N`` samples)::

    planes  float32 [N, C, H, W]   the game's ``encode`` output, mover's view
    policy  float32 [N, A]         target distribution over actions (search visit shares)
    value   float32 [N, 3]         win/draw/loss target, one-hot or soft, mover's view
            or float [N]           a score z in [-1, 1]; converted to (max(z,0), 1-|z|, max(-z,0)),
                                   so z = 1, 0, -1 are the one-hots win, draw, loss

Loss = policy cross-entropy + ``value_weight`` * value cross-entropy; weight
decay is the optimiser's (decoupled, AdamW), applied to convolution and linear
weights only (not to BatchNorm or biases, whose scale decay would only fight).

Why AdamW rather than AlphaZero's SGD with momentum: our runs are short (minutes
to an hour on a CPU) on a stream of changing self-play data; Adam adapts its step
per parameter, needs no learning-rate search per game and network size, and
reaches a useful network in far fewer steps, where SGD's advantage (slightly
better final generalisation at a tuned schedule) matters only for long runs.
The schedule is a linear warm-up (so early, noisy batches cannot blow up the
fresh BatchNorm statistics) then constant, with optional x0.1 drops at given
steps; open-ended runs (``--minutes``) have no natural end for a cosine.

Symmetry augmentation (Go and gomoku on square boards): each sample gets a
random dihedral symmetry of its own, applied to planes and policy together via
the game's ``transform_planes``/``transform_policy`` so the target stays on the
same points as the stones.
"""

from __future__ import annotations

import io
import os
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from engine.checkpoint import save_checkpoint, write_atomic
from engine.inference import resolve_device
from engine.network import PolicyValueNet, wdl_to_value
from games import Game

STATE_VERSION = 1
"""Version of the ``save_state`` file layout."""


@dataclass(frozen=True)
class TrainConfig:
    """Optimiser and loss settings of the trainer."""

    batch_size: int = 256
    """Samples per step (the pipeline samples this many from the replay window)."""
    lr: float = 2e-3
    """Peak AdamW learning rate, reached after the warm-up."""
    warmup_steps: int = 200
    """Linear warm-up from lr / warmup_steps to lr over this many steps."""
    lr_drops: tuple[int, ...] = ()
    """Steps at which the learning rate is multiplied by ``lr_drop_factor`` (each once)."""
    lr_drop_factor: float = 0.1
    """Factor of each drop."""
    weight_decay: float = 1e-4
    """AdamW decoupled weight decay on conv/linear weights (not BatchNorm, not biases)."""
    betas: tuple[float, float] = (0.9, 0.999)
    """AdamW betas."""
    value_weight: float = 1.0
    """Weight of the value cross-entropy against the policy cross-entropy."""
    grad_clip: float = 10.0
    """Clip the gradient's global norm to this (0: no clipping); guards against a bad batch."""
    augment: bool = True
    """Apply a random board symmetry per sample (games with more than one symmetry)."""
    amp: bool | None = None
    """bfloat16 autocast for the forward pass: None = on for CUDA with bfloat16, off on CPU."""
    seed: int = 0
    """Seed of the augmentation's random generator."""

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.lr <= 0 or self.warmup_steps < 0 or self.value_weight < 0:
            raise ValueError(f"bad TrainConfig: {self}")

    def lr_at(self, step: int) -> float:
        """Learning rate of step ``step`` (0-based): warm-up, then constant with drops."""
        warm = min(1.0, (step + 1) / self.warmup_steps) if self.warmup_steps else 1.0
        drops = sum(1 for s in self.lr_drops if step >= s)
        return self.lr * warm * self.lr_drop_factor ** drops


def apply_symmetries(game: Game, planes: np.ndarray, policy: np.ndarray,
                     syms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Planes [N, C, H, W] and policies [N, A] with symmetry ``syms[i]`` applied to sample i.

    Grouped by symmetry, so a batch costs at most 8 calls of each transform.
    """
    syms = np.asarray(syms)
    if syms.shape != (len(planes),) or len(policy) != len(planes):
        raise ValueError(f"need one symmetry per sample: planes {planes.shape}, policy "
                         f"{policy.shape}, syms {syms.shape}")
    out_planes, out_policy = np.empty_like(planes), np.empty_like(policy)
    for sym in np.unique(syms):
        rows = np.flatnonzero(syms == sym)
        out_planes[rows] = game.transform_planes(planes[rows], int(sym))
        out_policy[rows] = game.transform_policy(policy[rows], int(sym))
    return out_planes, out_policy


def augment(game: Game, planes: np.ndarray, policy: np.ndarray,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random symmetry of the game per sample, planes and policy kept aligned.

    Games with one symmetry (chess, non-square gomoku) come back unchanged (copies).
    """
    n_sym = game.info.num_symmetries
    if n_sym <= 1:
        return planes.copy(), policy.copy()
    return apply_symmetries(game, planes, policy, rng.integers(0, n_sym, size=len(planes)))


def value_to_wdl(value: np.ndarray) -> np.ndarray:
    """Value targets as float32 [N, 3] win/draw/loss: [N, 3] passes through, a score z [N] converts.

    >>> value_to_wdl(np.array([1.0, 0.0, -1.0, 0.5])).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.5, 0.0]]
    """
    value = np.asarray(value, dtype=np.float32)
    if value.ndim == 2 and value.shape[1] == 3:
        return value
    z = value.reshape(-1)
    if value.ndim != 1 or np.abs(z).max(initial=0.0) > 1.0:
        raise ValueError(f"value targets must be [N, 3] W/D/L or [N] scores in [-1, 1], "
                         f"got shape {value.shape}")
    return np.stack([np.maximum(z, 0), 1 - np.abs(z), np.maximum(-z, 0)], axis=1)


def _decay_groups(net: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Conv/linear weights (ndim >= 2) get weight decay; BatchNorm and biases do not."""
    decay = [p for p in net.parameters() if p.requires_grad and p.ndim >= 2]
    rest = [p for p in net.parameters() if p.requires_grad and p.ndim < 2]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]


class Trainer:
    """Owns the network's training: optimiser, step counter, augmentation generator.

    ``net`` is moved to ``device`` and trained in place; an evaluator in the
    same process may share it (``TorchEvaluator`` switches it back to eval mode).
    """

    def __init__(self, net: PolicyValueNet, game: Game, config: TrainConfig | None = None,
                 device: str | torch.device = "auto") -> None:
        self.config = config = config or TrainConfig()
        self.game = game
        if net.info.num_actions != game.info.num_actions or net.info.num_planes != game.info.num_planes:
            raise ValueError(f"network for {net.info.spec} does not fit game {game.info.spec}")
        self.device = device if isinstance(device, torch.device) else resolve_device(device)
        self.net = net.to(self.device)
        self.optimizer = torch.optim.AdamW(_decay_groups(net, config.weight_decay),
                                           lr=config.lr_at(0), betas=config.betas)
        amp = config.amp if config.amp is not None else (
            self.device.type == "cuda" and torch.cuda.is_bf16_supported())
        self.amp = bool(amp)
        self.rng = np.random.default_rng(config.seed)
        self.step = 0

    def train_step(self, planes: Any, policy: np.ndarray | None = None,
                   value: np.ndarray | None = None) -> dict[str, float]:
        """One optimiser step; returns the losses of this batch (before the step).

        Takes arrays ``(planes, policy, value)`` as in the module docstring, or one
        batch object with attributes ``planes``, ``policy`` and ``value``.
        Returns ``loss``, ``policy_loss`` (cross-entropy: it includes the targets'
        entropy), ``value_loss``, ``value_mse`` (of P(win) - P(loss)), ``grad_norm``,
        ``lr`` and ``step`` (after the update).
        """
        x, p, v = self._tensors(planes, policy, value, augment_batch=self.config.augment)
        lr = self.config.lr_at(self.step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.net.train()
        losses, loss = self._losses(x, p, v)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        clip = self.config.grad_clip if self.config.grad_clip > 0 else float("inf")
        grad_norm = torch.nn.utils.clip_grad_norm_(self.net.parameters(), clip)
        self.optimizer.step()
        self.step += 1
        return {**losses, "grad_norm": float(grad_norm), "lr": lr, "step": float(self.step)}

    def eval_losses(self, planes: Any, policy: np.ndarray | None = None,
                    value: np.ndarray | None = None) -> dict[str, float]:
        """The same losses on a held-out batch: eval mode, no augmentation, no update."""
        x, p, v = self._tensors(planes, policy, value, augment_batch=False)
        self.net.eval()
        with torch.no_grad():
            return self._losses(x, p, v)[0]

    def _tensors(self, planes: Any, policy: np.ndarray | None, value: np.ndarray | None,
                 augment_batch: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Checked float32 arrays (augmented if asked) on the device: planes, policy, W/D/L."""
        if policy is None or value is None:
            planes, policy, value = planes.planes, planes.policy, planes.value
        planes = np.asarray(planes, dtype=np.float32)
        policy = np.asarray(policy, dtype=np.float32)
        wdl = value_to_wdl(value)
        info = self.game.info
        if planes.shape[1:] != (info.num_planes, *info.board_shape) or \
                policy.shape != (len(planes), info.num_actions) or len(wdl) != len(planes):
            raise ValueError(f"batch for {info.spec} must be planes [N, {info.num_planes}, "
                             f"{info.board_shape[0]}, {info.board_shape[1]}], policy [N, "
                             f"{info.num_actions}], value [N] or [N, 3]; got {planes.shape}, "
                             f"{policy.shape}, {wdl.shape}")
        if augment_batch:
            planes, policy = augment(self.game, planes, policy, self.rng)
        x, p, v = (torch.from_numpy(np.ascontiguousarray(a)).to(self.device, non_blocking=True)
                   for a in (planes, policy, wdl))
        return x, p, v

    def _losses(self, x: torch.Tensor, p: torch.Tensor,
                v: torch.Tensor) -> tuple[dict[str, float], torch.Tensor]:
        """(loss values for the log, the differentiable total loss)."""
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.amp):
            policy_logits, value_logits = self.net(x)
        policy_loss = -(p * F.log_softmax(policy_logits.float(), dim=1)).sum(dim=1).mean()
        value_loss = -(v * F.log_softmax(value_logits.float(), dim=1)).sum(dim=1).mean()
        loss = policy_loss + self.config.value_weight * value_loss
        with torch.no_grad():
            value_mse = F.mse_loss(wdl_to_value(value_logits.detach()), v[:, 0] - v[:, 2])
        return {"loss": loss.item(), "policy_loss": policy_loss.item(),
                "value_loss": value_loss.item(), "value_mse": value_mse.item()}, loss

    # -- persistence ----------------------------------------------------------
    def save_state(self, path: str | os.PathLike[str]) -> None:
        """Weights, optimiser state, step and generator state in one file, atomically.

        Read back with ``torch.load(weights_only=True)``: tensors and plain
        containers only, nothing executable.
        """
        state = {"version": STATE_VERSION, "game": self.game.info.spec,
                 "net": self.net.config.name, "step": self.step,
                 "model": self.net.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "rng": self.rng.bit_generator.state, "config": _plain(asdict(self.config))}
        buf = io.BytesIO()
        torch.save(state, buf)
        write_atomic(path, buf.getvalue())

    def load_state(self, path: str | os.PathLike[str]) -> None:
        """Resume from :meth:`save_state`'s file; ValueError naming the file when it does not fit."""
        try:
            state = torch.load(path, map_location=self.device, weights_only=True)
        except FileNotFoundError:
            raise
        except Exception as exc:  # UnpicklingError, zip errors, truncated files
            raise ValueError(f"trainer state {os.fspath(path)}: not a tabula trainer state "
                             f"(refused to load: {type(exc).__name__}: {str(exc)[:200]})") from exc
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            raise ValueError(f"trainer state {os.fspath(path)}: unknown layout or version")
        if state["game"] != self.game.info.spec or state["net"] != self.net.config.name:
            raise ValueError(f"trainer state {os.fspath(path)} is for {state['net']} on "
                             f"{state['game']}, not {self.net.config.name} on {self.game.info.spec}")
        self.net.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step = int(state["step"])
        self.rng.bit_generator.state = state["rng"]

    def save_checkpoint(self, path: str | os.PathLike[str], search: dict[str, Any] | None = None,
                        **extra: Any) -> None:
        """The network as a safetensors checkpoint at the current step (``engine.checkpoint``)."""
        save_checkpoint(path, self.net, {"step": self.step, "search": search or {}, **extra})


def _plain(d: dict[str, Any]) -> dict[str, Any]:
    """Tuples to lists so the dict holds only plain, weights_only-loadable values."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}
