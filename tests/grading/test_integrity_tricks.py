"""Static flags for the building blocks of tricks on the grader: each names its trick, and no honest
answer (a reference answer in course/source, any variant in course/variants) is flagged.
"""

from __future__ import annotations

import ast

import nbformat
import pytest

from autograder.integrity import code_findings, tricks
from course_grading import assignments, build_submissions, release_notebook


@pytest.mark.parametrize("assignment", assignments())
def test_no_reference_answer_and_no_variant_is_flagged(assignment: str) -> None:
    release = nbformat.read(release_notebook(assignment), as_version=4)
    for submission in build_submissions(assignment, release):
        assert code_findings(submission.notebook, release) == [], submission.student


@pytest.mark.parametrize(("code", "trick"), [
    ("get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])", "input_transformers_post"),
    ("getattr(get_ipython(), 'input_' + 'transformers_post').append(str)", "getattr with a computed attribute name"),
    ("exec('import sol' + 'utions')", "exec"),
    ("import base64\neval(base64.b64decode(b'c29sdXRpb25z'))", "eval"),
    ("key = __import__('solu' + 'tions')", "__import__"),
    ("import sys\nsys.modules['backprop_lab.recording'] = None", "sys.modules"),
    ("import sys\nframe = sys._getframe(1)", "sys._getframe"),
    ("def peek():\n    import inspect\n    return inspect.currentframe().f_back.f_locals", "f_locals"),
    ("import gc\nfound = gc.get_referrers(1.0)", "gc.get_referrers"),
    ("import ctypes", "ctypes"),
    ("import os\nos.kill(1, 9)", "os.kill"),
    ("open('/proc/1/environ')", "/proc"),
    ("import sys\nsys.settrace(print)", "sys.settrace"),
    ("get_ipython().events.register('pre_run_cell', print)", "events.register"),
    ("import math\nsetattr(math, 'isclose', print)", "setattr on the module math"),
    ("x = __builtins__", "__builtins__"),
])
def test_each_trick_is_flagged_by_name(code: str, trick: str) -> None:
    assert any(trick in message for _, message in tricks(ast.parse(code))), tricks(ast.parse(code))


@pytest.mark.parametrize("code", [
    "getattr(node, 'parents')",
    "import re\npattern = re.compile('x')",
    "order = sorted(nodes, key=lambda n: n.value)",
    "import numpy as np\nnp.einsum('ij,jk->ik', a, b)",
])
def test_ordinary_code_is_not_a_trick(code: str) -> None:
    assert tricks(ast.parse(code)) == []
