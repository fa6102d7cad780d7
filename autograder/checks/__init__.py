"""What the grader's judge runs for hidden tests: compare a learner's recorded answers with `solutions`.

Each check draws its cases from a fixed seed (the same `backprop_lab.cases` the kernel recorded
with), takes the expected answers from the reference, and hands every case to the matching visible
check of `backprop_lab.checks`, which names the mistake. Mistake models that are themselves some
cell's answer live here, never in the learner's package.
"""

from backprop_lab.checks.boxes import judge_h_backward
from backprop_lab.checks.tensors import judge_grad_check

from .compare import Case, check_against, seeded_rng
from .boxes import (
    check_box_against,
    check_chain_backward_against,
    check_chain_forward_against,
    check_h_forward_against,
    check_local_derivatives_against,
    judge_chain_backward,
    reference_h,
)
from .graphs import (
    BACKPROPAGATE_MISTAKES,
    check_backpropagate_against,
    check_topological_sort_against,
    judge_backpropagate,
    judge_topological_sort,
)
from .tensors import (
    OPERATIONS,
    check_backward_against,
    check_tensor_grad_check_against,
    judge_tensor_grad_check,
    judge_train_step,
)
from .forward import check_dual_against, check_jvp_against, check_passes_against
from .derivatives import (
    CENTRAL_DIFFERENCE_MISTAKES,
    FORWARD_DIFFERENCE_MISTAKES,
    ORDER_OF_ACCURACY_MISTAKES,
    RELATIVE_ERROR_MISTAKES,
    check_difference_against,
    check_order_of_accuracy_against,
    check_relative_error_against,
)
from .network import judge_cross_entropy, judge_linear, judge_sgd_step, judge_train

__all__ = [
    "BACKPROPAGATE_MISTAKES",
    "CENTRAL_DIFFERENCE_MISTAKES",
    "Case",
    "FORWARD_DIFFERENCE_MISTAKES",
    "OPERATIONS",
    "ORDER_OF_ACCURACY_MISTAKES",
    "RELATIVE_ERROR_MISTAKES",
    "check_against",
    "check_backpropagate_against",
    "check_backward_against",
    "check_box_against",
    "check_chain_backward_against",
    "check_chain_forward_against",
    "check_difference_against",
    "check_dual_against",
    "check_h_forward_against",
    "check_jvp_against",
    "check_local_derivatives_against",
    "check_order_of_accuracy_against",
    "check_passes_against",
    "check_relative_error_against",
    "check_tensor_grad_check_against",
    "check_topological_sort_against",
    "judge_backpropagate",
    "judge_grad_check",
    "judge_h_backward",
    "judge_tensor_grad_check",
    "judge_topological_sort",
    "judge_train_step",
    "reference_h",
    "seeded_rng",
    "judge_linear",
    "judge_cross_entropy",
    "judge_sgd_step",
    "judge_train",
    "judge_chain_backward",
]
