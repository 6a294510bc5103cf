# spinndl: the two commands of the README, and the steps they need.
#   make run    the main job on the default machine (the emulator)
#   make test   every test
# Everything installs itself into .venv on first use.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test host board bench install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The C programs for the host (the emulator); needs only gcc and make.
host:
	$(MAKE) -C neural_modelling host

# The C programs for a real board; needs SPINN_DIRS (see docs/board.md).
board:
	$(MAKE) -C neural_modelling board

run: install host
	$(PY) -m spinndl.demo

test: install host
	$(PY) -m pytest -q

bench: install host
	$(PY) -m spinndl.benchmarks.mapping

clean:
	$(MAKE) -C neural_modelling clean
	rm -rf $(VENV) *.egg-info build dist spinndl-demo
