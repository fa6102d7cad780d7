"""Notebook 06 (forward_reverse): the reference forward mode (solutions.forward) and the checks of its test cells.

Dual numbers are checked against central differences and against the reference reverse mode
(`Scalar`); each check is shown to accept the reference and to name the mistake models it exists for.
Running the notebook and grading its variants is tests/course/test_notebooks.py's job.
"""

from __future__ import annotations

import math

from hypothesis import given, settings, strategies as st
import numpy as np
import pytest

import solutions
from autograder.checks.notebook_06 import check_dual_against, check_jvp_against, check_passes_against
from backprop_lab.checks import (
    CheckFailed,
    DUAL_MISTAKES,
    as_dual_operation,
    check_dual,
    check_jvp,
    check_passes,
    check_rejects_unknown_method,
)
from backprop_lab.forward_cases import TEST_FUNCTIONS, dual_calls, leaving_x_and_v_unchanged
from backprop_lab.recording import ChangedItsInput
from solutions.forward import METHODS, Dual, jacobian_by_jvp, jvp, passes_for_jacobian, vjp

coordinate = st.floats(0.3, 2.5)
direction = st.floats(-2.0, 2.0)


def central_jvp(f, x, v, epsilon=1e-6):
    """J·v measured: the central difference of f along the direction v (floats in, floats out)."""
    up = [xi + epsilon * vi for xi, vi in zip(x, v)]
    down = [xi - epsilon * vi for xi, vi in zip(x, v)]
    return (np.array(f(*up)) - np.array(f(*down))) / (2 * epsilon)


class Plain(float):
    """A float with the methods the test functions call, so they run on plain numbers too."""

    def log(self): return Plain(math.log(self))
    def exp(self): return Plain(math.exp(self))
    def sin(self): return Plain(math.sin(self))
    def __add__(self, o): return Plain(float(self) + o)
    def __radd__(self, o): return Plain(o + float(self))
    def __sub__(self, o): return Plain(float(self) - o)
    def __rsub__(self, o): return Plain(o - float(self))
    def __mul__(self, o): return Plain(float(self) * o)
    def __rmul__(self, o): return Plain(o * float(self))
    def __truediv__(self, o): return Plain(float(self) / o)
    def __rtruediv__(self, o): return Plain(o / float(self))


def on_floats(f):
    return lambda *xs: f(*map(Plain, xs))


@settings(max_examples=40)
@given(st.sampled_from(list(TEST_FUNCTIONS)), st.lists(coordinate, min_size=3, max_size=3),
       st.lists(direction, min_size=3, max_size=3))
def test_jvp_agrees_with_central_differences_and_with_reverse_mode(name, x, v):
    f = TEST_FUNCTIONS[name]
    n = f.__code__.co_argcount
    x, v = x[:n], v[:n]
    value, tangent = jvp(f, x, v)
    assert np.allclose(value, f(*map(Plain, x)), rtol=1e-12)
    assert np.allclose(tangent, central_jvp(on_floats(f), x, v), rtol=1e-5, atol=1e-6)
    outputs = value if isinstance(value, list) else [value]
    rows = [vjp(f, x, [1.0 if j == i else 0.0 for j in range(len(outputs))])[1] for i in range(len(outputs))]
    assert np.allclose(np.array(rows) @ np.array(v), np.atleast_1d(tangent), rtol=1e-10, atol=1e-12)


@settings(max_examples=30)
@given(st.lists(coordinate, min_size=2, max_size=2))
def test_the_jacobian_from_columns_equals_the_one_from_rows(x):
    f = TEST_FUNCTIONS["[x·y, sin(x) − y / 2]"]
    rows = [vjp(f, x, u)[1] for u in ([1.0, 0.0], [0.0, 1.0])]
    assert np.allclose(jacobian_by_jvp(f, x), rows, rtol=1e-12)


@settings(max_examples=40)
@given(st.floats(-3, 3), direction, st.floats(-3, 3), direction)
def test_every_tangent_rule_is_the_derivative_along_the_tangent(a, da, b, db):
    b = b if abs(b) > 0.2 else 0.2 + abs(b)
    for op, f in [("+", lambda s, t: s + t), ("-", lambda s, t: s - t), ("*", lambda s, t: s * t),
                  ("/", lambda s, t: s / t)]:
        got = f(Dual(a, da), Dual(b, db))
        assert math.isclose(got.tangent, central_jvp(f, [a, b], [da, db]), rel_tol=1e-5, abs_tol=1e-6), op
    for name, f in [("log", math.log), ("exp", math.exp), ("sin", math.sin)]:
        x = abs(a) + 0.2 if name == "log" else a
        got = getattr(Dual(x, da), name)()
        assert math.isclose(got.tangent, central_jvp(f, [x], [da]), rel_tol=1e-5, abs_tol=1e-6), name


def test_the_seeds_example_in_one_forward_pass():
    x = Dual(3.0, 1.0)
    y = (x * x).sin()
    assert (round(y.value, 4), round(y.tangent, 4)) == (0.4121, -5.4668)


def test_numbers_on_either_side_are_constants():
    d = Dual(2.0, 1.0)
    assert (lambda r: (r.value, r.tangent))(1.0 - d) == (-1.0, -1.0)
    assert (lambda r: (r.value, r.tangent))(1.0 / d) == (0.5, -0.25)
    assert jvp(lambda x: [3.0, x], [1.0], [1.0]) == ([3.0, 1.0], [0.0, 1.0])


def test_jvp_and_vjp_refuse_mismatched_lengths():
    with pytest.raises(ValueError, match="one tangent per input"):
        jvp(lambda x, y: x * y, [1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="one weight per output"):
        vjp(lambda x: [x, x], [1.0], [1.0])


@pytest.mark.parametrize("n, m", [(1, 1), (10, 1), (1, 1000), (300, 7)])
def test_pass_counts(n, m):
    assert [passes_for_jacobian(method, n, m) for method in METHODS] == [2 * n, n, 1 + m]
    with pytest.raises(ValueError, match="'central', 'forward', 'reverse'"):
        passes_for_jacobian("backward", n, m)


# --- The checks ----------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 61, 999])
def test_the_hidden_checks_accept_the_reference(seed):
    check_dual_against(as_dual_operation(Dual), Dual, seed=seed)
    check_jvp_against(jvp, solutions.forward, seed=seed)
    check_passes_against(passes_for_jacobian, solutions.forward, seed=seed)


def dual_with(op: str, rule) -> type:
    """The reference Dual with one operation's tangent replaced by a mistake model."""
    unary = op in ("log", "exp", "sin")

    class Mistaken(Dual):
        def _apply(self, *others):
            pairs = [(self.value, self.tangent)] + [(o.value, o.tangent) if isinstance(o, Dual) else (o, 0.0)
                                                    for o in others]
            return Mistaken(*rule(*pairs))

    method = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__"}.get(op, op)
    setattr(Mistaken, method, (lambda self: self._apply()) if unary else (lambda self, other: self._apply(other)))
    return Mistaken


MISTAKES = [(op, name) for op, models in DUAL_MISTAKES.items() for name in models]


@pytest.mark.parametrize("op, name", MISTAKES, ids=[f"{op}: {name[:40]}" for op, name in MISTAKES])
def test_each_tangent_mistake_is_rejected_and_named(op, name):
    mistaken = dual_with(op, DUAL_MISTAKES[op][name])
    with pytest.raises(AssertionError) as failure:
        check_dual_against(as_dual_operation(mistaken), Dual, seed=7)
    assert name in str(failure.value)


def test_the_seeded_calls_are_the_same_for_the_same_seed_and_cover_every_operation():
    assert dual_calls(5) == dual_calls(5) != dual_calls(6)
    assert {call[0][0] for call in dual_calls(5)} == set(DUAL_MISTAKES)


def test_a_stub_dual_gets_the_not_written_yet_advice():
    class Stub:
        def __init__(self, value, tangent=0.0):
            raise NotImplementedError()

    with pytest.raises(CheckFailed, match="Not written yet"):
        check_dual(Stub, "+", (1.0, 1.0), (2.0, 0.0), expected=(3.0, 1.0))


def test_a_jvp_that_reuses_the_first_tangent_is_named():
    def one_tangent(f, x, v):
        return jvp(f, x, [v[0]] * len(x))

    with pytest.raises(AssertionError, match="the same tangent v\\[0\\]"):
        check_jvp_against(one_tangent, solutions.forward, seed=3)
    with pytest.raises(AssertionError, match="the same tangent v\\[0\\]"):
        check_jvp(one_tangent, TEST_FUNCTIONS["[x·y, sin(x) − y / 2]"], [2.0, 4.0], [1.0, 3.0],
                  expected=jvp(TEST_FUNCTIONS["[x·y, sin(x) − y / 2]"], [2.0, 4.0], [1.0, 3.0]),
                  with_first_tangent=jvp(TEST_FUNCTIONS["[x·y, sin(x) − y / 2]"], [2.0, 4.0], [1.0, 1.0])[1])


def test_counting_calls_instead_of_passes_is_named():
    def calls(method, n, m):
        return {"central": 2 * n, "forward": n, "reverse": 1}[method]

    with pytest.raises(AssertionError, match="counting calls of f instead of passes"):
        check_passes(calls, "reverse", 3, 1, expected=2)
    with pytest.raises(AssertionError, match="counting calls of f instead of passes"):
        check_passes_against(calls, solutions.forward, seed=1)


def test_an_unknown_method_must_raise():
    check_rejects_unknown_method(passes_for_jacobian, "backward")
    with pytest.raises(CheckFailed, match="a ValueError"):
        check_rejects_unknown_method(lambda method, n, m: 0, "backward")


# --- What the answers are handed stays as it was ------------------------------------------------------

class InPlaceDual(Dual):
    """The reference Dual, except that + changes its left operand and returns it."""

    def __add__(self, other):
        other = other if isinstance(other, Dual) else Dual(other)
        self.value, self.tangent = self.value + other.value, self.tangent + other.tangent
        return self


def test_an_operation_that_changes_its_operand_is_named():
    with pytest.raises(AssertionError, match="changed its operand"):
        check_dual_against(as_dual_operation(InPlaceDual), Dual, seed=7)


def test_a_jvp_that_writes_into_x_is_stopped_and_one_that_copies_x_is_not():
    def writes_into_x(f, x, v):
        for i in range(len(x)):
            x[i] = Dual(x[i], v[i])
        return jvp(f, [d.value for d in x], v)

    x, v = [0.5, 1.5], [1.0, 0.0]
    with pytest.raises(ChangedItsInput, match="changed the list x"):
        leaving_x_and_v_unchanged(writes_into_x)(TEST_FUNCTIONS["h(x, y) = log(xy) + exp(xy)"], list(x), v)
    assert leaving_x_and_v_unchanged(jvp)(TEST_FUNCTIONS["h(x, y) = log(xy) + exp(xy)"], x, v) == jvp(
        TEST_FUNCTIONS["h(x, y) = log(xy) + exp(xy)"], [0.5, 1.5], [1.0, 0.0])


def test_an_unknown_method_must_raise_a_value_error_naming_the_three():
    def silent(method, n_inputs, n_outputs):
        if method not in METHODS:
            raise ValueError("unknown method")
        return passes_for_jacobian(method, n_inputs, n_outputs)

    with pytest.raises(CheckFailed, match="does not name the three methods"):
        check_rejects_unknown_method(silent, "backward")
    check_rejects_unknown_method(passes_for_jacobian, "symbolic", 7, 2)


def test_a_jvp_failing_for_a_wrong_dual_says_to_fix_dual_first():
    """A Dual whose * drops u·v', with the source's own jvp: jvp's visible test blames jvp's tangents unless it
    says that jvp runs on the learner's Dual."""
    import nbformat

    from course_grading import nbgrader_meta, source_notebook

    cells = {nbgrader_meta(cell).get("grade_id"): cell.source
             for cell in nbformat.read(source_notebook("06_forward_reverse"), as_version=4).cells}
    right = "self.tangent * other.value + self.value * other.tangent"
    assert right in cells["Dual"]
    names: dict = {}
    for source in (cells["setup"], cells["Dual"].replace(right, "self.tangent * other.value"), cells["jvp"]):
        exec(source, names)
    with pytest.raises(CheckFailed) as failure:
        exec(cells["test_jvp"], names)
    last = str(failure.value).splitlines()[-1]
    assert last.startswith("  jvp runs on your Dual") and last.endswith("fix Dual first.")


def test_after_run_all_the_forward_reverse_widget_waits_at_its_first_step():
    """The widget of section 4 is for stepping through: the cells below it must not move it to its end, or a
    learner who runs all finds it finished, its opening note unseen and its ▶ button greyed out."""
    import nbformat

    from course_grading import nbgrader_meta, source_notebook

    cells = nbformat.read(source_notebook("06_forward_reverse"), as_version=4).cells
    made = next(i for i, cell in enumerate(cells) if "view = ForwardReverseView(" in cell.source)
    names: dict = {}
    exec(next(cell.source for cell in cells if nbgrader_meta(cell).get("grade_id") == "setup"), names)
    section_5 = next(i for i, cell in enumerate(cells) if cell.source.startswith("## 5 ·"))
    for cell in cells[made:section_5]:
        if cell.cell_type == "code":
            exec(cell.source, names)
    assert names["view"].step == 0
