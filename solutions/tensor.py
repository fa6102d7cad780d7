"""`Tensor`: a whole array that remembers how it was computed, so gradients flow back through arrays.

Written once against the array API (array_api_compat), so the same code runs on numpy, cupy and
array_api_strict. Each operation is an array box (solutions.array_boxes), as each Scalar operation
is a box of solutions.boxes.
"""

from __future__ import annotations

import math
import numbers
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np

from .array_boxes import (
    Add,
    Axis,
    BinaryArrayBox,
    Div,
    Exp,
    Log,
    MatMul,
    Max,
    Mean,
    Mul,
    Neg,
    Pow,
    Relu,
    Reshape,
    Sigmoid,
    Sine,
    Sub,
    Sum,
    Tanh,
    Transpose,
    UnaryArrayBox,
    broadcast_shape,
)
from .devices import check_device, device_of, namespace, to_device, to_numpy
from .graph import backward_steps, creation_order, topological_sort


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
    memory with one another, so treat them as read-only.

    As in PyTorch, a tensor made from data wants no gradient (requires_grad=False): an input batch
    or its labels never get one, and backward() does not compute it. Make parameters with
    requires_grad=True; a result wants a gradient when any of its inputs does.
    """

    __slots__ = ("data", "grad", "parents", "op", "box", "requires_grad", "device", "_xp", "created")
    __array_ufunc__ = None  # numpy hands `ndarray + Tensor` to Tensor.__radd__ instead of looping

    def __init__(self, data: Any, device: str = "cpu", requires_grad: bool = False):
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
        self.created = next(creation_order)

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
        out.created = next(creation_order)
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
        """Add ∂self/∂t · grad to the .grad of every tensor t this one depends on that wants a
        gradient (accumulating).

        `grad` defaults to 1 for a one-element tensor such as a loss; any other tensor needs a
        gradient of its own shape, since "the derivative of an array" needs a direction.
        """
        if not self.requires_grad:
            raise ValueError(
                "backward() on a tensor that wants no gradient: none of the tensors it was computed "
                "from was made with requires_grad=True (make the parameters with Tensor(..., requires_grad=True))"
            )
        for node, d_node in backward_steps(self, self._seed_gradient(grad)):
            node.grad = _array(node._xp, d_node if node.grad is None else node.grad + d_node)

    def gradient_pieces(self, d_out: Any) -> list[Any]:
        """What this tensor sends each parent in the backward walk: the parent's gradient, or None
        for a parent that wants none (so a data batch's gradient is never computed)."""
        if self.box is None:
            return []
        return [
            gradient_of(d_out) if parent.requires_grad else None
            for parent, gradient_of in zip(self.parents, self.box.input_gradients())
        ]

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
