"""Checkpoints: one safetensors file holding the weights and a JSON header, loaded without running code.

Layout: a standard safetensors file (``safetensors.torch`` can read it) whose
string metadata has one key, ``"tabula"``, with the JSON header::

    {"format_version": 1, "game": "gomoku:size=3,k=3,rule=freestyle", "net": "b2c32",
     "search": {...search defaults...}, "step": 1200, "created": "2025-01-01T12:00:00+00:00", ...}

Why safetensors: loading a pickle (``torch.load`` without ``weights_only``) runs
whatever code the file names, and checkpoints travel between machines and
people. Here the header is parsed as JSON by hand (8-byte length, then JSON)
and the tensors by safetensors, so nothing in the file is ever executed. Every
failure (missing, truncated, random bytes, a pickle, a safetensors file from
another program, a newer format, weights that do not fit the named network) is
a :class:`CheckpointError` that names the file and says what is wrong.

Writes are atomic (temp file in the same folder, fsync, ``os.replace``): a
reader or a crash never sees half a checkpoint.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from engine.network import NetConfig, PolicyValueNet

FORMAT_VERSION = 1
"""Header format written by this version; files with a larger number are refused."""
METADATA_KEY = "tabula"
"""The safetensors metadata key that holds the JSON header."""
REQUIRED_KEYS = ("format_version", "game", "net", "step")
_MAX_HEADER_BYTES = 100 * 1024 * 1024


class CheckpointError(ValueError):
    """A file that is not a usable tabula checkpoint; the message names the file and the reason."""

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(f"checkpoint {os.fspath(path)}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason


@dataclass
class Checkpoint:
    """A loaded checkpoint: the network (eval mode, on the asked device) and its header."""

    net: PolicyValueNet
    header: dict[str, Any]
    game_spec: str
    step: int
    path: str


def save_checkpoint(path: str | os.PathLike[str], net: PolicyValueNet, header: dict[str, Any]) -> None:
    """Write ``net``'s weights and ``header`` to ``path`` atomically.

    ``game`` and ``net`` default to ``net.info.spec`` and ``net.config.name`` (and
    must match them when given); ``format_version`` is always this module's;
    ``search`` defaults to ``{}``, ``step`` to 0 and ``created`` to now (UTC).
    Every header value must be JSON-serialisable.
    """
    full: dict[str, Any] = {"format_version": FORMAT_VERSION, "game": net.info.spec,
                            "net": net.config.name, "search": {}, "step": 0,
                            "created": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    for key in ("game", "net"):
        if key in header and header[key] != full[key]:
            raise ValueError(f"header {key}={header[key]!r} does not match the network's {full[key]!r}")
    full.update({k: v for k, v in header.items() if k != "format_version"})
    full["step"] = int(full["step"])
    tensors = {k: v.detach().to("cpu").contiguous().clone() for k, v in net.state_dict().items()}
    data = st_save(tensors, metadata={METADATA_KEY: json.dumps(full, sort_keys=True)})
    write_atomic(path, data)


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` via a temp file in the same folder, fsync and ``os.replace``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX); silently skipped where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_header(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON header of a checkpoint, checked, without loading the weights."""
    with _open(path) as f:
        size = os.fstat(f.fileno()).st_size
        raw = _raw_header(path, f.read(min(size, 8 + _MAX_HEADER_BYTES)), size)
    return _tabula_header(path, raw)


def load_checkpoint(path: str | os.PathLike[str], device: str | torch.device = "cpu") -> Checkpoint:
    """Load a checkpoint written by :func:`save_checkpoint`; the network comes back in eval mode.

    Raises :class:`CheckpointError` naming ``path`` for anything but a complete,
    current-or-older tabula checkpoint whose weights fit its named network.
    """
    from engine.inference import resolve_device

    with _open(path) as f:
        data = f.read()
    header = _tabula_header(path, _raw_header(path, data, len(data)))
    try:
        tensors = st_load(data)
    except Exception as exc:  # safetensors raises its own error types
        raise CheckpointError(path, f"corrupt safetensors data ({exc})") from exc
    net = _build_net(path, header)
    try:
        net.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        raise CheckpointError(path, f"weights do not fit network {header['net']} for "
                                    f"{header['game']}: {' '.join(first[:4])}") from exc
    net.to(device if isinstance(device, torch.device) else resolve_device(device)).eval()
    return Checkpoint(net=net, header=header, game_spec=header["game"], step=int(header["step"]),
                      path=os.fspath(path))


def _open(path: str | os.PathLike[str]):  # type: ignore[no-untyped-def]
    try:
        return open(path, "rb")
    except FileNotFoundError as exc:
        raise CheckpointError(path, "no such file") from exc
    except IsADirectoryError as exc:
        raise CheckpointError(path, "is a directory, not a checkpoint file") from exc
    except OSError as exc:
        raise CheckpointError(path, f"cannot be read ({exc.strerror})") from exc


def _raw_header(path: str | os.PathLike[str], head: bytes, size: int) -> dict[str, Any]:
    """Parse the safetensors header from the file's first bytes; check the data fits ``size``."""
    if size < 8:
        raise _not_safetensors(path, head, f"{size} bytes: empty or truncated")
    (n,) = struct.unpack("<Q", head[:8])
    if n > _MAX_HEADER_BYTES or 8 + n > size:
        raise _not_safetensors(path, head, "bad header length: truncated or another format")
    try:
        raw = json.loads(head[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _not_safetensors(path, head, "header is not JSON") from None
    if not isinstance(raw, dict):
        raise _not_safetensors(path, head, "header is not a JSON object")
    end = 0
    for name, entry in raw.items():
        if name == "__metadata__":
            continue
        try:
            end = max(end, int(entry["data_offsets"][1]))
        except (TypeError, KeyError, IndexError, ValueError) as exc:
            raise CheckpointError(path, f"corrupt safetensors header (tensor {name!r})") from exc
    if 8 + n + end != size:
        raise CheckpointError(path, f"truncated or corrupt: header promises {8 + n + end} bytes, "
                                    f"file has {size}")
    return raw


def _not_safetensors(path: str | os.PathLike[str], head: bytes, why: str) -> CheckpointError:
    """The error for a file that is not safetensors, saying so plainly when it is a pickle."""
    if head[:1] == b"\x80" or head[:4] == b"PK\x03\x04":
        why += ("; it looks like a pickle / torch.save file: tabula checkpoints are safetensors "
                "and pickles are never loaded")
    return CheckpointError(path, f"not a safetensors file ({why})")


def _tabula_header(path: str | os.PathLike[str], raw: dict[str, Any]) -> dict[str, Any]:
    """The tabula JSON header inside the safetensors metadata, checked for version and keys."""
    meta = raw.get("__metadata__")
    if not isinstance(meta, dict) or METADATA_KEY not in meta:
        raise CheckpointError(path, "a safetensors file without a tabula header (foreign file?)")
    try:
        header = json.loads(meta[METADATA_KEY])
    except (TypeError, json.JSONDecodeError) as exc:
        raise CheckpointError(path, "the tabula header is not valid JSON") from exc
    if not isinstance(header, dict):
        raise CheckpointError(path, "the tabula header is not a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in header]
    if missing:
        raise CheckpointError(path, f"the tabula header lacks {', '.join(missing)}")
    version = header["format_version"]
    if not isinstance(version, int) or version < 1:
        raise CheckpointError(path, f"bad format_version {version!r}")
    if version > FORMAT_VERSION:
        raise CheckpointError(path, f"format_version {version} is newer than this tabula reads "
                                    f"({FORMAT_VERSION}); upgrade tabula")
    return header


def _build_net(path: str | os.PathLike[str], header: dict[str, Any]) -> PolicyValueNet:
    """The network the header names (game spec + config name), freshly initialised."""
    from games import make_game

    try:
        info = make_game(str(header["game"])).info
        config = NetConfig.parse(str(header["net"]))
        return PolicyValueNet(info, config)
    except ValueError as exc:  # SpecError is a ValueError
        raise CheckpointError(path, f"header names an unusable game or network ({exc})") from exc
