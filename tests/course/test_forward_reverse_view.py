"""ForwardReverseView: tangents from one input forward, gradients back, on any boxed graph."""

from __future__ import annotations

import math

from hypothesis import given, settings, strategies as st
import pytest

from backprop_lab.widgets import ForwardReverseView
from solutions import Scalar
from solutions.forward import jvp

PNG = b"\x89PNG\r\n\x1a\n"


def h_graph(x_value=0.5, y_value=1.5):
    x, y = Scalar(x_value, name="x"), Scalar(y_value, name="y")
    a = x * y
    return x, y, a.log() + a.exp()


@settings(max_examples=5)
@given(st.floats(0.2, 2.0), st.floats(0.2, 2.0), st.sampled_from(["x", "y"]))
def test_the_forward_pass_ends_with_the_jvp_and_the_backward_pass_with_the_gradient(x_value, y_value, seed):
    x, y, h = h_graph(x_value, y_value)
    view = ForwardReverseView(h, seed=seed)
    direction = [1.0, 0.0] if seed == "x" else [0.0, 1.0]
    _, tangent = jvp(lambda s, t: (s * t).log() + (s * t).exp(), [x_value, y_value], direction)
    assert math.isclose(view.tangents[0], tangent, rel_tol=1e-12)
    view.go(view.n_steps - 1)
    assert all(node.grad == 0.0 for node in view.graph.nodes), "the widget must not write to the nodes"
    h.backward()
    state = view.state()
    shown = {view.graph.labels[i]: view.passes.gradient(i, state) for i in range(len(view.graph))}
    assert math.isclose(shown["x"], x.grad, rel_tol=1e-12) and math.isclose(shown["y"], y.grad, rel_tol=1e-12)


def test_steps_show_tangents_forward_then_gradients_back():
    _, _, h = h_graph()
    view = ForwardReverseView(h, seed="x")
    first = view.summary()
    assert "x carries tangent 1" in first and view.image_png().startswith(PNG)
    view.next()
    assert "tangent 1.5" in view.summary()  # d(xy)/dx = y
    view.go(view.n_steps - 1)
    last = view.summary()
    assert "one backward pass gave" in last and "for all 2 inputs" in last
    assert view.image_png() != b"" and last != first


def test_the_seed_must_be_an_input():
    _, _, h = h_graph()
    with pytest.raises(ValueError, match="not an input of this graph; pass one of its input nodes"):
        ForwardReverseView(h, seed="a")


def test_nodes_without_boxes_are_refused_with_advice():
    class Node:
        def __init__(self, value, parents=(), op=""):
            self.value, self.grad, self.parents, self.op = value, 0.0, tuple(parents), op

    leaf = Node(2.0)
    with pytest.raises(TypeError, match="draw this graph with GraphView instead"):
        ForwardReverseView(Node(4.0, (leaf,), "square"), seed=leaf)
