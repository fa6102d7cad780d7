"""Hidden-test judges for notebook 07: the layer, the loss, the SGD step and the training loop.

Each reads the record of backprop_lab.network_cases, draws the same inputs from the same seed, and
compares with solutions.training; a mistake model computed here (an overflowing softmax, a loss
averaged twice, a loop that never clears gradients) names what went wrong.
"""

from __future__ import annotations

import numpy as np

from backprop_lab.checks.compare import CheckFailed, Outcome
from backprop_lab.checks.notebook_04 import error_message
from backprop_lab.checks.notebook_07 import NETWORK_MISTAKES, check_array
from backprop_lab.network_cases import (
    CROSS_ENTROPY_CASES,
    LINEAR_SHAPES,
    SGD_RATE,
    TRAINING_RUNS,
    cross_entropy_inputs,
    linear_inputs,
    sgd_inputs,
    starting_model,
    training_data,
)

from .replay import BadRecord, entries, outcome_of

TRAINED_LOSS_RTOL = 0.1
"""How far the loss after training may be from the reference's: batches drawn another way end elsewhere."""


def _value(entry: dict, key: str, what: str) -> object:
    """A recorded value, or the learner's recorded error as the failure message."""
    got = outcome_of(entry.get(key, entry.get("error")))
    if got.error is not None:
        raise CheckFailed(error_message(what, got.error))
    return got.value


def _failed(entry: object) -> Outcome | None:
    if not isinstance(entry, dict):
        raise BadRecord("a case without its record")
    return outcome_of(entry["error"]) if "error" in entry else None


# --- Linear and parameters -----------------------------------------------------------------------

def _split_parameters(found: object, n_in: int, n_out: int, what: str) -> tuple[np.ndarray, np.ndarray]:
    """The weights (n_in, n_out) and the bias (n_out,) or (1, n_out) among what parameters() returned."""
    shapes = [np.shape(p) for p in found] if isinstance(found, list) else []
    weights = [i for i, s in enumerate(shapes) if s == (n_in, n_out)]
    biases = [i for i, s in enumerate(shapes) if s in ((n_out,), (1, n_out))]
    if len(shapes) != 2 or len(weights) != 1 or len(biases) != 1 or weights == biases:
        raise CheckFailed(f"{what}\n  expected: two parameters, weights of shape {(n_in, n_out)} and a bias of "
                          f"shape {(n_out,)}\n  got:      parameters of shapes {shapes}")
    return np.asarray(found[weights[0]]), np.asarray(found[biases[0]])


def _backward_failed(error: BaseException, what: str, batch_shape: tuple, bias_shape: tuple) -> None:
    """The learner's backward raised: a gradient of the batch's shape for the bias names the mistake."""
    message = error_message(f"{what}: layer(x).backward(grad)", error)
    if f"shape {batch_shape} for an input of shape {bias_shape}" in str(error):
        message += f"\n  Likely mistake: {NETWORK_MISTAKES['bias_not_summed']}."
    raise CheckFailed(message)


def judge_linear(results: object, seed: int) -> None:
    """Each layer: two parameters that need gradients, x @ W + b, and the gradients of x, W and b."""
    from solutions.training import linear_gradients

    recorded = entries(results, len(LINEAR_SHAPES) + 1)
    for (n_in, n_out, batch), (x, grad), entry in zip(LINEAR_SHAPES, linear_inputs(seed), recorded):
        what = f"Linear({n_in}, {n_out}, rng) on a batch of {batch}"
        if (failed := _failed(entry)) is not None:
            raise CheckFailed(error_message(what, failed.error))
        found = _value(entry, "parameters", f"{what}: parameters([layer])")
        weights, bias = _split_parameters(found, n_in, n_out, f"{what}: parameters([layer])")
        if _value(entry, "requires_grad", what) != [True, True]:
            raise CheckFailed(f"{what}: parameters([layer])\n  expected: Tensors made with requires_grad=True\n"
                              "  got:      a parameter with requires_grad=False, which backward never reaches")
        if np.all(weights == weights.flat[0]):
            raise CheckFailed(f"{what}\n  expected: weights drawn at random from rng\n  got:      every weight "
                              f"equal to {weights.flat[0]}\n  Likely mistake: equal weights give every hidden unit "
                              "the same gradient, so they never become different; draw them with rng.normal")
        check_array(_value(entry, "output", f"{what}: layer(x)"), x @ weights + bias.reshape(n_out),
                    what=f"{what}: layer(x), which should be x @ W + b")
        if "backward" in entry:
            _backward_failed(outcome_of(entry["backward"]).error, what, (batch, n_out), bias.shape)
        gradients = _value(entry, "gradients", f"{what}: the gradients after layer(x).backward(grad)")
        d_x, d_w, d_b = linear_gradients(x, weights, grad)
        if not isinstance(gradients, list) or len(gradients) != 3:
            raise BadRecord("no gradients of x and the two parameters")
        got_x, *got_params = gradients
        order = [0, 1] if np.shape(found[0]) == (n_in, n_out) else [1, 0]
        got_w, got_b = (got_params[i] for i in order)
        check_array(got_x, d_x, what=f"{what}: the gradient of x, grad @ W.T")
        check_array(got_w, d_w, what=f"{what}: the gradient of W, x.T @ grad")
        check_array(got_b, d_b.reshape(bias.shape), what=f"{what}: the gradient of b",
                    mistakes={"bias_not_summed": (grad.mean(axis=0)).reshape(bias.shape)})
    two_layers = outcome_of(recorded[-1])
    if two_layers.error is not None:
        raise CheckFailed(error_message("parameters([Linear(3, 4, rng), Linear(4, 2, rng)])", two_layers.error))
    shapes = sorted(tuple(np.shape(p)) for p in two_layers.value)
    flat_biases = sorted(tuple(s[-1:]) for s in shapes if s in ((2,), (4,), (1, 2), (1, 4)))
    if len(shapes) != 4 or not {(3, 4), (4, 2)} <= set(shapes) or flat_biases != [(2,), (4,)]:
        raise CheckFailed("parameters([Linear(3, 4, rng), Linear(4, 2, rng)])\n  expected: the four parameters "
                          f"of both layers, weights (3, 4) and (4, 2) and their biases\n  got:      shapes {shapes}")


# --- Softmax cross-entropy -----------------------------------------------------------------------

def _unshifted_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """The mistake model: softmax straight from exp(logits), which overflows for large logits."""
    with np.errstate(all="ignore"):
        e = np.exp(logits)
        p = e / e.sum(axis=1, keepdims=True)
        picked = np.eye(logits.shape[1])[labels]
        return float(-(np.log(p) * picked).sum() / len(labels)), (p - picked) / len(labels)


def judge_cross_entropy(results: object, seed: int) -> None:
    """The loss and the logits' gradient of each case against the reference, overflow and averaging named."""
    from solutions.training import cross_entropy

    recorded = entries(results, len(CROSS_ENTROPY_CASES))
    for (n, classes, spread, offset), (logits, labels), entry in zip(CROSS_ENTROPY_CASES,
                                                                     cross_entropy_inputs(seed), recorded):
        what = f"softmax_cross_entropy on {n} rows of {classes} logits" + (
            f" around {offset:g}" if offset else f" spread {spread:g}" if spread > 10 else "")
        if not isinstance(entry, dict):
            raise BadRecord("a case without its record")
        loss, grad = cross_entropy(logits, labels)
        naive_loss, naive_grad = _unshifted_cross_entropy(logits, labels)
        check_array(_value(entry, "loss", what), loss, what=f"{what}: the loss", rtol=1e-7,
                    mistakes={"no_max_shift": naive_loss, "averaged_twice": loss / n})
        check_array(_value(entry, "gradient", f"{what}: loss.backward()"), grad,
                    what=f"{what}: the gradient of the logits after loss.backward()",
                    mistakes={"no_max_shift": naive_grad, "averaged_twice": grad / n})


# --- The SGD step --------------------------------------------------------------------------------

def judge_sgd_step(results: object, seed: int) -> None:
    """Every parameter moved by −rate · grad, in its own array, and still a leaf of no graph."""
    inputs = sgd_inputs(seed)
    if isinstance(results, list) and len(results) == 1 and len(inputs) != 1:
        raise CheckFailed(error_message("sgd_step(params, 0.1)", outcome_of(results[0]).error))
    for k, ((data, grad), entry) in enumerate(zip(inputs, entries(results, len(inputs)))):
        what = f"sgd_step(params, rate={SGD_RATE}): parameter {k} of shape {data.shape}"
        got = outcome_of(entry.get("data") if isinstance(entry, dict) else None)
        if got.error is not None or outcome_of(entry.get("leaf")).value is not True:
            raise CheckFailed(f"{what}\n  expected: a leaf Tensor holding a numpy array\n"
                              f"  got:      {'a graph node' if got.error is None else got.error}\n"
                              f"  Likely mistake: {NETWORK_MISTAKES['recorded_update']}")
        check_array(got.value, data - SGD_RATE * grad, what=what,
                    mistakes={"rebound": data, "ascent": data + SGD_RATE * grad})


# --- The training loop ---------------------------------------------------------------------------

def _reference_run(seed: int, steps: int, batch_size: int, rate: float, zero_gradients: bool = True) -> float:
    """The loss on all the data after training the fixed starting model with the reference loop."""
    from solutions import Tensor
    from solutions.training import cross_entropy, forward, train

    images, labels = training_data(seed)
    arrays = [Tensor(a.copy(), requires_grad=True) for a in starting_model(seed)]
    model = list(zip(arrays[::2], arrays[1::2]))
    with np.errstate(all="ignore"):
        train(model, images, labels, steps, batch_size, rate, seed, zero_gradients)
        return cross_entropy(forward(model, Tensor(images, requires_grad=False)).numpy(), labels)[0]


def judge_train(results: object, seed: int) -> None:
    """Each run: one loss per step, and a loss after training near the reference's (named when gradients pile up)."""
    from solutions.training import cross_entropy

    images, labels = training_data(seed)
    for run, entry in zip(TRAINING_RUNS, entries(results, len(TRAINING_RUNS))):
        what = (f"train(model, images, labels, steps={run.steps}, batch_size={run.batch_size}, rate={run.rate}) "
                f"on {len(images)} examples")
        if not isinstance(entry, dict):
            raise BadRecord("a run without its record")
        losses = _value(entry, "losses", what)
        if not isinstance(losses, list) or len(losses) != run.steps:
            raise CheckFailed(f"{what}\n  expected: a list of {run.steps} losses, one per step\n"
                              f"  got:      {len(losses) if isinstance(losses, list) else type(losses).__name__}")
        logits = np.asarray(_value(entry, "logits", f"{what}: forward(model, images) after training"))
        with np.errstate(all="ignore"):
            after = cross_entropy(logits, labels)[0] if logits.shape == (len(images), 4) else np.nan
        reference = _reference_run(seed, run.steps, run.batch_size, run.rate)
        piled_up = _reference_run(seed, run.steps, run.batch_size, run.rate, zero_gradients=False)
        check_array(after, reference, what=f"{what}: the mean cross-entropy on all the data after training",
                    rtol=TRAINED_LOSS_RTOL, atol=0.02, mistakes={"not_zeroed": piled_up})
