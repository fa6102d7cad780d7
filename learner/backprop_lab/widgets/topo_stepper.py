"""`TopoSortStepper`: a topological sort run one move at a time, depth-first or Kahn's."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

from matplotlib.figure import Figure

from . import drawing as d
from .graph_picture import Flow, GraphPicture, NodeLook
from .nodes import NodeGraph, read_graph
from .stepping import StepView

WALK = d.OKABE_ITO["purple"]  # the edge the sort follows at this step


class SortTrace:
    """The state of a sort between moves; `moves()` advances it and yields a note per move."""

    frontier_name = "frontier"

    def __init__(self, graph: NodeGraph):
        self.graph = graph
        self.frontier: list[int] = []
        self.visited: set[int] = set()
        self.order: list[int] = []
        self.current: int | None = None
        self.followed: list[int] = []  # inputs of `current` looked at in this move
        self.complete = False  # `order` is the finished topological order, root first

    def moves(self) -> Iterator[str]:
        raise NotImplementedError

    def names(self, nodes: Iterable[int]) -> str:
        return ", ".join(self.graph.labels[n] for n in nodes)


class DepthFirst(SortTrace):
    """Walk from the output into inputs with a stack; a node is finished once all its inputs are.

    Finished nodes come out inputs first, so the last move reverses them: root first.
    """

    frontier_name = "stack (top on the right)"

    def moves(self) -> Iterator[str]:
        label, parents = self.graph.labels, self.graph.parents
        self.frontier, self.visited, self.current = [0], {0}, 0
        yield f"push the output {label[0]} onto the stack"
        tried = [0] * len(self.graph)  # how many inputs of each node have been looked at
        while self.frontier:
            node = self.current = self.frontier[-1]
            inputs = parents[node]
            while tried[node] < len(inputs) and inputs[tried[node]] in self.visited:
                tried[node] += 1
            if tried[node] < len(inputs):
                new = inputs[tried[node]]
                self.visited.add(new)
                self.frontier.append(new)
                self.followed = [new]
                yield f"{label[node]} has an unvisited input {label[new]}: push it"
            else:
                self.frontier.pop()
                self.order.append(node)
                self.followed = []
                yield (f"every input of {label[node]} is finished: pop it and append it to the finished "
                       "list" if inputs else f"{label[node]} is an input: pop it and append it to the finished list")
        self.order.reverse()
        self.current, self.complete = None, True
        yield "reverse the finished list: the root comes first and every node before its inputs"


class Kahn(SortTrace):
    """Queue each node once every node it feeds has been placed, starting from the output."""

    frontier_name = "queue (front on the left)"

    def moves(self) -> Iterator[str]:
        label, parents = self.graph.labels, self.graph.parents
        self.waiting = [0] * len(self.graph)  # consumers of each node not yet placed
        for _, parent in self.graph.edges():
            self.waiting[parent] += 1
        queue = deque([0])
        self.frontier, self.visited = list(queue), {0}
        yield f"the output {label[0]} feeds nothing: it is the only node ready, so queue it"
        while queue:
            node = self.current = queue.popleft()
            self.order.append(node)
            ready = []
            for parent in parents[node]:
                self.waiting[parent] -= 1
                if self.waiting[parent] == 0:
                    queue.append(parent)
                    self.visited.add(parent)
                    ready.append(parent)
            self.frontier, self.followed = list(queue), list(parents[node])
            news = (f"every consumer of {self.names(ready)} is placed now: queue {'them' if len(ready) > 1 else 'it'}" if ready
                    else "no input of it is ready yet" if parents[node] else "it is an input")
            yield f"take {label[node]} from the front and append it to the order; {news}"
        self.current, self.complete = None, True
        yield "the queue is empty: the order is complete, root first and every node before its inputs"


ALGORITHMS = {"dfs": DepthFirst, "kahn": Kahn}


class TopoSortStepper(StepView):
    """Step through a topological sort of any node's graph, showing its stack or queue, visited set and order."""

    css_class = "backprop-topo-stepper"

    def __init__(self, root: Any, algorithm: str = "dfs"):
        if algorithm not in ALGORITHMS:
            raise ValueError(f"algorithm must be one of {sorted(ALGORITHMS)}, got {algorithm!r}")
        self.algorithm = algorithm
        self.graph = read_graph(root, "TopoSortStepper")
        self.picture = GraphPicture(self.graph)
        trace = ALGORITHMS[algorithm](self.graph)
        moves = sum(1 for _ in trace.moves())
        self.order = [self.graph.nodes[i] for i in trace.order]  # the finished order, root first
        super().__init__(moves)

    def trace(self) -> tuple[SortTrace, str]:
        """The sort replayed up to the current step, and that step's note."""
        trace = ALGORITHMS[self.algorithm](self.graph)
        moves = trace.moves()
        for _ in range(self.step):
            next(moves)
        return trace, next(moves)

    def _panel(self, trace: SortTrace) -> list[str]:
        done = "order (final, root first)" if trace.complete else (
            "finished (inputs first)" if self.algorithm == "dfs" else "order so far")
        return [f"{trace.frontier_name}: [{trace.names(trace.frontier)}]",
                f"visited: {{{trace.names(sorted(trace.visited, key=self.graph.labels.__getitem__))}}}",
                f"{done}: [{trace.names(trace.order)}]"]

    def summary(self) -> str:
        trace, note = self.trace()
        name = "depth-first" if self.algorithm == "dfs" else "Kahn's"
        head = f"TopoSortStepper ({name}) on {len(self.graph)} nodes, step {self.step} of {self.n_steps - 1}: {note}"
        return "\n".join([head] + [f"  {line}" for line in self._panel(trace)])

    def figure(self) -> Figure:
        trace, note = self.trace()
        fig, ax, fontsize = self.picture.canvas(f"step {self.step} of {self.n_steps - 1} · {note}")
        on_frontier, placed = set(trace.frontier), {n: k for k, n in enumerate(trace.order)}
        looks = []
        for node in range(len(self.graph)):
            lines = [self.graph.title(node)]
            if node in placed:
                lines.append(f"place {placed[node] + 1} in the order" if trace.complete or self.algorithm == "kahn"
                             else f"finished, place {placed[node] + 1}")
            elif node in on_frontier:
                lines.append("on the stack" if self.algorithm == "dfs" else "in the queue")
            else:
                lines.append("visited" if node in trace.visited else "not seen yet")
            if self.algorithm == "kahn" and node not in placed and node not in on_frontier:
                lines.append(f"waits for {trace.waiting[node]} more")
            fill = d.FILL_FINAL if node in placed else d.FILL_PARTIAL if node in on_frontier else d.FILL_EMPTY
            looks.append(NodeLook(lines, fill, current=node == trace.current, dashed=node not in trace.visited))
        flows = [Flow(trace.current, parent, WALK) for parent in trace.followed]
        self.picture.draw(ax, looks, flows, fontsize)
        frontier = "on the stack" if self.algorithm == "dfs" else "in the queue"
        d.legend(ax, [(d.FILL_EMPTY, d.INK, "not placed"), (d.FILL_PARTIAL, d.INK, frontier),
                      (d.FILL_FINAL, d.INK, "placed"), ("white", d.CURRENT, "this step's node")],
                 [(WALK, "edge followed")], fontsize=fontsize * 0.9)
        return fig
