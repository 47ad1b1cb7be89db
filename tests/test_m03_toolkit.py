"""Fast tests of the m03 toolkit references, case generators and comparisons.

The graded tests (tests/test_exercises_graded.py) prove the hidden tests
through nbgrader; these prove the pieces they are built from, in seconds:
the contract references agree with scikit-learn wherever both apply, the
generators are seeded and hold the edge cases they name, and every
comparison fails on the mistake it is meant to catch.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mlinterview.checks import CheckFailed
from mlinterview.exercises import m03_toolkit as m03


def _values(cases):
    return [c for c in cases if c.raises is None]


def _same_cases(a, b) -> bool:
    """Two case lists with equal labels and equal arguments (arrays compared by value)."""
    if [c.label for c in a] != [c.label for c in b]:
        return False
    for x, y in zip(a, b):
        for u, v in zip((*x.args, *x.kwargs.values()), (*y.args, *y.kwargs.values())):
            if isinstance(u, dict):
                if not all(np.array_equal(u[k], v[k]) for k in u):
                    return False
            elif not np.array_equal(np.asarray(u), np.asarray(v)):
                return False
    return True


GENERATORS = [m03.kmeans_cases, m03.kmeans_edge_cases, m03.inertia_cases, m03.scaler_fit_cases,
              m03.scaler_transform_cases, m03.scale_split_cases, m03.confusion_matrix_cases,
              m03.precision_recall_f1_cases, m03.r2_cases, m03.roc_auc_cases, m03.kfold_cases,
              m03.kfold_shuffle_cases, m03.best_split_cases, m03.best_split_contract_cases,
              m03.gaussian_nb_fit_cases, m03.gaussian_nb_predict_proba_cases]


@pytest.mark.parametrize("generator", GENERATORS, ids=lambda g: g.__name__)
def test_generators_are_seeded(generator):
    assert _same_cases(generator(seed=5), generator(seed=5))
    assert generator(seed=5), "a generator must produce cases"


def test_references_raise_no_warning_to_stderr():
    """nbgrader scores a cell 0 when it writes to stderr: references stay silent on edge cases."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for c in _values(m03.precision_recall_f1_cases(1)):
            m03.precision_recall_f1_reference(*c.args)
        for c in _values(m03.r2_cases(1)):
            m03.r2_reference(*c.args)
        for c in _values(m03.scaler_fit_cases(1)):
            m03.scaler_fit_reference(*c.args)
        for c in m03.kmeans_edge_cases(1):
            m03.kmeans_sklearn(*c.args)


# --------------------------------------------------------------------------- k-means


def test_kmeans_contract_agrees_with_sklearn_on_blobs():
    for c in m03.kmeans_cases(303):
        m03.kmeans_matches(m03.kmeans_reference(*c.args), m03.kmeans_sklearn(*c.args), what=c.label)


def test_kmeans_edge_cases_are_where_sklearn_differs():
    """The empty-cluster case is one where scikit-learn relocates the centroid."""
    case = m03.kmeans_edge_cases(1)[0]
    with pytest.raises(CheckFailed):
        m03.kmeans_matches(m03.kmeans_sklearn(*case.args), m03.kmeans_reference(*case.args))
    centroids, _ = m03.kmeans_reference(*case.args)
    np.testing.assert_array_equal(centroids[-1], [100.0, 100.0])


def test_kmeans_reference_tie_goes_to_lower_index():
    X = np.array([[0.0], [1.0], [2.0]])
    _, labels = m03.kmeans_reference(X, np.array([[0.0], [2.0]]), 1)
    np.testing.assert_array_equal(labels, [0, 0, 1])


def test_kmeans_matches_rejects_stale_labels_and_nan():
    centroids, labels = m03.kmeans_reference(np.array([[0.0], [1.0], [10.0]]), np.array([[0.0], [1.0]]), 5)
    with pytest.raises(CheckFailed, match="labels"):
        m03.kmeans_matches((centroids, 1 - labels), (centroids, labels))
    with pytest.raises(CheckFailed, match="centroids"):
        m03.kmeans_matches((centroids * np.nan, labels), (centroids, labels))
    with pytest.raises(CheckFailed, match="tuple"):
        m03.kmeans_matches(centroids, (centroids, labels))


def test_inertia_cases_expect_sklearn_inertia():
    for c in m03.inertia_cases(305):
        X, centroids, labels = c.args
        assert np.isclose(((X - centroids[labels]) ** 2).sum(), c.expected, rtol=1e-9)


# --------------------------------------------------------------------------- scaler


def test_scaler_reference_constant_column_and_ddof():
    X = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    mean, scale = m03.scaler_fit_reference(X)
    np.testing.assert_allclose(scale, [np.sqrt(2 / 3), 1.0])
    np.testing.assert_allclose(mean, [2.0, 5.0])
    compare = m03.tuple_close(("mean", "scale"))
    with pytest.raises(CheckFailed, match="scale"):
        compare((mean, X.std(axis=0, ddof=1)), (mean, scale))


def test_scale_split_cases_expose_leakage():
    compare = m03.tuple_close(("X_train_scaled", "X_test_scaled"))
    for c in m03.scale_split_cases(313):
        X_train, X_test = c.args
        expected = m03.scale_split_reference(X_train, X_test)
        leaky = m03.scale_split_reference(X_test, X_test)[0]
        with pytest.raises(CheckFailed):
            compare((expected[0], leaky), expected)


# --------------------------------------------------------------------------- metrics, R^2, AUC


def test_precision_recall_f1_zero_division_cases():
    labels = {c.label: m03.precision_recall_f1_reference(*c.args)
              for c in m03.precision_recall_f1_cases(1)}
    assert labels["no positives at all: 0, 0, 0"] == (0.0, 0.0, 0.0)
    assert labels["no positive predictions: precision 0 (zero division)"][0] == 0.0
    compare = m03.tuple_close(("precision", "recall", "f1"))
    with pytest.raises(CheckFailed, match="precision"):
        compare((np.nan, 0.0, 0.0), (0.0, 0.0, 0.0))


def test_confusion_matrix_reference_rows_are_true_class():
    np.testing.assert_array_equal(m03.confusion_matrix_reference([0, 0, 1], [1, 1, 1], 2),
                                  [[0, 2], [0, 1]])


def test_r2_reference_constant_y_true_rule():
    assert m03.r2_reference(np.full(4, 3.0), np.full(4, 3.0)) == 1.0
    assert m03.r2_reference(np.full(4, 3.0), np.array([3.0, 3, 3, 4])) == 0.0


def test_roc_auc_reference_ties_and_one_class():
    assert m03.roc_auc_reference([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9]) == pytest.approx(0.875)
    with pytest.raises(ValueError):
        m03.roc_auc_reference([1, 1, 1], [0.1, 0.2, 0.3])
    labels = [c.label for c in m03.roc_auc_cases(1) if c.raises is ValueError]
    assert len(labels) == 2


def test_roc_auc_cases_distinguish_tie_handling():
    """At least one case where breaking ties by sort position gives another AUC."""
    differs = 0
    for c in _values(m03.roc_auc_cases(341)):
        y, s = np.asarray(c.args[0]), np.asarray(c.args[1], dtype=float)
        order = np.argsort(s, kind="stable")
        below = np.cumsum(y[order] == 0)[y[order] == 1].sum() / ((y == 1).sum() * (y == 0).sum())
        differs += not np.isclose(below, m03.roc_auc_reference(y, s))
    assert differs >= 3


# --------------------------------------------------------------------------- k-fold


def test_kfold_reference_equals_sklearn_without_shuffle():
    for c in _values(m03.kfold_cases(351)):
        m03.folds_equal(m03.kfold_indices_reference(*c.args, **c.kwargs),
                        m03.kfold_sklearn(*c.args, **c.kwargs), what=c.label)


def test_kfold_reference_sizes_and_errors():
    folds = m03.kfold_indices_reference(10, 3, shuffle=True, seed=0)
    assert [len(te) for _, te in folds] == [4, 3, 3]
    m03.folds_partition(folds, folds)
    for n, k in [(5, 1), (3, 4)]:
        with pytest.raises(ValueError):
            m03.kfold_indices_reference(n, k)


def test_folds_partition_rejects_dropped_remainder_and_overlap():
    expected = m03.kfold_indices_reference(11, 4)
    dropped = [(tr, te[: 11 // 4]) for tr, te in expected]
    with pytest.raises(CheckFailed, match="sizes"):
        m03.folds_partition(dropped, expected)
    overlap = [(tr, te.copy()) for tr, te in expected]
    overlap[1] = (overlap[1][0], overlap[0][1])
    with pytest.raises(CheckFailed):
        m03.folds_partition(overlap, expected)


def test_folds_equal_rejects_another_shuffle_source():
    expected = m03.kfold_indices_reference(50, 5, shuffle=True, seed=42)
    legacy_order = np.random.RandomState(42).permutation(50)
    legacy = [(np.setdiff1d(np.arange(50), legacy_order[i:i + 10]), legacy_order[i:i + 10])
              for i in range(0, 50, 10)]
    m03.folds_partition(legacy, expected)  # a valid partition...
    with pytest.raises(CheckFailed):  # ...but not the stated permutation
        m03.folds_equal(legacy, expected)


# --------------------------------------------------------------------------- stump


def test_stump_reference_reaches_sklearn_gini():
    for c in m03.best_split_cases(361):
        m03.stump_matches_sklearn(m03.best_split_reference(*c.args), m03.best_split_sklearn(*c.args),
                                  what=c.label)


def test_stump_comparisons_reject_wrong_side_and_wrong_tie():
    X, y = np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 0, 1, 1])
    target = m03.best_split_sklearn(X, y)
    with pytest.raises(CheckFailed, match="right side"):
        m03.stump_matches_sklearn((0, 3.0, 0.0), target)  # 3 <= 3 puts a class-1 row left
    with pytest.raises(CheckFailed, match="gini"):
        m03.stump_matches_sklearn((0, 2.5, 0.25), target)
    tie = m03.best_split_reference(X, np.array([0, 1, 1, 0]))
    assert tie[:2] == (0, 1.5)
    with pytest.raises(CheckFailed):
        m03.split_equal((0, 3.5, tie[2]), tie)


def test_stump_reference_raises_without_split():
    with pytest.raises(ValueError):
        m03.best_split_reference(np.array([[1.0], [1.0]]), np.array([0, 1]))


# --------------------------------------------------------------------------- naive Bayes


def test_gnb_fit_compare_catches_missing_smoothing():
    for c in m03.gaussian_nb_fit_cases(371):
        expected = m03.gaussian_nb_fit_reference(*c.args)
        m03.gnb_fit_matches(expected, expected)
        if "smoothing keeps" in c.label:
            X, y = c.args
            raw = dict(expected)
            raw["variances"] = np.stack([np.asarray(X)[y == k].var(axis=0) for k in expected["classes"]])
            with pytest.raises(CheckFailed, match="variances"):
                m03.gnb_fit_matches(raw, expected)


def test_gnb_predict_proba_cases_hold_far_rows():
    """The far rows make a product of densities underflow (0/0), so that mistake shows."""
    for c in m03.gaussian_nb_predict_proba_cases(372):
        model, X = c.args
        assert np.allclose(c.expected.sum(axis=1), 1.0)
        with np.errstate(all="ignore"):
            density = np.exp(-((X[:, None] - model["means"][None]) ** 2) / (2 * model["variances"][None]))
            joint = density.prod(axis=2).sum(axis=1)
        assert (joint == 0).any()
