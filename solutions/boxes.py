"""Chain-rule boxes: each holds its inputs, computes its output, and turns d_out into d_inputs.

A one-input box's `backward(d_out)` returns one number; a two-input box's returns a tuple, one
derivative per input. `Scalar` and `Dual` are built out of these same boxes, so each scalar
derivative of the answer key is written once, here (Tensor's array versions are in array_boxes).
"""

from __future__ import annotations

import math


class UnaryBox:
    """A function of one input x: subclasses give `forward()` and the local `derivative()`."""

    __slots__ = ("x",)
    op = "?"

    def __init__(self, x: float):
        self.x = x

    def forward(self) -> float:
        raise NotImplementedError

    def derivative(self) -> float:
        raise NotImplementedError

    def backward(self, d_out: float) -> float:
        """Chain rule for one input: d_out · f'(x)."""
        return self.derivative() * d_out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.x!r})"


class BinaryBox:
    """A function of two inputs x, y: subclasses give `forward()` and the local `derivatives()`."""

    __slots__ = ("x", "y")
    op = "?"

    def __init__(self, x: float, y: float):
        self.x = x
        self.y = y

    def forward(self) -> float:
        raise NotImplementedError

    def derivatives(self) -> tuple[float, float]:
        raise NotImplementedError

    def backward(self, d_out: float) -> tuple[float, float]:
        """Chain rule for two inputs: (d_out · ∂f/∂x, d_out · ∂f/∂y)."""
        dx, dy = self.derivatives()
        return dx * d_out, dy * d_out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.x!r}, {self.y!r})"


class Square(UnaryBox):
    op = "square"

    def forward(self) -> float:
        return self.x * self.x

    def derivative(self) -> float:
        return 2 * self.x


class Sine(UnaryBox):
    op = "sin"

    def forward(self) -> float:
        return math.sin(self.x)

    def derivative(self) -> float:
        return math.cos(self.x)


class Cosine(UnaryBox):
    op = "cos"

    def forward(self) -> float:
        return math.cos(self.x)

    def derivative(self) -> float:
        return -math.sin(self.x)


class Log(UnaryBox):
    op = "log"

    def __init__(self, x: float):
        if x <= 0:
            raise ValueError(f"log needs a positive input, got {x!r}: shift the input or use log(|x| + c)")
        super().__init__(x)

    def forward(self) -> float:
        return math.log(self.x)

    def derivative(self) -> float:
        return 1 / self.x


class Exp(UnaryBox):
    op = "exp"

    def forward(self) -> float:
        return math.exp(self.x)

    def derivative(self) -> float:
        return math.exp(self.x)


class Neg(UnaryBox):
    op = "neg"

    def forward(self) -> float:
        return -self.x

    def derivative(self) -> float:
        return -1.0


class Relu(UnaryBox):
    op = "relu"

    def forward(self) -> float:
        return self.x if self.x > 0 else 0.0

    def derivative(self) -> float:
        return 1.0 if self.x > 0 else 0.0


class Sigmoid(UnaryBox):
    op = "sigmoid"

    def forward(self) -> float:
        # Two forms, so that exp never overflows for large |x|.
        if self.x >= 0:
            return 1 / (1 + math.exp(-self.x))
        e = math.exp(self.x)
        return e / (1 + e)

    def derivative(self) -> float:
        s = self.forward()
        return s * (1 - s)


class Tanh(UnaryBox):
    op = "tanh"

    def forward(self) -> float:
        return math.tanh(self.x)

    def derivative(self) -> float:
        return 1 - math.tanh(self.x) ** 2


class Pow(UnaryBox):
    """x ** n for a fixed number n (the exponent is a constant, not an input)."""

    __slots__ = ("n",)
    op = "pow"

    def __init__(self, x: float, n: float):
        if x < 0 and n != int(n):
            raise ValueError(f"{x!r} ** {n!r} is not a real number: a fractional power needs x >= 0")
        super().__init__(x)
        self.n = n

    def forward(self) -> float:
        return self.x**self.n

    def derivative(self) -> float:
        return self.n * self.x ** (self.n - 1)

    def __repr__(self) -> str:
        return f"Pow({self.x!r}, {self.n!r})"


class Add(BinaryBox):
    op = "add"

    def forward(self) -> float:
        return self.x + self.y

    def derivatives(self) -> tuple[float, float]:
        return 1.0, 1.0


class Sub(BinaryBox):
    op = "sub"

    def forward(self) -> float:
        return self.x - self.y

    def derivatives(self) -> tuple[float, float]:
        return 1.0, -1.0


class Mul(BinaryBox):
    op = "mul"

    def forward(self) -> float:
        return self.x * self.y

    def derivatives(self) -> tuple[float, float]:
        return self.y, self.x


class Div(BinaryBox):
    op = "div"

    def __init__(self, x: float, y: float):
        if y == 0:
            raise ZeroDivisionError(f"division by zero: {x!r} / 0 has no value and no derivative")
        super().__init__(x, y)

    def forward(self) -> float:
        return self.x / self.y

    def derivatives(self) -> tuple[float, float]:
        # ∂(x/y)/∂y is −x/y², not x: the mistake the seeds' table makes.
        return 1 / self.y, -self.x / (self.y * self.y)
