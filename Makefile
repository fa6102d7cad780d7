# Two commands for a fresh machine: `make lab` (learn) and `make test` (check everything).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FIRST_NOTEBOOK := release/01_central_difference/central_difference.ipynb
# As if the venv were activated: nbgrader runs helper programs (alembic) found on PATH.
RUN    := PATH="$(abspath $(BIN)):$$PATH"
# Jupyter refuses to start as root (containers, CI) unless told it may.
AS_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test chromium bubblewrap clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed-lab: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,gpu]"
	touch $@ $(VENV)/.installed-lab

lab: $(VENV)/.installed-lab
	cd course && $(RUN) jupyter lab $(AS_ROOT) $(FIRST_NOTEBOOK)

test: $(VENV)/.installed-dev chromium bubblewrap
	$(RUN) python -m pytest

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

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
