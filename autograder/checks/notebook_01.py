"""Hidden-test checks for notebook 01: difference quotients, relative error, and the order of accuracy.

`check_<answer>_against(learner, reference, seed=...)` compares with the reference on seeded random
inputs and names the likely mistake by running the mistake models below, some of which are other
cells' answers (the forward difference is a mistaken central one), so they stay on the instructor's side.
The visible checks, `backprop_lab.checks.check_<answer>`, name mistakes without them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import functools
import math
import numbers

import numpy as np

from backprop_lab.cases import (
    FLOOR,
    default_epsilon_call,
    difference_cases,
    order_of_accuracy_data,
    relative_error_pairs,
)
from backprop_lab.checks.compare import Mistakes, NoVerdict, check_call, is_close, run_quietly
from backprop_lab.checks.notebook_01 import RELATIVE_ERROR_MISTAKES as VISIBLE_RELATIVE_ERROR_MISTAKES
from backprop_lab.checks.notebook_01 import DifferenceRule, default_epsilon, signature_hint

from .compare import Case, check_against


# --- "Returns a number" ---------------------------------------------------------------------------

class NotANumber(Exception):
    """What a call is taken to have raised when it returned a tuple, list or array where a number was due."""


def returning_a_number(learner: Callable[..., object]) -> Callable[..., object]:
    """The learner's function, held to its docstring's "Returns a number": a one-item tuple, list or array fails.

    Without this, (x,) would compare equal to x: the checks read a pair of numbers from a tuple too.
    """

    @functools.wraps(learner)
    def call(*args: object, **kwargs: object) -> object:
        value = learner(*args, **kwargs)
        scalar = isinstance(value, np.ndarray) and value.ndim == 0
        if isinstance(value, (bool, np.bool_)) or not (scalar or isinstance(value, numbers.Real)):
            raise NotANumber(
                f"{getattr(learner, '__name__', 'it')} returned {value!r:.60}, a {type(value).__name__}; the docstring "
                "says it returns a number: return the float itself (a comma after the value makes a tuple)")
        return value

    return call


# --- Mistake models: the difference quotients learners write by accident -----------------------

def _move_one(vals: Sequence[float], arg: int, delta: float) -> list[float]:
    moved = list(vals)
    moved[arg] = moved[arg] + delta
    return moved


def _move_first(vals: Sequence[float], arg: int, delta: float) -> list[float]:
    return _move_one(vals, 0, delta)


def _move_all(vals: Sequence[float], arg: int, delta: float) -> list[float]:
    return [v + delta for v in vals]


def _quotient(
    upper: int, lower: int, denominator: Callable[[float], float], move=_move_one
) -> DifferenceRule:
    """(f(x + upper·ε) − f(x + lower·ε)) / denominator(ε), with x = vals[arg] moved by `move`."""

    def rule(f: Callable[..., float], *vals: float, arg: int = 0, epsilon: float = 1e-6) -> float:
        high = f(*move(vals, arg, upper * epsilon))
        low = f(*move(vals, arg, lower * epsilon))
        return (high - low) / denominator(epsilon)

    return rule


_central = _quotient(+1, -1, lambda e: 2 * e)
_forward = _quotient(+1, 0, lambda e: e)
_backward = _quotient(0, -1, lambda e: e)

CENTRAL_DIFFERENCE_MISTAKES: Mistakes = {
    "forward difference (f(x + ε) − f(x)) / ε instead of the central difference (f(x + ε) − f(x − ε)) / 2ε": _forward,
    "backward difference (f(x) − f(x − ε)) / ε instead of the central difference (f(x + ε) − f(x − ε)) / 2ε": _backward,
    "divided by ε instead of 2ε: the two points are 2ε apart": _quotient(+1, -1, lambda e: e),
    "returned the difference f(x + ε) − f(x − ε) without dividing by 2ε": _quotient(+1, -1, lambda e: 1.0),
    "`/ 2 * epsilon` divides by 2 and then multiplies by ε; write `/ (2 * epsilon)`": _quotient(+1, -1, lambda e: 2 / e),
    "sign flipped: (f(x − ε) − f(x + ε)) / 2ε": _quotient(-1, +1, lambda e: 2 * e),
    "wrong arg: moved the first input vals[0] instead of vals[arg]": _quotient(+1, -1, lambda e: 2 * e, _move_first),
    "moved every input by ε instead of only vals[arg]": _quotient(+1, -1, lambda e: 2 * e, _move_all),
}

FORWARD_DIFFERENCE_MISTAKES: Mistakes = {
    "central difference (f(x + ε) − f(x − ε)) / 2ε instead of the forward difference (f(x + ε) − f(x)) / ε": _central,
    "backward difference (f(x) − f(x − ε)) / ε instead of the forward difference (f(x + ε) − f(x)) / ε": _backward,
    "returned the difference f(x + ε) − f(x) without dividing by ε": _quotient(+1, 0, lambda e: 1.0),
    "sign flipped: (f(x) − f(x + ε)) / ε": _quotient(0, +1, lambda e: e),
    "wrong arg: moved the first input vals[0] instead of vals[arg]": _quotient(+1, 0, lambda e: e, _move_first),
    "moved every input by ε instead of only vals[arg]": _quotient(+1, 0, lambda e: e, _move_all),
}

_RULES = {"central": (_central, CENTRAL_DIFFERENCE_MISTAKES), "forward": (_forward, FORWARD_DIFFERENCE_MISTAKES)}


def _rule_mistakes(learner: DifferenceRule, rule: str, uses_default_epsilon: bool) -> Mistakes:
    """The catalogue for `rule`, plus two mistakes only the learner's own function can reveal."""
    if rule not in _RULES:
        raise ValueError(f"rule must be one of {sorted(_RULES)}, not {rule!r}")
    exact, catalogue = _RULES[rule]
    mistakes = dict(catalogue)

    def other_step(f, *vals, arg=0, epsilon=1e-6):
        if is_close(exact(f, *vals, arg=arg, epsilon=10 * epsilon), exact(f, *vals, arg=arg, epsilon=epsilon), 1e-9):
            raise NoVerdict  # ε makes no difference here (f is linear in vals[arg]), so no telling
        outcome = run_quietly(learner, f, *vals, arg=arg, epsilon=10 * epsilon)
        if outcome.error is not None:
            raise NoVerdict
        return outcome.value

    mistakes["the `epsilon` argument is ignored: the answer stays the same when ε changes (a step fixed inside the function?)"] = other_step
    default = default_epsilon(learner)
    if uses_default_epsilon and default is not None and default < 1e-8:

        def tiny_step(f, *vals, arg=0, epsilon=1e-6):
            return exact(f, *vals, arg=arg, epsilon=default)

        mistakes[f"ε too small: your default epsilon={default!r} lets round-off in f(x ± ε) swamp the difference; use 1e-6"] = tiny_step
    return mistakes




def check_difference_against(
    learner: DifferenceRule, reference: DifferenceRule, *, rule: str = "central", seed: int = 0
) -> None:
    """Hidden-test check: the learner's rule equals the reference on seeded inputs, and on the default ε."""
    __tracebackhide__ = True
    hints = signature_hint(learner)
    mistakes = _rule_mistakes(learner, rule, uses_default_epsilon=False)
    cases = [Case(args, kwargs) for args, kwargs in difference_cases(seed)]
    answer = returning_a_number(learner)
    check_against(answer, reference, cases, rtol=1e-8, mistakes=mistakes, error_hints=hints)
    args, _ = default_epsilon_call(seed)
    check_call(
        answer, args, expected=reference(*args), rtol=1e-6,
        mistakes=_rule_mistakes(learner, rule, uses_default_epsilon=True), error_hints=hints,
    )


# --- Relative error ------------------------------------------------------------------------------

RELATIVE_ERROR_MISTAKES: Mistakes = {
    **VISIBLE_RELATIVE_ERROR_MISTAKES,
    "no floor in the denominator: |a − b| / max(|a|, |b|) divides by zero when both are zero": lambda a, b: abs(a - b) / max(abs(a), abs(b)),
    "no absolute value in the numerator: (a − b) / ... is negative when a < b": lambda a, b: (a - b) / max(abs(a), abs(b), 1e-12),
    "the floor is added to the denominator: it belongs inside the max, max(|a|, |b|, 1e-12)":
        lambda a, b: abs(a - b) / (max(abs(a), abs(b)) + FLOOR),
}


def _pair_case(a: float, b: float) -> Case:
    """A pair to compare, named with the docstring's floor where the floor is the denominator."""
    if max(abs(a), abs(b)) > FLOOR:
        return Case((a, b), {})
    return Case((a, b), {}, f"relative_error({a!r}, {b!r}), where max(|a|, |b|) ≤ {FLOOR!r} "
                            f"and so the floor {FLOOR!r} is the denominator")


def check_relative_error_against(
    learner: Callable[[float, float], float], reference: Callable[[float, float], float], *, seed: int = 0
) -> None:
    """Hidden-test check: equal to the reference on seeded pairs of every sign and size, both ways round."""
    __tracebackhide__ = True
    cases = [_pair_case(a, b) for a, b in relative_error_pairs(seed)]
    check_against(returning_a_number(learner), reference, cases, rtol=1e-9, atol=1e-15, mistakes=RELATIVE_ERROR_MISTAKES)


# --- Order of accuracy ---------------------------------------------------------------------------

def _slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def _logs(values: Sequence[float], base: float = math.e) -> list[float]:
    return [math.log(v, base) for v in values]


ORDER_OF_ACCURACY_MISTAKES: Mistakes = {
    "axes swapped: the slope of log ε against log error is 1/p": lambda eps, err: _slope(_logs(err), _logs(eps)),
    "sign flipped: the error shrinks with ε, so the slope is positive": lambda eps, err: -_slope(_logs(eps), _logs(err)),
    "no logarithms: fit log(error) against log(ε), not error against ε": lambda eps, err: _slope(list(eps), list(err)),
    "mixed log bases: log10 of the errors but the natural log of ε": lambda eps, err: _slope(_logs(eps), _logs(err, 10)),
    "mixed log bases: the natural log of the errors but log10 of ε": lambda eps, err: _slope(_logs(eps, 10), _logs(err)),
    "log(error) / log(ε) at one point ignores the constant C in error ≈ C·ε^p; use the slope between points": lambda eps, err: math.log(err[-1]) / math.log(eps[-1]),
}




def _measurements_text(epsilons: Sequence[float], errors: Sequence[float]) -> str:
    """The call, and at the docstring's edge of two measurements, a word that this is allowed."""
    call = f"order_of_accuracy(epsilons={epsilons!r}, errors={errors!r})"
    if len(epsilons) != 2:
        return call
    return call + ", two measurements: the fewest the docstring allows, and enough for a line"


def check_order_of_accuracy_against(
    learner: Callable[[Sequence[float], Sequence[float]], float],
    reference: Callable[[Sequence[float], Sequence[float]], float],
    *,
    seed: int = 0,
) -> None:
    """Hidden-test check on seeded error ≈ C·ε^p data, ±1% noise over 3 decades: any sound fit is within 0.02 of p.

    The data include the docstring's edge, two measurements, and numpy arrays (as the notebook passes).
    """
    __tracebackhide__ = True
    cases = [Case((epsilons, errors), {}, _measurements_text(epsilons, errors))
             for epsilons, errors in order_of_accuracy_data(seed)]
    check_against(returning_a_number(learner), reference, cases, rtol=0.0, atol=0.02,
                  mistakes=ORDER_OF_ACCURACY_MISTAKES)
