"""The only skips the suite may take: which test, the reason it gives, and when the skip is allowed.

Any other skip fails the run (see tests/conftest.py), so a feature cannot go untested unnoticed.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass

# Set to 1 only on a platform that cannot give a kernel its own network namespace.
NO_NETWORK_ISOLATION = "BACKPROP_LAB_NO_NETWORK_ISOLATION"


def cupy_gpu_usable() -> bool:
    """Whether cupy is installed and sees a CUDA GPU."""
    if importlib.util.find_spec("cupy") is None:
        return False
    import cupy

    return bool(cupy.is_available())


@dataclass(frozen=True)
class AllowedSkip:
    test: str  # node id without parameters
    reason: str
    allowed_here: Callable[[], bool]


ALLOWED_SKIPS = [
    AllowedSkip("tests/engine/test_tensor.py::test_on_a_real_gpu_everything_stays_on_the_gpu",
                "needs a CUDA GPU that cupy can use", lambda: not cupy_gpu_usable()),
    AllowedSkip("tests/engine/test_tensor.py::test_real_cupy_without_gpu_raises_the_clear_error",
                "needs cupy installed on a machine without a GPU", cupy_gpu_usable),
    AllowedSkip("tests/grading/test_autograder_sandbox.py::test_kernel_has_no_network",
                "this platform cannot unshare a network namespace",
                lambda: os.environ.get(NO_NETWORK_ISOLATION) == "1"),
]


def unexplained_skip(nodeid: str, reason: str) -> str | None:
    """Why this skip is not allowed, or None when the allowlist holds it and its condition holds here."""
    test = nodeid.split("[")[0]
    for allowed in ALLOWED_SKIPS:
        if allowed.test == test and allowed.reason == reason:
            if allowed.allowed_here():
                return None
            return f"{nodeid} skipped ({reason}), but that is not true on this machine"
    return f"{nodeid} skipped ({reason}), and tests/allowed_skips.py does not allow it"
