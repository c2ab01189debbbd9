# The two quick-start commands: `make demo` (the main job) and `make test` (the suite).
# Each creates .venv on first use. CPU-only machines (CI, the dev boxes) get the CPU
# torch wheel that lies on disk; a user's Linux machine gets PyPI's normal (CUDA) torch.
PYTHON ?= python3
VENV ?= .venv
TORCH_VERSION ?= 2.13.0
PY := $(VENV)/bin/python
STAMP := $(VENV)/.tabula-installed

.PHONY: setup demo test bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet "torch==$(TORCH_VERSION)"
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The main job: a short self-play training run on tic-tac-toe (resumes if the run exists),
# ending with the rating table of the newest agent against random and rollout players.
demo: setup
	$(VENV)/bin/tabula train tictactoe --minutes 3 --run runs/demo-tictactoe

# The rules and search kernels also run as plain Python once (numba off), so their
# py_func paths stay valid; then the whole suite.
NOJIT_TESTS := tests/test_go_rules.py tests/test_gomoku_rules.py tests/test_mcts_kernels.py

test: setup
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest -q -n 2 -p no:cacheprovider $(NOJIT_TESTS)
	$(PY) -m pytest -q -n 2

clean:
	rm -rf $(VENV) .pytest_cache
