"""How much the Scalar engine costs over plain Python floats doing the same arithmetic.

Two graphs: a random DAG of 10⁵ nodes (shared inputs, mixed ops) and a chain 10⁶ nodes deep.
Each is built (forward) and backpropagated with Scalar, and computed again with floats in the same
run; the script prints the times and the ratios. Run: .venv/bin/python benchmarks/scalar_backprop.py
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Callable

from solutions import Scalar

RANDOM_NODES = 10**5
CHAIN_DEPTH = 10**6


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


def run_plan(plan, values, ops):
    nodes = list(values)
    for op, i, j in plan:
        nodes.append(ops[op](nodes[i], nodes[j]))
    return nodes[-1]


def chain(x, tanh: Callable, depth: int):
    for _ in range(depth):
        x = tanh(x * 0.999999)
    return x


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time of `fn` over `repeat` runs, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def report(label: str, float_time: float, build_time: float, backward_time: float) -> None:
    total = build_time + backward_time
    print(
        f"{label:<28} floats {float_time*1e3:9.1f} ms | Scalar build {build_time*1e3:9.1f} ms "
        f"({build_time/float_time:5.1f}x) backward {backward_time*1e3:9.1f} ms "
        f"| build+backward {total/float_time:5.1f}x floats"
    )


def main() -> None:
    leaves = [0.1 * k - 0.5 for k in range(10)]
    plan = random_plan(RANDOM_NODES, len(leaves))
    float_time, _ = timed(lambda: run_plan(plan, leaves, FLOAT_OPS), repeat=5)
    build_time, root = timed(lambda: run_plan(plan, [Scalar(v) for v in leaves], SCALAR_OPS), repeat=5)
    backward_time, _ = timed(root.backward, repeat=3)
    report(f"random DAG, {RANDOM_NODES:,} nodes", float_time, build_time, backward_time)

    float_time, _ = timed(lambda: chain(0.5, math.tanh, CHAIN_DEPTH), repeat=3)
    build_time, root = timed(lambda: chain(Scalar(0.5), Scalar.tanh, CHAIN_DEPTH), repeat=1)
    backward_time, _ = timed(root.backward, repeat=1)
    report(f"chain, {CHAIN_DEPTH:,} deep", float_time, build_time, backward_time)


if __name__ == "__main__":
    main()
