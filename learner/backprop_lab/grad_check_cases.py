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


ONE_ENTRY_OFF = np.array([1.0, 1.0, 1.04, 1.0])
"""A cube's derivative scaled entry by entry: off by 4 % at one entry of four (fewer than n_indices, so every
entry is checked); the largest relative error is 0.038, an average of them 0.0096, below the 0.01 of a wrong one."""

MASK = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
"""Entries multiplied by 0: both gradients there are exactly 0, the case the floor on the denominator is for."""


def _cube_scaled(factors: np.ndarray) -> Callable[[type], Callable[[Any], Any]]:
    """t³ with a backward that claims factors·3t² (right where a factor is 1)."""
    return lambda T: lambda t: _op(T, t.data**3, (t,), lambda g: (factors * 3 * t.data**2 * g,), "t³, one entry off")


def _masked_cube(T: type) -> Callable[[Any], Any]:
    return lambda t: _op(T, MASK * t.data**3, (t,), lambda g: (MASK * 3 * t.data**2 * g,), "mask·t³")


def _cube_plus_one(T: type) -> Callable[[Any], Any]:
    """t³ with a backward that claims 3t² + 1: wrong by a relative amount that differs from entry to entry."""
    return lambda t: _op(T, t.data**3, (t,), lambda g: ((3 * t.data**2 + 1) * g,), "t³ claimed 3t² + 1")


def _one_entry_of_thirty(T: type) -> Callable[[Any], Any]:
    factors = np.ones((6, 5))
    factors[4, 1] = 2 / 3
    return _cube_scaled(factors)(T)


@dataclass(frozen=True)
class GradCheckInput:
    """A function to check, built with a Tensor class, the shapes and range of its random inputs, the keyword
    arguments the check is called with, and how many times it is called (the same seed must give the same result)."""

    function: Callable[[type], Callable[..., Any]]
    shapes: tuple[tuple[int, ...], ...]
    scale: tuple[float, float]
    options: tuple[tuple[str, int], ...] = ()
    calls: int = 1


GRAD_CHECK_INPUTS = (
    GradCheckInput(_cube(3.0), ((3, 4),), (0.3, 2.0)),
    GradCheckInput(_cube(2.0), ((3, 4),), (0.3, 2.0)),
    GradCheckInput(_steep, ((2, 5),), (0.05, 0.3)),
    GradCheckInput(_cube(3.0), ((3, 4),), (20.0, 40.0)),
    GradCheckInput(_scaled_cube(3.0), ((4,), (4,)), (0.3, 2.0)),
    GradCheckInput(_scaled_cube(2.0), ((4,), (4,)), (0.3, 2.0)),
    GradCheckInput(_cube(2.0), ((30, 40),), (0.3, 2.0)),
    GradCheckInput(_cube_scaled(ONE_ENTRY_OFF), ((4,),), (0.3, 2.0)),
    GradCheckInput(_masked_cube, ((5,),), (0.3, 2.0)),
    GradCheckInput(_one_entry_of_thirty, ((6, 5),), (0.3, 2.0), options=(("n_indices", 30),)),
    # One entry of 100, three times: a check that ignores `seed` repeats itself by chance once in 10 000 runs.
    GradCheckInput(_cube_plus_one, ((10, 10),), (0.3, 2.0), options=(("seed", 3), ("n_indices", 1)), calls=3),
)


def grad_check_arrays(seed: int) -> list[list[np.ndarray]]:
    """The seeded input arrays of every case, in order."""
    rng = seeded_rng(seed)
    return [[signed(rng, shape, *case.scale) for shape in case.shapes] for case in GRAD_CHECK_INPUTS]


def record_grad_checks(check: Callable[..., Any], tensor: type, seed: int) -> list[dict]:
    """Per case: what the learner's check returned (each call, for a case called more than once), and the inputs'
    .data after."""
    results = []
    for case, arrays in zip(GRAD_CHECK_INPUTS, grad_check_arrays(seed)):
        inputs = [tensor(a.copy(), requires_grad=True) for a in arrays]
        found = [outcome(check, case.function(tensor), *inputs, **dict(case.options)) for _ in range(case.calls)]
        results.append({"result": found[0], "inputs_after": converted([given.data for given in inputs]),
                        **({"again": found[1:]} if case.calls > 1 else {})})
    return results
