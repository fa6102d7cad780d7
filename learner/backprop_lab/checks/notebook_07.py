"""Visible-test checks for notebook 07: what a layer, a loss, an SGD step and a training loop get wrong.

The sentences of NETWORK_MISTAKES name each likely misconception; visible test cells pair them with
the value the mistake gives on the cell's own example, and the hidden tests' judge uses them too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .compare import CheckFailed, Outcome, failure_message
from .notebook_05 import _show as show_array  # one way of writing arrays in messages, shared with 05

NETWORK_MISTAKES = {
    "no_max_shift": "softmax without the max shift (overflow): exp of a large logit is inf, and inf / inf is nan; "
                    "subtract each row's maximum from its logits first, which leaves the softmax unchanged",
    "averaged_twice": "cross-entropy averaged twice: the loss is the mean over the batch, so its gradient is "
                      "(softmax − one-hot) / N, divided by N once, not once in the loss and again in the backward",
    "not_averaged": "the loss and its gradient were not divided by N: L is the mean over the batch, so it is the "
                    "sum of −log p divided by N, and its gradient (softmax − one-hot) / N",
    "bias_not_summed": "bias gradient not summed over the batch: every example of the batch adds its gradient "
                       "to the one bias vector, so ∂L/∂b is grad summed over axis 0 (not averaged, not one row)",
    "recorded_update": "update recorded in the graph: p - rate * p.grad is a Tensor operation, a new node; "
                       "change the numbers in the array the parameter holds, p.data, instead",
    "rebound": "the parameters did not change: rebinding a name (p = ...) leaves the Tensor the model holds as "
               "it was; change p.data",
    "ascent": "the step went uphill: subtract rate · gradient, do not add it",
    "not_zeroed": "gradients not zeroed: backward adds into .grad, so without clearing every parameter's .grad "
                  "before each backward, each step follows the sum of all past gradients",
}
"""Mistake name -> the sentence a failing check shows."""


def check_stays_a_leaf(parameter: Any, what: str) -> None:
    """After an SGD step a parameter must still be a plain array in a leaf Tensor, with no graph behind it."""
    if type(parameter.data) is np.ndarray and not parameter.parents:
        return
    held = f"a {type(parameter.data).__name__}" if type(parameter.data) is not np.ndarray else "an array"
    raise CheckFailed(f"{what}\n  expected: a leaf Tensor holding a numpy array\n"
                      f"  got:      a Tensor holding {held}, with {len(parameter.parents)} parent(s)\n"
                      f"  Likely mistake: {NETWORK_MISTAKES['recorded_update']}")


def _as_array(value: object) -> np.ndarray | None:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _matches(got: np.ndarray | None, model: np.ndarray) -> bool:
    """The learner's result equals what a mistake gives; a mistake that overflows matches any nan or inf."""
    if got is None or got.shape != model.shape:
        return False
    if not np.all(np.isfinite(model)):
        return not np.all(np.isfinite(got))
    return bool(np.allclose(got, model, rtol=1e-6, atol=1e-12))


def check_array(got: object, expected: object, *, what: str, mistakes: dict[str, object] | None = None,
                rtol: float = 1e-7, atol: float = 1e-10) -> None:
    """Assert an array (or number) equals `expected`; `mistakes` maps NETWORK_MISTAKES names to their values."""
    __tracebackhide__ = True
    got_array, expected = _as_array(got), np.asarray(expected, dtype=np.float64)
    if got_array is not None and got_array.shape == expected.shape and np.allclose(got_array, expected, rtol, atol):
        return
    likely = [NETWORK_MISTAKES[name] for name, value in (mistakes or {}).items()
              if not _matches(expected, np.asarray(value, dtype=np.float64))
              and _matches(got_array, np.asarray(value, dtype=np.float64))]
    raise CheckFailed(failure_message(what, expected, Outcome(value=got), likely, show=show_array))
