"""`ForwardReverseView`: one graph, tangents carried forward from one input, then gradients sent back.

The forward pass shows every node's value and its tangent, the derivative with respect to the one
input that was given tangent 1; the backward pass then shows every node's gradient, the derivative
of the output with respect to it. After both, the picture holds one column of the Jacobian (from the
forward pass) beside one row of it (from the backward pass): the asymmetry of the two modes.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from . import drawing as d
from .graph_picture import Flow, GraphPicture, NodeLook
from .nodes import format_number, read_graph
from .passes import GraphPasses, PassState, gradient_pieces
from .stepping import StepView

class ForwardReverseView(StepView):
    """Step through forward mode (tangents from `seed`, an input of the graph) and reverse mode (gradients).

    `root` is any node with value, grad, parents, op and either a `box` whose backward(1.0) gives the local
    derivatives (a Scalar, or a node class built on the boxes) or `local_grads`, one per parent; `seed`
    is one of its input nodes, or its name. The nodes are not modified.
    """

    css_class = "backprop-forward-reverse-view"

    def __init__(self, root: Any, seed: Any):
        self.graph = read_graph(root, "ForwardReverseView")
        self.passes = GraphPasses(self.graph)
        if not self.passes.computes:
            raise TypeError("ForwardReverseView needs every computed node to hold the `box` it was made by, or "
                            "`local_grads` (one local derivative per parent); draw this graph with GraphView instead")
        self.seed = self._find_seed(seed)
        self.tangents, self.pieces = self._carry_tangents()
        self.picture = GraphPicture(self.graph)
        super().__init__(self.passes.n_steps)

    def _find_seed(self, seed: Any) -> int:
        g = self.graph
        for i, node in enumerate(g.nodes):
            if g.is_leaf(i) and (node is seed or (isinstance(seed, str) and getattr(node, "name", None) == seed)):
                return i
        inputs = ", ".join(g.labels[i] for i in range(len(g)) if g.is_leaf(i))
        raise ValueError(f"ForwardReverseView: the seed {seed!r:.40} is not an input of this graph; "
                         f"pass one of its input nodes or their names ({inputs})")

    def _carry_tangents(self) -> tuple[list[float], dict[int, list[float]]]:
        """Every node's tangent (d node / d seed) and, per computed node, the term each input adds to it."""
        g = self.graph
        tangents = [1.0 if i == self.seed else 0.0 for i in range(len(g))]
        pieces: dict[int, list[float]] = {}
        for node in self.passes.forward_order:
            local = gradient_pieces(g.nodes[node], 1.0)
            pieces[node] = [float(partial) * tangents[parent] for partial, parent in zip(local, g.parents[node])]
            tangents[node] = sum(pieces[node], 0.0)
        return tangents, pieces

    def state(self) -> PassState:
        """What the two passes have shown up to the current step."""
        return self.passes.state(self.step)

    @property
    def seed_label(self) -> str:
        return self.graph.labels[self.seed]

    def summary(self) -> str:
        g, state = self.graph, self.state()
        root = g.labels[0]
        lines = [f"ForwardReverseView of {len(g)} nodes, step {self.step} of {self.n_steps - 1}: {self._note(state)}"]
        for node in reversed(range(len(g))):
            if node not in state.known:
                lines.append(f"  {g.labels[node]}: not yet computed")
                continue
            grad = self.passes.gradient(node, state)
            grad_text = "not yet reached" if grad is None else format_number(grad, 6)
            lines.append(f"  {g.labels[node]}: value {format_number(g.nodes[node].value, 6)}, "
                         f"tangent d{g.labels[node]}/d{self.seed_label} {format_number(self.tangents[node], 6)}, "
                         f"gradient d{root}/d{g.labels[node]} {grad_text}")
        if self.step == self.n_steps - 1:
            inputs = [i for i in range(len(g)) if g.is_leaf(i)]
            lines.append(f"One forward pass gave d{root}/d{self.seed_label} only "
                         f"({format_number(self.tangents[0], 6)}); one backward pass gave d{root}/d(input) "
                         f"for all {len(inputs)} inputs.")
        return "\n".join(lines)

    def _note(self, state: PassState) -> str:
        if state.phase == "start":
            return (f"the inputs hold their values; {self.seed_label} carries tangent 1, every other input 0; "
                    "next ▶ runs the forward pass")
        if state.phase == "forward":
            node = state.current
            terms = " + ".join(format_number(p) for p in self.pieces[node])
            return f"{state.note}, tangent {terms} = {format_number(self.tangents[node])}"
        return state.note

    def figure(self) -> Figure:
        state = self.state()
        fig, ax, fontsize = self.picture.canvas(f"step {self.step} of {self.n_steps - 1} · {self._note(state)}")
        looks = [self._look(node, state) for node in range(len(self.graph))]
        if state.phase == "forward":
            node = state.current
            flows = [Flow(parent, node, d.FORWARD_FLOW, f"+{format_number(piece)}")
                     for parent, piece in zip(self.graph.parents[node], self.pieces[node])]
        else:
            flows = [Flow(a, b, d.BACKWARD_FLOW, None if amount is None else format_number(amount))
                     for a, b, amount in state.flows]
        self.picture.draw_step(ax, looks, flows, fontsize, self.passes.d_out if state.d_out_arrives else None)
        d.legend(ax, [(d.FILL_VALUE, d.INK, "value, tangent"), (d.FILL_PARTIAL, d.INK, "gradient summing"),
                      (d.FILL_FINAL, d.INK, "gradient final"), ("white", d.CURRENT, "this step")],
                 [(d.FORWARD_FLOW, f"tangent (d/d{self.seed_label})"), (d.BACKWARD_FLOW, "gradient back")],
                 fontsize=fontsize * 0.9)
        return fig

    def _look(self, node: int, state: PassState) -> NodeLook:
        g = self.graph
        grad = self.passes.gradient(node, state)
        known = node in state.known
        lines = [g.title(node),
                 f"value {format_number(g.nodes[node].value)}" if known else "value –",
                 f"tangent {format_number(self.tangents[node])}" if known else "tangent –",
                 "grad –" if grad is None else f"grad {format_number(grad)}" + ("" if node in state.final else " so far")]
        fill = (d.FILL_FINAL if node in state.final else d.FILL_PARTIAL if grad is not None
                else d.FILL_VALUE if known else d.FILL_EMPTY)
        return NodeLook(lines, fill, current=node == state.current, dashed=not known)
