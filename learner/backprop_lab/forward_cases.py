"""The inputs notebook 06's hidden tests give learner code, drawn from a seed, and nothing about the answers.

A call is a pair (positional arguments, keyword arguments), as in the other notebooks' cases: the
learner's code runs on them, and the expected answers come from the reference, drawn from the same seed.
"""

from __future__ import annotations

from collections.abc import Callable
import math
import operator

import numpy as np

from .recording import ChangedItsInput
from .seeding import seeded_rng

Call = tuple[tuple, dict]

BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
UNARY = ("log", "exp", "sin")

Operand = tuple[float, float] | float
"""A (value, tangent) pair, made into the learner's Dual, or a plain number, used as a constant."""


def as_dual_operation(Dual: type) -> Callable[..., tuple[object, object]]:  # noqa: N803
    """The learner's Dual seen as one function, operation(op, *operands) -> (value, tangent).

    Operands are (value, tangent) pairs, made into the learner's Duals, or plain numbers, which stay
    constants; so a Dual's test is a list of calls, like any other function's.
    """

    def operation(op: str, *operands: Operand) -> tuple[object, object]:
        made = [Dual(*o) if isinstance(o, tuple) else o for o in operands]
        result = getattr(made[0], op)() if op in UNARY else BINARY[op](*made)
        for dual, given in zip(made, operands):
            if isinstance(given, tuple) and not (dual.value == given[0] and dual.tangent == given[1]):
                raise ChangedItsInput(f"the operation changed its operand Dual{given} to Dual({dual.value!r}, "
                                      f"{dual.tangent!r}): each result must be a new Dual, the operands left as "
                                      "they were (x * y must not change x)")
        try:
            return result.value, result.tangent
        except AttributeError:
            raise TypeError(f"the result is a {type(result).__name__}, not a Dual with .value and .tangent") from None

    operation.__name__ = getattr(Dual, "__name__", "Dual")
    return operation

METHODS = ("central", "forward", "reverse")

TEST_FUNCTIONS: dict[str, Callable[..., object]] = {
    "h(x, y) = log(xy) + exp(xy)": lambda x, y: (x * y).log() + (x * y).exp(),
    "x·sin(y) / z − 2x": lambda x, y, z: x * y.sin() / z - 2.0 * x,
    "exp(x / y)·x + 3": lambda x, y: (x / y).exp() * x + 3.0,
    "[x·y, sin(x) − y / 2]": lambda x, y: [x * y, x.sin() - y / 2.0],
}
"""Functions of several inputs that use every operation a Dual must have; safe for inputs in [0.3, 2]."""


def _operand(rng: np.random.Generator, positive: bool) -> tuple[float, float]:
    """A (value, tangent) pair, the value kept 0.3 away from zero (log's and division's pole)."""
    value = rng.uniform(0.3, 3.0) if positive else rng.uniform(-3.0, 3.0)
    if abs(value) < 0.3:
        value = math.copysign(0.3 + abs(value), value)
    return round(float(value), 3), round(float(rng.uniform(-2.0, 2.0)), 3)


def dual_calls(seed: int, rounds: int = 3) -> list[Call]:
    """Calls of a Dual's operation(op, *operands): every function, every operator between two Duals and
    with a number on either side, `rounds` times."""
    rng = seeded_rng(seed)
    calls = []
    for _ in range(rounds):
        calls += [((op, _operand(rng, positive=op == "log")), {}) for op in UNARY]
        for op in BINARY:
            a, b = _operand(rng, False), _operand(rng, False)
            calls += [((op, a, b), {}), ((op, a, b[0]), {}), ((op, a[0], b), {})]
    return calls


def jvp_calls(seed: int) -> list[Call]:
    """jvp(f, x, v) for every test function, at a seeded point and direction, as lists and again as tuples."""
    rng = seeded_rng(seed)
    calls = []
    for f in TEST_FUNCTIONS.values():
        n = f.__code__.co_argcount
        x = [round(float(rng.uniform(0.3, 2.0)), 3) for _ in range(n)]
        v = [round(float(rng.uniform(-2.0, 2.0)), 3) for _ in range(n)]
        calls += [((f, x, v), {}), ((f, tuple(x), tuple(v)), {})]
    return calls


def leaving_x_and_v_unchanged(jvp: Callable[..., object]) -> Callable[..., object]:
    """`jvp`, made to raise ChangedItsInput when a call changes the list x or v it was given."""

    def call(f: Callable[..., object], x: list | tuple, v: list | tuple) -> object:
        kept = list(x), list(v)
        result = jvp(f, x, v)
        for name, given, before in (("x", x, kept[0]), ("v", v, kept[1])):
            if list(given) != before:
                raise ChangedItsInput(f"jvp changed the list {name} it was given (now {list(given)!r:.80}): build "
                                      "the Duals in a new list, the caller's x and v stay as they were")
        return result

    call.__name__ = getattr(jvp, "__name__", "jvp")
    return call


UNKNOWN_METHODS = ("backward", "symbolic")
"""Methods passes_for_jacobian does not know: each must raise a ValueError naming the three it does."""


def passes_calls(seed: int) -> list[Call]:
    """passes_for_jacobian(method, n, m) for every method on three seeded shapes, tall and wide, then for
    methods it does not know."""
    rng = seeded_rng(seed)
    shapes = [tuple(int(k) for k in rng.integers(2, 5000, size=2)) for _ in range(3)]
    known = [((method, n, m), {}) for n, m in shapes for method in METHODS]
    return known + [((method, *shapes[0]), {}) for method in UNKNOWN_METHODS]
