"""The writer: find submissions, grade them on warm workers, record the results.

Only this process writes: ``autograded/<student>/<aid>/`` (the executed
notebooks, as ``nbgrader autograde`` leaves them, so ``generate_feedback`` and
formgrader work), the gradebook (one transaction per submission, through
nbgrader's API) and, last, ``autograded/<student>/<aid>/.mlinterview-grade.json``:
the hash of what was graded and the per-part results the report reads.

Resume: a submission whose marker holds the hash of its current files (and of
the source notebooks, and of this grader's version) is skipped, if the gradebook
has its scores (given another gradebook, it is graded again into it). A run killed
at any point leaves each submission either marked (fully written) or not
(graded again next time: gradebook rows are updated in place, keyed by
student, notebook and cell, so nothing is counted twice). ``submitted/`` is
only ever read.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import shutil
import sys
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

GRADER_VERSION = "3"  # 2: lesson illustrations tagged skip-when-grading are not run;
#                        3: estimator checks run in the grader, on a stand-in (mirror.py)
MARKER = ".mlinterview-grade.json"
_WORKER = None
_STARTED = None  # shared with the parent: 1 for each job a worker has begun
_WATCHDOG = 0.0


@dataclass
class Summary:
    graded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)
    missing_protections: list[str] = field(default_factory=list)
    seconds: float = 0.0
    solution_points: float | None = None  # what the course's solution scored here, if graded
    solution_seconds: float = 0.0  # and how long it took


THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextlib.contextmanager
def one_thread():
    """One thread for BLAS and OpenMP while grading: the workers already use every core.

    It is also what makes forking safe. GNU OpenMP (the libgomp scikit-learn's wheels
    ship) keeps a pool of threads after its first parallel region, and a process forked
    from one that used it hangs at its own first parallel region: the workers fork
    from this process, a Dask job's process from a worker that ran scikit-learn
    references, and the kernel factory inherits the cap. The environment caps libraries
    loaded from now on; threadpoolctl caps the ones already loaded (say, by a Python
    session or a test run that fitted a model before calling ``grade``). Both are
    put back afterwards."""
    from threadpoolctl import threadpool_limits

    saved = {var: os.environ.get(var) for var in THREAD_VARS}
    os.environ.update(dict.fromkeys(THREAD_VARS, "1"))
    try:
        with threadpool_limits(1):
            yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def cores() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else os.cpu_count() or 1


def default_workers() -> int:
    return 2 * cores()


def load_config(root: Path):
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    config = Config()
    if (root / "nbgrader_config.py").is_file():
        config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
    return config


def settings_for(root: Path, cell_timeout: float | None = None,
                 submission_timeout: float | None = None, db_url: str | None = None):
    """The grading settings and the course id, from the course's nbgrader_config.py. The
    gradebook is ``db_url`` if given (``--db``, as nbgrader's own commands take it), else
    the config's ``CourseDirectory.db_url``, else ``gradebook.db`` beside it."""
    from .evaluate import Settings

    config = load_config(root)
    db_url = (db_url or config.CourseDirectory.get("db_url")
              or f"sqlite:///{root / 'gradebook.db'}")
    timeout = cell_timeout or float(config.Execute.get("timeout", 60) or 60)
    settings = Settings(course_root=root.resolve(), db_url=db_url, cell_timeout=timeout,
                        max_lines=int(config.LimitOutput.get("max_lines", 1000)),
                        max_traceback=int(config.LimitOutput.get("max_traceback", 100)))
    if submission_timeout:
        settings.submission_timeout = submission_timeout
    return settings, config.CourseDirectory.get("course_id", "")


# what every kernel needs, whatever the assignment: IPython's shell, its plot display, and
# the course's checks (which bring NumPy)
KERNEL_BASE = ("IPython", "matplotlib_inline.backend_inline", "mlinterview.checks")
# without an assignment: the course's libraries and every exercise module
WARM_MODULES = ("numpy", "pandas", "scipy", "sklearn", "duckdb", "matplotlib.pyplot",
                "mlinterview.datasets")
# the workers', not the kernels': nbgrader's parts, and IPython's reading of a cell (cellflow)
GRADER_MODULES = ("nbgrader.preprocessors", "nbgrader.api", "IPython.core.inputtransformer2")
# drawn in the kernels, read by no test: the workers need not import them (0.35 s)
KERNEL_ONLY_ROOTS = ("IPython", "matplotlib", "matplotlib_inline")


def warm(source_dir: Path | None = None) -> list[str]:
    """Import what the workers need, once, before they fork: nbgrader's parts, and every
    module the assignment's notebooks (hidden tests too) and the course modules they use
    import (``sklearn.neighbors`` alone costs 0.1 s), but plotting. Returns them."""
    import importlib

    done = []
    for name in dict.fromkeys([*GRADER_MODULES, *(
            m for m in kernel_modules(source_dir, tests=True)
            if m.split(".")[0] not in KERNEL_ONLY_ROOTS)]):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001,S112 - a module that will not import is the kernel's problem
            continue
        done.append(name)
    return done


def kernel_modules(source_dir: Path | None = None, tests: bool = False) -> list[str]:
    """The modules a kernel of this assignment needs, imported once by the kernel factory:
    what the notebooks' cells import (test cells only if ``tests``: they run in the grader,
    never in a kernel), and what the course's own modules among them import in turn.
    Without ``source_dir``, every exercise module and the course's libraries. Names only:
    the factory never reads ``source/`` (see ``factory``). Only what this assignment uses:
    m00's factory and workers need not import scikit-learn or DuckDB, nor read m06's shop."""
    import pkgutil

    import mlinterview.exercises as exercises
    from mlinterview.course import CourseError, read_ipynb

    from .evaluate import ALLOWED_MODULE_ROOTS

    names = list(KERNEL_BASE)
    if source_dir is None:
        names += WARM_MODULES
        names += [f"mlinterview.exercises.{info.name}" for info in pkgutil.iter_modules(exercises.__path__)]
    sources = []
    for path in sorted(source_dir.glob("*.ipynb")) if source_dir else ():
        with contextlib.suppress(CourseError):  # a broken notebook is reported when graded
            sources += [c.source for c in read_ipynb(path).cells if c.cell_type == "code"
                        and (tests or not c.metadata.get("nbgrader", {}).get("grade")
                             or c.metadata.get("nbgrader", {}).get("solution"))]
    found = sorted(m for text in sources for m in imported_modules(text))
    names += [m for m in _with_course_imports(names + found)
              if m.split(".")[0] in ALLOWED_MODULE_ROOTS]
    return list(dict.fromkeys(names))


def _with_course_imports(names: list[str]) -> list[str]:
    """``names``, and after each of the course's own modules (``mlinterview.*``) what its
    source imports, relative imports included, and so on: found by reading, not importing."""
    import importlib.util

    out, seen = [], set()

    def visit(name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        out.append(name)
        if name.split(".")[0] != "mlinterview":
            return
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            return
        if spec is None or not spec.origin or not spec.origin.endswith(".py"):
            return
        package = name if spec.submodule_search_locations is not None else name.rpartition(".")[0]
        for found in sorted(imported_modules(Path(spec.origin).read_text(), package)):
            visit(found)

    for name in names:
        visit(name)
    return out


def imported_modules(source: str, package: str | None = None) -> set[str]:
    """The absolute module names a piece of Python (or an IPython cell) imports; given the
    ``package`` it belongs to, its relative imports too (``from .. import checks`` in
    ``mlinterview.exercises`` is ``mlinterview.checks``)."""
    import ast
    import importlib.util

    # IPython's magics and shell escapes are not Python
    text = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                      for line in source.splitlines())
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.level == 0 and node.module or package):
            try:
                base = importlib.util.resolve_name("." * node.level + (node.module or ""), package)
            except (ImportError, ValueError):
                continue
            found.add(base)
            # ``from mlinterview.exercises import m00``: the names may be the course's modules
            found.update(f"{base}.{alias.name}" for alias in node.names
                         if _is_course_module(f"{base}.{alias.name}"))
    return found


def _is_course_module(name: str) -> bool:
    import importlib.util

    try:
        return name.startswith("mlinterview.") and importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def read_files(folder: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink() and ".ipynb_checkpoints" not in path.parts:
            files[str(path.relative_to(folder))] = path.read_bytes()
    return files


def submission_hash(files: dict[str, bytes], source_dir: Path) -> str:
    h = hashlib.sha256(GRADER_VERSION.encode())
    for rel, data in sorted(files.items()):
        h.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
    for path in sorted(source_dir.glob("*.ipynb")):
        h.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def patience(settings) -> float:
    """A worker that has not answered this long after a submission's own limits ran out
    (its limit, then one more cell's) is stuck in the grader's own code, where no limit
    reaches: it exits, printing where it was."""
    return settings.submission_timeout + settings.cell_timeout + 60.0


def _init_worker(settings, uid_base, counter, started, kernels, shared) -> None:
    global _WORKER, _STARTED, _WATCHDOG
    from . import memo
    from .evaluate import Grader

    with counter.get_lock():
        counter.value += 1
        index = counter.value
    memo.share(*shared)  # (folder, secret): references computed once for the whole run
    _WORKER = Grader(settings, uid_base + index, kernels)
    _STARTED = started
    _WATCHDOG = patience(settings)


def _grade_job(job, student, aid, notebooks, files):
    _STARTED[job] = 1  # the parent tells the jobs a dead worker was grading from the rest
    return _guarded(_WORKER, _WATCHDOG, student, aid, notebooks, files)


def _guarded(grader, watchdog: float, student, aid, notebooks, files) -> dict:
    """``grader.grade``, in a process that exits, printing where it was, if the grader's own
    code is stuck ``watchdog`` seconds; a grader bug costs this submission, not the run."""
    import faulthandler

    faulthandler.dump_traceback_later(watchdog, exit=True)
    try:
        return grader.grade(student, aid, notebooks, files)
    except Exception as exc:  # noqa: BLE001 - the bug is reported for this submission
        import traceback

        return {"student": student, "error": f"{type(exc).__name__}: {exc}",
                "trace": traceback.format_exc()[-2000:]}
    finally:
        faulthandler.cancel_dump_traceback_later()


class Progress:
    def __init__(self, total: int, out):
        self.total, self.done, self.out, self.start = total, 0, out, time.monotonic()

    def step(self, label: str) -> None:
        self.done += 1
        spent = time.monotonic() - self.start
        rate = spent / self.done
        eta = rate * (self.total - self.done)
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        self.out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                       f"{spent:5.1f}s elapsed, ETA {eta:5.1f}s  {label[:30]:<30}")
        if self.done == self.total:
            self.out.write("\n")
        self.out.flush()


def grade(root: Path, aid: str, workers: int | None = None, students: list[str] | None = None,
          out=sys.stderr, cell_timeout: float | None = None,
          submission_timeout: float | None = None, scheduler: str | None = None,
          check_solution: bool = True, db_url: str | None = None, force: bool = False) -> Summary:
    """Grade ``aid``'s submissions on this machine's workers, or, given ``scheduler`` (a Dask
    scheduler's address, or "local" for a Dask cluster on this machine), on a Dask cluster's.

    Unless ``check_solution`` is false, the course's own solution is graded first, beside
    the students, and nothing is recorded unless it scores full marks (see ``_finisher``).
    ``force`` grades again the submissions a finished run would skip (see the module's
    note)."""
    with one_thread():
        return _grade(root, aid, workers, students, out, cell_timeout, submission_timeout,
                      scheduler, check_solution, db_url, force)


def _grade(root: Path, aid: str, workers: int | None, students: list[str] | None, out,
           cell_timeout: float | None, submission_timeout: float | None,
           scheduler: str | None = None, check_solution: bool = True,
           db_url: str | None = None, force: bool = False) -> Summary:
    root = root.resolve()
    settings, course_id = settings_for(root, cell_timeout, submission_timeout, db_url)
    kernels = None
    if scheduler is None:
        from .factory import KernelFactory

        # first, before this process reads a submission (the factory is started afresh,
        # not forked from here, all the same): it imports the kernels' libraries on one
        # core while this process imports nbgrader's and the workers' on the other
        kernels = KernelFactory.start(kernel_modules(root / "source" / aid), settings.data_dir)
    try:
        return _grade_with(root, aid, workers, students, out, settings, course_id, scheduler,
                           check_solution, kernels, force)
    finally:
        if kernels is not None:
            kernels.close()  # a no-op after discard()


def _grade_with(root: Path, aid: str, workers: int | None, students: list[str] | None, out,
                settings, course_id: str, scheduler: str | None, check_solution: bool,
                kernels, force: bool = False) -> Summary:
    import multiprocessing

    from nbgrader.api import MissingEntry

    from ..stock import gradebook
    from . import memo, sandbox

    # nbgrader's update_or_create_submission trips SQLAlchemy's autoflush warning; harmless
    warnings.filterwarnings("ignore", message=".*not in session.*")
    summary = Summary()
    try:
        with gradebook(settings.db_url, course_id) as gb:
            assignment = gb.find_assignment(aid)
            notebooks = [nb.name for nb in assignment.notebooks]
            # whose scores this gradebook holds: a marker (see the module's note) skips a
            # submission only if they are here too, not after a switch to another gradebook
            recorded = {sub.student_id for sub in assignment.submissions}
    except MissingEntry:
        if kernels is not None:
            kernels.discard()
        raise SystemExit(f"error: {aid} is not in the gradebook: run "
                         f"`nbgrader generate_assignment {aid}` first") from None
    submitted = root / "submitted"
    folders = sorted(p for p in submitted.glob(f"*/{aid}") if p.is_dir())
    if students:
        folders = [p for p in folders if p.parent.name in set(students)]
    jobs, kept, took = [], {}, {}
    for folder in folders:
        student = folder.parent.name
        files = read_files(folder)
        digest = submission_hash(files, root / "source" / aid)
        marker = root / "autograded" / student / aid / MARKER
        try:
            done = json.loads(marker.read_text())
            if not force and done["hash"] == digest and student in recorded:
                kept[student] = done["result"]["notebooks"]
                summary.skipped.append(student)
                continue
            took[student] = float(done["result"]["seconds"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
        jobs.append((student, files, digest))
    _longest_first(jobs, took)
    if scheduler is None:
        summary.missing_protections = sandbox.probe(settings.limits)
        for line in summary.missing_protections:
            print(f"WARNING: SANDBOX PROTECTION MISSING: {line}", file=out)
    if summary.skipped:
        print(f"{len(summary.skipped)} submission(s) already graded and unchanged: skipped", file=out)
    if not jobs:
        if kernels is not None:
            kernels.discard()  # asked for nothing: it need not finish importing
        if kept:
            with gradebook(settings.db_url, course_id) as gb:
                _refresh_late_penalties(gb, late_penalties(root), aid, kept)
        return summary
    if check_solution:  # graded first, beside the students (see _finisher)
        jobs.insert(0, (SOLUTION, read_files(root / "source" / aid), None))
    # two per core by default: while one student's code sleeps or a grader waits on its
    # kernel, another runs (time budgets do not count waits for a busy CPU: see checks)
    workers = max(1, min(workers or default_workers(), len(jobs)))
    if scheduler is not None:
        summary.seconds = _grade_on_dask(root, aid, notebooks, jobs, settings, course_id,
                                         scheduler, workers, summary, out, kept)
        return summary
    warm(root / "source" / aid)
    start = time.monotonic()
    progress = Progress(len(jobs), out)
    ctx = multiprocessing.get_context("fork")
    counter, started = ctx.Value("i", 0), ctx.Array("b", len(jobs), lock=False)
    gc.freeze()  # the workers fork from here, and need not copy what they never free (see Grader)
    with contextlib.ExitStack() as stack:
        stack.callback(gc.unfreeze)  # this process goes on (and is checked for leaks at exit)
        # where the workers hand each other the references they compute (see memo.Shared):
        # under the temporary folder, which no kernel sees, signed with a key no kernel has
        shared = memo.for_run(stack)
        gb = stack.enter_context(gradebook(settings.db_url, course_id))
        finish = _finisher(root, gb, aid, jobs, summary, progress, kept)

        # A worker that dies (or is stopped by its watchdog) breaks its pool, and every job
        # not yet answered fails with it. Those no worker had begun go round again; those
        # one had begun are graded again one at a time, so a second death names its cause.
        todo, alone = list(range(len(jobs))), []
        while todo or alone:
            batch = todo or [alone.pop(0)]
            for job in batch:
                started[job] = 0
            cut = _run_pool(ctx, workers if todo else 1,
                            (settings, sandbox.FIRST_UID, counter, started, kernels, shared),
                            [(job, jobs[job][0], aid, notebooks, jobs[job][1]) for job in batch],
                            finish)
            begun = [job for job in cut if started[job]]
            if todo and begun:
                todo, alone = [job for job in cut if not started[job]], alone + begun
                continue
            # alone and it died again, or no worker could even begin: give up on these
            why = (f"the grader's worker died while grading it, or was stopped after "
                   f"{patience(settings):g} s without an answer (its traceback is above)" if begun else
                   "the grader's workers could not start")
            for job in cut:
                finish(job, {"error": why})
            todo = []
    summary.seconds = time.monotonic() - start
    return summary


SOLUTION = "the course's solution"  # the first job's student: source/<aid>/ as handed in


def _longest_first(jobs: list[tuple], took: dict[str, float]) -> None:
    """Order ``jobs`` (student first in each) by the seconds each took when last graded
    (``took``, from the markers: a regrade after a change to the course, or ``--force``),
    longest first: a submission that ran into the time limits last time then starts at
    once, instead of last with the run waiting on it alone. One never graded counts as
    the median; ties keep their order (by name)."""
    if took:
        import statistics

        typical = statistics.median(took.values())
        jobs.sort(key=lambda job: -took.get(job[0], typical))


class SolutionFails(SystemExit):
    """The course's own solution lost points here: the run stops and records nothing."""


def _solution_lost(result: dict, aid: str) -> tuple[str | None, float]:
    """Why the course's solution lost points here (None when it lost none), and the points
    it was graded on; parts graded by hand do not count. Parts that failed the same way
    are named together, so a missing file is said once, not once per part."""
    if "error" in result:
        return f"{SOLUTION} (source/{aid}/) could not be graded here: {result['error']}", 0.0
    by_reason: dict[str, list[str]] = {}
    total = lost = 0.0
    for nb in result["notebooks"]:
        if nb["status"] != "graded":
            by_reason.setdefault(f"{nb['name']}.ipynb: {nb['message']}", [])
        for gid, (score, most) in sorted(nb["grades"].items()):
            if score is None:
                continue
            total += most
            if score < most:
                lost += most - score
                why = nb["failures"].get(gid) or "no message"
                by_reason.setdefault(why, []).append(f"{nb['name']}/{gid}")
    if not by_reason:
        return None, total
    lines = [f"{SOLUTION} (source/{aid}/) loses {lost:g} of {total:g} points on this machine, "
             f"so every student's answer would too:"]
    for why, parts in by_reason.items():
        names = ", ".join(parts[:6]) + (f" and {len(parts) - 6} more" if len(parts) > 6 else "")
        lines.append(f"  {why}" + (f"\n    ({len(parts)} part(s): {names})" if parts else ""))
    return "\n".join(lines), total


def _finisher(root: Path, gb, aid: str, jobs: list[tuple], summary: Summary, progress: Progress,
              kept: dict[str, list[dict]]):
    """What the writer does with each answer: record it, or note why it could not be graded.
    And first, the late penalties of the submissions skipped as ``kept`` are brought up to date
    (see :func:`_refresh_late_penalties`).

    When the course's own solution is among the jobs (the first: see ``grade``), nothing
    is recorded until it has scored full marks here, and if it loses a point the run stops
    with :class:`SolutionFails`: whatever cost it that point (a data file missing, a library
    that changed its answers) would cost every student the same, and their wrong grades
    would reach the gradebook and their feedback."""
    held: list[tuple[int, dict]] | None = [] if any(j[0] == SOLUTION and j[2] is None
                                                   for j in jobs) else None
    late = late_penalties(root)
    if held is None:
        _refresh_late_penalties(gb, late, aid, kept)

    def record_one(job: int, result: dict) -> None:
        student, files, digest = jobs[job]
        if "error" in result:
            summary.problems.setdefault(student, []).append(f"not graded: {result['error']}")
        else:
            record(root, gb, aid, student, files, digest, result, late)
            summary.graded.append(student)
            problems = list(result["problems"]) + [
                f"{nb['name']}: {nb['message']}" for nb in result["notebooks"] if nb["message"]]
            if problems:
                summary.problems[student] = problems

    def finish(job: int, result: dict) -> None:
        nonlocal held
        student, _, digest = jobs[job]
        progress.step(student)
        if student == SOLUTION and digest is None:
            why, total = _solution_lost(result, aid)
            if why:
                raise SolutionFails(
                    f"error: {why}\nNothing was recorded. Fix the course or the machine (a data "
                    f"file missing? a library's version?), or grade anyway with "
                    f"--skip-solution-check.")
            summary.solution_points, summary.solution_seconds = total, result["seconds"]
            waiting, held = held or [], None
            _refresh_late_penalties(gb, late, aid, kept)
            for args in waiting:
                record_one(*args)
        elif held is not None:
            held.append((job, result))
        else:
            record_one(job, result)

    return finish


# --------------------------------------------------------------------------- on a Dask cluster
# Beyond one machine, the jobs go to Dask distributed's workers. Each must have mlinterview
# installed and the course at the same path (the hidden tests are read from source/ there,
# and data/ is mounted into the kernels). Only this process writes (autograded/, the
# gradebook, the markers), as on one machine. A Dask worker keeps one warm Grader and forks
# a process of its own for each submission, so a grader that crashes or hangs costs that
# submission alone, never the Dask worker. Each such process holds a sandbox user id no
# other process on its machine holds (a locked file each).
DASK_UID_BASE = 1000  # sandbox.FIRST_UID + this + slot: clear of the local workers' ids
_DASK_GRADER = None
_DASK_AID: str | None = None
_DASK_LOCK = threading.Lock()


def _grade_on_dask(root: Path, aid: str, notebooks: list[str], jobs: list[tuple], settings,
                   course_id: str, scheduler: str, workers: int, summary: Summary, out,
                   kept: dict[str, list[dict]]) -> float:
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as completed
    except ImportError:
        raise SystemExit("error: grading on a Dask cluster needs Dask distributed: "
                         "pip install 'mlinterview[cluster]'") from None
    from ..stock import gradebook
    from . import sandbox

    start = time.monotonic()
    with contextlib.ExitStack() as stack:
        if scheduler == "local":
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler))
        missing = client.run(sandbox.probe, settings.limits)  # {worker address: [sentences]}
        for address, lines in sorted(missing.items()):
            for line in lines:
                summary.missing_protections.append(f"{address}: {line}")
                print(f"WARNING: SANDBOX PROTECTION MISSING on {address}: {line}", file=out)
        progress = Progress(len(jobs), out)
        gb = stack.enter_context(gradebook(settings.db_url, course_id))
        finish = _finisher(root, gb, aid, jobs, summary, progress, kept)
        futures = {client.submit(_dask_job, settings, student, aid, notebooks, files,
                                 pure=False): job for job, (student, files, _) in enumerate(jobs)}
        for future in completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a Dask worker lost (KilledWorker, say)
                result = {"error": f"its Dask worker failed: {type(exc).__name__}: {exc}"}
            finish(futures[future], result)
    return time.monotonic() - start


def _dask_grader(settings, aid: str):
    """This Dask worker's warm Grader, made on its first job of an assignment (the libraries
    capped at one thread first, as on one machine: the grader forks, and OpenMP hangs in a
    fork); its kernel factory imports what that assignment's kernels use."""
    global _DASK_GRADER, _DASK_AID
    with _DASK_LOCK:  # a worker started with several threads takes several jobs at once
        if _DASK_GRADER is None or _DASK_GRADER.settings != settings or aid != _DASK_AID:
            from threadpoolctl import threadpool_limits

            from .evaluate import Grader
            from .factory import KernelFactory

            os.environ.update(dict.fromkeys(THREAD_VARS, "1"))
            threadpool_limits(1)
            source = settings.course_root / "source" / aid
            if _DASK_GRADER is not None:
                _DASK_GRADER.kernels.close()
            kernels = KernelFactory.start(kernel_modules(source), settings.data_dir)
            warm(source)
            _DASK_GRADER = Grader(settings, 0, kernels)  # its uid is set in each job's process
            _DASK_AID = aid
        return _DASK_GRADER


def _claim_uid() -> int:
    """A sandbox user id for this process alone on this machine, held until it exits."""
    import fcntl
    import tempfile

    folder = Path(tempfile.gettempdir()) / "mlinterview-uid-slots"
    folder.mkdir(mode=0o700, exist_ok=True)
    for slot in range(1, 100_000):
        fd = os.open(folder / f"{slot}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue
        from . import sandbox

        return sandbox.FIRST_UID + DASK_UID_BASE + slot  # the lock goes when this process does
    raise RuntimeError("no sandbox user id left on this machine")


def _dask_job(settings, student: str, aid: str, notebooks: list[str], files: dict) -> dict:
    """Runs on a Dask worker: grade one submission in a process forked for it."""
    import pickle
    import socket

    if not (settings.course_root / "source" / aid).is_dir():
        return {"student": student, "error": f"the Dask worker on {socket.gethostname()} has no "
                f"{settings.course_root / 'source' / aid}: every worker needs the course at "
                "the same path"}
    grader = _dask_grader(settings, aid)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the job's process
        code = 0
        try:
            os.close(r)
            grader.uid = _claim_uid()
            data = pickle.dumps(_guarded(grader, patience(settings), student, aid, notebooks, files))
            with os.fdopen(w, "wb") as fh:
                fh.write(data)
        except BaseException:  # noqa: BLE001
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        data = fh.read()
    _, status = os.waitpid(pid, 0)
    try:
        return pickle.loads(data)  # noqa: S301 - written by the grader's own process
    except Exception:  # noqa: BLE001 - nothing, or half an answer: the process died
        return {"student": student, "error": "the grader's process died while grading it, or was "
                f"stopped after {patience(settings):g} s without an answer "
                f"(exit status {os.waitstatus_to_exitcode(status)})"}


def _run_pool(ctx, workers: int, initargs: tuple, batch: list[tuple], finish) -> list[int]:
    """Grade a batch of jobs in one pool (its workers made by ``_init_worker(*initargs)``)
    and pass each answer to ``finish``; returns the jobs left unanswered when a worker
    died and broke the pool."""
    from concurrent.futures.process import BrokenProcessPool

    cut = []
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                             initargs=initargs) as pool:
        futures = {pool.submit(_grade_job, *args): args[0] for args in batch}
        try:
            for future in as_completed(futures):
                job = futures[future]
                try:
                    result = future.result()
                except BrokenProcessPool:
                    cut.append(job)
                    continue
                except Exception as exc:  # noqa: BLE001 - the job could not be sent or answered
                    result = {"error": f"worker failed: {exc}"}
                finish(job, result)
        except BaseException:  # the run stops (SolutionFails, Ctrl-C): no job not yet begun
            for future in futures:
                future.cancel()
            raise
    return sorted(cut)


def _with_cell_names(gb, model, notebook_id: str) -> list:
    """(row, its cell's name) for each ``model`` (nbgrader's Grade or Comment) of one
    submitted notebook."""
    from nbgrader.api import BaseCell

    return gb.db.query(model, BaseCell.name).join(BaseCell, model.cell_id == BaseCell.id) \
        .filter(model.notebook_id == notebook_id).all()


def late_penalties(root: Path):
    """nbgrader's own AssignLatePenalties, the last step of stock autograde, configured by the
    course's nbgrader_config.py as stock's is (``c.LateSubmissionPlugin.penalty_method``, or
    ``c.AssignLatePenalties.plugin_class`` for a plugin of the course's). Quiet: stock logs
    each late submission, which would break into the progress bar; the penalties are in the
    gradebook, and ``nbgrader export`` and formgrader show them."""
    import logging

    from nbgrader.preprocessors import AssignLatePenalties

    late = AssignLatePenalties(config=load_config(root))
    late.log = logging.getLogger("mlinterview.grading.late")
    late.log.propagate = False
    if not late.log.handlers:  # with none, logging's last resort would print its warnings
        late.log.addHandler(logging.NullHandler())
    late.init_plugin()
    return late


def _refresh_late_penalties(gb, late, aid: str, kept: dict[str, list[dict]]) -> None:
    """The penalties of submissions skipped as graded and unchanged (``kept``: student ->
    the notebooks their marker records), worked out again from the gradebook as it is now:
    a due date, an extension or a late policy changed since counts at the next run, and
    nothing is graded again for it (stock autograde would need --force)."""
    if not kept:
        return
    try:
        for student, notebooks in kept.items():
            _assign_late_penalties(gb, late, aid, student, {nb["name"]: nb for nb in notebooks})
        gb.db.commit()
    except BaseException:
        gb.db.rollback()
        raise


def _assign_late_penalties(gb, late, aid: str, student: str, graded: dict) -> None:
    """What stock's AssignLatePenalties records, in this submission's transaction: for each
    notebook graded, the plugin's penalty if the submission came past its due date
    (extensions counted; its timestamp.txt says when), kept between 0 and the notebook's
    score; none otherwise."""
    gb.db.flush()  # the grades just set, so that each notebook's score is read with them
    seconds_late = gb.find_submission(aid, student).total_seconds_late
    for name, nb in graded.items():
        row = gb.find_submission_notebook(name, aid, student)
        row.late_submission_penalty = None
        if seconds_late > 0 and nb["status"] == "graded":
            gb.db.expire(row, ["score"])
            penalty = late.plugin_inst.late_submission_penalty(student, row.score, seconds_late)
            if penalty is not None:
                row.late_submission_penalty = late._check_late_penalty(row, penalty)


def record(root: Path, gb, aid: str, student: str,
           files: dict[str, bytes], digest: str, result: dict, late=None) -> None:
    """Write one graded submission: autograded files, then the gradebook (one
    transaction, on the run's open gradebook: the grades, and ``late``'s penalties, see
    :func:`late_penalties`), then the marker."""
    from nbgrader.api import Comment, Grade

    final = root / "autograded" / student / aid
    # what a killed run left half-written (never the marker-bearing final folder)
    for leftover in final.parent.glob(f".{aid}.partial-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in final.parent.glob(f".{aid}.old-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    staging = final.parent / f".{aid}.partial-{os.getpid()}"
    staging.mkdir(parents=True)
    graded = {nb["name"]: nb for nb in result["notebooks"]}
    for rel, data in files.items():
        name = rel[:-6] if rel.endswith(".ipynb") else None
        if name in graded:
            continue
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    source_dir = root / "source" / aid
    for path in source_dir.rglob("*"):
        if path.is_file() and path.suffix != ".ipynb" and ".ipynb_checkpoints" not in path.parts:
            target = staging / path.relative_to(source_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    for name, nb in graded.items():
        if nb["notebook"] is not None:
            (staging / f"{name}.ipynb").write_text(nb["notebook"], encoding="utf-8")
    trash = final.parent / f".{aid}.old-{os.getpid()}"
    if final.exists():
        final.rename(trash)
    staging.rename(final)
    shutil.rmtree(trash, ignore_errors=True)

    timestamp = files.get("timestamp.txt", b"").decode("utf-8", "replace").strip() or None
    try:
        gb.update_or_create_student(student)
        if timestamp:
            gb.update_or_create_submission(aid, student, timestamp=timestamp)
        else:
            gb.update_or_create_submission(aid, student)
        # each notebook's grades and comments with their cells' names, in one query each:
        # ``grade.name`` would load each cell with a query of its own, after a flush
        # (recording took 39 ms of CPU a submission of m03 that way, 24 ms this way)
        with gb.db.no_autoflush:
            for name, nb in graded.items():
                row = gb.find_submission_notebook(name, aid, student)
                for grade, cell in _with_cell_names(gb, Grade, row.id):
                    if nb["status"] == "graded" and cell in nb["grades"]:
                        grade.auto_score = nb["grades"][cell][0]
                        grade.needs_manual_grade = (grade.manual_score is not None
                                                    or grade.auto_score is None)
                    else:  # a cell deleted from the notebook, or a notebook not graded
                        grade.auto_score = 0 if nb["status"] != "graded" else None
                        grade.needs_manual_grade = nb["status"] == "graded"
                for comment, cell in _with_cell_names(gb, Comment, row.id):
                    if cell in nb["comments"]:
                        comment.auto_comment = nb["comments"][cell]
        if late is not None:
            _assign_late_penalties(gb, late, aid, student, graded)
        gb.db.commit()
    except BaseException:
        gb.db.rollback()
        raise

    summary = {k: v for k, v in result.items() if k != "notebooks"}
    summary["notebooks"] = [{k: v for k, v in nb.items() if k != "notebook"}
                            for nb in result["notebooks"]]
    marker = final / MARKER
    tmp = marker.with_suffix(".tmp")
    tmp.write_text(json.dumps({"hash": digest, "aid": aid, "graded_at": time.time(),
                               "result": summary}, indent=1))
    tmp.replace(marker)
