"""Checks for notebook 05: the backward functions of tensor operations, unbroadcast, and a gradient check.

`check_backward(learner, op, args, expected)` serves the visible test cells (a fixed example with its
answer written in the cell); `check_backward_against(learner, op, seed)` the hidden ones (the
reference, `solutions.array_boxes`, on seeded random shapes, broadcasting included). A wrong
answer is named by running the mistake models of that operation on the same arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from backprop_lab.cases import backward_calls
from backprop_lab.grad_check_cases import grad_check_arrays, record_grad_checks

from .compare import Mistakes, Outcome, failure_message, run_quietly
from .replay import BadRecord, entries, outcome_of

RTOL, ATOL = 1e-9, 1e-12
CORRECT_BELOW, WRONG_ABOVE = 1e-6, 1e-2


# --- Comparing arrays and tuples of arrays -------------------------------------------------------

def _same(got: object, expected: object) -> bool:
    """Equal shapes and values within tolerance; a tuple must match a tuple (or list) of as many."""
    if isinstance(expected, tuple):
        return (isinstance(got, (tuple, list)) and len(got) == len(expected)
                and all(_same(g, e) for g, e in zip(got, expected)))
    if got is None or isinstance(got, (tuple, list, str)):
        return False
    try:
        got_array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return got_array.shape == np.shape(expected) and bool(np.allclose(got_array, expected, rtol=RTOL, atol=ATOL))


def _same_outcome(got: Outcome, model: Outcome) -> bool:
    if got.error is not None or model.error is not None:
        return got.error is not None and model.error is not None and type(got.error) is type(model.error)
    return _same(got.value, model.value)


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "(" + ",\n            ".join(_show(v) for v in value) + ")"
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{value!r:.80} (a {type(value).__name__}, not an array)"
    text = np.array2string(array, precision=4, threshold=24, separator=", ").replace("\n", " ")
    return f"shape {array.shape}: {text}"


def _describe(name: str, args: Sequence[object]) -> str:
    shown = [f"array{tuple(np.shape(a))}" if isinstance(a, np.ndarray) else repr(a) for a in args]
    return f"{name}({', '.join(shown)})"


def _shape_hint(got: object, expected: object) -> str:
    shapes = lambda v: [tuple(np.shape(x)) for x in v] if isinstance(v, (tuple, list)) else [tuple(np.shape(v))]
    try:
        if shapes(got) != shapes(expected):
            return ("Shapes differ: a gradient has the shape of the array it belongs to "
                    f"(expected {', '.join(map(str, shapes(expected)))}).")
    except (TypeError, ValueError):
        pass
    return ""


# --- Mistake models ------------------------------------------------------------------------------

def _unbroadcast(grad: np.ndarray, shape: tuple, *, keep: bool = True, stretched_too: bool = True,
                 reduce: Callable = np.sum) -> np.ndarray:
    """Sum (or `reduce`) grad back to shape; the flags switch off one of the two steps' details."""
    added = grad.ndim - len(shape)
    if added > 0:
        grad = reduce(grad, axis=tuple(range(added)))
    if stretched_too:
        axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
        if axes:
            grad = reduce(grad, axis=axes, keepdims=keep)
    return grad


def _both(rule: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple]) -> Callable[..., tuple]:
    return lambda grad, a, b: rule(np.asarray(grad), np.asarray(a), np.asarray(b))


UNBROADCAST_MISTAKES: Mistakes = {
    "the gradient was returned unchanged: an input that broadcasting stretched must get the sum of its copies' gradients":
        lambda grad, shape: grad,
    "averaged instead of summed: every copy of a broadcast entry passes back its full gradient, so add them up":
        lambda grad, shape: _unbroadcast(grad, shape, reduce=np.mean),
    "only the leading axes that broadcasting added were summed; also sum the axes where the input has size 1 "
    "(with keepdims=True)":
        lambda grad, shape: _unbroadcast(grad, shape, stretched_too=False),
    "the size-1 axes were summed without keepdims=True, so they vanished from the shape":
        lambda grad, shape: _unbroadcast(grad, shape, keep=False),
}

BROADCAST_NOT_UNDONE = ("the gradient was not summed back to each input's shape: pass it through "
                        "unbroadcast(grad, a.shape) (broadcasting not summed back)")

ADD_MISTAKES: Mistakes = {BROADCAST_NOT_UNDONE: lambda grad, a, b: (grad, grad)}

MUL_MISTAKES: Mistakes = {
    "each input got its own value instead of the other's: ∂(a·b)/∂a = b and ∂(a·b)/∂b = a":
        _both(lambda g, a, b: (_unbroadcast(g * a, a.shape), _unbroadcast(g * b, b.shape))),
    "grad was left out: the chain rule multiplies the incoming gradient by the local one, grad * b":
        _both(lambda g, a, b: (_unbroadcast(np.ones_like(g) * b, a.shape), _unbroadcast(np.ones_like(g) * a, b.shape))),
    BROADCAST_NOT_UNDONE: _both(lambda g, a, b: (g * b, g * a)),
}

MATMUL_MISTAKES: Mistakes = {
    "transposes swapped or left out: ∂L/∂a = grad @ b.T and ∂L/∂b = a.T @ grad":
        _both(lambda g, a, b: (g @ b, a @ g)),
    "factors in the wrong order (matrix products do not commute): grad @ b.T, not b.T @ grad":
        _both(lambda g, a, b: (b.T @ g, g @ a.T)),
    "the two gradients swapped: the first belongs to a (grad @ b.T), the second to b (a.T @ grad)":
        _both(lambda g, a, b: (a.T @ g, g @ b.T)),
}

MATMUL_SHAPE_HINT = ("grad has the shape of a @ b, (n, m); the gradient of a must have a's shape (n, k) and "
                     "that of b b's shape (k, m): only grad @ b.T and a.T @ grad fit.")


def _axes(a: np.ndarray, axis: Any) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(a.ndim))
    return tuple(sorted(ax % a.ndim for ax in ((axis,) if isinstance(axis, int) else axis)))


def _sum_backward(grad: Any, a: Any, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    from solutions.array_boxes import Sum

    return Sum(np.asarray(a), _axes(np.asarray(a), axis), keepdims).backward(np.asarray(grad))


SUM_MISTAKES: Mistakes = {
    "the summed axes were not put back before broadcasting: reshape grad with a 1 where each summed axis was "
    "(or use keepdims), or broadcasting lines it up along the wrong axis":
        lambda grad, a, axis=None, keepdims=False: np.broadcast_to(grad, np.shape(a)),
    "divided by the number of entries summed: that is mean's backward; a sum passes its gradient on unchanged":
        lambda grad, a, axis=None, keepdims=False: _sum_backward(grad, a, axis, keepdims)
        / (np.size(a) // max(np.size(grad), 1)),
    "grad was returned as it is: every entry that went into the sum receives the sum's gradient, so the result "
    "has the shape of a":
        lambda grad, a, axis=None, keepdims=False: grad,
}

EXP_MISTAKES: Mistakes = {
    "multiplied by a instead of by exp(a): the derivative of exp is exp itself, which is `out`":
        lambda grad, a, out: grad * a,
    "grad was left out: return grad * exp(a), not exp(a) alone": lambda grad, a, out: out,
}

LOG_MISTAKES: Mistakes = {
    "multiplied by log(a), the output: the derivative of log(a) is 1/a, so return grad / a":
        lambda grad, a, out: grad * out,
    "multiplied by a instead of dividing by it: d log(a)/da = 1/a": lambda grad, a, out: grad * a,
    "grad was left out: return grad / a, not 1 / a alone": lambda grad, a, out: 1.0 / a,
}

RELU_MISTAKES: Mistakes = {
    "multiplied by relu's output instead of by its slope: the derivative is the mask (a > 0), 1 or 0, "
    "so the gradient passes unchanged where a > 0 (mask on the output's values vs the input's sign)":
        lambda grad, a, out: grad * out,
    "multiplied by a instead of by the mask (a > 0)": lambda grad, a, out: grad * a,
    "grad was left out: return grad where a > 0, not the 0/1 mask alone":
        lambda grad, a, out: (np.asarray(a) > 0).astype(float),
    "the mask is the wrong way round: relu passes the gradient where a > 0 and blocks it elsewhere":
        lambda grad, a, out: np.where(np.asarray(a) > 0, 0.0, grad),
    "the mask was taken from grad instead of from the input a": lambda grad, a, out: np.where(grad > 0, grad, 0.0),
}


# --- The reference and random inputs per operation -----------------------------------------------

def _box_backward(box_name: str, *inputs: np.ndarray, grad: np.ndarray, **constants: Any) -> Any:
    """The reference: solutions.array_boxes' box for the op, forward then backward(grad)."""
    from solutions import array_boxes

    box = getattr(array_boxes, box_name)(*inputs, **constants)
    box.forward()
    return box.backward(grad)


def _reference_unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    from solutions import unbroadcast

    return unbroadcast(grad, shape)


@dataclass(frozen=True)
class Operation:
    """How to check one backward: its reference, its mistake models, and its random test inputs."""

    reference: Callable[..., Any]
    mistakes: Mistakes
    error_hint: str = ""
    unmatched_hint: str = ""


def _unary(box: str, mistakes: Mistakes) -> Operation:
    return Operation(lambda grad, a, out: _box_backward(box, a, grad=grad), mistakes)


USES_UNBROADCAST = "This backward calls your unbroadcast: if its tests fail, fix those first."

OPERATIONS: Mapping[str, Operation] = {
    "exp": _unary("Exp", EXP_MISTAKES),
    "log": _unary("Log", LOG_MISTAKES),
    "relu": _unary("Relu", RELU_MISTAKES),
    "unbroadcast": Operation(_reference_unbroadcast, UNBROADCAST_MISTAKES),
    "add": Operation(lambda grad, a, b: _box_backward("Add", a, b, grad=grad), ADD_MISTAKES,
                     unmatched_hint=USES_UNBROADCAST),
    "mul": Operation(lambda grad, a, b: _box_backward("Mul", a, b, grad=grad), MUL_MISTAKES,
                     unmatched_hint=USES_UNBROADCAST),
    "matmul": Operation(lambda grad, a, b: _box_backward("MatMul", a, b, grad=grad), MATMUL_MISTAKES,
                        MATMUL_SHAPE_HINT),
    "sum": Operation(_sum_backward, SUM_MISTAKES),
}


def _operation(op: str) -> Operation:
    if op not in OPERATIONS:
        raise ValueError(f"no checks for operation {op!r}; known: {sorted(OPERATIONS)}")
    return OPERATIONS[op]


def check_backward(learner: Callable[..., Any], op: str, args: Sequence[object], expected: object,
                   what: str = "") -> None:
    """Assert the learner's backward for `op` gives `expected` on `args`; name the mistake if not."""
    spec = _operation(op)
    if isinstance(expected, list):
        expected = tuple(expected)
    got = run_quietly(learner, *args)
    if got.error is None and _same(got.value, expected):
        return
    models = {name: run_quietly(model, *args) for name, model in spec.mistakes.items()}
    right = Outcome(value=expected)
    likely = [name for name, model in models.items()
              if not _same_outcome(model, right) and _same_outcome(got, model)]
    hint = spec.error_hint if got.error is not None else _shape_hint(got.value, expected)
    if not likely and not hint:
        hint = spec.unmatched_hint
    what = what or _describe(getattr(learner, "__name__", op), args)
    raise AssertionError(failure_message(what, expected, got, likely, hint, show=_show)) from got.error


def check_backward_against(learner: Callable[..., Any], op: str, seed: int) -> None:
    """Compare the learner's backward for `op` with the reference on seeded random inputs."""
    spec = _operation(op)
    for args, _ in backward_calls(op, seed):
        check_backward(learner, op, args, spec.reference(*args))


# --- tensor_grad_check ---------------------------------------------------------------------------

def check_grad_check_verdict(error: object, correct: bool, what: str, hint: str = "") -> None:
    """A gradient check's result: below 1e-6 for a correct backward, above 1e-2 for a wrong one."""
    try:
        value = float(error)
    except (TypeError, ValueError):
        raise AssertionError(f"{what}\n  expected: a number (the largest relative error)\n"
                             f"  got:      {error!r:.80} (a {type(error).__name__})") from None
    if correct and value < CORRECT_BELOW or not correct and value > WRONG_ABOVE:
        return
    if correct:
        expected = f"an error below {CORRECT_BELOW:g} (this backward is correct)"
        advice = hint or ("Likely mistake: a one-sided difference (f(x + ε) − f(x)) / ε instead of the central "
                          "one, a wrong ε, an absolute instead of a relative error, or an analytic gradient "
                          "read from the wrong place. (The check also runs your sum_backward: its tests must pass.)")
    else:
        expected = f"an error above {WRONG_ABOVE:g} (this backward is wrong)"
        advice = hint or ("Likely mistake: the analytic gradient is compared with something computed the same "
                          "way, rather than with a central difference of f.")
    raise AssertionError(f"{what}\n  expected: {expected}\n  got:      {value:.3g}\n  {advice}")


def check_grad_check(learner: Callable[..., Any], f: Callable[..., Any], *tensors: Any, correct: bool,
                     what: str = "", hint: str = "") -> None:
    """Run the learner's gradient check on f quietly and judge its verdict (see check_grad_check_verdict)."""
    what = what or f"{getattr(learner, '__name__', 'tensor_grad_check')}({getattr(f, '__name__', 'f')}, ...)"
    judge_grad_check(run_quietly(learner, f, *tensors), correct, what, hint)


def judge_grad_check(got: Outcome, correct: bool, what: str, hint: str = "") -> None:
    """A gradient check's outcome: an error fails with advice, a number is judged by check_grad_check_verdict."""
    if got.error is not None:
        advice = ("Not written yet: replace `raise NotImplementedError()` with your code."
                  if isinstance(got.error, NotImplementedError) else "Your check raised this error.")
        raise AssertionError(f"{what}\n  got: an error: {type(got.error).__name__}: {got.error}\n  {advice}"
                             ) from got.error
    check_grad_check_verdict(got.value, correct, what, hint)


def check_inputs_unchanged(array: Any, before: np.ndarray, what: str) -> None:
    """The check must leave the caller's tensors as they were."""
    if np.array_equal(np.asarray(array), before):
        return
    raise AssertionError(f"{what}\n  expected: the inputs unchanged, {_show(before)}\n  got:      {_show(array)}\n"
                         "  Likely mistake: the inputs were left changed: a nudged entry was not put back "
                         "exactly (save it and restore it, or work on copies of the arrays).")


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
)


def judge_tensor_grad_check(results: object, seed: int) -> None:
    """Judge recorded gradient checks (backprop_lab.grad_check_cases.record_grad_checks): each must call the
    case's backward right or wrong, as the reference check does, and leave its inputs unchanged."""
    from solutions import Tensor as Reference, tensor_grad_check

    recorded = entries(results, len(GRAD_CHECK_CASES))
    for case, arrays, entry in zip(GRAD_CHECK_CASES, grad_check_arrays(seed), recorded):
        reference = tensor_grad_check(case.reference_f(Reference), *(Reference(a.copy()) for a in arrays))
        if (reference < CORRECT_BELOW) != case.correct:
            raise RuntimeError(f"the reference check misjudges the case {case.name!r}: {reference:.3g}")
        if not isinstance(entry, dict):
            raise BadRecord("a gradient check without its record")
        what = f"tensor_grad_check on {case.name}"
        judge_grad_check(outcome_of(entry.get("result")), case.correct, what, case.hint)
        after = outcome_of(entry.get("inputs_after"))
        if not isinstance(after.value, list) or len(after.value) != len(arrays):
            raise AssertionError(f"{what}: the inputs' .data after the check cannot be read: "
                                 f"{after.error or 'not one array per input'}")
        for given, original in zip(after.value, arrays):
            check_inputs_unchanged(given, original, f"{what}: the inputs after the check")


def check_tensor_grad_check_against(learner: Callable[..., Any], tensor: type, seed: int) -> None:
    """The learner's check on every case, run here, then judged as a recorded one."""
    judge_tensor_grad_check(record_grad_checks(learner, tensor, seed), seed)
