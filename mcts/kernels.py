"""Numba kernels of the search: select, expand, back up, re-root, read results.

Internal module: the public API is :mod:`mcts.search`. Every kernel works on
the arrays of :class:`mcts.tree.Tree` passed one by one (no jitclass, no
structref); per-tree functions take one row (``node_visits[b]`` ...) and the
batch loop over trees sits outside them, so it can become ``prange``. The last
section holds the leaf builders' kernels (copying state rows, placing new
leaves in the state store).

Kernels that allocate nothing are compiled with ``_nrt=False``: numba then
does not reference-count the arrays passed between kernels, which cost about
0.6 us per call of a per-node helper taking a dozen arrays (select was 40%
faster without it on go9, B = 64). Only ``reroot`` allocates.

Conventions (see :mod:`mcts.tree`): ``node_value_sum`` is from the view of the
player who moved into the node, ``node_raw_value`` from the view of the player
to move at the node. A pending descent (virtual loss) counts as one more visit
with value ``-virtual_loss`` for the mover into each node on its path.

Selection rules:

- PUCT (AlphaZero): ``score(a) = Q(a) + c(s) * P(a) * sqrt(N(s)) / (1 + N(a))`` with
  ``c(s) = c_init + log((1 + N(s) + c_base) / c_base)``; an unvisited child gets
  first-play urgency ``Q(a) = Q(s) - fpu_reduction`` where ``Q(s)`` is the parent's
  mean value from the view of its player to move (0 before any visit). Ties go
  to the lowest action.
- Gumbel interior (Danihelka et al. 2022): ``argmax_a pi'(a) - N(a) / (1 + sum_b N(b))``
  with ``pi' = softmax(log P + sigma(completed Q))``.
- Gumbel root: among actions whose visit count equals the sequential-halving
  table's entry for this simulation, ``argmax g(a) + log P(a) + sigma(completed Q(a))``.

``sigma(q) = (c_visit + max_b N(b)) * c_scale * q`` where ``q`` is the completed Q
(unvisited actions get the mixed value ``v_mix``), optionally min-max rescaled
to [0, 1] over the node's legal actions first.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from mcts.tree import (
    KIND_EXPANDED,
    KIND_NEW,
    KIND_PENDING,
    KIND_TERMINAL,
    NO_NODE,
    ROOT,
    UNEXPANDED,
)

TINY = 1e-30
"""Floor for priors before taking logs (a prior of 0 would give -inf logits)."""

RESCALE_EPS = 1e-8
"""Smallest (max - min) used when rescaling completed Q values to [0, 1]."""

LOW_LOGIT = -1e9
"""Score of actions the Gumbel root excludes."""

MODE_PUCT = 0
MODE_GUMBEL = 1


# ---------------------------------------------------------------------------
# formulas shared by the kernels and the tests
# ---------------------------------------------------------------------------

@njit(cache=True, _nrt=False)
def puct_c(parent_visits: float, c_init: float, c_base: float) -> float:
    """AlphaZero's exploration rate ``c(s) = c_init + log((1 + N(s) + c_base) / c_base)``."""
    return c_init + math.log((1.0 + parent_visits + c_base) / c_base)


@njit(cache=True, _nrt=False)
def _mover_sign(node: int, node_parent: np.ndarray, node_to_play: np.ndarray) -> float:
    """+1 if the player who moved into ``node`` is the player to move there, else -1."""
    parent = node_parent[node]
    if parent == NO_NODE:
        return -1.0  # the root's mover is, by convention, the opponent of its player to move
    return 1.0 if node_to_play[parent] == node_to_play[node] else -1.0


@njit(cache=True, _nrt=False)
def completed_q(visits: np.ndarray, q: np.ndarray, prior: np.ndarray, raw_value: float,
                rescale: bool, out: np.ndarray) -> None:
    """Completed Q values of one node's k actions into ``out[:k]``.

    ``visits`` [k] (with virtual visits), ``q`` [k] mean values from the node's
    player-to-move view (ignored where ``visits == 0``), ``prior`` [k],
    ``raw_value`` the node's own evaluation from the same view. Unvisited
    actions get ``v_mix = (raw_value + sum_N * sum_{N>0} P q / sum_{N>0} P) / (1 + sum_N)``.
    With ``rescale`` the result is min-max scaled to [0, 1].
    """
    k = visits.shape[0]
    sum_n = 0.0
    sum_p = 0.0
    sum_pq = 0.0
    for i in range(k):
        if visits[i] > 0:
            p = max(float(prior[i]), TINY)
            sum_n += visits[i]
            sum_p += p
            sum_pq += p * q[i]
    if sum_n > 0.0:
        v_mix = (raw_value + sum_n * (sum_pq / sum_p)) / (sum_n + 1.0)
    else:
        v_mix = raw_value
    lo = math.inf
    hi = -math.inf
    for i in range(k):
        v = q[i] if visits[i] > 0 else v_mix
        out[i] = v
        lo = min(lo, v)
        hi = max(hi, v)
    if rescale:
        span = max(hi - lo, RESCALE_EPS)
        for i in range(k):
            out[i] = (out[i] - lo) / span


@njit(cache=True, _nrt=False)
def sigma_scale(visits: np.ndarray, c_visit: float, c_scale: float) -> float:
    """The factor ``(c_visit + max_b N(b)) * c_scale`` of the sigma transform."""
    max_n = 0.0
    for i in range(visits.shape[0]):
        max_n = max(max_n, float(visits[i]))
    return (c_visit + max_n) * c_scale


@njit(cache=True, _nrt=False)
def _gather_children(node: int, node_visits: np.ndarray, node_virtual: np.ndarray,
                     node_value_sum: np.ndarray, node_first_edge: np.ndarray,
                     node_num_edges: np.ndarray, edge_prior: np.ndarray, edge_child: np.ndarray,
                     virtual_loss: float, visits: np.ndarray, q: np.ndarray,
                     prior: np.ndarray) -> int:
    """Visits (with virtual ones), mean values (parent's view) and priors of ``node``'s edges."""
    first = node_first_edge[node]
    k = node_num_edges[node]
    for i in range(k):
        e = first + i
        child = edge_child[e]
        prior[i] = edge_prior[e]
        if child == UNEXPANDED:
            visits[i] = 0.0
            q[i] = 0.0
        else:
            n = node_visits[child] + node_virtual[child]
            visits[i] = n
            if n > 0:
                q[i] = (node_value_sum[child] - virtual_loss * node_virtual[child]) / n
            else:
                q[i] = 0.0
    return k


@njit(cache=True, _nrt=False)
def _argmax_scores(score: np.ndarray, actions: np.ndarray) -> int:
    """Index of the largest ``score``; ties go to the lowest of ``actions`` (same indexing)."""
    best = 0
    for i in range(1, score.shape[0]):
        if score[i] > score[best] or (score[i] == score[best] and actions[i] < actions[best]):
            best = i
    return best


# ---------------------------------------------------------------------------
# selection rules at one node
# ---------------------------------------------------------------------------

@njit(cache=True, _nrt=False)
def select_puct(node: int, node_visits: np.ndarray, node_virtual: np.ndarray,
                node_value_sum: np.ndarray, node_parent: np.ndarray, node_to_play: np.ndarray,
                node_first_edge: np.ndarray, node_num_edges: np.ndarray,
                edge_action: np.ndarray, edge_prior: np.ndarray, edge_child: np.ndarray,
                c_init: float, c_base: float, fpu_reduction: float, virtual_loss: float,
                full_scan: bool) -> int:
    """The edge PUCT picks at an expanded ``node`` of one tree (arrays are that tree's row).

    Below the root the edges are kept as a visited prefix whose next edge is the
    best unvisited one (see :func:`promote_best`), so the scan stops after the
    first unvisited edge. ``full_scan`` scans all edges (a root whose priors
    noise changed after it had children). Ties go to the lowest action.
    """
    n_parent = float(node_visits[node] + node_virtual[node])
    c = puct_c(n_parent, c_init, c_base)
    sqrt_n = math.sqrt(n_parent)
    parent_q = 0.0
    if node_visits[node] > 0:
        parent_q = _mover_sign(node, node_parent, node_to_play) * node_value_sum[node] / node_visits[node]
    fpu = parent_q - fpu_reduction
    first = node_first_edge[node]
    best = first
    best_action = edge_action[first]
    best_score = -math.inf
    for e in range(first, first + node_num_edges[node]):
        child = edge_child[e]
        action = edge_action[e]
        n = 0
        if child != UNEXPANDED:
            n = node_visits[child] + node_virtual[child]
        if n > 0:
            q = (node_value_sum[child] - virtual_loss * node_virtual[child]) / n
        else:
            q = fpu
        score = q + c * float(edge_prior[e]) * sqrt_n / (1.0 + n)
        better = score > best_score or (score == best_score and action < best_action)
        best_score = score if better else best_score
        best = e if better else best
        best_action = action if better else best_action
        if child == UNEXPANDED and not full_scan:
            break  # later edges are unvisited too, with no larger prior: none can score higher
    return best


@njit(cache=True, _nrt=False)
def select_gumbel_interior(node: int, node_visits: np.ndarray, node_virtual: np.ndarray,
                           node_value_sum: np.ndarray, node_raw_value: np.ndarray,
                           node_first_edge: np.ndarray, node_num_edges: np.ndarray,
                           edge_action: np.ndarray, edge_prior: np.ndarray, edge_child: np.ndarray,
                           c_visit: float, c_scale: float, rescale: bool, virtual_loss: float,
                           scratch: np.ndarray) -> int:
    """Gumbel AlphaZero's deterministic non-root choice at ``node``; ``scratch`` is float64 [5, >= k]."""
    visits, q, prior, cq, score = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4]
    k = _gather_children(node, node_visits, node_virtual, node_value_sum, node_first_edge,
                         node_num_edges, edge_prior, edge_child, virtual_loss, visits, q, prior)
    completed_q(visits[:k], q[:k], prior[:k], float(node_raw_value[node]), rescale, cq)
    scale = sigma_scale(visits[:k], c_visit, c_scale)
    top = -math.inf
    sum_n = 0.0
    for i in range(k):
        score[i] = math.log(max(prior[i], TINY)) + scale * cq[i]
        top = max(top, score[i])
        sum_n += visits[i]
    total = 0.0
    for i in range(k):
        score[i] = math.exp(score[i] - top)
        total += score[i]
    first = node_first_edge[node]
    best = 0
    best_score = -math.inf
    for i in range(k):
        s = score[i] / total - visits[i] / (1.0 + sum_n)
        if s > best_score or (s == best_score and edge_action[first + i] < edge_action[first + best]):
            best_score = s
            best = i
    return first + best


@njit(cache=True, _nrt=False)
def gumbel_root_scores(node_visits: np.ndarray, node_virtual: np.ndarray,
                       node_value_sum: np.ndarray, node_raw_value: np.ndarray,
                       node_first_edge: np.ndarray, node_num_edges: np.ndarray,
                       edge_action: np.ndarray, edge_prior: np.ndarray, edge_child: np.ndarray,
                       gumbel: np.ndarray, kept: np.ndarray, considered_visit: float,
                       c_visit: float, c_scale: float, rescale: bool, virtual_loss: float,
                       scratch: np.ndarray) -> int:
    """Score the root's edges into ``scratch[4, :k]``; returns k.

    ``score(a) = g(a) + log P(a) + sigma(completed Q(a))`` where the visit count of
    ``a`` gained in this search (its visits minus ``kept``, the visits its edge
    carried over by subtree reuse, int32 [>= k] by edge offset) equals
    ``considered_visit``, and ``LOW_LOGIT`` elsewhere (a negative
    ``considered_visit`` admits every action). ``gumbel`` is the tree's [A] row.
    Completed Q and sigma use all visits, kept ones included.
    """
    visits, q, prior, cq, score = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4]
    k = _gather_children(ROOT, node_visits, node_virtual, node_value_sum, node_first_edge,
                         node_num_edges, edge_prior, edge_child, virtual_loss, visits, q, prior)
    completed_q(visits[:k], q[:k], prior[:k], float(node_raw_value[ROOT]), rescale, cq)
    scale = sigma_scale(visits[:k], c_visit, c_scale)
    first = node_first_edge[ROOT]
    for i in range(k):
        if considered_visit < 0 or visits[i] - kept[i] == considered_visit:
            s = float(gumbel[edge_action[first + i]]) + math.log(max(prior[i], TINY)) + scale * cq[i]
            score[i] = max(s, LOW_LOGIT + 1.0)
        else:
            score[i] = LOW_LOGIT
    return k


# ---------------------------------------------------------------------------
# select: one leaf or several (virtual loss) per tree
# ---------------------------------------------------------------------------

@njit(cache=True, _nrt=False)
def _descend(b: int, node_visits: np.ndarray, node_virtual: np.ndarray,
             node_value_sum: np.ndarray, node_raw_value: np.ndarray, node_parent: np.ndarray,
             node_action: np.ndarray, node_first_edge: np.ndarray, node_num_edges: np.ndarray,
             node_to_play: np.ndarray, node_kind: np.ndarray,
             edge_action: np.ndarray, edge_prior: np.ndarray, edge_child: np.ndarray,
             num_nodes: np.ndarray, mode: int, params: np.ndarray, gumbel: np.ndarray,
             gumbel_table: np.ndarray, num_considered: int, root_full_scan: bool,
             root_kept: np.ndarray, path: np.ndarray, scratch: np.ndarray) -> tuple[int, int, int]:
    """One descent in tree ``b`` (its rows are passed); returns (leaf, depth, kind) or leaf -1.

    ``kind`` is the leaf's kind before the descent: ``KIND_NEW`` (to be built and
    evaluated; now marked pending) or ``KIND_TERMINAL`` (value known). A descent
    that reaches a pending node or finds the node arrays full returns -1 and
    changes nothing. ``path[:depth]`` receives the actions from the root.
    """
    c_init, c_base, fpu_reduction, virtual_loss = params[0], params[1], params[2], params[3]
    c_visit, c_scale, rescale = params[4], params[5], params[6] != 0.0
    node = ROOT
    depth = 0
    while True:
        kind = np.int64(node_kind[node])
        if kind == KIND_NEW:
            node_kind[node] = KIND_PENDING
            break
        if kind == KIND_PENDING:
            return -1, 0, 0
        if kind == KIND_TERMINAL:
            break
        if mode == MODE_GUMBEL and node == ROOT:
            sim = 0  # simulations of this search at the root (carried-over visits excluded)
            first_root = node_first_edge[ROOT]
            for e in range(first_root, first_root + node_num_edges[ROOT]):
                c = edge_child[e]
                if c != UNEXPANDED:
                    sim += node_visits[c] + node_virtual[c] - root_kept[e - first_root]
            sim = min(sim, gumbel_table.shape[1] - 1)
            considered = float(gumbel_table[num_considered, sim])
            k = gumbel_root_scores(node_visits, node_virtual, node_value_sum, node_raw_value,
                                   node_first_edge, node_num_edges, edge_action, edge_prior,
                                   edge_child, gumbel, root_kept, considered, c_visit, c_scale,
                                   rescale, virtual_loss, scratch)
            e = node_first_edge[ROOT] + _argmax_scores(scratch[4, :k], edge_action[node_first_edge[ROOT]:])
        elif mode == MODE_GUMBEL:
            e = select_gumbel_interior(node, node_visits, node_virtual, node_value_sum,
                                       node_raw_value, node_first_edge, node_num_edges,
                                       edge_action, edge_prior, edge_child, c_visit, c_scale,
                                       rescale, virtual_loss, scratch)
        else:
            e = select_puct(node, node_visits, node_virtual, node_value_sum, node_parent,
                            node_to_play, node_first_edge, node_num_edges, edge_action,
                            edge_prior, edge_child, c_init, c_base, fpu_reduction, virtual_loss,
                            node == ROOT and root_full_scan)
        path[depth] = edge_action[e]
        depth += 1
        child = edge_child[e]
        if child == UNEXPANDED:
            child = num_nodes[b]
            if child >= node_visits.shape[0]:
                return -1, 0, 0
            num_nodes[b] = child + 1
            edge_child[e] = child
            node_visits[child] = 0
            node_virtual[child] = 0
            node_value_sum[child] = 0.0
            node_raw_value[child] = 0.0
            node_parent[child] = node
            node_action[child] = edge_action[e]
            node_first_edge[child] = UNEXPANDED
            node_num_edges[child] = 0
            node_to_play[child] = 1 - node_to_play[node]  # provisional; the game's value is set at expand
            node_kind[child] = KIND_PENDING
            if mode == MODE_PUCT and not (node == ROOT and root_full_scan):
                promote_best(e + 1, node_first_edge[node] + node_num_edges[node],
                             edge_action, edge_prior, edge_child)
            node = child
            kind = np.int64(KIND_NEW)
            break
        node = child
    leaf = node
    while node != NO_NODE:
        node_virtual[node] += 1
        node = node_parent[node]
    return leaf, depth, kind


@njit(cache=True, _nrt=False)
def select(node_visits: np.ndarray, node_virtual: np.ndarray, node_value_sum: np.ndarray,
           node_raw_value: np.ndarray, node_parent: np.ndarray, node_action: np.ndarray,
           node_first_edge: np.ndarray, node_num_edges: np.ndarray, node_to_play: np.ndarray,
           node_kind: np.ndarray, edge_action: np.ndarray, edge_prior: np.ndarray,
           edge_child: np.ndarray, num_nodes: np.ndarray,
           wanted: np.ndarray, mode: int, params: np.ndarray, gumbel: np.ndarray,
           gumbel_table: np.ndarray, num_considered: np.ndarray, root_full_scan: np.ndarray,
           root_kept: np.ndarray, leaf_tree: np.ndarray, leaf_node: np.ndarray, leaf_depth: np.ndarray,
           leaf_kind: np.ndarray, leaf_path: np.ndarray, scratch: np.ndarray) -> int:
    """Descend up to ``wanted[b]`` times in each tree b; returns the number of leaves L.

    Tree arrays as in :class:`mcts.tree.Tree`. ``params`` float64 [7]: c_init,
    c_base, fpu_reduction, virtual_loss, c_visit, c_scale, rescale (0/1).
    ``gumbel`` float32 [B, A]; ``gumbel_table`` int32 [M + 1, S] (considered visit
    per number of considered actions and simulation index); ``num_considered``
    int32 [B]. ``root_full_scan`` bool [B]: PUCT scans every root edge (its
    noised priors broke the edge order). ``root_kept`` int32 [B, A]: Gumbel, visits
    each root edge (by offset) carried over by subtree reuse. Outputs ``leaf_*[:L]`` (tree, node, depth, kind) and
    ``leaf_path[:L, :depth]`` (actions from the root). A tree stops taking
    leaves at its first collision. ``scratch`` float64 [5, max edges per node].
    """
    count = 0
    for b in range(node_visits.shape[0]):
        for _ in range(wanted[b]):
            leaf, depth, kind = _descend(
                b, node_visits[b], node_virtual[b], node_value_sum[b], node_raw_value[b],
                node_parent[b], node_action[b], node_first_edge[b], node_num_edges[b],
                node_to_play[b], node_kind[b], edge_action[b], edge_prior[b], edge_child[b],
                num_nodes, mode, params, gumbel[b], gumbel_table, num_considered[b],
                root_full_scan[b], root_kept[b], leaf_path[count], scratch)
            if leaf < 0:
                break
            leaf_tree[count] = b
            leaf_node[count] = leaf
            leaf_depth[count] = depth
            leaf_kind[count] = kind
            count += 1
    return count


@njit(cache=True, _nrt=False)
def plan_step(node_visits: np.ndarray, node_kind: np.ndarray, base: np.ndarray, budget: int,
              leaves_per_tree: int, active: np.ndarray, wanted: np.ndarray) -> tuple[int, bool]:
    """Descents per tree for the next step into ``wanted`` [B]; returns (their sum, roots pending).

    An active tree wants ``min(leaves_per_tree, budget + base[b] - root visits)``
    descents (at least 0), or exactly 1 while its root is unevaluated (then
    "roots pending" is True); inactive trees want none.
    """
    total = 0
    pending = False
    for b in range(wanted.shape[0]):
        w = 0
        if active[b]:
            if node_kind[b, ROOT] == KIND_NEW:
                w = 1
                pending = True
            else:
                w = min(max(budget + base[b] - node_visits[b, ROOT], 0), leaves_per_tree)
        wanted[b] = w
        total += w
    return total, pending


# ---------------------------------------------------------------------------
# expand and back up
# ---------------------------------------------------------------------------

@njit(cache=True, _nrt=False)
def _expand_node(node: int, legal: np.ndarray, logits: np.ndarray,
                 node_first_edge: np.ndarray, node_num_edges: np.ndarray,
                 edge_action: np.ndarray, edge_prior: np.ndarray, edge_child: np.ndarray,
                 first: int, scratch: np.ndarray) -> int:
    """Write ``node``'s edges from ``first`` on: softmax of ``logits`` over legal actions only.

    Edges are in ascending action order except that the edge with the largest
    prior (ties: lowest action) is swapped to the front (see :func:`promote_best`).
    ``scratch`` is float64 [>= number of legal actions].
    """
    top = -math.inf
    k = 0
    for a in range(legal.shape[0]):  # the one pass over the action space
        if legal[a]:
            x = float(logits[a])
            edge_action[first + k] = a
            scratch[k] = x
            top = max(top, x)
            k += 1
    total = 0.0
    for i in range(k):
        x = math.exp(scratch[i] - top)
        scratch[i] = x
        total += x
    best = first
    for i in range(k):
        e = first + i
        edge_prior[e] = scratch[i] / total
        edge_child[e] = UNEXPANDED
        if edge_prior[e] > edge_prior[best]:  # actions ascend: ties keep the lowest
            best = e
    node_first_edge[node] = first
    node_num_edges[node] = k
    if best != first:  # promote_best's swap, without its second scan
        a0, p0 = edge_action[first], edge_prior[first]
        edge_action[first], edge_prior[first] = edge_action[best], edge_prior[best]
        edge_action[best], edge_prior[best] = a0, p0
    return k


@njit(cache=True, _nrt=False)
def promote_best(start: int, end: int, edge_action: np.ndarray, edge_prior: np.ndarray,
                 edge_child: np.ndarray) -> None:
    """Swap the largest-prior edge of ``[start, end)`` (ties: lowest action) to ``start``.

    PUCT keeps each interior node's edges as a visited prefix followed by the
    unvisited ones, the first of which has the largest prior among them: since
    every unvisited edge has the same Q (first-play urgency), that is the only
    unvisited edge PUCT can pick. Restoring this after each new child is one
    selection-sort step, paid only at nodes that get children.
    """
    if start >= end:
        return
    best = start
    for e in range(start + 1, end):
        if edge_prior[e] > edge_prior[best] or (
                edge_prior[e] == edge_prior[best] and edge_action[e] < edge_action[best]):
            best = e
    if best != start:
        a, p, c = edge_action[start], edge_prior[start], edge_child[start]
        edge_action[start], edge_prior[start], edge_child[start] = edge_action[best], edge_prior[best], edge_child[best]
        edge_action[best], edge_prior[best], edge_child[best] = a, p, c


@njit(cache=True, _nrt=False)
def _backup(node: int, value: float, node_visits: np.ndarray, node_virtual: np.ndarray,
            node_value_sum: np.ndarray, node_parent: np.ndarray, node_to_play: np.ndarray) -> None:
    """Add ``value`` (view of the player to move at ``node``) along the path to the root."""
    player = node_to_play[node]
    while node != NO_NODE:
        parent = node_parent[node]
        mover = node_to_play[parent] if parent != NO_NODE else 1 - node_to_play[ROOT]
        node_value_sum[node] += value if mover == player else -value
        node_visits[node] += 1
        node_virtual[node] -= 1
        node = parent


@njit(cache=True, _nrt=False)
def expand_and_backup(node_visits: np.ndarray, node_virtual: np.ndarray,
                      node_value_sum: np.ndarray, node_raw_value: np.ndarray,
                      node_parent: np.ndarray, node_first_edge: np.ndarray,
                      node_num_edges: np.ndarray, node_to_play: np.ndarray,
                      node_kind: np.ndarray, edge_action: np.ndarray, edge_prior: np.ndarray,
                      edge_child: np.ndarray, num_edges: np.ndarray,
                      leaf_tree: np.ndarray, leaf_node: np.ndarray, leaf_kind: np.ndarray,
                      built: np.ndarray, to_play: np.ndarray, terminal: np.ndarray,
                      outcome: np.ndarray, legal: np.ndarray, logits: np.ndarray,
                      values: np.ndarray, scratch: np.ndarray) -> None:
    """Expand the new leaves and back every leaf up, in leaf order.

    For leaf ``i`` of ``L``: if ``leaf_kind[i] == KIND_NEW`` its position was built
    in row ``j = built[i]`` of the per-built-leaf arrays ``to_play`` int8 [Lb],
    ``terminal`` bool [Lb], ``outcome`` float32 [Lb], ``legal`` bool [Lb, A] and,
    for non-terminal rows, ``logits`` float32 [Lb, A] and ``values`` float32 [Lb]
    from the evaluator (terminal rows' entries are ignored). A terminal leaf
    keeps the rules' outcome; a known terminal leaf (``KIND_TERMINAL``) is backed
    up with its stored value. Values are from the view of the leaf's player to move.
    ``scratch`` is float64 [A].
    """
    for i in range(leaf_tree.shape[0]):
        b = leaf_tree[i]
        node = leaf_node[i]
        if leaf_kind[i] == KIND_NEW:
            j = built[i]
            node_to_play[b, node] = to_play[j]
            if terminal[j]:
                node_kind[b, node] = KIND_TERMINAL
                node_raw_value[b, node] = outcome[j]
            else:
                k = _expand_node(node, legal[j], logits[j], node_first_edge[b], node_num_edges[b],
                                 edge_action[b], edge_prior[b], edge_child[b], num_edges[b],
                                 scratch)
                num_edges[b] += k
                node_kind[b, node] = KIND_EXPANDED
                node_raw_value[b, node] = values[j]
        _backup(node, float(node_raw_value[b, node]), node_visits[b], node_virtual[b],
                node_value_sum[b], node_parent[b], node_to_play[b])


# ---------------------------------------------------------------------------
# results and subtree reuse
# ---------------------------------------------------------------------------

@njit(cache=True, _nrt=False)
def root_statistics(node_visits: np.ndarray, node_value_sum: np.ndarray,
                    node_first_edge: np.ndarray, node_num_edges: np.ndarray,
                    edge_action: np.ndarray, edge_prior: np.ndarray, edge_child: np.ndarray,
                    visits: np.ndarray, q: np.ndarray, prior: np.ndarray,
                    legal: np.ndarray) -> None:
    """Scatter each root's children into action space: out arrays [B, A].

    ``visits`` int32, ``q`` float32 (mean value from the root player's view, 0
    where unvisited), ``prior`` float32, ``legal`` bool (actions with an edge).
    """
    for b in range(node_visits.shape[0]):
        first = node_first_edge[b, ROOT]
        for e in range(first, first + node_num_edges[b, ROOT]):
            a = edge_action[b, e]
            legal[b, a] = True
            prior[b, a] = edge_prior[b, e]
            child = edge_child[b, e]
            if child != UNEXPANDED and node_visits[b, child] > 0:
                visits[b, a] = node_visits[b, child]
                q[b, a] = node_value_sum[b, child] / node_visits[b, child]


@njit(cache=True, _nrt=False)
def principal_variation(b: int, node_visits: np.ndarray, node_first_edge: np.ndarray,
                        node_num_edges: np.ndarray, node_kind: np.ndarray,
                        edge_action: np.ndarray, edge_child: np.ndarray,
                        out: np.ndarray) -> int:
    """Most-visited line from tree ``b``'s root (ties: lowest action) into ``out``; returns its length."""
    node = ROOT
    depth = 0
    while depth < out.shape[0] and node_kind[b, node] == KIND_EXPANDED:
        first = node_first_edge[b, node]
        best = -1
        best_n = 0
        for e in range(first, first + node_num_edges[b, node]):
            child = edge_child[b, e]
            if child == UNEXPANDED:
                continue
            n = node_visits[b, child]
            if n > best_n or (n == best_n and n > 0 and edge_action[b, e] < edge_action[b, best]):
                best_n = n
                best = e
        if best < 0:
            break
        out[depth] = edge_action[b, best]
        depth += 1
        node = edge_child[b, best]
    return depth


@njit(cache=True)
def reroot(b: int, new_root: int, node_visits: np.ndarray, node_virtual: np.ndarray,
           node_value_sum: np.ndarray, node_raw_value: np.ndarray, node_parent: np.ndarray,
           node_action: np.ndarray, node_first_edge: np.ndarray, node_num_edges: np.ndarray,
           node_to_play: np.ndarray, node_kind: np.ndarray, edge_action: np.ndarray,
           edge_prior: np.ndarray, edge_child: np.ndarray, num_nodes: np.ndarray,
           num_edges: np.ndarray, moved_from: np.ndarray) -> int:
    """Keep only the subtree under ``new_root`` in tree ``b``, compacted in place, as the new tree.

    Returns the number of nodes kept, m; ``moved_from[:m]`` gets each new node's old index.

    Children are always created after their parents, so a node belongs to the
    subtree iff its parent does, decided in one ascending pass. Kept nodes and
    kept edge ranges move to lower indices in ascending order, so copying in
    place never overwrites what is still to be read. Visit counts and values
    are carried over unchanged.
    """
    n_old = num_nodes[b]
    new_index = np.full(n_old, -1, np.int32)
    new_index[new_root] = 0
    count = 1
    for n in range(new_root + 1, n_old):
        p = node_parent[b, n]
        if p >= 0 and new_index[p] >= 0:
            new_index[n] = count
            count += 1
    # edge ranges of kept expanded nodes, in ascending order of their old start
    starts = np.full(n_old, np.iinfo(np.int32).max, np.int32)
    for n in range(new_root, n_old):
        if new_index[n] >= 0 and node_first_edge[b, n] != UNEXPANDED:
            starts[n] = node_first_edge[b, n]
    order = np.argsort(starts)
    new_first = np.full(n_old, UNEXPANDED, np.int32)
    e_new = 0
    for i in range(n_old):
        n = order[i]
        if starts[n] == np.iinfo(np.int32).max:
            break
        old = starts[n]
        k = node_num_edges[b, n]
        new_first[n] = e_new
        for j in range(k):
            edge_action[b, e_new + j] = edge_action[b, old + j]
            edge_prior[b, e_new + j] = edge_prior[b, old + j]
            c = edge_child[b, old + j]
            edge_child[b, e_new + j] = new_index[c] if c >= 0 else UNEXPANDED
        e_new += k
    for n in range(new_root, n_old):
        m = new_index[n]
        if m < 0:
            continue
        moved_from[m] = n
        node_visits[b, m] = node_visits[b, n]
        node_virtual[b, m] = 0
        node_value_sum[b, m] = node_value_sum[b, n]
        node_raw_value[b, m] = node_raw_value[b, n]
        p = node_parent[b, n]
        node_parent[b, m] = new_index[p] if n != new_root else NO_NODE
        node_action[b, m] = node_action[b, n] if n != new_root else -1
        node_first_edge[b, m] = new_first[n]
        node_num_edges[b, m] = node_num_edges[b, n] if new_first[n] != UNEXPANDED else 0
        node_to_play[b, m] = node_to_play[b, n]
        node_kind[b, m] = node_kind[b, n]
    num_nodes[b] = count
    num_edges[b] = e_new
    return count


@njit(cache=True, _nrt=False)
def gumbel_results(node_visits: np.ndarray, node_virtual: np.ndarray, node_value_sum: np.ndarray,
                   node_raw_value: np.ndarray, node_parent: np.ndarray, node_action: np.ndarray,
                   node_first_edge: np.ndarray, node_num_edges: np.ndarray,
                   node_to_play: np.ndarray, node_kind: np.ndarray, edge_action: np.ndarray,
                   edge_prior: np.ndarray, edge_child: np.ndarray, gumbel: np.ndarray,
                   root_kept: np.ndarray, params: np.ndarray, scratch: np.ndarray,
                   policy: np.ndarray, action: np.ndarray) -> None:
    """Gumbel AlphaZero's outputs per tree: ``policy`` float32 [B, A] and ``action`` int64 [B].

    The policy target is ``softmax(log P + sigma(completed Q))`` over the root's
    legal moves; the move is ``argmax g + log P + sigma(completed Q)`` among the
    root moves with the most visits gained in this search (the survivors of
    sequential halving; ``root_kept`` [B, A] holds each root edge's carried-over
    visits, by offset). Completed Q and sigma use all visits.
    """
    virtual_loss, c_visit, c_scale, rescale = params[3], params[4], params[5], params[6] != 0.0
    for b in range(node_visits.shape[0]):
        k = _gather_children(ROOT, node_visits[b], node_virtual[b], node_value_sum[b],
                             node_first_edge[b], node_num_edges[b], edge_prior[b],
                             edge_child[b], virtual_loss, scratch[0], scratch[1], scratch[2])
        max_n = 0.0
        for i in range(k):
            max_n = max(max_n, scratch[0, i] - root_kept[b, i])
        gumbel_root_scores(node_visits[b], node_virtual[b], node_value_sum[b], node_raw_value[b],
                           node_first_edge[b], node_num_edges[b], edge_action[b], edge_prior[b],
                           edge_child[b], gumbel[b], root_kept[b], max_n, c_visit, c_scale,
                           rescale, virtual_loss, scratch)
        first = node_first_edge[b, ROOT]
        best = _argmax_scores(scratch[4, :k], edge_action[b, first:])
        action[b] = edge_action[b, first + best]
        # scratch[0], [2], [3] still hold visits, priors and completed Q
        scale = sigma_scale(scratch[0, :k], c_visit, c_scale)
        top = -math.inf
        for i in range(k):
            scratch[1, i] = math.log(max(scratch[2, i], TINY)) + scale * scratch[3, i]
            top = max(top, scratch[1, i])
        total = 0.0
        for i in range(k):
            scratch[1, i] = math.exp(scratch[1, i] - top)
            total += scratch[1, i]
        for i in range(k):
            policy[b, edge_action[b, first + i]] = scratch[1, i] / total


# ---------------------------------------------------------------------------
# state rows
# ---------------------------------------------------------------------------

@njit(cache=True, _nrt=False)
def copy_rows(dst: tuple, dst_rows: np.ndarray, src: tuple, src_rows: np.ndarray) -> None:
    """``dst[f][dst_rows[i]] = src[f][src_rows[i]]`` for every field f and row i, in order.

    ``dst`` and ``src`` are tuples of uint8 ``[R, bytes per row]`` arrays, one per
    field of an ArrayState (see :func:`mcts.leaves.byte_rows`): one call copies
    whole state rows whatever the number of fields. Rows are copied one after
    another, so a destination row must not be the source of a later one.
    """
    for f in range(len(dst)):
        d = dst[f]
        s = src[f]
        for i in range(dst_rows.shape[0]):
            r, q = dst_rows[i], src_rows[i]
            for j in range(d.shape[1]):
                d[r, j] = s[q, j]


@njit(cache=True, _nrt=False)
def place_new_leaves(n: int, leaf_tree: np.ndarray, leaf_node: np.ndarray,
                     leaf_depth: np.ndarray, leaf_kind: np.ndarray, node_parent: np.ndarray,
                     node_action: np.ndarray, node_row: np.ndarray, start: int,
                     built: np.ndarray, src_rows: np.ndarray, dst_rows: np.ndarray,
                     actions: np.ndarray) -> tuple[int, int]:
    """Give the new leaves among the first n selected consecutive state-store rows from ``start``.

    Leaves below the root come first, in selection order, then roots still to be
    evaluated (depth 0). For leaf i placed j-th: ``built[i] = j`` (-1 for leaves
    that are not new), ``src_rows[j]`` the store row to copy (the parent's; a
    root's own), ``dst_rows[j] = start + j``, ``actions[j]`` the move from the
    parent (below-root leaves), and ``node_row[tree, node] = start + j``.
    Returns (m, k): the number of new leaves and of those below the root.
    """
    m = 0
    k = 0
    for below in (True, False):
        for i in range(n):
            if below:
                built[i] = -1
            if leaf_kind[i] != KIND_NEW or (leaf_depth[i] > 0) != below:
                continue
            b = leaf_tree[i]
            node = leaf_node[i]
            src_rows[m] = node_row[b, node_parent[b, node] if below else ROOT]
            actions[m] = node_action[b, node] if below else -1
            dst_rows[m] = start + m
            node_row[b, node] = start + m
            built[i] = m
            m += 1
        if below:
            k = m
    return m, k


@njit(cache=True, _nrt=False)
def history_rows(n: int, leaf_tree: np.ndarray, leaf_node: np.ndarray, built: np.ndarray,
                 node_parent: np.ndarray, node_row: np.ndarray, out: np.ndarray) -> None:
    """``out[built[i], t]``: the state-store row of new leaf i's t-th ancestor (t = 0: its own).

    -1 above the root. ``out`` is int64 [L, T]; the game reads its history
    planes from these rows (see ``GoGame.branch_rows``).
    """
    for i in range(n):
        j = built[i]
        if j < 0:
            continue
        b = leaf_tree[i]
        node = leaf_node[i]
        for t in range(out.shape[1]):
            if node == NO_NODE:
                out[j, t] = -1
            else:
                out[j, t] = node_row[b, node]
                node = node_parent[b, node]
