"""Backprop Lab's reference solutions: what the hidden tests compare with and the widgets draw."""

from . import boxes
from .graph import backpropagate, topological_sort
from .numerical import central_difference, forward_difference, order_of_accuracy, relative_error
from .scalar import Scalar

__all__ = [
    "Scalar",
    "backpropagate",
    "boxes",
    "central_difference",
    "forward_difference",
    "order_of_accuracy",
    "relative_error",
    "topological_sort",
]
