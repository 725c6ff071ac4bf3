# One command each: `make site` builds the demo site, `make test` runs the tests.
# Both create .venv with Python 3.11+ on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: site test lab check clean browser-tools lock

# axe-core for the browser tests, from the npm registry at the version package-lock.json pins.
AXE_STAMP := tests/browser/node_modules/.installed

# The exact versions of requirements.lock (every extra: dev, dask, lab), then the package itself
# without resolving again, so every machine runs the same libraries.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Regenerate requirements.lock after changing a dependency in pyproject.toml (uv from PyPI).
LOCK_COMMAND := uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
	-o requirements.lock
lock:
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	@[ -x $(BIN)/uv ] || $(BIN)/python -m pip install --quiet uv
	$(BIN)/$(LOCK_COMMAND)

site: $(STAMP)
	$(BIN)/lhs-reports build
	@echo "Open outputs/_site/index.html in a browser (or: $(BIN)/python -m http.server -d outputs/_site 8000)"

test: $(STAMP) browser-tools
	$(BIN)/python -m pytest

# Without npm the accessibility checks skip (they fail under .ci/run, which installs npm).
browser-tools:
	@if [ ! -f $(AXE_STAMP) ] || [ tests/browser/package-lock.json -nt $(AXE_STAMP) ]; then \
	  if command -v npm >/dev/null 2>&1; then \
	    npm ci --prefix tests/browser --no-audit --no-fund --silent && touch $(AXE_STAMP); \
	  else echo "npm not found: browser tests that need axe-core will be skipped"; fi; \
	fi

check: $(STAMP)
	$(BIN)/lhs-reports check

# JupyterLab with the report notebooks on the named kernel of this environment (`lhs-reports
# kernel install`). Its root is the repository, so params/, data/ and a project's own notebooks/
# are a click away; it opens in the packaged notebooks' folder. Root (a container) needs
# --allow-root, which JupyterLab refuses to assume. The lab extra is in requirements.lock.
LAB_NOTEBOOKS := src/lhs_reports/notebooks
LAB_ARGS ?=

lab: $(STAMP)
	$(BIN)/lhs-reports kernel install
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" \
	  --ContentsManager.preferred_dir=$(LAB_NOTEBOOKS) \
	  $$(if [ "$$(id -u)" = 0 ]; then echo --allow-root; fi) $(LAB_ARGS)

clean:
	rm -rf outputs data/demo
