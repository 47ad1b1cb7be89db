"""``mlinterview demo``: build, hand in a sample cohort, grade it with stock nbgrader.

The cohort, for every assignment: ``demo_full`` (the reference answers),
``demo_partial`` (the fixture ``partial.py`` of each notebook, or its first
fixture that loses points) and ``demo_blank`` (the release, untouched). They
are laid out under ``submitted/`` exactly as ``nbgrader collect`` would, and
graded with ``nbgrader autograde``; the table compares each score with the
score the fixtures say it must be.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat

from . import course, stock, submissions

STUDENTS = ("demo_full", "demo_partial", "demo_blank")


def _partial_fixture(root: Path, aid: str, nb: str) -> submissions.Fixture | None:
    fixtures = submissions.load_fixtures(root, aid, nb)
    named = [f for f in fixtures if f.name == "partial"]
    losing = [f for f in fixtures if f.loses]
    return (named or losing or [None])[0]


def lay_out(root: Path, aid: str) -> dict[str, float]:
    """Write the demo cohort's submissions; return each student's expected points lost."""
    lost = {s: 0.0 for s in STUDENTS}
    for nb_name in submissions.notebooks_of(root, aid):
        source = course.read_ipynb(root / "source" / aid / f"{nb_name}.ipynb", root)
        points = {course._grade_meta(c).get("grade_id"): course._points(c) for c in source.cells}
        partial = _partial_fixture(root, aid, nb_name)
        made = {
            "demo_full": submissions.fixture_submission(root, aid, nb_name, None, "solution"),
            "demo_partial": submissions.fixture_submission(root, aid, nb_name, partial, "solution"),
            "demo_blank": submissions.fixture_submission(root, aid, nb_name, None, "blank"),
        }
        lost["demo_partial"] += sum(points.get(g, 0.0) for g in (partial.loses if partial else []))
        lost["demo_blank"] += sum(points.values())
        for student, nb in made.items():
            folder = root / "submitted" / student / aid
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / f"{nb_name}.ipynb")
    return lost


def run(root: Path, assignments: list[str] | None = None, out=sys.stdout) -> int:
    result = course.build(root, assignments)
    for item in result.written:
        print(f"built {item}", file=out)
    aids = sorted({p.parent.name for p in course.authored_notebooks(root, assignments)})
    failures = 0
    for aid in aids:
        print(f"\n== {aid}", file=out)
        gen = stock.nbgrader(root, "generate_assignment", aid, "--force")
        if gen.returncode != 0:
            print(f"nbgrader generate_assignment failed:\n{gen.stderr[-2000:]}", file=out)
            return 1
        for student in STUDENTS:
            shutil.rmtree(root / "autograded" / student / aid, ignore_errors=True)
        lost = lay_out(root, aid)
        print(f"$ nbgrader autograde {aid} --force   (students: {', '.join(STUDENTS)})", file=out)
        for student in STUDENTS:
            graded = stock.nbgrader(root, "autograde", aid, "--force", "--student", student)
            if graded.returncode != 0:
                print(f"  {student}: nbgrader autograde failed:\n"
                      f"{course.nbgrader_failure(graded.stderr)}", file=out)
                failures += 1
        db_url = "sqlite:///" + str(root / "gradebook.db")
        grades = [g for g in stock.read_grades(db_url, aid) if g.student in STUDENTS]
        for nb_name in submissions.notebooks_of(root, aid):
            # one table per notebook: part numbers restart in each
            source = course.read_ipynb(root / "source" / aid / f"{nb_name}.ipynb", root)
            parts = {nb_name: [(title, ids) for title, ids, _ in course.iter_parts(source)]}
            print(f"-- {nb_name}.ipynb", file=out)
            print(stock.score_table([g for g in grades if g.notebook == nb_name], parts), file=out)
        total = sum(g.max_score for g in grades if g.student == "demo_full")
        for student in STUDENTS:
            got = sum(g.score for g in grades if g.student == student)
            want = total - lost[student]
            ok = abs(got - want) < 1e-9
            failures += not ok
            print(f"  {student}: {got:g}/{total:g} {'as expected' if ok else f'EXPECTED {want:g}'}",
                  file=out)
    print("\nfeedback for a student: nbgrader generate_feedback <assignment>; "
          "export for an LMS: nbgrader export", file=out)
    return 1 if failures else 0
