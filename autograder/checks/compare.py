"""What hidden tests add to the learner-side comparison: the reference on many cases, drawn from a fixed seed."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from backprop_lab.checks.compare import Mistakes, check_call


@dataclass(frozen=True)
class Case:
    """One call to check: positional and keyword arguments, and how to name it in a message."""

    args: tuple
    kwargs: Mapping[str, object] = field(default_factory=dict)
    what: str = ""


def check_against(
    learner: Callable[..., object],
    reference: Callable[..., object],
    cases: Iterable[Case],
    *,
    rtol: float = 1e-7,
    atol: float = 0.0,
    mistakes: Mistakes | None = None,
    error_hints: Mapping[type[BaseException], str] | None = None,
) -> None:
    """Compare the learner's function with the reference on every case; stop at the first difference."""
    __tracebackhide__ = True
    for case in cases:
        expected = reference(*case.args, **case.kwargs)
        check_call(
            learner, case.args, case.kwargs,
            expected=expected, rtol=rtol, atol=atol, mistakes=mistakes, what=case.what, error_hints=error_hints,
        )
