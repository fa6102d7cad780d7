"""What hidden test cells call: run the learner's answer on the seeded inputs and record what came back.

The cell then ends in an `AwaitingJudge` error on purpose: the grader's judge (autograder.judge)
replaces it with its verdict. Graded without the judge, a hidden test cell fails; it never passes.
"""

from __future__ import annotations

from collections.abc import Callable

from .box_spy import H_BOXES, boxes_spied, spying
from .cases import ADAPTERS, CALLS, h_points, random_chains
from .grad_check_cases import record_grad_checks
from .graph_cases import record_backpropagate, record_topological_sort
from .training_cases import record_train_step
from .recording import defaults, emit, error_outcome, outcome
from .network_cases import record_cross_entropy, record_linear, record_sgd_step, record_train

LITERALS = (str, int, float, bool)


class AwaitingJudge(Exception):
    """Raised at the end of every hidden test cell; only the judge can turn the cell into a pass."""


def _h_backward(answer: Callable[..., object], seed: int, namespace: dict) -> list[dict]:
    """h_backward at seeded points, with the notebook's boxes spied on: its result and the backwards that ran."""
    classes = {name: namespace.get(name) for name in H_BOXES}
    results = []
    for x, y in h_points(seed):
        try:
            with boxes_spied(namespace, classes) as ran:
                result = outcome(answer, x, y)
        except AssertionError as missing:  # a box class the notebook should define is not there
            result, ran = error_outcome(missing), []
        results.append({"result": result, "ran": sorted({str(name) for name in ran})})
    return results


def _chain_backward(answer: Callable[..., object], seed: int) -> list[dict]:
    """chain_backward on the seeded chains, each box spied on: its result and the places whose backward ran."""
    results = []
    for boxes, x, d_out in random_chains(seed):
        ran: list[int] = []
        spied = type(boxes)(spying(box_class, ran, place) for place, box_class in enumerate(boxes))
        results.append({"result": outcome(answer, spied, x, d_out=d_out), "ran": sorted(set(ran))})
    return results


RECORDERS: dict[str, Callable[..., list]] = {
    "h_backward": _h_backward,
    "topological_sort": lambda answer, seed, node: record_topological_sort(answer, node, seed),
    "backpropagate": lambda answer, seed, node: record_backpropagate(answer, node, seed),
    "tensor_grad_check": lambda answer, seed, tensor: record_grad_checks(answer, tensor, seed),
    "train_step": lambda answer, tensor: record_train_step(answer, tensor),
    "linear_layer": lambda answer, seed, parameters, tensor: record_linear(answer, parameters, tensor, seed),
    "softmax_cross_entropy": lambda answer, seed, tensor: record_cross_entropy(answer, tensor, seed),
    "sgd_step": lambda answer, seed, tensor: record_sgd_step(answer, tensor, seed),
    "train": lambda answer, seed, layer, parameters, forward, tensor: record_train(
        answer, layer, parameters, forward, tensor, seed),
    "chain_backward": _chain_backward,
}
"""Hidden tests that are more than a list of calls of one function: check name -> its recorder."""


def record(check: str, answer: object, **options: object) -> None:
    """Record `answer`'s results on the inputs of hidden test `check`, then hand the cell to the judge.

    Options that are plain literals (seed, op, ...) go into the record, where the judge compares them
    with the trusted cell's; the others (the notebook's own classes and globals) only run the test.
    """
    __tracebackhide__ = True
    literal = {name: value for name, value in options.items() if type(value) in LITERALS}
    if check in CALLS:
        function = ADAPTERS.get(check, lambda given: given)(answer)
        results = [outcome(function, *args, **kwargs) for args, kwargs in CALLS[check](**literal)]
    else:
        results = RECORDERS[check](answer, **options)
    emit(check, literal, results, defaults(answer))
    raise AwaitingJudge("the grader's judge compares these results with the reference; "
                        "without it (autograder.judge.Judge in the course's nbgrader_config.py) this test scores zero")
