"""Tensor: every operation's gradient against central differences, on numpy and on array_api_strict;
unbroadcast, reductions, accumulation, devices, the gradient check itself, and bad input."""

from __future__ import annotations

import importlib.util
import math
import sys
import types
import warnings

import array_api_strict
import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings, strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

from solutions import DeviceUnavailableError, Tensor, tensor_grad_check, topological_sort, unbroadcast
from solutions import array_boxes
from allowed_skips import cupy_gpu_usable
import op_table

BACKENDS = {"numpy": np.asarray, "array_api_strict": array_api_strict.asarray}
STRICT_ARRAY = type(array_api_strict.asarray(0.0))
EPSILON = 1e-6
shapes = array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
shape_pairs = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3).map(
    lambda drawn: drawn.input_shapes
)
seeds = st.integers(0, 2**32 - 1)


def sample(rng: np.random.Generator, shape: tuple[int, ...], domain: str) -> np.ndarray:
    """Random float64 values kept where an operation is smooth: "any" in [-2, 2], "positive" in
    [0.5, 2], "nonzero" with 0.5 <= |x| <= 2 (also clear of relu's kink), "distinct" spaced apart
    (so a max has no ties, and a small nudge cannot change which entry is largest)."""
    return np.array(_values(rng, shape, domain), dtype=np.float64)


def _values(rng: np.random.Generator, shape: tuple[int, ...], domain: str) -> np.ndarray:
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "nonzero":
        return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    if domain == "distinct":
        size = math.prod(shape)
        return rng.permutation(np.linspace(-2.0, 2.0, size) if size > 1 else np.ones(1)).reshape(shape)
    return rng.uniform(-2.0, 2.0, shape)


def check_gradients(f, arrays: list[np.ndarray], backend: str, seed: int, n_indices: int = 6) -> Tensor:
    """Backward's gradients of sum(f(...) · w), for a random w, against central differences taken
    here by hand (independent of tensor_grad_check) on up to n_indices entries of each input."""
    to_backend = BACKENDS[backend]
    rng = np.random.default_rng(seed)
    tensors = [Tensor(to_backend(a), requires_grad=True) for a in arrays]
    out = f(*tensors)
    weights = rng.standard_normal(out.shape)
    out.backward(to_backend(weights))

    def weighted(moved: list[np.ndarray]) -> float:
        return float(np.sum(f(*(Tensor(to_backend(m)) for m in moved)).numpy() * weights))

    for k, (tensor, array) in enumerate(zip(tensors, arrays)):
        assert type(tensor.grad) is type(tensor.data), "the gradient left the input's array library"
        assert tensor.grad.shape == array.shape
        analytic = np.asarray(tensor.grad)
        for flat in rng.choice(array.size, size=min(n_indices, array.size), replace=False):
            index = np.unravel_index(flat, array.shape)
            upper, lower = [a.copy() for a in arrays], [a.copy() for a in arrays]
            upper[k][index] += EPSILON
            lower[k][index] -= EPSILON
            numeric = (weighted(upper) - weighted(lower)) / (2 * EPSILON)
            error = abs(analytic[index] - numeric) / max(abs(analytic[index]), abs(numeric), 1.0)
            assert error < 1e-6, f"input {k} at {index}: backward {analytic[index]}, numeric {numeric}"
    return out


def numpy_reference(row: tuple) -> tuple:
    """An op-table row with its sympy formula turned into the numpy function it checks Tensor against."""
    op, expr, domain = row
    return op, sp.lambdify(sorted(expr.free_symbols, key=str), expr, "numpy"), domain


# The shared table with numpy references, and what only Tensor has: reshaping, numbers (a unary op
# on the tensor), and one input used three times. name: (what Tensor does, what numpy does, the domain)
UNARY = {name: numpy_reference(row) for name, row in op_table.UNARY.items()} | {
    "transpose": (lambda t: t.T, np.transpose, "any"),
    "reshape flat": (lambda t: t.reshape(-1), lambda a: a.reshape(-1), "any"),
    "plus number": (lambda t: t + 2.5, lambda a: a + 2.5, "any"),
    "number minus": (lambda t: 1.5 - t, lambda a: 1.5 - a, "any"),
    "times number": (lambda t: 3 * t, lambda a: 3 * a, "any"),
    "number over": (lambda t: 2.0 / t, lambda a: 2.0 / a, "nonzero"),
    "over number": (lambda t: t / 4, lambda a: a / 4, "any"),
}
BINARY = {name: numpy_reference(row) for name, row in op_table.BINARY.items()} | {
    "reused": (lambda a, b: a * b + a / b - b, lambda a, b: a * b + a / b - b, "nonzero"),
}
REDUCTIONS = {"sum": np.sum, "mean": np.mean, "max": np.max}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", UNARY)
@settings(max_examples=12)
@given(shape=shapes, seed=seeds)
def test_unary_forward_and_gradient(name, backend, shape, seed):
    op, reference, domain = UNARY[name]
    x = sample(np.random.default_rng(seed), shape, domain)
    out = check_gradients(op, [x], backend, seed)
    np.testing.assert_allclose(out.numpy(), reference(x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", BINARY)
@settings(max_examples=20)
@given(pair=shape_pairs, seed=seeds)
@example(pair=((3, 1), (1, 4)), seed=0)
@example(pair=((5,), (2, 5)), seed=1)
@example(pair=((), (2, 3)), seed=2)
@example(pair=((), ()), seed=3)
def test_broadcasting_binary_forward_and_gradient(name, backend, pair, seed):
    op, reference, domain = BINARY[name]
    rng = np.random.default_rng(seed)
    x, y = (sample(rng, shape, domain) for shape in pair)
    out = check_gradients(op, [x, y], backend, seed)
    assert out.shape == np.broadcast_shapes(*pair)
    np.testing.assert_allclose(out.numpy(), reference(x, y), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@settings(max_examples=20)
@given(
    m=st.integers(1, 4),
    k=st.integers(1, 4),
    n=st.integers(1, 4),
    vector=st.sampled_from(["", "left", "right", "both"]),
    seed=seeds,
)
def test_matmul_forward_and_gradient(backend, m, k, n, vector, seed):
    rng = np.random.default_rng(seed)
    x = sample(rng, (k,) if vector in ("left", "both") else (m, k), "any")
    y = sample(rng, (k,) if vector in ("right", "both") else (k, n), "any")
    out = check_gradients(lambda a, b: a @ b, [x, y], backend, seed)
    np.testing.assert_allclose(out.numpy(), x @ y, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", REDUCTIONS)
@settings(max_examples=20)
@given(data=st.data(), shape=shapes, keepdims=st.booleans(), seed=seeds)
def test_reductions_every_axis_and_keepdims(name, backend, data, shape, keepdims, seed):
    ndim = len(shape)
    axes = st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim).map(tuple) if ndim else st.just(())
    axis = data.draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1) if ndim else st.nothing(), axes))
    x = sample(np.random.default_rng(seed), shape, "distinct")
    out = check_gradients(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), [x], backend, seed)
    np.testing.assert_allclose(out.numpy(), REDUCTIONS[name](x, axis=axis, keepdims=keepdims), rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_big_tensors_are_checked_on_a_few_random_entries(backend):
    rng = np.random.default_rng(11)
    x, w, b = rng.standard_normal((64, 50)), rng.standard_normal((50, 30)), rng.standard_normal(30)
    check_gradients(lambda x, w, b: (x @ w + b).tanh().mean(axis=0), [x, w, b], backend, seed=11)


@pytest.mark.parametrize("backend", BACKENDS)
def test_reshape_forms_and_transpose_round_trip(backend):
    x = Tensor(BACKENDS[backend](np.arange(6.0)), requires_grad=True)
    assert x.reshape(2, 3).shape == x.reshape((2, 3)).shape == x.reshape([2, -1]).shape == (2, 3)
    grid = x.reshape(2, 3)
    np.testing.assert_array_equal(grid.T.numpy(), np.arange(6.0).reshape(2, 3).T)
    (grid.T * Tensor(BACKENDS[backend](np.arange(6.0).reshape(3, 2)))).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [0, 2, 4, 1, 3, 5])


def test_array_boxes_work_on_their_own_like_the_scalar_boxes():
    """What notebook 05's hidden tests can call: inputs to the constructor, forward(), backward()."""
    x, y = np.arange(6.0).reshape(2, 3), np.array([1.0, 2.0, 3.0])
    mul = array_boxes.Mul(x, y)
    np.testing.assert_array_equal(mul.forward(), x * y)
    d_x, d_y = mul.backward(np.ones((2, 3)))
    np.testing.assert_array_equal(d_x, np.broadcast_to(y, (2, 3)))
    np.testing.assert_array_equal(d_y, x.sum(axis=0))  # summed back to y's shape
    total = array_boxes.Sum(x, axis=1)
    np.testing.assert_array_equal(total.forward(), [3.0, 12.0])
    np.testing.assert_array_equal(total.backward(np.array([1.0, 2.0])), [[1.0] * 3, [2.0] * 3])
    product = array_boxes.MatMul(x, x.T)
    product.forward()
    d_left, d_right = product.backward(np.eye(2))
    np.testing.assert_array_equal(d_left, x)
    np.testing.assert_array_equal(d_right, x.T)


def test_max_shares_gradient_equally_among_ties():
    x = Tensor([[1.0, 3.0, 3.0], [5.0, 2.0, 0.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad, [[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])


@pytest.mark.parametrize("backend", BACKENDS)
def test_mlp_cross_entropy_passes_the_gradient_check(backend):
    """The ops work together: a small MLP with a max-shifted log-softmax loss."""
    rng = np.random.default_rng(7)
    to_backend = BACKENDS[backend]
    x = Tensor(to_backend(rng.standard_normal((8, 5))))  # data: no gradient wanted, by default
    onehot = Tensor(to_backend(np.eye(3)[rng.integers(0, 3, 8)]))

    def loss(w1, b1, w2, b2):
        logits = (x @ w1 + b1).relu() @ w2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_probs = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        return -(log_probs * onehot).sum() / 8

    params = [Tensor(to_backend(rng.standard_normal(shape))) for shape in [(5, 4), (4,), (4, 3), (3,)]]
    assert tensor_grad_check(loss, *params, n_indices=8) < 1e-6


# ----- unbroadcast -------------------------------------------------------------------------------


@settings(max_examples=50)
@given(pair=shape_pairs, seed=seeds)
def test_unbroadcast_sums_back_to_the_input_shape(pair, seed):
    shape, other = pair
    full = np.broadcast_shapes(shape, other)
    grad = np.random.default_rng(seed).standard_normal(full)
    reduced = unbroadcast(grad, shape)
    assert np.shape(reduced) == shape
    assert np.sum(reduced) == pytest.approx(np.sum(grad), rel=1e-9, abs=1e-9)
    copies = math.prod(full) // math.prod(shape)
    np.testing.assert_allclose(unbroadcast(np.ones(full), shape), np.full(shape, float(copies)))


def test_unbroadcast_leaves_a_matching_gradient_alone_and_stays_in_its_library():
    grad = np.ones((2, 3))
    assert unbroadcast(grad, (2, 3)) is grad
    strict = unbroadcast(array_api_strict.ones((4, 2, 3)), (1, 3))
    assert isinstance(strict, STRICT_ARRAY) and strict.shape == (1, 3)


@pytest.mark.parametrize("grad_shape, shape", [((2, 3), (4,)), ((3,), (2, 3)), ((2, 3), (2, 1, 3))])
def test_unbroadcast_refuses_a_shape_that_does_not_broadcast(grad_shape, shape):
    with pytest.raises(ValueError, match=rf"{re_shape(grad_shape)}.*{re_shape(shape)}"):
        unbroadcast(np.ones(grad_shape), shape)


def re_shape(shape: tuple[int, ...]) -> str:
    """A regular expression matching `shape` as Python prints it."""
    return str(tuple(shape)).replace("(", r"\(").replace(")", r"\)")


# ----- accumulation, zero_grad, the graph ---------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_backward_twice_accumulates_and_zero_grad_resets(backend):
    to_backend = BACKENDS[backend]
    a = Tensor(to_backend(np.array([1.0, 2.0, 3.0])), requires_grad=True)
    b = Tensor(to_backend(np.array([[0.5], [2.0]])), requires_grad=True)
    loss = (a * b + a).sum()
    loss.backward()
    first_a, first_b = np.asarray(a.grad).copy(), np.asarray(b.grad).copy()
    np.testing.assert_allclose(first_a, [4.5, 4.5, 4.5])  # (0.5 + 1) + (2 + 1), summed over b's rows
    np.testing.assert_allclose(first_b, [[6.0], [6.0]])
    loss.backward()
    np.testing.assert_allclose(np.asarray(a.grad), 2 * first_a)
    np.testing.assert_allclose(np.asarray(b.grad), 2 * first_b)
    loss.zero_grad()
    assert a.grad is None and b.grad is None and loss.grad is None
    loss.backward()
    np.testing.assert_allclose(np.asarray(a.grad), first_a)


def test_a_tensor_used_twice_gets_both_contributions():
    a = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    (a + a).sum().backward()
    np.testing.assert_array_equal(a.grad, [2.0, 2.0, 2.0])
    b = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    shared = b * 3.0
    (shared * shared + shared.sin()).sum().backward()  # a diamond through `shared`
    np.testing.assert_allclose(b.grad, 3.0 * (2 * 3.0 * b.data + np.cos(3.0 * b.data)))


def test_a_graph_node_like_scalar():
    a, b = Tensor([1.0, 2.0]), Tensor([3.0, 4.0])
    c = a * b
    d = c.exp().sum()
    assert (c.op, c.parents) == ("mul", (a, b))
    assert a.op == "" and a.parents == ()
    order = topological_sort(d)
    assert order[0] is d and {id(a), id(b)} <= {id(n) for n in order}
    assert order.index(c) < order.index(a) and order.index(c) < order.index(b)


def test_backward_without_gradient_needs_one_element():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with pytest.raises(ValueError, match=r"one-element.*\(2, 2\)"):
        (t * 2).backward()
    with pytest.raises(ValueError, match=r"\(2, 2\).*\(3,\)"):
        (t * 2).backward(np.ones(3))
    single = Tensor([[5.0]], requires_grad=True)
    (single * 2).backward()
    np.testing.assert_array_equal(single.grad, [[2.0]])


def test_constants_and_requires_grad_false_get_no_gradient():
    x = Tensor([1.0, 2.0])
    w = Tensor([3.0, 4.0], requires_grad=True)
    out = np.array([10.0, 20.0]) + x * w  # numpy hands the sum to Tensor instead of looping over it
    assert isinstance(out, Tensor)
    out.sum().backward()
    assert x.grad is None
    np.testing.assert_array_equal(w.grad, [1.0, 2.0])
    assert all(p.grad is None for p in out.parents if not p.requires_grad)


def test_tensors_made_from_data_want_no_gradient_unless_asked():
    x, w = Tensor(np.ones((4, 3))), Tensor(np.ones((3, 2)), requires_grad=True)
    assert not x.requires_grad and w.requires_grad and (x @ w).requires_grad
    with pytest.raises(ValueError, match="requires_grad=True"):
        (x * 2.0).sum().backward()
    assert x.grad is None


def test_the_gradient_of_data_is_never_computed(monkeypatch):
    """x @ w with data x: backward computes w's gradient (x.T @ d_out) and skips x's (d_out @ w.T)."""
    asked = []
    monkeypatch.setattr(array_boxes.MatMul, "d_x", lambda self, d_out: asked.append("x") or d_out @ self.y.T)
    x, w = Tensor(np.ones((4, 3))), Tensor(np.ones((3, 2)), requires_grad=True)
    (x @ w).sum().backward()
    assert asked == [] and x.grad is None
    np.testing.assert_array_equal(w.grad, np.full((3, 2), 4.0))
    (Tensor(np.ones((4, 3)), requires_grad=True) @ w).sum().backward()
    assert asked == ["x"]


def test_dtypes():
    assert Tensor([1, 2, 3]).dtype == np.float64
    assert Tensor(np.array([True, False])).dtype == np.float64
    half = Tensor(np.ones(3, dtype=np.float32))
    assert (half * 2.0 + 1).dtype == np.float32  # a plain number does not widen the tensor
    assert Tensor(array_api_strict.asarray([1, 2])).dtype == array_api_strict.float64


def test_strict_arrays_stay_strict_through_every_operation():
    x = Tensor(array_api_strict.asarray([[0.5, 1.0], [1.5, 2.0]]), requires_grad=True)
    out = ((x @ x.T).log().sigmoid() * 2 - x.tanh() / 3 + x**2).mean(axis=0).relu().sum()
    out.backward()
    for node in topological_sort(out):
        assert isinstance(node.data, STRICT_ARRAY), node.op
        if node.grad is not None:
            assert isinstance(node.grad, STRICT_ARRAY), node.op
    assert isinstance(x.numpy(), np.ndarray)


def test_sigmoid_is_quiet_at_extreme_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = Tensor([-1000.0, 0.0, 1000.0]).sigmoid()
    np.testing.assert_array_equal(out.data, [0.0, 0.5, 1.0])


# ----- tensor_grad_check ---------------------------------------------------------------------------


def test_grad_check_passes_correct_and_catches_wrong_gradients(monkeypatch):
    rng = np.random.default_rng(3)
    a, b = Tensor(rng.standard_normal((4, 3))), Tensor(rng.standard_normal(3))

    def f(a, b):
        return (a * b).exp() @ b

    good = tensor_grad_check(f, a, b)
    assert good < 1e-7
    assert tensor_grad_check(f, a, b) == good  # same seed, same entries, same answer
    assert a.grad is None and b.grad is None  # the check works on copies
    monkeypatch.setattr(array_boxes.Exp, "d_x", lambda self, d_out: d_out)  # forgets the e^x factor
    assert tensor_grad_check(f, a, b) > 1e-2


def test_grad_check_looks_at_n_indices_entries_of_each_input():
    calls = []

    def f(a, b):
        calls.append(1)
        return a.sum() * b.sum()

    tensor_grad_check(f, Tensor(np.ones((10, 10))), Tensor(np.ones(2)), n_indices=4)
    assert len(calls) == 1 + 2 * (4 + 2)  # one backward pass, two evaluations per entry checked


def test_grad_check_rejects_what_is_not_a_tensor():
    with pytest.raises(TypeError, match="Tensor"):
        tensor_grad_check(lambda a: a, np.ones(3))
    with pytest.raises(TypeError, match="return a Tensor"):
        tensor_grad_check(lambda a: a.numpy(), Tensor(np.ones(3)))


# ----- devices --------------------------------------------------------------------------------------


def test_gpu_without_cupy_says_how_to_install_it_or_use_the_cpu(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)  # makes `import cupy` fail
    expected = r"not installed.*pip install backprop-lab\[gpu\].*device=\"cpu\""
    with pytest.raises(DeviceUnavailableError, match=expected):
        Tensor([1.0], device="gpu")
    assert Tensor([1.0], device="cpu").device == "cpu"


def test_gpu_with_cupy_but_no_gpu_says_why_and_to_use_the_cpu(monkeypatch):
    def no_device():
        raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    runtime = types.SimpleNamespace(getDeviceCount=no_device)
    fake = types.SimpleNamespace(is_available=lambda: False, cuda=types.SimpleNamespace(runtime=runtime))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    with pytest.raises(DeviceUnavailableError, match=r"usable CUDA GPU.*cudaErrorNoDevice.*device=\"cpu\""):
        Tensor([1.0]).to("gpu")


@pytest.mark.skipif(
    importlib.util.find_spec("cupy") is None or cupy_gpu_usable(),
    reason="needs cupy installed on a machine without a GPU",
)
def test_real_cupy_without_gpu_raises_the_clear_error():
    with pytest.raises(DeviceUnavailableError, match=r"usable CUDA GPU.*device=\"cpu\"") as raised:
        Tensor([1.0, 2.0], device="gpu")
    assert isinstance(raised.value, RuntimeError)
    cpu = Tensor([1.0, 2.0], device="cpu", requires_grad=True)
    (cpu * cpu).sum().backward()
    np.testing.assert_array_equal(cpu.grad, [2.0, 4.0])


@pytest.mark.skipif(not cupy_gpu_usable(), reason="needs a CUDA GPU that cupy can use")
def test_on_a_real_gpu_everything_stays_on_the_gpu():
    import cupy

    x = Tensor([[1.0, 2.0], [3.0, 4.0]], device="gpu", requires_grad=True)
    assert x.device == "gpu" and isinstance(x.data, cupy.ndarray)
    loss = (x @ x.T).relu().mean()
    loss.backward()
    assert isinstance(x.grad, cupy.ndarray)
    np.testing.assert_allclose(cupy.asnumpy(x.grad), [[2.0, 3.0], [2.0, 3.0]])  # 2 · column sums / 4
    back = x.to("cpu")
    assert back.device == "cpu" and isinstance(back.data, np.ndarray)
    np.testing.assert_array_equal(x.numpy(), back.numpy())
    assert tensor_grad_check(lambda t: (t * t).sin().sum(), x) < 1e-7


def test_to_the_same_device_is_a_no_op_and_devices_are_checked():
    t = Tensor([1.0, 2.0])
    assert t.to("cpu") is t and t.device == "cpu"
    with pytest.raises(ValueError, match=r"unknown device 'tpu'.*'cpu'"):
        Tensor([1.0], device="tpu")
    with pytest.raises(ValueError, match=r"unknown device 'cuda'"):
        t.to("cuda")


# ----- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [["a", "b"], None, {"x": 1.0}, [1.0, "2"], [1 + 2j]])
def test_non_numeric_data_is_a_type_error(data):
    with pytest.raises(TypeError, match="real numbers"):
        Tensor(data)


def test_ragged_lists_are_a_value_error():
    with pytest.raises(ValueError, match="ragged"):
        Tensor([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("left, right", [((2, 3), (4, 5)), ((3,), (2,)), ((2, 3), (2,))])
def test_mismatched_matmul_names_both_shapes(left, right):
    with pytest.raises(ValueError, match=rf"{re_shape(left)} and {re_shape(right)}"):
        Tensor(np.ones(left)) @ Tensor(np.ones(right))


def test_matmul_beyond_two_dimensions_is_refused():
    with pytest.raises(ValueError, match=r"1-D or 2-D.*\(2, 2, 2\)"):
        Tensor(np.ones((2, 2, 2))) @ Tensor(np.ones((2, 2)))


@pytest.mark.parametrize("left, right", [((2, 3), (4,)), ((3, 1), (2, 4, 2))])
def test_shapes_that_do_not_broadcast_are_named(left, right):
    for op in (lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a / b, lambda a, b: a - b):
        with pytest.raises(ValueError, match=rf"{re_shape(left)} and {re_shape(right)} do not broadcast"):
            op(Tensor(np.ones(left)), Tensor(np.ones(right)))


def test_other_misuse_is_explained():
    t = Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="plain number as exponent"):
        t ** Tensor([2.0])
    with pytest.raises(ValueError, match="numpy.*array_api_strict|array_api_strict.*numpy"):
        t + Tensor(array_api_strict.asarray([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"axis 2 is out of range.*1 dimension"):
        t.sum(axis=2)
