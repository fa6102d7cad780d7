"""Notebook 05 (tensors and GPU): the notebook's own Tensor engine (scaffold plus the source's
answers) agrees with the reference and runs unchanged on another array-API library, which is what
lets it run on cupy; and each mistake model is named by the hidden check.

Running the notebook and grading its right and wrong submissions is tests/course/test_notebooks.py's job.
"""

from __future__ import annotations

import array_api_strict as strict
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp
import nbformat
import numpy as np
import pytest

from autograder.checks.notebook_05 import REFERENCE_BACKWARDS, check_backward_against, check_tensor_grad_check_against
from backprop_lab.cases import leaving_inputs_unchanged
from backprop_lab.checks import NoVerdict
from backprop_lab.checks.notebook_05 import BACKWARDS
from backprop_lab.recording import ChangedItsInput
from course_grading import nbgrader_meta, source_notebook
import solutions

SOURCE = nbformat.read(source_notebook("05_tensors_gpu"), as_version=4)

# --- The notebook's engine, outside the notebook ---------------------------------------------------

def notebook_engine() -> dict:
    """The namespace the source notebook's imports, scaffold and answer cells define."""
    namespace: dict = {}
    for cell in SOURCE.cells:
        meta = nbgrader_meta(cell)
        if meta.get("grade_id") in ("setup", "tensor_engine") or (meta.get("solution") and cell.cell_type == "code"):
            exec(cell.source, namespace)
    return namespace


ENGINE = notebook_engine()


def model(a, b, c):
    """Every operation the learner writes, with broadcasting in + and *."""
    return ((a @ b + c).relu() * c).tanh().exp().mean(axis=0) + (c * c + 1.0).log()


@settings(max_examples=25)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.data())
def test_notebook_gradients_match_the_reference(n: int, k: int, m: int, data) -> None:
    floats = st.floats(-1.5, 1.5)
    arrays = [data.draw(hnp.arrays(np.float64, shape, elements=floats)) for shape in [(n, k), (k, m), (m,)]]
    mine = [ENGINE["Tensor"](x.copy(), requires_grad=True) for x in arrays]
    theirs = [solutions.Tensor(x.copy(), requires_grad=True) for x in arrays]
    model(*mine).sum().backward()
    model(*theirs).sum().backward()
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a.grad, b.grad, rtol=1e-9, atol=1e-12)


def test_notebook_engine_runs_on_another_array_library() -> None:
    """The same Tensor and backward code on array_api_strict, the strictest array-API library."""
    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=(3, 2)), rng.normal(size=(2, 4)), rng.uniform(0.5, 1.5, size=(4,))]
    on_numpy = [ENGINE["Tensor"](x, requires_grad=True) for x in arrays]
    on_strict = [ENGINE["Tensor"](strict.asarray(x), requires_grad=True) for x in arrays]
    for tensors in (on_numpy, on_strict):
        model(*tensors).sum().backward()
    for a, b in zip(on_numpy, on_strict):
        assert type(b.grad).__module__.startswith("array_api_strict")
        np.testing.assert_allclose(a.grad, np.from_dlpack(b.grad), rtol=1e-12)


# --- Every mistake model is caught, and named, by the hidden checks ---------------------------------


def mistaken(op: str, mistake: str):
    """A learner's backward that makes `mistake` wherever it shows, and is right elsewhere."""
    reference = REFERENCE_BACKWARDS[op]

    def backward(*args):
        expected = reference(*args)
        try:
            return BACKWARDS[op].mistakes(expected, solutions.unbroadcast)[mistake](*args)
        except NoVerdict:
            return expected

    return backward


MISTAKES = [(op, name) for op, checks in BACKWARDS.items() for name in checks.mistakes(np.zeros(1), None)]


@pytest.mark.parametrize("op, mistake", MISTAKES, ids=lambda value: value[:40])
def test_each_mistake_model_is_named_by_the_hidden_check(op: str, mistake: str) -> None:
    with pytest.raises(AssertionError) as failure:
        check_backward_against(mistaken(op, mistake), op, seed=0)
    assert mistake in str(failure.value)


# --- A backward writes into none of its arguments ---------------------------------------------------

def test_a_backward_that_writes_into_grad_is_stopped_and_one_that_copies_first_is_not() -> None:
    def in_place(grad, a, out):
        grad[a <= 0] = 0.0
        return grad

    def copy_first(grad, a, out):
        result = grad.copy()
        result[a <= 0] = 0.0
        return result

    grad, a = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.0, -1.0])
    with pytest.raises(ChangedItsInput, match="`grad`"):
        leaving_inputs_unchanged(in_place)(grad.copy(), a, np.maximum(a, 0.0))
    kept = grad.copy()
    np.testing.assert_array_equal(leaving_inputs_unchanged(copy_first)(grad, a, np.maximum(a, 0.0)), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(grad, kept)


# --- The gradient check: the largest error over every entry it is asked for, repeatable by its seed ----

def grad_check_with(*, mean: bool = False, floor: float = 1e-12, entries: int | None = None, seeded: bool = True):
    """The source's check, rewritten with one of its contracts broken (none, by default)."""
    Tensor = ENGINE["Tensor"]

    def check(f, *tensors, n_indices=5, epsilon=1e-6, seed=0):
        rng = np.random.default_rng(seed if seeded else None)
        inputs = [Tensor(t.data.copy()) for t in tensors]
        for t in inputs:
            t.requires_grad = True  # wanted, whichever default the notebook's Tensor has
        f(*inputs).sum().backward()
        errors = []
        for t in inputs:
            for flat in rng.choice(t.data.size, size=min(entries or n_indices, t.data.size), replace=False):
                index = np.unravel_index(int(flat), t.shape)
                kept = float(t.data[index])
                t.data[index] = kept + epsilon
                upper = float(f(*inputs).sum().data)
                t.data[index] = kept - epsilon
                lower = float(f(*inputs).sum().data)
                t.data[index] = kept
                numeric, exact = (upper - lower) / (2 * epsilon), float(t.grad[index])
                errors.append(abs(exact - numeric) / max(abs(exact), abs(numeric), floor))
        return float(np.mean(errors)) if mean else max(errors)

    return check


@pytest.mark.parametrize("broken, message", [
    ({}, None),
    ({"mean": True}, "the errors were averaged"),
    ({"floor": 0.0}, "both gradients are exactly 0"),
    ({"entries": 5}, "n_indices was ignored"),
    ({"seeded": False}, "do not come from `seed`"),
], ids=["right", "mean", "no floor", "n_indices ignored", "seed ignored"])
def test_each_broken_contract_of_the_gradient_check_is_named(broken: dict, message: str | None) -> None:
    check = grad_check_with(**broken)
    if message is None:
        check_tensor_grad_check_against(check, ENGINE["Tensor"], seed=509)
        return
    with pytest.raises(AssertionError, match=message):
        check_tensor_grad_check_against(check, ENGINE["Tensor"], seed=509)


# --- What a failing visible check shows ---------------------------------------------------------------

def test_an_input_left_off_by_a_nudge_is_shown_in_full_precision():
    from backprop_lab.checks.notebook_05 import check_inputs_unchanged

    before = np.array([[0.5, -1.2], [2.0, 0.3]])
    nudged = before.copy()
    nudged[1, 0] -= 1e-6
    with pytest.raises(AssertionError) as caught:
        check_inputs_unchanged(nudged, before, what="x.data after the check")
    assert "1 of 4 entries changed, e.g. at [1, 0]: 2.0 became 1.999999" in str(caught.value)



# --- A backward that writes into its input fails its visible test, with the mistake named -------------

def relu_in_place(grad, a, out):
    """The walkthrough's answer: right values, written into the `grad` the engine still holds."""
    grad[a <= 0] = 0.0
    return grad


def test_the_visible_check_names_a_backward_that_writes_into_grad_and_leaves_the_cells_arrays_alone() -> None:
    from backprop_lab.checks import check_backward

    a, grad = np.array([[-2.0, 0.5], [3.0, -0.1]]), np.array([[5.0, 2.0], [-1.0, 4.0]])
    given = grad.copy()
    with pytest.raises(AssertionError) as failure:
        check_backward(relu_in_place, "relu", (grad, a, np.maximum(a, 0.0)), expected=np.array([[0.0, 2.0], [-1.0, 0.0]]))
    message = str(failure.value)
    assert "wrote into its argument `grad`" in message and "`grad * (a > 0)`" in message
    assert "in argument 1, 2 of 4 entries changed" in message
    np.testing.assert_array_equal(grad, given)


VISIBLE_BACKWARD_TESTS = [cell for cell in SOURCE.cells
                          if nbgrader_meta(cell).get("grade") and "check_backward(" in cell.source]


@pytest.mark.parametrize("cell", VISIBLE_BACKWARD_TESTS, ids=lambda cell: nbgrader_meta(cell)["grade_id"])
def test_the_sources_backwards_pass_their_visible_tests(cell) -> None:
    """No right answer of the notebook writes into what it is given, so none trips the in-place check."""
    exec(cell.source, dict(ENGINE))
