"""`GraphView`: a computation graph you step through, values flowing forward and gradients back."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from . import drawing as d
from .graph_picture import Flow, GraphPicture, NodeLook
from .nodes import format_number, read_graph
from .passes import GraphPasses, PassState
from .stepping import StepView


class GraphView(StepView):
    """Step through the forward pass (values) and backward pass (gradients) of any node's graph.

    Works with any node that has value, grad, parents and op (and optionally name). Partial sums
    are computed as `backpropagate` would, from each node's `box` (03) or `local_grads` (04, one
    local derivative per parent); without either, each node's `.grad` is shown. Nodes are not modified.
    """

    css_class = "backprop-graph-view"

    def __init__(self, root: Any):
        self.graph = read_graph(root, "GraphView")
        self.passes = GraphPasses(self.graph)
        self.picture = GraphPicture(self.graph)
        super().__init__(self.passes.n_steps)

    def state(self) -> PassState:
        """What the passes have shown up to the current step."""
        return self.passes.state(self.step)

    def summary(self) -> str:
        g, state = self.graph, self.state()
        lines = [f"GraphView of {len(g)} nodes, step {self.step} of {self.n_steps - 1}: {state.note}"]
        if not self.passes.computes:
            lines.append("(these nodes have no box or local_grads, so gradients are read from each node's .grad)")
        if self.picture.large:
            lines.append(f"{self.picture.large_note}. At this step {len(state.known)} values and "
                         f"{len(state.final)} final gradients are known.")
            return "\n".join(lines)
        for node in reversed(range(len(g))):  # inputs first, as they were built
            value = format_number(g.nodes[node].value, 6) if node in state.known else "not yet computed"
            grad = self.passes.gradient(node, state)
            grad_text = "not yet reached" if grad is None else format_number(grad, 6)
            status = " (final)" if node in state.final else " (partial sum)" if grad is not None else ""
            lines.append(f"  {g.labels[node]}: value {value}, grad {grad_text}{status}")
        return "\n".join(lines)

    def figure(self) -> Figure:
        state = self.state()
        fig, ax, fontsize = self.picture.canvas(f"step {self.step} of {self.n_steps - 1} · {state.note}")
        looks = [self._look(node, state) for node in range(len(self.graph))]
        colour = d.BACKWARD_FLOW if state.phase == "backward" else d.FORWARD_FLOW
        flows = [Flow(a, b, colour, None if amount is None else format_number(amount))
                 for a, b, amount in state.flows]
        self.picture.draw_step(ax, looks, flows, fontsize, self.passes.d_out if state.d_out_arrives else None)
        d.legend(ax, [(d.FILL_VALUE, d.INK, "value known"), (d.FILL_PARTIAL, d.INK, "gradient being summed"),
                      (d.FILL_FINAL, d.INK, "gradient final"), ("white", d.CURRENT, "this step's node")],
                 [(d.FORWARD_FLOW, "inputs used"), (d.BACKWARD_FLOW, "gradient sent back")],
                 fontsize=fontsize * 0.9)
        return fig

    def _look(self, node: int, state: PassState) -> NodeLook:
        g = self.graph
        grad = self.passes.gradient(node, state)
        lines = [g.title(node),
                 f"value {format_number(g.nodes[node].value)}" if node in state.known else "value –",
                 "grad –" if grad is None else f"grad {format_number(grad)}" + ("" if node in state.final else " so far")]
        pieces = state.received.get(node, []) if self.passes.computes else []
        if len(pieces) > 1:
            lines.append(" + ".join(format_number(p, 3) for p in pieces) if len(pieces) <= 3
                         else f"sum of {len(pieces)} pieces")
        fill = (d.FILL_FINAL if node in state.final else d.FILL_PARTIAL if grad is not None
                else d.FILL_VALUE if node in state.known else d.FILL_EMPTY)
        return NodeLook(lines, fill, current=node == state.current, dashed=node not in state.known)
