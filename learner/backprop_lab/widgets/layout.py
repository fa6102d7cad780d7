"""Placing a DAG in columns by depth: inputs on the left, the output on the right."""

from __future__ import annotations

from collections.abc import Sequence

SWEEPS = 4  # rounds of reordering each column by its neighbours' heights


def depths(parents: Sequence[Sequence[int]]) -> list[int]:
    """Longest path from the root (index 0) to each node, given nodes in topological order."""
    depth = [0] * len(parents)
    for child, inputs in enumerate(parents):  # a node's consumers all come before it
        for parent in inputs:
            depth[parent] = max(depth[parent], depth[child] + 1)
    return depth


def _neighbours(parents: Sequence[Sequence[int]]) -> tuple[list[list[int]], list[list[int]]]:
    """For each node, its inputs and its consumers (left and right neighbours in the drawing)."""
    consumers: list[list[int]] = [[] for _ in parents]
    for child, inputs in enumerate(parents):
        for parent in inputs:
            consumers[parent].append(child)
    return [list(inputs) for inputs in parents], consumers


def _settle(column: list[int], height: dict[int, float], sides: list[list[int]]) -> None:
    """Reorder one column by the mean height of each node's neighbours on one side, then space it."""
    def pull(node: int) -> float:
        near = sides[node]
        return sum(height[n] for n in near) / len(near) if near else height[node]

    column.sort(key=pull)
    for rank, node in enumerate(column):
        height[node] = rank - (len(column) - 1) / 2


def layered_positions(parents: Sequence[Sequence[int]]) -> list[tuple[float, float]]:
    """(column, height) of every node: columns by depth, each column ordered to cut crossings.

    Depth is the longest path from the root, so every edge points right; a few barycentre
    sweeps (the Sugiyama heuristic) keep a node near the nodes it is wired to.
    """
    depth = depths(parents)
    last = max(depth, default=0)
    columns: list[list[int]] = [[] for _ in range(last + 1)]
    for node, d in enumerate(depth):
        columns[last - d].append(node)
    height: dict[int, float] = {}
    for column in columns:
        for rank, node in enumerate(column):
            height[node] = rank - (len(column) - 1) / 2
    inputs, consumers = _neighbours(parents)
    for sweep in range(SWEEPS):
        if sweep % 2 == 0:
            for column in columns[1:]:
                _settle(column, height, inputs)
        else:
            for column in reversed(columns[:-1]):
                _settle(column, height, consumers)
    return [(float(last - depth[node]), height[node]) for node in range(len(parents))]
