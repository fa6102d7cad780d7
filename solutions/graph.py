"""Ordering a computation graph and running the chain rule over it, without recursion."""

from __future__ import annotations

from typing import Any

_VISITING, _DONE = 1, 2


def _require_node(node: Any) -> None:
    if not hasattr(node, "parents"):
        raise TypeError(
            f"expected a graph node with a .parents attribute (a Scalar, say), "
            f"got {type(node).__name__}: {node!r:.60}"
        )


def topological_sort(root: Any) -> list:
    """Every node reachable from `root` once, `root` first, each node before all of its parents.

    Depth-first with an explicit stack, so a chain a million nodes deep needs no recursion;
    a cycle (impossible for Scalars, possible for hand-made nodes) raises ValueError.
    """
    _require_node(root)
    state = {id(root): _VISITING}
    stack = [(root, iter(root.parents))]
    finished = []  # each node lands here after all of its parents: inputs first
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            seen = state.get(id(parent))
            if seen is None:
                _require_node(parent)
                state[id(parent)] = _VISITING
                stack.append((parent, iter(parent.parents)))
                break
            if seen == _VISITING:
                raise ValueError(f"the graph has a cycle through {parent!r:.60}: backprop needs a DAG")
        else:
            stack.pop()
            state[id(node)] = _DONE
            finished.append(node)
    finished.reverse()
    return finished


def backpropagate(root: Any, d_out: float = 1.0) -> None:
    """Add ∂root/∂node · d_out to every node's `.grad`, visiting nodes in topological order.

    Each node's total is summed from all the nodes it feeds before it passes anything on,
    and a second call adds the same amounts again (gradients accumulate until zero_grad()).
    """
    incoming = {id(root): float(d_out)}
    for node in topological_sort(root):
        d_node = incoming.pop(id(node), 0.0)
        node.grad += d_node
        box = getattr(node, "box", None)
        if box is None:
            continue
        d_inputs = box.backward(d_node)
        if len(node.parents) == 1:
            d_inputs = (d_inputs,)
        for parent, d_parent in zip(node.parents, d_inputs):
            incoming[id(parent)] = incoming.get(id(parent), 0.0) + d_parent
