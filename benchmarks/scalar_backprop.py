"""How fast the Scalar engine builds and backpropagates graphs, against baselines in the same run.

- a balanced tree over 2^16 leaves, against micrograd (PyPI `micrograd`, an optional baseline:
  the script says so and skips it when it is missing). Goal: at most 0.35x micrograd's time.
- a random DAG of 10^5 nodes (shared inputs, mixed ops), against plain floats doing the same sums.
- a chain 10^6 deep, x -> tanh(x * 0.999999), built and backpropagated. Goal: under 3 s. The time
  Python's cyclic garbage collector spends in it is printed beside (measured with gc.callbacks),
  and a last line, labelled, times the chain again with the collector off.

Where the collector's time comes from (Python 3.11): it makes a full pass over every tracked object
whenever the objects kept since its last full pass exceed a quarter of those it found then, so a
graph that grows to N nodes is rescanned about five times N over in all (the chain: 12-13 full
passes). Every Scalar is tracked (all instances of classes written in Python are), so the chain
keeps 3 tracked objects per step: the product, the constant 0.999999 and the tanh. A Scalar keeps
its inputs in slots rather than in a tuple, which cut the collector's time on the tree by about a
third but left the chain's the same (fewer objects, each with one slot more to visit: one full pass
over the chain's 3 million Scalars took about 0.6 s of CPU here). What is left is the price of a
node being a Python object; only changing the collector's settings for the whole program (the
user's call, not the engine's: the labelled last line shows what it would give) or keeping the
graph in plain arrays instead of objects would remove it.

    .venv/bin/python benchmarks/scalar_backprop.py
"""

from __future__ import annotations

import gc
import math
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from solutions import Scalar

TREE_LEAVES = 2**16
RANDOM_NODES = 10**5
CHAIN_DEPTH = 10**6
Node = TypeVar("Node")  # what a graph is built of: a Scalar, a micrograd Value, or a float for the baseline


# ----- the graphs ----------------------------------------------------------------------------------


def tree(leaves: list[Node], combine: Callable[[Node, Node], Node]) -> Node:
    """Pairs of nodes combined level by level until one root is left."""
    level = leaves
    while len(level) > 1:
        level = [combine(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def combine(a: Node, b: Node) -> Node:
    """Four operations and a constant, all of which micrograd has too; values stay below 1.5^16."""
    return (a * b + b * 0.5).relu()


def random_plan(size: int, leaves: int, seed: int = 0) -> list[tuple[str, int, int]]:
    """A random DAG as (op, input index, input index) steps over `leaves` starting values.

    Each step takes the previous node as its first input, so the last node depends on every node;
    the second input is any earlier node, so nodes are shared by several others.
    """
    rng = random.Random(seed)
    ops = ["add", "mul", "sub", "tanh", "sin"]
    return [(rng.choice(ops), leaves + i - 1, rng.randrange(leaves + i)) for i in range(size)]


SCALAR_OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sub": lambda a, b: a - b,
    "tanh": lambda a, b: a.tanh(),
    "sin": lambda a, b: a.sin(),
}
FLOAT_OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "sub": lambda a, b: a - b,
    "tanh": lambda a, b: math.tanh(a),
    "sin": lambda a, b: math.sin(a),
}


def run_plan(plan: list[tuple[str, int, int]], values: list, ops: dict[str, Callable]) -> object:
    """The last node of `plan` run over `values`, with `ops` (SCALAR_OPS or FLOAT_OPS) doing each step."""
    nodes = list(values)
    for op, i, j in plan:
        nodes.append(ops[op](nodes[i], nodes[j]))
    return nodes[-1]


def chain(x: Node, tanh: Callable[[Node], Node], depth: int) -> Node:
    """x -> tanh(x * 0.999999), `depth` times over: the deepest graph, one node after another."""
    for _ in range(depth):
        x = tanh(x * 0.999999)
    return x


# ----- timing --------------------------------------------------------------------------------------


class CollectorClock:
    """Seconds spent inside Python's cyclic garbage collector while it is installed (gc.callbacks)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started


@contextmanager
def collector_clock() -> Iterator[CollectorClock]:
    clock = CollectorClock()
    gc.callbacks.append(clock)
    try:
        yield clock
    finally:
        gc.callbacks.remove(clock)


def timed(fn: Callable[[], object]) -> tuple[float, float, object]:
    """Wall time of one call of `fn`, the garbage collector's part of it, and its result."""
    with collector_clock() as clock:
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
    return elapsed, clock.seconds, result


def build_and_backward(make_root: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds to build a graph and backpropagate through it (CPU time leaves out
    waiting for a busy core; the graph is freed untimed)."""
    wall, cpu = time.perf_counter(), time.process_time()
    make_root().backward()
    return time.perf_counter() - wall, time.process_time() - cpu


def micrograd_value_or_none() -> type | None:
    try:
        from micrograd.engine import Value
    except ImportError:
        return None
    return Value


# ----- the three comparisons -----------------------------------------------------------------------


def compare_tree(repeats: int = 5) -> None:
    rng = random.Random(1)
    values = [rng.uniform(0.0, 1.0) for _ in range(TREE_LEAVES)]
    engines = {"Scalar": Scalar}
    value = micrograd_value_or_none()
    if value is None:
        print("note: micrograd is not installed, so the tree's baseline is skipped (pip install micrograd)")
    else:
        engines["micrograd"] = value
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in engines}
    for i in range(repeats):
        for name in list(engines)[i % 2 :] + list(engines)[: i % 2]:
            times[name].append(build_and_backward(lambda: tree([engines[name](v) for v in values], combine)))
            gc.collect()  # free this graph before the next run, outside the timing
    line = "tree over 2^16 leaves, medians (wall | CPU):"
    for name, runs in times.items():
        line += f" {name} {statistics.median(r[0] for r in runs):6.2f} s | {statistics.median(r[1] for r in runs):6.2f} s;"
    print(line)
    if "micrograd" in times:
        ratios = [statistics.median(s[k] / m[k] for s, m in zip(times["Scalar"], times["micrograd"])) for k in (0, 1)]
        print(f"tree: ratio Scalar / micrograd {ratios[0]:.3f} wall | {ratios[1]:.3f} CPU (median of pairs; goal <= 0.35)")


def compare_random_dag(repeats: int = 5) -> None:
    leaves = [0.1 * k - 0.5 for k in range(10)]
    plan = random_plan(RANDOM_NODES, len(leaves))
    floats = statistics.median(timed(lambda: run_plan(plan, leaves, FLOAT_OPS))[0] for _ in range(repeats))
    builds = []
    for _ in range(repeats):
        root = None  # each build starts with no other graph alive for the collector to rescan
        gc.collect()
        seconds, _, root = timed(lambda: run_plan(plan, [Scalar(v) for v in leaves], SCALAR_OPS))
        builds.append(seconds)
    build = statistics.median(builds)
    backward = statistics.median(timed(root.backward)[0] for _ in range(3))
    print(
        f"random DAG, {RANDOM_NODES:,} nodes: floats {floats * 1e3:7.1f} ms | Scalar build {build * 1e3:7.1f} ms "
        f"({build / floats:4.1f}x) backward {backward * 1e3:7.1f} ms | build+backward {(build + backward) / floats:4.1f}x floats"
    )


def compare_chain() -> None:
    floats, _, _ = timed(lambda: chain(0.5, math.tanh, CHAIN_DEPTH))
    cpu = time.process_time()
    build, build_gc, root = timed(lambda: chain(Scalar(0.5), Scalar.tanh, CHAIN_DEPTH))
    backward, backward_gc, _ = timed(root.backward)
    cpu = time.process_time() - cpu
    total, total_gc = build + backward, build_gc + backward_gc
    print(
        f"chain, {CHAIN_DEPTH:,} deep: floats {floats * 1e3:7.1f} ms | Scalar build {build:5.2f} s "
        f"(garbage collector {build_gc:5.2f} s) backward {backward:5.2f} s (garbage collector {backward_gc:5.2f} s)"
    )
    print(
        f"chain, {CHAIN_DEPTH:,} deep: build+backward {total:5.2f} s wall, {cpu:5.2f} s CPU (goal < 3 s), "
        f"of which the garbage collector {total_gc:5.2f} s ({total_gc / total:.0%}); "
        f"{len(gc.get_objects()):,} objects tracked by the collector while the graph lives"
    )


def chain_without_collector() -> None:
    """The same chain with the cyclic collector switched off (not a default setting: labelled as
    such), to show how much of the chain's time is the engine and how much the collector."""
    gc.collect()
    gc.disable()
    try:
        start, cpu = time.perf_counter(), time.process_time()
        root = chain(Scalar(0.5), Scalar.tanh, CHAIN_DEPTH)
        root.backward()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu  # before `root` goes: freeing is not timed
        print(
            f"chain, {CHAIN_DEPTH:,} deep, COLLECTOR OFF (gc.disable()): build+backward {elapsed:5.2f} s wall, "
            f"{cpu:5.2f} s CPU"
        )
    finally:
        gc.enable()


def main() -> None:
    compare_tree()
    compare_random_dag()
    compare_chain()
    chain_without_collector()


if __name__ == "__main__":
    main()
