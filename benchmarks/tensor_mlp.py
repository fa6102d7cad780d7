"""One MLP training step (forward, softmax cross-entropy, backward) with Tensor against hand-written numpy.

Batch 256, 784 -> 256 -> 10 with ReLU, float64, same seed and data for both. Checks that both give
the same loss and gradients (to 1e-10), then times them in alternating pairs and prints the median
wall-clock and CPU time of each, and the median of the paired ratios.
Goal: Tensor at most 1.3x the hand-written step.

    .venv/bin/python benchmarks/tensor_mlp.py [--repeats N]

BLAS runs on one thread unless OPENBLAS_NUM_THREADS says otherwise: on a small machine shared with
other work, threaded BLAS times swing several-fold from one step to the next, which swamps the
difference being measured. With one thread the matrix products take longer, so Tensor's fixed
Python cost is a smaller share of the step: on a quiet machine, OPENBLAS_NUM_THREADS=2 is the
harder test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads OpenBLAS

import numpy as np

from solutions import Tensor

BATCH, INPUTS, HIDDEN, CLASSES = 256, 784, 256, 10


def make_problem(seed: int = 0) -> dict[str, np.ndarray]:
    """Random inputs, labels (as one-hot rows) and He-initialised weights."""
    rng = np.random.default_rng(seed)
    return {
        "x": rng.standard_normal((BATCH, INPUTS)),
        "onehot": np.eye(CLASSES)[rng.integers(0, CLASSES, BATCH)],
        "w1": rng.standard_normal((INPUTS, HIDDEN)) * np.sqrt(2 / INPUTS),
        "b1": np.zeros(HIDDEN),
        "w2": rng.standard_normal((HIDDEN, CLASSES)) * np.sqrt(2 / HIDDEN),
        "b2": np.zeros(CLASSES),
    }


def numpy_step(p: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
    """The step written out by hand: forward, loss, and each gradient from its formula."""
    pre = p["x"] @ p["w1"] + p["b1"]
    hidden = np.maximum(pre, 0.0)
    logits = hidden @ p["w2"] + p["b2"]
    shifted = logits - logits.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    sums = exps.sum(axis=1, keepdims=True)
    log_probs = shifted - np.log(sums)
    loss = -(log_probs * p["onehot"]).sum() / BATCH

    d_logits = (exps / sums - p["onehot"]) / BATCH
    d_hidden = d_logits @ p["w2"].T
    d_pre = np.where(pre > 0, d_hidden, 0.0)
    grads = {
        "w2": hidden.T @ d_logits,
        "b2": d_logits.sum(axis=0),
        "w1": p["x"].T @ d_pre,
        "b1": d_pre.sum(axis=0),
    }
    return float(loss), grads


def cross_entropy(logits: Tensor, onehot: Tensor) -> Tensor:
    """Mean softmax cross-entropy, with log-softmax built from Tensor ops (max-shifted for stability)."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
    return -(log_probs * onehot).sum() / logits.shape[0]


def tensor_step(p: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
    """The same step with Tensor: write the forward pass, let backward() find the gradients."""
    x = Tensor(p["x"], requires_grad=False)
    onehot = Tensor(p["onehot"], requires_grad=False)
    params = {name: Tensor(p[name]) for name in ("w1", "b1", "w2", "b2")}
    hidden = (x @ params["w1"] + params["b1"]).relu()
    loss = cross_entropy(hidden @ params["w2"] + params["b2"], onehot)
    loss.backward()
    return float(loss.data), {name: t.grad for name, t in params.items()}


def seconds(step: Callable, problem: dict[str, np.ndarray]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one step (CPU time leaves out waiting for a busy core)."""
    wall, cpu = time.perf_counter(), time.process_time()
    step(problem)
    return time.perf_counter() - wall, time.process_time() - cpu


def paired_times(problem: dict[str, np.ndarray], repeats: int) -> dict[str, list[tuple[float, float]]]:
    """Times of both steps, run back to back and in alternating order, so that load from other
    processes and cache warmth fall on both alike."""
    times: dict[str, list[tuple[float, float]]] = {"numpy": [], "Tensor": []}
    for i in range(repeats):
        order = (tensor_step, numpy_step) if i % 2 else (numpy_step, tensor_step)
        for step in order:
            times["Tensor" if step is tensor_step else "numpy"].append(seconds(step, problem))
    return times


def check_same(problem: dict[str, np.ndarray]) -> None:
    """Both steps must agree before their times mean anything."""
    loss_np, grads_np = numpy_step(problem)
    loss_t, grads_t = tensor_step(problem)
    assert abs(loss_np - loss_t) <= 1e-10, (loss_np, loss_t)
    for name, grad in grads_np.items():
        difference = float(np.max(np.abs(grad - np.asarray(grads_t[name]))))
        assert difference <= 1e-10, f"gradient of {name} differs by {difference:.3g}"
    print(f"loss {loss_np:.12f}; loss and all four gradients agree to 1e-10")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200, help="timed steps per version (median taken)")
    args = parser.parse_args()
    problem = make_problem()
    check_same(problem)
    paired_times(problem, 5)  # warm-up: first-call costs are not the steady state
    times = paired_times(problem, args.repeats)
    print(f"BLAS threads: {os.environ.get('OPENBLAS_NUM_THREADS')}; {args.repeats} paired repeats; medians")
    print(f"{'':24} {'wall ms':>9} {'CPU ms':>9}")
    for name, label in (("numpy", "hand-written numpy step"), ("Tensor", "Tensor step")):
        wall, cpu = (statistics.median(t[kind] for t in times[name]) for kind in (0, 1))
        print(f"{label:24} {wall * 1e3:9.3f} {cpu * 1e3:9.3f}")
    ratios = [
        statistics.median(t[kind] / n[kind] for n, t in zip(times["numpy"], times["Tensor"])) for kind in (0, 1)
    ]
    print(f"{'ratio Tensor / numpy':24} {ratios[0]:9.3f} {ratios[1]:9.3f}  (median of paired ratios; goal <= 1.3)")

if __name__ == "__main__":
    main()
