"""Tests that test the tests, through the real nbgrader, one assignment at a time.

For every assignment: the reference answers score full marks; the blank
release scores 0 without crashing the grader; every fixture (a typical wrong
answer, or a right one written differently) loses exactly the cells it names.
"""

from __future__ import annotations

import pytest
from conftest import ROOT, assignments, grade_cohort

from mlinterview import course, submissions

pytestmark = pytest.mark.nbgrader


def _cohort(aid: str):
    """student -> {notebook: submission}, and student -> grade keys it must lose."""
    cohort, loses = {}, {}
    notebooks = submissions.notebooks_of(ROOT, aid)
    for base in ("solution", "blank"):
        student = "reference" if base == "solution" else "blank"
        cohort[student] = {nb: submissions.fixture_submission(ROOT, aid, nb, None, base)
                           for nb in notebooks}
        loses[student] = set()
    for nb in notebooks:
        for fx in submissions.load_fixtures(ROOT, aid, nb):
            student = f"{nb}--{fx.name}"
            cohort[student] = {nb: submissions.fixture_submission(ROOT, aid, nb, fx)}
            loses[student] = {f"{nb}/{gid}" for gid in fx.loses}
    return cohort, loses


def score_problems(scores, loses) -> list[str]:
    """Every way the graded cohort differs from what its fixtures declare."""
    problems = []
    for student, lost in loses.items():
        got = scores.get(student)
        if got is None:
            problems.append(f"{student}: not graded")
            continue
        if student == "blank":
            wrong = {k: s for k, (s, _) in got.items() if s != 0}
            if wrong:
                problems.append(f"blank release scored points: {wrong}")
            continue
        if "--" in student:
            # a fixture student hands in one notebook; the others are not theirs to judge
            own = student.split("--")[0] + "/"
            got = {k: v for k, v in got.items() if k.startswith(own)}
        for key, (score, most) in got.items():
            want = 0.0 if key in lost else most
            if score != want:
                verb = "should lose" if key in lost else "should keep"
                problems.append(f"{student}: {verb} {key} ({score:g}/{most:g})")
        unknown = lost - set(got)
        if unknown:
            problems.append(f"{student}: LOSES names cells that do not exist: {sorted(unknown)}")
    return problems


def test_score_problems_catches_every_kind_of_mismatch():
    scores = {
        "blank": {"nb/a": (0.0, 1.0), "nb/b": (1.0, 2.0)},
        "keeps_what_it_should_lose": {"nb/a": (1.0, 1.0), "nb/b": (2.0, 2.0)},
        "loses_what_it_should_keep": {"nb/a": (0.0, 1.0), "nb/b": (0.0, 2.0)},
        "right": {"nb/a": (0.0, 1.0), "nb/b": (2.0, 2.0)},
    }
    loses = {"blank": set(), "keeps_what_it_should_lose": {"nb/a"},
             "loses_what_it_should_keep": {"nb/a"}, "right": {"nb/a"},
             "typo": {"nb/zz"}}
    scores["typo"] = {"nb/a": (1.0, 1.0)}
    # a fixture of notebook nb is judged on nb only, not on other notebooks it did not hand in
    scores["nb--only_mine"] = {"nb/a": (0.0, 1.0), "other/x": (0.0, 3.0)}
    loses["nb--only_mine"] = {"nb/a"}
    problems = "\n".join(score_problems(scores, loses))
    assert "blank release scored points" in problems
    assert "keeps_what_it_should_lose: should lose nb/a" in problems
    assert "loses_what_it_should_keep: should keep nb/b" in problems
    assert "typo: LOSES names cells that do not exist" in problems
    assert "right:" not in problems
    assert "only_mine" not in problems


@pytest.mark.parametrize("aid", assignments())
def test_every_fixture_scores_as_declared(aid, course_copy):
    cohort, loses = _cohort(aid)
    scores = grade_cohort(course_copy, aid, cohort)
    problems = score_problems(scores, loses)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("aid", assignments())
def test_every_answer_cell_has_a_failing_fixture(aid):
    """Each answer cell has at least one fixture that loses points and one that keeps them all."""
    for nb in submissions.notebooks_of(ROOT, aid):
        source = course.read_ipynb(ROOT / "source" / aid / f"{nb}.ipynb")
        answer_ids = set(submissions.answer_sources(source))
        fixtures = submissions.load_fixtures(ROOT, aid, nb)
        wrong = {g for fx in fixtures if fx.loses for g in fx.answers}
        right = {g for fx in fixtures if not fx.loses for g in fx.answers}
        assert answer_ids <= wrong, f"{nb}: no wrong-answer fixture for {sorted(answer_ids - wrong)}"
        assert answer_ids <= right, f"{nb}: no alternative correct fixture for {sorted(answer_ids - right)}"


@pytest.mark.parametrize("aid", assignments())
def test_release_passes_no_test_under_validate_invert(aid, course_copy):
    from mlinterview import stock

    for nb in submissions.notebooks_of(ROOT, aid):
        result = stock.nbgrader(course_copy, "validate", "--invert",
                                f"release/{aid}/{nb}.ipynb")
        assert result.returncode == 0, result.stderr[-2000:]
        assert "Success! The notebook does not pass any tests." in result.stdout, result.stdout
