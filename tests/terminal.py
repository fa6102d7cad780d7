"""Run `make` from a test as a learner runs it in a fresh terminal."""

from __future__ import annotations

import os
from collections.abc import Mapping

# What an outer `make test` hands down to every make started under it (flags, jobserver, depth).
OUTER_MAKE = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}


def terminal_environment(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """`env` without the outer make's variables, so a make the test starts behaves as a learner's."""
    return {name: value for name, value in env.items() if name not in OUTER_MAKE}
