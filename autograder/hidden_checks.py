"""Each hidden test as the judge runs it: the check of autograder.checks, the reference from `solutions`.

REPLAYED holds the tests that are calls of one learner function: each runs its `*_against` check on a
replay of the recorded calls. RECORDED holds the others, which read their records directly.
"""

from __future__ import annotations

from collections.abc import Callable

import solutions

from backprop_lab.cases import h_points, random_chains

from . import checks
from .checks.replay import BadRecord, entries, outcome_of, replayed_box

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
    "local_derivatives": lambda learner, seed: checks.check_local_derivatives_against(
        learner, solutions.boxes, seed=seed),
    "h_forward": lambda learner, seed: checks.check_h_forward_against(learner, solutions, seed=seed),
    "backward": lambda learner, seed, op: checks.check_backward_against(learner, op, seed),
    "dual": lambda learner, seed: checks.check_dual_against(learner, solutions.Dual, seed=seed),
    "jvp": lambda learner, seed: checks.check_jvp_against(learner, solutions.forward, seed=seed),
    "passes_for_jacobian": lambda learner, seed: checks.check_passes_against(learner, solutions.forward, seed=seed),
}
"""check name -> run(replay of the learner's function, **the cell's options)."""

def _h_backward(results: object, seed: int) -> None:
    """Each point's recorded result and the box backwards that ran, against the reference engine's gradient."""
    points = h_points(seed)
    for (x, y), entry in zip(points, entries(results, len(points))):
        expected = checks.reference_h(solutions, x, y)[1]
        checks.judge_h_backward(outcome_of(entry.get("result")), _ran(entry), x, y, expected)


def _ran(entry: object) -> list:
    """The recorded list of the boxes whose backward ran, in an entry of h_backward or chain_backward."""
    ran = entry.get("ran") if isinstance(entry, dict) else None
    if not isinstance(ran, list):
        raise BadRecord("no list of the boxes that ran")
    return ran


def _chain_backward(results: object, seed: int) -> None:
    """Each chain's recorded result and the places whose backward ran, against the chain run through the boxes."""
    chains = random_chains(seed)
    for (chain, x, d_out), entry in zip(chains, entries(results, len(chains))):
        checks.judge_chain_backward(outcome_of(entry.get("result")), _ran(entry), chain, x, d_out)


RECORDED: dict[str, Callable[..., None]] = {
    "h_backward": _h_backward,
    "topological_sort": lambda results, seed: checks.judge_topological_sort(results, solutions.Scalar, seed),
    "backpropagate": lambda results, seed: checks.judge_backpropagate(results, solutions.Scalar, seed),
    "tensor_grad_check": lambda results, seed: checks.judge_tensor_grad_check(results, seed),
    "train_step": lambda results: checks.judge_train_step(results),
    "linear_layer": lambda results, seed: checks.judge_linear(results, seed),
    "softmax_cross_entropy": lambda results, seed: checks.judge_cross_entropy(results, seed),
    "sgd_step": lambda results, seed: checks.judge_sgd_step(results, seed),
    "train": lambda results, seed: checks.judge_train(results, seed),
    "chain_backward": _chain_backward,
}
"""check name -> judge(test, recorded results), for tests that are not calls of one function."""
