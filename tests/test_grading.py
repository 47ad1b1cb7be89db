"""`mlinterview grade`: same scores as stock nbgrader, resume, bad input, hostile submissions."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, grade_cohort

from mlinterview import course, stock, submissions
from mlinterview.grading import runner

AID, NB = "m00_interview_method", "interview_method"
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"


def _points(root: Path) -> dict[str, float]:
    source = course.read_ipynb(root / "source" / AID / f"{NB}.ipynb", root)
    return {course._grade_meta(c)["grade_id"]: course._points(c)
            for c in source.cells if course._is_test(c)}


def _hand_in(root: Path, cohort: dict[str, nbformat.NotebookNode]) -> None:
    for student, nb in cohort.items():
        folder = root / "submitted" / student / AID
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{NB}.ipynb")


def _generate(root: Path) -> None:
    result = stock.nbgrader(root, "generate_assignment", AID, "--force")
    assert result.returncode == 0, result.stderr[-2000:]


def _scores(root: Path) -> dict[str, dict[str, float]]:
    scores: dict[str, dict[str, float]] = {}
    for g in stock.read_grades(f"sqlite:///{root / 'gradebook.db'}", AID):
        scores.setdefault(g.student, {})[g.grade_id] = g.score
    return scores


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        h.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def _fixture_cohort() -> tuple[dict, dict]:
    cohort = {"reference": submissions.fixture_submission(ROOT, AID, NB, None, "solution"),
              "blank": submissions.fixture_submission(ROOT, AID, NB, None, "blank")}
    loses = {"reference": set(), "blank": None}
    for fx in submissions.load_fixtures(ROOT, AID, NB):
        cohort[fx.name] = submissions.fixture_submission(ROOT, AID, NB, fx)
        loses[fx.name] = set(fx.loses)
    return cohort, loses


@pytest.mark.nbgrader
def test_scores_identical_to_stock_autograde(course_copy):
    cohort, _ = _fixture_cohort()
    _generate(course_copy)
    _hand_in(course_copy, cohort)
    summary = runner.grade(course_copy, AID, workers=2)
    assert sorted(summary.graded) == sorted(cohort) and not summary.problems
    ours = _scores(course_copy)
    theirs_root = course_copy / "stock"
    theirs_root.mkdir()
    from conftest import scratch_course

    scratch_course(theirs_root)
    stock_scores = grade_cohort(theirs_root, AID, {s: {NB: nb} for s, nb in cohort.items()})
    theirs = {s: {k.split("/", 1)[1]: v[0] for k, v in cells.items()}
              for s, cells in stock_scores.items()}
    assert ours == theirs


def test_resume_skips_finished_and_never_touches_submitted(course_copy):
    _generate(course_copy)
    cohort = {"full": submissions.fixture_submission(ROOT, AID, NB, None, "solution"),
              "blank": submissions.fixture_submission(ROOT, AID, NB, None, "blank")}
    _hand_in(course_copy, cohort)
    before = _tree_digest(course_copy / "submitted")
    first = runner.grade(course_copy, AID, workers=2)
    assert sorted(first.graded) == ["blank", "full"]
    assert _tree_digest(course_copy / "submitted") == before
    full_marks = sum(_points(course_copy).values())
    assert sum(_scores(course_copy)["full"].values()) == full_marks

    again = runner.grade(course_copy, AID, workers=2)
    assert again.graded == [] and sorted(again.skipped) == ["blank", "full"]

    # an interrupted run: the gradebook was written, the marker was not -> graded again,
    # and the rows are updated in place (never counted twice)
    (course_copy / "autograded" / "full" / AID / runner.MARKER).unlink()
    # a changed submission is graded again
    _hand_in(course_copy, {"blank": cohort["full"]})
    third = runner.grade(course_copy, AID, workers=2)
    assert sorted(third.graded) == ["blank", "full"]
    scores = _scores(course_copy)
    assert sum(scores["full"].values()) == full_marks == sum(scores["blank"].values())
    rows = stock.read_grades(f"sqlite:///{course_copy / 'gradebook.db'}", AID)
    assert len(rows) == 2 * len(_points(course_copy))
    # the autograded notebook is one stock tools can read: feedback is generated from it
    feedback = stock.nbgrader(course_copy, "generate_feedback", AID, "--student", "full")
    assert feedback.returncode == 0, feedback.stderr[-2000:]
    assert (course_copy / "feedback" / "full" / AID / f"{NB}.html").is_file()


def test_bad_input_is_reported_and_the_rest_graded(course_copy):
    _generate(course_copy)
    good = submissions.fixture_submission(ROOT, AID, NB, None, "solution")
    _hand_in(course_copy, {"good": good})
    bad = {"not_json": b"{this is not json",
           "wrong_nbformat": json.dumps({"nbformat": 99, "nbformat_minor": 0, "cells": [],
                                         "metadata": {}}).encode()}
    for student, data in bad.items():
        folder = course_copy / "submitted" / student / AID
        folder.mkdir(parents=True)
        (folder / f"{NB}.ipynb").write_bytes(data)
    renamed = course_copy / "submitted" / "renamed" / AID
    renamed.mkdir(parents=True)
    nbformat.write(good, renamed / "my_copy.ipynb")
    (renamed / "notes.txt").write_text("extra file")
    before = _tree_digest(course_copy / "submitted")
    summary = runner.grade(course_copy, AID, workers=1)
    assert _tree_digest(course_copy / "submitted") == before
    assert sorted(summary.graded) == ["good", "not_json", "renamed", "wrong_nbformat"]
    assert "not a readable notebook" in " ".join(summary.problems["not_json"])
    assert "not a readable notebook" in " ".join(summary.problems["wrong_nbformat"])
    assert "renamed?" in " ".join(summary.problems["renamed"])
    scores = _scores(course_copy)
    assert sum(scores["good"].values()) == sum(_points(course_copy).values())
    for student in ("not_json", "wrong_nbformat", "renamed"):
        assert sum(scores[student].values()) == 0


def _sandbox_processes() -> list[str]:
    out = subprocess.run(["ps", "-eo", "uid=,pid=,args="], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.split() and int(line.split()[0]) >= 200_000]


def test_hostile_submissions_gain_nothing_and_cost_only_what_they_touch(course_copy):
    """Each fixture in tests/fixtures/hostile/ names the cells it must lose; it keeps the rest."""
    folder = HOSTILE / AID / NB
    fixtures = [submissions.load_fixture(p) for p in sorted(folder.glob("*.py"))]
    assert fixtures
    _generate(course_copy)
    cohort = {fx.name: submissions.fixture_submission(ROOT, AID, NB, fx) for fx in fixtures}
    cohort["honest"] = submissions.fixture_submission(ROOT, AID, NB, None, "solution")
    _hand_in(course_copy, cohort)
    before = _tree_digest(course_copy / "submitted")
    gradebook = course_copy / "gradebook.db"
    summary = runner.grade(course_copy, AID, workers=2, cell_timeout=5, submission_timeout=120)
    assert sorted(summary.graded) == sorted(cohort), summary.problems
    assert _tree_digest(course_copy / "submitted") == before
    points = _points(course_copy)
    scores = _scores(course_copy)
    problems = []
    for fx in fixtures:
        for gid, most in points.items():
            want = 0.0 if gid in fx.loses else most
            if scores[fx.name][gid] != want:
                problems.append(f"{fx.name}: {gid} scored {scores[fx.name][gid]:g}, expected {want:g}")
    assert sum(scores["honest"].values()) == sum(points.values())
    assert not problems, "\n".join(problems)
    assert _sandbox_processes() == [], "a process outlived its kernel"
    assert gradebook.read_bytes()[:16] == b"SQLite format 3\x00"
    escape = nbformat.read(course_copy / "autograded" / "escape_sandbox" / AID / f"{NB}.ipynb", 4)
    printed = "".join(o.get("text", "") for c in escape.cells if c.cell_type == "code"
                      for o in c.outputs if o.output_type == "stream")
    assert "[] {}" in printed, printed[:500]  # nothing escaped, no grading variable seen


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox's namespaces need root")
def test_this_machine_gives_every_protection():
    from mlinterview.grading import sandbox

    assert sandbox.probe() == []


def test_report_writes_html_with_plots_and_a_csv(course_copy):
    from mlinterview.grading import report

    _generate(course_copy)
    _hand_in(course_copy, {"full": submissions.fixture_submission(ROOT, AID, NB, None, "solution"),
                           "blank": submissions.fixture_submission(ROOT, AID, NB, None, "blank")})
    runner.grade(course_copy, AID, workers=2)
    index, csv_path = report.write(course_copy, AID)
    page = index.read_text()
    assert page.count("data:image/png;base64,") >= 3
    assert "NotAttempted" in page  # the blank submission's failure messages are counted
    rows = csv_path.read_text().splitlines()
    assert rows[0].startswith("student,") and len(rows) == 3
    full = next(r for r in rows if r.startswith("full,"))
    assert full.split(",")[-1] == "100.0"
