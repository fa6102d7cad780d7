"""The functions and inputs the hidden test of tensor_grad_check (notebook 05) checks, and its record.

Each function is built with the notebook's own Tensor, its backward written by hand: right, or wrong
on purpose. The grader knows which is which; the kernel only runs the learner's check and records
the number it returns and what became of the inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .cases import seeded_rng, signed
from .recording import converted, outcome


def _op(T: type, data: Any, parents: tuple, backward: Callable, name: str) -> Any:
    return T(data, parents, backward, name)


def _cube(claimed: float) -> Callable[[type], Callable[[Any], Any]]:
    """t³ with a backward that claims the derivative is claimed·t² (3 is right)."""
    return lambda T: lambda t: _op(T, t.data**3, (t,), lambda g: (claimed * t.data**2 * g,), f"{claimed:g}t² cube")


def _steep(T: type) -> Callable[[Any], Any]:
    return lambda t: _op(T, np.exp(8 * t.data), (t,), lambda g: (8 * np.exp(8 * t.data) * g,), "exp(8t)")


def _scaled_cube(claimed: float) -> Callable[[type], Callable[[Any, Any], Any]]:
    """s·t³ with a backward whose derivative for t claims claimed·s·t² (3 is right)."""

    def build(T: type) -> Callable[[Any, Any], Any]:
        def f(s: Any, t: Any) -> Any:
            return _op(T, s.data * t.data**3, (s, t),
                       lambda g: (g * t.data**3, claimed * g * s.data * t.data**2), "s·t³")
        return f

    return build


@dataclass(frozen=True)
class GradCheckInput:
    """A function to check, built with a Tensor class, and the shapes and range of its random inputs."""

    function: Callable[[type], Callable[..., Any]]
    shapes: tuple[tuple[int, ...], ...]
    scale: tuple[float, float]


GRAD_CHECK_INPUTS = (
    GradCheckInput(_cube(3.0), ((3, 4),), (0.3, 2.0)),
    GradCheckInput(_cube(2.0), ((3, 4),), (0.3, 2.0)),
    GradCheckInput(_steep, ((2, 5),), (0.05, 0.3)),
    GradCheckInput(_cube(3.0), ((3, 4),), (20.0, 40.0)),
    GradCheckInput(_scaled_cube(3.0), ((4,), (4,)), (0.3, 2.0)),
    GradCheckInput(_scaled_cube(2.0), ((4,), (4,)), (0.3, 2.0)),
    GradCheckInput(_cube(2.0), ((30, 40),), (0.3, 2.0)),
)


def grad_check_arrays(seed: int) -> list[list[np.ndarray]]:
    """The seeded input arrays of every case, in order."""
    rng = seeded_rng(seed)
    return [[signed(rng, shape, *case.scale) for shape in case.shapes] for case in GRAD_CHECK_INPUTS]


def record_grad_checks(check: Callable[..., Any], tensor: type, seed: int) -> list[dict]:
    """Per case: what the learner's check returned, and the inputs' .data after it ran."""
    results = []
    for case, arrays in zip(GRAD_CHECK_INPUTS, grad_check_arrays(seed)):
        inputs = [tensor(a.copy(), requires_grad=True) for a in arrays]
        result = outcome(check, case.function(tensor), *inputs)
        results.append({"result": result, "inputs_after": converted([given.data for given in inputs])})
    return results
