# One venv for everything. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test lint bench venv dev clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
dev: $(VENV)/.dev-installed

run: venv
	$(PY) -m streamlit run streamlit_app.py --server.address 127.0.0.1 --server.port $(PORT)

test: dev
	$(PY) -m pytest -q

lint: dev
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

bench: venv
	$(PY) benchmarks/encode.py
	$(PY) benchmarks/rank.py
	$(PY) benchmarks/compat_synthetic.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
