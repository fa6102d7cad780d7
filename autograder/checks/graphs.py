"""Checks for notebook 04: topological order of a computation graph, and backpropagation over it.

A topological order is checked by its property (every node once, the root first, each node before
its inputs), never against one list, so depth-first search and Kahn's method both pass. Gradients
are compared with the reference `Scalar` built from the same recipe, and a wrong answer is named by
running known-wrong versions of `backpropagate` (mistake models) on the same graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
import gc
from typing import Any

from .compare import failure_message, format_answer, is_close, run_quietly, Outcome, seeded_rng

NodeClass = Callable[[float], Any]
"""A node class built from a number, with + - * and `.parents` (the learner's Scalar or the reference)."""

DEEP_CHAIN = 100_000

GRADIENT_MISTAKES = {
    "overwritten": "a gradient was overwritten instead of summed: a node used twice (a + a, or by two "
                   "nodes) must add up every contribution, `total[p] = total.get(p, 0) + ...`",
    "order": "nodes visited in the wrong order (inputs first?): walk topological_sort(root) from the "
             "front, so each node's gradient is complete before it is passed on",
    "d_out": "d_out was ignored: the root's gradient starts at d_out, not at 1",
    "local": "the local derivative was left out: multiply the node's gradient by node.local_grads[i] "
             "before sending it to parents[i]",
    "one_path": "only one path was counted (a gradient overwritten instead of summed?): a node reached "
                "along two paths gets the sum of both",
    "pushed_grad": "the pass pushed each node's .grad, which still held the previous call's total: keep "
                   "this pass's gradients in a dictionary and add them to .grad, so that calling twice "
                   "gives exactly twice the gradient",
    "reset": "the pass reset .grad instead of adding to it: gradients accumulate over calls until "
             "zero_grad()",
}


# --- Reading graphs without recursion -----------------------------------------------------------

def _label(node: Any) -> str:
    """How a message names a node: its name or else its operation, then what else is known."""
    name = getattr(node, "name", None)
    op = getattr(node, "op", "") or "input"
    value = getattr(node, "value", None)
    details = ([op] if name else []) + ([f"value {value:.4g}"] if isinstance(value, float) else [])
    head = repr(name) if name else f"a {op!r} node"
    return f"{head} ({', '.join(details)})" if details else head


def reachable(root: Any) -> list:
    """Every node `root` depends on, root included, in no particular order (iterative)."""
    seen, stack, found = {id(root)}, [root], []
    while stack:
        node = stack.pop()
        found.append(node)
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return found


def _order_problem(order: list, root: Any, nodes: list) -> str | None:
    """What makes `order` not a topological order of root's graph (`nodes`), or None when it is one."""
    wanted = {id(n) for n in nodes}
    position: dict[int, int] = {}
    for i, node in enumerate(order):
        if id(node) not in wanted:
            return (f"the list holds {_label(node)}, which the root does not depend on (or which is not a "
                    "node at all): list only the nodes reached through .parents")
        if id(node) in position:
            count = sum(1 for other in order if other is node)
            return (f"{_label(node)} appears {count} times (more than once): keep a set of the nodes already "
                    "seen, or a node reached along two paths (a + a, a diamond) is listed again")
        position[id(node)] = i
    missing = [n for n in nodes if id(n) not in position]
    if missing:
        return (f"{len(missing)} of the {len(nodes)} nodes are missing, e.g. {_label(missing[0])}: every node "
                "the root depends on must be listed, inputs included")
    if order[0] is not root:
        if order[-1] is root and _order_problem(order[::-1], root, nodes) is None:
            return "the list runs inputs first and ends with the root: reverse it (`return order[::-1]`)"
        return f"the list starts with {_label(order[0])}; it must start with the root"
    for node in order:
        for parent in node.parents:
            if position[id(parent)] < position[id(node)]:
                return (f"{_label(parent)} is listed before {_label(node)}, which uses it. Every node must come "
                        "after all the nodes that use it; listing a node as soon as it is first reached "
                        "(breadth-first, or depth-first before its parents are done) breaks this when a node "
                        "is reached by a short path and a long one, as in x + 3·x")
    return None


def check_topological_order(order: object, root: Any, what: str = "") -> None:
    """Assert that `order` lists every node of root's graph once, root first, each before its parents."""
    nodes = reachable(root)
    what = what or f"topological_sort(root) for a graph of {len(nodes)} nodes"
    if order is None:
        problem = "the function returned None; did you forget `return`?"
    elif not isinstance(order, Iterable) or isinstance(order, (str, bytes)):
        problem = f"expected a list of nodes, got a {type(order).__name__}"
    else:
        order = list(order)
        problem = "the list is empty; it must hold at least the root" if not order else _order_problem(order, root, nodes)
    if problem:
        raise AssertionError(
            f"{what}\n  expected: a list of all the nodes, root first, each before its inputs\n"
            f"  Problem: {problem}."
        )


def _error_message(what: str, error: BaseException) -> str:
    if isinstance(error, NotImplementedError):
        advice = "Not written yet: replace `raise NotImplementedError()` with your code."
    elif isinstance(error, RecursionError):
        advice = ("Likely mistake: recursion. Python stops at about 1000 nested calls; keep your own stack "
                  "(a list of (node, iterator over its parents) pairs) in a while loop, or use Kahn's method.")
    else:
        advice = "Your function raised this error; read the message above it for the line."
    return f"{what}\n  got: an error: {type(error).__name__}: {error}\n  {advice}"


def _call(learner: Callable[..., object], *args: object, what: str) -> object:
    outcome = run_quietly(learner, *args)
    if outcome.error is not None:
        raise AssertionError(_error_message(what, outcome.error)) from outcome.error
    return outcome.value


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
        check_topological_order(_call(learner, root, what=what), root, what)
    with _collector_paused():
        root = _chain(node, DEEP_CHAIN)
        what = f"topological_sort on a chain {DEEP_CHAIN:,} nodes deep"
        check_topological_order(_call(learner, root, what=what), root, what)


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

def check_gradient(got: object, expected: float, what: str,
                   mistakes: Mapping[str, float | Sequence[float]] | None = None, rtol: float = 1e-9) -> None:
    """Assert one gradient; `mistakes` maps a mistake to the value (or values) it would give here."""
    if is_close(got, expected, rtol, 1e-12):
        return
    likely = [name for name, values in (mistakes or {}).items()
              if any(is_close(got, v, 1e-6, 1e-12) for v in (values if isinstance(values, Sequence) else [values]))]
    raise AssertionError(failure_message(what, expected, Outcome(value=got), likely))


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
        raise AssertionError(_error_message(what, got.error)) from got.error
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
    _call(learner, nodes[-1], 1.0, what="backpropagate before zero_grad")
    _call(nodes[-1].zero_grad, what="root.zero_grad() (it walks your topological_sort)")
    left = [n for n in reachable(nodes[-1]) if n.grad != 0.0]
    if left:
        raise AssertionError(f"after root.zero_grad(), {_label(left[0])} still has grad {format_answer(left[0].grad)}: "
                             "zero_grad resets every node topological_sort(root) lists; check that your sort lists "
                             "every node")
    ref_nodes = build(recipe, reference)
    ref_nodes[-1].backward(1.0)
    _call(learner, nodes[-1], 1.0, what="backpropagate after zero_grad")
    expected, got = _gradients(ref_nodes), _gradients(nodes)
    if not is_close(got, expected, 1e-9, 1e-12):
        raise AssertionError("backpropagate after zero_grad should give the one-call gradients again\n"
                             f"  expected: {format_answer(expected)}\n  got:      {format_answer(got)}")
