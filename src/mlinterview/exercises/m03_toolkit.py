"""m03_ml_coding, notebook "toolkit": references, seeded cases and comparisons.

Eight tools an ML coding round asks for from scratch: k-means, a standard
scaler, a confusion matrix with precision/recall/F1, R^2, ROC AUC, a seeded
k-fold split, a Gini decision stump and Gaussian naive Bayes.

References call scikit-learn wherever it implements the same contract; where
the notebook's contract states a rule scikit-learn does not share (k-means
keeps an empty cluster's centroid where scikit-learn relocates it; the stump's
tie rule; the k-fold shuffle source), the reference is a plain NumPy version of
that rule, and ``tests/test_m03_toolkit.py`` proves it agrees with
scikit-learn wherever both apply. Every scikit-learn call runs with warnings
silenced: nbgrader scores a test cell that writes to stderr 0.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..checks import Case, CheckFailed, array_close, array_equal, close, show

# --------------------------------------------------------------------------- helpers


def _quiet(func: Callable) -> Callable:
    """Run ``func`` with every warning silenced (scikit-learn warns on edge cases)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(*args, **kwargs)

    return wrapper


def _parts(actual, n: int, w: str, names: str) -> tuple:
    """``actual`` as a tuple of ``n`` parts, or a message naming the contract."""
    if not isinstance(actual, (tuple, list)) or len(actual) != n:
        raise CheckFailed(f"{w}: expected a tuple ({names}), got {show(actual)}")
    return tuple(actual)


def tuple_close(names: tuple[str, ...], rtol: float = 1e-7, atol: float = 1e-9) -> Callable:
    """A comparison for a tuple of arrays or numbers, each within ``atol + rtol*|expected|``."""

    def compare(actual, expected, *, what: str | None = None) -> None:
        w = what or "your answer"
        parts = _parts(actual, len(names), w, ", ".join(names))
        for name, a, e in zip(names, parts, expected):
            array_close(a, e, what=f"{w} -> {name}", rtol=rtol, atol=atol)

    compare.__name__ = f"tuple_close_{'_'.join(names)}"
    return compare


# --------------------------------------------------------------------------- part 1: k-means


def _nearest(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    # exact differences, not the |x|^2 - 2x.c + |c|^2 trick, so that the tie
    # cases (integer coordinates) are exact ties; argmin keeps the first minimum
    sq_dist = ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(sq_dist, axis=1)


def kmeans_reference(X, init_centroids, n_iter):
    """Lloyd's k-means as the notebook's contract states it.

    ``n_iter`` rounds of (assign each row to the nearest centroid, lowest
    index on a tie; move each centroid to the mean of its rows, an empty
    cluster keeping its centroid), stopping early once nothing moves. Returns
    ``(centroids, labels)`` with the labels of the *returned* centroids.
    """
    X = np.asarray(X, dtype=float)
    centroids = np.array(init_centroids, dtype=float)
    for _ in range(n_iter):
        labels = _nearest(X, centroids)
        moved = centroids.copy()
        for k in range(len(centroids)):
            members = X[labels == k]
            if len(members):
                moved[k] = members.mean(axis=0)
        if np.array_equal(moved, centroids):
            break
        centroids = moved
    return centroids, _nearest(X, centroids)


@_quiet
def kmeans_sklearn(X, init_centroids, n_iter):
    """``KMeans(init=init_centroids, n_init=1, algorithm="lloyd", tol=0)`` run ``n_iter`` rounds."""
    from sklearn.cluster import KMeans

    init = np.asarray(init_centroids, dtype=float)
    model = KMeans(n_clusters=len(init), init=init, n_init=1, max_iter=n_iter, tol=0.0,
                   algorithm="lloyd").fit(np.asarray(X, dtype=float))
    return model.cluster_centers_, model.labels_


def kmeans_matches(actual, expected, *, what: str | None = None) -> None:
    """Labels equal exactly; centroids within 1e-8 (+1e-9 relative).

    scikit-learn centres X on its mean before iterating, so its centroids
    differ from a direct mean by rounding (about 1e-14 on data of scale 10);
    1e-8 is far above that and far below any real mistake.
    """
    w = what or "kmeans"
    centroids, labels = _parts(actual, 2, w, "centroids, labels")
    array_close(centroids, expected[0], what=f"{w} -> centroids", rtol=1e-9, atol=1e-8)
    array_equal(np.asarray(labels), expected[1], what=f"{w} -> labels")


def _blobs(rng: np.random.Generator, n_samples: int, n_features: int, n_clusters: int,
           spread: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """Well-separated blobs (centres at least 4 apart) and one starting row from each."""
    while True:
        centres = rng.uniform(-10, 10, size=(n_clusters, n_features))
        gaps = np.linalg.norm(centres[:, None] - centres[None], axis=2)[np.triu_indices(n_clusters, 1)]
        if n_clusters == 1 or gaps.min() > 4:
            break
    which = np.arange(n_samples) % n_clusters
    X = centres[which] + rng.normal(scale=spread, size=(n_samples, n_features))
    init = np.stack([X[rng.choice(np.flatnonzero(which == k))] for k in range(n_clusters)])
    return X, init


KMEANS_SHAPES = [(30, 2, 2, 1), (60, 1, 3, 2), (100, 3, 3, 5), (200, 5, 4, 20), (150, 2, 5, 3),
                 (40, 4, 2, 50)]


def kmeans_cases(seed: int) -> list[Case]:
    """Seeded blobs of several shapes, where KMeans and the contract agree."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, d, k, n_iter in KMEANS_SHAPES:
        X, init = _blobs(rng, n, d, k)
        cases.append(Case.of(X, init, n_iter, label=f"blobs n={n} d={d} k={k} n_iter={n_iter}"))
    # a start that is poor on purpose: both centroids in one blob, so rows move between clusters
    # both centroids start in one blob: rows change cluster for a few rounds, so a
    # small n_iter stops before convergence and the returned labels must be re-assigned
    X, _ = _blobs(rng, 80, 2, 2)
    for n_iter in (1, 2, 10):
        cases.append(Case.of(X, X[[0, 2]], n_iter,
                             label=f"both centroids start in the same blob, n_iter={n_iter}"))
    return cases


def kmeans_edge_cases(seed: int) -> list[Case]:
    """The rules scikit-learn does not share: empty cluster and distance ties."""
    rng = np.random.default_rng(seed)
    X, init = _blobs(rng, 50, 2, 2)
    far = np.vstack([init, [[100.0, 100.0]]])
    line = np.array([[0.0], [1.0], [2.0], [4.0], [5.0]])
    return [
        Case.of(X, far, 5, label="empty cluster: a centroid far from every row keeps its place"),
        Case.of(np.array([[0.0, 0.0], [1.0, 0.0], [9.0, 9.0]]),
                np.array([[-50.0, -50.0], [0.0, 0.0], [9.0, 9.0]]), 3, label="centroid 0 is empty"),
        Case.of(line, np.array([[0.0], [2.0]]), 1, label="distance tie: row 1 goes to the lower index"),
        Case.of(np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 0.0], [1.0, 5.0]]),
                np.array([[0.0, 0.0], [2.0, 0.0]]), 4, label="ties after the first move"),
        Case.of(np.array([[1.0, 1.0], [1.0, 1.0], [3.0, 3.0]]), np.array([[2.0, 2.0], [2.0, 2.0]]),
                3, label="two identical centroids: every row ties, all go to centroid 0 first"),
        Case.of(X, init[:1], 3, label="k = 1: the centroid is the mean"),
    ]


def inertia_cases(seed: int) -> list[Case]:
    """``inertia(X, centroids, labels)`` on KMeans's own output, expecting its ``inertia_``."""
    from sklearn.cluster import KMeans

    rng = np.random.default_rng(seed)
    cases = []
    for n, d, k, n_iter in KMEANS_SHAPES[:4]:
        X, init = _blobs(rng, n, d, k, spread=1.5)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = KMeans(n_clusters=k, init=init, n_init=1, max_iter=n_iter, tol=0.0,
                           algorithm="lloyd").fit(X)
        cases.append(Case.of(X, model.cluster_centers_, model.labels_,
                             label=f"KMeans output n={n} d={d} k={k}").expecting(model.inertia_))
    X = np.array([[0.0, 0.0], [3.0, 4.0]])
    cases.append(Case.of(X, np.array([[0.0, 0.0]]), np.array([0, 0]),
                         label="one centroid: 0 + 25").expecting(25.0))
    return cases


# --------------------------------------------------------------------------- part 2: scaler


@_quiet
def scaler_fit_reference(X):
    """``(mean_, scale_)`` of ``StandardScaler().fit(X)``: population std, 1 for a constant column."""
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(np.asarray(X, dtype=float))
    return scaler.mean_, scaler.scale_


def scaler_transform_reference(X, mean, scale):
    """``(X - mean) / scale``, the transform StandardScaler applies."""
    return (np.asarray(X, dtype=float) - mean) / scale


@_quiet
def scale_split_reference(X_train, X_test):
    """Both sets scaled with the statistics of the training set only."""
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(np.asarray(X_train, dtype=float))
    return scaler.transform(np.asarray(X_train, dtype=float)), \
        scaler.transform(np.asarray(X_test, dtype=float))


def _scaled_columns(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    return rng.normal(loc=rng.uniform(-50, 50, d), scale=rng.uniform(0.1, 20, d), size=(n, d))


def scaler_fit_cases(seed: int) -> list[Case]:
    """Random shapes, constant columns (exact values: NumPy's std is exactly 0), one row."""
    rng = np.random.default_rng(seed)
    cases = [Case.of(_scaled_columns(rng, n, d), label=f"random n={n} d={d}")
             for n, d in [(2, 1), (10, 3), (57, 4), (300, 6)]]
    X = _scaled_columns(rng, 40, 4)
    X[:, 1] = 7.0
    X[:, 3] = -2.5
    cases.append(Case.of(X, label="constant columns 1 and 3: scale 1"))
    cases.append(Case.of(np.full((5, 2), 3.0), label="every column constant"))
    cases.append(Case.of(rng.normal(size=(1, 3)), label="a single row: every column constant"))
    cases.append(Case.of(rng.integers(0, 5, size=(30, 3)), label="integer input"))
    return cases


def scaler_transform_cases(seed: int) -> list[Case]:
    """Given statistics, including scale 1 for constant columns; X may be new data."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, d in [(1, 2), (20, 3), (100, 5)]:
        X = _scaled_columns(rng, n, d)
        mean, scale = rng.normal(size=d), rng.uniform(0.5, 3, size=d)
        scale[0] = 1.0
        cases.append(Case.of(X, mean, scale, label=f"n={n} d={d}"))
    return cases


def scale_split_cases(seed: int) -> list[Case]:
    """Test sets drawn from a shifted distribution, so statistics from them show."""
    rng = np.random.default_rng(seed)
    cases = []
    for n_train, n_test, d in [(30, 10, 2), (100, 40, 4), (8, 25, 3)]:
        X_train = _scaled_columns(rng, n_train, d)
        X_test = X_train[:1] + 3.0 + rng.normal(scale=4.0, size=(n_test, d))
        cases.append(Case.of(X_train, X_test, label=f"train {n_train}x{d}, shifted test {n_test}x{d}"))
    X_train = _scaled_columns(rng, 20, 3)
    X_train[:, 2] = 1.0
    X_test = rng.normal(size=(6, 3))
    cases.append(Case.of(X_train, X_test, label="column 2 constant in train, varies in test"))
    return cases


# --------------------------------------------------------------------------- part 3: classification metrics


@_quiet
def confusion_matrix_reference(y_true, y_pred, n_classes):
    """``sklearn.metrics.confusion_matrix(y_true, y_pred, labels=range(n_classes))``."""
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(y_true, y_pred, labels=np.arange(n_classes))


@_quiet
def precision_recall_f1_reference(y_true, y_pred):
    """Binary precision, recall and F1 of class 1 with ``zero_division=0``."""
    from sklearn.metrics import f1_score, precision_score, recall_score

    return (float(precision_score(y_true, y_pred, zero_division=0)),
            float(recall_score(y_true, y_pred, zero_division=0)),
            float(f1_score(y_true, y_pred, zero_division=0)))


def confusion_matrix_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for n, k in [(1, 2), (20, 2), (50, 3), (200, 5)]:
        y_true = rng.integers(0, k, n)
        y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k, n))
        cases.append(Case.of(y_true, y_pred, k, label=f"n={n}, {k} classes"))
    cases.append(Case.of([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], 2,
                         label="rows are the true class, columns the predicted one"))
    cases.append(Case.of(np.array([0, 0, 2]), np.array([0, 2, 2]), 4,
                         label="classes 1 and 3 never appear: zero rows and columns"))
    return cases


def precision_recall_f1_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for n in (5, 30, 200):
        y_true = rng.integers(0, 2, n)
        y_pred = np.where(rng.random(n) < 0.7, y_true, 1 - y_true)
        cases.append(Case.of(y_true, y_pred, label=f"random n={n}"))
    cases += [
        Case.of(np.array([1, 0, 1, 0]), np.array([0, 0, 0, 0]),
                label="no positive predictions: precision 0 (zero division)"),
        Case.of(np.array([0, 0, 0]), np.array([1, 0, 1]),
                label="no positive labels: recall 0 (zero division)"),
        Case.of(np.array([0, 0, 0]), np.array([0, 0, 0]), label="no positives at all: 0, 0, 0"),
        Case.of(np.array([1, 1, 0]), np.array([0, 0, 1]), label="every prediction wrong"),
        Case.of([1, 0, 1, 1], [1, 0, 1, 1], label="perfect, given as lists"),
    ]
    return cases


# --------------------------------------------------------------------------- part 4: R^2


@_quiet
def r2_reference(y_true, y_pred):
    """``sklearn.metrics.r2_score``: constant y_true gives 1.0 if predicted exactly, else 0.0."""
    from sklearn.metrics import r2_score

    return float(r2_score(y_true, y_pred))


def r2_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for n in (2, 10, 100, 500):
        y_true = rng.normal(loc=5, scale=3, size=n)
        y_pred = y_true + rng.normal(scale=1.5, size=n)
        cases.append(Case.of(y_true, y_pred, label=f"random n={n}"))
    y = rng.normal(size=20)
    cases += [
        Case.of(y, y.copy(), label="perfect: 1.0"),
        Case.of(y, np.full(20, y.mean()), label="predicting the mean: 0.0"),
        Case.of(y, -y + 4, label="worse than the mean: negative"),
        Case.of(y, 2 * y + 1, label="correlated but wrong scale (squared correlation is 1)"),
        Case.of(np.full(6, 3.0), np.full(6, 3.0), label="constant y_true, exact: 1.0"),
        Case.of(np.full(6, 3.0), np.array([3.0, 3, 3, 3, 3, 4]), label="constant y_true, not exact: 0.0"),
        Case.of([1, 2, 3], [1, 2, 2], label="lists of ints"),
    ]
    return cases


# --------------------------------------------------------------------------- part 5: ROC AUC


@_quiet
def roc_auc_reference(y_true, scores):
    """``sklearn.metrics.roc_auc_score``; tied scores count one half (the trapezoid).

    ValueError when y_true holds one class: recent scikit-learn warns and
    returns NaN there instead, and the contract asks for the error.
    """
    from sklearn.metrics import roc_auc_score

    if len(np.unique(y_true)) != 2:
        raise ValueError("ROC AUC needs both classes in y_true")
    return float(roc_auc_score(y_true, scores))


def roc_auc_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for n in (4, 30, 300):
        y = rng.integers(0, 2, n)
        y[:2] = [0, 1]
        cases.append(Case.of(y, y + rng.normal(scale=1.0, size=n), label=f"continuous scores n={n}"))
        cases.append(Case.of(y, np.round(y + rng.normal(size=n)), label=f"integer scores, many ties n={n}"))
    y = rng.integers(0, 2, 40)
    y[:2] = [0, 1]
    cases += [
        Case.of(y, np.ones(40), label="every score tied: 0.5"),
        Case.of(np.array([0, 0, 1, 1]), np.array([0.1, 0.5, 0.5, 0.9]), label="one tie across classes: 0.875"),
        Case.of(np.array([1, 0]), np.array([0.9, 0.1]), label="perfect: 1.0"),
        Case.of(np.array([1, 0, 1]), np.array([0.1, 0.9, 0.2]), label="inverted: 0.0"),
        Case.of([0, 1, 1, 0, 1], [3, 3, 5, 1, 2], label="lists of ints"),
        Case.of(np.zeros(5, dtype=int), rng.random(5), label="only class 0").raising(ValueError),
        Case.of(np.ones(3, dtype=int), rng.random(3), label="only class 1").raising(ValueError),
    ]
    return cases


# --------------------------------------------------------------------------- part 6: k-fold


def kfold_indices_reference(n_samples, n_splits, shuffle=False, seed=None):
    """The contract: fold sizes as KFold; the shuffle is ``default_rng(seed).permutation``."""
    if not 2 <= n_splits <= n_samples:
        raise ValueError(f"need 2 <= n_splits <= n_samples, got n_splits={n_splits}, "
                         f"n_samples={n_samples}")
    order = np.random.default_rng(seed).permutation(n_samples) if shuffle else np.arange(n_samples)
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    folds, start = [], 0
    for size in sizes:
        test = np.sort(order[start:start + size])
        train = np.setdiff1d(np.arange(n_samples), test)
        folds.append((train, test))
        start += size
    return folds


def kfold_sklearn(n_samples, n_splits, shuffle=False, seed=None):
    """``KFold(n_splits).split`` as a list of (train, test); shuffle=False only."""
    from sklearn.model_selection import KFold

    if shuffle:
        raise ValueError("scikit-learn shuffles with its own generator; compare with the contract")
    return list(KFold(n_splits=n_splits).split(np.zeros((n_samples, 1))))


def _folds(actual, w: str) -> list[tuple[np.ndarray, np.ndarray]]:
    try:
        folds = list(actual)
    except TypeError:
        raise CheckFailed(f"{w}: expected a list of (train_idx, test_idx) pairs, "
                          f"got {show(actual)}") from None
    out = []
    for i, fold in enumerate(folds):
        if not isinstance(fold, (tuple, list)) or len(fold) != 2:
            raise CheckFailed(f"{w}: fold {i} should be a pair (train_idx, test_idx), got {show(fold)}")
        out.append((np.sort(np.asarray(fold[0]).ravel()), np.sort(np.asarray(fold[1]).ravel())))
    return out


def folds_equal(actual, expected, *, what: str | None = None) -> None:
    """The same folds in the same order; order of indices inside a fold is free."""
    w = what or "kfold_indices"
    got = _folds(actual, w)
    if len(got) != len(expected):
        raise CheckFailed(f"{w}: expected {len(expected)} folds, got {len(got)}")
    for i, ((tr, te), (tr_e, te_e)) in enumerate(zip(got, expected)):
        array_equal(te, np.sort(te_e), what=f"{w} -> fold {i} test indices (sorted)")
        array_equal(tr, np.sort(tr_e), what=f"{w} -> fold {i} train indices (sorted)")


def folds_partition(actual, expected, *, what: str | None = None) -> None:
    """Properties only: test folds partition the rows with KFold's sizes; train is the rest."""
    w = what or "kfold_indices"
    got = _folds(actual, w)
    if len(got) != len(expected):
        raise CheckFailed(f"{w}: expected {len(expected)} folds, got {len(got)}")
    n_samples = sum(len(te) for _, te in expected)
    everything = np.arange(n_samples)
    sizes = [len(te) for _, te in got]
    want = [len(te) for _, te in expected]
    if sizes != want:
        raise CheckFailed(f"{w}: test fold sizes are {sizes}, expected {want} "
                          f"(the first n_samples % n_splits folds get one extra row)")
    all_test = np.concatenate([te for _, te in got])
    if not np.array_equal(np.sort(all_test), everything):
        raise CheckFailed(f"{w}: the test folds should cover every row once; they cover "
                          f"{len(np.unique(all_test))} distinct rows of {n_samples}")
    for i, (tr, te) in enumerate(got):
        if not np.array_equal(np.sort(np.concatenate([tr, te])), everything):
            raise CheckFailed(f"{w}: fold {i}: train and test together should be every row once")


def kfold_cases(seed: int) -> list[Case]:
    """shuffle=False, compared with KFold: remainders of every size, n_splits = n_samples."""
    rng = np.random.default_rng(seed)
    cases = [Case.of(n, k, label=f"n_samples={n}, n_splits={k} (remainder {n % k})")
             for n, k in [(10, 2), (10, 3), (11, 4), (7, 7), (23, 5), (100, 10)]]
    n = int(rng.integers(30, 90))
    cases.append(Case.of(n, 6, shuffle=False, label=f"n_samples={n}, n_splits=6, keyword shuffle=False"))
    cases += [Case.of(5, 1, label="n_splits=1").raising(ValueError),
              Case.of(3, 4, label="more folds than rows").raising(ValueError)]
    return cases


def kfold_shuffle_cases(seed: int) -> list[Case]:
    """shuffle=True with several seeds and remainders."""
    rng = np.random.default_rng(seed)
    return [Case.of(int(n), int(k), shuffle=True, seed=int(s),
                    label=f"shuffle, n_samples={n}, n_splits={k}, seed={s}")
            for n, k, s in [(10, 3, 0), (11, 4, 1), (50, 5, 42), (7, 7, 3),
                            (int(rng.integers(40, 120)), 6, int(rng.integers(1000)))]]


# --------------------------------------------------------------------------- part 7: decision stump


def _weighted_gini(y_idx: np.ndarray, left: np.ndarray, n_classes: int) -> float:
    n = len(y_idx)
    total = 0.0
    for side in (left, ~left):
        m = side.sum()
        if m:
            p = np.bincount(y_idx[side], minlength=n_classes) / m
            total += m / n * (1.0 - (p**2).sum())
    return float(total)


def best_split_reference(X, y):
    """``(feature, threshold, gini)`` of the best single split, as the contract states it.

    Left is ``X[:, feature] <= threshold``; thresholds are midpoints between
    consecutive distinct values; ties (within 1e-12) go to the lowest
    feature, then the lowest threshold. ValueError when no feature varies.
    """
    X = np.asarray(X, dtype=float)
    _, y_idx = np.unique(np.asarray(y), return_inverse=True)
    n_classes = int(y_idx.max()) + 1
    best = None
    for feature in range(X.shape[1]):
        values = np.unique(X[:, feature])
        for lo, hi in zip(values[:-1], values[1:]):
            threshold = (lo + hi) / 2
            gini = _weighted_gini(y_idx, X[:, feature] <= threshold, n_classes)
            if best is None or gini < best[2] - 1e-12:
                best = (feature, float(threshold), gini)
    if best is None:
        raise ValueError("no feature has two distinct values: there is no split")
    return best


@dataclass(frozen=True)
class StumpTarget:
    """What a stump must achieve: scikit-learn's best weighted Gini on this data."""

    gini: float
    X: np.ndarray
    y: np.ndarray

    def __repr__(self) -> str:  # shown in failure messages
        return f"weighted Gini {self.gini:.6g}"


@_quiet
def best_split_sklearn(X, y):
    """The weighted Gini of the children of ``DecisionTreeClassifier(max_depth=1)``."""
    from sklearn.tree import DecisionTreeClassifier

    X, y = np.asarray(X, dtype=float), np.asarray(y)
    tree = DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y).tree_
    if tree.node_count != 3:
        raise ValueError("scikit-learn did not split this data; it is not a comparison case")
    left, right = tree.children_left[0], tree.children_right[0]
    n = tree.n_node_samples
    gini = (n[left] * tree.impurity[left] + n[right] * tree.impurity[right]) / n[0]
    return StumpTarget(float(gini), X, y)


def stump_matches_sklearn(actual, expected: StumpTarget, *, what: str | None = None) -> None:
    """The reported Gini equals scikit-learn's best, and the split really achieves it.

    scikit-learn breaks ties between equally good splits by a random feature
    order (and its thresholds are float32), so the split itself is not
    compared with it; only the weighted Gini, recomputed on the data from the
    learner's (feature, threshold), must equal scikit-learn's within 1e-9
    (Gini is a ratio of small counts: rounding is about 1e-16).
    """
    w = what or "best_split"
    feature, threshold, gini = _parts(actual, 3, w, "feature, threshold, gini")
    close(gini, expected.gini, what=f"{w} -> gini", rtol=0, atol=1e-9)
    try:
        column = expected.X[:, int(feature)]
        left = column <= float(threshold)
    except (TypeError, ValueError, IndexError) as exc:
        raise CheckFailed(f"{w}: feature {feature!r}, threshold {threshold!r} do not name a "
                          f"split of X ({exc})") from None
    _, y_idx = np.unique(expected.y, return_inverse=True)
    achieved = _weighted_gini(y_idx, left, int(y_idx.max()) + 1)
    if not left.any() or left.all() or abs(achieved - expected.gini) > 1e-9:
        raise CheckFailed(f"{w}: the split X[:, {feature}] <= {threshold!r} has weighted Gini "
                          f"{achieved:.6g}, not the {gini!r} returned (best: {expected.gini:.6g}); "
                          f"is the threshold on the right side of the values?")


def split_equal(actual, expected, *, what: str | None = None) -> None:
    """Same feature (exact), threshold within 1e-12, Gini within 1e-9."""
    w = what or "best_split"
    feature, threshold, gini = _parts(actual, 3, w, "feature, threshold, gini")
    if feature != expected[0]:
        raise CheckFailed(f"{w}: expected feature {expected[0]} (threshold {expected[1]!r}, "
                          f"gini {expected[2]:.6g}), got feature {feature!r} (threshold {threshold!r})")
    close(threshold, expected[1], what=f"{w} -> threshold", rtol=0, atol=1e-12)
    close(gini, expected[2], what=f"{w} -> gini", rtol=0, atol=1e-9)


def best_split_cases(seed: int) -> list[Case]:
    """Random data where scikit-learn splits: values on a 0.1 grid (exact in float32 too)."""
    rng = np.random.default_rng(seed)
    cases = []
    for n, d, k in [(6, 1, 2), (30, 2, 2), (80, 3, 3), (200, 5, 2), (120, 4, 4)]:
        X = np.round(rng.uniform(-5, 5, size=(n, d)), 1)
        y = (X[:, 0] + rng.normal(scale=2, size=n) > 0).astype(int) if k == 2 else rng.integers(0, k, n)
        y[:2] = [0, 1]
        cases.append(Case.of(X, y, label=f"random n={n} d={d}, {k} classes"))
    X = rng.integers(0, 4, size=(50, 3)).astype(float)
    y = (X[:, 1] >= 2).astype(int)
    cases.append(Case.of(X, y, label="a perfect split on feature 1 (Gini 0)"))
    return cases


def best_split_contract_cases(seed: int) -> list[Case]:
    """Ties, midpoints, duplicate values, constant features, string labels, no split."""
    rng = np.random.default_rng(seed)
    x = rng.permutation(np.arange(8.0))
    return [
        Case.of(np.column_stack([x, x]), (x >= 4).astype(int),
                label="feature 1 copies feature 0: the lower feature wins"),
        Case.of(np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 1, 1, 0]),
                label="two equally good thresholds: the lower one"),
        Case.of(np.array([[5.0, 1.0], [5.0, 2.0], [5.0, 3.0]]), np.array([0, 0, 1]),
                label="feature 0 constant: no split there"),
        Case.of(np.array([[1.0], [1.0], [3.0], [3.0], [3.0]]), np.array([0, 1, 1, 1, 0]),
                label="duplicate values: the threshold is the midpoint 2.0"),
        Case.of(np.array([[0.5], [2.5], [1.5]]), np.array(["b", "a", "b"]),
                label="string labels, unsorted rows"),
        Case.of(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1, 1]),
                label="one class: every split has Gini 0, the first wins"),
        Case.of(np.array([[2.0, 1.0], [2.0, 1.0]]), np.array([0, 1]),
                label="no feature varies").raising(ValueError),
    ]


# --------------------------------------------------------------------------- part 8: Gaussian naive Bayes


@_quiet
def gaussian_nb_fit_reference(X, y, var_smoothing=1e-9):
    """``GaussianNB(var_smoothing=...).fit(X, y)`` as the contract's dict."""
    from sklearn.naive_bayes import GaussianNB

    model = GaussianNB(var_smoothing=var_smoothing).fit(np.asarray(X, dtype=float), np.asarray(y))
    return {"classes": model.classes_, "priors": model.class_prior_, "means": model.theta_,
            "variances": model.var_}


def gnb_fit_matches(actual, expected, *, what: str | None = None) -> None:
    """Classes exact; priors and means to 1e-9; variances to 1e-7 relative, 1e-13 absolute.

    The absolute tolerance sits below the smoothing term (1e-9 x the largest
    variance, at least 1e-9 here), so a fit without smoothing fails on a
    feature that is constant within a class, while two ways of computing a
    variance (one pass or two) still agree.
    """
    w = what or "gaussian_nb_fit"
    if not isinstance(actual, dict):
        raise CheckFailed(f"{w}: expected a dict with keys classes, priors, means, variances, "
                          f"got {show(actual)}")
    missing = {"classes", "priors", "means", "variances"} - set(actual)
    if missing:
        raise CheckFailed(f"{w}: the dict misses the key(s) {sorted(missing)}")
    array_equal(np.asarray(actual["classes"]), expected["classes"], what=f"{w}['classes']")
    array_close(actual["priors"], expected["priors"], what=f"{w}['priors']", rtol=1e-9, atol=1e-12)
    array_close(actual["means"], expected["means"], what=f"{w}['means']", rtol=1e-9, atol=1e-12)
    array_close(actual["variances"], expected["variances"], what=f"{w}['variances']",
                rtol=1e-7, atol=1e-13)


def _nb_data(rng: np.random.Generator, n: int, d: int, labels: np.ndarray):
    which = rng.integers(0, len(labels), n)
    which[: len(labels)] = np.arange(len(labels))  # every class present
    centres = rng.uniform(-5, 5, size=(len(labels), d))
    X = centres[which] + rng.normal(scale=rng.uniform(0.5, 2, d), size=(n, d))
    return X, labels[which]


def gaussian_nb_fit_cases(seed: int) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for n, d, labels in [(10, 1, [0, 1]), (60, 3, [0, 1, 2]), (200, 5, [2, 5, 9])]:
        X, y = _nb_data(rng, n, d, np.array(labels))
        cases.append(Case.of(X, y, label=f"n={n} d={d} classes {labels}"))
    X, y = _nb_data(rng, 40, 3, np.array([0, 1]))
    X[y == 0, 1] = 4.0
    cases.append(Case.of(X, y, label="feature 1 constant within class 0: smoothing keeps var > 0"))
    X, y = _nb_data(rng, 30, 2, np.array([0, 1]))
    X[:, 0] *= 100
    cases.append(Case.of(X, y, 1e-3, label="var_smoothing=1e-3, one feature of scale 100"))
    cases.append(Case.of(X, np.where(y == 1, "spam", "ham"), label="string labels"))
    return cases


def gaussian_nb_predict_proba_cases(seed: int) -> list[Case]:
    """Models fitted by GaussianNB, given in the contract's dict; rows near and very far."""
    from sklearn.naive_bayes import GaussianNB

    rng = np.random.default_rng(seed)
    cases = []
    for n, d, labels in [(20, 1, [0, 1]), (80, 3, [0, 1, 2]), (150, 4, [3, 7])]:
        X, y = _nb_data(rng, n, d, np.array(labels))
        X_test = np.vstack([rng.normal(scale=4, size=(15, d)),
                            np.full((2, d), 60.0), np.full((1, d), -80.0)])  # far: exp underflows
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = GaussianNB().fit(X, y)
            proba = model.predict_proba(X_test)
        params = {"classes": model.classes_, "priors": model.class_prior_,
                  "means": model.theta_, "variances": model.var_}
        cases.append(Case.of(params, X_test, label=f"d={d}, classes {labels}, incl. rows far "
                             f"from every class").expecting(proba))
    return cases
