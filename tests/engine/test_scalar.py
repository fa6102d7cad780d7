"""Every Scalar operation's derivative against sympy and against central differences."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from solutions import Scalar, central_difference

import op_table
from op_table import X, Y

# Where each domain of the op table draws a Scalar's input from.
DOMAINS = {
    "any": st.floats(-3.0, 3.0),
    "positive": st.floats(0.05, 5.0),
    "nonzero": st.one_of(st.floats(-4.0, -0.1), st.floats(0.1, 4.0)),
}
# The shared table, and what only Scalar has: cos, and numbers on either side of an operator.
UNARY = op_table.UNARY | {"cos": (lambda a: a.cos(), sp.cos(X), "any")}
BINARY = op_table.BINARY | {
    "add number": (lambda a, b: 2.5 + a + b * 1.5, 2.5 + X + Y * 1.5, "any"),
    "sub number": (lambda a, b: 1.0 - a - (b - 4.0), 1.0 - X - (Y - 4.0), "any"),
    "div number": (lambda a, b: 3.0 / b + a / 2.0, 3.0 / Y + X / 2.0, "nonzero"),
}


def sympy_gradient(expr, point):
    return [float(sp.diff(expr, s).subs(point)) for s in (X, Y)]


@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=25)
@given(data=st.data())
def test_unary_op_matches_sympy_and_central_difference(name, data):
    op, expr, domain = UNARY[name]
    x = data.draw(DOMAINS[domain])
    a = Scalar(x)
    out = op(a)
    out.backward()
    assert out.value == pytest.approx(float(expr.subs(X, x)), rel=1e-12, abs=1e-12)
    assert a.grad == pytest.approx(sympy_gradient(expr, {X: x})[0], rel=1e-9, abs=1e-12)
    numeric = central_difference(lambda v: op(Scalar(v)).value, x)
    assert a.grad == pytest.approx(numeric, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=25)
@given(data=st.data())
def test_binary_op_matches_sympy_and_central_difference(name, data):
    op, expr, domain = BINARY[name]
    x, y = data.draw(DOMAINS[domain]), data.draw(DOMAINS[domain])
    a, b = Scalar(x), Scalar(y)
    op(a, b).backward()
    expected = sympy_gradient(expr, {X: x, Y: y})
    assert [a.grad, b.grad] == pytest.approx(expected, rel=1e-9, abs=1e-12)
    f = lambda u, v: op(Scalar(u), Scalar(v)).value
    numeric = [central_difference(f, x, y, arg=i) for i in (0, 1)]
    assert [a.grad, b.grad] == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def test_seed_numbers_through_scalar():
    x = Scalar(3.0)
    y = (x**2).sin()
    y.backward()
    assert round(y.value, 4) == 0.4121
    assert round(x.grad, 4) == -5.4668


@settings(max_examples=50)
@given(DOMAINS["positive"], DOMAINS["positive"])
def test_h_partials_match_the_closed_form(x0, y0):
    x, y = Scalar(x0), Scalar(y0)
    xy = x * y
    h = xy.log() + xy.exp()
    h.backward()
    assert x.grad == pytest.approx(1 / x0 + y0 * math.exp(x0 * y0), rel=1e-12)
    assert y.grad == pytest.approx(1 / y0 + x0 * math.exp(x0 * y0), rel=1e-12)


def test_z_example_gives_two_fifths():
    x = Scalar(1.0)
    z = ((x + 2) * 2) / 5
    z.backward()
    assert z.value == pytest.approx(1.2)
    assert x.grad == pytest.approx(0.4)


def test_two_path_graph_sums_both_paths():
    a, w1, w2, w3, w4 = (Scalar(v) for v in (1.5, 2.0, -3.0, 0.5, 4.0))
    b, c = w1 * a, w2 * a
    d = w3 * b + w4 * c
    loss = d.tanh()
    loss.backward()
    d_loss_d_d = 1 - math.tanh(d.value) ** 2
    assert a.grad == pytest.approx(d_loss_d_d * (w3.value * w1.value + w4.value * w2.value), rel=1e-12)
    assert w1.grad == pytest.approx(d_loss_d_d * w3.value * a.value, rel=1e-12)


def test_constants_become_leaves_of_the_graph():
    x = Scalar(1.0, name="x")
    z = (x + 2) * 2
    assert z.op == "mul" and z.parents[0].op == "add"
    assert [p.value for p in z.parents[0].parents] == [1.0, 2.0]
    assert z.parents[0].parents[0] is x


def test_parents_are_the_inputs_in_order_and_the_same_objects_on_every_access():
    x, y = Scalar(2.0), Scalar(3.0)
    z = (x * y).tanh()
    product = z.parents[0]
    assert (x.parents, z.parents, product.parents) == ((), (product,), (x, y))
    assert z.parents[0] is product and product.parents[0] is x and product.parents[1] is y


def test_local_grads_of_an_input_and_of_a_product():
    x = Scalar(3.0)
    z = x * 2.0
    assert (x.local_grads, z.local_grads, z.parents[1].local_grads) == ((), (2.0, 3.0), ())
    z.backward()
    assert (x.grad, z.parents[1].grad) == (2.0, 3.0)  # a constant gets its gradient too


@pytest.mark.parametrize("bad", ["3", None, [1.0], 1 + 2j])
def test_non_numbers_are_refused_by_name(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Scalar(bad)


def test_an_unsupported_operand_is_a_type_error():
    with pytest.raises(TypeError, match="str"):
        Scalar(1.0) + "2"
    with pytest.raises(TypeError, match="plain number"):
        Scalar(2.0) ** Scalar(3.0)


def test_log_of_a_non_positive_scalar_says_why():
    with pytest.raises(ValueError, match="positive"):
        Scalar(-2.0).log()


def test_a_fractional_power_of_a_negative_number_says_why():
    with pytest.raises(ValueError, match="fractional power"):
        Scalar(-2.0) ** 0.5
    assert (Scalar(-2.0) ** 2).value == 4.0


def test_numpy_scalars_are_numbers_too():
    x = Scalar(np.float32(1.5))
    assert type(x.value) is float and x.value == 1.5
    assert type((x * np.float64(2.0)).value) is float
