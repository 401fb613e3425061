# Every target bootstraps .venv by itself; the stamp file skips the install when nothing changed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test chromium release validate lab clean hub hub-stop hub-remove

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --progress-bar off --upgrade pip
	# The CPU wheel first: any later resolution is then satisfied without a CUDA download.
	$(BIN)/python -m pip install --quiet --progress-bar off "torch==2.13.0"
	$(BIN)/python -m pip install --quiet --progress-bar off -e ".[test,hub]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/backprop-lab demo

# Two pytest processes, each test file on one of them (its fixtures build a class once).
test: $(STAMP) chromium
	$(BIN)/python -m pytest -n 2 --dist loadfile

# tests/test_browser.py drives Debian's Chromium. CI must run those tests, so there it is installed
# when missing; elsewhere they skip without it (apt-get install chromium to run them).
chromium:
	@if [ "$$CI" = "true" ] && [ ! -x /usr/bin/chromium ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

release: $(STAMP)
	$(BIN)/backprop-lab release

validate: $(STAMP)
	$(BIN)/backprop-lab validate

# Students work in coursework/, a copy of each release/ assignment made the first time it is seen:
# their answers never touch the generated release, and a new assignment joins when it appears.
COURSEWORK := coursework
lab: $(STAMP)
	@mkdir -p $(COURSEWORK)
	@for a in $(notdir $(wildcard release/*)); do \
		test -e $(COURSEWORK)/$$a || cp -R release/$$a $(COURSEWORK)/$$a; \
	done
	@echo "Your notebooks are in $(COURSEWORK)/ (a copy of release/): answers saved there stay yours."
	$(BIN)/jupyter lab --ServerApp.root_dir=$(COURSEWORK) $(if $(filter 0,$(shell id -u)),--allow-root)

# The course on a local JupyterHub (root: it makes local accounts). See README, Instructors.
# HUB_PORT (8000), HUB_IP (127.0.0.1) and HUB_DIR (/srv/backprop-lab-hub) change where it lives.
HUB_OPTIONS = $(if $(HUB_DIR),--dir $(HUB_DIR))
hub: $(STAMP)
	$(BIN)/backprop-lab hub start $(HUB_OPTIONS) --port $(or $(HUB_PORT),8000) --ip $(or $(HUB_IP),127.0.0.1)

hub-stop: $(STAMP)
	$(BIN)/backprop-lab hub stop $(HUB_OPTIONS)

hub-remove: $(STAMP)
	$(BIN)/backprop-lab hub remove $(HUB_OPTIONS)

clean:
	rm -rf $(VENV)
