"""Elo-by-step plot: a real PNG, written atomically, nothing left behind on error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from arena.plot import plot_elo_by_step

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_one_series_writes_a_png_over_an_old_one(tmp_path: Path) -> None:
    out = tmp_path / "elo.png"
    out.write_bytes(b"old")
    plot_elo_by_step([(0, 0.0, 0.0), (1000, 120.5, 30.0), (2000, 260.0, 35.5)], out, title="gomoku run")
    assert out.stat().st_size > 1000
    assert _png_size(out) == (700, 450)
    assert sorted(os.listdir(tmp_path)) == ["elo.png"]  # no temp file left


def test_several_series_and_unsorted_steps(tmp_path: Path) -> None:
    out = tmp_path / "runs.png"
    plot_elo_by_step(
        {"run-a": [(2000, 300.0, 40.0), (0, 0.0, 0.0), (1000, 150.0, 30.0)], "run-b": [(500, 80.0, 25.0)]},
        str(out),
    )
    assert out.read_bytes()[:8] == PNG_MAGIC


@pytest.mark.parametrize(
    "points",
    [[], {"a": []}, [(0, "high", 1.0)], [(0, 1.0)], [(0, float("nan"), 1.0)], [(0, 1.0, -2.0)]],
)
def test_bad_points_raise_and_leave_nothing(tmp_path: Path, points: object) -> None:
    out = tmp_path / "elo.png"
    out.write_bytes(b"old plot")
    with pytest.raises(ValueError):
        plot_elo_by_step(points, out)  # type: ignore[arg-type]
    assert out.read_bytes() == b"old plot"
    assert sorted(os.listdir(tmp_path)) == ["elo.png"]


def test_failure_while_saving_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.figure import Figure

    def broken_savefig(self: Figure, fh: object, **kwargs: object) -> None:
        fh.write(b"\x89PNG half a picture")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken_savefig)
    out = tmp_path / "elo.png"
    with pytest.raises(OSError, match="disk full"):
        plot_elo_by_step([(0, 0.0, 0.0), (10, 5.0, 1.0)], out)
    assert os.listdir(tmp_path) == []
