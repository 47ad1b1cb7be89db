"""nbgrader's sanitising preprocessors, with the gradebook read once per worker.

Before a submission runs, ``nbgrader autograde`` puts back what the learner may
not change: ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells
(test and locked cells, their type, points and checksums, from the source
cells recorded in the gradebook) and CheckCellMetadata. The grader runs the
same classes, with the same logic, but stock nbgrader pays for them per
notebook in ways a worker that grades a cohort need not:

- OverwriteKernelspec and OverwriteCells open the gradebook and ask it two
  SQL queries per cell (about 20 ms a notebook). What they ask is the
  assignment's source record, the same for every student, so a
  :class:`SourceRecord` reads it once and answers their queries from memory;
  it is read again when ``source/<aid>/<nb>.ipynb`` changes.
- CheckCellMetadata validates each cell's metadata with ``jsonschema.validate``,
  which checks the schema itself every time (about 40 ms a notebook). Its
  verdict depends only on the cells' types and nbgrader metadata, so a notebook
  whose types and metadata are exactly those of one that already passed passes
  again; anything else is checked by nbgrader as before.

``tests/test_grading.py`` checks that these give byte for byte the notebook
nbgrader's own chain gives, and refuse what it refuses, on honest and tampered
submissions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import nbformat
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearOutput,
    DeduplicateIds,
    OverwriteCells,
    OverwriteKernelspec,
)

from ..stock import gradebook

MAX_REMEMBERED = 256  # notebooks' metadata that passed CheckCellMetadata, per worker


@dataclass
class SourceRecord:
    """What the gradebook holds of one source notebook: its kernelspec, its source cells
    and its graded cells' points, answering the queries nbgrader's preprocessors make."""

    found: bool = True  # the gradebook knows the notebook
    kernelspec: str | None = None
    source_cells: dict = field(default_factory=dict)  # grade id -> cell_type, locked, checksum, source
    graded_cells: dict = field(default_factory=dict)  # grade id -> max_score

    @classmethod
    def read(cls, db_url: str, aid: str, name: str) -> SourceRecord:
        with gradebook(db_url) as gb:  # one that cannot be opened: a CourseError that says why
            try:
                nb = gb.find_notebook(name, aid)
            except MissingEntry:
                return cls(found=False)
            return cls(kernelspec=nb.kernelspec,
                       source_cells={c.name: SimpleNamespace(name=c.name, cell_type=c.cell_type, locked=c.locked,
                                                checksum=c.checksum, source=c.source)
                        for c in nb.source_cells},
                       graded_cells={c.name: SimpleNamespace(name=c.name, max_score=c.max_score)
                        for c in [*nb.grade_cells, *nb.task_cells]})

    # the part of nbgrader.api.Gradebook that OverwriteCells uses
    def find_source_cell(self, name: str, notebook: str, assignment: str):
        try:
            return self.source_cells[name]
        except KeyError:
            raise MissingEntry() from None

    def find_graded_cell(self, name: str, notebook: str, assignment: str):
        try:
            return self.graded_cells[name]
        except KeyError:
            raise MissingEntry() from None


class _OverwriteKernelspec(OverwriteKernelspec):
    """OverwriteKernelspec's rule, with the kernelspec from the record."""

    record: SourceRecord

    def preprocess(self, nb, resources):
        if not self.record.found:
            raise MissingEntry()
        if self.record.kernelspec is not None:
            kernelspec = json.loads(self.record.kernelspec)
            if kernelspec:
                nb.metadata["kernelspec"] = kernelspec
        return nb, resources


class _OverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells, answered by the record instead of the database."""

    record: SourceRecord

    def preprocess(self, nb, resources):
        if self.add_missing_cells:  # configured on: nbgrader's own path, with its database
            return super().preprocess(nb, resources)
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.db_url = resources["nbgrader"]["db_url"]
        self.gradebook = self.record
        try:
            return super(OverwriteCells, self).preprocess(nb, resources)
        finally:
            del self.gradebook


class _CheckCellMetadata(CheckCellMetadata):
    """nbgrader's CheckCellMetadata, once per distinct set of cell types and metadata."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.passed: set[str] = set()

    def preprocess(self, nb, resources):
        key = json.dumps([(c.get("cell_type"), c.get("metadata", {}).get("nbgrader"))
                          for c in nb.cells if "nbgrader" in c.get("metadata", {})],
                         sort_keys=True, default=repr)
        if key in self.passed:
            return nb, resources
        nb, resources = super().preprocess(nb, resources)
        if len(self.passed) >= MAX_REMEMBERED:
            self.passed.clear()
        self.passed.add(key)
        return nb, resources


class Sanitiser:
    """nbgrader's five preprocessors in autograde's order, for one worker's lifetime."""

    def __init__(self, db_url: str, course_root: Path):
        self.db_url, self.course_root = db_url, course_root
        self.records: dict = {}
        self.kernelspec, self.cells = _OverwriteKernelspec(), _OverwriteCells()
        self.chain = [ClearOutput(), DeduplicateIds(), self.kernelspec, self.cells,
                      _CheckCellMetadata()]

    def record(self, aid: str, name: str) -> SourceRecord:
        path = self.course_root / "source" / aid / f"{name}.ipynb"
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            stamp = None
        key = (aid, name)
        if key not in self.records or self.records[key][0] != stamp or stamp is None:
            self.records[key] = (stamp, SourceRecord.read(self.db_url, aid, name))
        return self.records[key][1]

    def __call__(self, nb: nbformat.NotebookNode, student: str, aid: str,
                 name: str) -> nbformat.NotebookNode:
        """The sanitised notebook; nbgrader's own exceptions pass through."""
        resources = {"nbgrader": {"notebook": name, "assignment": aid, "student": student,
                                  "db_url": self.db_url}}
        self.kernelspec.record = self.cells.record = self.record(aid, name)
        for pre in self.chain:
            nb, resources = pre.preprocess(nb, resources)
        return nb

