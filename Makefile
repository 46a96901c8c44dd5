# vaultkit: `make run` lints the sample vault and writes its graph page; `make test` runs
# everything CI runs. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
RUN_STAMP := $(VENV)/.installed
GRAPH := build/vault-graph.html

.PHONY: run test lint bench golden chromium screenshot clean mutants

# `make run` installs what running needs; `make test` adds the dev extras.
$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(RUN_STAMP)
	@$(BIN)/vaultkit lint --vault vault; status=$$?; [ $$status -le 1 ] || exit $$status
	@if $(BIN)/vaultkit graph --help >/dev/null 2>&1; then \
		$(BIN)/vaultkit graph --vault vault --output $(GRAPH) --quiet && \
		echo "graph page: $(abspath $(GRAPH))"; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy --strict src

test: $(STAMP) chromium lint
	$(BIN)/pytest

# Browser tests need Debian's Chromium; install it when missing and we may (root).
chromium:
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Debian's chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else \
			echo "WARNING: chromium is missing and cannot be installed here: browser tests will skip"; \
		fi; \
	fi

golden: $(STAMP)
	$(BIN)/python tests/golden/regenerate.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Mutation testing of the core (slow; not part of `make test`), in a venv of its own:
# `make mutants MODULES="resolve rules markdown frontmatter"`. Scores: docs/mutation.md.
MUTVENV := build/mutvenv
MODULES ?= resolve rules
mutants:
	@[ -x $(MUTVENV)/bin/mutmut ] || { $(PYTHON) -m venv $(MUTVENV) && \
		$(MUTVENV)/bin/python -m pip install --quiet "mutmut>=3.8" hypothesis .; }
	$(PYTHON) scripts/mutants.py --mutmut $(abspath $(MUTVENV))/bin/mutmut $(MODULES) $(MUTANTS_ARGS)

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
