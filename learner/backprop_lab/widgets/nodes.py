"""Reading any computation graph, a Scalar's or a learner's own node class, into indexed form."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
import math
from typing import Any

REQUIRED_ATTRIBUTES = ("value", "grad", "parents", "op")


def format_number(value: Any, digits: int = 4) -> str:
    """A short, readable form of a node's value or gradient (non-numbers shown as they are)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"{value!r:.12}"
    if number == 0 or (math.isfinite(number) and 1e-3 <= abs(number) < 1e5):
        return f"{number:.{digits}g}"
    return f"{number:.{max(digits - 2, 1)}e}"


@dataclass(frozen=True)
class NodeGraph:
    """The nodes of a graph in topological order (root first), their inputs by index, and labels."""

    nodes: list
    parents: list[tuple[int, ...]]
    labels: list[str]

    def __len__(self) -> int:
        return len(self.nodes)

    def edges(self) -> list[tuple[int, int]]:
        """(consumer, input) index pairs, once per use: `a + a` gives two edges."""
        return [(child, parent) for child, ins in enumerate(self.parents) for parent in ins]

    def title(self, index: int) -> str:
        """What a node's box is headed with: its label, plus its op when the label is a name."""
        node = self.nodes[index]
        if getattr(node, "name", None) and node.op:
            return f"{self.labels[index]} ({node.op})"
        return self.labels[index]

    def is_leaf(self, index: int) -> bool:
        return not self.parents[index]


def _require_attributes(node: Any, reader: str) -> None:
    for attribute in REQUIRED_ATTRIBUTES:
        if not hasattr(node, attribute):
            raise TypeError(
                f"{reader} draws nodes that have .value, .grad, .parents and .op, but this "
                f"{type(node).__name__} has no .{attribute}: give your node class a .{attribute} "
                "attribute (op may be '' for an input)"
            )


SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _labels(nodes: list) -> list[str]:
    """A short unique label per node: its name, else its op, else (for a constant) its value; repeats
    are told apart by a subscript (mul₁, mul₂), which cannot be read as a position in an order."""
    base = [str(getattr(n, "name", None) or n.op or format_number(n.value)) for n in nodes]
    repeated = {label for label, count in Counter(base).items() if count > 1}
    seen: Counter = Counter()
    labels = []
    for label in reversed(base):  # number repeats from the inputs up, the way they were built
        if label in repeated:
            seen[label] += 1
            label = f"{label}{str(seen[label]).translate(SUBSCRIPTS)}"
        labels.append(label)
    return labels[::-1]


def _root_first(root: Any, reader: str) -> list:
    """The nodes `root` depends on, root first and each before its inputs, read off a table of how many
    nodes use each one (a node is placed once all its users are); ValueError if the graph loops."""
    users: dict[int, int] = {id(root): 0}
    nodes, stack = {id(root): root}, [root]
    while stack:
        for parent in stack.pop().parents:
            users[id(parent)] = users.get(id(parent), 0) + 1
            if id(parent) not in nodes:
                _require_attributes(parent, reader)
                nodes[id(parent)] = parent
                stack.append(parent)
    placed, ready = [], [root] if users[id(root)] == 0 else []
    while ready:
        node = ready.pop()
        placed.append(node)
        for parent in node.parents:
            users[id(parent)] -= 1
            if users[id(parent)] == 0:
                ready.append(parent)
    if len(placed) != len(nodes):
        raise ValueError(f"a loop holds up {len(nodes) - len(placed)} of its {len(nodes)} nodes")
    return placed


def read_graph(root: Any, reader: str) -> NodeGraph:
    """Check every node reachable from `root` and index them; `reader` names the widget in errors."""
    _require_attributes(root, reader)
    try:
        order = _root_first(root, reader)
    except ValueError as err:
        raise ValueError(
            f"{reader} needs an acyclic graph, and this one loops back on itself ({err}); "
            "make each node only from nodes built before it"
        ) from None
    index = {id(node): i for i, node in enumerate(order)}
    parents = [tuple(index[id(p)] for p in node.parents) for node in order]
    return NodeGraph(nodes=order, parents=parents, labels=_labels(order))
