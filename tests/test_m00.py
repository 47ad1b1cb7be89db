"""m00's references and oracles: right on their own, before any notebook uses them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlinterview import checks
from mlinterview.exercises import m00

ints = st.lists(st.integers(-20, 20), max_size=25)


@given(ints, st.integers(-40, 40))
@settings(max_examples=300, deadline=None)
def test_fast_pair_search_agrees_with_the_oracle(nums, target):
    assert m00.first_pair_linear_reference(nums, target) == m00.first_pair_with_sum_reference(nums, target)


@given(ints, st.integers(-40, 40))
@settings(max_examples=200, deadline=None)
def test_a_returned_pair_meets_the_contract(nums, target):
    pair = m00.first_pair_with_sum_reference(nums, target)
    if pair is None:
        assert all(nums[i] + nums[j] != target for j in range(len(nums)) for i in range(j))
    else:
        i, j = pair
        assert i < j and nums[i] + nums[j] == target
        # no pair completes earlier
        assert all(nums[a] + nums[b] != target for b in range(j) for a in range(b))


def test_large_cases_have_the_stated_answers():
    no_pair, one_pair = m00.first_pair_large_cases(seed=7)
    assert m00.first_pair_linear_reference(*no_pair.args) is None
    i, j = m00.first_pair_linear_reference(*one_pair.args)
    assert j == len(one_pair.args[0]) - 1


@pytest.mark.parametrize("text, canonical", [
    ("O(n log n)", "O(nlogn)"), ("O(n*log(n))", "O(nlogn)"), ("o(n lg n)", "O(nlogn)"),
    ("O(n^2)", "O(n^2)"), ("O(n**2)", "O(n^2)"), ("O(n²)", "O(n^2)"), ("O( 1 )", "O(1)"),
    ("n^2", ""), ("fast", ""), (3, ""),
])
def test_big_o_spellings(text, canonical):
    assert m00.normalise_big_o(text) == canonical


@given(st.lists(st.integers(-5, 5), max_size=12))
def test_second_largest_reference_matches_sorting(nums):
    distinct = sorted(set(nums))
    want = distinct[-2] if len(distinct) >= 2 else None
    assert m00.second_largest_reference(nums) == want


CHECKLIST_POOL = [
    ([], None), ([3], None), ([5, 3, 5], 3), ([5, 5, 3], 3), ([0, 5], 0), ([5, 0], 0),
    ([-3, -1, -2], -2), ([-2, -1], -2), ([1, 2, 3], 2), ([3, 2, 1], 2), ([1, 3, 2], 2),
    ([9, 2, 5, 1, 7], 7),
]


def test_every_buggy_candidate_is_caught_by_some_checklist_case():
    caught = set(m00.exposed_bugs(CHECKLIST_POOL))
    assert caught == set(m00.BUGGY_SECOND_LARGEST)


@pytest.mark.parametrize("bug", list(m00.BUGGY_SECOND_LARGEST))
def test_no_bug_is_caught_for_free_by_catching_the_others(bug):
    """For each bug, checklist cases exist that catch all six others but not it:
    full marks really need every item of the checklist."""
    blind = [c for c in CHECKLIST_POOL if bug not in m00.exposed_bugs([c])]
    assert set(m00.exposed_bugs(blind)) == set(m00.BUGGY_SECOND_LARGEST) - {bug}


def test_the_prompt_examples_alone_do_not_earn_the_hunt_points():
    examples = [([4, 1, 3], 3), ([4, 4, 1], 1), ([7, 7], None)]
    assert len(m00.exposed_bugs(examples)) < 4


def test_the_hunt_rejects_a_case_a_correct_function_fails():
    with pytest.raises(checks.CheckFailed, match="a correct function would fail it"):
        m00.hunt_is_valid([([5, 5, 3], 5)])
    with pytest.raises(checks.CheckFailed, match="list of ints"):
        m00.hunt_is_valid([([1, 2.0], 1)])
    with pytest.raises(checks.CheckFailed, match="needs 7"):
        m00.hunt_exposes(7)([([], None)])


def test_hand_trace_of_the_worked_example():
    assert m00.hand_trace([3, 3, 7], 10) == [{3: 0}, {3: 0}]
