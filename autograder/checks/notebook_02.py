"""Hidden-test checks for notebook 02 (and the boxes of 03): boxes and chains of boxes.

`check_<answer>_against(learner, reference, seed=...)` draws inputs from a fixed seed, takes the
expected answers from the reference package, and hands each case to the visible check of
`backprop_lab.checks`, adding the mistakes whose value is another graded cell's reference answer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from backprop_lab.cases import box_cases, random_chains
from backprop_lab.checks.compare import CheckFailed, Outcome, failure_message, is_close, run_quietly
from backprop_lab.checks.notebook_02 import (
    BOX_ATOL,
    BOX_RTOL,
    check_box,
    check_chain_backward,
    check_chain_forward,
)

from .replay import boxes_that_ran, entries, outcome_of


# --- Boxes ---------------------------------------------------------------------------------------

def check_box_against(
    box_class: type, reference: type, *, seed: int, count: int = 6, rtol: float = BOX_RTOL, atol: float = BOX_ATOL,
    lookalikes: Mapping[str, Callable[..., object]] | None = None,
) -> None:
    """Hidden-test check: the box agrees with the reference box on seeded inputs and d_out values,
    and its backward is the same after its forward has run (the box keeps its input).

    `lookalikes` maps a mistake to the backward it gives, a function of the inputs and d_out: another box's answer.
    """
    for inputs, d_out in box_cases(reference.__name__, seed, count):
        model = reference(*inputs)
        check_box(
            box_class, *inputs, d_out=d_out, forward=model.forward(), backward=model.backward(d_out),
            rtol=rtol, atol=atol, also_wrong={name: backward(*inputs, d_out) for name, backward in (lookalikes or {}).items()},
        )
        _check_keeps_its_input(box_class, inputs, d_out, model.backward(d_out), rtol, atol)


def _check_keeps_its_input(
    box_class: type, inputs: Sequence[float], d_out: float, expected: object, rtol: float, atol: float
) -> None:
    """backward(d_out) after forward() on the same box: a forward that overwrites the kept input shows here."""

    def forward_then_backward() -> object:
        box = box_class(*inputs)
        box.forward()
        return box.backward(d_out)

    got = run_quietly(forward_then_backward)
    if got.error is None and is_close(got.value, expected, rtol, atol):
        return
    name = getattr(box_class, "__name__", "box")
    built = ", ".join(repr(value) for value in inputs)
    raise CheckFailed(failure_message(
        f"box = {name}({built}); box.forward(); box.backward({d_out!r})", expected, got,
        ["forward() changed what the box keeps: a box must keep its input as it was given, because "
         "backward takes the derivative there (on a fresh box, without forward(), backward was right)"],
    ))


# --- Chains of one-input boxes -------------------------------------------------------------------

def reference_chain_forward(boxes: Sequence[type], x: float) -> float:
    """The chain's value: each box's forward on the last one's output."""
    for box_class in boxes:
        x = box_class(x).forward()
    return x


def reference_chain_backward(boxes: Sequence[type], x: float, d_out: float = 1.0) -> float:
    """d_out · dy/dx: the boxes built forward, then their backwards called last to first."""
    built = []
    for box_class in boxes:
        built.append(box_class(x))
        x = built[-1].forward()
    for box in reversed(built):
        d_out = box.backward(d_out)
    return d_out


def check_chain_forward_against(chain_forward: Callable, *, seed: int) -> None:
    """Hidden-test check on seeded chains of boxes the course does not ask for (so a learner's own boxes cannot interfere)."""
    for chain, x, _ in random_chains(seed):
        check_chain_forward(chain_forward, chain, x, expected=reference_chain_forward(chain, x),
                            backwards=reference_chain_forward(chain[::-1], x))


def check_chain_backward_against(chain_backward: Callable, *, seed: int) -> None:
    """The numbers of the hidden test, for a function called directly: seeded chains and d_out values."""
    for chain, x, d_out in random_chains(seed):
        _check_one_chain_backward(chain_backward, chain, x, d_out)


def _check_one_chain_backward(chain_backward: Callable, chain: Sequence[type], x: float, d_out: float) -> None:
    check_chain_backward(chain_backward, chain, x, d_out, expected=reference_chain_backward(chain, x, d_out),
                         forward=reference_chain_forward(chain, x), backwards=reference_chain_backward(chain[::-1], x, d_out))


def _judge_one_chain_backward(got: Outcome, ran: Collection[object], chain: Sequence[type], x: float, d_out: float) -> None:
    """chain_backward(chain, x, d_out=d_out) gave `got`, running the backward of the boxes at
    the places `ran` of the chain: the right number, through every box's backward (the docstring's how)."""

    def recorded(*args: object, **kwargs: object) -> object:
        if got.error is not None:
            raise got.error
        return got.value

    recorded.__name__ = "chain_backward"
    _check_one_chain_backward(recorded, chain, x, d_out)
    skipped = [place for place in range(len(chain)) if place not in ran]
    if skipped:
        names = ", ".join(f"{chain[place].__name__} (box {place + 1})" for place in skipped)
        listed = "[" + ", ".join(box.__name__ for box in chain) + "]"
        raise CheckFailed(
            f"chain_backward({listed}, {x!r}, {d_out!r}) gives the right number, "
            f"but the backward of {names} never ran.\n"
            "  Likely mistake: the derivative measured (or written out) for the whole chain. The docstring asks for "
            "the backward pass: build the boxes going forward, then call each box's backward, last to first."
        )


def judge_chain_backward(results: object, seed: int) -> None:
    """Hidden test: each chain's recorded result and the places whose backward ran, against the chain run
    through the boxes: the right number, through every box's backward (the docstring's how)."""
    chains = random_chains(seed)
    for (chain, x, d_out), entry in zip(chains, entries(results, len(chains))):
        _judge_one_chain_backward(outcome_of(entry.get("result")), boxes_that_ran(entry), chain, x, d_out)
