"""Build and lint the course: notebooks/*.py -> source/*.ipynb -> release/*.ipynb.

The authored text notebooks (jupytext py:percent, nbgrader metadata in the cell
headers) are the only place content is edited. ``build`` turns each into a
normalised nbgrader source notebook, then runs nbgrader's own
``generate_assignment`` converter, with the course's ``nbgrader_config.py``,
in a scratch course folder with a throwaway gradebook, so ``release/`` is
exactly what ``nbgrader generate_assignment --force`` makes and the
instructor's gradebook is never touched by a build.

``lint`` checks the rules every exercise follows (see :data:`RULES`).
"""

from __future__ import annotations

import filecmp
import json
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat

ASSIGNMENT_RE = re.compile(r"^m\d\d_[a-z0-9_]+$")
NOTEBOOK_RE = re.compile(r"^[0-9a-z][0-9a-z_]*\.py$")
GRADE_ID_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
POINTS_RE = re.compile(r"\((\d+(?:\.\d+)?) points?\)")
HIDDEN_RE = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?",
                       re.MULTILINE | re.DOTALL)
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

RULES = {
    "parse": "the text notebook parses, every cell header is valid JSON",
    "metadata": "nbgrader cell metadata is schema-valid",
    "grade-id": "grade ids are unique in a notebook and use letters, digits, _ and -",
    "solution-markers": "answer cells keep the signature visible: BEGIN/END SOLUTION inside",
    "answer-has-tests": "every answer cell is followed by a visible test and hidden tests",
    "test-docstring": "every test cell opens with a one-line docstring saying what it checks",
    "release-can-fail": "a test cell still has code that can fail once hidden tests are removed",
    "contract": "every part states its contract (a 'Contract' paragraph) before its answer cell",
    "points": "the points in a part's heading equal the sum of its test cells",
    "hints": "every part folds at least two levels of hints in <details> blocks",
    "no-outputs": "committed notebooks carry no outputs or execution counts",
    "skip-tag": "a cell tagged skip-when-grading is a lesson cell nothing later reads "
                "(see mlinterview.cellflow)",
}


class CourseError(Exception):
    """A problem an author can fix; printed as one line naming the file and cell."""


@dataclass(frozen=True)
class Problem:
    path: str
    rule: str
    message: str
    cell: int | None = None
    grade_id: str | None = None

    def __str__(self) -> str:
        where = self.path
        if self.cell is not None:
            where += f": cell {self.cell}"
            if self.grade_id:
                where += f" ({self.grade_id})"
        return f"{where}: {self.message} [{self.rule}]"


# --------------------------------------------------------------------------- discovery


def find_root(start: Path | None = None) -> Path:
    """The course root: the nearest folder up from ``start`` with nbgrader_config.py."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "nbgrader_config.py").is_file() and (folder / "notebooks").is_dir():
            return folder
    raise CourseError(f"{here}: not inside the course (no nbgrader_config.py and notebooks/ above)")


def authored_notebooks(root: Path, assignments: Iterable[str] | None = None) -> list[Path]:
    wanted = set(assignments or [])
    found = []
    for folder in sorted((root / "notebooks").iterdir()):
        if not folder.is_dir() or not ASSIGNMENT_RE.match(folder.name):
            continue
        if wanted and folder.name not in wanted:
            continue
        found.extend(p for p in sorted(folder.glob("*.py")) if NOTEBOOK_RE.match(p.name))
    missing = wanted - {p.parent.name for p in found}
    if missing:
        raise CourseError(f"notebooks/: no authored notebooks for {', '.join(sorted(missing))}")
    return found


# --------------------------------------------------------------------------- text -> source


def _nbgrader_defaults(meta: dict) -> dict:
    """Complete the compact header metadata to nbgrader's schema version 3.

    Authors write only what differs: ``{"solution": true, "grade_id": "x"}``
    for an answer, ``{"grade": true, "grade_id": "x", "points": 2}`` for a test.
    Tests and read-only cells are locked; answers are not.
    """
    grade = bool(meta.get("grade", False))
    solution = bool(meta.get("solution", False))
    task = bool(meta.get("task", False))
    out = {
        "grade": grade,
        "grade_id": meta.get("grade_id"),
        "locked": bool(meta.get("locked", not solution)),
        "schema_version": 3,
        "solution": solution,
        "task": task,
    }
    if grade or task:
        out["points"] = meta.get("points")
    for key in meta:
        if key not in out:
            out[key] = meta[key]  # unknown keys are left for the schema check to name
    return out


def read_authored(path: Path, root: Path | None = None) -> nbformat.NotebookNode:
    """Read one text notebook and return the normalised nbgrader source notebook.

    Raises :class:`CourseError` with the file and cell for anything malformed.
    """
    import jupytext

    rel, text = _read_text(path, root)
    try:
        nb = jupytext.reads(text, fmt="py:percent")
    except Exception as exc:  # noqa: BLE001 - jupytext raises many kinds
        raise CourseError(f"{rel}: not a py:percent notebook: {exc}") from None
    new = nbformat.v4.new_notebook()
    new.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    used_ids: set[str] = set()
    for index, cell in enumerate(nb.cells, start=1):
        meta = dict(cell.metadata)
        if "incorrectly_encoded_metadata" in meta:
            bad = meta["incorrectly_encoded_metadata"]
            line = next((n for n, text_line in enumerate(text.splitlines(), start=1)
                         if text_line.startswith("# %%") and bad in text_line), None)
            at = f" (line {line})" if line else ""
            raise CourseError(f"{rel}: cell {index}{at}: the cell header is not valid JSON: {bad!r}")
        keep = {}
        if "nbgrader" in meta:
            if not isinstance(meta["nbgrader"], dict):
                raise CourseError(f"{rel}: cell {index}: nbgrader metadata must be a JSON object")
            keep["nbgrader"] = _nbgrader_defaults(meta["nbgrader"])
        if meta.get("tags"):
            keep["tags"] = list(meta["tags"])
        source = cell.source
        if cell.cell_type == "code":
            new_cell = nbformat.v4.new_code_cell(source=source, metadata=keep)
        elif cell.cell_type == "markdown":
            new_cell = nbformat.v4.new_markdown_cell(source=source, metadata=keep)
        else:
            new_cell = nbformat.v4.new_raw_cell(source=source, metadata=keep)
        grade_id = keep.get("nbgrader", {}).get("grade_id")
        cell_id = grade_id if isinstance(grade_id, str) and GRADE_ID_RE.match(grade_id) else None
        if cell_id is None or cell_id in used_ids:
            cell_id = f"cell-{index:03d}"
        used_ids.add(cell_id)
        new_cell["id"] = cell_id
        new.cells.append(new_cell)
    new.nbformat, new.nbformat_minor = 4, 5
    return new


def _read_text(path: Path, root: Path | None) -> tuple[str, str]:
    """(the path as the author knows it, the file's text), or a one-line CourseError."""
    rel = _rel(path, root)
    try:
        return rel, path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError(f"{rel}: cannot read: {exc}") from None


def _rel(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """The exact bytes a normalised notebook is committed as."""
    return nbformat.writes(nb) + "\n"


# --------------------------------------------------------------------------- lint


def _grade_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _is_answer(cell) -> bool:
    m = _grade_meta(cell)
    return cell.cell_type == "code" and m.get("solution", False) and not m.get("grade", False)


def _is_test(cell) -> bool:
    m = _grade_meta(cell)
    return cell.cell_type == "code" and m.get("grade", False) and not m.get("solution", False)


def _points(cell) -> float:
    m = _grade_meta(cell)
    if m.get("grade") or m.get("task"):
        try:
            return float(m.get("points") or 0)
        except (TypeError, ValueError):
            return 0.0
    return 0.0


def _first_statement_is_docstring(source: str) -> bool:
    import ast

    try:
        body = ast.parse(source).body
    except SyntaxError:
        return False
    return bool(body) and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
        and isinstance(body[0].value.value, str)


def _has_code_beyond_docstring(source: str) -> bool:
    import ast

    try:
        body = ast.parse(source).body
    except SyntaxError:
        return True  # a syntax error fails, which is all this rule asks
    if body and _first_statement_is_docstring(source):
        body = body[1:]
    return bool(body)


def lint(nb: nbformat.NotebookNode, path: str) -> list[Problem]:
    """Every rule in :data:`RULES` that this notebook breaks, in cell order."""
    from nbgrader.nbgraderformat import MetadataValidator, ValidationError
    from nbgrader.nbgraderformat.common import SchemaMismatchError

    # nbgrader's validator logs warnings for harmless things; it raises for real ones
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    validator = MetadataValidator()
    problems: list[Problem] = []
    cells = nb.cells

    def add(rule: str, msg: str, index: int | None = None) -> None:
        gid = _grade_meta(cells[index - 1]).get("grade_id") if index else None
        problems.append(Problem(path, rule, msg, index, gid))

    seen: dict[str, int] = {}
    for i, cell in enumerate(cells, start=1):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
            add("no-outputs", "code cell has outputs or an execution count", i)
        if "nbgrader" not in cell.get("metadata", {}):
            continue
        try:
            validator.validate_cell(cell)
        except (ValidationError, SchemaMismatchError) as exc:
            add("metadata", str(exc).splitlines()[0], i)
            continue
        except Exception as exc:  # noqa: BLE001 - jsonschema raises its own kinds
            add("metadata", str(exc).splitlines()[0], i)
            continue
        gid = _grade_meta(cell).get("grade_id")
        if gid is not None:
            if not GRADE_ID_RE.match(str(gid)):
                add("grade-id", f"grade id {gid!r} must be 1-64 letters, digits, _ or -", i)
            if gid in seen:
                add("grade-id", f"grade id {gid!r} is used again (first at cell {seen[gid]})", i)
            seen.setdefault(gid, i)
        if _is_answer(cell) and "### BEGIN SOLUTION" not in cell.source:
            add("solution-markers", "answer cell has no '### BEGIN SOLUTION' ... "
                "'### END SOLUTION' region", i)
        if _is_test(cell):
            if not _first_statement_is_docstring(cell.source):
                add("test-docstring", "test cell does not open with a docstring", i)
            if not _has_code_beyond_docstring(HIDDEN_RE.sub("", cell.source)):
                add("release-can-fail", "without its hidden tests this cell runs nothing, so it "
                    "passes on a blank release; add a visible check (e.g. checks.attempted(...))", i)

    # answers followed by visible and hidden tests, before the next answer
    answers = [i for i, c in enumerate(cells) if _is_answer(c)]
    for n, start in enumerate(answers):
        end = answers[n + 1] if n + 1 < len(answers) else len(cells)
        tests = [c for c in cells[start + 1:end] if _is_test(c)]
        visible = [c for c in tests if "### BEGIN HIDDEN TESTS" not in c.source]
        hidden = [c for c in tests if "### BEGIN HIDDEN TESTS" in c.source]
        if not visible:
            add("answer-has-tests", "answer cell has no visible test cell after it", start + 1)
        if not hidden:
            add("answer-has-tests", "answer cell has no hidden tests after it", start + 1)

    # parts: a markdown heading with "(N points)" up to the next such heading
    heads = [i for i, c in enumerate(cells)
             if c.cell_type == "markdown" and c.source.lstrip().startswith("#")
             and POINTS_RE.search(c.source.splitlines()[0])]
    for n, start in enumerate(heads):
        end = heads[n + 1] if n + 1 < len(heads) else len(cells)
        stated = float(POINTS_RE.search(cells[start].source.splitlines()[0]).group(1))
        part = cells[start:end]
        total = sum(_points(c) for c in part)
        if abs(total - stated) > 1e-9:
            add("points", f"heading says {stated:g} points, its test cells add up to {total:g}",
                start + 1)
        hints = sum(c.source.count("<details>") for c in part if c.cell_type == "markdown")
        if hints < 2:
            add("hints", f"the part has {hints} hint(s) in <details> blocks; give two or three "
                "levels, from a nudge to nearly the answer", start + 1)
        first_answer = next((k for k, c in enumerate(part) if _is_answer(c)), None)
        if first_answer is not None and not any(
                c.cell_type == "markdown" and "contract" in c.source.lower()
                for c in part[:first_answer]):
            add("contract", "no 'Contract' paragraph before the answer cell", start + first_answer + 1)
    # answers outside any part still owe a contract
    for start in answers:
        if not any(h < start for h in heads):
            add("contract", "answer cell is not inside a part heading with '(N points)'", start + 1)
    _lint_skip_tags(cells, add)
    return problems


def _lint_skip_tags(cells, add) -> None:
    """A ``skip-when-grading`` cell must be one the grader would leave out of the reference
    answers' own run: otherwise the tag is a promise the grader cannot keep."""
    from . import cellflow

    code = [(i, c) for i, c in enumerate(cells, start=1) if c.cell_type == "code"]
    tagged = {i for i, c in code if cellflow.SKIP_TAG in c.get("metadata", {}).get("tags", ())}
    for i in sorted(tagged):
        if "nbgrader" in cells[i - 1].metadata:
            add("skip-tag", "an nbgrader cell cannot be skip-when-grading", i)
    plan = cellflow.plan([c.source for _, c in code],
                         [c.source for i, c in code if i in tagged and "nbgrader" not in c.metadata],
                         [c.source for _, c in code if not _is_answer(c)])
    for k, (i, _) in enumerate(code):
        if k in plan.reasons:
            add("skip-tag", f"tagged skip-when-grading, but the grader runs it: {plan.reasons[k]}", i)


def read_ipynb(path: Path, root: Path | None = None) -> nbformat.NotebookNode:
    rel, raw = _read_text(path, root)
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CourseError(f"{rel}: not valid JSON: {exc.msg} at line {exc.lineno} "
                          f"column {exc.colno}") from None
    if not isinstance(data, dict) or "cells" not in data:
        raise CourseError(f"{rel}: not a notebook (no 'cells')")
    try:
        # reads() also joins sources stored as lists of lines
        nb = nbformat.reads(raw, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises several kinds
        raise CourseError(f"{rel}: not a valid notebook: {str(exc).splitlines()[0]}") from None
    return nb


def check_course(root: Path, assignments: Iterable[str] | None = None) -> list[Problem]:
    """Lint every authored notebook, and the committed ipynb files for outputs."""
    problems: list[Problem] = []
    for path in authored_notebooks(root, assignments):
        rel = _rel(path, root)
        try:
            nb = read_authored(path, root)
        except CourseError as exc:
            problems.append(Problem(rel, "parse", str(exc).removeprefix(rel + ": ")))
            continue
        problems.extend(lint(nb, rel))
    for folder in ("source", "release"):
        for path in sorted((root / folder).glob("*/*.ipynb")):
            if assignments and path.parent.name not in set(assignments):
                continue
            rel = _rel(path, root)
            try:
                nb = read_ipynb(path, root)
            except CourseError as exc:
                problems.append(Problem(rel, "parse", str(exc).removeprefix(rel + ": ")))
                continue
            for i, cell in enumerate(nb.cells, start=1):
                if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count")):
                    problems.append(Problem(rel, "no-outputs",
                                            "code cell has outputs or an execution count", i))
    return problems


# --------------------------------------------------------------------------- build


def _load_nbgrader_config(root: Path, scratch: Path):
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    if (root / "nbgrader_config.py").is_file():
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
    config.CourseDirectory.root = str(scratch)
    config.CourseDirectory.db_url = f"sqlite:///{scratch / 'build-gradebook.db'}"
    # the API checks the exchange on start; a build never uses it
    (scratch / "exchange").mkdir(exist_ok=True)
    config.Exchange.root = str(scratch / "exchange")
    return config


def tools_on_path() -> None:
    """Put this interpreter's scripts folder first on PATH.

    nbgrader runs ``alembic`` (and a kernel) by name; from an environment that
    is used without being activated (``.venv/bin/mlinterview``) they would not
    be found.
    """
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[:1] != [bindir]:
        os.environ["PATH"] = os.pathsep.join([bindir, *parts])


def nbgrader_failure(log: str) -> str:
    """The line of an nbgrader log that says what went wrong."""
    lines = [ln.strip() for ln in log.strip().splitlines() if ln.strip()]
    for line in reversed(lines):
        if re.match(r"^[\w.]*(Error|Exception)\b", line) and "NbGraderException" not in line:
            return line
    return lines[-1] if lines else "no message"


def generate_release(root: Path, scratch: Path, assignment: str) -> None:
    """Run nbgrader's generate_assignment on ``scratch/source/<assignment>``."""
    from nbgrader.apps import NbGraderAPI

    tools_on_path()
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    api = NbGraderAPI(config=_load_nbgrader_config(root, scratch))
    result = api.generate_assignment(assignment, force=True)
    if not result.get("success"):
        detail = nbgrader_failure((result.get("log") or "") + "\n" + (result.get("error") or ""))
        raise CourseError(f"source/{assignment}: nbgrader generate_assignment failed: {detail}")


def _tree_files(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts}


@dataclass
class BuildResult:
    written: list[str]
    stale: list[str]
    removed: list[str]


def build(root: Path, assignments: Iterable[str] | None = None, check: bool = False) -> BuildResult:
    """Build source/ and release/ for the given (default: all) assignments.

    With ``check``, nothing is written: the result lists every committed file
    that differs from a fresh build, is missing, or should not be there.
    Building twice writes nothing the second time.
    """
    paths = authored_notebooks(root, assignments)
    by_assignment: dict[str, list[Path]] = {}
    for p in paths:
        by_assignment.setdefault(p.parent.name, []).append(p)
    result = BuildResult([], [], [])
    with tempfile.TemporaryDirectory(prefix="mlinterview-build-") as tmp:
        scratch = Path(tmp)
        for aid, nbs in by_assignment.items():
            src = scratch / "source" / aid
            src.mkdir(parents=True)
            for p in nbs:
                nb = read_authored(p, root)
                (src / (p.stem + ".ipynb")).write_text(notebook_text(nb), encoding="utf-8")
            for extra in sorted((root / "notebooks" / aid).iterdir()):
                # assets that travel with the assignment (images, small files)
                if extra.is_file() and extra.suffix != ".py" and not extra.name.startswith("."):
                    shutil.copy2(extra, src / extra.name)
            generate_release(root, scratch, aid)
            for folder in ("source", "release"):
                _sync(scratch / folder / aid, root / folder / aid, f"{folder}/{aid}", check, result)
    return result


def _sync(built: Path, committed: Path, label: str, check: bool, result: BuildResult) -> None:
    new, old = _tree_files(built), _tree_files(committed)
    for rel, path in new.items():
        target = committed / rel
        if rel in old and filecmp.cmp(path, old[rel], shallow=False):
            continue
        if check:
            result.stale.append(f"{label}/{rel}" + ("" if rel in old else " (missing)"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            result.written.append(f"{label}/{rel}")
    for rel in old.keys() - new.keys():
        if check:
            result.stale.append(f"{label}/{rel} (not built from notebooks/)")
        else:
            old[rel].unlink()
            result.removed.append(f"{label}/{rel}")


def iter_parts(nb: nbformat.NotebookNode) -> Iterator[tuple[str, list[str], float]]:
    """(part heading, grade ids of its test cells, points) for each part of a notebook."""
    heading, ids, pts = None, [], 0.0
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.lstrip().startswith("#") \
                and POINTS_RE.search(cell.source.splitlines()[0]):
            if heading is not None:
                yield heading, ids, pts
            heading, ids, pts = cell.source.splitlines()[0].lstrip("# ").strip(), [], 0.0
        elif heading is not None and (_is_test(cell) or _grade_meta(cell).get("task")
                                      or (_grade_meta(cell).get("grade")
                                          and _grade_meta(cell).get("solution"))):
            ids.append(_grade_meta(cell)["grade_id"])
            pts += _points(cell)
    if heading is not None:
        yield heading, ids, pts
