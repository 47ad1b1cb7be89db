"""The self-study layer: worked solutions, selfcheck (agreeing with stock autograde), progress."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, grade_cohort, scratch_course

from mlinterview import cli, selfstudy, submissions
from mlinterview import course as course_mod

AID, NB = "m00_interview_method", "interview_method"
FIXTURES = ROOT / "tests" / "fixtures" / AID / NB
HIDDEN_CODE = ("BEGIN HIDDEN TESTS", "expect(", "expect_value(", "m00.", "Traceback")


def fixture_notebook(name: str | None, base: str = "solution") -> nbformat.NotebookNode:
    fixture = submissions.load_fixture(FIXTURES / f"{name}.py") if name else None
    return submissions.fixture_submission(ROOT, AID, NB, fixture, base)


def with_answers(answers: dict[str, str]) -> nbformat.NotebookNode:
    """The blank release with some answer cells filled in."""
    release = submissions.read_ipynb(ROOT / "release" / AID / f"{NB}.ipynb")
    return submissions.make_submission(release, answers)


def save(nb: nbformat.NotebookNode, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A scratch course: config, source/, release/, an empty notebooks/ and data/."""
    root = scratch_course(tmp_path)
    if (ROOT / "data").is_dir():
        shutil.copytree(ROOT / "data", root / "data")
    return root


# --------------------------------------------------------------------------- solution


class TestSolution:
    def test_prints_the_reference_answer_of_a_cell(self, course, monkeypatch, capsys):
        monkeypatch.setenv("JPY_SESSION_NAME", str(course / "mywork" / AID / f"{NB}.ipynb"))
        selfstudy.solution("first_pair_answer", root=course)
        out = capsys.readouterr().out
        assert out.startswith(f"# Worked solution of first_pair_answer ({AID}/{NB}), "
                              f"from source/{AID}/{NB}.ipynb\n")
        assert "def first_pair_with_sum(nums, target):" in out
        assert "first_index.setdefault(x, j)" in out  # the body, not only the signature
        assert "### BEGIN SOLUTION" not in out and "HIDDEN" not in out

    def test_found_from_the_working_folder_of_a_notebook(self, course, monkeypatch, capsys):
        folder = course / "release" / AID
        monkeypatch.chdir(folder)
        monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
        selfstudy.solution("complexity_answer")
        out = capsys.readouterr().out
        assert '"sort_then_scan": {"time": "O(n log n)", "space": "O(n)"}' in out

    def test_no_argument_lists_the_answer_ids(self, course, monkeypatch, capsys):
        monkeypatch.chdir(course / "release" / AID)
        selfstudy.solution(root=course)
        out = capsys.readouterr().out
        for gid in ("complexity_answer", "trace_answer", "first_pair_answer", "hunt_answer"):
            assert gid in out

    def test_unknown_id_names_the_known_ones(self, course, monkeypatch):
        monkeypatch.chdir(course / "release" / AID)
        text = selfstudy.solution_text("first_pair", root=course)
        assert text.startswith("No answer cell 'first_pair' in source/.")
        assert "first_pair_answer" in text

    def test_a_course_without_source_says_so(self, course, monkeypatch):
        shutil.rmtree(course / "source")
        monkeypatch.chdir(course / "release" / AID)
        text = selfstudy.solution_text("first_pair_answer", root=course)
        assert text.startswith("Cannot show a solution: this copy of the course has no worked "
                               "solutions or hidden tests (no source/ folder")
        assert "\n" not in text


# --------------------------------------------------------------------------- selfcheck


def statuses(result: selfstudy.SelfCheck) -> dict[str, tuple[str, float]]:
    return {t.grade_id: (t.status, t.score) for t in result.tests}


class TestSelfcheck:
    def test_partly_correct_notebook(self, course, capsys):
        path = save(fixture_notebook("partial"), course / "mywork" / AID / f"{NB}.ipynb")
        before = path.read_bytes()
        code, out, err = run_cli(capsys, "--root", str(course), "selfcheck", str(path))
        assert code == 0, err
        assert path.read_bytes() == before  # graded a copy
        assert "Part 1 — State the complexity (3 points): 1/3 not passed" in out
        assert ("failed         complexity_correct         0/2  COMPLEXITY: 1 of 6 entries are "
                "not right: sort_then_scan.space is 'O(1)'") in out
        assert "Part 3 — Code it: input checks, then the fast solution (4 points): 4/4 passed" in out
        assert "failed         hunt_catches_all           0/1  HUNT_CASES: your cases expose 5 of 7" in out
        assert "Total: 9/12 points; 2 of 4 parts passed" in out
        for text in HIDDEN_CODE:
            assert text not in out
        record = json.loads((course / ".mlinterview" / "progress.json").read_text())
        saved = record["notebooks"][f"{AID}/{NB}"]
        assert (saved["score"], saved["points"], saved["parts_passed"]) == (9, 12, 2)

    def test_blank_release_is_not_attempted(self, course, capsys):
        code, out, err = run_cli(capsys, "--root", str(course), "selfcheck", "--no-save",
                                 str(course / "release" / AID / f"{NB}.ipynb"))
        assert code == 0, err
        assert "Total: 0/12 points; 0 of 4 parts passed" in out
        assert ("not attempted  first_pair_matches_oracle  0/2  `first_pair_with_sum` still raises "
                "NotImplementedError") in out
        assert "not attempted  complexity_correct         0/2  `COMPLEXITY` is not defined yet" in out
        assert "failed" not in out  # every test says "not attempted", none a crash
        assert not (course / ".mlinterview").exists()

    def test_identified_by_answer_ids_anywhere(self, course, tmp_path):
        path = save(fixture_notebook(None), tmp_path / "elsewhere" / "my copy.ipynb")
        result = selfstudy.selfcheck(path, course)
        assert (result.assignment, result.notebook) == (AID, NB)
        assert (result.score, result.points) == (12, 12)
        assert all(p.status == "passed" for p in result.parts)

    def test_a_timed_out_cell_fails_and_the_rest_still_runs(self, course, tmp_path):
        endless = "COMPLEXITY = {}\nwhile True:\n    pass\n"
        nb = fixture_notebook(None)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "complexity_answer":
                cell.source = endless
        result = selfstudy.selfcheck(save(nb, tmp_path / AID / f"{NB}.ipynb"), course, timeout=3)
        got = statuses(result)
        assert got["complexity_well_formed"][0] == "failed"  # COMPLEXITY = {} is no answer
        assert got["first_pair_matches_oracle"] == ("passed", 2.0)
        assert result.score == 9

    def test_a_learner_error_is_one_line_with_its_type(self, course, tmp_path):
        nb = with_answers({"first_pair_answer": "def first_pair_with_sum(nums, target):\n"
                                                "    return nums.index(target)\n"})
        result = selfstudy.selfcheck(save(nb, tmp_path / AID / f"{NB}.ipynb"), course)
        test = next(t for t in result.tests if t.grade_id == "first_pair_examples")
        assert test.status == "failed"
        assert test.message == "ValueError: 9 is not in list"

    @pytest.mark.parametrize("content, says", [
        ("{not json", "not valid JSON: Expecting property name enclosed in double quotes at line 1"),
        ('{"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}',
         "a notebook in format 3, not 4"),
        ('{"cells": "nope", "nbformat": 4, "nbformat_minor": 5, "metadata": {}}',
         "not a valid notebook"),
    ])
    def test_malformed_notebooks_get_one_line(self, course, tmp_path, capsys, content, says):
        path = tmp_path / AID / f"{NB}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(content)
        code, out, err = run_cli(capsys, "--root", str(course), "selfcheck", str(path))
        assert code == 2 and out == ""
        assert err.startswith("error: ") and says in err
        assert err.count("\n") == 1

    def test_missing_notebook_and_missing_source(self, course, tmp_path, capsys):
        code, _, err = run_cli(capsys, "--root", str(course), "selfcheck", str(tmp_path / "x.ipynb"))
        assert code == 2 and err.strip().endswith("x.ipynb: no such notebook")
        shutil.rmtree(course / "source")
        code, _, err = run_cli(capsys, "--root", str(course), "selfcheck",
                               str(course / "release" / AID / f"{NB}.ipynb"))
        assert code == 2 and err.count("\n") == 1
        assert "this copy of the course has no hidden tests (no source/ folder" in err

    def test_unknown_notebook(self, course, tmp_path, capsys):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
        path = save(nb, tmp_path / "notes.ipynb")
        code, _, err = run_cli(capsys, "--root", str(course), "selfcheck", str(path))
        assert code == 2 and "cannot tell which assignment this notebook belongs to" in err

    def test_a_kernel_that_dies(self, course, tmp_path, capsys):
        nb = with_answers({"complexity_answer": "import os\nos._exit(1)\n"})
        path = save(nb, tmp_path / AID / f"{NB}.ipynb")
        code, out, err = run_cli(capsys, "--root", str(course), "selfcheck", str(path))
        assert code == 2 and out == ""
        assert err.startswith("error: the kernel died while running cell")
        assert "(complexity_answer)" in err and err.count("\n") == 1

    def test_an_endless_loop_that_ignores_interrupts(self, course, tmp_path, capsys, monkeypatch):
        monkeypatch.setattr(selfstudy, "STUCK_SECONDS", 3)
        stubborn = ("import time\nwhile True:\n    try:\n        time.sleep(0.1)\n"
                    "    except KeyboardInterrupt:\n        pass\n")
        path = save(with_answers({"trace_answer": stubborn}), tmp_path / AID / f"{NB}.ipynb")
        code, out, err = run_cli(capsys, "--root", str(course), "selfcheck", "--timeout", "2",
                                 str(path))
        assert code == 2 and out == ""
        assert "(trace_answer) ran past the 2 s limit and ignored the interrupt" in err
        assert err.count("\n") == 1


@pytest.mark.nbgrader
def test_selfcheck_agrees_with_stock_autograde(course):
    """Per test cell, selfcheck's score is the one `nbgrader autograde` writes to the gradebook."""
    cohort = {
        "partial": fixture_notebook("partial"),
        "blank": fixture_notebook(None, base="blank"),
        "no_checks": fixture_notebook("no_input_checks"),
        "trace": fixture_notebook("trace_overwrites_first_index"),
    }
    stock = grade_cohort(course, AID, {s: {NB: nb} for s, nb in cohort.items()})
    for student, nb in cohort.items():
        path = save(nb, course / "mywork" / student / AID / f"{NB}.ipynb")
        result = selfstudy.selfcheck(path, course)
        ours = {f"{NB}/{t.grade_id}": (t.score, t.points) for t in result.tests}
        assert ours == stock[student], student
    assert sum(s for s, _ in stock["partial"].values()) == 9  # a partly correct notebook


# --------------------------------------------------------------------------- progress


class TestProgress:
    def test_nothing_checked_yet(self, course, capsys):
        (course / "mywork" / AID).mkdir(parents=True)
        shutil.copy(course / "release" / AID / f"{NB}.ipynb", course / "mywork" / AID)
        code, out, _ = run_cli(capsys, "--root", str(course), "progress")
        assert code == 0
        assert f"{AID}/{NB}  -       -             not started" in out  # copied, not answered
        save(fixture_notebook("partial", base="blank"), course / "mywork" / AID / f"{NB}.ipynb")
        out = run_cli(capsys, "--root", str(course), "progress")[1]
        assert (f"{AID}/{NB}  -       -             not checked; run: mlinterview selfcheck "
                f"mywork/{AID}/{NB}.ipynb") in out
        assert "0/0 points in 0 checked of" in out

    def test_after_a_selfcheck(self, course, capsys):
        path = save(fixture_notebook("partial"), course / "mywork" / AID / f"{NB}.ipynb")
        assert run_cli(capsys, "--root", str(course), "selfcheck", str(path))[0] == 0
        code, out, _ = run_cli(capsys, "--root", str(course), "progress")
        assert code == 0
        row = next(line for line in out.splitlines() if line.startswith(f"{AID}/{NB}"))
        assert "9/12" in row and "2/4" in row and "checked 20" in row and "changed" not in row
        others = [line for line in out.splitlines() if line.startswith("m0") and AID not in line]
        assert all(line.endswith("not started") for line in others)
        plot = course / ".mlinterview" / "progress.png"
        assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert out.rstrip().endswith("Plot: .mlinterview/progress.png")
        # an edited notebook says its record is stale
        path.write_text(path.read_text().replace("O(n log n)", "O(n logn)"))
        out = run_cli(capsys, "--root", str(course), "progress")[1]
        assert "(changed since: check again)" in out

    def test_a_damaged_record_is_ignored(self, course, capsys):
        (course / ".mlinterview").mkdir()
        (course / ".mlinterview" / "progress.json").write_text("{half")
        code, out, _ = run_cli(capsys, "--root", str(course), "progress")
        assert code == 0 and f"{AID}/{NB}" in out and "not started" in out



# --------------------------------------------------------------------------- hints


def test_every_part_folds_its_hints_for_jupyterlab():
    """Hints are shown on request by <details> blocks (JupyterLab renders them folded)."""
    import re

    from mlinterview import course

    found = 0
    for path in sorted((ROOT / "source").glob("*/*.ipynb")):
        nb = course_mod.read_ipynb(path)
        heads = [i for i, c in enumerate(nb.cells) if c.cell_type == "markdown"
                 and c.source.lstrip().startswith("#")
                 and course.POINTS_RE.search(c.source.splitlines()[0])]
        for n, start in enumerate(heads):
            end = heads[n + 1] if n + 1 < len(heads) else len(nb.cells)
            text = "\n".join(c.source for c in nb.cells[start:end] if c.cell_type == "markdown")
            hints = re.findall(r"<details>\s*<summary>(Hint[^<]*)</summary>(.*?)</details>", text, re.S)
            title = nb.cells[start].source.splitlines()[0]
            assert hints, f"{path.parent.name}/{path.stem}: {title}: no <details> hint"
            assert all(body.strip() for _, body in hints), f"{title}: an empty hint"
            found += 1
    assert found >= 4


def test_inside_a_notebook(course, tmp_path):
    """A learner's kernel, working in mywork/<aid>/, asks for a solution and a self-check."""
    from nbclient import NotebookClient

    folder = course / "mywork" / AID
    save(fixture_notebook("partial"), folder / f"{NB}.ipynb")
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from mlinterview import selfstudy\n"
                                  "selfstudy.solution('trace_answer')"),
        nbformat.v4.new_code_cell(f"selfstudy.check('{NB}.ipynb')"),
    ])
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    solution_out = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert "ANSWER = (0, 4)" in solution_out and f"source/{AID}/{NB}.ipynb" in solution_out
    check_out = nb.cells[1].outputs
    assert [o.output_type for o in check_out] == ["stream"] and check_out[0].name == "stdout"
    assert "Total: 9/12 points; 2 of 4 parts passed" in check_out[0].text
    assert (course / ".mlinterview" / "progress.json").is_file()
