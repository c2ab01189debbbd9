"""Dihedral transforms: group laws, and planes and policies moving together."""

import numpy as np
import pytest

from games import symmetry


@pytest.mark.parametrize("sym", range(8))
def test_inverse_undoes(sym):
    planes = np.arange(2 * 5 * 5).reshape(2, 5, 5)
    back = symmetry.transform_planes(symmetry.transform_planes(planes, sym), symmetry.inverse(sym))
    np.testing.assert_array_equal(back, planes)


def test_eight_distinct_transforms():
    board = np.arange(16).reshape(4, 4)
    images = {symmetry.transform_planes(board, s).tobytes() for s in range(8)}
    assert len(images) == 8


def test_hand_checked_quarter_turn_and_flip():
    board = np.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(symmetry.transform_planes(board, 1), [[2, 4], [1, 3]])
    np.testing.assert_array_equal(symmetry.transform_planes(board, 4), [[2, 1], [4, 3]])


@pytest.mark.parametrize("sym", range(8))
def test_policy_follows_planes_and_pass_stays(sym):
    n = 5
    for a in range(n * n):
        plane = np.zeros((n, n))
        plane.flat[a] = 1
        policy = np.zeros(n * n + 1)
        policy[a] = 1
        moved = symmetry.transform_policy(policy, n, sym)
        np.testing.assert_array_equal(moved[:-1], symmetry.transform_planes(plane, sym).reshape(-1))
        assert moved[-1] == 0
    policy = np.zeros(n * n + 1)
    policy[-1] = 1
    assert symmetry.transform_policy(policy, n, sym)[-1] == 1
