"""Drawing a `NodeGraph` in layers: labelled boxes and arrows, or dots when it is too large to label."""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from . import drawing as d
from .layout import layered_positions
from .nodes import NodeGraph, format_number

LABEL_LIMIT = 60  # above this many nodes the labels would overlap: draw the shape only
COLUMN_INCHES, ROW_INCHES, MIN_WIDTH, MAX_WIDTH = 2.0, 1.3, 9.5, 10.4  # 10.4 in fits a notebook's output
TOP_INCHES, LEGEND_INCHES = 0.6, 0.45  # room for the step's title and the legend
BOX_WIDTH, BOX_HEIGHT = 0.7, 0.76  # in columns and rows
RIGHT_MARGIN = 0.5  # columns kept free right of the root, for the arrow that brings d_out


@dataclass
class NodeLook:
    """How one node is drawn at this step."""

    lines: list[str]
    fill: str
    current: bool = False
    dashed: bool = False


@dataclass
class Flow:
    """An edge lit at this step, drawn from node `start` to node `end` (either way along the edge)."""

    start: int
    end: int
    colour: str
    label: str | None = None


class GraphPicture:
    """A graph's layout, computed once, and the figures drawn from it at each step."""

    def __init__(self, graph: NodeGraph):
        self.graph = graph
        self.positions = layered_positions(graph.parents)
        self.columns = max(x for x, _ in self.positions) + 1
        self.rows = max(abs(y) for _, y in self.positions) * 2 + 1
        self.large = len(graph) > LABEL_LIMIT

    @property
    def large_note(self) -> str:
        return (f"{len(self.graph)} nodes: too many to label (more than {LABEL_LIMIT}), so only the "
                "graph's shape is drawn; the text below tells each step")

    def canvas(self, title: str) -> tuple[Figure, Axes, float]:
        """A figure sized for the graph, with the title on top: (figure, axes, font size)."""
        if self.large:
            fig = d.new_figure(MAX_WIDTH, 7)
            ax = d.bare_axes(fig, (0.02, LEGEND_INCHES / 7, 0.96, (7 - 1.3 - LEGEND_INCHES) / 7))
            fig.text(0.01, 0.985, self.large_note, fontsize=11, fontweight="bold", va="top",
                     color=d.BACKWARD_FLOW)
            fig.text(0.01, 1 - 0.45 / fig.get_figheight(), title, fontsize=10, va="top", wrap=True)
            return fig, ax, 9.0
        natural = (self.columns + RIGHT_MARGIN) * COLUMN_INCHES
        width = min(max(natural, MIN_WIDTH), MAX_WIDTH)
        scale = min(width / natural, 1.0)
        graph_height = self.rows * ROW_INCHES * scale
        height = graph_height + TOP_INCHES + LEGEND_INCHES
        fig = d.new_figure(width, height)
        ax = d.bare_axes(fig, (0.0, LEGEND_INCHES / height, 1.0, graph_height / height))
        spare = (width / (COLUMN_INCHES * scale) - self.columns - RIGHT_MARGIN) / 2
        ax.set_xlim(-0.5 - spare, self.columns - 0.5 + RIGHT_MARGIN + spare)
        ax.set_ylim(-self.rows / 2, self.rows / 2)
        fontsize = max(10 * scale, 6.5)
        fig.suptitle(title, fontsize=fontsize * 1.05, x=0.01, ha="left", y=0.985, wrap=True)
        return fig, ax, fontsize

    def draw(self, ax: Axes, looks: list[NodeLook], flows: list[Flow], fontsize: float) -> None:
        """Every edge (the lit ones coloured and labelled), then every node on top."""
        if self.large:
            self._draw_dots(ax, looks, flows)
            return
        self._draw_edges(ax, flows, fontsize)
        for (x, y), look in zip(self.positions, looks):
            d.node_box(ax, x, y, BOX_WIDTH, BOX_HEIGHT, look.lines, fill=look.fill,
                       current=look.current, dashed=look.dashed, fontsize=fontsize)

    def draw_step(self, ax: Axes, looks: list[NodeLook], flows: list[Flow], fontsize: float,
                  d_out: float | None) -> None:
        """One step of a pass: the graph, and the gradient d_out arriving at the root when it starts."""
        self.draw(ax, looks, flows, fontsize)
        if d_out is not None:
            self.arrow_into_root(ax, f"d_out = {format_number(d_out)}", fontsize)

    def arrow_into_root(self, ax: Axes, label: str, fontsize: float) -> None:
        """The gradient that starts the backward pass, arriving at the root from the right."""
        x, y = self.positions[0]
        if self.large:
            ax.annotate(label, (x, y), xytext=(25, 0), textcoords="offset points", va="center",
                        color=d.BACKWARD_FLOW, arrowprops=dict(arrowstyle="-|>", color=d.BACKWARD_FLOW))
            return
        d.arrow(ax, (x + 0.5 + RIGHT_MARGIN, y), (x + BOX_WIDTH / 2, y), colour=d.BACKWARD_FLOW,
                width=2.5, label=label, fontsize=fontsize * 0.9)

    def _edge_paths(self) -> list[tuple[int, int, tuple, tuple, float]]:
        """(consumer, input, start, end, bend) per use of an input: repeated uses (a + a) fan apart."""
        uses: dict[tuple[int, int], int] = {}
        paths = []
        for child, parent in self.graph.edges():
            k = uses[child, parent] = uses.get((child, parent), 0) + 1
            count = self.graph.parents[child].count(parent)
            (xp, yp), (xc, yc) = self.positions[parent], self.positions[child]
            spread = (k - (count + 1) / 2) * 0.22
            bend = spread if count > 1 else (-0.12 if xc - xp > 1 else 0.0)
            paths.append((child, parent, (xp + BOX_WIDTH / 2, yp + spread * 0.6),
                          (xc - BOX_WIDTH / 2, yc + spread * 0.6), bend))
        return paths

    def _draw_edges(self, ax: Axes, flows: list[Flow], fontsize: float) -> None:
        lit: dict[tuple[int, int], list[Flow]] = {}
        for flow in flows:
            lit.setdefault((flow.start, flow.end), []).append(flow)
        for child, parent, start, end, bend in self._edge_paths():
            if lit.get((child, parent)):  # lit against the edge: from consumer back to input
                flow = lit[child, parent].pop(0)
                d.arrow(ax, end, start, colour=flow.colour, width=2.5, bend=-bend, label=flow.label,
                        fontsize=fontsize * 0.9)
            elif lit.get((parent, child)):
                flow = lit[parent, child].pop(0)
                d.arrow(ax, start, end, colour=flow.colour, width=2.5, bend=bend, label=flow.label,
                        fontsize=fontsize * 0.9)
            else:
                d.arrow(ax, start, end, bend=bend)

    def _draw_dots(self, ax: Axes, looks: list[NodeLook], flows: list[Flow]) -> None:
        at = self.positions
        ax.add_collection(LineCollection([(at[p], at[c]) for c, p in self.graph.edges()],
                                         colors=d.MUTED, linewidths=0.6, zorder=1))
        ax.add_collection(LineCollection([(at[f.start], at[f.end]) for f in flows],
                                         colors=[f.colour for f in flows], linewidths=2.2, zorder=2))
        xs, ys = zip(*at)
        ax.scatter(xs, ys, s=[140 if look.current else 40 for look in looks], c=[look.fill for look in looks],
                   zorder=3, linewidths=[2.5 if look.current else 0.8 for look in looks],
                   edgecolors=[d.CURRENT if look.current else d.INK for look in looks])
        ax.set_xlim(min(xs) - 0.5, max(xs) + 1.5)
        ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
