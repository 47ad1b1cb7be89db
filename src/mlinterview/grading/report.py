"""``mlinterview report <aid>``: ``reports/<aid>/index.html`` (plots inline) and ``grades.csv``.

Reads the scores from nbgrader's gradebook (so manual grades entered in
formgrader count) and the per-part failure messages and timings that
``mlinterview grade`` stored beside each autograded submission.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import statistics
from collections import Counter
from pathlib import Path

from .. import stock
from ..course import CourseError, read_ipynb
from . import runner


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return f'<img src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def collect(root: Path, aid: str, db_url: str | None = None):
    """The gradebook's cell scores and late penalties, and the grader's markers' results."""
    settings, _ = runner.settings_for(root, db_url=db_url)
    grades = stock.read_grades(settings.db_url, aid)
    penalties = stock.read_penalties(settings.db_url, aid)
    results = {}
    for marker in sorted((root / "autograded").glob(f"*/{aid}/{runner.MARKER}")):
        results[marker.parent.parent.name] = json.loads(marker.read_text())["result"]
    return grades, penalties, results


def write(root: Path, aid: str, db_url: str | None = None) -> list[Path]:
    """Write ``reports/<aid>/index.html`` and ``grades.csv`` from the gradebook (``db_url``,
    or the course's: see :func:`runner.settings_for`) and the grader's markers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grades, penalties, results = collect(root, aid, db_url)
    if not grades:
        raise CourseError(_nothing_to_report(root, aid, db_url))
    out = root / "reports" / aid
    out.mkdir(parents=True, exist_ok=True)
    students = sorted({g.student for g in grades})
    cells = _in_course_order({(g.notebook, g.grade_id) for g in grades}, root / "source" / aid)
    by = {(g.student, g.notebook, g.grade_id): g for g in grades}
    raw = {s: sum(by[(s, nb, gid)].score for nb, gid in cells if (s, nb, gid) in by)
           for s in students}
    late = {s: penalties.get(s) or 0.0 for s in students}
    # on the roster (nbgrader db student add/import) with nothing handed in: 0 for the LMS,
    # as nbgrader export gives them, and out of the cohort's figures
    absent = sorted(s for s, penalty in penalties.items() if penalty is None and s not in raw)
    totals = {s: max(0.0, raw[s] - late[s]) for s in students}  # as nbgrader export's score
    most = sum(max((g.max_score for g in grades if (g.notebook, g.grade_id) == c), default=0)
               for c in cells)

    csv_path = out / "grades.csv"
    with csv_path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", *[f"{nb}/{gid}" for nb, gid in cells], "late_penalty", "total",
                    "max", "percent"])
        for s in students:
            row = [by[(s, nb, gid)].score if (s, nb, gid) in by else "" for nb, gid in cells]
            w.writerow([s, *row, late[s], totals[s], most,
                        round(100 * totals[s] / most, 1) if most else ""])
        for s in absent:
            w.writerow([s, *[""] * len(cells), 0.0, 0.0, most, 0.0 if most else ""])

    figures = []
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(list(totals.values()), bins=min(20, max(5, len(students))), range=(0, most or 1))
    ax.set(xlabel="score", ylabel="students", title="Score distribution")
    figures.append(("Score distribution", _png(fig)))

    fig, ax = plt.subplots(figsize=(7, max(2, 0.3 * len(cells))))
    rates = [sum(1 for s in students if (s, nb, gid) in by
                 and by[(s, nb, gid)].score >= by[(s, nb, gid)].max_score) / max(len(students), 1)
             for nb, gid in cells]
    # a part is named by its grade id; by notebook and id when there are two notebooks
    several = len({nb for nb, _ in cells}) > 1
    label = {c: f"{c[0]}/{c[1]}" if several else c[1] for c in cells}
    ax.barh([label[c] for c in cells], rates)
    ax.set(xlim=(0, 1), xlabel="share of students with full points", title="Pass rate per part")
    ax.invert_yaxis()
    figures.append(("Pass rate per part", _png(fig)))

    seconds = {s: r.get("seconds", 0) for s, r in results.items()}
    if seconds:
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.hist(list(seconds.values()), bins=min(20, max(5, len(seconds))))
        ax.set(xlabel="seconds", ylabel="submissions", title="Grading time per submission")
        figures.append(("Time per submission", _png(fig)))

    messages = Counter()
    for r in results.values():
        for nb in r.get("notebooks", []):
            for gid, text in nb.get("failures", {}).items():
                part = (nb["name"], gid)
                kind, _, rest = text.partition(":")
                rest = rest.strip()
                rest = rest if len(rest) <= 200 else rest[:199] + "\u2026"
                messages[(part, f"{kind}: {rest}" if rest else kind)] += 1
    problems = [(s, line) for s, r in sorted(results.items())
                for line in r.get("problems", []) + [f"{nb['name']}: {nb['message']}"
                                                     for nb in r.get("notebooks", []) if nb.get("message")]]
    # a protection the machine could not give while these were graded: the run said so
    # once, loudly; the report, which is kept, says it again
    unprotected = Counter(line for r in results.values()
                          for line in set(r.get("missing_protections", [])))

    esc = html.escape
    median = statistics.median(totals.values()) if totals else 0
    parts = [f"<html><head><meta charset='utf-8'><title>{esc(aid)}</title><style>{_STYLE}</style>"
             f"</head><body>",
             f"<h1>Cohort report: {esc(aid)}</h1>",
             f"<p>{len(students)} students; mean {sum(totals.values()) / max(len(totals), 1):.2f}, "
             f"median {median:g} of {most:g} points. LMS export: "
             f"<a href='grades.csv'>grades.csv</a>.</p>"]
    if absent:
        parts.append(f"<p>On the gradebook's roster with nothing handed in ({len(absent)}, 0 "
                     f"points in grades.csv): {esc(', '.join(absent))}.</p>")
    if unprotected:
        parts.append("<div class='warn'><b>Graded without some sandbox protections</b> (the "
                     "machine could not give them; see the run's WARNING lines):<ul>")
        parts += [f"<li>{esc(line)} ({n} submission{'s' if n != 1 else ''})</li>"
                  for line, n in unprotected.most_common()]
        parts.append("</ul></div>")
    for title, img in figures:
        parts.append(f"<h2>{esc(title)}</h2>{img}")

    # a part's most telling failure is the commonest among those who answered it
    first_failure, unanswered = {}, Counter()
    for (part, text), n in messages.most_common():
        if text.startswith("NotAttempted"):
            unanswered[part] += n
        else:
            first_failure.setdefault(part, f"{text} ({n})")
    parts.append("<h2>Parts</h2><p>In the notebook's order. <i>Not attempted</i> counts the "
                 "students whose answer was missing or raised NotAttempted; the failure shown is "
                 "the most common among the others, with how many it failed.</p><table><tr>"
                 "<th>part</th><th>points</th><th>mean</th><th>full points</th>"
                 "<th>not attempted</th><th>most common failure</th></tr>")
    for (nb, gid), rate in zip(cells, rates):
        got = [by[(s, nb, gid)] for s in students if (s, nb, gid) in by]
        mean = sum(g.score for g in got) / len(got) if got else 0
        top = max((g.max_score for g in got), default=0)
        parts.append(f"<tr><td>{esc(label[(nb, gid)])}</td><td>{top:g}</td><td>{mean:.2f}</td>"
                     f"<td>{100 * rate:.0f}%</td><td>{unanswered[(nb, gid)]}</td>"
                     f"<td>{esc(first_failure.get((nb, gid), ''))}</td></tr>")
    parts.append("</table>")

    parts.append("<h2>Most common failure messages</h2><table><tr><th>count</th>"
                 "<th>part</th><th>message</th></tr>")
    for (part, text), n in messages.most_common(15):
        parts.append(f"<tr><td>{n}</td><td>{esc(label.get(part, part[1]))}</td>"
                     f"<td>{esc(text)}</td></tr>")
    parts.append("</table>")

    slowest = sorted(results.items(), key=lambda kv: -kv[1].get("seconds", 0))[:5]
    if slowest:
        parts.append("<h2>Slowest submissions</h2><p>A runaway loop or a sleeping cell shows "
                     "here first; CPU is the student's code (their kernels) and the grader's "
                     "for them.</p><table><tr><th>student</th><th>seconds</th>"
                     "<th>kernel CPU (s)</th><th>grader CPU (s)</th></tr>")
        parts += [f"<tr><td>{esc(s)}</td><td>{r.get('seconds', 0):.1f}</td>"
                  f"<td>{r.get('kernel_cpu', 0):.2f}</td><td>{r.get('grader_cpu', 0):.2f}</td></tr>"
                  for s, r in slowest]
        parts.append("</table>")

    parts.append("<h2>Submissions with problems</h2><ul>")
    parts += [f"<li>{esc(s)}: {esc(line)}</li>" for s, line in problems] or ["<li>none</li>"]
    parts.append("</ul><h2>Scores</h2><p>Parts short of full points are listed; a student's "
                 "name links to the feedback <code>nbgrader generate_feedback</code> wrote, "
                 "where there is some.</p><table><tr><th>student</th><th>total</th>"
                 "<th>percent</th><th>parts short of full points</th></tr>")
    for s in students:
        short = [label[(nb, gid)] for nb, gid in cells
                 if (s, nb, gid) in by and by[(s, nb, gid)].score < by[(s, nb, gid)].max_score]
        feedback = root / "feedback" / s / aid
        name = (f"<a href='{esc(_relative(feedback, out))}'>{esc(s)}</a>"
                if feedback.is_dir() else esc(s))
        percent = f"{100 * totals[s] / most:.1f}%" if most else ""
        # a late penalty is taken off the total, as nbgrader export takes it, and said
        note = f" ({raw[s]:g} less {late[s]:g} for lateness)" if late[s] else ""
        parts.append(f"<tr><td>{name}</td><td>{totals[s]:g}/{most:g}{note}</td>"
                     f"<td>{percent}</td><td>{esc(', '.join(short)) or '-'}</td></tr>")
    parts.append("</table></body></html>")
    index = out / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return [index, csv_path]


def _nothing_to_report(root: Path, aid: str, db_url: str | None) -> str:
    from nbgrader.api import MissingEntry

    settings, course_id = runner.settings_for(root, db_url=db_url)
    with stock.gradebook(settings.db_url, course_id) as gb:
        try:
            gb.find_assignment(aid)
        except MissingEntry:
            known = ", ".join(sorted(a.name for a in gb.assignments)) or "none"
            return (f"{aid} is not in the gradebook (it has: {known}); an assignment gets there "
                    f"with `nbgrader generate_assignment {aid}`")
    return (f"no submission of {aid} is graded yet: run `mlinterview grade {aid}` "
            f"(or `nbgrader autograde {aid}`) first")


def _in_course_order(cells: set[tuple[str, str]], source: Path) -> list[tuple[str, str]]:
    """(notebook, grade id) pairs in the order of ``source/<aid>``'s notebooks and their
    cells; what the source no longer has goes last, by name."""
    place: dict[tuple[str, str], tuple] = {}
    for path in sorted(source.glob("*.ipynb")):
        try:
            nb = read_ipynb(path)
        except CourseError:
            continue
        for k, cell in enumerate(nb.cells):
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if gid is not None:
                place[(path.stem, gid)] = (path.stem, k)
    return sorted(cells, key=lambda c: (0, *place[c]) if c in place else (1, *c))


def _relative(target: Path, start: Path) -> str:
    import os

    return Path(os.path.relpath(target, start)).as_posix() + "/"


_STYLE = ("body{font-family:sans-serif;max-width:60em;margin:1em auto;padding:0 1em}"
          "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;"
          "text-align:left;vertical-align:top}"
          ".warn{border:2px solid #c00;background:#fee;padding:.5em 1em;margin:1em 0}")
