"""The course as stock nbgrader sees it: the config applies, the release is reproducible."""

from __future__ import annotations

import filecmp

import nbformat
import pytest
from conftest import ROOT, assignments, grade_cohort

from mlinterview import stock, submissions

pytestmark = pytest.mark.nbgrader


@pytest.mark.parametrize("aid", assignments())
def test_stock_generate_assignment_reproduces_the_committed_release(aid, course_copy):
    result = stock.nbgrader(course_copy, "generate_assignment", aid, "--force")
    assert result.returncode == 0, result.stderr[-2000:]
    cmp = filecmp.dircmp(course_copy / "release" / aid, ROOT / "release" / aid)
    assert not cmp.left_only and not cmp.right_only
    for name in cmp.common_files:
        assert filecmp.cmp(course_copy / "release" / aid / name, ROOT / "release" / aid / name,
                           shallow=False), name


def test_the_cell_timeout_applies_and_costs_only_that_part(course_copy):
    """An endless answer is stopped by the per-cell limit; the other parts keep their points."""
    aid, nb_name = "m00_interview_method", "interview_method"
    fixture = submissions.Fixture(
        "endless", course_copy, "an answer cell that never returns",
        {"trace_answer": "while True:\n    pass\nANSWER = (0, 4)\n"}, [])
    nb = submissions.fixture_submission(ROOT, aid, nb_name, fixture)
    # the limit is the config's c.Execute.timeout, read from this variable
    scores = grade_cohort(course_copy, aid, {"endless": {nb_name: nb}},
                          env={"MLINTERVIEW_CELL_TIMEOUT": "3"})["endless"]
    assert scores[f"{nb_name}/trace_answer_correct"][0] == 0
    assert scores[f"{nb_name}/trace_steps_correct"][0] == 0
    kept = {k: v for k, v in scores.items() if "trace" not in k}
    assert all(score == most for score, most in kept.values()), kept
    graded = nbformat.read(course_copy / "autograded" / "endless" / aid / f"{nb_name}.ipynb", 4)
    errors = [o for c in graded.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert any(o.ename == "CellTimeoutError" for o in errors)


def test_the_config_sets_one_timeout_knob():
    text = (ROOT / "nbgrader_config.py").read_text()
    assert "c.Execute.timeout" in text
    assert "c.ExecutePreprocessor.timeout" not in text  # would be silently overridden
