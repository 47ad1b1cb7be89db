"""Imported first by the ``mlinterview`` command (and the tests): jsonschema without the
optional ``rfc3987_syntax``.

jsonschema (4.25 and later) imports ``rfc3987_syntax``, when it is installed, for its
``iri`` format check, and that package builds a Lark grammar as it is imported: 1.1 s
of every process that reads a notebook (nbformat validates with jsonschema), measured
here. ``jupyter-events`` installs it with JupyterLab. Nothing nbformat or nbgrader
validates uses formats, so this process imports jsonschema without it; afterwards
``import rfc3987_syntax`` works as usual. Student kernels are left alone.
"""

from __future__ import annotations

import contextlib
import sys

if "jsonschema" not in sys.modules and "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment] - "not installed"
    try:
        with contextlib.suppress(ImportError):
            import jsonschema  # noqa: F401
    finally:
        if "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None:
            del sys.modules["rfc3987_syntax"]
