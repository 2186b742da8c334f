# Flamewatch developer tasks. `make test` is the test command; CI runs it from .ci/run.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install: setup is skipped while it is newer than pyproject.toml.
SETUP_STAMP := $(VENV)/.flamewatch-setup

.PHONY: setup demo test lint bench kafka-jars model

setup: $(SETUP_STAMP)

$(SETUP_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,rocksdb]'
	touch $@

# Apache Kafka jars for the integration tests, fetched once with Maven into ~/.cache/flamewatch.
kafka-jars: setup
	$(BIN)/python -m streams.brokers fetch

# Integration tests use Apache Kafka unless FLAMEWATCH_TEST_BROKER=tansu (no Java needed then).
ifeq ($(FLAMEWATCH_TEST_BROKER),tansu)
test: setup
else
test: setup kafka-jars
endif
	$(BIN)/pytest -q tests/

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy

demo: setup
	$(BIN)/flamewatch demo

bench: setup
	$(BIN)/flamewatch bench

# Rebuild the shipped models from the labelled data (deterministic: same data, same bytes), with
# the leave-one-split-out report. A unit test fails while the shipped model is stale.
model: setup
	OMP_NUM_THREADS=1 $(BIN)/flamewatch train --encoder --report --report-json streams/evaluation/data/loso_report.json
