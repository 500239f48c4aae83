# One venv for everything. `make run` and `make test` do all set-up on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test lint bench venv dev clean pose-model

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

# MediaPipe's pose landmark model and person detector, taken out of their PyPI wheel once and
# kept in the venv (.venv/share/what2wear/): their sha256 is checked every time (0.4 s), and
# nothing is downloaded when the files are already there. Tests need them; the app runs
# without them (fixed rows; without the detector alone, the landmark model looks first).
pose-model: $(VENV)/.installed
	$(PY) -m core.photos.pose_model --fetch

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
dev: $(VENV)/.dev-installed

run: venv
	@$(PY) -m core.photos.pose_model --fetch || echo "warning: no pose model; outfit photos \
are cut into fixed rows (make pose-model retries)"
	$(PY) -m streamlit run streamlit_app.py --server.address 127.0.0.1 --server.port $(PORT)

test: dev pose-model
	$(PY) -m pytest -q

lint: dev
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

bench: venv pose-model
	$(PY) benchmarks/encode.py
	$(PY) benchmarks/rank.py
	$(PY) benchmarks/compat_synthetic.py
	$(PY) benchmarks/outfit_parts.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
