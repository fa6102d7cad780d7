"""The inputs hidden tests give learner code, drawn from a seed, and nothing about the answers.

The learner's kernel draws them to run the learner's code; the grader draws them again from the
same seed to compute the expected answers, so it never has to trust inputs sent by the kernel.
A call is a pair (positional arguments, keyword arguments).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import inspect
import math
import types

import numpy as np

from . import chain_boxes, forward_cases
from .recording import ChangedItsInput
from .seeding import seeded_rng

Call = tuple[tuple, dict]


# --- Notebook 01: functions to differentiate, pairs, and measured errors --------------------------

def cube(x: float) -> float:
    return x**3


def h(x: float, y: float) -> float:
    """The course's running example: log(xy) + exp(xy)."""
    return math.log(x * y) + math.exp(x * y)


def tilt(x: float, y: float, z: float) -> float:
    return x * y * z + x**2 - math.sin(z)


PANEL = (cube, math.sin, math.exp, h, tilt)
"""Smooth where the random points fall, in [0.5, 2]."""


def difference_cases(seed: int) -> list[Call]:
    """Every panel function, at a random point in [0.5, 2] and every input, with ε from 1e-3 to 1e-2."""
    rng = seeded_rng(seed)
    cases = []
    for f in PANEL:
        arity = len(inspect.signature(f).parameters)
        for arg in range(arity):
            vals = tuple(float(v) for v in rng.uniform(0.5, 2.0, arity).round(3))
            epsilon = float(rng.choice([1e-2, 3e-3, 1e-3]))
            cases.append(((f, *vals), {"arg": arg, "epsilon": epsilon}))
    return cases


def default_epsilon_call(seed: int) -> Call:
    """sin at a seeded point with the learner's own default ε."""
    return (math.sin, round(float(seeded_rng(seed).uniform(0.5, 2.0)), 3)), {}


def larger_step(call: Call) -> Call:
    """The same call with ten times the ε: shows whether the learner's rule ignores `epsilon`."""
    args, kwargs = call
    return args, {**kwargs, "epsilon": 10 * kwargs["epsilon"]}


def difference_calls(seed: int) -> list[Call]:
    """Everything a hidden test of a difference rule asks: the seeded cases, at 10ε too, and the default ε."""
    cases = difference_cases(seed)
    return cases + [larger_step(call) for call in cases] + [default_epsilon_call(seed)]


FLOOR = 1e-12
"""relative_error's floor: the denominator is max(|a|, |b|, FLOOR)."""

AT_THE_FLOOR = [(FLOOR, 0.0), (-3e-13, 2e-13), (FLOOR, -4e-13), (0.0, -2e-12)]
"""Pairs where the floor decides the answer: max(|a|, |b|) at it, below it, and just above it."""


def relative_error_pairs(seed: int) -> list[tuple[float, float]]:
    """Pairs of every sign and size, both ways round, nearly equal ones, (0, 0), and pairs at the floor."""
    rng = seeded_rng(seed)
    pairs = [(0.0, 0.0), *AT_THE_FLOOR]
    for scale in (1e-3, 1.0, 1e4):
        a, b = (rng.normal(size=2) * scale).round(6).tolist()
        pairs += [(a, b), (b, a), (a, a * (1 + 1e-7))]
    return pairs


def _rounded(value: float) -> float:
    """Four significant digits: short enough to read in a message, and the fit barely moves."""
    return float(f"{value:.4g}")


def _measurements(rng: np.random.Generator, order: int, count: int) -> tuple[list[float], list[float]]:
    """`count` error ≈ C·ε^order measurements with ±1% noise, ε falling over 3 decades."""
    start = float(rng.uniform(1, 2))
    epsilons = [_rounded(e) for e in 10.0 ** -np.linspace(start, start + 3, count)]
    constant = float(rng.uniform(0.2, 5.0))
    errors = [_rounded(constant * e**order * rng.uniform(0.99, 1.01)) for e in epsilons]
    return epsilons, errors


def order_of_accuracy_data(seed: int) -> list[tuple[list[float] | np.ndarray, list[float] | np.ndarray]]:
    """Seeded measurements for p = 1, 2, 4 (3 to 7 each), then the docstring's edge of two, then numpy arrays.

    Arrays are what the notebook itself passes; an answer that changes them in place is caught by
    `unchanged_arguments`.
    """
    rng = seeded_rng(seed)
    data: list = [_measurements(rng, order, int(rng.integers(3, 8))) for order in (1, 2, 4)]
    data.append(_measurements(rng, 2, 2))
    epsilons, errors = _measurements(rng, 1, int(rng.integers(3, 8)))
    data.append((np.array(epsilons), np.array(errors)))
    return data


# --- Notebooks 02 and 03: boxes, chains, the table of derivatives, h(x, y) -------------------------

def _anywhere(arity: int) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: rng.uniform(-3.0, 3.0, arity)


def _positive(rng: np.random.Generator) -> np.ndarray:
    return abs(rng.uniform(-3.0, 3.0, 1)) + 0.2


def _divisor_away_from_zero(rng: np.random.Generator) -> np.ndarray:
    values = rng.uniform(-3.0, 3.0, 2)
    values[1] = math.copysign(abs(values[1]) + 0.5, values[1])
    return values


BOX_DOMAINS: dict[str, Callable[[np.random.Generator], np.ndarray]] = {
    "Square": _anywhere(1), "Sine": _anywhere(1), "Log": _positive, "Exp": _anywhere(1),
    "Add": _anywhere(2), "Mul": _anywhere(2), "Div": _divisor_away_from_zero,
}
"""Random inputs inside each reference box's domain, by the reference the box's test cell names."""


def box_inputs(name: str, rng: np.random.Generator) -> tuple[float, ...]:
    """Random inputs inside the domain of the box `name`, rounded so that messages stay readable."""
    return tuple(round(float(v), 3) for v in BOX_DOMAINS[name](rng))


def box_cases(name: str, seed: int, count: int = 6) -> list[tuple[tuple[float, ...], float]]:
    """(inputs, d_out) pairs for a box that computes what the box `name` does; the first d_out is 1."""
    rng = seeded_rng(seed)
    cases = []
    for i in range(count):
        inputs = box_inputs(name, rng)
        d_out = 1.0 if i == 0 else round(float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.5)), 3)
        cases.append((inputs, d_out))
    return cases


def box_calls(name: str, seed: int) -> list[Call]:
    """A box's hidden test as calls of `as_function(box)`: (method, *inputs) and (method, *inputs, d_out).

    Each case calls forward and backward on fresh boxes, then backward on a box that has run forward,
    as in every backward pass (a forward() that overwrites the kept input shows there).
    """
    calls = []
    for inputs, d_out in box_cases(name, seed):
        calls += [(("forward", *inputs), {}), (("backward", *inputs, d_out), {}),
                  (("forward_then_backward", *inputs, d_out), {})]
    return calls


def as_function(box_class: type) -> Callable[..., object]:
    """A box class seen as one function, so a box's test is a list of calls like any other."""

    def call(method: str, *values: float) -> object:
        if method == "forward":
            return box_class(*values).forward()
        box = box_class(*values[:-1])
        if method == "forward_then_backward":
            box.forward()
        return box.backward(values[-1])

    call.__name__ = getattr(box_class, "__name__", "box")
    return call


def random_chains(seed: int) -> list[tuple[list | tuple, float, float]]:
    """(boxes, x, d_out): an empty chain, one whose order always shows, then seeded chains of 1 to 4 boxes.

    Random chains can hide order mistakes (one box, a box repeated, Neg and Cosine commute at 0),
    so the fixed chain comes first, at a seeded x and d_out ≠ 1, to catch those on every seed.
    """
    rng = seeded_rng(seed)
    chains: list[tuple[list | tuple, float, float]] = [([], 0.7, 1.5)]
    fixed = [chain_boxes.Cube, chain_boxes.Exp, chain_boxes.Cosine]
    chains.append((fixed, round(float(rng.uniform(0.3, 1.2)), 3), 1.5))
    for i in range(8):
        names = rng.choice(chain_boxes.NAMES, size=int(rng.integers(1, 5)))
        chain = [getattr(chain_boxes, str(name)) for name in names]
        x = round(float(rng.uniform(-1.2, 1.2)), 3)
        d_out = 1.0 if i % 2 else round(float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0)), 3)
        chains.append((tuple(chain) if i % 3 == 0 else chain, x, d_out))
    return chains


def chain_forward_calls(seed: int) -> list[Call]:
    return [((boxes, x), {}) for boxes, x, _ in random_chains(seed)]


UNKNOWN_OP_CALL: Call = (("pow", 2.0, 3.0), {})
"""The contract's bad-input case: an operation the table does not hold must raise ValueError."""


def local_derivative_calls(seed: int) -> list[Call]:
    """Every operation at seeded points three times over, then an operation the table lacks."""
    rng = seeded_rng(seed)
    calls = [((op, *box_inputs("Div", rng)), {}) for _ in range(3) for op in ("add", "mul", "div")]
    return calls + [UNKNOWN_OP_CALL]


def h_points(seed: int) -> list[tuple[float, float]]:
    """Seeded points with x·y in a range where log and exp are both well behaved."""
    rng = seeded_rng(seed)
    return [tuple(round(float(v), 3) for v in rng.uniform(0.3, 1.8, 2)) for _ in range(5)]


# --- Notebook 05: arrays for the backward functions -------------------------------------------------

def signed(rng: np.random.Generator, shape: tuple, low: float = 0.1, high: float = 2.0) -> np.ndarray:
    """Random values away from zero (relu's kink, log's pole), of both signs."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, high, size=shape)


UNARY_SHAPES = [(5,), (3, 4), (2, 3, 2), ()]
BROADCAST_PAIRS = [((3, 4), (4,)), ((4,), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((5,), (5,)),
                   ((), (2, 3)), ((3, 3), (3, 1)), ((2, 1, 3), (1, 1, 3))]
MATMUL_SHAPES = [(3, 3, 3), (2, 3, 4), (4, 1, 2), (1, 5, 1)]
SUM_CASES = [((3, 4), 0, False), ((3, 4), 1, False), ((3, 3), 1, False), ((3, 3), -1, True), ((2, 3, 4), (0, 2), False),
             ((2, 3, 4), None, False), ((2, 3, 4), None, True), ((4,), 0, False), ((2, 3, 4), -2, False)]


def _unary(forward: Callable[[np.ndarray], np.ndarray], positive: bool = False, kink: bool = False
           ) -> Callable[..., Iterator[tuple]]:
    """(grad, a, out) with out = forward(a), as an elementwise op's backward receives them; with `kink`,
    every third entry of a is exactly 0 (relu's boundary, where the notebook takes the slope as 0)."""

    def cases(rng: np.random.Generator) -> Iterator[tuple]:
        for shape in UNARY_SHAPES:
            a = rng.uniform(0.2, 3.0, shape) if positive else signed(rng, shape)
            if kink:
                a = np.array(a)
                a.reshape(-1)[::3] = 0.0
            yield rng.normal(size=shape), a, forward(a)

    return cases


def _binary(rng: np.random.Generator) -> Iterator[tuple]:
    for shape_a, shape_b in BROADCAST_PAIRS:
        grad = rng.normal(size=np.broadcast_shapes(shape_a, shape_b))
        yield grad, signed(rng, shape_a), signed(rng, shape_b)


def _matmul(rng: np.random.Generator) -> Iterator[tuple]:
    for n, k, m in MATMUL_SHAPES:
        yield rng.normal(size=(n, m)), rng.normal(size=(n, k)), rng.normal(size=(k, m))


def _sum(rng: np.random.Generator) -> Iterator[tuple]:
    for shape, axis, keepdims in SUM_CASES:
        a = rng.normal(size=shape)
        yield rng.normal(size=np.sum(a, axis=axis, keepdims=keepdims).shape), a, axis, keepdims


def _unbroadcast(rng: np.random.Generator) -> Iterator[tuple]:
    for shape_a, shape_b in BROADCAST_PAIRS:
        full = np.broadcast_shapes(shape_a, shape_b)
        for shape in (shape_a, shape_b):
            yield rng.normal(size=full), shape


BACKWARD_CASES: dict[str, Callable[[np.random.Generator], Iterator[tuple]]] = {
    "exp": _unary(np.exp),
    "log": _unary(np.log, positive=True),
    "relu": _unary(lambda a: np.maximum(a, 0.0), kink=True),
    "unbroadcast": _unbroadcast,
    "add": _binary,
    "mul": _binary,
    "matmul": _matmul,
    "sum": _sum,
    "tanh": _unary(np.tanh),
}


def leaving_inputs_unchanged(backward: Callable[..., object]) -> Callable[..., object]:
    """`backward`, made to raise ChangedItsInput when a call changes one of its array arguments: the engine keeps
    the `grad` it passes as a node's .grad, and the forward pass's arrays, so a backward must not write into them."""
    code = getattr(backward, "__code__", None)
    names = code.co_varnames[:code.co_argcount] if type(backward) is types.FunctionType else ()

    def call(*args: object) -> object:
        kept = [np.ndarray.copy(arg) if type(arg) is np.ndarray else None for arg in args]
        result = backward(*args)
        for i, (arg, before) in enumerate(zip(args, kept)):
            if before is not None and not np.array_equal(arg, before):
                name = f"`{names[i]}`" if i < len(names) else f"argument {i + 1}"
                raise ChangedItsInput(f"the backward wrote into its argument {name} (in place: `+=`, `*=` or an "
                                      "assignment to entries): the engine still uses that array (a node's .grad, "
                                      "the forward pass's values), so build the result as a new array")
        return result

    call.__name__ = getattr(backward, "__name__", "backward")
    return call


def backward_calls(op: str, seed: int) -> list[Call]:
    """The seeded arguments of the backward of `op` (a key of BACKWARD_CASES)."""
    return [(args, {}) for args in BACKWARD_CASES[op](seeded_rng(seed))]


# --- What a function must not do to what it is handed --------------------------------------------

class ArgumentChanged(Exception):
    """Recorded in place of a result when the learner's function changed a list or array it was handed."""


ORDINALS = ("first", "second", "third", "fourth")


def _kept(value: object) -> object:
    """A copy of a list or array argument, to compare with after the call; None for anything else."""
    if type(value) is list:
        return list.copy(value)
    if type(value) is np.ndarray:
        return np.ndarray.copy(value)
    return None


def _still(value: object, kept: object) -> bool:
    if type(kept) is np.ndarray:
        return type(value) is np.ndarray and value.shape == kept.shape and bool(np.array_equal(value, kept))
    return type(value) is list and list.__len__(value) == len(kept) and all(
        a is b or a == b for a, b in zip(list.__iter__(value), kept))


def unchanged_arguments(fn: Callable[..., object]) -> Callable[..., object]:
    """`fn`, whose call ends in ArgumentChanged when it changed a list or array it was handed (sorted it, say)."""
    name = getattr(fn, "__name__", "your function")

    def call(*args: object, **kwargs: object) -> object:
        before = [_kept(arg) for arg in args]
        result = fn(*args, **kwargs)
        for place, (arg, kept) in enumerate(zip(args, before)):
            if kept is not None and not _still(arg, kept):
                raise ArgumentChanged(
                    f"{name} changed its {ORDINALS[place]} argument: {kept!r:.70} became {arg!r:.70}. "
                    "It returns a number and must leave what it is handed as it was: work on a copy")
        return result

    return call


# --- Every hidden test that is a list of calls of one learner function ------------------------------

CALLS: dict[str, Callable[..., list[Call]]] = {
    "difference": lambda seed, rule: difference_calls(seed),
    "relative_error": lambda seed: [(pair, {}) for pair in relative_error_pairs(seed)],
    "order_of_accuracy": lambda seed: [(data, {}) for data in order_of_accuracy_data(seed)],
    "box": lambda seed, reference: box_calls(reference, seed),
    "chain_forward": lambda seed: chain_forward_calls(seed),
    "local_derivatives": lambda seed: local_derivative_calls(seed),
    "h_forward": lambda seed: [(point, {}) for point in h_points(seed)],
    "backward": lambda seed, op: backward_calls(op, seed),
    "dual": lambda seed: forward_cases.dual_calls(seed),
    "jvp": lambda seed: forward_cases.jvp_calls(seed),
    "passes_for_jacobian": lambda seed: forward_cases.passes_calls(seed),
}
"""check name -> the calls its hidden test makes, from the options written in the test cell."""

ADAPTERS: dict[str, Callable[[object], Callable[..., object]]] = {
    "box": as_function,
    "dual": forward_cases.as_dual_operation,
    "order_of_accuracy": lambda answer: unchanged_arguments(answer),
    "backward": leaving_inputs_unchanged,
    "jvp": forward_cases.leaving_x_and_v_unchanged,
}
"""How a check turns the learner's answer into the function its calls are made on."""
