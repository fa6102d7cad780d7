"""Hidden-test checks for notebook 05: tensor backward functions, unbroadcast, and a gradient check.

`check_backward_against(learner, op, seed)` runs the reference, `solutions.array_boxes`, on seeded
random shapes (broadcasting included) and hands each case to `backprop_lab.checks.check_backward`,
which names the mistake. `check_tensor_grad_check_against` judges the learner's gradient check on
functions whose backward is right or deliberately wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from backprop_lab.checks.tensors import CORRECT_BELOW, check_backward, check_grad_check, check_inputs_unchanged

from .compare import seeded_rng



def _axes(a: np.ndarray, axis: Any) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(a.ndim))
    return tuple(sorted(ax % a.ndim for ax in ((axis,) if isinstance(axis, int) else axis)))


def _sum_backward(grad: Any, a: Any, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    from solutions.array_boxes import Sum

    return Sum(np.asarray(a), _axes(np.asarray(a), axis), keepdims).backward(np.asarray(grad))


# --- The reference and random inputs per operation -----------------------------------------------

def _box_backward(box_name: str, *inputs: np.ndarray, grad: np.ndarray, **constants: Any) -> Any:
    """The reference: solutions.array_boxes' box for the op, forward then backward(grad)."""
    from solutions import array_boxes

    box = getattr(array_boxes, box_name)(*inputs, **constants)
    box.forward()
    return box.backward(grad)


def _reference_unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    from solutions import unbroadcast

    return unbroadcast(grad, shape)


def _signed(rng: np.random.Generator, shape: tuple, low: float = 0.1, high: float = 2.0) -> np.ndarray:
    """Random values away from zero (relu's kink, log's pole), of both signs."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


UNARY_SHAPES = [(5,), (3, 4), (2, 3, 2), ()]
BROADCAST_PAIRS = [((3, 4), (4,)), ((4,), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((5,), (5,)),
                   ((), (2, 3)), ((3, 3), (3, 1)), ((2, 1, 3), (1, 1, 3))]
MATMUL_SHAPES = [(3, 3, 3), (2, 3, 4), (4, 1, 2), (1, 5, 1)]
SUM_CASES = [((3, 4), 0, False), ((3, 4), 1, False), ((3, 3), 1, False), ((3, 3), -1, True), ((2, 3, 4), (0, 2), False),
             ((2, 3, 4), None, False), ((2, 3, 4), None, True), ((4,), 0, False), ((2, 3, 4), -2, False)]


def _unary_cases(positive: bool) -> Callable[[np.random.Generator], Iterator[tuple]]:
    def cases(rng: np.random.Generator) -> Iterator[tuple]:
        for shape in UNARY_SHAPES:
            a = rng.uniform(0.2, 3.0, shape) if positive else _signed(rng, shape)
            yield rng.normal(size=shape), a
    return cases


def _binary_cases(rng: np.random.Generator) -> Iterator[tuple]:
    for shape_a, shape_b in BROADCAST_PAIRS:
        grad = rng.normal(size=np.broadcast_shapes(shape_a, shape_b))
        yield grad, _signed(rng, shape_a), _signed(rng, shape_b)


def _matmul_cases(rng: np.random.Generator) -> Iterator[tuple]:
    for n, k, m in MATMUL_SHAPES:
        yield rng.normal(size=(n, m)), rng.normal(size=(n, k)), rng.normal(size=(k, m))


def _sum_cases(rng: np.random.Generator) -> Iterator[tuple]:
    for shape, axis, keepdims in SUM_CASES:
        a = rng.normal(size=shape)
        yield rng.normal(size=np.sum(a, axis=axis, keepdims=keepdims).shape), a, axis, keepdims


def _unbroadcast_cases(rng: np.random.Generator) -> Iterator[tuple]:
    for shape_a, shape_b in BROADCAST_PAIRS:
        full = np.broadcast_shapes(shape_a, shape_b)
        for shape in (shape_a, shape_b):
            yield rng.normal(size=full), shape


def _with_out(function: Callable[[np.ndarray], np.ndarray]) -> Callable[[Iterator[tuple]], Iterator[tuple]]:
    """Unary cases (grad, a) completed with out = function(a), as the learner's backward receives them."""
    return lambda cases: ((grad, a, function(a)) for grad, a in cases)


@dataclass(frozen=True)
class Operation:
    """How to check one backward in hidden tests: its reference and its random test inputs."""

    reference: Callable[..., Any]
    cases: Callable[[np.random.Generator], Iterator[tuple]]


def _unary(box: str, forward: Callable, positive: bool = False) -> Operation:
    return Operation(lambda grad, a, out: _box_backward(box, a, grad=grad),
                     lambda rng: _with_out(forward)(_unary_cases(positive)(rng)))


OPERATIONS: Mapping[str, Operation] = {
    "exp": _unary("Exp", np.exp),
    "log": _unary("Log", np.log, positive=True),
    "relu": _unary("Relu", lambda a: np.maximum(a, 0.0)),
    "unbroadcast": Operation(_reference_unbroadcast, _unbroadcast_cases),
    "add": Operation(lambda grad, a, b: _box_backward("Add", a, b, grad=grad), _binary_cases),
    "mul": Operation(lambda grad, a, b: _box_backward("Mul", a, b, grad=grad), _binary_cases),
    "matmul": Operation(lambda grad, a, b: _box_backward("MatMul", a, b, grad=grad), _matmul_cases),
    "sum": Operation(_sum_backward, _sum_cases),
}


def _operation(op: str) -> Operation:
    if op not in OPERATIONS:
        raise ValueError(f"no checks for operation {op!r}; known: {sorted(OPERATIONS)}")
    return OPERATIONS[op]


def check_backward_against(learner: Callable[..., Any], op: str, seed: int) -> None:
    """Compare the learner's backward for `op` with the reference on seeded random inputs."""
    spec = _operation(op)
    for args in spec.cases(seeded_rng(seed)):
        check_backward(learner, op, args, spec.reference(*args), sum_back=_reference_unbroadcast)


# --- tensor_grad_check ---------------------------------------------------------------------------

@dataclass(frozen=True)
class GradCheckCase:
    """A function whose backward is right or deliberately wrong, written twice: with the notebook's
    Tensor (a hand-made op) and with the reference Tensor's public operations."""

    name: str
    learner_f: Callable[[type], Callable[..., Any]]
    reference_f: Callable[[type], Callable[..., Any]]
    shapes: tuple[tuple[int, ...], ...]
    scale: tuple[float, float]
    correct: bool
    hint: str = ""


def _op(T: type, data: Any, parents: tuple, backward: Callable, name: str) -> Any:
    return T(data, parents, backward, name)


def _cube(T: type, claimed: float) -> Callable[[Any], Any]:
    return lambda t: _op(T, t.data**3, (t,), lambda g: (claimed * t.data**2 * g,), f"{claimed:g}t² cube")


def _steep(T: type) -> Callable[[Any], Any]:
    return lambda t: _op(T, np.exp(8 * t.data), (t,), lambda g: (8 * np.exp(8 * t.data) * g,), "exp(8t)")


def _scaled_cube(T: type, claimed: float) -> Callable[[Any, Any], Any]:
    def f(s: Any, t: Any) -> Any:
        return _op(T, s.data * t.data**3, (s, t),
                   lambda g: (g * t.data**3, claimed * g * s.data * t.data**2), "s·t³")
    return f


def _detached(R: type, t: Any) -> Any:
    return R(t.data, requires_grad=False)


GRAD_CHECK_CASES = (
    GradCheckCase("t³, correct backward, values of order 1", lambda T: _cube(T, 3.0),
                  lambda R: lambda t: t * t * t, ((3, 4),), (0.3, 2.0), True),
    GradCheckCase("t³ with a backward that claims 2t²", lambda T: _cube(T, 2.0),
                  lambda R: lambda t: t * t * _detached(R, t), ((3, 4),), (0.3, 2.0), False),
    GradCheckCase("exp(8t), correct backward, a steep function", _steep,
                  lambda R: lambda t: (t * 8.0).exp(), ((2, 5),), (0.05, 0.3), True,
                  "Likely mistake: a one-sided difference (f(x + ε) − f(x)) / ε: on a steep function its error, "
                  "about ε·f''/(2f'), is far above a central difference's; use (f(x + ε) − f(x − ε)) / (2ε)."),
    GradCheckCase("t³, correct backward, values near 30 (gradients in the thousands)", lambda T: _cube(T, 3.0),
                  lambda R: lambda t: t * t * t, ((3, 4),), (20.0, 40.0), True,
                  "Likely mistake: an absolute error |analytic − numeric| instead of a relative one: large "
                  "gradients carry large absolute round-off; divide by max(|analytic|, |numeric|)."),
    GradCheckCase("s·t³ with two inputs, correct backward", lambda T: _scaled_cube(T, 3.0),
                  lambda R: lambda s, t: s * t * t * t, ((4,), (4,)), (0.3, 2.0), True),
    GradCheckCase("s·t³ whose backward is wrong only for the second input t", lambda T: _scaled_cube(T, 2.0),
                  lambda R: lambda s, t: s * t * t * _detached(R, t), ((4,), (4,)), (0.3, 2.0), False,
                  "Likely mistake: only the first input was checked: loop over every tensor passed in."),
    GradCheckCase("t³ with a wrong backward on a 30×40 tensor (check a few random entries, not all)",
                  lambda T: _cube(T, 2.0), lambda R: lambda t: t * t * _detached(R, t), ((30, 40),), (0.3, 2.0),
                  False),
)


def check_tensor_grad_check_against(learner: Callable[..., Any], tensor: type, seed: int) -> None:
    """The learner's check must call each case's backward right or wrong, as the reference check does,
    and leave its inputs unchanged."""
    from solutions import Tensor as Reference, tensor_grad_check

    rng = seeded_rng(seed)
    for case in GRAD_CHECK_CASES:
        arrays = [_signed(rng, shape, *case.scale) for shape in case.shapes]
        reference = tensor_grad_check(case.reference_f(Reference), *(Reference(a.copy()) for a in arrays))
        if (reference < CORRECT_BELOW) != case.correct:
            raise RuntimeError(f"the reference check misjudges the case {case.name!r}: {reference:.3g}")
        inputs = [tensor(a.copy()) for a in arrays]
        what = f"tensor_grad_check on {case.name}"
        check_grad_check(learner, case.learner_f(tensor), *inputs, correct=case.correct, what=what, hint=case.hint)
        for given, original in zip(inputs, arrays):
            check_inputs_unchanged(given.data, original, f"{what}: the inputs after the check")
