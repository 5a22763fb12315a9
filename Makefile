# newsgraph — every target sets up what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NEWSGRAPH_DATA ?= ../shared/data
export NEWSGRAPH_DATA

.PHONY: install demo test test-fast lint bench profile lock clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev,bench]"
	touch $(STAMP)

install: $(STAMP)

demo: install
	rm -f demo.db demo.db-wal demo.db-shm
	$(BIN)/newsgraph ingest examples/corpus --db demo.db
	@echo
	$(BIN)/newsgraph stats --db demo.db
	@echo
	@echo "Next, try:"
	@echo "  $(BIN)/newsgraph stories --db demo.db"
	@echo "  $(BIN)/newsgraph entity \"Haydar al-Zubaydi\" --db demo.db"
	@echo "  $(BIN)/newsgraph quotes --speaker Zubeidi --db demo.db"
	@echo "  $(BIN)/newsgraph copies --db demo.db"
	@echo "  $(BIN)/newsgraph diff examples/corpus/text/courier-dam-horror-in-the-hills.txt examples/corpus/html/tigris-duhok-dam-breach-toll-rises.html --db demo.db"
	@echo "  $(BIN)/newsgraph search \"dam breach\" --db demo.db"
	@echo "  $(BIN)/newsgraph rejections --db demo.db"
	@echo
	@echo "Then look around in a browser:"
	@echo "  $(BIN)/newsgraph serve --db demo.db      # http://127.0.0.1:8000/ (API docs at /api/v1/docs)"

lint: install
	$(BIN)/ruff check newsgraph tests benchmarks
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not slow"

bench: install
	$(BIN)/python -m benchmarks

# where an article's CPU time goes, part by part (benchmarks/profiling.py; PROFILE_ARGS="PATH -n N")
profile: install
	$(BIN)/python -m benchmarks.profiling $(PROFILE_ARGS)

# Regenerate the pinned versions after changing dependencies in pyproject.toml.
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet --upgrade "pip>=24"
	.lockenv/bin/python -m pip install --quiet ".[dev,bench]"
	.lockenv/bin/python -m pip freeze --exclude newsgraph > requirements.lock
	rm -rf .lockenv

clean:
	rm -rf $(VENV) demo.db demo.db-wal demo.db-shm .mypy_cache .ruff_cache .pytest_cache
