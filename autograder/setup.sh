#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image. The zip's contents
# are in /autograder/source: a copy of the course (nbgrader_config.py, source/, the backprop_lab
# package). Everything goes into one virtual environment, /autograder/venv.
set -euo pipefail

SOURCE=/autograder/source
VENV=/autograder/venv
export DEBIAN_FRONTEND=noninteractive

# backprop-lab needs Python >= 3.11: take the newest one the image has, or install 3.11.
PYTHON=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
        && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        PYTHON="$candidate"
        break
    fi
done
apt-get update -q
if [ -z "$PYTHON" ]; then
    apt-get install -y -q python3.11 python3.11-venv
    PYTHON=python3.11
else
    apt-get install -y -q "$(basename "$PYTHON")-venv" || apt-get install -y -q python3-venv
fi

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# PyTorch's CPU build first (no GPU in the container, and no multi-GB CUDA download); the
# package's own requirement (torch<2.14) is then already satisfied.
"$VENV/bin/python" -m pip install --quiet --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"
"$VENV/bin/python" -m pip install --quiet "$SOURCE"

# Once per image instead of once per submission: the gradebook (nbgrader generate_assignment),
# matplotlib's font cache, and a check that the grading sandbox works in this container.
"$VENV/bin/python" -m backprop_lab.grading.gradescope prepare --root /autograder
