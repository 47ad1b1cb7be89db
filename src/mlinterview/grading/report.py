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
from collections import Counter
from pathlib import Path

from .. import stock
from . import runner


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return f'<img src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def collect(root: Path, aid: str):
    settings, _ = runner.settings_for(root)
    grades = stock.read_grades(settings.db_url, aid)
    results = {}
    for marker in sorted((root / "autograded").glob(f"*/{aid}/{runner.MARKER}")):
        results[marker.parent.parent.name] = json.loads(marker.read_text())["result"]
    return grades, results


def write(root: Path, aid: str) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grades, results = collect(root, aid)
    out = root / "reports" / aid
    out.mkdir(parents=True, exist_ok=True)
    students = sorted({g.student for g in grades})
    cells = sorted({(g.notebook, g.grade_id) for g in grades})
    by = {(g.student, g.notebook, g.grade_id): g for g in grades}
    totals = {s: sum(by[(s, nb, gid)].score for nb, gid in cells if (s, nb, gid) in by)
              for s in students}
    most = sum(max((g.max_score for g in grades if (g.notebook, g.grade_id) == c), default=0)
               for c in cells)

    csv_path = out / "grades.csv"
    with csv_path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["student", *[f"{nb}/{gid}" for nb, gid in cells], "total", "max", "percent"])
        for s in students:
            row = [by[(s, nb, gid)].score if (s, nb, gid) in by else "" for nb, gid in cells]
            w.writerow([s, *row, totals[s], most, round(100 * totals[s] / most, 1) if most else ""])

    figures = []
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(list(totals.values()), bins=min(20, max(5, len(students))), range=(0, most or 1))
    ax.set(xlabel="score", ylabel="students", title="Score distribution")
    figures.append(("Score distribution", _png(fig)))

    fig, ax = plt.subplots(figsize=(7, max(2, 0.3 * len(cells))))
    rates = [sum(1 for s in students if (s, nb, gid) in by
                 and by[(s, nb, gid)].score >= by[(s, nb, gid)].max_score) / max(len(students), 1)
             for nb, gid in cells]
    ax.barh([gid for _, gid in cells], rates)
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
                messages[(gid, text.split(":")[0] + ": " + text.split(":", 1)[-1][:120])] += 1
    problems = [(s, line) for s, r in sorted(results.items())
                for line in r.get("problems", []) + [f"{nb['name']}: {nb['message']}"
                                                     for nb in r.get("notebooks", []) if nb.get("message")]]

    esc = html.escape
    parts = [f"<html><head><meta charset='utf-8'><title>{esc(aid)}</title></head><body>",
             f"<h1>Cohort report: {esc(aid)}</h1>",
             f"<p>{len(students)} students; mean {sum(totals.values()) / max(len(totals), 1):.2f} "
             f"of {most:g} points. LMS export: <a href='grades.csv'>grades.csv</a>.</p>"]
    for title, img in figures:
        parts.append(f"<h2>{esc(title)}</h2>{img}")
    parts.append("<h2>Most common failure messages</h2><table border=1><tr><th>count</th>"
                 "<th>part</th><th>message</th></tr>")
    for (gid, text), n in messages.most_common(15):
        parts.append(f"<tr><td>{n}</td><td>{esc(gid)}</td><td>{esc(text)}</td></tr>")
    parts.append("</table><h2>Submissions with problems</h2><ul>")
    parts += [f"<li>{esc(s)}: {esc(line)}</li>" for s, line in problems] or ["<li>none</li>"]
    parts.append("</ul><h2>Scores</h2><table border=1><tr><th>student</th><th>total</th></tr>")
    parts += [f"<tr><td>{esc(s)}</td><td>{totals[s]:g}/{most:g}</td></tr>" for s in students]
    parts.append("</table></body></html>")
    index = out / "index.html"
    index.write_text("\n".join(parts), encoding="utf-8")
    return [index, csv_path]
