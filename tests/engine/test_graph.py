"""topological_sort and backpropagate on tricky, random and very deep graphs."""

import math
import random

import pytest
from hypothesis import given, settings, strategies as st

from solutions import Scalar, backpropagate, central_difference, topological_sort
from solutions.graph import backward_steps, creation_order

# Random expression DAGs: each new node applies an op to one or two earlier nodes, so nodes get shared.
UNARY_OPS = [lambda a: a.sin(), lambda a: a.tanh(), lambda a: a.sigmoid(), lambda a: -a]
BINARY_OPS = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b]


def random_graph(seed: int, leaves: list[float], size: int):
    """A random DAG over `leaves`, returned as a function from leaf values to (the leaf Scalars, the root)."""
    rng = random.Random(seed)
    plan = []
    for i in range(size):
        available = len(leaves) + i
        if rng.random() < 0.4:
            plan.append((rng.choice(UNARY_OPS), (rng.randrange(available),)))
        else:
            plan.append((rng.choice(BINARY_OPS), (rng.randrange(available), rng.randrange(available))))

    def build(*values):
        nodes = [Scalar(v) for v in values]
        for op, args in plan:
            nodes.append(op(*(nodes[i] for i in args)))
        return nodes[: len(values)], nodes[-1]

    return build


def assert_topological(order, root):
    assert order[0] is root
    position = {id(node): i for i, node in enumerate(order)}
    assert len(position) == len(order), "a node appears twice"
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] > position[id(node)], "a node comes after one of its inputs"


def reachable(root):
    seen, todo = {id(root): root}, [root]
    while todo:
        for parent in todo.pop().parents:
            if id(parent) not in seen:
                seen[id(parent)] = parent
                todo.append(parent)
    return seen


@settings(max_examples=60)
@given(st.integers(0, 10**6), st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=4), st.integers(1, 30))
def test_random_dag_sort_and_gradients(seed, values, size):
    build = random_graph(seed, values, size)
    leaves, root = build(*values)
    order = topological_sort(root)
    assert_topological(order, root)
    assert {id(n) for n in order} == set(reachable(root))
    root.backward()
    for i, leaf in enumerate(leaves):
        numeric = central_difference(lambda *v: build(*v)[1].value, *values, arg=i)
        assert leaf.grad == pytest.approx(numeric, rel=1e-5, abs=1e-6)


def test_a_plus_a_and_a_times_a():
    a = Scalar(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    b = Scalar(3.0)
    (b * b).backward()
    assert b.grad == 6.0


def test_diamond_sums_at_the_shared_input():
    a = Scalar(0.7)
    left, right = a.sin(), a.exp()
    top = left * right
    top.backward()
    assert a.grad == pytest.approx(math.cos(0.7) * math.exp(0.7) + math.sin(0.7) * math.exp(0.7))
    assert_topological(topological_sort(top), top)


def test_a_node_used_by_five_others():
    a = Scalar(2.0)
    users = [a * k for k in range(1, 6)]
    total = users[0]
    for u in users[1:]:
        total = total + u
    total.backward()
    assert a.grad == 15.0
    assert sum(node is a for node in topological_sort(total)) == 1


def test_backward_twice_accumulates_and_zero_grad_resets():
    x, y = Scalar(2.0), Scalar(0.5)
    xy = x * y
    h = xy.log() + xy.exp()
    h.backward()
    once = (x.grad, y.grad, xy.grad)
    h.backward()
    assert (x.grad, y.grad, xy.grad) == pytest.approx(tuple(2 * g for g in once))
    h.zero_grad()
    assert all(node.grad == 0.0 for node in topological_sort(h))
    h.backward()
    assert (x.grad, y.grad, xy.grad) == pytest.approx(once)


def test_backpropagate_scales_by_d_out():
    x = Scalar(3.0)
    y = (x**2).sin()
    backpropagate(y, d_out=-2.0)
    assert x.grad == pytest.approx(-2.0 * 6.0 * math.cos(9.0))


def test_a_million_deep_chain_needs_no_recursion():
    x = Scalar(0.5)
    node = x
    for _ in range(10**6):
        node = -node
    node.backward()
    assert x.grad == 1.0  # an even number of negations
    assert len(topological_sort(node)) == 10**6 + 1


def test_non_nodes_are_refused_by_type():
    with pytest.raises(TypeError, match="float"):
        topological_sort(3.0)

    class Half:
        parents = (3.0,)

    with pytest.raises(TypeError, match="float"):
        topological_sort(Half())


def test_a_hand_made_cycle_is_reported_not_looped():
    class Node:
        def __init__(self):
            self.parents = ()

    a, b = Node(), Node()
    a.parents, b.parents = (b,), (a,)
    with pytest.raises(ValueError, match="cycle"):
        topological_sort(a)


class ProtocolNode:
    """The least a node needs for the backward walk: parents, requires_grad, created, gradient_pieces."""

    def __init__(self, parents=(), local_grads=(), requires_grad=True):
        self.parents, self.local_grads, self.requires_grad = parents, local_grads, requires_grad
        self.grad = 0.0
        self.created = next(creation_order)

    def gradient_pieces(self, d_out):
        return [d_out * local if p.requires_grad else None for p, local in zip(self.parents, self.local_grads)]


def test_the_walk_serves_any_node_that_meets_its_protocol():
    a, frozen = ProtocolNode(), ProtocolNode(requires_grad=False)
    b = ProtocolNode((a, a, frozen), (2.0, 3.0, 7.0))
    c = ProtocolNode((b, a), (4.0, 1.0))
    steps = list(backward_steps(c, 1.0))
    assert [node for node, _ in steps] == [c, b, a]  # each after all its users; `frozen` never visited
    backpropagate(c)
    assert (c.grad, b.grad, a.grad, frozen.grad) == (1.0, 4.0, 4.0 * (2.0 + 3.0) + 1.0, 0.0)
