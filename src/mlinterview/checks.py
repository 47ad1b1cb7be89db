"""Checks that test cells call: compare a learner's answer with a reference.

Two kinds of use:

* **Visible tests** call a comparison directly::

      checks.equal(two_sum([2, 7, 11, 15], 9), (0, 1), what="two_sum([2, 7, 11, 15], 9)")

* **Hidden tests** are *declarations*: which of the learner's names to call,
  on which seeded cases, against which reference, with which comparison::

      checks.expect("two_sum", cases=m00.two_sum_cases(seed=1),
                    reference=m00.two_sum_reference, compare=checks.equal)

  Under stock ``nbgrader autograde`` the declaration runs here, in the kernel.
  Because it names the learner's symbol instead of holding the object, a
  trusted grader can evaluate the same declaration outside the learner's
  kernel (the kernel only computes the learner's answers).

Every failure raises :class:`CheckFailed` (an ``AssertionError``, so nbgrader
scores the cell 0) whose message says what differs and where. IPython shows
only that message, not a traceback through this module.
"""

from __future__ import annotations

import copy
import dis
import math
import signal
import sys
import threading
import types
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "Case",
    "CheckFailed",
    "NotAttempted",
    "TooSlow",
    "array_close",
    "array_equal",
    "answer",
    "attempted",
    "close",
    "equal",
    "expect",
    "expect_value",
    "frame_equal",
    "raises",
    "rows_equal",
    "same_set",
    "sample_matches",
    "show",
]


# --------------------------------------------------------------------------- errors


class CheckFailed(AssertionError):
    """A check failed; the message says what differs and where."""

    title = "Check failed"

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a traceback: the learner sees
        # the message, not the internals of this module.
        return [f"\x1b[0;31m{self.title}\x1b[0m: {line}" if i == 0 else line
                for i, line in enumerate(str(self).splitlines() or [""])]


class NotAttempted(CheckFailed):
    """The answer is still the release stub (or not defined yet)."""

    title = "Not attempted"


class TooSlow(CheckFailed):
    """The answer did not finish within the part's stated time budget."""

    title = "Too slow"


class _Deadline(BaseException):
    # BaseException so that a learner's broad ``except Exception`` cannot swallow it.
    pass


# --------------------------------------------------------------------------- formatting


def show(value: Any, limit: int = 120) -> str:
    """A short, readable repr for messages (long values are cut in the middle)."""
    if isinstance(value, np.ndarray):
        with np.printoptions(threshold=12, edgeitems=3, precision=6, linewidth=10_000):
            text = f"array(shape={value.shape}, dtype={value.dtype}): {value!r}".replace("\n", " ")
    else:
        try:
            import pandas as pd

            if isinstance(value, pd.DataFrame):
                return f"DataFrame with {len(value)} rows and columns {list(value.columns)}"
        except ImportError:  # pragma: no cover - pandas is a dependency
            pass
        text = repr(value)
    if len(text) > limit:
        keep = (limit - 5) // 2
        text = text[:keep] + " ... " + text[-keep:]
    return text


def _what(what: str | None, default: str = "your answer") -> str:
    return what or default


# --------------------------------------------------------------------------- comparisons
# Every comparison has the signature (actual, expected, *, what=None, ...) and
# raises CheckFailed; expect() passes what=<call description>.


def equal(actual: Any, expected: Any, *, what: str | None = None) -> None:
    """Exact equality (``==``), with types checked for the common confusions.

    A tuple and a list of the same items are *not* equal here when the
    contract says which one to return: the message names both types.
    """
    w = _what(what)
    if isinstance(expected, bool) and not isinstance(actual, (bool, np.bool_)):
        raise CheckFailed(f"{w}: expected the bool {expected!r}, got {show(actual)} "
                          f"({type(actual).__name__})")
    if expected is None and actual is not None:
        raise CheckFailed(f"{w}: expected None, got {show(actual)}")
    if (isinstance(expected, (list, tuple, dict, set, str))
            and type(actual) is not type(expected)
            and not (isinstance(expected, str) and isinstance(actual, np.str_))):
        raise CheckFailed(f"{w}: expected a {type(expected).__name__} {show(expected)}, "
                          f"got a {type(actual).__name__} {show(actual)}")
    try:
        same = actual == expected
        if isinstance(same, np.ndarray):
            same = bool(same.all()) and np.shape(actual) == np.shape(expected)
        same = bool(same)
    except Exception as exc:  # noqa: BLE001 - any failure to compare is a mismatch
        raise CheckFailed(f"{w}: could not compare {show(actual)} with {show(expected)} "
                          f"({type(exc).__name__}: {exc})") from None
    if not same:
        detail = _first_difference(actual, expected)
        raise CheckFailed(f"{w}: expected {show(expected)}, got {show(actual)}{detail}")


def _first_difference(actual: Any, expected: Any) -> str:
    if isinstance(actual, Sequence) and isinstance(expected, Sequence) \
            and not isinstance(actual, str) and not isinstance(expected, str):
        if len(actual) != len(expected):
            return f" (length {len(actual)}, expected {len(expected)})"
        for i, (a, e) in enumerate(zip(actual, expected)):
            if a != e:
                return f" (first difference at index {i}: expected {show(e, 60)}, got {show(a, 60)})"
    return ""


def close(actual: Any, expected: float, *, what: str | None = None,
          rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """A real number within ``atol + rtol * |expected|`` of the expected one.

    NaN matches only NaN; infinities must match exactly.
    """
    w = _what(what)
    try:
        a = float(actual)
    except (TypeError, ValueError):
        raise CheckFailed(f"{w}: expected a number close to {expected!r}, "
                          f"got {show(actual)} ({type(actual).__name__})") from None
    e = float(expected)
    if math.isnan(e) or math.isnan(a):
        if not (math.isnan(e) and math.isnan(a)):
            raise CheckFailed(f"{w}: expected {e!r}, got {a!r}")
        return
    if not math.isclose(a, e, rel_tol=rtol, abs_tol=atol) and a != e:
        raise CheckFailed(f"{w}: expected {e!r}, got {a!r} "
                          f"(off by {abs(a - e):.3g}; tolerance {atol:g} + {rtol:g} x |expected|)")


def _as_array(actual: Any, w: str) -> np.ndarray:
    if actual is None:
        raise CheckFailed(f"{w}: expected an array, got None (did you forget to return?)")
    try:
        return np.asarray(actual)
    except Exception as exc:  # noqa: BLE001
        raise CheckFailed(f"{w}: could not turn {show(actual)} into an array ({exc})") from None


def array_close(actual: Any, expected: Any, *, what: str | None = None,
                rtol: float = 1e-7, atol: float = 1e-9, check_dtype_kind: bool = False) -> None:
    """Arrays of the same shape whose entries agree within ``atol + rtol * |expected|``.

    NaN matches NaN in the same place. The message counts the entries that
    differ and shows the first one by index.
    """
    w = _what(what)
    a = _as_array(actual, w)
    e = np.asarray(expected)
    if a.shape != e.shape:
        raise CheckFailed(f"{w}: expected shape {e.shape}, got shape {a.shape}")
    if check_dtype_kind and a.dtype.kind != e.dtype.kind:
        raise CheckFailed(f"{w}: expected dtype kind {e.dtype} , got {a.dtype}")
    try:
        ok = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
    except TypeError:
        ok = a == e
    if not np.all(ok):
        _report_array_mismatch(a, e, np.asarray(ok), w,
                               f" (tolerance {atol:g} + {rtol:g} x |expected|)")


def array_equal(actual: Any, expected: Any, *, what: str | None = None) -> None:
    """Arrays of the same shape with identical entries (for labels, indices, counts)."""
    w = _what(what)
    a = _as_array(actual, w)
    e = np.asarray(expected)
    if a.shape != e.shape:
        raise CheckFailed(f"{w}: expected shape {e.shape}, got shape {a.shape}")
    ok = a == e
    if e.dtype.kind == "f" and a.dtype.kind == "f":
        ok = ok | (np.isnan(a) & np.isnan(e))
    if not np.all(ok):
        _report_array_mismatch(a, e, np.asarray(ok), w, "")


def _report_array_mismatch(a: np.ndarray, e: np.ndarray, ok: np.ndarray, w: str, tol: str) -> None:
    bad = np.argwhere(~ok)
    first = tuple(int(i) for i in bad[0])
    where = first[0] if len(first) == 1 else first
    noun = "rows" if e.ndim == 1 else "entries"
    raise CheckFailed(f"{w}: values differ at {len(bad)} of {e.size} {noun}; first: "
                      f"index {where} expected {e[first]!r} got {a[first]!r}{tol}")


def same_set(actual: Any, expected: Iterable, *, what: str | None = None) -> None:
    """Same elements, order ignored, duplicates ignored (for a set-valued answer)."""
    w = _what(what)
    try:
        got = set(actual)
    except TypeError:
        raise CheckFailed(f"{w}: expected a collection, got {show(actual)}") from None
    want = set(expected)
    missing, extra = want - got, got - want
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {show(sorted(missing, key=repr), 80)}")
        if extra:
            parts.append(f"unexpected {show(sorted(extra, key=repr), 80)}")
        raise CheckFailed(f"{w}: " + "; ".join(parts))


def _null_key(value: Any, digits: int) -> Any:
    """A hashable, comparable stand-in for one SQL/pandas cell value.

    NULL, None, NaN and pandas NA all become the same marker (SQL semantics:
    a missing value), floats are rounded to ``digits`` significant digits.
    """
    if value is None:
        return ("<NULL>",)
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ("<NULL>",)
        if isinstance(value, pd.Timestamp):
            return ("ts", value.isoformat())
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ("<NULL>",)
        if value == 0 or math.isinf(value):
            return float(value)
        return float(f"{float(value):.{digits}g}")
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _rows(value: Any, w: str) -> tuple[list[str] | None, list[tuple]]:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(value, pd.DataFrame):
        return [str(c) for c in value.columns], [tuple(r) for r in value.itertuples(index=False)]
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        rows = []
        for r in value:
            rows.append(tuple(r) if isinstance(r, (tuple, list)) else (r,))
        return None, rows
    raise CheckFailed(f"{w}: expected rows (a DataFrame or a list of tuples), got {show(value)}")


def rows_equal(actual: Any, expected: Any, *, what: str | None = None, ordered: bool = False,
               check_columns: bool = True, digits: int = 9) -> None:
    """Two tables with the same rows, compared as a multiset unless ``ordered``.

    Accepts DataFrames or lists of tuples. NULL/None/NaN/NA are one value
    (SQL's NULL), compared exactly; floats agree to ``digits`` significant
    digits. With ``check_columns`` and two DataFrames, column names must match
    in order.
    """
    w = _what(what)
    a_cols, a_rows = _rows(actual, w)
    e_cols, e_rows = _rows(expected, w)
    if check_columns and a_cols is not None and e_cols is not None and a_cols != e_cols:
        raise CheckFailed(f"{w}: expected columns {e_cols}, got {a_cols}")
    width = {len(r) for r in e_rows}
    bad_width = [r for r in a_rows if len(r) not in width] if width else []
    if bad_width:
        raise CheckFailed(f"{w}: expected rows of {sorted(width)} values, got {show(bad_width[0])}")
    a_keys = [tuple(_null_key(v, digits) for v in r) for r in a_rows]
    e_keys = [tuple(_null_key(v, digits) for v in r) for r in e_rows]
    if ordered:
        if len(a_keys) != len(e_keys):
            raise CheckFailed(f"{w}: expected {len(e_keys)} rows, got {len(a_keys)}")
        for i, (a, e) in enumerate(zip(a_keys, e_keys)):
            if a != e:
                raise CheckFailed(f"{w}: rows differ from position {i}: expected {show(e_rows[i])}, "
                                  f"got {show(a_rows[i])} (this question asks for a row order)")
        return
    a_count, e_count = Counter(a_keys), Counter(e_keys)
    if a_count != e_count:
        missing = list((e_count - a_count).elements())
        extra = list((a_count - e_count).elements())
        parts = [f"expected {len(e_keys)} rows, got {len(a_keys)}"]
        if missing:
            parts.append(f"{len(missing)} expected row(s) missing, e.g. {show(missing[0], 80)}")
        if extra:
            parts.append(f"{len(extra)} unexpected row(s), e.g. {show(extra[0], 80)}")
        raise CheckFailed(f"{w}: " + "; ".join(parts) + " (row order ignored)")


def frame_equal(actual: Any, expected: Any, *, what: str | None = None,
                check_dtype: bool = True, check_column_order: bool = True,
                check_row_order: bool = True, check_index: bool = False,
                rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """Two DataFrames with the same columns, dtypes, missing values and values.

    Rules, each switchable: column order, dtypes (exact), row order (when off,
    both are sorted by every column first), the index (off by default: most
    answers are compared by their values). Floats agree within
    ``atol + rtol * |expected|``; missing values must sit in the same cells.
    """
    import pandas as pd

    w = _what(what)
    if not isinstance(actual, pd.DataFrame):
        raise CheckFailed(f"{w}: expected a pandas DataFrame, got {type(actual).__name__}")
    a, e = actual, expected
    if check_column_order:
        if list(a.columns) != list(e.columns):
            raise CheckFailed(f"{w}: expected columns {list(e.columns)}, got {list(a.columns)}")
    else:
        if set(a.columns) != set(e.columns):
            raise CheckFailed(f"{w}: expected columns {sorted(map(str, e.columns))}, "
                              f"got {sorted(map(str, a.columns))}")
        a = a[list(e.columns)]
    if len(a) != len(e):
        raise CheckFailed(f"{w}: expected {len(e)} rows, got {len(a)}")
    if check_dtype:
        for col in e.columns:
            if a[col].dtype != e[col].dtype:
                raise CheckFailed(f"{w}: column {col!r} has dtype {a[col].dtype}, "
                                  f"expected {e[col].dtype}")
    if check_index and not a.index.equals(e.index):
        raise CheckFailed(f"{w}: the index differs: expected {show(list(e.index))}, "
                          f"got {show(list(a.index))}")
    if not check_row_order:
        a = a.sort_values(list(a.columns), na_position="last", kind="stable").reset_index(drop=True)
        e = e.sort_values(list(e.columns), na_position="last", kind="stable").reset_index(drop=True)
    else:
        a, e = a.reset_index(drop=True), e.reset_index(drop=True)
    for col in e.columns:
        a_na, e_na = a[col].isna().to_numpy(), e[col].isna().to_numpy()
        if not np.array_equal(a_na, e_na):
            i = int(np.argmax(a_na != e_na))
            raise CheckFailed(f"{w}: column {col!r}: missing values differ at {int((a_na != e_na).sum())} "
                              f"of {len(e)} rows; first: row {i} expected {e[col].iloc[i]!r} "
                              f"got {a[col].iloc[i]!r}")
        keep = ~e_na
        av, ev = a[col].to_numpy()[keep], e[col].to_numpy()[keep]
        if ev.dtype.kind in "fc" or (ev.dtype.kind in "iu" and av.dtype.kind == "f"):
            ok = np.isclose(av.astype(float), ev.astype(float), rtol=rtol, atol=atol)
        else:
            ok = np.array([x == y for x, y in zip(av, ev)], dtype=bool)
        if not ok.all():
            rows = np.flatnonzero(keep)
            j = int(np.argmax(~ok))
            raise CheckFailed(f"{w}: column {col!r}: values differ at {int((~ok).sum())} of {len(e)} rows; "
                              f"first: row {int(rows[j])} expected {ev[j]!r} got {av[j]!r}")


def raises(exc_type: type[BaseException] | tuple[type[BaseException], ...], func: Callable,
           *args: Any, what: str | None = None, match: str | None = None, **kwargs: Any) -> None:
    """``func(*args, **kwargs)`` raises ``exc_type`` (and its message contains ``match``)."""
    w = what or f"{getattr(func, '__name__', 'your function')}({_args_text(args, kwargs)})"
    names = (exc_type.__name__ if isinstance(exc_type, type)
             else " or ".join(t.__name__ for t in exc_type))
    try:
        result = func(*args, **kwargs)
    except exc_type as exc:
        if match is not None and match.lower() not in str(exc).lower():
            raise CheckFailed(f"{w}: raised {type(exc).__name__} as expected, but its message "
                              f"{str(exc)!r} does not mention {match!r}") from None
        return
    except NotImplementedError:
        raise NotAttempted(f"{w}: not attempted yet") from None
    except Exception as exc:  # noqa: BLE001
        raise CheckFailed(f"{w}: expected {names}, but it raised {type(exc).__name__}: {exc}") from None
    raise CheckFailed(f"{w}: expected {names} to be raised, but it returned {show(result)}")


def sample_matches(samples: Any, probabilities: Mapping[Any, float], *, what: str | None = None,
                   alpha: float = 1e-4) -> None:
    """Draws whose frequencies are consistent with ``probabilities`` (chi-square test).

    ``alpha`` is the chance that a correct sampler fails this check; with the
    seeded generators the notebooks use, the outcome is deterministic.
    Values outside the support fail at once.
    """
    from scipy import stats

    w = _what(what)
    draws = list(samples)
    if not draws:
        raise CheckFailed(f"{w}: expected draws, got none")
    support = list(probabilities)
    outside = [d for d in draws if d not in probabilities]
    if outside:
        raise CheckFailed(f"{w}: drew {show(outside[0])}, which has probability 0")
    counts = Counter(draws)
    observed = np.array([counts.get(k, 0) for k in support], dtype=float)
    p = np.array([probabilities[k] for k in support], dtype=float)
    expected = p / p.sum() * len(draws)
    result = stats.chisquare(observed, expected)
    if result.pvalue < alpha:
        worst = int(np.argmax(np.abs(observed - expected) / np.sqrt(np.maximum(expected, 1e-12))))
        raise CheckFailed(f"{w}: frequencies are unlikely under the stated probabilities "
                          f"(chi-square p = {result.pvalue:.2g} < {alpha:g}); "
                          f"most off: {support[worst]!r} drawn {int(observed[worst])} times, "
                          f"expected about {expected[worst]:.0f}")


# --------------------------------------------------------------------------- attempted?


def _is_stub(func: Any) -> bool:
    """True when ``func`` does nothing but ``raise NotImplementedError()``.

    That is the body nbgrader leaves in a release notebook. Read from the
    bytecode, so the answer is never called to find out.
    """
    code = getattr(func, "__code__", None)
    if code is None:
        return False
    if code.co_names != ("NotImplementedError",):
        return False
    ops = {ins.opname for ins in dis.get_instructions(code)}
    return not any(op.startswith(("RETURN", "YIELD")) for op in ops)


def _caller_namespace(depth: int = 2) -> dict:
    return sys._getframe(depth).f_globals


def answer(name: str, namespace: Mapping[str, Any] | None = None) -> Any:
    """The learner's answer called ``name``, or :class:`NotAttempted` if there is none.

    ``name`` is looked up in the calling notebook's namespace. A function (or
    a class all of whose methods are) still holding nbgrader's stub body
    counts as not attempted; so does a name that is not defined yet.
    """
    ns = _caller_namespace() if namespace is None else namespace
    if name not in ns:
        raise NotAttempted(f"`{name}` is not defined yet: write your answer in the cell "
                           f"above and run it")
    obj = ns[name]
    if isinstance(obj, types.FunctionType) and _is_stub(obj):
        raise NotAttempted(f"`{name}` still raises NotImplementedError: replace "
                           f"`raise NotImplementedError()` with your answer")
    if isinstance(obj, type):
        methods = [v for k, v in vars(obj).items()
                   if isinstance(v, types.FunctionType) and not k.startswith("__")]
        if methods and all(_is_stub(m) for m in methods):
            raise NotAttempted(f"`{name}`: every method still raises NotImplementedError")
    return obj


def attempted(name: str, namespace: Mapping[str, Any] | None = None) -> None:
    """Fail with "not attempted" unless the learner has answered ``name``.

    The gate a hidden-test cell opens with, so that the cell fails on a blank
    release notebook even where its hidden tests have been removed. Returns
    None on purpose: nbgrader reads a test cell's last value as partial credit.
    """
    answer(name, _caller_namespace() if namespace is None else namespace)


# --------------------------------------------------------------------------- declarations


@dataclass(frozen=True)
class Case:
    """One call of the learner's function: arguments, a label, and what to expect.

    ``expected`` (when given) is used instead of the reference; ``raises``
    says the call must raise that exception type instead of returning.
    """

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    label: str = ""
    expected: Any = None
    has_expected: bool = False
    raises: type[BaseException] | tuple[type[BaseException], ...] | None = None

    @classmethod
    def of(cls, *args: Any, label: str = "", **kwargs: Any) -> Case:
        return cls(args=args, kwargs=kwargs, label=label)

    def expecting(self, value: Any) -> Case:
        return Case(self.args, self.kwargs, self.label, value, True, self.raises)

    def raising(self, exc_type: type[BaseException] | tuple[type[BaseException], ...]) -> Case:
        return Case(self.args, self.kwargs, self.label, None, False, exc_type)


def _args_text(args: tuple, kwargs: Mapping[str, Any], limit: int = 100) -> str:
    parts = [show(a, limit) for a in args] + [f"{k}={show(v, limit)}" for k, v in kwargs.items()]
    return ", ".join(parts)


@contextmanager
def _deadline(seconds: float | None):
    """Interrupt the block after ``seconds`` (main thread only; else no limit)."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def _alarm(signum, frame):
        raise _Deadline()

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _as_case(case: Any) -> Case:
    if isinstance(case, Case):
        return case
    if isinstance(case, tuple):
        return Case(args=case)
    return Case(args=(case,))


def expect(name: str, cases: Iterable[Any], reference: Callable | None = None,
           compare: Callable[..., None] = equal, *, budget_seconds: float | None = None,
           namespace: Mapping[str, Any] | None = None, show_failures: int = 2) -> None:
    """Declare and run a hidden test: call the learner's ``name`` on every case.

    Each case's arguments are deep-copied before the learner's call and again
    before the reference's, so an answer that mutates its input cannot change
    what it is compared with. ``compare(actual, expected, what=...)`` decides
    each case. ``budget_seconds`` bounds one call (a stated complexity target:
    an O(n^2) answer on the large case cannot finish). Raises
    :class:`CheckFailed` naming the failing cases; returns None, because
    nbgrader reads a number left as a test cell's value as partial credit.
    Warnings raised while checking are recorded, not printed: nbgrader scores
    any cell that writes to stderr 0.
    """
    ns = _caller_namespace() if namespace is None else namespace
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        failures, total = _run_cases(name, cases, reference, compare, budget_seconds, ns)
    if failures:
        shown = "\n".join(f"  - {f}" for f in failures[:show_failures])
        more = len(failures) - show_failures
        tail = f"\n  ... and {more} more" if more > 0 else ""
        note = ""
        if caught:
            first = caught[0]
            note = f"\n  (warnings while checking, first: {first.category.__name__}: {first.message})"
        raise CheckFailed(f"{name}: {len(failures)} of {total} hidden cases failed\n"
                          f"{shown}{tail}{note}")


def _run_cases(name: str, cases: Iterable[Any], reference: Callable | None,
               compare: Callable[..., None], budget_seconds: float | None,
               ns: Mapping[str, Any]) -> tuple[list[str], int]:
    func = answer(name, ns)
    case_list = [_as_case(c) for c in cases]
    if not case_list:
        raise ValueError("expect() needs at least one case")  # an author's error, not a learner's
    failures: list[str] = []
    for i, case in enumerate(case_list):
        label = case.label or f"case {i + 1}"
        call = f"{name}({_args_text(case.args, case.kwargs)})"
        args, kwargs = copy.deepcopy(case.args), copy.deepcopy(case.kwargs)
        try:
            with _deadline(budget_seconds):
                actual = func(*args, **kwargs)
        except _Deadline:
            raise TooSlow(f"{name} did not finish the {label!r} case within {budget_seconds:g} s; "
                          f"this part asks for a faster algorithm (see its contract)") from None
        except NotImplementedError:
            failures.append(f"[{label}] {call} raised NotImplementedError")
            continue
        except Exception as exc:  # noqa: BLE001 - the learner's error is the finding
            if case.raises is not None and isinstance(exc, case.raises):
                continue
            failures.append(f"[{label}] {call} raised {type(exc).__name__}: {exc}")
            continue
        if case.raises is not None:
            names = (case.raises.__name__ if isinstance(case.raises, type)
                     else " or ".join(t.__name__ for t in case.raises))
            failures.append(f"[{label}] {call} should raise {names}, but returned {show(actual)}")
            continue
        if case.has_expected:
            expected = case.expected
        elif reference is not None:
            expected = reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        else:
            raise ValueError(f"case {label!r} has no expected value and expect() no reference")
        try:
            compare(actual, expected, what=f"[{label}] {call}")
        except CheckFailed as exc:
            failures.append(str(exc))
    return failures, len(case_list)


def expect_value(name: str, expected: Any = None, compare: Callable[..., None] = equal, *,
                 namespace: Mapping[str, Any] | None = None) -> None:
    """Declare and run a hidden test of a *value* the learner defines (not a function).

    ``compare(actual, expected, what=name)`` decides; a name that is not
    defined yet is "not attempted".
    """
    ns = _caller_namespace() if namespace is None else namespace
    actual = answer(name, ns)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        compare(copy.deepcopy(actual), expected, what=name)
