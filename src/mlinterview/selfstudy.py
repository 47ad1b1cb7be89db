"""Self-study: the worked solution on request, a self-grade with the hidden tests, progress.

In a notebook::

    from mlinterview import selfstudy
    selfstudy.solution("first_pair_answer")   # the reference answer of that cell
    selfstudy.solution()                      # the answer ids of this notebook
    selfstudy.check()                         # selfcheck of this (saved) notebook

From a terminal, in the course folder::

    mlinterview selfcheck mywork/m00_interview_method/interview_method.ipynb
    mlinterview progress

``selfcheck`` grades a *copy* of the learner's notebook the way stock
``nbgrader autograde`` does: the learner's cells, with every locked cell (the
test cells, hidden tests included) taken from ``source/``, run top to bottom
in a fresh kernel with the course's per-cell time limit, and each test cell
scored by nbgrader's own rule (:func:`nbgrader.utils.determine_grade`). It
reports per part and per test cell, with the check's one-line message, and
never prints a test cell's code. Its result is saved to
``.mlinterview/progress.json`` so that ``progress`` answers at once.

Hints need no code: each part folds them in ``<details>`` blocks, which
JupyterLab shows on a click.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import nbformat

from . import course
from .course import CourseError, _grade_meta, _is_answer, _is_test

STATE_DIR = ".mlinterview"
PROGRESS_FILE = "progress.json"
PLOT_FILE = "progress.png"
LEARNER_DIR = "mywork"
DEFAULT_CELL_TIMEOUT = 60
# after a timed-out cell is interrupted, how long the kernel has to answer again
STUCK_SECONDS = 15
MESSAGE_CHARS = 400

NO_SOURCE = ("this copy of the course has no worked solutions or hidden tests (no source/ "
             "folder at {root}): it was distributed without them. Ask your instructor, or "
             "clone the full course repository")


# --------------------------------------------------------------------------- the course


def course_root(start: Path | None = None) -> Path:
    """The course folder: found from ``start``, the working folder, or this package.

    A notebook may run from ``mywork/<aid>/``, ``release/<aid>/`` or a folder
    outside the course; the package installed from a clone still knows where
    that clone is. A course handed out without ``notebooks/`` (a learner's
    copy) is recognised by ``nbgrader_config.py`` beside ``release/``.
    """
    here = Path(__file__).resolve().parents[2]
    for candidate in (start, Path.cwd(), here):
        if candidate is None:
            continue
        try:
            return course.find_root(candidate)
        except CourseError:
            pass
        found = candidate.resolve()
        for folder in (found, *found.parents):
            if (folder / "nbgrader_config.py").is_file() and (folder / "release").is_dir():
                return folder
    raise CourseError(f"{(start or Path.cwd()).resolve()}: not inside the course "
                      f"(no nbgrader_config.py with release/ above it)")


def _source_notebooks(root: Path) -> list[Path]:
    return sorted((root / "source").glob("*/*.ipynb"))


def _answer_ids(nb: nbformat.NotebookNode) -> list[str]:
    return [_grade_meta(c)["grade_id"] for c in nb.cells
            if _is_answer(c) and _grade_meta(c).get("grade_id")]


def _label(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


# --------------------------------------------------------------------------- solutions

_MARKER_RE = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[^\n]*\n?", re.MULTILINE)


def _current_notebook() -> tuple[str | None, str | None]:
    """(assignment, notebook) the calling kernel belongs to, as far as it can tell.

    Jupyter Server names the notebook in ``JPY_SESSION_NAME``; otherwise the
    working folder (``mywork/<aid>/``, ``release/<aid>/``) names the assignment.
    """
    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb"):
        path = Path(session)
        return path.parent.name, path.stem
    name = Path.cwd().name
    return (name if course.ASSIGNMENT_RE.match(name) else None), None


def _solutions(root: Path) -> list[tuple[Path, str, str]]:
    """(source notebook, grade id, cell source) of every answer cell in source/."""
    found = []
    for path in _source_notebooks(root):
        nb = course.read_ipynb(path, root)
        found.extend((path, _grade_meta(c)["grade_id"], c.source) for c in nb.cells
                     if _is_answer(c) and _grade_meta(c).get("grade_id"))
    return found


def solution_text(grade_id: str | None = None, *, root: Path | None = None) -> str:
    """What :func:`solution` prints, as a string."""
    try:
        root = course_root(root)
    except CourseError as exc:
        return f"Cannot show a solution: {exc}."
    if not _source_notebooks(root):
        return "Cannot show a solution: " + NO_SOURCE.format(root=root) + "."
    aid, nb_name = _current_notebook()
    answers = _solutions(root)

    def here(path: Path) -> bool:
        return (aid is None or path.parent.name == aid) and (nb_name is None or path.stem == nb_name)

    local = [a for a in answers if here(a[0])] or answers
    if grade_id is None:
        lines = ["Answer cells with a worked solution (call selfstudy.solution(<id>)):"]
        lines += [f"  {gid:32s} {_label(path)}" for path, gid, _ in local]
        return "\n".join(lines)
    matches = [a for a in local if a[1] == grade_id] or [a for a in answers if a[1] == grade_id]
    if not matches:
        known = ", ".join(gid for _, gid, _ in local)
        return f"No answer cell {grade_id!r} in source/. The answer ids here are: {known}."
    blocks = []
    for path, gid, text in matches:
        body = _MARKER_RE.sub("", text).rstrip()
        blocks.append(f"# Worked solution of {gid} ({_label(path)}), from "
                      f"source/{path.parent.name}/{path.name}\n{body}")
    return "\n\n".join(blocks)


def solution(grade_id: str | None = None, *, root: Path | None = None) -> None:
    """Print the reference answer of the answer cell ``grade_id`` (no id: list the ids).

    Read from ``source/<aid>/<nb>.ipynb`` of the clone; a course distributed
    without ``source/`` gets a message saying so. Prints rather than returns,
    so the notebook shows plain code and nothing else.
    """
    print(solution_text(grade_id, root=root))


# --------------------------------------------------------------------------- self-check


@dataclass
class TestResult:
    grade_id: str
    points: float
    score: float
    status: str  # passed | failed | partial | not attempted | missing | manual
    message: str = ""


class _Scored:
    tests: list[TestResult]

    @property
    def score(self) -> float:
        return sum(t.score for t in self.tests)

    @property
    def points(self) -> float:
        return sum(t.points for t in self.tests)


@dataclass
class PartResult(_Scored):
    title: str
    tests: list[TestResult]

    @property
    def status(self) -> str:
        if self.tests and all(t.status == "passed" for t in self.tests):
            return "passed"
        if self.tests and all(t.status == "not attempted" for t in self.tests):
            return "not attempted"
        return "not passed"


@dataclass
class SelfCheck(_Scored):
    assignment: str
    notebook: str
    path: str
    parts: list[PartResult]
    checked_at: str = ""
    digest: str = ""
    seconds: float = 0.0
    tests: list[TestResult] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "assignment": self.assignment, "notebook": self.notebook, "path": self.path,
            "checked_at": self.checked_at, "digest": self.digest, "score": self.score,
            "points": self.points, "parts_passed": sum(p.status == "passed" for p in self.parts),
            "parts": [{"title": p.title, "score": p.score, "points": p.points,
                       "status": p.status} for p in self.parts],
            "tests": [asdict(t) for t in self.tests],
        }


def _read_learner(path: Path, root: Path | None) -> nbformat.NotebookNode:
    if not path.is_file():
        raise CourseError(f"{path}: no such notebook")
    try:
        major = json.loads(path.read_text(encoding="utf-8")).get("nbformat")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError, OSError):
        major = 4  # read_ipynb names the problem
    if major != 4:
        raise CourseError(f"{path}: a notebook in format {major!r}, not 4: open it in "
                          f"JupyterLab and save it, or start again from release/")
    return course.read_ipynb(path, root)


def identify(root: Path, path: Path, learner: nbformat.NotebookNode) -> Path:
    """The source notebook ``path`` is a copy of.

    By its place (``.../<aid>/<nb>.ipynb`` with ``source/<aid>/<nb>.ipynb``)
    when that source shares answer cells with it, else by the answer-cell
    grade ids it shares with each source notebook.
    """
    sources = _source_notebooks(root)
    if not sources:
        raise CourseError(NO_SOURCE.format(root=root).replace("worked solutions or ", ""))
    learner_ids = set(_answer_ids(learner))
    by_place = root / "source" / path.parent.name / path.name
    overlap = {}
    for src in sources:
        overlap[src] = len(learner_ids & set(_answer_ids(course.read_ipynb(src, root))))
    if by_place.is_file() and (overlap.get(by_place) or not learner_ids):
        return by_place
    best = max(sources, key=lambda s: (overlap[s], s.stem == path.stem))
    if overlap[best] == 0:
        raise CourseError(f"{path}: cannot tell which assignment this notebook belongs to: it is "
                          f"not in a folder named after one, and none of its answer cells "
                          f"matches a notebook in source/")
    return best


def assemble(learner: nbformat.NotebookNode, source: nbformat.NotebookNode
             ) -> nbformat.NotebookNode:
    """The notebook autograde would run: the learner's cells, locked cells from the source.

    Mirrors nbgrader's sanitizing steps: outputs cleared (ClearOutput); of
    cells sharing a grade id the last keeps it (DeduplicateIds); the kernel
    is the source's (OverwriteKernelspec); a cell whose grade id the source
    knows gets the source's nbgrader metadata and, when locked (every test
    cell), the source's code, hidden tests included (OverwriteCells); a grade
    id the source does not know is dropped.
    """
    nb = copy.deepcopy(learner)
    by_id = {_grade_meta(c).get("grade_id"): c for c in source.cells
             if _grade_meta(c).get("grade_id")}
    seen: set[str] = set()
    for cell in reversed(nb.cells):
        gid = _grade_meta(cell).get("grade_id")
        if gid is None:
            continue
        if gid in seen:
            cell.metadata["nbgrader"] = {}
        seen.add(gid)
    cells = []
    for cell in nb.cells:
        gid = _grade_meta(cell).get("grade_id")
        src = by_id.get(gid) if gid else None
        if gid and src is None:
            del cell.metadata["nbgrader"]["grade_id"]
        if src is not None:
            if cell.cell_type != src.cell_type:
                cell = (nbformat.v4.new_code_cell(cell.source) if src.cell_type == "code"
                        else nbformat.v4.new_markdown_cell(cell.source))
            cell.metadata["nbgrader"] = copy.deepcopy(src.metadata["nbgrader"])
            if _grade_meta(src).get("locked"):
                cell.source = src.source
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    nb.cells = cells
    nb.metadata["kernelspec"] = copy.deepcopy(source.metadata.get("kernelspec", course.KERNELSPEC))
    return nb


def cell_timeout(root: Path) -> int:
    """The course's per-cell time limit (``c.Execute.timeout`` in nbgrader_config.py)."""
    from traitlets.config.loader import PyFileConfigLoader

    if not (root / "nbgrader_config.py").is_file():
        return DEFAULT_CELL_TIMEOUT
    try:
        config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
        return int(config.Execute.timeout) if "timeout" in config.Execute else DEFAULT_CELL_TIMEOUT
    except Exception:  # noqa: BLE001 - a broken config should not stop a self-check
        return DEFAULT_CELL_TIMEOUT


@contextmanager
def _environment(root: Path) -> Iterator[None]:
    """The kernel finds the course's data from a scratch folder outside the course."""
    saved = os.environ.get("MLINTERVIEW_DATA")
    if saved is None and (root / "data").is_dir():
        os.environ["MLINTERVIEW_DATA"] = str(root / "data")
    course.tools_on_path()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MLINTERVIEW_DATA", None)


def _timed_out(cell) -> bool:
    return any(o.get("output_type") == "error" and o.get("ename") in ("CellTimeoutError",
                                                                    "KeyboardInterrupt")
               for o in cell.get("outputs", []))


async def _kernel_answers(client, seconds: float) -> bool:
    """Whether the kernel runs an empty cell within ``seconds`` (it is not stuck)."""
    from queue import Empty

    msg_id = client.kc.execute("", store_history=False)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            msg = await client.kc.shell_channel.get_msg(timeout=1)
        except Empty:
            continue
        if msg["parent_header"].get("msg_id") == msg_id:
            return True
    return False


def execute(nb: nbformat.NotebookNode, workdir: Path, timeout: int) -> nbformat.NotebookNode:
    """Run every code cell as nbgrader's Execute does; a dead or stuck kernel is a CourseError."""
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    client = NotebookClient(
        nb, timeout=timeout, allow_errors=True, interrupt_on_timeout=True,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
        kernel_manager_class=AsyncKernelManager,
        extra_arguments=["--HistoryManager.hist_file=:memory:"],
        error_on_timeout={"ename": "CellTimeoutError", "evalue": "",
                          "traceback": ["CellTimeoutError: No reply from kernel before timeout"]},
        resources={"metadata": {"path": str(workdir)}},
        on_cell_executed=_record_reply_error, log=_quiet_log())
    current = {"index": 0}

    async def run() -> None:
        # the kernel's own log (a TCP warning) is not the notebook's output
        async with client.async_setup_kernel(stderr=subprocess.DEVNULL):
            for index, cell in enumerate(nb.cells):
                current["index"] = index
                if cell.cell_type != "code":
                    continue
                await client.async_execute_cell(cell, index,
                                                execution_count=client.code_cells_executed + 1)
                if _timed_out(cell) and not await _kernel_answers(client, STUCK_SECONDS):
                    raise _Stuck()

    def where() -> str:
        index = current["index"]
        gid = _grade_meta(nb.cells[index]).get("grade_id")
        return f"cell {index + 1}" + (f" ({gid})" if gid else "")

    try:
        _run_async(run)
    except _Stuck:
        raise CourseError(f"{where()} ran past the {timeout} s limit and ignored the interrupt "
                          f"(an endless loop that catches KeyboardInterrupt?); stopped "
                          f"without grading") from None
    except DeadKernelError:
        raise CourseError(f"the kernel died while running {where()} (os._exit, a crash, or "
                          f"out of memory?); stopped without grading") from None
    except Exception as exc:  # noqa: BLE001 - a kernel that cannot start, zmq errors, ...
        first = (str(exc).strip().splitlines() or [""])[0]
        raise CourseError(f"could not run the notebook ({type(exc).__name__}: {first})") from None
    return nb


class _Stuck(Exception):
    pass


def _run_async(make_coroutine) -> None:
    """Run a coroutine to the end, also from a notebook, whose kernel already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(make_coroutine())
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, make_coroutine()).result()


def _record_reply_error(cell, cell_index, execute_reply) -> None:
    """An error the kernel reported without an output (a timeout) becomes one, as in nbgrader.

    nbgrader's Execute preprocessor does this; without it a timed-out test
    cell has no error output and would score full points.
    """
    content = execute_reply["content"]
    if content.get("status") != "error":
        return
    if any(o.get("output_type") == "error" and o.get("ename") == content.get("ename")
           for o in cell.outputs):
        return
    cell.outputs.append(nbformat.v4.new_output(
        "error", ename=content.get("ename", ""), evalue=content.get("evalue", ""),
        traceback=content.get("traceback") or ["ERROR: An error occurred while showtraceback "
                                               "was disabled"]))


def _quiet_log():
    """nbclient's log lines ("Interrupting kernel") are not for the learner; the report says it."""
    import logging

    log = logging.getLogger("mlinterview.selfcheck.kernel")
    log.addHandler(logging.NullHandler())
    log.propagate = False
    return log


def _one_line(text: str, limit: int = MESSAGE_CHARS) -> str:
    parts = [ln.strip().removeprefix("- ").strip() for ln in text.splitlines() if ln.strip()]
    line = "; ".join(parts)
    return line if len(line) <= limit else line[:limit - 3] + "..."


def _verdict(cell, points: float, timeout: int) -> TestResult:
    """Score one executed test cell by nbgrader's rule; say why it lost its points."""
    from nbgrader.utils import determine_grade

    gid = _grade_meta(cell)["grade_id"]
    try:
        score, _ = determine_grade(cell)
    except ValueError as exc:  # a partial-credit value out of range
        return TestResult(gid, points, 0.0, "failed", _one_line(str(exc)))
    score = float(score or 0.0)
    errors = [o for o in cell.outputs if o.get("output_type") == "error"]
    stderr = [o for o in cell.outputs if o.get("output_type") == "stream" and o.get("name") == "stderr"]
    if errors:
        error = errors[0]
        name, value = error.get("ename", ""), error.get("evalue", "")
        if name == "NotAttempted":
            return TestResult(gid, points, score, "not attempted", _one_line(value))
        if name == "NotImplementedError":  # a visible test called the release stub
            return TestResult(gid, points, score, "not attempted",
                              "your answer still raises NotImplementedError")
        if name in ("CellTimeoutError", "KeyboardInterrupt"):
            return TestResult(gid, points, score, "failed",
                              f"did not finish within the {timeout} s limit per cell")
        message = value if name in ("CheckFailed", "TooSlow") else f"{name}: {value}"
        return TestResult(gid, points, score, "failed", _one_line(message))
    if score >= points:
        return TestResult(gid, points, score, "passed")
    if stderr:
        return TestResult(gid, points, score, "failed",
                          _one_line("wrote to stderr, which scores 0 (a warning?): "
                                    + stderr[0].get("text", "")))
    return TestResult(gid, points, score, "partial", "partial credit")


def selfcheck(path: Path, root: Path | None = None, timeout: int | None = None) -> SelfCheck:
    """Grade a copy of the notebook at ``path`` with the visible and the hidden tests."""
    path = Path(path).resolve()
    learner = _read_learner(path, root)
    root = root or course_root(path.parent)
    source_path = identify(root, path, learner)
    source = course.read_ipynb(source_path, root)
    nb = assemble(learner, source)
    limit = timeout or cell_timeout(root)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mlinterview-selfcheck-") as tmp:
        workdir = Path(tmp)
        for extra in path.parent.iterdir():  # files the notebook may read beside it
            if extra.is_file() and extra.suffix != ".ipynb" and not extra.name.startswith("."):
                shutil.copy2(extra, workdir / extra.name)
        with _environment(root):
            nb = execute(nb, workdir, limit)
    executed = {_grade_meta(c).get("grade_id"): c for c in nb.cells if _grade_meta(c).get("grade_id")}
    by_id: dict[str, TestResult] = {}
    for cell in source.cells:
        meta = _grade_meta(cell)
        if not (meta.get("grade") or meta.get("task")):
            continue
        gid, points = meta["grade_id"], course._points(cell)
        if not _is_test(cell):
            by_id[gid] = TestResult(gid, points, 0.0, "manual", "graded by a person, not here")
        elif gid not in executed:
            by_id[gid] = TestResult(gid, points, 0.0, "missing",
                                    "this test cell is missing from your notebook (deleted?)")
        else:
            by_id[gid] = _verdict(executed[gid], points, limit)
    parts = [PartResult(title, [by_id[g] for g in ids if g in by_id])
             for title, ids, _ in course.iter_parts(source)]
    in_parts = {t.grade_id for p in parts for t in p.tests}
    loose = [t for g, t in by_id.items() if g not in in_parts]
    if loose:
        parts.append(PartResult("Other tests", loose))
    return SelfCheck(
        assignment=source_path.parent.name, notebook=source_path.stem, path=str(path),
        parts=parts, checked_at=datetime.now().isoformat(timespec="seconds"),
        digest=_digest(path), seconds=round(time.monotonic() - started, 1),
        tests=list(by_id.values()))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pts(value: float) -> str:
    return f"{value:g}"


def format_selfcheck(result: SelfCheck, shown_path: str) -> str:
    lines = [f"Self-check of {shown_path}",
             f"({result.assignment}/{result.notebook}: visible and hidden tests, run on a copy "
             f"in {result.seconds:.0f} s)", ""]
    width = max((len(t.grade_id) for t in result.tests), default=10)
    for part in result.parts:
        lines.append(f"{part.title}: {_pts(part.score)}/{_pts(part.points)} {part.status}")
        for t in part.tests:
            row = (f"  {t.status:13s}  {t.grade_id:{width}s}  "
                   f"{_pts(t.score)}/{_pts(t.points)}")
            lines.append(row + (f"  {t.message}" if t.message and t.status != "passed" else ""))
    passed = sum(p.status == "passed" for p in result.parts)
    lines += ["", f"Total: {_pts(result.score)}/{_pts(result.points)} points; "
                  f"{passed} of {len(result.parts)} parts passed"]
    return "\n".join(lines)


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        pass
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def check(notebook: str | Path | None = None, *, save: bool = True) -> None:
    """Self-check from inside a notebook: ``selfstudy.check()`` grades this notebook's saved file.

    Save the notebook first (Ctrl+S): the check reads the file, not the open
    cells. Prints the report (and returns None, so a notebook shows nothing more).
    """
    if notebook is None:
        session = os.environ.get("JPY_SESSION_NAME", "")
        if not session.endswith(".ipynb"):
            raise CourseError("cannot tell which notebook this is: pass its file name, "
                              "e.g. selfstudy.check('interview_method.ipynb')")
        notebook = session
    path = Path(notebook).resolve()
    root = course_root(path.parent)
    result = selfcheck(path, root)
    print(format_selfcheck(result, _shown(path, root)))
    if save:
        save_result(root, result)


def selfcheck_command(args: argparse.Namespace) -> int:
    """``mlinterview selfcheck <notebook>``: exit 0 when it ran (whatever the score), 2 on error."""
    path = Path(args.notebook)
    root = course_root(getattr(args, "root", None) or path.resolve().parent)
    result = selfcheck(path, root, getattr(args, "timeout", None))
    print(format_selfcheck(result, _shown(path, root)))
    if not getattr(args, "no_save", False):
        saved = save_result(root, result)
        print(f"Saved for `mlinterview progress` in {_shown(saved, root)}")
    return 0


# --------------------------------------------------------------------------- progress


def progress_path(root: Path) -> Path:
    return root / STATE_DIR / PROGRESS_FILE


def load_progress(root: Path) -> dict[str, dict]:
    path = progress_path(root)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}  # a damaged record is rebuilt by the next selfcheck
    return data.get("notebooks", {}) if isinstance(data, dict) else {}


def save_result(root: Path, result: SelfCheck) -> Path:
    path = progress_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    records = load_progress(root)
    records[f"{result.assignment}/{result.notebook}"] = result.summary()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"version": 1, "notebooks": records}, indent=1, sort_keys=True),
                   encoding="utf-8")
    os.replace(tmp, path)  # never leave half a file behind
    return path


@dataclass
class ModuleRow:
    key: str
    status: str  # checked | not checked | not started
    score: float = 0.0
    points: float = 0.0
    parts_passed: int = 0
    parts: int = 0
    note: str = ""


def progress_rows(root: Path) -> list[ModuleRow]:
    records = load_progress(root)
    keys = {_label(p) for p in sorted((root / "release").glob("*/*.ipynb"))} | set(records)
    rows = []
    for key in sorted(keys):
        mine = root / LEARNER_DIR / f"{key}.ipynb"
        record = records.get(key)
        if record is None:
            if mine.is_file() and _started(mine, root / "release" / f"{key}.ipynb", root):
                rows.append(ModuleRow(key, "not checked",
                                      note=f"run: mlinterview selfcheck {LEARNER_DIR}/{key}.ipynb"))
            else:
                rows.append(ModuleRow(key, "not started"))
            continue
        note = f"checked {record.get('checked_at', '?').replace('T', ' ')[:16]}"
        checked = Path(record.get("path", ""))
        if checked.is_file() and _digest(checked) != record.get("digest"):
            note += " (changed since: check again)"
        rows.append(ModuleRow(key, "checked", float(record.get("score", 0)),
                              float(record.get("points", 0)), int(record.get("parts_passed", 0)),
                              len(record.get("parts", [])), note))
    return rows


def _started(mine: Path, release: Path, root: Path) -> bool:
    """Whether the learner has written any answer (``make lab`` copies every release notebook)."""
    if not release.is_file():
        return True
    try:
        theirs, blank = course.read_ipynb(mine, root), course.read_ipynb(release, root)
    except CourseError:
        return True
    answers = lambda nb: [c.source for c in nb.cells if _is_answer(c)]  # noqa: E731
    return answers(theirs) != answers(blank)


def format_progress(rows: list[ModuleRow]) -> str:
    table = [("module/notebook", "points", "parts passed", "status")]
    for r in rows:
        if r.status == "checked":
            table.append((r.key, f"{_pts(r.score)}/{_pts(r.points)}",
                          f"{r.parts_passed}/{r.parts}", r.note))
        else:
            table.append((r.key, "-", "-", r.status + (f"; {r.note}" if r.note else "")))
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    lines = ["  ".join([*(c.ljust(w) for c, w in zip(row, widths)), row[3]]).rstrip()
             for row in table]
    checked = [r for r in rows if r.status == "checked"]
    lines.append("")
    lines.append(f"Total: {_pts(sum(r.score for r in checked))}/"
                 f"{_pts(sum(r.points for r in checked))} points in {len(checked)} checked of "
                 f"{len(rows)} notebooks")
    return "\n".join(lines)


def plot_progress(rows: list[ModuleRow], path: Path) -> Path:
    """One bar per notebook: the share of its points earned at the last self-check."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.5 * len(rows) + 1.2))
    labels = [r.key for r in rows]
    shares = [r.score / r.points if r.status == "checked" and r.points else 0.0 for r in rows]
    ax.barh(labels, [1.0] * len(rows), color="#e6e6e6")
    ax.barh(labels, shares, color="#3b8b3b")
    for y, r in enumerate(rows):
        text = (f"{_pts(r.score)}/{_pts(r.points)} points, {r.parts_passed}/{r.parts} parts"
                if r.status == "checked" else r.status)
        ax.text(0.02, y, text, va="center", fontsize=9)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel("share of points at the last self-check")
    ax.set_title("Your progress")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def progress_command(args: argparse.Namespace) -> int:
    """``mlinterview progress``: every module's last self-check, and a plot."""
    root = course_root(getattr(args, "root", None))
    rows = progress_rows(root)
    if not rows:
        print("No modules found in release/ and no self-checks yet.")
        return 0
    print("Progress, from your last `mlinterview selfcheck` of each notebook:\n")
    print(format_progress(rows))
    plot = plot_progress(rows, root / STATE_DIR / PLOT_FILE)
    print(f"Plot: {_shown(plot, root)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(progress_command(argparse.Namespace(root=None)))
