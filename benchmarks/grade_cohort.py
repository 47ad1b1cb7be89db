"""Grade one synthetic cohort with stock `nbgrader autograde` and with `mlinterview grade`.

The cohort (40+ submissions by default, per assignment notebook): reference
answers, every fixture of tests/fixtures/ (partial credit), blank releases,
erroring answers (every answer cell raises) and slow ones (an answer cell
sleeps 3 s). Both graders run on copies of the same scratch course; the
script checks every cell score is identical and prints both times and the
speed-up. Figures are printed, never asserted.

It also prints where the CPU went (each submission's grading worker, and its
kernels: the learner's code and the lessons' cells, time budgets used up
included; and of the worker's, the students' SQL queries, which run there) and
a bound: the students' code's CPU spread over the cores, the least time any
grader running this cohort's code in these kernels could take.

This machine's speed drifts within minutes (the same loop takes 1.4 s, then 2.4 s),
and stock's run is several minutes long: ``--runs N`` alternates the two graders N
times, each on a fresh copy of the course, and reports the median of the N speed-ups.

    python benchmarks/grade_cohort.py [--students 40] [--assignment m00_interview_method] [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]


def scratch(folder: Path) -> Path:
    folder.mkdir(parents=True)
    shutil.copy2(ROOT / "nbgrader_config.py", folder / "nbgrader_config.py")
    for name in ("source", "release"):
        shutil.copytree(ROOT / name, folder / name)
    (folder / "notebooks").mkdir()
    return folder


def cohort(aid: str, size: int) -> dict[str, dict[str, nbformat.NotebookNode]]:
    from mlinterview import submissions

    made: dict[str, dict[str, nbformat.NotebookNode]] = {}
    kinds = []
    for nb in submissions.notebooks_of(ROOT, aid):
        fixtures = submissions.load_fixtures(ROOT, aid, nb)
        source = nbformat.read(ROOT / "source" / aid / f"{nb}.ipynb", 4)
        answers = list(submissions.answer_sources(source))
        erroring = submissions.Fixture("erroring", Path(), "raises", {a: "raise RuntimeError('oops')\n"
                                                                      for a in answers})
        slow = submissions.Fixture("slow", Path(), "sleeps", {
            answers[0]: "import time\ntime.sleep(3)\n" + submissions.answer_sources(source)[answers[0]]})
        kinds = [("reference", None, "solution"), ("blank", None, "blank"),
                 ("erroring", erroring, "solution"), ("slow", slow, "solution")]
        kinds += [(f.name, f, "solution") for f in fixtures]
        for i in range(size):
            name, fx, base = kinds[i % len(kinds)]
            made.setdefault(f"s{i:03d}_{name}", {})[nb] = submissions.fixture_submission(
                ROOT, aid, nb, fx, base)
    return made


def where_it_went(root: Path, aid: str, wall: float, workers: int, said: str = "") -> float:
    """Each submission's own grading time (its markers), the course's solution's (graded
    first: ``said`` is the command's output), and what is left of the run's time beyond
    them: starting Python and the workers, importing the libraries, the gradebook. Then
    where the CPU went: the workers' (tests, references, comparisons, nbgrader's steps)
    and the kernels' (the learner's code and the lessons' cells). The CPU seconds of the
    students' code are returned: their kernels', and their SQL queries' (run by the workers)."""
    import json
    import re

    from mlinterview.grading import runner

    results = [json.loads(m.read_text())["result"]
               for m in root.glob(f"autograded/*/{aid}/{runner.MARKER}")]
    if not results:
        return 0.0
    times = sorted(r["seconds"] for r in results)
    solution = re.search(r"points here first \(([0-9.]+) s\)", said)
    if solution:
        print(f"  the course's solution, graded first: {float(solution.group(1)):.2f} s")
    used = min(workers, len(times) + bool(solution))
    total = sum(times) + (float(solution.group(1)) if solution else 0.0)
    slow = [t for t in times if t >= 1.0]
    print(f"  per submission: median {times[len(times) // 2]:.2f} s, slowest {times[-1]:.1f} s; "
          f"{len(slow)} took 1 s or more ({sum(slow):.1f} s of the {sum(times):.1f} s in all)")
    print(f"  all of that / {used} workers: {total / used:.1f} s; the rest of the {wall:.1f} s "
          f"(starting, importing, recording, the last worker's tail): {wall - total / used:.1f} s")
    graders = sorted(r.get("grader_cpu", 0.0) for r in results)
    kernels = sorted(r.get("kernel_cpu", 0.0) for r in results)
    queries = sum(r.get("query_cpu", 0.0) for r in results)
    print(f"  CPU per submission, median: the worker's {graders[len(graders) // 2]:.2f} s, "
          f"the kernels' {kernels[len(kernels) // 2]:.2f} s; in all {sum(graders):.1f} and "
          f"{sum(kernels):.1f} CPU-s (time budgets used up count in the kernels')"
          + (f"; of the workers', running the students' SQL: {queries:.1f} CPU-s" if queries else ""))
    return sum(kernels) + queries


def main() -> int:
    import contextlib
    import io
    import statistics

    from mlinterview import course, stock
    from mlinterview.grading import runner

    course.tools_on_path()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=40)
    parser.add_argument("--assignment", default="m00_interview_method")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--runs", type=int, default=1,
                        help="alternate the two graders this many times; the median speed-up")
    args = parser.parse_args()
    aid = args.assignment
    base = Path(tempfile.mkdtemp(prefix="grade-bench-"))
    try:
        people = cohort(aid, args.students)
        templates = {}
        for label in ("stock", "mlinterview"):
            templates[label] = scratch(base / label)
            gen = stock.nbgrader(templates[label], "generate_assignment", aid, "--force")
            if gen.returncode:
                print(gen.stderr[-2000:], file=sys.stderr)
                return 1
            for student, notebooks in people.items():
                folder = templates[label] / "submitted" / student / aid
                folder.mkdir(parents=True)
                for nb_name, nb in notebooks.items():
                    nbformat.write(nb, folder / f"{nb_name}.ipynb")
        print(f"{len(people)} submissions of {aid}")
        # both graders run as an instructor types them: a process of their own, which
        # starts Python and imports its libraries within the time measured
        command = ["mlinterview", "grade", aid] + (["--workers", str(args.workers)]
                                                   if args.workers else [])
        read = lambda r: {(g.student, g.notebook, g.grade_id): g.score  # noqa: E731
                          for g in stock.read_grades(f"sqlite:///{r / 'gradebook.db'}", aid)}
        times: dict[str, list[float]] = {"mlinterview": [], "stock": []}
        students_cpu, differ, compared = [], {}, 0
        for k in range(max(1, args.runs)):
            roots = {label: base / f"{label}-run{k}" for label in templates}
            for label, root in roots.items():
                shutil.copytree(templates[label], root)
            start = time.perf_counter()
            done = subprocess.run(command, cwd=roots["mlinterview"], capture_output=True, text=True)
            ours = time.perf_counter() - start
            if done.returncode:
                print(done.stderr[-2000:], file=sys.stderr)
            if k == 0:
                for line in done.stderr.splitlines():
                    if line.startswith("WARNING"):
                        print(line)
                print(f"mlinterview grade:      {ours:7.1f} s")
            with contextlib.redirect_stdout(sys.stdout if k == 0 else io.StringIO()):
                students_cpu.append(where_it_went(roots["mlinterview"], aid, ours,
                                                  args.workers or runner.default_workers(),
                                                  done.stdout))
            start = time.perf_counter()
            done = stock.nbgrader(roots["stock"], "autograde", aid, "--force")
            theirs = time.perf_counter() - start
            if k == 0:
                print(f"nbgrader autograde:     {theirs:7.1f} s")
            if done.returncode:
                print(done.stderr[-2000:], file=sys.stderr)
            a, b = read(roots["mlinterview"]), read(roots["stock"])
            differ |= {(k, key): (a.get(key), b.get(key)) for key in set(a) | set(b)
                       if a.get(key) != b.get(key)}
            compared += len(a)
            times["mlinterview"].append(ours)
            times["stock"].append(theirs)
            if args.runs > 1:
                print(f"run {k + 1} of {args.runs}: mlinterview grade {ours:.1f} s, "
                      f"nbgrader autograde {theirs:.1f} s: {theirs / ours:.1f}x")
            for root in roots.values():
                shutil.rmtree(root, ignore_errors=True)
        ratios = [t / o for o, t in zip(times["mlinterview"], times["stock"])]
        what = "speed-up" if len(ratios) == 1 else f"speed-up, median of {len(ratios)} runs"
        over = f" over the {len(ratios)} runs" if len(ratios) > 1 else ""
        print(f"{what}: {statistics.median(ratios):.1f}x; cells compared{over}: {compared}; "
              f"differing: {len(differ)}")
        cpu = statistics.median(students_cpu)
        if cpu:
            # the learner's code runs under any grader: here, at least its CPU over the cores
            floor = cpu / runner.cores()
            theirs = statistics.median(times["stock"])
            print(f"bound: the students' code (their kernels, and their SQL run by the workers) "
                  f"used {cpu:.1f} CPU-s; on {runner.cores()} core(s), a grader that "
                  f"spent nothing else would take {floor:.1f} s, {theirs / floor:.1f}x faster "
                  f"than stock" + (" (medians)" if len(ratios) > 1 else ""))
        for (run, key), (ours_score, stock_score) in sorted(differ.items())[:20]:
            print(f"  run {run + 1}, {key}: mlinterview {ours_score} stock {stock_score}")
        return 1 if differ else 0
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
