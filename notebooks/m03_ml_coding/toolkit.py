# %% [markdown]
# # Module 3, notebook B — The ML toolkit from scratch
#
# "No scikit-learn allowed: write k-means." "Compute the AUC of these scores."
# "Split this data into five folds." The ML coding round asks for the small
# tools every model is built from, and judges you on the same things as any
# coding round (see Module 0): the contract you clarify before typing, the
# edge cases you name, and a test you run against something you trust.
#
# Here the thing you trust is scikit-learn. Each part below teaches one tool,
# states its contract, and the hidden tests compare your answer with
# scikit-learn on seeded random data of several shapes, plus the edge cases an
# interviewer probes: an empty cluster, a constant column, a division by zero
# in a metric, tied scores, a dataset of one class.
#
# | part | tool | scikit-learn it must match |
# |---|---|---|
# | 1 | k-means from given centroids, inertia | `KMeans(init=..., n_init=1, algorithm="lloyd")` |
# | 2 | standard scaler, fitted on train only | `StandardScaler` |
# | 3 | confusion matrix, precision, recall, F1 | `sklearn.metrics` with `zero_division=0` |
# | 4 | R² | `r2_score` |
# | 5 | ROC AUC with tied scores | `roc_auc_score` |
# | 6 | seeded k-fold split | `KFold` |
# | 7 | decision stump with Gini | `DecisionTreeClassifier(max_depth=1)` |
# | 8 | Gaussian naive Bayes | `GaussianNB` |
#
# Use NumPy freely; the parts are independent, so start wherever you like.

# %%
import functools

import matplotlib.pyplot as plt
import numpy as np

from mlinterview import checks
from mlinterview.exercises import m03_toolkit

# %% [markdown]
# ## Part 1 — k-means from given centroids (5 points)
#
# **Why it works.** k-means looks for k centroids that make the *inertia*,
# the sum of squared distances from each row to its nearest centroid, small.
# Lloyd's algorithm alternates two steps, and neither can increase inertia:
#
# 1. **Assign**: each row goes to its nearest centroid (for fixed centroids,
#    that is the best label for every row);
# 2. **Update**: each centroid moves to the mean of its rows (for fixed labels,
#    the mean minimises the sum of squared distances).
#
# Inertia goes down (or stays) at every step and there are finitely many
# labelings, so the loop stops, at a *local* minimum that depends on the
# starting centroids. That is why interviewers hand you the starting centroids:
# with them fixed, the answer is deterministic and checkable.
#
# **Worked example.** Rows 0, 1, 10, 11 on a line, starting centroids 0 and 1.
# Assign: 0 goes to centroid 0; 1, 10 and 11 to centroid 1. Update: centroid 0
# stays at 0, centroid 1 moves to (1 + 10 + 11) / 3 ≈ 7.33. Assign again: now
# 1 is closer to 0, so the clusters become {0, 1} and {10, 11}; update: 0.5 and
# 10.5. One more round changes nothing: converged, inertia 4 × 0.25 = 1.
#
# The picture: four rounds on three blobs, starting from a poor guess.

# %% tags=["skip-when-grading"]
def lloyd_rounds(X, centroids, n_rounds):
    """The centroids after each round of the loop above (for the picture only)."""
    history = [centroids]
    for _ in range(n_rounds):
        labels = ((X[:, None] - centroids[None]) ** 2).sum(axis=2).argmin(axis=1)
        centroids = np.stack([X[labels == k].mean(axis=0) for k in range(len(centroids))])
        history.append(centroids)
    return history, labels


rng = np.random.default_rng(0)
X_demo = np.concatenate([rng.normal(c, 0.7, size=(40, 2)) for c in ([0, 0], [5, 1], [2, 5])])
history, labels_demo = lloyd_rounds(X_demo, X_demo[[0, 1, 2]], 8)
fig, ax = plt.subplots(figsize=(5, 4))
ax.scatter(*X_demo.T, c=labels_demo, s=12, cmap="viridis", alpha=0.6)
path = np.stack(history)  # (rounds + 1, k, 2)
for k in range(path.shape[1]):
    ax.plot(path[:, k, 0], path[:, k, 1], "k.-", markersize=8)
    ax.annotate("start", path[0, k], fontsize=8)
ax.set_title("Centroids move to the means of their rows, round by round")
plt.show()

# %% [markdown]
# Two cases the loop above gets wrong, and that an interviewer will ask about:
#
# - **An empty cluster.** A centroid that no row is nearest to has no mean:
#   `X[labels == k].mean(axis=0)` is NaN, with a warning. scikit-learn
#   *relocates* such a centroid to a far-away row; the simplest defensible
#   rule, and the one this part asks for, is to leave it where it is.
# - **A distance tie.** A row exactly halfway between two centroids needs a
#   rule: the lower centroid index (what `np.argmin` does).
#
# **Contract.** `kmeans(X, init_centroids, n_iter)`
#
# - `X`: array of shape `(n_samples, n_features)`; `init_centroids`: array
#   `(k, n_features)`; `n_iter`: int ≥ 1. Do not modify the inputs.
# - Run `n_iter` rounds of *assign* then *update* (you may stop early once no
#   centroid moves: later rounds would change nothing). Squared Euclidean
#   distance. **Tie rule:** a row equally far from several centroids goes to
#   the lowest index. **Empty cluster:** its centroid stays where it was.
# - Returns `(centroids, labels)`: float array `(k, n_features)` and int array
#   `(n_samples,)`, where `labels` assigns each row to the nearest of the
#   **returned** centroids (so after `n_iter=1` the labels come from one more
#   assign step, as in scikit-learn). Centroid `j` starts at `init_centroids[j]`.
#
# `inertia(X, centroids, labels)` returns the float sum over rows of the
# squared distance to the row's own centroid `centroids[labels[i]]`.
#
# <details><summary>Hint 1</summary>
#
# Broadcasting gives all squared distances at once:
# `((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2)` has shape `(n, k)`.
# </details>
# <details><summary>Hint 2</summary>
#
# Loop over the k clusters for the update, and only move a centroid whose
# cluster has rows. Finish with one more assign step on the final centroids.
# </details>

# %% nbgrader={"solution": true, "grade_id": "kmeans_answer"}
def kmeans(X, init_centroids, n_iter):
    """Lloyd's k-means from the given centroids: (centroids, labels).

    Ties go to the lowest centroid index; an empty cluster keeps its centroid;
    the labels are those of the returned centroids.
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    centroids = np.array(init_centroids, dtype=float)

    def assign(centroids):
        return ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)

    for _ in range(n_iter):
        labels = assign(centroids)
        moved = centroids.copy()
        for k in range(len(centroids)):
            if np.any(labels == k):
                moved[k] = X[labels == k].mean(axis=0)
        if np.array_equal(moved, centroids):
            break
        centroids = moved
    return centroids, assign(centroids)
    ### END SOLUTION


def inertia(X, centroids, labels):
    """Sum of squared distances from each row to its own centroid."""
    ### BEGIN SOLUTION
    X, centroids = np.asarray(X, dtype=float), np.asarray(centroids, dtype=float)
    return float(((X - centroids[np.asarray(labels)]) ** 2).sum())
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "kmeans_examples", "points": 1}
"""kmeans and inertia on the worked example, one distance tie and one empty cluster."""
X_line = np.array([[0.0], [1.0], [10.0], [11.0]])
centroids, labels = kmeans(X_line, np.array([[0.0], [1.0]]), 10)
checks.array_close(centroids, [[0.5], [10.5]], what="kmeans worked example: centroids")
checks.array_equal(labels, [0, 0, 1, 1], what="kmeans worked example: labels")
checks.close(inertia(X_line, centroids, labels), 1.0, what="inertia of the worked example")
_, labels = kmeans(np.array([[0.0], [1.0], [2.0]]), np.array([[0.0], [2.0]]), 1)
checks.array_equal(labels, [0, 0, 1], what="row 1 is halfway: it goes to centroid 0")
centroids, _ = kmeans(X_line, np.array([[0.0], [11.0], [99.0]]), 3)
checks.array_close(centroids[2], [99.0], what="kmeans: the empty cluster's centroid stays put")
print("the examples pass")

# %% nbgrader={"grade": true, "grade_id": "kmeans_matches_sklearn", "points": 2}
"""kmeans gives KMeans's centroids and labels on seeded blobs of several shapes."""
checks.attempted("kmeans")
### BEGIN HIDDEN TESTS
checks.expect("kmeans", cases=m03_toolkit.kmeans_cases(seed=303),
              reference=m03_toolkit.kmeans_sklearn, compare=m03_toolkit.kmeans_matches)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "kmeans_edge_cases", "points": 1}
"""kmeans follows the contract on empty clusters, distance ties and k = 1."""
checks.attempted("kmeans")
### BEGIN HIDDEN TESTS
checks.expect("kmeans", cases=m03_toolkit.kmeans_edge_cases(seed=304),
              reference=m03_toolkit.kmeans_reference, compare=m03_toolkit.kmeans_matches)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "inertia_matches_sklearn", "points": 1}
"""inertia equals KMeans's inertia_ on its own centroids and labels."""
checks.attempted("inertia")
### BEGIN HIDDEN TESTS
checks.expect("inertia", cases=m03_toolkit.inertia_cases(seed=305),
              compare=functools.partial(checks.close, rtol=1e-9, atol=1e-9))
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *How do you choose the starting centroids?*
# (k-means++: each next centroid drawn with probability proportional to the
# squared distance to the nearest one chosen so far; then several restarts,
# keep the lowest inertia.) *How do you choose k?* (The elbow of inertia
# against k, silhouette score, or the downstream task.) *Cost per round?*
# (O(n·k·d) time; O(n·k) memory for the broadcast distances, so chunk the
# rows when n·k is large.) *When does k-means fail?* (Clusters that are not
# round and similar in size, features on different scales: scale first, which
# is Part 2.)

# %% [markdown]
# ## Part 2 — Standard scaler, fitted on the training set only (4 points)
#
# **Why.** Distances (k-means, KNN), gradient descent and penalties (ridge)
# all treat every feature alike, so a feature measured in metres dominates
# one measured in kilometres. Standardising gives every column mean 0 and
# standard deviation 1: `z = (x - mean) / std`.
#
# Three details interviewers check:
#
# 1. **Population std** (`ddof=0`, divide by n), as scikit-learn does; `ddof=1`
#    is off by a factor √(n/(n−1)), which matters for small n.
# 2. **A constant column** has std 0; dividing gives 0/0 = NaN. scikit-learn
#    sets such a column's scale to 1, so it becomes all zeros.
# 3. **Leakage.** The mean and std are *parameters learned from data*, so they
#    come from the training set only, and the test set is transformed with
#    them. Fitting on the test set (or on train and test together) lets
#    information about the test set into the model, and the validation score
#    lies.
#
# **Worked example.** Column `[1, 2, 3]`: mean 2, population std √(2/3) ≈
# 0.816, scaled `[-1.22, 0, 1.22]`. A test row 4 becomes (4 − 2)/0.816 = 2.45,
# not the 0 it would be if "fitted" on itself.

# %% tags=["skip-when-grading"]
rng = np.random.default_rng(1)
X_train_demo = rng.normal([5, 50], [1, 10], size=(50, 2))
X_test_demo = rng.normal([7, 50], [1, 10], size=(20, 2))  # the test set has drifted
mean, std = X_train_demo.mean(axis=0), X_train_demo.std(axis=0)
fig, axes = plt.subplots(1, 2, figsize=(8, 3))
axes[0].scatter(*((X_train_demo - mean) / std).T, s=10, label="train")
axes[0].scatter(*((X_test_demo - mean) / std).T, s=10, label="test")
axes[0].set_title("fitted on train: the drift shows")
test_mean, test_std = X_test_demo.mean(axis=0), X_test_demo.std(axis=0)
axes[1].scatter(*((X_train_demo - mean) / std).T, s=10, label="train")
axes[1].scatter(*((X_test_demo - test_mean) / test_std).T, s=10, label="test")
axes[1].set_title("test fitted on itself: drift hidden")
axes[0].legend()
plt.show()

# %% [markdown]
# **Contract.** Three functions; `X`, `X_train`, `X_test` are arrays of shape
# `(n_samples, n_features)` with at least one row (ints are allowed);
# do not modify them.
#
# - `scaler_fit(X)` returns `(mean, scale)`: two float arrays of shape
#   `(n_features,)`; `scale` is the population standard deviation (`ddof=0`),
#   replaced by `1.0` where a column is constant (std exactly 0).
# - `scaler_transform(X, mean, scale)` returns `(X - mean) / scale`, float.
# - `scale_split(X_train, X_test)` returns `(X_train_scaled, X_test_scaled)`,
#   both scaled with the statistics of `X_train` **only**.
#
# <details><summary>Hint 1</summary>
#
# `np.where(std == 0, 1.0, std)` replaces the zeros without a division.
# </details>
# <details><summary>Hint 2</summary>
#
# `scale_split` is two lines: one `scaler_fit`, two `scaler_transform`.
# </details>

# %% nbgrader={"solution": true, "grade_id": "scaler_answer"}
def scaler_fit(X):
    """(mean, scale) per column: population std, 1.0 for a constant column."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    std = X.std(axis=0)
    return X.mean(axis=0), np.where(std == 0, 1.0, std)
    ### END SOLUTION


def scaler_transform(X, mean, scale):
    """(X - mean) / scale."""
    ### BEGIN SOLUTION
    return (np.asarray(X, dtype=float) - mean) / scale
    ### END SOLUTION


def scale_split(X_train, X_test):
    """(X_train_scaled, X_test_scaled) with statistics from X_train only."""
    ### BEGIN SOLUTION
    mean, scale = scaler_fit(X_train)
    return scaler_transform(X_train, mean, scale), scaler_transform(X_test, mean, scale)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "scaler_examples", "points": 1}
"""The worked example, a constant column, and a test row scaled with train statistics."""
mean, scale = scaler_fit(np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]]))
checks.array_close(mean, [2.0, 5.0], what="scaler_fit: mean")
checks.array_close(scale, [np.sqrt(2 / 3), 1.0], what="scaler_fit: scale (ddof=0; constant column -> 1)")
checks.array_close(scaler_transform(np.array([[4.0, 5.0]]), mean, scale), [[2 / np.sqrt(2 / 3), 0.0]],
                   what="scaler_transform of the test row [4, 5]")
_, X_test_scaled = scale_split(np.array([[1.0], [2.0], [3.0]]), np.array([[4.0], [4.0]]))
checks.array_close(X_test_scaled, [[2.449489742783178], [2.449489742783178]],
                   what="scale_split: test rows scaled with the train mean and std")
print("the examples pass")

# %% nbgrader={"grade": true, "grade_id": "scaler_matches_sklearn", "points": 2}
"""scaler_fit and scaler_transform match StandardScaler, constant columns included."""
checks.attempted("scaler_fit")
checks.attempted("scaler_transform")
### BEGIN HIDDEN TESTS
checks.expect("scaler_fit", cases=m03_toolkit.scaler_fit_cases(seed=311),
              reference=m03_toolkit.scaler_fit_reference,
              compare=m03_toolkit.tuple_close(("mean", "scale"), rtol=1e-7, atol=1e-9))
checks.expect("scaler_transform", cases=m03_toolkit.scaler_transform_cases(seed=312),
              reference=m03_toolkit.scaler_transform_reference,
              compare=functools.partial(checks.array_close, rtol=1e-7, atol=1e-9))
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "scale_split_no_leakage", "points": 1}
"""scale_split uses training statistics only: a shifted test set stays shifted."""
checks.attempted("scale_split")
### BEGIN HIDDEN TESTS
checks.expect("scale_split", cases=m03_toolkit.scale_split_cases(seed=313),
              reference=m03_toolkit.scale_split_reference,
              compare=m03_toolkit.tuple_close(("X_train_scaled", "X_test_scaled"), rtol=1e-7, atol=1e-9))
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Where does the scaler go in cross-validation?*
# (Inside each fold, fitted on that fold's training part: a `Pipeline` does it.)
# *Which models do not need scaling?* (Trees and their ensembles: a split
# threshold moves with the feature.) *Outliers?* (Use the median and the
# interquartile range: `RobustScaler`.) *Streaming data?* (Welford's algorithm
# updates mean and variance one row at a time, stably.)

# %% [markdown]
# ## Part 3 — Confusion matrix, precision, recall, F1 (4 points)
#
# **Why.** Accuracy hides what kind of mistakes a classifier makes. The
# confusion matrix counts them: row = true class, column = predicted class
# (scikit-learn's convention; say it out loud, since some textbooks transpose
# it). For a binary problem with 1 the positive class:
#
# |  | predicted 0 | predicted 1 |
# |---|---|---|
# | **true 0** | TN | FP |
# | **true 1** | FN | TP |
#
# - precision = TP / (TP + FP): of the rows we flagged, how many were right;
# - recall = TP / (TP + FN): of the real positives, how many we found;
# - F1 = 2·precision·recall / (precision + recall) = 2TP / (2TP + FP + FN).
#
# **Zero division.** With no positive prediction, precision is 0/0. The
# learner's usual bug is to return NaN (or crash); scikit-learn's
# `zero_division=0` returns 0, and so does this part: precision is 0 when
# TP + FP = 0, recall is 0 when TP + FN = 0, F1 is 0 when 2TP + FP + FN = 0.
#
# **Worked example.** `y_true = [0, 0, 1, 1, 1]`, `y_pred = [0, 1, 1, 1, 0]`:
# TN 1, FP 1, FN 1, TP 2; precision 2/3, recall 2/3, F1 2/3.
#
# **Contract.**
#
# - `confusion_matrix(y_true, y_pred, n_classes)`: labels are ints in
#   `0..n_classes-1` (lists or arrays); returns an int array of shape
#   `(n_classes, n_classes)` whose entry `[i, j]` counts rows of true class
#   `i` predicted as `j`. Classes that never appear get rows/columns of zeros.
# - `precision_recall_f1(y_true, y_pred)`: binary labels 0/1, class 1 positive;
#   returns a tuple of three floats `(precision, recall, f1)` with the
#   zero-division rule above (never NaN, never an error).
#
# <details><summary>Hint 1</summary>
#
# `np.add.at(matrix, (y_true, y_pred), 1)` counts pairs, or loop over the rows.
# </details>
# <details><summary>Hint 2</summary>
#
# Compute TP, FP, FN as Python ints, then test each denominator before dividing.
# </details>

# %% nbgrader={"solution": true, "grade_id": "metrics_answer"}
def confusion_matrix(y_true, y_pred, n_classes):
    """Counts [i, j] of rows with true class i predicted as j."""
    ### BEGIN SOLUTION
    y_true, y_pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix
    ### END SOLUTION


def precision_recall_f1(y_true, y_pred):
    """(precision, recall, f1) of class 1; 0.0 wherever a denominator is 0."""
    ### BEGIN SOLUTION
    (_, fp), (fn, tp) = confusion_matrix(y_true, y_pred, 2).tolist()
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else 0.0
    return float(precision), float(recall), float(f1)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "metrics_examples", "points": 1}
"""The worked example, and precision 0 (not NaN) when nothing is predicted positive."""
checks.array_equal(confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], 2), [[1, 1], [1, 2]],
                   what="confusion_matrix of the worked example (rows: true class)")
checks.array_close(np.array(precision_recall_f1([0, 0, 1, 1, 1], [0, 1, 1, 1, 0])), [2 / 3] * 3,
                   what="precision_recall_f1 of the worked example")
checks.array_close(np.array(precision_recall_f1([1, 0, 1], [0, 0, 0])), [0.0, 0.0, 0.0],
                   what="precision_recall_f1 with no positive prediction")
print("the examples pass")

# %% nbgrader={"grade": true, "grade_id": "confusion_matrix_matches_sklearn", "points": 1}
"""confusion_matrix equals sklearn.metrics.confusion_matrix with labels=range(n_classes)."""
checks.attempted("confusion_matrix")
### BEGIN HIDDEN TESTS
checks.expect("confusion_matrix", cases=m03_toolkit.confusion_matrix_cases(seed=321),
              reference=m03_toolkit.confusion_matrix_reference, compare=checks.array_equal)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "precision_recall_f1_matches_sklearn", "points": 2}
"""precision_recall_f1 matches scikit-learn with zero_division=0, zero-division cases included."""
checks.attempted("precision_recall_f1")
### BEGIN HIDDEN TESTS
checks.expect("precision_recall_f1", cases=m03_toolkit.precision_recall_f1_cases(seed=322),
              reference=m03_toolkit.precision_recall_f1_reference,
              compare=m03_toolkit.tuple_close(("precision", "recall", "f1"), rtol=1e-12, atol=1e-12))
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Multi-class precision?* (Per class, then average:
# macro = plain mean, weighted = by support, micro = from pooled counts, which
# equals accuracy for single-label problems.) *Precision or recall for fraud,
# for a cancer screen?* (Say the cost of each error first.) *F-beta?*
# (β > 1 weighs recall more.) *Why not accuracy with 1% positives?* (Predicting
# all negative scores 99%.)

# %% [markdown]
# ## Part 4 — R² (2 points)
#
# **Why.** R² compares a regression's squared error with that of the dumbest
# model, the mean of `y_true`: R² = 1 − SS_res / SS_tot, with
# SS_res = Σ(y − ŷ)² and SS_tot = Σ(y − ȳ)². 1 is perfect, 0 is no better
# than the mean, and it is **negative** for a model worse than the mean (it is
# not a square of anything). Two classic mistakes: taking the squared
# correlation between `y_true` and `y_pred` (equal to R² only for a least-squares
# fit scored on its own training data; `2y + 1` has correlation 1 and a
# negative R²), and forgetting that SS_tot can be 0.
#
# **Constant `y_true`.** SS_tot = 0 and the ratio is undefined. scikit-learn's
# rule (`force_finite=True`): R² = 1.0 if the predictions are exact
# (SS_res = 0), else 0.0.
#
# **Worked example.** `y_true = [1, 2, 3]`, `y_pred = [1, 2, 2]`: SS_res = 1,
# SS_tot = 2, R² = 0.5.
#
# **Contract.** `r2(y_true, y_pred)`: two 1-D arrays or lists of numbers of the
# same length ≥ 2; returns a float, with the constant-`y_true` rule above.
#
# <details><summary>Hint 1</summary>
#
# R² compares your model's squared error with that of the dumbest model:
# always predicting the mean of `y_true`. Which two sums does that need?
# </details>
# <details><summary>Hint 2</summary>
#
# `ss_res = sum((y_true - y_pred)**2)`, `ss_tot = sum((y_true - mean)**2)`.
# Compute both sums first, then handle `ss_tot == 0` before dividing.
# </details>

# %% nbgrader={"solution": true, "grade_id": "r2_answer"}
def r2(y_true, y_pred):
    """Coefficient of determination; constant y_true: 1.0 if exact, else 0.0."""
    ### BEGIN SOLUTION
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    ss_res = ((y_true - y_pred) ** 2).sum()
    ss_tot = ((y_true - y_true.mean()) ** 2).sum()
    if ss_tot == 0:
        return 1.0 if ss_res == 0 else 0.0
    return float(1 - ss_res / ss_tot)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "r2_examples", "points": 1}
"""The worked example, a model worse than the mean, and a constant y_true."""
checks.close(r2([1, 2, 3], [1, 2, 2]), 0.5, what="r2([1, 2, 3], [1, 2, 2])")
checks.close(r2([1, 2, 3], [3, 2, 1]), -3.0, what="r2([1, 2, 3], [3, 2, 1])")
checks.close(r2([4, 4, 4], [4, 4, 5]), 0.0, what="r2 with a constant y_true, inexact prediction")
print("the examples pass")

# %% nbgrader={"grade": true, "grade_id": "r2_matches_sklearn", "points": 1}
"""r2 equals sklearn.metrics.r2_score on random and edge-case data."""
checks.attempted("r2")
### BEGIN HIDDEN TESTS
checks.expect("r2", cases=m03_toolkit.r2_cases(seed=331), reference=m03_toolkit.r2_reference,
              compare=functools.partial(checks.close, rtol=1e-9, atol=1e-12))
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Does R² go up when you add a feature?* (On the
# training set, never down for least squares: hence adjusted R².) *R² on a test
# set?* (Use the test set's own mean in SS_tot, as `r2_score` does.) *Which is
# better to report, R² or RMSE?* (RMSE has units a stakeholder understands;
# R² compares across targets.)

# %% [markdown]
# ## Part 5 — ROC AUC, with tied scores (3 points)
#
# **Why.** A classifier outputs scores; the ROC curve plots the true positive
# rate against the false positive rate as the threshold sweeps from +∞ down to
# −∞, and AUC is the area under it. It has a second meaning that makes it
# easy to compute: **AUC is the probability that a random positive scores
# higher than a random negative**, counting a tie as one half (the
# Mann–Whitney U statistic divided by n_pos · n_neg).
#
# Ties are where answers go wrong. With tied scores, the ROC curve moves
# diagonally across the tied block (the trapezoid), which is exactly the
# "one half" of the pair count. Sorting by score and walking the rows one by
# one instead counts tied pairs as 1 or 0 depending on the sort order.
#
# **Worked example.** `y = [0, 0, 1, 1]`, scores `[0.1, 0.5, 0.5, 0.9]`. Pairs
# (positive, negative): (0.5, 0.1) win, (0.5, 0.5) tie, (0.9, 0.1) win,
# (0.9, 0.5) win: (3 + 0.5) / 4 = 0.875.
#
# With ranks instead of pairs, O(n log n): give tied scores their average rank
# (1-based), sum the positives' ranks R; then AUC = (R − n_pos(n_pos+1)/2) /
# (n_pos · n_neg).

# %% tags=["skip-when-grading"]
y_demo = np.array([0, 0, 1, 1, 0, 1, 1, 0, 1, 1])
scores_demo = np.array([1, 2, 2, 3, 3, 3, 4, 1, 4, 2])  # integer scores: many ties
order = np.argsort(-scores_demo, kind="stable")
fig, ax = plt.subplots(figsize=(4, 4))
# the right curve: one point per distinct threshold
thresholds = np.unique(scores_demo)[::-1]
tpr = [0] + [np.mean(scores_demo[y_demo == 1] >= t) for t in thresholds]
fpr = [0] + [np.mean(scores_demo[y_demo == 0] >= t) for t in thresholds]
ax.plot(fpr, tpr, "o-", label="one step per distinct score (ties: diagonal)")
# the wrong curve: one step per row, ties broken by position
walk = y_demo[order]
ax.step(np.r_[0, np.cumsum(walk == 0) / 4], np.r_[0, np.cumsum(walk == 1) / 6], where="post",
        linestyle="--", label="one step per row (ties broken by position)")
ax.plot([0, 1], [0, 1], color="grey", linewidth=0.5)
ax.set_xlabel("false positive rate")
ax.set_ylabel("true positive rate")
ax.legend(fontsize=7)
plt.show()

# %% [markdown]
# **Contract.** `roc_auc(y_true, scores)`: `y_true` holds 0/1 labels, `scores`
# real numbers of the same length (lists or arrays). Returns the AUC as a float,
# tied scores counting one half. Raises `ValueError` when `y_true` holds only
# one class (the AUC is undefined). Aim for O(n log n); O(n²) pair counting is
# accepted here (the hidden cases have at most a few hundred rows).
#
# <details><summary>Hint 1</summary>
#
# Count over all (positive, negative) pairs: `(pos[:, None] > neg[None, :]).sum()`
# plus half the ties.
# </details>
# <details><summary>Hint 2</summary>
#
# `scipy.stats.rankdata(scores)` gives average ranks for ties.
# </details>

# %% nbgrader={"solution": true, "grade_id": "roc_auc_answer"}
def roc_auc(y_true, scores):
    """Area under the ROC curve; tied scores count 1/2. ValueError for one class."""
    ### BEGIN SOLUTION
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=float)
    n_pos = int((y_true == 1).sum())
    n_neg = len(y_true) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs both classes in y_true")
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores))
    # average 1-based rank over each block of tied scores
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_scores)) + 1]
    ends = np.r_[starts[1:], len(scores)]
    for start, end in zip(starts, ends):
        ranks[order[start:end]] = (start + 1 + end) / 2
    rank_sum = ranks[y_true == 1].sum()
    return float((rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "roc_auc_examples", "points": 1}
"""The worked example with a tie, all scores tied, and one class raising ValueError."""
checks.close(roc_auc([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9]), 0.875, what="roc_auc of the worked example")
checks.close(roc_auc([0, 1, 0, 1], [7, 7, 7, 7]), 0.5, what="roc_auc with every score tied")
checks.raises(ValueError, roc_auc, [1, 1, 1], [0.2, 0.4, 0.6])
print("the examples pass")

# %% nbgrader={"grade": true, "grade_id": "roc_auc_matches_sklearn", "points": 2}
"""roc_auc equals roc_auc_score on continuous and heavily tied scores; one class raises."""
checks.attempted("roc_auc")
### BEGIN HIDDEN TESTS
checks.expect("roc_auc", cases=m03_toolkit.roc_auc_cases(seed=341), reference=m03_toolkit.roc_auc_reference,
              compare=functools.partial(checks.close, rtol=1e-9, atol=1e-12))
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Does AUC change if you square the scores?* (No:
# it depends only on their order; any strictly increasing transform keeps
# it.) *Why can AUC look good under heavy class imbalance while the model is
# useless?* (The false positive rate divides by a huge number of negatives:
# look at precision–recall.) *Multi-class?* (One-vs-rest per class, averaged.)

# %% [markdown]
# ## Part 6 — A seeded k-fold split (4 points)
#
# **Why.** One train/validation split gives one noisy score. k-fold cross-
# validation cuts the rows into k folds; each fold is the validation set once,
# with the other k − 1 as training set, and the k scores give a mean and a
# spread. Every row is validated exactly once.
#
# **Sizes.** When k does not divide n, scikit-learn's `KFold` makes the
# **first** n % k folds one row larger: n = 10, k = 3 gives sizes 4, 3, 3. A
# classic bug gives every fold n // k rows and silently never validates the
# last n % k rows; another puts all the leftovers in the last fold.
#
# **Shuffling.** Without shuffling, folds are consecutive blocks, which is
# wrong when the rows are sorted (by date, by label). With shuffling, the
# split must be *reproducible*: the same seed gives the same folds. Here the
# permutation comes from `np.random.default_rng(seed).permutation(n_samples)`,
# and fold i takes the next block of that permutation. (scikit-learn uses its
# own generator, so its shuffled folds differ: what a test can check is the
# contract, not its exact rows.)

# %% tags=["skip-when-grading"]
fig, ax = plt.subplots(figsize=(7, 2.2))
for row, shuffle in enumerate([False, True]):
    rows = np.random.default_rng(0).permutation(10) if shuffle else np.arange(10)
    # row rows[i] goes to the fold of position i: folds of 4, 3 and 3 positions
    fold_of = np.repeat(np.arange(3), [4, 3, 3])[np.argsort(rows)]
    ax.scatter(np.arange(10), np.full(10, row), c=fold_of, s=200, cmap="tab10", vmin=0, vmax=9)
ax.set_yticks([0, 1], ["shuffle=False", "shuffle=True, seed 0"])
ax.set_xlabel("row index (colour: the fold that validates it; sizes 4, 3, 3)")
plt.show()

# %% [markdown]
# **Contract.** `kfold_indices(n_samples, n_splits, shuffle=False, seed=None)`
#
# - Raises `ValueError` unless `2 <= n_splits <= n_samples`.
# - Returns a **list** of `n_splits` pairs `(train_idx, test_idx)` of int
#   arrays. The test folds partition `0..n_samples-1`; fold sizes are
#   `n_samples // n_splits`, plus one for the first `n_samples % n_splits`
#   folds; `train_idx` holds every other row.
# - Rows are taken in the order `np.arange(n_samples)` when `shuffle=False`,
#   `np.random.default_rng(seed).permutation(n_samples)` when `shuffle=True`;
#   fold 0 takes the first block of that order, fold 1 the next, and so on.
#   The order of indices *inside* an array is free.
#
# <details><summary>Hint 1</summary>
#
# Build the list of sizes first, then walk a `start` pointer through the order.
# </details>
# <details><summary>Hint 2</summary>
#
# `np.setdiff1d(np.arange(n_samples), test_idx)` gives the training rows.
# </details>

# %% nbgrader={"solution": true, "grade_id": "kfold_answer"}
def kfold_indices(n_samples, n_splits, shuffle=False, seed=None):
    """List of (train_idx, test_idx): KFold's fold sizes; shuffle by default_rng(seed)."""
    ### BEGIN SOLUTION
    if not 2 <= n_splits <= n_samples:
        raise ValueError(f"need 2 <= n_splits <= n_samples, got {n_splits} and {n_samples}")
    order = np.random.default_rng(seed).permutation(n_samples) if shuffle else np.arange(n_samples)
    sizes = np.full(n_splits, n_samples // n_splits)
    sizes[: n_samples % n_splits] += 1
    bounds = np.r_[0, np.cumsum(sizes)]
    folds = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        test_idx = order[start:stop]
        folds.append((np.setdiff1d(np.arange(n_samples), test_idx), test_idx))
    return folds
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "kfold_examples", "points": 1}
"""Ten rows in three folds of sizes 4, 3, 3; n_splits = 1 raises."""
folds = kfold_indices(10, 3)
checks.equal([len(test_idx) for _, test_idx in folds], [4, 3, 3], what="test fold sizes for 10 rows, 3 folds")
checks.array_equal(np.sort(folds[1][1]), [4, 5, 6], what="fold 1's test rows without shuffling")
checks.array_equal(np.sort(folds[1][0]), [0, 1, 2, 3, 7, 8, 9], what="fold 1's training rows")
checks.raises(ValueError, kfold_indices, 5, 1)
print("the examples pass")

# %% nbgrader={"grade": true, "grade_id": "kfold_matches_sklearn", "points": 1}
"""Without shuffling, the folds equal KFold's, remainders of every size included."""
checks.attempted("kfold_indices")
### BEGIN HIDDEN TESTS
checks.expect("kfold_indices", cases=m03_toolkit.kfold_cases(seed=351),
              reference=m03_toolkit.kfold_sklearn, compare=m03_toolkit.folds_equal)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "kfold_shuffle_partition", "points": 1}
"""With shuffling, the test folds still partition the rows with KFold's sizes."""
checks.attempted("kfold_indices")
### BEGIN HIDDEN TESTS
checks.expect("kfold_indices", cases=m03_toolkit.kfold_shuffle_cases(seed=352),
              reference=m03_toolkit.kfold_indices_reference, compare=m03_toolkit.folds_partition)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "kfold_shuffle_seeded", "points": 1}
"""With shuffling, the folds follow np.random.default_rng(seed).permutation, so a seed reproduces them."""
checks.attempted("kfold_indices")
### BEGIN HIDDEN TESTS
checks.expect("kfold_indices", cases=m03_toolkit.kfold_shuffle_cases(seed=353),
              reference=m03_toolkit.kfold_indices_reference, compare=m03_toolkit.folds_equal)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Imbalanced classes?* (Stratified k-fold keeps each
# fold's class ratio.) *Several rows per user?* (Group k-fold: a user's rows all
# in one fold, or the model memorises users.) *Time series?* (Train on the
# past, validate on the next block: `TimeSeriesSplit`; never shuffle.) *Where
# does preprocessing go?* (Fitted inside each fold: Part 2.)

# %% [markdown]
# ## Part 7 — A decision stump with Gini impurity (4 points)
#
# **Why.** A decision tree is built from one operation, repeated: find the
# single split `feature <= threshold` that makes the two children purest. The
# Gini impurity of a node with class proportions p_c is 1 − Σ p_c²: the chance
# that two rows drawn at random (with replacement) have different classes; 0
# for a pure node, 0.5 at worst for two balanced classes. A split is scored by
# the children's impurities **weighted by their sizes**:
# (n_left · G_left + n_right · G_right) / n. Unweighted, a split that peels off
# one pure row would look great.
#
# **Candidate thresholds.** Only the gaps between consecutive *distinct*
# sorted values matter; scikit-learn, like this part, puts the threshold at
# the midpoint of each gap, so that new data between two training values is
# split fairly.
#
# **Worked example.** x = [1, 2, 3, 4], y = [0, 0, 1, 1]: threshold 2.5 gives
# two pure children, weighted Gini 0. Threshold 1.5: left {0} pure, right
# {0, 1, 1} with Gini 1 − (1/9 + 4/9) = 4/9, weighted 3/4 · 4/9 = 1/3.

# %% tags=["skip-when-grading"]
rng = np.random.default_rng(2)
x_demo = np.sort(rng.uniform(0, 10, 30))
y_demo = (x_demo + rng.normal(scale=1.5, size=30) > 5).astype(int)
midpoints = (x_demo[1:] + x_demo[:-1]) / 2


def weighted_gini_demo(x, y, threshold):
    """Size-weighted Gini of the two children of x <= threshold (for the picture)."""
    total = 0.0
    for side in (x <= threshold, x > threshold):
        p = np.bincount(y[side], minlength=2) / side.sum()
        total += side.mean() * (1 - (p**2).sum())
    return total


fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(midpoints, [weighted_gini_demo(x_demo, y_demo, t) for t in midpoints], "o-", markersize=3)
ax.scatter(x_demo, y_demo * 0.05 + 0.02, c=y_demo, cmap="coolwarm", s=12)
ax.set_xlabel("threshold (midpoints between sorted values); dots: rows, colour = class")
ax.set_ylabel("weighted Gini")
plt.show()

# %% [markdown]
# **Contract.** `best_split(X, y)`: `X` a float array `(n_samples, n_features)`,
# `y` an array of class labels (ints or strings, any number of classes).
#
# - Candidate splits: every feature `f`, every threshold at the midpoint of two
#   consecutive distinct sorted values of `X[:, f]`; the left child is
#   `X[:, f] <= threshold`.
# - Returns `(feature, threshold, gini)`: an int, a float, and the
#   size-weighted Gini of the two children (a float), for the split with the
#   **lowest** weighted Gini. **Tie rule:** Ginis within 1e-12 of each other
#   are equal; among equal ones, the lowest feature index, then the lowest
#   threshold.
# - Raises `ValueError` when no feature has two distinct values.
#
# The hidden tests compare your Gini with `DecisionTreeClassifier(max_depth=1)`
# (whose weighted child impurity is the same quantity). They do not compare
# the feature and threshold with scikit-learn's, because scikit-learn breaks
# ties between equally good splits by visiting features in a random order;
# the tie rule is tested on cases built for it.
#
# <details><summary>Hint 1</summary>
#
# Two loops (features, then thresholds) and a helper for the weighted Gini
# are enough at these sizes; `np.unique` gives the sorted distinct values.
# </details>
# <details><summary>Hint 2</summary>
#
# Update the best only when `gini < best_gini - 1e-12`: scanning features and
# thresholds in increasing order then keeps the tie rule for free.
# </details>

# %% nbgrader={"solution": true, "grade_id": "best_split_answer"}
def best_split(X, y):
    """(feature, threshold, weighted Gini) of the best split; ties: lowest feature, then threshold."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    _, y_idx = np.unique(np.asarray(y), return_inverse=True)
    n_samples, n_classes = len(y_idx), y_idx.max() + 1

    def gini_of(rows):
        if not rows.any():
            return 0.0
        p = np.bincount(y_idx[rows], minlength=n_classes) / rows.sum()
        return rows.sum() / n_samples * (1.0 - (p**2).sum())

    best = None
    for feature in range(X.shape[1]):
        values = np.unique(X[:, feature])
        for threshold in (values[:-1] + values[1:]) / 2:
            left = X[:, feature] <= threshold
            gini = gini_of(left) + gini_of(~left)
            if best is None or gini < best[2] - 1e-12:
                best = (feature, float(threshold), float(gini))
    if best is None:
        raise ValueError("no feature has two distinct values")
    return best
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "best_split_examples", "points": 1}
"""The worked example, a tie between two thresholds, and data with no split."""
checks.equal(best_split(np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 0, 1, 1])), (0, 2.5, 0.0),
             what="best_split of the worked example")
feature, threshold, gini = best_split(np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 1, 1, 0]))
checks.equal((feature, threshold), (0, 1.5), what="two equally good thresholds: the lower one")
checks.close(gini, 1 / 3, what="its weighted Gini")
checks.raises(ValueError, best_split, np.array([[3.0], [3.0]]), np.array([0, 1]))
print("the examples pass")

# %% nbgrader={"grade": true, "grade_id": "best_split_matches_sklearn", "points": 2}
"""best_split reaches the weighted Gini of DecisionTreeClassifier(max_depth=1), with a real split."""
checks.attempted("best_split")
### BEGIN HIDDEN TESTS
checks.expect("best_split", cases=m03_toolkit.best_split_cases(seed=361),
              reference=m03_toolkit.best_split_sklearn, compare=m03_toolkit.stump_matches_sklearn)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "best_split_tie_rule", "points": 1}
"""best_split follows the contract: midpoints, tie rule, string labels, ValueError."""
checks.attempted("best_split")
### BEGIN HIDDEN TESTS
checks.expect("best_split", cases=m03_toolkit.best_split_contract_cases(seed=362),
              reference=m03_toolkit.best_split_reference, compare=m03_toolkit.split_equal)
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Cost?* (Sorting each feature once and sweeping
# the thresholds while updating class counts: O(d · n log n), not the
# O(d · n²) of re-counting per threshold.) *Entropy instead of Gini?* (Almost
# always the same splits; Gini avoids the logarithm.) *Regression trees?*
# (Variance reduction, i.e. squared error.) *How do you stop a full tree from
# overfitting?* (max_depth, min_samples_leaf, pruning; or average many trees.)

# %% [markdown]
# ## Part 8 — Gaussian naive Bayes (4 points)
#
# **Why.** Bayes' rule gives P(class | x) ∝ P(class) · P(x | class). The *naive*
# assumption makes the features independent given the class, so P(x | class)
# is a product of one-dimensional densities, here Gaussians with a mean and a
# variance per class and feature. Fitting is counting and averaging; no
# optimisation at all.
#
# Two numerical details make or break it:
#
# 1. **Variance smoothing.** A feature that is constant within a class has
#    variance 0 and an infinite density. `GaussianNB` adds
#    ε = `var_smoothing` × (the largest variance of any feature over all of X)
#    to every variance, `var_smoothing=1e-9` by default. Variances are the
#    population ones (ddof=0).
# 2. **Work in logs.** The product of many densities underflows to 0 for a row
#    far from every class, and 0/0 is NaN. Sum log-densities instead,
#    log P(c) − ½ Σ_j [log(2π σ²_cj) + (x_j − μ_cj)² / σ²_cj], then normalise
#    with the log-sum-exp trick: subtract the row's maximum before `exp`.
#
# **Worked example.** One feature; class 0 at x = 0, 2 (mean 1, var 1), class
# 1 at x = 4, 6 (mean 5, var 1), priors ½. At x = 3 both log-likelihoods are
# equal, so P = [0.5, 0.5]; at x = 2, the log ratio is ½(9 − 1) = 4, so
# P(class 0) = 1 / (1 + e⁻⁴) ≈ 0.982.

# %% tags=["skip-when-grading"]
x_grid = np.linspace(-3, 9, 300)
fig, ax = plt.subplots(figsize=(6, 3))
for mean, var, name in [(1, 1, "class 0"), (5, 1, "class 1")]:
    ax.plot(x_grid, 0.5 * np.exp(-((x_grid - mean) ** 2) / (2 * var)) / np.sqrt(2 * np.pi * var),
            label=f"P({name}) · p(x | {name})")
log_ratio = -((x_grid - 1) ** 2) / 2 + ((x_grid - 5) ** 2) / 2
ax.plot(x_grid, 1 / (1 + np.exp(-log_ratio)), "k--", label="P(class 0 | x)")
ax.legend(fontsize=7)
ax.set_xlabel("x")
plt.show()

# %% [markdown]
# **Contract.**
#
# - `gaussian_nb_fit(X, y, var_smoothing=1e-9)`: `X` float array
#   `(n_samples, n_features)`, `y` labels (ints or strings). Returns a `dict`
#   with keys `"classes"` (the sorted distinct labels, shape `(k,)`),
#   `"priors"` (class frequencies, `(k,)`), `"means"` and `"variances"`
#   (`(k, n_features)`, row `i` for `classes[i]`; variances with ddof=0 plus
#   ε = `var_smoothing * X.var(axis=0).max()`).
# - `gaussian_nb_predict_proba(model, X)`: `model` a dict of that form (the
#   hidden tests pass models fitted by `GaussianNB`); returns the float array
#   `(n_rows, k)` of P(classes[i] | row), each row summing to 1, finite even
#   for rows very far from every class. Matches `GaussianNB.predict_proba`
#   within 1e-6.
#
# <details><summary>Hint 1</summary>
#
# Loop over the classes for the fit: `X[y == c].mean(axis=0)`, `.var(axis=0)`.
# </details>
# <details><summary>Hint 2</summary>
#
# Build the `(n_rows, k)` matrix of joint log-likelihoods, subtract each row's
# maximum, exponentiate, divide by the row sum (or use `scipy.special.logsumexp`).
# </details>

# %% nbgrader={"solution": true, "grade_id": "gnb_answer"}
def gaussian_nb_fit(X, y, var_smoothing=1e-9):
    """dict(classes, priors, means, variances) as GaussianNB learns them."""
    ### BEGIN SOLUTION
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    classes = np.unique(y)
    epsilon = var_smoothing * X.var(axis=0).max()
    means = np.stack([X[y == c].mean(axis=0) for c in classes])
    variances = np.stack([X[y == c].var(axis=0) for c in classes]) + epsilon
    priors = np.array([np.mean(y == c) for c in classes])
    return {"classes": classes, "priors": priors, "means": means, "variances": variances}
    ### END SOLUTION


def gaussian_nb_predict_proba(model, X):
    """P(class | row) for every row, computed in logs (log-sum-exp)."""
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=float)
    means, variances = model["means"], model["variances"]
    log_joint = (np.log(model["priors"])[None, :]
                 - 0.5 * np.log(2 * np.pi * variances).sum(axis=1)[None, :]
                 - 0.5 * (((X[:, None, :] - means[None]) ** 2) / variances[None]).sum(axis=2))
    log_joint -= log_joint.max(axis=1, keepdims=True)
    proba = np.exp(log_joint)
    return proba / proba.sum(axis=1, keepdims=True)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "gnb_examples", "points": 1}
"""The worked example: fit, then probabilities at x = 3 and x = 2, and far away."""
model = gaussian_nb_fit(np.array([[0.0], [2.0], [4.0], [6.0]]), np.array([0, 0, 1, 1]))
checks.array_close(model["means"], [[1.0], [5.0]], what="gaussian_nb_fit: means")
checks.array_close(model["variances"], [[1.0 + 5e-9], [1.0 + 5e-9]],
                   what="gaussian_nb_fit: variances (ddof=0, plus 1e-9 x var(X) = 5e-9)")
proba = gaussian_nb_predict_proba(model, np.array([[3.0], [2.0], [1000.0]]))
checks.array_close(proba, [[0.5, 0.5], [1 / (1 + np.exp(-4)), 1 - 1 / (1 + np.exp(-4))], [0.0, 1.0]],
                   what="gaussian_nb_predict_proba at x = 3, 2 and 1000", atol=1e-6)
print("the examples pass")

# %% nbgrader={"grade": true, "grade_id": "gnb_fit_matches_sklearn", "points": 1}
"""gaussian_nb_fit learns GaussianNB's classes, priors, means and smoothed variances."""
checks.attempted("gaussian_nb_fit")
### BEGIN HIDDEN TESTS
checks.expect("gaussian_nb_fit", cases=m03_toolkit.gaussian_nb_fit_cases(seed=371),
              reference=m03_toolkit.gaussian_nb_fit_reference, compare=m03_toolkit.gnb_fit_matches)
### END HIDDEN TESTS

# %% nbgrader={"grade": true, "grade_id": "gnb_predict_proba_matches_sklearn", "points": 2}
"""gaussian_nb_predict_proba equals GaussianNB.predict_proba within 1e-6, far rows included."""
checks.attempted("gaussian_nb_predict_proba")
### BEGIN HIDDEN TESTS
checks.expect("gaussian_nb_predict_proba", cases=m03_toolkit.gaussian_nb_predict_proba_cases(seed=372),
              compare=functools.partial(checks.array_close, rtol=0, atol=1e-6))
### END HIDDEN TESTS

# %% [markdown]
# **Interview follow-ups.** *Why does naive Bayes classify well even when the
# features are correlated?* (Classification needs only the right arg-max, not
# calibrated probabilities; its probabilities are often overconfident.) *Word
# counts?* (Multinomial NB with Laplace smoothing.) *Cost?* (One pass to fit,
# O(n · d); it scales to huge data and streams.) *Generative or
# discriminative?* (Generative: it models P(x | class); logistic regression
# models P(class | x) directly.)
#
# ## What next
#
# Notebook A of this module writes the models themselves (KNN, linear,
# ridge and logistic regression, softmax); Module 4 derives why they work.
