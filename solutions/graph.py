"""Ordering a computation graph and running the chain rule over it, without recursion.

The backward walk is written once, in `backward_steps`, against a small protocol (`Differentiable`)
that both `Scalar` and `Tensor` meet; `backpropagate` and `Tensor.backward` only store what it yields.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from operator import attrgetter
from typing import Any, Protocol

creation_order = itertools.count()
"""Numbers for Scalars and Tensors as they are made: a node is always made after its inputs."""


class Differentiable(Protocol):
    """What the backward walk needs of a node: its inputs, whether it wants a gradient, when it was
    made (`next(creation_order)`), and how to turn its own gradient into one piece per input (None
    for an input that wants none)."""

    parents: tuple[Any, ...]
    requires_grad: bool
    created: int

    def gradient_pieces(self, d_out: Any) -> Sequence[Any]: ...


def _not_a_node(node: Any) -> TypeError:
    return TypeError(
        f"expected a graph node with a .parents attribute (a Scalar, say), "
        f"got {type(node).__name__}: {node!r:.60}"
    )


def _count_users(root: Any) -> dict[Any, int]:
    """For every node reachable from `root`, how many edges lead into it from nodes that use it.

    Nodes are told apart by identity (the dict's keys are the nodes, hashed by id, which is faster
    than calling id()): a node class must keep object's == and hash, as Scalar and Tensor do.
    """
    users = {root: 0}
    found = [root]
    try:
        for node in found:  # `found` grows as the walk goes: each reachable node is visited once
            for parent in node.parents:
                if parent in users:
                    users[parent] += 1
                else:
                    users[parent] = 1
                    found.append(parent)
    except AttributeError:
        raise _not_a_node(node) from None
    return users


def topological_sort(root: Any) -> list:
    """Every node reachable from `root` once, `root` first, each node before all of its parents.

    Kahn's algorithm run from the output: a node is placed once every node that uses it has been
    placed. Loops instead of recursion, so a chain a million nodes deep is fine; a cycle (impossible
    for Scalars, possible for hand-made nodes) leaves nodes unplaced and raises ValueError.
    """
    if not hasattr(root, "parents"):
        raise _not_a_node(root)
    users = _count_users(root)
    if users[root]:
        raise ValueError(f"the graph has a cycle through its root {root!r:.60}: backprop needs a DAG")
    order = []
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node.parents:
            users[parent] -= 1
            if not users[parent]:
                ready.append(parent)
    if len(order) != len(users):
        raise ValueError(
            f"the graph has a cycle: {len(users) - len(order)} node(s) depend on themselves; backprop needs a DAG"
        )
    return order


def _wanting_gradients(root: Differentiable) -> list:
    """Every node reachable from `root` through nodes that want a gradient, `root` first."""
    found = [root]
    seen = {root}
    for node in found:  # `found` grows as the walk goes: each such node is visited once
        for parent in node.parents:
            if parent.requires_grad and parent not in seen:
                seen.add(parent)
                found.append(parent)
    return found


def backward_steps(root: Differentiable, d_root: Any) -> Iterator[tuple[Differentiable, Any]]:
    """Each node that wants a gradient, in topological order, with its total gradient: `d_root` for
    the root, for any other node the sum of the pieces every node using it sent.

    The order is newest first, a topological order because a node is always made after its inputs
    (notebook 05 sorts its Tensors the same way); sorting in C is quicker than Kahn's loop. A node is
    yielded only after all of its users, so its total is complete; the caller stores it, then the
    walk asks the node for the pieces it sends on. Nodes no gradient reaches are left out.
    """
    incoming = {root: d_root}
    for node in sorted(_wanting_gradients(root), key=attrgetter("created"), reverse=True):
        d_node = incoming.pop(node, None)
        if d_node is None:
            continue
        yield node, d_node
        for parent, piece in zip(node.parents, node.gradient_pieces(d_node)):
            if piece is not None:
                incoming[parent] = piece if parent not in incoming else incoming[parent] + piece


def backpropagate(root: Differentiable, d_out: float = 1.0) -> None:
    """Add ∂root/∂node · d_out to every node's `.grad`, visiting nodes in topological order.

    Each node's total is summed from all the nodes it feeds before it passes anything on,
    and a second call adds the same amounts again (gradients accumulate until zero_grad()).
    """
    for node, d_node in backward_steps(root, float(d_out)):
        node.grad += d_node
