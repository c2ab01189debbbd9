"""The torch network behind the search's evaluator protocol, on CPU or CUDA.

``TorchEvaluator(net)(planes)`` maps float32 numpy planes ``[N, C, H, W]`` to
``(logits float32 [N, A], values float32 [N])`` with ``values = P(win) - P(loss)``
from the side to move, exactly what ``mcts.Search`` calls once per search step.

Why the CUDA path looks the way it does: self-play hands the network a fresh
numpy batch every step, so the host-to-device copy goes through a pinned staging
buffer (an async DMA instead of a pageable copy), results come back into pinned
buffers with one synchronisation per chunk, and mixed precision (bfloat16 where
the GPU has it, else float16) roughly doubles throughput for small convolutions.
On CPU the planes are wrapped without a copy and run in float32 with one torch
thread per process (parallelism comes from processes; see ``configure_cpu_threads``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from engine.network import PolicyValueNet, wdl_to_value


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` -> CUDA when available, else CPU; ``cpu``, ``cuda``, ``cuda:1``, ... as given.

    Raises ValueError naming the device when CUDA is asked for but not present.
    """
    text = (name or "auto").strip().lower()
    if text == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(text)
    except (RuntimeError, ValueError) as exc:
        raise ValueError(f"unknown device {name!r}: expected auto, cpu, cuda or cuda:N") from exc
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {name!r} asked for but CUDA is not available "
                             f"(torch {torch.__version__}); use --device cpu or auto")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(f"device {name!r}: only {torch.cuda.device_count()} CUDA device(s)")
    elif device.type != "cpu":
        raise ValueError(f"unsupported device {name!r}: expected auto, cpu, cuda or cuda:N")
    return device


def configure_cpu_threads(n: int = 1) -> None:
    """Use ``n`` intra-op threads in this process (1 for self-play workers: scale by processes).

    Small convolutions gain little from more threads and several processes with
    many threads each fight over the cores; the inter-op pool is set too when
    torch still allows it (only before the first parallel work).
    """
    if n < 1:
        raise ValueError(f"thread count must be >= 1, got {n}")
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(n)
    except RuntimeError:
        pass  # already fixed by earlier parallel work in this process: harmless


@dataclass
class EvalStats:
    """What the evaluator has done since the last ``reset`` (for the self-play benchmark)."""

    calls: int = 0
    """Evaluator calls (one per search step)."""
    positions: int = 0
    """Positions evaluated."""
    seconds: float = 0.0
    """Wall time inside the evaluator, host copies and synchronisation included."""

    @property
    def positions_per_second(self) -> float:
        """Network evaluations per second of evaluator time."""
        return self.positions / self.seconds if self.seconds > 0 else 0.0

    @property
    def mean_batch(self) -> float:
        """Average positions per call."""
        return self.positions / self.calls if self.calls else 0.0

    def reset(self) -> None:
        self.calls, self.positions, self.seconds = 0, 0, 0.0

    def as_dict(self) -> dict[str, float]:
        return {"calls": self.calls, "positions": self.positions, "seconds": self.seconds,
                "positions_per_second": self.positions_per_second, "mean_batch": self.mean_batch}


def _amp_dtype(device: torch.device) -> torch.dtype:
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16


class TorchEvaluator:
    """A :class:`PolicyValueNet` as the search's evaluator: numpy in, numpy out.

    ``net`` is moved to ``device`` and used in eval mode (it is put back in eval
    mode on every call, so a trainer in the same process may share it). ``amp``
    (None: on for CUDA, off for CPU) runs under autocast in bfloat16, or float16
    on GPUs without bfloat16; outputs are always float32. Batches larger than
    ``max_batch`` run in chunks. ``channels_last`` switches the memory format
    (often faster with CUDA mixed precision).
    """

    def __init__(self, net: PolicyValueNet, device: str | torch.device = "auto",
                 amp: bool | None = None, max_batch: int = 1024, channels_last: bool = False) -> None:
        if max_batch < 1:
            raise ValueError(f"max_batch must be >= 1, got {max_batch}")
        self.device = device if isinstance(device, torch.device) else resolve_device(device)
        self.amp = (self.device.type == "cuda") if amp is None else bool(amp)
        self.amp_dtype = _amp_dtype(self.device)
        self.max_batch = max_batch
        self.channels_last = channels_last
        self.info = net.info
        self.num_actions = net.info.num_actions
        self.net = net.to(self.device).eval()
        if channels_last:
            self.net = self.net.to(memory_format=torch.channels_last)
        self.stats = EvalStats()
        self._pinned: dict[str, torch.Tensor] = {}

    def __call__(self, planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """float32 planes [N, C, H, W] -> (float32 logits [N, A], float32 values [N] in [-1, 1])."""
        t0 = time.perf_counter()
        planes = np.ascontiguousarray(planes, dtype=np.float32)
        self._check(planes)
        n = planes.shape[0]
        logits = np.empty((n, self.num_actions), np.float32)
        values = np.empty(n, np.float32)
        if self.net.training:
            self.net.eval()
        with torch.inference_mode():
            for start in range(0, n, self.max_batch):
                stop = min(n, start + self.max_batch)
                self._run_chunk(planes[start:stop], logits[start:stop], values[start:stop])
        self.stats.calls += 1
        self.stats.positions += n
        self.stats.seconds += time.perf_counter() - t0
        return logits, values

    def _check(self, planes: np.ndarray) -> None:
        want = (self.info.num_planes, *self.info.board_shape)
        if planes.ndim != 4 or planes.shape[1:] != want:
            raise ValueError(f"TorchEvaluator for {self.info.spec} needs planes [N, {want[0]}, "
                             f"{want[1]}, {want[2]}], got {planes.shape}")

    def _run_chunk(self, planes: np.ndarray, logits_out: np.ndarray, values_out: np.ndarray) -> None:
        """One forward pass over at most ``max_batch`` rows, written into the output views."""
        m = planes.shape[0]
        if self.device.type == "cuda":
            x = self._staging("planes", planes.shape[1:], torch.float32)[:m]
            x.copy_(torch.from_numpy(planes))
            x = x.to(self.device, non_blocking=True)
        else:
            x = torch.from_numpy(planes)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, dtype=self.amp_dtype, enabled=self.amp):
            policy, value = self.net(x)
        policy, value = policy.float(), wdl_to_value(value)
        if self.device.type == "cuda":
            host_p = self._staging("logits", (self.num_actions,), torch.float32)[:m]
            host_v = self._staging("values", (), torch.float32)[:m]
            host_p.copy_(policy, non_blocking=True)
            host_v.copy_(value, non_blocking=True)
            torch.cuda.current_stream(self.device).synchronize()
            policy, value = host_p, host_v
        logits_out[:] = policy.numpy()
        values_out[:] = value.clamp(-1.0, 1.0).numpy()

    def _staging(self, key: str, row_shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
        """A pinned host buffer of ``max_batch`` rows, allocated once per key."""
        buf = self._pinned.get(key)
        if buf is None:
            buf = torch.empty((self.max_batch, *row_shape), dtype=dtype, pin_memory=True)
            self._pinned[key] = buf
        return buf
