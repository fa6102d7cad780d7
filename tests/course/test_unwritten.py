"""backprop_lab.unwritten.needs: a given cell waiting for an answer says which, and nothing else changes."""

from __future__ import annotations

import pytest

from backprop_lab.unwritten import NotWrittenYet, needs


def stub(x: float) -> float:
    raise NotImplementedError()


def buggy(x: float) -> float:
    return undefined_in_the_answer  # noqa: F821 (the learner's own NameError)


def test_the_stub_becomes_one_line_naming_the_answer() -> None:
    with pytest.raises(NotWrittenYet) as caught:
        with needs("forward_difference", to_see="this plot"):
            stub(1.0)
    assert str(caught.value) == "Not written yet: write `forward_difference` above to see this plot."
    assert caught.value._render_traceback_() == [f"NotWrittenYet: {caught.value}"]
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_a_result_an_earlier_cell_never_made_names_the_answers() -> None:
    with pytest.raises(NotWrittenYet, match="write `a` and `b` above to see this cell's result"):
        with needs("a", "b"):
            print(result_of_a_cell_that_failed)  # noqa: F821


def test_three_answers_or_more_are_named_as_a_list() -> None:
    with pytest.raises(NotWrittenYet, match="write `a`, `b` and `c` above to see these numbers"):
        with needs("a", "b", "c", to_see="these numbers"):
            stub(1.0)


def test_a_name_error_inside_a_written_answer_is_the_learners_to_see() -> None:
    with pytest.raises(NameError, match="undefined_in_the_answer"):
        with needs("buggy"):
            buggy(1.0)


def test_other_errors_pass_through_and_a_written_answer_runs_as_before() -> None:
    with pytest.raises(ZeroDivisionError):
        with needs("f"):
            1 / 0
    with needs("f") as waiting:
        value = 2.0 * 3.0
    assert value == 6.0 and waiting.answers == ("f",)


def test_needs_names_at_least_one_answer() -> None:
    with pytest.raises(TypeError, match="names of the answers"):
        needs()
