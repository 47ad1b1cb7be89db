"""The README and CONTRIBUTING are for newcomers: every command they name must exist."""

from __future__ import annotations

import re

from conftest import ROOT, assignments

from mlinterview import cli

README = (ROOT / "README.md").read_text(encoding="utf-8")
CONTRIBUTING = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _section(text: str, title: str) -> str:
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"no section {title!r}"
    return match.group(1)


def _code_lines(text: str) -> list[str]:
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    return [ln.split("#")[0].strip() for b in blocks for ln in b.splitlines() if ln.strip()]


def test_quickstart_is_exactly_two_commands_demo_then_test():
    assert _code_lines(_section(README, "Quickstart")) == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.MULTILINE)


def test_every_make_target_named_exists():
    targets = set(re.findall(r"^([a-z][a-z-]*):", MAKEFILE, re.MULTILINE))
    named = set(re.findall(r"`make ([a-z-]+)", README + CONTRIBUTING))
    named |= {ln.split()[1] for ln in _code_lines(README) if ln.startswith("make ")}
    assert named and named <= targets, named - targets


def test_every_mlinterview_subcommand_named_exists():
    parser_text = (ROOT / "src/mlinterview/cli.py").read_text(encoding="utf-8")
    subcommands = set(re.findall(r'sub\.add_parser\("([a-z]+)"', parser_text))
    named = set(re.findall(r"(?<!from )\bmlinterview ([a-z]+)", README + CONTRIBUTING))
    named -= {"grade", "report"} if "grading" not in subcommands else set()
    assert named and named <= subcommands, named - subcommands
    assert callable(cli.main)


def test_every_nbgrader_command_named_is_a_stock_subcommand():
    from nbgrader.apps.nbgraderapp import NbGraderApp

    stock = set(NbGraderApp.subcommands)
    named = {ln.split()[1] for ln in _code_lines(README) if ln.startswith("nbgrader ")}
    assert named and named <= stock, named - stock


def test_the_module_table_lists_exactly_the_built_assignments():
    listed = set(re.findall(r"^\| `(m\d\d_[a-z0-9_]+)` \|", README, re.MULTILINE))
    assert listed == set(assignments())


def test_the_solution_example_names_a_real_answer_cell():
    gid = re.search(r'selfstudy\.solution\("([a-z0-9_]+)"\)', README).group(1)
    assert f'"grade_id": "{gid}"' in (
        ROOT / "notebooks/m00_interview_method/interview_method.py").read_text()
