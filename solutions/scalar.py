"""`Scalar`: a number that remembers how it was computed, so its derivatives can be found."""

from __future__ import annotations

import numbers

from . import boxes
from .graph import backpropagate, creation_order, topological_sort


def _is_real_number(value: object) -> bool:
    """int, float and numpy's real scalars; the exact-type test first, as the ABC check is slow."""
    return type(value) in (float, int) or isinstance(value, numbers.Real)


class Scalar:
    """A float plus its place in a computation graph.

    Every operation makes a new Scalar whose `parents` are its inputs and whose `local_grads` are
    ∂self/∂parent for each, worked out by the operation's box (solutions.boxes) as notebook 04 does.
    A node only ever points at older nodes, so the graph is acyclic by construction.

    A node keeps its inputs and their local derivatives in slots named like a box's inputs, x and y
    (None when unused), and builds the tuples `parents` and `local_grads` when asked. Kept tuples
    would be one more object per node for Python's cyclic garbage collector to rescan on each of its
    full passes, which on a big graph cost more than the arithmetic: without them the collector's
    time on a 2^16-leaf tree dropped by about a third (benchmarks/scalar_backprop.py prints the
    collector's share of the chain's time and explains where it goes).
    """

    __slots__ = ("value", "grad", "op", "name", "created", "_x", "_y", "_dx", "_dy")
    requires_grad = True  # every Scalar takes part in backpropagation (the walk's protocol asks)

    def __init__(self, value: float, name: str | None = None):
        if type(value) is not float:
            if not _is_real_number(value):
                raise TypeError(
                    f"Scalar needs a real number, got {type(value).__name__} {value!r:.40}; "
                    "pass a float (for a Scalar, use it directly)"
                )
            value = float(value)
        self.value = value
        self.grad = 0.0
        self.op = ""
        self.name = name
        self.created = next(creation_order)
        self._x = self._y = None

    def __add__(self, other: Scalar | float) -> Scalar:
        return _binary(boxes.Add, self, other)

    def __radd__(self, other: float) -> Scalar:
        return _binary(boxes.Add, other, self)

    def __sub__(self, other: Scalar | float) -> Scalar:
        return _binary(boxes.Sub, self, other)

    def __rsub__(self, other: float) -> Scalar:
        return _binary(boxes.Sub, other, self)

    def __mul__(self, other: Scalar | float) -> Scalar:
        return _binary(boxes.Mul, self, other)

    def __rmul__(self, other: float) -> Scalar:
        return _binary(boxes.Mul, other, self)

    def __truediv__(self, other: Scalar | float) -> Scalar:
        return _binary(boxes.Div, self, other)

    def __rtruediv__(self, other: float) -> Scalar:
        return _binary(boxes.Div, other, self)

    def __pow__(self, n: float) -> Scalar:
        if not _is_real_number(n):
            raise TypeError(
                f"Scalar ** takes a plain number as exponent, got {type(n).__name__}; "
                "for a Scalar exponent write (n * x.log()).exp()"
            )
        return _unary(boxes.Pow(self.value, n=n), self)

    def __neg__(self) -> Scalar:
        return _unary(boxes.Neg(self.value), self)

    def log(self) -> Scalar:
        return _unary(boxes.Log(self.value), self)

    def exp(self) -> Scalar:
        return _unary(boxes.Exp(self.value), self)

    def sin(self) -> Scalar:
        return _unary(boxes.Sine(self.value), self)

    def cos(self) -> Scalar:
        return _unary(boxes.Cosine(self.value), self)

    def relu(self) -> Scalar:
        return _unary(boxes.Relu(self.value), self)

    def sigmoid(self) -> Scalar:
        return _unary(boxes.Sigmoid(self.value), self)

    def tanh(self) -> Scalar:
        return _unary(boxes.Tanh(self.value), self)

    @property
    def parents(self) -> tuple[Scalar, ...]:
        """The Scalars this one was computed from, in order (empty for an input)."""
        if self._y is not None:
            return self._x, self._y
        return () if self._x is None else (self._x,)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """∂self/∂parent for each parent, in order (empty for an input)."""
        return self.gradient_pieces(1.0)

    def gradient_pieces(self, d_out: float) -> tuple[float, ...]:
        """What this node sends each parent in the backward walk: d_out times the local derivative."""
        if self._y is not None:
            return d_out * self._dx, d_out * self._dy
        return () if self._x is None else (d_out * self._dx,)

    def backward(self, d_out: float = 1.0) -> None:
        """Fill `.grad` of every node this one depends on with ∂self/∂node · d_out (accumulating)."""
        backpropagate(self, d_out)

    def zero_grad(self) -> None:
        """Reset `.grad` to 0 on this node and every node it depends on."""
        for node in topological_sort(self):
            node.grad = 0.0

    def __repr__(self) -> str:
        label = f"{self.name}: " if self.name else ""
        return f"Scalar({label}value={self.value:.6g}, grad={self.grad:.6g})"


def _node(value: float, op: str, x: Scalar, dx: float, y: Scalar | None = None, dy: float = 0.0) -> Scalar:
    """A computed Scalar, made without __init__'s checks: its value and local derivatives come from a box."""
    out = Scalar.__new__(Scalar)
    out.value = value
    out.grad = 0.0
    out.op = op
    out.name = None
    out.created = next(creation_order)
    out._x = x
    out._y = y
    out._dx = dx
    out._dy = dy
    return out


def _unary(box: boxes.UnaryBox, x: Scalar) -> Scalar:
    """The Scalar a one-input box computes from x, with ∂out/∂x worked out by the same box."""
    return _node(box.forward(), box.op, x, box.derivative())


def _binary(box_type: type[boxes.BinaryBox], x: Scalar | float, y: Scalar | float) -> Scalar:
    """The Scalar a two-input box computes from x and y, with both local derivatives; a plain
    number among them becomes a constant leaf of the graph."""
    if not isinstance(x, Scalar):
        x = Scalar(x)
    if not isinstance(y, Scalar):
        y = Scalar(y)
    box = box_type(x.value, y.value)
    dx, dy = box.derivatives()
    return _node(box.forward(), box.op, x, dx, y, dy)
