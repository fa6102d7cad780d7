"""Notebook 07's data: the committed digits file loads, and a missing or altered copy is refused in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backprop_lab.digits import DigitsFileError, load_digits

COURSE = Path(__file__).resolve().parents[2] / "course"
COPIES = [COURSE / folder / "07_train_a_network" / "digits.npz" for folder in ("source", "release")]


@pytest.mark.parametrize("path", COPIES, ids=lambda path: path.parts[-3])
def test_the_committed_file_loads_with_its_fixed_split(path: Path) -> None:
    digits = load_digits(path)
    assert digits.train_images.shape == (1500, 8, 8) and digits.test_images.shape == (297, 8, 8)
    assert digits.train_images.dtype == np.uint8 and digits.train_images.max() == 16
    for labels in (digits.train_labels, digits.test_labels):
        assert set(np.unique(labels)) == set(range(10))


def test_a_missing_file_says_where_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(DigitsFileError, match="is missing.*release folder"):
        load_digits(tmp_path / "digits.npz")


def test_a_file_with_one_byte_changed_is_refused(tmp_path: Path) -> None:
    altered = bytearray(COPIES[0].read_bytes())
    altered[len(altered) // 2] ^= 0x01
    (tmp_path / "digits.npz").write_bytes(bytes(altered))
    with pytest.raises(DigitsFileError, match="not the file the course ships"):
        load_digits(tmp_path / "digits.npz")


def test_ipython_shows_the_refusal_as_one_line(tmp_path: Path) -> None:
    with pytest.raises(DigitsFileError) as refused:
        load_digits(tmp_path / "digits.npz")
    assert len(refused.value._render_traceback_()) == 1
