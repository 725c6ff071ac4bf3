# One command each: `make site` builds the demo site, `make test` runs the tests.
# Both create .venv with Python 3.11+ on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev

.PHONY: site test lab check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/lhs-reports build
	@echo "Open outputs/_site/index.html in a browser (or: $(BIN)/python -m http.server -d outputs/_site 8000)"

test: $(STAMP)
	$(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/lhs-reports check

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,lab]"
	$(BIN)/jupyter lab src/lhs_reports/notebooks/

clean:
	rm -rf outputs data/demo
