"""Instructor tooling for Backprop Lab: the `autograder` command, and `autograder.checks`, the helpers hidden tests call."""

__version__ = "0.1.0"
