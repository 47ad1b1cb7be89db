"""`make demo`, the main job, on a scratch copy of the course: graded by `mlinterview grade`
(a hostile student too) and reported, or by stock nbgrader with `--stock`."""

from __future__ import annotations

import csv
import io
import shutil

import nbformat
import pytest
from conftest import ROOT

from mlinterview import course, demo, stock, submissions

AID, NB = "m00_interview_method", "interview_method"


def _demo_copy(tmp_path):
    for name in ("nbgrader_config.py",):
        shutil.copy2(ROOT / name, tmp_path / name)
    for folder in ("notebooks", "source", "release", "data", "tests"):
        if (ROOT / folder).exists():
            shutil.copytree(ROOT / folder, tmp_path / folder,
                            ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _points(root, aid, nb):
    source = course.read_ipynb(root / "source" / aid / f"{nb}.ipynb", root)
    return {course._grade_meta(c)["grade_id"]: course._points(c)
            for c in source.cells if course._is_test(c)}


@pytest.mark.nbgrader
def test_demo_grades_the_cohort_with_the_course_grader_and_writes_the_report(tmp_path, monkeypatch):
    from mlinterview.grading import sandbox

    root = _demo_copy(tmp_path)
    # what a machine without namespaces says (the sandbox itself is unchanged): said once
    missing = ["no network namespace (fake): student code can use the network",
               "not root (fake): kernels run as the instructor's user"]
    monkeypatch.setattr(sandbox, "probe", lambda limits=None: list(missing))
    out = io.StringIO()
    code = demo.run(root, [AID], out=out, workers=2)
    text = out.getvalue()
    assert code == 0, text
    assert f"$ mlinterview grade {AID}" in text and "nbgrader autograde" not in text
    assert "demo_full: 12/12 as expected" in text
    assert "demo_partial: 9/12 as expected" in text
    assert "demo_blank: 0/12 as expected" in text
    assert "demo_hostile: 0/12 as expected" in text
    assert "student" in text and "Part 1 (3)" in text  # the per-part table
    for line in missing:
        assert text.count(f"SANDBOX PROTECTION MISSING: {line}") == 1, text
    assert "\r" not in text  # off a terminal, only the progress bar's last state

    # the hostile student gains nothing: not one cell, in the gradebook itself
    grades = stock.read_grades(f"sqlite:///{root / 'gradebook.db'}", AID)
    hostile = [g for g in grades if g.student == demo.HOSTILE]
    assert len(hostile) == len(_points(root, AID, NB)) and all(g.score == 0 for g in hostile)

    # the report: where the demo said, with every demo student's total
    index, csv_path = root / "reports" / AID / "index.html", root / "reports" / AID / "grades.csv"
    assert f"report: reports/{AID}/index.html, reports/{AID}/grades.csv" in text
    assert "data:image/png;base64," in index.read_text()
    rows = {r["student"]: r for r in csv.DictReader(csv_path.open())}
    assert {s: float(rows[s]["total"]) for s in rows} == {
        "demo_full": 12, "demo_partial": 9, "demo_blank": 0, "demo_hostile": 0}

    # the generic hostile answer (for notebooks with no hostile fixture) gains nothing either,
    # and from inside the sandbox finds no solutions and no network
    tests = list(_points(root, AID, NB))
    source = course.read_ipynb(root / "source" / AID / f"{NB}.ipynb", root)
    first = next(iter(submissions.answer_sources(source)))
    fx = demo.hostile_fixture(root, AID, NB, tests, first, fixtures=False)
    assert fx.answers == {first: demo.HOSTILE_ANSWER} and fx.loses == tests
    folder = root / "submitted" / "generic_hostile" / AID
    folder.mkdir(parents=True)
    nbformat.write(submissions.fixture_submission(root, AID, NB, fx), folder / f"{NB}.ipynb")
    from mlinterview.grading import runner

    summary = runner.grade(root, AID, workers=1, students=["generic_hostile"], out=io.StringIO())
    assert summary.graded == ["generic_hostile"], summary.problems
    grades = stock.read_grades(f"sqlite:///{root / 'gradebook.db'}", AID)
    assert sorted(g.score for g in grades if g.student == "generic_hostile") == [0] * len(tests)
    graded = nbformat.read(root / "autograded" / "generic_hostile" / AID / f"{NB}.ipynb", 4)
    printed = "".join(o.get("text", "") for c in graded.cells if c.cell_type == "code"
                      for o in c.outputs if o.output_type == "stream")
    assert "solutions read: [] network: False" in printed, printed[:500]


@pytest.mark.nbgrader
def test_demo_stock_grades_with_nbgrader_autograde(tmp_path):
    root = _demo_copy(tmp_path)
    out = io.StringIO()
    code = demo.run(root, [AID], out=out, use_stock=True)
    text = out.getvalue()
    assert code == 0, text
    assert f"$ nbgrader autograde {AID} --force" in text
    assert "demo_full: 12/12 as expected" in text
    assert "demo_partial: 9/12 as expected" in text
    assert "demo_blank: 0/12 as expected" in text
    # stock runs learners' code unsandboxed: no hostile student handed in, no report
    assert not (root / "submitted" / demo.HOSTILE).exists()
    assert not (root / "reports").exists()

    # feedback, as an instructor makes it: results and messages, never hidden test code
    result = stock.nbgrader(root, "generate_feedback", AID, "--student", "demo_partial")
    assert result.returncode == 0, result.stderr[-2000:]
    html = (root / f"feedback/demo_partial/{AID}/{NB}.html").read_text()
    assert "HUNT_CASES: your cases expose 5 of 7" in html  # the check's message is there
    assert "BEGIN HIDDEN TESTS" not in html and "checks.expect" not in html


def test_hostile_student_is_a_safe_fixture_or_the_generic_answer(tmp_path):
    root = _demo_copy(tmp_path)
    lost = demo.lay_out(root, AID)
    handed_in = nbformat.read(root / "submitted" / demo.HOSTILE / AID / f"{NB}.ipynb", 4)
    fixture = submissions.load_fixture(
        ROOT / "tests" / "fixtures" / "hostile" / AID / NB / f"{demo.SAFE_HOSTILE_FIXTURES[0]}.py")
    assert submissions.answer_sources(handed_in) == submissions.answer_sources(
        submissions.fixture_submission(root, AID, NB, fixture))
    points = _points(root, AID, NB)
    assert lost[demo.HOSTILE] == sum(points[g] for g in fixture.loses)
    assert lost["demo_blank"] == sum(points.values()) and lost["demo_full"] == 0

    # an assignment with none of the safe hostile fixtures: the generic answer in its
    # first answer cell
    aid = "m06_sql_duckdb"
    assert [p for name in demo.SAFE_HOSTILE_FIXTURES
            for p in (ROOT / "tests" / "fixtures" / "hostile" / aid).glob(f"*/{name}.py")] == []
    lost = demo.lay_out(root, aid)
    for nb_name in submissions.notebooks_of(root, aid):
        nb = nbformat.read(root / "submitted" / demo.HOSTILE / aid / f"{nb_name}.ipynb", 4)
        answers = submissions.answer_sources(nb)
        release = submissions.answer_sources(
            course.read_ipynb(root / "release" / aid / f"{nb_name}.ipynb", root))
        first = next(iter(answers))
        assert answers[first] == demo.HOSTILE_ANSWER
        assert {k: v for k, v in answers.items() if k != first} == {
            k: v for k, v in release.items() if k != first}
    assert lost[demo.HOSTILE] == lost["demo_blank"] == sum(
        sum(_points(root, aid, nb).values()) for nb in submissions.notebooks_of(root, aid))

    # --stock: the cohort of three, nobody hostile
    shutil.rmtree(root / "submitted")
    assert set(demo.lay_out(root, AID, hostile=False)) == set(demo.STUDENTS)
    assert sorted(p.name for p in (root / "submitted").iterdir()) == sorted(demo.STUDENTS)


def test_grader_output_drops_sandbox_warnings_and_redrawn_progress():
    out = io.StringIO()
    stream = demo._GraderOutput(out)
    print(f"{demo.WARNING}no network namespace", file=stream)
    for step in ("1/2", "2/2"):
        stream.write(f"\r[{step}] progress")
        stream.flush()
    stream.write("\n")
    print("3 submission(s) already graded and unchanged: skipped", file=stream)
    assert out.getvalue() == "[2/2] progress\n3 submission(s) already graded and unchanged: skipped\n"

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tty = Terminal()
    stream = demo._GraderOutput(tty)
    stream.write("\r[1/2] progress")
    stream.flush()
    assert tty.getvalue() == "\r[1/2] progress"  # shown at once on a terminal
    print(f"{demo.WARNING}no network namespace", file=stream)
    stream.flush()
    assert "WARNING" not in tty.getvalue()
