"""Notebook 04 (topological sort): the order and backpropagation checks, tested on random DAGs.

Running the notebook and grading its right and wrong submissions is tests/course/test_notebooks.py's job.
"""

from __future__ import annotations

import random
import sys

from hypothesis import assume, given, settings, strategies as st
import pytest

from autograder.checks.notebook_04 import BACKPROPAGATE_MISTAKES, check_backpropagate_against, judge_topological_sort
from backprop_lab.checks import check_topological_order
from backprop_lab.checks.notebook_04 import reachable
from backprop_lab.graph_cases import PlainNode, chain, diamond_stack, order_record, record_topological_sort
from course_grading import nbgrader_meta, run_up_to, source_notebook
import nbformat
from solutions import Scalar, topological_sort as solutions_topological_sort

SOURCE = nbformat.read(source_notebook("04_topological_sort"), as_version=4)

# --- The order check accepts every topological order and nothing else --------------------------

@st.composite
def graphs(draw) -> Scalar:
    """A random DAG of Scalars: each new node combines two earlier ones (possibly the same one twice)."""
    nodes = [Scalar(draw(st.floats(0.5, 2.0))) for _ in range(draw(st.integers(1, 4)))]
    for _ in range(draw(st.integers(0, 12))):
        a = nodes[draw(st.integers(0, len(nodes) - 1))]
        b = nodes[draw(st.integers(0, len(nodes) - 1))]
        nodes.append(a * b if draw(st.booleans()) else a + b)
    return nodes[-1]


def random_topological_order(root: Scalar, rng: random.Random) -> list:
    """Kahn's method picking a random ready node each time: any topological order can come out."""
    users: dict[int, int] = {}
    for node in reachable(root):
        for parent in node.parents:
            users[id(parent)] = users.get(id(parent), 0) + 1
    order, ready = [], [root]
    while ready:
        node = ready.pop(rng.randrange(len(ready)))
        order.append(node)
        for parent in node.parents:
            users[id(parent)] -= 1
            if users[id(parent)] == 0:
                ready.append(parent)
    return order


@settings(max_examples=60)
@given(graphs(), st.randoms(use_true_random=False))
def test_every_topological_order_is_accepted(root, rng) -> None:
    check_topological_order(random_topological_order(root, rng), root)


@settings(max_examples=60)
@given(graphs(), st.randoms(use_true_random=False), st.data())
def test_an_input_moved_before_its_user_is_rejected(root, rng, data) -> None:
    order = random_topological_order(root, rng)
    edges = [(i, order.index(p)) for i, node in enumerate(order) for p in node.parents]
    assume(edges)
    user, parent = data.draw(st.sampled_from(edges))
    order.insert(user, order.pop(parent))  # the input now comes right before a node that uses it
    with pytest.raises(AssertionError, match="listed before|reverse|start with the root"):
        check_topological_order(order, root)


@pytest.mark.parametrize("mangle, message", [
    (lambda order: order + order[-1:], "more than once"),
    (lambda order: order[:-1], "missing"),
    (lambda order: order[::-1], "reverse it"),
])
def test_broken_orders_are_named(mangle, message) -> None:
    a = Scalar(2.0)
    root = (a * 3.0) + a
    order = random_topological_order(root, random.Random(0))
    with pytest.raises(AssertionError, match=message):
        check_topological_order(mangle(order), root)


# --- The PyTorch section's adapter, on stand-ins for PyTorch's backward functions ------------------

def test_torch_adapter_reads_next_functions_as_parents() -> None:
    """The notebook's TorchNode turns grad_fn.next_functions into parents; checked without PyTorch."""
    namespace: dict = {}
    for cell in SOURCE.cells:
        grade_id = nbgrader_meta(cell).get("grade_id")
        if grade_id in ("setup", "topological_sort") or "class TorchNode" in cell.source:
            exec(cell.source, namespace)

    def backward_function(name: str, *inputs):
        return type(name, (), {"next_functions": tuple((fn, 0) for fn in inputs)})()

    x = backward_function("AccumulateGrad")
    product = backward_function("MulBackward0", x, None)  # None: a constant operand
    z = backward_function("DivBackward0", backward_function("AddBackward0", product, product), None)
    order = namespace["topological_sort"](namespace["torch_node"](z, {}))
    assert [node.op for node in order] == ["DivBackward0", "AddBackward0", "MulBackward0", "AccumulateGrad"]


# --- Every backpropagate mistake is caught, and named, by the hidden check --------------------------

@pytest.mark.parametrize("mistake", list(BACKPROPAGATE_MISTAKES), ids=lambda name: name[:40])
def test_each_backpropagate_mistake_is_named(mistake: str) -> None:
    scaffold = next(c.source for c in SOURCE.cells if nbgrader_meta(c).get("grade_id") == "scalar_engine")
    namespace: dict = {"math": __import__("math"), "topological_sort": solutions_topological_sort}
    exec(scaffold, namespace)
    namespace["backpropagate"] = BACKPROPAGATE_MISTAKES[mistake]  # Scalar.zero_grad and .backward look it up
    with pytest.raises(AssertionError) as failure:
        check_backpropagate_against(BACKPROPAGATE_MISTAKES[mistake], namespace["Scalar"], Scalar, seed=1)
    assert mistake in str(failure.value)


# --- The sort runs under Python's default recursion limit and leaves the nodes as they were ----------

def recursive_sort(root, limit: int | None = None) -> list:
    """Depth-first search by recursion; with `limit`, it first raises Python's recursion limit to it."""
    if limit is not None:
        sys.setrecursionlimit(limit)
    order, seen = [], set()

    def visit(node):
        seen.add(id(node))
        for parent in node.parents:
            if id(parent) not in seen:
                visit(parent)
        order.append(node)

    visit(root)
    return order[::-1]


def marking_sort(root, clean_up: bool) -> list:
    """A right order, found by marking each node seen with an attribute (removed at the end when `clean_up`)."""
    order = recursive_sort(root)
    for node in order:
        node.seen_by_sort = True
        if clean_up:
            del node.seen_by_sort
    return order


def test_the_recursion_limit_a_sort_raises_is_recorded_and_put_back() -> None:
    kept = sys.getrecursionlimit()
    shallow = chain(PlainNode, 50)
    assert "recursion_limit" not in order_record(recursive_sort, shallow)
    assert order_record(lambda root: recursive_sort(root, 50_000), shallow)["recursion_limit"] == 50_000
    assert "RecursionError" in order_record(recursive_sort, chain(PlainNode, 5_000))["error"]
    assert sys.getrecursionlimit() == kept


def test_a_sort_that_leaves_marks_on_the_nodes_is_recorded_and_one_that_removes_them_is_not() -> None:
    root = diamond_stack(PlainNode, 3)
    assert order_record(lambda r: marking_sort(r, clean_up=False), root)["changed"] == ["seen_by_sort"]
    assert "changed" not in order_record(lambda r: marking_sort(r, clean_up=True), diamond_stack(PlainNode, 3))


@pytest.mark.parametrize("side_effect, message", [({"recursion_limit": 10**6}, "raised Python's recursion limit"),
                                                  ({"changed": ["visited"]}, "marks the nodes it has seen")])
def test_the_judge_names_what_a_sort_did_besides_returning(side_effect: dict, message: str) -> None:
    results = record_topological_sort(solutions_topological_sort, Scalar, seed=3)
    judge_topological_sort(results, Scalar, seed=3)
    results[1] = {**results[1], **side_effect}
    with pytest.raises(AssertionError, match=message):
        judge_topological_sort(results, Scalar, seed=3)


PUSHES_GRAD = '''
def backpropagate(root, d_out=1.0):
    root.grad += d_out
    for node in topological_sort(root):
        for parent, local in zip(node.parents, node.local_grads):
            parent.grad += node.grad * local
'''


def test_the_given_cell_that_calls_backward_twice_names_a_pass_that_pushes_grad() -> None:
    """Only the hidden test catches a pass that pushes .grad (calling twice overcounts), so the given
    cell that calls backward twice is where a learner first sees it: its failure must say what to do."""
    import matplotlib

    matplotlib.use("Agg")
    namespace, twice = run_up_to("04_topological_sort",
                                 lambda cell: not nbgrader_meta(cell).get("grade") and "L.zero_grad()" in cell.source,
                                 {"backpropagate": PUSHES_GRAD})
    with pytest.raises(AssertionError, match=r"two calls left a.grad = 4.5, not 2 × 0.75 = 1.5: backpropagate "
                                             r"must add this call's sums \(kept in a dictionary\) to .grad"):
        exec(twice, namespace)
