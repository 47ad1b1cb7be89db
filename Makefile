# The index of workflows. Every target that needs the environment creates it
# (.venv, from pyproject.toml) when it is missing or older than pyproject.toml.
#
#   make demo    build, hand in a sample cohort (one student hostile), grade it with
#                `mlinterview grade`, print the scores, write reports/ (stock nbgrader
#                instead: .venv/bin/mlinterview demo --stock)
#   make test    lint, check the build is fresh, run the test suite
#   make lab     JupyterLab on your own copy of the release notebooks (mywork/)
#   make build   notebooks/*.py -> source/*.ipynb -> release/*.ipynb
#   make check   ruff + course lint + stale-build check
#   make data    re-make the generated datasets in data/ (seeded, byte for byte)
#   make bench   run the benchmarks (figures printed, not asserted)
#   make clean   remove grading state (submitted/, autograded/, gradebook.db, ...)

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
# nbgrader runs helper programs (alembic, the kernel) by name
export PATH := $(BIN):$(PATH)

.PHONY: env lab demo build check test bench data clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

env: $(STAMP)

lab: env
	$(BIN)/python -m mlinterview.workspace mywork
	$(BIN)/jupyter lab --ServerApp.root_dir=mywork $(if $(filter 0,$(shell id -u)),--allow-root)

demo: env
	$(BIN)/mlinterview demo

build: env
	$(BIN)/mlinterview build

check: env
	$(BIN)/ruff check src tests notebooks
	$(BIN)/mlinterview check
	$(BIN)/mlinterview build --check

test: check
	$(BIN)/pytest -n 2

data: env
	for g in data/*/generate.py; do $(BIN)/python $$g || exit 1; done

bench: env
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf submitted autograded/*/ feedback exchange gradebook.db reports grades.csv .pytest_cache
