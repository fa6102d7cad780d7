"""Checks for notebook 04: topological order of a computation graph, and backpropagation over it.

A topological order is checked by its property (every node once, the root first, each node before
its inputs), never against one list, so depth-first search and Kahn's method both pass. Gradients
are compared with the reference `Scalar` built from the same recipe, and a wrong answer is named by
running known-wrong versions of `backpropagate` (mistake models) on the same graph.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any
import zlib

import numpy as np

from backprop_lab.graph_cases import (
    DEEP_CHAIN,
    DEEP_CHAIN_NAME,
    PYTHON_RECURSION_LIMIT,
    NodeClass,
    Recipe,
    backprop_cases,
    build,
    chain,
    collector_paused,
    reachable,
    record_backpropagate,
    sort_graphs,
    zero_grad_recipe,
)

from backprop_lab.checks.compare import (
    Outcome, as_numbers, diagnose, failure_message, format_answer, is_close, run_quietly,
)
from backprop_lab.checks.notebook_04 import GRADIENT_MISTAKES, check_topological_order, error_message, node_label
from .replay import BadRecord, entries, outcome_of

RECURSION_LIMIT_RAISED = (
    "Likely mistake: recursion, made to pass by raising the recursion limit. The notebook calls that no fix: deep "
    "enough, the interpreter itself runs out of stack and crashes. Keep your own stack (a list of (node, iterator "
    "over its parents) pairs) in a while loop, or use Kahn's method.")

NODES_CHANGED = (
    "Likely mistake: the sort marks the nodes it has seen (an attribute such as node.visited) and leaves the marks: "
    "a second sort of the same graph then skips them, and a node of another class may refuse new attributes. A sort "
    "only reads .parents: keep what it knows in its own set or dictionary.")


def _judge_side_effects(recorded: object, what: str) -> dict:
    """Fail on what the sort did besides returning (raised the recursion limit, changed the nodes); the rest of the record."""
    if not isinstance(recorded, dict):
        return recorded
    limit, changed = recorded.get("recursion_limit"), recorded.get("changed")
    if limit is not None:
        raise AssertionError(f"{what}\n  got: the call raised Python's recursion limit from {PYTHON_RECURSION_LIMIT} "
                             f"to {limit!r} (sys.setrecursionlimit)\n  {RECURSION_LIMIT_RAISED}")
    if changed:
        shown = ", ".join(repr(name) for name in changed[:3]) if isinstance(changed, list) else repr(changed)
        raise AssertionError(f"{what}\n  got: the sort changed the nodes' attribute {shown} (set, rebound or deleted)\n"
                             f"  {NODES_CHANGED}")
    return {key: value for key, value in recorded.items() if key not in ("recursion_limit", "changed")}


def _decoded_order(recorded: object, root: Any, what: str) -> object:
    """The learner's recorded order as this graph's nodes (a position of -1 is an object not in the graph)."""
    recorded = _judge_side_effects(recorded, what)
    if isinstance(recorded, dict) and set(recorded) == {"order"}:
        try:
            steps = np.frombuffer(zlib.decompress(base64.b64decode(recorded["order"], validate=True)), dtype="<i4")
            positions = np.cumsum(steps, dtype=np.int64)
        except (TypeError, ValueError, zlib.error) as error:
            raise BadRecord(f"an unreadable order: {error}") from None
        nodes = reachable(root)
        return [nodes[i] if 0 <= i < len(nodes) else NOT_A_NODE for i in positions.tolist()]
    got = outcome_of(recorded)
    if got.error is not None:
        raise AssertionError(error_message(what, got.error))
    return got.value


class _NotANode:
    """What a recorded order holds where the learner's list held something not in the graph."""

    parents = ()
    name, op, value = "something that is not a node of this graph", "", None


NOT_A_NODE = _NotANode()


def judge_topological_sort(results: object, node: NodeClass, seed: int) -> None:
    """Judge recorded orders (backprop_lab.graph_cases.record_topological_sort) on graphs rebuilt with `node`."""
    graphs = sort_graphs(node, seed)
    recorded = entries(results, len(graphs) + 1)
    for (name, root), order in zip(graphs, recorded):
        what = f"topological_sort on {name}"
        check_topological_order(_decoded_order(order, root, what), root, what)
    with collector_paused():
        root = chain(node, DEEP_CHAIN)
        what = f"topological_sort on {DEEP_CHAIN_NAME}"
        check_topological_order(_decoded_order(recorded[-1], root, what), root, what)


# --- Gradients ------------------------------------------------------------------------------------

def _order(root: Any) -> list:
    from solutions import topological_sort  # the reference order, used only by the mistake models

    return topological_sort(root)


def _model(*, accumulate: bool = True, use_d_out: bool = True, reverse: bool = False,
           use_local: bool = True, root_included: bool = True) -> Callable[[Any, float], None]:
    """backpropagate with one of its parts broken."""

    def backpropagate(root: Any, d_out: float = 1.0) -> None:
        arriving = {id(root): d_out if use_d_out else 1.0}
        order = _order(root)
        for node in order[::-1] if reverse else order:
            d_node = arriving.pop(id(node), 0.0)
            if root_included or node is not root:
                node.grad += d_node
            for parent, local in zip(node.parents, node.local_grads):
                share = d_node * local if use_local else d_node
                arriving[id(parent)] = arriving.get(id(parent), 0.0) + share if accumulate else share

    return backpropagate


def _pushing_grad(root: Any, d_out: float = 1.0) -> None:
    """The pass that uses .grad as its scratch space: right once, wrong when called again."""
    root.grad = d_out
    for node in _order(root):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += local * node.grad


def _resetting(root: Any, d_out: float = 1.0) -> None:
    """The pass that zeroes .grad first: right once, but never accumulates."""
    for node in _order(root):
        node.grad = 0.0
    _model()(root, d_out)


BACKPROPAGATE_MISTAKES = {
    GRADIENT_MISTAKES["overwritten"]: _model(accumulate=False),
    GRADIENT_MISTAKES["order"]: _model(reverse=True),
    GRADIENT_MISTAKES["d_out"]: _model(use_d_out=False),
    GRADIENT_MISTAKES["local"]: _model(use_local=False),
    GRADIENT_MISTAKES["pushed_grad"]: _pushing_grad,
    GRADIENT_MISTAKES["reset"]: _resetting,
    GRADIENT_MISTAKES["root"]: _model(root_included=False),
}


def _gradients(nodes: list) -> tuple[float, ...]:
    return tuple(float(n.grad) for n in nodes)


def _run(backprop: Callable[..., object], recipe: Recipe, node: NodeClass, d_out: float, calls: int) -> Outcome:
    """Build the recipe fresh, call `backprop` on its root `calls` times, and collect every gradient."""
    nodes = build(recipe, node)
    for _ in range(calls):
        outcome = run_quietly(backprop, nodes[-1], d_out)
        if outcome.error is not None:
            return outcome
    return Outcome(value=_gradients(nodes))


def _compare_gradients(got: Outcome, recipe: Recipe, reference: NodeClass, d_out: float, calls: int,
                       what: str) -> None:
    ref_nodes = build(recipe, reference)
    for _ in range(calls):
        ref_nodes[-1].backward(d_out)
    expected = _gradients(ref_nodes)
    if got.error is None and is_close(got.value, expected, 1e-9, 1e-12):
        return
    if got.error is not None:
        raise AssertionError(error_message(what, got.error)) from got.error
    models = {name: _run(model, recipe, reference, d_out, calls) for name, model in BACKPROPAGATE_MISTAKES.items()}
    likely = diagnose(got, expected, models, 1e-7, 1e-12)
    found = as_numbers(got.value)
    if found is None or len(found) != len(expected):
        raise AssertionError(failure_message(f"{what}: the gradients of the graph's nodes", expected, got))
    first = next(i for i, (g, e) in enumerate(zip(found, expected)) if not is_close(g, e, 1e-9, 1e-12))
    name = ref_nodes[first].name or f"node #{first} ({ref_nodes[first].op})"
    detail = f"{what}: the gradient of {name}"
    hint = "" if likely else "backpropagate walks your topological_sort: if its tests fail, fix those first."
    raise AssertionError(failure_message(detail, expected[first], Outcome(value=found[first]), likely, hint))


def judge_backpropagate(results: object, reference: NodeClass, seed: int) -> None:
    """Judge recorded gradients (backprop_lab.graph_cases.record_backpropagate) against the reference's."""
    cases = backprop_cases(seed)
    recorded = entries(results, len(cases) + 1)
    for (name, recipe, d_out, calls), got in zip(cases, recorded):
        what = (f"backpropagate on {name}, d_out={d_out:.4g}" if calls == 1 else
                f"backpropagate called twice on {name} (each gradient must be twice the one-call value)")
        _compare_gradients(outcome_of(got), recipe, reference, d_out, calls, what)
    _judge_zero_grad(recorded[-1], zero_grad_recipe(seed), reference)


def check_backpropagate_against(learner: Callable[..., object], node: NodeClass, reference: NodeClass,
                                seed: int) -> None:
    """Compare the learner's gradients with the reference's on tricky and random graphs, called once and
    twice (gradients must double), then check that zero_grad clears them and one more call gives them back."""
    judge_backpropagate(record_backpropagate(learner, node, seed), reference, seed)


ZERO_GRAD_STEPS = {"backpropagate": "backpropagate before zero_grad",
                   "zero_grad": "root.zero_grad() (it walks your topological_sort)"}


def _judge_zero_grad(recorded: object, recipe: Recipe, reference: NodeClass) -> None:
    if not isinstance(recorded, dict):
        raise BadRecord("no record of zero_grad")
    if "step" in recorded:
        error = outcome_of(recorded.get("result")).error
        raise AssertionError(error_message(ZERO_GRAD_STEPS.get(recorded["step"], "zero_grad"), error))
    ref_nodes = build(recipe, reference)
    left = outcome_of(recorded.get("left")).value
    everything = reachable(ref_nodes[-1])
    if not isinstance(left, list) or len(left) != len(everything):
        raise BadRecord("the gradients left after zero_grad do not match the graph")
    still = [(node, grad) for node, grad in zip(everything, left) if grad != 0.0]
    if still:
        node, grad = still[0]
        raise AssertionError(f"after root.zero_grad(), {node_label(node)} still has grad {format_answer(grad)}: "
                             "zero_grad resets every node topological_sort(root) lists; check that your sort lists "
                             "every node")
    again = outcome_of(recorded.get("again"))
    if again.error is not None:
        raise AssertionError(error_message("backpropagate after zero_grad", again.error))
    ref_nodes[-1].backward(1.0)
    expected = _gradients(ref_nodes)
    if not is_close(again.value, expected, 1e-9, 1e-12):
        raise AssertionError("backpropagate after zero_grad should give the one-call gradients again\n"
                             f"  expected: {format_answer(expected)}\n  got:      {format_answer(again.value)}")
