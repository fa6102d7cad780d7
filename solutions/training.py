"""Notebook 07's answer key: a linear layer and its gradients, softmax cross-entropy, and the SGD training loop.

Written with the reference `Tensor` of solutions.tensor on plain numpy arrays; the hidden tests of
notebook 07 compare the learner's recorded results with these.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .tensor import Tensor


def linear(x: Tensor, weights: Tensor, bias: Tensor) -> Tensor:
    """A fully connected layer: every output is a weighted sum of the inputs plus its bias."""
    return x @ weights + bias


def linear_gradients(x: np.ndarray, weights: np.ndarray, grad: np.ndarray) -> tuple[np.ndarray, ...]:
    """∂/∂x, ∂/∂W and ∂/∂b of sum(grad ⊙ (x @ W + b)): the bias's is summed over the batch."""
    return grad @ weights.T, x.T @ grad, grad.sum(axis=0)


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """log p for each row, shifted by the row's maximum first so that exp never overflows."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """The mean over the batch of −log p(label), and its gradient with respect to the logits."""
    n = logits.shape[0]
    log_p = log_softmax(logits)
    picked = np.zeros_like(logits)
    picked[np.arange(n), labels] = 1.0
    return float(-(log_p * picked).sum() / n), (np.exp(log_p) - picked) / n


def forward(model: Sequence[tuple[Tensor, Tensor]], x: Tensor) -> Tensor:
    """Linear layers with relu between them; the last layer's outputs are the logits."""
    for weights, bias in model[:-1]:
        x = linear(x, weights, bias).relu()
    return linear(x, *model[-1])


def train(model: Sequence[tuple[Tensor, Tensor]], images: np.ndarray, labels: np.ndarray, steps: int,
          batch_size: int, rate: float, seed: int = 0, zero_gradients: bool = True) -> list[float]:
    """Mini-batch SGD on the mean cross-entropy: each step's loss (zero_gradients=False is the classic bug)."""
    rng = np.random.default_rng(seed)
    params = [p for layer in model for p in layer]
    losses = []
    for _ in range(steps):
        batch = rng.choice(len(images), size=batch_size, replace=False)
        logits = forward(model, Tensor(images[batch], requires_grad=False))
        loss, grad = cross_entropy(logits.numpy(), labels[batch])
        if zero_gradients:
            for p in params:
                p.grad = None
        logits.backward(grad)
        for p in params:
            p.data = p.data - rate * p.grad
        losses.append(loss)
    return losses
