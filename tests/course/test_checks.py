"""The checks of notebook 01, and the machinery they share: every correct answer in any numeric form passes,
and each known mistake is named, by the visible checks (backprop_lab.checks, no answer key) and the
hidden ones (autograder.checks, against the reference)."""

from __future__ import annotations

import math
import warnings

from hypothesis import given, settings, strategies as st
import numpy as np
import pytest

import solutions
from autograder.checks.notebook_01 import (
    CENTRAL_DIFFERENCE_MISTAKES,
    FORWARD_DIFFERENCE_MISTAKES,
    ORDER_OF_ACCURACY_MISTAKES,
    RELATIVE_ERROR_MISTAKES,
    check_difference_against,
    check_order_of_accuracy_against,
    check_relative_error_against,
)
from backprop_lab.checks import (
    CheckFailed,
    as_numbers,
    check_call,
    check_difference,
    check_order_of_accuracy,
    check_relative_error,
    check_value,
    is_close,
)

finite = st.floats(-1e6, 1e6, allow_nan=False)


# --- compare: forms of a number, tolerance, messages ---------------------------------------------

@given(finite)
def test_every_numeric_form_of_a_number_is_the_same_answer(x: float) -> None:
    forms = [x, np.float64(x), np.float32(x) if abs(x) < 1e30 else x, np.array(x), [x], (x,), np.array([x])]
    for form in forms:
        assert is_close(form, x, rtol=1e-6, atol=1e-6), form


@given(st.lists(finite, min_size=1, max_size=4))
def test_tuple_list_and_array_are_interchangeable(values: list[float]) -> None:
    assert as_numbers(tuple(values)) == as_numbers(values) == as_numbers(np.array(values))


@pytest.mark.parametrize("not_a_number", [None, "1.0", True, {"x": 1}, [1.0, "a"], np.zeros((2, 2))])
def test_things_that_are_not_numbers_never_match(not_a_number: object) -> None:
    assert as_numbers(not_a_number) is None
    assert not is_close(not_a_number, 1.0)


def test_lengths_must_agree() -> None:
    assert not is_close((1.0, 2.0), (1.0, 2.0, 3.0))
    assert not is_close(float("nan"), float("nan"))


def test_message_says_expected_got_and_the_matching_mistake() -> None:
    with pytest.raises(AssertionError) as caught:
        check_value(3.0, 2.0, what="f(1)", mistakes={"doubled the input": 3.0, "forgot a sign": -2.0})
    message = str(caught.value)
    assert "f(1)" in message and "expected: 2.0" in message and "got:      3.0" in message
    assert "Likely mistake: doubled the input." in message and "forgot a sign" not in message


def test_a_mistake_that_gives_the_right_answer_here_is_not_blamed() -> None:
    with pytest.raises(AssertionError) as caught:
        check_value(5.0, 2.0, what="f(1)", mistakes={"harmless here": 2.0})
    assert "Likely mistake" not in str(caught.value)


def test_learner_exceptions_and_warnings_become_a_quiet_message() -> None:
    def noisy(x):
        return np.log(np.float64(x)) / 0.0  # numpy warns twice and returns -inf

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning escaping the check fails this test
        with pytest.raises(AssertionError, match="got:      -inf"):
            check_call(noisy, (0.0,), expected=1.0)

    def unfinished(x):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="Not written yet"):
        check_call(unfinished, (1.0,), expected=1.0)

    def forgot_return(x):
        x + 1

    with pytest.raises(AssertionError, match="forget `return`"):
        check_call(forgot_return, (1.0,), expected=2.0)


def test_checks_return_none_so_nbgrader_sees_no_partial_credit() -> None:
    assert check_call(lambda x: x, (1.0,), expected=1.0) is None
    assert check_difference(solutions.central_difference, math.sin, 0.5, expected=math.cos(0.5), rtol=1e-8) is None


# --- derivatives: the reference and other sound answers pass; every mistake is named ------------

@pytest.mark.parametrize("seed", range(3))
def test_the_reference_passes_its_hidden_checks_against_independent_formulas(seed: int) -> None:
    """The answer key, graded as a learner would be, against formulas written here with numpy."""
    check_difference_against(solutions.central_difference, numpy_central, seed=seed)
    check_difference_against(solutions.forward_difference, numpy_forward, rule="forward", seed=seed)
    check_relative_error_against(solutions.relative_error, numpy_relative_error, seed=seed)
    check_order_of_accuracy_against(solutions.order_of_accuracy, numpy_order, seed=seed)


def numpy_shift(vals, arg, epsilon):
    x = np.array(vals, dtype=float)
    x[arg] += epsilon
    return x


def numpy_central(f, *vals, arg=0, epsilon=1e-6):
    return (f(*numpy_shift(vals, arg, epsilon)) - f(*numpy_shift(vals, arg, -epsilon))) / (2 * epsilon)


def numpy_forward(f, *vals, arg=0, epsilon=1e-6):
    return (f(*numpy_shift(vals, arg, epsilon)) - f(*np.array(vals, dtype=float))) / epsilon


def numpy_relative_error(a, b):
    return np.abs(np.float64(a) - b) / np.max([abs(a), abs(b), 1e-12])


def numpy_order(epsilons, errors):
    return float(np.polyfit(np.log(epsilons), np.log(errors), 1)[0])


def endpoint_order(epsilons, errors):
    return math.log(errors[-1] / errors[0]) / math.log(epsilons[-1] / epsilons[0])


def endpoint_order_negated(epsilons, errors):
    return -endpoint_order(epsilons, errors)


def median_pairwise_order(epsilons, errors):
    slopes = [
        math.log(errors[j] / errors[i]) / math.log(epsilons[j] / epsilons[i])
        for i in range(len(errors)) for j in range(i + 1, len(errors))
    ]
    return float(np.median(slopes))


@pytest.mark.parametrize("seed", range(3))
def test_other_sound_answers_pass(seed: int) -> None:
    check_difference_against(numpy_central, solutions.central_difference, seed=seed)
    check_relative_error_against(numpy_relative_error, solutions.relative_error, seed=seed)
    check_order_of_accuracy_against(endpoint_order, solutions.order_of_accuracy, seed=seed)
    check_order_of_accuracy_against(median_pairwise_order, solutions.order_of_accuracy, seed=seed)


CATALOGUE = [
    *[("central", name, model) for name, model in CENTRAL_DIFFERENCE_MISTAKES.items()],
    *[("forward", name, model) for name, model in FORWARD_DIFFERENCE_MISTAKES.items()],
]


@pytest.mark.parametrize(("rule", "name", "model"), CATALOGUE, ids=[f"{r}: {n[:50]}" for r, n, _ in CATALOGUE])
def test_each_difference_mistake_is_caught_and_named(rule: str, name: str, model) -> None:
    reference = solutions.central_difference if rule == "central" else solutions.forward_difference
    with pytest.raises(AssertionError) as caught:
        check_difference_against(model, reference, rule=rule, seed=7)
    assert name in str(caught.value)


def fixed_step(step: float):
    """A central difference that takes `epsilon` and ignores it, always stepping by `step`."""
    return lambda f, *vals, arg=0, epsilon=1e-6: solutions.central_difference(f, *vals, arg=arg, epsilon=step)


def tiny_default(f, *vals, arg=0, epsilon=1e-13):
    """A central difference whose default step is lost in rounding."""
    return solutions.central_difference(f, *vals, arg=arg, epsilon=epsilon)


def test_a_fixed_step_and_a_tiny_default_step_are_named() -> None:
    with pytest.raises(AssertionError, match="`epsilon` argument is ignored"):
        check_difference_against(fixed_step(1e-4), solutions.central_difference, seed=7)
    with pytest.raises(AssertionError, match="ε too small: your default epsilon=1e-13"):
        check_difference_against(tiny_default, solutions.central_difference, seed=7)


def test_a_wrong_signature_gets_advice_instead_of_a_blamed_mistake() -> None:
    with pytest.raises(AssertionError) as caught:
        check_difference_against(lambda f, x: 0.0, solutions.central_difference, seed=7)
    assert "Keep the signature" in str(caught.value) and "Likely mistake" not in str(caught.value)


def test_writing_into_the_tuple_vals_gets_advice_to_copy_it() -> None:
    def moves_vals_in_place(f, *vals, arg=0, epsilon=1e-6):
        vals[arg] += epsilon
        return (f(*vals) - f(*vals)) / epsilon

    with pytest.raises(CheckFailed) as caught:
        check_difference(moves_vals_in_place, lambda x: x**3, 2.0, epsilon=1e-3, expected=12.006001, rule="forward")
    assert "does not support item assignment" in str(caught.value)
    assert "copy it into a list (moved = list(vals))" in str(caught.value)


@pytest.mark.parametrize(("name", "model"), RELATIVE_ERROR_MISTAKES.items(), ids=lambda v: v[:50] if isinstance(v, str) else "model")
def test_each_relative_error_mistake_is_caught_and_named(name: str, model) -> None:
    def visible_then_hidden():
        check_relative_error(model, 3.0, 1.0, expected=2 / 3)
        check_relative_error(model, 1e-20, -1e-20, expected=0.0, atol=1e-6)
        check_relative_error_against(model, solutions.relative_error, seed=7)

    with pytest.raises(AssertionError) as caught:
        visible_then_hidden()
    assert name in str(caught.value)


@pytest.mark.parametrize(("name", "model"), ORDER_OF_ACCURACY_MISTAKES.items(), ids=lambda v: v[:50] if isinstance(v, str) else "model")
def test_each_order_of_accuracy_mistake_is_caught_and_named(name: str, model) -> None:
    with pytest.raises(AssertionError) as caught:
        check_order_of_accuracy_against(model, solutions.order_of_accuracy, seed=7)
    assert name in str(caught.value)


@settings(max_examples=25)
@given(st.integers(0, 2**32 - 1))
def test_hidden_checks_accept_a_sound_answer_and_give_a_wrong_one_the_same_verdict_for_any_seed(seed: int) -> None:
    check_difference_against(numpy_central, solutions.central_difference, seed=seed)
    check_relative_error_against(numpy_relative_error, solutions.relative_error, seed=seed)
    check_order_of_accuracy_against(numpy_order, solutions.order_of_accuracy, seed=seed)
    wrong_answers = [
        lambda: check_difference_against(numpy_forward, solutions.central_difference, seed=seed),
        lambda: check_relative_error_against(lambda a, b: abs(a - b), solutions.relative_error, seed=seed),
        lambda: check_order_of_accuracy_against(endpoint_order_negated, solutions.order_of_accuracy, seed=seed),
    ]
    for check in wrong_answers:
        messages = []
        for _ in range(2):
            with pytest.raises(AssertionError) as caught:
                check()
            messages.append(str(caught.value))
        assert messages[0] == messages[1], "grading the same answer twice must say the same"


def test_on_a_linear_function_the_step_is_not_blamed() -> None:
    (wrong_arg,) = [m for name, m in CENTRAL_DIFFERENCE_MISTAKES.items() if name.startswith("wrong arg")]

    def area(width, height):
        return width * height

    with pytest.raises(AssertionError) as caught:
        check_difference(wrong_arg, area, 3.0, 5.0, arg=1, epsilon=1e-3, expected=3.0)
    assert "Likely mistake: wrong arg: the answer is the same as for arg=0" in str(caught.value)
    assert "ignored" not in str(caught.value)


def cube(x):
    return x**3


def area(width, height):
    return width * height


# Each mistake of the hidden catalogue, made by a learner, and what the visible check of the notebook
# (numbers written in the cell, and the learner's own forward_difference) calls it.
VISIBLE_NAMES = {
    "forward difference": "forward difference (f(x + ε) − f(x)) / ε instead of the central",
    "backward difference": "backward difference (f(x) − f(x − ε)) / ε instead of the central",
    "divided by ε instead of 2ε": "divided by ε instead of 2ε",
    "returned the difference": "without dividing by 2ε",
    "`/ 2 * epsilon`": "`/ 2 * epsilon` divides by 2",
    "sign flipped": "sign flipped",
    "wrong arg": "wrong arg: the answer is the same as for arg=0",
    "moved every input": "wrong arg: the answer is the same as for arg=0",
}


@pytest.mark.parametrize(("start", "named"), VISIBLE_NAMES.items(), ids=list(VISIBLE_NAMES))
def test_the_visible_check_names_each_difference_mistake_without_the_answer_key(start: str, named: str) -> None:
    (model,) = [m for name, m in CENTRAL_DIFFERENCE_MISTAKES.items() if name.startswith(start)]
    with pytest.raises(AssertionError) as caught:
        # As the notebook's visible cell: cube, then area (where only arg can go wrong).
        others = {"forward": solutions.forward_difference, "backward": 11.994001}
        check_difference(model, cube, 2.0, epsilon=1e-3, expected=12.000001, others=others)
        check_difference(model, area, 3.0, 5.0, arg=1, epsilon=1e-3, expected=3.0, others=others)
    assert named in str(caught.value)


def test_the_visible_check_names_a_fixed_step_and_a_tiny_default_step() -> None:
    with pytest.raises(AssertionError, match="`epsilon` argument is ignored"):
        check_difference(fixed_step(1e-2), cube, 2.0, epsilon=1e-3, expected=12.000001)
    with pytest.raises(AssertionError, match="ε too small: your default epsilon=1e-13"):
        check_difference(tiny_default, math.sin, 3.0, expected=math.cos(3.0), rtol=1e-8)


@pytest.mark.parametrize(("name", "model"), [(n, m) for n, m in ORDER_OF_ACCURACY_MISTAKES.items()
                                             if not n.startswith("no logarithms")], ids=lambda v: v[:50] if isinstance(v, str) else "model")
def test_the_visible_check_names_each_order_of_accuracy_mistake_from_p_alone(name: str, model) -> None:
    with pytest.raises(AssertionError) as caught:
        check_order_of_accuracy(model, [0.1, 0.01, 0.001], [0.03, 0.0003, 0.000003], expected=2.0)
    assert name in str(caught.value)


def test_a_failed_check_shows_its_message_first_and_no_path() -> None:
    """IPython prints `_render_traceback_` instead of a traceback: the message, with no frame of ours."""
    from backprop_lab.checks import CheckFailed, check_value

    with pytest.raises(CheckFailed) as caught:
        check_value(0.5, 1.8591, what="dh/dx", mistakes={"only the log branch arrived": 0.5})
    assert isinstance(caught.value, AssertionError)
    shown = caught.value._render_traceback_()
    assert shown[0].startswith("CheckFailed: dh/dx\n  expected: 1.8591")
    assert "Likely mistake: only the log branch arrived." in shown[-1]
    assert not any(".py" in line for line in shown)
