"""Visible-test checks for notebook 05: the backward functions of tensor operations, unbroadcast, and a gradient check.

`check_backward(learner, op, args, expected)` takes a fixed example whose answer is written in the
test cell. A wrong answer is named by running the mistake models of that operation on the same
arrays; those that would need a correct unbroadcast or sum backward are read off `expected` instead
(an average is the sum divided by the count), so no answer of the notebook is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..cases import leaving_inputs_unchanged
from ..recording import ChangedItsInput
from ..unwritten import STUB_ADVICE
from .compare import CheckFailed, Mistakes, NoVerdict, Outcome, diagnose, failure_message, run_quietly

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
        return f"{value!r:.80} ({_kind(value)})"
    text = np.array2string(array, precision=4, threshold=24, separator=", ").replace("\n", " ")
    return f"shape {array.shape}: {text}"


def _kind(value: object) -> str:
    """What a value that is not numbers is, naming the items of a list (a list of Tensors, say)."""
    if isinstance(value, list) and value:
        return f"a list of {', '.join(sorted({type(item).__name__ for item in value}))}, not of numbers"
    return f"a {type(value).__name__}, not an array"


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

def _both(rule: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple]) -> Callable[..., tuple]:
    return lambda grad, a, b: rule(np.asarray(grad), np.asarray(a), np.asarray(b))


SumBack = Callable[[Any, tuple], Any]
"""unbroadcast(grad, shape): a broadcast gradient summed back to an input's shape."""


def _summed_back(rule: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple], sum_back: SumBack | None
                 ) -> Callable[..., tuple]:
    """A model for a two-input backward whose pieces `sum_back` returns to the inputs' shapes.

    Without `sum_back`, or when it fails, only inputs of grad's own shape get a verdict.
    """

    def model(grad: Any, a: Any, b: Any) -> tuple:
        left, right = _both(rule)(grad, a, b)
        if np.shape(grad) == np.shape(a) == np.shape(b):
            return left, right
        if sum_back is None:
            raise NoVerdict("broadcast inputs, and no unbroadcast to sum them back with")
        try:
            return sum_back(left, np.shape(a)), sum_back(right, np.shape(b))
        except Exception as error:  # the learner's unbroadcast, unfinished or wrong
            raise NoVerdict("the unbroadcast given fails here") from error

    return model


def _trailing(grad: Any, shape: tuple) -> tuple[int, ...]:
    """The last len(shape) sizes of grad: where the input's own axes line up after broadcasting."""
    sizes = np.shape(grad)
    return sizes[len(sizes) - len(shape):]


def _unbroadcast_mistakes(expected: Any, sum_back: SumBack | None) -> Mistakes:
    """Wrong ways of summing grad back to `shape`, each read off the right answer (or grad) directly."""

    def averaged(grad, shape):
        return np.asarray(expected) * np.size(expected) / np.size(grad)

    def leading_only(grad, shape):  # the added axes folded into one and summed, nothing more
        return np.sum(np.reshape(grad, (-1, *_trailing(grad, shape))), axis=0)

    def no_keepdims(grad, shape):  # the right sums, with the size-1 axes that grad filled dropped
        kept = [n for n, full in zip(shape, _trailing(grad, shape)) if n != 1 or full == 1]
        return np.reshape(expected, kept)

    return {
        "the gradient was returned unchanged: an input that broadcasting stretched must get the sum of its copies' "
        "gradients": lambda grad, shape: grad,
        "averaged instead of summed: every copy of a broadcast entry passes back its full gradient, so add them up":
            averaged,
        "only the leading axes that broadcasting added were summed; also sum the axes where the input has size 1 "
        "(with keepdims=True)": leading_only,
        "the size-1 axes were summed without keepdims=True, so they vanished from the shape": no_keepdims,
    }


BROADCAST_NOT_UNDONE = ("the gradient was not summed back to each input's shape: pass it through "
                        "unbroadcast(grad, a.shape) (broadcasting not summed back)")

ADD_MISTAKES: Mistakes = {BROADCAST_NOT_UNDONE: lambda grad, a, b: (grad, grad)}

def _mul_mistakes(expected: Any, sum_back: SumBack | None) -> Mistakes:
    return {
        "each input got its own value instead of the other's: ∂(a·b)/∂a = b and ∂(a·b)/∂b = a":
            _summed_back(lambda g, a, b: (g * a, g * b), sum_back),
        "the addition rule was used: for a product each input's gradient is grad times the *other* input, "
        "summed back to its shape":
            _summed_back(lambda g, a, b: (g, g), sum_back),
        "grad was left out: the chain rule multiplies the incoming gradient by the local one, grad * b":
            _summed_back(lambda g, a, b: (np.ones_like(g) * b, np.ones_like(g) * a), sum_back),
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

TANH_MISTAKES: Mistakes = {
    "multiplied by 1 − a², with the input a: the derivative of tanh is 1 − tanh(a)², and tanh(a) is `out`":
        lambda grad, a, out: grad * (1.0 - np.asarray(a) ** 2),
    "the square is missing: the derivative of tanh is 1 − tanh(a)², not 1 − tanh(a)":
        lambda grad, a, out: grad * (1.0 - np.asarray(out)),
    "multiplied by tanh(a), the output itself: the derivative of tanh is 1 − tanh(a)²":
        lambda grad, a, out: grad * out,
    "grad was left out: return grad times tanh's slope, not the slope alone":
        lambda grad, a, out: 1.0 - np.asarray(out) ** 2,
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
    "the gradient passed where a = 0 too (a >= 0): relu has no slope at exactly 0, and the notebook takes it as "
    "0 there, so pass grad only where a > 0":
        lambda grad, a, out: np.where(np.asarray(a) >= 0, grad, 0.0),
    "the mask was taken from grad instead of from the input a": lambda grad, a, out: np.where(grad > 0, grad, 0.0),
}


def _sum_mistakes(expected: Any, sum_back: SumBack | None) -> Mistakes:
    return {
        "the summed axes were not put back before broadcasting: reshape grad with a 1 where each summed axis was "
        "(or use keepdims), or broadcasting lines it up along the wrong axis":
            lambda grad, a, axis=None, keepdims=False: np.broadcast_to(grad, np.shape(a)),
        "divided by the number of entries summed: that is mean's backward; a sum passes its gradient on unchanged":
            lambda grad, a, axis=None, keepdims=False: np.asarray(expected) / (np.size(a) // max(np.size(grad), 1)),
        "grad was returned as it is: every entry that went into the sum receives the sum's gradient, so the result "
        "has the shape of a":
            lambda grad, a, axis=None, keepdims=False: grad,
    }


TRAINING_MISTAKES = {
    "no_zero": "the gradients were not zeroed before backward, so this step added the previous step's "
               "gradient to its own: set each parameter's .grad to None first",
    "rebound": "the parameters did not change: `p = p - rate * p.grad` makes a new Tensor (a node of the "
               "graph) and rebinds the loop's name; change the array itself, p.data",
    "ascent": "the step went uphill: subtract rate · gradient, do not add it",
}
"""Sentences for what a gradient-descent step may get wrong; a test cell pairs each with the value it gives."""

USES_UNBROADCAST = "This backward calls your unbroadcast: if its tests fail, fix those first."

NEW_ARRAY = "`grad * factor` rather than `grad *= factor`"
"""How a backward makes its result without writing into `grad`, shown when it wrote into an argument."""

@dataclass(frozen=True)
class BackwardChecks:
    """How one backward is judged: its mistake models (given the expected answer) and its advice."""

    mistakes: Callable[[Any, SumBack | None], Mistakes]  # given the expected answer and an unbroadcast
    error_hint: str = ""  # shown when the learner's backward raises
    unmatched_hint: str = ""  # shown when no mistake model matches
    new_array: str = NEW_ARRAY  # the usual in-place slip of this backward, and its fix


def _fixed(mistakes: Mistakes) -> Callable[[Any, SumBack | None], Mistakes]:
    return lambda expected, sum_back: mistakes


BACKWARDS: Mapping[str, BackwardChecks] = {
    "exp": BackwardChecks(_fixed(EXP_MISTAKES)),
    "log": BackwardChecks(_fixed(LOG_MISTAKES)),
    "relu": BackwardChecks(_fixed(RELU_MISTAKES), new_array="`grad * (a > 0)` rather than `grad[a <= 0] = 0`"),
    "unbroadcast": BackwardChecks(_unbroadcast_mistakes),
    "add": BackwardChecks(_fixed(ADD_MISTAKES), unmatched_hint=USES_UNBROADCAST),
    "mul": BackwardChecks(_mul_mistakes, unmatched_hint=USES_UNBROADCAST),
    "matmul": BackwardChecks(_fixed(MATMUL_MISTAKES), error_hint=MATMUL_SHAPE_HINT),
    "sum": BackwardChecks(_sum_mistakes),
    "tanh": BackwardChecks(_fixed(TANH_MISTAKES)),
}


def check_backward(learner: Callable[..., Any], op: str, args: Sequence[object], expected: object,
                   what: str = "", sum_back: SumBack | None = None) -> None:
    """Assert the learner's backward for `op` gives `expected` on `args`; name the mistake if not.

    `sum_back`, an unbroadcast (the learner's own, in a visible cell), lets the mistakes of a
    two-input backward be named on broadcast inputs too.
    """
    if op not in BACKWARDS:
        raise ValueError(f"no checks for operation {op!r}; known: {sorted(BACKWARDS)}")
    checks = BACKWARDS[op]
    if isinstance(expected, list):
        expected = tuple(expected)
    what = what or _describe(getattr(learner, "__name__", op), args)
    given = [np.ndarray.copy(arg) if type(arg) is np.ndarray else arg for arg in args]
    got = run_quietly(leaving_inputs_unchanged(learner), *given)
    if isinstance(got.error, ChangedItsInput):
        raise CheckFailed(_wrote_into_message(what, args, given, got.error, checks.new_array)) from None
    if got.error is None and _same(got.value, expected):
        return
    models = {name: run_quietly(model, *args) for name, model in checks.mistakes(expected, sum_back).items()}
    likely = diagnose(got, expected, models, same=_same_outcome)
    hint = checks.error_hint if got.error is not None else _shape_hint(got.value, expected)
    if not likely and not hint:
        hint = checks.unmatched_hint
    raise CheckFailed(failure_message(what, expected, got, likely, hint, show=_show)) from got.error


def _wrote_into_message(what: str, args: Sequence[object], given: Sequence[object], error: ChangedItsInput,
                        new_array: str) -> str:
    """The learner's backward ran on copies of `args` and changed one: say where, and how to make a new array."""
    place, before, now = next((i, a, g) for i, (a, g) in enumerate(zip(args, given))
                              if type(a) is np.ndarray and not np.array_equal(a, g))
    return (f"{what}\n  expected: the arrays it is given unchanged, and the gradient returned as a new array\n"
            f"  got:      in argument {place + 1}, {_changes(np.asarray(now), before)}\n"
            f"  Likely mistake: {error}, e.g. {new_array}.")


# --- tensor_grad_check ---------------------------------------------------------------------------

def check_grad_check_verdict(error: object, correct: bool, what: str, hint: str = "") -> None:
    """A gradient check's result: below 1e-6 for a correct backward, above 1e-2 for a wrong one."""
    try:
        value = float(error)
    except (TypeError, ValueError):
        raise CheckFailed(f"{what}\n  expected: a number (the largest relative error)\n"
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
    raise CheckFailed(f"{what}\n  expected: {expected}\n  got:      {value:.3g}\n  {advice}")


def check_grad_check(learner: Callable[..., Any], f: Callable[..., Any], *tensors: Any, correct: bool,
                     what: str = "", hint: str = "") -> None:
    """Run the learner's gradient check on f quietly and judge its verdict (see check_grad_check_verdict)."""
    what = what or f"{getattr(learner, '__name__', 'tensor_grad_check')}({getattr(f, '__name__', 'f')}, ...)"
    judge_grad_check(run_quietly(learner, f, *tensors), correct, what, hint)


def judge_grad_check(got: Outcome, correct: bool, what: str, hint: str = "") -> None:
    """A gradient check's outcome: an error fails with advice, a number is judged by check_grad_check_verdict."""
    if got.error is not None:
        advice = STUB_ADVICE if isinstance(got.error, NotImplementedError) else "Your check raised this error."
        raise CheckFailed(f"{what}\n  got: an error: {type(got.error).__name__}: {got.error}\n  {advice}"
                             ) from got.error
    check_grad_check_verdict(got.value, correct, what, hint)


def _changes(now: np.ndarray, before: np.ndarray) -> str:
    """Where an array changed, in full precision: a nudge of 1e-6 is invisible at the four digits of _show."""
    if now.shape != before.shape:
        return _show(now)
    changed = np.argwhere(~((now == before) | (np.isnan(now) & np.isnan(before))))
    first = tuple(int(i) for i in changed[0])
    return (f"{len(changed)} of {before.size} entries changed, e.g. at {list(first)}: "
            f"{float(before[first])!r} became {float(now[first])!r}")


def check_inputs_unchanged(array: Any, before: np.ndarray, what: str) -> None:
    """The check must leave the caller's tensors as they were."""
    now = np.asarray(array)
    if np.array_equal(now, before):
        return
    raise CheckFailed(f"{what}\n  expected: the inputs unchanged, {_show(before)}\n  got:      {_changes(now, before)}\n"
                         "  Likely mistake: the inputs were left changed: a nudged entry was not put back "
                         "exactly (save it and restore it, or work on copies of the arrays).")
