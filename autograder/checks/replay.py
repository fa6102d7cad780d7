"""Recorded results read back in the grader: plain data to values, and a stand-in for the learner's code.

The stand-in answers each call the hidden-test checks make with what the learner's code gave in the
kernel for the same inputs, so the checks and their mistake models run unchanged, in this process.
"""

from __future__ import annotations

import base64
import builtins
import inspect
from collections.abc import Sequence

import numpy as np

from backprop_lab.cases import Call
from backprop_lab.checks.compare import NoVerdict, Outcome


class BadRecord(ValueError):
    """A record that is not what the recorder writes: malformed, or of the wrong size."""


def value_of(data: object) -> object:
    """The value a recorded result stands for (the inverse of backprop_lab.recording.plain)."""
    if isinstance(data, list):
        return [value_of(item) for item in data]
    if isinstance(data, dict):
        if set(data) == {"tuple"} and isinstance(data["tuple"], list):
            return tuple(value_of(item) for item in data["tuple"])
        if set(data) == {"float"} and data["float"] in ("nan", "inf", "-inf"):
            return float(data["float"])
        if set(data) == {"ndarray"}:
            return _array(data["ndarray"])
        raise BadRecord(f"an unknown kind of result: {sorted(data)}")
    if data is None or type(data) in (bool, int, float, str):
        return data
    raise BadRecord(f"a result of type {type(data).__name__}")


def _array(data: dict) -> np.ndarray | np.generic:
    try:
        dtype = np.dtype(data["dtype"])
        shape = tuple(int(n) for n in data["shape"])
        array = np.frombuffer(base64.b64decode(data["data"], validate=True), dtype=dtype).reshape(shape).copy()
    except (KeyError, TypeError, ValueError) as error:
        raise BadRecord(f"an unreadable array: {error}") from None
    if dtype.kind not in "biuf":
        raise BadRecord(f"an array of dtype {dtype}")
    return array[()] if shape == () else array


def exception_of(name: str, message: str) -> Exception:
    """The learner's exception again: the built-in class of that name, else a new class so named."""
    kind = getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        try:
            return kind(message)
        except TypeError:  # a built-in that wants more arguments (UnicodeDecodeError, ...)
            pass
    return type(name, (Exception,), {"__str__": lambda self: message})()


def result_of(outcome: object) -> object:
    """One recorded outcome: its value, or (raised) its exception."""
    if isinstance(outcome, dict) and set(outcome) == {"value"}:
        return value_of(outcome["value"])
    if isinstance(outcome, dict) and set(outcome) == {"error"}:
        name, message = outcome["error"]
        if isinstance(name, str) and isinstance(message, str):
            raise exception_of(name, message)
    raise BadRecord("a result that is neither a value nor an error")


def same(a: object, b: object) -> bool:
    """Equal arguments, type for type (a list is not a tuple), arrays by shape, dtype and values."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a is b or a == b


class Replay:
    """Stands in for the learner's function: answers each recorded call as the learner's code did."""

    def __init__(self, name: str, calls: Sequence[Call], results: object, defaults: object = None) -> None:
        self.__name__ = name
        self.calls, self.results = calls, entries(results, len(calls))
        self.__signature__ = _signature(defaults if isinstance(defaults, dict) else {})

    def __call__(self, *args: object, **kwargs: object) -> object:
        for (recorded_args, recorded_kwargs), outcome in zip(self.calls, self.results):
            if same(recorded_args, args) and same(recorded_kwargs, kwargs):
                return result_of(outcome)
        raise NoVerdict("this call was not recorded")


def _signature(defaults: dict) -> inspect.Signature:
    """What inspect reads from the stand-in: any arguments, and the learner's recorded defaults."""
    keywords = [inspect.Parameter(str(name), inspect.Parameter.KEYWORD_ONLY, default=value_of(value))
                for name, value in defaults.items()]
    return inspect.Signature([inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL), *keywords,
                              inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)])


def replayed_box(replay: Replay) -> type:
    """A box class whose forward and backward replay a box recorded through backprop_lab.cases.as_function.

    Like the learner's box, its backward answers as recorded after a forward() when forward() ran first.
    """

    class Box:
        def __init__(self, *values: float) -> None:
            self.values, self.ran_forward = values, False

        def forward(self) -> object:
            self.ran_forward = True
            return replay("forward", *self.values)

        def backward(self, d_out: float) -> object:
            method = "forward_then_backward" if self.ran_forward else "backward"
            return replay(method, *self.values, d_out)

    Box.__name__ = Box.__qualname__ = replay.__name__
    return Box


def outcome_of(recorded: object) -> Outcome:
    """One recorded outcome as the checks' Outcome: its value, or its exception."""
    try:
        return Outcome(value=result_of(recorded))
    except BadRecord:
        raise
    except Exception as error:  # the learner's own exception, rebuilt
        return Outcome(error=error)


def entries(results: object, count: int) -> list:
    """The recorded list of a test's results, which must hold one entry per test input."""
    if not isinstance(results, list) or len(results) != count:
        raise BadRecord(f"{len(results) if isinstance(results, list) else 'no list of'} results for {count} test inputs")
    return results


def boxes_that_ran(entry: object) -> list:
    """The recorded list of the boxes whose backward ran, in an entry of h_backward or chain_backward."""
    ran = entry.get("ran") if isinstance(entry, dict) else None
    if not isinstance(ran, list):
        raise BadRecord("no list of the boxes that ran")
    return ran
