"""Notebook 02 (chain rule): the box and chain checks its test cells call, tested directly.

Running the notebook and grading its right and wrong submissions is tests/course/test_notebooks.py's job.
"""

from __future__ import annotations

import math

from hypothesis import assume, given, settings, strategies as st
import numpy as np
import pytest

from autograder.checks.notebook_02 import check_box_against, check_chain_backward_against, check_chain_forward_against
from autograder.hidden_checks import BOX_LOOKALIKES
from backprop_lab.checks import check_box, check_chain_backward
from solutions import boxes

# --- The checks themselves -----------------------------------------------------------------------

def square_box(number_type):
    """A right Square box whose numbers come out as `number_type` (float, numpy scalar, 0-d array)."""

    class Square:
        def __init__(self, x):
            self.x = x

        def forward(self):
            return number_type(self.x**2)

        def backward(self, d_out):
            return number_type(2 * self.x * d_out)

    return Square


@pytest.mark.parametrize("number_type", [float, np.float64, np.float32, np.array], ids=lambda t: t.__name__)
def test_a_right_box_passes_whatever_number_type_it_returns(number_type) -> None:
    check_box_against(square_box(number_type), boxes.Square, seed=5, rtol=1e-6, atol=1e-5)


class BoxG:
    """The seeds' bug, named as in the notebook: g(x) = x², but its slope is the slope of sin."""

    def __init__(self, x):
        self.x = x

    def forward(self):
        return self.x**2

    def backward(self, d_out):
        return math.cos(self.x) * d_out


@settings(max_examples=40)
@given(st.integers(0, 10**6))
def test_the_hidden_check_catches_the_wrong_function_whatever_the_seed(seed: int) -> None:
    with pytest.raises(AssertionError, match="differentiating the wrong function"):
        check_box_against(BoxG, boxes.Square, seed=seed, lookalikes=BOX_LOOKALIKES["BoxG"])


def test_one_point_where_the_slopes_meet_cannot_catch_it() -> None:
    x_star = 0.4501836112948735  # cos x = 2x
    check_box(BoxG, x_star, d_out=1.0, forward=x_star**2, backward=2 * x_star)


def recursive_chain_backward(chain, x, d_out=1.0):
    if len(chain) == 0:
        return d_out
    first = chain[0](x)
    return first.backward(recursive_chain_backward(chain[1:], first.forward(), d_out))


def reversed_chain_forward(chain, x):
    for box_class in reversed(chain):
        x = box_class(x).forward()
    return x


@settings(max_examples=20)
@given(st.integers(0, 10**6))
def test_the_hidden_chain_checks_accept_another_algorithm_and_reject_the_wrong_order(seed: int) -> None:
    check_chain_backward_against(recursive_chain_backward, seed=seed)
    with pytest.raises(AssertionError, match="the wrong order"):
        check_chain_forward_against(reversed_chain_forward, seed=seed)


@settings(max_examples=40)
@given(st.lists(st.sampled_from([boxes.Square, boxes.Sine, boxes.Exp, boxes.Tanh]), max_size=4), st.floats(-1, 1))
def test_the_chain_check_expects_what_a_central_difference_measures(chain, x) -> None:
    def whole(t):
        for box_class in chain:
            t = box_class(t).forward()
            # Values kept within ±4 keep every slope and curvature moderate, where a central difference
            # is exact to about 1e-8 (exp∘square∘exp at 1 overflows; exp∘square∘exp∘sin's slope is 10⁴).
            assume(abs(t) <= 4)
        return t

    measured = (whole(x + 1e-6) - whole(x - 1e-6)) / 2e-6
    check_chain_backward(recursive_chain_backward, chain, x, 2.0, expected=2 * measured)


class PassesDOutOn:
    """A Square whose backward hands d_out back as it came, the local derivative 2x left out."""

    def __init__(self, x):
        self.x = x

    def forward(self):
        return self.x**2

    def backward(self, d_out):
        return d_out


def test_a_backward_that_returns_d_out_as_it_came_is_named() -> None:
    with pytest.raises(AssertionError, match="backward returned d_out as it came: multiply it by the box's local"):
        check_box(PassesDOutOn, 3.0, d_out=1.0, forward=9.0, backward=6.0)
