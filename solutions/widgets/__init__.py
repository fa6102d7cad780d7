"""Widgets that make automatic differentiation visible: graphs, box chains, sorts, ε, broadcasting.

Each is an ipywidgets box: leave it as a cell's last expression to show it, step it with its
buttons, and call `.summary()` for a text account of what it shows.
"""

from .graph_view import GraphView

__all__ = ["GraphView"]
