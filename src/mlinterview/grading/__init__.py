"""Cohort grading: fast (warm forked kernels, all cores) and safe (student code
in a sandbox, tests evaluated in the trusted grader), recorded in nbgrader's
own gradebook.

Processes, from trusted to untrusted:

* the **writer** (``runner``): finds submissions, skips finished ones, hands
  jobs to workers, writes ``autograded/`` and the gradebook (one transaction
  per submission) and the progress bar;
* one **worker** per core (``evaluate``), forked from the writer after the
  heavy libraries are imported: sanitises a submission with nbgrader's own
  preprocessors, runs its test cells *itself* (trusted code, trusted source)
  and scores the cells with nbgrader's ``determine_grade``;
* the kernel **factory** (``factory``): a Python started afresh (never a fork
  of the writer or a worker, which hold the hidden tests, the solution and
  other students' work), with the libraries imported and an IPython shell
  ready; it only forks kernels;
* per submission a **kernel** (``kernel``) forked from the factory into a
  sandbox (``sandbox``): runs the learner's answer and lesson cells and
  answers the worker's questions ("what is ``COMPLEXITY``?", "call
  ``first_pair_with_sum`` with these arguments") with data only (``wire``).
"""
