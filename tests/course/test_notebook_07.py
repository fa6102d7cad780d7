"""Notebook 07's visible checks: what a test cell says about a loss or a loop that is wrong."""

from __future__ import annotations

import nbformat
import pytest

from backprop_lab.checks import CheckFailed, check_array
from course_grading import nbgrader_meta, run_up_to, source_notebook

SUMMED_NOT_AVERAGED = '''
def softmax_cross_entropy(logits, labels):
    xp = logits.xp
    rows = xp.arange(logits.shape[0])
    shifted = logits.data - xp.max(logits.data, axis=1, keepdims=True)
    log_p = shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))

    def backward(g):
        grad = xp.exp(log_p)
        grad[rows, labels] -= 1.0
        return (g * grad,)

    return Tensor(-xp.sum(log_p[rows, labels]), (logits,), backward, "cross_entropy")
'''


def test_a_loss_summed_over_the_batch_instead_of_averaged_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(source_notebook("07_train_a_network").parent)  # where load_digits finds digits.npz
    names, test_cell = run_up_to("07_train_a_network",
                                 lambda cell: nbgrader_meta(cell).get("grade_id") == "test_softmax_cross_entropy",
                                 {"softmax_cross_entropy": SUMMED_NOT_AVERAGED})
    with pytest.raises(CheckFailed, match="the loss and its gradient were not divided by N"):
        exec(test_cell, names)


def test_a_list_of_tensors_where_numbers_belong_is_named_as_such() -> None:
    class Tensor:
        pass

    with pytest.raises(CheckFailed) as caught:
        check_array([Tensor(), Tensor()], [0.5, 0.25], what="the losses")
    assert "(a list of Tensor, not of numbers)" in str(caught.value) and "not an array" not in str(caught.value)


def test_a_learner_working_alone_is_told_to_finish_05_first_and_why() -> None:
    """`make lab` hands a self-learner 07 with 01: its first cell (and its README row) must say to finish 05 first,
    because section 1 writes out 05's answers; no self-learner has a deadline to wait for."""
    from pathlib import Path

    cells = nbformat.read(source_notebook("07_train_a_network"), as_version=4).cells
    opening = " ".join(cells[0].source.split())
    assert "Finish notebook 05 before you open this one" in opening and "05's answers" in opening
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    row = next(line for line in readme.splitlines() if line.startswith("| 07 |"))
    assert "finish 05 first" in row
    section_1 = next(cell.source for cell in cells if cell.source.startswith("## 1 ·"))
    assert "deadline" not in section_1
