"""Per-module references, seeded case generators and oracles used by hidden tests.

One module per assignment (``m00`` for ``m00_interview_method``...). Hidden
test cells name these functions in their declarations, so a trusted grader
can recompute every expected answer outside the learner's kernel.
"""
