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
import time
import types
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from decimal import Decimal
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
    "stand_in",
]


# --------------------------------------------------------------------------- grader hooks

# Set by a grader that keeps the learner's objects in another process
# (``mlinterview grade``); None under stock nbgrader and in self-study, where everything
# runs here, in the kernel. ``maker(cls)`` gives a class of this process standing in for the
# learner's class ``cls`` (``mlinterview.grading.mirror``), or ``cls`` itself.
_stand_in_maker: Callable[[type], type] | None = None
# Set by such a grader: exceptions that mean the learner's process is gone or out of time,
# which a helper collecting the learner's failures must let through.
_grading_stops: tuple[type[BaseException], ...] = ()
# under ``mlinterview grade``: the test cell's time limit (a WaitForgivingDeadline), which
# work the grader does on the learner's behalf (running their SQL query) must not outlast
_cell_deadline: WaitForgivingDeadline | None = None


def stand_in(cls: type) -> type:
    """``cls``, or the grader's stand-in for it when the learner's class lives elsewhere.

    A library that must *inspect* a learner's class, not only call it
    (scikit-learn's estimator checks clone it and read its attributes), needs a
    class of the process it runs in. Under stock nbgrader and in self-study
    that is ``cls`` itself; under ``mlinterview grade`` the learner's class
    stays in its sandboxed kernel, and the grader gives a class of its own
    whose methods run the learner's code there and whose instances keep a copy
    of the learner's attributes, so the library's verdict is the grader's.
    """
    maker = _stand_in_maker
    return cls if maker is None else maker(cls)


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


def _plain(value: Any) -> Any:
    # numpy 2 spells a scalar np.float64(0.5); a learner reads 0.5 more easily
    if isinstance(value, np.generic) and not isinstance(value, np.void):
        return value.item()
    return value


def show(value: Any, limit: int = 120) -> str:
    """A short, readable repr for messages (long values are cut in the middle)."""
    value = _plain(value)
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

_STRICT_TYPES = (list, tuple, dict, set, frozenset, str)


def equal(actual: Any, expected: Any, *, what: str | None = None,
          check_type: bool = True) -> None:
    """Exact equality, compared element by element, that names the first difference.

    Containers are compared recursively: a list or tuple position by position,
    a dict key by key, a set as a set. NaN equals NaN; a NumPy number equals
    the Python number of the same value (``np.int64(3)`` is ``3``). Types are
    checked for the common confusions: a ``bool`` is not an ``int``, and with
    ``check_type`` (the default, for contracts that name the type) a list is
    not a tuple. With ``check_type=False`` a list and a tuple of the same items
    are equal.
    """
    w = _what(what)
    difference = _difference(actual, expected, "", check_type)
    if difference is None:
        return
    where, detail = difference
    if not where:
        raise CheckFailed(f"{w}: {detail}")
    raise CheckFailed(f"{w}: differs at {where}: {detail}")


def _describe(value: Any) -> str:
    return f"a {type(value).__name__} {show(value, 60)}"


def _difference(a: Any, e: Any, where: str, check_type: bool) -> tuple[str, str] | None:
    """(where, what) of the first difference between ``a`` and ``e``, or None when equal."""
    a, e = _plain(a), _plain(e)  # np.str_("a") is "a", as np.int64(3) is 3
    if isinstance(e, (bool, np.bool_)):
        if not isinstance(a, bool):
            return where, f"expected the bool {bool(e)!r}, got {_describe(a)}"
        return None if a == bool(e) else (where, f"expected {bool(e)!r}, got {a!r}")
    if e is None:
        return None if a is None else (where, f"expected None, got {show(a)}")
    if isinstance(a, bool) and isinstance(_plain(e), (int, float)):
        return where, f"expected the number {show(e)}, got the bool {a!r}"
    if isinstance(e, _STRICT_TYPES):
        sequences = (list, tuple, np.ndarray)
        interchangeable = (not check_type and isinstance(e, sequences)
                           and isinstance(a, sequences))
        if not interchangeable and not isinstance(a, type(e)):
            return where, f"expected a {type(e).__name__} {show(e, 60)}, got {_describe(a)}"
    if isinstance(e, np.ndarray) or isinstance(a, np.ndarray):
        return _array_difference(a, e, where)
    if isinstance(e, (list, tuple)) and isinstance(a, (list, tuple)):
        if len(a) != len(e):
            return where, (f"expected {len(e)} items, got {len(a)} "
                           f"(expected {show(e, 60)}, got {show(a, 60)})")
        for i, (x, y) in enumerate(zip(a, e)):
            found = _difference(x, y, f"{where}[{i}]", check_type)
            if found is not None:
                return found
        return None
    if isinstance(e, Mapping) and isinstance(a, Mapping):
        missing = [k for k in e if k not in a]
        extra = [k for k in a if k not in e]
        if missing or extra:
            return where, _missing_extra(missing, extra, " key(s)")
        for k in e:
            found = _difference(a[k], e[k], f"{where}[{k!r}]", check_type)
            if found is not None:
                return found
        return None
    if isinstance(e, (set, frozenset)) and isinstance(a, (set, frozenset)):
        missing, extra = e - a, a - e
        return (where, _missing_extra(missing, extra)) if missing or extra else None
    e = _plain(e)
    if _is_nan(a) and _is_nan(e):
        return None
    try:
        same = a == e
        if isinstance(same, np.ndarray):
            same = same.all()
        same = bool(same)
    except Exception as exc:  # noqa: BLE001 - any failure to compare is a mismatch
        return where, (f"could not compare {show(a, 60)} with {show(e, 60)} "
                       f"({type(exc).__name__}: {exc})")
    return None if same else (where, f"expected {show(e, 60)}, got {show(a, 60)}")


def _missing_extra(missing: Iterable, extra: Iterable, noun: str = "", *, count: bool = False,
                   limit: int = 60) -> str:
    """'missing [3, 4]; unexpected [5]': what one collection lacks and has too many of."""
    parts = []
    for word, items in (("missing", list(missing)), ("unexpected", list(extra))):
        if items:
            items = sorted(items, key=repr)
            number = f" {len(items)}:" if count else ""
            parts.append(f"{word}{noun}{number} {show(items, limit)}")
    return "; ".join(parts)


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _array_difference(a: Any, e: Any, where: str) -> tuple[str, str] | None:
    try:
        a_arr, e_arr = np.asarray(a), np.asarray(e)
    except Exception as exc:  # noqa: BLE001
        return where, f"could not compare {show(a, 60)} with {show(e, 60)} ({exc})"
    if a_arr.shape != e_arr.shape:
        return where, f"expected shape {e_arr.shape}, got {_describe(a)} of shape {a_arr.shape}"
    ok = _elementwise_equal(a_arr, e_arr)
    if ok.all():
        return None
    first = tuple(int(i) for i in np.argwhere(~ok)[0])
    return where, (f"values differ at {int((~ok).sum())} of {e_arr.size} entries; first: "
                   f"index {_index_text(first)} expected {show(e_arr[first])} "
                   f"got {show(a_arr[first])}")


def _index_text(index: tuple[int, ...]) -> str:
    return str(index[0]) if len(index) == 1 else str(index)


def _elementwise_equal(a: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Entry-by-entry equality, NaN equal to NaN, always an array of e's shape."""
    try:
        ok = np.asarray(a == e, dtype=bool)
    except Exception:  # noqa: BLE001 - e.g. arrays of incomparable objects
        ok = np.zeros(e.shape, dtype=bool)
    if ok.shape != e.shape:  # numpy answers a single False for incomparable dtypes
        ok = np.broadcast_to(ok, e.shape).copy()
    if a.dtype.kind in "fc" and e.dtype.kind in "fc":
        ok |= np.isnan(a) & np.isnan(e)
    return ok


def close(actual: Any, expected: float, *, what: str | None = None,
          rtol: float = 1e-7, atol: float = 1e-9) -> None:
    """A real number within ``atol + rtol * |expected|`` of the expected one.

    Any real number type is accepted (``int``, ``float``, NumPy scalars, a
    0-d array); a string, a bool or an array with entries is not. NaN matches
    only NaN; infinities must match exactly.
    """
    w = _what(what)
    if isinstance(actual, np.ndarray) and actual.ndim == 0:
        actual = actual[()]
    if isinstance(actual, (str, bytes, bool, np.bool_, np.ndarray)):
        shape = f" of shape {actual.shape}" if isinstance(actual, np.ndarray) else ""
        raise CheckFailed(f"{w}: expected a number close to {expected!r}, got "
                          f"{_describe(actual)}{shape}")
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

    A list, tuple or array of any numeric dtype is accepted unless
    ``check_dtype_kind`` asks for the expected kind (integer, float, ...).
    NaN matches NaN in the same place. The message counts the entries that
    differ and shows the first one by index.
    """
    w = _what(what)
    a = _as_array(actual, w)
    e = np.asarray(expected)
    if a.shape != e.shape:
        raise CheckFailed(f"{w}: expected shape {e.shape}, got shape {a.shape}")
    if check_dtype_kind and a.dtype.kind != e.dtype.kind:
        raise CheckFailed(f"{w}: expected dtype {e.dtype} (kind {e.dtype.kind!r}), "
                          f"got {a.dtype} (kind {a.dtype.kind!r})")
    try:
        ok = np.asarray(np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True), dtype=bool)
    except TypeError:
        if a.dtype.kind in "OUS" and e.dtype.kind in "fciub":
            raise CheckFailed(f"{w}: expected numbers, got an array of {a.dtype} "
                              f"({show(a, 80)})") from None
        ok = _elementwise_equal(a, e)
    if not np.all(ok):
        _report_array_mismatch(a, e, ok, w, f" (tolerance {atol:g} + {rtol:g} x |expected|)")


def array_equal(actual: Any, expected: Any, *, what: str | None = None) -> None:
    """Arrays of the same shape with identical entries (for labels, indices, counts).

    ``[1, 2]``, ``(1, 2)`` and ``np.array([1, 2])`` are all the same answer;
    NaN equals NaN in the same place.
    """
    w = _what(what)
    a = _as_array(actual, w)
    e = np.asarray(expected)
    if a.shape != e.shape:
        raise CheckFailed(f"{w}: expected shape {e.shape}, got shape {a.shape}")
    ok = _elementwise_equal(a, e)
    if not np.all(ok):
        _report_array_mismatch(a, e, ok, w, "")


def _report_array_mismatch(a: np.ndarray, e: np.ndarray, ok: np.ndarray, w: str, tol: str) -> None:
    if e.ndim == 0:
        raise CheckFailed(f"{w}: expected {show(e[()])}, got {show(a[()])}{tol}")
    bad = np.argwhere(~ok)
    first = tuple(int(i) for i in bad[0])
    noun = "rows" if e.ndim == 1 else "entries"
    raise CheckFailed(f"{w}: values differ at {len(bad)} of {e.size} {noun}; first: "
                      f"index {_index_text(first)} expected {show(e[first])} "
                      f"got {show(a[first])}{tol}")


def _hashable(value: Any) -> Any:
    """``value`` as something a set can hold: lists and arrays become tuples."""
    value = _plain(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return frozenset(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted(((_hashable(k), _hashable(v)) for k, v in value.items()), key=repr))
    return value


def same_set(actual: Any, expected: Iterable, *, what: str | None = None) -> None:
    """Same elements, order ignored, duplicates ignored (for a set-valued answer).

    Any collection is accepted (set, list, tuple, array); elements that are
    lists or arrays are compared as tuples, so ``[[1, 2]]`` and ``{(1, 2)}`` agree.
    """
    w = _what(what)
    if isinstance(actual, (str, bytes)) or not isinstance(actual, Iterable):
        raise CheckFailed(f"{w}: expected a collection, got {_describe(actual)}")
    got = {_hashable(v) for v in actual}
    want = {_hashable(v) for v in expected}
    missing, extra = want - got, got - want
    if missing or extra:
        raise CheckFailed(f"{w}: {_missing_extra(missing, extra, count=True, limit=80)} "
                          f"(order ignored)")


_NULL = ("<NULL>",)  # the key of SQL's NULL: None, NaN, NA and NaT alike
_AS_THEY_ARE = frozenset({int, str, bool})  # exactly these types: their own key


def _null_key(value: Any, digits: int) -> Any:
    """A hashable, comparable stand-in for one SQL/pandas cell value.

    NULL, None, NaN and pandas NA all become the same marker (SQL semantics:
    a missing value), floats (and decimals) are rounded to ``digits``
    significant digits.
    """
    if type(value) in _AS_THEY_ARE:  # most cells: called once per cell of every row
        return value
    if value is None:
        return _NULL
    pd = sys.modules.get("pandas")  # a pandas value exists only once pandas is imported
    if pd is not None:
        if value is pd.NA or value is pd.NaT:
            return _NULL
        if isinstance(value, pd.Timestamp):
            return ("ts", value.isoformat())
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, (float, np.floating)):
        return _float_key(float(value), digits)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    try:
        hash(value)
    except TypeError:
        return ("<value>", _hashable(value))
    return value


def _float_key(value: float, digits: int) -> Any:
    if value != value:  # NaN
        return _NULL
    if value == 0 or math.isinf(value):
        return value
    return float(f"{value:.{digits}g}")


def _cell_keys(values: Iterable, digits: int) -> list:
    """``_null_key`` of each value; the many that are their own key (ints, text) cost no call."""
    own = _AS_THEY_ARE
    return [v if type(v) in own else _null_key(v, digits) for v in values]


def _column_keys(column, digits: int) -> list:
    """``_null_key`` of each cell of a DataFrame's column, as its rows would hold them, worked
    on the column's array where its type allows (a SQL check compares every row of every
    result: taking a row's cells one by one was most of its cost)."""
    kind = column.dtype.kind if isinstance(column.dtype, np.dtype) else None
    if kind in ("i", "u", "b"):  # a row holds the same Python ints and bools
        return column.to_numpy().tolist()
    if kind == "f":
        return [_float_key(v, digits) for v in column.to_numpy().tolist()]
    if kind == "M":  # Timestamps: ("ts", isoformat), which for whole seconds numpy spells alike
        import pandas as pd

        values = column.to_numpy()
        seconds = values.astype("datetime64[s]")
        missing = np.isnat(values).tolist()
        whole = (seconds == values).tolist()  # any year, BC too, numpy writes as pandas does
        texts = np.datetime_as_string(seconds, unit="s").tolist()
        return [_NULL if m else ("ts", t) if w else ("ts", pd.Timestamp(v).isoformat())
                for v, t, w, m in zip(values, texts, whole, missing)]
    return _cell_keys(column, digits)


def _frame_keys(frame, digits: int) -> list[tuple]:
    """``_row_keys`` of a DataFrame's rows, without making the rows."""
    columns = [_column_keys(frame.iloc[:, k], digits) for k in range(frame.shape[1])]
    return list(zip(*columns)) if columns else [() for _ in range(len(frame))]


def _row_keys(rows: list[tuple], digits: int) -> list[tuple]:
    """``_null_key`` of every cell of a list of rows (a DataFrame's: :func:`_frame_keys`);
    worked column by column when the rows are all as wide."""
    if len({len(r) for r in rows}) != 1:
        return [tuple(_null_key(v, digits) for v in r) for r in rows]
    columns = [_cell_keys(column, digits) for column in zip(*rows)]
    return list(zip(*columns)) if columns else [() for _ in rows]


def _rows(value: Any, w: str) -> tuple[list[str] | None, list[tuple]]:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(value, pd.DataFrame):
        return [str(c) for c in value.columns], list(value.itertuples(index=False, name=None))
    if hasattr(value, "fetchall") and callable(value.fetchall):  # a DuckDB relation or cursor
        value = value.fetchall()
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        rows = []
        for r in value:
            rows.append(tuple(r) if isinstance(r, (tuple, list, np.ndarray)) else (r,))
        return None, rows
    raise CheckFailed(f"{w}: expected rows (a DataFrame or a list of tuples), got {show(value)}")


def _table(value: Any, w: str, digits: int) -> tuple[list[str] | None, list[tuple], Callable]:
    """(column names or None, each row's key, a function giving the rows as written, for
    messages): a DataFrame's keys are worked out column by column, its rows made only when
    a message shows one."""
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(value, pd.DataFrame):
        return ([str(c) for c in value.columns], _frame_keys(value, digits),
                lambda: list(value.itertuples(index=False, name=None)))
    columns, rows = _rows(value, w)
    return columns, _row_keys(rows, digits), lambda: rows


def rows_equal(actual: Any, expected: Any, *, what: str | None = None, ordered: bool = False,
               check_columns: bool = True, digits: int = 9) -> None:
    """Two tables with the same rows, compared as a multiset unless ``ordered``.

    Accepts DataFrames, lists of tuples or lists (a row may be a tuple, a list
    or an array), or a DuckDB relation. NULL/None/NaN/NA are one value (SQL's
    NULL), compared exactly; ints and floats of the same value agree; floats
    agree to ``digits`` significant digits. With ``check_columns`` and two
    DataFrames, column names must match in order.
    """
    w = _what(what)
    a_cols, a_keys, a_rows = _table(actual, w, digits)
    e_cols, e_keys, e_rows = _table(expected, w, digits)
    if check_columns and a_cols is not None and e_cols is not None and a_cols != e_cols:
        raise CheckFailed(f"{w}: expected columns {e_cols}, got {a_cols}")
    width = {len(k) for k in e_keys}
    bad_width = [i for i, k in enumerate(a_keys) if len(k) not in width] if width else []
    if bad_width:
        raise CheckFailed(f"{w}: expected rows of {sorted(width)} values, "
                          f"got {show(a_rows()[bad_width[0]])}")
    if ordered:
        if len(a_keys) != len(e_keys):
            raise CheckFailed(f"{w}: expected {len(e_keys)} rows, got {len(a_keys)}")
        for i, (a, e) in enumerate(zip(a_keys, e_keys)):
            if a != e:
                raise CheckFailed(f"{w}: rows differ from position {i}: expected "
                                  f"{show(e_rows()[i])}, got {show(a_rows()[i])} "
                                  f"(this question asks for a row order)")
        return
    a_count, e_count = Counter(a_keys), Counter(e_keys)
    if a_count != e_count:
        # show the rows as written, not their rounded stand-ins
        e_first = {k: r for k, r in zip(reversed(e_keys), reversed(e_rows()))}
        a_first = {k: r for k, r in zip(reversed(a_keys), reversed(a_rows()))}
        missing = list((e_count - a_count).elements())
        extra = list((a_count - e_count).elements())
        parts = [f"expected {len(e_keys)} rows, got {len(a_keys)}"]
        if missing:
            parts.append(f"{len(missing)} expected row(s) missing, e.g. "
                         f"{show(tuple(map(_plain, e_first[missing[0]])), 80)}")
        if extra:
            parts.append(f"{len(extra)} unexpected row(s), e.g. "
                         f"{show(tuple(map(_plain, a_first[extra[0]])), 80)}")
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
    if a.columns.has_duplicates:
        raise CheckFailed(f"{w}: column names appear twice: {list(a.columns)}")
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
        try:
            a = a.sort_values(list(a.columns), na_position="last", kind="stable")
        except TypeError as exc:
            raise CheckFailed(f"{w}: cannot sort your rows to compare them ({exc})") from None
        e = e.sort_values(list(e.columns), na_position="last", kind="stable")
    a, e = a.reset_index(drop=True), e.reset_index(drop=True)
    order = "" if check_row_order else " (after sorting both by every column)"
    for col in e.columns:
        a_na, e_na = a[col].isna().to_numpy(), e[col].isna().to_numpy()
        if not np.array_equal(a_na, e_na):
            i = int(np.argmax(a_na != e_na))
            raise CheckFailed(f"{w}: column {col!r}: missing values differ at {int((a_na != e_na).sum())} "
                              f"of {len(e)} rows; first: row {i} expected {show(e[col].iloc[i])} "
                              f"got {show(a[col].iloc[i])}{order}")
        keep = ~e_na
        av, ev = a[col].to_numpy()[keep], e[col].to_numpy()[keep]
        numeric = av.dtype.kind in "biufc"  # "1.5" the string is not 1.5 the number
        if numeric and (ev.dtype.kind in "fc" or (ev.dtype.kind in "iu" and av.dtype.kind == "f")):
            ok = np.isclose(av.astype(float), ev.astype(float), rtol=rtol, atol=atol)
        else:
            ok = _same_values(av, ev)
        if not ok.all():
            rows = np.flatnonzero(keep)
            j = int(np.argmax(~ok))
            raise CheckFailed(f"{w}: column {col!r}: values differ at {int((~ok).sum())} of {len(e)} rows; "
                              f"first: row {int(rows[j])} expected {show(ev[j])} "
                              f"got {show(av[j])}{order}")


def _same_values(av: np.ndarray, ev: np.ndarray) -> np.ndarray:
    """Per position, whether ``equal`` (types not checked) holds: ``av[i]`` against ``ev[i]``.

    Element by element in Python, except where NumPy gives the same answer at
    once: two arrays of one exact dtype (ints, bools, dates), or two object
    arrays holding only strings.
    """
    if av.dtype == ev.dtype and av.dtype.kind in "biu":
        return np.asarray(av == ev, dtype=bool)
    if av.dtype == ev.dtype and av.dtype.kind in "Mm":  # NaT is NaT, as NaN is NaN
        return np.asarray((av == ev) | (np.isnat(av) & np.isnat(ev)), dtype=bool)
    if av.dtype.kind == "O" and ev.dtype.kind == "O":
        from pandas.api.types import infer_dtype

        if infer_dtype(av, skipna=False) == "string" and infer_dtype(ev, skipna=False) == "string":
            return np.asarray(av == ev, dtype=bool)
    return np.array([_difference(x, y, "", False) is None for x, y in zip(av, ev)], dtype=bool)


def raises(exc_type: type[BaseException] | tuple[type[BaseException], ...], func: Callable,
           *args: Any, what: str | None = None, match: str | None = None, **kwargs: Any) -> None:
    """``func(*args, **kwargs)`` raises ``exc_type`` (and its message contains ``match``).

    The release stub (a body that only raises NotImplementedError) is "not
    attempted", even when ``exc_type`` would catch NotImplementedError.
    """
    w = what or f"{getattr(func, '__name__', 'your function')}({_args_text(args, kwargs)})"
    names = (exc_type.__name__ if isinstance(exc_type, type)
             else " or ".join(t.__name__ for t in exc_type))
    if _is_stub(getattr(func, "__func__", func)):
        raise NotAttempted(f"{w}: not attempted yet (the function still raises "
                           f"NotImplementedError)")
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
    Values outside the support (or of probability 0) fail at once.
    """
    from scipy import stats

    w = _what(what)
    if samples is None or isinstance(samples, (str, bytes)) or not isinstance(samples, Iterable):
        raise CheckFailed(f"{w}: expected a sequence of draws, got {_describe(samples)}")
    draws = [_hashable(d) for d in samples]
    if not draws:
        raise CheckFailed(f"{w}: expected draws, got none")
    support = [k for k, p in probabilities.items() if p > 0]
    outside = [d for d in draws if d not in set(support)]
    if outside:
        raise CheckFailed(f"{w}: drew {show(outside[0])} ({len(outside)} of {len(draws)} draws), "
                          f"which has probability 0")
    counts = Counter(draws)
    observed = np.array([counts.get(k, 0) for k in support], dtype=float)
    p = np.array([probabilities[k] for k in support], dtype=float)
    expected = p / p.sum() * len(draws)
    if len(support) < 2:
        return  # one possible value, and every draw is it
    result = stats.chisquare(observed, expected)
    if result.pvalue < alpha:
        worst = int(np.argmax(np.abs(observed - expected) / np.sqrt(expected)))
        raise CheckFailed(f"{w}: frequencies are unlikely under the stated probabilities "
                          f"(chi-square p = {result.pvalue:.2g} < {alpha:g}, {len(draws)} draws); "
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


def _methods(cls: type) -> dict[str, Any]:
    """The functions a class body defines: methods, static/class methods, properties."""
    found = {}
    for key, value in vars(cls).items():
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        elif isinstance(value, property):
            value = value.fget
        if isinstance(value, types.FunctionType):
            found[key] = value
    return found


def _is_stub_class(cls: type) -> bool:
    """True when the class's own methods all still hold the release stub.

    Dunder methods count only when the class has no other methods: a learner
    who wrote ``__init__`` but not ``fit`` and ``predict`` has not attempted
    the part yet.
    """
    methods = _methods(cls)
    named = {k: v for k, v in methods.items() if not (k.startswith("__") and k.endswith("__"))}
    chosen = named or methods
    return bool(chosen) and all(_is_stub(m) for m in chosen.values())


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
    if isinstance(obj, type) and _is_stub_class(obj):
        raise NotAttempted(f"`{name}`: every method still raises NotImplementedError: "
                           f"replace `raise NotImplementedError()` with your answer")
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


_ARGS = "\x00the arguments\x00"  # in a case's message until it is kept: see _written


def _written(message: str, case: Case) -> str:
    """A failing case's message with its call's arguments written out."""
    return message.replace(_ARGS, _args_text(case.args, case.kwargs))


# A time budget counts the call's own time, not the time the machine made it wait
# for a CPU: a grader running several students side by side on busy cores must
# not fail an answer that meets its budget on an idle one. Linux records, per
# thread, the time spent ready to run but waiting for a CPU (the run-queue
# time, field 2 of /proc/<pid>/task/<tid>/schedstat); that time is added to the
# budget. Sleeping, waiting on I/O and computing all still count. Where the
# figure is missing (another OS, schedstats off) budgets are plain wall time.
_BUDGET_WAIT_CAP = 10  # a budget stretches to at most this many times its length
# Set by a grader whose learner code runs in another process (``mlinterview
# grade``): the thread ids (as seen from here) whose CPU waits also count.
_budget_threads: Callable[[], Iterable[int]] | None = None


def _runqueue_seconds(threads: Iterable[int] | None = None, me: int | None = None) -> float:
    """Seconds this thread (or this process's thread ``me``), and ``threads`` (default: the
    grader's learner threads), waited for a CPU."""
    paths = [f"/proc/self/task/{me}/schedstat" if me else "/proc/thread-self/schedstat"]
    if threads is None and _budget_threads is not None:
        with suppress(Exception):
            threads = tuple(_budget_threads())
    paths += [f"/proc/{tid}/schedstat" for tid in threads or ()]
    total = 0
    for path in paths:
        try:
            with open(path, "rb") as fh:
                total += int(fh.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


class WaitForgivingDeadline:
    """A time limit of ``seconds`` that moves back by the time this thread and ``threads``
    spent waiting for a CPU that other work kept busy (see above): at most to
    ``_BUDGET_WAIT_CAP`` times its length, and never past ``limit`` (time.monotonic()).

    Both a budget and, under ``mlinterview grade``, a cell's time limit are one of these,
    so neither fails an answer because the grader ran other students beside it. "This
    thread" is the one that made it, whichever thread asks (a watchdog timer, say).
    """

    def __init__(self, seconds: float, threads: Iterable[int] | None = None, *,
                 limit: float | None = None):
        self.seconds, self.limit = seconds, limit
        self.threads = None if threads is None else tuple(threads)
        self.start = time.monotonic()
        self._me = threading.get_native_id()
        self._waited_before = _runqueue_seconds(self.threads, self._me)
        self.forgiven = 0.0  # seconds of waiting already added

    def at(self) -> float:
        end = self.start + self.seconds + self.forgiven
        return end if self.limit is None else min(end, self.limit)

    def left(self) -> float:
        """Seconds left; once none are, first moved back by the waits not yet forgiven."""
        left = self.at() - time.monotonic()
        if left <= 0:
            waited = _runqueue_seconds(self.threads, self._me) - self._waited_before - self.forgiven
            room = self.seconds * (_BUDGET_WAIT_CAP - 1) - self.forgiven
            if waited > 0.001 and room > 0:
                self.forgiven += min(waited, room)
                left = self.at() - time.monotonic()
        return left


@contextmanager
def _deadline(seconds: float | None):
    """Interrupt the block after ``seconds`` of its own time (main thread only; else
    no limit): wall time, plus the time it spent waiting for a busy CPU."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    clock = WaitForgivingDeadline(seconds)

    def _alarm(signum, frame):
        left = clock.left()
        if left > 0:
            signal.setitimer(signal.ITIMER_REAL, left)
            return
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
    an O(n^2) answer on the large case cannot finish); time the call spent
    waiting for a CPU that other work kept busy does not count. Raises
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


_ATOMS = frozenset({int, float, complex, bool, str, bytes, type(None)})


def _fresh(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """What ``copy.deepcopy`` makes of a case's arguments, sooner for the usual big one: a
    flat list of numbers (50,000 of them in m00) is copied by ``list``, as its items are
    immutable; deepcopy visits each (7 ms against 1 ms). One memo for all, as deepcopy's:
    an object passed twice is copied once, and both arguments share the copy."""
    memo: dict[int, Any] = {}

    def one(value: Any) -> Any:
        if id(value) in memo:
            return memo[id(value)]
        if type(value) is list and all(type(v) in _ATOMS for v in value):
            memo[id(value)] = copied = list(value)
            return copied
        return copy.deepcopy(value, memo)

    return tuple(one(a) for a in args), {k: one(v) for k, v in kwargs.items()}


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
        # the arguments are written out only for a message: most cases pass, and writing
        # out arrays is a good part of a test's own time
        call = f"{name}({_ARGS})"
        args, kwargs = _fresh(case.args, case.kwargs)
        try:
            with _deadline(budget_seconds):
                actual = func(*args, **kwargs)
        except _Deadline:
            raise TooSlow(f"{name} did not finish the {label!r} case within {budget_seconds:g} s; "
                          f"this part asks for a faster algorithm (see its contract)") from None
        except NotImplementedError:
            failures.append(_written(f"[{label}] {call} raised NotImplementedError", case))
            continue
        except Exception as exc:  # noqa: BLE001 - the learner's error is the finding
            if case.raises is not None and isinstance(exc, case.raises):
                continue
            failures.append(_written(f"[{label}] {call} raised {type(exc).__name__}: {exc}", case))
            continue
        if case.raises is not None:
            names = (case.raises.__name__ if isinstance(case.raises, type)
                     else " or ".join(t.__name__ for t in case.raises))
            failures.append(_written(f"[{label}] {call} should raise {names}, but returned "
                                     f"{show(actual)}", case))
            continue
        if case.has_expected:
            expected = case.expected
        elif reference is not None:
            fresh_args, fresh_kwargs = _fresh(case.args, case.kwargs)
            expected = reference(*fresh_args, **fresh_kwargs)
        else:
            raise ValueError(f"case {label!r} has no expected value and expect() no reference")
        failure = _compare(compare, actual, expected, f"[{label}] {call}")
        if failure:
            failures.append(_written(failure, case))
    return failures, len(case_list)


def expect_value(name: str, expected: Any = None, compare: Callable[..., None] = equal, *,
                 namespace: Mapping[str, Any] | None = None) -> None:
    """Declare and run a hidden test of a *value* the learner defines (not a function).

    ``compare(actual, expected, what=name)`` decides; a name that is not
    defined yet is "not attempted".
    """
    ns = _caller_namespace() if namespace is None else namespace
    actual = answer(name, ns)
    # a value deepcopy cannot copy (a generator, say) is compared as it is
    with suppress(Exception):
        actual = copy.deepcopy(actual)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        failure = _compare(compare, actual, expected, name)
    if failure:
        raise CheckFailed(failure)


def _compare(compare: Callable[..., None], actual: Any, expected: Any, what: str) -> str | None:
    """The comparison's message, or None when it passes.

    A comparison that crashes on an answer of an unexpected kind (a string
    where a number was due, say) is a failure of that answer, not a
    traceback through the checking code.
    """
    try:
        compare(actual, expected, what=what)
    except CheckFailed as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001
        return f"{what}: could not check {show(actual, 80)}: {type(exc).__name__}: {exc}"
    return None
