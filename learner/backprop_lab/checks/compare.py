"""Compare a learner's answer with the expected one and, when they differ, say which mistake it looks like.

Every check here raises `CheckFailed` (an `AssertionError`) with a message in three parts: what was called, what was
expected and what came back, and the likely mistake, found by running known-wrong versions of the
answer ("mistake models") on the same inputs and seeing which one the learner's answer matches.
Learner code runs quietly: numpy warnings are silenced, because nbgrader fails a test cell that
writes to stderr, and exceptions are turned into messages instead of tracebacks into our code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
import math
import numbers
import warnings

import numpy as np

from ..unwritten import STUB_ADVICE

Mistakes = Mapping[str, Callable[..., object]]
"""Known-wrong versions of an answer, keyed by the sentence that names the mistake."""


class CheckFailed(AssertionError):
    """A test cell's verdict. IPython shows its message alone: no frames of these checks, no paths."""

    def _render_traceback_(self) -> list[str]:
        """What IPython prints (and nbgrader keeps in feedback) instead of a traceback."""
        return [f"{type(self).__name__}: {self}"]


class NoVerdict(Exception):
    """Raised by a mistake model that cannot say what the mistake would give on these inputs."""


@dataclass(frozen=True)
class Outcome:
    """What one call produced: a value, or the exception it raised."""

    value: object = None
    error: BaseException | None = None


def run_quietly(fn: Callable[..., object], *args: object, **kwargs: object) -> Outcome:
    """Call `fn`, capturing its result or exception, with numpy's and Python's warnings silenced."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return Outcome(value=fn(*args, **kwargs))
        except Exception as error:  # a learner's bug of any kind becomes a message, not a crash
            return Outcome(error=error)


def as_numbers(value: object) -> tuple[float, ...] | None:
    """The answer as a flat tuple of floats: a number gives one, a tuple, list or 1-d array several.

    Python numbers, numpy scalars and 0-d arrays all count as numbers; anything else gives None.
    """
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, np.ndarray) and value.ndim <= 1 and value.dtype.kind in "iuf":
        return tuple(float(v) for v in value.reshape(-1)) if value.ndim else (float(value),)
    if isinstance(value, numbers.Real):
        return (float(value),)
    if isinstance(value, (tuple, list)):
        items = [as_numbers(item) for item in value]
        if all(item is not None and len(item) == 1 for item in items):
            return tuple(item[0] for item in items)
    return None


def is_close(got: object, expected: object, rtol: float = 1e-7, atol: float = 0.0) -> bool:
    """True when `got` and `expected` hold as many numbers and each pair agrees: |g − e| ≤ atol + rtol·|e|."""
    g, e = as_numbers(got), as_numbers(expected)
    if g is None or e is None or len(g) != len(e):
        return False
    return all(_numbers_close(gi, ei, rtol, atol) for gi, ei in zip(g, e))


def _numbers_close(got: float, expected: float, rtol: float, atol: float) -> bool:
    if math.isinf(expected) or math.isinf(got):
        return got == expected
    return abs(got - expected) <= atol + rtol * abs(expected)


def format_answer(value: object) -> str:
    """A short, exact rendering of an answer: floats in full precision, other things by repr."""
    numbers_ = as_numbers(value)
    if numbers_ is None:
        return f"{value!r} (a {type(value).__name__}, not a number)"
    if isinstance(value, (tuple, list)) or (isinstance(value, np.ndarray) and value.ndim == 1):
        return "(" + ", ".join(repr(n) for n in numbers_) + ")"
    return repr(numbers_[0])


def _format_outcome(outcome: Outcome, show: Callable[[object], str] = format_answer) -> str:
    if outcome.error is not None:
        return f"an error: {type(outcome.error).__name__}: {outcome.error}"
    return show(outcome.value)


def _broke_down(outcome: Outcome) -> bool:
    """A division by zero, as an exception or as a nan/inf result (numpy's way of saying it)."""
    if outcome.error is not None:
        return isinstance(outcome.error, (ZeroDivisionError, FloatingPointError))
    found = as_numbers(outcome.value)
    return found is not None and not all(math.isfinite(n) for n in found)


def _same_outcome(got: Outcome, model: Outcome, rtol: float, atol: float) -> bool:
    if _broke_down(model):
        return _broke_down(got)
    if model.error is not None or got.error is not None:
        return model.error is not None and got.error is not None and type(got.error) is type(model.error)
    return is_close(got.value, model.value, rtol, atol)


def diagnose(
    got: Outcome,
    expected: object,
    models: Mapping[str, Outcome],
    rtol: float = 1e-7,
    atol: float = 0.0,
    same: Callable[[Outcome, Outcome], bool] | None = None,
) -> list[str]:
    """The mistakes whose outcome matches the learner's, among those that differ from the right answer here.

    `same(outcome, model)` says when two outcomes agree; by default numbers within rtol and atol, or the
    same kind of error, or both a breakdown (a division by zero, a nan).
    """
    same = same or (lambda a, b: _same_outcome(a, b, rtol, atol))
    right = Outcome(value=expected)
    return [
        name
        for name, model in models.items()
        if not isinstance(model.error, NoVerdict) and not same(model, right) and same(got, model)
    ]


def failure_message(
    what: str,
    expected: object,
    got: Outcome,
    likely: Sequence[str] = (),
    hint: str = "",
    show: Callable[[object], str] = format_answer,
) -> str:
    """The teaching message: what was called, expected against got (each written by `show`), and the likely mistake."""
    lines = [what, f"  expected: {show(expected)}", f"  got:      {_format_outcome(got, show)}"]
    if isinstance(got.error, NotImplementedError):
        lines.append(f"  {STUB_ADVICE}")
    elif got.error is None and got.value is None:
        lines.append("  Likely mistake: the function returns None; did you forget `return`?")
    elif len(likely) == 1:
        lines.append(f"  Likely mistake: {likely[0]}.")
    elif likely:
        lines.append("  Likely mistake, one of:")
        lines.extend(f"    - {name}" for name in likely)
    if hint:
        lines.append(f"  {hint}")
    return "\n".join(lines)


def check_value(
    got: object,
    expected: object,
    *,
    what: str,
    rtol: float = 1e-7,
    atol: float = 0.0,
    mistakes: Mapping[str, object] | None = None,
    hint: str = "",
) -> None:
    """Assert that `got` equals `expected` within tolerance; `mistakes` maps a mistake to the value it gives."""
    __tracebackhide__ = True  # IPython (and pytest) show the test cell and the message, not these frames
    if is_close(got, expected, rtol, atol):
        return
    outcome = Outcome(value=got)
    models = {name: Outcome(value=value) for name, value in (mistakes or {}).items()}
    raise CheckFailed(failure_message(what, expected, outcome, diagnose(outcome, expected, models, rtol, atol), hint))


def describe_call(fn: Callable[..., object], args: Sequence[object], kwargs: Mapping[str, object] | None = None) -> str:
    """`name(arg, ..., key=value)` as the learner would have typed it; functions appear by name."""

    def show(value: object) -> str:
        return getattr(value, "__name__", None) or repr(value)

    parts = [show(a) for a in args] + [f"{k}={show(v)}" for k, v in (kwargs or {}).items()]
    return f"{getattr(fn, '__name__', 'your function')}({', '.join(parts)})"


def check_call(
    learner: Callable[..., object],
    args: Sequence[object],
    kwargs: Mapping[str, object] | None = None,
    *,
    expected: object,
    rtol: float = 1e-7,
    atol: float = 0.0,
    mistakes: Mistakes | None = None,
    what: str = "",
    error_hints: Mapping[type[BaseException], str] | None = None,
    hint: str = "",
) -> None:
    """Call the learner's function and assert its answer; the mistake models run on the same inputs.

    `error_hints` maps an exception type the learner's call may raise to advice shown with it;
    `hint` is advice shown last with any failure.
    Returns None on purpose: nbgrader reads a number shown by a test cell as partial credit.
    """
    __tracebackhide__ = True
    kwargs = dict(kwargs or {})
    got = run_quietly(learner, *args, **kwargs)
    if got.error is None and is_close(got.value, expected, rtol, atol):
        return
    models = {name: run_quietly(model, *args, **kwargs) for name, model in (mistakes or {}).items()}
    likely = diagnose(got, expected, models, rtol, atol)
    error_hint = next((text for kind, text in (error_hints or {}).items() if isinstance(got.error, kind)), "")
    hints = "\n  ".join(text for text in (error_hint, hint) if text)
    message = failure_message(what or describe_call(learner, args, kwargs), expected, got, likely, hints)
    raise CheckFailed(message) from got.error
