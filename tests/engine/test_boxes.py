"""The chain-rule boxes in the seeds' style: inputs to the constructor, forward(), backward(d_out)."""

import math

import pytest

from solutions.boxes import Add, Div, Exp, Log, Mul, Sine, Square


def test_seed_example_sin_of_x_squared():
    square = Square(3.0)
    sine = Sine(square.forward())
    assert round(sine.forward(), 4) == 0.4121
    assert round(square.backward(sine.backward(1.0)), 4) == -5.4668


def test_backward_scales_by_d_out():
    assert Square(1.5).backward(2.0) == pytest.approx(2 * Square(1.5).backward(1.0))
    assert Exp(0.3).backward(-4.0) == pytest.approx(-4.0 * math.exp(0.3))


def test_two_input_boxes_return_one_derivative_per_input():
    assert Mul(2.0, 5.0).backward(1.0) == (5.0, 2.0)
    assert Add(2.0, 5.0).backward(3.0) == (3.0, 3.0)
    dx, dy = Div(3.0, 4.0).backward(1.0)
    assert dx == pytest.approx(1 / 4)
    assert dy == pytest.approx(-3.0 / 16)  # −x/y², the quotient rule's sign and square


def test_log_and_div_refuse_their_poles_with_a_reason():
    with pytest.raises(ValueError, match="positive"):
        Log(-1.0)
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Div(1.0, 0.0)
