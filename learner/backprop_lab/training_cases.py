"""Notebook 05's training step on a scenario of its hidden test, recorded for the grader's judge.

Three steps of `train_step` at rate 0.05 on L = 4u² + v, with a third parameter the loss does not
use (its .grad stays None): the losses the steps returned (floats, not the loss's 0-d array) and every
parameter's data after them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .recording import NotAFloat, call_quietly, converted, error_outcome

RATE, STEPS = 0.05, 3
START = {"u": 1.0, "v": 2.0, "unused": [3.0, 4.0]}
"""Each parameter's value before the first step; the record holds them after the last, in this order."""


def record_train_step(train_step: Callable[..., Any], tensor: type) -> list[dict]:
    """The scenario run with the notebook's own Tensor: one entry per step, then the parameters after."""
    u, v, unused = (tensor(np.array(START[name]), requires_grad=True) for name in ("u", "v", "unused"))

    def loss_fn() -> Any:
        loss = np.asarray(4 * u.data**2 + v.data)  # a 0-d array, as a sum on a GPU gives: the step must return a float
        return tensor(loss, (u, v), lambda g, at=u.data: (8 * at * g, g * np.ones_like(v.data)), "4u² + v")

    steps = [_step(train_step, loss_fn, [u, v, unused]) for _ in range(STEPS)]
    return [*steps, converted([u.data, v.data, unused.data])]


def _step(train_step: Callable[..., Any], loss_fn: Callable[[], Any], parameters: list) -> dict:
    """One step's outcome; an array returned as the loss is recorded as the mistake it is (a float is asked for)."""
    value, error = call_quietly(train_step, loss_fn, parameters, RATE)
    if error is None and type(value) is np.ndarray:
        return error_outcome(NotAFloat(f"train_step returned the loss as an array of shape {value.shape}, not as a "
                                       "Python float: return float(loss.data), which also works when the array "
                                       "lives on a GPU"))
    return error or converted(value)

