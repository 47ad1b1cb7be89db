"""Which lesson cells the grader may leave out: the name analysis, the lint rule, and the
reference run that checks what names cannot show."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import nbformat
import pytest
from conftest import ROOT

from mlinterview import cellflow, course

PLOT = "fig, ax = plt.subplots()\nax.plot(xs, [f(x) for x in xs])\nplt.show()\n"
LESSON = ["import numpy as np\nimport matplotlib.pyplot as plt\n",
          "def f(x):\n    return x * x\n\nxs = np.arange(5)\n",
          PLOT]


def _plan(*learner: str, tail: tuple[str, ...] = (), lesson=LESSON, tagged=(PLOT,)):
    sources = list(lesson) + list(learner) + list(tail)
    return cellflow.plan(sources, tagged, list(lesson) + list(tail))


def test_a_plot_nothing_reads_is_left_out():
    assert _plan("ANSWER = 42\n", tail=("assert ANSWER == 42\n",)).skip == {2}


@pytest.mark.parametrize(("learner", "why"), [
    ("print(ax.get_title())\n", "cell 4 reads `ax`"),
    ("def answer():\n    return fig\n", "a function reads `fig` when called"),
    ("for k in range(3):\n    print(k, ax)\n", "cell 4 reads `ax`"),
])
def test_a_plot_whose_names_are_read_later_is_run(learner, why):
    plan = _plan(learner)
    assert plan.skip == set() and why in plan.reasons[2]


def test_a_function_defined_before_the_plot_that_reads_its_names_keeps_it():
    lesson = ["import matplotlib.pyplot as plt\n", "def shown():\n    return fig.number\n", PLOT]
    plan = cellflow.plan(lesson + ["print(shown())\n"], [PLOT], lesson)
    assert plan.skip == set() and "a function reads `fig`" in plan.reasons[2]


@pytest.mark.parametrize("learner", [
    "def f(x):\n    return x + 1\n",         # the plot would call the learner's f
    "xs = [1, 2]\n",                          # or plot the learner's data
    "plt.show = lambda: print('mine')\n",   # or use a library the learner patched
    "setattr(plt, 'show', print)\n",        # the same, by string
    "delattr(plt.cm, 'viridis')\n",
])
def test_a_plot_that_would_run_the_learners_code_is_run(learner):
    lesson = LESSON[:2]
    plan = cellflow.plan(lesson + [learner, PLOT], [PLOT], lesson + [PLOT])
    assert plan.skip == set() and "which the learner's code binds or changes" in plan.reasons[3]


def test_what_a_lesson_cell_makes_from_the_learners_code_is_the_learners_too():
    lesson = ["import matplotlib.pyplot as plt\n", "ys = [f(x) for x in range(3)]\n",
              "plt.plot(ys)\n"]
    plan = cellflow.plan(["def f(x):\n    return x\n", *lesson], ["plt.plot(ys)\n"], lesson)
    assert plan.skip == set() and "`ys`" in plan.reasons[3]


@pytest.mark.parametrize("learner", [
    "globals()['ax'] = 1\n", "exec('print(ax)')\n", "%who\n", "print(_)\n",
    "from numpy import *\n", "x = eval('fig')\n", "found = 'ax' in dir()\n",
    "def f():\n    return f.__globals__['ax']\n",
    "import inspect\nax = inspect.currentframe().f_globals['ax']\n",
    "put = setattr\nput(plt, 'show', print)\n",        # a setter passed on
    "setattr(plots(), 'show', print)\n",              # setting what no name holds
    "object.__setattr__(plt, 'show', print)\n",
])
def test_a_cell_that_reaches_names_by_string_keeps_every_tagged_cell(learner):
    plan = _plan(learner)
    assert plan.skip == set() and "reaches names by string" in plan.reasons[2]


def test_an_estimator_that_sets_its_own_attributes_by_string_keeps_the_skips():
    # scikit-learn's own set_params does this; it reaches no name of the notebook
    learner = ("class Model:\n    def set_params(self, **params):\n"
               "        for name, value in params.items():\n            setattr(self, name, value)\n"
               "        return self\n")
    assert _plan(learner).skip == {2}
    assert cellflow.names_of(learner).mutates == {"self"} and not cellflow.names_of(learner).dynamic


def test_a_tagged_cell_that_changes_an_earlier_object_is_run():
    changer = "xs[0] = 99\nplt.plot(xs)\n"
    plan = cellflow.plan(LESSON[:2] + [changer], [changer], LESSON[:2] + [changer])
    assert plan.skip == set() and "changes `xs` in place" in plan.reasons[2]


def test_edited_text_is_the_learners_and_runs():
    edited = PLOT.replace("plt.show()", "plt.show()  # mine")
    assert _plan(tail=()).skip == {2}
    assert cellflow.plan(LESSON[:2] + [edited], [PLOT], LESSON).skip == set()


def test_a_cell_that_does_not_compile_binds_nothing():
    assert _plan("def broken(:\n    ax\n").skip == {2}


def test_names_follow_pythons_scopes():
    names = cellflow.names_of(textwrap.dedent("""\
        def fit(X, w=W0):
            r = X @ w - target
            return [v for v in r]
        for i in range(n):
            total = i
        model = fit
        """))
    assert names.deferred == {"target"}            # r, X, w, v are the function's own
    assert {"W0", "range", "n"} <= names.live_in     # defaults and the loop's range run now
    assert "i" not in names.live_in and "v" not in names.reads
    assert names.binds == {"fit", "i", "total", "model"}
    assert names.definite == {"fit", "model"}       # a loop may run no times
    assert not names.dynamic


def test_lint_names_a_tag_the_grader_cannot_keep(tmp_path):
    text = (ROOT / "notebooks" / "m03_ml_coding" / "models_from_scratch.py").read_text()
    data_cell = "# %%\nrng = np.random.default_rng(1)\nX_gd = "
    assert data_cell in text
    bad = tmp_path / "notebooks" / "m03_ml_coding" / "models_from_scratch.py"
    bad.parent.mkdir(parents=True)
    bad.write_text(text.replace(data_cell, '# %% tags=["skip-when-grading"]\n' + data_cell[5:]))
    problems = [p for p in course.lint(course.read_authored(bad, tmp_path), "x")
                if p.rule == "skip-tag"]
    assert len(problems) == 1 and "reads `X_gd`, `y_gd`" in problems[0].message
    assert course.lint(course.read_authored(ROOT / "notebooks" / "m03_ml_coding" /
                                            "models_from_scratch.py", ROOT), "x") == []


_CHANGES = """
import importlib, json, sys
from pathlib import Path
import nbformat
from mlinterview import cellflow
from mlinterview.grading import runner
sources, tagged, folder = json.loads(sys.stdin.read())
for name in runner.kernel_modules(Path(folder) if folder else None):  # as the kernel factory
    try:
        importlib.import_module(name)
    except Exception:
        pass
print(json.dumps({str(k): v for k, v in cellflow.changes_of_tagged_cells(sources, tagged).items()}))
"""


def _changes(sources, tagged, cwd, folder=None) -> dict[str, list[str]]:
    """Run in ``cwd`` (scratch: a notebook writes beside itself), importing first what the
    kernel factory imports for the notebooks of ``folder``."""
    done = subprocess.run([sys.executable, "-c", _CHANGES],
                          input=json.dumps([sources, tagged, folder and str(folder)]),
                          capture_output=True, text=True, cwd=cwd, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("path", sorted((ROOT / "source").glob("*/*.ipynb")),
                         ids=lambda p: p.stem)
def test_every_tagged_cell_changes_nothing_names_cannot_show(path, tmp_path):
    """Run the reference notebook and compare, around each tagged cell, every earlier
    object, the random generators, the warning filters and library settings."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c.source for c in code if cellflow.SKIP_TAG in c.metadata.get("tags", ())]
    assert tagged, f"{path.name} has no skip-when-grading cell"
    changes = _changes([c.source for c in code], tagged, tmp_path, path.parent)
    assert len(changes) == len(tagged) and not any(changes.values()), changes


def test_the_reference_run_sees_a_frame_change_not_a_dtype_cache(tmp_path):
    """A frame's values, columns and dtypes count; the cache an Int64 column's dtype fills
    in when first used anywhere (it changes the frame's pickle) does not."""
    lesson = ["import pandas as pd\nframe = pd.DataFrame({'a': pd.array([1, None], dtype='Int64'),"
              " 'b': [1.0, 2.0]})\n",
              "pd.array([3], dtype='Int64').dtype.itemsize\n",
              "frame.loc[0, 'b'] = 5.0\n",
              "frame.rename(columns={'a': 'c'}, inplace=True)\n",
              "frame['b'] = frame['b'].astype('float32')\n"]
    changes = _changes(lesson, lesson[1:], tmp_path)
    assert changes == {"1": [], "2": ["name frame"], "3": ["name frame"], "4": ["name frame"]}


def test_the_reference_run_sees_what_names_cannot(tmp_path):
    lesson = ["import numpy as np\nimport warnings\nseen = [1]\nrng = np.random.default_rng(0)\n",
              "np.random.seed(3)\n", "seen.append(2)\n", "rng.normal()\n",
              "warnings.simplefilter('ignore')\n", "np.seterr(all='ignore')\n",
              "fresh = [0]\nfresh.append(1)\n"]
    changes = _changes(lesson, lesson[1:], tmp_path)
    assert changes == {"1": ["numpy.random"], "2": ["name seen"], "3": ["name rng"],
                       "4": ["warnings"], "5": ["numpy.errstate"], "6": []}
