"""Widgets that make automatic differentiation visible: graphs, box chains, sorts, ε, broadcasting, both modes, saliency.

Each is an ipywidgets box: leave it as a cell's last expression to show it, step it with its
buttons, and call `.summary()` for a text account of what it shows.
"""

from .box_chain import BoxChainView
from .broadcast import BroadcastView
from .epsilon import EpsilonExplorer
from .forward_reverse import ForwardReverseView
from .graph_view import GraphView
from .topo_stepper import TopoSortStepper
from .saliency import SaliencyView

__all__ = ["BoxChainView", "BroadcastView", "EpsilonExplorer", "ForwardReverseView", "GraphView", "TopoSortStepper", "SaliencyView"]
