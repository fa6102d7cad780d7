"""What the grader's judge runs for hidden tests: compare a learner's recorded answers with `solutions`.

One module per notebook (`notebook_01` ... `notebook_07`, as the tests are named) holds the checks of
its hidden tests: each draws its cases from a fixed seed (the same `backprop_lab.cases` the kernel
recorded with), takes the expected answers from the reference, and hands every case to the matching
visible check of `backprop_lab.checks`, which names the mistake. Mistake models that are themselves
some cell's answer live here, never in the learner's package. `compare` and `replay` are what they
share; `autograder.hidden_checks` is the registry that says which check judges which test.
"""
