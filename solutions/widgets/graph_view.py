"""`GraphView`: a computation graph you step through, values flowing forward and gradients back."""

from __future__ import annotations

from typing import Any

from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from . import drawing as d
from .layout import layered_positions
from .nodes import NodeGraph, format_number, read_graph
from .passes import GraphPasses, PassState
from .stepping import StepView

LABEL_LIMIT = 60  # above this many nodes the labels would overlap: draw the shape only
COLUMN_INCHES, ROW_INCHES, MIN_WIDTH, MAX_WIDTH = 2.3, 1.3, 10.0, 13.0
TOP_INCHES, BOTTOM_INCHES = 0.6, 0.45  # room for the step's title and the legend
BOX_WIDTH, BOX_HEIGHT = 0.66, 0.76  # in columns and rows


def graph_geometry(graph: NodeGraph) -> tuple[list[tuple[float, float]], float, float]:
    """Node positions plus the number of columns and of rows they span."""
    positions = layered_positions(graph.parents)
    columns = max(x for x, _ in positions) + 1
    rows = max(abs(y) for _, y in positions) * 2 + 1
    return positions, columns, rows


def edge_paths(graph: NodeGraph, positions) -> dict[tuple[int, int, int], tuple]:
    """(consumer, input, k-th use) -> (start, end, bend): repeated uses (a + a) fan apart."""
    uses: dict[tuple[int, int], int] = {}
    paths = {}
    for child, parent in graph.edges():
        k = uses[child, parent] = uses.get((child, parent), 0) + 1
        count = graph.parents[child].count(parent)
        (xp, yp), (xc, yc) = positions[parent], positions[child]
        spread = (k - (count + 1) / 2) * 0.22
        bend = spread if count > 1 else (-0.12 if xc - xp > 1 else 0.0)
        paths[child, parent, k] = ((xp + BOX_WIDTH / 2, yp + spread * 0.6),
                                   (xc - BOX_WIDTH / 2, yc + spread * 0.6), bend)
    return paths


class GraphView(StepView):
    """Step through the forward pass (values) and backward pass (gradients) of any node's graph.

    Works with any node that has value, grad, parents and op (and optionally name). Gradients
    are computed from each node's box as `backpropagate` would; the nodes are not modified.
    """

    css_class = "backprop-graph-view"

    def __init__(self, root: Any):
        self.graph = read_graph(root, "GraphView")
        self.passes = GraphPasses(self.graph)
        self.positions, self.columns, self.rows = graph_geometry(self.graph)
        self.large = len(self.graph) > LABEL_LIMIT
        super().__init__(self.passes.n_steps)

    def state(self) -> PassState:
        return self.passes.state(self.step)

    def summary(self) -> str:
        g, state = self.graph, self.state()
        lines = [f"GraphView of {len(g)} nodes, step {self.step} of {self.n_steps - 1}: {state.note}"]
        if not self.passes.uses_boxes:
            lines.append("(these nodes have no box, so gradients are read from each node's .grad)")
        if self.large:
            lines.append(f"{len(g)} nodes are too many to label (more than {LABEL_LIMIT}): the picture "
                         f"shows the shape only; {len(state.known)} values and {len(state.final)} "
                         "final gradients are known at this step")
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
        if self.large:
            return self._figure_large(state)
        natural = (self.columns + 0.6) * COLUMN_INCHES
        width = min(max(natural, MIN_WIDTH), MAX_WIDTH)
        scale = min(width / natural, 1.0)
        graph_height = self.rows * ROW_INCHES * scale
        height = graph_height + TOP_INCHES + BOTTOM_INCHES
        fig = d.new_figure(width, height)
        ax = d.bare_axes(fig, (0.0, BOTTOM_INCHES / height, 1.0, graph_height / height))
        spare = (width / (COLUMN_INCHES * scale) - self.columns - 0.6) / 2
        ax.set_xlim(-0.5 - spare, self.columns + 0.1 + spare)
        ax.set_ylim(-self.rows / 2, self.rows / 2)
        fontsize = max(10 * scale, 6.5)
        self._draw_edges(ax, state, fontsize)
        for node, (x, y) in enumerate(self.positions):
            self._draw_node(ax, node, x, y, state, fontsize)
        if state.d_out_arrives:
            x, y = self.positions[0]
            d.arrow(ax, (x + BOX_WIDTH / 2 + 0.55, y), (x + BOX_WIDTH / 2, y), colour=d.BACKWARD_FLOW,
                    width=2.5, label=f"d_out = {format_number(self.passes.d_out)}", fontsize=fontsize * 0.9)
        fig.suptitle(f"step {self.step} of {self.n_steps - 1} · {state.note}", fontsize=fontsize * 1.05,
                     x=0.01, ha="left", y=0.985, wrap=True)
        self._legend(ax, fontsize * 0.9)
        return fig

    def _draw_node(self, ax, node: int, x: float, y: float, state: PassState, fontsize: float) -> None:
        g = self.graph
        grad = self.passes.gradient(node, state)
        lines = [g.title(node),
                 f"value {format_number(g.nodes[node].value)}" if node in state.known else "value –",
                 "grad –" if grad is None else f"grad {format_number(grad)}" + ("" if node in state.final else " so far")]
        pieces = state.received.get(node, []) if self.passes.uses_boxes else []
        if len(pieces) > 1:
            lines.append(" + ".join(format_number(p, 3) for p in pieces) if len(pieces) <= 3
                         else f"sum of {len(pieces)} pieces")
        fill = (d.FILL_FINAL if node in state.final else d.FILL_PARTIAL if grad is not None
                else d.FILL_VALUE if node in state.known else d.FILL_EMPTY)
        d.node_box(ax, x, y, BOX_WIDTH, BOX_HEIGHT, lines, fill=fill, current=node == state.current,
                   dashed=node not in state.known, fontsize=fontsize)

    def _draw_edges(self, ax, state: PassState, fontsize: float) -> None:
        lit = {}
        for k, (start, end, amount) in enumerate(state.flows):
            lit.setdefault((start, end), []).append(amount)
        for (child, parent, k), (start, end, bend) in edge_paths(self.graph, self.positions).items():
            backward = lit.get((child, parent))
            forward = lit.get((parent, child))
            if backward:
                amount = backward.pop(0)
                d.arrow(ax, end, start, colour=d.BACKWARD_FLOW, width=2.5, bend=-bend, fontsize=fontsize * 0.9,
                        label=None if amount is None else format_number(amount))
            elif forward:
                forward.pop(0)
                d.arrow(ax, start, end, colour=d.FORWARD_FLOW, width=2.5, bend=bend)
            else:
                d.arrow(ax, start, end, bend=bend)

    def _legend(self, ax, fontsize: float) -> None:
        d.legend(ax, [(d.FILL_VALUE, d.INK, "value known"), (d.FILL_PARTIAL, d.INK, "gradient being summed"),
                      (d.FILL_FINAL, d.INK, "gradient final"), ("white", d.CURRENT, "this step's node")],
                 [(d.FORWARD_FLOW, "inputs used"), (d.BACKWARD_FLOW, "gradient sent back")], fontsize=fontsize)

    def _figure_large(self, state: PassState) -> Figure:
        """Too many nodes to label: dots coloured by state, plain edges, and a note saying so."""
        fig = d.new_figure(11, 7)
        ax = d.bare_axes(fig, (0.02, 0.1, 0.96, 0.78))
        segments = [(self.positions[p], self.positions[c]) for c, p in self.graph.edges()]
        ax.add_collection(LineCollection(segments, colors=d.MUTED, linewidths=0.6, zorder=1))
        lit = [(self.positions[a], self.positions[b]) for a, b, _ in state.flows]
        colour = d.BACKWARD_FLOW if state.phase == "backward" else d.FORWARD_FLOW
        ax.add_collection(LineCollection(lit, colors=colour, linewidths=2.2, zorder=2))
        fills = [d.FILL_FINAL if i in state.final else d.FILL_PARTIAL if i in state.received
                 else d.FILL_VALUE if i in state.known else d.FILL_EMPTY for i in range(len(self.graph))]
        xs, ys = zip(*self.positions)
        edges = [d.CURRENT if i == state.current else d.INK for i in range(len(self.graph))]
        ax.scatter(xs, ys, s=40, c=fills, edgecolors=edges, linewidths=0.8, zorder=3)
        ax.autoscale_view()
        fig.text(0.02, 0.965, f"{len(self.graph)} nodes: too many to label (more than {LABEL_LIMIT}), "
                 "so only the graph's shape is drawn; the text below tells each step.",
                 fontsize=11, fontweight="bold", color=d.BACKWARD_FLOW, va="top")
        fig.text(0.02, 0.92, f"step {self.step} of {self.n_steps - 1} · {state.note}", fontsize=10, va="top")
        self._legend(ax, 9)
        return fig
