"""Finished self-play games as compact shard files, and the replay store that samples them.

One finished game is one shard: ``RUN/games/g<ms>-<tag>-n<T>.npz`` written
atomically (a hidden temp file in the same folder, then ``os.replace``), so a
reader, a crash or ``kill -9`` never sees half a game. The name carries the
write time (sorting by name is chronological across worker processes) and the
number of positions ``T`` (a resumed run counts old positions without opening
their files). Loading never unpickles: ``np.load(allow_pickle=False)``.

Layout of a shard (format 1): an ``.npz`` with two members, ``header`` (JSON as
uint8: format, spec, meta, record and a table of arrays with name, dtype, shape
and byte offset) and ``blob`` (uint8: the arrays' bytes, 8-byte aligned). Two
members instead of twenty: numpy's per-member overhead made loading 10x slower.
The arrays, every first axis the position ``t``:

========================  ====================  ===========================================
array                     dtype, shape          meaning
========================  ====================  ===========================================
``shape``                 int32 [4]             (T, C, H, W) of the encoded planes
``bin_planes``, ``bits``  int16 [Cb], uint8     planes holding only 0/1 in this game, packed
                          [T, ceil(Cb*H*W/8)]   with ``np.packbits`` per position
``f16_planes``, ``f16``   int16 [Ch], f16       other planes that float16 holds exactly
``f32_planes``, ``f32``   int16 [Cf], f32       the rest (e.g. chess's move count / 100)
``num_actions``           int32 [1]             A
``pol_count``             int32 [T]             non-zero policy entries per position
``pol_index``             int32 [nnz]           their actions, position by position
``pol_value``             float32 [nnz]         their probabilities
``moves``, ``movers``     int32 / int8 [T]      action played; player to move (0/1)
``values``                int8 [T]              final result for that mover: +1, 0, -1
``root_values``           float32 [T]           the search's root value, mover's view
========================  ====================  ===========================================

So planes, policy, values and moves round-trip exactly. On disk (zlib), with a
policy over every legal move: about 195 bytes per go9 position, 200 per chess
position, 760 per gomoku15 position (225 policy entries).

The replay window: :func:`window_size` grows the window with the run as KataGo
does, ``c * (1 + beta * ((N / c) ** alpha - 1) / alpha)`` for ``N > c`` positions
(all positions while ``N <= c``), so early, weak games leave the window fast
while a long run still trains on a broad recent history.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
SHARD_RE = re.compile(r"^g(\d{13})-([A-Za-z0-9_]+)-n(\d+)\.npz$")
"""Shard file names: write time in ms, the writer's tag and zero-padded game count (games written
in the same millisecond by one writer still sort in order), number of positions."""


class ShardError(ValueError):
    """A shard file that cannot be read (truncated, foreign, inconsistent); names the file."""


@dataclass
class GameRecord:
    """One finished self-play game, position by position (T positions = T moves played)."""

    spec: str
    """Canonical game spec (``games.make_game(spec)`` rebuilds the game)."""
    planes: np.ndarray
    """float32 [T, C, H, W]: ``game.encode`` of each position before its move."""
    policy: np.ndarray
    """float32 [T, A]: the search's policy target at each position (sums to 1 over legal moves)."""
    moves: np.ndarray
    """int32 [T]: the action played at each position."""
    movers: np.ndarray
    """int8 [T]: the player to move at each position."""
    winner: int | None
    """The winning player (0/1), or None for a draw."""
    root_values: np.ndarray | None = None
    """float32 [T]: root value of each search, mover's view (for resign statistics)."""
    meta: dict[str, Any] = field(default_factory=dict)
    """JSON-able extras: ``network_step``, ``reason``, ``resigned``, ``no_resign``, ..."""
    record: str = ""
    """SGF (Go, gomoku) or PGN (chess) text for people; "" when no writer is available."""

    def __post_init__(self) -> None:
        if self.root_values is None:
            self.root_values = np.zeros(len(self.moves), np.float32)

    @property
    def num_positions(self) -> int:
        return int(len(self.moves))

    @property
    def values(self) -> np.ndarray:
        """int8 [T]: +1 where that position's mover won, -1 where they lost, 0 for a draw."""
        if self.winner is None:
            return np.zeros(self.num_positions, np.int8)
        return np.where(self.movers == self.winner, 1, -1).astype(np.int8)


def wdl(values: np.ndarray) -> np.ndarray:
    """float32 [N, 3] one-hot (win, draw, loss) from int/float values +1/0/-1 [N]."""
    out = np.zeros((len(values), 3), np.float32)
    out[np.arange(len(values)), 1 - np.sign(values).astype(np.int64)] = 1.0
    return out


def window_size(total: int, base: int, *, alpha: float = 0.75, beta: float = 0.4) -> int:
    """KataGo's growing replay window: all ``total`` positions up to ``base``, then sublinear.

    >>> window_size(500, 1000), window_size(1000, 1000), window_size(16000, 1000)
    (500, 1000, 4733)
    """
    if total <= base:
        return int(total)
    grown = base * (1.0 + beta * ((total / base) ** alpha - 1.0) / alpha)
    return int(min(total, grown))


# -- encoding ------------------------------------------------------------------

def _plane_classes(planes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of the binary planes, the float16-exact ones and the rest, for this game's planes."""
    c = planes.shape[1]
    per_plane = planes.transpose(1, 0, 2, 3).reshape(c, -1)
    binary = ((per_plane == 0) | (per_plane == 1)).all(axis=1)
    exact16 = (per_plane.astype(np.float16).astype(np.float32) == per_plane).all(axis=1)
    idx = np.arange(c, dtype=np.int16)
    return idx[binary], idx[~binary & exact16], idx[~binary & ~exact16]


def encode_record(record: GameRecord) -> dict[str, np.ndarray]:
    """The arrays of a shard (see the module docstring) for one game."""
    planes = np.asarray(record.planes, np.float32)
    t = record.num_positions
    if planes.ndim != 4 or len(planes) != t:
        raise ValueError(f"planes must be [T={t}, C, H, W], got {planes.shape}")
    policy = np.asarray(record.policy, np.float32)
    if policy.ndim != 2 or len(policy) != t:
        raise ValueError(f"policy must be [T={t}, A], got {policy.shape}")
    b_idx, h_idx, f_idx = _plane_classes(planes)
    bits = np.packbits(planes[:, b_idx].reshape(t, -1).astype(np.uint8), axis=1)
    rows, cols = np.nonzero(policy)
    return {
        "spec": np.array(record.spec),
        "meta": np.array(json.dumps(record.meta, sort_keys=True)),
        "record": np.array(record.record),
        "shape": np.array(planes.shape, np.int32),
        "bin_planes": b_idx, "bits": bits,
        "f16_planes": h_idx, "f16": planes[:, h_idx].astype(np.float16),
        "f32_planes": f_idx, "f32": planes[:, f_idx],
        "num_actions": np.array([policy.shape[1]], np.int32),
        "pol_count": np.bincount(rows, minlength=t).astype(np.int32),
        "pol_index": cols.astype(np.int32),
        "pol_value": policy[rows, cols],
        "moves": np.asarray(record.moves, np.int32),
        "movers": np.asarray(record.movers, np.int8),
        "values": record.values,
        "root_values": np.asarray(record.root_values, np.float32),
    }


_DTYPES = {"|u1", "|i1", "<i2", "<i4", "<f2", "<f4"}
"""Array dtypes a shard may hold (anything else is refused as corrupt)."""
_TEXT = ("spec", "meta", "record")


def pack_arrays(arrays: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(JSON header as uint8, one uint8 blob): two npz members load ~10x faster than twenty.

    The header lists each array's name, dtype, shape and byte offset in the blob
    (8-byte aligned); the text fields (spec, meta, record) live in the header.
    """
    table, parts, offset = [], [], 0
    for name, arr in arrays.items():
        if name in _TEXT:
            continue
        arr = np.ascontiguousarray(arr)
        dtype = arr.dtype.newbyteorder("<") if arr.dtype.byteorder == ">" else arr.dtype
        raw = arr.astype(dtype, copy=False).tobytes()
        table.append([name, dtype.str, list(arr.shape), offset])
        pad = -len(raw) % 8
        parts.append(raw + bytes(pad))
        offset += len(raw) + pad
    header = {"format": FORMAT_VERSION, "arrays": table,
              **{k: str(arrays[k][()]) for k in _TEXT}}
    blob = np.frombuffer(b"".join(parts), np.uint8)
    return np.frombuffer(json.dumps(header).encode(), np.uint8), blob


def write_shard(path: str | os.PathLike, record: GameRecord) -> None:
    """Write one game to ``path`` atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    header, blob = pack_arrays(encode_record(record))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez_compressed(f, header=header, blob=blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def unpack_arrays(path: Path, header_bytes: np.ndarray, blob: np.ndarray) -> dict[str, Any]:
    """Inverse of :func:`pack_arrays`; every dtype, shape and range is checked (ShardError)."""
    header = json.loads(header_bytes.tobytes().decode())
    if not isinstance(header, dict) or header.get("format") != FORMAT_VERSION:
        raise ShardError(f"{path}: shard format {header.get('format') if isinstance(header, dict) else '?'}, "
                         f"expected {FORMAT_VERSION}")
    out: dict[str, Any] = {k: str(header[k]) for k in _TEXT}
    for name, dtype, shape, offset in header["arrays"]:
        if dtype not in _DTYPES:
            raise ShardError(f"{path}: array {name} has dtype {dtype}")
        dt = np.dtype(dtype)
        count = int(np.prod(shape, dtype=np.int64))
        if offset < 0 or offset + count * dt.itemsize > len(blob):
            raise ShardError(f"{path}: array {name} lies outside the data")
        out[name] = np.frombuffer(blob, dt, count, offset).reshape(shape)
    return out


@dataclass
class Shard:
    """A loaded shard kept compact in memory; :meth:`rows` decodes the positions asked for."""

    path: Path
    spec: str
    meta: dict[str, Any]
    record: str
    shape: tuple[int, int, int, int]
    num_actions: int
    arrays: dict[str, np.ndarray]
    pol_start: np.ndarray
    """int64 [T + 1]: where each position's entries start in ``pol_index``/``pol_value``."""

    @property
    def num_positions(self) -> int:
        return self.shape[0]

    def rows(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(planes float32 [k, C, H, W], policy float32 [k, A], values int8 [k]) of positions ``idx``."""
        a = self.arrays
        _, c, h, w = self.shape
        k = len(idx)
        planes = np.zeros((k, c, h, w), np.float32)
        b_idx = a["bin_planes"]
        if len(b_idx):
            bits = np.unpackbits(a["bits"][idx], axis=1, count=len(b_idx) * h * w)
            planes[:, b_idx] = bits.reshape(k, len(b_idx), h, w)
        if len(a["f16_planes"]):
            planes[:, a["f16_planes"]] = a["f16"][idx].astype(np.float32)
        if len(a["f32_planes"]):
            planes[:, a["f32_planes"]] = a["f32"][idx]
        policy = np.zeros((k, self.num_actions), np.float32)
        for j, i in enumerate(idx):
            lo, hi = self.pol_start[i], self.pol_start[i + 1]
            policy[j, a["pol_index"][lo:hi]] = a["pol_value"][lo:hi]
        return planes, policy, a["values"][idx]

    def game(self) -> GameRecord:
        """The whole game back as a :class:`GameRecord` (exact round trip of ``write_shard``)."""
        idx = np.arange(self.num_positions)
        planes, policy, values = self.rows(idx)
        movers = self.arrays["movers"]
        winner = None
        if (values != 0).any():
            first = int(np.flatnonzero(values != 0)[0])
            winner = int(movers[first]) if values[first] > 0 else 1 - int(movers[first])
        return GameRecord(spec=self.spec, planes=planes, policy=policy,
                          moves=self.arrays["moves"].copy(), movers=movers.copy(), winner=winner,
                          root_values=self.arrays["root_values"].copy(), meta=dict(self.meta),
                          record=self.record)


_KEYS = ("spec", "meta", "record", "shape", "bin_planes", "bits", "f16_planes", "f16",
         "f32_planes", "f32", "num_actions", "pol_count", "pol_index", "pol_value", "moves",
         "movers", "values", "root_values")


def read_shard(path: str | os.PathLike) -> Shard:
    """Load and check one shard; raises :class:`ShardError` naming the file when it is unusable."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            if sorted(z.files) != ["blob", "header"]:
                raise ShardError(f"{path}: not a tabula shard (members {sorted(z.files)})")
            a = unpack_arrays(path, z["header"], z["blob"])
        missing = [k for k in _KEYS if k not in a]
        if missing:
            raise ShardError(f"{path}: not a tabula shard (missing {', '.join(missing)})")
        shape = tuple(int(x) for x in a["shape"])
        t, c, h, w = shape
        counts = a["pol_count"]
        checks = [
            (len(a["moves"]), t, "moves"), (len(a["movers"]), t, "movers"),
            (len(a["values"]), t, "values"), (len(a["root_values"]), t, "root values"),
            (len(counts), t, "policy counts"), (int(counts.sum()), len(a["pol_index"]), "policy entries"),
            (len(a["pol_value"]), len(a["pol_index"]), "policy values"),
            (len(a["bin_planes"]) + len(a["f16_planes"]) + len(a["f32_planes"]), c, "plane classes"),
            (a["bits"].shape, (t, (len(a["bin_planes"]) * h * w + 7) // 8), "packed planes"),
            (a["f16"].shape, (t, len(a["f16_planes"]), h, w), "float16 planes"),
            (a["f32"].shape, (t, len(a["f32_planes"]), h, w), "float32 planes"),
        ]
        for got, want, what in checks:
            if got != want:
                raise ShardError(f"{path}: inconsistent shard ({what}: {got} != {want})")
        num_actions = int(a["num_actions"][0])
        if len(a["pol_index"]) and (a["pol_index"].min() < 0 or a["pol_index"].max() >= num_actions):
            raise ShardError(f"{path}: policy action out of range")
        meta = json.loads(a["meta"])
    except ShardError:
        raise
    except Exception as exc:  # zip/zlib/json/ValueError: any damage reads as a corrupt shard
        raise ShardError(f"{path}: corrupt shard ({type(exc).__name__}: {exc})") from exc
    pol_start = np.zeros(t + 1, np.int64)
    np.cumsum(counts, out=pol_start[1:])
    return Shard(path=path, spec=a["spec"], meta=meta, record=a["record"],
                 shape=shape, num_actions=num_actions, arrays=a, pol_start=pol_start)


# -- the replay store ------------------------------------------------------------

@dataclass
class _Entry:
    name: str
    positions: int
    shard: Shard | None = None


class ReplayStore:
    """The shards of a run directory (``RUN/games``), indexed in write order, sampled uniformly.

    Several processes may write (``add_game``) while one reads (``scan`` then
    ``sample``); files only ever appear whole. Only shards among the most recent
    ``keep_positions`` positions are held in memory; older ones are counted from
    their names. A shard that cannot be read is skipped with a warning naming it
    (once) and left on disk for inspection.
    """

    def __init__(self, run_dir: str | os.PathLike, *, keep_positions: int = 250_000,
                 tag: str | None = None) -> None:
        self.run_dir = Path(run_dir)
        self.games_dir = self.run_dir / "games"
        self.keep_positions = int(keep_positions)
        self.tag = tag or uuid.uuid4().hex[:8]
        self._entries: list[_Entry] = []
        self._known: set[str] = set()
        self._bad: set[str] = set()
        self._cum = np.zeros(1, np.int64)
        self._count = 0

    # -- writing --------------------------------------------------------------
    def add_game(self, record: GameRecord) -> Path:
        """Write ``record`` as a new shard (atomically); returns its path."""
        if record.num_positions == 0:
            raise ValueError("a game with no positions has nothing to train on")
        self.games_dir.mkdir(parents=True, exist_ok=True)
        self._count += 1
        name = f"g{int(time.time() * 1000):013d}-{self.tag}x{self._count:09d}-n{record.num_positions}.npz"
        path = self.games_dir / name
        write_shard(path, record)
        return path

    # -- reading --------------------------------------------------------------
    @property
    def num_positions(self) -> int:
        """Positions in every readable shard indexed so far (call :meth:`scan` to refresh)."""
        return int(self._cum[-1])

    @property
    def num_games(self) -> int:
        return len(self._entries)

    def scan(self) -> int:
        """Index shards that appeared on disk since the last scan; returns how many were added.

        New shards within the in-memory window are loaded (and so checked) now.
        """
        if not self.games_dir.is_dir():
            return 0
        new = sorted(n for n in os.listdir(self.games_dir)
                     if n not in self._known and n not in self._bad and SHARD_RE.match(n))
        if not new:
            return 0
        entries = self._entries + [_Entry(n, int(SHARD_RE.match(n).group(3))) for n in new]
        entries.sort(key=lambda e: e.name)
        self._known.update(new)
        self._entries = entries
        self._reindex()
        before = len(self._entries)
        self._load_recent()
        return len(new) - (before - len(self._entries))

    def _reindex(self) -> None:
        self._cum = np.zeros(len(self._entries) + 1, np.int64)
        np.cumsum([e.positions for e in self._entries], out=self._cum[1:])

    def _load_recent(self) -> None:
        """Load the shards among the last ``keep_positions`` positions; drop older ones from memory."""
        total = self.num_positions
        bad = False
        for i in range(len(self._entries) - 1, -1, -1):
            e = self._entries[i]
            recent = total - self._cum[i + 1] < self.keep_positions
            if not recent:
                if e.shard is None:
                    break  # older shards were dropped from memory already
                e.shard = None
                continue
            if e.shard is None:
                try:
                    e.shard = read_shard(self.games_dir / e.name)
                    if e.shard.num_positions != e.positions:
                        raise ShardError(f"{self.games_dir / e.name}: holds {e.shard.num_positions} "
                                         f"positions, its name says {e.positions}")
                except ShardError as exc:
                    self._skip(e, exc)
                    bad = True
        if bad:
            self._entries = [e for e in self._entries if e.name not in self._bad]
            self._reindex()
            self._load_recent()

    def _skip(self, entry: _Entry, exc: Exception) -> None:
        self._bad.add(entry.name)
        self._known.discard(entry.name)
        msg = f"skipping unreadable shard {self.games_dir / entry.name}: {exc}"
        log.warning(msg)
        warnings.warn(msg, RuntimeWarning, stacklevel=3)

    def shards(self) -> list[Shard]:
        """The loaded (recent) shards, oldest first."""
        return [e.shard for e in self._entries if e.shard is not None]

    def sample(self, n: int, window: int, rng: np.random.Generator, *, q_weight: float = 0.0
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``n`` positions drawn uniformly (with replacement) from the most recent ``window``.

        Returns planes float32 [n, C, H, W], policy float32 [n, A] and value
        targets float32 [n, 3] (win, draw, loss for each position's mover).
        ``window`` is clipped to the positions indexed and held in memory.
        ``q_weight`` mixes the search's root value q into the target:
        ``(1 - w) * onehot(z) + w * (max(q, 0), 1 - |q|, max(-q, 0))``, which
        lowers the noise of outcomes z decided by later exploratory moves.
        """
        total = self.num_positions
        if total == 0:
            raise ValueError(f"no positions in {self.games_dir} to sample from")
        window = int(min(max(window, 1), total, self.keep_positions))
        flat = total - window + rng.integers(0, window, size=n)
        shard_of = np.searchsorted(self._cum, flat, side="right") - 1
        order = np.argsort(shard_of, kind="stable")
        planes = policy = None
        values = np.zeros(n, np.int8)
        q = np.zeros(n, np.float32)
        bounds = np.flatnonzero(np.diff(shard_of[order])) + 1
        for group in np.split(order, bounds):
            i = int(shard_of[group[0]])
            shard = self._entries[i].shard
            if shard is None:  # fell out of memory since the last scan; reload it
                shard = self._entries[i].shard = read_shard(self.games_dir / self._entries[i].name)
            local = flat[group] - self._cum[i]
            p, pol, v = shard.rows(local)
            if planes is None:
                planes = np.zeros((n, *p.shape[1:]), np.float32)
                policy = np.zeros((n, pol.shape[1]), np.float32)
            planes[group], policy[group], values[group] = p, pol, v
            q[group] = shard.arrays["root_values"][local]
        target = wdl(values)
        if q_weight > 0:
            q = np.clip(q, -1.0, 1.0)
            soft = np.stack([np.maximum(q, 0), 1 - np.abs(q), np.maximum(-q, 0)], axis=1)
            target = (1 - q_weight) * target + q_weight * soft
        return planes, policy, target
