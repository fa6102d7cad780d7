"""Visible-test checks for notebook 04: topological order of a computation graph, and gradients.

A topological order is checked by its property (every node once, the root first, each node before
its inputs), never against one list, so depth-first search and Kahn's method both pass. A gradient
is compared with the number written in the test cell, and the mistakes it may show are named by the
values the cell writes beside them (`GRADIENT_MISTAKES` holds their sentences).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..graph_cases import reachable
from ..recording import RECORDED_MISTAKES
from ..unwritten import STUB_ADVICE
from .compare import CheckFailed, Outcome, failure_message, is_close, run_quietly

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
    "root": "the root's own .grad was left out: backpropagate adds d_out to the root too (root included), "
            "even when the root is a lone input with no parents",
}


# --- Reading graphs without recursion -----------------------------------------------------------

def node_label(node: Any) -> str:
    """How a message names a node: its name or else its operation, then what else is known."""
    name = getattr(node, "name", None)
    op = getattr(node, "op", "") or "input"
    value = getattr(node, "value", None)
    details = ([op] if name else []) + ([f"value {value:.4g}"] if isinstance(value, float) else [])
    head = repr(name) if name else f"a {op!r} node"
    return f"{head} ({', '.join(details)})" if details else head


def _order_problem(order: list, root: Any, nodes: list) -> str | None:
    """What makes `order` not a topological order of root's graph (`nodes`), or None when it is one."""
    wanted = {id(n) for n in nodes}
    position: dict[int, int] = {}
    for i, node in enumerate(order):
        if id(node) not in wanted:
            return (f"the list holds {node_label(node)}, which the root does not depend on (or which is not a "
                    "node at all): list only the nodes reached through .parents")
        if id(node) in position:
            count = sum(1 for other in order if other is node)
            return (f"{node_label(node)} appears {count} times (more than once): keep a set of the nodes already "
                    "seen, or a node reached along two paths (a + a, a diamond) is listed again")
        position[id(node)] = i
    missing = [n for n in nodes if id(n) not in position]
    if missing:
        return (f"{len(missing)} of the {len(nodes)} nodes are missing, e.g. {node_label(missing[0])}: every node "
                "the root depends on must be listed, inputs included")
    if order[0] is not root:
        if order[-1] is root and _order_problem(order[::-1], root, nodes) is None:
            return "the list runs inputs first and ends with the root: reverse it (`return order[::-1]`)"
        return f"the list starts with {node_label(order[0])}; it must start with the root"
    for node in order:
        for parent in node.parents:
            if position[id(parent)] < position[id(node)]:
                return (f"{node_label(parent)} is listed before {node_label(node)}, which uses it. Every node must come "
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
        raise CheckFailed(
            f"{what}\n  expected: a list of all the nodes, root first, each before its inputs\n"
            f"  Problem: {problem}."
        )


def error_message(what: str, error: BaseException) -> str:
    """What a message says when the learner's function raised: the error, and advice for its kind."""
    if isinstance(error, NotImplementedError):
        advice = STUB_ADVICE
    elif isinstance(error, RecursionError):
        advice = ("Likely mistake: recursion. Python stops at about 1000 nested calls; keep your own stack "
                  "(a list of (node, iterator over its parents) pairs) in a while loop, or use Kahn's method.")
    elif type(error).__name__ in RECORDED_MISTAKES:
        advice = "(Your function raised nothing: the test found this.)"
    else:
        advice = "Your function raised this error; read the message above it for the line."
    return f"{what}\n  got: an error: {type(error).__name__}: {error}\n  {advice}"


def call_or_fail(learner: Callable[..., object], *args: object, what: str) -> object:
    """The learner's answer, or a CheckFailed saying what the call raised."""
    outcome = run_quietly(learner, *args)
    if outcome.error is not None:
        raise CheckFailed(error_message(what, outcome.error)) from outcome.error
    return outcome.value


def check_sort(sort: Callable[[Any], object], root: Any, what: str = "") -> None:
    """Call the learner's `sort(root)` and assert a topological order; an error it raises (the stub,
    recursion on a deep graph) becomes the message instead of a traceback."""
    what = what or f"{getattr(sort, '__name__', 'your sort')}(root) for a graph of {len(reachable(root))} nodes"
    check_topological_order(call_or_fail(sort, root, what=what), root, what)


# --- Gradients ------------------------------------------------------------------------------------

def check_gradient(got: object, expected: float, what: str,
                   mistakes: Mapping[str, float | Sequence[float]] | None = None, rtol: float = 1e-9) -> None:
    """Assert one gradient; `mistakes` maps a mistake to the value (or values) it would give here."""
    if is_close(got, expected, rtol, 1e-12):
        return
    likely = [name for name, values in (mistakes or {}).items()
              if any(is_close(got, v, 1e-6, 1e-12) for v in (values if isinstance(values, Sequence) else [values]))]
    raise CheckFailed(failure_message(what, expected, Outcome(value=got), likely))
