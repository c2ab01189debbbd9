"""Elo-by-training-step plot (PNG) for checkpoints of one or more runs.

matplotlib is imported inside the function so that importing the arena (and
``tabula --help``) stays fast; we draw on an Agg canvas directly, never through
pyplot, so no global backend state is touched. The PNG is written to a
temporary file next to ``path`` and moved into place with ``os.replace``: a
reader never sees half a picture and an error leaves any old plot untouched.
"""

from __future__ import annotations

import math
import os
import tempfile
from typing import TYPE_CHECKING, Mapping, Sequence, Union

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_elo_by_step"]

Point = tuple[float, float, float]
"""(training step, Elo, half-width of its 95 % interval)."""
Series = Union[Sequence[Point], Mapping[str, Sequence[Point]]]


def _validate(points: Series) -> dict[str, list[Point]]:
    """Normalise to name -> sorted points; raise ValueError before any file is made."""
    series = dict(points) if isinstance(points, Mapping) else {"": list(points)}
    if not series or all(len(p) == 0 for p in series.values()):
        raise ValueError("nothing to plot: no points")
    out: dict[str, list[Point]] = {}
    for name, pts in series.items():
        clean = []
        for pt in pts:
            try:
                step, elo, ci = (float(v) for v in pt)
            except (TypeError, ValueError):
                raise ValueError(f"series {name!r}: point {pt!r} is not (step, elo, ci) numbers") from None
            if not (math.isfinite(step) and math.isfinite(elo) and math.isfinite(ci)) or ci < 0:
                raise ValueError(f"series {name!r}: point {pt!r} needs finite values and ci >= 0")
            clean.append((step, elo, ci))
        out[str(name)] = sorted(clean)
    return out


def plot_elo_by_step(
    points: Series, path: str | os.PathLike[str], title: str = "Elo by training step"
) -> None:
    """Write a PNG of Elo (with 95 % bands) against training step.

    ``points`` is a list of ``(step, elo, ci)`` for one series, or a mapping
    ``name -> list`` for several (one line each, with a legend).
    """
    series = _validate(points)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for name, pts in series.items():
        if not pts:
            continue
        steps = [p[0] for p in pts]
        elos = [p[1] for p in pts]
        lo = [p[1] - p[2] for p in pts]
        hi = [p[1] + p[2] for p in pts]
        (line,) = ax.plot(steps, elos, marker="o", markersize=3, label=name or None)
        ax.fill_between(steps, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_xlabel("training step")
    ax.set_ylabel("Elo (95% interval)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    if any(series):
        ax.legend(loc="best")
    fig.subplots_adjust(left=0.11, right=0.97, bottom=0.12, top=0.91)  # fixed: tight_layout costs a render
    _save_atomic(fig, os.fspath(path))


def _save_atomic(fig: "Figure", path: str) -> None:
    """Save ``fig`` as PNG to a temp file in the target folder, then rename over ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".elo-", suffix=".png.tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, format="png")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
