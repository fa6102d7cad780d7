"""Array boxes: one per Tensor operation, each turning the output's gradient into its inputs'.

The array version of solutions.boxes: the constructor takes the input arrays, `forward()` gives the
output, and `d_x(d_out)` (and `d_y` for a second input) gives that input's gradient, already summed
back to its shape with `unbroadcast`. Written once against the array API, so numpy, cupy and
array_api_strict arrays all pass through.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

from .devices import namespace

Axis = int | tuple[int, ...] | None


def unbroadcast(grad: Any, shape: tuple[int, ...]) -> Any:
    """Sum `grad` down to `shape`, undoing broadcasting.

    An input stretched along an axis (a leading axis broadcasting added, or one of size 1) was
    used once per position there, so its gradient is the sum along that axis.
    """
    shape = tuple(shape)
    if tuple(grad.shape) == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0 or any(n not in (1, g) for n, g in zip(shape, grad.shape[extra:])):
        raise ValueError(
            f"a gradient of shape {tuple(grad.shape)} cannot be summed back to shape {shape}: "
            "that shape does not broadcast to it"
        )
    xp = namespace(grad)
    if extra:
        grad = xp.sum(grad, axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = xp.sum(grad, axis=stretched, keepdims=True)
    return grad


def broadcast_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The shape broadcasting gives arrays of shapes `a` and `b`, or a ValueError naming both."""
    width = max(len(a), len(b))
    a1, b1 = (1,) * (width - len(a)) + tuple(a), (1,) * (width - len(b)) + tuple(b)
    if any(m != n and 1 not in (m, n) for m, n in zip(a1, b1)):
        raise ValueError(
            f"shapes {tuple(a)} and {tuple(b)} do not broadcast: aligned from the right, each pair "
            "of sizes must be equal or contain a 1"
        )
    return tuple(max(m, n) for m, n in zip(a1, b1))


# ----- array boxes: one per operation, each gradient a line or two ---------------------------------


class UnaryArrayBox:
    """An operation on one array x: subclasses give `forward()` and `d_x(d_out)`.

    Call forward() before backward(): some boxes (exp, sigmoid, tanh, max) reuse its result.
    """

    op = "?"

    def __init__(self, x: Any):
        self.x = x

    def forward(self) -> Any:
        raise NotImplementedError

    def d_x(self, d_out: Any) -> Any:
        raise NotImplementedError

    def backward(self, d_out: Any) -> Any:
        """Chain rule for one input: the gradient with respect to x."""
        return self.d_x(d_out)

    def input_gradients(self) -> tuple[Callable[[Any], Any], ...]:
        """One function per input, so the engine can skip inputs that need no gradient."""
        return (self.d_x,)


class BinaryArrayBox:
    """An operation on two arrays x, y: subclasses give `forward()`, `d_x(d_out)` and `d_y(d_out)`."""

    op = "?"

    def __init__(self, x: Any, y: Any):
        self.x = x
        self.y = y

    def forward(self) -> Any:
        raise NotImplementedError

    def d_x(self, d_out: Any) -> Any:
        raise NotImplementedError

    def d_y(self, d_out: Any) -> Any:
        raise NotImplementedError

    def backward(self, d_out: Any) -> tuple[Any, Any]:
        """Chain rule for two inputs: (gradient for x, gradient for y)."""
        return self.d_x(d_out), self.d_y(d_out)

    def input_gradients(self) -> tuple[Callable[[Any], Any], ...]:
        """One function per input, so the engine can skip inputs that need no gradient."""
        return (self.d_x, self.d_y)


class Add(BinaryArrayBox):
    op = "add"

    def forward(self) -> Any:
        return self.x + self.y

    def d_x(self, d_out: Any) -> Any:
        return unbroadcast(d_out, self.x.shape)

    def d_y(self, d_out: Any) -> Any:
        return unbroadcast(d_out, self.y.shape)


class Sub(BinaryArrayBox):
    op = "sub"

    def forward(self) -> Any:
        return self.x - self.y

    def d_x(self, d_out: Any) -> Any:
        return unbroadcast(d_out, self.x.shape)

    def d_y(self, d_out: Any) -> Any:
        return unbroadcast(-d_out, self.y.shape)


class Mul(BinaryArrayBox):
    op = "mul"

    def forward(self) -> Any:
        return self.x * self.y

    def d_x(self, d_out: Any) -> Any:
        return unbroadcast(d_out * self.y, self.x.shape)

    def d_y(self, d_out: Any) -> Any:
        return unbroadcast(d_out * self.x, self.y.shape)


class Div(BinaryArrayBox):
    op = "div"

    def forward(self) -> Any:
        return self.x / self.y

    def d_x(self, d_out: Any) -> Any:
        return unbroadcast(d_out / self.y, self.x.shape)

    def d_y(self, d_out: Any) -> Any:
        return unbroadcast(-d_out * self.x / (self.y * self.y), self.y.shape)


class MatMul(BinaryArrayBox):
    """x @ y for 2-D x (m, k) and y (k, n); Tensor reshapes 1-D operands to 2-D around it."""

    op = "matmul"

    def forward(self) -> Any:
        return self.x @ self.y

    def d_x(self, d_out: Any) -> Any:
        return d_out @ self.y.T

    def d_y(self, d_out: Any) -> Any:
        return self.x.T @ d_out


class Pow(UnaryArrayBox):
    op = "pow"

    def __init__(self, x: Any, n: float):
        super().__init__(x)
        self.n = n

    def forward(self) -> Any:
        return self.x**self.n

    def d_x(self, d_out: Any) -> Any:
        return d_out * self.n * self.x ** (self.n - 1)


class Neg(UnaryArrayBox):
    op = "neg"

    def forward(self) -> Any:
        return -self.x

    def d_x(self, d_out: Any) -> Any:
        return -d_out


class Exp(UnaryArrayBox):
    op = "exp"

    def forward(self) -> Any:
        self.out = namespace(self.x).exp(self.x)
        return self.out

    def d_x(self, d_out: Any) -> Any:
        return d_out * self.out  # e^x is its own derivative: reuse the forward result


class Log(UnaryArrayBox):
    op = "log"

    def forward(self) -> Any:
        return namespace(self.x).log(self.x)

    def d_x(self, d_out: Any) -> Any:
        return d_out / self.x


class Sine(UnaryArrayBox):
    op = "sin"

    def forward(self) -> Any:
        return namespace(self.x).sin(self.x)

    def d_x(self, d_out: Any) -> Any:
        return d_out * namespace(self.x).cos(self.x)


class Relu(UnaryArrayBox):
    op = "relu"

    def forward(self) -> Any:
        return namespace(self.x).maximum(self.x, 0.0)

    def d_x(self, d_out: Any) -> Any:
        return namespace(self.x).where(self.x > 0, d_out, 0.0)  # slope 0 at the kink x = 0


class Sigmoid(UnaryArrayBox):
    op = "sigmoid"

    def forward(self) -> Any:
        # 1 / (1 + e^-x) overflows (and warns) for very negative x; this equal form cannot.
        self.out = 0.5 * namespace(self.x).tanh(0.5 * self.x) + 0.5
        return self.out

    def d_x(self, d_out: Any) -> Any:
        return d_out * self.out * (1.0 - self.out)


class Tanh(UnaryArrayBox):
    op = "tanh"

    def forward(self) -> Any:
        self.out = namespace(self.x).tanh(self.x)
        return self.out

    def d_x(self, d_out: Any) -> Any:
        return d_out * (1.0 - self.out * self.out)


class Sum(UnaryArrayBox):
    """Sum along `axis` (an int, a tuple, or None for all); every summed entry gets the whole
    gradient of its sum."""

    op = "sum"

    def __init__(self, x: Any, axis: Axis = None, keepdims: bool = False):
        super().__init__(x)
        self.axes = _normalize_axes(axis, x.ndim)
        self.keepdims = keepdims

    def forward(self) -> Any:
        return namespace(self.x).sum(self.x, axis=self.axes, keepdims=self.keepdims)

    def d_x(self, d_out: Any) -> Any:
        return namespace(self.x).broadcast_to(self._with_kept_axes(d_out), self.x.shape)

    def _with_kept_axes(self, d_out: Any) -> Any:
        """d_out with the summed axes put back as size 1, so it broadcasts against x."""
        if self.keepdims:
            return d_out
        kept = tuple(1 if i in self.axes else n for i, n in enumerate(self.x.shape))
        return namespace(self.x).reshape(d_out, kept)


class Mean(Sum):
    """Mean along `axis`: a sum divided by the number of entries summed."""

    op = "mean"

    def forward(self) -> Any:
        return super().forward() / self._count()

    def d_x(self, d_out: Any) -> Any:
        return super().d_x(d_out / self._count())

    def _count(self) -> int:
        return math.prod(self.x.shape[i] for i in self.axes)


class Max(Sum):
    """Largest entry along `axis`. Its gradient goes to the entries equal to the maximum, split
    equally among ties (any split summing to d_out is a valid subgradient; equal is symmetric)."""

    op = "max"

    def forward(self) -> Any:
        xp = namespace(self.x)
        self.peak = xp.max(self.x, axis=self.axes, keepdims=True)
        return self.peak if self.keepdims else xp.reshape(self.peak, _drop(self.x.shape, self.axes))

    def d_x(self, d_out: Any) -> Any:
        xp = namespace(self.x)
        winners = xp.astype(self.x == self.peak, self.x.dtype)
        ties = xp.sum(winners, axis=self.axes, keepdims=True)
        return winners * (self._with_kept_axes(d_out) / ties)


class Reshape(UnaryArrayBox):
    op = "reshape"

    def __init__(self, x: Any, shape: tuple[int, ...]):
        super().__init__(x)
        self.shape = shape

    def forward(self) -> Any:
        return namespace(self.x).reshape(self.x, self.shape)

    def d_x(self, d_out: Any) -> Any:
        return namespace(self.x).reshape(d_out, self.x.shape)


class Transpose(UnaryArrayBox):
    """Axes in reverse order (rows and columns swapped for 2-D); reversing twice undoes it."""

    op = "transpose"

    def forward(self) -> Any:
        return _reverse_axes(self.x)

    def d_x(self, d_out: Any) -> Any:
        return _reverse_axes(d_out)


def _reverse_axes(array: Any) -> Any:
    return namespace(array).permute_dims(array, tuple(reversed(range(array.ndim))))


def _drop(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _normalize_axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    """`axis` (None for all, an int, or a tuple; negatives count from the end) as sorted axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    for a in axes:
        if not isinstance(a, numbers.Integral) or not -ndim <= a < ndim:
            raise ValueError(f"axis {a!r} is out of range for a tensor with {ndim} dimension(s)")
    normalized = tuple(sorted(int(a) % ndim for a in axes))
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"axis {axis!r} names the same axis twice")
    return normalized
