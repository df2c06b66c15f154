# The README's two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

GUNMA = $(sort $(wildcard $(CORPUS)/gtfs-jp/kuwayama-gtfsjp-corpus-2019/gtfs.[012]*.zip))

.PHONY: run test lint fixtures clean bench-routing bench-pooling bench-pooling-insert bench-accessibility

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

# The demo enables its taxi company, bike-share and on-demand vans through their entry points,
# and the town's fare rules.
run: export MAAS_OPERATORS_CONFIG ?= $(CURDIR)/fixtures/demo-region/maas-operators.json
run: export MAAS_FARE_RULES ?= $(CURDIR)/fixtures/demo-region/fare-rules.json
run: $(VENV)/.installed-run
	$(BIN)/maas db upgrade
	$(BIN)/maas demo load
	$(BIN)/maas serve

# The import-linter contracts run inside the suite (tests/unit/test_architecture.py). The wall time
# is printed last, whether pytest passed or not, and pytest's exit status is make's.
# The lint runs first (about half a minute); the wall time printed covers lint and suite. The suite
# runs on two workers (pytest-xdist), one test file each at a time; PYTEST_ARGS='-n 0' runs it in one.
PYTEST_ARGS ?= -n 2 --dist loadfile
test: $(VENV)/.installed-test
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory lint && { echo "$(BIN)/python -m pytest $(PYTEST_ARGS)"; \
	$(BIN)/python -m pytest $(PYTEST_ARGS); }; status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s"; exit $$status

# ruff, mypy (strict on the domain, the use cases and the ticket signer; plain on routing/) and the import contracts.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy --strict maas/domain maas/services maas/ticketing.py
	$(BIN)/mypy routing
	$(BIN)/lint-imports --no-cache

fixtures: $(VENV)/.installed-run
	$(BIN)/python -m maas.demo.generate

clean:
	rm -rf $(VENV) var .pytest_cache

# Routing benchmark (issue 3): 1000 random stop-to-stop earliest-arrival queries per feed, on one core.
CORPUS ?= $(or $(MAAS_CORPUS),../shared/corpus)
BENCH_OUT ?= var/bench
bench-routing: $(VENV)/.installed-test
	mkdir -p $(BENCH_OUT)
	$(BIN)/python -m routing.bench --feed $(CORPUS)/gtfs/tampere-nysse/tampere.gtfs.zip --date 2022-02-16 \
	    --random 1000 --seed 1 --min-transfer-s 120 --cache-dir $(BENCH_OUT)/cache --out $(BENCH_OUT)/tampere.csv
	$(BIN)/python -m routing.bench --feed $(CORPUS)/gtfs/riga/riga-rigas-satiksme.gtfs.zip --date 2020-08-26 \
	    --random 1000 --seed 1 --min-transfer-s 120 --cache-dir $(BENCH_OUT)/cache --out $(BENCH_OUT)/riga.csv
	$(BIN)/python -m routing.bench --feed $(CORPUS)/gtfs-jp/kuwayama-gtfsjp-corpus-2019/saga-current.zip \
	    --date 2020-03-18 --random 1000 --seed 1 --min-transfer-s 120 --cache-dir $(BENCH_OUT)/cache --out $(BENCH_OUT)/saga.csv
	$(BIN)/python -m routing.bench $(foreach f,$(GUNMA),--feed $(f)) --date 2019-06-05 \
	    --footpath-radius-m 300 --random 1000 --seed 1 --min-transfer-s 120 --cache-dir $(BENCH_OUT)/cache --out $(BENCH_OUT)/gunma.csv

# Accessibility benchmark (issue 7): a 1000 x 50 travel-time matrix, every minute of 08:00-09:00,
# 25th/50th/75th percentiles, on every core.
bench-accessibility: $(VENV)/.installed-test
	mkdir -p $(BENCH_OUT)
	$(BIN)/python -m routing.access.bench --feed $(CORPUS)/gtfs/tampere-nysse/tampere.gtfs.zip --date 2022-02-16 \
	    --origins 1000 --destinations 50 --start 08:00 --window-min 60 --seed 1 --cache-dir $(BENCH_OUT)/cache

# Pooling benchmark (issue 4): Cordeau dial-a-ride "a" and pr sets, gaps to bks.csv, one core.
POOLING_TIME_LIMIT_S ?= 30
bench-pooling: $(VENV)/.installed-test
	mkdir -p $(BENCH_OUT)/pooling
	$(BIN)/python -m routing.pooling.bench_all --corpus $(CORPUS) --time-limit-s $(POOLING_TIME_LIMIT_S) \
	    --sets a pr --out-dir $(BENCH_OUT)/pooling

# Same-day dispatch: book 300 demo-region requests one by one, then time 200 answers and one re-optimisation.
bench-pooling-insert: $(VENV)/.installed-test
	$(BIN)/python -m routing.pooling.bench_insert --region fixtures/demo-region --vehicles 20 --requests 300 \
	    --probes 200 --seed 1
