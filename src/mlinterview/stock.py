"""Drive stock nbgrader: generate_assignment and autograde as an instructor runs
them, and read the scores back from the gradebook."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from .course import CourseError, tools_on_path


@dataclass(frozen=True)
class Grade:
    student: str
    notebook: str
    grade_id: str
    score: float
    max_score: float


def nbgrader(root: Path, *args: str, timeout: float | None = None,
             env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in the course folder, as an instructor would type it."""
    tools_on_path()
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


# where a course gets the driver SQLAlchemy loads for a URL (psycopg: postgresql://)
_DRIVERS = {"psycopg": "pip install 'mlinterview[postgres]'"}


def shown_url(db_url: str) -> str:
    """``db_url`` as it may be printed: with its password, if any, starred out."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(db_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: shown as given, it has no password part
        return db_url


@contextlib.contextmanager
def gradebook(db_url: str, course_id: str = ""):
    """nbgrader's gradebook at ``db_url`` (SQLite, or PostgreSQL with ``mlinterview[postgres]``),
    closed afterwards. One that cannot be opened (a malformed URL, a driver not installed, a
    server that does not answer, a file that cannot be made) is a :class:`CourseError`
    naming it and why, with no traceback: the instructor's to fix, not the grader's bug."""
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SQLAlchemyError

    where = (f"the gradebook {shown_url(db_url)} (set c.CourseDirectory.db_url in "
             f"nbgrader_config.py, or pass --db)")
    try:
        gb = Gradebook(db_url, course_id)
    except ModuleNotFoundError as exc:
        install = f": {_DRIVERS[exc.name]}" if exc.name in _DRIVERS else ""
        raise CourseError(f"cannot open {where}: its driver, the Python module {exc.name}, "
                          f"is not installed{install}") from None
    except SQLAlchemyError as exc:
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise CourseError(f"cannot open {where}: {reason}") from None
    with gb:
        yield gb


def grant_extension(db_url: str, course_id: str, assignment: str, student: str,
                    **duration: float) -> str:
    """Give ``student`` more time for ``assignment`` (``duration``: minutes, hours, days or
    weeks; none removes the extension), with nbgrader's own ``Gradebook.grant_extension``:
    an extension replaces the last one, it does not add to it. Returns a line saying what
    the student now has. The submission must be in the gradebook (nbgrader keeps
    extensions on it): a student or assignment it does not hold is a :class:`CourseError`
    naming the nearest it does."""
    from nbgrader.api import MissingEntry

    with gradebook(db_url, course_id) as gb:
        try:
            row = gb.find_assignment(assignment)
        except MissingEntry:
            known = sorted(a.name for a in gb.assignments)
            raise CourseError(f"{assignment} is not in the gradebook: "
                              f"{_closest(assignment, known) or ', '.join(known) or 'it has none'}"
                              ) from None
        handed_in = sorted(sub.student_id for sub in row.submissions)
        if student not in handed_in:
            raise CourseError(f"no submission of {assignment} by {student!r} in the gradebook: "
                              f"{_closest(student, handed_in) or 'grade it first'}")
        gb.grant_extension(assignment, student, **duration)
        submission = gb.find_submission(assignment, student)
        if submission.extension is None:
            return f"{student} has no extension for {assignment} now"
        if row.duedate is None:
            return (f"{student} has an extension of {submission.extension} for {assignment}, "
                    f"which has no due date yet: no one is late")
        return (f"{student} has until {submission.duedate:%Y-%m-%d %H:%M} UTC for {assignment} "
                f"(due {row.duedate:%Y-%m-%d %H:%M} UTC, extension {submission.extension})")


def _closest(name: str, names: list[str]) -> str | None:
    import difflib

    near = difflib.get_close_matches(name, names, n=3)
    return f"did you mean {' or '.join(near)}?" if near else None


def read_grades(db_url: str, assignment: str) -> list[Grade]:
    """Every autograded cell score of every submission of ``assignment``."""
    from nbgrader.api import MissingEntry

    grades: list[Grade] = []
    with warnings.catch_warnings(), gradebook(db_url) as gb:
        # nbgrader's own ORM relationships warn on read; nothing for an instructor to act on
        warnings.simplefilter("ignore", category=Warning)
        try:
            assignment_row = gb.find_assignment(assignment)
        except MissingEntry:
            return []
        for submission in assignment_row.submissions:
            for nb in submission.notebooks:
                for g in nb.grades:
                    score = g.score if g.score is not None else 0.0
                    grades.append(Grade(submission.student.id, nb.name, g.name,
                                        float(score), float(g.max_score)))
    return grades


def read_penalties(db_url: str, assignment: str) -> dict[str, float | None]:
    """Every student of the gradebook: their submission's late penalty, the sum of its
    notebooks' (0 when none; what ``nbgrader export`` takes off the raw score), or None
    for a student who handed nothing in (export gives them a score of 0)."""
    from nbgrader.api import MissingEntry

    with warnings.catch_warnings(), gradebook(db_url) as gb:
        warnings.simplefilter("ignore", category=Warning)
        roster: dict[str, float | None] = {student.id: None for student in gb.students}
        try:
            assignment_row = gb.find_assignment(assignment)
        except MissingEntry:
            return roster
        for sub in assignment_row.submissions:
            roster[sub.student_id] = float(sub.late_submission_penalty or 0)
        return roster


def score_table(grades: list[Grade], parts: dict[str, list[tuple[str, list[str]]]]) -> str:
    """A plain-text table: one row per student, one column per part, and the total.

    ``parts`` maps notebook -> [(part title, grade ids)], as ``course.iter_parts`` gives.
    """
    by_student: dict[str, dict[str, Grade]] = {}
    for g in grades:
        by_student.setdefault(g.student, {})[f"{g.notebook}/{g.grade_id}"] = g
    columns = [(f"{nb}: {title}", [f"{nb}/{gid}" for gid in ids])
               for nb, items in parts.items() for title, ids in items]
    header = ["student"] + [_short(title) for title, _ in columns] + ["total"]
    rows = []
    for student in sorted(by_student):
        cells = by_student[student]
        row = [student]
        total = max_total = 0.0
        for _, keys in columns:
            got = sum(cells[k].score for k in keys if k in cells)
            most = sum(cells[k].max_score for k in keys if k in cells)
            total, max_total = total + got, max_total + most
            row.append(f"{got:g}/{most:g}")
        row.append(f"{total:g}/{max_total:g}")
        rows.append(row)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _short(title: str, width: int = 28) -> str:
    # "interview_method: Part 3 — Code it: input checks... (4 points)" -> "Part 3 (4)"
    name = title.split(": ", 1)[-1]
    head = name.split(" — ")[0].split(" - ")[0]
    pts = name.rsplit("(", 1)[-1].split(" ")[0] if "(" in name else ""
    text = f"{head} ({pts})" if pts else head
    return text[:width]
