"""The dependency order is games -> mcts -> engine -> selfplay/arena; this test keeps it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "games": {"mcts", "engine", "selfplay", "arena", "torch"},
    "mcts": {"engine", "selfplay", "arena", "torch"},
}


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module imported anywhere in a file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_upwards(package):
    offenders = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = imported_modules(path) & FORBIDDEN[package]
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert not offenders, f"{package}/ must not import {sorted(FORBIDDEN[package])}: {offenders}"


def test_detector_sees_nested_and_from_imports(tmp_path):
    src = tmp_path / "m.py"
    src.write_text("def f():\n    import torch.nn\n    from engine.cli import main\n")
    assert imported_modules(src) == {"torch", "engine"}
