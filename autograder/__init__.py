"""Instructor tooling for Backprop Lab, and `autograder.checks`, the helpers that test cells call."""

__version__ = "0.1.0"
