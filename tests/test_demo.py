"""`make demo`, the main job, on a scratch copy of the course."""

from __future__ import annotations

import io
import shutil

import pytest
from conftest import ROOT

from mlinterview import demo, stock

pytestmark = pytest.mark.nbgrader


def test_demo_grades_the_sample_cohort_with_the_expected_scores(tmp_path):
    for name in ("nbgrader_config.py",):
        shutil.copy2(ROOT / name, tmp_path / name)
    for folder in ("notebooks", "source", "release", "data", "tests"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, tmp_path / folder,
                            ignore=shutil.ignore_patterns("__pycache__"))
    out = io.StringIO()
    code = demo.run(tmp_path, ["m00_interview_method"], out=out)
    text = out.getvalue()
    assert code == 0, text
    assert "demo_full: 12/12 as expected" in text
    assert "demo_partial: 9/12 as expected" in text
    assert "demo_blank: 0/12 as expected" in text
    assert "student" in text and "Part 1 (3)" in text  # the per-part table

    # feedback, as an instructor makes it: results and messages, never hidden test code
    result = stock.nbgrader(tmp_path, "generate_feedback", "m00_interview_method",
                            "--student", "demo_partial")
    assert result.returncode == 0, result.stderr[-2000:]
    html = (tmp_path / "feedback/demo_partial/m00_interview_method/interview_method.html").read_text()
    assert "HUNT_CASES: your cases expose 5 of 7" in html  # the check's message is there
    assert "BEGIN HIDDEN TESTS" not in html and "checks.expect" not in html
