# Two commands for a fresh machine: `make lab` (learn) and `make test` (check everything);
# `make instructor` sets up an instructor's environment (answer key and `autograder` command).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Learners work in their own copies of the released notebooks, in this git-ignored folder.
WORKSPACE := my-work
RELEASE   := course/release
# More options for JupyterLab, e.g. `make lab LAB_OPTIONS=--port=8890`.
LAB_OPTIONS ?=
# As if the venv were activated: nbgrader runs helper programs (alembic) found on PATH.
RUN    := PATH="$(abspath $(BIN)):$$PATH"

.PHONY: lab workspace test instructor chromium bubblewrap clean lite

$(BIN)/python:
	@echo "First run: making $(VENV) and installing JupyterLab, nbgrader and the course into it (about 4 minutes)..."
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever a pyproject.toml changes. A learner's environment holds the learner's
# distribution only (learner/: widgets and test-cell helpers, no answers); an instructor's both.
$(VENV)/.installed-lab: learner/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e "learner[lab]"
	touch $@

$(VENV)/.installed-instructor: pyproject.toml learner/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e "learner[lab]" -e .
	touch $@ $(VENV)/.installed-lab

$(VENV)/.installed-dev: pyproject.toml learner/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e "learner[lab]" -e ".[dev,gpu]"
	touch $@ $(VENV)/.installed-lab $(VENV)/.installed-instructor

# JupyterLab over the whole repository, opening the learner's copy of notebook 01.
lab: $(VENV)/.installed-lab workspace
	@$(RUN) $(BIN)/python scripts/lab.py --workspace $(WORKSPACE) --release $(RELEASE) $(LAB_OPTIONS)

# Copy into $(WORKSPACE)/ each released notebook it lacks; never overwrites, never deletes.
workspace:
	@$(PYTHON) scripts/workspace.py --release $(RELEASE) --into $(WORKSPACE)

# The instructor's side too (solutions, autograder): one line in the instructor's guide.
instructor: $(VENV)/.installed-instructor

test: $(VENV)/.installed-dev chromium bubblewrap
	$(RUN) python -m pytest

# The course as a static JupyterLite site in build/lite/: Pyodide runs it in the browser, no server (lite/).
lite: $(VENV)/.installed-lab
	$(BIN)/python lite/build.py

# Browser tests drive Debian's chromium; install it when the machine lacks it.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Grading runs each kernel in a bubblewrap sandbox; install Debian's when the machine lacks it.
bubblewrap:
	@command -v bwrap >/dev/null 2>&1 || { \
	  echo "installing Debian's bubblewrap for the grading sandbox"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; }

# Leaves $(WORKSPACE)/ alone: it holds the learner's work.
clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
