"""nbgrader configuration for the ML interview course.

Read by every stock nbgrader command run from this folder, by `mlinterview
build` (which runs nbgrader's generate_assignment with it) and by the tests.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "mlinterview"
c.CourseDirectory.root = HERE
# The gradebook lives beside this file (git-ignored); pass --db to use PostgreSQL.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(HERE, "gradebook.db")

# Per-cell time limit while grading. It is set on nbgrader's own Execute
# preprocessor and nowhere else: `c.Execute.timeout` is the more specific
# setting, so it silently wins over `--ExecutePreprocessor.timeout` given on
# the command line. To change the limit, pass `--Execute.timeout=N` or set
# MLINTERVIEW_CELL_TIMEOUT. tests/test_nbgrader_config.py proves it applies.
c.Execute.timeout = int(os.environ.get("MLINTERVIEW_CELL_TIMEOUT", "60"))
c.Execute.interrupt_on_timeout = True

# Local use needs no shared /srv/nbgrader/exchange: release_assignment, fetch,
# submit and collect use a folder inside the course (git-ignored).
c.Exchange.root = os.path.join(HERE, "exchange")
c.Exchange.path_includes_course = True

# A learner's notebook that prints without end must not blow up the gradebook.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 40

# Feedback shows each test cell's result and message, never the hidden tests:
# nbgrader's own ClearHiddenTests runs after the grades are read.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
]
