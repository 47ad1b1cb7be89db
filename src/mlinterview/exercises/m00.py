"""m00_interview_method: references, seeded cases and oracles for the hidden tests."""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import numpy as np

from ..checks import Case, CheckFailed, show

# --------------------------------------------------------------------------- part 1: Big-O

_SUPERSCRIPTS = str.maketrans({"²": "^2", "³": "^3"})


def normalise_big_o(text: str) -> str:
    """Canonical spelling of a Big-O string: ``"O(n log n)"`` -> ``"O(nlogn)"``.

    Accepts spaces, ``*``, ``**`` or ``^`` for powers, ``n²``, ``lg``/``log2``/
    ``log(n)`` for the logarithm and a lower-case ``o``. Returns ``""`` for
    anything that is not of the form ``O(...)``.
    """
    if not isinstance(text, str):
        return ""
    s = text.translate(_SUPERSCRIPTS).strip().replace(" ", "").replace("**", "^").replace("*", "")
    s = re.sub(r"^[oO]\(", "O(", s)
    if not (s.startswith("O(") and s.endswith(")")):
        return ""
    body = s[2:-1].lower()
    body = re.sub(r"log(?:2|_2)?\(n\)|lg\(n\)|lgn|log2n|log_2n", "logn", body)
    body = body.replace("n^1", "n") if body == "n^1" else body
    return f"O({body})"


COMPLEXITY_REFERENCE = {
    "all_pairs": {"time": "O(n^2)", "space": "O(1)"},
    "sort_then_scan": {"time": "O(nlogn)", "space": "O(n)"},
    "hash_set": {"time": "O(n)", "space": "O(n)"},
}


def complexity_shape(actual, expected=None, *, what: str | None = None) -> None:
    """The answer is a dict of the three solutions, each with a time and a space Big-O."""
    w = what or "COMPLEXITY"
    if not isinstance(actual, dict):
        raise CheckFailed(f"{w}: expected a dict, got {type(actual).__name__}")
    if set(actual) != set(COMPLEXITY_REFERENCE):
        raise CheckFailed(f"{w}: expected the keys {sorted(COMPLEXITY_REFERENCE)}, "
                          f"got {sorted(map(str, actual))}")
    for key, entry in actual.items():
        if not isinstance(entry, dict) or set(entry) != {"time", "space"}:
            raise CheckFailed(f"{w}[{key!r}]: expected a dict with keys 'time' and 'space', "
                              f"got {show(entry)}")
        for kind, value in entry.items():
            if not normalise_big_o(value):
                raise CheckFailed(f"{w}[{key!r}][{kind!r}]: {value!r} is not a Big-O string "
                                  f"such as 'O(n)' or 'O(n log n)'")


def complexity_matches(actual, expected, *, what: str | None = None) -> None:
    """Every Big-O equals the reference once both are normalised."""
    complexity_shape(actual, what=what)
    wrong = [f"{key}.{kind} is {actual[key][kind]!r}"
             for key in expected for kind in ("time", "space")
             if normalise_big_o(actual[key][kind]) != normalise_big_o(expected[key][kind])]
    if wrong:
        raise CheckFailed(f"{what or 'COMPLEXITY'}: {len(wrong)} of 6 entries are not right: "
                          + "; ".join(wrong[:2]) + ("" if len(wrong) <= 2 else "; ..."))


# --------------------------------------------------------------------------- parts 2 and 3


def _check_input(nums, target) -> None:
    if not isinstance(nums, (list, tuple)):
        raise TypeError(f"nums must be a list or tuple of ints, got {type(nums).__name__}")
    for x in (*nums, target):
        if isinstance(x, bool) or not isinstance(x, int):
            raise TypeError(f"expected ints, got {x!r} ({type(x).__name__})")


def first_pair_with_sum_reference(nums, target):
    """The contract of part 3, by brute force (the oracle: obviously right, slow).

    The pair with the smallest j, and for that j the smallest i; None when none.
    """
    _check_input(nums, target)
    for j in range(len(nums)):
        for i in range(j):
            if nums[i] + nums[j] == target:
                return (i, j)
    return None


def first_pair_linear_reference(nums, target):
    """The same contract in O(n): a dict of each value's first index."""
    _check_input(nums, target)
    first_index: dict[int, int] = {}
    for j, x in enumerate(nums):
        i = first_index.get(target - x)
        if i is not None:
            return (i, j)
        first_index.setdefault(x, j)
    return None


def hand_trace(nums, target) -> list[dict]:
    """The ``seen`` dict after each pass of the loop that does not return (part 2)."""
    seen: dict[int, int] = {}
    trace = []
    for j, x in enumerate(nums):
        if target - x in seen:
            return trace
        if x not in seen:
            seen[x] = j
        trace.append(dict(seen))
    return trace


TRACE_EXAMPLE = ([4, 6, 4, 1, 9], 13)


def first_pair_cases(seed: int) -> list[Case]:
    """The edge-case catalogue plus seeded random inputs (compared with the oracle)."""
    rng = random.Random(seed)
    cases = [
        Case.of([], 5, label="empty"),
        Case.of([5], 10, label="size one: an element is not paired with itself"),
        Case.of([5, 5], 10, label="duplicates make the pair"),
        Case.of([3, 3, 7], 10, label="duplicates: first occurrence wins"),
        Case.of([1, 5, 5, 9], 10, label="tie: the pair that completes first"),
        Case.of([-4, 9, -6, 14], 8, label="negatives"),
        Case.of([0, 7, 0], 0, label="zeros and target 0"),
        Case.of(list(range(10)), 17, label="increasing"),
        Case.of(list(range(10, 0, -1)), 3, label="decreasing"),
        Case.of([1, 9, 2, 8, 3, 7], 10, label="zig-zag"),
        Case.of([1, 2, 3], 100, label="no pair"),
        Case.of((2, 7, 11, 15), 9, label="a tuple is accepted"),
        Case.of("2 7", 9, label="a string is not a list").raising(TypeError),
        Case.of([1, 2.5, 3], 4, label="a float element").raising(TypeError),
        Case.of([1, True], 2, label="a bool is not an int").raising(TypeError),
    ]
    for k in range(40):
        n = rng.randint(2, 30)
        nums = [rng.randint(-10, 10) for _ in range(n)]
        cases.append(Case.of(nums, rng.randint(-12, 12), label=f"random {k + 1} (n={n})"))
    return cases


def first_pair_large_cases(seed: int, n: int = 50_000) -> list[Case]:
    """Inputs where an O(n^2) answer cannot finish in the budget (about 1e9 steps)."""
    # drawn by NumPy: 2 ms for 50,000, where random.randint takes 30 (for every student)
    evens = (2 * np.random.default_rng(seed).integers(0, 10**6, size=n, endpoint=True)).tolist()
    with_pair = evens[:-1] + [(10**7 + 1) - evens[n // 3]]  # the only odd number
    return [
        Case.of(evens, 1, label=f"large, no pair (n={n})"),
        Case.of(with_pair, 10**7 + 1, label=f"large, one pair at the end (n={n})"),
    ]


# --------------------------------------------------------------------------- part 4: the hunt


def second_largest_reference(nums):
    """The second largest *distinct* value, or None when there are fewer than two."""
    distinct = set(nums)
    if len(distinct) < 2:
        return None
    distinct.discard(max(distinct))
    return max(distinct)


def _crashes_on_empty(nums):
    top = max(nums)  # ValueError on []
    rest = [x for x in nums if x != top]
    return max(rest) if rest else None


def _size_one_returns_it(nums):
    if len(nums) == 1:
        return nums[0]
    return second_largest_reference(nums)


def _duplicate_max(nums):
    if len(nums) < 2:
        return None
    return sorted(nums)[-2]


def _zero_is_missing(nums):
    result = second_largest_reference(nums)
    return result or None  # 0 is falsy


def _negatives_start_at_zero(nums):
    first = second = 0
    seen_second = False
    for x in nums:
        if x > first:
            first, second, seen_second = x, first, True
        elif first > x > second:
            second, seen_second = x, True
    if not nums or len(set(nums)) < 2:
        return None
    return second if seen_second else None


def _forgets_to_shift(nums):
    first = second = None
    for x in nums:
        if first is None or x > first:
            first = x  # the old first should become second
        elif x != first and (second is None or x > second):
            second = x
    return second


def _assumes_sorted(nums):
    if len(set(nums)) < 2:
        return None
    last = nums[-1]
    for x in reversed(nums):
        if x != last:
            return x
    return None


BUGGY_SECOND_LARGEST: dict[str, Callable] = {
    "crashes on an empty list": _crashes_on_empty,
    "returns the only element of a one-element list": _size_one_returns_it,
    "returns the maximum again when it is duplicated": _duplicate_max,
    "treats 0 as 'no answer'": _zero_is_missing,
    "starts from 0, so all-negative lists go wrong": _negatives_start_at_zero,
    "forgets to move the old maximum down (increasing input)": _forgets_to_shift,
    "assumes the input is sorted (zig-zag input)": _assumes_sorted,
}

MAX_HUNT_CASES = 50


def _validate_hunt(cases, w: str) -> list[tuple[list[int], int | None]]:
    if not isinstance(cases, (list, tuple)):
        raise CheckFailed(f"{w}: expected a list of (nums, expected) pairs, got {type(cases).__name__}")
    if not cases:
        raise CheckFailed(f"{w}: the list is empty: write at least one (nums, expected) pair")
    if len(cases) > MAX_HUNT_CASES:
        raise CheckFailed(f"{w}: {len(cases)} cases; keep it to {MAX_HUNT_CASES} or fewer")
    out = []
    for k, case in enumerate(cases):
        if not isinstance(case, (list, tuple)) or len(case) != 2:
            raise CheckFailed(f"{w}[{k}]: expected a pair (nums, expected), got {show(case)}")
        nums, expected = case
        if not isinstance(nums, list) or any(isinstance(x, bool) or not isinstance(x, int)
                                             for x in nums):
            raise CheckFailed(f"{w}[{k}]: nums must be a list of ints, got {show(nums)}")
        if expected is not None and (isinstance(expected, bool) or not isinstance(expected, int)):
            raise CheckFailed(f"{w}[{k}]: expected must be an int or None, got {show(expected)}")
        right = second_largest_reference(list(nums))
        if expected != right:
            raise CheckFailed(f"{w}[{k}]: for {show(nums)} the contract gives {right!r}, but this "
                              f"case expects {expected!r}; a correct function would fail it")
        out.append((list(nums), expected))
    return out


def exposed_bugs(cases) -> list[str]:
    """Names of the buggy implementations that at least one case catches."""
    valid = _validate_hunt(cases, "HUNT_CASES")
    caught = []
    for name, buggy in BUGGY_SECOND_LARGEST.items():
        for nums, expected in valid:
            try:
                got = buggy(list(nums))
            except Exception:  # noqa: BLE001 - a crash is caught by the test too
                caught.append(name)
                break
            if got != expected or type(got) is not type(expected):
                caught.append(name)
                break
    return caught


def hunt_is_valid(actual, expected=None, *, what: str | None = None) -> None:
    """Every case is well formed and a correct implementation passes it."""
    _validate_hunt(actual, what or "HUNT_CASES")


def hunt_exposes(minimum: int) -> Callable[..., None]:
    """A comparison: the cases are valid and expose at least ``minimum`` bugs."""

    def compare(actual, expected=None, *, what: str | None = None) -> None:
        w = what or "HUNT_CASES"
        caught = exposed_bugs(actual)
        if len(caught) < minimum:
            missed = [n for n in BUGGY_SECOND_LARGEST if n not in caught]
            raise CheckFailed(f"{w}: your cases expose {len(caught)} of {len(BUGGY_SECOND_LARGEST)} "
                              f"buggy versions (this check needs {minimum}); still hiding: "
                              f"{len(missed)} bug(s), e.g. one that {missed[0]}")

    compare.__name__ = f"hunt_exposes_{minimum}"
    return compare
