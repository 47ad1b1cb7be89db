"""m03_ml_coding, notebook ``models_from_scratch``: references, seeded cases, comparisons.

Hidden test cells of the notebook name these functions in their declarations.
Three kinds of reference live here:

* ``*_sklearn`` / ``*_scipy``: the library answer (warnings suppressed, because
  nbgrader scores any test cell that writes to stderr 0);
* ``*_reference``: the vectorised from-scratch answers (used where the
  contract goes beyond what the library pins down, such as the tie rule of
  KNN, and by ``benchmarks/m03_vs_sklearn.py``);
* ``*_loops``: slow, obviously right versions, used by the unit tests as a
  second opinion on the references.

Every tolerance is stated next to the comparison that uses it, with the
reason it is what it is.
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .. import checks
from ..checks import Case, CheckFailed, array_close, array_equal, close, show

KNN_METRICS = ("euclidean", "cosine", "manhattan")

# Rows of X_test handled at once by the vectorised KNN: bounds the memory of the
# (chunk, n_train) distance matrix and its temporaries (10 MB each at n_train =
# 5,000); on the benchmark, 256 was as fast as any block size from 64 to 1,024.
_KNN_CHUNK = 256


class _Silenced:
    def __enter__(self):
        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore")
        self._err = np.errstate(all="ignore")
        self._err.__enter__()
        return self

    def __exit__(self, *exc):
        self._err.__exit__(*exc)
        return self._ctx.__exit__(*exc)


def silenced() -> _Silenced:
    """Warnings and NumPy floating-point warnings off inside the block."""
    return _Silenced()


# =========================================================================== part 1: KNN


def _check_knn_args(X_train, y_train, X_test, k, metric):
    X_train = np.asarray(X_train, dtype=float)
    X_test = np.asarray(X_test, dtype=float)
    y_train = np.asarray(y_train)
    if metric not in KNN_METRICS:
        raise ValueError(f"metric must be one of {KNN_METRICS}, got {metric!r}")
    if X_train.ndim != 2 or X_test.ndim != 2 or X_train.shape[1] != X_test.shape[1]:
        raise ValueError("X_train and X_test must be 2-D with the same number of columns")
    if len(y_train) != len(X_train):
        raise ValueError("y_train must have one label per row of X_train")
    if not (np.isfinite(X_train).all() and np.isfinite(X_test).all()):
        raise ValueError("X_train and X_test must be finite (no NaN or inf)")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= len(X_train):
        raise ValueError(f"k must be an int in 1..n_train={len(X_train)}, got {k!r}")
    return X_train, y_train, X_test


def _unit_rows(A: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(A, axis=1, keepdims=True)
    # a zero row stays zero: its cosine similarity with anything is 0, its distance 1
    return np.divide(A, norms, out=np.zeros_like(A), where=norms > 0)


def knn_distances_reference(X_test, X_train, metric: str) -> np.ndarray:
    """Distance matrix of shape (n_test, n_train) under ``metric``, vectorised.

    Euclidean uses |a|^2 + |b|^2 - 2 a.b (one matrix product, as scikit-learn
    does) and clips the rounding error that makes a zero distance slightly
    negative; cosine distance is 1 - cos, 1.0 when either vector is zero,
    clipped to [0, 2].
    """
    X_test = np.asarray(X_test, dtype=float)
    X_train = np.asarray(X_train, dtype=float)
    if metric == "euclidean":
        sq = X_test @ (-2.0 * X_train.T)  # in place from here on: no (n_test, n_train) temporaries
        sq += np.einsum("ij,ij->i", X_test, X_test)[:, None]
        sq += np.einsum("ij,ij->i", X_train, X_train)[None, :]
        np.maximum(sq, 0.0, out=sq)
        return np.sqrt(sq, out=sq)
    if metric == "cosine":
        d = 1.0 - _unit_rows(X_test) @ _unit_rows(X_train).T
        return np.clip(d, 0.0, 2.0, out=d)
    if metric == "manhattan":
        from scipy.spatial.distance import cdist

        return cdist(X_test, X_train, "cityblock")
    raise ValueError(f"metric must be one of {KNN_METRICS}, got {metric!r}")


# Up to this k, k passes of argmin (O(k n) per row) beat one argpartition.
_KNN_ARGMIN_MAX_K = 16


def _k_nearest(dist: np.ndarray, k: int) -> np.ndarray:
    """Indices (n_rows, k) of each row's k nearest columns; equal distances: lower index first.

    Overwrites ``dist`` (the caller's temporary). For small k, k rounds of
    ``argmin`` -- which returns the *first* minimum, so the lower index wins a
    tie -- each followed by striking the winner out with +inf. For larger k,
    ``argpartition`` finds the k nearest in linear time but picks arbitrarily
    among points *at* the k-th distance; rows where it left such a point out
    (rare outside hand-made ties) are redone with a stable sort, as
    ``np.argsort(kind="stable")[:k]`` would. Distances must be finite.
    """
    rows = np.arange(len(dist))
    if k <= _KNN_ARGMIN_MAX_K:
        idx = np.empty((len(dist), k), dtype=np.intp)
        for j in range(k):
            idx[:, j] = np.argmin(dist, axis=1)
            dist[rows, idx[:, j]] = np.inf
        return idx
    idx = np.argpartition(dist, k - 1, axis=1)[:, :k]
    chosen = np.take_along_axis(dist, idx, axis=1)
    kth = chosen.max(axis=1, keepdims=True)
    at_kth = np.count_nonzero(dist == kth, axis=1)
    for row in np.flatnonzero(at_kth > np.count_nonzero(chosen == kth, axis=1)):
        idx[row] = np.argsort(dist[row], kind="stable")[:k]
    return idx


def knn_predict_reference(X_train, y_train, X_test, k: int, metric: str = "euclidean") -> np.ndarray:
    """The contract of part 1, vectorised (the benchmark's reference).

    Majority vote of the k nearest training rows; equal distances are broken
    by the lower training index (as ``np.argsort(kind="stable")``); a vote tie
    goes to the smaller label (as ``KNeighborsClassifier``). Raises ValueError
    for k outside 1..n_train or an unknown metric.
    """
    X_train, y_train, X_test = _check_knn_args(X_train, y_train, X_test, k, metric)
    classes, codes = np.unique(y_train, return_inverse=True)
    train_sq = np.einsum("ij,ij->i", X_train, X_train)
    minus_2_train_t = -2.0 * X_train.T

    def predict_block(rows: slice) -> np.ndarray:
        if metric == "euclidean":
            # Within a row, |a|^2 + |b|^2 - 2 a.b ranks like |b|^2 - 2 a.b, and the
            # square root changes no order: rank by the cheaper key (no sqrt, so
            # nothing to clip either). Equal distances of exact data (the
            # hand-made ties) give exactly equal keys.
            key = X_test[rows] @ minus_2_train_t
            key += train_sq
        else:
            key = knn_distances_reference(X_test[rows], X_train, metric)
        neighbours = codes[_k_nearest(key, k)]
        votes = np.stack([np.count_nonzero(neighbours == c, axis=1) for c in range(len(classes))],
                         axis=1)
        return classes[np.argmax(votes, axis=1)]  # argmax: first (smaller) label on a tie

    y_pred = np.empty(len(X_test), dtype=y_train.dtype)
    for start in range(0, len(X_test), _KNN_CHUNK):
        rows = slice(start, start + _KNN_CHUNK)
        y_pred[rows] = predict_block(rows)
    return y_pred


def _distance_loops(a, b, metric: str) -> float:
    if metric == "euclidean":
        return math.sqrt(sum((x - y) ** 2 for x, y in zip(a, b)))
    if metric == "manhattan":
        return sum(abs(x - y) for x, y in zip(a, b))
    na, nb = math.sqrt(sum(x * x for x in a)), math.sqrt(sum(y * y for y in b))
    if na == 0 or nb == 0:
        return 1.0
    return min(2.0, max(0.0, 1.0 - sum(x * y for x, y in zip(a, b)) / (na * nb)))


def knn_predict_loops(X_train, y_train, X_test, k: int, metric: str = "euclidean") -> np.ndarray:
    """The same contract with plain loops and exact distances (the unit tests' oracle)."""
    X_train, y_train, X_test = _check_knn_args(X_train, y_train, X_test, k, metric)
    out = []
    for q in X_test.tolist():
        dist = [_distance_loops(q, row, metric) for row in X_train.tolist()]
        order = sorted(range(len(dist)), key=lambda i: (dist[i], i))
        votes = Counter(y_train[i].item() for i in order[:k])
        top = max(votes.values())
        out.append(min(label for label, n in votes.items() if n == top))
    return np.asarray(out, dtype=y_train.dtype)


def knn_predict_sklearn(X_train, y_train, X_test, k: int, metric: str = "euclidean") -> np.ndarray:
    """``KNeighborsClassifier(algorithm="brute")``: the library answer for tie-free data."""
    from sklearn.neighbors import KNeighborsClassifier

    with silenced():
        model = KNeighborsClassifier(n_neighbors=k, algorithm="brute", metric=metric)
        return model.fit(X_train, y_train).predict(X_test)


def _tie_free(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    # continuous coordinates: two distances are equal with probability 0, so
    # scikit-learn's (unstated) order among equal distances never matters
    return rng.normal(size=(n, d))


def knn_random_cases(seed: int) -> list[Case]:
    """Seeded tie-free data of several shapes, every metric, odd and even k.

    Even k can produce a vote tie; both scikit-learn and the contract give it
    to the smaller label, so those cases are fair.
    """
    rng = np.random.default_rng(seed)
    shapes = [(20, 2, 7), (60, 3, 15), (150, 5, 40), (40, 10, 12), (200, 1, 25)]
    cases = []
    for i, (n_train, d, n_test) in enumerate(shapes):
        for metric in KNN_METRICS:
            X_train = _tie_free(rng, n_train, d) + rng.normal(size=d)
            X_test = _tie_free(rng, n_test, d) + rng.normal(size=d)
            # labels that depend on position, plus noise, so the vote matters
            y_train = ((X_train[:, 0] + 0.7 * rng.normal(size=n_train)) > 0).astype(int)
            k = int(rng.choice([1, 2, 3, 4, 5, 8, 11]))
            if i == 3:
                y_train = np.where(y_train == 1, 1, -1)  # labels -1/+1
            cases.append(Case.of(X_train, y_train, X_test, k, metric,
                                 label=f"random {n_train}x{d}, k={k}, {metric}"))
    return cases


def knn_large_offset_training(seed: int, n: int = 60, d: int = 3, offset: float = 1e8):
    """Training data far from the origin, where |a|^2 + |b|^2 - 2 a.b cancels badly.

    At 1e8 from the origin the squared norms are about 1e16, so the rounding
    error of the dot-product formula is a few units: a point's squared
    distance to itself comes out as a small positive *or negative* number
    (about a quarter of the rows here). Clipped, it is still by far the
    nearest (other points are about 1e4 away); unclipped, np.sqrt gives NaN,
    which sorts after every real distance, and k = 1 picks another point.
    """
    rng = np.random.default_rng(seed)
    X = offset + rng.normal(scale=1e4, size=(n, d))
    y = (rng.random(n) < 0.5).astype(int)
    return X, y


def knn_edge_cases(seed: int) -> list[Case]:
    """The contract's edge cases, compared with :func:`knn_predict_reference`."""
    rng = np.random.default_rng(seed)
    one_d = lambda *xs: np.array(xs, dtype=float).reshape(-1, 1)  # noqa: E731
    X5 = rng.normal(size=(5, 2))
    y5 = np.array([0, 1, 0, 1, 1])
    X_big, y_big = knn_large_offset_training(seed)
    X_train_k1 = rng.normal(size=(30, 4))
    y_train_k1 = (rng.random(30) < 0.5).astype(int)
    return [
        Case.of(X5, y5, X5[:2], 6, "euclidean", label="k > n_train").raising(ValueError),
        Case.of(X5, y5, X5[:2], 0, "euclidean", label="k = 0").raising(ValueError),
        Case.of(X5, y5, X5[:2], 1, "chebyshev", label="unknown metric").raising(ValueError),
        Case.of(X5, y5, X5[:2], 5, "manhattan", label="k = n_train: every point votes"),
        Case.of(X_train_k1, y_train_k1, X_train_k1, 1, "euclidean",
                label="k = 1 on the training data gives the training labels"),
        Case.of(X_train_k1, y_train_k1, X_train_k1, 1, "manhattan",
                label="k = 1 on the training data (manhattan)"),
        Case.of(X_big, y_big, X_big, 1, "euclidean",
                label="k = 1 on training data far from the origin (clip negative squared distances)"),
        Case.of(one_d(-1, 1), np.array([1, 0]), one_d(0), 1, "euclidean",
                label="equal distances: the lower training index wins (its label is 1)"),
        Case.of(one_d(1, -1), np.array([0, 1]), one_d(0), 1, "manhattan",
                label="equal distances: the lower training index wins (its label is 0)"),
        Case.of(one_d(-1, 1, -2, 2, 5), np.array([0, 1, 1, 0, 0]), one_d(0, 0.0), 3, "euclidean",
                label="equal distances at the k-th place: lower index first"),
        Case.of(one_d(2, -2, 1, -1), np.array([1, 0, 0, 1]), one_d(0.0), 3, "manhattan",
                label="equal distances at the k-th place (manhattan)"),
        Case.of(one_d(-1, 1, 4), np.array([1, 0, 1]), one_d(0.2, -0.2), 2, "euclidean",
                label="vote tie: the smaller label wins"),
        Case.of(one_d(-1, 1, 4), np.array([1, -1, 1]), one_d(0.2, -0.2), 2, "euclidean",
                label="vote tie with labels -1/+1: -1 wins"),
        Case.of(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [-3.0, 0.0]]), np.array([1, 0, 0, 1]),
                np.array([[0.0, 0.0]]), 1, "cosine",
                label="cosine: a zero query is at distance 1.0 from every point (all tie)"),
        Case.of(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [-3.0, 0.0]]), np.array([1, 0, 0, 1]),
                np.array([[0.0, 5.0], [-1.0, 0.0], [0.0, -1.0]]), 1, "cosine",
                label="cosine: a zero training vector is at distance 1.0"),
        Case.of(np.array([[2.0, 0.0], [0.0, 3.0], [5.0, 0.0], [0.0, -1.0]]), np.array([1, 0, 0, 1]),
                np.array([[1.0, 0.0], [0.0, 1.0]]), 1, "cosine",
                label="cosine: parallel vectors are at distance 0 (tie: lower index)"),
        Case.of(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1, 1]), np.array([[3.0, 3.0]]), 1,
                "euclidean", label="a single class"),
    ]


# =========================================================================== parts 2-4: linear


@dataclass(frozen=True)
class LinearFit:
    """What a fitted linear model is compared with.

    ``X``: rows where predictions are compared (the training rows: there the
    predictions are unique even when the parameters are not). ``coef`` and
    ``intercept`` are None when the parameters are not unique (X with an
    intercept column is rank-deficient).
    """

    X: np.ndarray
    y_pred: np.ndarray
    coef: np.ndarray | None
    intercept: float | None


def _with_ones(X: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(len(X)), X])


def has_unique_least_squares(X) -> bool:
    """True when [1, X] has full column rank, so the least-squares fit is unique."""
    X = np.asarray(X, dtype=float)
    return int(np.linalg.matrix_rank(_with_ones(X))) == X.shape[1] + 1


def linear_regression_sklearn(X, y) -> LinearFit:
    """``LinearRegression`` on (X, y); parameters kept only when they are unique."""
    from sklearn.linear_model import LinearRegression

    X = np.asarray(X, dtype=float)
    with silenced():
        model = LinearRegression().fit(X, y)
    unique = has_unique_least_squares(X)
    return LinearFit(X, model.predict(X), model.coef_.copy() if unique else None,
                     float(model.intercept_) if unique else None)


def linear_regression_gd_sklearn(X, y, learning_rate=0.1, n_iters=2000) -> LinearFit:
    """Where gradient descent must arrive: ``LinearRegression``'s predictions."""
    fit = linear_regression_sklearn(X, y)
    return LinearFit(fit.X, fit.y_pred, None, None)


def ridge_sklearn(X, y, alpha) -> LinearFit:
    """``Ridge(alpha)``: unique parameters for alpha > 0, intercept not penalised."""
    from sklearn.linear_model import Ridge

    X = np.asarray(X, dtype=float)
    with silenced():
        model = Ridge(alpha=alpha).fit(X, y)
    return LinearFit(X, model.predict(X), model.coef_.copy(), float(model.intercept_))


def fit_linear_regression_reference(X, y):
    """Least squares with an intercept via lstsq (minimum-norm when rank-deficient)."""
    X = np.asarray(X, dtype=float)
    theta = np.linalg.lstsq(_with_ones(X), np.asarray(y, dtype=float), rcond=None)[0]
    return theta[1:], float(theta[0])


def fit_ridge_reference(X, y, alpha):
    """Ridge on centred data, so the intercept is not penalised."""
    if alpha < 0:
        raise ValueError("alpha must be >= 0")
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    x_mean, y_mean = X.mean(axis=0), y.mean()
    Xc = X - x_mean
    coef = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ (y - y_mean))
    return coef, float(y_mean - x_mean @ coef)


def _unpack_fit(actual, w: str, n_features: int) -> tuple[np.ndarray, float]:
    if not isinstance(actual, (tuple, list)) or len(actual) != 2:
        raise CheckFailed(f"{w}: expected a tuple (coef, intercept), got {show(actual)}")
    coef = np.asarray(actual[0], dtype=float) if actual[0] is not None else None
    if coef is None or coef.shape != (n_features,):
        got = None if coef is None else coef.shape
        raise CheckFailed(f"{w}: coef must have shape ({n_features},) (one weight per column of X, "
                          f"intercept not included), got shape {got}")
    intercept = np.asarray(actual[1], dtype=float)
    if intercept.size != 1:
        raise CheckFailed(f"{w}: intercept must be one number, got {show(actual[1])}")
    return coef, float(intercept.reshape(-1)[0])


def fit_matches(actual, expected: LinearFit, *, what: str | None = None,
                rtol: float = 1e-6, atol: float = 1e-6) -> None:
    """(coef, intercept) predicts what the reference predicts on its rows.

    When the reference's parameters are unique they must match too, within
    the same tolerances; when they are not (rank-deficient X), only the
    predictions are compared.
    """
    w = what or "your fit"
    coef, intercept = _unpack_fit(actual, w, expected.X.shape[1])
    with silenced():
        y_pred = expected.X @ coef + intercept
    array_close(y_pred, expected.y_pred, what=f"{w}: predictions X @ coef + intercept",
                rtol=rtol, atol=atol)
    if expected.coef is not None:
        array_close(coef, expected.coef, what=f"{w}: coef", rtol=rtol, atol=atol)
        close(intercept, expected.intercept, what=f"{w}: intercept", rtol=rtol, atol=atol)


def _linear_data(rng, n, d, noise=0.5, intercept=None, mean=0.0, scale=1.0):
    X = mean + scale * rng.normal(size=(n, d))
    w = rng.normal(scale=2.0, size=d)
    b = rng.uniform(2, 6) * rng.choice([-1, 1]) if intercept is None else intercept
    y = X @ w + b + noise * rng.normal(size=n)
    return X, y


def linear_regression_cases(seed: int) -> list[Case]:
    """Full-rank data of several shapes, all with a non-zero intercept."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, d in [(30, 1), (50, 3), (200, 5), (80, 10), (12, 3)]:
        X, y = _linear_data(rng, n, d, mean=rng.normal())
        cases.append(Case.of(X, y, label=f"random {n}x{d}"))
    X, y = _linear_data(rng, 5, 4, noise=0.1)
    cases.append(Case.of(X, y, label="n = d + 1: an exact fit"))
    return cases


def singular_cases(seed: int, *, with_alpha: bool = False) -> list[Case]:
    """Rank-deficient X: X^T X is singular, the least-squares parameters are not unique."""
    rng = np.random.default_rng(seed)
    X, y = _linear_data(rng, 40, 3)
    duplicated = np.column_stack([X, X[:, 1]])
    X, y2 = _linear_data(rng, 40, 3)
    combo = np.column_stack([X, X[:, 0] - 2 * X[:, 2]])
    X, y3 = _linear_data(rng, 40, 2)
    constant = np.column_stack([X, np.full(40, 3.0)])
    X4, y4 = _linear_data(rng, 6, 10)
    data = [
        (duplicated, y, "a duplicated column"),
        (combo, y2, "a column that is a combination of others"),
        (constant, y3, "a constant column (collinear with the intercept)"),
        (X4, y4, "more columns than rows (n=6, d=10)"),
    ]
    if with_alpha:
        return [Case.of(X, y, alpha, label=f"{label}, alpha={alpha}")
                for (X, y, label), alpha in zip(data, [1.0, 0.5, 2.0, 3.0])]
    return [Case.of(X, y, label=label) for X, y, label in data]


def linear_regression_gd_cases(seed: int) -> list[Case]:
    """Features of scale about 1 (the lesson's scaling), a learning rate that converges.

    With features of unit scale, the largest eigenvalue of [1, X]^T [1, X] / n
    is below 3 for these shapes, so learning_rate * 3 < 1 even for the
    gradient of the mean squared error without the 1/2 (twice as steep), and
    the slowest direction (eigenvalue above 0.2) shrinks by at least
    (1 - 0.1 * 0.2)^n_iters < 1e-17 over the iterations given: the
    converged predictions agree with the closed form to well below 1e-6.
    An answer without the 1/n is n times as steep and diverges.
    """
    rng = np.random.default_rng(seed)
    cases = []
    for n, d, mean in [(30, 1, 0.0), (100, 3, 0.3), (200, 5, -0.2), (60, 4, 0.5)]:
        X, y = _linear_data(rng, n, d, mean=mean)
        cases.append(Case.of(X, y, 0.1, 2000, label=f"{n}x{d}, learning_rate=0.1, n_iters=2000"))
    X, y = _linear_data(rng, 120, 2, intercept=10.0)
    cases.append(Case.of(X, y, 0.05, 4000, label="a large intercept, learning_rate=0.05"))
    return cases


def ridge_cases(seed: int) -> list[Case]:
    """Seeded data of several shapes and alphas; intercepts far from 0 so penalising it shows."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, d, alpha in [(30, 1, 1.0), (50, 3, 10.0), (200, 5, 0.1), (80, 10, 100.0), (12, 3, 5.0)]:
        X, y = _linear_data(rng, n, d, mean=rng.normal())
        cases.append(Case.of(X, y, alpha, label=f"random {n}x{d}, alpha={alpha}"))
    X, y = _linear_data(rng, 20, 2)
    cases.append(Case.of(X, y, -1.0, label="negative alpha").raising(ValueError))
    return cases + singular_cases(seed + 1, with_alpha=True)


# =========================================================================== parts 5-7: logistic


def sigmoid_scipy(z):
    """``scipy.special.expit``: the logistic function, stable at any z."""
    from scipy.special import expit

    return expit(np.asarray(z, dtype=float))


def sigmoid_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    return [
        Case.of(np.array([0.0]), label="sigmoid(0) = 0.5"),
        Case.of(rng.normal(scale=3, size=50), label="random, scale 3"),
        Case.of(rng.normal(scale=3, size=(4, 6)), label="a 2-D array keeps its shape"),
        Case.of(np.array([-1000.0, -745.0, -40.0, 40.0, 745.0, 1000.0]), label="large |z|"),
        Case.of(np.linspace(-30, 30, 61), label="a grid from -30 to 30"),
    ]


def log_sigmoid_scipy(z):
    """``scipy.special.log_expit``: log(sigmoid(z)), finite at any finite z."""
    from scipy.special import log_expit

    return log_expit(np.asarray(z, dtype=float))


def log_sigmoid_cases(seed: int) -> list[Case]:
    """Where ``np.log(sigmoid(z))`` fails: below z = -745 sigmoid underflows (to a subnormal,
    then to 0) and its log is off or -inf. Above z = 37, 1 - sigmoid(z) is below float64's
    resolution, so a log of the rounded sigmoid is off by under 1e-16 absolute: the 1e-15
    tolerance accepts it, as it accepts log(1 + e) for log1p(e)."""
    rng = np.random.default_rng(seed)
    return [
        Case.of(np.array([0.0]), label="log_sigmoid(0) = -log 2"),
        Case.of(rng.normal(scale=3, size=50), label="random, scale 3"),
        Case.of(rng.normal(scale=3, size=(3, 5)), label="a 2-D array keeps its shape"),
        Case.of(np.array([-1000.0, -800.0, -745.0, -100.0, -40.0]),
                label="very negative z: sigmoid(z) underflows, its log must not"),
        Case.of(np.array([20.0, 40.0, 100.0, 745.0, 1000.0]),
                label="large z: log_sigmoid(z) is about -exp(-z)"),
        Case.of(np.linspace(-30, 30, 61), label="a grid from -30 to 30"),
    ]


LOG_LOSS_EPS = float(np.finfo(float).eps)


def log_loss_sklearn(y_true, p_pred) -> float:
    """``sklearn.metrics.log_loss`` (clips p to [eps, 1 - eps], eps the float64 epsilon)."""
    from sklearn.metrics import log_loss

    with silenced():
        return float(log_loss(y_true, p_pred, labels=[0, 1]))


def log_loss_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for n in (1, 10, 200):
        y = (rng.random(n) < 0.5).astype(int)
        p = rng.uniform(0.01, 0.99, size=n)
        cases.append(Case.of(y, p, label=f"random, n={n}"))
    y = np.array([1, 0, 1, 0])
    cases += [
        Case.of(y, np.array([1.0, 0.0, 1.0, 0.0]), label="perfectly confident and right: p is 0 or 1"),
        Case.of(y, np.array([0.0, 1.0, 0.9, 0.1]), label="confident and wrong: clip p to [eps, 1 - eps]"),
        Case.of(np.array([1, 1, 1]), np.array([0.5, 0.5, 0.5]), label="one class only"),
    ]
    return cases


def sigmoid_reference(z):
    """A stable sigmoid without warnings: exp is only taken of -|z|."""
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def mean_log_loss(X, y, coef, intercept) -> float:
    """Mean log-loss of a logistic model, from the logits (stable for any logit).

    -[y log p + (1-y) log(1-p)] = log(1 + e^z) - y z, and log(1 + e^z) is
    ``np.logaddexp(0, z)``.
    """
    z = np.asarray(X, dtype=float) @ np.asarray(coef, dtype=float) + float(intercept)
    return float(np.mean(np.logaddexp(0.0, z) - np.asarray(y, dtype=float) * z))


def logistic_gradient_reference(X, y, coef, intercept):
    """(X^T (p - y) / n, mean(p - y)): the gradient of the mean log-loss."""
    X = np.asarray(X, dtype=float)
    residual = sigmoid_reference(X @ np.asarray(coef, dtype=float) + intercept) - np.asarray(y)
    return X.T @ residual / len(X), float(residual.mean())


def gradient_matches(actual, expected, *, what: str | None = None,
                     rtol: float = 1e-9, atol: float = 1e-12) -> None:
    """A (grad_coef, grad_intercept) pair equal to the reference's within tolerance."""
    w = what or "your gradient"
    grad_coef, grad_intercept = _unpack_fit(actual, w, len(expected[0]))
    array_close(grad_coef, expected[0], what=f"{w}: gradient for coef", rtol=rtol, atol=atol)
    close(grad_intercept, expected[1], what=f"{w}: gradient for the intercept", rtol=rtol, atol=atol)


def logistic_gradient_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for n, d, scale in [(1, 2, 1.0), (20, 3, 1.0), (200, 5, 0.5), (50, 8, 10.0)]:
        X = rng.normal(size=(n, d))
        y = (rng.random(n) < 0.5).astype(int)
        coef = rng.normal(scale=scale, size=d)
        cases.append(Case.of(X, y, coef, float(rng.normal()),
                             label=f"{n}x{d}, weights of scale {scale}"))
    X = rng.normal(size=(30, 2))
    cases.append(Case.of(X, (X[:, 0] > 0).astype(int), np.array([100.0, -50.0]), 2.0,
                         label="large logits (p within 1e-40 of 0 or 1)"))
    return cases


class Objective:
    """A function of a parameter vector that knows its exact gradient (for gradient checks)."""

    name = "objective"

    def __call__(self, theta):  # pragma: no cover - subclasses
        raise NotImplementedError

    def gradient(self, theta):  # pragma: no cover - subclasses
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.name


class Quadratic(Objective):
    """0.5 theta^T A theta + b^T theta (A symmetric)."""

    def __init__(self, A, b):
        self.A, self.b = np.asarray(A, dtype=float), np.asarray(b, dtype=float)
        self.name = f"Quadratic(dim={len(self.b)})"

    def __call__(self, theta):
        theta = np.asarray(theta, dtype=float)
        return float(0.5 * theta @ self.A @ theta + self.b @ theta)

    def gradient(self, theta):
        return self.A @ np.asarray(theta, dtype=float) + self.b


class LogisticLoss(Objective):
    """Mean log-loss as a function of theta = [coef..., intercept]."""

    def __init__(self, X, y):
        self.X, self.y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
        self.name = f"LogisticLoss(n={len(self.X)}, d={self.X.shape[1]})"

    def __call__(self, theta):
        theta = np.asarray(theta, dtype=float)
        return mean_log_loss(self.X, self.y, theta[:-1], theta[-1])

    def gradient(self, theta):
        theta = np.asarray(theta, dtype=float)
        g_coef, g_b = logistic_gradient_reference(self.X, self.y, theta[:-1], theta[-1])
        return np.append(g_coef, g_b)


class SineSum(Objective):
    """sum(c_i sin(theta_i)) + (sum theta_i)^2: curved, with cross terms."""

    def __init__(self, c):
        self.c = np.asarray(c, dtype=float)
        self.name = f"SineSum(dim={len(self.c)})"

    def __call__(self, theta):
        theta = np.asarray(theta, dtype=float)
        return float(self.c @ np.sin(theta) + theta.sum() ** 2)

    def gradient(self, theta):
        theta = np.asarray(theta, dtype=float)
        return self.c * np.cos(theta) + 2.0 * theta.sum()


def numerical_gradient_exact(f: Objective, theta, eps: float = 1e-6):
    """The exact gradient a finite-difference check must approximate."""
    return f.gradient(theta)


def numerical_gradient_cases(seed: int) -> list[Case]:
    """Objectives with curvature of order 10-100, where one-sided differences are visibly off.

    With eps = 1e-6, a forward difference errs by about eps * f''/2: 1.6e-5
    or more on three of these cases. A central difference errs by
    eps^2 * f'''/6 plus rounding |f| * 2**-52 / eps: at most 2e-8 here. The
    hidden test's absolute tolerance of 1e-6 sits between the two.
    """
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(4, 4))
    A = 10.0 * (M @ M.T + np.eye(4))
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + rng.normal(size=40) > 0).astype(int)
    return [
        Case.of(Quadratic(A, rng.normal(size=4)), rng.normal(size=4), label="a quadratic bowl"),
        Case.of(Quadratic(np.array([[40.0]]), np.array([1.0])), np.array([0.5]), label="one parameter"),
        Case.of(LogisticLoss(X, y), rng.normal(size=4), label="the logistic loss"),
        Case.of(SineSum(30.0 * rng.normal(size=5)), rng.normal(size=5), label="sines and a square"),
    ]


@dataclass(frozen=True)
class LogisticFit:
    """What a fitted logistic model is compared with: loss and logits on its training data."""

    X: np.ndarray
    y: np.ndarray
    loss: float
    logits: np.ndarray


def logistic_sklearn(X, y) -> LogisticFit:
    """``LogisticRegression(C=np.inf)``: no penalty, converged far below the tolerance.

    ``C=np.inf`` is how current scikit-learn spells "no penalty" without a
    deprecation warning; tol=1e-10 with lbfgs reaches the minimum log-loss to
    about 1e-12 on these small problems (the unit tests check it against Newton).
    """
    from sklearn.linear_model import LogisticRegression

    X = np.asarray(X, dtype=float)
    with silenced():
        model = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    coef, intercept = model.coef_.ravel(), float(model.intercept_[0])
    return LogisticFit(X, np.asarray(y), mean_log_loss(X, y, coef, intercept), X @ coef + intercept)


def fit_logistic_reference(X, y, max_iter: int = 100, tol: float = 1e-12):
    """Unpenalised logistic regression by Newton's method (the benchmark's reference).

    Each step solves H step = g by least squares, so a singular Hessian (a
    constant column, or p saturating on separable data) gives the
    minimum-norm step instead of an error. Stops when the step stops
    lowering the loss (separable data: the loss keeps falling towards 0
    while the weights grow; the loop stops at ``max_iter`` with finite values).
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    A = _with_ones(X)
    theta = np.zeros(A.shape[1])
    loss = mean_log_loss(X, y, theta[1:], theta[0])
    for _ in range(max_iter):
        p = sigmoid_reference(A @ theta)
        grad = A.T @ (p - y) / len(A)
        hess = (A * (p * (1 - p))[:, None]).T @ A / len(A)
        step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        new_theta = theta - step
        new_loss = mean_log_loss(X, y, new_theta[1:], new_theta[0])
        if not np.all(np.isfinite(new_theta)) or not new_loss < loss:
            break
        theta, loss, improvement = new_theta, new_loss, loss - new_loss
        if improvement < tol:
            break
    return theta[1:], float(theta[0])


def logistic_fit_matches(actual, expected: LogisticFit, *, what: str | None = None,
                         loss_atol: float = 1e-6, margin: float = 1e-2) -> None:
    """The fit reaches the reference's log-loss and predicts the same labels.

    Parameters are not compared (with a constant column they are not unique).
    Labels are compared where the reference's logit is at least ``margin``
    away from 0: within 1e-6 of the minimum loss the parameters can still
    move a point sitting on the decision boundary across it.
    """
    w = what or "your fit"
    coef, intercept = _unpack_fit(actual, w, expected.X.shape[1])
    if not (np.all(np.isfinite(coef)) and math.isfinite(intercept)):
        raise CheckFailed(f"{w}: the parameters are not finite: coef={show(coef)}, "
                          f"intercept={intercept!r}")
    with silenced():
        loss = mean_log_loss(expected.X, expected.y, coef, intercept)
        logits = expected.X @ coef + intercept
    close(loss, expected.loss, what=f"{w}: mean log-loss on the training data", rtol=0, atol=loss_atol)
    sure = np.abs(expected.logits) >= margin
    array_equal((logits[sure] > 0).astype(int), (expected.logits[sure] > 0).astype(int),
                what=f"{w}: predicted labels (points at least {margin} from the boundary)")


def separable_expectation(X, y) -> LogisticFit:
    """Separable data has no minimiser: only the labels (all right) are expected."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    return LogisticFit(X, y, 0.0, np.where(y == 1, 1.0, -1.0))


def separable_fit_ok(actual, expected: LogisticFit, *, what: str | None = None) -> None:
    """Finite parameters that classify every training point correctly."""
    w = what or "your fit"
    coef, intercept = _unpack_fit(actual, w, expected.X.shape[1])
    if not (np.all(np.isfinite(coef)) and math.isfinite(intercept)):
        raise CheckFailed(f"{w}: on separable data the parameters must stay finite (stop after "
                          f"max_iter), got coef={show(coef)}, intercept={intercept!r}")
    with silenced():
        labels = (expected.X @ coef + intercept > 0).astype(int)
    array_equal(labels, expected.y, what=f"{w}: training labels on separable data")


def _logistic_data(rng, n, d, scale=1.0):
    X = rng.normal(size=(n, d))
    w = rng.normal(scale=scale, size=d)
    b = rng.normal(scale=0.5)
    y = (rng.random(n) < sigmoid_reference(X @ w + b)).astype(int)
    return X, y


def logistic_cases(seed: int) -> list[Case]:
    """Non-separable data (labels drawn from the model, so the classes overlap)."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, d in [(100, 2), (200, 5), (300, 3), (150, 8)]:
        X, y = _logistic_data(rng, n, d)
        cases.append(Case.of(X, y, label=f"random {n}x{d}"))
    X, y = _logistic_data(rng, 120, 2)
    cases.append(Case.of(np.column_stack([X, np.full(120, 2.0)]), y,
                         label="a constant column: the parameters are not unique, the loss is"))
    X, y = _logistic_data(rng, 150, 3)
    cases.append(Case.of(X * np.array([1.0, 5.0, 0.2]), y, label="columns of different scales"))
    return cases


def separable_cases(seed: int) -> list[Case]:
    """Linearly separable data with a margin: the log-loss has no minimum."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, d in [(60, 2), (100, 4)]:
        X = rng.normal(size=(3 * n, d))
        w = rng.normal(size=d)
        score = X @ w / np.linalg.norm(w) + 0.3
        keep = np.abs(score) > 0.5
        X, score = X[keep][:n], score[keep][:n]
        cases.append(Case.of(X, (score > 0).astype(int), label=f"separable {n}x{d}"))
    return cases


def is_separable(X, y) -> bool:
    """True when some hyperplane puts every point on its label's side (a linear program)."""
    from scipy.optimize import linprog

    A = _with_ones(np.asarray(X, dtype=float))
    sign = np.where(np.asarray(y) == 1, 1.0, -1.0)
    # find theta with sign_i * (A_i . theta) >= 1 for all i
    result = linprog(np.zeros(A.shape[1]), A_ub=-(sign[:, None] * A), b_ub=-np.ones(len(A)),
                     bounds=[(None, None)] * A.shape[1], method="highs")
    return result.status == 0


# =========================================================================== part 8: softmax


def softmax_scipy(Z):
    """``scipy.special.softmax`` over the last axis."""
    from scipy.special import softmax

    return softmax(np.asarray(Z, dtype=float), axis=-1)


def softmax_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    return [
        Case.of(np.array([1.0, 2.0, 3.0]), label="a 1-D vector"),
        Case.of(rng.normal(size=(5, 3)), label="random 5x3"),
        Case.of(rng.normal(scale=5, size=(40, 10)), label="random 40x10, scale 5"),
        Case.of(np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -1000.0, -999.0]]),
                label="large and very negative logits (subtract the row max)"),
        Case.of(np.array([[5.0, 5.0, 5.0, 5.0]]), label="equal logits: uniform"),
        Case.of(rng.normal(size=(6, 1)), label="one class: every row is [1.0]"),
        Case.of(1000.0 + rng.normal(size=(3, 4)), label="every logit near 1000"),
    ]


# =========================================================================== part 9: an estimator

# scikit-learn's own estimator checks that apply to a binary KNN classifier. Left
# out: check_classifiers_train and check_classifiers_classes (three classes and
# string labels, beyond part 1's contract of two integer labels), the checks about
# sample_weight, sparse input and parameter-validation machinery (not part of this
# exercise), and check_classifiers_regression_target (it wants one exact message).
KNN_ESTIMATOR_CHECKS = (
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_estimators_fit_returns_self",
    "check_estimators_unfitted",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
    "check_fit1d",
    "check_dont_overwrite_parameters",
    "check_estimators_overwrite_params",
    "check_fit_idempotent",
    "check_methods_subset_invariance",
    "check_methods_sample_order_invariance",
    "check_classifier_data_not_an_array",
    "check_classifiers_one_label",
    "check_estimators_dtypes",
    "check_estimators_empty_data_messages",
    "check_estimators_nan_inf",
    "check_estimators_pickle",
    "check_dict_unchanged",
    "check_pipeline_consistency",
    "check_supervised_y_no_nan",
)


def estimator_check_failures(cls, names) -> list[tuple[str, str]]:
    """(check, complaint) for each of scikit-learn's checks ``names`` that ``cls`` fails.

    Each check gets a fresh default instance. The checks run in the test's own
    process: under ``mlinterview grade`` on the grader's stand-in for the
    learner's class (see :func:`mlinterview.checks.stand_in`).
    """
    import sklearn.utils.estimator_checks as estimator_checks

    cls = checks.stand_in(cls)
    failed = []
    for name in names:
        check = getattr(estimator_checks, name)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            try:
                check(cls.__name__, cls())
            except checks._grading_stops:
                raise
            except Exception as exc:  # noqa: BLE001 - the learner's error is the finding
                failed.append((name, f"{type(exc).__name__}: {exc}".strip()))
    return failed


def passes_estimator_checks(actual, expected, *, what: str | None = None) -> None:
    """``actual`` (an estimator class) passes each of scikit-learn's checks named in ``expected``.

    The message names the failing checks and the first one's complaint, which
    is usually specific ("fit should return self", "... should raise NotFittedError").
    """
    w = what or "your estimator"
    if not isinstance(actual, type):
        raise CheckFailed(f"{w}: expected a class, got {show(actual)}")
    failed = estimator_check_failures(actual, list(expected))
    if failed:
        first, message = failed[0]
        message = " ".join(message.split())[:400]
        raise CheckFailed(f"{w}: {len(failed)} of {len(expected)} scikit-learn estimator checks "
                          f"failed: {', '.join(n for n, _ in failed[:4])}"
                          f"{' ...' if len(failed) > 4 else ''}\n  first, {first}: {message}")
