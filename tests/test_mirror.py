"""The grader's stand-in for a learner's class (``mlinterview.grading.mirror``).

scikit-learn's estimator checks now run in the grader, on a stand-in whose methods run
the learner's code in its kernel. The oracle is the class itself: for each variant of
m03's ``KNNClassifier`` (the reference, every fixture's, and odd ones below), the list of
failed checks and their complaints must be the same run on the stand-in as run on the
class in one process (as under stock nbgrader, where the checks run in the kernel).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from conftest import ROOT

from mlinterview import submissions

AID, NB = "m03_ml_coding", "models_from_scratch"

# classes no fixture has: they reach the corners of the stand-in (no __init__ of the
# learner's, a library __init__, varargs, the learner's own clone, tags and repr)
ODD = {
    "subclasses_sklearn": "from sklearn.neighbors import KNeighborsClassifier as _K\n"
                          "class KNNClassifier(_K):\n    pass\n",
    "no_init_no_bases": "class KNNClassifier:\n    def fit(self, X, y):\n        return self\n"
                        "    def predict(self, X):\n        return np.zeros(len(X))\n",
    "init_raises": "class KNNClassifier(ClassifierMixin, BaseEstimator):\n"
                   "    def __init__(self, n_neighbors=5, metric='euclidean'):\n"
                   "        raise RuntimeError('not yet')\n",
    "varargs_and_repr": """
class KNNClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, *args, n_neighbors=5, metric="euclidean"):
        self.n_neighbors, self.metric = n_neighbors, metric
    def __repr__(self):
        return "KNN!"
    def fit(self, X, y):
        return self
""",
    "own_clone_and_tags": """
class KNNClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, n_neighbors=5, metric="euclidean"):
        self.n_neighbors = n_neighbors
        self.metric = metric
    def __sklearn_clone__(self):
        return type(self)(**self.get_params())
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
    def fit(self, X, y):
        X, y = check_X_y(X, y)
        self.X_train_, self.y_train_, self.classes_ = X, y, np.unique(y)
        self.n_features_in_ = X.shape[1]
        return self
    def predict(self, X):
        check_is_fitted(self)
        X = check_array(X)
        return list(knn_predict(self.X_train_, self.y_train_, X, self.n_neighbors, self.metric))
""",
}

# one process: each variant's failures, as the stand-in sees them (a kernel per variant) or,
# with "here", run on the class in this process; "broken" loses the stand-in's identities
CHECKS = r"""
import json, sys
from mlinterview import course, submissions
from mlinterview.checks import WaitForgivingDeadline
from mlinterview.grading import evaluate, mirror, runner, sandbox

root, mode, variants = evaluate.Path(sys.argv[1]), sys.argv[2], json.loads(sys.stdin.read())
source = course.read_ipynb(root / "source" / "m03_ml_coding" / "models_from_scratch.ipynb")
prelude = "\n".join([
    "import numpy as np", "from mlinterview.exercises import m03_models as m03",
    "from sklearn.base import BaseEstimator, ClassifierMixin",
    "from sklearn.utils.validation import check_array, check_is_fitted, check_X_y",
    submissions.answer_sources(source)["knn_answer"]])
test = "print(repr(m03.estimator_check_failures(KNNClassifier, m03.KNN_ESTIMATOR_CHECKS)))"
found = {}
if mode == "here":
    ns = sys.modules["__main__"].__dict__  # a kernel's namespace is __main__'s: classes pickle
    for name, answer in variants.items():
        exec(prelude + "\n" + answer, ns)
        from mlinterview.exercises import m03_models as m03
        found[name] = m03.estimator_check_failures(ns["KNNClassifier"], m03.KNN_ESTIMATOR_CHECKS)
else:
    if mode == "broken":
        mirror._resolve = lambda ref, attrs, args, kwargs, value: value
    runner.warm(root / "source" / "m03_ml_coding")
    settings = evaluate.Settings(course_root=root, db_url="sqlite://")
    grader = evaluate.Grader(settings, sandbox.FIRST_UID + 92)
    for name, answer in variants.items():
        kernel = evaluate.Kernel(settings, {}, grader.uid, grader.kernels, grader.plan,
                                 grader.private_mounts)
        try:
            kernel.start()
            ran = kernel.run(prelude + "\n" + answer, 1, 60)
            assert not [o for o in ran if o["output_type"] == "error"], ran
            outputs, _ = evaluate.run_test_cell(test, "t", kernel, 2, WaitForgivingDeadline(120))
        finally:
            kernel.remove()
        errors = [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"]
        text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
        found[name] = errors or evaluate.ast.literal_eval(text.strip())
print("FOUND " + json.dumps(found))
"""


def _variants() -> dict[str, str]:
    from mlinterview import course

    source = course.read_ipynb(ROOT / "source" / AID / f"{NB}.ipynb")
    variants = {"reference": submissions.answer_sources(source)["knn_estimator_answer"]}
    for fx in submissions.load_fixtures(ROOT, AID, NB):
        if "knn_estimator_answer" in fx.answers:
            variants[fx.name] = fx.answers["knn_estimator_answer"]
    return {**variants, **ODD}


def _failures(mode: str, variants: dict[str, str]) -> dict:
    run = subprocess.run([sys.executable, "-c", CHECKS, str(ROOT), mode], input=json.dumps(variants),
                         capture_output=True, text=True, timeout=600, check=False)
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("FOUND ")]
    assert run.returncode == 0 and lines, run.stderr[-3000:]
    # an object's address differs from process to process
    return json.loads(re.sub(r"0x[0-9a-f]+", "0x", lines[-1][len("FOUND "):]))


@pytest.fixture(scope="module")
def here():
    return _failures("here", _variants())


def test_the_stand_in_fails_the_checks_the_class_fails_with_the_same_complaints(here):
    variants = _variants()
    assert len(variants) >= 14
    graded = _failures("grader", variants)
    assert graded == here
    # the variants reach both verdicts and many different failures
    assert here["reference"] == [] and here["estimator_alternative_fitted_hook_and_property"] == []
    assert len({json.dumps([n for n, _ in v]) for v in here.values()}) >= 7


def test_a_stand_in_that_loses_identities_is_caught(here):
    """The comparison can fail: a stand-in that hands back copies where the learner's object
    keeps the very arguments it was given (clone's check) differs from the class."""
    cases = {k: v for k, v in _variants().items() if k in ("reference", "estimator_without_sklearn_bases")}
    broken = _failures("broken", cases)
    assert broken["estimator_without_sklearn_bases"] != here["estimator_without_sklearn_bases"]
    assert any("Cannot clone object" in complaint
               for _, complaint in broken["estimator_without_sklearn_bases"])
