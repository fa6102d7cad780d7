"""Backprop Lab for learners: what the course's notebooks import, and nothing of the answer key.

`backprop_lab.widgets` draws graphs, box chains, sorts, ε sweeps and broadcasting;
`backprop_lab.checks` holds the helpers that visible test cells call, with their mistake messages.
"""
