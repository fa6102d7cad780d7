"""What a hidden test cell sends the grader: the learner's results on the test inputs, as plain data.

This runs in the learner's kernel, so it holds no answer. The grader regenerates the same inputs
from the seed, compares the recorded results with the reference in its own process, and turns a
difference into the test cell's failure. Results are read without running learner code: only exact
built-in types and plain numpy arrays or scalars are kept; anything else becomes an error naming it.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
import math
import types
import warnings

import numpy as np
from IPython.display import display

MIME_TYPE = "application/vnd.backprop-lab.record+json"
"""The private output type of a record: one display_data output per hidden test cell."""

UNSUPPORTED = "UnsupportedResult"
"""The error name a result of another type is recorded under."""

NUMPY_SCALARS = frozenset(np.dtype(code).type for code in "?bhilqBHILQefdg")
"""numpy's own boolean, integer and float scalar types (a subclass of one is not among them)."""


class ChangedItsInput(Exception):
    """A learner's function wrote into something it was given, which its caller still uses: recorded as its error."""


class NotAFloat(TypeError):
    """A learner's function returned an array where its docstring asks for a float: recorded as its error."""


RECORDED_MISTAKES = (ChangedItsInput.__name__, NotAFloat.__name__)
"""Errors the recorder raises itself, for what a call did against its docstring (the learner's code raised none)."""


class Unsupported(TypeError):
    """A result the grader cannot take as it is: a subclass, an object array, a custom class."""


def plain(value: object) -> object:
    """`value` as JSON data, by its exact type only; never calls a method the learner could override."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else {"float": float.__repr__(value)}
    if kind is list:
        return [plain(item) for item in list.__iter__(value)]
    if kind is tuple:
        return {"tuple": [plain(item) for item in tuple.__iter__(value)]}
    if kind is np.ndarray or kind in NUMPY_SCALARS:
        return _array(np.ndarray.copy(np.asarray(value)) if kind is np.ndarray else np.asarray(value))
    raise Unsupported(f"{_kind_name(kind)}: hidden tests accept a plain float, int, tuple, list or numpy array")


def _kind_name(kind: type) -> str:
    bases = [base.__name__ for base in kind.__mro__[1:] if base.__module__ in ("builtins", "numpy")]
    return f"a {kind.__name__}" + (f" (a subclass of {bases[0]})" if bases and bases[0] != "object" else "")


def _array(array: np.ndarray) -> dict:
    if array.dtype.kind not in "biuf":
        raise Unsupported(f"an array of dtype {array.dtype}: hidden tests accept arrays of numbers")
    data = np.array(array, dtype=array.dtype.newbyteorder("<"), order="C")
    return {"ndarray": {"dtype": data.dtype.str, "shape": list(data.shape),
                        "data": base64.b64encode(data.tobytes()).decode("ascii")}}


def call_quietly(fn: Callable[..., object], *args: object, **kwargs: object) -> tuple[object, dict | None]:
    """Call the learner's `fn` with warnings silenced: (its result, None) or (None, the recorded error)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return fn(*args, **kwargs), None
        except Exception as error:  # the learner's bug, of any kind, is part of the record
            return None, error_outcome(error)


def outcome(fn: Callable[..., object], *args: object, **kwargs: object) -> dict:
    """Call the learner's `fn` quietly: {"value": plain result} or {"error": [type name, message]}."""
    value, error = call_quietly(fn, *args, **kwargs)
    return error or converted(value)


def converted(value: object) -> dict:
    """{"value": plain(value)}, or the error that says why the value cannot be recorded."""
    try:
        return {"value": plain(value)}
    except Unsupported as error:
        return {"error": [UNSUPPORTED, str(error)]}


def error_outcome(error: BaseException) -> dict:
    """An exception as its class name and message, read with BaseException's own __str__."""
    return {"error": [type(error).__name__, BaseException.__str__(error)]}


def defaults(answer: object) -> dict:
    """The default argument values of a plain function (a default ε tells a mistake), read without calling it."""
    if type(answer) is not types.FunctionType:
        return {}
    code, positional = answer.__code__, answer.__defaults__ or ()
    names = code.co_varnames[:code.co_argcount]
    named = dict(zip(names[len(names) - len(positional):], positional))
    found = {}
    for name, value in {**named, **(answer.__kwdefaults__ or {})}.items():
        kept = converted(value)
        if "value" in kept:
            found[name] = kept["value"]
    return found


def emit(check: str, options: dict, results: list, answer_defaults: dict) -> None:
    """Send the record as this cell's one display_data output of the private type."""
    record = {"check": check, "options": options, "results": results, "defaults": answer_defaults}
    display({MIME_TYPE: record}, raw=True)
