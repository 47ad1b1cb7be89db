"""Time the vectorised from-scratch references of m03 against scikit-learn, same data.

Prints figures; asserts nothing about time (machines differ). The issue's targets:
the KNN reference within 3x of scikit-learn's brute-force KNeighborsClassifier, and
the logistic-regression reference within 1e-6 of LogisticRegression(C=np.inf)'s
log-loss. Run: python benchmarks/m03_vs_sklearn.py
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from mlinterview.exercises import m03_models as m03

REPEATS = 5


def best_of(func, repeats: int = REPEATS) -> tuple[float, float, object]:
    """Best wall-clock and best CPU seconds of ``repeats`` runs, and the result.

    The best run is the least disturbed by other processes. CPU time (all
    threads of this process) is printed too: on a shared machine it moves
    less than wall-clock time, and it charges a multi-threaded library for
    every core it keeps busy.
    """
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = func()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu, result


def bench_knn(n_train: int = 5000, n_test: int = 5000, d: int = 20, k: int = 5) -> None:
    rng = np.random.default_rng(0)
    X_train, X_test = rng.normal(size=(n_train, d)), rng.normal(size=(n_test, d))
    y_train = (X_train[:, 0] + 0.5 * rng.normal(size=n_train) > 0).astype(int)
    print(f"KNN predict: fit on {n_train} x {d}, predict {n_test} x {d}, k={k}")
    print(f"  {'':<10} {'wall-clock seconds':^26} {'CPU seconds':^26}")
    print(f"  {'metric':<10} {'reference':>9} {'sklearn':>9} {'ratio':>6} "
          f"{'reference':>9} {'sklearn':>9} {'ratio':>6}  labels equal")
    for metric in m03.KNN_METRICS:
        model = KNeighborsClassifier(n_neighbors=k, algorithm="brute", metric=metric)
        model.fit(X_train, y_train)
        t_sk, c_sk, y_sk = best_of(lambda model=model: model.predict(X_test))
        t_ref, c_ref, y_ref = best_of(lambda metric=metric: m03.knn_predict_reference(
            X_train, y_train, X_test, k, metric))
        print(f"  {metric:<10} {t_ref:9.3f} {t_sk:9.3f} {t_ref / t_sk:6.2f} "
              f"{c_ref:9.3f} {c_sk:9.3f} {c_ref / c_sk:6.2f}  {np.array_equal(y_ref, y_sk)}")
    print("  ratio = reference / scikit-learn (the target: at most 3)")


def bench_logistic(n: int = 10_000, d: int = 20) -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w + 0.3)))).astype(int)
    print(f"logistic regression fit, no penalty: {n} x {d}")

    def sklearn_fit(tol):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = LogisticRegression(C=np.inf, tol=tol, max_iter=10_000).fit(X, y)
        return model.coef_.ravel(), float(model.intercept_[0])

    t_ref, _, (coef, intercept) = best_of(lambda: m03.fit_logistic_reference(X, y))
    loss_ref = m03.mean_log_loss(X, y, coef, intercept)
    print(f"  {'fitter':<46} {'seconds':>8} {'ratio':>6} {'log-loss':>18} {'minus reference':>16}")
    print(f"  {'reference (Newton, lstsq steps)':<46} {t_ref:8.3f} {1.0:6.2f} {loss_ref:18.15f} "
          f"{0.0:16.2e}")
    for tol in (1e-4, 1e-10):
        t_sk, _, (coef, intercept) = best_of(lambda tol=tol: sklearn_fit(tol))
        loss_sk = m03.mean_log_loss(X, y, coef, intercept)
        label = f"LogisticRegression(C=inf, lbfgs, tol={tol:g})"
        print(f"  {label:<46} {t_sk:8.3f} {t_sk / t_ref:6.2f} {loss_sk:18.15f} "
              f"{loss_sk - loss_ref:16.2e}")
    print("  ratio = scikit-learn's time / the reference's; 'minus reference' = its log-loss minus\n"
          "  the reference's (the target: the reference within 1e-6 of scikit-learn's)")


if __name__ == "__main__":
    import sklearn

    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}; best of {REPEATS} runs\n")
    bench_knn()
    print()
    bench_logistic()
