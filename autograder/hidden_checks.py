"""Each hidden test as the judge runs it: the check of autograder.checks, the reference from `solutions`.

REPLAYED holds the tests that are calls of one learner function: each runs its `*_against` check on a
replay of the recorded calls. RECORDED holds the others, which read their records directly.
"""

from __future__ import annotations

from collections.abc import Callable

import solutions

from . import checks
from .replay import replayed_box

REPLAYED: dict[str, Callable[..., None]] = {
    "difference": lambda learner, seed, rule: checks.check_difference_against(
        learner, getattr(solutions, f"{rule}_difference"), rule=rule, seed=seed),
    "relative_error": lambda learner, seed: checks.check_relative_error_against(
        learner, solutions.relative_error, seed=seed),
    "order_of_accuracy": lambda learner, seed: checks.check_order_of_accuracy_against(
        learner, solutions.order_of_accuracy, seed=seed),
    "box": lambda learner, seed, reference: checks.check_box_against(
        replayed_box(learner), getattr(solutions.boxes, reference), seed=seed),
    "chain_forward": lambda learner, seed: checks.check_chain_forward_against(learner, seed=seed),
    "chain_backward": lambda learner, seed: checks.check_chain_backward_against(learner, seed=seed),
    "local_derivatives": lambda learner, seed: checks.check_local_derivatives_against(
        learner, solutions.boxes, seed=seed),
    "h_forward": lambda learner, seed: checks.check_h_forward_against(learner, solutions, seed=seed),
    "backward": lambda learner, seed, op: checks.check_backward_against(learner, op, seed),
}
"""check name -> run(replay of the learner's function, **the cell's options)."""

RECORDED: dict[str, Callable[..., None]] = {}
"""check name -> judge(test, recorded results), for tests that are not calls of one function."""
