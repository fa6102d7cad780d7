"""Checking a Tensor's backward against central differences, a few entries at a time (CS231n style)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .numerical import relative_error
from .tensor import Tensor


def tensor_grad_check(
    f: Callable[..., Tensor],
    *tensors: Tensor,
    n_indices: int = 5,
    epsilon: float = 1e-6,
    seed: int = 0,
) -> float:
    """The worst relative error between backward's gradient and a central difference, over
    `n_indices` random entries of each input (all entries of a smaller one).

    f maps the tensors to a Tensor. A non-scalar output is checked through sum(f(...) · w) for a
    fixed random w, so every output entry takes part. The inputs are left untouched: backward runs
    on new Tensors over the same arrays, and each nudge is made in a new array. In float64, a correct gradient gives about 1e-7 or less; a wrong one
    gives something near 1.
    """
    if not tensors or not all(isinstance(t, Tensor) for t in tensors):
        raise TypeError(f"tensor_grad_check checks Tensors, got {[type(t).__name__ for t in tensors]}")
    if n_indices < 1 or epsilon <= 0:
        raise ValueError(f"need n_indices >= 1 and epsilon > 0, got n_indices={n_indices}, epsilon={epsilon}")
    rng = np.random.default_rng(seed)
    inputs = [Tensor(t.data, device=t.device, requires_grad=True) for t in tensors]
    out = _output(f, inputs)
    weights = out._xp.asarray(rng.standard_normal(out.shape), dtype=out.dtype)
    out.backward(weights)

    worst = 0.0
    for k, tensor in enumerate(inputs):
        size = math.prod(tensor.shape)
        grad = tensor.grad if tensor.grad is not None else tensor._xp.zeros_like(tensor.data)
        analytic = tensor._xp.reshape(grad, (-1,))
        for i in map(int, rng.choice(size, size=min(n_indices, size), replace=False)):
            upper = _weighted_output(f, inputs, k, i, epsilon, weights)
            lower = _weighted_output(f, inputs, k, i, -epsilon, weights)
            worst = max(worst, relative_error(float(analytic[i]), (upper - lower) / (2 * epsilon)))
    return worst


def _output(f: Callable[..., Tensor], inputs: Sequence[Tensor]) -> Tensor:
    out = f(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(f"tensor_grad_check needs f to return a Tensor, got {type(out).__name__}")
    return out


def _weighted_output(
    f: Callable[..., Tensor], inputs: Sequence[Tensor], k: int, i: int, delta: float, weights: Any
) -> float:
    """sum(f(...) · weights) with entry i (in flat order) of input k moved by delta."""
    tensor = inputs[k]
    xp = tensor._xp
    bump = xp.zeros_like(xp.reshape(tensor.data, (-1,)))
    bump[i] = delta
    moved = Tensor(tensor.data + xp.reshape(bump, tensor.shape), device=tensor.device, requires_grad=False)
    shifted = [moved if j == k else t for j, t in enumerate(inputs)]
    return float(xp.sum(_output(f, shifted).data * weights))
