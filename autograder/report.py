"""One self-contained HTML page on how the class did on an assignment, to act on.

A table of learners (autograded and hand-graded points apart, points per cell, flags, written
answers still to grade); the mistakes grouped by what the test messages name (the likely mistake,
"not written yet", a timeout, a crash) with how many learners made each and in which cells; two
plots with whole-number counts and labelled axes. Plots are embedded PNGs and the style is inline,
so the page is one file that opens offline.
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
from nbgrader.utils import is_solution  # noqa: E402

from .course import Course  # noqa: E402
from .grades import AssignmentGrades, cell_label, grade_id, plain, read_grades  # noqa: E402
from .writer import read_records  # noqa: E402

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e-?\d+)?")
TIMEOUTS = {"CellTimeoutError", "NotebookTimeout", "KeyboardInterrupt", "TimeoutError"}
CRASHES = {"DeadKernelError", "MemoryError", "RecursionError"}
WHOLE_NOTEBOOK = "the whole notebook"
NOT_RUN = ("crash", "the notebook could not be run")


@dataclass
class Mistake:
    """One kind of failure: who made it, in which cells, and one message that shows it."""

    learners: set[str] = field(default_factory=set)
    cells: set[str] = field(default_factory=set)
    example: str = ""


@dataclass
class ClassReport:
    """What the page shows: the gradebook's grades, the mistakes the messages name, and the flags."""

    grades: AssignmentGrades
    mistakes: dict[tuple[str, str], Mistake] = field(default_factory=dict)
    flags: dict[str, list[str]] = field(default_factory=dict)

    def add_mistake(self, kind: str, label: str, student: str, cell: str, example: str) -> None:
        found = self.mistakes.setdefault((kind, label), Mistake(example=example))
        found.learners.add(student)
        found.cells.add(cell)


def mistake(ename: str, evalue: str) -> tuple[str, str]:
    """(kind, what) of one failure, as its message names it: a likely mistake, not written yet,
    a timeout, a crash, or else its first line with the numbers blurred so alike failures group."""
    lines = [line.strip() for line in plain(evalue).splitlines() if line.strip()]
    if ename in TIMEOUTS:
        return "timeout", "ran out of time"
    if ename in CRASHES:
        return "crash", ename
    if ename == "NotImplementedError" or any(line.startswith("Not written yet") for line in lines):
        return "not written yet", "the answer still raises NotImplementedError"
    for i, line in enumerate(lines):
        if line.startswith("Likely mistake, one of"):
            return "likely mistake", "; ".join(item.lstrip("- ") for item in lines[i + 1:] if item.startswith("-"))
        if line.startswith("Likely mistake:"):
            return "likely mistake", line.removeprefix("Likely mistake:").strip().rstrip(".")
    return "other failure", NUMBER.sub("#", f"{ename}: {lines[0] if lines else ''}")[:200]


def gather(course: Course, assignment: str) -> ClassReport:
    """Grades from the gradebook, mistakes from the autograded notebooks' test cells, flags from our records."""
    report = ClassReport(read_grades(course, assignment))
    test_cells = set(report.grades.test_cells)
    for student in report.grades.learners:
        for name in course.notebook_names(assignment):
            path = course.autograded_notebook(student, assignment, name)
            if path.exists():
                _add_mistakes(report, student, nbformat.read(path, as_version=4), test_cells)
    for student, record in read_records(course, assignment).items():
        for problem in record["problems"]:
            if "could not be run" in problem:
                report.add_mistake(*NOT_RUN, student, WHOLE_NOTEBOOK, problem)
        reasons = record["problems"] + [f["message"] for f in record["findings"]]
        if reasons:
            report.flags[student] = reasons
    return report


def _add_mistakes(report: ClassReport, student: str, notebook: nbformat.NotebookNode, test_cells: set[str]) -> None:
    """Each test cell's failure, and an answer cell's timeout or crash: the cause its tests' NameErrors hide."""
    for cell in notebook.cells:
        cell_id = grade_id(cell)
        if cell.cell_type != "code" or not (cell_id in test_cells or is_solution(cell)):
            continue
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                kind, label = mistake(output.ename, output.evalue)
                if cell_id not in test_cells and kind not in ("timeout", "crash"):
                    continue
                example = plain(f"{output.ename}: {output.evalue}")[:400]
                report.add_mistake(kind, label, student, cell_id, example)


def _png(fig: plt.Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def score_histogram(grades: AssignmentGrades) -> str:
    """How many learners got each number of autograded points (whole points, whole learners)."""
    top = grades.max_points(by_hand=False)
    points = [grades.points(s, by_hand=False) for s in grades.learners]
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.hist(points, bins=np.arange(-0.5, top + 1.5, 1.0), color="#4c72b0", edgecolor="white")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"autograded points (of {top:g})")
    ax.set_ylabel("learners")
    ax.set_title("Autograded points")
    return _png(fig)


def full_marks_chart(grades: AssignmentGrades) -> str:
    """How many learners earned every point of each test cell: which ideas the class finds hard."""
    cells = grades.test_cells
    counts = [sum(learner.points.get(g, 0.0) >= grades.cells[g].max_score for learner in grades.learners.values())
              for g in cells]
    fig, ax = plt.subplots(figsize=(6, 0.35 * len(cells) + 1.2))
    ax.barh([cell_label(g) for g in cells], counts, color="#55a868")
    ax.set_xlim(0, max(len(grades.learners), 1))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.invert_yaxis()
    ax.set_xlabel(f"learners with full points (of {len(grades.learners)})")
    ax.set_ylabel("test cell")
    ax.set_title("Full points per test cell")
    return _png(fig)


def _learner_rows(report: ClassReport) -> str:
    grades, esc = report.grades, html.escape
    rows = []
    for student, learner in sorted(grades.learners.items()):
        autograded, written = grades.points(student, by_hand=False), grades.points(student, by_hand=True)
        cells = "".join(
            f"<td>{'to grade' if g in learner.waiting else f'{learner.points.get(g, 0.0):g}'}</td>" for g in grades.cells
        )
        flags = "; ".join(report.flags.get(student, [])) or ("flagged" if learner.flagged else "")
        rows.append(f"<tr><td>{esc(student)}</td><td>{autograded + written:g}</td><td>{autograded:g}</td>"
                    f"<td>{written:g}{' + ' + str(len(learner.waiting)) + ' to grade' if learner.waiting else ''}</td>"
                    f"{cells}<td>{esc(flags)}</td></tr>")
    return "".join(rows)


def _mistake_rows(report: ClassReport) -> str:
    esc = html.escape
    ordered = sorted(report.mistakes.items(), key=lambda item: (-len(item[1].learners), item[0]))
    order = [*report.grades.cells, WHOLE_NOTEBOOK]  # cells as learners met them in the notebook

    def cells(m: Mistake) -> str:
        answers = [f"{c}: answer cell" for c in sorted(m.cells - set(order))]
        return ", ".join(answers + [cell_label(c) for c in order if c in m.cells])

    return "".join(
        f"<tr><td>{esc(kind)}</td><td>{esc(label)}</td><td>{len(m.learners)}: {esc(', '.join(sorted(m.learners)))}</td>"
        f"<td>{esc(cells(m))}</td><td><code>{esc(m.example)}</code></td></tr>"
        for (kind, label), m in ordered
    )


def render(assignment: str, report: ClassReport) -> str:
    """The page: summary, learners, what to grade by hand, mistakes, flags, plots."""
    grades, esc = report.grades, html.escape
    n = len(grades.learners)
    waiting = grades.waiting()
    max_auto, max_written = grades.max_points(by_hand=False), grades.max_points(by_hand=True)
    mean_auto = sum(grades.points(s, by_hand=False) for s in grades.learners) / n if n else 0.0
    not_run = len(report.mistakes[NOT_RUN].learners) if NOT_RUN in report.mistakes else 0
    not_run_note = f" ({not_run} of them could not be run: see Flagged submissions)" if not_run else ""
    headers = "".join(f"<th>{esc(cell_label(g))} ({grades.cells[g].max_score:g})</th>" for g in grades.cells)
    to_grade = "".join(f"<tr><td>{esc(g)}</td><td>{len(s)}: {esc(', '.join(s))}</td></tr>" for g, s in waiting.items())
    flagged = "".join(
        f"<tr><td>{esc(student)}</td><td><ul>{''.join(f'<li>{esc(r)}</li>' for r in reasons)}</ul></td></tr>"
        for student, reasons in sorted(report.flags.items())
    )
    charts = (f'<img alt="learners per number of autograded points" src="{score_histogram(grades)}">'
              f'<img alt="learners with full points per test cell" src="{full_marks_chart(grades)}">'
              ) if n else "<p>No grades yet.</p>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(assignment)}: class report</title>
<style>body{{font-family:sans-serif;max-width:75em;margin:2em auto;padding:0 1em}}
table{{border-collapse:collapse;margin-bottom:1em}}.wide{{overflow-x:auto}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}}img{{max-width:100%}}</style>
</head><body>
<h1>{esc(assignment)}: how the class did</h1>
<p>{n} graded submissions{not_run_note}. Autograded points: mean {mean_auto:.2f} of {max_auto:g}.
Written answers ({max_written:g} points, graded by hand): {sum(len(s) for s in waiting.values())} still to grade.</p>
<h2>Learners</h2>
<div class="wide"><table><tr><th>learner</th><th>total so far</th><th>autograded (of {max_auto:g})</th>
<th>written (of {max_written:g})</th>{headers}<th>flags</th></tr>{_learner_rows(report)}</table></div>
<h2>Still to grade by hand</h2>
<table><tr><th>written answer</th><th>learners waiting</th></tr>{to_grade or '<tr><td colspan="2">none</td></tr>'}</table>
<h2>Mistakes, by what the messages name</h2>
<table><tr><th>kind</th><th>what</th><th>learners</th><th>cells</th><th>a message</th></tr>{_mistake_rows(report)}</table>
<h2>Flagged submissions</h2>
<table><tr><th>learner</th><th>reasons</th></tr>{flagged or '<tr><td colspan="2">none</td></tr>'}</table>
<h2>Plots</h2>{charts}
</body></html>
"""


def write_report(course: Course, assignment: str, out: Path | None = None) -> Path:
    """Write report-<assignment>.html into `out` (default: the course's reports/ folder); return it."""
    report = gather(course, assignment)
    folder = out or course.root / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"report-{assignment}.html"
    path.write_text(render(assignment, report), encoding="utf-8")
    return path
