"""`mlinterview grade`: same scores as stock nbgrader, resume, bad input, hostile submissions."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, grade_cohort, gradebook_scores, hand_in

from mlinterview import course, stock, submissions
from mlinterview.grading import evaluate, memo, runner, sandbox

AID, NB = "m00_interview_method", "interview_method"
HOSTILE = ROOT / "tests" / "fixtures" / "hostile"


def _points(root: Path) -> dict[str, float]:
    source = course.read_ipynb(root / "source" / AID / f"{NB}.ipynb", root)
    return {course._grade_meta(c)["grade_id"]: course._points(c)
            for c in source.cells if course._is_test(c)}


def _hand_in(root: Path, cohort: dict[str, nbformat.NotebookNode]) -> None:
    hand_in(root, AID, {student: {NB: nb} for student, nb in cohort.items()})


def _generate(root: Path) -> None:
    result = stock.nbgrader(root, "generate_assignment", AID, "--force")
    assert result.returncode == 0, result.stderr[-2000:]


def _scores(root: Path) -> dict[str, dict[str, float]]:
    return gradebook_scores(f"sqlite:///{root / 'gradebook.db'}", AID)


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

    # given another gradebook (--db; here a second SQLite file), which has not got their
    # scores, the markers skip no one: both are graded again, into it
    other = f"sqlite:///{course_copy / 'other.db'}"
    made = stock.nbgrader(course_copy, "generate_assignment", AID, "--force", "--db", other)
    assert made.returncode == 0, made.stderr[-2000:]
    moved = runner.grade(course_copy, AID, workers=2, db_url=other)
    assert sorted(moved.graded) == ["blank", "full"] and not moved.skipped
    assert len(stock.read_grades(other, AID)) == len(rows)


def test_a_regrade_starts_with_what_took_longest_last_time(course_copy):
    """Graded again (--force here; a change to the course does the same), the submissions
    start longest first by their markers' times: the slow one no longer starts last and
    keeps the run waiting on it alone. With one worker, the order they are recorded in
    is the order they started in."""
    _generate(course_copy)
    source = nbformat.read(ROOT / "source" / AID / f"{NB}.ipynb", 4)
    first = next(iter(submissions.answer_sources(source)))
    slow = submissions.Fixture("slow", Path(), "sleeps", {
        first: "import time\ntime.sleep(1.5)\n" + submissions.answer_sources(source)[first]})
    _hand_in(course_copy, {"a_quick": submissions.fixture_submission(ROOT, AID, NB, None, "solution"),
                           "m_slow": submissions.fixture_submission(ROOT, AID, NB, slow, "solution"),
                           "z_quick": submissions.fixture_submission(ROOT, AID, NB, None, "blank")})

    def order() -> list[str]:
        return sorted(["a_quick", "m_slow", "z_quick"],
                      key=lambda s: _marker(course_copy, s, AID)["graded_at"])

    runner.grade(course_copy, AID, workers=1)
    assert order() == ["a_quick", "m_slow", "z_quick"]  # by name, the first time
    assert _marker(course_copy, "m_slow", AID)["result"]["seconds"] >= 1.5
    runner.grade(course_copy, AID, workers=1, force=True)
    assert order()[0] == "m_slow"

    jobs = [("a", None, ""), ("b", None, ""), ("c", None, ""), ("new", None, "")]
    runner._longest_first(jobs, {"a": 1.0, "b": 9.0, "c": 3.0})
    assert [j[0] for j in jobs] == ["b", "c", "new", "a"]  # never graded: as the median


# A course's own late policy, as nbgrader lets a config define one: a point off per hour
LATE_POLICY = """
from nbgrader.plugins import LateSubmissionPlugin

class PointAnHour(LateSubmissionPlugin):
    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return total_seconds_late / 3600

c.AssignLatePenalties.plugin_class = PointAnHour
"""


def _late_penalties(root: Path, student: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {nb.name: nb.late_submission_penalty
                for nb in gb.find_submission(AID, student).notebooks}


@pytest.mark.nbgrader
def test_late_submissions_get_the_penalties_stock_autograde_gives(course_copy, capfd):
    """A due date, timestamps (nbgrader's timestamp.txt) and the course's late policy: the
    penalties, and the scores `nbgrader export` gives, are stock autograde's."""
    from nbgrader.api import Gradebook

    full = submissions.fixture_submission(ROOT, AID, NB, None, "solution")
    partial = next(fx for fx in submissions.load_fixtures(ROOT, AID, NB) if fx.name == "partial")
    cohort = {  # student: (notebook, handed in, or None: no timestamp.txt)
        "on_time": (full, "2026-11-01 11:59:00.000000 UTC"),
        "two_hours_late": (full, "2026-11-01 14:00:00.000000 UTC"),
        "days_late": (submissions.fixture_submission(ROOT, AID, NB, partial),
                      "2026-11-05 12:00:00.000000 UTC"),
        "no_timestamp": (full, None),
    }
    (course_copy / "stock").mkdir()
    from conftest import scratch_course

    roots = [course_copy, scratch_course(course_copy / "stock")]
    for root in roots:
        with (root / "nbgrader_config.py").open("a") as config:
            config.write(LATE_POLICY)
        _generate(root)
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
            gb.update_or_create_assignment(AID, duedate="2026-11-01 12:00:00 UTC")
        _hand_in(root, {s: nb for s, (nb, _) in cohort.items()})
        for student, (_, when) in cohort.items():
            if when:
                (root / "submitted" / student / AID / "timestamp.txt").write_text(when)
    capfd.readouterr()
    summary = runner.grade(course_copy, AID, workers=2)
    assert sorted(summary.graded) == sorted(cohort), summary.problems
    # quiet: nbgrader's warning on a penalty cut to the score would break into the progress bar
    assert "late submission penalty" not in capfd.readouterr().err
    done = stock.nbgrader(roots[1], "autograde", AID, "--force")
    assert done.returncode == 0, course.nbgrader_failure(done.stderr)

    ours = {s: _late_penalties(course_copy, s) for s in cohort}
    assert ours == {s: _late_penalties(roots[1], s) for s in cohort}
    score = sum(_scores(course_copy)["days_late"].values())
    assert ours == {"on_time": {NB: None}, "two_hours_late": {NB: 2.0},
                    "days_late": {NB: score}, "no_timestamp": {NB: None}}, ours
    assert 0 < score < sum(_points(course_copy).values())
    exports = []
    for root in roots:
        exported = stock.nbgrader(root, "export")
        assert exported.returncode == 0, exported.stderr[-2000:]
        exports.append(sorted((root / "grades.csv").read_text().splitlines()))
    assert exports[0] == exports[1]
    # an extension granted afterwards (`mlinterview extension`, formgrader has no page for
    # it): the next run grades nothing again, and the penalty follows the gradebook (stock
    # would need autograde --force for it); taken back, the penalty is back
    from mlinterview import cli

    def extension(*args: str) -> str:
        capfd.readouterr()
        assert cli.main(["--root", str(course_copy), "extension", AID, *args]) == 0
        return capfd.readouterr().out

    said = extension("two_hours_late", "--hours", "3")
    assert "two_hours_late has until 2026-11-01 15:00 UTC" in said, said
    again = runner.grade(course_copy, AID, workers=1)
    assert again.graded == [] and sorted(again.skipped) == sorted(cohort)
    assert {s: _late_penalties(course_copy, s) for s in cohort} == {
        **ours, "two_hours_late": {NB: None}}
    assert "no extension" in extension("two_hours_late", "--remove")
    runner.grade(course_copy, AID, workers=1)
    assert {s: _late_penalties(course_copy, s) for s in cohort} == ours
    extension("two_hours_late", "--minutes", "180")
    runner.grade(course_copy, AID, workers=1)
    assert _late_penalties(course_copy, "two_hours_late") == {NB: None}
    # a new timestamp is a changed submission: graded again, its penalty from the new time
    (course_copy / "submitted" / "on_time" / AID / "timestamp.txt").write_text(
        "2026-11-01 13:30:00.000000 UTC")
    moved = runner.grade(course_copy, AID, workers=1)
    assert moved.graded == ["on_time"] and _late_penalties(course_copy, "on_time") == {NB: 1.5}
    # --force grades everyone again, to the same scores and penalties
    before = _scores(course_copy), {s: _late_penalties(course_copy, s) for s in cohort}
    forced = runner.grade(course_copy, AID, workers=2, force=True)
    assert sorted(forced.graded) == sorted(cohort) and not forced.skipped
    assert (_scores(course_copy), {s: _late_penalties(course_copy, s) for s in cohort}) == before

    # the report's grades.csv, for an LMS, takes the penalties off as nbgrader export does
    from mlinterview.grading import report

    _, csv_path = report.write(course_copy, AID)
    exported = stock.nbgrader(course_copy, "export")
    assert exported.returncode == 0, exported.stderr[-2000:]
    header, *rows = [r.split(",") for r in (course_copy / "grades.csv").read_text().splitlines()]
    theirs = {r[header.index("student_id")]: (float(r[header.index("late_submission_penalty")]),
                                              float(r[header.index("score")])) for r in rows}
    header, *rows = [r.split(",") for r in csv_path.read_text().splitlines()]
    mine = {r[0]: (float(r[header.index("late_penalty")]), float(r[header.index("total")]))
            for r in rows}
    assert mine == theirs and mine["on_time"][0] == 1.5 and mine["days_late"][1] == 0, mine
    assert "less 1.5 for lateness" in (csv_path.parent / "index.html").read_text()


def test_an_extension_for_no_one_the_gradebook_holds_is_a_clear_error(course_copy, capfd):
    """A mistyped student or assignment: one line naming the nearest the gradebook holds,
    exit 2, nothing written. A student not graded yet has no submission to extend."""
    from mlinterview import cli

    _generate(course_copy)
    _hand_in(course_copy, {"ann": submissions.fixture_submission(ROOT, AID, NB, None, "blank")})
    done = runner.grade(course_copy, AID, workers=1, check_solution=False)
    assert done.graded == ["ann"], done.problems
    _hand_in(course_copy, {"bob": submissions.fixture_submission(ROOT, AID, NB, None, "blank")})
    db = f"sqlite:///{course_copy / 'gradebook.db'}"
    before = stock.read_penalties(db, AID)
    for args, words in [((AID, "anne", "--days", "2"), "did you mean ann?"),
                        ((AID, "bob", "--days", "2"), "grade it first"),
                        ((AID[:-2], "ann", "--days", "2"), f"did you mean {AID}?")]:
        capfd.readouterr()
        assert cli.main(["--root", str(course_copy), "extension", *args]) == 2
        err = capfd.readouterr().err
        assert words in err and "Traceback" not in err and len(err.splitlines()) == 1, err
    # how long (more than nothing), or --remove: one of them, never a guess
    for when in ([], ["--days", "0"], ["--hours", "-3"], ["--days", "inf"], ["--days", "2", "--remove"]):
        with pytest.raises(SystemExit):
            cli.main(["--root", str(course_copy), "extension", AID, "ann", *when])
    assert stock.read_penalties(db, AID) == before
    with stock.gradebook(db) as gb:
        assert gb.find_submission(AID, "ann").extension is None


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


def _tampered(base: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """``base`` changed as a learner may change a notebook's cells in JupyterLab, aiming
    at the tests it fails (``complexity_correct``, ``hunt_catches_all``) and an answer."""
    import copy

    def at(nb, grade_id):
        return next(i for i, c in enumerate(nb.cells)
                    if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)

    def variant(change):
        nb = copy.deepcopy(base)
        change(nb)
        return nb

    def retype(cell, kind):
        cell.cell_type = kind
        cell.pop("outputs", None)
        cell.pop("execution_count", None)

    def bonus(nb):
        cell = nbformat.v4.new_code_cell("print('bonus')")
        cell.metadata.nbgrader = {"grade": True, "solution": False, "locked": False,
                                  "grade_id": "bonus", "points": 10, "schema_version": 3}
        nb.cells.insert(at(nb, "hunt_catches_all"), cell)

    def twin(nb):
        i = at(nb, "complexity_correct")
        first = copy.deepcopy(nb.cells[i])
        first.source = "print('passed')"
        first.id = "twin"  # a pasted copy: JupyterLab gives it a cell id of its own
        nb.cells.insert(i, first)

    def answer_graded(nb):
        nb.cells[at(nb, "hunt_answer")].metadata.nbgrader.update(grade=True, points=5)

    return {
        "edits_test": variant(lambda nb: setattr(nb.cells[at(nb, "complexity_correct")],
                                                 "source", "print('passed')")),
        "deletes_tests": variant(lambda nb: [nb.cells.pop(at(nb, g))
                                             for g in ("complexity_correct", "hunt_catches_all")]),
        "retypes_test": variant(lambda nb: retype(nb.cells[at(nb, "hunt_catches_all")], "markdown")),
        "retypes_answer": variant(lambda nb: retype(nb.cells[at(nb, "hunt_answer")], "raw")),
        "relabels_test": variant(lambda nb: nb.cells[at(nb, "hunt_catches_all")]
                                 .metadata.nbgrader.update(grade_id="my_own_test")),
        "repoints_test": variant(lambda nb: nb.cells[at(nb, "first_pair_examples")]
                                 .metadata.nbgrader.update(points=100)),
        "adds_a_test": variant(bonus),
        "twins_a_test": variant(twin),
        "answer_made_a_test": variant(answer_graded),
    }


# nbgrader refuses a notebook with a graded cell whose id the gradebook does not know (a test
# of one's own, a re-labelled one, an answer claiming points) or two cells of one id
REFUSED_TAMPERING = {"relabels_test", "adds_a_test", "answer_made_a_test", "twins_a_test"}


def test_tampered_cells_gain_nothing(course_copy):
    """Cells deleted, added, edited, retyped, re-labelled or re-pointed: nbgrader's own
    preprocessors put the test cells back from the gradebook, or refuse the notebook (a
    test cell with an unknown id, an answer claiming points), as ``nbgrader autograde``
    does. No cell scores more than the untampered notebook's, and none is worth more."""
    _generate(course_copy)
    fixture = submissions.load_fixture(
        ROOT / "tests" / "fixtures" / AID / NB / "partial.py")
    base = submissions.fixture_submission(ROOT, AID, NB, fixture)
    tampered = _tampered(base)
    _hand_in(course_copy, {"untampered": base, **tampered})
    before = _tree_digest(course_copy / "submitted")
    summary = runner.grade(course_copy, AID, workers=2)
    assert _tree_digest(course_copy / "submitted") == before
    scores, points = _scores(course_copy), _points(course_copy)
    assert {g for g, v in scores["untampered"].items() if v < points[g]} == set(fixture.loses)
    rows = stock.read_grades(f"sqlite:///{course_copy / 'gradebook.db'}", AID)
    assert {(g.grade_id, g.max_score) for g in rows} == set(points.items())  # none re-pointed
    for student in tampered:
        gained = {g: v for g, v in scores[student].items() if v > scores["untampered"][g]}
        assert not gained, f"{student} gained {gained}"
        assert set(scores[student]) == set(points), student  # no cell of its own counted
    refused = {s for s, lines in summary.problems.items() if "refused by nbgrader" in " ".join(lines)}
    assert refused == REFUSED_TAMPERING
    for student in ("edits_test", "retypes_test", "repoints_test"):
        assert scores[student] == scores["untampered"], student  # put back: nothing lost either


def test_the_sanitiser_gives_what_nbgraders_own_chain_gives(course_copy):
    """The grader's sanitising (the gradebook read once, metadata checked once per kind)
    returns byte for byte what nbgrader's five preprocessors return, and refuses what they
    refuse, for honest and tampered notebooks, a second time (from memory) as the first."""
    import copy

    from nbgrader.preprocessors import (
        CheckCellMetadata,
        ClearOutput,
        DeduplicateIds,
        OverwriteCells,
        OverwriteKernelspec,
    )

    from mlinterview.grading.sanitise import Sanitiser

    _generate(course_copy)
    db_url = f"sqlite:///{course_copy / 'gradebook.db'}"

    def stock_chain(nb):
        resources = {"nbgrader": {"notebook": NB, "assignment": AID, "student": "s",
                                  "db_url": db_url}}
        for pre in (ClearOutput(), DeduplicateIds(), OverwriteKernelspec(), OverwriteCells(),
                    CheckCellMetadata()):
            nb, resources = pre.preprocess(nb, resources)
        return nb

    def outcome(sanitise, nb):
        try:
            return nbformat.writes(sanitise(copy.deepcopy(nb)))
        except Exception as exc:  # noqa: BLE001 - the refusal is the outcome compared
            return type(exc).__name__

    base = submissions.fixture_submission(ROOT, AID, NB, None, "solution")
    cases = {"solution": base,
             "blank": submissions.fixture_submission(ROOT, AID, NB, None, "blank"),
             **_tampered(base)}
    ours = Sanitiser(db_url, course_copy)
    refused = set()
    for _ in range(2):
        for name, nb in cases.items():
            want = outcome(stock_chain, nb)
            assert outcome(lambda n: ours(n, "s", AID, NB), nb) == want, name
            if not want.startswith("{"):
                refused.add(name)
    assert refused == REFUSED_TAMPERING
    assert len(ours.chain[-1].passed) < len(cases)  # the check was remembered, not rerun


def _sandbox_processes() -> list[str]:
    """Live processes of a sandbox uid started by this test run (its session: kernels are
    forked from workers forked from here), not by another run on the same machine, nor by
    a sibling pytest-xdist worker still grading (a kernel that descends from it)."""
    out = subprocess.run(["ps", "-eo", "uid=,sid=,stat=,pid=,ppid=,args="], capture_output=True,
                         text=True).stdout
    rows = [line.split(None, 5) for line in out.splitlines() if len(line.split()) > 4]
    parent = {int(r[3]): int(r[4]) for r in rows}
    siblings = {pid for pid, ppid in parent.items()
                if ppid == os.getppid() and pid != os.getpid() and os.getppid() > 1}

    def a_siblings(pid: int) -> bool:
        seen = set()
        while pid > 1 and pid not in seen:
            if pid in siblings:
                return True
            seen.add(pid)
            pid = parent.get(pid, 1)
        return False

    ours = os.getsid(0)
    return [" ".join(r) for r in rows if int(r[0]) >= 200_000 and int(r[1]) == ours
            and not r[2].startswith("Z") and not a_siblings(int(r[3]))]


# --------------------------------------------------------------------------- hostile submissions
# tests/fixtures/hostile/<aid>/<nb>/*.py: each names the cells it must lose. Their text may hold
# COURSE_PLACEHOLDER, replaced by the scratch course's path (an attacker who knows where the
# course lives). Fixtures in subfolders (<nb>/<topic>/*.py) belong to one test below.
COURSE_PLACEHOLDER = "__COURSE_ROOT__"
HOSTILE_SETS = sorted((p.parent.name, p.name) for p in HOSTILE.glob("*/*")
                      if p.is_dir() and any(p.glob("*.py")))
# what only the course's secret files hold: none of it may reach an output
LEAK_CANARIES = ("SQLite format 3", '"cell_type"', '"nbgrader"', "BEGIN SOLUTION", "BEGIN HIDDEN")


def _aid_points(root: Path, aid: str) -> dict[str, dict[str, float]]:
    """notebook -> grade id -> points, from the course's source notebooks."""
    points = {}
    for path in sorted((root / "source" / aid).glob("*.ipynb")):
        nb = course.read_ipynb(path, root)
        points[path.stem] = {course._grade_meta(c)["grade_id"]: course._points(c)
                             for c in nb.cells if course._is_test(c)}
    return points


def _aid_scores(root: Path, aid: str) -> dict[str, dict[str, float]]:
    """student -> "notebook/grade id" -> score, from the gradebook."""
    scores: dict[str, dict[str, float]] = {}
    for g in stock.read_grades(f"sqlite:///{root / 'gradebook.db'}", aid):
        scores.setdefault(g.student, {})[f"{g.notebook}/{g.grade_id}"] = g.score
    return scores


def _hostile_cohort(root: Path, aid: str, nb: str, fixtures) -> dict[str, dict[str, nbformat.NotebookNode]]:
    """Each fixture's notebook (its other notebooks: the solution) and an honest student."""
    others = {n: submissions.fixture_submission(ROOT, aid, n, None, "solution")
              for n in submissions.notebooks_of(ROOT, aid)}
    cohort = {"honest": dict(others)}
    for fx in fixtures:
        made = submissions.fixture_submission(ROOT, aid, nb, fx)
        for cell in made.cells:
            cell.source = cell.source.replace(COURSE_PLACEHOLDER, str(root))
        cohort[fx.name] = {**others, nb: made}
    for student, notebooks in cohort.items():
        folder = root / "submitted" / student / aid
        folder.mkdir(parents=True, exist_ok=True)
        for name, notebook in notebooks.items():
            nbformat.write(notebook, folder / f"{name}.ipynb")
    return cohort


def _wrong_scores(root: Path, aid: str, nb: str, fixtures) -> list[str]:
    """Every cell whose score differs from what its fixture declares (honest: full marks)."""
    points, scores = _aid_points(root, aid), _aid_scores(root, aid)
    problems = []
    for name, loses in [("honest", set())] + [(fx.name, set(fx.loses)) for fx in fixtures]:
        for notebook, cells in points.items():
            for gid, most in cells.items():
                want = 0.0 if notebook == nb and gid in loses else most
                got = scores.get(name, {}).get(f"{notebook}/{gid}")
                if got != want:
                    problems.append(f"{name}: {notebook}/{gid} scored {got}, expected {want:g}")
    return problems


def _outputs_text(path: Path) -> str:
    """Every output of every code cell of an autograded notebook, as text."""
    nb = nbformat.read(path, 4)
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            parts += [str(out.get("text", "")), str(out.get("ename", "")), str(out.get("evalue", "")),
                      "\n".join(out.get("traceback", [])), json.dumps(out.get("data", {}))]
    return "\n".join(parts)


def _marker(root: Path, student: str, aid: str) -> dict:
    return json.loads((root / "autograded" / student / aid / runner.MARKER).read_text())


def _errors(root: Path, student: str, aid: str, nb: str, grade_id: str) -> str:
    """The error messages in one cell of a student's autograded notebook."""
    graded = nbformat.read(root / "autograded" / student / aid / f"{nb}.ipynb", 4)
    cell = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return "\n".join(f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error")


@pytest.mark.parametrize(("aid", "nb"), HOSTILE_SETS, ids=[a for a, _ in HOSTILE_SETS])
def test_hostile_submissions_gain_nothing_and_cost_only_what_they_touch(tmp_path, aid, nb):
    """Each fixture in tests/fixtures/hostile/<aid>/<nb>/ names the cells it must lose; it keeps
    the rest, leaks nothing of the course's secret files and leaves nothing behind."""
    from conftest import scratch_course

    root = scratch_course(tmp_path)
    fixtures = [submissions.load_fixture(p) for p in sorted((HOSTILE / aid / nb).glob("*.py"))]
    assert fixtures
    generated = stock.nbgrader(root, "generate_assignment", aid, "--force")
    assert generated.returncode == 0, generated.stderr[-2000:]
    cohort = _hostile_cohort(root, aid, nb, fixtures)
    before, source = _tree_digest(root / "submitted"), _tree_digest(root / "source")
    # the cell limit ends the endless loops. Like a budget, it forgives waits for a CPU: with
    # the bombs and the rest of the suite sharing two cores, kills_kernel's honest linear-time
    # cell (two 2 s budgets) once ran past 15 s of wall time when the limit counted wall time
    summary = runner.grade(root, aid, workers=2, cell_timeout=15, submission_timeout=300)
    assert sorted(summary.graded) == sorted(cohort), summary.problems
    notes = {fx.name: _marker(root, fx.name, aid)["result"]["notebooks"] for fx in fixtures}
    assert not [n["message"] for nbs in notes.values() for n in nbs if "replayed" in n["message"]]
    assert _tree_digest(root / "submitted") == before
    assert _tree_digest(root / "source") == source
    problems = _wrong_scores(root, aid, nb, fixtures)
    assert not problems, "\n".join(problems)
    assert _sandbox_processes() == [], "a process outlived its kernel"
    assert (root / "gradebook.db").read_bytes()[:16] == b"SQLite format 3\x00"
    for fx in fixtures:
        printed = _outputs_text(root / "autograded" / fx.name / aid / f"{nb}.ipynb")
        printed += json.dumps(_marker(root, fx.name, aid))
        leaked = [c for c in LEAK_CANARIES if c in printed]
        assert not leaked, f"{fx.name}: {leaked} in its outputs"
        # a fixture may print what it found of its own plantings (always nothing) and what
        # the grader said to callbacks it kept or forged (always no)
        for line in printed.splitlines():
            if line.startswith("LEFTOVER "):
                assert line == "LEFTOVER []", f"{fx.name}: the grader left {line}"
            if line.startswith(("KEPT ", "FORGED ")):
                assert "did not give it" in line, f"{fx.name}: {line}"
    if aid == AID:
        escape = nbformat.read(root / "autograded" / "escape_sandbox" / AID / f"{NB}.ipynb", 4)
        printed = "".join(o.get("text", "") for c in escape.cells if c.cell_type == "code"
                          for o in c.outputs if o.output_type == "stream")
        assert "[] {}" in printed, printed[:500]  # nothing escaped, no grading variable seen


GRADE_AS_GIVEN_USER = """
import json, sys
from pathlib import Path
from mlinterview.grading import runner

summary = runner.grade(Path(sys.argv[1]), sys.argv[2], workers=2, cell_timeout=15,
                       submission_timeout=300)
print(json.dumps([summary.graded, summary.problems, summary.missing_protections]))
"""


def test_without_root_a_user_namespace_gives_the_kernels_the_same_walls(tmp_path):
    """An instructor grading on their own laptop is not root. The kernels then get their
    namespaces from a user namespace of their own (as bubblewrap does), and the escape
    fixture (read source/, write the gradebook and other students' work, use the network,
    leave a process behind) still gains nothing. Only the separate user id and the control
    group are missing (an ordinary user may not make one here)."""
    from conftest import scratch_course

    setpriv, unshare, nobody = shutil.which("setpriv"), shutil.which("unshare"), "65534"
    if os.geteuid() != 0 or setpriv is None or unshare is None:
        pytest.skip("needs root (to become an ordinary user), setpriv and unshare")
    as_nobody = [setpriv, "--reuid", nobody, "--regid", nobody, "--clear-groups"]
    machine = subprocess.run([*as_nobody, unshare, "--user", "--map-root-user", "--net", "--mount",
                              "--pid", "--ipc", "--fork", "true"], capture_output=True, timeout=60,
                             check=False)
    if machine.returncode != 0:  # util-linux's own try, independent of the code under test
        pytest.skip(f"this machine gives ordinary users no namespaces: {machine.stderr[-300:]}")
    as_nobody.append(sys.executable)
    probe = subprocess.run([*as_nobody, "-c", "from mlinterview.grading import sandbox\n"
                            "print('\\n'.join(sandbox.probe()))"],
                           capture_output=True, text=True, timeout=60, check=False)
    if probe.returncode != 0:
        pytest.skip(f"this Python cannot run as an ordinary user: {probe.stderr[-300:]}")
    assert not [line for line in probe.stdout.splitlines() if line.startswith("no ")], probe.stdout
    home = Path(tempfile.mkdtemp(prefix="mlinterview-not-root-"))  # reachable by nobody
    try:
        (home / "course").mkdir()
        root = scratch_course(home / "course")
        fixtures = [submissions.load_fixture(HOSTILE / AID / NB / "escape_sandbox.py")]
        assert stock.nbgrader(root, "generate_assignment", AID, "--force").returncode == 0
        cohort = _hostile_cohort(root, AID, NB, fixtures)
        before = _tree_digest(root / "submitted")
        subprocess.run(["chown", "-R", f"{nobody}:{nobody}", str(home)], check=True)
        run = subprocess.run([*as_nobody, "-c", GRADE_AS_GIVEN_USER, str(root), AID],
                             capture_output=True, text=True, timeout=600, check=False,
                             cwd=root, env={**os.environ, "HOME": str(home)})
        assert run.returncode == 0, run.stderr[-3000:]
        graded, problems, missing = json.loads(run.stdout.strip().splitlines()[-1])
        assert sorted(graded) == sorted(cohort), problems
        assert missing == probe.stdout.strip().splitlines()
        assert [line[:40] for line in missing] == ["not root: no control group for each kern",
                                                   "not root: kernels run as the instructor'"]
        assert _tree_digest(root / "submitted") == before
        wrong = _wrong_scores(root, AID, NB, fixtures)
        assert not wrong, "\n".join(wrong)
        escape = nbformat.read(root / "autograded" / "escape_sandbox" / AID / f"{NB}.ipynb", 4)
        printed = "".join(o.get("text", "") for c in escape.cells if c.cell_type == "code"
                          for o in c.outputs if o.output_type == "stream")
        assert "[] {}" in printed, printed[:500]  # nothing escaped, no grading variable seen
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _grade_topic(root: Path, topic: str, extra: tuple[str, ...] = (), **kwargs):
    """Grade the m00 fixtures of tests/fixtures/hostile/<aid>/<nb>/<topic>/, an honest student
    and the ``extra`` students already handed in."""
    fixtures = [submissions.load_fixture(p) for p in sorted((HOSTILE / AID / NB / topic).glob("*.py"))]
    assert fixtures
    _generate(root)
    cohort = _hostile_cohort(root, AID, NB, fixtures)
    summary = runner.grade(root, AID, workers=2, **kwargs)
    assert sorted(summary.graded) == sorted([*cohort, *extra]), summary.problems
    return fixtures, summary


def test_exit_and_system_exit_cost_only_what_never_ran(course_copy):
    """exit(), quit(), sys.exit() and raise SystemExit in answer cells and in the learner's
    function: the run goes on, the other students and the other parts are graded."""
    fixtures, summary = _grade_topic(course_copy, "exits", cell_timeout=20)
    problems = _wrong_scores(course_copy, AID, NB, fixtures)
    assert not problems, "\n".join(problems)
    # the learner's SystemExit is reported as theirs; the cell it stopped left TRACE undefined
    linear = _errors(course_copy, "exits_everywhere", AID, NB, "first_pair_is_linear")
    assert "raised SystemExit: too long" in linear, linear
    assert "SystemExit" in _errors(course_copy, "exits_everywhere", AID, NB, "trace_answer")
    assert "`TRACE` is not defined" in _errors(course_copy, "exits_everywhere", AID, NB,
                                               "trace_steps_correct")


def test_huge_outputs_are_cut_and_too_big_files_reported(course_copy):
    """An answer printing ~50 MB (in its cell and on every call) is cut down and graded; a
    handed-in notebook over MAX_NOTEBOOK_BYTES is a report line and zero for that student only,
    one under it is graded as usual (its stored outputs are cleared, as nbgrader does)."""
    from mlinterview.grading import evaluate

    solution = submissions.fixture_submission(ROOT, AID, NB, None, "solution")
    for student, size in (("too_big", evaluate.MAX_NOTEBOOK_BYTES + 1_000_000),
                          ("big_but_allowed", evaluate.MAX_NOTEBOOK_BYTES - 2_000_000)):
        nb = nbformat.from_dict(json.loads(json.dumps(solution)))
        code = next(c for c in nb.cells if c.cell_type == "code")
        code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="y" * size)]
        folder = course_copy / "submitted" / student / AID
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{NB}.ipynb")
    assert (course_copy / "submitted" / "too_big" / AID / f"{NB}.ipynb").stat().st_size \
        > evaluate.MAX_NOTEBOOK_BYTES
    fixtures, summary = _grade_topic(course_copy, "outputs", ("big_but_allowed", "too_big"),
                                     cell_timeout=20)
    problems = _wrong_scores(course_copy, AID, NB, fixtures)
    assert not problems, "\n".join(problems)
    assert "over the" in " ".join(summary.problems["too_big"]), summary.problems
    assert set(summary.problems) == {"too_big"}, summary.problems
    scores, full = _scores(course_copy), sum(_points(course_copy).values())
    assert sum(scores["too_big"].values()) == 0
    assert sum(scores["big_but_allowed"].values()) == full
    loud = course_copy / "autograded" / "prints_50_mb" / AID / f"{NB}.ipynb"
    assert loud.stat().st_size < 10_000_000
    text = _outputs_text(loud)
    assert "... Output truncated ..." in text and "noise" in text and "spam" in text


def test_cpu_time_limit_stops_busy_loops_and_costs_only_their_parts(course_copy, monkeypatch):
    """Busy loops that ignore interrupts, in an answer cell and inside a called function, are
    killed by the sandbox's CPU-time limit (here 4 s), well before the cell time limit."""
    real = runner.settings_for

    def small_cpu_limit(*args, **kwargs):
        settings, course_id = real(*args, **kwargs)
        settings.limits = dataclasses.replace(settings.limits, cpu_seconds=4)
        return settings, course_id

    monkeypatch.setattr(runner, "settings_for", small_cpu_limit)
    fixtures, _ = _grade_topic(course_copy, "cpu_limit", cell_timeout=60, submission_timeout=600)
    problems = _wrong_scores(course_copy, AID, NB, fixtures)
    assert not problems, "\n".join(problems)
    # killed, not timed out: the kernel died in the call and in the answer cell
    oracle = _errors(course_copy, "busy_loops", AID, NB, "first_pair_matches_oracle")
    assert "stopped its process" in oracle and "time limit" not in oracle, oracle
    hunt = _errors(course_copy, "busy_loops", AID, NB, "hunt_answer")
    assert hunt.startswith("DeadKernelError") and "longer than" not in hunt, hunt


def _live_processes(groups: set[int], folder: Path) -> list[str]:
    """Processes (not zombies) in these process groups, working in ``folder`` or of a sandbox uid
    and in these groups: what a killed grader could leave behind."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            state, _ppid, pgid = stat[stat.rindex(")") + 2:].split()[:3]
            uid = int((entry / "status").read_text().split("\nUid:")[1].split()[0])
            cwd = os.readlink(entry / "cwd") if uid < 200_000 else ""
            args = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not ours to read
        if state != "Z" and (int(pgid) in groups or cwd.startswith(str(folder))):
            found.append(f"pid {entry.name} uid {uid} pgid {pgid} {state} {args[:80]}")
    return found


GRADE_COMMAND = [sys.executable, "-c", "import sys; from mlinterview.cli import main; "
                 "sys.exit(main(sys.argv[1:]))"]


def test_killed_mid_run_resumes_with_nothing_lost_or_counted_twice(tmp_path):
    """`mlinterview grade`, killed with SIGKILL (its whole process group) once a submission is
    recorded, then run again: it grades only what was not recorded, leaves no process behind,
    never touches submitted/, and ends with the scores of an uninterrupted run."""
    from conftest import scratch_course

    (tmp_path / "killed").mkdir()
    killed = scratch_course(tmp_path / "killed")
    _generate(killed)
    cohort, _ = _fixture_cohort()
    cohort = dict(sorted(cohort.items())[:8])
    _hand_in(killed, cohort)
    straight = tmp_path / "straight"
    shutil.copytree(killed, straight)  # the same course and gradebook, graded without a break
    before = _tree_digest(killed / "submitted")
    markers = lambda: sorted(p.parent.parent.name  # noqa: E731
                             for p in (killed / "autograded").glob(f"*/{AID}/{runner.MARKER}"))
    command = [*GRADE_COMMAND, "--root", str(killed), "grade", AID, "--workers", "2"]
    temp = tmp_path / "tmp"  # the runs' own temporary folder: what the killed one left there
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    left = lambda: sorted(p.name for p in temp.iterdir()  # noqa: E731
                          if p.name.startswith((memo.PREFIX, sandbox.EXCHANGE_PREFIX)))
    first = subprocess.Popen(command, cwd=killed, start_new_session=True, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not markers() and first.poll() is None:
        time.sleep(0.02)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    done = markers()
    assert 1 <= len(done) < len(cohort), f"not interrupted mid-run: {done}"
    assert _tree_digest(killed / "submitted") == before
    assert any(name.startswith(sandbox.EXCHANGE_PREFIX) for name in left()), left()

    second = subprocess.Popen(command, cwd=killed, start_new_session=True, text=True, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err[-2000:]
    assert f"graded {len(cohort) - len(done)} submission(s)" in out, out
    assert f"skipped {len(done)} unchanged" in out, out
    assert markers() == sorted(cohort)
    assert _tree_digest(killed / "submitted") == before
    # nothing half-written is left beside the graded folders
    assert sorted((killed / "autograded").glob(f"*/.{AID}.*")) == []
    time.sleep(0.5)  # a killed process is gone once its parent (or init) reaps it
    assert _live_processes({first.pid, second.pid}, killed) == []
    assert left() == []  # the killed run's exchanges and memo are removed by the next run

    runner.grade(straight, AID, workers=2)
    assert _scores(killed) == _scores(straight)
    rows = stock.read_grades(f"sqlite:///{killed / 'gradebook.db'}", AID)
    assert len(rows) == len(cohort) * len(_points(killed))  # one row per student and cell
    for student in cohort:  # the autograded notebooks say the same (figures aside: their bytes vary)
        ours, theirs = (nbformat.read(r / "autograded" / student / AID / f"{NB}.ipynb", 4)
                        for r in (killed, straight))
        assert _texts(ours) == _texts(theirs), student


def _texts(nb: nbformat.NotebookNode) -> list:
    return [[(o.output_type, o.get("text"), o.get("ename"), o.get("evalue"))
             for o in c.get("outputs", []) if o.output_type in ("stream", "error")]
            for c in nb.cells]


STOCK_COHORTS = {
    "m05_data_pipelines": ["default_na_and_full_data_stats", "writes_beside_raw_and_union_categories"],
    "m06_sql_duckdb": ["syntax_error", "not_in_and_wrong_direction", "counts_events_not_users"],
}


@pytest.mark.nbgrader
@pytest.mark.parametrize("aid", sorted(STOCK_COHORTS))
def test_scores_identical_to_stock_autograde_beyond_m00(tmp_path, aid):
    """A small cohort (the solution, a blank notebook, fixtures failing in different ways) scores
    the same under `mlinterview grade` as under stock `nbgrader autograde`."""
    from conftest import scratch_course

    cohort = {}
    for nb in submissions.notebooks_of(ROOT, aid):
        fixtures = {fx.name: fx for fx in submissions.load_fixtures(ROOT, aid, nb)}
        cohort.setdefault("reference", {})[nb] = submissions.fixture_submission(ROOT, aid, nb, None, "solution")
        cohort.setdefault("blank", {})[nb] = submissions.fixture_submission(ROOT, aid, nb, None, "blank")
        for name in STOCK_COHORTS[aid]:
            cohort.setdefault(name, {})[nb] = submissions.fixture_submission(ROOT, aid, nb, fixtures[name])
    for name in ("ours", "stock"):
        (tmp_path / name).mkdir()
    ours_root = scratch_course(tmp_path / "ours")
    generated = stock.nbgrader(ours_root, "generate_assignment", aid, "--force")
    assert generated.returncode == 0, generated.stderr[-2000:]
    for student, notebooks in cohort.items():
        folder = ours_root / "submitted" / student / aid
        folder.mkdir(parents=True)
        for name, notebook in notebooks.items():
            nbformat.write(notebook, folder / f"{name}.ipynb")
    summary = runner.grade(ours_root, aid, workers=2)
    assert sorted(summary.graded) == sorted(cohort) and not summary.problems, summary.problems
    ours = _aid_scores(ours_root, aid)
    theirs = {s: {k: v[0] for k, v in cells.items()}
              for s, cells in grade_cohort(scratch_course(tmp_path / "stock"), aid, cohort).items()}
    assert ours == theirs
    # the cohort covers what it should: full marks, nothing, and partial scores in between
    totals = {s: sum(cells.values()) for s, cells in ours.items()}
    assert totals["blank"] == 0 < min(totals[n] for n in STOCK_COHORTS[aid])
    assert max(totals[n] for n in STOCK_COHORTS[aid]) < totals["reference"]


@pytest.mark.nbgrader
def test_the_workers_of_a_run_make_each_seeded_case_once_between_them(tmp_path, monkeypatch):
    """m06's hidden tests build a seeded shop per part; two workers grading three
    submissions build each shop once in all, not once per worker (see grading/memo.py)."""
    from conftest import scratch_course

    from mlinterview.exercises import m06

    aid, nb = "m06_sql_duckdb", "sql_joins_and_windows"
    built, made = tmp_path / "built", m06._make_shop.__wrapped__

    def counted(seed):
        with open(built, "a") as f:
            f.write(f"{seed}\n")
        return made(seed)

    monkeypatch.setattr(m06, "_make_shop", counted)  # the workers fork from this process
    folders, temporary = [], tempfile.TemporaryDirectory

    def recorded(*args, **kwargs):
        made = temporary(*args, **kwargs)
        folders.append(Path(made.name))
        return made

    monkeypatch.setattr(tempfile, "TemporaryDirectory", recorded)
    memo._CACHE.clear()  # nothing this process computed before
    root = scratch_course(tmp_path)
    assert stock.nbgrader(root, "generate_assignment", aid, "--force").returncode == 0
    for student in ("ann", "bob"):
        folder = root / "submitted" / student / aid
        folder.mkdir(parents=True)
        nbformat.write(submissions.fixture_submission(ROOT, aid, nb, None, "solution"),
                       folder / f"{nb}.ipynb")
    summary = runner.grade(root, aid, workers=2, out=io.StringIO())
    assert sorted(summary.graded) == ["ann", "bob"] and not summary.problems
    seeds = built.read_text().split()
    assert len(seeds) >= 14 and len(seeds) == len(set(seeds)), sorted(seeds)
    shared = [f for f in folders if f.name.startswith(memo.PREFIX)]
    assert len(shared) == 1 and not shared[0].exists(), "the run's own folder, removed at its end"


def _as_learner(uid: int, action) -> bool:
    """Run ``action`` in a process of the learner's user id; did it succeed?"""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            action()
            code = 0
        except BaseException:  # noqa: BLE001
            pass
        os._exit(code)
    return os.waitpid(pid, 0)[1] == 0


def test_a_workers_first_exchange_removes_those_dead_workers_left_and_no_one_elses(
        tmp_path, monkeypatch):
    """A worker killed while a kernel held its exchange (handed to the kernel's id) leaves it
    in the temporary folder; the next worker removes it, but not a live worker's, nor one
    another user owns."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(sandbox, "_STALE_CLEARED", set())
    dead = subprocess.Popen(["true"])
    dead.wait()
    left = tmp_path / f"{sandbox.EXCHANGE_PREFIX}{dead.pid}-a1"
    handed = tmp_path / f"{sandbox.EXCHANGE_PREFIX}{dead.pid}-a2"
    theirs = tmp_path / f"{sandbox.EXCHANGE_PREFIX}{dead.pid}-a3"
    live = tmp_path / f"{sandbox.EXCHANGE_PREFIX}{os.getppid()}-a4"
    killed = subprocess.Popen(["sleep", "60"])  # killed, and not yet reaped: a zombie
    killed.kill()
    while Path(f"/proc/{killed.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
        time.sleep(0.01)
    zombie = tmp_path / f"{sandbox.EXCHANGE_PREFIX}{killed.pid}-a5"
    for folder in (left, handed, theirs, live, zombie):
        folder.mkdir()
        (folder / "hidden_input.csv").write_text("x\n")
    root = os.geteuid() == 0  # only root can hand a folder to another id
    if root:
        os.chown(handed, sandbox.FIRST_UID + 3, sandbox.FIRST_UID + 3)
        os.chown(theirs, 54321, 54321)
    made = Path(sandbox.make_exchange(sandbox.FIRST_UID, sandbox.Limits(), False))
    try:
        assert made.name.startswith(f"{sandbox.EXCHANGE_PREFIX}{os.getpid()}-")
        assert not left.exists() and not handed.exists() and not zombie.exists()
        assert live.exists()
        assert theirs.exists() or not root
    finally:
        sandbox.remove_exchange(str(made))
        killed.wait()


@pytest.mark.skipif(os.geteuid() != 0, reason="handing the exchange over needs root")
def test_the_exchange_is_the_learners_only_while_their_code_runs(tmp_path):
    """Between calls (and before the first), a process the learner left running can plant no link
    or FIFO in the exchange and swap no file the grader wrote there; what a call planted is removed."""

    uid = sandbox.FIRST_UID + 999
    secret = tmp_path / "gradebook.db"
    secret.write_text("secret")
    folder = Path(sandbox.make_exchange(uid, sandbox.Limits(), False))
    try:
        case = folder / "case"
        case.mkdir()
        (case / "input.csv").write_text("a\n1\n")  # the grader's input for the next call
        attacks = {
            "a link in the exchange": lambda: os.symlink(secret, folder / "planted"),
            "a link in a case folder": lambda: os.symlink(secret, case / "planted"),
            "a FIFO": lambda: os.mkfifo(case / "pipe"),
            "the input swapped": lambda: (os.unlink(case / "input.csv"),
                                          os.symlink(secret, case / "input.csv")),
            "the case folder swapped": lambda: (os.rename(case, folder / "moved"),
                                                os.symlink(tmp_path, case)),
            "the input rewritten": lambda: (case / "input.csv").write_text("b\n2\n"),
        }
        assert [name for name, attack in attacks.items() if _as_learner(uid, attack)] == []

        sandbox.hand_over(str(folder), uid)  # the learner's call runs: it may write
        assert _as_learner(uid, lambda: os.symlink(secret, case / "planted"))
        assert _as_learner(uid, lambda: os.mkdir(case / "theirs", 0o777))
        assert _as_learner(uid, lambda: (case / "theirs" / "out.csv").write_text("x"))
        assert _as_learner(uid, lambda: os.chmod(case / "theirs" / "out.csv", 0o666))
        assert sorted(sandbox.take_back(str(folder))) == ["case/planted"]
        assert (case / "theirs" / "out.csv").read_text() == "x"  # what it wrote is kept
        attacks["a link in a folder it made"] = lambda: os.symlink(secret, case / "theirs" / "l")
        attacks["its file rewritten"] = lambda: (case / "theirs" / "out.csv").write_text("y")
        assert [name for name, attack in attacks.items() if _as_learner(uid, attack)] == []
        assert (case / "input.csv").read_text() == "a\n1\n"
    finally:
        sandbox.remove_exchange(str(folder))


@pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox's namespaces need root")
def test_this_machine_gives_every_protection():

    assert sandbox.probe() == []


def test_report_writes_html_with_plots_and_a_csv(course_copy):
    from mlinterview.grading import report

    _generate(course_copy)
    # nothing graded yet, or an assignment the gradebook lacks: a clear error, no empty report
    with pytest.raises(course.CourseError, match=f"no submission of {AID} is graded yet: run "
                                                 f"`mlinterview grade {AID}`"):
        report.write(course_copy, AID)
    with pytest.raises(course.CourseError, match=f"m99 is not in the gradebook \\(it has: {AID}\\)"):
        report.write(course_copy, "m99")
    assert not (course_copy / "reports").exists()
    _hand_in(course_copy, {"full": submissions.fixture_submission(ROOT, AID, NB, None, "solution"),
                           "blank": submissions.fixture_submission(ROOT, AID, NB, None, "blank")})
    runner.grade(course_copy, AID, workers=2)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course_copy / 'gradebook.db'}") as gb:
        gb.update_or_create_student("absent")  # on the roster, handed nothing in
    index, csv_path = report.write(course_copy, AID)
    page = index.read_text()
    assert "On the gradebook's roster with nothing handed in (1, 0 points in grades.csv): absent." in page
    assert "2 students; mean" in page  # the cohort's figures are those who handed in
    exported = stock.nbgrader(course_copy, "export")  # the LMS gets what nbgrader export gives
    assert exported.returncode == 0, exported.stderr[-2000:]
    export_rows = [r.split(",") for r in (course_copy / "grades.csv").read_text().splitlines()]
    assert [next(r for r in export_rows if r[3] == "absent")[i] for i in (3, 9)] == ["absent", "0.0"]
    absent_row = next(r for r in csv_path.read_text().splitlines() if r.startswith("absent,"))
    assert absent_row.split(",")[-4:-2] == ["0.0", "0.0"]
    assert page.count("data:image/png;base64,") >= 3
    assert "NotAttempted" in page  # the blank submission's failure messages are counted
    rows = [r for r in csv_path.read_text().splitlines() if not r.startswith("absent,")]
    assert rows[0].startswith("student,") and len(rows) == 3
    full = next(r for r in rows if r.startswith("full,"))
    assert full.split(",")[-1] == "100.0"
    # every graded cell has a row: its points, mean and share at full points, as grades.csv has them
    table = page.split("<h2>Parts</h2>")[1].split("</table>")[0]
    shown = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td><td>(\d+)%</td>", table)
    header, *students = [r.split(",") for r in rows]
    expected = []
    assert header[-4:] == ["late_penalty", "total", "max", "percent"]
    for k, column in enumerate(header[1:-4], start=1):
        scores = [float(r[k]) for r in students]
        expected.append((column.split("/")[1], f"{sum(scores) / len(scores):.2f}", scores))
    assert [(gid, mean) for gid, _, mean, _ in shown] == [(gid, mean) for gid, mean, _ in expected]
    source = nbformat.read(course_copy / "source" / AID / f"{NB}.ipynb", as_version=4)
    in_order = [c.metadata.nbgrader["grade_id"] for c in source.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") in {gid for gid, *_ in shown}]
    assert [gid for gid, *_ in shown] == in_order  # the notebook's order, not the alphabet's
    unanswered = re.findall(r"%</td><td>(\d+)</td>", table)
    assert len(unanswered) == len(shown) and set(unanswered) <= {"0", "1"} and "1" in unanswered
    assert "NotAttempted" not in table.split("</tr>", 1)[1]  # a part's failure shown is one of those who answered
    assert {pct for *_, pct in shown} <= {"0", "50", "100"} and "50" in {pct for *_, pct in shown}
    assert "<h2>Slowest submissions</h2>" in page and "Graded without" not in page
    assert "<td>100.0%</td>" in page and "<a href=" not in page.split("<h2>Scores</h2>")[1]

    # a protection a run could not give is named in the report, with how many it touched;
    # feedback that nbgrader wrote is linked from the student's name
    marker = course_copy / "autograded" / "blank" / AID / runner.MARKER
    data = json.loads(marker.read_text())
    data["result"]["missing_protections"] = ["no network namespace (made up for this test)"]
    marker.write_text(json.dumps(data))
    (course_copy / "feedback" / "full" / AID).mkdir(parents=True)
    page = report.write(course_copy, AID)[0].read_text()
    warning = page.split("<div class='warn'>")[1].split("</div>")[0]
    assert "no network namespace (made up for this test) (1 submission)" in warning
    assert f"<a href='../../feedback/full/{AID}/'>full</a>" in page


class _FlakyKernel:
    """A stand-in kernel: ``lose`` maps a cell's source to how many runs of it lose the kernel."""

    def __init__(self, lose: dict[str, int]):
        self.lose, self.state, self.starts = dict(lose), [], 0

    def close(self):
        self.state = []

    def start(self):
        self.starts += 1

    def run(self, source, count, timeout, limit=None):
        if self.lose.get(source, 0) > 0:
            self.lose[source] -= 1
            raise evaluate.KernelLost("lost")
        self.state.append(source)
        return []


def _bare_grader():
    grader = object.__new__(evaluate.Grader)
    grader.settings = evaluate.Settings(course_root=ROOT, db_url="sqlite://", data_dir=ROOT / "data")
    return grader


def test_a_replay_that_loses_the_kernel_once_rebuilds_every_cell_in_order():
    ran = ["import numpy as np", "x = np.arange(3)", "def f(): return x"]
    kernel, notes = _FlakyKernel({"import numpy as np": 1}), []
    _bare_grader()._restart(kernel, ran, time.monotonic() + 60, notes)
    assert kernel.state == ran and notes == [] and kernel.starts == 2


def test_a_cell_that_always_loses_the_kernel_is_left_out_and_the_rest_replayed_from_the_start():
    ran = ["import numpy as np", "import os; os._exit(1)", "def f(): return np"]
    kernel, notes = _FlakyKernel({"import os; os._exit(1)": 99}), []
    _bare_grader()._restart(kernel, ran, time.monotonic() + 60, notes)
    assert kernel.state == ["import numpy as np", "def f(): return np"]
    assert ran == kernel.state
    assert notes == ["after a restart, ordinary cell 2 lost the kernel twice while replayed "
                     "and was left out (lost)"]


def test_warm_imports_what_the_notebooks_import():
    found = runner.imported_modules("%matplotlib inline\nimport numpy as np, os.path\n"
                                    "from sklearn.neighbors import KNeighborsClassifier\n"
                                    "from . import local\ndef f():\n    import scipy.special\n")
    assert found == {"numpy", "os.path", "sklearn.neighbors", "scipy.special"}
    assert runner.imported_modules("def broken(:\n") == set()
    warmed = runner.warm(ROOT / "source" / "m03_ml_coding")
    assert "sklearn.neighbors" in warmed
    # plots are drawn in kernels and read by no test: the factory imports matplotlib,
    # the workers need not
    assert "matplotlib.pyplot" in runner.kernel_modules(ROOT / "source" / "m03_ml_coding")
    assert not [m for m in warmed if m.split(".")[0] in ("matplotlib", "matplotlib_inline")]
    # the course's own modules, relative imports too, resolved to modules
    assert runner.imported_modules("from mlinterview.exercises import m00\n") == {
        "mlinterview.exercises", "mlinterview.exercises.m00"}
    assert runner.imported_modules("from .. import checks, sql\nfrom ..datasets import f\n",
                                   "mlinterview.exercises") == {
        "mlinterview", "mlinterview.checks", "mlinterview.sql", "mlinterview.datasets"}


def test_kernels_and_workers_import_only_what_their_assignment_uses():
    """m00's factory and workers need not import scikit-learn or DuckDB (1 s of a 12 s run
    on two cores, in both), and its factory must not read m06's shop; m06's need DuckDB,
    which only the course's SQL helper imports, not the notebook."""
    m00 = set(runner.kernel_modules(ROOT / "source" / "m00_interview_method", tests=True))
    m06 = set(runner.kernel_modules(ROOT / "source" / "m06_sql_duckdb"))
    assert {"mlinterview.exercises.m00", "mlinterview.checks", "numpy", "IPython"} <= m00
    assert not {m for m in m00 if m.split(".")[0] in ("sklearn", "duckdb")}, m00
    assert not {m for m in m00 if m.startswith("mlinterview.exercises.m0") and m[-3:] != "m00"}
    assert {"mlinterview.exercises.m06", "mlinterview.sql", "duckdb"} <= m06
    assert "import duckdb" not in "".join(
        c.source for c in nbformat.read(ROOT / "source" / "m06_sql_duckdb" /
                                        "sql_joins_and_windows.ipynb", 4).cells)
    assert "duckdb" in runner.kernel_modules()  # no assignment: everything


def test_the_kernel_factory_imports_what_kernels_run_never_what_only_tests_do(tmp_path):
    """Test cells run in the grader: a module only a hidden test imports is the workers' to
    import. Lesson and answer cells run in the kernel: the factory imports theirs."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import fractions"),
        nbformat.v4.new_code_cell("def f():\n    import heapq", metadata={"nbgrader": {
            "solution": True, "grade": False, "grade_id": "a", "locked": False, "schema_version": 3}}),
        nbformat.v4.new_code_cell("import zipfile", metadata={"nbgrader": {
            "solution": False, "grade": True, "grade_id": "t", "points": 1, "locked": True,
            "schema_version": 3}})])
    nbformat.write(nb, tmp_path / "lesson.ipynb")
    kernels, workers = runner.kernel_modules(tmp_path), runner.warm(tmp_path)
    assert {"fractions", "heapq", "numpy", "mlinterview.checks"} <= set(kernels)
    assert "zipfile" not in kernels and "nbgrader.api" not in kernels
    assert {"fractions", "heapq", "zipfile", "nbgrader.api"} <= set(workers)


FORK_AFTER_OPENMP = """
import contextlib, os, signal, sys
import numpy as np
from sklearn.neighbors import KNeighborsClassifier
from mlinterview.grading import runner

rng = np.random.default_rng(0)
X, y, grid = rng.normal(size=(80, 2)), np.arange(80) % 2, rng.normal(size=(20000, 2))

def vote():  # brute-force k-NN: scikit-learn's OpenMP reduction
    KNeighborsClassifier(n_neighbors=5, algorithm="brute").fit(X, y).predict(grid)

vote()  # the grader's process has used OpenMP with 2 threads (a test run, a notebook)
guard = runner.one_thread if sys.argv[1] == "guarded" else contextlib.nullcontext
with guard():
    pid = os.fork()  # as the worker pool, and then each kernel, fork
    if pid == 0:
        signal.alarm(int(sys.argv[2]))  # a hang is killed, and shows as a failure
        vote()
        os._exit(0)
    _, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status), os.environ.get("OMP_NUM_THREADS"))
"""


@pytest.mark.parametrize("mode", ["guarded", "unguarded"])
def test_a_process_forked_after_openmp_was_used_does_not_hang(mode):
    """GNU OpenMP hangs in a child forked after the parent used its thread pool: this once
    cost a restarted m03 kernel its k-NN plot cell (the worker had run scikit-learn's k-NN
    reference before forking it). The unguarded run shows the hazard is real here."""
    env = {**os.environ, "OMP_NUM_THREADS": "2"}
    alarm = "60" if mode == "guarded" else "3"
    run = subprocess.run([sys.executable, "-c", FORK_AFTER_OPENMP, mode, alarm], env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    code, threads = run.stdout.split()
    assert threads == "2"  # the caller's own setting is put back afterwards
    if mode == "unguarded" and code == "0":
        pytest.skip("this machine's OpenMP survives a fork: the guard is not needed here")
    # the child finishes under the guard, and hangs until its alarm (SIGALRM) without it
    assert code == ("0" if mode == "guarded" else f"-{signal.SIGALRM}")


CELL_ON_A_SHARED_CPU = """
import os, signal, sys, time
from mlinterview import checks
from mlinterview.grading import evaluate, sandbox

os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # this process, the kernel and
rivals = []                                               # two rivals share one CPU, each
for _ in range(2):                                        # in a session of its own, as other
    rivals.append(os.fork())                              # students' kernels are (the kernel
    if rivals[-1] == 0:                                   # has a control group: the scheduler
        os.setsid()                                       # shares the CPU between groups)
        signal.alarm(120)
        while True:
            pass
if sys.argv[1] == "wall":
    checks._BUDGET_WAIT_CAP = 1  # forgive nothing: the cell limit as stock's, wall time
root = evaluate.Path(sys.argv[2])
settings = evaluate.Settings(course_root=root, db_url="sqlite://", data_dir=root / "data")
grader = evaluate.Grader(settings, sandbox.FIRST_UID + 90)
kernel = evaluate.Kernel(settings, {}, grader.uid, grader.kernels, grader.plan,
                         grader.private_mounts)
try:
    kernel.start()
    start = time.monotonic()
    outputs = kernel.run("import time\\nt = time.process_time()\\n"
                         "while time.process_time() - t < 0.6:\\n    pass\\nprint('done')", 1, 1.0)
    wall = time.monotonic() - start
finally:
    kernel.remove()
    for rival in rivals:
        os.kill(rival, signal.SIGKILL)
errors = [o["evalue"] for o in outputs if o["output_type"] == "error"]
texts = [o.get("text", "") for o in outputs if o["output_type"] == "stream"]
print(repr((round(wall, 2), errors, texts)))
"""


@pytest.mark.parametrize("mode", ["forgiving", "wall"])
def test_a_cell_limit_does_not_count_waits_for_a_cpu_other_kernels_keep_busy(mode):
    """A cell needing 0.6 s of CPU under a 1 s limit, on a CPU it shares with busy rivals
    (as when workers outnumber cores): it takes about 1.8 s of wall time. The cell limit
    forgives the time the kernel waited for the CPU (as budgets do), so it finishes;
    counting wall time alone, as stock nbgrader does, it is interrupted."""
    if not os.path.exists("/proc/thread-self/schedstat"):
        pytest.skip("no run-queue figures on this machine: limits are wall time")
    run = subprocess.run([sys.executable, "-c", CELL_ON_A_SHARED_CPU, mode, str(ROOT)],
                         capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    wall, errors, texts = ast.literal_eval(run.stdout.strip().splitlines()[-1])
    assert wall > 1.0, "the rival did not share the CPU: the test shows nothing"
    if mode == "forgiving":
        assert errors == [] and texts == ["done\n"]
    else:
        assert texts == [] and "longer than 1 s" in errors[-1]


KERNEL_CPU = """
import sys
from mlinterview.grading import evaluate, sandbox

root = evaluate.Path(sys.argv[1])
settings = evaluate.Settings(course_root=root, db_url="sqlite://", data_dir=root / "data")
grader = evaluate.Grader(settings, sandbox.FIRST_UID + 92)
spin = ("import os, time\\n"
        "def spin(s):\\n    t = time.process_time()\\n"
        "    while time.process_time() - t < s:\\n        pass\\n"
        "pid = os.fork()\\n"
        "if pid == 0:\\n    spin(0.4)\\n    os._exit(0)\\n"
        "spin(0.3)\\nos.waitpid(pid, 0)\\n")
used = {}
for name, cell in (("spins", spin), ("sleeps", "import time\\ntime.sleep(0.7)")):
    kernel = evaluate.Kernel(settings, {}, grader.uid, grader.kernels, grader.plan,
                             grader.private_mounts)
    try:
        kernel.start()
        kernel.run(cell, 1, 30.0)
    finally:
        kernel.remove()
    used[name] = round(kernel.cpu, 3)
print(repr(used))
"""


def test_a_kernels_cpu_is_reported_with_that_of_the_processes_it_started():
    """The middle reports the CPU its kernel used, the kernel's children included: what a
    submission's result records as the learner's code's share (``kernel_cpu``)."""
    run = subprocess.run([sys.executable, "-c", KERNEL_CPU, str(ROOT)],
                         capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    used = ast.literal_eval(run.stdout.strip().splitlines()[-1])
    assert 0.65 <= used["spins"] < 5, used  # its own 0.3 s and its child's 0.4 s
    assert used["sleeps"] < 0.3, used


KERNEL_OF_FORKS = """
import os, sys
from mlinterview.grading import evaluate, sandbox

root = evaluate.Path(sys.argv[2])
limits = sandbox.Limits(kernel_memory_mb=int(sys.argv[1]))
settings = evaluate.Settings(course_root=root, db_url="sqlite://", data_dir=root / "data",
                             limits=limits)
grader = evaluate.Grader(settings, sandbox.FIRST_UID + 91)
kernel = evaluate.Kernel(settings, {}, grader.uid, grader.kernels, grader.plan,
                         grader.private_mounts)
cell = '''
import os, time
kids = []
for _ in range(5):  # 250 MB each: far under the per-process limit, 1.25 GB together
    pid = os.fork()
    if pid == 0:
        try:
            blob = bytearray(250_000_000)
            time.sleep(1)
        finally:
            os._exit(0)
    kids.append(pid)
print(sorted(os.waitstatus_to_exitcode(os.waitpid(p, 0)[1]) for p in kids))
'''
try:
    kernel.start()
    group = dict(kernel.group.folders) if kernel.group else {}
    lines = open(f"/proc/{kernel.pid}/cgroup").read().splitlines()
    inside = sorted(c for c, f in group.items()
                    if any(line.endswith("/" + os.path.basename(f)) for line in lines))
    outputs = kernel.run(cell, 1, 60.0)
    peak = kernel.group.peak_bytes() if kernel.group else None
finally:
    kernel.remove()
left = [f for f in group.values() if os.path.exists(f)]
texts = [o.get("text", "") for o in outputs if o["output_type"] == "stream"]
print(repr((texts, inside, peak, left)))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="control groups are made as root here")
@pytest.mark.parametrize("limit_mb", [700, 0])
def test_a_kernels_processes_share_one_memory_limit(limit_mb):
    """Five children of a kernel take 250 MB each: under the per-process limit (2 GB), which
    a fork bomb multiplies by 64 (once the whole machine's memory, and every other student's
    time with it). In the kernel's control group they share one limit (700 MB): past it the
    largest are killed, and the group never held more. With no group (0), all five live."""

    group, why = sandbox.KernelGroup.make(sandbox.Limits())
    if group is None:
        pytest.skip(f"this machine gives no control group: {why}")
    group.remove()
    run = subprocess.run([sys.executable, "-c", KERNEL_OF_FORKS, str(limit_mb), str(ROOT)],
                         capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    texts, inside, peak, left = ast.literal_eval(run.stdout.strip().splitlines()[-1])
    statuses = ast.literal_eval(texts[0])
    assert left == [], "a group outlived its kernel"
    if limit_mb:
        assert "memory" in inside and set(inside) <= {"cpu", "memory"}, inside
        assert statuses.count(-signal.SIGKILL) >= 2 and set(statuses) <= {0, -signal.SIGKILL}
        assert peak is not None and peak <= limit_mb * 1024 * 1024
    else:
        assert statuses == [0] * 5 and inside == []


def test_kernel_groups_are_made_where_each_kind_of_hierarchy_allows(tmp_path):
    """Where the grader makes kernels' groups, read from /proc/self/mountinfo and
    /proc/self/cgroup: version 1's memory and cpu hierarchies at this process's own group;
    version 2's at the group that hands the memory controller down (the grader's own, at
    the root; else its parent, since a group with processes in it hands nothing down)."""

    v1 = ("30 25 0:26 / /sys/fs/cgroup/memory rw shared:9 - cgroup cgroup rw,memory\n"
          "31 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
          "32 25 0:28 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n")
    own = "5:memory:/job/7\n4:cpu,cpuacct:/\n3:pids:/job/7\n0::/\n"
    assert sandbox._cgroup_places(v1, own) == {"memory": "/sys/fs/cgroup/memory/job/7",
                                               "cpu": "/sys/fs/cgroup/cpu,cpuacct"}
    unified = tmp_path / "unified"
    (unified / "grader.slice" / "session.scope").mkdir(parents=True)
    (unified / "cgroup.subtree_control").write_text("cpu memory pids\n")
    (unified / "grader.slice" / "cgroup.subtree_control").write_text("memory pids\n")
    (unified / "grader.slice" / "session.scope" / "cgroup.subtree_control").write_text("\n")
    v2 = f"40 25 0:30 / {unified} rw - cgroup2 cgroup2 rw\n"
    assert sandbox._cgroup_places(v2, "0::/grader.slice/session.scope\n") == \
        {"memory": str(unified / "grader.slice")}  # beside the grader; no cpu handed down
    assert sandbox._cgroup_places(v2, "0::/\n") == {"memory": str(unified), "cpu": str(unified)}
    (unified / "grader.slice" / "cgroup.subtree_control").write_text("pids\n")
    assert sandbox._cgroup_places(v2, "0::/grader.slice/session.scope\n") == {}
    # a mount that shows only part of the tree (a container's): paths are taken from its root
    inner = f"41 25 0:31 /job {tmp_path / 'mem'} rw - cgroup cgroup rw,memory\n"
    assert sandbox._cgroup_places(inner, "5:memory:/job/7\n") == {"memory": str(tmp_path / "mem" / "7")}
    assert sandbox._cgroup_places(inner, "5:memory:/other\n") == {}


def test_a_dask_cluster_grades_as_the_local_workers_do(course_copy):
    """``--scheduler``: the same submissions graded on a Dask cluster's workers (a local one
    here; a scheduler's address for several machines) score exactly as on this machine's own
    workers, a crash in the student's code still costs only its parts, and nothing is left
    running. Only this process wrote the gradebook."""
    pytest.importorskip("distributed")
    _generate(course_copy)
    fixtures = ROOT / "tests" / "fixtures" / AID / NB
    cohort = {"reference": submissions.fixture_submission(ROOT, AID, NB, None, "solution"),
              "blank": submissions.fixture_submission(ROOT, AID, NB, None, "blank")}
    for name in ("partial", "overwrites_first_index", "nested_loops_i_outside"):
        cohort[name] = submissions.fixture_submission(
            ROOT, AID, NB, submissions.load_fixture(fixtures / f"{name}.py"))
    kills = submissions.load_fixture(HOSTILE / AID / NB / "kills_kernel.py")
    cohort["kills_kernel"] = submissions.fixture_submission(ROOT, AID, NB, kills)
    _hand_in(course_copy, cohort)
    here = runner.grade(course_copy, AID, workers=2, cell_timeout=8)  # its endless loop: 8 s
    assert sorted(here.graded) == sorted(cohort), here.problems
    expected = _scores(course_copy)
    shutil.rmtree(course_copy / "autograded")  # no markers: everything is graded again
    before = _tree_digest(course_copy / "submitted")
    on_dask = runner.grade(course_copy, AID, workers=2, cell_timeout=8, scheduler="local")
    assert sorted(on_dask.graded) == sorted(cohort), on_dask.problems
    # each worker was probed: the same machine, so the same findings, once per worker
    assert sorted(m.split(": ", 1)[1] for m in on_dask.missing_protections) == \
        sorted(here.missing_protections * 2)
    assert _scores(course_copy) == expected
    assert len({s for s, cells in expected.items() if sum(cells.values()) > 0}) >= 4  # not all blank
    assert _tree_digest(course_copy / "submitted") == before
    assert _sandbox_processes() == []


def test_a_dask_worker_without_the_course_says_so_and_ids_are_never_shared(tmp_path):
    """A Dask worker on a machine that lacks the course answers with a clear error, not a
    crash; processes grading side by side on one machine never hold the same sandbox user
    id (it would let one student's kernel signal another's)."""
    from mlinterview.grading import evaluate

    settings = evaluate.Settings(course_root=tmp_path / "elsewhere", db_url="sqlite://",
                                 data_dir=tmp_path / "elsewhere" / "data")
    answer = runner._dask_job(settings, "ann", AID, [NB], {})
    assert answer["student"] == "ann" and "has no" in answer["error"] \
        and "same path" in answer["error"]
    r, w = os.pipe()
    kids = []
    for _ in range(3):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.write(w, f"{runner._claim_uid()}\n".encode())
            time.sleep(1)  # holding its id while the others claim theirs
            os._exit(0)
        kids.append(pid)
    os.close(w)
    for pid in kids:
        os.waitpid(pid, 0)
    with os.fdopen(r) as fh:
        uids = [int(line) for line in fh.read().split()]
    assert len(uids) == 3 and len(set(uids)) == 3


DASK_JOB_THAT_DIES = """
import json, os, sys
from mlinterview.grading import evaluate, runner

root = evaluate.Path(sys.argv[1])
settings, _ = runner.settings_for(root)

def grade(self, student, *args):
    if student == "dies":
        os._exit(3)
    return {"student": student, "notebooks": [], "problems": [], "uid": self.uid}

evaluate.Grader.grade = grade
answers = [runner._dask_job(settings, s, sys.argv[2], [], {}) for s in ("ann", "dies", "bob")]
print(json.dumps(answers))
"""


def test_a_dask_jobs_process_that_dies_costs_only_that_submission(course_copy):
    """On a Dask worker each submission is graded in a process forked for it: when that
    process dies (a crash in the grader's own code), its submission is reported not
    graded, and the worker goes on to the next."""
    run = subprocess.run([sys.executable, "-c", DASK_JOB_THAT_DIES, str(course_copy), AID],
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    ann, dies, bob = json.loads(run.stdout.strip().splitlines()[-1])
    assert ann["student"] == "ann" and bob["student"] == "bob" and "error" not in bob
    first = evaluate.sandbox.FIRST_UID + runner.DASK_UID_BASE  # clear of the local workers' ids
    assert ann["uid"] > first and bob["uid"] > first
    assert dies["student"] == "dies" and "died while grading it" in dies["error"] \
        and "exit status 3" in dies["error"]


def test_a_worker_that_dies_or_hangs_costs_only_its_own_submission(course_copy, monkeypatch, capfd):
    """The grader's own code failing where no cell limit reaches (a crash, a hang in C):
    the pool it breaks is rebuilt, the others in it are graded again, and only the cause
    is reported, with the worker's traceback on the terminal. Nothing waits forever."""
    _generate(course_copy)
    good = submissions.fixture_submission(ROOT, AID, NB, None, "solution")
    cohort = dict.fromkeys(["ann", "bob", "dies", "hangs", "kim", "lee"], good)
    _hand_in(course_copy, cohort)
    real = evaluate.Grader.grade

    def grade(self, student, *args):  # runs in the forked workers, which inherit the patch
        if student == "dies":
            os._exit(3)
        if student == "hangs":
            signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals())
            time.sleep(3600)
        return real(self, student, *args)

    monkeypatch.setattr(evaluate.Grader, "grade", grade)
    monkeypatch.setattr(runner, "patience", lambda settings: 12.0)
    summary = runner.grade(course_copy, AID, workers=2)
    assert sorted(summary.graded) == ["ann", "bob", "kim", "lee"]
    assert sorted(summary.problems) == ["dies", "hangs"]
    assert all(p[0].startswith("not graded: the grader's worker died") and "12 s" in p[0]
               for p in summary.problems.values()) and len(summary.problems["hangs"]) == 1
    full_marks = sum(_points(course_copy).values())
    assert {s: sum(v.values()) for s, v in _scores(course_copy).items()} == \
        dict.fromkeys(["ann", "bob", "kim", "lee"], full_marks)
    assert "Timeout" in capfd.readouterr().err  # faulthandler's dump: where the worker hung
    assert not (course_copy / "autograded" / "hangs" / AID / runner.MARKER).exists()
    assert _sandbox_processes() == []


def _timing_cell(root: Path, student: str):
    nb = nbformat.read(root / "autograded" / student / AID / f"{NB}.ipynb", as_version=4)
    return next(c for c in nb.cells if c.cell_type == "code" and "timings = {" in c.source)


@pytest.mark.parametrize("plan", ["proved", "every tagged cell left out"])
def test_a_lesson_plot_is_left_out_only_where_nothing_reads_it(course_copy, monkeypatch, plan):
    """The timing plot is tagged skip-when-grading. The reference answers read nothing it
    binds: it is not run, and scores are full. A learner whose answer reads the measured
    ``timings`` gets it run and keeps full marks; a grader that left it out anyway (the
    second case) would cost that learner the complexity parts: the fixture can fail."""
    from mlinterview import cellflow

    if plan != "proved":
        monkeypatch.setattr(cellflow, "plan", lambda sources, tagged, authored: cellflow.Plan(
            skip={i for i, s in enumerate(sources) if s in set(tagged)}))
    fixture = next(fx for fx in submissions.load_fixtures(ROOT, AID, NB)
                   if fx.name == "reads_the_timing_plot")
    _generate(course_copy)
    _hand_in(course_copy, {"reference": submissions.fixture_submission(ROOT, AID, NB, None),
                           "reads_timings": submissions.fixture_submission(ROOT, AID, NB, fixture)})
    runner.grade(course_copy, AID, workers=2)
    scores, points = _scores(course_copy), _points(course_copy)
    assert scores["reference"] == points
    assert _timing_cell(course_copy, "reference").outputs[0].text == evaluate.SKIPPED_NOTE
    timing = _timing_cell(course_copy, "reads_timings")
    if plan == "proved":
        assert scores["reads_timings"] == points
        assert timing.execution_count and any(o.output_type == "display_data" for o in timing.outputs)
    else:
        assert timing.outputs[0].text == evaluate.SKIPPED_NOTE
        assert {k for k, v in scores["reads_timings"].items() if v < points[k]} == \
            {"complexity_well_formed", "complexity_correct"}


def test_an_unreadable_source_notebook_leaves_no_lesson_cell_out(tmp_path):
    """The grader reads which cells are lesson illustrations from source/; a source notebook
    it cannot read leaves none out (every cell runs, as under stock), a readable one does."""
    import types as _types

    folder = tmp_path / "source" / AID
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "source" / AID / f"{NB}.ipynb", folder / f"{NB}.ipynb")
    (folder / "broken.ipynb").write_text('{"cells": [', encoding="utf-8")
    grader = _types.SimpleNamespace(settings=_types.SimpleNamespace(course_root=tmp_path), _lessons={})
    tagged, authored = evaluate.Grader._lesson(grader, AID, NB)
    assert tagged and tagged < authored  # the timing plot, among the author's cells
    assert evaluate.Grader._lesson(grader, AID, "broken") == (frozenset(), frozenset())


def test_a_course_whose_solution_loses_points_here_records_nothing(course_copy):
    """A data file the hidden tests read is missing on this machine. The course's own
    solution, graded first, loses points, so every student would lose the same: the run
    stops, naming the parts and the file, and records nothing (no gradebook row, no
    autograded/ folder; submitted/ untouched). With the check skipped, the honest student
    is graded and loses exactly what the solution lost: the check is not crying wolf."""
    aid, nb = "m06_sql_duckdb", "sql_joins_and_windows"
    shutil.copytree(ROOT / "data", course_copy / "data")  # the course's own data/, used
    (course_copy / "data" / "m06_shop" / "orders.csv").unlink()
    made = stock.nbgrader(course_copy, "generate_assignment", aid, "--force")
    assert made.returncode == 0, made.stderr[-2000:]
    for student, base in (("honest", "solution"), ("blank", "blank")):
        folder = course_copy / "submitted" / student / aid
        folder.mkdir(parents=True)
        nbformat.write(submissions.fixture_submission(ROOT, aid, nb, None, base),
                       folder / f"{nb}.ipynb")
    before = _tree_digest(course_copy / "submitted")
    db = f"sqlite:///{course_copy / 'gradebook.db'}"

    with pytest.raises(runner.SolutionFails) as stop:
        runner.grade(course_copy, aid, workers=2, out=io.StringIO())
    message = str(stop.value)
    points = float(re.search(r"loses (\d+) of \d+ points", message).group(1))
    named = re.findall(rf"{nb}/(\w+)", message)
    assert message.count("orders.csv") == 1, message  # one reason, said once for its parts
    assert "Nothing was recorded" in message and "--skip-solution-check" in message
    assert stock.read_grades(db, aid) == []
    assert not list((course_copy / "autograded").glob(f"*/{aid}"))
    assert _tree_digest(course_copy / "submitted") == before

    summary = runner.grade(course_copy, aid, workers=2, check_solution=False, out=io.StringIO())
    assert sorted(summary.graded) == ["blank", "honest"] and summary.solution_points is None
    honest = [g for g in stock.read_grades(db, aid) if g.student == "honest"]
    assert set(named) <= {g.grade_id for g in honest if g.score < g.max_score}
    assert sum(g.max_score - g.score for g in honest) == points > 0
    assert _tree_digest(course_copy / "submitted") == before


def test_the_solution_is_graded_first_and_its_score_reported(course_copy):
    """On an intact course the solution scores full marks; the students are recorded as
    before, and the solution itself is never a student of the gradebook."""
    _generate(course_copy)
    _hand_in(course_copy, {"ann": submissions.fixture_submission(ROOT, AID, NB, None)})
    out = io.StringIO()
    summary = runner.grade(course_copy, AID, workers=1, out=out)
    assert summary.solution_points == sum(_points(course_copy).values())
    assert summary.graded == ["ann"]
    assert {g.student for g in stock.read_grades(f"sqlite:///{course_copy / 'gradebook.db'}", AID)} \
        == {"ann"}
    assert runner.SOLUTION in out.getvalue()  # on the progress line


_SHELL_STATE = r"""
import json, sys
from mlinterview.grading import kernel
shell = kernel.Shell()
if sys.argv[1] == "warm":
    shell.warm_up()
probe = ("import sys\n_seen = (sorted(globals()), [n for n in ('last_type', 'last_value', "
         "'last_traceback', 'last_exc') if hasattr(sys, n)], get_ipython().execution_count)\n"
         "print(_seen)")
print(json.dumps({"state": shell.run(probe, 3)[0]["text"],
                  "error": shell.run("def f():\n    raise ValueError('x')\nf()", 4)}))
"""


def test_a_warmed_up_shell_looks_fresh_to_the_learner():
    """Every kernel forks from a shell that has shown an error and a table (Shell.warm_up):
    a fresh kernel's first error then costs it no time. What a learner's cell can see (its
    globals, sys.last_*, the execution count) and the error it is shown must be exactly
    those of a shell that never warmed up."""
    seen = {}
    for mode in ("fresh", "warm"):
        done = subprocess.run([sys.executable, "-c", _SHELL_STATE, mode], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        seen[mode] = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["warm"] == seen["fresh"]
    assert "_f" not in seen["warm"]["state"] and "ValueError" in str(seen["warm"]["error"])


def test_a_solution_that_cannot_be_graded_stops_the_run_too(course_copy, monkeypatch):
    """The grader dies on the course's solution (twice: it is tried again alone). Then
    nothing says the course works here: the run stops with that reason, recording nothing."""
    _generate(course_copy)
    _hand_in(course_copy, {"ann": submissions.fixture_submission(ROOT, AID, NB, None)})
    real = evaluate.Grader.grade

    def grade(self, student, *args):  # runs in the forked workers, which inherit the patch
        if student == runner.SOLUTION:
            os._exit(3)
        return real(self, student, *args)

    monkeypatch.setattr(evaluate.Grader, "grade", grade)
    with pytest.raises(runner.SolutionFails, match="could not be graded here: the grader's worker died"):
        runner.grade(course_copy, AID, workers=2, out=io.StringIO())
    assert stock.read_grades(f"sqlite:///{course_copy / 'gradebook.db'}", AID) == []
    assert not (course_copy / "autograded" / "ann").exists()


_MEMORY_PROBE = '''
def _count_in_my_memory(needles):
    """How often each needle (two halves: the whole never exists here but where it was
    put) is in this process's memory not backed by a file (heap, stack, anonymous maps),
    read in place, and how many bytes were read."""
    import ctypes

    found, read = {key: 0 for key in needles}, 0
    longest = max(len(a) + len(b) for a, b in needles.values())
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps.read().splitlines()]
    for fields in regions:
        name = fields[5] if len(fields) > 5 else ""
        if not fields[1].startswith("rw") or name not in ("", "[heap]", "[stack]"):
            continue
        low, high = (int(x, 16) for x in fields[0].split("-"))
        at = low
        while at < high:
            size = min(high - at, 1 << 24)
            chunk = ctypes.string_at(at, min(size + longest, high - at))
            read += size
            for key, (a, b) in needles.items():
                i = chunk.find(a)
                while 0 <= i < size:
                    found[key] += chunk[i + len(a):i + len(a) + len(b)] == b
                    i = chunk.find(a, i + 1)
            del chunk
            at += size
    return found, read


print("MEMORY", _count_in_my_memory(NEEDLES))
'''


def _needle(text: str) -> tuple[bytes, bytes]:
    data = text.encode()
    return data[:len(data) // 2], data[len(data) // 2:]


def test_a_kernel_holds_nothing_its_grader_has_seen(course_copy, monkeypatch):
    """A kernel forked from a grading worker held a copy of the worker's memory: the hidden
    tests and the solution it had run, the students it had graded, the instructor's
    environment; a learner's cell could read them all and print them into its own feedback.
    Kernels are born in a factory started afresh (``grading.factory``). A probe student,
    graded after the course's solution and another student by the same worker, searches
    every readable byte of its own memory: it must find its own text (the search works)
    and none of the others'."""
    _generate(course_copy)
    source = (course_copy / "source" / AID / f"{NB}.ipynb").read_text()
    release = (course_copy / "release" / AID / f"{NB}.ipynb").read_text()
    package = "".join(p.read_text() for p in (ROOT / "src" / "mlinterview").rglob("*.py"))

    def secret_line(begin: str, end: str) -> str:
        """The longest line between the markers that only the grader ever holds."""
        cells = [c.source for c in nbformat.reads(source, 4).cells if begin in c.source]
        lines = [line.strip() for text in cells
                 for line in text.split(begin, 1)[1].split(end, 1)[0].splitlines()]
        line = max((t for t in lines if t not in release and t not in package), key=len)
        assert len(line) > 30, line
        return line

    hidden = secret_line("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")
    solution = secret_line("### BEGIN SOLUTION", "### END SOLUTION")
    token = os.urandom(8).hex()
    other = f"# another student's answer {token[:8]}-{token[8:]}"
    monkeypatch.setenv("MLINTERVIEW_TEST_INSTRUCTORS_SECRET", f"canary-{token[::-1]}")
    needles = {"own text": _needle(f"my own probe {token[::-1]}"), "hidden test": _needle(hidden),
               "solution": _needle(solution), "another student": _needle(other),
               "instructor's environment": _needle(f"canary-{token[::-1]}")}

    def answered(first_answer: str) -> nbformat.NotebookNode:  # a blank: no solution in it
        nb = submissions.fixture_submission(ROOT, AID, NB, None, "blank")
        cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
        cell.source = first_answer + "\n" + cell.source
        return nb

    probe = (f"# my own probe {token[::-1]}\nNEEDLES = {needles!r}\n" + _MEMORY_PROBE)
    _hand_in(course_copy, {"aa_other": answered(other), "zz_probe": answered(probe)})
    summary = runner.grade(course_copy, AID, workers=1, out=io.StringIO())
    assert sorted(summary.graded) == ["aa_other", "zz_probe"], summary.problems
    graded = nbformat.read(course_copy / "autograded" / "zz_probe" / AID / f"{NB}.ipynb", 4)
    said = [o.get("text", "") + o.get("evalue", "") for c in graded.cells
            for o in c.get("outputs", []) if "MEMORY" in o.get("text", "") or "Error" in o.get("ename", "")]
    line = next((s for s in said if s.startswith("MEMORY")), None)
    assert line is not None, said
    found, read = ast.literal_eval(line.removeprefix("MEMORY").strip())
    assert read > 50_000_000, f"only {read} bytes read: the search shows nothing"
    assert found.pop("own text") >= 1, "the probe cannot find its own text: the search is broken"
    assert found == dict.fromkeys(found, 0)


def test_the_kernel_factory_forks_from_one_thread_and_its_kernels_work(capfd):
    """The factory forks every kernel, so it must hold no thread but its own (a thread's
    lock held at the fork stays held in the child forever). Its warm-up runs a DuckDB
    query and reads the shipped data, which start threads that must be gone; and its
    kernels still run DuckDB and read the data. It ends quietly: an interpreter teardown
    with DuckDB's objects alive printed about 60 lines of the bindings' leak report on
    the instructor's terminal after every run."""
    from mlinterview.grading import factory, sandbox

    settings = evaluate.Settings(course_root=ROOT, db_url="sqlite://", data_dir=ROOT / "data")
    kernels = factory.KernelFactory.start(
        runner.kernel_modules(ROOT / "source" / "m06_sql_duckdb"), settings.data_dir)
    kernel = evaluate.Kernel(settings, {}, sandbox.FIRST_UID + 93, kernels,
                             sandbox.default_plan(ROOT, settings.data_dir))
    try:
        kernel.start()  # answered once the factory has warmed up and waits for requests
        threads = len(os.listdir(f"/proc/{kernels.proc.pid}/task"))
        outputs = kernel.run("from mlinterview import sql\nfrom mlinterview.exercises import m06\n"
                             "print(sql.run('SELECT count(*) AS n FROM orders', m06.load_shop()).n[0])",
                             1, 60.0)
    finally:
        kernel.remove()
        kernels.close()
    assert threads == 1
    import pandas as pd

    expected = len(pd.read_csv(ROOT / "data" / "m06_shop" / "orders.csv"))
    assert [o.get("text") for o in outputs] == [f"{expected}\n"], outputs
    assert kernels.proc.returncode == 0  # it ended when its control socket was closed
    said = capfd.readouterr().err
    assert "leaked" not in said, said[-2000:]


def test_a_dask_worker_keeps_one_grader_per_assignment(monkeypatch):
    """A Dask worker's grader is warm for the assignment it was made for: its factory imports
    that assignment's modules (``runner.kernel_modules``). The next job of the same
    assignment reuses it; a job of another makes a new one and ends the old factory."""
    from mlinterview.grading import factory

    made, closed = [], []

    class FakeFactory:
        def close(self):
            closed.append(self)

    class FakeGrader:
        def __init__(self, settings, uid, kernels):
            self.settings, self.kernels = settings, kernels
            made.append(self)

    monkeypatch.setattr(evaluate, "Grader", FakeGrader)
    monkeypatch.setattr(factory.KernelFactory, "start",
                        staticmethod(lambda modules, data_dir: FakeFactory()))
    monkeypatch.setattr(runner, "kernel_modules", lambda source: [source.name])
    monkeypatch.setattr(runner, "warm", lambda source: [])
    monkeypatch.setattr(runner, "_DASK_GRADER", None)
    monkeypatch.setattr(runner, "THREAD_VARS", ())
    monkeypatch.setattr("threadpoolctl.threadpool_limits", lambda n: None)
    settings = evaluate.Settings(course_root=ROOT, db_url="sqlite://")
    first = runner._dask_grader(settings, "m00_interview_method")
    assert runner._dask_grader(settings, "m00_interview_method") is first
    other = runner._dask_grader(settings, "m06_sql_duckdb")
    assert other is not first and made == [first, other] and closed == [first.kernels]


def test_report_tells_apart_two_notebooks_parts_of_one_name(tmp_path, monkeypatch):
    """nbgrader lets two notebooks of an assignment use one grade id: the report names and
    counts each notebook's part apart."""
    from mlinterview.grading import report

    grades = [stock.Grade(s, nb, "q1", 0.0 if (s, nb) in {("s1", "a"), ("s2", "b")} else 1.0, 1.0)
              for s in ("s1", "s2") for nb in ("a", "b")]
    results = {"s1": {"seconds": 1.0, "notebooks": [
                   {"name": "a", "failures": {"q1": "CheckFailed: wrong in a"}},
                   {"name": "b", "failures": {}}]},
               "s2": {"seconds": 2.0, "notebooks": [
                   {"name": "a", "failures": {}},
                   {"name": "b", "failures": {"q1": "CheckFailed: wrong in b"}}]}}
    monkeypatch.setattr(report, "collect", lambda root, aid, db_url=None: (grades, {}, results))
    page = report.write(tmp_path, "two")[0].read_text()
    table = page.split("<h2>Parts</h2>")[1].split("</table>")[0]
    assert "<td>a/q1</td>" in table and "<td>b/q1</td>" in table
    row_a = table.split("<td>a/q1</td>")[1].split("</tr>")[0]
    row_b = table.split("<td>b/q1</td>")[1].split("</tr>")[0]
    assert "wrong in a (1)" in row_a and "wrong in b" not in row_a
    assert "wrong in b (1)" in row_b and "wrong in a" not in row_b
    scores = page.split("<h2>Scores</h2>")[1]
    assert "<td>s1</td><td>1/2</td><td>50.0%</td><td>a/q1</td>" in scores
