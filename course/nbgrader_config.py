# nbgrader configuration for the Backprop Lab course: this folder (course/) is the course directory.
# Run nbgrader from here, e.g. `cd course && ../.venv/bin/nbgrader generate_assignment 01_central_difference`.
c = get_config()  # noqa: F821 (nbgrader's config loader provides get_config)

c.CourseDirectory.course_id = "backprop-lab"

# What `### BEGIN SOLUTION` ... `### END SOLUTION` turns into in the student version.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A whole notebook runs in under 30 s, so a cell that takes 30 s is stuck, not slow.
c.Execute.timeout = 30
c.Execute.startup_timeout = 60
c.Execute.interrupt_on_timeout = True

# Keep a learner's runaway printing from bloating the autograded notebook and the feedback.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 100

# Hidden test cells only record the learner's results; the judge compares them with `solutions` in the
# grader's own process, so the answer key never enters the learner's kernel. Named by import string:
# a learner's environment without `autograder` still loads this file (for the formgrader), and grading
# there fails (a hidden test cell ends in an error that only the judge clears), it never passes.
# GuardedExecute is nbgrader's Execute that first checks the kernel for hooks learner code planted
# (input transformers, trace functions, patched modules) and fails a test cell run in such a kernel.
c.Autograde.autograde_preprocessors = [
    "autograder.tamper.GuardedExecute",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.judge.Judge",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
