"""Hidden-test checks for notebook 05: tensor backward functions, unbroadcast, and a gradient check.

`check_backward_against(learner, op, seed)` runs the reference, `solutions.array_boxes`, on seeded
random shapes (broadcasting included) and hands each case to `backprop_lab.checks.check_backward`,
which names the mistake. `check_tensor_grad_check_against` judges the learner's gradient check on
functions whose backward is right or deliberately wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from backprop_lab.cases import backward_calls
from backprop_lab.checks.compare import CheckFailed, check_value
from backprop_lab.checks.notebook_04 import error_message
from backprop_lab.checks.notebook_05 import (
    CORRECT_BELOW,
    TRAINING_MISTAKES,
    check_backward,
    check_inputs_unchanged,
    judge_grad_check,
)
from backprop_lab.grad_check_cases import (
    GRAD_CHECK_INPUTS,
    MASK,
    ONE_ENTRY_OFF,
    grad_check_arrays,
    record_grad_checks,
)
from backprop_lab.training_cases import RATE, START, STEPS

from .replay import BadRecord, entries, outcome_of


# --- The reference backward per operation ---------------------------------------------------------

def _box_backward(box_name: str, *inputs: np.ndarray, grad: np.ndarray, **constants: Any) -> Any:
    """The reference: solutions.array_boxes' box for the op, forward then backward(grad)."""
    from solutions import array_boxes

    box = getattr(array_boxes, box_name)(*inputs, **constants)
    box.forward()
    return box.backward(grad)


def _reference_unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    from solutions import unbroadcast

    return unbroadcast(grad, shape)


def _unary(box: str) -> Callable[..., Any]:
    return lambda grad, a, out: _box_backward(box, a, grad=grad)


REFERENCE_BACKWARDS: Mapping[str, Callable[..., Any]] = {
    "exp": _unary("Exp"),
    "log": _unary("Log"),
    "relu": _unary("Relu"),
    "unbroadcast": _reference_unbroadcast,
    "add": lambda grad, a, b: _box_backward("Add", a, b, grad=grad),
    "mul": lambda grad, a, b: _box_backward("Mul", a, b, grad=grad),
    "matmul": lambda grad, a, b: _box_backward("MatMul", a, b, grad=grad),
    "sum": lambda grad, a, axis=None, keepdims=False: _box_backward(
        "Sum", np.asarray(a), grad=np.asarray(grad), axis=axis, keepdims=keepdims),
    "tanh": _unary("Tanh"),
}
"""op (as the test cell names it) -> the reference backward, called with the arguments the learner's is."""


def check_backward_against(learner: Callable[..., Any], op: str, seed: int) -> None:
    """Compare the learner's backward for `op` with the reference on seeded random inputs."""
    if op not in REFERENCE_BACKWARDS:
        raise ValueError(f"no checks for operation {op!r}; known: {sorted(REFERENCE_BACKWARDS)}")
    for args, _ in backward_calls(op, seed):
        check_backward(learner, op, args, REFERENCE_BACKWARDS[op](*args), sum_back=_reference_unbroadcast)


# --- tensor_grad_check ---------------------------------------------------------------------------

@dataclass(frozen=True)
class GradCheckCase:
    """What the reference says of one of backprop_lab.grad_check_cases.GRAD_CHECK_INPUTS (same position):
    the function again, written with the reference Tensor's public operations, and the right verdict."""

    name: str
    reference_f: Callable[[type], Callable[..., Any]]
    correct: bool
    hint: str = ""


def _detached(R: type, t: Any) -> Any:
    return R(t.data, requires_grad=False)

_ONE_OF_THIRTY = np.zeros((6, 5))
_ONE_OF_THIRTY[4, 1] = -1 / 3


def _claimed_extra(R: type, extra: np.ndarray) -> Callable[[Any], Any]:
    """t³ whose backward claims (3 + 3·extra)·t²: the term (t − t detached) is 0 in value but not in gradient."""
    return lambda t: t * t * t + (t - _detached(R, t)) * _detached(R, t) * _detached(R, t) * (3 * extra)



GRAD_CHECK_CASES = (
    GradCheckCase("t³, correct backward, values of order 1", lambda R: lambda t: t * t * t, True),
    GradCheckCase("t³ with a backward that claims 2t²", lambda R: lambda t: t * t * _detached(R, t), False),
    GradCheckCase("exp(8t), correct backward, a steep function", lambda R: lambda t: (t * 8.0).exp(), True,
                  "Likely mistake: a one-sided difference (f(x + ε) − f(x)) / ε: on a steep function its error, "
                  "about ε·f''/(2f'), is far above a central difference's; use (f(x + ε) − f(x − ε)) / (2ε)."),
    GradCheckCase("t³, correct backward, values near 30 (gradients in the thousands)", lambda R: lambda t: t * t * t,
                  True,
                  "Likely mistake: an absolute error |analytic − numeric| instead of a relative one: large "
                  "gradients carry large absolute round-off; divide by max(|analytic|, |numeric|)."),
    GradCheckCase("s·t³ with two inputs, correct backward", lambda R: lambda s, t: s * t * t * t, True),
    GradCheckCase("s·t³ whose backward is wrong only for the second input t",
                  lambda R: lambda s, t: s * t * t * _detached(R, t), False,
                  "Likely mistake: only the first input was checked: loop over every tensor passed in."),
    GradCheckCase("t³ with a wrong backward on a 30×40 tensor (check a few random entries, not all)",
                  lambda R: lambda t: t * t * _detached(R, t), False),
    GradCheckCase("t³ on 4 entries, whose backward is 4 % off at one entry only",
                  lambda R: _claimed_extra(R, ONE_ENTRY_OFF - 1), False,
                  "Likely mistake: the errors were averaged (or the gradients summed before comparing): one wrong "
                  "entry among many then hides; return the largest relative error over every entry checked."),
    GradCheckCase("mask·t³, correct backward, with entries where both gradients are exactly 0",
                  lambda R: lambda t: t * t * t * MASK, True,
                  "Likely mistake: no floor on the denominator: where both gradients are 0 the relative error is "
                  "0 / 0; divide by max(|analytic|, |numeric|, 1e-12)."),
    GradCheckCase("t³ on a 6×5 tensor with n_indices=30, whose backward is wrong at one entry only",
                  lambda R: _claimed_extra(R, _ONE_OF_THIRTY), False,
                  "Likely mistake: n_indices was ignored: with n_indices=30 every one of the 30 entries must be checked."),
    GradCheckCase("t³ with a backward that claims 3t² + 1, checked three times with seed=3 and n_indices=1",
                  lambda R: lambda t: t * t * t + (t - _detached(R, t)), False),
)



def judge_tensor_grad_check(results: object, seed: int) -> None:
    """Judge recorded gradient checks (backprop_lab.grad_check_cases.record_grad_checks): each must call the
    case's backward right or wrong, as the reference check does, and leave its inputs unchanged."""
    from solutions import Tensor as Reference, tensor_grad_check

    recorded = entries(results, len(GRAD_CHECK_CASES))
    for case, given, arrays, entry in zip(GRAD_CHECK_CASES, GRAD_CHECK_INPUTS, grad_check_arrays(seed), recorded):
        reference = tensor_grad_check(case.reference_f(Reference), *(Reference(a.copy()) for a in arrays),
                                      **dict(given.options))
        if (reference < CORRECT_BELOW) != case.correct:
            raise RuntimeError(f"the reference check misjudges the case {case.name!r}: {reference:.3g}")
        if not isinstance(entry, dict):
            raise BadRecord("a gradient check without its record")
        what = f"tensor_grad_check on {case.name}"
        judge_grad_check(outcome_of(entry.get("result")), case.correct, what, case.hint)
        if "again" in entry:
            if not isinstance(entry["again"], list):
                raise BadRecord("a repeated gradient check without the list of its later calls")
            for again in entry["again"]:
                _judge_same_again(outcome_of(entry.get("result")), outcome_of(again), case, what)
        after = outcome_of(entry.get("inputs_after"))
        if not isinstance(after.value, list) or len(after.value) != len(arrays):
            raise AssertionError(f"{what}: the inputs' .data after the check cannot be read: "
                                 f"{after.error or 'not one array per input'}")
        for given, original in zip(after.value, arrays):
            check_inputs_unchanged(given, original, f"{what}: the inputs after the check")


def _judge_same_again(first: Any, again: Any, case: GradCheckCase, what: str) -> None:
    """A later call with the same seed must pick the same entries, so give the same number."""
    judge_grad_check(again, case.correct, f"{what} (a later call)", case.hint)
    if first.value != again.value:
        raise CheckFailed(f"{what}\n  expected: the same number from every call (the same seed)\n"
                          f"  got:      {first.value!r}, then {again.value!r}\n"
                          "  Likely mistake: the random entries do not come from `seed` (draw them with "
                          "np.random.default_rng(seed), so that a check can be repeated), or the first call left "
                          "something behind (gradients added to the caller's tensors' .grad: work on copies).")


def check_tensor_grad_check_against(learner: Callable[..., Any], tensor: type, seed: int) -> None:
    """The learner's check on every case, run here, then judged as a recorded one."""
    judge_tensor_grad_check(record_grad_checks(learner, tensor, seed), seed)


# --- The training step ---------------------------------------------------------------------------

def judge_train_step(results: object) -> None:
    """Judge recorded steps (backprop_lab.training_cases.record_train_step) against the scenario's exact values."""
    recorded = entries(results, STEPS + 1)
    losses = []
    for k, entry in enumerate(recorded[:STEPS]):
        got = outcome_of(entry)
        if got.error is not None:
            raise CheckFailed(error_message(f"train_step, step {k + 1} of {STEPS} (parameters u, v and one the "
                                            "loss does not use, whose .grad stays None)", got.error))
        losses.append(got.value)
    after = outcome_of(recorded[-1]).value
    if not isinstance(after, list) or len(after) != len(START):
        raise BadRecord("no record of the parameters after the steps")
    u, v, unused = after
    check_value(v, START["v"] - STEPS * RATE, what=f"v after {STEPS} steps (its gradient is always 1)",
                mistakes={TRAINING_MISTAKES["no_zero"]: START["v"] - RATE * (1 + 2 + 3),
                          TRAINING_MISTAKES["rebound"]: START["v"]})
    shrink = 1 - RATE * 8  # each step multiplies u by 1 − rate · 8
    check_value(u, START["u"] * shrink**STEPS, what=f"u after {STEPS} steps (each multiplies it by 1 − 0.05 · 8)")
    check_value(unused, START["unused"], what=f"a parameter the loss does not use, after {STEPS} steps")
    expected = [4 * (START["u"] * shrink**k) ** 2 + START["v"] - k * RATE for k in range(STEPS)]
    check_value(losses, expected, what="the losses train_step returned (each computed before its step)")
