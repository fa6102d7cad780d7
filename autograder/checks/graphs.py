"""Hidden-test checks for notebook 04: topological sort on tricky graphs, and backpropagation over them.

Orders are judged by `backprop_lab.checks.check_topological_order` (the property, not one list).
Gradients are compared with the reference `Scalar` built from the same recipe, and a wrong answer is
named by running known-wrong versions of `backpropagate` (mistake models, walking the reference
order) on the same graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
import gc
from typing import Any

from backprop_lab.checks.compare import Outcome, failure_message, format_answer, is_close, run_quietly
from backprop_lab.checks.graphs import (
    GRADIENT_MISTAKES,
    call_or_fail,
    check_topological_order,
    error_message,
    node_label,
    reachable,
)

from .compare import seeded_rng

NodeClass = Callable[[float], Any]
"""A node class built from a number, with + - * and `.parents` (the learner's Scalar or the reference)."""

DEEP_CHAIN = 100_000

# --- Graphs to test on ----------------------------------------------------------------------------

Recipe = tuple[tuple[float, ...], tuple[tuple[str, int, bool], ...]]
"""Leaf values, then steps (op, j, swap): new = op(last node, nodes[j]), operands swapped if swap."""

_OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}


def random_recipe(rng, n_leaves: int = 5, n_steps: int = 25) -> Recipe:
    """A random DAG: a backbone of n_steps operations, each also reading a random earlier node."""
    leaves = tuple(float(v) for v in rng.choice([-1, 1], n_leaves) * rng.uniform(0.5, 1.5, n_leaves))
    steps = []
    for k in range(n_steps):
        op = str(rng.choice(["+", "-", "*"], p=[0.4, 0.2, 0.4]))
        steps.append((op, int(rng.integers(0, n_leaves + k)), bool(rng.integers(0, 2))))
    return leaves, tuple(steps)


def build(recipe: Recipe, node: NodeClass) -> list:
    """The recipe's nodes, built with `node` (the root is the last); leaves are named x0, x1, ..."""
    leaves, steps = recipe
    nodes = [node(v) for v in leaves]
    for i, n in enumerate(nodes):
        n.name = f"x{i}"
    for op, j, swap in steps:
        a, b = (nodes[j], nodes[-1]) if swap else (nodes[-1], nodes[j])
        nodes.append(_OPS[op](a, b))
    return nodes


SMALL_GRAPHS: dict[str, Recipe] = {
    "a + a": ((3.0,), (("+", 0, False),)),
    "x + 3·x (a short and a long path to x)": ((1.5, 3.0), (("*", 0, False), ("+", 0, True))),
    "a diamond: b = 0.5·a, c = b + a, d = c·b": ((2.0, 0.5), (("*", 0, True), ("+", 0, False), ("*", 2, False))),
}


def _diamond_stack(node: NodeClass, depth: int) -> Any:
    """depth diamonds on top of each other: 2**depth paths, so a sort without a seen-set blows up."""
    top = node(0.9)
    top.name = "a"
    for _ in range(depth):
        top = (top * 2.0) + (top * 0.5)
    return top


def _chain(node: NodeClass, length: int) -> Any:
    top = node(1.0)
    top.name = "start"
    for _ in range(length):
        top = -top
    return top


def check_topological_sort_against(learner: Callable[[Any], object], node: NodeClass, foreign: NodeClass,
                                   seed: int) -> None:
    """Check the learner's sort on tricky and random graphs of `node`s, on `foreign` nodes, and a deep chain."""
    rng = seeded_rng(seed)
    graphs = [(name, build(recipe, node)[-1]) for name, recipe in SMALL_GRAPHS.items()]
    graphs.append(("twelve diamonds stacked", _diamond_stack(node, 12)))
    graphs += [(f"random graph #{i}", build(random_recipe(rng), node)[-1]) for i in range(6)]
    graphs.append(("a graph of another node class (only .parents may be used)",
                   build(random_recipe(rng), foreign)[-1]))
    for name, root in graphs:
        what = f"topological_sort on {name}"
        check_topological_order(call_or_fail(learner, root, what=what), root, what)
    with _collector_paused():
        root = _chain(node, DEEP_CHAIN)
        what = f"topological_sort on a chain {DEEP_CHAIN:,} nodes deep"
        check_topological_order(call_or_fail(learner, root, what=what), root, what)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector, which would rescan the 100 000 live nodes again and again
    (a graph of Scalars has no reference cycles, so nothing is left uncollected)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- Gradients ------------------------------------------------------------------------------------

def _order(root: Any) -> list:
    from solutions import topological_sort  # the reference order, used only by the mistake models

    return topological_sort(root)


def _model(*, accumulate: bool = True, use_d_out: bool = True, reverse: bool = False,
           use_local: bool = True) -> Callable[[Any, float], None]:
    """backpropagate with one of its parts broken."""

    def backpropagate(root: Any, d_out: float = 1.0) -> None:
        arriving = {id(root): d_out if use_d_out else 1.0}
        order = _order(root)
        for node in order[::-1] if reverse else order:
            d_node = arriving.pop(id(node), 0.0)
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


def _compare_gradients(learner: Callable[..., object], recipe: Recipe, node: NodeClass, reference: NodeClass,
                       d_out: float, calls: int, what: str) -> None:
    ref_nodes = build(recipe, reference)
    for _ in range(calls):
        ref_nodes[-1].backward(d_out)
    expected = _gradients(ref_nodes)
    got = _run(learner, recipe, node, d_out, calls)
    if got.error is None and is_close(got.value, expected, 1e-9, 1e-12):
        return
    if got.error is not None:
        raise AssertionError(error_message(what, got.error)) from got.error
    models = {name: _run(model, recipe, node, d_out, calls) for name, model in BACKPROPAGATE_MISTAKES.items()}
    likely = [name for name, model in models.items()
              if model.error is None and not is_close(model.value, expected, 1e-9, 1e-12)
              and is_close(got.value, model.value, 1e-7, 1e-12)]
    first = next(i for i, (g, e) in enumerate(zip(got.value, expected)) if not is_close(g, e, 1e-9, 1e-12))
    name = ref_nodes[first].name or f"node #{first} ({ref_nodes[first].op})"
    detail = f"{what}: the gradient of {name}"
    hint = "" if likely else "backpropagate walks your topological_sort: if its tests fail, fix those first."
    raise AssertionError(failure_message(detail, expected[first], Outcome(value=got.value[first]), likely, hint))


def check_backpropagate_against(learner: Callable[..., object], node: NodeClass, reference: NodeClass,
                                seed: int) -> None:
    """Compare the learner's gradients with the reference's on tricky and random graphs, called once and
    twice (gradients must double), then check that zero_grad clears them and one more call gives them back."""
    rng = seeded_rng(seed)
    cases = [(name, recipe, 1.0) for name, recipe in SMALL_GRAPHS.items()]
    cases += [(f"random graph #{i}", random_recipe(rng), float(rng.uniform(-3, 3))) for i in range(6)]
    for name, recipe, d_out in cases:
        _compare_gradients(learner, recipe, node, reference, d_out, 1, f"backpropagate on {name}, d_out={d_out:.4g}")
    for name, recipe, d_out in cases[1:4]:
        _compare_gradients(learner, recipe, node, reference, d_out, 2,
                           f"backpropagate called twice on {name} (each gradient must be twice the one-call value)")
    _check_zero_grad(learner, cases[3][1], node, reference)


def _check_zero_grad(learner: Callable[..., object], recipe: Recipe, node: NodeClass, reference: NodeClass) -> None:
    nodes = build(recipe, node)
    call_or_fail(learner, nodes[-1], 1.0, what="backpropagate before zero_grad")
    call_or_fail(nodes[-1].zero_grad, what="root.zero_grad() (it walks your topological_sort)")
    left = [n for n in reachable(nodes[-1]) if n.grad != 0.0]
    if left:
        raise AssertionError(f"after root.zero_grad(), {node_label(left[0])} still has grad {format_answer(left[0].grad)}: "
                             "zero_grad resets every node topological_sort(root) lists; check that your sort lists "
                             "every node")
    ref_nodes = build(recipe, reference)
    ref_nodes[-1].backward(1.0)
    call_or_fail(learner, nodes[-1], 1.0, what="backpropagate after zero_grad")
    expected, got = _gradients(ref_nodes), _gradients(nodes)
    if not is_close(got, expected, 1e-9, 1e-12):
        raise AssertionError("backpropagate after zero_grad should give the one-call gradients again\n"
                             f"  expected: {format_answer(expected)}\n  got:      {format_answer(got)}")
