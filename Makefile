# Two commands for a fresh machine: `make lab` (learn) and `make test` (check everything).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FIRST_NOTEBOOK := release/01_central_difference/central_difference.ipynb
# As if the venv were activated: nbgrader runs helper programs (alembic) found on PATH.
RUN    := PATH="$(abspath $(BIN)):$$PATH"
# Jupyter refuses to start as root (containers, CI) unless told it may.
AS_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: lab test chromium clean lite

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

test: $(VENV)/.installed-dev chromium
	$(RUN) python -m pytest

# The course as a static JupyterLite site in build/lite/: Pyodide runs it in the browser, no server (lite/).
lite: $(VENV)/.installed-lab
	$(BIN)/python lite/build.py

# Browser tests drive Debian's chromium; install it when the machine lacks it.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
