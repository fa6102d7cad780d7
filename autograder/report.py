"""One self-contained HTML page on how the class did on an assignment.

Score distribution, pass rate per test cell (which ideas the class finds hard), the most frequent
mistakes as named by the test messages, and the flagged submissions with their reasons. Plots are
drawn with matplotlib and embedded as base64 PNG, so the page is a single file to mail around.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import nbformat  # noqa: E402

from .course import Course  # noqa: E402
from .outputs import plain  # noqa: E402
from .writer import read_records  # noqa: E402

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")


@dataclass
class ClassResults:
    """What the page shows, gathered from the gradebook, the autograded notebooks and our records."""

    totals: dict[str, float] = field(default_factory=dict)
    max_total: float = 0.0
    passed: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    mistakes: Counter = field(default_factory=Counter)
    examples: dict[tuple[str, str], str] = field(default_factory=dict)
    flagged: dict[str, list[str]] = field(default_factory=dict)


def gather(course: Course, assignment: str) -> ClassResults:
    results = ClassResults()
    with course.gradebook() as gb:
        results.max_total = gb.find_assignment(assignment).max_score
        for submission in gb.assignment_submissions(assignment):
            student = submission.student_id
            results.totals[student] = submission.score
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.cell.cell_type == "code":
                        results.passed[grade.name].append(grade.score >= grade.max_score)
                _count_mistakes(course, assignment, student, notebook.name, results)
    for student, record in read_records(course, assignment).items():
        reasons = record["problems"] + [f["message"] for f in record["findings"]]
        if reasons:
            results.flagged[student] = reasons
    return results


def _count_mistakes(course: Course, assignment: str, student: str, name: str, results: ClassResults) -> None:
    """Count each failing test cell's mistake (see `mistake`)."""
    path = course.autograded_notebook(student, assignment, name)
    if not path.exists():
        return
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade") or cell.cell_type != "code":
            continue
        grade_id = meta["grade_id"]
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                key, example = mistake(output.ename, plain(output.evalue))
                results.mistakes[(grade_id, key)] += 1
                results.examples.setdefault((grade_id, key), example)


def mistake(ename: str, evalue: str) -> tuple[str, str]:
    """(grouping key, example) for one failure: the line naming the likely mistake when the check
    wrote one, else the message's first line; numbers blurred in the key so alike failures group."""
    lines = [line.strip() for line in evalue.splitlines() if line.strip()]
    named = next((line for line in lines if "mistake" in line.lower()), None)
    text = f"{ename}: {named or (lines[0] if lines else '')}"[:300]
    return NUMBER.sub("#", text), text


def _png(fig: plt.Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def score_histogram(results: ClassResults) -> str:
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(list(results.totals.values()), bins=min(20, max(5, int(results.max_total) + 1)),
            range=(0, results.max_total or 1), color="#4c72b0", edgecolor="white")
    ax.set_xlabel(f"score (out of {results.max_total:g})")
    ax.set_ylabel("students")
    ax.set_title("Score distribution")
    return _png(fig)


def pass_rate_chart(results: ClassResults) -> str:
    cells = list(results.passed)
    rates = [100 * sum(v) / len(v) for v in results.passed.values()]
    fig, ax = plt.subplots(figsize=(6, 0.4 * len(cells) + 1))
    ax.barh(cells, rates, color="#55a868")
    ax.set_xlim(0, 100)
    ax.invert_yaxis()
    ax.set_xlabel("% of submissions with full points")
    ax.set_title("Pass rate per test cell")
    return _png(fig)


def render(assignment: str, results: ClassResults) -> str:
    esc = html.escape
    n = len(results.totals)
    mean = sum(results.totals.values()) / n if n else 0.0
    rows = "".join(
        f"<tr><td>{esc(cell)}</td><td>{count}</td><td><code>{esc(results.examples[(cell, key)])}</code></td></tr>"
        for (cell, key), count in results.mistakes.most_common(15)
    )
    flagged = "".join(
        f"<tr><td>{esc(student)}</td><td><ul>{''.join(f'<li>{esc(r)}</li>' for r in reasons)}</ul></td></tr>"
        for student, reasons in sorted(results.flagged.items())
    )
    charts = (f'<img alt="score distribution" src="{score_histogram(results)}">'
              f'<img alt="pass rate per test cell" src="{pass_rate_chart(results)}">') if n else "<p>No grades yet.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(assignment)}: class report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}}img{{max-width:100%}}</style>
</head><body>
<h1>{esc(assignment)}: how the class did</h1>
<p>{n} graded submissions, mean score {mean:.2f} of {results.max_total:g}.</p>
<h2>Scores and pass rates</h2>{charts}
<h2>Most frequent mistakes</h2>
<table><tr><th>test cell</th><th>submissions</th><th>message (example)</th></tr>{rows}</table>
<h2>Flagged submissions</h2>
<table><tr><th>student</th><th>reasons</th></tr>{flagged or '<tr><td colspan="2">none</td></tr>'}</table>
</body></html>
"""


def write_report(course: Course, assignment: str, out: Path | None = None) -> Path:
    """Write report-<assignment>.html into `out` (default: the course's reports/ folder); return it."""
    course.require_in_gradebook(assignment)
    folder = out or course.root / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"report-{assignment}.html"
    path.write_text(render(assignment, gather(course, assignment)), encoding="utf-8")
    return path
