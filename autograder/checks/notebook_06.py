"""Hidden-test checks for notebook 06: the learner's Dual, jvp and pass counts against `solutions.forward`.

Each is a list of calls of one learner function on inputs drawn from a seed (backprop_lab.forward_cases);
the expected answers come from the reference, and every call goes through the visible check of
`backprop_lab.checks.notebook_06`, which names the mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

from backprop_lab.checks.notebook_06 import (
    as_dual_operation,
    check_dual_operation,
    check_jvp,
    check_passes,
    check_rejects_unknown_method,
)
from backprop_lab.forward_cases import METHODS, dual_calls, jvp_calls, passes_calls


def check_dual_against(operation: Callable[..., object], reference: type, *, seed: int) -> None:
    """operation(op, *operands) (a learner's Dual through `as_dual_operation`) against the reference Dual."""
    __tracebackhide__ = True
    expected_of = as_dual_operation(reference)
    for (op, *operands), _ in dual_calls(seed):
        check_dual_operation(operation, op, *operands, expected=expected_of(op, *operands))


def check_jvp_against(jvp: Callable[..., object], forward: ModuleType, *, seed: int) -> None:
    """jvp on seeded points and directions of functions of two and three inputs, one with two outputs."""
    __tracebackhide__ = True
    for (f, x, v), _ in jvp_calls(seed):
        check_jvp(jvp, f, x, v, expected=forward.jvp(f, x, v),
                  with_first_tangent=forward.jvp(f, x, [v[0]] * len(x))[1])


def check_passes_against(passes_for_jacobian: Callable[..., object], forward: ModuleType, *, seed: int) -> None:
    """Every method on seeded shapes, tall and wide, against the reference's counts; unknown methods must raise."""
    __tracebackhide__ = True
    for (method, *shape), _ in passes_calls(seed):
        if method in METHODS:
            check_passes(passes_for_jacobian, method, *shape, expected=forward.passes_for_jacobian(method, *shape))
        else:
            check_rejects_unknown_method(passes_for_jacobian, method, *shape)
