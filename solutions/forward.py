"""Forward mode: `Dual` numbers carry a derivative along with every value, and what they cost.

A dual number is a value plus a tangent, the rate at which the value moves when the inputs move in
one chosen direction. Each operation's tangent is its local derivatives (the same boxes reverse mode
uses) times the tangents of its inputs, so one pass gives one Jacobian-vector product.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import numbers

from . import boxes
from .scalar import Scalar


class Dual:
    """A value and its tangent: d(value) along one direction of the inputs.

    `+ - * /` work between Duals and with plain numbers (a number is a constant: tangent 0);
    unary `-` and `.log() .exp() .sin() .cos()` apply one function. The tangent rule of each is the chain rule
    forwards: local derivative times incoming tangent, summed over the inputs.
    """

    __slots__ = ("value", "tangent")

    def __init__(self, value: float, tangent: float = 0.0):
        self.value = value
        self.tangent = tangent

    @staticmethod
    def _lift(other: Dual | float) -> Dual:
        if isinstance(other, Dual):
            return other
        if isinstance(other, numbers.Real):
            return Dual(other, 0.0)
        return NotImplemented

    def _unary(self, box_type: type) -> Dual:
        box = box_type(self.value)
        return Dual(box.forward(), box.derivative() * self.tangent)

    def _binary(self, box_type: type, other: Dual | float, swap: bool = False) -> Dual:
        other = self._lift(other)
        if other is NotImplemented:
            return NotImplemented
        left, right = (other, self) if swap else (self, other)
        box = box_type(left.value, right.value)
        d_left, d_right = box.derivatives()
        return Dual(box.forward(), d_left * left.tangent + d_right * right.tangent)

    def __add__(self, other: Dual | float) -> Dual:
        return self._binary(boxes.Add, other)

    def __radd__(self, other: float) -> Dual:
        return self._binary(boxes.Add, other, swap=True)

    def __sub__(self, other: Dual | float) -> Dual:
        return self._binary(boxes.Sub, other)

    def __rsub__(self, other: float) -> Dual:
        return self._binary(boxes.Sub, other, swap=True)

    def __mul__(self, other: Dual | float) -> Dual:
        return self._binary(boxes.Mul, other)

    def __rmul__(self, other: float) -> Dual:
        return self._binary(boxes.Mul, other, swap=True)

    def __truediv__(self, other: Dual | float) -> Dual:
        return self._binary(boxes.Div, other)

    def __rtruediv__(self, other: float) -> Dual:
        return self._binary(boxes.Div, other, swap=True)

    def __neg__(self) -> Dual:
        return self._unary(boxes.Neg)

    def log(self) -> Dual:
        return self._unary(boxes.Log)

    def exp(self) -> Dual:
        return self._unary(boxes.Exp)

    def sin(self) -> Dual:
        return self._unary(boxes.Sine)

    def cos(self) -> Dual:
        return self._unary(boxes.Cosine)

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.tangent!r})"


def _parts(out: object, part: str) -> float | list[float]:
    """One output's value or tangent (a plain number is a constant), or a list for several outputs."""
    if isinstance(out, (list, tuple)):
        return [_parts(item, part) for item in out]
    if isinstance(out, Dual):
        return getattr(out, part)
    return out if part == "value" else 0.0


def jvp(f: Callable[..., object], x: Sequence[float], v: Sequence[float]) -> tuple[object, object]:
    """(f(x), J·v): one forward pass with input i carrying tangent v[i].

    f takes len(x) arguments and returns one number or a list of them; the result follows suit.
    """
    if len(x) != len(v):
        raise ValueError(f"jvp needs one tangent per input: {len(x)} inputs but {len(v)} tangents")
    out = f(*[Dual(xi, vi) for xi, vi in zip(x, v)])
    return _parts(out, "value"), _parts(out, "tangent")


def vjp(f: Callable[..., object], x: Sequence[float], u: Sequence[float]) -> tuple[object, list[float]]:
    """(f(x), uᵀ·J): one forward pass building the graph, then one backward pass from the outputs weighted by u."""
    inputs = [Scalar(xi) for xi in x]
    out = f(*inputs)
    outputs = list(out) if isinstance(out, (list, tuple)) else [out]
    if len(outputs) != len(u):
        raise ValueError(f"vjp needs one weight per output: {len(outputs)} outputs but {len(u)} weights")
    total = sum((weight * output for weight, output in zip(u, outputs)), Scalar(0.0))
    total.backward()
    values = [o.value for o in outputs]
    return (values if isinstance(out, (list, tuple)) else values[0]), [xi.grad for xi in inputs]


def jacobian_by_jvp(f: Callable[..., object], x: Sequence[float]) -> list[list[float]]:
    """The Jacobian, rows by output, one JVP per input (its column): n forward passes."""
    columns = []
    for i in range(len(x)):
        _, tangent = jvp(f, x, [1.0 if j == i else 0.0 for j in range(len(x))])
        columns.append(tangent if isinstance(tangent, list) else [tangent])
    return [list(row) for row in zip(*columns)]


METHODS = ("central", "forward", "reverse")


def passes_for_jacobian(method: str, n_inputs: int, n_outputs: int) -> int:
    """How many passes through f's graph give the whole m×n Jacobian.

    central differences: two evaluations per input; forward mode: one pass per input;
    reverse mode: one forward pass that records the graph, then one backward pass per output.
    """
    if method == "central":
        return 2 * n_inputs
    if method == "forward":
        return n_inputs
    if method == "reverse":
        return 1 + n_outputs
    raise ValueError(f"passes_for_jacobian knows {', '.join(map(repr, METHODS))}, not {method!r}")
