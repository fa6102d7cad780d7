"""Instructor tooling for Backprop Lab: the `autograder` command and the hidden tests' checks (`autograder.checks`)."""

import sys

__version__ = "0.1.0"

# jsonschema, which nbformat imports, builds a parser for IRIs at import when the optional
# `rfc3987_syntax` is installed (JupyterLab's dependencies bring it): about 0.9 s at the start of
# every grading run, and again in its fork server. Notebook schemas check no IRI, so the autograder
# declares the module absent and jsonschema leaves that one format unchecked.
sys.modules.setdefault("rfc3987_syntax", None)
