"""Batched PUCT / Gumbel AlphaZero search over B games' trees held as arrays.

See ``README.md`` in this folder for the files and the design. This package
imports nothing from ``engine``, ``selfplay``, ``arena`` or torch.
"""

from mcts.evaluators import (
    Evaluator,
    HashEvaluator,
    UniformEvaluator,
    check_agreement,
    make_evaluator,
)
from mcts.root import considered_visits_table
from mcts.search import Search, SearchConfig, SearchResult
from mcts.tree import NO_NODE, ROOT, UNEXPANDED, EdgeIndex, NodeIndex, Tree, TreeBudgetError

__all__ = [
    "NO_NODE", "ROOT", "UNEXPANDED", "EdgeIndex", "Evaluator", "HashEvaluator", "NodeIndex",
    "Search", "SearchConfig", "SearchResult", "Tree", "TreeBudgetError", "UniformEvaluator",
    "check_agreement", "considered_visits_table", "make_evaluator",
]
