"""The graphs hidden tests of notebook 04 run the learner's code on, and what is recorded of each run.

Graphs are built from recipes with whichever node class is given: in the learner's kernel the
notebook's Scalar, in the grader the reference one, so the grader rebuilds the same graph to judge
the record. A node in a record is its position in `reachable(root)`, which both builds share.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from contextlib import contextmanager
import gc
import sys
from typing import Any
import zlib

import numpy as np

from .cases import seeded_rng
from .recording import call_quietly, converted

NodeClass = Callable[[float], Any]
"""A node class built from a number, with + - * and `.parents` (the learner's Scalar or the reference)."""

DEEP_CHAIN = 100_000


def reachable(root: Any) -> list:
    """Every node `root` depends on, root included, in no particular order (iterative)."""
    seen, stack, found = {id(root)}, [root], []
    while stack:
        node = stack.pop()
        found.append(node)
        for parent in node.parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return found


Recipe = tuple[tuple[float, ...], tuple[tuple[str, int, bool], ...]]
"""Leaf values, then steps (op, j, swap): new = op(last node, nodes[j]), operands swapped if swap."""

OPS = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}


def random_recipe(rng: np.random.Generator, n_leaves: int = 5, n_steps: int = 25) -> Recipe:
    """A random DAG: a backbone of n_steps operations, each also reading a random earlier node."""
    leaves = tuple(float(v) for v in rng.choice([-1, 1], n_leaves) * rng.uniform(0.5, 1.5, n_leaves))
    steps = []
    for k in range(n_steps):
        op = str(rng.choice(["+", "-", "*"], p=[0.4, 0.2, 0.4]))
        steps.append((op, int(rng.integers(0, n_leaves + k)), bool(rng.integers(0, 2))))
    return leaves, tuple(steps)


def build(recipe: Recipe, node: NodeClass) -> list:
    """The recipe's nodes, built with `node` (the root is the last); leaves are named x0, x1, ..."""
    leaves, steps = recipe
    nodes = [node(v) for v in leaves]
    for i, n in enumerate(nodes):
        n.name = f"x{i}"
    for op, j, swap in steps:
        a, b = (nodes[j], nodes[-1]) if swap else (nodes[-1], nodes[j])
        nodes.append(OPS[op](a, b))
    return nodes


SMALL_GRAPHS: dict[str, Recipe] = {
    "a + a": ((3.0,), (("+", 0, False),)),
    "x + 3·x (a short and a long path to x)": ((1.5, 3.0), (("*", 0, False), ("+", 0, True))),
    "a diamond: b = 0.5·a, c = b + a, d = c·b": ((2.0, 0.5), (("*", 0, True), ("+", 0, False), ("*", 2, False))),
    "a lone input (the root is its whole graph)": ((2.5,), ()),
}


def diamond_stack(node: NodeClass, depth: int) -> Any:
    """depth diamonds on top of each other: 2**depth paths, so a sort without a seen-set blows up."""
    top = node(0.9)
    top.name = "a"
    for _ in range(depth):
        top = (top * 2.0) + (top * 0.5)
    return top


def chain(node: NodeClass, length: int) -> Any:
    top = node(1.0)
    top.name = "start"
    for _ in range(length):
        top = -top
    return top


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector, which would rescan the 100 000 live nodes again and again
    (a graph of Scalars has no reference cycles, so nothing is left uncollected)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class PlainNode:
    """A node of another class than the notebook's: a sort may use only `.parents`."""

    def __init__(self, value: float, parents: tuple = (), op: str = "") -> None:
        self.value, self.parents, self.op, self.name = value, parents, op, None

    def __add__(self, other: "PlainNode | float") -> "PlainNode":
        other = _lifted(other)
        return PlainNode(self.value + other.value, (self, other), "add")

    def __sub__(self, other: "PlainNode | float") -> "PlainNode":
        other = _lifted(other)
        return PlainNode(self.value - other.value, (self, other), "sub")

    def __mul__(self, other: "PlainNode | float") -> "PlainNode":
        other = _lifted(other)
        return PlainNode(self.value * other.value, (self, other), "mul")

    def __neg__(self) -> "PlainNode":
        return PlainNode(-self.value, (self,), "neg")


def _lifted(other: "PlainNode | float") -> PlainNode:
    """A number as a constant leaf, as the course's Scalar does."""
    return other if isinstance(other, PlainNode) else PlainNode(float(other))


# --- Topological sort ------------------------------------------------------------------------------

def sort_graphs(node: NodeClass, seed: int) -> list[tuple[str, Any]]:
    """(name, root): tricky small graphs, stacked diamonds, random graphs, and one of PlainNodes."""
    rng = seeded_rng(seed)
    graphs = [(name, build(recipe, node)[-1]) for name, recipe in SMALL_GRAPHS.items()]
    graphs.append(("twelve diamonds stacked", diamond_stack(node, 12)))
    graphs += [(f"random graph #{i}", build(random_recipe(rng), node)[-1]) for i in range(6)]
    graphs.append(("a graph of another node class (only .parents may be used)",
                   build(random_recipe(rng), PlainNode)[-1]))
    return graphs


DEEP_CHAIN_NAME = f"a chain {DEEP_CHAIN:,} nodes deep"


PYTHON_RECURSION_LIMIT = 1000
"""Python's default recursion limit, which every sort runs under: the notebook calls raising it no fix."""


@contextmanager
def default_recursion_limit() -> Iterator[list[int]]:
    """Hold Python's default recursion limit for a call; the list receives the limit the call left, if it changed it."""
    kept = sys.getrecursionlimit()
    sys.setrecursionlimit(PYTHON_RECURSION_LIMIT)
    raised: list[int] = []
    try:
        yield raised
    finally:
        if sys.getrecursionlimit() != PYTHON_RECURSION_LIMIT:
            raised.append(sys.getrecursionlimit())
        sys.setrecursionlimit(kept)


def _attributes(nodes: list) -> list[dict]:
    """Each node's own attributes, as a shallow copy (nodes without a __dict__ give none)."""
    return [dict(getattr(n, "__dict__", {})) for n in nodes]


def changed_attributes(nodes: list, before: list[dict]) -> list[str]:
    """The attributes a call added to, removed from or rebound on any of `nodes`; compared by identity,
    so no learner method runs."""
    names: set[str] = set()
    for node, old in zip(nodes, before):
        new = getattr(node, "__dict__", {})
        names |= set(old).symmetric_difference(new) | {k for k in old.keys() & new.keys() if old[k] is not new[k]}
    return sorted(str.__str__(name) for name in names)


def order_record(sort: Callable[[Any], object], root: Any, watch_nodes: bool = True) -> dict:
    """The learner's order of root's graph as positions in reachable(root) (-1: not a node of it), compressed
    (the differences between successive positions, zlib, base64), run under Python's default recursion limit.

    Beside it: "recursion_limit", the limit the call raised Python's to, and "changed", the attributes of
    the graph's nodes the call changed (a sort only reads .parents), when there are any.
    """
    nodes = reachable(root)
    before = _attributes(nodes) if watch_nodes else []
    with default_recursion_limit() as raised:
        value, error = call_quietly(sort, root)
    side_effects = {"recursion_limit": raised[0]} if raised else {}
    changed = changed_attributes(nodes, before) if watch_nodes else []
    if changed:
        side_effects["changed"] = changed
    if error is not None or type(value) not in (list, tuple):
        return {**(error or converted(value)), **side_effects}
    position = {id(n): i for i, n in enumerate(nodes)}
    found = np.array([position.get(id(item), -1) for item in value], dtype="<i4")
    steps = np.diff(found, prepend=np.int32(0)).astype("<i4")  # mostly small steps: they compress well
    return {"order": base64.b64encode(zlib.compress(steps.tobytes())).decode("ascii"), **side_effects}


def record_topological_sort(sort: Callable[[Any], object], node: NodeClass, seed: int) -> list[dict]:
    """The learner's order of every test graph, the deep chain last (its 100 000 nodes' attributes unwatched)."""
    results = [order_record(sort, root) for _, root in sort_graphs(node, seed)]
    with collector_paused():
        results.append(order_record(sort, chain(node, DEEP_CHAIN), watch_nodes=False))
    return results


# --- Backpropagation -------------------------------------------------------------------------------

def backprop_cases(seed: int) -> list[tuple[str, Recipe, float, int]]:
    """(name, recipe, d_out, calls): small and random graphs once, x + 3·x, the diamond and the first random graph
    twice (gradients double)."""
    rng = seeded_rng(seed)
    once = [(name, recipe, 1.0) for name, recipe in SMALL_GRAPHS.items()]
    once += [(f"random graph #{i}", random_recipe(rng), float(rng.uniform(-3, 3))) for i in range(6)]
    twice = [once[1], once[2], once[len(SMALL_GRAPHS)]]
    return [(*case, 1) for case in once] + [(*case, 2) for case in twice]


def zero_grad_recipe(seed: int) -> Recipe:
    """The graph zero_grad is tested on: the first random graph."""
    return backprop_cases(seed)[len(SMALL_GRAPHS)][1]


def gradients_record(backprop: Callable[..., object], recipe: Recipe, node: NodeClass, d_out: float,
                     calls: int) -> dict:
    """Build the recipe fresh, call `backprop` on its root `calls` times, and record every node's .grad."""
    nodes = build(recipe, node)
    for _ in range(calls):
        _, error = call_quietly(backprop, nodes[-1], d_out)
        if error is not None:
            return error
    return _grads(nodes)


def _grads(nodes: list) -> dict:
    """Every node's .grad, recorded (a node class without .grad gives the error)."""
    value, error = call_quietly(lambda: [n.grad for n in nodes])
    return error or converted(value)


def zero_grad_record(backprop: Callable[..., object], recipe: Recipe, node: NodeClass) -> dict:
    """backpropagate, root.zero_grad(), then what .grad is left on reachable(root), and backpropagate again."""
    nodes = build(recipe, node)
    root = nodes[-1]
    for step, call in (("backpropagate", lambda: backprop(root, 1.0)), ("zero_grad", lambda: root.zero_grad())):
        _, error = call_quietly(call)
        if error is not None:
            return {"step": step, "result": error}
    left = _grads(reachable(root))
    _, error = call_quietly(backprop, root, 1.0)
    return {"left": left, "again": error or _grads(nodes)}


def record_backpropagate(backprop: Callable[..., object], node: NodeClass, seed: int) -> list[dict]:
    """Every case's gradients, then the zero_grad record."""
    results = [gradients_record(backprop, recipe, node, d_out, calls)
               for _, recipe, d_out, calls in backprop_cases(seed)]
    return results + [zero_grad_record(backprop, zero_grad_recipe(seed), node)]
