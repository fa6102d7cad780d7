"""Hidden-test checks for notebook 06: the learner's Dual, jvp and pass counts against `solutions.forward`.

Inputs come from a fixed seed; the expected answers from the reference; each case goes through the
visible check of `backprop_lab.checks.forward`, which names the mistake.
"""

from __future__ import annotations

from collections.abc import Callable
import math
from types import ModuleType

from backprop_lab.checks.forward import BINARY, UNARY, apply_dual, check_dual, check_jvp, check_passes

from .compare import seeded_rng

TEST_FUNCTIONS: dict[str, Callable[..., object]] = {
    "h(x, y) = log(xy) + exp(xy)": lambda x, y: (x * y).log() + (x * y).exp(),
    "x·sin(y) / z − 2x": lambda x, y, z: x * y.sin() / z - 2.0 * x,
    "exp(x / y)·x + 3": lambda x, y: (x / y).exp() * x + 3.0,
    "[x·y, sin(x) − y / 2]": lambda x, y: [x * y, x.sin() - y / 2.0],
}
"""Functions of several inputs that use every operation a Dual must have; all positive inputs are safe."""


def _operand(rng, positive: bool) -> tuple[float, float]:
    value = rng.uniform(0.3, 3.0) if positive else rng.uniform(-3.0, 3.0)
    if abs(value) < 0.3:
        value = math.copysign(0.3 + abs(value), value)
    return round(float(value), 3), round(float(rng.uniform(-2.0, 2.0)), 3)


def check_dual_against(Dual: type, reference: type, *, seed: int, rounds: int = 3) -> None:  # noqa: N803
    """Every operation, on Dual-Dual and Dual-number operands (numbers on either side), against the reference."""
    rng = seeded_rng(seed)
    for _ in range(rounds):
        for op in UNARY:
            operands = (_operand(rng, positive=op == "log"),)
            check_dual(Dual, op, *operands, expected=apply_dual(reference, op, operands))
        for op in BINARY:
            a, b = _operand(rng, False), _operand(rng, False)
            for operands in [(a, b), (a, b[0]), (a[0], b)]:
                check_dual(Dual, op, *operands, expected=apply_dual(reference, op, operands))


def check_jvp_against(jvp: Callable[..., object], forward: ModuleType, *, seed: int) -> None:
    """jvp on seeded points and directions of functions of two and three inputs, one with two outputs."""
    rng = seeded_rng(seed)
    for f in TEST_FUNCTIONS.values():
        n = f.__code__.co_argcount
        x = [round(float(rng.uniform(0.3, 2.0)), 3) for _ in range(n)]
        v = [round(float(rng.uniform(-2.0, 2.0)), 3) for _ in range(n)]
        check_jvp(jvp, f, x, v, expected=forward.jvp(f, x, v),
                  with_first_tangent=forward.jvp(f, x, [v[0]] * n)[1])


def check_passes_against(passes_for_jacobian: Callable[..., object], forward: ModuleType, *, seed: int) -> None:
    """Every method on seeded shapes, tall and wide, against the reference's counts."""
    rng = seeded_rng(seed)
    for _ in range(3):
        n, m = (int(k) for k in rng.integers(2, 5000, size=2))
        for method in forward.METHODS:
            check_passes(passes_for_jacobian, method, n, m, expected=forward.passes_for_jacobian(method, n, m))
