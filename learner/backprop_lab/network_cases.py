"""Notebook 07's hidden tests, kernel side: run the learner's network pieces on seeded inputs and record.

Every piece is run with the notebook's own Tensor and the learner's own layer and `parameters`, so
any design (a class or a function for the layer, a list or a tuple of parameters) records alike.
The grader draws the same inputs from the same seeds and judges the records against the answer key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .recording import call_quietly, converted, error_outcome
from .seeding import seeded_rng

LINEAR_SHAPES = ((5, 3, 4), (2, 6, 1), (7, 2, 9))
"""(inputs, outputs, batch size) of each layer the hidden test builds and runs."""

CROSS_ENTROPY_CASES = ((4, 3, 1.0, 0.0), (6, 10, 3.0, 0.0), (5, 4, 1.0, 1000.0), (3, 5, 400.0, 0.0))
"""(batch, classes, spread, offset) of the logits: the last two overflow exp without the max shift."""

SGD_SHAPES, SGD_RATE = ((3, 2), (2,), (4,)), 0.1


@dataclass(frozen=True)
class TrainingRun:
    """One call of the learner's train() on the synthetic data, from the fixed starting model."""

    steps: int
    batch_size: int
    rate: float


TRAINING_RUNS = (TrainingRun(steps=25, batch_size=96, rate=0.5), TrainingRun(steps=60, batch_size=12, rate=0.3))
LAYER_SIZES = (12, 8, 4)
"""Inputs, hidden units and classes of the small network the training test trains."""


def linear_inputs(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per layer shape: the input batch x and the gradient that arrives at the layer's output."""
    rng = seeded_rng(seed)
    return [(rng.normal(size=(batch, n_in)), rng.normal(size=(batch, n_out))) for n_in, n_out, batch in LINEAR_SHAPES]


def cross_entropy_inputs(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per case: logits (batch, classes) and integer labels."""
    rng = seeded_rng(seed)
    return [(spread * rng.normal(size=(n, classes)) + offset, rng.integers(0, classes, size=n))
            for n, classes, spread, offset in CROSS_ENTROPY_CASES]


def sgd_inputs(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per parameter: its data and its gradient before the step."""
    rng = seeded_rng(seed)
    return [(rng.normal(size=shape), rng.normal(size=shape)) for shape in SGD_SHAPES]


def training_data(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """96 random points labelled by a random linear teacher: learnable, and cheap to train on."""
    rng = seeded_rng(seed)
    images = rng.normal(size=(96, LAYER_SIZES[0]))
    return images, np.argmax(images @ rng.normal(size=(LAYER_SIZES[0], LAYER_SIZES[-1])), axis=1)


def starting_model(seed: int) -> list[np.ndarray]:
    """The fixed starting parameters W1, b1, W2, b2 (every shape distinct, so they are found by shape)."""
    rng = seeded_rng(seed + 1)
    sizes = list(zip(LAYER_SIZES[:-1], LAYER_SIZES[1:]))
    return [array for n_in, n_out in sizes
            for array in (rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_in, n_out)), np.zeros(n_out))]


def _starting_array(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """The fixed starting value of the parameter of this shape (a bias may be (n,) or (1, n))."""
    for array in starting_model(seed):
        if array.shape == shape or array.ndim == 1 and shape == (1, array.size):
            return array.reshape(shape).copy()
    known = ", ".join(str(array.shape) for array in starting_model(seed))
    raise ValueError(f"the test network's parameters have shapes {known}, "
                     f"but parameters(model) gave one of shape {shape}")


class Stop(Exception):
    """A step of a recorded case failed: its error is in the record, the rest of the case is skipped."""


def _run(entry: dict, key: str, fn: Callable[..., Any], *args: Any) -> Any:
    """Call the learner's code quietly; on an error record it under `key` and stop this case."""
    value, error = call_quietly(fn, *args)
    if error is not None:
        entry[key] = error
        raise Stop
    return value


def _tensors(found: Any) -> list:
    """The learner's parameters as a list, checking each is a Tensor-like object with an array."""
    if type(found) not in (list, tuple):
        raise TypeError(f"parameters(model) returned a {type(found).__name__}; return a list or tuple of Tensors")
    return list(found)


def _record_linear_case(make_layer: Callable, parameters: Callable, tensor: type, layer_rng: Any,
                        shape: tuple[int, int, int], x: np.ndarray, grad: np.ndarray) -> dict:
    n_in, n_out, _ = shape
    entry: dict = {}
    try:
        layer = _run(entry, "error", make_layer, n_in, n_out, layer_rng)
        found = _run(entry, "error", lambda: _tensors(parameters([layer])))
        entry["parameters"] = converted([p.data for p in found])
        entry["requires_grad"] = converted([p.requires_grad is True for p in found])
        x_tensor = tensor(x.copy(), requires_grad=True)
        out = _run(entry, "output", layer, x_tensor)
        entry["output"] = converted(out.data)
        _run(entry, "backward", out.backward, grad.copy())
        entry["gradients"] = converted([x_tensor.grad, *(p.grad for p in found)])
    except Stop:
        pass
    except Exception as error:  # a parameter or output without .data, and the like
        entry["error"] = error_outcome(error)
    return entry


def record_linear(make_layer: Callable, parameters: Callable, tensor: type, seed: int) -> list[dict]:
    """Per layer shape: the parameters found, the output on x, and the gradients after backward(grad)."""
    layer_rng = seeded_rng(seed + 1)
    cases = [_record_linear_case(make_layer, parameters, tensor, layer_rng, shape, x, grad)
             for shape, (x, grad) in zip(LINEAR_SHAPES, linear_inputs(seed))]
    two_layers, error = call_quietly(lambda: [p.data for p in _tensors(parameters(
        [make_layer(3, 4, layer_rng), make_layer(4, 2, layer_rng)]))])
    return [*cases, error or converted(two_layers)]


def record_cross_entropy(answer: Callable, tensor: type, seed: int) -> list[dict]:
    """Per case: the loss the learner's function returns, and the logits' gradient after its backward."""
    results = []
    for logits, labels in cross_entropy_inputs(seed):
        entry: dict = {}
        try:
            given = tensor(logits.copy(), requires_grad=True)
            loss = _run(entry, "loss", answer, given, labels.copy())
            entry["loss"] = converted(float(np.asarray(loss.data)))
            _run(entry, "gradient", loss.backward)
            entry["gradient"] = converted(given.grad)
        except Stop:
            pass
        except Exception as error:  # a result that is not a one-number Tensor
            entry["loss"] = error_outcome(error)
        results.append(entry)
    return results


def record_sgd_step(answer: Callable, tensor: type, seed: int) -> list[dict]:
    """Each parameter after one step: its data, and whether it is still a leaf (no graph behind it)."""
    params = []
    for data, grad in sgd_inputs(seed):
        p = tensor(data.copy(), requires_grad=True)
        p.grad = grad.copy()
        params.append(p)
    _, error = call_quietly(answer, params, SGD_RATE)
    if error is not None:
        return [error]
    return [{"data": converted(p.data), "leaf": converted(len(p.parents) == 0)} for p in params]


def record_train(answer: Callable, make_layer: Callable, parameters: Callable, forward: Callable, tensor: type,
                 seed: int) -> list[dict]:
    """Per run: the losses train() returned and the logits of all the data after it, from the fixed start."""
    images, labels = training_data(seed)
    results = []
    for run in TRAINING_RUNS:
        entry: dict = {}
        try:
            layer_rng = seeded_rng(seed)
            sizes = zip(LAYER_SIZES, LAYER_SIZES[1:])
            model = _run(entry, "losses", lambda: [make_layer(n_in, n_out, layer_rng) for n_in, n_out in sizes])
            for p in _run(entry, "losses", lambda: _tensors(parameters(model))):
                p.data = _starting_array(seed, tuple(p.data.shape))
            losses = _run(entry, "losses", answer, model, images.copy(), labels.copy(), run.steps, run.batch_size,
                          run.rate, seed)
            entry["losses"] = converted([float(loss) for loss in losses])
            entry["logits"] = converted(_run(entry, "logits", forward, model, tensor(images.copy())).data)
        except Stop:
            pass
        except Exception as error:  # parameters of unexpected shapes, losses that are not numbers
            entry["losses"] = error_outcome(error)
        results.append(entry)
    return results
