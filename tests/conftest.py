"""Shared test helpers: a scratch copy of the course, graded by real nbgrader."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from mlinterview import course, stock, submissions

ROOT = Path(__file__).resolve().parents[1]


def assignments() -> list[str]:
    return sorted({p.parent.name for p in course.authored_notebooks(ROOT)})


def scratch_course(tmp: Path) -> Path:
    """A copy of the course's config and built notebooks, with an empty gradebook."""
    for name in ("nbgrader_config.py",):
        shutil.copy2(ROOT / name, tmp / name)
    for folder in ("source", "release"):
        shutil.copytree(ROOT / folder, tmp / folder)
    (tmp / "notebooks").mkdir()
    return tmp


def hand_in(root: Path, aid: str, cohort: dict[str, dict[str, nbformat.NotebookNode]]) -> None:
    """Write ``cohort`` (student -> notebook name -> notebook) into ``submitted/``."""
    for student, notebooks in cohort.items():
        folder = root / "submitted" / student / aid
        folder.mkdir(parents=True, exist_ok=True)
        for name, nb in notebooks.items():
            nbformat.write(nb, folder / f"{name}.ipynb")


def gradebook_scores(db_url: str, aid: str) -> dict[str, dict[str, float]]:
    """student -> grade id -> score, from the gradebook at ``db_url``."""
    scores: dict[str, dict[str, float]] = {}
    for g in stock.read_grades(db_url, aid):
        scores.setdefault(g.student, {})[g.grade_id] = g.score
    return scores


def grade_cohort(root: Path, aid: str, cohort: dict[str, dict[str, nbformat.NotebookNode]],
                 env: dict[str, str] | None = None) -> dict[str, dict[str, tuple[float, float]]]:
    """Hand in ``cohort`` (student -> notebook name -> notebook), run stock autograde.

    Returns student -> "notebook/grade_id" -> (score, max_score).
    """
    gen = stock.nbgrader(root, "generate_assignment", aid, "--force", env=env)
    assert gen.returncode == 0, gen.stderr[-3000:]
    hand_in(root, aid, cohort)
    graded = stock.nbgrader(root, "autograde", aid, "--force", env=env)
    assert graded.returncode == 0, course.nbgrader_failure(graded.stderr)
    scores: dict[str, dict[str, tuple[float, float]]] = {}
    for g in stock.read_grades(f"sqlite:///{root / 'gradebook.db'}", aid):
        scores.setdefault(g.student, {})[f"{g.notebook}/{g.grade_id}"] = (g.score, g.max_score)
    return scores


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    return scratch_course(tmp_path)


__all__ = ["ROOT", "assignments", "grade_cohort", "gradebook_scores", "hand_in",
           "scratch_course", "submissions"]
