"""The numerical derivatives that every analytic gradient in the course is checked against."""

import math

import pytest
from hypothesis import given, settings, strategies as st

from solutions import central_difference, forward_difference, order_of_accuracy, relative_error


def test_central_difference_of_sin_x_squared_at_3():
    estimate = central_difference(lambda x: math.sin(x * x), 3.0)
    assert estimate == pytest.approx(2 * 3.0 * math.cos(9.0), rel=1e-8)


def test_arg_picks_the_partial():
    f = lambda x, y: x * x * y  # ∂f/∂x = 2xy, ∂f/∂y = x²
    assert central_difference(f, 3.0, 5.0, arg=0) == pytest.approx(30.0, rel=1e-8)
    assert central_difference(f, 3.0, 5.0, arg=1) == pytest.approx(9.0, rel=1e-8)
    assert central_difference(f, 3.0, 5.0, arg=-1) == pytest.approx(9.0, rel=1e-8)


def test_arg_out_of_range_names_the_count():
    with pytest.raises(IndexError, match="2 value"):
        central_difference(lambda x, y: x + y, 1.0, 2.0, arg=2)


@given(st.floats(-3, 3))
def test_central_beats_forward_on_a_curved_function(x):
    exact = math.exp(x)
    central = central_difference(math.exp, x, epsilon=1e-4)
    forward = forward_difference(math.exp, x, epsilon=1e-4)
    assert abs(central - exact) < abs(forward - exact)


def test_measured_orders_are_one_and_two():
    epsilons = [10.0**-k for k in range(1, 5)]
    exact = math.cos(1.0)
    central = [abs(central_difference(math.sin, 1.0, epsilon=e) - exact) for e in epsilons]
    forward = [abs(forward_difference(math.sin, 1.0, epsilon=e) - exact) for e in epsilons]
    assert order_of_accuracy(epsilons, central) == pytest.approx(2.0, abs=0.05)
    assert order_of_accuracy(epsilons, forward) == pytest.approx(1.0, abs=0.05)


def test_order_of_accuracy_rejects_what_it_cannot_fit():
    with pytest.raises(ValueError, match="two or more"):
        order_of_accuracy([0.1], [0.01])
    with pytest.raises(ValueError, match="positive"):
        order_of_accuracy([0.1, 0.01], [0.0, 1e-4])


@settings(max_examples=200)
@given(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6))
def test_relative_error_is_symmetric_and_bounded(a, b):
    err = relative_error(a, b)
    assert err == relative_error(b, a)
    assert 0.0 <= err <= 2.0


def test_relative_error_near_zero_stays_finite():
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error(1e-20, -1e-20) < 1e-7  # both lost in the floor: equal for gradient checks
    assert relative_error(1.0, 1.0 + 1e-9) == pytest.approx(1e-9, rel=1e-3)
