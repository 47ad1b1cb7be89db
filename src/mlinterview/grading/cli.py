"""``mlinterview grade`` and ``mlinterview report``."""

from __future__ import annotations

import argparse
import sys

from .. import course


def grade_command(args: argparse.Namespace) -> int:
    from . import runner

    root = course.find_root(args.root)
    summary = runner.grade(root, args.assignment, workers=args.workers, students=args.students,
                           scheduler=args.scheduler,
                           check_solution=not args.skip_solution_check, db_url=args.db,
                           force=args.force)
    if summary.solution_points is not None:
        print(f"the course's solution scored {summary.solution_points:g} of "
              f"{summary.solution_points:g} points here first ({summary.solution_seconds:.1f} s)")
    print(f"graded {len(summary.graded)} submission(s) in {summary.seconds:.1f} s; "
          f"skipped {len(summary.skipped)} unchanged")
    for student, problems in sorted(summary.problems.items()):
        for line in problems:
            print(f"  {student}: {line}")
    if summary.missing_protections:
        print("sandbox protections missing on this machine: "
              + "; ".join(summary.missing_protections), file=sys.stderr)
    return 1 if any(p.startswith("not graded") for ps in summary.problems.values() for p in ps) else 0


def report_command(args: argparse.Namespace) -> int:
    from . import report

    root = course.find_root(args.root)
    paths = report.write(root, args.assignment, db_url=args.db)
    for path in paths:
        print(f"wrote {path.relative_to(root)}")
    return 0


def extension_command(args: argparse.Namespace) -> int:
    from .. import stock
    from . import runner

    root = course.find_root(args.root)
    settings, course_id = runner.settings_for(root, db_url=args.db)
    duration = {unit: getattr(args, unit) for unit in ("minutes", "hours", "days", "weeks")
                if getattr(args, unit)}
    print(stock.grant_extension(settings.db_url, course_id, args.assignment, args.student,
                                **duration))
    print(f"the next `mlinterview grade {args.assignment}` takes the late penalty off or "
          f"puts it back (it grades no one again for it)")
    return 0
