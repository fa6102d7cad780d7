"""Check the graders themselves, in a scratch copy of the course, with our own grading pipeline.

For each assignment: the source notebook must score full marks, the blank release zero, each
right variant in variants/<assignment>.yml full marks, and each wrong variant zero on the test
cells it lists, with its message in their error output. An assignment without a readable variants
file fails: its graders were never tried on right and wrong answers.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nbformat

from .course import Course, open_course
from .grades import cell_errors
from .grading import grade
from .release import generate_release
from .variants import Variant, VariantError, apply_variant, load_variants

def selfcheck(course: Course, assignments: list[str], workers: int | None = None) -> list[str]:
    """Print one line per check; return the failures (empty when every grader behaves)."""
    failures = []
    with tempfile.TemporaryDirectory(prefix="ag-selfcheck-") as tmp:
        scratch = _scratch_course(course, Path(tmp))
        for assignment in assignments:
            failures += _check_assignment(course, scratch, assignment, workers)
    print(f"selfcheck: {len(failures)} failures" if failures else "selfcheck: every check passed")
    return failures


def _scratch_course(course: Course, tmp: Path) -> Course:
    shutil.copy(course.root / "nbgrader_config.py", tmp / "nbgrader_config.py")
    shutil.copytree(course.folder("source"), tmp / "source")
    return open_course(tmp)


def _check_assignment(course: Course, scratch: Course, assignment: str, workers: int | None) -> list[str]:
    generate_release(assignment, scratch.root)
    failures = []
    try:
        variants = list(load_variants(assignment, course.root))
    except VariantError as error:  # a grader nobody tested on right and wrong answers has not passed
        variants = []
        failures.append(f"{assignment}: no variants checked: {error}")
        print(f"FAIL {assignment}: no variants checked: {error}")
    expectations = {"source": None, "blank": None}
    for name in scratch.notebook_names(assignment):
        source = scratch.read_notebook("source", assignment, name)
        _submit(scratch, assignment, "source", name, source)
        _submit(scratch, assignment, "blank", name, scratch.read_notebook("release", assignment, name))
        for variant in variants:
            expectations[variant.student] = variant
            _submit(scratch, assignment, variant.student, name, apply_variant(source, variant))
    summary = grade(scratch, assignment, workers=workers, force=True, progress_unit="check",
                    progress_text=f"selfcheck {assignment}: the source, the blank release and each variant")
    failures += [f"{assignment}: {s} was not graded: {why}" for s, why in summary.not_graded.items()]
    for student, variant in expectations.items():
        problems = _verdict(scratch, assignment, student, variant)
        print(f"{'FAIL' if problems else 'ok':4} {assignment}: {student}")
        for problem in problems:
            print(f"     {problem}")
        failures += [f"{assignment}: {student}: {p}" for p in problems]
    return failures


def _submit(course: Course, assignment: str, student: str, name: str, nb: nbformat.NotebookNode) -> None:
    folder = course.folder("submitted") / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{name}.ipynb")


def _verdict(course: Course, assignment: str, student: str, variant: Variant | None) -> list[str]:
    """What is wrong with this submission's grades, given what it was built to show."""
    scores, errors = _test_cell_results(course, assignment, student)
    if student == "blank":
        return [f"blank release earned {s:g} on {g}" for g, (s, _) in scores.items() if s > 0]
    if variant is None or variant.is_right:
        return [f"lost points on {g} ({s:g}/{m:g}): {errors.get(g, '')[-300:]}"
                for g, (s, m) in scores.items() if s < m]
    problems = []
    for grade_id in variant.fails:
        if grade_id not in scores:
            problems.append(f"lists {grade_id}, which is not a test cell of this assignment")
        elif scores[grade_id][0] > 0:
            problems.append(f"{grade_id} did not fail (wrong variant {variant.name!r})")
        elif variant.message and variant.message not in errors.get(grade_id, ""):
            problems.append(f"{grade_id}'s error does not say {variant.message!r}")
    return problems


def _test_cell_results(course: Course, assignment: str, student: str) -> tuple[dict, dict[str, str]]:
    """(grade_id -> (score, max) for autograded test cells, grade_id -> error text) for one student."""
    scores, errors = {}, {}
    with course.gradebook() as gb:
        for notebook in gb.find_submission(assignment, student).notebooks:
            for g in notebook.grades:
                if g.cell.cell_type == "code":
                    scores[g.name] = (float(g.score), float(g.max_score))
            path = course.autograded_notebook(student, assignment, notebook.name)
            if path.exists():
                errors.update(cell_errors(nbformat.read(path, as_version=4)))
    return scores, errors
