"""The operations Scalar and Tensor share, in one table that the tests of both parametrize over:
an op added here is asked of both engines, against the same sympy formula."""

import sympy as sp

X, Y = sp.symbols("x y")

# name: (the op, written once for a Scalar or a Tensor, the same in sympy, where its inputs keep it
# smooth: "any", "positive" or "nonzero", which also keeps relu off its kink)
UNARY = {
    "neg": (lambda a: -a, -X, "any"),
    "log": (lambda a: a.log(), sp.log(X), "positive"),
    "exp": (lambda a: a.exp(), sp.exp(X), "any"),
    "sin": (lambda a: a.sin(), sp.sin(X), "any"),
    "relu": (lambda a: a.relu(), sp.Max(X, 0), "nonzero"),
    "sigmoid": (lambda a: a.sigmoid(), 1 / (1 + sp.exp(-X)), "any"),
    "tanh": (lambda a: a.tanh(), sp.tanh(X), "any"),
    "square": (lambda a: a**2, X**2, "any"),
    "cube": (lambda a: a**3, X**3, "any"),
    "sqrt": (lambda a: a**0.5, sp.sqrt(X), "positive"),
    "reciprocal": (lambda a: a**-1, 1 / X, "nonzero"),
}
# name: (the op on two inputs, the same in sympy, where both inputs keep it smooth)
BINARY = {
    "add": (lambda a, b: a + b, X + Y, "any"),
    "sub": (lambda a, b: a - b, X - Y, "any"),
    "mul": (lambda a, b: a * b, X * Y, "any"),
    "div": (lambda a, b: a / b, X / Y, "nonzero"),
}
