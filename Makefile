# Two commands for a fresh machine: `make lab` (learn) and `make test` (check everything);
# `make instructor` sets up an instructor's environment (answer key and `autograder` command).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FIRST_NOTEBOOK := release/01_central_difference/central_difference.ipynb
# As if the venv were activated: nbgrader runs helper programs (alembic) found on PATH.
RUN    := PATH="$(abspath $(BIN)):$$PATH"
# Jupyter refuses to start as root (containers, CI) unless told it may.
AS_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test instructor chromium clean

$(BIN)/python:
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

lab: $(VENV)/.installed-lab
	cd course && $(RUN) jupyter lab $(AS_ROOT) $(FIRST_NOTEBOOK)

instructor: $(VENV)/.installed-instructor

test: $(VENV)/.installed-dev chromium
	$(RUN) python -m pytest

# Browser tests drive Debian's chromium; install it when the machine lacks it.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
