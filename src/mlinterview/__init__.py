"""mlinterview: the package behind the ML interview course.

Notebooks import the public helpers only (``from mlinterview import checks``),
so a release notebook works wherever the package is installed.
"""

__version__ = "0.1.0"
