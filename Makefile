# Every target bootstraps .venv by itself; the stamp file skips the install when nothing changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test release validate lab clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --progress-bar off --upgrade pip
	# The CPU wheel first: any later resolution is then satisfied without a CUDA download.
	$(BIN)/python -m pip install --quiet --progress-bar off "torch==2.13.0"
	$(BIN)/python -m pip install --quiet --progress-bar off -e ".[test]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/backprop-lab demo

test: $(STAMP)
	$(BIN)/python -m pytest

release: $(STAMP)
	$(BIN)/backprop-lab release

validate: $(STAMP)
	$(BIN)/backprop-lab validate

lab: $(STAMP)
	$(BIN)/jupyter lab release

clean:
	rm -rf $(VENV)
