"""Every check accepts right answers (also written differently), rejects wrong ones,
and says what differs and where."""

from __future__ import annotations

import functools
import math
import threading
import time
import warnings
from collections import OrderedDict, defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlinterview import checks
from mlinterview.checks import Case, CheckFailed, NotAttempted, TooSlow

RELEASE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"


def fails(func, *args, **kwargs) -> str:
    """The message of the CheckFailed that ``func(*args, **kwargs)`` must raise."""
    with pytest.raises(CheckFailed) as info:
        func(*args, **kwargs)
    return str(info.value)


def stub_function(name: str = "knn_predict", params: str = "X_train, y_train, X_test, k"):
    """A function whose body is what nbgrader leaves in a release notebook."""
    ns: dict = {}
    body = "\n".join("    " + line for line in RELEASE_STUB.splitlines())
    exec(f'def {name}({params}):\n    """Docstring kept by the release."""\n{body}\n', ns)
    return ns[name]


# --------------------------------------------------------------------------- equal


class TestEqual:
    def test_accepts_numpy_numbers_for_python_ones(self):
        checks.equal((np.int64(0), np.int64(1)), (0, 1))
        checks.equal(np.float64(0.5), 0.5)
        checks.equal(np.bool_(True), True)

    def test_nan_equals_nan_in_the_same_place(self):
        checks.equal([1.0, float("nan")], [1.0, float("nan")])
        msg = fails(checks.equal, [float("nan"), 1.0], [1.0, float("nan")])
        assert "differs at [0]" in msg

    def test_dict_subclasses_are_dicts(self):
        counts = defaultdict(int, {"a": 2})
        checks.equal(counts, {"a": 2})
        checks.equal(OrderedDict(b=1, a=2), {"a": 2, "b": 1})

    def test_list_is_not_a_tuple_when_the_contract_names_one(self):
        msg = fails(checks.equal, [0, 1], (0, 1), what="first_pair_with_sum([2, 7], 9)")
        assert msg.startswith("first_pair_with_sum([2, 7], 9): ")
        assert "expected a tuple (0, 1), got a list [0, 1]" in msg
        assert "expected a tuple" in fails(checks.equal, np.array([0, 1]), (0, 1))

    def test_list_and_tuple_interchangeable_when_allowed(self):
        checks.equal([0, 1], (0, 1), check_type=False)
        checks.equal([(0, 1), [2, 3]], [[0, 1], (2, 3)], check_type=False)
        checks.equal(np.array([0, 1]), [0, 1], check_type=False)
        assert "differs at [1]" in fails(checks.equal, [0, 2], (0, 1), check_type=False)

    def test_bool_is_not_an_int(self):
        assert "got the bool True" in fails(checks.equal, True, 1)
        assert "expected the bool True" in fails(checks.equal, 1, True)

    def test_none(self):
        checks.equal(None, None)
        assert "expected None, got 0" in fails(checks.equal, 0, None)
        assert "got a NoneType None" in fails(checks.equal, None, (0, 1))

    def test_names_the_nested_position_that_differs(self):
        actual = [{4: 0}, {4: 0, 6: 1}, {4: 0, 6: 2}]
        expected = [{4: 0}, {4: 0, 6: 1}, {4: 0, 6: 1}]
        msg = fails(checks.equal, actual, expected, what="TRACE")
        assert msg == "TRACE: differs at [2][6]: expected 1, got 2"

    def test_missing_and_extra_keys(self):
        msg = fails(checks.equal, {"a": 1, "c": 3}, {"a": 1, "b": 2})
        assert "missing key(s) ['b']" in msg and "unexpected key(s) ['c']" in msg

    def test_length_difference(self):
        assert "expected 3 items, got 2" in fails(checks.equal, [1, 2], [1, 2, 3])

    def test_sets(self):
        checks.equal({1, 2}, {2, 1})
        msg = fails(checks.equal, {1, 3}, {1, 2})
        assert "missing [2]" in msg and "unexpected [3]" in msg

    def test_arrays_inside_containers(self):
        checks.equal([np.array([1, 2])], [np.array([1, 2])])
        msg = fails(checks.equal, [np.array([1, 3])], [np.array([1, 2])])
        assert "differs at [0]" in msg and "index 1 expected 2 got 3" in msg

    def test_incomparable_values_fail_with_a_message(self):
        class Weird:
            def __eq__(self, other):
                raise RuntimeError("no")

        assert "could not compare" in fails(checks.equal, Weird(), 3)


# --------------------------------------------------------------------------- close


class TestClose:
    def test_accepts_any_real_number_type(self):
        checks.close(2, 2.0)
        checks.close(np.float32(0.1), 0.1, rtol=1e-6)
        checks.close(np.array(3.0), 3.0)  # a 0-d array, as np.sum returns in places
        checks.close(1.0 + 5e-10, 1.0)

    def test_nan_and_infinity(self):
        checks.close(float("nan"), math.nan)
        checks.close(np.inf, math.inf)
        assert "expected nan, got 1.0" in fails(checks.close, 1.0, math.nan)
        assert "expected inf" in fails(checks.close, -np.inf, math.inf)

    def test_says_how_far_off_and_the_tolerance(self):
        msg = fails(checks.close, 0.52, 0.5, what="log_loss", rtol=0, atol=1e-3)
        assert msg == "log_loss: expected 0.5, got 0.52 (off by 0.02; tolerance 0.001 + 0 x |expected|)"

    @pytest.mark.parametrize("wrong, says", [
        ("0.5", "got a str '0.5'"),
        (True, "got a bool True"),
        (np.array([0.5]), "of shape (1,)"),
        (None, "got None"),
        ([0.5], "got [0.5]"),
    ])
    def test_rejects_what_is_not_a_number(self, wrong, says):
        assert says in fails(checks.close, wrong, 0.5)


# --------------------------------------------------------------------------- arrays


class TestArrays:
    def test_counts_differences_and_names_the_first(self):
        y_true = np.arange(200) % 2
        y_pred = y_true.copy()
        y_pred[[17, 50, 199]] = 1 - y_pred[[17, 50, 199]]
        msg = fails(checks.array_equal, y_pred, y_true, what="knn_predict(...)")
        assert msg == "knn_predict(...): values differ at 3 of 200 rows; first: index 17 expected 1 got 0"
        msg = fails(checks.array_close, y_pred.astype(float), y_true.astype(float))
        assert "differ at 3 of 200 rows" in msg and "index 17" in msg and "tolerance" in msg

    def test_two_dimensional_index(self):
        expected = np.zeros((3, 4))
        actual = expected.copy()
        actual[1, 2] = 0.5
        msg = fails(checks.array_close, actual, expected)
        assert "values differ at 1 of 12 entries; first: index (1, 2) expected 0.0 got 0.5" in msg

    def test_lists_tuples_arrays_and_int_kinds_are_one_answer(self):
        checks.array_equal([1, 2, 3], np.array([1, 2, 3]))
        checks.array_equal((1, 2, 3), [1.0, 2.0, 3.0])
        checks.array_equal(np.array([1, 2], dtype=np.int32), np.array([1, 2], dtype=np.int64))
        checks.array_close([0.1 + 0.2, 1.0], (0.3, 1.0))

    def test_nan_in_the_same_place_only(self):
        checks.array_close([1.0, np.nan], [1.0, np.nan])
        checks.array_equal([1.0, np.nan], [1.0, np.nan])
        assert "index 1" in fails(checks.array_close, [np.nan, np.nan], [np.nan, 1.0])
        assert "index 0" in fails(checks.array_equal, [np.nan, 1.0], [2.0, 1.0])

    def test_shape(self):
        msg = fails(checks.array_close, np.zeros((3, 1)), np.zeros(3))
        assert msg == "your answer: expected shape (3,), got shape (3, 1)"

    def test_none_says_return_is_missing(self):
        assert "did you forget to return?" in fails(checks.array_close, None, [1.0])

    def test_scalar_arrays(self):
        checks.array_close(np.float64(2.0), 2.0)
        assert "expected 2.0, got 1.0" in fails(checks.array_close, 1.0, 2.0)

    def test_strings_where_numbers_are_due(self):
        assert "expected numbers" in fails(checks.array_close, ["a", "b"], [1.0, 2.0])
        assert "values differ at 2 of 2" in fails(checks.array_equal, ["a", "b"], [1, 2])

    def test_dtype_kind_when_asked(self):
        checks.array_close([1.0, 2.0], np.array([1, 2]))
        msg = fails(checks.array_close, [1.0, 2.0], np.array([1, 2]), check_dtype_kind=True)
        assert "expected dtype int64 (kind 'i'), got float64 (kind 'f')" in msg


# --------------------------------------------------------------------------- sets


class TestSameSet:
    def test_order_duplicates_and_collection_type_ignored(self):
        checks.same_set([3, 1, 2, 2], {1, 2, 3})
        checks.same_set(np.array([2, 1]), [1, 2])
        checks.same_set([[1, 2], [3, 4]], {(3, 4), (1, 2)})

    def test_missing_and_unexpected(self):
        msg = fails(checks.same_set, [1, 2, 5], {1, 2, 3, 4}, what="frequent_itemsets")
        assert msg == "frequent_itemsets: missing 2: [3, 4]; unexpected 1: [5] (order ignored)"

    def test_a_string_or_none_is_not_a_collection(self):
        assert "expected a collection, got a str 'ab'" in fails(checks.same_set, "ab", {"a", "b"})
        assert "expected a collection" in fails(checks.same_set, None, {1})


# --------------------------------------------------------------------------- query results


class TestRowsEqual:
    expected = [(1, "a", 0.5), (2, "b", None), (3, "c", 1 / 3)]

    def test_row_order_ignored_unless_asked(self):
        checks.rows_equal(list(reversed(self.expected)), self.expected)
        msg = fails(checks.rows_equal, list(reversed(self.expected)), self.expected, ordered=True)
        assert "rows differ from position 0" in msg and "asks for a row order" in msg

    def test_numpy_types_nulls_and_float_noise(self):
        actual = pd.DataFrame({"id": np.array([3, 1, 2], dtype=np.int64),
                               "name": ["c", "a", "b"],
                               "score": [0.1 + 0.2 + 1 / 3 - 0.3, 0.5, np.nan]})
        checks.rows_equal(actual, self.expected)
        checks.rows_equal([[1, "a", 0.5], [2, "b", float("nan")], [3, "c", 1 / 3]], self.expected)

    def test_missing_and_unexpected_rows_are_shown_as_written(self):
        actual = [(1, "a", 0.5), (2, "b", 0.0), (3, "c", 1 / 3)]
        msg = fails(checks.rows_equal, actual, self.expected, what="query")
        assert msg == ("query: expected 3 rows, got 3; 1 expected row(s) missing, e.g. (2, 'b', None); "
                       "1 unexpected row(s), e.g. (2, 'b', 0.0) (row order ignored)")

    def test_duplicates_count(self):
        msg = fails(checks.rows_equal, [(1,), (1,)], [(1,)])
        assert "expected 1 rows, got 2" in msg and "1 unexpected row(s), e.g. (1,)" in msg

    def test_columns_of_two_frames(self):
        a = pd.DataFrame({"user_id": [1], "n": [2]})
        e = pd.DataFrame({"user_id": [1], "n_orders": [2]})
        assert "expected columns ['user_id', 'n_orders']" in fails(checks.rows_equal, a, e)
        checks.rows_equal(a, e, check_columns=False)

    def test_row_width(self):
        assert "expected rows of [3] values" in fails(checks.rows_equal, [(1, "a")], self.expected)

    def test_duckdb_relation_and_decimals(self):
        duckdb = pytest.importorskip("duckdb")
        con = duckdb.connect()
        relation = con.sql("SELECT * FROM (VALUES (2, 1.50::DECIMAL(4,2)), (1, NULL)) t(id, amount)")
        checks.rows_equal(relation, [(1, None), (2, 1.5)])

    def test_array_rows(self):
        checks.rows_equal(np.array([[1, 2], [3, 4]]), [(3, 4), (1, 2)])

    _cells = st.one_of(
        st.integers(), st.text(max_size=3), st.booleans(), st.none(),
        st.floats(allow_nan=True, allow_infinity=True), st.just(pd.NA), st.just(pd.NaT),
        st.integers(-10**6, 10**6).map(np.int64), st.floats(width=32).map(np.float32),
        st.integers(0, 10**9).map(lambda s: pd.Timestamp(s, unit="s")), st.just(True).map(np.bool_),
        st.lists(st.integers(), max_size=2))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.lists(_cells, min_size=0, max_size=4), max_size=6))
    def test_rows_are_keyed_column_by_column_as_they_are_cell_by_cell(self, rows):
        """The column-wise keys (one call per cell only where a cell is not its own key)
        are the per-cell keys, for rows of one width and of many."""
        rows = [tuple(r) for r in rows]
        by_cell = [tuple(checks._null_key(v, 9) for v in r) for r in rows]
        by_column = checks._row_keys(rows, 9)
        assert by_column == by_cell
        assert [tuple(map(type, r)) for r in by_column] == [tuple(map(type, r)) for r in by_cell]

    _instants = st.one_of(  # whole seconds (numpy spells them) and not, at the calendar's ends
        st.integers(-62_135_596_800, 253_402_300_799).map(lambda s: np.datetime64(s, "s")),
        st.integers(-2**62, 2**62).map(lambda n: np.datetime64(n, "ns")),
        st.integers(-10**17, 10**17).map(lambda n: np.datetime64(n, "us")),
        st.just(np.datetime64("NaT")))
    _columns = st.one_of(
        st.lists(st.integers(-2**63, 2**63 - 1)).map(lambda v: pd.Series(v, dtype="int64")),
        st.lists(st.integers(0, 255)).map(lambda v: pd.Series(v, dtype="uint8")),
        st.lists(st.booleans()).map(lambda v: pd.Series(v, dtype=bool)),
        st.lists(st.floats()).map(lambda v: pd.Series(v, dtype="float64")),
        st.lists(st.floats(width=32)).map(lambda v: pd.Series(v, dtype="float32")),
        st.lists(_instants).map(lambda v: pd.Series(v, dtype="datetime64[ns]")
                                if all(x.dtype == "datetime64[ns]" for x in v) else None),
        st.lists(_instants.filter(lambda x: x.dtype != "datetime64[ns]")).map(
            lambda v: pd.Series(np.array(v, dtype="datetime64[us]"))),
        st.lists(st.one_of(st.integers(-10**12, 10**12), st.integers(-2**40, 2**40))).map(
            lambda v: pd.Series(np.array(v, dtype="datetime64[s]"))),  # years past 9999, and BC
        st.lists(st.one_of(st.none(), st.integers(-5, 5))).map(lambda v: pd.Series(v, dtype="Int64")),
        st.lists(st.one_of(st.none(), st.text(max_size=3))).map(lambda v: pd.Series(v, dtype=object)),
        st.lists(st.one_of(st.none(), st.text(max_size=3))).map(lambda v: pd.Series(v, dtype="string")),
        st.lists(_cells).map(lambda v: pd.Series(v, dtype=object)))

    @settings(max_examples=300, deadline=None)
    @given(st.lists(_columns.filter(lambda c: c is not None), max_size=4), st.integers(0, 6))
    def test_a_frame_is_keyed_by_column_as_its_rows_are_cell_by_cell(self, columns, n):
        """A DataFrame's keys, worked on its columns' arrays, are its rows' keys, cell for
        cell and type for type: for every dtype a query or a reference returns."""
        frame = pd.DataFrame({f"c{k}": c.iloc[:n].reset_index(drop=True).reindex(range(n))
                              if len(c) < n else c.iloc[:n].reset_index(drop=True)
                              for k, c in enumerate(columns)}, index=range(n) if columns else None)
        by_cell = checks._row_keys(list(frame.itertuples(index=False, name=None)), 9)
        by_column = checks._frame_keys(frame, 9)
        assert by_column == by_cell
        assert [tuple(map(type, r)) for r in by_column] == [tuple(map(type, r)) for r in by_cell]

    def test_a_frames_rows_are_plain_tuples_of_its_cells(self):
        frame = pd.DataFrame({"id": [1, 2], "when": pd.to_datetime(["2024-01-01", None]),
                              "n": pd.array([1, None], dtype="Int64"), "x": [0.5, np.nan]})
        columns, rows = checks._rows(frame, "w")
        assert columns == ["id", "when", "n", "x"] and all(type(r) is tuple for r in rows)
        checks.rows_equal(frame, [(2, None, None, None), (1, pd.Timestamp("2024-01-01"), 1, 0.5)])


class TestFrameEqual:
    expected = pd.DataFrame({"city": ["a", "b", "c"], "mean_price": [1.5, np.nan, 3.0]})

    def test_same_frame_other_row_and_column_order(self):
        actual = pd.DataFrame({"mean_price": [3.0, 1.5, np.nan], "city": ["c", "a", "b"]})
        checks.frame_equal(actual, self.expected, check_row_order=False, check_column_order=False)
        msg = fails(checks.frame_equal, actual, self.expected)
        assert msg == "your answer: expected columns ['city', 'mean_price'], got ['mean_price', 'city']"

    def test_value_difference_names_column_and_row(self):
        actual = self.expected.copy()
        actual.loc[2, "mean_price"] = 3.5
        msg = fails(checks.frame_equal, actual, self.expected, what="mean_price_by_city(df)")
        assert msg == ("mean_price_by_city(df): column 'mean_price': values differ at 1 of 3 rows; "
                       "first: row 2 expected 3.0 got 3.5")

    def test_missing_values_in_other_cells(self):
        actual = self.expected.fillna(0.0)
        msg = fails(checks.frame_equal, actual, self.expected)
        assert "column 'mean_price': missing values differ at 1 of 3 rows; first: row 1" in msg

    def test_dtype(self):
        actual = self.expected.astype({"mean_price": "float32"})
        assert "has dtype float32, expected float64" in fails(checks.frame_equal, actual, self.expected)
        checks.frame_equal(actual, self.expected, check_dtype=False, rtol=1e-6)

    def test_strings_for_numbers_without_dtype_check(self):
        actual = self.expected.astype({"mean_price": str})
        msg = fails(checks.frame_equal, actual, self.expected, check_dtype=False)
        assert "column 'mean_price'" in msg

    def test_not_a_frame(self):
        assert "expected a pandas DataFrame, got list" in fails(checks.frame_equal, [], self.expected)


    def test_string_bool_and_date_columns_name_the_first_difference(self):
        expected = pd.DataFrame({"id": ["01", "02", "03"], "vip": [True, False, True],
                                 "day": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"])})
        checks.frame_equal(expected.copy(), expected)
        for col, value, shown in (("id", "2", "'2'"), ("vip", True, "True"),
                                  ("day", pd.Timestamp("2024-02-02"), "2024, 2, 2")):
            actual = expected.copy()
            actual.loc[1, col] = value
            assert f"column {col!r}: values differ at 1 of 3 rows; first: row 1" in \
                fails(checks.frame_equal, actual, expected)
            assert shown in fails(checks.frame_equal, actual, expected)
        # "1" the text is not 1 the number, nor True the bool, without the dtype check
        actual = expected.astype({"vip": int})
        assert "column 'vip'" in fails(checks.frame_equal, actual, expected, check_dtype=False)


# what `_same_values` must agree with: `equal` with types not checked, one position at a time
_VALUES = st.sampled_from(["a", "b", "1", "", 1, 0, 2, 1.0, 0.5, True, False, np.int64(1),
                           np.float64(0.5), np.str_("a"), np.bool_(True),
                           pd.Timestamp("2024-01-01"), (1, 2), [1, 2]])


class TestSameValues:
    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.tuples(_VALUES, _VALUES), max_size=12))
    def test_fast_paths_agree_with_equal_element_by_element(self, pairs):
        av = np.empty(len(pairs), dtype=object)
        ev = np.empty(len(pairs), dtype=object)
        for i, (a, e) in enumerate(pairs):
            av[i], ev[i] = a, e
        want = [checks._difference(a, e, "", False) is None for a, e in pairs]
        assert checks._same_values(av, ev).tolist() == want
        for dtype in ("int64", "bool", "datetime64[ns]", "str"):
            try:
                typed_a, typed_e = av.astype(dtype), ev.astype(dtype)
            except (TypeError, ValueError, OverflowError):
                continue
            if dtype == "str":
                typed_a, typed_e = typed_a.astype(object), typed_e.astype(object)
            want = [checks._difference(a, e, "", False) is None for a, e in zip(typed_a, typed_e)]
            assert checks._same_values(typed_a, typed_e).tolist() == want

# --------------------------------------------------------------------------- raises


def _check_k(k):
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return k


class TestRaises:
    def test_the_right_error(self):
        checks.raises(ValueError, _check_k, 0)
        checks.raises((TypeError, ValueError), _check_k, 0, match="at least 1")

    def test_no_error(self):
        msg = fails(checks.raises, ValueError, _check_k, 3)
        assert msg == "_check_k(3): expected ValueError to be raised, but it returned 3"

    def test_another_error(self):
        msg = fails(checks.raises, TypeError, _check_k, 0)
        assert "expected TypeError, but it raised ValueError: k must be at least 1, got 0" in msg

    def test_message_must_mention(self):
        assert "does not mention 'positive'" in fails(checks.raises, ValueError, _check_k, 0,
                                                      match="positive")

    def test_the_release_stub_is_not_attempted_even_if_the_type_would_match(self):
        stub = stub_function()
        with pytest.raises(NotAttempted, match="not attempted"):
            checks.raises(RuntimeError, stub, None, None, None, 3)  # NotImplementedError is one


# --------------------------------------------------------------------------- samples


class TestSampleMatches:
    probabilities = {"a": 0.5, "b": 0.3, "c": 0.2}

    def test_a_correct_sampler_passes(self):
        rng = np.random.default_rng(0)
        draws = rng.choice(list(self.probabilities), size=2000, p=list(self.probabilities.values()))
        checks.sample_matches(draws, self.probabilities)
        checks.sample_matches(iter(list(draws)), self.probabilities)  # any iterable

    def test_a_biased_sampler_fails_naming_the_value(self):
        rng = np.random.default_rng(0)
        draws = rng.choice(["a", "b", "c"], size=2000, p=[1 / 3, 1 / 3, 1 / 3])
        msg = fails(checks.sample_matches, draws, self.probabilities, what="weighted_sample")
        assert "weighted_sample: frequencies are unlikely" in msg
        assert "most off: 'c' drawn" in msg and "expected about 400" in msg  # 2/3 too often

    def test_values_outside_the_support(self):
        msg = fails(checks.sample_matches, ["a", "d", "a"], self.probabilities)
        assert "drew 'd' (1 of 3 draws), which has probability 0" in msg
        msg = fails(checks.sample_matches, ["a", "z"], {"a": 1.0, "z": 0.0})
        assert "drew 'z'" in msg

    def test_no_draws(self):
        assert "expected draws, got none" in fails(checks.sample_matches, [], self.probabilities)
        assert "expected a sequence of draws" in fails(checks.sample_matches, None, self.probabilities)


# --------------------------------------------------------------------------- not attempted


class TestNotAttempted:
    def test_release_stub_function(self):
        ns = {"knn_predict": stub_function()}
        with pytest.raises(NotAttempted) as info:
            checks.attempted("knn_predict", ns)
        assert "`knn_predict` still raises NotImplementedError" in str(info.value)

    def test_undefined_name(self):
        with pytest.raises(NotAttempted, match="`COMPLEXITY` is not defined yet"):
            checks.attempted("COMPLEXITY", {})

    def test_top_level_release_stub_leaves_the_name_undefined(self):
        ns: dict = {}
        with pytest.raises(NotImplementedError):
            exec(RELEASE_STUB, ns)
        with pytest.raises(NotAttempted):
            checks.answer("HUNT_CASES", ns)

    def test_class_whose_methods_are_all_stubs(self):
        ns: dict = {}
        body = "\n".join("        " + line for line in RELEASE_STUB.splitlines())
        exec("class KNN:\n"
             f"    def __init__(self, k=3):\n{body}\n"
             f"    def fit(self, X, y):\n{body}\n"
             f"    @staticmethod\n    def distance(a, b):\n{body}\n"
             f"    def predict(self, X):\n{body}\n", ns)
        with pytest.raises(NotAttempted, match="every method still raises NotImplementedError"):
            checks.attempted("KNN", ns)

    def test_a_class_with_only_init_written_is_not_attempted_yet(self):
        ns: dict = {}
        exec("class KNN:\n"
             "    def __init__(self, k=3):\n        self.k = k\n"
             "    def predict(self, X):\n        raise NotImplementedError()\n", ns)
        with pytest.raises(NotAttempted):
            checks.attempted("KNN", ns)

    def test_real_answers_are_attempted(self):
        ns: dict = {}
        exec("def knn_predict(X_train, y_train, X_test, k):\n"
             "    if k < 1:\n        raise NotImplementedError('k < 1')\n"
             "    return y_train[:len(X_test)]\n"
             "class KNN:\n"
             "    def fit(self, X, y):\n        raise NotImplementedError()\n"
             "    def predict(self, X):\n        return X\n"
             "class Empty:\n    pass\n"
             "COMPLEXITY = {}\nnothing = None\n", ns)
        for name in ("knn_predict", "KNN", "Empty", "COMPLEXITY", "nothing"):
            checks.attempted(name, ns)
        assert checks.answer("knn_predict", ns) is ns["knn_predict"]

    def test_the_calling_notebook_namespace_is_the_default(self):
        global _module_answer
        _module_answer = 42
        assert checks.answer("_module_answer") == 42
        with pytest.raises(NotAttempted):
            checks.attempted("_no_such_answer_here")


_module_answer = None


# --------------------------------------------------------------------------- declarations


def _square(x):
    return x * x


class TestExpect:
    def test_a_right_answer_written_differently_passes(self):
        ns = {"square": lambda x: x ** 2}
        cases = [Case.of(x, label=f"x={x}") for x in (-3, 0, 4)]
        assert checks.expect("square", cases, _square, namespace=ns) is None

    def test_failures_are_counted_and_labelled(self):
        ns = {"square": lambda x: x * x if x >= 0 else -x * x}
        cases = [Case.of(x, label=label) for x, label in
                 ((-3, "negative"), (0, "zero"), (4, "positive"), (-1, "minus one"), (-2, "minus two"))]
        msg = fails(checks.expect, "square", cases, _square, namespace=ns, show_failures=2)
        lines = msg.splitlines()
        assert lines[0] == "square: 3 of 5 hidden cases failed"
        assert lines[1] == "  - [negative] square(-3): expected 9, got -9"
        assert lines[3] == "  ... and 1 more"

    def test_the_learner_cannot_change_the_expected_answer_by_mutating_input(self):
        def sort_in_place(nums):
            nums.sort()
            return nums[0]

        checks.expect("smallest", [Case.of([3, 1, 2])], reference=lambda nums: nums[0] if False
                      else min(nums), namespace={"smallest": sort_in_place})
        data = [3, 1, 2]
        checks.expect("smallest", [Case.of(data)], reference=min, namespace={"smallest": sort_in_place})
        assert data == [3, 1, 2]

    def test_raising_cases_and_errors(self):
        ns = {"check_k": _check_k}
        checks.expect("check_k", [Case.of(0).raising(ValueError), Case.of(2)], reference=lambda k: k,
                      namespace=ns)
        msg = fails(checks.expect, "check_k", [Case.of(3, label="k=3").raising(ValueError)],
                    namespace=ns)
        assert "[k=3] check_k(3) should raise ValueError, but returned 3" in msg
        msg = fails(checks.expect, "check_k", [Case.of(-1, label="k=-1")], reference=abs, namespace=ns)
        assert "[k=-1] check_k(-1) raised ValueError: k must be at least 1, got -1" in msg

    def test_expected_values_in_cases(self):
        checks.expect("square", [Case.of(3).expecting(9)], namespace={"square": _square})
        assert "expected 10, got 9" in fails(checks.expect, "square", [Case.of(3).expecting(10)],
                                             namespace={"square": _square})

    def test_a_comparison_that_crashes_is_a_failure_not_a_traceback(self):
        def strict(actual, expected, *, what=None):
            return actual.shape == expected.shape  # AttributeError on a list

        msg = fails(checks.expect, "f", [Case.of(1)], reference=lambda x: np.zeros(2),
                    compare=strict, namespace={"f": lambda x: [0, 0]})
        assert "f(1): could not check [0, 0]: AttributeError" in msg

    def test_a_failing_case_writes_out_its_arguments_and_a_passing_one_never_does(self, monkeypatch):
        written = []
        monkeypatch.setattr(checks, "show", lambda value, limit=120: written.append(value) or repr(value))
        cases = [Case.of(np.arange(3), label="ok"), Case.of(np.arange(4), label="bad")]
        msg = fails(checks.expect, "total", cases, reference=lambda a: int(a.sum()),
                    namespace={"total": lambda a: int(a.sum()) if len(a) < 4 else -1})
        assert "[bad] total(array([0, 1, 2, 3])): expected 6, got -1" in msg
        assert "\x00" not in msg and [len(v) for v in written if isinstance(v, np.ndarray)] == [4]

    def test_tolerance_through_partial(self):
        compare = functools.partial(checks.array_close, rtol=1e-3)
        checks.expect("f", [Case.of(1.0)], reference=lambda x: np.array([x, 2 * x]), compare=compare,
                      namespace={"f": lambda x: [x * 1.0001, 2 * x]})

    def test_warnings_are_recorded_not_printed(self, capfd):
        def noisy(x):
            warnings.warn("this estimator is deprecated", FutureWarning, stacklevel=1)
            return x + 1

        msg = fails(checks.expect, "noisy", [Case.of(1)], reference=lambda x: x, namespace={"noisy": noisy})
        assert "warnings while checking, first: FutureWarning: this estimator is deprecated" in msg
        checks.expect("noisy", [Case.of(1)], reference=lambda x: x + 1, namespace={"noisy": noisy})
        assert capfd.readouterr().err == ""

    def test_the_stub_is_not_attempted(self):
        with pytest.raises(NotAttempted):
            checks.expect("knn_predict", [Case.of(1, 2, 3, 4)], reference=_square,
                          namespace={"knn_predict": stub_function()})

    @pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                        reason="the time budget uses SIGALRM, main thread only")
    def test_the_time_budget_stops_an_endless_loop_even_under_except_exception(self):
        def stubborn(n):
            while True:
                try:
                    while True:
                        pass
                except Exception:  # noqa: BLE001 - what a learner writes
                    pass

        started = time.monotonic()
        with pytest.raises(TooSlow) as info:
            checks.expect("stubborn", [Case.of(10, label="large n")], reference=_square,
                          budget_seconds=0.3, namespace={"stubborn": stubborn})
        assert time.monotonic() - started < 5
        assert "did not finish the 'large n' case within 0.3 s" in str(info.value)


def _burn_cpu(seconds: float) -> None:
    """Compute for ``seconds`` of this thread's own CPU time (however long that takes)."""
    start = time.thread_time()
    while time.thread_time() - start < seconds:
        pass


def _hogs_on_my_cpu(n: int):
    """``n`` busy processes pinned to the one CPU this process is pinned to."""
    import multiprocessing
    import os

    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    ctx = multiprocessing.get_context("fork")

    def hog():
        os.sched_setaffinity(0, {cpu})
        while True:
            pass

    procs = [ctx.Process(target=hog, daemon=True) for _ in range(n)]
    for p in procs:
        p.start()
    return procs


@pytest.mark.skipif(not __import__("os").path.exists("/proc/thread-self/schedstat"),
                    reason="Linux run-queue times (schedstat) are not available here")
@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="the time budget uses SIGALRM, main thread only")
class TestBudgetUnderContention:
    """A budget counts the answer's own time: a machine busy with other students' work
    (a grader running several side by side) must not fail an answer that fits."""

    @pytest.fixture
    def crowded(self):
        import os

        saved = os.sched_getaffinity(0)
        procs = _hogs_on_my_cpu(4)  # this process gets about a fifth of its CPU
        time.sleep(0.2)
        yield
        for p in procs:
            p.kill()
            p.join()
        os.sched_setaffinity(0, saved)

    def test_an_answer_within_budget_passes_on_a_crowded_cpu(self, crowded):
        def fits(n):
            _burn_cpu(0.3)
            return n * n

        started = time.monotonic()
        checks.expect("fits", [Case.of(3, label="large n")], reference=_square,
                      budget_seconds=1.0, namespace={"fits": fits})
        # it did take longer than its budget by the clock: the waits were forgiven
        assert time.monotonic() - started > 1.0

    def test_without_the_forgiveness_the_same_answer_fails(self, crowded, monkeypatch):
        def fits(n):
            _burn_cpu(0.3)
            return n * n

        monkeypatch.setattr(checks, "_runqueue_seconds", lambda *args: 0.0)
        with pytest.raises(TooSlow):
            checks.expect("fits", [Case.of(3, label="large n")], reference=_square,
                          budget_seconds=1.0, namespace={"fits": fits})

    def test_an_answer_over_budget_still_fails_on_a_crowded_cpu(self, crowded):
        def quadratic(n):
            _burn_cpu(2.0)
            return n * n

        with pytest.raises(TooSlow):
            checks.expect("quadratic", [Case.of(3, label="large n")], reference=_square,
                          budget_seconds=0.5, namespace={"quadratic": quadratic})

    def test_sleeping_counts(self):
        def sleepy(n):
            time.sleep(1.5)
            return n * n

        with pytest.raises(TooSlow):
            checks.expect("sleepy", [Case.of(3, label="large n")], reference=_square,
                          budget_seconds=0.5, namespace={"sleepy": sleepy})


class TestExpectValue:
    def test_pass_fail_and_not_attempted(self):
        ns = {"ANSWER": (0, 4)}
        checks.expect_value("ANSWER", (0, 4), namespace=ns)
        assert "ANSWER: differs at [1]: expected 3, got 4" in fails(
            checks.expect_value, "ANSWER", (0, 3), namespace=ns)
        with pytest.raises(NotAttempted):
            checks.expect_value("TRACE", [], namespace=ns)

    def test_the_comparison_sees_a_copy(self):
        def destructive(actual, expected, *, what=None):
            actual.clear()

        ns = {"CASES": [1, 2]}
        checks.expect_value("CASES", None, compare=destructive, namespace=ns)
        assert ns["CASES"] == [1, 2]


# --------------------------------------------------------------------------- rendering


def test_ipython_renders_the_message_not_a_traceback():
    err = CheckFailed("knn_predict(...): values differ at 3 of 200 rows; first: index 17 expected 1 got 0")
    assert err._render_traceback_() == [
        "\x1b[0;31mCheck failed\x1b[0m: knn_predict(...): values differ at 3 of 200 rows; "
        "first: index 17 expected 1 got 0"]
    assert NotAttempted("x")._render_traceback_() == ["\x1b[0;31mNot attempted\x1b[0m: x"]
    assert isinstance(err, AssertionError)  # nbgrader scores the cell 0


def test_show_cuts_long_values_and_prints_numpy_scalars_plainly():
    assert checks.show(np.float64(0.5)) == "0.5"
    text = checks.show(list(range(1000)), limit=40)
    assert len(text) <= 40 and " ... " in text
    assert checks.show(pd.DataFrame({"a": [1, 2]})) == "DataFrame with 2 rows and columns ['a']"


# --------------------------------------------------------------------------- in a real kernel


def test_in_a_kernel_the_learner_sees_one_line_and_no_traceback(tmp_path):
    """What a learner sees in JupyterLab: the error output of each cell, run by nbclient."""
    import nbformat
    from nbclient import NotebookClient

    stub_body = "\n".join("    " + line for line in RELEASE_STUB.splitlines())
    method_body = "\n".join("        " + line for line in RELEASE_STUB.splitlines())
    cells = {
        "setup": "from mlinterview import checks\nimport functools",
        "wrong": "checks.array_equal([0] * 17 + [1, 0, 0], [0] * 20, what='knn_predict(X_test)')",
        "stub": f"def knn_predict(X_train, y_train, X_test, k):\n    '''Doc.'''\n{stub_body}\n"
                "checks.attempted('knn_predict')",
        "undefined": "checks.attempted('COMPLEXITY')",
        "class": f"class KNN:\n    def fit(self, X, y):\n{method_body}\n"
                 f"    def predict(self, X):\n{method_body}\n"
                 "checks.attempted('KNN')",
        "real": "def smallest(nums):\n    return min(nums)\n"
                "checks.attempted('smallest')\n"
                "checks.expect('smallest', cases=[([3, 1],), ([2],)], reference=min)\n"
                "print('ok')",
        "endless": "def count_pairs(nums):\n    while True:\n        try:\n            while True:\n"
                   "                pass\n        except Exception:\n            pass\n"
                   "checks.expect('count_pairs', cases=[checks.Case.of([1, 2], label='large n')],\n"
                   "              reference=len, budget_seconds=0.5)",
    }
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in cells.values()])
    NotebookClient(nb, timeout=30, allow_errors=True, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    out = dict(zip(cells, nb.cells))

    def error(name):
        errors = [o for o in out[name].outputs if o.output_type == "error"]
        assert len(errors) == 1, out[name].outputs
        return errors[0]

    wrong = error("wrong")
    assert wrong.ename == "CheckFailed"
    assert wrong.traceback == ["\x1b[0;31mCheck failed\x1b[0m: knn_predict(X_test): values differ "
                               "at 1 of 20 rows; first: index 17 expected 0 got 1"]
    for name, says in (("stub", "`knn_predict` still raises NotImplementedError"),
                       ("undefined", "`COMPLEXITY` is not defined yet"),
                       ("class", "`KNN`: every method still raises NotImplementedError")):
        err = error(name)
        assert err.ename == "NotAttempted", name
        assert len(err.traceback) == 1 and err.traceback[0].startswith(
            "\x1b[0;31mNot attempted\x1b[0m: " + says), err.traceback
    assert [o.get("text") for o in out["real"].outputs] == ["ok\n"]
    slow = error("endless")
    assert slow.ename == "TooSlow"
    assert "count_pairs did not finish the 'large n' case within 0.5 s" in slow.traceback[0]
    assert len(slow.traceback) == 1


def test_each_case_gets_fresh_arguments_as_deepcopy_makes_them():
    """A case's arguments are copied before each call (an answer that modifies its input must
    not change the next call's, nor the reference's). Flat lists of numbers take a fast path;
    the copies must still be what deepcopy makes: equal, not the same objects, and an
    object passed twice shared by both arguments."""
    from mlinterview.checks import _fresh

    flat, nested, array = [3, 1.5, None, True, "a"], [[1, 2], [3]], np.arange(4.0)
    args, kwargs = _fresh((flat, nested, flat, (1, flat)), {"a": array, "f": flat})
    assert args == (flat, nested, flat, (1, flat)) and np.array_equal(kwargs["a"], array)
    assert args[0] is not flat and args[1] is not nested and args[1][0] is not nested[0]
    assert kwargs["a"] is not array
    assert args[0] is args[2] is args[3][1] is kwargs["f"]  # one copy, as deepcopy's memo
    args[0].append(99)
    assert flat == [3, 1.5, None, True, "a"]


def test_an_answer_that_sorts_its_input_in_place_cannot_change_the_next_case():
    calls = []

    def sorts_in_place(nums):
        calls.append(list(nums))
        nums.sort()
        return nums[0]

    data = [5, 2, 9]
    case = checks.Case.of(data).expecting(2)
    checks.expect("sorts_in_place", cases=[case, case],
                  namespace={"sorts_in_place": sorts_in_place})
    assert calls == [[5, 2, 9], [5, 2, 9]] and data == [5, 2, 9]
