"""backprop_lab.widgets without a browser: what each widget shows, step by step, and its errors."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from solutions import Scalar, backpropagate, order_of_accuracy
from solutions.boxes import Mul, Sine, Square
from backprop_lab.widgets import BoxChainView, BroadcastView, EpsilonExplorer, GraphView, TopoSortStepper
from backprop_lab.widgets.broadcast import broadcast_result, summed_axes
from backprop_lab.widgets.nodes import read_graph
from backprop_lab.widgets.topo_stepper import ALGORITHMS

PNG = b"\x89PNG\r\n\x1a\n"
FINAL_LINE = re.compile(r"^  (.+): value (\S+), grad (\S+) \(final\)$", re.MULTILINE)


class Node:
    """A learner's own minimal node: only what the widgets promise to need."""

    def __init__(self, value, parents=(), op=""):
        self.value, self.grad, self.parents, self.op = value, 0.0, tuple(parents), op


def h_graph() -> Scalar:
    x, y = Scalar(1.5, name="x"), Scalar(2.0, name="y")
    xy = x * y
    return xy.log() + xy.exp()


def two_path_graph() -> Scalar:
    a = Scalar(0.8, name="a")
    w1, w2, w3, w4 = (Scalar(v, name=f"w{i}") for i, v in enumerate([0.5, -1.5, 2.0, 0.25], start=1))
    d = w3 * (w1 * a) + w4 * (w2 * a)
    return d.tanh()


def a_plus_a() -> Scalar:
    a = Scalar(3.0, name="a")
    return a + a


def z_graph() -> Scalar:
    return ((Scalar(1.0, name="x") + 2) * 2) / 5


GRAPHS = [h_graph, two_path_graph, a_plus_a, z_graph]


def test_stepping_changes_the_summary_and_the_image():
    view = GraphView(h_graph())
    seen_text, seen_png = {view.summary()}, {view.image_png()}
    assert view.image_png().startswith(PNG)
    while view.step < view.n_steps - 1:
        view.next()
        seen_text.add(view.summary())
        seen_png.add(view.image_png())
    assert len(seen_text) == len(seen_png) == view.n_steps == 1 + 4 + 6  # start, 4 ops forward, 6 nodes back
    view.back()
    assert view.step == view.n_steps - 2
    view.go(0)
    assert "step 0 of 10" in view.summary() and "not yet computed" in view.summary()


@pytest.mark.parametrize("make", GRAPHS, ids=lambda f: f.__name__)
def test_last_backward_step_shows_what_backpropagate_computes(make):
    root = make()
    view = GraphView(root)
    view.go(view.n_steps - 1)
    shown = {label: (float(value), float(grad)) for label, value, grad in FINAL_LINE.findall(view.summary())}
    assert all(node.grad == 0.0 for node in view.graph.nodes), "GraphView must not write to the nodes"
    backpropagate(root)
    assert len(shown) == len(view.graph)
    for label, node in zip(view.graph.labels, view.graph.nodes):
        assert shown[label] == (pytest.approx(node.value, rel=1e-5), pytest.approx(node.grad, rel=1e-5, abs=1e-9))


def test_a_node_feeding_several_others_shows_its_gradient_summed():
    view = GraphView(h_graph())
    mul = view.graph.labels.index("mul")
    halfway = next(step for step in range(view.n_steps)
                   if len(view.passes.state(step).received.get(mul, [])) == 1)
    view.go(halfway)  # log or exp has sent its piece to mul, the other has not yet
    assert re.search(r"^  mul: value 3, grad \S+ \(partial sum\)$", view.summary(), re.MULTILINE)
    view.go(view.n_steps - 1)
    pieces = view.state().received[mul]
    xy = 3.0
    assert sorted(pieces) == pytest.approx(sorted([1 / xy, math.exp(xy)]))
    assert view.passes.gradient(mul, view.state()) == pytest.approx(1 / xy + math.exp(xy))

    doubled = GraphView(a_plus_a())
    doubled.go(doubled.n_steps - 1)
    assert doubled.state().received[1] == [1.0, 1.0]
    assert "a: value 3, grad 2 (final)" in doubled.summary()


def test_forward_steps_reveal_values_inputs_first():
    view = GraphView(z_graph())
    view.go(1)
    assert "forward: add = add(x, 2₁) = 3" in view.summary()  # two constants 2: numbered
    view.go(3)
    assert "= 1.2" in view.summary() and "backward" not in view.summary()


def test_a_learners_own_node_class_draws_and_shows_its_stored_grads():
    p, q = Node(2.0), Node(5.0)
    root = Node(10.0, (p, q), "times")
    root.grad, p.grad, q.grad = 1.0, 5.0, 2.0  # as the learner's own backward left them
    view = GraphView(root)
    assert view.image_png().startswith(PNG)
    view.go(view.n_steps - 1)
    assert "read from each node's .grad" in view.summary()
    assert {label: float(grad) for label, _, grad in FINAL_LINE.findall(view.summary())} == {
        "times": 1.0, "2": 5.0, "5": 2.0}


def test_nodes_with_local_grads_show_partial_sums_without_touching_grad():
    """Notebook 04's Scalar has no box but one local derivative per parent: enough to replay sums."""
    x, y = Node(2.0), Node(0.5)
    q = Node(1.0, (x, y), "*")
    q.local_grads = (0.5, 2.0)
    log_q, exp_q = Node(0.0, (q,), "log"), Node(math.e, (q,), "exp")
    log_q.local_grads, exp_q.local_grads = (1.0,), (math.e,)
    h = Node(math.e, (log_q, exp_q), "+")
    h.local_grads = (1.0, 1.0)
    view = GraphView(h)
    star = view.graph.labels.index("*")
    halfway = next(step for step in range(view.n_steps)
                   if len(view.passes.state(step).received.get(star, [])) == 1)
    view.go(halfway)
    assert re.search(r"^  \*: value 1, grad \S+ \(partial sum\)$", view.summary(), re.MULTILINE)
    view.go(view.n_steps - 1)
    assert view.passes.gradient(star, view.state()) == pytest.approx(1 + math.e)
    at_star = next(step for step in range(view.n_steps)
                   if view.passes.state(step).phase == "backward" and view.passes.state(step).current == star)
    view.go(at_star)
    assert "times its local derivatives, it sends 1.859 to 2, 7.437 to 0.5" in view.summary()
    assert (x.grad, q.grad) == (0.0, 0.0)


@pytest.mark.parametrize("missing", ["value", "grad", "parents", "op"])
def test_a_node_missing_an_attribute_is_named(missing):
    leaf = Node(1.0)
    delattr(leaf, missing)
    with pytest.raises(TypeError, match=rf"\.{missing}\b"):
        GraphView(Node(2.0, (leaf,), "double"))
    with pytest.raises(TypeError, match=rf"\.{missing}\b"):
        TopoSortStepper(leaf)


@pytest.mark.parametrize("widget", [GraphView, TopoSortStepper])
def test_a_cycle_is_a_clear_error_not_a_hang(widget):
    a = Node(1.0)
    b = Node(2.0, (a,), "f")
    a.parents = (b,)
    with pytest.raises(ValueError, match="acyclic"):
        widget(Node(3.0, (b,), "g"))


def test_a_200_node_graph_renders_with_a_note():
    nodes = [Node(float(i)) for i in range(10)]
    while len(nodes) < 200:
        k = len(nodes)
        nodes.append(Node(1.0, (nodes[k - 1], nodes[k - 10]), "mix"))
    view = GraphView(nodes[-1])
    assert len(view.graph) == 200
    assert "too many to label" in view.summary()
    assert view.image_png().startswith(PNG)
    before = view.image_png()
    view.go(view.n_steps - 1)
    assert view.image_png() != before and "too many to label" in view.summary()
    assert TopoSortStepper(nodes[-1]).image_png().startswith(PNG)


@st.composite
def random_dags(draw):
    """A random DAG of learner nodes: each node's inputs are earlier nodes (repeats allowed)."""
    nodes = [Node(0.0) for _ in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(0, 25))):
        picks = draw(st.lists(st.integers(0, len(nodes) - 1), min_size=1, max_size=3))
        nodes.append(Node(0.0, [nodes[i] for i in picks], "op"))
    return nodes[-1]


def reachable(root) -> set[int]:
    seen, todo = {id(root)}, [root]
    while todo:
        for parent in todo.pop().parents:
            if id(parent) not in seen:
                seen.add(id(parent))
                todo.append(parent)
    return seen


def assert_topological(order, root):
    assert order[0] is root
    position = {id(node): i for i, node in enumerate(order)}
    assert len(position) == len(order) and set(position) == reachable(root)
    for node in order:
        for parent in node.parents:
            assert position[id(node)] < position[id(parent)], "a node must come before its inputs"


@settings(max_examples=60)
@given(root=random_dags(), algorithm=st.sampled_from(sorted(ALGORITHMS)))
def test_the_sort_ends_in_a_valid_order_for_random_dags(root, algorithm):
    graph = read_graph(root, "test")
    trace = ALGORITHMS[algorithm](graph)
    visited_sizes = []
    for _ in trace.moves():
        visited_sizes.append(len(trace.visited))
    assert visited_sizes == sorted(visited_sizes), "the visited set only grows"
    assert trace.complete and not trace.frontier
    assert_topological([graph.nodes[i] for i in trace.order], root)


@pytest.mark.parametrize("algorithm", ["dfs", "kahn"])
def test_the_stepper_shows_frontier_visited_and_order(algorithm):
    root = two_path_graph()
    stepper = TopoSortStepper(root, algorithm=algorithm)
    assert_topological(stepper.order, root)
    frontier = "stack" if algorithm == "dfs" else "queue"
    first = stepper.summary()
    assert f"{frontier}" in first and "visited: {tanh}" in first
    stepper.next()
    assert stepper.summary() != first
    stepper.go(stepper.n_steps - 1)
    last = stepper.summary()
    assert "order (final, root first): [tanh," in last and f"{frontier} (" in last


def test_the_stepper_rejects_an_unknown_algorithm():
    with pytest.raises(ValueError, match="dfs"):
        TopoSortStepper(h_graph(), algorithm="bfs")


def sin_square(x: float) -> float:
    return math.sin(x * x)


def d_sin_square(x: float) -> float:
    return 2 * x * math.cos(x * x)


def slope(view: EpsilonExplorer, errors: np.ndarray, low: float, high: float) -> float:
    chosen = (view.epsilons >= low) & (view.epsilons <= high) & (errors > 0)
    return order_of_accuracy(view.epsilons[chosen], errors[chosen])


@pytest.mark.parametrize("df", [d_sin_square, None], ids=["exact df", "extrapolated"])
def test_central_error_falls_as_epsilon_squared_then_round_off_rises(df):
    view = EpsilonExplorer(sin_square, 3.0, df=df)
    assert view.exact == pytest.approx(d_sin_square(3.0), rel=1e-11)
    assert slope(view, view.central_errors, 1e-4, 1e-2) == pytest.approx(2.0, abs=0.15)
    assert slope(view, view.forward_errors, 1e-6, 1e-2) == pytest.approx(1.0, abs=0.15)
    assert slope(view, view.central_errors, 1e-14, 1e-9) < -0.6, "round-off grows as ε shrinks"
    assert 1e-8 < view.best_epsilon() < 1e-3


def test_epsilon_curves_leave_gaps_where_f_is_undefined():
    view = EpsilonExplorer(math.log, 0.05)  # x − ε < 0 for the largest steps
    assert view.exact == pytest.approx(20.0, rel=1e-10)
    assert np.isnan(view.central_errors[-1]) and 1e-8 < view.best_epsilon() < 1e-3


def test_the_epsilon_slider_moves_the_marker_and_readout():
    view = EpsilonExplorer(math.exp, 1.0)
    before_text, before_png = view.summary(), view.image_png()
    view.epsilon = 1e-3
    assert view.summary() != before_text and view.image_png() != before_png
    forward, central = view.estimates()
    assert "ε = 1.0e-03" in view.summary()
    assert abs(central - math.e) < abs(forward - math.e) < 2e-3


def test_epsilon_explorer_needs_a_function_of_one_number():
    with pytest.raises(TypeError, match="one number"):
        EpsilonExplorer(lambda x: (x, x), 1.0)
    with pytest.raises(TypeError, match="function"):
        EpsilonExplorer(3.0, 1.0)


shapes = st.lists(st.integers(1, 4), max_size=4).map(tuple)


def numpy_summed_axes(shape: tuple, result: tuple) -> tuple:
    """The axes numpy stretches: new ones on the left, and those a broadcast view gives stride 0."""
    strides = np.broadcast_to(np.empty(shape), result).strides
    added = len(result) - len(shape)
    return tuple(k for k in range(len(result)) if k < added or (strides[k] == 0 and result[k] != 1))


@settings(max_examples=150)
@given(a=shapes, b=shapes)
def test_broadcast_rules_agree_with_numpy(a, b):
    result, problem = broadcast_result(a, b)
    try:
        expected = np.broadcast_shapes(a, b)
    except ValueError:
        assert result is None and "do not broadcast" in problem
        return
    assert result == expected and problem is None
    for shape in (a, b):
        added, stretched = summed_axes(shape, result)
        assert added + stretched == numpy_summed_axes(shape, result)
        kept = tuple(k - len(added) for k in stretched)
        assert np.ones(result).sum(axis=added).sum(axis=kept, keepdims=True).shape == shape


@pytest.mark.parametrize("a, b", [((2, 3, 1), (4,)), ((5, 1, 4), (3, 1)), ((3,), (3,)), ((), (2, 2))])
def test_broadcast_view_shows_numpys_result_and_summed_axes(a, b):
    view = BroadcastView(a, b)
    result = np.broadcast_shapes(a, b)
    assert view.result_shape == result and f"broadcast to {result}" in view.summary()
    assert view.gradient_axes("a") == numpy_summed_axes(a, result)
    assert view.gradient_axes("b") == numpy_summed_axes(b, result)


def test_shapes_that_do_not_broadcast_are_shown_not_raised():
    with pytest.raises(ValueError):
        np.broadcast_shapes((3, 1), (2, 4))
    view = BroadcastView((3, 1), (2, 4))
    assert view.result_shape is None and view.image_png().startswith(PNG)
    with pytest.raises(ValueError, match="do not broadcast"):
        view.gradient_axes("a")


def test_broadcast_names_the_clash_and_reads_typed_shapes():
    view = BroadcastView((3, 1), (2, 4))
    assert "axis -2" in view.summary() and "a has 3 and b has 2" in view.summary()
    view._inputs[0].value = "5, 2, 1"
    assert view.result_shape == (5, 2, 4) and "keep axes (2,)" in view.summary()
    view._inputs[1].value = "2, oops"
    assert "could not read" in view.summary() and view.result_shape == (5, 2, 4)


@pytest.mark.parametrize("shape, error", [("3, 1", TypeError), ((2, -1), ValueError), ((2.5,), TypeError)])
def test_broadcast_rejects_what_is_not_a_shape(shape, error):
    with pytest.raises(error, match="shape_a"):
        BroadcastView(shape, (1,))


def test_box_chain_steps_sin_of_x_squared_forward_and_back():
    view = BoxChainView([Square, Sine], 3.0)
    assert view.n_steps == 5 and "? ← Square" in view.summary()
    view.go(2)
    assert "3 → Square → 9 → Sine → 0.412118" in view.summary()
    png = view.image_png()
    view.go(4)
    assert "-5.46678 ← Square ← -0.91113 ← Sine ← 1" in view.summary() and view.image_png() != png
    assert view.grads[0] == pytest.approx(2 * 3.0 * math.cos(9.0))


def test_box_chain_takes_one_input_box_classes_only():
    with pytest.raises(TypeError, match="one-input"):
        BoxChainView([Square, Mul], 3.0)
    with pytest.raises(TypeError, match="classes, not instances"):
        BoxChainView([Square(3.0)], 3.0)
    with pytest.raises(TypeError, match="non-empty list"):
        BoxChainView([], 3.0)
