"""`Tensor`: a whole array that remembers how it was computed, so gradients flow back through arrays.

Written once against the array API (array_api_compat), so the same code runs on numpy, cupy and
array_api_strict. Each operation is an array box in the style of solutions.boxes: the constructor
takes the input arrays, `forward()` gives the output, and `d_x(d_out)` (and `d_y` for a second
input) turns the output's gradient into that input's gradient, already summed back to its shape.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from .devices import check_device, device_of, namespace, to_device, to_numpy
from .graph import topological_sort

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

    Call forward() before backward(): some boxes (exp, sigmoid, tanh) reuse its result.
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


# ----- turning user data into backend arrays -------------------------------------------------------


def _as_real_array(data: Any) -> Any:
    """`data` as a real floating-point array (integers and booleans become float64), or a clear error."""
    if isinstance(data, Tensor):
        data = data.data
    given = data
    if not array_api_compat.is_array_api_obj(data):
        try:
            data = np.asarray(data)
        except ValueError as error:
            raise ValueError(
                f"Tensor data must be rectangular, and {data!r:.80} is a ragged nested list "
                f"(rows of different lengths): {error}"
            ) from error
    xp = namespace(data)
    if xp.isdtype(data.dtype, "real floating"):
        return data
    if xp.isdtype(data.dtype, ("integral", "bool")):
        return xp.astype(data, xp.float64)
    raise TypeError(
        f"Tensor needs real numbers, got {given!r:.80} (dtype {data.dtype}); "
        "pass numbers, nested lists of numbers or a numeric array"
    )


def _array(xp: ModuleType, value: Any) -> Any:
    """`value` itself, unless numpy turned a 0-d result into a numpy scalar: then a 0-d array again."""
    return value if value.ndim else xp.asarray(value)


# ----- the tensor ---------------------------------------------------------------------------------


class Tensor:
    """An array plus its place in a computation graph, on the CPU (numpy) or a GPU (cupy).

    `data` is the backend array (floating point; lists and integers become float64). An
    array_api_strict or cupy array stays one through every operation and gradient. `grad` is None
    until backward() reaches this tensor, then an array of data's shape; gradients may share
    memory with one another, so treat them as read-only. Tensors made with requires_grad=False
    (and the plain numbers and arrays an operation lifts into the graph) never receive one.
    """

    __slots__ = ("data", "grad", "parents", "op", "box", "requires_grad", "device", "_xp")
    __array_ufunc__ = None  # numpy hands `ndarray + Tensor` to Tensor.__radd__ instead of looping

    def __init__(self, data: Any, device: str = "cpu", requires_grad: bool = True):
        array = to_device(_as_real_array(data), check_device(device))
        self._become_leaf(array, requires_grad)

    def _become_leaf(self, array: Any, requires_grad: bool) -> None:
        xp = namespace(array)
        self.data = _array(xp, array)
        self.grad = None
        self.parents: tuple[Tensor, ...] = ()
        self.op = ""
        self.box: UnaryArrayBox | BinaryArrayBox | None = None
        self.requires_grad = bool(requires_grad)
        self.device = device_of(array)
        self._xp = xp

    @classmethod
    def _apply(cls, box_type: type, *parents: Tensor, **constants: Any) -> Tensor:
        """The tensor that `box_type` makes from `parents` (constants, like an axis, by keyword)."""
        box = box_type(*(p.data for p in parents), **constants)
        first = parents[0]
        out = cls.__new__(cls)
        out.data = _array(first._xp, box.forward())
        out.grad = None
        out.parents = parents
        out.op = box.op
        out.box = box
        out.requires_grad = any(p.requires_grad for p in parents)
        out.device = first.device
        out._xp = first._xp
        return out

    def _lift(self, other: Any) -> Tensor:
        """Another operand as a Tensor: numbers and arrays become constants on this tensor's backend
        (a Python number takes this tensor's dtype, as the array API's weak scalars do)."""
        if isinstance(other, Tensor):
            return other
        dtype = self.data.dtype if isinstance(other, numbers.Real) else None
        array = to_device(_as_real_array(other), self.device)
        constant = Tensor.__new__(Tensor)
        constant._become_leaf(self._xp.asarray(array, dtype=dtype), requires_grad=False)
        return constant

    # --- attributes ---

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> Any:
        return self.data.dtype

    @property
    def T(self) -> Tensor:
        """Axes reversed (the transpose of a matrix)."""
        return Tensor._apply(Transpose, self)

    # --- arithmetic, broadcasting like numpy ---

    def __add__(self, other: Any) -> Tensor:
        return _elementwise(Add, self, self._lift(other))

    def __radd__(self, other: Any) -> Tensor:
        return _elementwise(Add, self._lift(other), self)

    def __sub__(self, other: Any) -> Tensor:
        return _elementwise(Sub, self, self._lift(other))

    def __rsub__(self, other: Any) -> Tensor:
        return _elementwise(Sub, self._lift(other), self)

    def __mul__(self, other: Any) -> Tensor:
        return _elementwise(Mul, self, self._lift(other))

    def __rmul__(self, other: Any) -> Tensor:
        return _elementwise(Mul, self._lift(other), self)

    def __truediv__(self, other: Any) -> Tensor:
        return _elementwise(Div, self, self._lift(other))

    def __rtruediv__(self, other: Any) -> Tensor:
        return _elementwise(Div, self._lift(other), self)

    def __matmul__(self, other: Any) -> Tensor:
        return _matmul(self, self._lift(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return _matmul(self._lift(other), self)

    def __pow__(self, n: float) -> Tensor:
        if isinstance(n, Tensor) or not isinstance(n, numbers.Real):
            raise TypeError(
                f"Tensor ** takes a plain number as exponent, got {type(n).__name__}; "
                "for a tensor exponent write (n * x.log()).exp()"
            )
        return Tensor._apply(Pow, self, n=n)

    def __neg__(self) -> Tensor:
        return Tensor._apply(Neg, self)

    # --- elementwise functions ---

    def exp(self) -> Tensor:
        return Tensor._apply(Exp, self)

    def log(self) -> Tensor:
        return Tensor._apply(Log, self)

    def sin(self) -> Tensor:
        return Tensor._apply(Sine, self)

    def relu(self) -> Tensor:
        return Tensor._apply(Relu, self)

    def sigmoid(self) -> Tensor:
        return Tensor._apply(Sigmoid, self)

    def tanh(self) -> Tensor:
        return Tensor._apply(Tanh, self)

    # --- reductions and shape ---

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Sum along `axis` (an int, a tuple, or None for every axis), keeping them as size 1 if asked."""
        return Tensor._apply(Sum, self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Mean along `axis`, with the same `axis` and `keepdims` as sum()."""
        return Tensor._apply(Mean, self, axis=axis, keepdims=keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Largest entry along `axis`; the gradient is shared equally among tied maxima."""
        return Tensor._apply(Max, self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: int | tuple[int, ...]) -> Tensor:
        """The same entries in a new shape: t.reshape(2, 3) or t.reshape((2, 3)); one size may be -1."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return Tensor._apply(Reshape, self, shape=shape)

    # --- gradients ---

    def backward(self, grad: Any = None) -> None:
        """Add ∂self/∂t · grad to the .grad of every tensor t this one depends on (accumulating).

        `grad` defaults to 1 for a one-element tensor such as a loss; any other tensor needs a
        gradient of its own shape, since "the derivative of an array" needs a direction.
        """
        incoming = {id(self): self._seed_gradient(grad)}
        for node in topological_sort(self):
            d_node = incoming.pop(id(node), None)
            if d_node is None:  # needs no gradient, or no path from self reaches it
                continue
            node.grad = _array(node._xp, d_node if node.grad is None else node.grad + d_node)
            if node.box is None:
                continue
            for parent, gradient_of in zip(node.parents, node.box.input_gradients()):
                if parent.requires_grad:
                    d_parent = gradient_of(d_node)
                    key = id(parent)
                    incoming[key] = d_parent if key not in incoming else incoming[key] + d_parent

    def _seed_gradient(self, grad: Any) -> Any:
        """The gradient backward() starts from, checked against this tensor's shape."""
        if grad is None:
            if math.prod(self.shape) != 1:
                raise ValueError(
                    f"backward() without a gradient needs a one-element tensor (a loss), but this one "
                    f"has shape {self.shape}: reduce it first (e.g. .sum()) or pass grad=, an array "
                    "of that shape"
                )
            return self._xp.ones_like(self.data)
        seed = self._xp.asarray(self._lift(grad).data, copy=True)  # later edits to `grad` stay out
        if tuple(seed.shape) != self.shape:
            raise ValueError(
                f"backward(grad) needs a gradient of the tensor's shape {self.shape}, got shape "
                f"{tuple(seed.shape)}"
            )
        return seed

    def zero_grad(self) -> None:
        """Forget the gradient of this tensor and of every tensor it depends on (back to None)."""
        for node in topological_sort(self):
            node.grad = None

    # --- devices ---

    def to(self, device: str) -> Tensor:
        """This tensor on `device`: itself if it is there already, else a new leaf holding a copy."""
        if check_device(device) == self.device:
            return self
        return Tensor(self.data, device=device, requires_grad=self.requires_grad)

    def numpy(self) -> np.ndarray:
        """The values as a numpy array (copied from the GPU if need be)."""
        return to_numpy(self.data)

    def __repr__(self) -> str:
        op = f", op={self.op!r}" if self.op else ""
        return f"Tensor(shape={self.shape}, dtype={self.dtype}, device={self.device!r}{op})"


def _same_backend(a: Tensor, b: Tensor) -> None:
    if a._xp is not b._xp:
        raise ValueError(
            f"cannot combine a tensor on {a.device} ({a._xp.__name__}) with one on {b.device} "
            f"({b._xp.__name__}): move one with .to(device) first"
        )


def _elementwise(box_type: type, a: Tensor, b: Tensor) -> Tensor:
    """A broadcasting binary operation, after checking the two shapes fit together."""
    _same_backend(a, b)
    if a.shape != b.shape:
        broadcast_shape(a.shape, b.shape)
    return Tensor._apply(box_type, a, b)


def _matmul(a: Tensor, b: Tensor) -> Tensor:
    """a @ b for 1-D or 2-D tensors: a vector is reshaped to a one-row (or one-column) matrix and
    back, through graph operations, so MatMul itself only ever sees matrices."""
    _same_backend(a, b)
    if not (1 <= a.ndim <= 2 and 1 <= b.ndim <= 2):
        raise ValueError(f"@ takes 1-D or 2-D tensors, got shapes {a.shape} and {b.shape}")
    if a.shape[-1] != b.shape[0]:
        raise ValueError(
            f"@ cannot multiply shapes {a.shape} and {b.shape}: the left has {a.shape[-1]} "
            f"column(s), the right {b.shape[0]} row(s)"
        )
    if a.ndim == 2 and b.ndim == 2:
        return Tensor._apply(MatMul, a, b)
    rows = a.reshape(1, -1) if a.ndim == 1 else a
    columns = b.reshape(-1, 1) if b.ndim == 1 else b
    return Tensor._apply(MatMul, rows, columns).reshape(a.shape[:-1] + b.shape[1:])
