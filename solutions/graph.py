"""Ordering a computation graph and running the chain rule over it, without recursion."""

from __future__ import annotations

from typing import Any


def _require_node(node: Any) -> None:
    if not hasattr(node, "parents"):
        raise TypeError(
            f"expected a graph node with a .parents attribute (a Scalar, say), "
            f"got {type(node).__name__}: {node!r:.60}"
        )


def _count_users(root: Any) -> dict[int, int]:
    """For every node reachable from `root` (by id), how many edges lead into it from nodes that use it."""
    _require_node(root)
    users = {id(root): 0}
    found = [root]
    for node in found:  # `found` grows as the walk goes: each reachable node is visited once
        for parent in node.parents:
            key = id(parent)
            if key in users:
                users[key] += 1
            else:
                _require_node(parent)
                users[key] = 1
                found.append(parent)
    return users


def topological_sort(root: Any) -> list:
    """Every node reachable from `root` once, `root` first, each node before all of its parents.

    Kahn's algorithm run from the output: a node is placed once every node that uses it has been
    placed. Loops instead of recursion, so a chain a million nodes deep is fine; a cycle (impossible
    for Scalars, possible for hand-made nodes) leaves nodes unplaced and raises ValueError.
    """
    users = _count_users(root)
    if users[id(root)]:
        raise ValueError(f"the graph has a cycle through its root {root!r:.60}: backprop needs a DAG")
    order = []
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            key = id(parent)
            users[key] -= 1
            if users[key] == 0:
                ready.append(parent)
    if len(order) != len(users):
        raise ValueError(
            f"the graph has a cycle: {len(users) - len(order)} node(s) depend on themselves; backprop needs a DAG"
        )
    return order


def backpropagate(root: Any, d_out: float = 1.0) -> None:
    """Add ∂root/∂node · d_out to every node's `.grad`, visiting nodes in topological order.

    Each node's total is summed from all the nodes it feeds before it passes anything on,
    and a second call adds the same amounts again (gradients accumulate until zero_grad()).
    """
    incoming = {id(root): float(d_out)}
    for node in topological_sort(root):
        d_node = incoming.pop(id(node), 0.0)
        node.grad += d_node
        if node.box is None:
            continue
        d_inputs = node.box.backward(d_node)
        if len(node.parents) == 1:
            d_inputs = (d_inputs,)
        for parent, d_parent in zip(node.parents, d_inputs):
            key = id(parent)
            incoming[key] = incoming.get(key, 0.0) + d_parent
