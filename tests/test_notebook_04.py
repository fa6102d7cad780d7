"""Notebook 04 (topological sort): it runs within Binder's limits, and nbgrader grades it as it should.

The right and wrong submissions are data (course/variants/04_topological_sort.yml), built from the
source notebook; the order checks themselves are tested on random DAGs with hypothesis.
"""

from __future__ import annotations

import random

from hypothesis import given, settings, strategies as st
import pytest

from autograder.checks import BACKPROPAGATE_MISTAKES, check_backpropagate_against, check_topological_order
from autograder.checks.graphs import reachable
from autograder.variants import load_variants
from course_grading import (
    COURSE,
    assert_caught,
    assert_full_marks,
    assert_zero,
    autograded_test_ids,
    execute_notebook,
    graded_variant,
    source_notebook,
)
import nbformat
from solutions import Scalar, topological_sort as solutions_topological_sort

ASSIGNMENT = "04_topological_sort"
VARIANTS = load_variants(ASSIGNMENT, COURSE)
TEST_IDS = autograded_test_ids(nbformat.read(source_notebook(ASSIGNMENT), as_version=4))


@pytest.mark.slow
def test_source_runs_within_binder_limits() -> None:
    run = execute_notebook(source_notebook(ASSIGNMENT), timeout=30)
    assert run.seconds < 30, f"the notebook took {run.seconds:.1f} s"
    assert run.peak_rss_bytes < 1 << 30, f"the kernel peaked at {run.peak_rss_bytes / 2**20:.0f} MiB"


def test_variants_cover_the_issue() -> None:
    assert len(VARIANTS.right) >= 2 and len(VARIANTS.wrong) >= 6
    assert len({v.message for v in VARIANTS.wrong}) == len(VARIANTS.wrong), "each wrong variant names its own mistake"
    for variant in VARIANTS.wrong:
        assert set(variant.fails) <= set(TEST_IDS), variant.name


@pytest.mark.slow
def test_source_scores_full_marks(graded) -> None:
    assert_full_marks(graded(ASSIGNMENT)["source"], TEST_IDS)


@pytest.mark.slow
def test_blank_release_scores_zero(graded) -> None:
    assert_zero(graded(ASSIGNMENT)["blank"], TEST_IDS)


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS.right, ids=lambda v: v.name)
def test_right_submission_scores_full_marks(graded, variant) -> None:
    assert_full_marks(graded_variant(graded(ASSIGNMENT), variant), TEST_IDS)


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS.wrong, ids=lambda v: v.name)
def test_wrong_submission_is_caught_and_named(graded, variant) -> None:
    assert_caught(graded_variant(graded(ASSIGNMENT), variant), variant)


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


@settings(max_examples=60, deadline=None)
@given(graphs(), st.randoms(use_true_random=False))
def test_every_topological_order_is_accepted(root, rng) -> None:
    check_topological_order(random_topological_order(root, rng), root)


@settings(max_examples=60, deadline=None)
@given(graphs(), st.randoms(use_true_random=False), st.data())
def test_an_input_moved_before_its_user_is_rejected(root, rng, data) -> None:
    order = random_topological_order(root, rng)
    edges = [(i, order.index(p)) for i, node in enumerate(order) for p in node.parents]
    if not edges:
        return
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
    source = nbformat.read(source_notebook(ASSIGNMENT), as_version=4)
    namespace: dict = {}
    for cell in source.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        imports = cell.source.startswith("import math")
        if imports or grade_id == "topological_sort" or "class TorchNode" in cell.source:
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
    scaffold = next(c.source for c in nbformat.read(source_notebook(ASSIGNMENT), as_version=4).cells
                    if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "scalar_engine")
    namespace: dict = {"math": __import__("math"), "topological_sort": solutions_topological_sort}
    exec(scaffold, namespace)
    namespace["backpropagate"] = BACKPROPAGATE_MISTAKES[mistake]  # Scalar.zero_grad and .backward look it up
    with pytest.raises(AssertionError) as failure:
        check_backpropagate_against(BACKPROPAGATE_MISTAKES[mistake], namespace["Scalar"], Scalar, seed=1)
    assert mistake in str(failure.value)
