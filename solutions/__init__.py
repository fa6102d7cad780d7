"""Backprop Lab's reference solutions: the answer key the hidden tests compare with (instructors only)."""

from . import boxes, forward
from .graph import backpropagate, topological_sort
from .numerical import central_difference, forward_difference, order_of_accuracy, relative_error
from .scalar import Scalar
from .devices import DeviceUnavailableError
from .gradcheck import tensor_grad_check
from .array_boxes import unbroadcast
from .tensor import Tensor
from .forward import Dual, jacobian_by_jvp, jvp, passes_for_jacobian, vjp

__all__ = [
    "DeviceUnavailableError",
    "Dual",
    "Scalar",
    "Tensor",
    "backpropagate",
    "boxes",
    "central_difference",
    "forward",
    "forward_difference",
    "jacobian_by_jvp",
    "jvp",
    "order_of_accuracy",
    "passes_for_jacobian",
    "relative_error",
    "tensor_grad_check",
    "topological_sort",
    "unbroadcast",
    "vjp",
]
