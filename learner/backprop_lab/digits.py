"""Notebook 07's data: 8×8 handwritten digits, shipped beside the notebook and checked before use.

The images are the UCI "Optical Recognition of Handwritten Digits" set (E. Alpaydin and C. Kaynak,
UCI Machine Learning Repository, 1998, doi:10.24432/C50P49; licence CC BY 4.0), the 1,797 images
that scikit-learn bundles, split once by a seeded permutation into 1,500 for training and 297 for
testing. Pixels are integers 0–16, the count of inked pixels in a 4×4 block of a 32×32 scan.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FILE_NAME = "digits.npz"
SHA256 = "becf16fe4bbecb5d5e5f241f56f6a87d4ffa0f2a1881fe7fb7ed72b6c0e4aa9d"
"""The checksum of the file as committed: a changed or truncated copy is refused, not half-read."""


class DigitsFileError(RuntimeError):
    """The digits file is missing or is not the one the course ships."""

    def _render_traceback_(self) -> list[str]:
        """IPython shows the one line that says what to do, not a traceback."""
        return [f"{type(self).__name__}: {self}"]


@dataclass(frozen=True)
class Digits:
    """The fixed split: images as (n, 8, 8) uint8 arrays of 0–16, labels as (n,) uint8 arrays of 0–9."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def load_digits(path: str | Path = FILE_NAME) -> Digits:
    """Read the digits file after checking its SHA-256, so every learner trains on the same data."""
    path = Path(path)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise DigitsFileError(f"{path} is missing: it ships beside notebook 07; copy it back from the course's "
                              "release folder (07_train_a_network/digits.npz)") from None
    digest = hashlib.sha256(content).hexdigest()
    if digest != SHA256:
        raise DigitsFileError(f"{path} is not the file the course ships (its SHA-256 is {digest[:12]}…, expected "
                              f"{SHA256[:12]}…): copy it again from the course's release folder")
    with np.load(path) as arrays:
        return Digits(**{name: arrays[name] for name in Digits.__dataclass_fields__})
