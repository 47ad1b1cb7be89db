"""``mlinterview demo``: build, hand in a sample cohort, grade it, write the report.

The cohort, for every assignment: ``demo_full`` (the reference answers),
``demo_partial`` (the fixture ``partial.py`` of each notebook, or its first
fixture that loses points), ``demo_blank`` (the release, untouched) and
``demo_hostile``, who answers nothing and tries to score anyway (a hostile
fixture from ``tests/fixtures/hostile/``, or :data:`HOSTILE_ANSWER`). They are
laid out under ``submitted/`` exactly as ``nbgrader collect`` would, graded
with the course's own grader (``mlinterview grade``: sandboxed, tests run
outside the learner's process) and reported (``mlinterview report``); the
table compares each score with the score the fixtures say it must be.

``--stock`` grades with ``nbgrader autograde`` instead, without the hostile
student: stock nbgrader runs a notebook's code unsandboxed, on this machine,
and trusts what it reports.
"""

from __future__ import annotations

import shutil
import sys
import warnings
from pathlib import Path

import nbformat

from . import course, stock, submissions

STUDENTS = ("demo_full", "demo_partial", "demo_blank")
HOSTILE = "demo_hostile"
# hostile fixtures that only cheat inside their own process, so are safe to hand in on an
# instructor's machine; the others (bombs, escapes, a kernel that never answers) are the
# grader's tests, not a demo
SAFE_HOSTILE_FIXTURES = ("patch_checks", "input_transformer")
WARNING = "WARNING: SANDBOX PROTECTION MISSING: "

# for a notebook with no hostile fixture: goes in its first answer cell, every other
# answer is left blank. It writes nothing and starts nothing.
HOSTILE_ANSWER = '''\
# demo_hostile answers nothing and tries to score anyway
import glob
import json
import socket

from mlinterview import checks, sql

# 1. every check the tests call passes (under stock nbgrader, it does)
for _module in (checks, sql):
    for _name in dir(_module):
        if (not _name.startswith("_") and _name[0].islower() and callable(getattr(_module, _name))
                and _name not in ("answer", "show", "connect", "run", "format_error")):
            setattr(_module, _name, lambda *args, **kwargs: None)
# 2. the instructor's solutions, if the course folder can be reached from here
STOLEN = []
for _up in range(1, 5):
    for _path in glob.glob("../" * _up + "source/*/*.ipynb"):
        try:
            for _cell in json.load(open(_path))["cells"]:
                if _cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
                    exec("".join(_cell["source"]), globals())
            STOLEN.append(_path)
        except Exception:
            pass
# 3. the network
try:
    socket.create_connection(("1.1.1.1", 53), timeout=2).close()
    NETWORK = True
except OSError:
    NETWORK = False
print("solutions read:", STOLEN, "network:", NETWORK)
'''


def _partial_fixture(root: Path, aid: str, nb: str) -> submissions.Fixture | None:
    fixtures = submissions.load_fixtures(root, aid, nb)
    named = [f for f in fixtures if f.name == "partial"]
    losing = [f for f in fixtures if f.loses]
    return (named or losing or [None])[0]


def hostile_fixture(root: Path, aid: str, nb: str, test_ids: list[str],
                    first_answer: str | None, fixtures: bool = True) -> submissions.Fixture | None:
    """The demo's hostile answers for one notebook: a safe fixture of it if there is one
    (``fixtures``), else :data:`HOSTILE_ANSWER` in its first answer cell, losing every test."""
    folder = root / "tests" / "fixtures" / "hostile" / aid / nb
    for name in SAFE_HOSTILE_FIXTURES if fixtures else ():
        if (folder / f"{name}.py").is_file():
            return submissions.load_fixture(folder / f"{name}.py")
    if first_answer is None:
        return None
    return submissions.Fixture(HOSTILE, Path(__file__), "patches the checks, looks for the "
                               "solutions, tries the network", {first_answer: HOSTILE_ANSWER},
                               list(test_ids), "blank")


def lay_out(root: Path, aid: str, hostile: bool = True) -> dict[str, float]:
    """Write the demo cohort's submissions; return each student's expected points lost."""
    students = STUDENTS + ((HOSTILE,) if hostile else ())
    lost = {s: 0.0 for s in students}
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
        if hostile:
            tests = [course._grade_meta(c)["grade_id"] for c in source.cells if course._is_test(c)]
            answers = list(submissions.answer_sources(source))
            fx = hostile_fixture(root, aid, nb_name, tests, answers[0] if answers else None)
            made[HOSTILE] = submissions.fixture_submission(root, aid, nb_name, fx, "blank")
            lost[HOSTILE] += sum(points.get(g, 0.0) for g in (fx.loses if fx else points))
        for student, nb in made.items():
            folder = root / "submitted" / student / aid
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / f"{nb_name}.ipynb")
    return lost


class _GraderOutput:
    """The grader's output less its sandbox warnings, which the demo prints once for the whole
    run instead of once per assignment. Off a terminal (a log, a test), a progress bar's
    redrawn steps are dropped and only its last state is kept."""

    def __init__(self, out):
        self.out, self.pending = out, ""
        self.tty = bool(getattr(out, "isatty", lambda: False)())

    def write(self, text: str) -> int:
        self.pending += text
        while True:
            ends = [i for i in (self.pending.find("\n"), self.pending.find("\r")) if i >= 0]
            if not ends:
                break
            cut = min(ends) + 1
            piece, self.pending = self.pending[:cut], self.pending[cut:]
            if piece.startswith(WARNING) or (piece.endswith("\r") and not self.tty):
                continue
            self.out.write(piece)
        return len(text)

    def flush(self) -> None:
        # on a terminal a progress step is written without a newline, then flushed: show it
        if self.tty and self.pending and not WARNING.startswith(self.pending[:len(WARNING)]):
            self.out.write(self.pending)
            self.pending = ""
        self.out.flush()

    def close(self) -> None:
        if self.pending and not self.pending.startswith(WARNING):
            self.out.write(self.pending + "\n")
        self.pending = ""


def _grade_stock(root: Path, aid: str, students: tuple[str, ...], out) -> int:
    print(f"$ nbgrader autograde {aid} --force   (students: {', '.join(students)})", file=out)
    failures = 0
    for student in students:
        graded = stock.nbgrader(root, "autograde", aid, "--force", "--student", student)
        if graded.returncode != 0:
            print(f"  {student}: nbgrader autograde failed:\n"
                  f"{course.nbgrader_failure(graded.stderr)}", file=out)
            failures += 1
    return failures


def _grade_ours(root: Path, aid: str, students: tuple[str, ...], workers: int | None, out,
                warned: set[str]) -> int:
    from sqlalchemy.exc import SAWarning

    from .grading import runner

    print(f"$ mlinterview grade {aid}   (students: {', '.join(students)})", file=out, flush=True)
    with warnings.catch_warnings():
        # nbgrader's own ORM relationships may warn as the gradebook is written: nothing for an
        # instructor to act on. Only those: the filters are inherited by the forked graders.
        warnings.filterwarnings("ignore", category=SAWarning, module=r"nbgrader\.")
        stream = _GraderOutput(out)
        summary = runner.grade(root, aid, workers=workers, students=list(students), out=stream)
        stream.close()
    for line in summary.missing_protections:
        if line not in warned:
            warned.add(line)
            print(f"{WARNING}{line}", file=out)
    print(f"graded {len(summary.graded)} submission(s) in {summary.seconds:.1f} s", file=out)
    failures = 0
    for student, problems in sorted(summary.problems.items()):
        for line in problems:
            print(f"  {student}: {line}", file=out)
            failures += line.startswith("not graded")
    return failures


def run(root: Path, assignments: list[str] | None = None, out=sys.stdout,
        use_stock: bool = False, workers: int | None = None) -> int:
    result = course.build(root, assignments)
    for item in result.written:
        print(f"built {item}", file=out)
    aids = sorted({p.parent.name for p in course.authored_notebooks(root, assignments)})
    students = STUDENTS if use_stock else STUDENTS + (HOSTILE,)
    if use_stock:
        print(f"--stock: {HOSTILE} is left out: stock nbgrader runs a notebook's code "
              "unsandboxed, on this machine", file=out)
    failures = 0
    warned: set[str] = set()
    for aid in aids:
        print(f"\n== {aid}", file=out)
        gen = stock.nbgrader(root, "generate_assignment", aid, "--force")
        if gen.returncode != 0:
            print(f"nbgrader generate_assignment failed:\n{gen.stderr[-2000:]}", file=out)
            return 1
        for student in students:  # grade afresh every time (no resume across demo runs)
            shutil.rmtree(root / "autograded" / student / aid, ignore_errors=True)
        lost = lay_out(root, aid, hostile=not use_stock)
        if use_stock:
            failures += _grade_stock(root, aid, students, out)
        else:
            failures += _grade_ours(root, aid, students, workers, out, warned)
        db_url = "sqlite:///" + str(root / "gradebook.db")
        grades = [g for g in stock.read_grades(db_url, aid) if g.student in students]
        for nb_name in submissions.notebooks_of(root, aid):
            # one table per notebook: part numbers restart in each
            source = course.read_ipynb(root / "source" / aid / f"{nb_name}.ipynb", root)
            parts = {nb_name: [(title, ids) for title, ids, _ in course.iter_parts(source)]}
            print(f"-- {nb_name}.ipynb", file=out)
            print(stock.score_table([g for g in grades if g.notebook == nb_name], parts), file=out)
        total = sum(g.max_score for g in grades if g.student == "demo_full")
        for student in students:
            got = sum(g.score for g in grades if g.student == student)
            want = total - lost[student]
            ok = abs(got - want) < 1e-9
            failures += not ok
            print(f"  {student}: {got:g}/{total:g} {'as expected' if ok else f'EXPECTED {want:g}'}",
                  file=out)
        if not use_stock:
            from .grading import report

            paths = report.write(root, aid)
            print("report: " + ", ".join(str(p.relative_to(root)) for p in paths), file=out)
    if use_stock:
        print("\nfeedback for a student: nbgrader generate_feedback <assignment>; "
              "export for an LMS: nbgrader export", file=out)
    else:
        print("\nopen reports/<assignment>/index.html in a browser; grades for an LMS: "
              "reports/<assignment>/grades.csv (or nbgrader export)", file=out)
        print("feedback for a student: nbgrader generate_feedback <assignment>", file=out)
    if warned:
        print(f"\n{len(warned)} sandbox protection(s) missing on this machine: see the WARNING "
              "above", file=out)
    return 1 if failures else 0
