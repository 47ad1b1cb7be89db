"""Make submissions from answers: the fake students of the tests and the demo.

A *fixture* is a text file of answers for some of a notebook's answer cells::

    \"\"\"Forgets the tie rule: nested loops with i outside.\"\"\"
    LOSES = ["first_pair_matches_oracle"]   # grade ids this answer must fail
    BASE = "solution"                       # other answers: "solution" or "blank"

    # %% first_pair_answer
    def first_pair_with_sum(nums, target):
        ...

Each ``# %% <grade_id>`` section replaces the answer cell with that grade id;
every other answer cell comes from the source (``BASE = "solution"``) or
stays the release stub (``BASE = "blank"``). The expected score is full marks
less the points of the ``LOSES`` cells: a fixture proves both that its mistake
loses the points it should and that it loses nothing else.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .course import CourseError, _grade_meta, _is_answer, read_ipynb

SECTION_RE = re.compile(r"^# %% ([A-Za-z0-9_-]+)[ \t]*$", re.MULTILINE)


@dataclass
class Fixture:
    name: str
    path: Path
    description: str
    answers: dict[str, str]
    loses: list[str] = field(default_factory=list)
    base: str = "solution"


def load_fixture(path: Path) -> Fixture:
    text = path.read_text(encoding="utf-8")
    parts = SECTION_RE.split(text)
    header, rest = parts[0], parts[1:]
    try:
        tree = ast.parse(header)
    except SyntaxError as exc:
        raise CourseError(f"{path}: header is not Python: {exc}") from None
    description = ast.get_docstring(tree) or ""
    values: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = ast.literal_eval(node.value)
    answers = {rest[i]: rest[i + 1].strip("\n") + "\n" for i in range(0, len(rest), 2)}
    base = str(values.get("BASE", "solution"))
    if base not in ("solution", "blank"):
        raise CourseError(f"{path}: BASE must be 'solution' or 'blank', not {base!r}")
    if not description:
        raise CourseError(f"{path}: a fixture opens with a docstring saying what mistake it makes")
    return Fixture(path.stem, path, description, answers, list(values.get("LOSES", [])), base)


def fixture_dir(root: Path, assignment: str, notebook: str) -> Path:
    return root / "tests" / "fixtures" / assignment / notebook


def load_fixtures(root: Path, assignment: str, notebook: str) -> list[Fixture]:
    folder = fixture_dir(root, assignment, notebook)
    return [load_fixture(p) for p in sorted(folder.glob("*.py"))] if folder.is_dir() else []


def answer_sources(nb: nbformat.NotebookNode) -> dict[str, str]:
    """grade id -> source of every answer cell."""
    return {_grade_meta(c)["grade_id"]: c.source for c in nb.cells if _is_answer(c)}


def make_submission(release: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """The release notebook with the given answer cells filled in."""
    nb = copy.deepcopy(release)
    known = set(answer_sources(nb))
    unknown = set(answers) - known
    if unknown:
        raise CourseError(f"answers for cells the notebook does not have: {sorted(unknown)}")
    for cell in nb.cells:
        if _is_answer(cell) and _grade_meta(cell)["grade_id"] in answers:
            cell.source = answers[_grade_meta(cell)["grade_id"]]
    return nb


def fixture_submission(root: Path, assignment: str, notebook: str,
                       fixture: Fixture | None, base: str = "solution") -> nbformat.NotebookNode:
    """The notebook a fixture student hands in (``fixture=None``: the base alone)."""
    source = read_ipynb(root / "source" / assignment / f"{notebook}.ipynb", root)
    release = read_ipynb(root / "release" / assignment / f"{notebook}.ipynb", root)
    base = fixture.base if fixture else base
    answers = dict(answer_sources(source)) if base == "solution" else {}
    if fixture:
        answers.update(fixture.answers)
    return make_submission(release, answers)


def notebooks_of(root: Path, assignment: str) -> list[str]:
    return [p.stem for p in sorted((root / "release" / assignment).glob("*.ipynb"))]
