# %% [markdown]
# # Module 0 — The interview method
#
# Every coding round in a machine-learning engineer's loop is scored on more
# than the final code. Interviewers write down *how* you got there: did you
# ask before assuming, did you find the edge cases, did you know a second
# solution and its cost, did you test your own code? This short module
# teaches that method on one small problem, and then tests it.
#
# **How this course works.** Each module is a notebook like this one: a
# lesson, then graded parts. In each part you read the *contract* (what to
# return, its type, the tie rule, the errors to raise), write your answer in
# the cell that says `# YOUR CODE HERE`, and run the test cell below it. The
# visible tests are a few small cases; hidden tests, run when your notebook is
# graded (or when you run `mlinterview selfcheck` on it), try many more,
# including the edge cases. Hints are folded under **Hint** — open them only
# when stuck.
#
# ## The 10 / 10 / 10 method
#
# A 30-minute coding question, split the way strong candidates split it:
#
# | minutes | what you do | what the interviewer hears |
# |---|---|---|
# | 0–10 | **Clarify.** Restate the problem. Ask about input size, types, duplicates, negatives, empty input, what to return when there is no answer, which answer when there are several. State **two solutions** with time and space complexity and say which you will write. | "This person does not guess." |
# | 10–20 | **Code.** Input checks first, then the algorithm you chose. Talk while you type. | "This person writes code I would merge." |
# | 20–30 | **Test.** Walk a small example by hand, line by line. Then run through the edge-case checklist below. | "This person finds their own bugs." |
#
# Communication counts more than the ideal answer: a clear brute-force
# solution, well tested, beats a silent half-finished clever one.
#
# **The edge-case checklist** — say each one out loud and decide what the
# function must do with it:
#
# null or empty input · size one · many · duplicates · negatives · zero ·
# increasing · decreasing · zig-zag sequences.

# %%
import time

import matplotlib.pyplot as plt

from mlinterview import checks
from mlinterview.exercises import m00

# %% [markdown]
# ## Worked example: "find two numbers that add up to a target"
#
# > *Interviewer:* "Given a list of integers and a target, find two of them that
# > add up to the target."
#
# **Clarify (minutes 0–10).** The questions worth asking, with the answers
# this interviewer gives:
#
# | question | answer |
# |---|---|
# | Return the values or their positions? | Positions `(i, j)` with `i < j`. |
# | Can I use the same element twice? | No: `[5]` with target 10 has no pair. |
# | Duplicates, negatives, zero? | All possible. |
# | No pair? | Return `None`. |
# | Several pairs? | The one that *completes first* reading left to right: smallest `j`, then smallest `i`. |
# | How big is the list? | Up to a million. |
#
# The last answer rules out anything quadratic: a million squared is 10¹²
# steps. **Two solutions:**
#
# 1. *All pairs*: two nested loops. Time O(n²), extra space O(1).
# 2. *One pass with a dict*: for each `x` at position `j`, look up whether
#    `target - x` has been seen, and where. Time O(n), space O(n).
#
# Sorting and two pointers (O(n log n)) is a third, but it loses the original
# positions unless you carry them along. We will write solution 2.
#
# Here is solution 1, the brute force. It is slow, but obviously right, which
# makes it the perfect *oracle* to test a fast solution against.

# %%
def pairs_brute_force(nums, target):
    """Smallest j, then smallest i, with nums[i] + nums[j] == target; None if none."""
    for j in range(len(nums)):
        for i in range(j):
            if nums[i] + nums[j] == target:
                return (i, j)
    return None


def pairs_one_pass(nums, target):
    """The same contract in one pass: remember where each value was first seen."""
    seen = {}  # value -> index of its first occurrence
    for j, x in enumerate(nums):
        if target - x in seen:
            return (seen[target - x], j)
        if x not in seen:
            seen[x] = j
    return None


print(pairs_brute_force([2, 7, 11, 15], 9), pairs_one_pass([2, 7, 11, 15], 9))

# %% [markdown]
# **Why complexity matters**, in one picture: the time both take on lists with
# no pair (their worst case) as the list grows.

# %% tags=["skip-when-grading"]
sizes = [250, 500, 1000, 2000]
timings = {"all pairs, O(n²)": [], "one pass, O(n)": []}
for n in sizes:
    nums = list(range(0, 2 * n, 2))  # even numbers only: no pair sums to an odd target
    for label, func in zip(timings, (pairs_brute_force, pairs_one_pass)):
        start = time.perf_counter()
        func(nums, 1)
        timings[label].append(time.perf_counter() - start)

fig, ax = plt.subplots(figsize=(5, 3))
for label, seconds in timings.items():
    ax.plot(sizes, seconds, marker="o", label=label)
ax.set_xlabel("n (list length)")
ax.set_ylabel("seconds")
ax.set_title("Doubling n: 4x the time for O(n²), 2x for O(n)")
ax.legend()
plt.show()

# %% [markdown]
# **Test (minutes 20–30).** Walk the smallest interesting input by hand.
# `pairs_one_pass([3, 3, 7], 10)`:
#
# | j | x | target − x | in `seen`? | `seen` after |
# |---|---|---|---|---|
# | 0 | 3 | 7 | no | `{3: 0}` |
# | 1 | 3 | 7 | no | `{3: 0}` (3 is already there: keep its *first* index) |
# | 2 | 7 | 3 | yes, at 0 | return `(0, 2)` |
#
# The walk caught a real decision: had we written `seen[x] = j` every time,
# the answer would have been `(1, 2)`, which breaks the tie rule.

# %% [markdown]
# ## Part 1 — State the complexity (3 points)
#
# A second problem: *does a list contain a duplicate?* Three solutions:
#
# - `"all_pairs"`: compare every pair `nums[i] == nums[j]` with two loops.
# - `"sort_then_scan"`: `s = sorted(nums)` (a new list), then compare neighbours.
# - `"hash_set"`: add each element to a `set`, stop when one is already there.
#
# **Contract.** Define `COMPLEXITY`, a `dict` with exactly the keys
# `"all_pairs"`, `"sort_then_scan"` and `"hash_set"`; each value is a `dict`
# with keys `"time"` and `"space"`, each a Big-O string for the worst case in
# terms of `n = len(nums)`, counting the *extra* space only. Spelling is
# forgiving: `"O(n log n)"`, `"O(nlogn)"`, `"O(n*log(n))"`, `"O(n^2)"`,
# `"O(n**2)"` and `"O(n²)"` are all understood.
#
# <details><summary>Hint 1</summary>
#
# Count the comparisons in the worst case (no duplicate at all).
# </details>
# <details><summary>Hint 2</summary>
#
# `sorted` makes a copy of the list; Python's sort (Timsort) is O(n log n).
# A set holding up to n elements takes O(n) space.
# </details>

# %% nbgrader={"solution": true, "grade_id": "complexity_answer"}
### BEGIN SOLUTION
COMPLEXITY = {
    "all_pairs": {"time": "O(n^2)", "space": "O(1)"},
    "sort_then_scan": {"time": "O(n log n)", "space": "O(n)"},
    "hash_set": {"time": "O(n)", "space": "O(n)"},
}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "complexity_well_formed", "points": 1}
"""COMPLEXITY has the three solutions, each with a time and a space Big-O string."""
m00.complexity_shape(checks.answer("COMPLEXITY"))
print("COMPLEXITY is well formed")

# %% nbgrader={"grade": true, "grade_id": "complexity_correct", "points": 2}
"""Every time and space complexity is right."""
checks.attempted("COMPLEXITY")
### BEGIN HIDDEN TESTS
checks.expect_value("COMPLEXITY", m00.COMPLEXITY_REFERENCE, compare=m00.complexity_matches)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Can you do it in O(1) extra space and better than
# O(n²)?* (Sort in place with `nums.sort()`: O(n log n) time, O(1) extra if you
# may modify the input — ask first.) *What if the numbers are in 1..n?* (Use
# the values as indices and mark them negative: O(n) time, O(1) space.)

# %% [markdown]
# ## Part 2 — Walk an example by hand (2 points)
#
# Run `pairs_one_pass([4, 6, 4, 1, 9], 13)` in your head (or on paper), the
# way the table above walks `[3, 3, 7]`.
#
# **Contract.** Define two values:
#
# - `ANSWER`: what the call returns (a `tuple` of two ints, or `None`).
# - `TRACE`: a `list` with one `dict` per pass through the loop that does
#   *not* return: the contents of `seen` at the end of that pass, in order.
#   For `[3, 3, 7]` with target 10 it would be `[{3: 0}, {3: 0}]`.
#
# Write them by hand, then check yourself by running the function.
#
# <details><summary>Hint 1</summary>
#
# Make a table with the columns `j`, `x`, `target - x`, "in `seen`?" and
# "`seen` after", one row per pass, as above.
# </details>
# <details><summary>Hint 2</summary>
#
# The loop returns during the pass where `target - x` is already in `seen`,
# so that pass adds no dict to `TRACE`. The second 4 does not replace the
# first: `seen` keeps first indices.
# </details>

# %% nbgrader={"solution": true, "grade_id": "trace_answer"}
### BEGIN SOLUTION
ANSWER = (0, 4)
TRACE = [{4: 0}, {4: 0, 6: 1}, {4: 0, 6: 1}, {4: 0, 6: 1, 1: 3}]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "trace_answer_correct", "points": 1}
"""ANSWER is what pairs_one_pass([4, 6, 4, 1, 9], 13) returns."""
checks.equal(checks.answer("ANSWER"), pairs_one_pass([4, 6, 4, 1, 9], 13), what="ANSWER")
print("ANSWER is right")

# %% nbgrader={"grade": true, "grade_id": "trace_steps_correct", "points": 1}
"""TRACE lists `seen` after each pass that does not return."""
checks.attempted("TRACE")
### BEGIN HIDDEN TESTS
checks.expect_value("TRACE", m00.hand_trace(*m00.TRACE_EXAMPLE))
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *What is in `seen` in the worst case?* (Every
# distinct value: O(n).) *Why check before inserting?* (Inserting first would
# let an element pair with itself: `[5]` with target 10.)

# %% [markdown]
# ## Part 3 — Code it: input checks, then the fast solution (4 points)
#
# Now write the function the worked example designed, as you would in the
# interview: input checks first.
#
# **Contract.** `first_pair_with_sum(nums, target)`
#
# - `nums`: a `list` or `tuple` of `int`; it may be empty and may hold
#   duplicates, negatives and zeros. `target`: an `int`.
# - Returns a `tuple` `(i, j)` of positions with `i < j` and
#   `nums[i] + nums[j] == target`. **Tie rule:** the pair with the smallest
#   `j`; for that `j`, the smallest `i`. Returns `None` when there is no pair.
#   An element is never paired with itself.
# - Raises `TypeError` when `nums` is not a list or tuple, or when `target` or
#   any element is not an `int` (a `bool` does not count as an `int` here).
# - Must run in O(n): the hidden tests include lists of 50,000 numbers with a
#   budget of 2 seconds, which an O(n²) answer cannot meet.
# - Must not modify `nums`.
#
# <details><summary>Hint 1</summary>
#
# `pairs_one_pass` above is almost the answer; what does it do with `"2 7"`?
# </details>
# <details><summary>Hint 2</summary>
#
# `isinstance(True, int)` is `True` in Python, so test for `bool` first.
# </details>

# %% nbgrader={"solution": true, "grade_id": "first_pair_answer"}
def first_pair_with_sum(nums, target):
    """Positions (i, j), i < j, of the first pair summing to target, or None.

    Tie rule: smallest j, then smallest i. Raises TypeError for input that is
    not a list/tuple of ints or a target that is not an int. O(n) time.
    """
    ### BEGIN SOLUTION
    if not isinstance(nums, (list, tuple)):
        raise TypeError(f"nums must be a list or tuple of ints, got {type(nums).__name__}")
    for x in (*nums, target):
        if isinstance(x, bool) or not isinstance(x, int):
            raise TypeError(f"expected ints, got {x!r}")
    first_index = {}
    for j, x in enumerate(nums):
        if target - x in first_index:
            return (first_index[target - x], j)
        first_index.setdefault(x, j)
    return None
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "first_pair_examples", "points": 1}
"""first_pair_with_sum on the examples from the prompt, one tie and one error."""
checks.equal(first_pair_with_sum([2, 7, 11, 15], 9), (0, 1), what="first_pair_with_sum([2, 7, 11, 15], 9)")
checks.equal(first_pair_with_sum([1, 5, 5, 9], 10), (1, 2), what="first_pair_with_sum([1, 5, 5, 9], 10)")
checks.equal(first_pair_with_sum([5], 10), None, what="first_pair_with_sum([5], 10)")
checks.raises(TypeError, first_pair_with_sum, "2 7", 9)
print("the examples pass")

# %% nbgrader={"grade": true, "grade_id": "first_pair_matches_oracle", "points": 2}
"""first_pair_with_sum agrees with the brute-force oracle on the edge-case catalogue and random lists."""
checks.attempted("first_pair_with_sum")
### BEGIN HIDDEN TESTS
checks.expect("first_pair_with_sum", cases=m00.first_pair_cases(seed=2026),
              reference=m00.first_pair_with_sum_reference)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "first_pair_is_linear", "points": 1}
"""first_pair_with_sum answers lists of 50,000 numbers within 2 seconds."""
checks.attempted("first_pair_with_sum")
### BEGIN HIDDEN TESTS
checks.expect("first_pair_with_sum", cases=m00.first_pair_large_cases(seed=7),
              reference=m00.first_pair_linear_reference, budget_seconds=2)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Return all pairs?* (Then the output can be O(n²)
# long: say so.) *The list is sorted?* (Two pointers, O(1) space.) *It does not
# fit in memory?* (Partition by value into files so each pair lands in one
# partition, or sort externally.)

# %% [markdown]
# ## Part 4 — Edge-case hunt (3 points)
#
# Roles swap: you are the interviewer, and seven candidates have each handed
# in a function for this problem. Every one of them passes the obvious test.
# Each hides a different bug. Your test cases must expose them.
#
# > `second_largest(nums)` returns the second largest **distinct** value in a
# > list of ints, or `None` when the list has fewer than two distinct values.
# > `second_largest([4, 1, 3]) == 3`, `second_largest([4, 4, 1]) == 1`,
# > `second_largest([7, 7]) is None`.
#
# **Contract.** Define `HUNT_CASES`, a `list` of at most 50 pairs
# `(nums, expected)`: `nums` a `list` of `int`, `expected` the `int` (or `None`)
# a correct `second_largest` returns for it. A candidate is caught when, for
# one of your cases, it returns something else or raises.
#
# - 1 point (visible test): every case is well formed and *right*: a correct
#   implementation passes all of them. A test with a wrong expected value
#   would fail good code, so it earns nothing.
# - 1 point: your cases catch at least 4 of the 7 candidates.
# - 1 point: your cases catch all 7.
#
# Walk the checklist: empty, size one, many, duplicates, negatives, zero,
# increasing, decreasing, zig-zag.
#
# <details><summary>Hint 1</summary>
#
# One small case per checklist item is enough; the bugs hide where a
# candidate's mental picture of the input was too narrow.
# </details>
# <details><summary>Hint 2</summary>
#
# Picture how each candidate might have been written: starting a running
# maximum at 0, testing `if not second`, sorting and taking `s[-2]`, reading
# the list from the end. Which input breaks each idea?
# </details>

# %% nbgrader={"solution": true, "grade_id": "hunt_answer"}
### BEGIN SOLUTION
HUNT_CASES = [
    ([], None),  # empty
    ([3], None),  # size one
    ([9, 2, 5, 1, 7], 7),  # many
    ([5, 5, 3], 3),  # duplicates of the maximum
    ([-3, -1, -2], -2),  # negatives
    ([0, 5], 0),  # zero is an answer
    ([1, 2, 3], 2),  # increasing
    ([3, 2, 1], 2),  # decreasing
    ([1, 3, 2], 2),  # zig-zag
]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "hunt_cases_valid", "points": 1}
"""Every case in HUNT_CASES is well formed and passes a correct implementation."""
m00.hunt_is_valid(checks.answer("HUNT_CASES"))
print(f"all {len(HUNT_CASES)} cases are right")

# %% nbgrader={"grade": true, "grade_id": "hunt_catches_four", "points": 1}
"""HUNT_CASES catch at least 4 of the 7 buggy candidates."""
checks.attempted("HUNT_CASES")
### BEGIN HIDDEN TESTS
checks.expect_value("HUNT_CASES", compare=m00.hunt_exposes(4))
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "hunt_catches_all", "points": 1}
"""HUNT_CASES catch all 7 buggy candidates."""
checks.attempted("HUNT_CASES")
### BEGIN HIDDEN TESTS
checks.expect_value("HUNT_CASES", compare=m00.hunt_exposes(7))
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *How would you find such bugs without writing
# cases by hand?* (Property-based testing: generate random lists and compare
# with an obviously-right oracle, as the hidden tests of this course do;
# Hypothesis does it in Python.) *Which of the seven bugs would a random test
# find quickly, and which rarely?* (The empty list and size one are rare
# under most generators: that is why the checklist exists.)
#
# ## What next
#
# Every module follows the pattern of this one: a lesson, then parts with a
# contract, hints and follow-ups. Continue with any module; the order in the
# README follows a typical interview loop.
