# Shortcuts that run the same commands as the README and CI.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := rnncomp/data/sample.png
DEMO_DIR := $(or $(TMPDIR),/tmp)/rnncomp-demo

.PHONY: install test lint demo eval bench

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev,train]"
	touch $@

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .

# The main job: compress and decompress the shipped sample with the default model.
demo: install
	mkdir -p $(DEMO_DIR)
	for k in 2 4 8 12; do \
		$(BIN)/rnncomp compress $(SAMPLE) $(DEMO_DIR)/sample-$$k.rnnc --iterations $$k --force || exit 1; \
	done
	$(BIN)/rnncomp decompress $(DEMO_DIR)/sample-8.rnnc $(DEMO_DIR)/sample-8.png --force
	$(BIN)/rnncomp decompress $(DEMO_DIR)/sample-8.rnnc $(DEMO_DIR)/preview-2.png --iterations 2 --force
	$(BIN)/rnncomp info $(DEMO_DIR)/sample-8.rnnc

# The README's Kodak table: every classical codec and shipped model, BD-rates, plots.
eval: install
	$(BIN)/rnncomp eval ../shared/data/kodak --out results/kodak \
		--anchors jpeg420,hevc420 \
		--reference ../shared/reference/islam2021_kodak_mean.csv \
		--reference ../shared/reference/published_kodak.csv

bench: install
	$(BIN)/python experiments/benchmarks/model_costs.py
