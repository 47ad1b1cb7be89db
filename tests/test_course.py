"""The build and the course lint: every rule fires on a notebook that breaks it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

from mlinterview import course

GOOD = '''# %% [markdown]
# # A tiny module

# %%
from mlinterview import checks

# %% [markdown]
# ## Part 1 — Double it (3 points)
#
# **Contract.** `double(x)` returns `2 * x` for an int `x`.
#
# <details><summary>Hint 1</summary>Add it to itself.</details>
# <details><summary>Hint 2</summary>`x + x`.</details>

# %% nbgrader={"solution": true, "grade_id": "double_answer"}
def double(x):
    """Twice x."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "double_examples", "points": 1}
"""double on two examples."""
checks.equal(double(2), 4)

# %% nbgrader={"grade": true, "grade_id": "double_hidden", "points": 2}
"""double on more cases."""
checks.attempted("double")
### BEGIN HIDDEN TESTS
checks.expect("double", cases=[(0,), (-3,)], reference=lambda x: 2 * x)
### END HIDDEN TESTS
'''


def make_course(tmp: Path, text: str = GOOD, aid: str = "m99_tiny", name: str = "tiny") -> Path:
    shutil.copy2(ROOT / "nbgrader_config.py", tmp / "nbgrader_config.py")
    folder = tmp / "notebooks" / aid
    folder.mkdir(parents=True)
    (folder / f"{name}.py").write_text(text, encoding="utf-8")
    return tmp


def rules_broken(tmp: Path, text: str) -> dict[str, list[str]]:
    root = make_course(tmp, text)
    found: dict[str, list[str]] = {}
    for p in course.check_course(root):
        found.setdefault(p.rule, []).append(str(p))
    return found


def test_the_good_notebook_breaks_no_rule(tmp_path):
    assert rules_broken(tmp_path, GOOD) == {}


BREAKS = {
    "parse": GOOD.replace('"points": 2}', '"points": 2'),
    "metadata": GOOD.replace('"grade_id": "double_examples", "points": 1', '"grade_id": "double_examples"'),
    "grade-id": GOOD.replace('"grade_id": "double_hidden"', '"grade_id": "double_examples"'),
    "solution-markers": GOOD.replace("    ### BEGIN SOLUTION\n", "").replace("    ### END SOLUTION\n", ""),
    "answer-has-tests": GOOD.replace("### BEGIN HIDDEN TESTS", "# no hidden tests").replace(
        "### END HIDDEN TESTS", "# end"),
    "test-docstring": GOOD.replace('"""double on two examples."""\n', ""),
    "release-can-fail": GOOD.replace('checks.attempted("double")\n', ""),
    "contract": GOOD.replace("**Contract.** ", ""),
    "points": GOOD.replace("(3 points)", "(4 points)"),
    "hints": GOOD.replace("# <details><summary>Hint 2</summary>`x + x`.</details>\n", ""),
    # the tests read `checks`, which the tagged cell binds
    "skip-tag": GOOD.replace("# %%\nfrom mlinterview import checks",
                             '# %% tags=["skip-when-grading"]\nfrom mlinterview import checks'),
}


@pytest.mark.parametrize("rule", sorted(BREAKS))
def test_each_rule_fires_on_a_notebook_that_breaks_it(tmp_path, rule):
    broken = rules_broken(tmp_path, BREAKS[rule])
    assert rule in broken, f"rule {rule!r} did not fire; got {broken}"
    # the message names the file, and the cell where there is one
    assert all("notebooks/m99_tiny/tiny.py" in m for m in broken[rule])


def test_every_rule_has_a_breaking_fixture():
    assert set(BREAKS) | {"no-outputs"} == set(course.RULES)


def test_no_outputs_fires_on_a_committed_notebook_with_outputs(tmp_path):
    root = make_course(tmp_path)
    course.build(root)
    path = root / "release" / "m99_tiny" / "tiny.ipynb"
    nb = course.read_ipynb(path)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.execution_count = 3
    code.outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    path.write_text(course.notebook_text(nb), encoding="utf-8")
    problems = [p for p in course.check_course(root) if p.rule == "no-outputs"]
    assert problems and "release/m99_tiny/tiny.ipynb: cell 2" in str(problems[0])


def test_build_is_idempotent_and_check_names_stale_files(tmp_path):
    root = make_course(tmp_path)
    first = course.build(root)
    assert sorted(first.written) == ["release/m99_tiny/tiny.ipynb", "source/m99_tiny/tiny.ipynb"]
    assert course.build(root).written == []
    assert course.build(root, check=True).stale == []

    text = (root / "notebooks/m99_tiny/tiny.py").read_text()
    (root / "notebooks/m99_tiny/tiny.py").write_text(text.replace("Twice x.", "Two times x."))
    (root / "release/m99_tiny/extra.txt").write_text("not built")
    stale = course.build(root, check=True).stale
    assert "source/m99_tiny/tiny.ipynb" in stale
    assert "release/m99_tiny/tiny.ipynb" in stale
    assert "release/m99_tiny/extra.txt (not built from notebooks/)" in stale


def test_source_notebooks_are_normalised(tmp_path):
    root = make_course(tmp_path)
    course.build(root)
    nb = course.read_ipynb(root / "source/m99_tiny/tiny.ipynb")
    assert nb.metadata == {"kernelspec": course.KERNELSPEC, "language_info": {"name": "python"}}
    ids = [c["id"] for c in nb.cells]
    assert "double_answer" in ids and len(set(ids)) == len(ids)
    answer = next(c for c in nb.cells if c["id"] == "double_answer")
    assert answer.metadata == {"nbgrader": {"grade": False, "grade_id": "double_answer",
                                            "locked": False, "schema_version": 3,
                                            "solution": True, "task": False}}
    release = (root / "release/m99_tiny/tiny.ipynb").read_text()
    assert "return 2 * x" not in release and "raise NotImplementedError()" in release
    assert "checks.expect(" not in release  # hidden tests are stripped


def _cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mlinterview.cli", "--root", str(root), *args],
                          capture_output=True, text=True)


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_malformed_header_is_one_line_naming_file_and_cell(tmp_path, command):
    root = make_course(tmp_path, BREAKS["parse"])
    result = _cli(root, command)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert "Traceback" not in result.stderr
    assert "notebooks/m99_tiny/tiny.py" in lines[0] and "cell 6 (line 26)" in lines[0], lines


def test_a_committed_notebook_that_is_not_json_is_one_line(tmp_path):
    root = make_course(tmp_path)
    course.build(root)
    (root / "source/m99_tiny/tiny.ipynb").write_text('{"cells": [', encoding="utf-8")
    result = _cli(root, "check")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "source/m99_tiny/tiny.ipynb: not valid JSON" in result.stderr


def test_a_notebook_nbgrader_rejects_is_one_line(tmp_path):
    # an answer region that is opened but never closed: nbgrader itself refuses it
    text = GOOD.replace("    ### END SOLUTION\n", "")
    root = make_course(tmp_path, text)
    result = _cli(root, "build")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "m99_tiny" in result.stderr, result.stderr


def test_committed_build_is_fresh():
    """What CI checks: source/ and release/ equal a fresh build of notebooks/."""
    assert course.build(ROOT, check=True).stale == []


_IMPORTS = """
import sys, time
start = time.perf_counter()
{first}
import nbformat
nbformat.validate(nbformat.v4.new_notebook())  # validates with jsonschema, as grading does
took = time.perf_counter() - start
print("rfc3987_syntax" in sys.modules, round(took, 2))
"""


def test_the_command_reads_notebooks_without_jsonschemas_slow_optional_import():
    """``mlinterview._quick_imports`` (imported first by the command and by pytest) keeps
    ``rfc3987_syntax`` out of jsonschema's import: it builds a grammar as it loads, about
    1 s of every ``mlinterview`` run. Without it the module is loaded (the test can fail);
    with it, it is not, notebooks still validate, and it can still be imported later."""
    import importlib.util

    if importlib.util.find_spec("rfc3987_syntax") is None:
        pytest.skip("rfc3987_syntax is not installed here: nothing to keep out")
    loaded = {}
    for label, first in (("plain", ""), ("quick", "import mlinterview._quick_imports")):
        done = subprocess.run([sys.executable, "-c", _IMPORTS.format(first=first)],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        loaded[label] = done.stdout.split()[0]
    assert loaded == {"plain": "True", "quick": "False"}
    later = subprocess.run([sys.executable, "-c", "import mlinterview._quick_imports, nbformat; "
                            "import rfc3987_syntax"], capture_output=True, text=True, timeout=120)
    assert later.returncode == 0, later.stderr[-2000:]
