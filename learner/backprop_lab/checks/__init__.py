"""What visible test cells call: compare a learner's answer with the one written in the cell, and name the likely mistake.

`compare` holds the generic machinery; each notebook's checks live in a module named for it
(`notebook_01` ... `notebook_07`, as the tests are; the boxes of 03 with 02's). Nothing here knows a
reference answer: hidden tests, which do, live in the instructor's `autograder.checks` and build on these.
"""

from .compare import (
    CheckFailed,
    Mistakes,
    NoVerdict,
    Outcome,
    as_numbers,
    check_call,
    check_value,
    describe_call,
    diagnose,
    failure_message,
    format_answer,
    is_close,
    run_quietly,
)
from .notebook_01 import check_difference, check_order_of_accuracy, check_relative_error
from .notebook_02 import LOOKALIKES, check_box, check_chain_backward, check_chain_forward
from .notebook_03 import check_h_backward, check_h_forward, check_local_derivatives, check_rejects_unknown_op
from .notebook_06 import (
    DUAL_MISTAKES,
    PASSES_MISTAKES,
    as_dual_operation,
    check_dual,
    check_dual_operation,
    check_jvp,
    check_passes,
    check_rejects_unknown_method,
)
from .notebook_04 import GRADIENT_MISTAKES, call_or_fail, check_gradient, check_sort, check_topological_order
from .notebook_07 import NETWORK_MISTAKES, check_array, check_stays_a_leaf
from .notebook_05 import TRAINING_MISTAKES, check_backward, check_grad_check, check_grad_check_verdict, check_inputs_unchanged

__all__ = [
    "CheckFailed",
    "DUAL_MISTAKES",
    "PASSES_MISTAKES",
    "GRADIENT_MISTAKES",
    "LOOKALIKES",
    "TRAINING_MISTAKES",
    "Mistakes",
    "NoVerdict",
    "Outcome",
    "as_dual_operation",
    "as_numbers",
    "call_or_fail",
    "check_backward",
    "check_box",
    "check_call",
    "check_chain_backward",
    "check_chain_forward",
    "check_difference",
    "check_dual",
    "check_dual_operation",
    "check_grad_check",
    "check_grad_check_verdict",
    "check_gradient",
    "check_h_backward",
    "check_h_forward",
    "check_inputs_unchanged",
    "check_jvp",
    "check_local_derivatives",
    "check_order_of_accuracy",
    "check_passes",
    "check_rejects_unknown_method",
    "check_rejects_unknown_op",
    "check_relative_error",
    "check_sort",
    "check_topological_order",
    "check_value",
    "describe_call",
    "diagnose",
    "failure_message",
    "format_answer",
    "is_close",
    "run_quietly",
    "NETWORK_MISTAKES",
    "check_array",
    "check_stays_a_leaf",
]
