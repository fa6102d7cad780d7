"""Visible-test checks for notebook 06: dual numbers, Jacobian-vector products, and what a Jacobian costs.

The expected answers are written in the test cells. A `Dual` is read only through its contract:
`Dual(value, tangent)`, the attributes `.value` and `.tangent`, `+ - * /` with Duals and numbers, and
`.log() .exp() .sin()`; how it is built inside (operators, boxes, numpy scalars) is the learner's choice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import math

from ..forward_cases import BINARY, METHODS, UNARY, Operand, as_dual_operation  # noqa: F401 (re-exported)
from .compare import (CheckFailed, Mistakes, NoVerdict, check_call, describe_call, diagnose, failure_message,
                      is_close, run_quietly)

DUAL_RTOL, DUAL_ATOL = 1e-9, 1e-12
"""Tangent rules are exact arithmetic: only rounding separates two right answers."""

def _pair(operand: Operand) -> tuple[float, float]:
    return operand if isinstance(operand, tuple) else (operand, 0.0)


# Known-wrong tangent rules, by operation; each maps the operands' (value, tangent) pairs to the
# (value, tangent) the mistaken rule gives.
DUAL_MISTAKES: dict[str, Mistakes] = {
    "*": {
        "the product's tangent is missing the term uv' (the second input's): (uv)' = u'v + uv'":
            lambda a, b: (a[0] * b[0], a[1] * b[0]),
        "the product's tangent is missing the term u'v (the first input's): (uv)' = u'v + uv'":
            lambda a, b: (a[0] * b[0], a[0] * b[1]),
        "the product's tangent multiplies the tangents (u'v'); the rule is u'v + uv'":
            lambda a, b: (a[0] * b[0], a[1] * b[1]),
    },
    "/": {
        "the quotient's tangent has the wrong sign: (u/v)' = (u'v − uv')/v², a minus, as ∂(x1/x2)/∂x2 = −x1/x2²":
            lambda a, b: (a[0] / b[0], (a[1] * b[0] + a[0] * b[1]) / b[0] ** 2),
        "the quotient's tangent ignores the divisor's tangent, as if ∂(x1/x2)/∂x2 were 0":
            lambda a, b: (a[0] / b[0], a[1] / b[0]),
        "the quotient's tangent is not divided by v²: (u/v)' = (u'v − uv')/v²":
            lambda a, b: (a[0] / b[0], a[1] * b[0] - a[0] * b[1]),
    },
    "+": {"the sum's tangent is u' + v', not u'·v'": lambda a, b: (a[0] + b[0], a[1] * b[1])},
    "-": {"the difference's tangent is u' − v': the second tangent's sign is flipped":
          lambda a, b: (a[0] - b[0], a[1] + b[1])},
    "log": {
        "log's tangent is not divided by the value: (log u)' = u'/u": lambda a: (math.log(a[0]), a[1]),
        "log's tangent multiplies by the value instead of dividing: (log u)' = u'/u":
            lambda a: (math.log(a[0]), a[1] * a[0]),
    },
    "exp": {"exp's tangent forgets the incoming tangent: (e^u)' = e^u · u'": lambda a: (math.exp(a[0]), math.exp(a[0]))},
    "sin": {
        "sin's tangent forgets the incoming tangent: (sin u)' = cos u · u'": lambda a: (math.sin(a[0]), math.cos(a[0])),
        "sin's tangent uses −cos or sin: (sin u)' = cos u · u'": lambda a: (math.sin(a[0]), -math.cos(a[0]) * a[1]),
    },
}


def _show_operand(operand: Operand) -> str:
    return f"Dual({operand[0]!r}, {operand[1]!r})" if isinstance(operand, tuple) else repr(operand)


def dual_expression(op: str, operands: Sequence[Operand]) -> str:
    """How the learner would write the operation, e.g. `Dual(2.0, 1.0) * 3.0` or `Dual(2.0, 1.0).log()`."""
    shown = [_show_operand(o) for o in operands]
    return f"{shown[0]}.{op}()" if op in UNARY else f"{shown[0]} {op} {shown[1]}"


def check_dual_operation(operation: Callable[..., object], op: str, *operands: Operand,
                         expected: tuple[float, float]) -> None:
    """Assert operation(op, *operands) == expected = (value, tangent), naming the tangent rule it breaks."""
    __tracebackhide__ = True
    if op not in BINARY and op not in UNARY:
        raise ValueError(f"check_dual knows {sorted(BINARY)} and {list(UNARY)}, not {op!r}")
    got = run_quietly(operation, op, *operands)
    if got.error is None and is_close(got.value, expected, DUAL_RTOL, DUAL_ATOL):
        return
    pairs = [_pair(o) for o in operands]
    models = {name: run_quietly(model, *pairs) for name, model in DUAL_MISTAKES[op].items()}
    likely = diagnose(got, expected, models, DUAL_RTOL, DUAL_ATOL)
    what = f"{dual_expression(op, operands)} as (value, tangent)"
    raise CheckFailed(failure_message(what, expected, got, likely)) from got.error


def check_dual(Dual: type, op: str, *operands: Operand, expected: tuple[float, float]) -> None:  # noqa: N803
    """Assert that the learner's Dual gives `expected` = (value, tangent) for one operation.

    `operands` are (value, tangent) pairs, made into Duals, or plain numbers, which stay constants.
    """
    __tracebackhide__ = True
    check_dual_operation(as_dual_operation(Dual), op, *operands, expected=expected)


ONE_TANGENT = ("every input was given the same tangent v[0]: input i must carry its own v[i], "
               "so that Dual(x[i], v[i]) enters f")

RUNS_ON_DUAL = ("jvp runs on your Dual, so a wrong Dual gives a wrong J·v too: if the tests of Dual above fail, "
                "fix Dual first.")
"""Said with every failure of jvp: a wrong tangent rule in Dual shows up as a wrong J·v too."""


def _flat(answer: object) -> object:
    """(value, tangent) with several outputs, (values, tangents), as one flat tuple; anything else unchanged."""
    if isinstance(answer, (tuple, list)) and len(answer) == 2 and all(isinstance(a, (tuple, list)) for a in answer):
        return (*answer[0], *answer[1])
    return answer


def check_jvp(
    jvp: Callable[..., object],
    f: Callable[..., object],
    x: Sequence[float],
    v: Sequence[float],
    *,
    expected: tuple[object, object],
    with_first_tangent: object = None,
) -> None:
    """Assert jvp(f, x, v) == expected = (f(x), J·v); `with_first_tangent` is the J·v for v[0] on every input.

    With several outputs the answer is (values, tangents), compared as the flat tuple (*values, *tangents).
    """
    __tracebackhide__ = True
    value, tangent = expected
    mistakes = {
        "the tangent is the value f(x), not J·v": (value, value),
        "the value and the tangent are swapped: return (f(x), J·v)": (tangent, value),
    }
    if with_first_tangent is not None:
        mistakes[ONE_TANGENT] = (value, with_first_tangent)
    several = isinstance(value, (tuple, list))
    what = describe_call(jvp, (f, x, v)) + (" as (*values, *tangents)" if several else "")
    check_call(lambda *args: _flat(jvp(*args)), (f, x, v), expected=_flat(expected), rtol=1e-9, atol=1e-12,
               what=what, mistakes={name: (lambda *_, answer=_flat(answer): answer) for name, answer in mistakes.items()},
               hint=RUNS_ON_DUAL)


def _one_call_per_method(method: str, n: int, m: int) -> int:
    if method != "reverse":
        raise NoVerdict
    return 1


def _forward_reverse_swapped(method: str, n: int, m: int) -> int:
    return {"central": 2 * n, "forward": m, "reverse": 1 + n}[method]


def _one_sided(method: str, n: int, m: int) -> int:
    if method != "central":
        raise NoVerdict
    return n + 1


def _no_recording_pass(method: str, n: int, m: int) -> int:
    if method != "reverse":
        raise NoVerdict
    return m


PASSES_MISTAKES: Mistakes = {
    "counting calls of f instead of passes through the graph: reverse mode calls f once, and that "
    "call records the graph, then each output needs its own backward pass": _one_call_per_method,
    "forward and reverse swapped: forward mode takes one pass per input, reverse one backward pass per output":
        _forward_reverse_swapped,
    "a one-sided difference's count: central differences evaluate f twice per input, at x + ε and x − ε": _one_sided,
    "the backward passes need a forward pass first, to record the graph and its values": _no_recording_pass,
}


def check_passes(passes_for_jacobian: Callable[..., object], method: str, n_inputs: int, n_outputs: int,
                 *, expected: int) -> None:
    """Assert passes_for_jacobian(method, n_inputs, n_outputs) == expected, naming a likely miscount."""
    __tracebackhide__ = True
    check_call(passes_for_jacobian, (method, n_inputs, n_outputs), expected=expected, rtol=0.0,
               mistakes=PASSES_MISTAKES)


def check_rejects_unknown_method(passes_for_jacobian: Callable[..., object], method: str, n_inputs: int = 3,
                                 n_outputs: int = 2) -> None:
    """Assert that an unknown method name raises a ValueError whose message names the three methods it knows."""
    __tracebackhide__ = True
    got = run_quietly(passes_for_jacobian, method, n_inputs, n_outputs)
    if isinstance(got.error, ValueError) and all(known in str(got.error) for known in METHODS):
        return
    hint = ("Likely mistake: the message does not name the three methods: say which ones exist, "
            "'central', 'forward' and 'reverse', so the caller can fix the call.") if isinstance(got.error, ValueError) else ""
    what = f"passes_for_jacobian({method!r}, {n_inputs}, {n_outputs})"
    raise CheckFailed(failure_message(what, "a ValueError naming the methods it knows", got, hint=hint,
                                      show=lambda value: value if isinstance(value, str) else repr(value)))
