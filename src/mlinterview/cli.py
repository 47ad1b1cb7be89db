"""The ``mlinterview`` command: thin; each subcommand calls one module."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from . import (
    _quick_imports,  # noqa: F401 - before anything reads a notebook (see it)
    course,
)


def _build(args: argparse.Namespace) -> int:
    root = course.find_root(args.root)
    result = course.build(root, args.assignments or None, check=args.check)
    if args.check:
        if result.stale:
            print("stale build output (run `make build` and commit the result):", file=sys.stderr)
            for item in result.stale:
                print(f"  {item}", file=sys.stderr)
            return 1
        print("source/ and release/ are up to date with notebooks/")
        return 0
    for item in result.written:
        print(f"wrote {item}")
    for item in result.removed:
        print(f"removed {item}")
    if not result.written and not result.removed:
        print("nothing to do: source/ and release/ are up to date")
    return 0


def _check(args: argparse.Namespace) -> int:
    root = course.find_root(args.root)
    problems = course.check_course(root, args.assignments or None)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    n = len(course.authored_notebooks(root, args.assignments or None))
    print(f"{n} notebook(s) checked: every rule holds ({', '.join(course.RULES)})")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from . import demo

    return demo.run(course.find_root(args.root), args.assignments or None,
                    use_stock=args.stock, workers=args.workers)


def _delegate(module: str, function: str):
    """Subcommands whose modules are heavier to import load them only when used."""

    def run(args: argparse.Namespace) -> int:
        import importlib

        return getattr(importlib.import_module(f"mlinterview.{module}"), function)(args)

    return run


def _more_than_zero(text: str) -> float:
    value = float(text)
    # 0 would silently take the extension back, a negative one shorten the student's time
    if not 0 < value < 1e6:
        raise argparse.ArgumentTypeError(f"{text} is not a length of time more than 0 (to take "
                                         f"an extension back: --remove)")
    return value


def _db_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=None, metavar="URL",
                   help="the gradebook, as nbgrader's own --db takes it (e.g. "
                        "postgresql://user@host/course, with mlinterview[postgres]); default: "
                        "c.CourseDirectory.db_url in nbgrader_config.py, else gradebook.db")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mlinterview", description=__doc__)
    parser.add_argument("--root", type=Path, default=None,
                        help="course folder (default: found from the current folder)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build", help="notebooks/*.py -> source/*.ipynb -> release/*.ipynb")
    p.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 naming every stale file")
    p.set_defaults(func=_build)

    p = sub.add_parser("check", help="lint the course: nbgrader metadata and the exercise rules")
    p.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    p.set_defaults(func=_check)

    p = sub.add_parser("demo", help="build, hand in a sample cohort (a hostile student too), "
                       "grade it with `mlinterview grade`, write the reports")
    p.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--stock", action="store_true",
                   help="grade with stock `nbgrader autograde` instead (no hostile student)")
    p.add_argument("--workers", type=int, default=None,
                   help="parallel graders (default: two per core; not with --stock)")
    p.set_defaults(func=_demo)

    p = sub.add_parser("selfcheck", help="run the visible and hidden tests on a copy of your notebook")
    p.add_argument("notebook", type=Path, help="your notebook (e.g. release/m03_ml_coding/knn.ipynb)")
    p.add_argument("--timeout", type=int, default=None,
                   help="seconds per cell (default: the course's, c.Execute.timeout)")
    p.add_argument("--no-save", action="store_true",
                   help="do not record the result for `mlinterview progress`")
    p.set_defaults(func=_delegate("selfstudy", "selfcheck_command"))

    p = sub.add_parser("progress", help="your points and parts passed in every module, with a plot")
    p.set_defaults(func=_delegate("selfstudy", "progress_command"))

    p = sub.add_parser("grade", help="grade a cohort: parallel, sandboxed, resumable")
    p.add_argument("assignment")
    p.add_argument("--workers", type=int, default=None,
                   help="parallel graders (default: two per core: while one student's code "
                        "sleeps, another's runs; time budgets do not count waits for a busy CPU)")
    p.add_argument("--student", action="append", default=None, dest="students",
                   help="grade only this student (repeat for more)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="grade on a Dask cluster: its scheduler's address (tcp://host:8786), "
                        "or 'local' for one on this machine. Every worker needs mlinterview and "
                        "the course at the same path; only this machine writes the gradebook")
    p.add_argument("--skip-solution-check", action="store_true",
                   help="do not grade the course's own solution first (by default, if it "
                        "loses a point here, nothing is graded: every student would lose it too)")
    p.add_argument("--force", action="store_true",
                   help="grade again the submissions already graded and unchanged (by "
                        "default they are skipped; their late penalties still follow the "
                        "gradebook's due date and extensions)")
    _db_argument(p)
    p.set_defaults(func=_delegate("grading.cli", "grade_command"))

    p = sub.add_parser("extension", help="give a student more time for an assignment (late "
                       "penalties), or take it back: what formgrader has no page for")
    p.add_argument("assignment")
    p.add_argument("student")
    when = p.add_mutually_exclusive_group(required=True)
    for unit in ("minutes", "hours", "days", "weeks"):
        when.add_argument(f"--{unit}", type=_more_than_zero, default=None,
                          help=f"the extension, in {unit} (it replaces any earlier one)")
    when.add_argument("--remove", action="store_true", help="take the extension back")
    _db_argument(p)
    p.set_defaults(func=_delegate("grading.cli", "extension_command"))

    p = sub.add_parser("report", help="cohort report (HTML with plots) and a CSV for an LMS")
    p.add_argument("assignment")
    _db_argument(p)
    p.set_defaults(func=_delegate("grading.cli", "report_command"))

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except course.CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def command() -> None:
    """The ``mlinterview`` command: :func:`main`, then an exit without the interpreter's
    teardown. After a grading run, Python's last collections free NumPy's, pandas',
    scikit-learn's and DuckDB's objects one by one: about 1 s measured here, for memory
    the OS takes back at once. What is registered to run at exit still runs, and the
    output is flushed, first. An exception leaves as usual."""
    code = main()
    import atexit

    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing to lose
                stream.flush()
        os._exit(code or 0)


if __name__ == "__main__":
    command()
