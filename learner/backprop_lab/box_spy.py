"""Watch which boxes' backward methods a learner's h_backward runs, by swapping in spying subclasses.

Used by the visible and the hidden tests of notebook 03, and by the hidden test of notebook 02's
chain_backward: the right numbers typed in as a formula (or measured on the whole chain), without
the backward pass through the boxes, are not the exercise.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager

H_BOXES = ("Add", "Mul", "Log", "Exp")


def spying(box_class: type, calls: list, note: object = None) -> type:
    """A subclass of `box_class` that notes each call of its backward in `calls`: `note`, or its class name."""
    name = box_class.__name__
    noted = name if note is None else note

    def backward(self, d_out):
        calls.append(noted)
        return box_class.backward(self, d_out)

    return type(name, (box_class,), {"backward": backward})


@contextmanager
def boxes_spied(namespace: MutableMapping[str, object], classes: Mapping[str, type]) -> Iterator[list[str]]:
    """Put spying versions of `classes` into the notebook's namespace for the duration of a call."""
    calls: list[str] = []
    saved = {name: namespace[name] for name in classes if name in namespace}
    try:
        for name, box_class in classes.items():
            if not isinstance(box_class, type):
                raise AssertionError(f"{name} should be a class (the box of notebook 03), got {box_class!r:.60}")
            namespace[name] = spying(box_class, calls)
        yield calls
    finally:
        for name in classes:
            if name in saved:
                namespace[name] = saved[name]
            else:
                namespace.pop(name, None)
