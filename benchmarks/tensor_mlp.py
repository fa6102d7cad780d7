"""One MLP training step (forward, softmax cross-entropy, backward) with Tensor, against hand-written
numpy and, if it is installed, torch on the CPU.

Batch 256, 784 -> 256 -> 10 with ReLU, float64, same seed and data for all. The Tensor step is
written the plain way: the input batch and labels are tensors made from data (no gradient wanted,
PyTorch's default), the weights are made with requires_grad=True. The script checks that every
version gives the same loss and gradients (to 1e-10), then times them in alternating rounds and
prints the median wall-clock and CPU time of each, and the medians of the paired ratios.
Goals: Tensor at most 1.3x the hand-written step, and no slower than torch.

    .venv/bin/python benchmarks/tensor_mlp.py [--repeats N]

BLAS runs with the threads numpy gives it by default, as a user's session would. To see the
single-thread figures, pin it in the environment, labelled as such in the output:
OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/tensor_mlp.py (torch then gets one thread too).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

import numpy as np

from solutions import Tensor

BATCH, INPUTS, HIDDEN, CLASSES = 256, 784, 256, 10
PARAMETERS = ("w1", "b1", "w2", "b2")
Step = Callable[[dict[str, np.ndarray]], tuple[float, dict[str, np.ndarray]]]


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
    x, onehot = Tensor(p["x"]), Tensor(p["onehot"])
    params = {name: Tensor(p[name], requires_grad=True) for name in PARAMETERS}
    hidden = (x @ params["w1"] + params["b1"]).relu()
    loss = cross_entropy(hidden @ params["w2"] + params["b2"], onehot)
    loss.backward()
    return float(loss.data), {name: t.grad for name, t in params.items()}


def torch_step_or_none() -> Step | None:
    """The step in torch on the CPU, written the way its tutorials do, or None if torch is missing."""
    try:
        import torch
    except ImportError:
        return None
    functional = torch.nn.functional

    def torch_step(p: dict[str, np.ndarray]) -> tuple[float, dict[str, np.ndarray]]:
        x, labels = torch.from_numpy(p["x"]), torch.from_numpy(p["onehot"].argmax(axis=1))
        params = {name: torch.tensor(p[name], requires_grad=True) for name in PARAMETERS}
        hidden = functional.relu(x @ params["w1"] + params["b1"])
        loss = functional.cross_entropy(hidden @ params["w2"] + params["b2"], labels)
        loss.backward()
        return loss.item(), {name: t.grad.numpy() for name, t in params.items()}

    return torch_step


def seconds(step: Step, problem: dict[str, np.ndarray]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one step (CPU time leaves out waiting for a busy core)."""
    wall, cpu = time.perf_counter(), time.process_time()
    step(problem)
    return time.perf_counter() - wall, time.process_time() - cpu


def rounds(steps: dict[str, Step], problem: dict[str, np.ndarray], repeats: int) -> dict[str, list[tuple[float, float]]]:
    """Times of every step, run back to back in a rotating order, so that load from other processes
    and cache warmth fall on all of them alike."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in steps}
    names = list(steps)
    for i in range(repeats):
        for name in names[i % len(names):] + names[: i % len(names)]:
            times[name].append(seconds(steps[name], problem))
    return times


def check_same(steps: dict[str, Step], problem: dict[str, np.ndarray]) -> None:
    """Every step must agree with the hand-written one before their times mean anything."""
    loss_np, grads_np = numpy_step(problem)
    for name, step in steps.items():
        loss, grads = step(problem)
        assert abs(loss_np - loss) <= 1e-10, (name, loss_np, loss)
        for key, grad in grads_np.items():
            difference = float(np.max(np.abs(grad - np.asarray(grads[key]))))
            assert difference <= 1e-10, f"{name}: gradient of {key} differs by {difference:.3g}"
    print(f"loss {loss_np:.12f}; {', '.join(steps)} agree on the loss and all four gradients to 1e-10")


def paired_ratio(times: dict[str, list[tuple[float, float]]], name: str, baseline: str, kind: int) -> float:
    return statistics.median(t[kind] / b[kind] for t, b in zip(times[name], times[baseline]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200, help="timed rounds (median taken)")
    args = parser.parse_args()
    steps: dict[str, Step] = {"numpy": numpy_step, "Tensor": tensor_step}
    torch_step = torch_step_or_none()
    if torch_step is None:
        print("note: torch is not installed, so the torch comparison is skipped (pip install torch to add it)")
    else:
        steps["torch"] = torch_step
    problem = make_problem()
    check_same(steps, problem)
    rounds(steps, problem, 5)  # warm-up: first-call costs are not the steady state
    times = rounds(steps, problem, args.repeats)
    threads = os.environ.get("OPENBLAS_NUM_THREADS")
    setting = f"PINNED by OPENBLAS_NUM_THREADS={threads}" if threads else f"numpy's default ({os.cpu_count()} cores)"
    print(f"BLAS threads: {setting}; {args.repeats} rounds; medians")
    print(f"{'':24} {'wall ms':>9} {'CPU ms':>9}")
    for name in steps:
        wall, cpu = (statistics.median(t[kind] for t in times[name]) for kind in (0, 1))
        print(f"{name + ' step':24} {wall * 1e3:9.3f} {cpu * 1e3:9.3f}")
    for baseline, goal in (("numpy", "goal <= 1.3"), ("torch", "goal <= 1.0")):
        if baseline in steps:
            wall, cpu = (paired_ratio(times, "Tensor", baseline, kind) for kind in (0, 1))
            print(f"{'ratio Tensor / ' + baseline:24} {wall:9.3f} {cpu:9.3f}  (median of paired ratios; {goal})")


if __name__ == "__main__":
    main()
