"""The forward and backward passes over a graph, replayed up to any step, as data to draw.

Gradients are replayed step by step, without writing to the nodes, from what each node exposes to
compute with: a `box` whose `.backward(total)` turns the node's summed gradient into one piece per
input (notebook 03), or `local_grads`, one local derivative per parent, each piece being
total · local (notebook 04). A node with neither shows the `.grad` it already holds instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .nodes import NodeGraph, format_number


@dataclass
class PassState:
    """What is visible after a given step of the two passes."""

    phase: str  # "start", "forward" or "backward"
    note: str
    current: int | None = None
    known: set[int] = field(default_factory=set)  # nodes whose value is shown
    received: dict[int, list[float]] = field(default_factory=dict)  # gradient pieces so far
    final: set[int] = field(default_factory=set)  # nodes whose gradient is complete
    flows: list[tuple[int, int, float | None]] = field(default_factory=list)  # (from, to, amount)
    d_out_arrives: bool = False


class GraphPasses:
    """Step 0 shows the inputs, then one step per computed node forward, then one per node back."""

    def __init__(self, graph: NodeGraph, d_out: float = 1.0):
        self.graph = graph
        self.d_out = float(d_out)
        n = len(graph)
        self.forward_order = [i for i in reversed(range(n)) if not graph.is_leaf(i)]
        self.computes = all(_can_compute(graph.nodes[i]) for i in self.forward_order)

    @property
    def n_steps(self) -> int:
        return 1 + len(self.forward_order) + len(self.graph)

    def state(self, step: int) -> PassState:
        """Replay the passes from the start to `step` (cheap, and nothing is stored per step)."""
        g = self.graph
        leaves = {i for i in range(len(g)) if g.is_leaf(i)}
        forward_steps = min(step, len(self.forward_order))
        state = PassState("start", self._start_note(leaves), known=leaves | set(self.forward_order[:forward_steps]))
        if step == 0:
            return state
        if step <= len(self.forward_order):
            node = self.forward_order[step - 1]
            state.phase, state.current = "forward", node
            state.flows = [(parent, node, None) for parent in g.parents[node]]
            state.note = self._forward_note(node)
            return state
        state.phase = "backward"
        state.received[0] = [self.d_out]
        for node in range(step - len(self.forward_order)):
            state.current = node
            state.final.add(node)
            state.flows = self._send(node, state.received)
        state.d_out_arrives = state.current == 0
        state.note = self._backward_note(state)
        return state

    def gradient(self, node: int, state: PassState) -> float | None:
        """The gradient shown for `node`: the sum of its pieces so far, or None before any arrive."""
        if not self.computes:
            return float(self.graph.nodes[node].grad) if node in state.final else None
        pieces = state.received.get(node)
        return sum(pieces, 0.0) if pieces else None

    def _send(self, node: int, received: dict[int, list[float]]) -> list[tuple[int, int, float | None]]:
        """Pass `node`'s summed gradient on to its inputs; the edges that carried it."""
        inputs = self.graph.parents[node]
        if not inputs:
            return []
        if not self.computes:
            return [(node, parent, None) for parent in inputs]
        pieces = gradient_pieces(self.graph.nodes[node], sum(received.get(node, []), 0.0))
        for parent, piece in zip(inputs, pieces):
            received.setdefault(parent, []).append(float(piece))
        return [(node, parent, float(piece)) for parent, piece in zip(inputs, pieces)]

    def _start_note(self, leaves: set[int]) -> str:
        names = [self.graph.labels[i] for i in sorted(leaves, reverse=True)]
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        return f"the inputs ({shown}) hold their values; next ▶ runs the forward pass"

    def _forward_note(self, node: int) -> str:
        g = self.graph
        inputs = ", ".join(g.labels[p] for p in g.parents[node])
        value = format_number(g.nodes[node].value)
        return f"forward: {g.labels[node]} = {g.nodes[node].op}({inputs}) = {value}"

    def _backward_note(self, state: PassState) -> str:
        g, node = self.graph, state.current
        total = self.gradient(node, state)
        pieces = state.received.get(node, [])
        summed = " + ".join(format_number(p) for p in pieces) + " = " if len(pieces) > 1 else ""
        head = f"backward: {g.labels[node]} gets gradient {summed}{format_number(total)}"
        if state.d_out_arrives:
            head = f"backward: d_out = {format_number(self.d_out)} starts at the output {g.labels[node]}"
        if not state.flows:
            return head + "; it is an input, so its gradient is final"
        if not self.computes:
            return head + " (read from its .grad: this node has no box or local_grads to compute with)"
        sent = ", ".join(f"{format_number(a)} to {g.labels[p]}" for _, p, a in state.flows)
        via = "its box sends" if _has_box(g.nodes[node]) else "times its local derivatives, it sends"
        return f"{head}; {via} {sent}"


def _has_box(node: object) -> bool:
    return callable(getattr(getattr(node, "box", None), "backward", None))


def _can_compute(node: object) -> bool:
    """A node the passes can replay: it has a box, or one local derivative per parent."""
    return _has_box(node) or len(getattr(node, "local_grads", ())) == len(node.parents)


def gradient_pieces(node: object, total: float) -> tuple[float, ...]:
    """The gradient pieces `node` sends to its parents, in their order, given its summed gradient."""
    if _has_box(node):
        pieces = node.box.backward(total)
        return (pieces,) if len(node.parents) == 1 else tuple(pieces)
    return tuple(total * float(local) for local in node.local_grads)
