"""Fast checks of m03_models: the references agree with the libraries, the seeded
cases test what their labels say, and every stated tolerance holds (and bites)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_array, check_is_fitted, check_X_y

from mlinterview.checks import CheckFailed
from mlinterview.exercises import m03_models as m03

SEEDS = [0, 3031, 3032]


def _plain(case):
    return not case.raises


# --------------------------------------------------------------------------- KNN


@pytest.mark.parametrize("seed", SEEDS)
def test_knn_reference_equals_sklearn_and_loops_on_random_cases(seed):
    for case in m03.knn_random_cases(seed):
        expected = m03.knn_predict_sklearn(*case.args)
        np.testing.assert_array_equal(m03.knn_predict_reference(*case.args), expected, case.label)
        np.testing.assert_array_equal(m03.knn_predict_loops(*case.args), expected, case.label)


@pytest.mark.parametrize("seed", SEEDS)
def test_knn_edge_cases_reference_equals_loops_and_raises_where_stated(seed):
    for case in m03.knn_edge_cases(seed):
        if case.raises:
            for func in (m03.knn_predict_reference, m03.knn_predict_loops):
                with pytest.raises(case.raises):
                    func(*case.args)
            continue
        np.testing.assert_array_equal(m03.knn_predict_reference(*case.args),
                                      m03.knn_predict_loops(*case.args), case.label)


def test_random_knn_cases_include_vote_ties_so_the_smaller_label_rule_is_compared():
    def larger_label_wins(X_train, y_train, X_test, k, metric):
        flipped = m03.knn_predict_loops(X_train, -np.asarray(y_train), X_test, k, metric)
        return -flipped

    differ = [c.label for c in m03.knn_random_cases(3031)
              if not np.array_equal(larger_label_wins(*c.args), m03.knn_predict_sklearn(*c.args))]
    assert differ, "no random case has a vote tie: the tie rule is only tested by hand-made cases"


def test_far_from_origin_case_really_needs_the_clip():
    X, y = m03.knn_large_offset_training(3032)
    sq = (X ** 2).sum(1)[:, None] + (X ** 2).sum(1)[None, :] - 2 * X @ X.T
    assert (np.diag(sq) < 0).any(), "no negative squared self-distance: the case tests nothing"
    np.testing.assert_array_equal(m03.knn_predict_reference(X, y, X, 1, "euclidean"), y)


def test_hand_made_ties_distinguish_the_two_tie_orders():
    """Each equal-distance case gives another answer when ties go to the higher index."""
    for case in m03.knn_edge_cases(3032):
        if "equal distances" not in case.label:
            continue
        X_train, y_train, X_test, k, metric = case.args
        reversed_ = m03.knn_predict_loops(X_train[::-1], y_train[::-1], X_test, k, metric)
        assert not np.array_equal(reversed_, m03.knn_predict_reference(*case.args)), case.label


@pytest.mark.parametrize("k", [1, 3, 16, 17, 30])
def test_both_selection_paths_pick_what_a_stable_sort_picks(k):
    """argmin rounds (small k) and argpartition plus fix-up (large k), on data full of ties."""
    rng = np.random.default_rng(k)
    dist = rng.integers(0, 6, size=(200, 40)).astype(float)
    expected = np.sort(np.argsort(dist, axis=1, kind="stable")[:, :k], axis=1)
    np.testing.assert_array_equal(np.sort(m03._k_nearest(dist.copy(), k), axis=1), expected)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_knn_reference_tie_rule_matches_loops_on_integer_grids(data):
    """Small integer coordinates: many exact ties, all broken by the stated rule."""
    n_train = data.draw(st.integers(1, 40))
    d = data.draw(st.integers(1, 3))
    coords = st.integers(-3, 3).map(float)
    X_train = data.draw(arrays(float, (n_train, d), elements=coords))
    X_test = data.draw(arrays(float, (data.draw(st.integers(1, 5)), d), elements=coords))
    y_train = data.draw(arrays(int, n_train, elements=st.integers(0, 1)))
    k = data.draw(st.integers(1, n_train))
    metric = data.draw(st.sampled_from(["euclidean", "manhattan"]))
    np.testing.assert_array_equal(m03.knn_predict_reference(X_train, y_train, X_test, k, metric),
                                  m03.knn_predict_loops(X_train, y_train, X_test, k, metric))


# --------------------------------------------------------------------------- linear models


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_reference_matches_sklearn_and_singular_cases_are_singular(seed):
    for case in m03.linear_regression_cases(seed):
        assert m03.has_unique_least_squares(case.args[0]), case.label
        m03.fit_matches(m03.fit_linear_regression_reference(*case.args),
                        m03.linear_regression_sklearn(*case.args), rtol=1e-8, atol=1e-8)
    for case in m03.singular_cases(seed):
        assert not m03.has_unique_least_squares(case.args[0]), case.label
        m03.fit_matches(m03.fit_linear_regression_reference(*case.args),
                        m03.linear_regression_sklearn(*case.args), rtol=1e-8, atol=1e-8)


def test_plain_solve_fails_the_singular_cases():
    failures = 0
    for case in m03.singular_cases(3034):
        X, y = case.args
        A = np.column_stack([np.ones(len(X)), X])
        try:
            theta = np.linalg.solve(A.T @ A, A.T @ y)
            m03.fit_matches((theta[1:], theta[0]), m03.linear_regression_sklearn(X, y))
        except (np.linalg.LinAlgError, CheckFailed):
            failures += 1
    assert failures >= 1


def test_forgetting_the_intercept_fails():
    case = m03.linear_regression_cases(3033)[0]
    coef = np.linalg.lstsq(case.args[0], case.args[1], rcond=None)[0]
    with pytest.raises(CheckFailed):
        m03.fit_matches((coef, 0.0), m03.linear_regression_sklearn(*case.args))


def _gd(X, y, learning_rate, n_iters, factor=1.0):
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iters):
        r = X @ w + b - y
        w, b = w - learning_rate * factor * X.T @ r / len(X), b - learning_rate * factor * r.mean()
    return w, b


@pytest.mark.parametrize("seed", SEEDS)
def test_gradient_descent_converges_within_the_tolerance_and_missing_one_over_n_diverges(seed):
    for case in m03.linear_regression_gd_cases(seed):
        expected = m03.linear_regression_gd_sklearn(*case.args)
        for factor in (1.0, 2.0):  # the 1/(2n) loss of the contract, and plain MSE
            m03.fit_matches(_gd(*case.args, factor=factor), expected, rtol=1e-6, atol=1e-6)
        X = case.args[0]
        with np.errstate(all="ignore"), pytest.raises(CheckFailed):
            m03.fit_matches(_gd(*case.args, factor=len(X)), expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_ridge_reference_matches_sklearn_and_a_penalised_intercept_fails(seed):
    caught = 0
    for case in m03.ridge_cases(seed):
        if case.raises:
            with pytest.raises(case.raises):
                m03.fit_ridge_reference(*case.args)
            continue
        expected = m03.ridge_sklearn(*case.args)
        m03.fit_matches(m03.fit_ridge_reference(*case.args), expected, rtol=1e-8, atol=1e-8)
        X, y, alpha = case.args
        A = np.column_stack([np.ones(len(X)), X])
        theta = np.linalg.solve(A.T @ A + alpha * np.eye(A.shape[1]), A.T @ y)
        try:
            m03.fit_matches((theta[1:], theta[0]), expected)
        except CheckFailed:
            caught += 1
    assert caught >= 5


# --------------------------------------------------------------------------- logistic


def test_sigmoid_reference_matches_scipy_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for case in m03.sigmoid_cases(3037):
            np.testing.assert_allclose(m03.sigmoid_reference(*case.args),
                                       m03.sigmoid_scipy(*case.args), rtol=1e-12, atol=1e-300)


def _log_sigmoid_verdicts(func) -> list[str]:
    """The labels of the log_sigmoid cases ``func`` fails, compared as the notebook does."""
    failed = []
    with np.errstate(all="ignore"):
        for case in m03.log_sigmoid_cases(3044):
            try:
                m03.array_close(func(*case.args), m03.log_sigmoid_scipy(*case.args),
                                rtol=1e-12, atol=1e-15)
            except CheckFailed:
                failed.append(case.label)
    return failed


def _stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _log_sigmoid_loops(z):
    flat = [min(v, 0.0) - math.log1p(math.exp(-abs(v))) for v in np.ravel(z).tolist()]
    return np.array(flat).reshape(np.shape(z))


@pytest.mark.parametrize("answer", [
    lambda z: np.minimum(z, 0) - np.log1p(np.exp(-np.abs(z))),
    lambda z: -np.logaddexp(0, -z),
    # both branches evaluated: warns for large |z|, keeps only the right values
    lambda z: np.where(z >= 0, -np.log1p(np.exp(-z)), z - np.log1p(np.exp(z))),
    # log(1 + e) instead of log1p(e): off by under 1e-16 where e is tiny
    lambda z: np.minimum(z, 0) - np.log(1 + np.exp(-np.abs(z))),
    _log_sigmoid_loops,
], ids=["min-log1p", "logaddexp", "where-both-branches", "log-not-log1p", "loops"])
def test_every_stable_log_sigmoid_passes_every_case(answer):
    assert _log_sigmoid_verdicts(answer) == []


@pytest.mark.parametrize(("answer", "fails"), [
    (lambda z: np.log(1 / (1 + np.exp(-z))), "very negative"),
    (lambda z: np.log(_stable_sigmoid(z)), "very negative"),  # a stable sigmoid is not enough
    (lambda z: -np.log1p(np.exp(-z)), "very negative"),  # right for z >= 0 only
    (lambda z: np.maximum(z, 0) - np.log1p(np.exp(-np.abs(z))), "random"),  # sign slip
    (lambda z: -np.log1p(np.exp(-np.abs(z))), "random"),  # forgot min(z, 0)
], ids=["textbook", "log-of-stable-sigmoid", "one-branch", "max-for-min", "no-min"])
def test_the_log_sigmoid_cases_reject_the_mistakes_learners_make(answer, fails):
    failed = _log_sigmoid_verdicts(answer)
    assert any(label.startswith(fails) for label in failed), failed


def test_log_loss_cases_match_a_clipped_numpy_formula():
    eps = np.finfo(float).eps
    for case in m03.log_loss_cases(3038):
        y, p = case.args
        p = np.clip(p, eps, 1 - eps)
        mine = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
        assert m03.log_loss_sklearn(*case.args) == pytest.approx(mine, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_logistic_gradient_passes_a_central_difference_check(seed):
    for case in m03.logistic_gradient_cases(seed):
        X, y, coef, intercept = case.args
        objective = m03.LogisticLoss(X, y)
        theta = np.append(coef, intercept)
        eps = 1e-6
        numeric = np.array([(objective(theta + e) - objective(theta - e)) / (2 * eps)
                            for e in eps * np.eye(len(theta))])
        np.testing.assert_allclose(np.append(*m03.logistic_gradient_reference(*case.args)),
                                   numeric, atol=1e-6)


@pytest.mark.parametrize("seed", SEEDS)
def test_numerical_gradient_tolerance_sits_between_central_and_forward(seed):
    forward_failures = 0
    for case in m03.numerical_gradient_cases(seed):
        f, theta = case.args
        eps = 1e-6
        steps = eps * np.eye(len(theta))
        central = np.array([(f(theta + s) - f(theta - s)) / (2 * eps) for s in steps])
        forward = np.array([(f(theta + s) - f(theta)) / eps for s in steps])
        exact = m03.numerical_gradient_exact(f, theta)
        assert np.abs(central - exact).max() < 1e-7, case.label  # 10x inside the 1e-6 tolerance
        forward_failures += np.abs(forward - exact).max() > 1e-6
    assert forward_failures >= 2


@pytest.mark.parametrize("seed", SEEDS + [3041])
def test_logistic_reference_reaches_sklearn_loss_on_non_separable_cases(seed):
    for case in m03.logistic_cases(seed):
        assert not m03.is_separable(*case.args), case.label
        expected = m03.logistic_sklearn(*case.args)
        coef, intercept = m03.fit_logistic_reference(*case.args)
        # both sides are converged far below the 1e-6 the notebook allows
        assert abs(m03.mean_log_loss(*case.args, coef, intercept) - expected.loss) < 1e-9
        m03.logistic_fit_matches((coef, intercept), expected)


@pytest.mark.parametrize("seed", SEEDS + [3042])
def test_separable_cases_are_separable_and_the_reference_stays_finite(seed):
    for case in m03.separable_cases(seed):
        assert m03.is_separable(*case.args), case.label
        m03.separable_fit_ok(m03.fit_logistic_reference(*case.args),
                             m03.separable_expectation(*case.args))


def test_logistic_comparison_rejects_an_unconverged_fit():
    case = m03.logistic_cases(3041)[1]
    X, y = case.args
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(50):
        r = m03.sigmoid_reference(X @ w + b) - y
        w, b = w - 0.5 * X.T @ r / len(X), b - 0.5 * r.mean()
    with pytest.raises(CheckFailed, match="log-loss"):
        m03.logistic_fit_matches((w, b), m03.logistic_sklearn(X, y))


# --------------------------------------------------------------------------- softmax


def _softmax(Z):
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_softmax_cases_match_scipy():
    for case in m03.softmax_cases(3043):
        np.testing.assert_allclose(_softmax(*case.args), m03.softmax_scipy(*case.args),
                                   rtol=1e-12, atol=1e-15)


@settings(max_examples=50, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 6), st.integers(1, 6)),
              elements=st.floats(-1000, 1000)))
def test_softmax_with_max_subtracted_is_finite_and_sums_to_one(Z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = _softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(P, m03.softmax_scipy(Z), rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- estimator


class KNNClassifier(ClassifierMixin, BaseEstimator):
    """The notebook's answer; module level so that check_estimators_pickle can pickle it."""

    def __init__(self, n_neighbors=5, metric="euclidean"):
        self.n_neighbors = n_neighbors
        self.metric = metric

    def fit(self, X, y):
        X, y = check_X_y(X, y)
        self.X_train_, self.y_train_, self.classes_ = X, y, np.unique(y)
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X):
        check_is_fitted(self)
        X = check_array(X)
        if X.shape[1] != self.n_features_in_:
            raise ValueError("wrong number of features")
        return m03.knn_predict_reference(self.X_train_, self.y_train_, X, self.n_neighbors,
                                         self.metric)


class FitForgetsSelf(KNNClassifier):
    def fit(self, X, y):
        super().fit(X, y)


def test_estimator_checks_pass_a_conforming_class_and_name_the_broken_check():
    m03.passes_estimator_checks(KNNClassifier, m03.KNN_ESTIMATOR_CHECKS)
    with pytest.raises(CheckFailed, match="check_estimators_fit_returns_self"):
        m03.passes_estimator_checks(FitForgetsSelf, m03.KNN_ESTIMATOR_CHECKS)
