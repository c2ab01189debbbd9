"""The 8 dihedral symmetries of a square board, for planes and policies together.

Symmetry ``s`` in ``0..7`` is ``k = s % 4`` quarter turns (``np.rot90`` over the
last two axes) followed, when ``s >= 4``, by a left-right flip. Policies over
``H*W`` board points (plus optional trailing non-board actions such as Go's pass,
which every symmetry leaves in place) are permuted by the same map, so that
``transform_policy(one_hot(a))`` is the flattened ``transform_planes`` of the
plane that is 1 at ``a``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

NUM_DIHEDRAL = 8


def transform_planes(planes: np.ndarray, sym: int) -> np.ndarray:
    """Apply symmetry ``sym`` to ``[..., N, N]`` planes; returns a contiguous copy."""
    out = np.rot90(planes, k=sym % 4, axes=(-2, -1))
    if sym >= 4:
        out = np.flip(out, axis=-1)
    return np.ascontiguousarray(out)


def inverse(sym: int) -> int:
    """The symmetry that undoes ``sym`` (flips are their own inverse)."""
    return sym if sym >= 4 else (4 - sym) % 4


@lru_cache(maxsize=None)
def policy_permutation(n: int, sym: int, num_actions: int) -> np.ndarray:
    """``perm`` with ``new_policy = old_policy[..., perm]`` for an ``n x n`` board.

    Actions ``>= n*n`` (pass) map to themselves.
    """
    index = np.arange(n * n).reshape(n, n)
    # new_planes[..., i, j] = old_planes[..., src(i, j)], and the same holds for
    # the flattened policy: the transformed index grid lists the source index.
    src = transform_planes(index, sym).reshape(-1)
    perm = np.arange(num_actions)
    perm[: n * n] = src
    perm.setflags(write=False)
    return perm


def transform_policy(policy: np.ndarray, n: int, sym: int) -> np.ndarray:
    """Apply symmetry ``sym`` to a policy ``[..., num_actions]`` over an ``n x n`` board."""
    return policy[..., policy_permutation(n, sym, policy.shape[-1])]
