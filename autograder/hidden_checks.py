"""The registry of hidden tests: for each check a test cell records, how the grader judges it against `solutions`.

A hidden test cell calls `backprop_lab.hidden_tests.record(check, answer, **options)`; the kernel side
draws its cases (`backprop_lab.cases.CALLS` for calls of one function, `RECORDERS` for the rest) and
the entry of CHECKS under the same name judges the record: its `run` calls the check of
`autograder.checks.notebook_NN` that compares with the reference answer in `solutions` (passed from
here where the check takes one, imported by the check otherwise) and writes the message, with the
mistake models that are other graded answers. Adding a hidden test is one entry here (and its cases there).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import solutions

from backprop_lab.cases import CALLS

from .checks import notebook_01, notebook_02, notebook_03, notebook_04, notebook_05, notebook_06, notebook_07
from .checks.replay import Replay, replayed_box


@dataclass(frozen=True)
class HiddenCheck:
    """One hidden test: `run(answer, **the cell's options)` raises AssertionError naming the mistake.

    `answer` is a replay of the recorded calls, standing in for the learner's function, when the test is
    calls of one function (`replayed`); otherwise it is the recorded results, which `run` reads itself.
    """

    run: Callable[..., None]
    replayed: bool = True


def _recorded(run: Callable[..., None]) -> HiddenCheck:
    return HiddenCheck(run, replayed=False)


BOX_LOOKALIKES: dict[str, dict[str, Callable[..., object]]] = {
    "Add": {"product": lambda x, y, d: (y * d, x * d)},
    "Mul": {"sum": lambda x, y, d: (d, d)},
    "BoxG": {"f instead of g": lambda x, d: math.cos(x) * d},
}
"""The box test's mistake models that are another graded box's answer, by the answer the cell names."""


def _box(learner: Replay, seed: int, reference: str) -> None:
    notebook_02.check_box_against(replayed_box(learner), getattr(solutions.boxes, reference), seed=seed,
                                  lookalikes=BOX_LOOKALIKES.get(learner.__name__))


CHECKS: dict[str, HiddenCheck] = {
    "difference": HiddenCheck(lambda learner, seed, rule: notebook_01.check_difference_against(
        learner, getattr(solutions, f"{rule}_difference"), rule=rule, seed=seed)),
    "relative_error": HiddenCheck(lambda learner, seed: notebook_01.check_relative_error_against(
        learner, solutions.relative_error, seed=seed)),
    "order_of_accuracy": HiddenCheck(lambda learner, seed: notebook_01.check_order_of_accuracy_against(
        learner, solutions.order_of_accuracy, seed=seed)),
    "box": HiddenCheck(_box),
    "chain_forward": HiddenCheck(lambda learner, seed: notebook_02.check_chain_forward_against(learner, seed=seed)),
    "local_derivatives": HiddenCheck(lambda learner, seed: notebook_03.check_local_derivatives_against(
        learner, solutions.boxes, seed=seed)),
    "h_forward": HiddenCheck(lambda learner, seed: notebook_03.check_h_forward_against(learner, solutions, seed=seed)),
    "backward": HiddenCheck(lambda learner, seed, op: notebook_05.check_backward_against(learner, op, seed)),
    "dual": HiddenCheck(lambda learner, seed: notebook_06.check_dual_against(learner, solutions.Dual, seed=seed)),
    "jvp": HiddenCheck(lambda learner, seed: notebook_06.check_jvp_against(learner, solutions.forward, seed=seed)),
    "passes_for_jacobian": HiddenCheck(lambda learner, seed: notebook_06.check_passes_against(
        learner, solutions.forward, seed=seed)),
    "h_backward": _recorded(lambda results, seed: notebook_03.judge_h_backward_against(results, solutions, seed)),
    "topological_sort": _recorded(lambda results, seed: notebook_04.judge_topological_sort(
        results, solutions.Scalar, seed)),
    "backpropagate": _recorded(lambda results, seed: notebook_04.judge_backpropagate(results, solutions.Scalar, seed)),
    "tensor_grad_check": _recorded(notebook_05.judge_tensor_grad_check),
    "train_step": _recorded(notebook_05.judge_train_step),
    "linear_layer": _recorded(notebook_07.judge_linear),
    "softmax_cross_entropy": _recorded(notebook_07.judge_cross_entropy),
    "sgd_step": _recorded(notebook_07.judge_sgd_step),
    "train": _recorded(notebook_07.judge_train),
    "chain_backward": _recorded(notebook_02.judge_chain_backward),
}
"""check name (the first argument of the cell's record call) -> how the grader judges it."""


def judge(check: str, answer: str, record: dict, options: dict) -> None:
    """Judge one hidden test's record; AssertionError names the mistake, BadRecord an unreadable record.

    `answer` is the answer's name in the trusted cell source, `options` the cell's keyword options.
    """
    entry = CHECKS[check]
    if entry.replayed:
        learner = Replay(answer, CALLS[check](**options), record.get("results"), record.get("defaults"))
        entry.run(learner, **options)
    else:
        entry.run(record.get("results"), **options)
