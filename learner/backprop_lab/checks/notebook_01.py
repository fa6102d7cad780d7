"""Visible-test checks for notebook 01: difference quotients, relative error, and the order of accuracy.

Each check takes one fixed example whose answer is written in the test cell. A wrong answer is named
without any answer key: from the expected value (a sign flip gives −expected, a missing ÷2 twice it),
from numbers the cell writes down, or by running the learner's own function once more (moving a
different input, or another ε).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
import inspect
import math

from .compare import Mistakes, NoVerdict, check_call, is_close, run_quietly

DifferenceRule = Callable[..., float]
"""A numerical derivative with the course's signature: rule(f, *vals, arg=0, epsilon=1e-6) -> ∂f/∂vals[arg]."""

DEFAULT_EPSILON = 1e-6

# How each rule is written, and how far apart its two points are (in steps of ε).
RULES = {
    "central": ("(f(x + ε) − f(x − ε)) / 2ε", 2),
    "forward": ("(f(x + ε) − f(x)) / ε", 1),
    "backward": ("(f(x) − f(x − ε)) / ε", 1),
}


def _scaled(expected: float, factor: Callable[[float], float]) -> Callable[..., float]:
    """A mistake whose answer is the right one times a factor of ε (a wrong or missing denominator)."""
    return lambda f, *vals, arg=0, epsilon=DEFAULT_EPSILON: expected * factor(epsilon)


def _rule_mistakes(rule: str, expected: float, others: Mapping[str, object]) -> dict[str, Callable[..., object]]:
    """Mistakes read off the expected value, plus the other rules at the values the cell (or the learner) gives."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {sorted(RULES)}, not {rule!r}")
    formula, spread = RULES[rule]
    mistakes: dict[str, Callable[..., object]] = {}
    for other, given in others.items():
        if other not in RULES or other == rule:
            raise ValueError(f"others names the rules {sorted(set(RULES) - {rule})}, not {other!r}")
        mistakes[f"{other} difference {RULES[other][0]} instead of the {rule} difference {formula}"] = (
            given if callable(given) else (lambda *args, value=given, **kwargs: value)
        )
    denominator = "2ε" if spread == 2 else "ε"
    mistakes[f"sign flipped: the two values of f subtracted the wrong way round in {formula}"] = _scaled(
        expected, lambda e: -1.0)
    mistakes[f"returned the difference of the two values of f without dividing by {denominator}"] = _scaled(
        expected, lambda e: spread * e)
    if spread == 2:
        mistakes["divided by ε instead of 2ε: the two points are 2ε apart"] = _scaled(expected, lambda e: 2.0)
        mistakes["`/ 2 * epsilon` divides by 2 and then multiplies by ε; write `/ (2 * epsilon)`"] = _scaled(
            expected, lambda e: e * e)
    return mistakes


def _own_mistakes(learner: DifferenceRule, uses_default_epsilon: bool) -> Mistakes:
    """Mistakes only the learner's own function reveals, by being called again with one thing changed."""

    def same_for_every_arg(f, *vals, arg=0, epsilon=DEFAULT_EPSILON):
        if arg == 0:
            raise NoVerdict("only an arg other than 0 shows it")
        return _rerun(learner, f, *vals, arg=0, epsilon=epsilon)

    def same_for_every_epsilon(f, *vals, arg=0, epsilon=DEFAULT_EPSILON):
        here, near, far = (f(*_moved(vals, arg, step)) for step in (0.0, epsilon, 10 * epsilon))
        if is_close(far - here, 10 * (near - here), 1e-6):
            raise NoVerdict("f is straight here, so ε changes no right answer either")
        return _rerun(learner, f, *vals, arg=arg, epsilon=10 * epsilon)

    mistakes = {
        "wrong arg: the answer is the same as for arg=0; move only vals[arg], not vals[0] nor every input": same_for_every_arg,
        "the `epsilon` argument is ignored: the answer stays the same when ε changes (a step fixed inside the "
        "function?)": same_for_every_epsilon,
    }
    default = default_epsilon(learner)
    if uses_default_epsilon and default is not None and default < 1e-8:

        def tiny_step(f, *vals, arg=0, epsilon=DEFAULT_EPSILON):
            return _rerun(learner, f, *vals, arg=arg, epsilon=default)

        mistakes[f"ε too small: your default epsilon={default!r} lets round-off in f(x ± ε) swamp the difference; "
                 "use 1e-6"] = tiny_step
    return mistakes


def _moved(vals: Sequence[float], arg: int, delta: float) -> list[float]:
    moved = list(vals)
    moved[arg] += delta
    return moved


def _rerun(learner: DifferenceRule, *args: object, **kwargs: object) -> object:
    """The learner's answer with other arguments; no verdict if that call fails."""
    outcome = run_quietly(learner, *args, **kwargs)
    if outcome.error is not None:
        raise NoVerdict
    return outcome.value


def default_epsilon(learner: Callable[..., object]) -> float | None:
    """The default of the learner's `epsilon` parameter, if it has a numeric one."""
    try:
        parameter = inspect.signature(learner).parameters.get("epsilon")
    except (TypeError, ValueError):
        return None
    if parameter is None or not isinstance(parameter.default, (int, float)):
        return None
    return float(parameter.default)


def signature_hint(learner: Callable[..., object]) -> dict[type[BaseException], str]:
    """The advice shown when a difference rule raises TypeError: it wrote into the tuple `vals`, or changed the signature."""
    name = getattr(learner, "__name__", "rule")
    return {TypeError: f"`vals` is a tuple, which cannot be changed: copy it into a list (moved = list(vals)) and change "
                       f"the copy. Keep the signature {name}(f, *vals, arg=0, epsilon=1e-6): f's inputs come in as *vals."}


def check_difference(
    learner: DifferenceRule,
    f: Callable[..., float],
    *vals: float,
    expected: float,
    rule: str = "central",
    rtol: float = 1e-9,
    others: Mapping[str, float | DifferenceRule] | None = None,
    **options: float,
) -> None:
    """Visible-test check of a difference rule ("central" or "forward") on one fixed example.

    `others` maps another rule's name to its value here (written in the cell) or to the learner's own
    function for it, so that an answer equal to it is named as that rule.
    """
    __tracebackhide__ = True  # IPython (and pytest) show the test cell and the message, not these frames
    mistakes = {**_rule_mistakes(rule, expected, others or {}),
                **_own_mistakes(learner, uses_default_epsilon="epsilon" not in options)}
    check_call(learner, (f, *vals), options, expected=expected, rtol=rtol, mistakes=mistakes,
               error_hints=signature_hint(learner))


# --- Relative error ------------------------------------------------------------------------------

RELATIVE_ERROR_MISTAKES: Mistakes = {
    "absolute error |a − b|, not divided by the size of the numbers": lambda a, b: abs(a - b),
    "divided by |b| only: the answer changes when a and b swap places": lambda a, b: abs(a - b) / max(abs(b), 1e-12),
    "divided by |a| only: the answer changes when a and b swap places": lambda a, b: abs(a - b) / max(abs(a), 1e-12),
    "divided by |a| + |b| instead of max(|a|, |b|)": lambda a, b: abs(a - b) / max(abs(a) + abs(b), 1e-12),
    "a floor of 1 in the denominator turns it into the absolute error for small numbers; use a tiny floor like 1e-12":
        lambda a, b: abs(a - b) / max(abs(a), abs(b), 1.0),
}


def _relative_error_mistakes(expected: float) -> Mistakes:
    """The catalogue, plus the mistakes that only change the expected answer's sign or its zero case."""

    def no_floor(a: float, b: float) -> float:
        if max(abs(a), abs(b)) >= 1e-12:
            raise NoVerdict("the floor only matters for numbers below 1e-12")
        return abs(a - b) / max(abs(a), abs(b))  # ZeroDivisionError when both are 0

    return {
        **RELATIVE_ERROR_MISTAKES,
        "no floor in the denominator: |a − b| / max(|a|, |b|) divides by zero when both are zero": no_floor,
        "no absolute value in the numerator: (a − b) / ... is negative when a < b":
            lambda a, b: math.copysign(expected, a - b),
    }


def check_relative_error(
    learner: Callable[[float, float], float], a: float, b: float, *, expected: float, atol: float = 0.0
) -> None:
    """Visible-test check of relative_error(a, b) on one fixed pair."""
    __tracebackhide__ = True
    check_call(learner, (a, b), expected=expected, rtol=1e-9, atol=atol, mistakes=_relative_error_mistakes(expected))


# --- Order of accuracy ---------------------------------------------------------------------------

def _order_mistakes(expected: float) -> Mistakes:
    """For exact error = C·ε^p data, each mistaken fit is a fixed function of p (or of one measurement)."""
    return {
        "axes swapped: the slope of log ε against log error is 1/p": lambda eps, err: 1 / expected,
        "sign flipped: the error shrinks with ε, so the slope is positive": lambda eps, err: -expected,
        "mixed log bases: log10 of the errors but the natural log of ε": lambda eps, err: expected / math.log(10),
        "mixed log bases: the natural log of the errors but log10 of ε": lambda eps, err: expected * math.log(10),
        "log(error) / log(ε) at one point ignores the constant C in error ≈ C·ε^p; use the slope between points":
            lambda eps, err: math.log(err[-1]) / math.log(eps[-1]),
    }


def check_order_of_accuracy(
    learner: Callable[[Sequence[float], Sequence[float]], float],
    epsilons: Sequence[float],
    errors: Sequence[float],
    *,
    expected: float,
    atol: float = 0.02,
) -> None:
    """Visible-test check of order_of_accuracy on one fixed set of exact error = C·ε^p measurements."""
    __tracebackhide__ = True
    check_call(
        learner, (list(epsilons), list(errors)), expected=expected, atol=atol, rtol=0.0,
        mistakes=_order_mistakes(expected), what=f"order_of_accuracy(epsilons={list(epsilons)}, errors={list(errors)})",
    )
